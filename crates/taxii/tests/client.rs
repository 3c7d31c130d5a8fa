//! The TAXII client against a scripted HTTP/1.1 mock on 127.0.0.1 (one request per
//! connection, `Connection: close`), covering decoding, paging, byte preservation, retries
//! and authentication.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use taxii::client::{
    Auth, Client, ClientCert, ClientConfig, ClientError, ObjectsRequest, parse_retry_after,
    retry_wait,
};
use taxii::resources::StatusKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the mock received it.
#[derive(Debug, Clone)]
struct Req {
    method: String,
    /// Path and query, as sent.
    target: String,
    /// Lowercase names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock does for one request: wait, write these bytes, close.
#[derive(Clone)]
struct Reply {
    delay: Duration,
    bytes: Vec<u8>,
}

fn reply(status: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/taxii+json;version=2.1\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    Reply {
        delay: Duration::ZERO,
        bytes: s.into_bytes(),
    }
}

fn ok(body: &str) -> Reply {
    reply("200 OK", &[], body)
}

struct Mock {
    base: String,
    requests: Arc<Mutex<Vec<Req>>>,
}

impl Mock {
    /// Serves `replies` in order, one per request; the last one repeats.
    async fn start(replies: Vec<Reply>) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(replies);
        let reqs = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(stream, reqs.clone(), replies.clone()));
            }
        });
        Mock { base, requests }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn requests(&self) -> Vec<Req> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, reqs: Arc<Mutex<Vec<Req>>>, replies: Arc<Vec<Reply>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut start = lines.next().unwrap().split(' ');
    let method = start.next().unwrap().to_owned();
    let target = start.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    while buf.len() < head_end + len {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + len].to_vec();
    let index = {
        let mut r = reqs.lock().unwrap();
        r.push(Req {
            method,
            target,
            headers,
            body,
        });
        r.len() - 1
    };
    let reply = replies[index.min(replies.len() - 1)].clone();
    tokio::time::sleep(reply.delay).await;
    let _ = stream.write_all(&reply.bytes).await;
    let _ = stream.shutdown().await;
}

/// Fast retries so the tests do not sleep for real.
fn config() -> ClientConfig {
    ClientConfig {
        retries: 3,
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(50),
        ..ClientConfig::default()
    }
}

fn client() -> Client {
    Client::new(config()).unwrap()
}

const COLLECTIONS: &str = r#"{"collections":[
  {"id":"91a7b528-80eb-42ed-a74d-c6fbd5a26116","title":"High Value Indicators","can_read":true,"can_write":false,"media_types":["application/stix+json;version=2.1"]},
  {"id":"52892447-4d7e-4f70-b94d-d7f22742ff63","title":"Dup","can_read":true,"can_write":true},
  {"id":"64993447-4d7e-4f70-b94d-d7f22742ff63","title":"Dup","can_read":false,"can_write":true,"x_unknown":1}
]}"#;

#[tokio::test]
async fn discovery_api_root_collections_and_collection_by_title() {
    let mock = Mock::start(vec![
        ok(r#"{"title":"Peer","default":"/api1/","api_roots":["/api1/"],"x_extra":true}"#),
        ok(r#"{"title":"API 1","versions":["application/taxii+json;version=2.1"],"max_content_length":1000}"#),
        ok(COLLECTIONS),
        ok(COLLECTIONS),
        ok(COLLECTIONS),
        ok(COLLECTIONS),
        ok("{}"),
    ])
    .await;
    let c = client();
    let d = c.discovery(&mock.url("/taxii2/")).await.unwrap();
    assert_eq!(d.title, "Peer");
    assert_eq!(d.api_roots, ["/api1/"]);
    let root = mock.url("/api1");
    let r = c.api_root(&root).await.unwrap();
    assert_eq!(r.max_content_length, 1000);
    let cols = c.collections(&root).await.unwrap();
    assert_eq!(cols.len(), 3);
    assert_eq!(cols[0].media_types, ["application/stix+json;version=2.1"]);

    let by_title = c.collection(&root, "High Value Indicators").await.unwrap();
    assert_eq!(by_title.id, "91a7b528-80eb-42ed-a74d-c6fbd5a26116");
    let by_id = c
        .collection(&mock.url("/api1/"), "64993447-4d7e-4f70-b94d-d7f22742ff63")
        .await
        .unwrap();
    assert!(!by_id.can_read);
    match c.collection(&root, "Dup").await {
        Err(e @ ClientError::AmbiguousTitle { .. }) => {
            assert!(e.to_string().contains("52892447"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // `{}`: no collections at all.
    match c.collection(&root, "High Value Indicators").await {
        Err(ClientError::NoSuchCollection { id_or_title, .. }) => {
            assert_eq!(id_or_title, "High Value Indicators");
        }
        other => panic!("{other:?}"),
    }

    let reqs = mock.requests();
    let targets: Vec<&str> = reqs.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/taxii2/",
            "/api1/",
            "/api1/collections/",
            "/api1/collections/",
            "/api1/collections/",
            "/api1/collections/",
            "/api1/collections/",
        ]
    );
    for r in &reqs {
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.header("accept"),
            Some("application/taxii+json;version=2.1")
        );
        assert_eq!(r.header("authorization"), None);
        assert!(r.header("user-agent").unwrap().starts_with("schakel/"));
    }
}

#[tokio::test]
async fn objects_page_keeps_bytes_headers_and_paging() {
    let o1 = "{ \"type\" : \"indicator\",\n  \"spec_version\":\"2.1\", \"id\":\"indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb\", \"n\": 1.50e0 }";
    let o2 = r#"{"z":"😀 caf\u00e9","a":[1,  2],"type":"malware"}"#;
    let body = format!("{{\"next\" : \"tok-2\",\n\"objects\":[ {o1} ,\n\t{o2}],\"more\":true}}");
    let mock = Mock::start(vec![
        reply(
            "200 OK",
            &[
                ("X-TAXII-Date-Added-First", "2024-01-01T00:00:00.000000Z"),
                ("x-taxii-date-added-last", "2024-01-02T00:00:00.000000Z"),
            ],
            &body,
        ),
        ok("{}"),
    ])
    .await;
    let c = client();
    let req = ObjectsRequest {
        added_after: Some("2023-12-31T00:00:00.000Z".into()),
        next: Some("a b&c=d+e".into()),
        limit: Some(2),
        filters: vec![
            ("match[version]".into(), "all".into()),
            ("match[type]".into(), "indicator,malware".into()),
        ],
    };
    let page = c
        .objects(
            &mock.url("/api1"),
            "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
            &req,
        )
        .await
        .unwrap();
    assert_eq!(page.objects.len(), 2);
    assert_eq!(page.objects[0].get(), o1);
    assert_eq!(page.objects[1].get(), o2);
    assert!(page.more);
    assert_eq!(page.next.as_deref(), Some("tok-2"));
    assert_eq!(
        page.date_added_first.as_deref(),
        Some("2024-01-01T00:00:00.000000Z")
    );
    assert_eq!(
        page.date_added_last.as_deref(),
        Some("2024-01-02T00:00:00.000000Z")
    );

    // An empty envelope is a valid empty page; absent `more` is false.
    let empty = c
        .objects(&mock.url("/api1/"), "c2", &ObjectsRequest::default())
        .await
        .unwrap();
    assert!(empty.objects.is_empty() && !empty.more && empty.next.is_none());
    assert!(empty.date_added_first.is_none());

    let reqs = mock.requests();
    assert_eq!(
        reqs[0].target,
        "/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/\
         ?added_after=2023-12-31T00%3A00%3A00.000Z&limit=2&next=a+b%26c%3Dd%2Be\
         &match%5Bversion%5D=all&match%5Btype%5D=indicator%2Cmalware"
    );
    assert_eq!(reqs[1].target, "/api1/collections/c2/objects/");
}

#[tokio::test]
async fn add_objects_posts_the_envelope_and_wait_status_polls() {
    let status = |s: &str, pending: u64| {
        format!(
            r#"{{"id":"st-1","status":"{s}","total_count":2,"success_count":{},"failure_count":0,"pending_count":{pending}}}"#,
            2 - pending
        )
    };
    let mock = Mock::start(vec![
        reply("202 Accepted", &[], &status("pending", 2)),
        ok(&status("pending", 1)),
        ok(&status("complete", 0)),
        ok(&status("pending", 1)),
    ])
    .await;
    let c = client();
    let envelope = br#"{"objects":[ {"type":"indicator"} ]}"#.to_vec();
    let st = c
        .add_objects(&mock.url("/api1/"), "col", envelope.clone())
        .await
        .unwrap();
    assert_eq!(st.status, StatusKind::Pending);
    let done = c
        .wait_status(
            &mock.url("/api1"),
            "st-1",
            Duration::from_millis(10),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(done.status, StatusKind::Complete);
    assert_eq!(done.success_count, 2);
    // max_wait passed: the last (pending) status is returned, not an error.
    let last = c
        .wait_status(
            &mock.url("/api1"),
            "st-1",
            Duration::from_millis(10),
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(last.status, StatusKind::Pending);

    let reqs = mock.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].target, "/api1/collections/col/objects/");
    assert_eq!(
        reqs[0].header("content-type"),
        Some("application/taxii+json;version=2.1")
    );
    assert_eq!(reqs[0].body, envelope);
    assert_eq!(reqs[1].target, "/api1/status/st-1/");
}

#[tokio::test]
async fn retries_a_500_then_succeeds() {
    let mock = Mock::start(vec![
        reply("500 Internal Server Error", &[], "oops"),
        ok(r#"{"title":"Peer"}"#),
    ])
    .await;
    let d = client().discovery(&mock.url("/taxii2/")).await.unwrap();
    assert_eq!(d.title, "Peer");
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn retries_a_429_with_retry_after() {
    let mock = Mock::start(vec![
        reply("429 Too Many Requests", &[("Retry-After", "1")], ""),
        ok(r#"{"title":"Peer"}"#),
    ])
    .await;
    // backoff_max (50 ms) caps Retry-After here, so the test does not sleep a second.
    let d = client().discovery(&mock.url("/taxii2/")).await.unwrap();
    assert_eq!(d.title, "Peer");
    assert_eq!(mock.requests().len(), 2);
    // With the default cap, "Retry-After: 1" means waiting at least a second.
    let ra = parse_retry_after("1", SystemTime::now());
    assert_eq!(ra, Some(Duration::from_secs(1)));
    for attempt in 0..5 {
        assert!(retry_wait(attempt, ra, &ClientConfig::default()) >= Duration::from_secs(1));
    }
    // ... and never more than backoff_max.
    let cfg = config();
    assert!(retry_wait(0, Some(Duration::from_secs(30)), &cfg) <= cfg.backoff_max);
}

#[tokio::test]
async fn retries_a_body_cut_off_mid_way() {
    let cut = Reply {
        delay: Duration::ZERO,
        bytes: b"HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\n\
                 Content-Length: 400\r\nConnection: close\r\n\r\n{\"collections\":[{\"id\":"
            .to_vec(),
    };
    let mock = Mock::start(vec![cut, ok(COLLECTIONS)]).await;
    let cols = client().collections(&mock.url("/api1")).await.unwrap();
    assert_eq!(cols.len(), 3);
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn retries_after_a_timeout() {
    let slow = Reply {
        delay: Duration::from_secs(3),
        ..ok(r#"{"title":"Slow"}"#)
    };
    let mock = Mock::start(vec![slow, ok(r#"{"title":"Peer"}"#)]).await;
    let c = Client::new(ClientConfig {
        timeout: Duration::from_millis(300),
        ..config()
    })
    .unwrap();
    let d = c.discovery(&mock.url("/taxii2/")).await.unwrap();
    assert_eq!(d.title, "Peer");
    assert_eq!(mock.requests().len(), 2);
}

#[tokio::test]
async fn a_401_is_not_retried_and_carries_the_taxii_error() {
    let mock = Mock::start(vec![reply(
        "401 Unauthorized",
        &[("WWW-Authenticate", "Basic realm=\"taxii\"")],
        r#"{"title":"Unauthorized","description":"Bad credentials for alice","http_status":"401"}"#,
    )])
    .await;
    let url = mock.url("/api1/");
    let err = client().api_root(&url).await.unwrap_err();
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(err.http_status(), Some(401));
    let msg = err.to_string();
    assert!(
        msg.contains(&url)
            && msg.contains("401")
            && msg.contains("Unauthorized")
            && msg.contains("Bad credentials for alice"),
        "{msg}"
    );
    match err {
        ClientError::Http { status, error, .. } => {
            assert_eq!(status, 401);
            assert_eq!(error.unwrap().title, "Unauthorized");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_complete_body_that_is_not_json_is_a_decode_error_without_retry() {
    let mock = Mock::start(vec![ok("<html>proxy login</html>")]).await;
    let err = client().discovery(&mock.url("/taxii2/")).await.unwrap_err();
    assert!(matches!(err, ClientError::Decode { .. }), "{err:?}");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn gives_up_after_the_configured_retries() {
    let mock = Mock::start(vec![reply(
        "503 Service Unavailable",
        &[("Retry-After", "0")],
        r#"{"title":"Maintenance"}"#,
    )])
    .await;
    let c = Client::new(ClientConfig {
        retries: 2,
        ..config()
    })
    .unwrap();
    let err = c.discovery(&mock.url("/taxii2/")).await.unwrap_err();
    assert_eq!(mock.requests().len(), 3);
    assert_eq!(err.http_status(), Some(503));
    assert!(err.to_string().contains("Maintenance"), "{err}");
    match err {
        ClientError::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(attempts, 3);
            assert!(matches!(*last, ClientError::Http { status: 503, .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/taxii2/", listener.local_addr().unwrap());
    drop(listener);
    let c = Client::new(ClientConfig {
        retries: 1,
        ..config()
    })
    .unwrap();
    match c.discovery(&url).await.unwrap_err() {
        ClientError::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(attempts, 2);
            assert!(matches!(*last, ClientError::Transport { .. }), "{last:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn sends_basic_and_bearer_credentials() {
    let mock = Mock::start(vec![ok(r#"{"title":"Peer"}"#)]).await;
    let basic = Client::new(ClientConfig {
        auth: Auth::Basic {
            username: "user".into(),
            password: "pass".into(),
        },
        ..config()
    })
    .unwrap();
    let bearer = Client::new(ClientConfig {
        auth: Auth::Bearer("t0k3n".into()),
        user_agent: "peer-sync/1".into(),
        ..config()
    })
    .unwrap();
    basic.discovery(&mock.url("/taxii2/")).await.unwrap();
    bearer.discovery(&mock.url("/taxii2/")).await.unwrap();
    let reqs = mock.requests();
    assert_eq!(reqs[0].header("authorization"), Some("Basic dXNlcjpwYXNz"));
    assert_eq!(reqs[1].header("authorization"), Some("Bearer t0k3n"));
    assert_eq!(reqs[1].header("user-agent"), Some("peer-sync/1"));
}

// A throwaway self-signed P-256 certificate and key, generated for these tests only.
const TEST_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUHiFvIS/GsEMGOMmcDEUYS42GZEMwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMc2NoYWtlbC10ZXN0MCAXDTI2MTIwNTE0NTUwN1oYDzIxMjYx
MTExMTQ1NTA3WjAXMRUwEwYDVQQDDAxzY2hha2VsLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARnFy/tBc1kls5oFkYa/iIn4E/u8FQzU6hqBju2zHqWNhzR
05mlwk/H/1eN5f7eSV3Aoh/I0pYWxAA91qCQn8wPo1MwUTAdBgNVHQ4EFgQUiFR5
/SdcVGxDRn+kiZxjBCv+vCAwHwYDVR0jBBgwFoAUiFR5/SdcVGxDRn+kiZxjBCv+
vCAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA12M25bg8CSdc
Hgkw/2N3eJMS0pqYOHyLCqG8SSWi+fsCIEpeDpn/6yWTvHcgO3SUPZwOHKjAyW0n
oGjyvhYa6+gT
-----END CERTIFICATE-----
";
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7eTAhu3qrRuoiWb7
14yLeJ5QlXkTKc26okdnrNIV1aKhRANCAARnFy/tBc1kls5oFkYa/iIn4E/u8FQz
U6hqBju2zHqWNhzR05mlwk/H/1eN5f7eSV3Aoh/I0pYWxAA91qCQn8wP
-----END PRIVATE KEY-----
";
const OTHER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQguHTo+AUUoFlntjuZ
kMavMc5Vg2klSYukl4LKPEx9M2qhRANCAAQtu1dvE8wUkK+stJfLx6jEWCUdp8dr
Vbq3r1qPcIpoMwReIyEy3wduhtng+ZjxyNS45DY1T+5rODZQlVFEO7VI
-----END PRIVATE KEY-----
";

#[test]
fn tls_settings_are_checked_when_the_client_is_built() {
    let with = |ca: Option<&str>, cert: Option<(&str, &str)>| {
        Client::new(ClientConfig {
            ca_pem: ca.map(|c| c.as_bytes().to_vec()),
            client_cert: cert.map(|(c, k)| ClientCert {
                cert_pem: c.as_bytes().to_vec(),
                key_pem: k.as_bytes().to_vec(),
            }),
            ..config()
        })
    };
    assert!(with(Some(TEST_CERT), Some((TEST_CERT, TEST_KEY))).is_ok());
    assert!(with(None, None).is_ok());
    let config_err = |r: Result<Client, ClientError>| match r {
        Err(ClientError::Config(m)) => m,
        other => panic!("{other:?}"),
    };
    let m = config_err(with(Some("not a certificate"), None));
    assert!(m.contains("CA"), "{m}");
    let m = config_err(with(None, Some((TEST_CERT, "nope"))));
    assert!(m.contains("key"), "{m}");
    config_err(with(None, Some(("", TEST_KEY))));
    // A key that does not belong to the certificate.
    let m = config_err(with(None, Some((TEST_CERT, OTHER_KEY))));
    assert!(!m.contains("MIGHAgEA"), "key material in message: {m}");
    config_err(Client::new(ClientConfig {
        timeout: Duration::ZERO,
        ..config()
    }));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // A peer that redirects (possibly to plain HTTP or another host) is an error, not a hop.
    let mock = Mock::start(vec![reply(
        "301 Moved Permanently",
        &[("Location", "http://198.51.100.1/taxii2/")],
        "",
    )])
    .await;
    let err = client().discovery(&mock.url("/taxii2/")).await.unwrap_err();
    assert_eq!(err.http_status(), Some(301), "{err:?}");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn a_body_above_max_body_is_refused_without_retry() {
    let mock = Mock::start(vec![ok(&format!(r#"{{"title":"{}"}}"#, "x".repeat(4096)))]).await;
    let c = Client::new(ClientConfig {
        max_body: 1024,
        ..config()
    })
    .unwrap();
    let err = c.discovery(&mock.url("/taxii2/")).await.unwrap_err();
    assert!(err.to_string().contains("max_body"), "{err}");
    assert_eq!(mock.requests().len(), 1);
}
