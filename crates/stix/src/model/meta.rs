//! Meta objects (section 7): marking-definition, language-content, extension-definition; and
//! the bundle (section 8).

use crate::model::{Dictionary, Extensions};
use crate::spec::{Kind, k};
#[allow(unused_imports)]
use crate::{list_of, ref_to, refs_to};

stix_meta! { Meta,
    /// Marking definition (section 7.2.1).
    MarkingDefinition = "marking-definition" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: crate::StixId = "id" => k::ANY_REF,
            created: crate::StixTimestamp = "created" => k::TIMESTAMP_MS,
        }
        optional {
            created_by_ref: crate::StixId = "created_by_ref" => ref_to!("identity"),
            external_references: Vec<crate::model::ExternalReference> = "external_references" => Kind::List(&Kind::Object(crate::model::ExternalReference::SPEC)),
            object_marking_refs: Vec<crate::StixId> = "object_marking_refs" => refs_to!("marking-definition"),
            granular_markings: Vec<crate::model::GranularMarking> = "granular_markings" => Kind::List(&Kind::Object(crate::model::GranularMarking::SPEC)),
            name: String = "name" => k::STRING,
            definition_type: String = "definition_type" => k::STRING,
            definition: Dictionary = "definition" => k::DICT,
            extensions: Extensions = "extensions" => Kind::Extensions,
        }
    }
}

stix_meta! { Meta,
    /// Language content (section 7.1).
    LanguageContent = "language-content" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: crate::StixId = "id" => k::ANY_REF,
            created: crate::StixTimestamp = "created" => k::TIMESTAMP_MS,
            modified: crate::StixTimestamp = "modified" => k::TIMESTAMP_MS,
            object_ref: crate::StixId = "object_ref" => k::ANY_REF,
            contents: Dictionary = "contents" => k::DICT,
        }
        optional {
            object_modified: crate::StixTimestamp = "object_modified" => k::TIMESTAMP,
        }
    }
}

stix_meta! { Meta,
    /// Extension definition (section 7.3).
    ExtensionDefinition = "extension-definition" {
        required {
            spec_version: String = "spec_version" => k::STRING,
            id: crate::StixId = "id" => k::ANY_REF,
            created: crate::StixTimestamp = "created" => k::TIMESTAMP_MS,
            modified: crate::StixTimestamp = "modified" => k::TIMESTAMP_MS,
            created_by_ref: crate::StixId = "created_by_ref" => ref_to!("identity"),
            name: String = "name" => k::STRING,
            schema: String = "schema" => k::STRING,
            version: String = "version" => k::STRING,
            extension_types: Vec<String> = "extension_types" => k::STRINGS,
        }
        optional {
            description: String = "description" => k::STRING,
            extension_properties: Vec<String> = "extension_properties" => k::STRINGS,
        }
    }
}
