//! `schakel init`: the file it writes loads and serves, with the operator password it printed
//! once; it does not overwrite a file without --force, and refuses a bad organisation id.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn init(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .arg("init")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_written_file_serves_with_the_printed_password() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = init(&["--dir", d, "--organisation", "z-cert"]);
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

    let mut server = Command::new(env!("CARGO_BIN_EXE_schakel"))
        .args([
            "serve",
            "--plain-http",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Schakel listening on ")
        .unwrap()
        .to_owned();
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

    let (code, _, err) = init(&["--dir", d]);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "left alone");
    let (code, _, _) = init(&["--dir", d, "--force"]);
    assert_eq!(code, 0);
    let (code, _, err) = init(&["--dir", d, "--force", "--organisation", "Bad Name"]);
    assert_eq!(code, 2);
    assert!(err.contains("lowercase"), "{err}");
}
