//! Deterministic SCO ids (S-16..S-19): every vector of
//! `fixtures/conformance/vectors/sco-ids.json` (generated with python-stix2, the TC's reference
//! library) must give exactly its `uuidv5_name` and `expected_id`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::path::PathBuf;

use serde_json::Value;
use stix::json::Node;
use stix::sco_id;

#[test]
fn all_sco_id_vectors_match() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/conformance/vectors/sco-ids.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["namespace"], sco_id::SCO_NAMESPACE.to_string());
    let vectors = doc["vectors"].as_array().unwrap();
    let mut matched = 0;
    for v in vectors {
        let ty = v["type"].as_str().unwrap();
        let mut input = v["input"].clone();
        input
            .as_object_mut()
            .unwrap()
            .insert("type".into(), Value::String(ty.into()));
        let text = serde_json::to_string(&input).unwrap();
        let node = Node::parse(&text).unwrap();
        let name = sco_id::uuidv5_name(ty, node.as_object().unwrap()).unwrap();
        assert_eq!(name.as_deref(), v["uuidv5_name"].as_str(), "{ty}: {text}");
        let id = sco_id::deterministic_id(&text).unwrap().unwrap();
        assert_eq!(
            id.as_str(),
            v["expected_id"].as_str().unwrap(),
            "{ty}: {text}"
        );
        matched += 1;
    }
    println!("{matched}/{} SCO id vectors match", vectors.len());
    assert_eq!(matched, 26);
}
