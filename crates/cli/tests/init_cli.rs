//! `schakel init`: the file it writes loads and serves, with the operator password it printed
//! once; it does not overwrite a file without --force, and refuses a bad organisation id.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

mod common;

use std::ffi::OsStr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_written_file_serves_with_the_printed_password() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = common::run(["init", "--dir", d, "--organisation", "z-cert"]);
    assert_eq!(code, 0, "{out}{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("Password:"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    let file = dir.path().join("schakel.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&password), "only the hash is written");
    assert!(dir.path().join("schakel-data/dev-ca.pem").exists());

    let (mut server, base) = common::serve([
        OsStr::new("--plain-http"),
        OsStr::new("--listen"),
        OsStr::new("127.0.0.1:0"),
        OsStr::new("--config"),
        file.as_os_str(),
    ]);
    let url = format!("{base}/taxii2/");
    let r = reqwest::Client::new()
        .get(&url)
        .basic_auth("admin", Some(&password))
        .header("Accept", "application/taxii+json;version=2.1")
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.text().await.unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("/lds/"), "{body}");

    let (code, _, err) = common::run(["init", "--dir", d]);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "left alone");
    let (code, _, _) = common::run(["init", "--dir", d, "--force"]);
    assert_eq!(code, 0);
    let (code, _, err) = common::run(["init", "--dir", d, "--force", "--organisation", "Bad Name"]);
    assert_eq!(code, 2);
    assert!(err.contains("lowercase"), "{err}");
}
