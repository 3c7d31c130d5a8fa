//! Interop suite: the real Python TAXII clients against a running Schakel server.
//!
//! - `taxii2-client` (`taxii2client.v21`): discovery, API roots, collections (by id, by title,
//!   by alias), Basic and Bearer authentication, `as_pages` over a collection of 3,000 objects
//!   with several page sizes (no loss, no repetition, order kept), paging by
//!   `X-TAXII-Date-Added-Last`, every filter on objects, object, manifest and versions,
//!   `add_objects` with status polling and counts, duplicates and per-object failures,
//!   `delete_object` with and without `match[version]`
//!   (`tests/interop/taxii2client_suite.py`);
//! - `stix2`: `TAXIICollectionStore` add / get / query with filters / `all_versions`, the
//!   relationship helpers, `TAXIICollectionSource` with small pages and a read-only account
//!   (`tests/interop/stix2_suite.py`);
//! - both on medallion's reference data imported with `server::import`
//!   (`tests/interop/medallion_data_suite.py`);
//! - MISP's converter misp-stix: a MISP event's TLP per attribute survives MISP -> STIX 2.1 ->
//!   Schakel -> STIX 2.1 -> MISP (`tests/interop/misp_stix_suite.py`).
//!
//! The clients run in a venv created once under the cargo target directory
//! (`$CARGO_TARGET_TMPDIR/interop-venv`) from `tests/interop/requirements.txt` (pinned
//! versions; a changed file rebuilds the venv). Python 3 with `venv` and access to PyPI are
//! needed the first time: without them these tests fail with a message saying so, unless
//! `SCHAKEL_SKIP_INTEROP=1`. `SCHAKEL_PYTHON` names another interpreter than `python3`.
//!
//! Each test starts its own server, seeds it over HTTP, and runs one suite script with the
//! server's URL, credentials and collection ids in environment variables; the script asserts
//! and exits non-zero on failure, and the test fails with its output.

// Helpers outside #[test] functions panic on purpose: a failed assumption fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "interop/medallion_server.rs"]
mod medallion_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{INBOX, PARTNERS, PROVISIONING, TestServer, Who, body_json, indicator};
use serde_json::{Value, json};

const REQUIREMENTS: &str = include_str!("interop/requirements.txt");

/// How long one suite may run.
const SUITE_TIMEOUT: Duration = Duration::from_secs(900);

const BULK: &str = "67e4cca8-faab-4483-8ef0-81a79cae65cf";
const BULK_COUNT: u32 = 3000;
const FILTERS: &str = "6420d390-495c-4b43-ae03-97de1059bacd";
const RW: &str = "e4c7b58a-b124-4015-b5c3-243c7883684a";
const STIX2: &str = "2005cdd2-93b0-476f-9070-007ea9b14ecc";

/// The standard provisioning plus the interop collections: `zcert` (Bearer token) may read
/// the bulk and stix2 collections.
fn provisioning() -> String {
    format!(
        r#"{PROVISIONING}
[[collection]]
api_root = "lds"
id = "{BULK}"
title = "interop-bulk"
read = ["ncsc", "zcert"]
write = ["ncsc"]

[[collection]]
api_root = "lds"
id = "{FILTERS}"
title = "interop-filters"
read = ["ncsc"]
write = ["ncsc"]

[[collection]]
api_root = "lds"
id = "{RW}"
title = "interop-rw"
read = ["ncsc"]
write = ["ncsc"]

[[collection]]
api_root = "lds"
id = "{STIX2}"
title = "interop-stix2"
read = ["ncsc", "zcert"]
write = ["ncsc"]
"#
    )
}

fn skipped() -> bool {
    if std::env::var("SCHAKEL_SKIP_INTEROP").is_ok_and(|v| v == "1") {
        eprintln!("SCHAKEL_SKIP_INTEROP=1: interop test skipped");
        return true;
    }
    false
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The venv's interpreter, creating the venv the first time (once per process; reused by
/// later runs while `requirements.txt` is unchanged).
fn venv() -> PathBuf {
    static VENV: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);
    let mut guard = VENV.lock().unwrap_or_else(|e| e.into_inner());
    let result = guard.get_or_insert_with(make_venv).clone();
    match result {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn make_venv() -> Result<PathBuf, String> {
    let help = "the interop tests need Python 3 with the venv module and pip access to PyPI \
                (Debian/Ubuntu: apt-get install python3 python3-venv); set SCHAKEL_SKIP_INTEROP=1 \
                to skip them";
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-venv");
    let marker = venv.join("schakel-requirements.txt");
    let python = venv_python(&venv);
    if python.exists() && std::fs::read_to_string(&marker).is_ok_and(|m| m == REQUIREMENTS) {
        return Ok(python);
    }
    let base = std::env::var("SCHAKEL_PYTHON").unwrap_or_else(|_| "python3".into());
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| format!("removing the old venv {}: {e}", venv.display()))?;
    }
    let out = Command::new(&base)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("cannot run {base:?}: {e}; {help}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{base} -m venv {}` failed; {help}\n{}",
            venv.display(),
            output_text(&out)
        ));
    }
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-q",
            "-r",
        ])
        .arg(interop_dir().join("requirements.txt"))
        .output()
        .map_err(|e| format!("cannot run {}: {e}; {help}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "installing tests/interop/requirements.txt into {} failed; {help}\n{}",
            venv.display(),
            output_text(&out)
        ));
    }
    std::fs::write(&marker, REQUIREMENTS)
        .map_err(|e| format!("writing {}: {e}", marker.display()))?;
    Ok(python)
}

/// Runs one suite script with `vars` and fails the test with its output when it fails.
async fn run_suite(script: &str, vars: Vec<(&'static str, String)>) {
    let script = interop_dir().join(script);
    let result = tokio::task::spawn_blocking(move || {
        let python = venv();
        let mut child = Command::new(&python)
            .arg(&script)
            .current_dir(interop_dir())
            .envs(vars)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        // Read both pipes while waiting, so a chatty suite cannot block on a full pipe.
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
            s
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > SUITE_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        (script, status, out, err)
    })
    .await
    .unwrap();
    let (script, status, out, err) = result;
    let report = format!("--- stdout ---\n{out}\n--- stderr ---\n{err}");
    match status {
        Some(s) if s.success() => eprintln!("{}: passed\n{out}", script.display()),
        Some(s) => panic!("{} failed ({s}):\n{report}", script.display()),
        None => panic!(
            "{} did not finish within {SUITE_TIMEOUT:?}:\n{report}",
            script.display()
        ),
    }
}

/// Environment shared by the suites on the standard provisioning.
fn standard_vars(srv: &TestServer) -> Vec<(&'static str, String)> {
    vec![
        ("SCHAKEL_URL", srv.base.clone()),
        ("SCHAKEL_API_ROOT", "lds".into()),
        ("SCHAKEL_USER", "ncsc".into()),
        ("SCHAKEL_PASSWORD", "ncsc-password".into()),
        ("SCHAKEL_TOKEN", "zcert-token-0123456789abcdef".into()),
        ("SCHAKEL_MAX_CONTENT_LENGTH", "1048576".into()),
        ("SCHAKEL_DEFAULT_PAGE", "100".into()),
        ("SCHAKEL_MAX_PAGE", "500".into()),
        ("SCHAKEL_PARTNERS", PARTNERS.into()),
        ("SCHAKEL_INBOX", INBOX.into()),
        ("SCHAKEL_BULK", BULK.into()),
        ("SCHAKEL_BULK_COUNT", BULK_COUNT.to_string()),
        ("SCHAKEL_FILTERS", FILTERS.into()),
        ("SCHAKEL_RW", RW.into()),
        ("SCHAKEL_STIX2", STIX2.into()),
    ]
}

/// POSTs `objects` as NCSC and checks every one was stored.
async fn seed(srv: &TestServer, collection: &str, objects: &[Value]) {
    let path = format!("/lds/collections/{collection}/objects/");
    let r = srv.post(&path, Who::Ncsc, objects).await;
    assert_eq!(r.status(), 202);
    let status = body_json(r).await;
    assert_eq!(
        status["success_count"],
        objects.len(),
        "seeding failed: {status}"
    );
}

fn malware(modified: &str) -> Value {
    json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--a7e2c6f4-5b1d-4c3e-9f8a-2d4b6e8f0a1c",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "Interop malware",
        "is_family": false
    })
}

fn identity() -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--3c5e7a9b-1d2f-4a6c-8e0b-5f7d9c1e3a5b",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Interop identity",
        "identity_class": "organization"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taxii2client_suite() {
    if skipped() {
        return;
    }
    let srv = TestServer::start_with(&provisioning()).await;
    // 3,000 indicators, posted in batches in id order (their date_added order).
    let all: Vec<Value> = (1..=BULK_COUNT)
        .map(|n| indicator(n, "2024-01-01T00:00:00.000Z"))
        .collect();
    for batch in all.chunks(500) {
        seed(&srv, BULK, batch).await;
    }
    // A1, B, M1, I, A2, M2, A3: versions out of date_added order.
    let a = |m: &str| indicator(101, m);
    seed(
        &srv,
        FILTERS,
        &[
            a("2024-01-01T00:00:00.000Z"),
            indicator(102, "2024-01-15T00:00:00.000Z"),
            malware("2024-01-01T00:00:00.000Z"),
            identity(),
        ],
    )
    .await;
    seed(&srv, FILTERS, &[a("2024-02-01T00:00:00.000Z")]).await;
    seed(&srv, FILTERS, &[malware("2024-04-01T00:00:00.000Z")]).await;
    seed(&srv, FILTERS, &[a("2024-03-01T00:00:00.000Z")]).await;
    run_suite("taxii2client_suite.py", standard_vars(&srv)).await;
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stix2_suite() {
    if skipped() {
        return;
    }
    let srv = TestServer::start_with(&provisioning()).await;
    run_suite("stix2_suite.py", standard_vars(&srv)).await;
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_medallion_data() {
    if skipped() {
        return;
    }
    let m = medallion_server::start().await;
    let (user, password) = medallion_server::MEDALLION_USER;
    let vars = vec![
        ("SCHAKEL_URL", m.srv.base.clone()),
        ("SCHAKEL_API_ROOT", "trustgroup1".into()),
        ("SCHAKEL_USER", user.into()),
        ("SCHAKEL_PASSWORD", password.into()),
    ];
    run_suite("medallion_data_suite.py", vars).await;
    m.srv.stop().await;
}

const MISP: &str = "4c0b7d2e-8a51-4f3c-9e2d-6b1a0f9c3d77";
const MISP_ORG_UUID: &str = "5f1c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const MISP_TOKEN: &str = "misp-interop-token-0123456789abcdef";

/// MISP's own converter (issue 7): a MISP event with a TLP tag per attribute, converted to
/// STIX 2.1 by misp-stix, posted with taxii2-client, read back page by page and converted back
/// to MISP keeps the TLP of every attribute (`tests/interop/misp_stix_suite.py`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misp_stix_round_trip() {
    if skipped() {
        return;
    }
    let srv = TestServer::start_with(&format!(
        r#"{PROVISIONING}
[[organisation]]
id = "misp-org"
name = "MISP organisation"
identity = "identity--{MISP_ORG_UUID}"

[[account]]
name = "misp-sync"
organisation = "misp-org"
token = "{MISP_TOKEN}"

[[collection]]
api_root = "lds"
id = "{MISP}"
title = "misp-events"
owner = "misp-org"
read = ["misp-org"]
write = ["misp-org"]
"#
    ))
    .await;
    let mut vars = standard_vars(&srv);
    vars.extend([
        ("SCHAKEL_MISP", MISP.to_owned()),
        ("SCHAKEL_MISP_TOKEN", MISP_TOKEN.to_owned()),
        ("MISP_ORG_UUID", MISP_ORG_UUID.to_owned()),
    ]);
    run_suite("misp_stix_suite.py", vars).await;
    srv.stop().await;
}

/// The OASIS reference server medallion as an upstream (issue 6): medallion 3.0.0 from the venv
/// serves its own test data (`fixtures/conformance/taxii/medallion-default_data.json`) with
/// pages of two objects; `server::federation::pull` takes its "High Value Indicator
/// Collection" into a Schakel collection, following medallion's `next` and headers. Every
/// STIX 2.1 object of it arrives (compared as JSON values: medallion re-serialises what it
/// stores); a second pull finds nothing new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_from_medallion() {
    use server::config::{ProvisioningFile, UpstreamEntry};
    use store::Store;
    if skipped() {
        return;
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let python = tokio::task::spawn_blocking(venv).await.unwrap();
    let medallion = python.with_file_name("medallion");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("medallion_data.json");
    std::fs::write(&data, medallion_server::MEDALLION_DATA).unwrap();
    let config = dir.path().join("medallion_config.json");
    std::fs::write(
        &config,
        json!({
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": data
            },
            "users": {"admin": "Password0"},
            "taxii": {"max_page_size": 2}
        })
        .to_string(),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&medallion)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("medallion.log")).unwrap())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    {
        let _guard = Kill(child);
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ok = http
                .get(format!("{base}/taxii2/"))
                .basic_auth("admin", Some("Password0"))
                .header("Accept", "application/taxii+json;version=2.1")
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "medallion did not start:\n{}",
                std::fs::read_to_string(dir.path().join("medallion.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        let local = tempfile::tempdir().unwrap();
        let store = store::sqlite::SqliteStore::open(
            &local.path().join("schakel.db"),
            store::sqlite::SqliteOptions::default(),
        )
        .unwrap();
        let file = ProvisioningFile::parse(
            r#"
[[api_root]]
path = "lds"
title = "local"

[[organisation]]
id = "upstream"
name = "medallion operator"

[[collection]]
api_root = "lds"
id = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
title = "from-medallion"
read = ["upstream"]
"#,
            "local.toml",
        )
        .unwrap();
        server::provision::apply_file(&store, &file).await.unwrap();
        let sub = UpstreamEntry {
            username: Some("admin".into()),
            password: Some("Password0".into()),
            page_size: 2,
            timeout_secs: 30,
            retries: 3,
            ..common::upstream(
                "medallion",
                format!("{base}/trustgroup1/"),
                "High Value Indicator Collection",
                "upstream",
                "from-medallion",
            )
        };
        let client = server::federation::client_for(&sub).unwrap();
        let clock = server::state::Clock::default();
        let report = server::federation::pull(&store, &sub, &client, &clock, &mut |_| {})
            .await
            .unwrap();

        let fixture: Value = serde_json::from_str(medallion_server::MEDALLION_DATA).unwrap();
        let objects: Vec<Value> = fixture["trustgroup1"]["collections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "91a7b528-80eb-42ed-a74d-c6fbd5a26116")
            .unwrap()["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let mut o = o.clone();
                // medallion's own bookkeeping beside each object, not part of it.
                o.as_object_mut().unwrap().remove("__meta");
                o
            })
            .collect();
        let (v21, older): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|o| o["spec_version"] == "2.1");
        assert!(report.pages >= 3, "medallion paged in twos: {report:?}");
        // Without match[spec_version] a TAXII server sends each object's latest spec version
        // only (T-89): the malware's STIX 2.0 version stays behind its 2.1 version.
        assert!(older.iter().all(|o| v21.iter().any(|n| n["id"] == o["id"])));
        assert_eq!(report.received as usize, v21.len(), "{report:?}");
        assert_eq!(report.refused, 0, "{report:?}");

        let c = store
            .collection("lds", "91a7b528-80eb-42ed-a74d-c6fbd5a26116")
            .await
            .unwrap()
            .unwrap();
        let page = store
            .query(
                &c,
                &store::ObjectFilter {
                    versions: store::VersionMatch::All,
                    ..Default::default()
                },
                &store::Visibility::All,
                store::PageRequest {
                    after: None,
                    limit: 1000,
                },
                true,
            )
            .await
            .unwrap();
        let mut got: Vec<Value> = page
            .rows
            .iter()
            .map(|r| serde_json::from_str(r.body.as_deref().unwrap()).unwrap())
            .collect();
        let key = |v: &Value| (v["id"].to_string(), v["modified"].to_string());
        got.sort_by_key(key);
        let mut want = v21;
        want.sort_by_key(key);
        assert_eq!(got.len(), want.len(), "{report:?}");
        assert_eq!(
            got, want,
            "every STIX 2.1 object of the collection, as medallion holds it"
        );

        let again = server::federation::pull(&store, &sub, &client, &clock, &mut |_| {})
            .await
            .unwrap();
        assert_eq!(again.stored, 0, "{again:?}");
    }
}
