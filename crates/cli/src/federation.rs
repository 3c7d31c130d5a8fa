//! `schakel pull` and `schakel relay`: federation by hand (docs/federation.md). Both work on the
//! database of a provisioning file, also while `schakel serve` runs on it (SQLite WAL; the
//! server's caches notice other writers within two seconds).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use server::config::ProvisioningFile;
use server::federation::{self, PullReport};
use server::state::Clock;
use store::sqlite::{SqliteOptions, SqliteStore};

use crate::access::Format;

/// Arguments of `schakel pull`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Runs the [[upstream]] subscriptions of the provisioning file: fetches what each \
upstream collection holds after the saved position and stores it in its target collection. The \
position is saved with every stored page, so an interrupted pull (even kill -9) resumes where it \
stopped, without losing or duplicating objects. Without --once it keeps running, each \
subscription on its interval_secs. Exit status 0 when every run succeeded, 1 when one failed, 2 \
on bad arguments."
)]
pub struct PullArgs {
    /// Provisioning file with the [[upstream]] entries (and [server] data).
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: PathBuf,
    /// Data directory (overrides [server] data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Run each subscription once and exit.
    #[arg(long)]
    once: bool,
    /// Only this subscription (its `name`); default all.
    name: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Arguments of `schakel relay`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Relays objects an intermediary may read into its relay-target collection, as the \
relay rules allow (docs/access-model.md, \"Relay\"): TLP:CLEAR anywhere, GREEN to non-public \
collections, AMBER to constituents with need-to-know (affected parties automatically, others with \
--justification), never AMBER+STRICT, RED or defaulted TLP; personal data only to designated \
organisations or the affected party. With --rules, runs the [[relay]] rules of the provisioning \
file once instead. Every relay and refusal is audited. Exit status 0 when something was relayed \
(or the rules ran), 1 when everything was refused, 2 on bad arguments."
)]
pub struct RelayArgs {
    #[arg(long, short, value_name = "FILE", env = "SCHAKEL_CONFIG")]
    config: PathBuf,
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Run the [[relay]] rules once (all, or those named with --rule).
    #[arg(long, conflicts_with_all = ["objects", "organisation", "from", "to"])]
    rules: bool,
    /// With --rules: only this rule (repeatable).
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,
    /// The relaying organisation (the intermediary).
    #[arg(long = "as", value_name = "ORG", required_unless_present = "rules")]
    organisation: Option<String>,
    #[arg(long, default_value = "lds")]
    api_root: String,
    /// Source collection (id, alias or title).
    #[arg(long, required_unless_present = "rules")]
    from: Option<String>,
    /// Relay-target collection (id, alias or title).
    #[arg(long, required_unless_present = "rules")]
    to: Option<String>,
    /// Constituents to name (repeatable); default: as the rules choose.
    #[arg(long = "recipient", value_name = "ORG")]
    recipients: Vec<String>,
    /// Why the named constituents need to know (TLP:AMBER to non-affected constituents).
    #[arg(long)]
    justification: Option<String>,
    /// Object ids.
    #[arg(required_unless_present = "rules")]
    objects: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

fn open(
    cmd: &str,
    config: &std::path::Path,
    data: Option<&PathBuf>,
) -> Result<(ProvisioningFile, SqliteStore, tokio::runtime::Runtime), ExitCode> {
    let mut file = ProvisioningFile::load(config).map_err(|e| {
        eprintln!("schakel {cmd}: {e}");
        ExitCode::from(2)
    })?;
    if let Some(d) = data {
        file.server.data.clone_from(d);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("schakel {cmd}: cannot start the runtime: {e}");
            ExitCode::from(2)
        })?;
    if let Err(e) = std::fs::create_dir_all(&file.server.data) {
        eprintln!("schakel {cmd}: {}: {e}", file.server.data.display());
        return Err(ExitCode::from(2));
    }
    let db = file.server.data.join("schakel.db");
    let store = SqliteStore::open(
        &db,
        SqliteOptions {
            synchronous_full: file.server.synchronous_full,
            ..SqliteOptions::default()
        },
    )
    .map_err(|e| {
        eprintln!("schakel {cmd}: cannot open {}: {e}", db.display());
        ExitCode::from(2)
    })?;
    // The collections and organisations the file declares exist before anything arrives
    // (idempotent: the same step `schakel serve` takes at start).
    if let Err(e) = rt.block_on(server::provision::apply_file(&store, &file)) {
        eprintln!("schakel {cmd}: {e}");
        return Err(ExitCode::from(2));
    }
    Ok((file, store, rt))
}

pub fn pull(args: &PullArgs) -> ExitCode {
    let (file, store, rt) = match open("pull", &args.config, args.data.as_ref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let subs: Vec<_> = file
        .upstreams
        .iter()
        .filter(|u| args.name.as_ref().is_none_or(|n| *n == u.name))
        .cloned()
        .collect();
    if subs.is_empty() {
        match &args.name {
            Some(n) => eprintln!(
                "schakel pull: no [[upstream]] named {n:?} in {}",
                args.config.display()
            ),
            None => eprintln!(
                "schakel pull: {} declares no [[upstream]]",
                args.config.display()
            ),
        }
        return ExitCode::from(2);
    }
    let mut clients = Vec::new();
    for u in &subs {
        match federation::client_for(u) {
            Ok(c) => clients.push(c),
            Err(e) => {
                eprintln!("schakel pull: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let clock = Clock::default();
    let tty = std::io::stderr().is_terminal();
    let mut failed = false;
    let mut due: Vec<Instant> = subs.iter().map(|_| Instant::now()).collect();
    loop {
        for ((u, client), due) in subs.iter().zip(&clients).zip(&mut due) {
            if Instant::now() < *due {
                continue;
            }
            *due = Instant::now() + Duration::from_secs(u.interval_secs);
            let started = Instant::now();
            let mut progress = |r: &PullReport| {
                if tty {
                    let rate = r.received as f64 / started.elapsed().as_secs_f64().max(0.001);
                    eprint!(
                        "\r{}: {} pages, {} received, {} stored, {} duplicates, {} refused ({rate:.0} objects/s)   ",
                        r.name, r.pages, r.received, r.stored, r.duplicates, r.refused
                    );
                    let _ = std::io::stderr().flush();
                }
            };
            let out = rt.block_on(federation::pull(&store, u, client, &clock, &mut progress));
            if tty {
                eprintln!();
            }
            match out {
                Ok(r) => print_report(&r, started.elapsed(), args.format),
                Err(e) => {
                    failed = true;
                    eprintln!("schakel pull: {}: {e}", u.name);
                }
            }
        }
        if args.once {
            break;
        }
        let next = due.iter().min().copied().unwrap_or_else(Instant::now);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_report(r: &PullReport, took: Duration, format: Format) {
    match format {
        Format::Json => println!("{}", serde_json::to_string(r).unwrap_or_default()),
        Format::Text => println!(
            "{}: {} pages, {} objects received, {} stored, {} duplicates, {} refused, {} came back, in {:.1} s; position {}",
            r.name,
            r.pages,
            r.received,
            r.stored,
            r.duplicates,
            r.refused,
            r.returned,
            took.as_secs_f64(),
            r.position.as_deref().unwrap_or("(start)")
        ),
    }
}

pub fn relay(args: &RelayArgs) -> ExitCode {
    let (file, store, rt) = match open("relay", &args.config, args.data.as_ref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let clock = Clock::default();
    let mut results = Vec::new();
    if args.rules {
        let rules: Vec<_> = file
            .relays
            .iter()
            .filter(|r| args.rule_names.is_empty() || args.rule_names.contains(&r.name))
            .collect();
        if rules.is_empty() {
            eprintln!(
                "schakel relay: no matching [[relay]] rule in {}",
                args.config.display()
            );
            return ExitCode::from(2);
        }
        for r in rules {
            match rt.block_on(federation::relay::run_rule(&store, r, &clock)) {
                Ok(out) => results.push((r.name.clone(), out)),
                Err(e) => {
                    eprintln!("schakel relay: rule {}: {e}", r.name);
                    return ExitCode::from(1);
                }
            }
        }
    } else {
        let order = federation::relay::RelayOrder {
            organisation: args.organisation.clone().unwrap_or_default(),
            account: None,
            api_root: args.api_root.clone(),
            from: args.from.clone().unwrap_or_default(),
            to: args.to.clone().unwrap_or_default(),
            objects: args.objects.clone(),
            recipients: args.recipients.clone(),
            justification: args.justification.clone(),
        };
        match rt.block_on(federation::relay::relay_objects(&store, &order, &clock)) {
            Ok(out) => results.push(("relay".to_owned(), out)),
            Err(e) => {
                eprintln!("schakel relay: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let mut any = args.rules;
    for (name, out) in &results {
        any |= !out.relayed.is_empty();
        match args.format {
            Format::Json => println!("{}", serde_json::to_string(out).unwrap_or_default()),
            Format::Text => {
                for r in &out.relayed {
                    println!(
                        "{name}: relayed {} {}{}{}",
                        r.id,
                        r.version,
                        if r.to.is_empty() {
                            " to the target's audience".to_owned()
                        } else {
                            format!(" to {}", r.to.join(", "))
                        },
                        if r.duplicate { " (already there)" } else { "" }
                    );
                }
                for r in &out.refused {
                    println!(
                        "{name}: refused {} {}: {}",
                        r.id,
                        r.version.as_deref().unwrap_or(""),
                        r.message
                    );
                }
            }
        }
    }
    if any {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
