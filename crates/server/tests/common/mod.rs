//! Test harness: a real Schakel server on `127.0.0.1:0` (plain HTTP, loopback) with a
//! provisioned set of organisations, accounts and collections, and an HTTP client.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::path::PathBuf;

use reqwest::{Method, RequestBuilder, Response};
use server::config::ProvisioningFile;
use server::{Running, StartOptions};

pub const TAXII: &str = "application/taxii+json;version=2.1";

/// Collection ids of the standard provisioning.
pub const PARTNERS: &str = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
pub const INBOX: &str = "0b9a8a51-3f2a-4c83-9d1e-6e3b41f0c5a2";
pub const SECRET: &str = "5a1f3c76-0e8b-4b4e-a2c1-7d9e2f4b6a13";
pub const OTHER_FEED: &str = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f";

/// The standard provisioning: NCSC writes and reads `partners`, DTC and Z-CERT read it; DTC
/// may only write to `inbox` (owned by NCSC, which may delete what DTC posts there); only NCSC sees `secret`; `outsider` has no grant anywhere.
pub const PROVISIONING: &str = r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
default_api_root = "lds"
default_page_size = 100
max_page_size = 500
workers = 2

[[api_root]]
path = "lds"
title = "Landelijk Dekkend Stelsel"
description = "Test API root"
max_content_length = 1048576

[[api_root]]
path = "other"
title = "Other root"

[[organisation]]
id = "ncsc"
name = "NCSC-NL"

[[organisation]]
id = "dtc"
name = "Digital Trust Center"

[[organisation]]
id = "zcert"
name = "Z-CERT"

[[organisation]]
id = "outsider"
name = "Outsider"

[[organisation]]
id = "ops"
name = "Operators"

[[account]]
name = "ncsc"
organisation = "ncsc"
password = "ncsc-password"

[[account]]
name = "dtc"
organisation = "dtc"
password = "dtc-password"

[[account]]
name = "zcert"
organisation = "zcert"
token = "zcert-token-0123456789abcdef"

[[account]]
name = "outsider"
organisation = "outsider"
password = "outsider-password"

[[account]]
name = "operator"
organisation = "ops"
password = "operator-password"
operator = true

[[collection]]
api_root = "lds"
id = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd"
title = "lds-partners"
alias = "partners"
description = "Partner feed"
owner = "ncsc"
read = ["ncsc", "dtc", "zcert"]
write = ["ncsc"]

[[collection]]
api_root = "lds"
id = "0b9a8a51-3f2a-4c83-9d1e-6e3b41f0c5a2"
title = "lds-inbox"
owner = "ncsc"
read = ["ncsc"]
write = ["dtc", "ncsc"]

[[collection]]
api_root = "lds"
id = "5a1f3c76-0e8b-4b4e-a2c1-7d9e2f4b6a13"
title = "lds-secret"
read = ["ncsc"]
write = ["ncsc"]

[[collection]]
api_root = "other"
id = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"
title = "other-feed"
read = ["ncsc"]
"#;

/// A running test server.
pub struct TestServer {
    pub base: String,
    pub running: Running,
    pub data: tempfile::TempDir,
    pub client: reqwest::Client,
}

/// Credentials of the standard accounts.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    Ncsc,
    Dtc,
    Zcert,
    Outsider,
    Operator,
    Nobody,
}

impl TestServer {
    /// Starts a server with the standard provisioning (plus `extra` TOML appended).
    pub async fn start() -> TestServer {
        Self::start_with(PROVISIONING).await
    }

    pub async fn start_with(toml: &str) -> TestServer {
        Self::start_with_clock(toml, server::state::Clock::default()).await
    }

    /// As [`TestServer::start_with`], on `clock` (a fixed clock the test moves).
    pub async fn start_with_clock(toml: &str, clock: server::state::Clock) -> TestServer {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let data = tempfile::tempdir().unwrap();
        let text = format!("{toml}\n");
        let mut file = ProvisioningFile::parse(&text, "test.toml").unwrap();
        file.server.data = PathBuf::from(data.path());
        let (running, _) = server::start(StartOptions {
            file,
            from_file: true,
            clock,
        })
        .await
        .unwrap();
        let base = format!("http://{}", running.addr);
        let client = reqwest::Client::builder().build().unwrap();
        TestServer {
            base,
            running,
            data,
            client,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with the TAXII Accept header and the credentials of `who`.
    pub fn req(&self, method: Method, path: &str, who: Who) -> RequestBuilder {
        let r = self
            .client
            .request(method, self.url(path))
            .header("Accept", TAXII);
        match who {
            Who::Ncsc => r.basic_auth("ncsc", Some("ncsc-password")),
            Who::Dtc => r.basic_auth("dtc", Some("dtc-password")),
            Who::Zcert => r.bearer_auth("zcert-token-0123456789abcdef"),
            Who::Outsider => r.basic_auth("outsider", Some("outsider-password")),
            Who::Operator => r.basic_auth("operator", Some("operator-password")),
            Who::Nobody => r,
        }
    }

    pub async fn get(&self, path: &str, who: Who) -> Response {
        self.req(Method::GET, path, who).send().await.unwrap()
    }

    /// POSTs an envelope of `objects` and returns the response.
    pub async fn post(&self, path: &str, who: Who, objects: &[serde_json::Value]) -> Response {
        let body = serde_json::json!({ "objects": objects });
        self.req(Method::POST, path, who)
            .header("Content-Type", TAXII)
            .body(serde_json::to_vec(&body).unwrap())
            .send()
            .await
            .unwrap()
    }

    pub async fn stop(self) {
        self.running.handle.stop(true).await;
    }
}

/// A valid indicator with the given UUID suffix number and `modified` time.
pub fn indicator(n: u32, modified: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{:08x}-0000-4000-8000-000000000000", n),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": format!("indicator {n}"),
        "description": "test indicator",
        "indicator_types": ["malicious-activity"],
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250 + 1),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
    })
}

pub async fn body_json(r: Response) -> serde_json::Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

// ---- helpers for the taxii_*.rs conformance tests ------------------------------------------

/// `/lds/collections/{c}/objects/`.
pub fn objects_path(collection: &str) -> String {
    format!("/lds/collections/{collection}/objects/")
}

/// `/lds/collections/{c}/objects/{id}/`.
pub fn object_path(collection: &str, id: &str) -> String {
    format!("/lds/collections/{collection}/objects/{id}/")
}

/// `/lds/collections/{c}/objects/{id}/versions/`.
pub fn versions_path(collection: &str, id: &str) -> String {
    format!("/lds/collections/{collection}/objects/{id}/versions/")
}

/// `/lds/collections/{c}/manifest/`.
pub fn manifest_path(collection: &str) -> String {
    format!("/lds/collections/{collection}/manifest/")
}

/// A TAXII timestamp exactly as T-29 wants it: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn is_taxii_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 27
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            26 => c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The response's `Content-Type`, or "" when absent.
pub fn content_type(r: &Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// A header as a string.
pub fn header(r: &Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `(X-TAXII-Date-Added-First, X-TAXII-Date-Added-Last)`.
pub fn date_headers(r: &Response) -> (Option<String>, Option<String>) {
    (
        header(r, "x-taxii-date-added-first"),
        header(r, "x-taxii-date-added-last"),
    )
}

/// Checks a TAXII error response (T-14, T-25, T-34): the status, the TAXII media type, and an
/// error resource with a `title` and an `http_status` equal to the status. Returns the body.
pub async fn expect_error(r: Response, status: u16) -> serde_json::Value {
    let got = r.status().as_u16();
    let ct = content_type(&r);
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "status; body: {text}");
    assert_eq!(ct, TAXII, "Content-Type of a {status} error; body: {text}");
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("error body not JSON ({e}): {text}"));
    assert!(
        v["title"].as_str().is_some_and(|t| !t.is_empty()),
        "error title: {text}"
    );
    assert_eq!(
        v["http_status"],
        serde_json::Value::String(status.to_string()),
        "http_status: {text}"
    );
    v
}

/// Checks a 200 with the TAXII media type and returns the JSON body.
pub async fn expect_ok(r: Response) -> serde_json::Value {
    let got = r.status().as_u16();
    let ct = content_type(&r);
    let text = r.text().await.unwrap();
    assert_eq!(got, 200, "status; body: {text}");
    assert_eq!(ct, TAXII, "Content-Type; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The `id`s of an envelope's objects (empty when `objects` is absent).
pub fn ids_of(env: &serde_json::Value) -> Vec<String> {
    env["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `(id, modified)` of an envelope's objects.
pub fn versions_of(env: &serde_json::Value) -> Vec<(String, String)> {
    env["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| {
                    (
                        o["id"].as_str().unwrap_or_default().to_owned(),
                        o["modified"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The id `indicator(n, ..)` gets.
pub fn indicator_id(n: u32) -> String {
    format!("indicator--{:08x}-0000-4000-8000-000000000000", n)
}

/// An unversioned SCO (no `created`/`modified`).
pub fn ipv4(n: u32) -> serde_json::Value {
    serde_json::json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": format!("ipv4-addr--{:08x}-0000-4000-8000-000000000000", n),
        "value": format!("203.0.113.{}", n % 250 + 1)
    })
}

/// A `modified` value for version `v` (`2024-01-01T00:00:00.000Z` + v seconds).
pub fn modified(v: u32) -> String {
    format!(
        "2024-01-01T{:02}:{:02}:{:02}.000Z",
        v / 3600,
        (v / 60) % 60,
        v % 60
    )
}

impl TestServer {
    /// POSTs raw bytes with an optional Content-Type.
    pub async fn post_raw(
        &self,
        path: &str,
        who: Who,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Response {
        let mut r = self.req(Method::POST, path, who).body(body);
        if let Some(ct) = content_type {
            r = r.header("Content-Type", ct);
        }
        r.send().await.unwrap()
    }

    /// POSTs objects and checks that every one of them succeeded; returns the status.
    pub async fn add(&self, collection: &str, objects: &[serde_json::Value]) -> serde_json::Value {
        let r = self
            .post(&objects_path(collection), Who::Ncsc, objects)
            .await;
        assert_eq!(r.status(), 202);
        let s = body_json(r).await;
        assert_eq!(s["success_count"], objects.len(), "{s}");
        s
    }

    pub async fn delete(&self, path: &str, who: Who) -> Response {
        self.req(Method::DELETE, path, who).send().await.unwrap()
    }

    /// Sends `request` (a complete HTTP/1.1 request) over a fresh TCP connection and returns
    /// the status code, the header block (lowercased names) and the body.
    pub async fn raw_http(&self, request: &[u8]) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(self.running.addr)
            .await
            .unwrap();
        s.write_all(request).await.unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.unwrap();
        let text = String::from_utf8_lossy(&buf).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_owned())
    }

    /// Follows `next` from `first_query` (a query string without `?`, may be empty) until
    /// `more` is false, sending `next` with only the first query's `limit` (no filters, as
    /// Elastic and the OpenCTI connector do); returns every page's body and Date-Added headers.
    pub async fn pages(
        &self,
        path: &str,
        who: Who,
        first_query: &str,
    ) -> Vec<(serde_json::Value, Option<String>, Option<String>)> {
        let mut out = Vec::new();
        let limit: String = first_query
            .split('&')
            .filter(|p| p.starts_with("limit="))
            .map(|p| format!("&{p}"))
            .collect();
        let mut url = if first_query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{first_query}")
        };
        loop {
            let r = self.get(&url, who).await;
            let (f, l) = date_headers(&r);
            let v = expect_ok(r).await;
            let next = v["next"].as_str().map(str::to_owned);
            let more = v["more"].as_bool().unwrap_or(false);
            out.push((v, f, l));
            match (more, next) {
                (true, Some(n)) => url = format!("{path}?next={n}{limit}"),
                (true, None) => panic!("more without next"),
                (false, _) => break,
            }
            assert!(out.len() < 10_000, "paging does not end");
        }
        out
    }
}

/// A raw object for [`TestServer::start_seeded`]: stored as is, without validation (as an
/// import of another server's data may store it).
pub fn seed_object(body: &serde_json::Value, spec_version: &str) -> store::NewObject {
    let version = body
        .get("modified")
        .or_else(|| body.get("created"))
        .and_then(|v| v.as_str())
        .map(|s| store::Version {
            text: s.to_owned(),
            micros: stix::StixTimestamp::parse(s).unwrap().micros(),
        });
    store::NewObject {
        id: body["id"].as_str().unwrap().to_owned(),
        type_name: body["type"].as_str().unwrap().to_owned(),
        spec_version: spec_version.to_owned(),
        version,
        body: serde_json::to_string(body).unwrap(),
        // As an import stores unmarked data: the default policy's TLP (GREEN), no originator.
        access: store::Classification {
            tlp: Some(store::Tlp::Green),
            defaulted: true,
            ..store::Classification::default()
        },
        keep_date_added: None,
    }
}

impl TestServer {
    /// Provisions `toml` into a fresh data directory, stores `objects` in the `lds`
    /// collections named by id directly through the store, then starts the server on it.
    pub async fn start_seeded(
        toml: &str,
        objects: Vec<(&str, Vec<store::NewObject>)>,
    ) -> TestServer {
        use store::Store;
        let data = tempfile::tempdir().unwrap();
        let mut file = ProvisioningFile::parse(&format!("{toml}\n"), "test.toml").unwrap();
        file.server.data = PathBuf::from(data.path());
        {
            let st = store::sqlite::SqliteStore::open(
                &data.path().join("schakel.db"),
                store::sqlite::SqliteOptions::default(),
            )
            .unwrap();
            server::provision::apply_file(&st, &file).await.unwrap();
            for (cid, objs) in objects {
                let c = st.collection("lds", cid).await.unwrap().unwrap();
                let status = store::StatusRecord {
                    id: uuid::Uuid::new_v4(),
                    api_root: "lds".into(),
                    account: "seed".into(),
                    complete: false,
                    request_timestamp: 0,
                    total_count: objs.len() as u64,
                    successes: Vec::new(),
                    failures: Vec::new(),
                    pendings: Vec::new(),
                };
                let (outcomes, _) = st.add_objects(&c, objs, status).await.unwrap();
                for o in outcomes {
                    assert!(matches!(o, store::AddOutcome::Added { .. }), "{o:?}");
                }
            }
        }
        Self::start_on(file, data).await
    }

    async fn start_on(file: ProvisioningFile, data: tempfile::TempDir) -> TestServer {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (running, _) = server::start(StartOptions {
            file,
            from_file: true,
            clock: Default::default(),
        })
        .await
        .unwrap();
        let base = format!("http://{}", running.addr);
        let client = reqwest::Client::builder().build().unwrap();
        TestServer {
            base,
            running,
            data,
            client,
        }
    }
}

/// A subscription to `collection` of the API root at `url`, into the local collection `target`
/// of API root `lds`, as coming from `organisation`: no credentials, pages of 100, a 10 s
/// timeout and 2 retries (tests override what they need).
pub fn upstream(
    name: &str,
    url: String,
    collection: &str,
    organisation: &str,
    target: &str,
) -> server::config::UpstreamEntry {
    server::config::UpstreamEntry {
        name: name.into(),
        url,
        collection: collection.into(),
        organisation: organisation.into(),
        target_api_root: "lds".into(),
        target: target.into(),
        username: None,
        password: None,
        password_env: None,
        token: None,
        token_env: None,
        ca: None,
        client_cert: None,
        client_key: None,
        interval_secs: 60,
        page_size: 100,
        timeout_secs: 10,
        retries: 2,
    }
}
