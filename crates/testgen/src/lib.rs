//! Deterministic generator of STIX 2.1 test objects for Schakel's differential tests.
//!
//! For every STIX 2.1 type (19 SDOs, 2 SROs, 18 SCOs and the three meta objects) it builds
//! valid objects with random subsets of optional properties and realistic values, and
//! invalid objects that differ from a valid one by a single mutation. Each object carries
//! its [`Intent`]: valid, or the checklist rule the mutation breaks. The stream is fixed by
//! a seed (splitmix64), so a failing object can always be regenerated.

#![forbid(unsafe_code)]

pub mod build;
pub mod mutate;
pub mod pattern;
pub mod rng;
pub mod values;

use serde_json::{Map, Value};

pub use mutate::Mutation;
pub use rng::Rng;

/// Every STIX 2.1 object type the generator covers, in a fixed order (the order is part of
/// the seed derivation: append, never reorder).
pub const ALL_TYPES: [&str; 42] = [
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
    "relationship",
    "sighting",
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
    "marking-definition",
    "language-content",
    "extension-definition",
];

/// The default corpus seed.
pub const DEFAULT_SEED: u64 = 0x5C4A_6B31_2025_0001;

/// What the generator meant an object to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// Valid STIX 2.1 (it may still draw SHOULD-level warnings, e.g. open-vocabulary values
    /// outside the suggested list or custom properties).
    Valid,
    /// A valid object with one mutation that breaks `Mutation::rule`.
    Invalid(Mutation),
}

impl Intent {
    /// `valid` or the mutation's name: the grouping key of reports.
    pub fn label(&self) -> String {
        match self {
            Intent::Valid => "valid".to_owned(),
            Intent::Invalid(m) => format!("{} {}", m.rule, m.name),
        }
    }
}

/// One generated object.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The object's `type` before any mutation.
    pub type_name: &'static str,
    /// Position within its type (0-based).
    pub index: usize,
    /// File stem, e.g. `malware-0042`.
    pub name: String,
    pub object: Map<String, Value>,
    pub intent: Intent,
}

impl Generated {
    /// The object as pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.object).unwrap_or_default()
    }
}

/// Share of objects that get a mutation.
pub const MUTATION_SHARE: f64 = 0.35;

/// Generates object `index` of type `ALL_TYPES[type_index]` for `seed`.
pub fn generate_one(seed: u64, type_index: usize, index: usize) -> Option<Generated> {
    let type_name = *ALL_TYPES.get(type_index)?;
    let mut r = Rng::for_object(seed, type_index, index);
    let mut object = build::valid(type_name, &mut r)?;
    let mut intent = Intent::Valid;
    if r.chance(MUTATION_SHARE) {
        let mut candidate = object.clone();
        if let Some(m) = mutate::mutate(type_name, &mut candidate, &mut r) {
            if !m.name.contains("granular") {
                mutate::repair_selectors(&mut candidate);
            }
            if values::SCO_TYPES.contains(&type_name) && !m.keep_id {
                build::assign_sco_id(&mut candidate, &mut r);
            }
            object = candidate;
            intent = Intent::Invalid(m);
        }
    }
    Some(Generated {
        type_name,
        index,
        name: format!("{type_name}-{index:04}"),
        object,
        intent,
    })
}

/// `per_type` objects of every type in [`ALL_TYPES`].
pub fn generate(seed: u64, per_type: usize) -> Vec<Generated> {
    (0..ALL_TYPES.len())
        .flat_map(|t| (0..per_type).filter_map(move |i| generate_one(seed, t, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let a = generate(7, 5);
        let b = generate(7, 5);
        assert_eq!(a.len(), 5 * ALL_TYPES.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.object, y.object);
            assert_eq!(x.intent, y.intent);
        }
        let c = generate(8, 5);
        assert!(a.iter().zip(&c).any(|(x, y)| x.object != y.object));
    }

    #[test]
    fn every_type_has_valid_and_mutated_objects() {
        let all = generate(DEFAULT_SEED, 60);
        for ty in ALL_TYPES {
            let of: Vec<_> = all.iter().filter(|g| g.type_name == ty).collect();
            assert!(
                of.iter().any(|g| g.intent == Intent::Valid),
                "{ty}: no valid object"
            );
            assert!(
                of.iter().any(|g| g.intent != Intent::Valid),
                "{ty}: no mutated object"
            );
            for g in &of {
                assert!(g.object.contains_key("type"), "{}: no type", g.name);
            }
        }
    }

    #[test]
    fn sco_ids_are_deterministic_when_valid() {
        for g in generate(DEFAULT_SEED, 30) {
            if !values::SCO_TYPES.contains(&g.type_name) || g.intent != Intent::Valid {
                continue;
            }
            let text = serde_json::to_string(&g.object).unwrap();
            let id = g.object["id"].as_str().unwrap();
            match stix::sco_id::deterministic_id(&text).unwrap() {
                Some(expected) => assert_eq!(id, expected.as_str(), "{}", g.name),
                None => assert!(id.contains("-4"), "{}: expected a UUIDv4, got {id}", g.name),
            }
        }
    }
}
