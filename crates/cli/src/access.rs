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
    #[arg(
        long,
        short,
        value_name = "FILE",
        env = "SCHAKEL_CONFIG",
        global = true
    )]
    config: Option<PathBuf>,
    /// Data directory (overrides the provisioning file; default ./schakel-data).
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
}

impl StoreArgs {
    pub(crate) fn open(&self, cmd: &str) -> Result<SqliteStore, ExitCode> {
        self.open_with(cmd, SqliteOptions::default())
    }

    pub(crate) fn open_with(
        &self,
        cmd: &str,
        opts: SqliteOptions,
    ) -> Result<SqliteStore, ExitCode> {
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
        SqliteStore::open(&db, opts).map_err(|e| {
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
    /// Evaluate the organisation's designations on this day (YYYY-MM-DD) instead of today.
    #[arg(long)]
    on: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn runtime(cmd: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
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
        args.on.unwrap_or_else(|| chrono::Utc::now().date_naive()),
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

/// Arguments of `schakel org`.
#[derive(Debug, clap::Args)]
pub struct OrgArgs {
    #[command(subcommand)]
    command: OrgCommand,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum OrgCommand {
    /// Every organisation: role, STIX identity, constituency, sectors.
    List,
    /// One organisation.
    Show { id: String },
    /// A new organisation.
    Add(crate::directory::OrgAdd),
    /// Delete an organisation nothing refers to any more (no accounts, grants, owned
    /// collections, constituency).
    Remove { id: String },
}

/// Arguments of `schakel collection`.
#[derive(Debug, clap::Args)]
pub struct CollectionArgs {
    #[command(subcommand)]
    command: CollectionCommand,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum CollectionCommand {
    /// Every collection (of one API root): grants, audience and TLP policy.
    List {
        #[arg(long)]
        api_root: Option<String>,
    },
    /// One collection, by id or alias.
    Show {
        /// Collection id or alias.
        collection: String,
        #[arg(long)]
        api_root: Option<String>,
    },
    /// A new collection with its grants and TLP policy.
    Add(crate::directory::CollectionAdd),
    /// Delete a collection with its grants (and, with --with-objects, its objects).
    Remove {
        /// Collection id, alias or title.
        collection: String,
        #[arg(long, default_value = "lds")]
        api_root: String,
        /// Delete the object versions it holds too (otherwise a collection holding objects is
        /// kept).
        #[arg(long)]
        with_objects: bool,
    },
}

#[derive(Debug, serde::Serialize)]
struct OrgView {
    id: String,
    name: String,
    role: &'static str,
    identity: Option<String>,
    serves: Vec<String>,
    sectors: Vec<String>,
}

#[derive(Debug, serde::Serialize)]
struct CollectionView {
    api_root: String,
    id: String,
    title: String,
    alias: Option<String>,
    owner: Option<String>,
    read: Vec<String>,
    write: Vec<String>,
    policy: store::CollectionPolicy,
}

/// `schakel org list|show|add|remove`.
pub fn org(args: &OrgArgs) -> ExitCode {
    let (rt, store) = match runtime("org").and_then(|rt| Ok((rt, args.store.open("org")?))) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let wanted = match &args.command {
        OrgCommand::List => None,
        OrgCommand::Show { id } => Some(id.as_str()),
        OrgCommand::Add(a) => {
            return rt.block_on(crate::directory::add_org(&store, a, args.format));
        }
        OrgCommand::Remove { id } => {
            return rt.block_on(crate::directory::remove_org(&store, id, args.format));
        }
    };
    let orgs = match rt.block_on(store.organisations()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("schakel org: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(id) = wanted
        && !orgs.iter().any(|o| o.id == id)
    {
        eprintln!("schakel org: no organisation {id:?}");
        return ExitCode::from(2);
    }
    let views: Vec<OrgView> = orgs
        .into_iter()
        .filter(|o| wanted.is_none_or(|w| w == o.id))
        .map(|o| OrgView {
            role: o.role.as_str(),
            id: o.id,
            name: o.name,
            identity: o.identity,
            serves: o.serves,
            sectors: o.sectors,
        })
        .collect();
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&views).unwrap_or_default()
        ),
        Format::Text => {
            for o in &views {
                println!(
                    "{} ({}): {}, identity {}, serves {}",
                    o.id,
                    o.name,
                    o.role,
                    o.identity.as_deref().unwrap_or("-"),
                    list_or_dash(&o.serves)
                );
            }
        }
    }
    ExitCode::SUCCESS
}

fn list_or_dash(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

async fn collection_views(
    store: &SqliteStore,
    api_root: Option<&str>,
) -> Result<Vec<CollectionView>, String> {
    let roots: Vec<String> = store
        .api_roots()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|r| r.path)
        .filter(|p| api_root.is_none_or(|r| r == p))
        .collect();
    if let Some(r) = api_root
        && roots.is_empty()
    {
        return Err(format!("no API root {r:?}"));
    }
    let orgs = store.organisations().await.map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for root in roots {
        let mut grants = Vec::new();
        for o in &orgs {
            for g in store
                .grants(&o.id, &root)
                .await
                .map_err(|e| e.to_string())?
            {
                grants.push((o.id.clone(), g));
            }
        }
        for c in store.collections(&root).await.map_err(|e| e.to_string())? {
            let of = |want: fn(&store::Grant) -> bool| -> Vec<String> {
                grants
                    .iter()
                    .filter(|(_, g)| g.collection_key == c.key && want(g))
                    .map(|(o, _)| o.clone())
                    .collect()
            };
            out.push(CollectionView {
                api_root: root.clone(),
                id: c.id.to_string(),
                read: of(|g| g.read),
                write: of(|g| g.write),
                title: c.title,
                alias: c.alias,
                owner: c.owner,
                policy: c.policy,
            });
        }
    }
    Ok(out)
}

fn print_collection(c: &CollectionView) {
    let p = &c.policy;
    let (direct, served): (Vec<String>, Vec<String>) =
        p.audience
            .iter()
            .fold((Vec::new(), Vec::new()), |(mut d, mut s), a| {
                match a {
                    tlp::AudienceEntry::Organisation(o) => d.push(o.clone()),
                    tlp::AudienceEntry::ConstituencyOf(o) => s.push(o.clone()),
                }
                (d, s)
            });
    println!(
        "{} ({}) in /{}/{}, owner {}",
        c.title,
        c.id,
        c.api_root,
        c.alias
            .as_deref()
            .map(|a| format!(", alias {a}"))
            .unwrap_or_default(),
        c.owner.as_deref().unwrap_or("-")
    );
    println!(
        "  read: {}; write: {}",
        list_or_dash(&c.read),
        list_or_dash(&c.write)
    );
    println!(
        "  audience: {}; constituency of: {}",
        if direct.is_empty() {
            "every organisation with read".to_owned()
        } else {
            direct.join(", ")
        },
        list_or_dash(&served)
    );
    println!(
        "  default_tlp {}, require_tlp {}, tlp_ceiling {}, public {}, unknown_markings {}, red_org_recipients {}",
        p.default_tlp
            .map_or_else(|| "none".to_owned(), |t| t.to_string()),
        p.require_tlp,
        p.tlp_ceiling,
        p.public,
        match p.unknown_markings {
            tlp::UnknownMarkings::Reject => "reject",
            tlp::UnknownMarkings::Quarantine => "quarantine",
        },
        p.red_org_recipients
    );
}

/// `schakel collection list|show`: grants, audience and policy as stored.
pub fn collection(args: &CollectionArgs) -> ExitCode {
    let (rt, store) =
        match runtime("collection").and_then(|rt| Ok((rt, args.store.open("collection")?))) {
            Ok(x) => x,
            Err(code) => return code,
        };
    let (api_root, wanted) = match &args.command {
        CollectionCommand::List { api_root } => (api_root.as_deref(), None),
        CollectionCommand::Show {
            collection,
            api_root,
        } => (api_root.as_deref(), Some(collection.as_str())),
        CollectionCommand::Add(a) => {
            return rt.block_on(crate::directory::add_collection(&store, a, args.format));
        }
        CollectionCommand::Remove {
            collection,
            api_root,
            with_objects,
        } => {
            return rt.block_on(crate::directory::remove_collection(
                &store,
                api_root,
                collection,
                *with_objects,
                args.format,
            ));
        }
    };
    let views = match rt.block_on(collection_views(&store, api_root)) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("schakel collection: {e}");
            return ExitCode::from(2);
        }
    };
    let views: Vec<CollectionView> = match wanted {
        None => views,
        Some(w) => {
            let found: Vec<CollectionView> = views
                .into_iter()
                .filter(|c| c.id == w.to_ascii_lowercase() || c.alias.as_deref() == Some(w))
                .collect();
            if found.is_empty() {
                eprintln!("schakel collection: no collection {w:?}");
                return ExitCode::from(2);
            }
            found
        }
    };
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&views).unwrap_or_default()
        ),
        Format::Text => views.iter().for_each(print_collection),
    }
    ExitCode::SUCCESS
}
