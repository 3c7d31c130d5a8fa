//! Transport: HTTPS with TLS 1.2 and 1.3 (T-1, T-2), no 0-RTT (T-3), no blacklisted TLS 1.2
//! cipher suites (T-4), no User-Agent needed (T-11), no CORS bypass (T-12), and the refusal
//! of plain HTTP or certificate-less TLS off loopback (T-1, D).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use common::{PROVISIONING, TAXII, TestServer, Who, expect_error, expect_ok};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use server::StartOptions;
use server::config::ProvisioningFile;

fn tls_provisioning() -> String {
    PROVISIONING.replace("plain_http = true", "plain_http = false")
}

fn roots(data: &Path) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(data.join("dev-cert.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    roots
}

fn client_config(
    data: &Path,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots(data))
        .with_no_client_auth()
}

fn https_client(config: ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .unwrap()
}

/// A raw rustls connection: handshake plus one HTTP request; returns the connection (for its
/// negotiated parameters) and the response head.
fn raw_tls_request(
    config: Arc<ClientConfig>,
    addr: std::net::SocketAddr,
    early: bool,
) -> (rustls::ClientConnection, String) {
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut conn = rustls::ClientConnection::new(config, name).unwrap();
    let request = b"GET /taxii2/ HTTP/1.1\r\nHost: localhost\r\nAccept: application/taxii+json;version=2.1\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nConnection: close\r\n\r\n";
    if early {
        // Offer the request as 0-RTT data when the session ticket allows it.
        if let Some(mut e) = conn.early_data() {
            let _ = e.write(request);
        }
    }
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    tls.write_all(request).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tls.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            // actix may close without close_notify; what arrived is enough.
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    (conn, text)
}

// T-1, T-2: HTTPS with the generated development certificate; TLS 1.2 and TLS 1.3 both work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_t2_https_with_tls12_and_tls13() {
    let srv = TestServer::start_with(&tls_provisioning()).await;
    let port = srv.running.addr.port();
    assert!(matches!(
        srv.running.transport,
        server::Transport::Tls { .. }
    ));
    for (label, versions) in [
        ("TLS 1.2", &[&rustls::version::TLS12][..]),
        ("TLS 1.3", &[&rustls::version::TLS13][..]),
    ] {
        let client = https_client(client_config(srv.data.path(), versions));
        for host in ["127.0.0.1", "localhost"] {
            let r = client
                .get(format!("https://{host}:{port}/taxii2/"))
                .header("Accept", TAXII)
                .basic_auth("ncsc", Some("ncsc-password"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{label} to {host}: {e:?}"));
            let d = expect_ok(r).await;
            // T-39: behind TLS the API root URLs are HTTPS URLs.
            for root in d["api_roots"].as_array().unwrap() {
                assert!(
                    root.as_str()
                        .unwrap()
                        .starts_with(&format!("https://{host}:{port}/")),
                    "{label}: {d}"
                );
            }
        }
        // Over TLS the URLs stay https whatever a client claims in forwarding headers.
        let r = client
            .get(format!("https://127.0.0.1:{port}/taxii2/"))
            .header("Accept", TAXII)
            .header("X-Forwarded-Proto", "http")
            .basic_auth("ncsc", Some("ncsc-password"))
            .send()
            .await
            .unwrap();
        let d = expect_ok(r).await;
        assert!(
            d["default"].as_str().unwrap().starts_with("https://"),
            "{d}"
        );
        // A POST over TLS too.
        let r = client
            .post(format!("https://127.0.0.1:{port}/lds/collections/{}/objects/", common::PARTNERS))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .basic_auth("ncsc", Some("ncsc-password"))
            .body(serde_json::json!({ "objects": [common::indicator(1, "2024-01-01T00:00:00.000Z")] }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{label}");
    }
    // The raw connection confirms the negotiated protocol versions.
    let data = srv.data.path().to_owned();
    let addr = srv.running.addr;
    tokio::task::spawn_blocking(move || {
        for (want, v) in [
            (rustls::ProtocolVersion::TLSv1_2, &rustls::version::TLS12),
            (rustls::ProtocolVersion::TLSv1_3, &rustls::version::TLS13),
        ] {
            let (conn, head) = raw_tls_request(Arc::new(client_config(&data, &[v])), addr, false);
            assert_eq!(conn.protocol_version(), Some(want));
            assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        }
    })
    .await
    .unwrap();
    // Plain HTTP on the TLS port gets no TAXII answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/taxii2/"))
        .basic_auth("ncsc", Some("ncsc-password"))
        .send()
        .await;
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));
    srv.stop().await;
}

// T-3: never 0-RTT. A resumed TLS 1.3 session must not offer or accept early data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t3_no_tls13_early_data_on_resumption() {
    let srv = TestServer::start_with(&tls_provisioning()).await;
    let data = srv.data.path().to_owned();
    let addr = srv.running.addr;
    tokio::task::spawn_blocking(move || {
        let mut config = client_config(&data, &[&rustls::version::TLS13]);
        config.enable_early_data = true;
        let config = Arc::new(config);
        let (first, head) = raw_tls_request(config.clone(), addr, false);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(first.handshake_kind(), Some(rustls::HandshakeKind::Full));
        let (second, head) = raw_tls_request(config, addr, true);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        // The ticket was used (so the check below means something) ...
        assert_eq!(
            second.handshake_kind(),
            Some(rustls::HandshakeKind::Resumed)
        );
        // ... and the server neither allowed nor accepted 0-RTT data.
        assert!(!second.is_early_data_accepted());
    })
    .await
    .unwrap();
    srv.stop().await;
}

/// A TLS 1.2 ClientHello offering exactly `suites`.
fn client_hello(suites: &[u16]) -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&u16::try_from(suites.len() * 2).unwrap().to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    let mut ext = Vec::new();
    // supported_groups: x25519, secp256r1, secp384r1
    ext.extend_from_slice(&[
        0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
    ]);
    // ec_point_formats: uncompressed
    ext.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256, ecdsa_secp384r1_sha384
    ext.extend_from_slice(&[
        0x00, 0x0d, 0x00, 0x0a, 0x00, 0x08, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
    ]);
    // extended_master_secret, renegotiation_info
    ext.extend_from_slice(&[0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00]);
    body.extend_from_slice(&u16::try_from(ext.len()).unwrap().to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![0x01];
    hs.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&u16::try_from(hs.len()).unwrap().to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// The first TLS record the server answers a ClientHello with: (content type, first bytes).
fn server_answer(addr: std::net::SocketAddr, hello: &[u8]) -> (u8, Vec<u8>) {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    sock.write_all(hello).unwrap();
    let mut head = [0u8; 5];
    sock.read_exact(&mut head).unwrap();
    let len = usize::from(u16::from_be_bytes([head[3], head[4]]));
    let mut payload = vec![0u8; len.min(64)];
    sock.read_exact(&mut payload).unwrap();
    (head[0], payload)
}

// T-4: TLS 1.2 cipher suites on the RFC 7540 Appendix A blacklist are refused; the server only
// negotiates ECDHE with AEAD ciphers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t4_blacklisted_tls12_cipher_suites_are_refused() {
    let srv = TestServer::start_with(&tls_provisioning()).await;
    let addr = srv.running.addr;
    let data = srv.data.path().to_owned();
    tokio::task::spawn_blocking(move || {
        // Control: an allowed suite (ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256)
        // gets a ServerHello.
        let (ty, payload) = server_answer(addr, &client_hello(&[0xc02b, 0xc02f]));
        assert_eq!(
            (ty, payload[0]),
            (0x16, 0x02),
            "handshake/ServerHello expected"
        );
        // Blacklisted: static RSA (CBC and GCM), ECDHE with CBC, 3DES, RC4, NULL.
        for suites in [
            &[0x002f, 0x0035, 0x003c, 0x009c, 0x009d][..],
            &[0xc009, 0xc00a, 0xc013, 0xc014, 0xc023, 0xc027][..],
            &[0x000a, 0xc012, 0x0005, 0xc011, 0x0001, 0x0002][..],
        ] {
            let (ty, payload) = server_answer(addr, &client_hello(suites));
            assert_eq!(
                ty, 0x15,
                "alert expected for {suites:04x?}, got record type {ty} {payload:02x?}"
            );
            assert_eq!(payload[0], 2, "fatal alert");
        }
        // What a TLS 1.2 client does negotiate is an ECDHE AEAD suite.
        let (conn, head) = raw_tls_request(
            Arc::new(client_config(&data, &[&rustls::version::TLS12])),
            addr,
            false,
        );
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let suite = format!("{:?}", conn.negotiated_cipher_suite().unwrap().suite());
        assert!(
            suite.starts_with("TLS_ECDHE_")
                && (suite.contains("GCM") || suite.contains("CHACHA20_POLY1305")),
            "{suite}"
        );
    })
    .await
    .unwrap();
    srv.stop().await;
}

// T-1 (D): plain HTTP only on loopback; off loopback TLS needs a configured certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t1_plain_http_and_missing_certificates_are_refused_off_loopback() {
    for (replace, expect) in [
        ("listen = \"0.0.0.0:0\"\nplain_http = true", "plain HTTP"),
        ("listen = \"0.0.0.0:0\"\nplain_http = false", "without TLS"),
    ] {
        let data = tempfile::tempdir().unwrap();
        let text = PROVISIONING.replace("listen = \"127.0.0.1:0\"\nplain_http = true", replace);
        let mut file = ProvisioningFile::parse(&text, "t.toml").unwrap();
        file.server.data = data.path().to_owned();
        let err = server::start(StartOptions {
            file,
            from_file: true,
            clock: Default::default(),
        })
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains(expect), "{err}");
    }
}

// T-11: a request without User-Agent is served (and, with it, one with only Host).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t11_no_user_agent_needed() {
    let srv = TestServer::start().await;
    let (status, head, body) = srv
        .raw_http(b"GET /taxii2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic bmNzYzpuY3NjLXBhc3N3b3Jk\r\nAccept: application/taxii+json;version=2.1\r\nConnection: close\r\n\r\n")
        .await;
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(
        head.contains("content-type: application/taxii+json;version=2.1"),
        "{head}"
    );
    // reqwest sends no User-Agent unless told to: every other test is also a T-11 test.
    let r = srv.get("/taxii2/", Who::Ncsc).await;
    assert_eq!(r.status(), 200);
    srv.stop().await;
}

// T-12 (D): no CORS. A preflight gets no Access-Control-* grant, and an Origin header never
// lets a request past authentication.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn t12_no_cors_and_origin_does_not_bypass_auth() {
    let srv = TestServer::start().await;
    let path = format!("/lds/collections/{}/objects/", common::PARTNERS);
    let r = srv
        .req(reqwest::Method::OPTIONS, &path, Who::Nobody)
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()
            .keys()
            .all(|k| !k.as_str().starts_with("access-control-")),
        "{:?}",
        r.headers()
    );
    expect_error(r, 405).await;
    let r = srv
        .req(reqwest::Method::GET, &path, Who::Nobody)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()
            .keys()
            .all(|k| !k.as_str().starts_with("access-control-")),
        "{:?}",
        r.headers()
    );
    expect_error(r, 401).await;
    srv.stop().await;
}
