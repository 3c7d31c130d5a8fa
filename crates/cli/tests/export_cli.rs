//! `schakel export`: with `--as-reader`, exactly the objects (and bytes) that account receives
//! over TAXII, redacted ones included; without it every stored version; bundle and JSON-lines
//! forms; errors for unknown collections and accounts.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::Path;

use serde_json::{Value, json};

const FEED: &str = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
const NCSC_ID: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e01";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const NL_PII_PRESENT: &str = "marking-definition--a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d";

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("schakel.toml");
    let mut text = format!(
        r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
data = "{}"

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
name = "DTC"
role = "dtc"

[[organisation]]
id = "company-c"
name = "Bedrijf C"

[[collection]]
api_root = "lds"
id = "{FEED}"
title = "feed"
read = ["ncsc", "dtc", "company-c"]
write = ["ncsc"]
audience = ["dtc"]
"#,
        dir.join("data").display()
    );
    for (name, org) in [("ncsc", "ncsc"), ("company-c", "company-c")] {
        text.push_str(&format!(
            "\n[[account]]\nname = \"{name}\"\norganisation = \"{org}\"\ntoken = \"{name}-token-0123456789abcdef\"\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn indicator(n: u32, markings: &[&str], modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{n:08x}-0000-4000-8000-000000000000"),
        "created_by_ref": NCSC_ID,
        "created": "2024-01-01T00:00:00.000Z", "modified": modified,
        "name": format!("indicator {n}"),
        "description": "Seen in the logs of Jan Jansen's laptop.",
        "pattern": "[ipv4-addr:value = '203.0.113.9']",
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": markings
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_reader_is_what_the_reader_receives() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let running = common::start_server(&config).await;
    let base = format!("http://{}/lds/collections/{FEED}/objects/", running.addr);
    let http = reqwest::Client::new();
    // GREEN (two versions), AMBER (not for company C), and GREEN with a personal description
    // (redacted for C, which holds no designation).
    let mut personal = indicator(3, &[TLP_GREEN], "2024-01-01T00:00:00.000Z");
    personal["granular_markings"] =
        json!([{"marking_ref": NL_PII_PRESENT, "selectors": ["description"]}]);
    let objects = json!([
        indicator(1, &[TLP_GREEN], "2024-01-01T00:00:00.000Z"),
        indicator(1, &[TLP_GREEN], "2024-02-01T00:00:00.000Z"),
        indicator(2, &[TLP_AMBER], "2024-01-01T00:00:00.000Z"),
        personal
    ]);
    let r = http
        .post(&base)
        .bearer_auth("ncsc-token-0123456789abcdef")
        .header("Accept", "application/taxii+json;version=2.1")
        .header("Content-Type", "application/taxii+json;version=2.1")
        .body(json!({ "objects": objects }).to_string())
        .send()
        .await
        .unwrap();
    let status: Value = r.json().await.unwrap();
    assert_eq!(status["success_count"], 4, "{status}");
    let served: Value = http
        .get(format!("{base}?match[version]=all"))
        .bearer_auth("company-c-token-0123456789abcdef")
        .header("Accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    running.handle.stop(true).await;
    let over_http: BTreeSet<String> = served["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::to_string)
        .collect();
    assert_eq!(
        over_http.len(),
        3,
        "two GREEN versions and the redacted one"
    );

    let export = |collection: &str, extra: &[&str]| {
        let args = [
            OsStr::new("export"),
            OsStr::new("--config"),
            config.as_os_str(),
        ];
        common::run(
            args.into_iter()
                .chain([OsStr::new("--collection"), OsStr::new(collection)])
                .chain(extra.iter().map(OsStr::new)),
        )
    };
    let (code, out, err) = export("feed", &["--as-reader", "company-c", "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("3 objects written (1 redacted, 0 withheld)"),
        "{err}"
    );
    let exported: BTreeSet<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap().to_string())
        .collect();
    assert_eq!(exported, over_http, "the export is what C receives");

    // Everything, as a bundle (bytes as stored).
    let (code, out, _) = export("feed", &[]);
    assert_eq!(code, 0);
    let bundle: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert_eq!(bundle["objects"].as_array().unwrap().len(), 4);
    let (code, out, _) = export("feed", &["--latest", "--format", "jsonl"]);
    assert_eq!((code, out.lines().count()), (0, 3));

    let (code, _, err) = export("feed", &["--as-reader", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("no account \"nobody\""), "{err}");
    let (code, _, err) = export("nowhere", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no collection \"nowhere\""), "{err}");
}
