//! The marking registry: well-known objects with fixed ids that everybody must agree on.
//!
//! - the four TLP 1.0 marking-definitions of STIX 2.1 section 7.2.1.4 (S-71);
//! - the five TLP 2.0 marking-definitions of the OASIS CTI TC extension
//!   `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d` (S-77);
//! - the PAP marking-definitions of the TC extension
//!   `extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b` (PAP:WHITE kept for older MISP);
//! - Schakel's own identity, extension-definitions and personal-data markings (DESIGN.md
//!   section 4; their ids are fixed and must never be regenerated).
//!
//! The TLP objects are BSD-3 data of OASIS Open (`fixtures/conformance/licenses/`).
//!
//! A marking-definition that reuses a well-known id with different content is an error: many
//! tools in the wild ship mangled TLP objects, and a policy engine that trusted the id alone
//! would apply the wrong rules.

use std::sync::OnceLock;

use serde_json::Value;

use crate::StixTimestamp;
use crate::json::Node;
use crate::validate::RuleCtx;

/// Identity of the Schakel project, creator of the definitions below.
pub const PROJECT_IDENTITY: &str = "identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a";
/// Audience extension: `recipients`, `affected_parties`.
pub const AUDIENCE_EXTENSION: &str = "extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8";
/// Personal-data extension: `pii` = present / credential / none.
pub const PERSONAL_DATA_EXTENSION: &str =
    "extension-definition--a6576c31-8eaa-4fd6-b0af-1a020acb2006";
/// Redaction extension: `redacted_from`, `removed_selectors`, `profile`.
pub const REDACTION_EXTENSION: &str = "extension-definition--1988d062-a549-4b60-bdb0-a6035bb5e01b";
/// UUIDv5 namespace for the ids of redacted (derived) objects.
pub const DERIVED_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x4efcf5ec_d944_4b5e_b615_f51786a7d254);
/// The TLP 2.0 extension-definition of the OASIS CTI TC.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The PAP extension-definition of the OASIS CTI TC.
/// The effective TLP of an object with these marking ids: the most restrictive TLP among them
/// (STIX defines no combination rule; DESIGN.md section 4 makes the strictest win). `None` when
/// none of them is a TLP marking.
pub fn effective_tlp<'a>(marking_ids: impl IntoIterator<Item = &'a str>) -> Option<Tlp> {
    marking_ids.into_iter().filter_map(tlp_level).max()
}

pub const PAP_EXTENSION: &str = "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b";

/// TLP levels in TLP 2.0 terms, ordered from least to most restrictive. TLP 1.0 WHITE is CLEAR.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

impl std::str::FromStr for Tlp {
    type Err = String;

    /// TLP 2.0 names, case-insensitive, with or without the `TLP:` prefix; TLP 1.0 `white` is
    /// CLEAR (FIRST's mapping).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_prefix("tlp:").unwrap_or(&t);
        Ok(match t {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => {
                return Err(format!(
                    "'{s}' is not a TLP level (clear, green, amber, amber+strict, red)"
                ));
            }
        })
    }
}

impl std::fmt::Display for Tlp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TLP:{}", self.as_str().to_ascii_uppercase())
    }
}

impl Tlp {
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
}

/// PAP levels (PAP:WHITE is the older name of PAP:CLEAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pap {
    Clear,
    Green,
    Amber,
    Red,
}

/// Schakel's personal-data markings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pii {
    Present,
    Credential,
    None,
}

/// What a well-known object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WellKnownKind {
    Tlp1(Tlp),
    Tlp2(Tlp),
    Pap(Pap),
    Pii(Pii),
    /// The project identity or one of its extension-definitions.
    Project,
}

/// A well-known object: its id, meaning and canonical JSON.
#[derive(Debug)]
pub struct WellKnown {
    pub id: &'static str,
    pub kind: WellKnownKind,
    /// The object as published (compact JSON).
    pub json: &'static str,
}

macro_rules! tlp1 {
    ($uuid:literal, $level:ident, $name:literal, $def:literal) => {
        WellKnown {
            id: concat!("marking-definition--", $uuid),
            kind: WellKnownKind::Tlp1(Tlp::$level),
            json: concat!(
                r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--"#,
                $uuid,
                r#"","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":""#,
                $name,
                r#"","definition":{"tlp":""#,
                $def,
                r#""}}"#
            ),
        }
    };
}

macro_rules! ext_marking {
    ($uuid:literal, $kind:expr, $created:literal, $name:literal, $ext:literal, $prop:literal, $value:literal, $extra:literal) => {
        WellKnown {
            id: concat!("marking-definition--", $uuid),
            kind: $kind,
            json: concat!(
                r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--"#,
                $uuid,
                r#"","created":""#,
                $created,
                r#"""#,
                $extra,
                r#","name":""#,
                $name,
                r#"","extensions":{""#,
                $ext,
                r#"":{"extension_type":"property-extension",""#,
                $prop,
                r#"":""#,
                $value,
                r#""}}}"#
            ),
        }
    };
}

/// Every well-known object.
pub static WELL_KNOWN: &[WellKnown] = &[
    tlp1!(
        "613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Clear,
        "TLP:WHITE",
        "white"
    ),
    tlp1!(
        "34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Green,
        "TLP:GREEN",
        "green"
    ),
    tlp1!(
        "f88d31f6-486f-44da-b317-01333bde0b82",
        Amber,
        "TLP:AMBER",
        "amber"
    ),
    tlp1!(
        "5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Red,
        "TLP:RED",
        "red"
    ),
    ext_marking!(
        "94868c89-83c2-464b-929b-a1a8aa3c8487",
        WellKnownKind::Tlp2(Tlp::Clear),
        "2022-10-01T00:00:00.000Z",
        "TLP:CLEAR",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
        "tlp_2_0",
        "clear",
        ""
    ),
    ext_marking!(
        "bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        WellKnownKind::Tlp2(Tlp::Green),
        "2022-10-01T00:00:00.000Z",
        "TLP:GREEN",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
        "tlp_2_0",
        "green",
        ""
    ),
    ext_marking!(
        "55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        WellKnownKind::Tlp2(Tlp::Amber),
        "2022-10-01T00:00:00.000Z",
        "TLP:AMBER",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
        "tlp_2_0",
        "amber",
        ""
    ),
    ext_marking!(
        "939a9414-2ddd-4d32-a0cd-375ea402b003",
        WellKnownKind::Tlp2(Tlp::AmberStrict),
        "2022-10-01T00:00:00.000Z",
        "TLP:AMBER+STRICT",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
        "tlp_2_0",
        "amber+strict",
        ""
    ),
    ext_marking!(
        "e828b379-4e03-4974-9ac4-e53a884c97c1",
        WellKnownKind::Tlp2(Tlp::Red),
        "2022-10-01T00:00:00.000Z",
        "TLP:RED",
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d",
        "tlp_2_0",
        "red",
        ""
    ),
    ext_marking!(
        "ad15a0cd-55b6-4588-a14c-a66105329b92",
        WellKnownKind::Pap(Pap::Clear),
        "2022-10-01T00:00:00.000Z",
        "PAP:CLEAR",
        "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b",
        "pap",
        "clear",
        ""
    ),
    ext_marking!(
        "a3bea94c-b469-41dc-9cfe-d6e7daba7730",
        WellKnownKind::Pap(Pap::Clear),
        "2022-10-01T00:00:00.000Z",
        "PAP:WHITE",
        "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b",
        "pap",
        "white",
        ""
    ),
    ext_marking!(
        "c43594d1-4b11-4c59-93ab-1c9b14d53ce9",
        WellKnownKind::Pap(Pap::Green),
        "2022-10-09T00:00:00.000Z",
        "PAP:GREEN",
        "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b",
        "pap",
        "green",
        ""
    ),
    ext_marking!(
        "60f8932b-e51e-4458-b265-a2e8be9a80ab",
        WellKnownKind::Pap(Pap::Amber),
        "2022-10-02T00:00:00.000Z",
        "PAP:AMBER",
        "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b",
        "pap",
        "amber",
        ""
    ),
    ext_marking!(
        "740d36e5-7714-4c30-961a-3ae632ceee0e",
        WellKnownKind::Pap(Pap::Red),
        "2022-10-06T00:00:00.000Z",
        "PAP:RED",
        "extension-definition--f8d78575-edfd-406e-8e84-6162a8450f5b",
        "pap",
        "red",
        ""
    ),
    ext_marking!(
        "a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d",
        WellKnownKind::Pii(Pii::Present),
        "2026-11-28T00:00:00.000Z",
        "PII:PRESENT",
        "extension-definition--a6576c31-8eaa-4fd6-b0af-1a020acb2006",
        "pii",
        "present",
        r#","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a""#
    ),
    ext_marking!(
        "3a7f8d07-0408-4ce0-98d5-8cac5339e74d",
        WellKnownKind::Pii(Pii::Credential),
        "2026-11-28T00:00:00.000Z",
        "PII:CREDENTIAL",
        "extension-definition--a6576c31-8eaa-4fd6-b0af-1a020acb2006",
        "pii",
        "credential",
        r#","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a""#
    ),
    ext_marking!(
        "89a92d23-c725-4a11-aa67-4cfafc56d784",
        WellKnownKind::Pii(Pii::None),
        "2026-11-28T00:00:00.000Z",
        "PII:NONE",
        "extension-definition--a6576c31-8eaa-4fd6-b0af-1a020acb2006",
        "pii",
        "none",
        r#","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a""#
    ),
    WellKnown {
        id: PROJECT_IDENTITY,
        kind: WellKnownKind::Project,
        json: r#"{"type":"identity","spec_version":"2.1","id":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a","created":"2026-11-28T00:00:00.000Z","modified":"2026-11-28T00:00:00.000Z","name":"Schakel","description":"The Schakel TAXII 2.1 server project: creator of the Schakel STIX extensions and personal-data markings.","identity_class":"system"}"#,
    },
    WellKnown {
        id: AUDIENCE_EXTENSION,
        kind: WellKnownKind::Project,
        json: r#"{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a","created":"2026-11-28T00:00:00.000Z","modified":"2026-11-28T00:00:00.000Z","name":"Schakel audience","description":"Who an object is for: 'recipients' (identity ids of the named recipients, e.g. of TLP:RED) and 'affected_parties' (identity ids of the organisations the information is about). Used on objects and on marking-definitions.","schema":"Schakel repository: schemas/stix/audience-extension.schema.json","version":"1.0.0","extension_types":["property-extension"]}"#,
    },
    WellKnown {
        id: PERSONAL_DATA_EXTENSION,
        kind: WellKnownKind::Project,
        json: r#"{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--a6576c31-8eaa-4fd6-b0af-1a020acb2006","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a","created":"2026-11-28T00:00:00.000Z","modified":"2026-11-28T00:00:00.000Z","name":"Schakel personal data","description":"Personal-data class of the marked content: 'pii' is 'present' (personal data), 'credential' (credentials, a subclass of personal data) or 'none'. Used on the PII:PRESENT, PII:CREDENTIAL and PII:NONE marking-definitions.","schema":"Schakel repository: schemas/stix/personal-data-extension.schema.json","version":"1.0.0","extension_types":["property-extension"]}"#,
    },
    WellKnown {
        id: REDACTION_EXTENSION,
        kind: WellKnownKind::Project,
        json: r#"{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--1988d062-a549-4b60-bdb0-a6035bb5e01b","created_by_ref":"identity--779c8920-dad4-4eaa-aaf1-bf1122444b8a","created":"2026-11-28T00:00:00.000Z","modified":"2026-11-28T00:00:00.000Z","name":"Schakel redaction","description":"Marks an object as a redacted copy made by a Schakel server for one reader: 'redacted_from' (id of the source object), 'removed_selectors' (granular-marking selectors of the removed properties), 'profile' (name of the redaction profile).","schema":"Schakel repository: schemas/stix/redaction-extension.schema.json","version":"1.0.0","extension_types":["property-extension"]}"#,
    },
];

/// The well-known object with this id.
pub fn well_known(id: &str) -> Option<&'static WellKnown> {
    WELL_KNOWN.iter().find(|w| w.id == id)
}

/// The TLP level of a TLP 1.0 or TLP 2.0 marking-definition id (WHITE normalised to CLEAR).
pub fn tlp_level(marking_id: &str) -> Option<Tlp> {
    match well_known(marking_id)?.kind {
        WellKnownKind::Tlp1(t) | WellKnownKind::Tlp2(t) => Some(t),
        _ => None,
    }
}

/// The PAP level of a PAP marking-definition id.
pub fn pap_level(marking_id: &str) -> Option<Pap> {
    match well_known(marking_id)?.kind {
        WellKnownKind::Pap(p) => Some(p),
        _ => None,
    }
}

/// The personal-data class of one of Schakel's PII marking-definition ids.
pub fn pii_marking(marking_id: &str) -> Option<Pii> {
    match well_known(marking_id)?.kind {
        WellKnownKind::Pii(p) => Some(p),
        _ => None,
    }
}

fn parsed() -> &'static Vec<(&'static str, Value)> {
    static PARSED: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    PARSED.get_or_init(|| {
        WELL_KNOWN
            .iter()
            .filter_map(|w| serde_json::from_str(w.json).ok().map(|v| (w.id, v)))
            .collect()
    })
}

/// The published object with this id, parsed.
pub fn well_known_value(id: &str) -> Option<&'static Value> {
    parsed().iter().find(|(i, _)| *i == id).map(|(_, v)| v)
}

/// Compares an object claiming a well-known id with the published one. Returns the names
/// of the properties whose values differ or are missing (timestamps compare as instants).
/// Extra properties are not differences: they are reported as such by the caller.
pub fn content_differences(id: &str, obj: &crate::json::Object<'_>) -> Option<Vec<String>> {
    let published = well_known_value(id)?.as_object()?;
    let mut diffs = Vec::new();
    for (k, want) in published {
        let same = match obj.get(k) {
            None => false,
            Some(got) => match (k.as_str(), got, want) {
                ("created" | "modified", Node::String(g), Value::String(w)) => {
                    StixTimestamp::parse(g).ok() == StixTimestamp::parse(w).ok()
                }
                _ => got.to_json_value() == *want,
            },
        };
        if !same {
            diffs.push(k.clone());
        }
    }
    Some(diffs)
}

/// Validator rule: a marking-definition (or project object) that uses a well-known id must
/// carry the well-known content.
pub fn check_well_known(c: &mut RuleCtx<'_, '_>) {
    let Some(id) = c.str("id") else { return };
    let Some(known) = well_known(id) else { return };
    let rule = match known.kind {
        WellKnownKind::Tlp1(_) => "S-71",
        _ => "S-77",
    };
    let Some(diffs) = content_differences(id, c.obj) else {
        return;
    };
    if !diffs.is_empty() {
        c.error(
            rule,
            "",
            format!(
                "{id} is a well-known id ({}) but this object differs in: {}",
                describe(known.kind),
                diffs.join(", ")
            ),
        );
    }
    if let Some(published) = well_known_value(id).and_then(Value::as_object) {
        let extra: Vec<&str> = c
            .obj
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !published.contains_key(*k))
            .collect();
        if !extra.is_empty() {
            c.warn(
                rule,
                "",
                format!(
                    "{id} carries properties the published {} object does not have: {}",
                    describe(known.kind),
                    extra.join(", ")
                ),
            );
        }
    }
}

fn describe(kind: WellKnownKind) -> String {
    match kind {
        WellKnownKind::Tlp1(t) => format!("TLP 1.0 {}", t.as_str()),
        WellKnownKind::Tlp2(t) => format!("TLP 2.0 {}", t.as_str()),
        WellKnownKind::Pap(p) => format!("PAP {p:?}"),
        WellKnownKind::Pii(p) => format!("Schakel PII {p:?}"),
        WellKnownKind::Project => "Schakel project object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_parses_and_has_its_id() {
        assert_eq!(parsed().len(), WELL_KNOWN.len());
        for w in WELL_KNOWN {
            let v = well_known_value(w.id).unwrap();
            assert_eq!(v["id"], w.id);
        }
    }

    #[test]
    fn effective_tlp_is_the_strictest_tlp_marking() {
        let clear_v1 = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
        let amber_strict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
        let not_tlp = "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9";
        assert_eq!(
            effective_tlp([amber_strict, clear_v1, not_tlp]),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(effective_tlp([not_tlp, clear_v1]), Some(Tlp::Clear));
        assert_eq!(effective_tlp([not_tlp]), None);
        assert_eq!(effective_tlp([]), None);
    }

    #[test]
    fn tlp_levels_of_both_versions() {
        assert_eq!(
            tlp_level("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(
            tlp_level("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
            Some(Tlp::Clear)
        );
        assert_eq!(
            tlp_level("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(
            tlp_level("marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9"),
            None
        );
        assert!(
            Tlp::Red > Tlp::AmberStrict && Tlp::AmberStrict > Tlp::Amber && Tlp::Green > Tlp::Clear
        );
        assert_eq!(
            pap_level("marking-definition--a3bea94c-b469-41dc-9cfe-d6e7daba7730"),
            Some(Pap::Clear)
        );
        assert_eq!(
            pii_marking("marking-definition--3a7f8d07-0408-4ce0-98d5-8cac5339e74d"),
            Some(Pii::Credential)
        );
    }

    #[test]
    fn matches_the_oasis_tlp_fixture() {
        let text = include_str!("../../../fixtures/conformance/tlp/tlp-marking-definitions.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        let mut n = 0;
        for group in ["tlp_1_0", "tlp_2_0"] {
            for obj in doc[group].as_array().unwrap() {
                let id = obj["id"].as_str().unwrap();
                assert_eq!(well_known_value(id), Some(obj), "{id}");
                n += 1;
            }
        }
        assert_eq!(n, 9);
    }

    #[test]
    fn altered_content_is_a_difference() {
        let n = Node::parse(r#"{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"white"}}"#).unwrap();
        let d = content_differences(
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            n.as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(d, vec!["definition".to_string()]);
    }
}
