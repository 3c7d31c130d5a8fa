//! `schakel init`: a commented provisioning file to start from, with an operator account whose
//! password is generated and shown once (only its argon2 hash is written), and a development
//! certificate for loopback use.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `schakel init`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Writes DIR/schakel.toml (every section commented, ready for `schakel serve --config \
DIR/schakel.toml`) and a development certificate in DIR/schakel-data (dev-ca.pem is the file clients \
trust). The operator password is printed once; the file holds its argon2 hash. Refuses to overwrite \
an existing file without --force. Exit status 0 when written, 1 when writing failed, 2 when the file \
exists."
)]
pub struct InitArgs {
    /// Directory to write into (created).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Your organisation's short id (a slug: lowercase letters, digits, '-', '_').
    #[arg(long, default_value = "my-cert")]
    organisation: String,
    /// Overwrite an existing schakel.toml.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &InitArgs) -> ExitCode {
    if !server::config::is_slug(&args.organisation) {
        eprintln!(
            "schakel init: --organisation {:?}: use lowercase letters, digits, '-' and '_'",
            args.organisation
        );
        return ExitCode::from(2);
    }
    let file = args.dir.join("schakel.toml");
    if file.exists() && !args.force {
        eprintln!(
            "schakel init: {} exists; give --force to overwrite it",
            file.display()
        );
        return ExitCode::from(2);
    }
    let written = (|| -> Result<(String, PathBuf), String> {
        std::fs::create_dir_all(&args.dir).map_err(|e| e.to_string())?;
        let data = args.dir.join("schakel-data");
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let password = server::auth::random_secret(18)?;
        let hash = server::auth::hash_password(&password)?;
        let collection = uuid::Uuid::new_v4();
        let text = template(&args.organisation, &hash, collection, &data);
        // The generated file must load: the same checks `schakel serve` makes.
        server::config::ProvisioningFile::parse(&text, &file.display().to_string())
            .map_err(|e| e.to_string())?;
        std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        server::tls::development_certificate(&data).map_err(|e| e.to_string())?;
        Ok((password, data))
    })();
    match written {
        Ok((password, data)) => {
            println!("Wrote {}", file.display());
            println!(
                "Development certificate in {} (clients trust dev-ca.pem; loopback only).",
                data.display()
            );
            println!("Operator account: admin");
            println!("Password:         {password}   (shown once; the file holds its argon2 hash)");
            println!();
            println!("Next: edit the file (docs/provisioning.md), then");
            println!("  schakel serve --config {}", file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("schakel init: {e}");
            ExitCode::from(1)
        }
    }
}

fn template(org: &str, hash: &str, collection: uuid::Uuid, data: &std::path::Path) -> String {
    format!(
        r#"# Schakel provisioning file, written by `schakel init`. Applied at every start of
# `schakel serve --config schakel.toml`: entries are created or updated, nothing is deleted.
# Every key: docs/provisioning.md. Federation ([[upstream]], [[relay]]): docs/federation.md.

[server]
listen = "127.0.0.1:8443"          # a loopback address uses the development certificate below
data = "{data}"
# For any other address give a certificate (PEM chain and key):
# tls_cert = "/etc/schakel/cert.pem"
# tls_key = "/etc/schakel/key.pem"
# identity = "identity--<uuid>"     # your organisation's STIX identity: creator of redacted objects
default_api_root = "lds"

[[api_root]]
path = "lds"
title = "Threat intelligence of {org}"

# Your own organisation. role: national-csirt, designated-cert, linking-org, dtc (these may
# relay to a constituency), direct-constituent, constituent, operator.
[[organisation]]
id = "{org}"
name = "{org}"
role = "designated-cert"
# identity = "identity--<uuid>"
# serves = ["company-a"]            # its constituency
# designations = [{{ kind = "personal-data", from = "2024-01-01", basis = "Wbni art. 3" }}]

# An organisation you share with:
# [[organisation]]
# id = "company-a"
# name = "Company A"
# identity = "identity--<uuid>"
# asset_scope = {{ ip_ranges = ["192.0.2.0/24"], domains = ["company-a.example"] }}

[[account]]
name = "admin"
organisation = "{org}"
operator = true                     # reads and writes everything, sees /metrics
password_hash = "{hash}"

# An account for a feed reader (a token for automation; store only its SHA-256 if you prefer:
# token_sha256 = "<hex>"):
# [[account]]
# name = "company-a-opencti"
# organisation = "company-a"
# token = "<at least 16 characters>"

[[collection]]
api_root = "lds"
id = "{collection}"
title = "indicators"
owner = "{org}"
read = ["{org}"]                    # organisations that may read
write = ["{org}"]                   # organisations that may post
require_tlp = true                  # refuse objects without a TLP marking
# audience = ["company-a"]          # who TLP:AMBER+STRICT reaches; empty: every reader
# audience_constituency_of = ["{org}"]
# tlp_ceiling = "amber"
# relay_target = true               # your constituency's collection, filled by relay
"#,
        data = data.display()
    )
}
