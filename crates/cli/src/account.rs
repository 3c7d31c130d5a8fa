//! `schakel account list|show|add|remove`: accounts in the database, beside the provisioning
//! file. A token or password is generated, shown once, and stored only as a hash.
//!
//! The provisioning file is applied at every start and deletes nothing: an account added here
//! stays; an account removed here that the file declares comes back at the next start.

use std::process::ExitCode;

use store::{Account, ApiToken, Provisioning, Store};

use crate::access::{Format, StoreArgs, runtime};

/// Arguments of `schakel account`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Works on the database of the provisioning file (also while the server runs; the server \
notices new and removed accounts within a minute). Exit status 0 on success, 1 when the store fails, 2 on \
bad input (unknown organisation or account, an account that exists)."
)]
pub struct AccountArgs {
    #[command(subcommand)]
    command: AccountCommand,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Format::Text, global = true)]
    format: Format,
}

#[derive(Debug, clap::Subcommand)]
enum AccountCommand {
    /// Every account: organisation, operator flag, identity, token labels.
    List,
    /// One account.
    Show { name: String },
    /// A new account with a generated API token (or password), printed once.
    Add {
        name: String,
        /// The organisation it belongs to.
        #[arg(long)]
        organisation: String,
        /// Generate a password (HTTP Basic) instead of a token.
        #[arg(long)]
        password: bool,
        /// Label of the token (`misp-push`, `opencti`).
        #[arg(long, default_value = "cli")]
        label: String,
        /// Operators read and write everything and see /metrics.
        #[arg(long)]
        operator: bool,
        /// The person's individual STIX identity (TLP:RED named recipients).
        #[arg(long)]
        identity: Option<String>,
    },
    /// Delete an account and its tokens.
    Remove { name: String },
}

#[derive(Debug, serde::Serialize)]
struct View<'a> {
    name: &'a str,
    organisation: &'a str,
    operator: bool,
    identity: Option<&'a str>,
    password: bool,
    tokens: &'a [String],
}

fn view<'a>(a: &'a Account, tokens: &'a [String]) -> View<'a> {
    View {
        name: &a.name,
        organisation: &a.organisation,
        operator: a.operator,
        identity: a.identity.as_deref(),
        password: a.password_hash.is_some(),
        tokens,
    }
}

fn print(v: &View<'_>, format: Format) {
    match format {
        Format::Json => println!("{}", serde_json::to_string(v).unwrap_or_default()),
        Format::Text => println!(
            "{} (organisation {}){}{}, {}, tokens: {}",
            v.name,
            v.organisation,
            if v.operator { ", operator" } else { "" },
            v.identity
                .map(|i| format!(", identity {i}"))
                .unwrap_or_default(),
            if v.password {
                "password"
            } else {
                "no password"
            },
            if v.tokens.is_empty() {
                "none".to_owned()
            } else {
                v.tokens.join(", ")
            }
        ),
    }
}

pub fn run(args: &AccountArgs) -> ExitCode {
    let (rt, store) = match runtime("account").and_then(|rt| Ok((rt, args.store.open("account")?)))
    {
        Ok(x) => x,
        Err(code) => return code,
    };
    let fail = |code: u8, msg: String| {
        eprintln!("schakel account: {msg}");
        ExitCode::from(code)
    };
    rt.block_on(async {
        match &args.command {
            AccountCommand::List => match store.accounts().await {
                Ok(all) => {
                    for (a, t) in &all {
                        print(&view(a, t), args.format);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(1, e.to_string()),
            },
            AccountCommand::Show { name } => match store.accounts().await {
                Ok(all) => match all.iter().find(|(a, _)| &a.name == name) {
                    Some((a, t)) => {
                        print(&view(a, t), args.format);
                        ExitCode::SUCCESS
                    }
                    None => fail(2, format!("no account {name:?}")),
                },
                Err(e) => fail(1, e.to_string()),
            },
            AccountCommand::Remove { name } => match store.remove_account(name).await {
                Ok(true) => {
                    if let Format::Json = args.format {
                        println!("{}", serde_json::json!({ "removed": name }));
                    } else {
                        println!("removed account {name} and its tokens");
                    }
                    ExitCode::SUCCESS
                }
                Ok(false) => fail(2, format!("no account {name:?}")),
                Err(e) => fail(1, e.to_string()),
            },
            AccountCommand::Add {
                name,
                organisation,
                password,
                label,
                operator,
                identity,
            } => add(
                &store,
                args.format,
                name,
                organisation,
                *password,
                label,
                *operator,
                identity.clone(),
            )
            .await
            .unwrap_or_else(|(code, msg)| fail(code, msg)),
        }
    })
}

#[allow(clippy::too_many_arguments)]
async fn add(
    store: &store::sqlite::SqliteStore,
    format: Format,
    name: &str,
    organisation: &str,
    password: bool,
    label: &str,
    operator: bool,
    identity: Option<String>,
) -> Result<ExitCode, (u8, String)> {
    let store_err = |e: store::StoreError| (1, e.to_string());
    if name.is_empty() || name.contains(':') || name.chars().any(char::is_control) {
        return Err((2, format!("account name {name:?}: non-empty, without ':'")));
    }
    if store.account(name).await.map_err(store_err)?.is_some() {
        return Err((2, format!("account {name:?} exists")));
    }
    if !store
        .organisations()
        .await
        .map_err(store_err)?
        .iter()
        .any(|o| o.id == organisation)
    {
        return Err((2, format!("no organisation {organisation:?}")));
    }
    if let Some(id) = &identity
        && !stix::StixId::parse(id).is_ok_and(|i| i.object_type() == "identity")
    {
        return Err((2, format!("identity {id:?} is not an identity--<uuid> id")));
    }
    let secret = server::auth::random_secret(24).map_err(|e| (1, e))?;
    let account = Account {
        name: name.to_owned(),
        organisation: organisation.to_owned(),
        password_hash: if password {
            Some(server::auth::hash_password(&secret).map_err(|e| (1, e))?)
        } else {
            None
        },
        operator,
        identity,
    };
    let tokens = if password {
        Vec::new()
    } else {
        vec![ApiToken {
            sha256: server::auth::sha256(secret.as_bytes()),
            account: name.to_owned(),
            label: label.to_owned(),
        }]
    };
    store
        .provision(Provisioning {
            accounts: vec![account],
            tokens,
            ..Provisioning::default()
        })
        .await
        .map_err(store_err)?;
    let kind = if password { "password" } else { "token" };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "account": name, "organisation": organisation, kind: secret })
        ),
        Format::Text => {
            println!("added account {name} (organisation {organisation})");
            println!("{kind}: {secret}   (shown once; only its hash is stored)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
