//! `schakel backup` and `schakel restore`: the two database files of a data directory (objects,
//! audit log), copied with SQLite's online backup API while the server runs, and put back
//! after checking them (docs/operations.md).

use std::path::PathBuf;
use std::process::ExitCode;

use server::config::ProvisioningFile;
use store::sqlite::backup::{self, Copied};

use crate::access::Format;

/// Where the data directory is.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Provisioning file whose `[server] data` is the data directory.
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (overrides the provisioning file; default ./schakel-data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

impl DataArgs {
    fn dir(&self, cmd: &str) -> Result<PathBuf, ExitCode> {
        let mut dir = PathBuf::from(server::config::DEFAULT_DATA_DIR);
        if let Some(path) = &self.config {
            match ProvisioningFile::load(path) {
                Ok(f) => dir = f.server.data,
                Err(e) => {
                    eprintln!("schakel {cmd}: {e}");
                    return Err(ExitCode::from(2));
                }
            }
        }
        if let Some(d) = &self.data {
            dir.clone_from(d);
        }
        Ok(dir)
    }
}

/// Arguments of `schakel backup`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Copies schakel.db and schakel.audit.db of the data directory into DIR with SQLite's \
online backup API (a consistent snapshot of each, while the server runs and writes), then checks the \
copies: SQLite's integrity check and the audit hash chain. Exit status 0 when the backup is complete \
and checked, 1 when it failed, 2 on bad arguments."
)]
pub struct BackupArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Directory to write the copies to (created; copies there are replaced).
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Arguments of `schakel restore`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Checks the copies in DIR (SQLite integrity, the audit hash chain) and puts them in \
the data directory. Stop the server first: its open connections would keep writing to the replaced \
files. Replacing existing databases needs --replace. Exit status 0 when restored, 1 when the copies \
fail their checks or cannot be written, 2 on bad arguments."
)]
pub struct RestoreArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Directory holding the copies (written by `schakel backup`).
    #[arg(long, value_name = "DIR")]
    from: PathBuf,
    /// Replace databases already in the data directory.
    #[arg(long)]
    replace: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn report(verb: &str, c: &Copied, format: Format) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "files": c.files,
                "bytes": c.bytes,
                "object_versions": c.object_versions,
                "audit_entries": c.audit.entries,
                "audit_head": c.audit.head.map(|(seq, h)| format!("{seq}:{}", store::audit::hex(&h))),
            })
        ),
        Format::Text => {
            println!(
                "{verb} {} object versions and {} audit entries ({} bytes):",
                c.object_versions, c.audit.entries, c.bytes
            );
            for f in &c.files {
                println!("  {}", f.display());
            }
            if let Some((seq, h)) = c.audit.head {
                println!("audit chain OK; head {seq}:{}", store::audit::hex(&h));
            }
        }
    }
}

pub fn backup(args: &BackupArgs) -> ExitCode {
    let dir = match args.data.dir("backup") {
        Ok(d) => d,
        Err(code) => return code,
    };
    match backup::backup(&dir, &args.to) {
        Ok(c) => {
            report("backed up", &c, args.format);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("schakel backup: {e}");
            ExitCode::from(1)
        }
    }
}

pub fn restore(args: &RestoreArgs) -> ExitCode {
    let dir = match args.data.dir("restore") {
        Ok(d) => d,
        Err(code) => return code,
    };
    if !args.replace && backup::files(&dir).iter().any(|f| f.exists()) {
        eprintln!(
            "schakel restore: {} already holds a database; stop the server and give --replace to overwrite it",
            dir.display()
        );
        return ExitCode::from(2);
    }
    match backup::restore(&args.from, &dir) {
        Ok(c) => {
            report("restored", &c, args.format);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("schakel restore: {e}");
            ExitCode::from(1)
        }
    }
}
