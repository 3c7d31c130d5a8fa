//! `schakel demo`: the Pulse Secure chain (access-model-research.md section 5) on one local
//! server: the organisations and collections of `fixtures/demo/pulse-secure.toml`, NCSC's
//! scenario objects (`fixtures/demo/pulse-secure-objects.json`) posted over TAXII, DTC's relays
//! to its constituency, and for each organisation a ready curl and taxii2-client command to see
//! what it receives.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use server::config::ProvisioningFile;
use server::federation::relay::{RelayOrder, relay_objects};
use server::state::Clock;
use store::sqlite::{SqliteOptions, SqliteStore};

const PROVISIONING: &str = include_str!("../../../fixtures/demo/pulse-secure.toml");
const OBJECTS: &str = include_str!("../../../fixtures/demo/pulse-secure-objects.json");
const LDS_PARTNERS: &str = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd";
const DTC_CONSTITUENCY: &str = "3f1d2c4b-7a8e-4c6d-9b0a-1e2f3a4b5c6d";

/// Arguments of `schakel demo`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Starts a server on a loopback address (plain HTTP, demo tokens), loads the Pulse \
Secure chain, prints for each organisation the commands that show what it receives, and serves \
until Ctrl-C. Exit status 0 after a clean stop, 1 when the demo could not be set up, 2 on bad \
arguments."
)]
pub struct DemoArgs {
    /// Data directory of the demo (created; must not hold a database unless --reset).
    #[arg(long, default_value = "schakel-demo")]
    data: PathBuf,
    /// Loopback address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8444")]
    listen: SocketAddr,
    /// Delete the demo data directory first.
    #[arg(long)]
    reset: bool,
}

/// Who the demo shows, and what each should find (scenarios 1-9).
const READERS: [(&str, &str, &str, &str); 7] = [
    (
        "z-cert",
        "demo-z-cert-token-0001",
        LDS_PARTNERS,
        "Z-CERT (designated for personal data and credentials): the credential, the victim IP and the report whole; not analyst D's RED note, nor the indicator whose pattern is RED for analyst D",
    ),
    (
        "dtc",
        "demo-dtc-token-00001",
        LDS_PARTNERS,
        "DTC (designated since 2022-12-01, modelled): the same as Z-CERT",
    ),
    (
        "analyst-d",
        "demo-analyst-d-token-0001",
        LDS_PARTNERS,
        "analyst D at DTC: also the RED note and the indicator with the RED pattern",
    ),
    (
        "c2t",
        "demo-c2t-token-00001",
        LDS_PARTNERS,
        "Connect2Trust (no designation): the report redacted under a derived id, no credential, no victim IP",
    ),
    (
        "company-b",
        "demo-company-b-token-0001",
        DTC_CONSTITUENCY,
        "company B (affected party): its own leaked credential and identity, relayed by DTC, and the GREEN indicator",
    ),
    (
        "company-c",
        "demo-company-c-token-0001",
        DTC_CONSTITUENCY,
        "company C (not affected): only the GREEN indicator",
    ),
    (
        "ncsc",
        "demo-ncsc-token-0001",
        LDS_PARTNERS,
        "NCSC (originator): everything it posted",
    ),
];

pub fn run(args: &DemoArgs) -> ExitCode {
    if !args.listen.ip().is_loopback() {
        eprintln!("schakel demo: --listen must be a loopback address (the demo uses fixed tokens)");
        return ExitCode::from(2);
    }
    if args.reset {
        let _ = std::fs::remove_dir_all(&args.data);
    } else if args.data.join("schakel.db").exists() {
        eprintln!(
            "schakel demo: {} holds a database; give --reset to start the demo afresh",
            args.data.display()
        );
        return ExitCode::from(2);
    }
    let mut file = match ProvisioningFile::parse(PROVISIONING, "fixtures/demo/pulse-secure.toml") {
        Ok(f) => f,
        Err(e) => {
            eprintln!("schakel demo: {e}");
            return ExitCode::from(1);
        }
    };
    file.server.data.clone_from(&args.data);
    file.server.listen = args.listen.to_string();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("schakel demo: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    rt.block_on(demo(file))
}

async fn demo(file: ProvisioningFile) -> ExitCode {
    let data = file.server.data.clone();
    let (running, _) = match server::start(server::StartOptions {
        file,
        from_file: true,
        clock: Clock::default(),
    })
    .await
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("schakel demo: {e}");
            return ExitCode::from(1);
        }
    };
    let base = format!("http://{}", running.addr);
    if let Err(e) = load(&base, &data).await {
        eprintln!("schakel demo: {e}");
        running.handle.stop(true).await;
        return ExitCode::from(1);
    }
    print_commands(&base);
    let handle = running.handle.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.stop(true).await;
    });
    match running.task.await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    }
}

/// NCSC posts the objects over TAXII; DTC relays what its constituency may receive.
async fn load(base: &str, data: &std::path::Path) -> Result<(), String> {
    let client = taxii::client::Client::new(taxii::client::ClientConfig {
        auth: taxii::client::Auth::Bearer("demo-ncsc-token-0001".into()),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let bundle: serde_json::Value = serde_json::from_str(OBJECTS).map_err(|e| e.to_string())?;
    let envelope = serde_json::json!({ "objects": bundle["objects"] }).to_string();
    let root = format!("{base}/lds/");
    let status = client
        .add_objects(&root, LDS_PARTNERS, envelope.into_bytes())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "NCSC posted {} objects to lds-partners: {} stored, {} refused.",
        status.total_count, status.success_count, status.failure_count
    );
    let store = SqliteStore::open(&data.join("schakel.db"), SqliteOptions::default())
        .map_err(|e| e.to_string())?;
    let objects: Vec<String> = bundle["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .filter(|id| !id.starts_with("marking-definition--"))
        .collect();
    // DTC offers everything to its constituency; the rules decide (scenarios 1, 3, 7, 8).
    let order = RelayOrder {
        organisation: "dtc".into(),
        account: Some("dtc".into()),
        api_root: "lds".into(),
        from: "lds-partners".into(),
        to: "dtc-constituency".into(),
        objects,
        recipients: Vec::new(),
        justification: None,
    };
    let result = relay_objects(&store, &order, &Clock::default())
        .await
        .map_err(|e| e.to_string())?;
    println!("DTC relayed to dtc-constituency:");
    for r in &result.relayed {
        println!(
            "  {} to {}",
            r.id,
            if r.to.is_empty() {
                "the whole constituency".to_owned()
            } else {
                r.to.join(", ")
            }
        );
    }
    println!("and was refused (every refusal is in the audit log):");
    for r in &result.refused {
        println!("  {}: {}", r.id, r.reason);
    }
    Ok(())
}

fn print_commands(base: &str) {
    println!();
    println!("Schakel demo on {base}/taxii2/ (Ctrl-C stops it). What each organisation receives:");
    for (account, token, collection, what) in READERS {
        println!();
        println!("{what}");
        println!(
            "  curl -s -H 'Authorization: Bearer {token}' -H 'Accept: application/taxii+json;version=2.1' {base}/lds/collections/{collection}/objects/"
        );
        println!(
            "  python3 -c \"from taxii2client.v21 import Collection; c = Collection('{base}/lds/collections/{collection}/', user='{account}', password='demo-{account}'); print([o['id'] for o in c.get_objects().get('objects', [])])\""
        );
    }
    println!();
    println!(
        "Why: schakel explain --data <demo dir> --account company-c --object identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e05"
    );
    println!("Ready.");
}
