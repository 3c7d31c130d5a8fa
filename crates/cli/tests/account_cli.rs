//! `schakel account add|list|show|remove`: a generated token (or password) is printed once,
//! works against the server, and stops working when the account is removed; errors on a
//! duplicate account, an unknown organisation or account.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

mod common;

use std::ffi::OsStr;
use std::path::Path;

use serde_json::Value;

fn config(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("schakel.toml");
    let text = format!(
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

[[collection]]
api_root = "lds"
id = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f"
title = "feed"
read = ["ncsc"]
"#,
        dir.join("data").display()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// `schakel COMMAND ARGS --config CONFIG`.
fn cli(command: &str, config: &Path, args: &[&str]) -> (i32, String, String) {
    common::run(
        std::iter::once(OsStr::new(command))
            .chain(args.iter().map(OsStr::new))
            .chain([OsStr::new("--config"), config.as_os_str()]),
    )
}

fn account(config: &Path, args: &[&str]) -> (i32, String, String) {
    cli("account", config, args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_passwords_are_shown_once_and_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    // The server creates the database and applies the file.
    let running = common::start_server(&config).await;
    let discovery = format!("http://{}/taxii2/", running.addr);

    let (code, out, err) = account(
        &config,
        &[
            "add",
            "opencti",
            "--organisation",
            "ncsc",
            "--label",
            "opencti",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let token = v["token"].as_str().unwrap().to_owned();
    let (code, out, _) = account(
        &config,
        &["add", "analyst", "--organisation", "ncsc", "--password"],
    );
    assert_eq!(code, 0);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();

    let http = reqwest::Client::new();
    let get = |req: reqwest::RequestBuilder| async move {
        req.header("Accept", "application/taxii+json;version=2.1")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(get(http.get(&discovery).bearer_auth(&token)).await, 200);
    assert_eq!(
        get(http.get(&discovery).basic_auth("analyst", Some(&password))).await,
        200
    );

    let (code, out, _) = account(&config, &["list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("opencti (organisation ncsc), no password, tokens: opencti"),
        "{out}"
    );
    assert!(
        out.contains("analyst (organisation ncsc), password, tokens: none"),
        "{out}"
    );
    assert!(
        !out.contains(&token) && !out.contains(&password),
        "secrets are never shown again"
    );
    let (code, out, _) = account(&config, &["show", "opencti", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["tokens"], serde_json::json!(["opencti"]));

    for (args, want) in [
        (&["add", "opencti", "--organisation", "ncsc"][..], "exists"),
        (
            &["add", "x", "--organisation", "nobody"][..],
            "no organisation \"nobody\"",
        ),
        (&["show", "nobody"][..], "no account \"nobody\""),
        (&["remove", "nobody"][..], "no account \"nobody\""),
    ] {
        let (code, _, err) = account(&config, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }

    let (code, out, _) = account(&config, &["remove", "opencti"]);
    assert_eq!(
        (code, out.trim()),
        (0, "removed account opencti and its tokens")
    );
    // The running server trusts a checked credential for up to a minute (docs/operations.md);
    // a server started now refuses the token at once.
    running.handle.stop(true).await;
    let running = common::start_server(&config).await;
    let discovery = format!("http://{}/taxii2/", running.addr);
    assert_eq!(
        get(http.get(&discovery).bearer_auth(&token)).await,
        401,
        "a removed account's token stops working"
    );
    assert_eq!(
        get(http.get(&discovery).basic_auth("analyst", Some(&password))).await,
        200,
        "an account added with the CLI survives a restart (the file deletes nothing)"
    );
    running.handle.stop(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_are_added_listed_and_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    common::create_database(&config).await;
    let grant = |args: &[&str]| cli("grant", &config, args);
    let (code, out, _) = grant(&["list"]);
    assert_eq!(
        (code, out.trim()),
        (
            0,
            "ncsc on feed (6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f): read"
        )
    );
    let (code, out, err) = grant(&["add", "ncsc", "feed", "--read", "--write"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "granted ncsc read and write on feed");
    let (_, out, _) = grant(&["list", "--format", "json"]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["read"].as_bool(), v["write"].as_bool()),
        (Some(true), Some(true))
    );
    let (code, out, _) = grant(&["show", "ncsc", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(out.trim()).unwrap(), v);
    let (code, _, err) = grant(&["show", "nobody"]);
    assert_eq!(code, 2);
    assert!(err.contains("no organisation \"nobody\""), "{err}");
    let (code, _, _) = grant(&["remove", "ncsc", "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f"]);
    assert_eq!(code, 0);
    let (code, out, _) = grant(&["list"]);
    assert_eq!((code, out.as_str()), (0, ""));
    for (args, want) in [
        (&["remove", "ncsc", "feed"][..], "no grant"),
        (&["add", "ncsc", "feed"][..], "--read, --write"),
        (
            &["add", "ncsc", "nowhere", "--read"][..],
            "no collection \"nowhere\"",
        ),
        (&["add", "nobody", "feed", "--read"][..], "nobody"),
    ] {
        let (code, _, err) = grant(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
