//! `schakel relay` (by hand and `--rules`) and the argument errors of `schakel pull`, on a
//! database a server filled over HTTP: NCSC posted to `feed`, DTC relays into its
//! constituency collection (access-model-research.md section 5, scenarios 1, 7 and 8).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const FEED: &str = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
const CONSTITUENCY: &str = "3f1d2c4b-7a8e-4c6d-9b0a-1e2f3a4b5c6d";
const NCSC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e01";
const DTC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e02";
const COMPANY_B_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e05";
const COMPANY_C_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e06";
const AFFECTED_B: &str = "marking-definition--7b0c1d2e-3f4a-4b5c-8d6e-7f8a9b0c1d2e";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const INDICATOR: &str = "indicator--6f1c9a52-4f0e-4b8a-9d3c-2e7b5a1c8d01";
const NOTE: &str = "note--8a9b0c1d-2e3f-4a4b-8c5d-6e7f8a9b0c01";

fn config(dir: &Path) -> PathBuf {
    let path = dir.join("dtc.toml");
    let text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
data = "{data}"

[[api_root]]
path = "lds"
title = "LDS"

[[organisation]]
id = "ncsc"
name = "NCSC-NL"
role = "national-csirt"
identity = "{NCSC_ID}"

[[organisation]]
id = "dtc"
name = "Digital Trust Center"
role = "dtc"
identity = "{DTC_ID}"
serves = ["company-b", "company-c"]

[[organisation]]
id = "company-b"
name = "Bedrijf B"
identity = "{COMPANY_B_ID}"

[[organisation]]
id = "company-c"
name = "Bedrijf C"
identity = "{COMPANY_C_ID}"

[[account]]
name = "ncsc"
organisation = "ncsc"
token = "ncsc-token-0123456789abcdef"

[[collection]]
api_root = "lds"
id = "{FEED}"
title = "feed"
owner = "ncsc"
read = ["ncsc", "dtc"]
write = ["ncsc"]
audience = ["dtc"]
require_tlp = true

[[collection]]
api_root = "lds"
id = "{CONSTITUENCY}"
title = "constituency"
owner = "dtc"
read = ["dtc", "company-b", "company-c"]
write = ["dtc"]
audience = ["dtc"]
audience_constituency_of = ["dtc"]
relay_target = true

[[relay]]
name = "green"
organisation = "dtc"
api_root = "lds"
from = "feed"
to = "constituency"
"#,
        data = dir.join("data").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn objects() -> Value {
    json!([
        {"type": "marking-definition", "spec_version": "2.1", "id": AFFECTED_B,
         "created": "2020-08-26T09:00:00.000Z", "created_by_ref": NCSC_ID,
         "name": "NL-LDS audience: B affected",
         "extensions": {"extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8":
             {"extension_type": "property-extension", "affected_parties": [COMPANY_B_ID]}}},
        {"type": "indicator", "spec_version": "2.1", "id": INDICATOR, "created_by_ref": NCSC_ID,
         "created": "2020-08-25T09:00:00.000Z", "modified": "2020-08-25T09:00:00.000Z",
         "name": "Pulse Secure exploitation", "pattern": "[ipv4-addr:value = '203.0.113.17']",
         "pattern_type": "stix", "valid_from": "2020-08-25T09:00:00Z",
         "object_marking_refs": [TLP_GREEN]},
        {"type": "identity", "spec_version": "2.1", "id": COMPANY_B_ID, "created_by_ref": NCSC_ID,
         "created": "2020-08-26T09:00:00.000Z", "modified": "2020-08-26T09:00:00.000Z",
         "name": "Bedrijf B", "identity_class": "organization",
         "object_marking_refs": [TLP_AMBER, AFFECTED_B]},
        {"type": "note", "spec_version": "2.1", "id": NOTE, "created_by_ref": NCSC_ID,
         "created": "2020-08-26T10:00:00.000Z", "modified": "2020-08-26T10:00:00.000Z",
         "content": "NCSC analysis", "object_refs": [INDICATOR],
         "object_marking_refs": [TLP_AMBER_STRICT]}
    ])
}

/// Starts the server on the file, lets NCSC post the scenario objects, and stops it.
async fn prepare(config: &Path) {
    let running = common::start_server(config).await;
    let r = reqwest::Client::new()
        .post(format!(
            "http://{}/lds/collections/{FEED}/objects/",
            running.addr
        ))
        .bearer_auth("ncsc-token-0123456789abcdef")
        .header("Accept", "application/taxii+json;version=2.1")
        .header("Content-Type", "application/taxii+json;version=2.1")
        .body(json!({ "objects": objects() }).to_string())
        .send()
        .await
        .unwrap();
    let status: Value = r.json().await.unwrap();
    assert_eq!(status["success_count"], 4, "{status}");
    running.handle.stop(true).await;
}

fn schakel(args: &[&str], config: &Path) -> (i32, String, String) {
    common::run(
        args.iter()
            .map(OsStr::new)
            .chain([OsStr::new("--config"), config.as_os_str()]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_by_hand_and_by_rule_with_text_and_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    prepare(&config).await;
    let relay = |extra: &[&str]| {
        let mut args = vec![
            "relay",
            "--as",
            "dtc",
            "--from",
            "feed",
            "--to",
            "constituency",
        ];
        args.extend_from_slice(extra);
        schakel(&args, &config)
    };

    // Scenario 7: B's identity goes to B, the affected party, automatically.
    let (code, out, err) = relay(&[COMPANY_B_ID]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        format!(
            "relay: relayed {COMPANY_B_ID} 2020-08-26T09:00:00.000Z to company-b: affected-party"
        )
    );
    // To C only with a justification; JSON for scripts.
    let (code, out, _) = relay(&["--recipient", "company-c", "--format", "json", COMPANY_B_ID]);
    assert_eq!(code, 1, "refused: {out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["refused"][0]["reason"], "justification-required");
    let (code, out, _) = relay(&[
        "--recipient",
        "company-c",
        "--justification",
        "same VPN appliance",
        "--format",
        "json",
        COMPANY_B_ID,
    ]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["relayed"][0]["to"], json!(["company-c: justified"]));
    assert_eq!(v["relayed"][0]["widened"], true);

    // Scenario 8: AMBER+STRICT is never relayed; an unknown id is not found.
    let (code, out, _) = relay(&[NOTE, "indicator--00000000-0000-4000-8000-000000000000"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "refused {NOTE} 2020-08-26T10:00:00.000Z: amber-strict"
        )),
        "{out}"
    );
    assert!(out.contains("not-found"), "{out}");

    // Scenario 1: the standing rule relays what is GREEN (and nothing else) to everyone.
    let (code, out, err) = schakel(&["relay", "--rules"], &config);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("green: relayed {INDICATOR}")),
        "{out}"
    );
    assert!(out.contains("to the target's audience"), "{out}");
    assert!(
        !out.contains(NOTE),
        "AMBER+STRICT is above the rule's limit: {out}"
    );
    // Run again: the position moved on, nothing to do.
    let (code, out, _) = schakel(&["relay", "--rules"], &config);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn bad_arguments_are_errors_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let (code, _, err) = schakel(
        &[
            "relay",
            "--as",
            "nobody",
            "--from",
            "feed",
            "--to",
            "constituency",
            INDICATOR,
        ],
        &config,
    );
    assert_eq!(code, 2);
    assert!(err.contains("no organisation \"nobody\""), "{err}");
    let (code, _, err) = schakel(&["relay", "--as", "dtc", INDICATOR], &config);
    assert_eq!(code, 2);
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = schakel(&["relay", "--rules", "--rule", "nope"], &config);
    assert_eq!(code, 2);
    assert!(err.contains("no matching [[relay]] rule"), "{err}");
    let (code, _, err) = schakel(&["pull", "--once", "ncsc"], &config);
    assert_eq!(code, 2);
    assert!(err.contains("no [[upstream]] named \"ncsc\""), "{err}");
    // A malformed file: file, line and column.
    std::fs::write(&config, "[[upstream]]\nname = 3\n").unwrap();
    let (code, _, err) = schakel(&["pull", "--once"], &config);
    assert_eq!(code, 2);
    assert!(err.contains("dtc.toml:2:"), "{err}");
}
