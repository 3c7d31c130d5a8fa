//! `schakel explain` and `schakel audit`: the operator's questions about access, answered from
//! the server's database (read-only; safe while the server runs, SQLite WAL allows it).

use std::path::PathBuf;
use std::process::ExitCode;

use server::config::ProvisioningFile;
use store::Store;
use store::audit::{AuditFilter, AuditKind, hex};
use store::sqlite::{SqliteOptions, SqliteStore};

/// Where the database is: the provisioning file's `[server] data`, or `--data`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Provisioning file whose `[server] data` directory holds the database.
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides the provisioning file; default ./schakel-data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

impl StoreArgs {
    fn open(&self, cmd: &str) -> Result<SqliteStore, ExitCode> {
        let mut data = PathBuf::from(server::config::DEFAULT_DATA_DIR);
        if let Some(path) = &self.config {
            match ProvisioningFile::load(path) {
                Ok(f) => data = f.server.data,
                Err(e) => {
                    eprintln!("schakel {cmd}: {e}");
                    return Err(ExitCode::from(2));
                }
            }
        }
        if let Some(d) = &self.data {
            data.clone_from(d);
        }
        let db = data.join("schakel.db");
        if !db.exists() {
            eprintln!(
                "schakel {cmd}: no database at {} (give --data DIR or --config FILE)",
                db.display()
            );
            return Err(ExitCode::from(2));
        }
        SqliteStore::open(&db, SqliteOptions::default()).map_err(|e| {
            eprintln!("schakel {cmd}: cannot open {}: {e}", db.display());
            ExitCode::from(2)
        })
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Arguments of `schakel explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints, for every collection holding the object and every stored version, whether \
the account may read it and the rule that decides (the same rule the server applies to its queries). \
Exit status 0 when the account can read at least one version, 1 when it can read none."
)]
pub struct ExplainArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Account name.
    #[arg(long)]
    account: String,
    /// STIX id of the object.
    #[arg(long)]
    object: String,
    /// Only this API root.
    #[arg(long)]
    api_root: Option<String>,
    /// Only this collection (id or alias).
    #[arg(long)]
    collection: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn runtime(cmd: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("schakel {cmd}: cannot start the runtime: {e}");
            ExitCode::from(2)
        })
}

pub fn explain(args: &ExplainArgs) -> ExitCode {
    let (rt, store) = match runtime("explain").and_then(|rt| Ok((rt, args.store.open("explain")?)))
    {
        Ok(x) => x,
        Err(code) => return code,
    };
    let out = rt.block_on(server::explain::explain(
        &store,
        &args.account,
        &args.object,
        args.api_root.as_deref(),
        args.collection.as_deref(),
    ));
    match out {
        Ok(e) => {
            match args.format {
                Format::Text => print!("{e}"),
                Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&e).unwrap_or_default())
                }
            }
            let visible = e
                .collections
                .iter()
                .flat_map(|c| &c.versions)
                .any(|v| v.visible);
            if visible {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("schakel explain: {e}");
            ExitCode::from(2)
        }
    }
}

/// Arguments of `schakel audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; name the first entry that was changed, deleted or moved.
    /// Exit status 1 when the chain is broken.
    Verify {
        /// A head recorded earlier (`SEQ:HASH`, as printed by verify): the entry SEQ must still
        /// have that hash (detects truncation of the newest entries).
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Option<String>,
    },
    /// Who received an object (every disclosure entry listing the id).
    WhoReceived {
        /// STIX id.
        object: String,
    },
    /// What an organisation received between two times.
    Received {
        #[arg(long)]
        org: String,
        /// From (inclusive), a timestamp such as 2026-01-01T00:00:00Z.
        #[arg(long)]
        from: Option<String>,
        /// Until (exclusive).
        #[arg(long)]
        to: Option<String>,
    },
    /// Every entry as JSON lines (seq, hash and the hashed event).
    Export {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
}

fn time_arg(s: Option<&String>, what: &str) -> Result<Option<i64>, String> {
    s.map(|t| {
        stix::StixTimestamp::parse(t)
            .map(|ts| ts.micros())
            .map_err(|e| format!("--{what} {t:?}: {e}"))
    })
    .transpose()
}

pub fn audit(args: &AuditArgs) -> ExitCode {
    let (rt, store) = match runtime("audit").and_then(|rt| Ok((rt, args.store.open("audit")?))) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match rt.block_on(run_audit(&store, &args.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("schakel audit: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_audit(store: &SqliteStore, cmd: &AuditCommand) -> Result<ExitCode, String> {
    let filter = match cmd {
        AuditCommand::Verify { anchor } => return verify(store, anchor.as_deref()).await,
        AuditCommand::WhoReceived { object } => AuditFilter {
            object_id: Some(object.clone()),
            kind: Some(AuditKind::Disclosure),
            ..AuditFilter::default()
        },
        AuditCommand::Received { org, from, to } => AuditFilter {
            organisation: Some(org.clone()),
            kind: Some(AuditKind::Disclosure),
            from_us: time_arg(from.as_ref(), "from")?,
            to_us: time_arg(to.as_ref(), "to")?,
            ..AuditFilter::default()
        },
        AuditCommand::Export { from, to } => AuditFilter {
            from_us: time_arg(from.as_ref(), "from")?,
            to_us: time_arg(to.as_ref(), "to")?,
            ..AuditFilter::default()
        },
    };
    let entries = store
        .audit_entries(filter)
        .await
        .map_err(|e| e.to_string())?;
    for e in &entries {
        let ts = stix::StixTimestamp::from_micros(e.event.time_us);
        match cmd {
            AuditCommand::WhoReceived { object } => {
                for item in e.event.items.iter().filter(|i| &i.id == object) {
                    println!(
                        "{} {} (organisation {}) version {} via {} of collection {} sha256 {}",
                        ts.as_str(),
                        e.event.account.as_deref().unwrap_or("-"),
                        e.event.organisation.as_deref().unwrap_or("-"),
                        item.version,
                        e.event.endpoint.as_deref().unwrap_or("-"),
                        e.event
                            .collection
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                        item.sha256.as_deref().unwrap_or("(metadata only)")
                    );
                }
            }
            AuditCommand::Received { .. } => {
                for item in &e.event.items {
                    println!(
                        "{} {} {} version {} tlp {} via {}",
                        ts.as_str(),
                        e.event.account.as_deref().unwrap_or("-"),
                        item.id,
                        item.version,
                        item.tlp.map_or_else(|| "-".to_owned(), |t| t.to_string()),
                        e.event.endpoint.as_deref().unwrap_or("-"),
                    );
                }
            }
            _ => {
                println!(
                    "{{\"seq\":{},\"hash\":\"{}\",\"event\":{}}}",
                    e.seq,
                    hex(&e.hash),
                    e.body
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn verify(store: &SqliteStore, anchor: Option<&str>) -> Result<ExitCode, String> {
    let report = store.verify_audit().await.map_err(|e| e.to_string())?;
    if let Some((seq, why)) = &report.broken {
        println!(
            "audit chain BROKEN at entry {seq} of {}: {why}",
            report.entries
        );
        return Ok(ExitCode::from(1));
    }
    if let Some(a) = anchor {
        let (seq, hash) = a
            .split_once(':')
            .and_then(|(s, h)| Some((s.parse::<u64>().ok()?, h.to_ascii_lowercase())))
            .ok_or_else(|| format!("--anchor {a:?}: expected SEQ:HASH"))?;
        let at = store
            .audit_entries(AuditFilter::default())
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|e| e.seq == seq);
        match at {
            Some(e) if hex(&e.hash) == hash => {}
            Some(_) => {
                println!("audit chain BROKEN: entry {seq} no longer has the anchored hash");
                return Ok(ExitCode::from(1));
            }
            None => {
                println!(
                    "audit chain BROKEN: the anchored entry {seq} is gone (the log was truncated)"
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    match report.head {
        Some((seq, hash)) => println!(
            "audit chain OK: {} entries; head {seq}:{} (keep this as an anchor)",
            report.entries,
            hex(&hash)
        ),
        None => println!("audit chain OK: no entries yet"),
    }
    Ok(ExitCode::SUCCESS)
}
