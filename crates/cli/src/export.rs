//! `schakel export`: a collection as a STIX bundle or JSON lines; with `--as-reader`, exactly
//! what that account receives over TAXII.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use server::config::ProvisioningFile;
use server::export::{ExportFormat, ExportRequest};
use store::sqlite::{SqliteOptions, SqliteStore};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Form {
    /// One STIX 2.1 bundle.
    Bundle,
    /// One object per line.
    Jsonl,
}

/// Arguments of `schakel export`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Writes every stored version of the collection (or, with --latest, the latest of each \
object), in date_added order, as one STIX bundle or as JSON lines; the objects are the bytes as \
stored. With --as-reader ACCOUNT the export is exactly what that account receives over TAXII: the \
same visibility, the same redacted objects under their derived ids, withheld ones left out. Reads \
the database of the provisioning file (also while the server runs); an export is not a disclosure \
to the account and is not audited as one. Exit status 0 on success, 1 when the export failed, 2 on \
bad arguments (unknown collection or account)."
)]
pub struct ExportArgs {
    /// Provisioning file whose `[server] data` holds the database.
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides the provisioning file; default ./schakel-data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    #[arg(long, default_value = "lds")]
    api_root: String,
    /// Collection id, alias or title.
    #[arg(long)]
    collection: String,
    /// Only versions added after this TAXII timestamp (`2026-01-01T00:00:00Z`).
    #[arg(long, value_name = "TIMESTAMP")]
    added_after: Option<String>,
    /// Only the latest version of each object.
    #[arg(long)]
    latest: bool,
    /// Export what this account receives.
    #[arg(long, value_name = "ACCOUNT")]
    as_reader: Option<String>,
    /// Evaluate personal-data designations on this day (YYYY-MM-DD) instead of today.
    #[arg(long)]
    on: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t = Form::Bundle)]
    format: Form,
    /// With --format jsonl: each line `{"date_added": "...", "object": {...}}`, so that
    /// `schakel import --keep-date-added` stores every object with its date_added again.
    #[arg(long)]
    with_date_added: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &ExportArgs) -> ExitCode {
    let fail = |code: u8, msg: String| {
        eprintln!("schakel export: {msg}");
        ExitCode::from(code)
    };
    let mut file = ProvisioningFile::default();
    if let Some(path) = &args.config {
        match ProvisioningFile::load(path) {
            Ok(f) => file = f,
            Err(e) => return fail(2, e.to_string()),
        }
    }
    if let Some(d) = &args.data {
        file.server.data.clone_from(d);
    }
    let added_after = match args
        .added_after
        .as_deref()
        .map(taxii::time::parse_added_after)
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => return fail(2, format!("--added-after: {e}")),
    };
    if args.with_date_added && matches!(args.format, Form::Bundle) {
        return fail(
            2,
            "--with-date-added needs --format jsonl (a bundle has no place for date_added)".into(),
        );
    }
    let db = file.server.data.join("schakel.db");
    if !db.exists() {
        return fail(2, format!("no database at {}", db.display()));
    }
    let store = match SqliteStore::open(&db, SqliteOptions::default()) {
        Ok(s) => s,
        Err(e) => return fail(1, format!("cannot open {}: {e}", db.display())),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(1, format!("cannot start the runtime: {e}")),
    };
    let request = ExportRequest {
        api_root: args.api_root.clone(),
        collection: args.collection.clone(),
        added_after,
        latest_only: args.latest,
        as_reader: args.as_reader.clone(),
        identity: file
            .server
            .identity
            .clone()
            .unwrap_or_else(|| stix::registry::PROJECT_IDENTITY.to_owned()),
        day: args.on.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        format: match args.format {
            Form::Bundle => ExportFormat::Bundle,
            Form::Jsonl if args.with_date_added => ExportFormat::JsonLinesWithDateAdded,
            Form::Jsonl => ExportFormat::JsonLines,
        },
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(1, format!("{}: {e}", path.display())),
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match rt.block_on(server::export::export(&store, &request, &mut out)) {
        Ok(r) => {
            eprintln!(
                "schakel export: {} objects written ({} redacted, {} withheld)",
                r.written, r.redacted, r.withheld
            );
            ExitCode::SUCCESS
        }
        Err(server::export::ExportError::NotFound(m)) => fail(2, m),
        Err(e) => fail(1, e.to_string()),
    }
}
