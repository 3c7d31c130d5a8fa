#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

//! A Schakel server on the reference server medallion's test data, imported with
//! `server::import`: shared by `medallion.rs` and `interop.rs` (included with `#[path]`).
//!
//! The organisation `medallion` holds medallion's test user `admin` / `Password0` and gets
//! medallion's static `can_read`/`can_write` on every collection; `operator` is an operator
//! account (sees every root and collection). Imported statuses belong to `admin`.

use std::path::PathBuf;

use server::config::ProvisioningFile;
use server::import::{ImportOptions, ImportReport, import_medallion_str};
use server::{StartOptions, provision};
use store::sqlite::{SqliteOptions, SqliteStore};

use crate::common::TestServer;

/// `medallion/test/data/default_data.json` of oasis-open/cti-taxii-server @ 39e76bf.
pub const MEDALLION_DATA: &str =
    include_str!("../../../../fixtures/conformance/taxii/medallion-default_data.json");

pub const MEDALLION_USER: (&str, &str) = ("admin", "Password0");
pub const OPERATOR: (&str, &str) = ("operator", "operator-password");

const PROVISIONING: &str = r#"
[server]
listen = "127.0.0.1:0"
plain_http = true
default_page_size = 100
max_page_size = 100
workers = 2

[[organisation]]
id = "medallion"
name = "medallion test organisation"

[[organisation]]
id = "ops"
name = "Operators"

[[account]]
name = "admin"
organisation = "medallion"
password = "Password0"

[[account]]
name = "operator"
organisation = "ops"
password = "operator-password"
operator = true
"#;

/// A running server on the imported data, and what the import reported.
pub struct MedallionServer {
    pub srv: TestServer,
    pub report: ImportReport,
}

/// Imports medallion's data into a new store, then starts a server on it with the import's
/// discovery texts and default API root.
pub async fn start() -> MedallionServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data = tempfile::tempdir().unwrap();
    let mut file = ProvisioningFile::parse(PROVISIONING, "medallion.toml").unwrap();
    file.server.data = PathBuf::from(data.path());
    let report = {
        let store =
            SqliteStore::open(&data.path().join("schakel.db"), SqliteOptions::default()).unwrap();
        provision::apply_file(&store, &file).await.unwrap();
        let opts = ImportOptions {
            organisation: "medallion".into(),
            status_account: "admin".into(),
        };
        import_medallion_str(&store, MEDALLION_DATA, &opts)
            .await
            .unwrap()
        // The store closes here (its writer thread finishes), before the server opens it.
    };
    if let Some(d) = &report.discovery {
        file.server.title = d.title.clone();
        file.server.description = d.description.clone();
        file.server.contact = d.contact.clone();
        file.server.default_api_root = d.default_api_root.clone();
    }
    let (running, _) = server::start(StartOptions {
        file,
        from_file: true,
        clock: Default::default(),
    })
    .await
    .unwrap();
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().build().unwrap();
    MedallionServer {
        srv: TestServer {
            base,
            running,
            data,
            client,
        },
        report,
    }
}
