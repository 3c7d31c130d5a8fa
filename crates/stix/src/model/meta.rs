//! Meta objects (section 7): language-content, marking-definition, extension-definition.
//!
//! Meta objects get no common properties from the validator (each has its own subset, S-35), so
//! every declaration here lists all of its properties. Common properties that are "not
//! applicable" to a meta object are reported by its rule function.

use crate::model::{Dictionary, Extensions, ExternalReference, GranularMarking};
use crate::spec::{Kind, k};
use crate::validate::rules;
use crate::vocab::ExtensionType;
use crate::{StixId, StixTimestamp};

const EXTERNAL_REFERENCES: Kind = Kind::List(&Kind::Object(ExternalReference::SPEC));
const GRANULAR_MARKINGS: Kind = Kind::List(&Kind::Object(GranularMarking::SPEC));

stix_meta! { Meta,
    /// Language Content (section 7.1): translations of the text of another object.
    LanguageContent = "language-content" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: StixId = "id" => k::ANY_REF,
            created: StixTimestamp = "created" => k::TIMESTAMP_MS,
            modified: StixTimestamp = "modified" => k::TIMESTAMP_MS,
            object_ref: StixId = "object_ref" => k::ANY_REF,
            // Keys are RFC 5646 language tags, values dictionaries mirroring the target's
            // properties (S-78, checked by the rule).
            contents: Dictionary = "contents" => k::DICT,
        }
        optional {
            created_by_ref: StixId = "created_by_ref" => ref_to!("identity"),
            revoked: bool = "revoked" => k::BOOL,
            labels: Vec<String> = "labels" => k::STRINGS,
            confidence: i64 = "confidence" => k::int(0, 100),
            external_references: Vec<ExternalReference> = "external_references" => EXTERNAL_REFERENCES,
            object_marking_refs: Vec<StixId> = "object_marking_refs" => refs_to!("marking-definition"),
            granular_markings: Vec<GranularMarking> = "granular_markings" => GRANULAR_MARKINGS,
            extensions: Extensions = "extensions" => Kind::Extensions,
            object_modified: StixTimestamp = "object_modified" => k::TIMESTAMP,
        }
        rules = rules::language_content;
    }
}

stix_meta! { Meta,
    /// Marking Definition (section 7.2.1): a data marking (TLP 1.0, statement, or one defined
    /// by an extension). Marking definitions are not versioned: no `modified`.
    MarkingDefinition = "marking-definition" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: StixId = "id" => k::ANY_REF,
            // Plain timestamp here, precision checked by the rule: see `marking_definition`.
            created: StixTimestamp = "created" => k::TIMESTAMP,
        }
        optional {
            created_by_ref: StixId = "created_by_ref" => ref_to!("identity"),
            external_references: Vec<ExternalReference> = "external_references" => EXTERNAL_REFERENCES,
            object_marking_refs: Vec<StixId> = "object_marking_refs" => refs_to!("marking-definition"),
            granular_markings: Vec<GranularMarking> = "granular_markings" => GRANULAR_MARKINGS,
            extensions: Extensions = "extensions" => Kind::Extensions,
            name: String = "name" => k::STRING,
            // Deprecated in favour of extensions; required together unless `extensions` is
            // present (S-69, checked by the rule). `definition_type` is an open vocabulary
            // in the text (`statement`, `tlp`) that the checklist does not count among S-66's.
            definition_type: String = "definition_type" => k::STRING,
            definition: Dictionary = "definition" => k::DICT,
        }
        rules = rules::marking_definition;
    }
}

stix_meta! { Meta,
    /// Extension Definition (section 7.3): defines new object types or properties.
    ExtensionDefinition = "extension-definition" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: StixId = "id" => k::ANY_REF,
            created: StixTimestamp = "created" => k::TIMESTAMP_MS,
            modified: StixTimestamp = "modified" => k::TIMESTAMP_MS,
            created_by_ref: StixId = "created_by_ref" => ref_to!("identity"),
            name: String = "name" => k::STRING,
            schema: String = "schema" => k::STRING,
            version: String = "version" => k::STRING,
            // extension-type-enum values; checked by the rule so that a bad value is reported
            // under S-51 (the extension-definition rule) rather than the generic S-67.
            extension_types: Vec<ExtensionType> = "extension_types" => k::STRINGS,
        }
        optional {
            description: String = "description" => k::STRING,
            extension_properties: Vec<String> = "extension_properties" => k::STRINGS,
            revoked: bool = "revoked" => k::BOOL,
            labels: Vec<String> = "labels" => k::STRINGS,
            external_references: Vec<ExternalReference> = "external_references" => EXTERNAL_REFERENCES,
            object_marking_refs: Vec<StixId> = "object_marking_refs" => refs_to!("marking-definition"),
            granular_markings: Vec<GranularMarking> = "granular_markings" => GRANULAR_MARKINGS,
        }
        rules = rules::extension_definition;
    }
}
