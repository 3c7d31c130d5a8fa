//! `schakel org list|show|add|remove` and `schakel collection list|show|add|remove` (issue 7):
//! text and `--format json` output, and the errors on bad input (duplicates, unknown
//! organisations and API roots, a policy that contradicts itself, removals of what is still in
//! use, a malformed provisioning file with line and column).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod common;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

const IDENTITY: &str = "identity--7b3e2a1c-9d4f-4e8a-b6c5-1f2e3d4c5b6a";

async fn provisioned(dir: &Path) -> PathBuf {
    let config = common::config_file(
        dir,
        "\n[[organisation]]\nid = \"ncsc\"\nname = \"NCSC-NL\"\nrole = \"national-csirt\"\n",
    );
    common::create_database(&config).await;
    config
}

fn schakel(config: &Path, args: &[&str]) -> (i32, String, String) {
    let (cmd, rest) = args.split_first().unwrap();
    common::run(
        [OsStr::new(cmd), OsStr::new("--config"), config.as_os_str()]
            .into_iter()
            .chain(rest.iter().map(OsStr::new)),
    )
}

fn ok(config: &Path, args: &[&str]) -> String {
    let (code, out, err) = schakel(config, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn refused(config: &Path, args: &[&str], expected: &str) {
    let (code, _, err) = schakel(config, args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(err.contains(expected), "{args:?}: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_collections_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = provisioned(dir.path()).await;

    // Organisations.
    let out = ok(
        &config,
        &[
            "org",
            "add",
            "z-cert",
            "--name",
            "Z-CERT",
            "--role",
            "designated-cert",
            "--identity",
            IDENTITY,
            "--sectors",
            "healthcare",
        ],
    );
    assert_eq!(out.trim(), "added organisation z-cert (Z-CERT)");
    let out = ok(
        &config,
        &[
            "org",
            "add",
            "hospital",
            "--name",
            "Ziekenhuis",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        serde_json::json!({"added": "hospital"})
    );
    let shown: Value =
        serde_json::from_str(&ok(&config, &["org", "show", "z-cert", "--format", "json"])).unwrap();
    assert_eq!(shown[0]["role"], "designated-cert");
    assert_eq!(shown[0]["identity"], IDENTITY);
    assert_eq!(shown[0]["sectors"], serde_json::json!(["healthcare"]));
    let listed: Value =
        serde_json::from_str(&ok(&config, &["org", "list", "--format", "json"])).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert!(ok(&config, &["org", "show", "ncsc"]).starts_with("ncsc (NCSC-NL): national-csirt"));
    refused(
        &config,
        &["org", "add", "z-cert", "--name", "again"],
        "organisation \"z-cert\" exists",
    );
    refused(
        &config,
        &["org", "add", "a b", "--name", "x"],
        "is not an id",
    );
    refused(
        &config,
        &[
            "org",
            "add",
            "x",
            "--name",
            "x",
            "--identity",
            "indicator--7b3e2a1c-9d4f-4e8a-b6c5-1f2e3d4c5b6a",
        ],
        "is not an identity--<uuid> id",
    );
    refused(
        &config,
        &["org", "add", "x", "--name", "x", "--serves", "nobody"],
        "no organisation \"nobody\"",
    );
    refused(
        &config,
        &["org", "add", "x", "--name", "x", "--role", "boss"],
        "is not an organisation role",
    );
    refused(
        &config,
        &["org", "show", "nobody"],
        "no organisation \"nobody\"",
    );

    // Collections.
    let out = ok(
        &config,
        &[
            "collection",
            "add",
            "--title",
            "zorg",
            "--alias",
            "zorg",
            "--owner",
            "z-cert",
            "--read",
            "z-cert,hospital",
            "--write",
            "z-cert",
            "--default-tlp",
            "amber",
            "--format",
            "json",
        ],
    );
    let added: Value = serde_json::from_str(&out).unwrap();
    let id = added["added"].as_str().unwrap().to_owned();
    assert_eq!(added["title"], "zorg");
    let shown: Value = serde_json::from_str(&ok(
        &config,
        &["collection", "show", "zorg", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(shown[0]["id"], id.as_str());
    assert_eq!(shown[0]["read"], serde_json::json!(["hospital", "z-cert"]));
    assert_eq!(shown[0]["write"], serde_json::json!(["z-cert"]));
    assert_eq!(shown[0]["policy"]["default_tlp"], "amber");
    let text = ok(&config, &["collection", "list"]);
    assert!(
        text.contains(&format!("zorg ({id}) in /lds/, alias zorg, owner z-cert")),
        "{text}"
    );
    refused(&config, &["collection", "add", "--title", "zorg"], "zorg");
    refused(
        &config,
        &["collection", "add", "--title", "x", "--id", &id],
        "exists",
    );
    refused(
        &config,
        &["collection", "add", "--title", "x", "--read", "nobody"],
        "no organisation \"nobody\"",
    );
    refused(
        &config,
        &[
            "collection",
            "add",
            "--title",
            "x",
            "--api-root",
            "elsewhere",
        ],
        "no API root \"elsewhere\"",
    );
    refused(
        &config,
        &[
            "collection",
            "add",
            "--title",
            "x",
            "--default-tlp",
            "red",
            "--tlp-ceiling",
            "amber",
        ],
        "default_tlp TLP:RED is above tlp_ceiling TLP:AMBER",
    );

    // Removal: only what nothing uses any more; objects only when asked.
    refused(
        &config,
        &["org", "remove", "z-cert"],
        "still referred to by",
    );
    let object = dir.path().join("one.json");
    std::fs::write(
        &object,
        r#"{"type": "identity", "spec_version": "2.1", "id": "identity--0e9d8c7b-6a5f-4e4d-8c3b-2a1f0e9d8c7b", "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "name": "Ziekenhuis", "identity_class": "organization"}"#,
    )
    .unwrap();
    ok(
        &config,
        &["import", object.to_str().unwrap(), "--collection", "zorg"],
    );
    refused(
        &config,
        &["collection", "remove", "zorg"],
        "holds 1 object versions",
    );
    let out = ok(&config, &["collection", "remove", "zorg", "--with-objects"]);
    assert_eq!(
        out.trim(),
        format!("removed collection zorg ({id}) with 1 object versions")
    );
    refused(
        &config,
        &["collection", "remove", "zorg"],
        "no collection \"zorg\"",
    );
    let out = ok(&config, &["org", "remove", "z-cert", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        serde_json::json!({"removed": "z-cert"})
    );
    refused(
        &config,
        &["org", "remove", "z-cert"],
        "no organisation \"z-cert\"",
    );
}

#[test]
fn a_malformed_provisioning_file_is_named_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[[organisation]]\nid = \"a\"\nname = \"A\"\nrole = \"boss\"\n",
    )
    .unwrap();
    for cmd in ["org", "collection", "account", "grant"] {
        let (code, _, err) = common::run([
            OsStr::new(cmd),
            OsStr::new("list"),
            OsStr::new("--config"),
            bad.as_os_str(),
        ]);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(
            err.contains(&format!("{}:7:8: unknown variant `boss`", bad.display())),
            "{cmd}: {err}"
        );
    }
}
