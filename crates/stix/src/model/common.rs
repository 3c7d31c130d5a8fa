//! Common data types (STIX 2.1 section 2) and the common properties of each category
//! (section 3.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::{Kind, PropSpec, k};

/// The hashes type (section 2.7): algorithm name to hash value.
pub type Hashes = BTreeMap<String, String>;

/// A dictionary (section 2.3).
pub type Dictionary = serde_json::Map<String, serde_json::Value>;

stix_nested! {
    /// External reference (section 2.5).
    ExternalReference = "external-reference" {
        required {
            source_name: String = "source_name" => k::STRING,
        }
        optional {
            description: String = "description" => k::STRING,
            url: String = "url" => k::URL,
            hashes: Hashes = "hashes" => k::HASHES,
            external_id: String = "external_id" => k::STRING,
        }
        rules = crate::validate::rules::external_reference;
    }
}

stix_nested! {
    /// Kill chain phase (section 2.11).
    KillChainPhase = "kill-chain-phase" {
        required {
            kill_chain_name: String = "kill_chain_name" => k::STRING,
            phase_name: String = "phase_name" => k::STRING,
        }
        optional {}
        rules = crate::validate::rules::kill_chain_phase;
    }
}

stix_nested! {
    /// Granular marking (section 7.2.3): exactly one of `marking_ref` and `lang` (S-74).
    GranularMarking = "granular-marking" {
        required {
            selectors: Vec<String> = "selectors" => k::STRINGS,
        }
        optional {
            lang: String = "lang" => k::LANG,
            marking_ref: crate::StixId = "marking_ref" => ref_to!("marking-definition"),
        }
        open = false;
        rules = crate::validate::rules::granular_marking;
    }
}

/// The `extensions` dictionary (section 3.2): keys are predefined extension names or
/// extension-definition ids; values are kept as JSON (the content of an extension is defined
/// by its own schema). Predefined SCO extensions have typed structs in [`crate::model`]
/// (`ArchiveExt`, `NtfsExt`, ...) that [`Extensions::get`] deserializes on demand.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extensions(pub serde_json::Map<String, serde_json::Value>);

impl Extensions {
    /// Deserializes the extension stored under `key` as `T`.
    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Option<Result<T, serde_json::Error>> {
        self.0.get(key).map(|v| T::deserialize(v))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

const EXTERNAL_REFERENCES: Kind = Kind::List(&Kind::Object(ExternalReference::SPEC));
const GRANULAR_MARKINGS: Kind = Kind::List(&Kind::Object(GranularMarking::SPEC));

/// Common properties of SDOs and SROs (section 3.2). `type` and `id` are checked by the
/// validator itself (the id prefix must equal the type).
pub static SDO_COMMON: &[PropSpec] = &[
    PropSpec::required("spec_version", k::STRING),
    PropSpec::required("created", k::TIMESTAMP_MS),
    PropSpec::required("modified", k::TIMESTAMP_MS),
    PropSpec::optional("created_by_ref", ref_to!("identity")),
    PropSpec::optional("revoked", k::BOOL),
    PropSpec::optional("labels", k::STRINGS),
    PropSpec::optional("confidence", k::int(0, 100)),
    PropSpec::optional("lang", k::LANG),
    PropSpec::optional("external_references", EXTERNAL_REFERENCES),
    PropSpec::optional("object_marking_refs", refs_to!("marking-definition")),
    PropSpec::optional("granular_markings", GRANULAR_MARKINGS),
    PropSpec::optional("extensions", Kind::Extensions),
];

/// Common properties of SCOs (section 3.2).
pub static SCO_COMMON: &[PropSpec] = &[
    PropSpec::optional("spec_version", k::STRING),
    PropSpec::optional("object_marking_refs", refs_to!("marking-definition")),
    PropSpec::optional("granular_markings", GRANULAR_MARKINGS),
    PropSpec::optional("defanged", k::BOOL),
    PropSpec::optional("extensions", Kind::Extensions),
];

/// Common property names that are "not applicable" to SDOs and SROs (S-33: `defanged` MUST
/// NOT be used on anything but SCOs).
pub static SDO_NOT_APPLICABLE: &[&str] = &["defanged"];

/// Common property names that are "not applicable" to SCOs. Using them is not forbidden by a
/// MUST (a versioned SCO only loses its deterministic id, S-18), so they draw a warning.
pub static SCO_NOT_APPLICABLE: &[&str] = &[
    "created",
    "modified",
    "created_by_ref",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
];

/// Reserved property names (section 3.8, S-44): MUST NOT be used on any object.
pub static RESERVED_PROPERTY_NAMES: &[&str] = &["severity", "action", "username", "phone_numbers"];
