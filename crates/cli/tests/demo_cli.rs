//! `schakel demo`: from nothing, one command sets up the Pulse Secure chain and prints per
//! organisation a command to see what it receives; those commands work and show the policy at
//! work (access-model-research.md section 5).

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

const REPORT: &str = "report--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b";
const GREEN_INDICATOR: &str = "indicator--6f1c9a52-4f0e-4b8a-9d3c-2e7b5a1c8d01";
const CREDENTIAL: &str = "user-account--60d2047a-0195-54f1-8841-830cc4a7e13e";
const COMPANY_B: &str = "identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e05";
const RED_NOTE: &str = "note--8a9b0c1d-2e3f-4a4b-8c5d-6e7f8a9b0c02";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_runs_and_its_commands_show_the_policy() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let ready = line == "Ready.";
        lines.push(line);
        if ready {
            break;
        }
    }
    let text = lines.join("\n");
    assert!(
        text.contains("NCSC posted 10 objects to lds-partners: 10 stored, 0 refused."),
        "{text}"
    );
    // Each reader's curl command: its token and URL.
    let mut seen = std::collections::BTreeMap::new();
    let http = reqwest::Client::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(cmd) = line.trim().strip_prefix("curl -s ") else {
            continue;
        };
        let token = cmd
            .split("Bearer ")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap();
        let url = cmd.rsplit(' ').next().unwrap();
        // The reader: the first two words of the line above ("company B", "Z-CERT (designated").
        let who = lines[i - 1]
            .split(' ')
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
            .split(" (")
            .next()
            .unwrap()
            .to_owned();
        let body: Value = http
            .get(url)
            .bearer_auth(token)
            .header("Accept", "application/taxii+json;version=2.1")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<String> = body["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        seen.insert(who, ids);
    }
    let has = |who: &str, id: &str| seen[who].iter().any(|x| x == id);
    assert_eq!(seen.len(), 7, "{seen:?}");
    // Scenario 2: the credential for designated Z-CERT and DTC, not for Connect2Trust.
    assert!(
        has("Z-CERT", CREDENTIAL) && has("DTC", CREDENTIAL) && !has("Connect2Trust", CREDENTIAL)
    );
    // Scenario 5: Connect2Trust gets the report redacted, under a derived id.
    assert!(!has("Connect2Trust", REPORT) && has("Z-CERT", REPORT));
    assert!(
        seen["Connect2Trust"]
            .iter()
            .any(|x| x.starts_with("report--"))
    );
    // Scenario 9: the RED note for analyst D only.
    assert!(has("analyst D", RED_NOTE) && !has("DTC", RED_NOTE) && !has("Z-CERT", RED_NOTE));
    // Scenarios 3 and 7: B receives its credential and identity through DTC; C only GREEN.
    assert!(
        has("company B", CREDENTIAL) && has("company B", COMPANY_B),
        "{seen:?}"
    );
    assert_eq!(seen["company C"], [GREEN_INDICATOR]);
    let c_line = lines
        .iter()
        .position(|l| l.starts_with("company C"))
        .unwrap();
    // The printed curl command itself works, where curl is installed.
    if Command::new("curl").arg("--version").output().is_ok() {
        let out = Command::new("sh")
            .arg("-c")
            .arg(lines[c_line + 1].trim())
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["objects"][0]["id"], GREEN_INDICATOR);
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // A second demo on the same directory needs --reset.
    let out = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reset"));
}
