//! `schakel import`: STIX files into a collection, with progress, per-object errors with their
//! file and position, and a position saved with every batch so that an interrupted import
//! continues where it stopped.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use server::import::files::{
    DEFAULT_BATCH, FileImport, FileImportError, ImportEvent, import_files,
};

use crate::access::{Format, StoreArgs, runtime};

/// Arguments of `schakel import`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Reads STIX bundles, TAXII envelopes, JSON arrays of objects, single objects and \
JSON lines (one object or bundle per line; files named .jsonl or .ndjson, or holding more than one JSON \
value); directories are walked for .json, .jsonl and .ndjson files. Every object is validated and \
classified by the collection's access rules as if the --organisation had posted it (without the creator \
rule), stored as the exact bytes of the file, and audited (kind import). An object that fails is \
reported with file:line:column and its position in the file, and the others go on.\n\n\
The position is saved with every batch: run the same command again after an interruption (even \
SIGKILL) and the import continues after the last committed batch; a changed file starts that import \
afresh (objects already stored are duplicates, never copies). --restart starts from the beginning.\n\n\
Progress goes to standard error (a live line on a terminal, a line per batch otherwise); failures to \
standard error (text) or standard output (--format json, one JSON object per line, then the summary). \
Exit status 0 when every object was stored or already there, 1 when the import stopped (store or \
reader failure; run it again to continue), 2 on bad arguments (unknown collection or organisation, \
missing files), 3 when it finished but some objects, lines or files could not be imported."
)]
pub struct ImportArgs {
    /// Files and directories to import.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value = "lds")]
    api_root: String,
    /// Collection id, alias or title.
    #[arg(long)]
    collection: String,
    /// The organisation the objects come from: their originator for the access rules. Without
    /// it the objects have none (markings the server does not know are quarantined or refused
    /// as the collection's policy says).
    #[arg(long, value_name = "ORG")]
    organisation: Option<String>,
    /// Store each object with the date_added of its line (`schakel export --format jsonl
    /// --with-date-added`) instead of a new one.
    #[arg(long)]
    keep_date_added: bool,
    /// Objects per stored batch (one transaction and one audit entry each).
    #[arg(long, default_value_t = DEFAULT_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch: u64,
    /// Start from the first object even if an earlier run of the same import stopped half-way.
    #[arg(long)]
    restart: bool,
    /// Validation threads (default: the number of CPUs).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &ImportArgs) -> ExitCode {
    // The two indexes keyed by STIX id take random inserts: with the server's 8 MiB page cache
    // a million-object import rereads and rewrites their pages all the time (24,900 objects/s
    // against 41,400 with 1 GiB, docs/benchmarks.md). The cache is allocated as used.
    let opts = store::sqlite::SqliteOptions {
        cache_kib: 1 << 20,
        ..store::sqlite::SqliteOptions::default()
    };
    let (rt, store) =
        match runtime("import").and_then(|rt| Ok((rt, args.store.open_with("import", opts)?))) {
            Ok(x) => x,
            Err(code) => return code,
        };
    let req = FileImport {
        api_root: args.api_root.clone(),
        collection: args.collection.clone(),
        paths: args.paths.clone(),
        organisation: args.organisation.clone(),
        keep_date_added: args.keep_date_added,
        batch: usize::try_from(args.batch).unwrap_or(DEFAULT_BATCH),
        restart: args.restart,
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        }),
    };
    let json = matches!(args.format, Format::Json);
    let tty = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut drawn = false;
    let mut events = |e: ImportEvent<'_>| match e {
        ImportEvent::Resumed { file, index } => {
            if drawn {
                eprintln!();
                drawn = false;
            }
            eprintln!(
                "schakel import: continuing an interrupted import at {} object {index} \
                 (--restart starts from the beginning)",
                file.display()
            );
        }
        ImportEvent::Failed(f) => {
            if json {
                let _ = writeln!(
                    std::io::stdout(),
                    "{}",
                    serde_json::to_string(f).unwrap_or_default()
                );
            } else {
                if drawn {
                    eprintln!();
                    drawn = false;
                }
                eprintln!("{f}");
            }
        }
        ImportEvent::Batch(p) => {
            if tty && last_draw.elapsed() < Duration::from_millis(200) {
                return;
            }
            last_draw = Instant::now();
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let done = p.stored + p.duplicates + p.failed;
            let line = format!(
                "{}/{} files, {:.0}% of {} MB: {} stored, {} duplicates, {} failed{} ({:.0} objects/s)",
                p.files_done,
                p.files,
                if p.bytes_total == 0 {
                    100.0
                } else {
                    100.0 * p.bytes_done as f64 / p.bytes_total as f64
                },
                p.bytes_total.div_ceil(1_000_000),
                p.stored,
                p.duplicates,
                p.failed,
                if p.skipped > 0 {
                    format!(", {} skipped", p.skipped)
                } else {
                    String::new()
                },
                done as f64 / secs
            );
            if tty {
                eprint!("\r\x1b[2K{line}");
                drawn = true;
            } else {
                eprintln!("schakel import: {line}");
            }
        }
    };
    let result = rt.block_on(import_files(&store, &req, &mut events));
    if drawn {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok(summary) => {
            let p = &summary.progress;
            let done = p.stored + p.duplicates + p.failed;
            let rate = done as f64 / secs.max(1e-3);
            if json {
                let mut v = serde_json::to_value(&summary).unwrap_or_default();
                v["seconds"] = serde_json::json!((secs * 1000.0).round() / 1000.0);
                v["objects_per_second"] = serde_json::json!(rate.round());
                println!("{v}");
            } else {
                println!(
                    "imported {} files into {}: {} stored, {} already there, {} failed{} in {:.1} s \
                     ({:.0} objects/s)",
                    p.files,
                    args.collection,
                    p.stored,
                    p.duplicates,
                    p.failed,
                    if p.skipped > 0 {
                        format!(", {} skipped (imported by the interrupted run)", p.skipped)
                    } else {
                        String::new()
                    },
                    secs,
                    rate
                );
            }
            if p.failed > 0 {
                ExitCode::from(3)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(FileImportError::Arguments(m)) => {
            eprintln!("schakel import: {m}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!(
                "schakel import: {e} (what was committed stays; run the same command again to \
                 continue)"
            );
            ExitCode::from(1)
        }
    }
}
