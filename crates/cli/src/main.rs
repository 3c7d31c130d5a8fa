//! `schakel`: the command-line entry point of Schakel. Each subcommand lives in its own module;
//! this file only parses the command line and hands over.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod access;
mod account;
mod backup;
mod demo;
mod directory;
mod export;
mod federation;
mod grant;
mod import;
mod init;
mod serve;
mod validate;

// glibc's malloc gives every thread that allocates its own arena and keeps freed memory in it:
// with SQLite connections moving between tokio's blocking threads, a server holding a million
// objects sat at 158 MiB resident after a load test, of which about 150 MiB were such arenas
// (31 MiB with MALLOC_ARENA_MAX=2). mimalloc returns freed pages to the system instead
// (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Schakel: a TAXII 2.1 / STIX 2.1 server and toolkit.
#[derive(Debug, Parser)]
#[command(name = "schakel", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate STIX 2.1 documents (bundles, TAXII envelopes, single objects) or patterns.
    Validate(validate::Args),
    /// Run the TAXII 2.1 server (embedded defaults, or a provisioning file with --config).
    Serve(serve::Args),
    /// Explain whether an account can read an object, and which access rule decides.
    Explain(access::ExplainArgs),
    /// Query and verify the hash-chained audit log (who received what).
    Audit(access::AuditArgs),
    /// List, show, add and remove organisations (roles, identities, constituencies).
    Org(access::OrgArgs),
    /// List, show, add and remove collections (grants, audience and TLP policy).
    Collection(access::CollectionArgs),
    /// List, show, add (with a generated token or password) and remove accounts.
    Account(account::AccountArgs),
    /// List, add and withdraw organisations' read and write permissions on collections.
    Grant(grant::GrantArgs),
    /// Pull the [[upstream]] TAXII collections of the provisioning file into local collections.
    Pull(federation::PullArgs),
    /// Relay objects into an intermediary's relay-target collection (or run the [[relay]] rules).
    Relay(federation::RelayArgs),
    /// Run the Pulse Secure chain on a local server and print what each organisation receives.
    Demo(demo::DemoArgs),
    /// Write a commented provisioning file, an operator account and a development certificate.
    Init(init::InitArgs),
    /// Import STIX files (bundles, objects, directories, JSON lines) into a collection.
    Import(import::ImportArgs),
    /// Export a collection as a bundle or JSON lines, or as one account receives it.
    Export(export::ExportArgs),
    /// Copy the databases (objects, audit log) while the server runs, and check the copies.
    Backup(backup::BackupArgs),
    /// Put checked copies of the databases back (server stopped).
    Restore(backup::RestoreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Serve(args) => serve::run(args),
        Command::Explain(args) => access::explain(&args),
        Command::Audit(args) => access::audit(&args),
        Command::Org(args) => access::org(&args),
        Command::Collection(args) => access::collection(&args),
        Command::Account(args) => account::run(&args),
        Command::Grant(args) => grant::run(&args),
        Command::Pull(args) => federation::pull(&args),
        Command::Relay(args) => federation::relay(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Backup(args) => backup::backup(&args),
        Command::Restore(args) => backup::restore(&args),
    }
}
