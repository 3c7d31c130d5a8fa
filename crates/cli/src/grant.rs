//! `schakel grant list|show|add|remove`: organisations' read and write permissions on collections,
//! in the database beside the provisioning file. The file is applied at every start: a grant it
//! declares is restored (with its permissions) at the next start, one it does not declare stays.

use std::process::ExitCode;

use store::{Provisioning, Store};

use crate::access::{Format, StoreArgs, runtime};

/// Arguments of `schakel grant`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Works on the database of the provisioning file (also while the server runs; the server \
notices changed grants within five seconds). Exit status 0 on success, 1 when the store fails, 2 on bad \
input (unknown organisation or collection, no grant to remove, neither --read nor --write)."
)]
pub struct GrantArgs {
    #[command(subcommand)]
    command: GrantCommand,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, default_value = "lds", global = true)]
    api_root: String,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum GrantCommand {
    /// Every grant in the API root: organisation, collection, read, write.
    List,
    /// The grants of one organisation in the API root.
    Show { organisation: String },
    /// Give an organisation read and/or write permission on a collection (replaces its grant).
    Add {
        organisation: String,
        /// Collection id, alias or title.
        collection: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
    },
    /// Withdraw an organisation's permissions on a collection.
    Remove {
        organisation: String,
        /// Collection id, alias or title.
        collection: String,
    },
}

pub fn run(args: &GrantArgs) -> ExitCode {
    let (rt, store) = match runtime("grant").and_then(|rt| Ok((rt, args.store.open("grant")?))) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let fail = |code: u8, msg: String| {
        eprintln!("schakel grant: {msg}");
        ExitCode::from(code)
    };
    let root = args.api_root.as_str();
    rt.block_on(async {
        let collection = |name: &str| {
            let store = store.clone();
            let name = name.to_owned();
            async move { server::federation::local_collection(&store, root, &name).await }
        };
        match &args.command {
            GrantCommand::List | GrantCommand::Show { .. } => {
                let (orgs, collections) = match (store.organisations().await, store.collections(root).await) {
                    (Ok(o), Ok(c)) => (o, c),
                    (Err(e), _) | (_, Err(e)) => return fail(1, e.to_string()),
                };
                let only = match &args.command {
                    GrantCommand::Show { organisation } => Some(organisation.as_str()),
                    _ => None,
                };
                if let Some(o) = only
                    && !orgs.iter().any(|x| x.id == o)
                {
                    return fail(2, format!("no organisation {o:?}"));
                }
                let mut rows = Vec::new();
                for o in orgs.iter().filter(|o| only.is_none_or(|w| w == o.id)) {
                    let grants = match store.grants(&o.id, root).await {
                        Ok(g) => g,
                        Err(e) => return fail(1, e.to_string()),
                    };
                    for g in grants {
                        if let Some(c) = collections.iter().find(|c| c.key == g.collection_key) {
                            rows.push((o.id.clone(), c.title.clone(), c.id, g.read, g.write));
                        }
                    }
                }
                for (org, title, id, read, write) in rows {
                    match args.format {
                        Format::Json => println!(
                            "{}",
                            serde_json::json!({"organisation": org, "collection": id, "title": title, "read": read, "write": write})
                        ),
                        Format::Text => println!(
                            "{org} on {title} ({id}): {}",
                            match (read, write) {
                                (true, true) => "read, write",
                                (true, false) => "read",
                                (false, true) => "write",
                                (false, false) => "none",
                            }
                        ),
                    }
                }
                ExitCode::SUCCESS
            }
            GrantCommand::Add {
                organisation,
                collection: name,
                read,
                write,
            } => {
                if !read && !write {
                    return fail(2, "give --read, --write or both".into());
                }
                let c = match collection(name).await {
                    Ok(c) => c,
                    Err(e) => return fail(2, e.to_string()),
                };
                let p = Provisioning {
                    grants: vec![(organisation.clone(), root.to_owned(), c.id, *read, *write)],
                    ..Provisioning::default()
                };
                match store.provision(p).await {
                    Ok(()) => {
                        println!("granted {organisation} {} on {}", if *read && *write { "read and write" } else if *read { "read" } else { "write" }, c.title);
                        ExitCode::SUCCESS
                    }
                    Err(store::StoreError::Conflict(m)) => fail(2, m),
                    Err(e) => fail(1, e.to_string()),
                }
            }
            GrantCommand::Remove {
                organisation,
                collection: name,
            } => {
                let c = match collection(name).await {
                    Ok(c) => c,
                    Err(e) => return fail(2, e.to_string()),
                };
                match store.remove_grant(organisation, root, c.id).await {
                    Ok(true) => {
                        println!("withdrew the grant of {organisation} on {}", c.title);
                        ExitCode::SUCCESS
                    }
                    Ok(false) => fail(2, format!("{organisation} has no grant on {}", c.title)),
                    Err(e) => fail(1, e.to_string()),
                }
            }
        }
    })
}
