//! The SDO, SRO and meta-object part of the validator: for each type at least one valid and
//! one invalid object, and for each rule of S-29, S-41, S-50..S-52, S-59..S-62, S-69..S-72,
//! S-78 a violating object reported under that rule id. Plus the typed model: every
//! SDO/SRO/meta object of the OASIS examples deserializes into its typed struct and serializes
//! back to the same modeled properties.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stix::model::{SDO_COMMON, StixObject, spec_of};
use stix::validate::validate_object_json;
use stix::{Finding, Severity};

// ---------------------------------------------------------------------------------------------
// helpers

const CREATED: &str = "2016-04-06T20:03:48.000Z";
const IDENTITY: &str = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";
const MARKING: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
const FILE: &str = "file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58";
const IPV4: &str = "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4";
const SOFTWARE: &str = "software--a1827f6d-ca53-5605-9e93-4316cd22a00a";
const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const RELATIONSHIP: &str = "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad";
const OBSERVED: &str = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
const LOCATION: &str = "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64";

/// An object of `ty` with the common properties its category requires, plus `extra`.
fn obj(ty: &str, extra: Value) -> Value {
    let mut o = json!({
        "type": ty,
        "spec_version": "2.1",
        "id": format!("{ty}--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"),
        "created": CREATED,
    });
    if ty != "marking-definition" {
        o["modified"] = json!(CREATED);
    }
    merge(&mut o, extra);
    o
}

/// Sets every member of `extra` on `o`; a `null` member removes the property.
fn merge(o: &mut Value, extra: Value) {
    let Value::Object(extra) = extra else {
        panic!("extra must be an object")
    };
    for (k, v) in extra {
        if v.is_null() {
            o.as_object_mut().unwrap().remove(&k);
        } else {
            o[k] = v;
        }
    }
}

fn with(base: &Value, extra: Value) -> Value {
    let mut o = base.clone();
    merge(&mut o, extra);
    o
}

fn findings(o: &Value) -> Vec<Finding> {
    validate_object_json(&o.to_string()).unwrap().findings
}

#[track_caller]
fn assert_valid(o: &Value) {
    let f = findings(o);
    let errors: Vec<_> = f.iter().filter(|f| f.is_error()).collect();
    assert!(
        errors.is_empty(),
        "expected no errors for {o:#}\ngot {errors:#?}"
    );
}

/// Valid, and without warnings from the given rule either.
#[track_caller]
fn assert_clean(o: &Value, rule: &str) {
    assert_valid(o);
    let f = findings(o);
    assert!(
        !f.iter().any(|f| f.rule == rule),
        "expected no {rule} finding for {o:#}\ngot {f:#?}"
    );
}

#[track_caller]
fn assert_error(o: &Value, rule: &str, pointer: &str) {
    let f = findings(o);
    assert!(
        f.iter()
            .any(|f| f.is_error() && f.rule == rule && f.pointer == pointer),
        "expected error {rule} at '{pointer}' for {o:#}\ngot {f:#?}"
    );
}

#[track_caller]
fn assert_warning(o: &Value, rule: &str, pointer: &str) {
    let f = findings(o);
    assert!(
        !f.iter().any(Finding::is_error),
        "expected only warnings for {o:#}\ngot {f:#?}"
    );
    assert!(
        f.iter()
            .any(|f| f.severity == Severity::Warning && f.rule == rule && f.pointer == pointer),
        "expected warning {rule} at '{pointer}' for {o:#}\ngot {f:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// SDOs

#[test]
fn attack_pattern() {
    let o = obj(
        "attack-pattern",
        json!({"name": "Spear Phishing", "aliases": ["phish"], "kill_chain_phases": [
            {"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]}),
    );
    assert_valid(&o);
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
    assert_error(&with(&o, json!({"aliases": []})), "S-5", "/aliases");
}

#[test]
fn campaign_seen_window() {
    let o = obj(
        "campaign",
        json!({"name": "Green Group", "first_seen": "2016-01-08T12:50:40.123Z",
               "last_seen": "2016-01-08T12:50:40.123Z", "objective": "steal"}),
    );
    assert_valid(&o);
    assert_error(
        &with(&o, json!({"last_seen": "2016-01-08T12:50:40.122Z"})),
        "S-60",
        "/last_seen",
    );
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

#[test]
fn course_of_action() {
    let o = obj("course-of-action", json!({"name": "Block port 80"}));
    assert_valid(&o);
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
    // `action` is reserved (section 3.8).
    assert_error(&with(&o, json!({"action": "block"})), "S-44", "/action");
}

#[test]
fn grouping_name_is_optional_context_required() {
    let o = obj(
        "grouping",
        json!({"context": "suspicious-activity", "object_refs": [INDICATOR, FILE, RELATIONSHIP]}),
    );
    assert_clean(&o, "S-66");
    assert_error(&with(&o, json!({"context": null})), "S-59", "");
    assert_error(&with(&o, json!({"object_refs": null})), "S-59", "");
    assert_warning(
        &with(&o, json!({"context": "my-own-context"})),
        "S-66",
        "/context",
    );
}

#[test]
fn identity_vocabularies() {
    let o = obj(
        "identity",
        json!({"name": "ACME", "identity_class": "organization",
               "sectors": ["legal", "technology"], "roles": ["CEO"]}),
    );
    assert_clean(&o, "S-66");
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
    assert_warning(
        &with(&o, json!({"identity_class": "Business Unit"})),
        "S-66",
        "/identity_class",
    );
    assert_warning(
        &with(&o, json!({"sectors": ["legal", "space"]})),
        "S-66",
        "/sectors/1",
    );
}

#[test]
fn incident() {
    let o = obj(
        "incident",
        json!({"name": "Incident 43", "description": "APT 28"}),
    );
    assert_valid(&o);
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

fn indicator_base() -> Value {
    obj(
        "indicator",
        json!({
            "name": "Poison Ivy",
            "description": "A file hash of the Poison Ivy dropper",
            "indicator_types": ["malicious-activity"],
            "pattern": "[file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877']",
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": "2016-01-01T00:00:00Z"
        }),
    )
}

#[test]
fn indicator_validity_window() {
    let o = indicator_base();
    assert_clean(&o, "S-60");
    assert_valid(&with(
        &o,
        json!({"valid_until": "2016-01-01T00:00:00.001Z"}),
    ));
    assert_error(
        &with(&o, json!({"valid_until": "2016-01-01T00:00:00Z"})),
        "S-60",
        "/valid_until",
    );
    assert_error(
        &with(&o, json!({"valid_until": "2015-12-31T23:59:59Z"})),
        "S-60",
        "/valid_until",
    );
    for required in ["pattern", "pattern_type", "valid_from"] {
        assert_error(&with(&o, json!({ required: null })), "S-59", "");
    }
}

#[test]
fn indicator_should_have_name_and_description() {
    let o = indicator_base();
    let mut bare = o.clone();
    bare.as_object_mut().unwrap().remove("description");
    assert_warning(&bare, "S-60", "");
}

#[test]
fn indicator_pattern_version_and_type() {
    let o = indicator_base();
    assert_warning(
        &with(&o, json!({"pattern_version": "5"})),
        "S-60",
        "/pattern_version",
    );
    assert_clean(&with(&o, json!({"pattern_version": "2.0"})), "S-60");
    // Other pattern languages are not parsed; their version is theirs to define.
    let sigma = with(
        &o,
        json!({"pattern_type": "sigma", "pattern": "title: x\ndetection: {}", "pattern_version": "5"}),
    );
    assert_clean(&sigma, "S-60");
    assert_warning(
        &with(&o, json!({"pattern_type": "kql"})),
        "S-66",
        "/pattern_type",
    );
}

/// Every finding of the pattern module is reported at `/pattern` with its own rule id and
/// severity, and the message carries the position. Compared against the pattern module
/// itself, so this holds whatever the pattern module finds.
#[test]
fn indicator_reports_pattern_findings_at_pattern() {
    for pattern in [
        "[file:name = ",
        "[file:name = 'x'] within 5 seconds",
        "[file:hashes.'SHA-256' = 'abc']",
        "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        "[file:name = 'a.exe']",
    ] {
        let expected = stix::pattern::validate(pattern);
        let o = with(&indicator_base(), json!({ "pattern": pattern }));
        let got: Vec<Finding> = findings(&o)
            .into_iter()
            .filter(|f| f.pointer == "/pattern")
            .collect();
        assert_eq!(got.len(), expected.len(), "{pattern}: {got:#?}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!((g.rule, g.severity), (e.rule, e.severity), "{pattern}");
            let prefix = format!("pattern line {} column {}: ", e.line, e.column);
            assert!(g.message.starts_with(&prefix), "{}", g.message);
            assert!(g.message.ends_with(&e.message), "{}", g.message);
        }
        // Not a STIX pattern: not parsed at all.
        let yara = with(&o, json!({"pattern_type": "yara"}));
        assert!(findings(&yara).iter().all(|f| f.pointer != "/pattern"));
    }
}

#[test]
fn infrastructure() {
    let o = obj(
        "infrastructure",
        json!({"name": "Poison Ivy C2", "infrastructure_types": ["command-and-control", "firewall"],
               "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2017-01-01T00:00:00Z"}),
    );
    assert_clean(&o, "S-66");
    assert_error(
        &with(&o, json!({"last_seen": "2015-01-01T00:00:00Z"})),
        "S-60",
        "/last_seen",
    );
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

#[test]
fn intrusion_set() {
    let o = obj(
        "intrusion-set",
        json!({"name": "Bobcat Breakin", "aliases": ["Zookeeper"], "goals": ["damage"],
               "resource_level": "team", "primary_motivation": "notoriety",
               "secondary_motivations": ["revenge"],
               "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2016-01-01T00:00:00Z"}),
    );
    assert_clean(&o, "S-66");
    assert_error(
        &with(&o, json!({"first_seen": "2016-01-02T00:00:00Z"})),
        "S-60",
        "/last_seen",
    );
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
    assert_warning(
        &with(&o, json!({"primary_motivation": "money"})),
        "S-66",
        "/primary_motivation",
    );
}

#[test]
fn location_shape() {
    let region = obj(
        "location",
        json!({"region": "south-eastern-asia", "country": "th"}),
    );
    assert_clean(&region, "S-66");
    let coords = obj(
        "location",
        json!({"latitude": 48.8566, "longitude": 2.3522, "precision": 1000.0}),
    );
    assert_valid(&coords);
    assert_valid(&obj("location", json!({"latitude": -90, "longitude": 180})));
    assert_error(&obj("location", json!({"name": "nowhere"})), "S-60", "");
    assert_error(
        &obj("location", json!({"latitude": 48.8})),
        "S-60",
        "/latitude",
    );
    assert_error(
        &obj("location", json!({"region": "europe", "longitude": 2.3})),
        "S-60",
        "/longitude",
    );
    assert_error(&with(&coords, json!({"latitude": 91})), "S-60", "/latitude");
    assert_error(
        &with(&coords, json!({"longitude": -180.5})),
        "S-60",
        "/longitude",
    );
    assert_error(
        &with(&region, json!({"precision": 10.0})),
        "S-60",
        "/precision",
    );
    assert_warning(
        &with(&region, json!({"country": "USA"})),
        "S-60",
        "/country",
    );
    assert_warning(
        &with(&region, json!({"region": "mordor"})),
        "S-66",
        "/region",
    );
}

#[test]
fn malware_family_and_refs() {
    let instance = obj(
        "malware",
        json!({"is_family": false, "malware_types": ["ransomware"],
               "implementation_languages": ["rust"], "architecture_execution_envs": ["x86-64"],
               "capabilities": ["evades-av"], "sample_refs": [FILE],
               "operating_system_refs": [SOFTWARE]}),
    );
    assert_clean(&instance, "S-66");
    let family = obj(
        "malware",
        json!({"is_family": true, "name": "Cryptolocker"}),
    );
    assert_valid(&family);
    assert_error(&with(&instance, json!({"is_family": null})), "S-59", "");
    assert_error(&with(&family, json!({"name": null})), "S-60", "");
    assert_error(
        &with(&instance, json!({"sample_refs": [INDICATOR]})),
        "S-60",
        "/sample_refs/0",
    );
    assert_error(
        &with(&instance, json!({"operating_system_refs": [FILE]})),
        "S-60",
        "/operating_system_refs/0",
    );
    assert_error(
        &with(
            &family,
            json!({"first_seen": "2017-01-01T00:00:00Z", "last_seen": "2016-01-01T00:00:00Z"}),
        ),
        "S-60",
        "/last_seen",
    );
}

#[test]
fn malware_analysis_result_or_scos() {
    let o = obj(
        "malware-analysis",
        json!({"product": "microsoft", "result": "malicious", "sample_ref": FILE,
               "host_vm_ref": SOFTWARE, "operating_system_ref": SOFTWARE,
               "installed_software_refs": [SOFTWARE]}),
    );
    assert_clean(&o, "S-60");
    assert_valid(&with(
        &o,
        json!({"result": null, "analysis_sco_refs": [FILE, IPV4]}),
    ));
    assert_error(&with(&o, json!({"result": null})), "S-60", "");
    assert_error(&with(&o, json!({"product": null})), "S-59", "");
    assert_error(
        &with(&o, json!({"host_vm_ref": FILE})),
        "S-60",
        "/host_vm_ref",
    );
    assert_error(
        &with(&o, json!({"sample_ref": MALWARE})),
        "S-60",
        "/sample_ref",
    );
    assert_error(
        &with(&o, json!({"analysis_sco_refs": [INDICATOR]})),
        "S-60",
        "/analysis_sco_refs/0",
    );
    assert_warning(
        &with(&o, json!({"product": "Microsoft Defender"})),
        "S-60",
        "/product",
    );
}

#[test]
fn note() {
    let o = obj(
        "note",
        json!({"abstract": "Tracking", "content": "Steps taken", "authors": ["John Doe"],
               "object_refs": [INDICATOR, RELATIONSHIP, MARKING]}),
    );
    assert_valid(&o);
    assert_error(&with(&o, json!({"content": null})), "S-59", "");
    assert_error(&with(&o, json!({"object_refs": []})), "S-5", "/object_refs");
}

fn observed_base() -> Value {
    obj(
        "observed-data",
        json!({"first_observed": "2015-12-21T19:00:00Z", "last_observed": "2015-12-21T19:00:00Z",
               "number_observed": 50, "object_refs": [IPV4, RELATIONSHIP]}),
    )
}

#[test]
fn observed_data_constraints() {
    let o = observed_base();
    assert_valid(&o);
    assert_error(
        &with(&o, json!({"number_observed": 0})),
        "S-60",
        "/number_observed",
    );
    assert_valid(&with(&o, json!({"number_observed": 999_999_999})));
    assert_error(
        &with(&o, json!({"number_observed": 1_000_000_000})),
        "S-60",
        "/number_observed",
    );
    assert_error(
        &with(&o, json!({"last_observed": "2015-12-21T18:59:59.999Z"})),
        "S-60",
        "/last_observed",
    );
    assert_error(&with(&o, json!({"object_refs": null})), "S-60", "");
    assert_error(
        &with(&o, json!({"object_refs": [IPV4, INDICATOR]})),
        "S-60",
        "/object_refs/1",
    );
    // SROs alone do not make an observation.
    assert_error(
        &with(&o, json!({"object_refs": [RELATIONSHIP]})),
        "S-60",
        "/object_refs",
    );
    assert_error(
        &with(
            &o,
            json!({"objects": {"0": {"type": "ipv4-addr", "value": "10.0.0.1"}}}),
        ),
        "S-60",
        "",
    );
}

#[test]
fn observed_data_deprecated_container() {
    let o = with(
        &observed_base(),
        json!({"object_refs": null, "objects": {
            "0": {"type": "ipv4-addr", "value": "198.51.100.2"},
            "1": {"type": "network-traffic", "dst_ref": "0", "protocols": ["tcp"]},
            "2": {"type": "email-message", "is_multipart": true,
                  "body_multipart": [{"body_raw_ref": "3"}]},
            "3": {"type": "artifact", "url": "https://example.com/a"}
        }}),
    );
    assert_warning(&o, "S-60", "/objects");
    let dangling = with(
        &o,
        json!({"objects": {"1": {"type": "network-traffic", "dst_ref": "0", "protocols": ["tcp"]}}}),
    );
    assert_error(&dangling, "S-20", "/objects/1/dst_ref");
    let nested = with(
        &o,
        json!({"objects": {"0": {"type": "email-message", "is_multipart": true,
                                 "body_multipart": [{"body_raw_ref": "9"}]}}}),
    );
    assert_error(&nested, "S-20", "/objects/0/body_multipart/0/body_raw_ref");
    let list = with(
        &o,
        json!({"objects": {"0": {"type": "directory", "path": "/", "contains_refs": ["0", "7"]}}}),
    );
    assert_error(&list, "S-20", "/objects/0/contains_refs/1");
    assert_error(
        &with(&o, json!({"objects": {"0": {"value": "x"}}})),
        "S-2",
        "/objects/0",
    );
    assert_error(
        &with(
            &o,
            json!({"objects": {"0": {"type": "malware", "is_family": true}}}),
        ),
        "S-60",
        "/objects/0/type",
    );
    assert_error(
        &with(&o, json!({"objects": {"0": "ipv4"}})),
        "S-60",
        "/objects/0",
    );
}

#[test]
fn opinion_enum() {
    let o = obj(
        "opinion",
        json!({"object_refs": [RELATIONSHIP], "opinion": "strongly-disagree", "explanation": "no"}),
    );
    assert_valid(&o);
    assert_error(&with(&o, json!({"opinion": "meh"})), "S-67", "/opinion");
    assert_error(&with(&o, json!({"object_refs": null})), "S-59", "");
}

#[test]
fn report() {
    let o = obj(
        "report",
        json!({"name": "Black Vine", "published": "2016-01-20T17:00:00.000Z",
               "report_types": ["incident", "intrusion-set"], "object_refs": [INDICATOR]}),
    );
    assert_clean(&o, "S-66");
    assert_error(&with(&o, json!({"published": null})), "S-59", "");
    assert_error(
        &with(&o, json!({"published": "2016-01-20"})),
        "S-22",
        "/published",
    );
}

#[test]
fn threat_actor() {
    let o = obj(
        "threat-actor",
        json!({"name": "Evil Org", "threat_actor_types": ["private-sector"],
               "roles": ["malware-author"], "sophistication": "expert",
               "resource_level": "organization", "personal_motivations": ["personal-gain"],
               "first_seen": "2016-01-01T00:00:00Z"}),
    );
    assert_clean(&o, "S-66");
    assert_error(
        &with(&o, json!({"last_seen": "2015-01-01T00:00:00Z"})),
        "S-60",
        "/last_seen",
    );
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

#[test]
fn tool() {
    let o = obj(
        "tool",
        json!({"name": "VNC", "tool_types": ["remote-access"], "tool_version": "1.0"}),
    );
    assert_clean(&o, "S-66");
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

#[test]
fn vulnerability() {
    let o = obj(
        "vulnerability",
        json!({"name": "CVE-2016-1234", "external_references": [
            {"source_name": "cve", "external_id": "CVE-2016-1234"}]}),
    );
    assert_valid(&o);
    assert_error(&with(&o, json!({"name": null})), "S-59", "");
}

#[test]
fn labels_must_not_carry_subtypes() {
    let malware = obj(
        "malware",
        json!({"is_family": true, "name": "x", "labels": ["ransomware", "apt"]}),
    );
    assert_warning(&malware, "S-29", "/labels/0");
    let tool = obj(
        "tool",
        json!({"name": "nmap", "labels": ["information-gathering"]}),
    );
    assert_warning(&tool, "S-29", "/labels/0");
    assert_clean(
        &obj("tool", json!({"name": "nmap", "labels": ["scanner"]})),
        "S-29",
    );
    // Types without a dedicated subtype property may label freely.
    assert_clean(
        &obj("campaign", json!({"name": "c", "labels": ["ransomware"]})),
        "S-29",
    );
}

#[test]
fn revocation_bumps_modified() {
    let o = obj("campaign", json!({"name": "c", "revoked": true}));
    assert_warning(&o, "S-41", "/revoked");
    assert_clean(
        &with(&o, json!({"modified": "2016-04-07T00:00:00.000Z"})),
        "S-41",
    );
}

// ---------------------------------------------------------------------------------------------
// SROs

#[test]
fn relationship_constraints() {
    let o = obj(
        "relationship",
        json!({"relationship_type": "indicates", "source_ref": INDICATOR, "target_ref": MALWARE,
               "start_time": "2016-01-01T00:00:00Z", "stop_time": "2016-01-01T00:00:00.001Z"}),
    );
    assert_valid(&o);
    assert_valid(&with(
        &o,
        json!({"relationship_type": "consists-of-2", "target_ref": IPV4}),
    ));
    assert_error(
        &with(&o, json!({"relationship_type": "Indicates"})),
        "S-61",
        "/relationship_type",
    );
    assert_error(
        &with(&o, json!({"relationship_type": "related to"})),
        "S-61",
        "/relationship_type",
    );
    assert_error(
        &with(&o, json!({"relationship_type": ""})),
        "S-61",
        "/relationship_type",
    );
    assert_error(
        &with(&o, json!({"target_ref": MARKING})),
        "S-61",
        "/target_ref",
    );
    assert_error(
        &with(&o, json!({"source_ref": RELATIONSHIP})),
        "S-61",
        "/source_ref",
    );
    assert_error(
        &with(
            &o,
            json!({"target_ref": "language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d"}),
        ),
        "S-61",
        "/target_ref",
    );
    assert_error(
        &with(&o, json!({"stop_time": "2016-01-01T00:00:00Z"})),
        "S-61",
        "/stop_time",
    );
    for required in ["relationship_type", "source_ref", "target_ref"] {
        assert_error(&with(&o, json!({ required: null })), "S-61", "");
    }
}

#[test]
fn sighting_constraints() {
    let o = obj(
        "sighting",
        json!({"sighting_of_ref": INDICATOR, "observed_data_refs": [OBSERVED],
               "where_sighted_refs": [IDENTITY, LOCATION], "count": 0, "summary": false,
               "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2016-01-01T00:00:00Z"}),
    );
    assert_valid(&o);
    assert_error(
        &with(&o, json!({"sighting_of_ref": IPV4})),
        "S-62",
        "/sighting_of_ref",
    );
    assert_error(&with(&o, json!({"sighting_of_ref": null})), "S-62", "");
    assert_error(
        &with(&o, json!({"observed_data_refs": [INDICATOR]})),
        "S-62",
        "/observed_data_refs/0",
    );
    assert_error(
        &with(&o, json!({"where_sighted_refs": [MALWARE]})),
        "S-62",
        "/where_sighted_refs/0",
    );
    assert_error(&with(&o, json!({"count": -1})), "S-62", "/count");
    assert_error(&with(&o, json!({"count": 1_000_000_000})), "S-62", "/count");
    assert_error(
        &with(&o, json!({"last_seen": "2015-12-31T00:00:00Z"})),
        "S-62",
        "/last_seen",
    );
    assert_error(&with(&o, json!({"summary": "false"})), "S-12", "/summary");
}

// ---------------------------------------------------------------------------------------------
// Meta objects

fn statement_marking() -> Value {
    obj(
        "marking-definition",
        json!({"definition_type": "statement", "definition": {"statement": "Copyright 2019, Example Corp"}}),
    )
}

#[test]
fn marking_definition_pairs() {
    let o = statement_marking();
    assert_valid(&o);
    assert_error(&with(&o, json!({"definition": null})), "S-69", "");
    assert_error(&with(&o, json!({"definition_type": null})), "S-69", "");
    assert_error(&with(&o, json!({"created": null})), "S-69", "");
    // With extensions, the deprecated pair may go.
    let by_extension = with(
        &o,
        json!({"definition_type": null, "definition": null, "name": "TLP:CLEAR",
               "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":
                   {"extension_type": "property-extension", "tlp_2_0": "clear"}}}),
    );
    assert_valid(&by_extension);
    assert_warning(
        &with(&by_extension, json!({"definition_type": "tlp2"})),
        "S-69",
        "/definition_type",
    );
    assert_warning(
        &with(
            &o,
            json!({"definition_type": "iep", "definition": {"iep": "x"}}),
        ),
        "S-69",
        "/definition_type",
    );
}

#[test]
fn marking_definition_tlp_and_statement() {
    let white = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE",
        "definition": {"tlp": "white"}
    });
    assert_valid(&white);
    let custom_tlp = with(
        &white,
        json!({"id": "marking-definition--2b1b0b9e-1c2e-4d2e-8b1a-0b6a5b3f2a11",
               "name": "TLP:CLEAR", "definition": {"tlp": "clear"}}),
    );
    assert_error(&custom_tlp, "S-71", "/id");
    let o = statement_marking();
    assert_error(
        &with(&o, json!({"definition": {"text": "x"}})),
        "S-72",
        "/definition",
    );
    assert_error(
        &with(&o, json!({"definition": {"statement": 7}})),
        "S-72",
        "/definition/statement",
    );
}

#[test]
fn marking_definition_does_not_mark_itself() {
    let o = statement_marking();
    let own = o["id"].clone();
    assert_valid(&with(&o, json!({"object_marking_refs": [MARKING]})));
    assert_error(
        &with(&o, json!({"object_marking_refs": [MARKING, own]})),
        "S-32",
        "/object_marking_refs/1",
    );
    assert_error(
        &with(
            &o,
            json!({"granular_markings": [{"marking_ref": own, "selectors": ["definition"]}]}),
        ),
        "S-32",
        "/granular_markings/0/marking_ref",
    );
    assert_error(
        &with(&o, json!({"object_marking_refs": [IDENTITY]})),
        "S-32",
        "/object_marking_refs/0",
    );
}

#[test]
fn marking_definition_is_not_versioned() {
    let o = statement_marking();
    let f = findings(&with(&o, json!({"modified": CREATED})));
    assert!(
        f.iter()
            .any(|f| f.rule == "S-70" && f.pointer == "/modified" && !f.is_error()),
        "{f:#?}"
    );
    for p in ["revoked", "labels", "confidence", "lang"] {
        let value = match p {
            "revoked" => json!(true),
            "labels" => json!(["a"]),
            "confidence" => json!(50),
            _ => json!("en"),
        };
        let f = findings(&with(&o, json!({ p: value })));
        assert!(
            f.iter()
                .any(|f| f.rule == "S-70" && f.pointer == format!("/{p}")),
            "{p}: {f:#?}"
        );
    }
    assert_error(&with(&o, json!({"defanged": true})), "S-33", "/defanged");
}

fn language_content() -> Value {
    obj(
        "language-content",
        json!({"object_ref": "campaign--12a111f0-b824-4baf-a224-83b80237a094",
               "object_modified": "2017-02-08T21:31:22.007Z",
               "contents": {"de": {"name": "Bank Angriff"}, "zh-Hans": {"name": "x", "aliases": ["", "y"]}}}),
    )
}

#[test]
fn language_content_constraints() {
    let o = language_content();
    assert_valid(&o);
    assert_error(&with(&o, json!({"object_ref": null})), "S-78", "");
    assert_error(&with(&o, json!({"contents": null})), "S-78", "");
    assert_error(
        &with(&o, json!({"contents": {"english_language": {"name": "x"}}})),
        "S-78",
        "/contents/english_language",
    );
    assert_error(
        &with(&o, json!({"contents": {"de": "Bank Angriff"}})),
        "S-78",
        "/contents/de",
    );
    assert_error(
        &with(&o, json!({"contents": {"de": {}}})),
        "S-78",
        "/contents/de",
    );
    assert_error(
        &with(
            &o,
            json!({"object_ref": "bundle--44af6c39-c09b-49c5-9de2-394224b04982"}),
        ),
        "S-78",
        "/object_ref",
    );
    assert_error(&with(&o, json!({"modified": null})), "S-78", "");
    assert_error(
        &with(&o, json!({"created": "2016-04-06T20:03:48Z"})),
        "S-23",
        "/created",
    );
    let f = findings(&with(&o, json!({"lang": "en"})));
    assert!(
        f.iter().any(|f| f.rule == "S-35" && f.pointer == "/lang"),
        "{f:#?}"
    );
    assert_error(&with(&o, json!({"defanged": false})), "S-33", "/defanged");
}

fn extension_definition() -> Value {
    obj(
        "extension-definition",
        json!({"created_by_ref": IDENTITY, "name": "Extension Foo 1a",
               "description": "adds rank and toxicity", "schema": "https://www.example.com/schema-foo-1a/v1/",
               "version": "1.2.1", "extension_types": ["toplevel-property-extension"],
               "extension_properties": ["toxicity", "rank"]}),
    )
}

#[test]
fn extension_definition_constraints() {
    let o = extension_definition();
    assert_clean(&o, "S-52");
    for required in [
        "created_by_ref",
        "name",
        "schema",
        "version",
        "extension_types",
        "modified",
    ] {
        assert_error(&with(&o, json!({ required: null })), "S-50", "");
    }
    assert_warning(&with(&o, json!({"description": null})), "S-50", "");
    assert_error(
        &with(&o, json!({"extension_types": ["new-sdo", "new-thing"]})),
        "S-51",
        "/extension_types/1",
    );
    assert_error(
        &with(&o, json!({"extension_types": ["property-extension"]})),
        "S-52",
        "/extension_properties",
    );
    assert_warning(
        &with(&o, json!({"extension_properties": null})),
        "S-52",
        "/extension_types",
    );
    assert_error(
        &with(&o, json!({"extension_properties": ["rank", "Toxicity"]})),
        "S-56",
        "/extension_properties/1",
    );
    assert_error(
        &with(&o, json!({"created_by_ref": MALWARE})),
        "S-27",
        "/created_by_ref",
    );
    let f = findings(&with(&o, json!({"confidence": 50})));
    assert!(
        f.iter()
            .any(|f| f.rule == "S-35" && f.pointer == "/confidence"),
        "{f:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Typed model

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/conformance")
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

/// Every top-level object of the OASIS examples and python-stix2 data.
fn example_objects() -> Vec<(String, Value)> {
    let mut files = Vec::new();
    json_files(&fixtures().join("stix2-json-schemas/examples"), &mut files);
    json_files(&fixtures().join("python-stix2-data"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let objects = if v["type"] == "bundle" {
            let mut objects = v["objects"].as_array().cloned().unwrap_or_default();
            // A STIX 2.0-style bundle's spec_version applies to its objects (the validator
            // treats it the same way).
            if let Some(sv) = v.get("spec_version") {
                for o in &mut objects {
                    if o.get("spec_version").is_none() {
                        o["spec_version"] = sv.clone();
                    }
                }
            }
            objects
        } else {
            vec![v]
        };
        for o in objects {
            out.push((f.display().to_string(), o));
        }
    }
    out
}

/// The typed struct serialized back, for the variants this test covers.
fn typed_to_value(o: &StixObject) -> Option<Value> {
    macro_rules! arms {
        ($($v:ident),*) => {
            match o {
                $( StixObject::$v(x) => Some(serde_json::to_value(x).unwrap()), )*
                _ => None,
            }
        };
    }
    arms!(
        AttackPattern,
        Campaign,
        CourseOfAction,
        Grouping,
        Identity,
        Incident,
        Indicator,
        Infrastructure,
        IntrusionSet,
        Location,
        Malware,
        MalwareAnalysis,
        Note,
        ObservedData,
        Opinion,
        Report,
        ThreatActor,
        Tool,
        Vulnerability,
        Relationship,
        Sighting,
        MarkingDefinition,
        LanguageContent,
        ExtensionDefinition
    )
}

/// JSON equality with numbers compared by value (`48` and `48.0` are the same float).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Deserializes `o` into its typed struct and checks that serializing it back keeps every
/// modeled property unchanged and adds nothing.
#[track_caller]
fn assert_round_trip(origin: &str, o: &Value) {
    let ty = o["type"].as_str().unwrap();
    let spec = spec_of(ty).unwrap_or_else(|| panic!("{origin}: {ty} has no spec"));
    let typed = StixObject::from_json(&o.to_string())
        .unwrap_or_else(|e| panic!("{origin}: {ty} does not deserialize: {e}"));
    assert_eq!(typed.type_name(), ty);
    let back = typed_to_value(&typed).unwrap_or_else(|| {
        panic!("{origin}: {ty} deserialized as {typed:?}, not its typed variant")
    });
    let common: &[_] = match spec.category {
        stix::spec::Category::Sdo | stix::spec::Category::Sro => SDO_COMMON,
        _ => &[],
    };
    let modeled = |k: &str| {
        matches!(k, "type" | "id" | "spec_version")
            || spec.prop(k).is_some()
            || common.iter().any(|p| p.name == k)
    };
    for (k, v) in o.as_object().unwrap() {
        if modeled(k) {
            assert!(
                back.get(k).is_some_and(|w| same_json(v, w)),
                "{origin}: {ty}.{k} does not round trip: {v} -> {:?}",
                back.get(k)
            );
        }
    }
    for k in back.as_object().unwrap().keys() {
        assert!(
            o.get(k).is_some(),
            "{origin}: {ty}.{k} appeared from nowhere"
        );
    }
}

#[test]
fn example_objects_deserialize_into_typed_structs_and_round_trip() {
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (origin, o) in example_objects() {
        let ty = o["type"].as_str().unwrap().to_owned();
        let Some(spec) = spec_of(&ty) else { continue };
        if spec.category == stix::spec::Category::Sco {
            continue;
        }
        assert_round_trip(&origin, &o);
        *tally.entry(ty).or_default() += 1;
    }
    println!("round-tripped: {tally:?}");
    assert!(tally.values().sum::<usize>() >= 250, "{tally:?}");
    assert!(tally.len() >= 14, "{tally:?}");
}

/// The valid objects of these tests cover every property of every type, including
/// open-vocabulary values outside the suggested lists.
#[test]
fn test_objects_round_trip_with_custom_vocabulary_values() {
    let objects = [
        with(
            &indicator_base(),
            json!({"pattern_type": "kql", "indicator_types": ["x-mine", "benign"],
            "valid_until": "2017-01-01T00:00:00Z", "description": "d",
            "kill_chain_phases": [{"kill_chain_name": "k", "phase_name": "p"}]}),
        ),
        obj(
            "malware",
            json!({"is_family": false, "name": "n", "description": "d", "aliases": ["a"],
            "malware_types": ["x-custom", "worm"], "implementation_languages": ["zig", "rust"],
            "architecture_execution_envs": ["riscv"], "capabilities": ["x-cap"],
            "sample_refs": [FILE], "operating_system_refs": [SOFTWARE],
            "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2016-02-01T00:00:00Z",
            "kill_chain_phases": [{"kill_chain_name": "k", "phase_name": "p"}]}),
        ),
        obj(
            "location",
            json!({"name": "n", "description": "d", "latitude": 48, "longitude": 2.5,
            "precision": 10, "region": "x-region", "country": "fr", "administrative_area": "FR-75",
            "city": "Paris", "street_address": "1 rue", "postal_code": "75001"}),
        ),
        obj(
            "threat-actor",
            json!({"name": "n", "threat_actor_types": ["x-t"], "roles": ["x-r"],
            "sophistication": "x-s", "resource_level": "x-l", "primary_motivation": "x-m",
            "secondary_motivations": ["x-m2"], "personal_motivations": ["revenge"], "goals": ["g"],
            "aliases": ["a"], "description": "d"}),
        ),
        obj(
            "identity",
            json!({"name": "n", "identity_class": "x-class", "sectors": ["x-sector"],
            "roles": ["r"], "contact_information": "c", "description": "d"}),
        ),
        obj(
            "malware-analysis",
            json!({"product": "p", "version": "1", "configuration_version": "c",
            "modules": ["m"], "analysis_engine_version": "e", "analysis_definition_version": "d",
            "submitted": "2016-01-01T00:00:00Z", "analysis_started": "2016-01-01T00:00:00Z",
            "analysis_ended": "2016-01-01T00:00:00Z", "result_name": "r", "result": "x-result",
            "analysis_sco_refs": [FILE], "sample_ref": FILE, "host_vm_ref": SOFTWARE,
            "operating_system_ref": SOFTWARE, "installed_software_refs": [SOFTWARE]}),
        ),
        obj(
            "grouping",
            json!({"context": "x-context", "object_refs": [FILE], "name": "n", "description": "d"}),
        ),
        obj(
            "report",
            json!({"name": "n", "published": CREATED, "object_refs": [FILE], "report_types": ["x-r"]}),
        ),
        obj(
            "infrastructure",
            json!({"name": "n", "infrastructure_types": ["x-i"], "aliases": ["a"]}),
        ),
        obj(
            "tool",
            json!({"name": "n", "tool_types": ["x-t"], "tool_version": "1", "aliases": ["a"]}),
        ),
        obj(
            "intrusion-set",
            json!({"name": "n", "resource_level": "x-l", "primary_motivation": "x-m",
            "secondary_motivations": ["x-m"], "goals": ["g"]}),
        ),
        with(
            &observed_base(),
            json!({"object_refs": null, "objects": {"0": {"type": "ipv4-addr", "value": "10.0.0.1"}}}),
        ),
        obj(
            "opinion",
            json!({"opinion": "agree", "object_refs": [FILE], "authors": ["a"], "explanation": "e"}),
        ),
        obj(
            "note",
            json!({"content": "c", "abstract": "a", "authors": ["x"], "object_refs": [FILE]}),
        ),
        obj(
            "sighting",
            json!({"sighting_of_ref": INDICATOR, "count": 3, "summary": true,
            "observed_data_refs": [OBSERVED], "where_sighted_refs": [IDENTITY], "description": "d"}),
        ),
        obj(
            "relationship",
            json!({"relationship_type": "x-rel", "source_ref": INDICATOR,
            "target_ref": MALWARE, "description": "d"}),
        ),
        with(
            &statement_marking(),
            json!({"name": "n", "created_by_ref": IDENTITY,
            "object_marking_refs": [MARKING], "external_references": [{"source_name": "s", "external_id": "e"}]}),
        ),
        with(
            &language_content(),
            json!({"created_by_ref": IDENTITY, "labels": ["l"], "revoked": false,
            "confidence": 5}),
        ),
        extension_definition(),
        obj(
            "campaign",
            json!({"name": "n", "objective": "o", "labels": ["l"], "confidence": 90,
            "lang": "en", "created_by_ref": IDENTITY, "revoked": false,
            "object_marking_refs": [MARKING],
            "granular_markings": [{"lang": "de", "selectors": ["name"]}],
            "external_references": [{"source_name": "s", "url": "https://example.com", "hashes": {"SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"}}],
            "extensions": {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "property-extension", "rank": 5}}}),
        ),
    ];
    for o in &objects {
        assert_valid(o);
        assert_round_trip("test object", o);
    }
    // And the typed values are the vocabulary variants.
    let typed = StixObject::from_json(&objects[1].to_string()).unwrap();
    let StixObject::Malware(m) = typed else {
        panic!("not a malware")
    };
    use stix::vocab::{ImplementationLanguage, MalwareType};
    assert_eq!(
        m.malware_types.unwrap(),
        vec![MalwareType::Other("x-custom".into()), MalwareType::Worm]
    );
    assert_eq!(
        m.implementation_languages.unwrap(),
        vec![
            ImplementationLanguage::Other("zig".into()),
            ImplementationLanguage::Rust
        ]
    );
}

/// Every SDO, SRO and meta type has a rule function attached and a property table that
/// names every property the specification lists for it (spot checks of the draft's gaps).
#[test]
fn property_tables_cover_the_specification() {
    let expect: &[(&str, &[&str])] = &[
        (
            "malware",
            &[
                "is_family",
                "sample_refs",
                "operating_system_refs",
                "capabilities",
            ],
        ),
        (
            "marking-definition",
            &[
                "created_by_ref",
                "object_marking_refs",
                "granular_markings",
                "extensions",
                "external_references",
            ],
        ),
        (
            "language-content",
            &[
                "created_by_ref",
                "revoked",
                "labels",
                "confidence",
                "external_references",
                "object_marking_refs",
                "granular_markings",
                "extensions",
            ],
        ),
        (
            "extension-definition",
            &[
                "revoked",
                "labels",
                "external_references",
                "object_marking_refs",
                "granular_markings",
            ],
        ),
    ];
    for (ty, props) in expect {
        let spec = spec_of(ty).unwrap();
        for p in *props {
            assert!(spec.prop(p).is_some(), "{ty} lacks {p}");
        }
    }
    assert_eq!(
        spec_of("malware")
            .unwrap()
            .prop("is_family")
            .unwrap()
            .presence,
        stix::spec::Presence::Required
    );
    assert_eq!(
        spec_of("grouping").unwrap().prop("name").unwrap().presence,
        stix::spec::Presence::Optional
    );
    for spec in stix::model::OBJECT_SPECS {
        if spec.category != stix::spec::Category::Sco {
            assert!(spec.rules.is_some(), "{} has no rule function", spec.name);
        }
    }
}
