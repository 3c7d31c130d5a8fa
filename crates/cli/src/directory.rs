//! `schakel org add|remove` and `schakel collection add|remove`: organisations and collections
//! in the database, beside the provisioning file (which is applied at every start and deletes
//! nothing: what it declares and is removed here comes back at the next start).

use std::process::ExitCode;

use store::sqlite::SqliteStore;
use store::{Organisation, Provisioning, Store};
use uuid::Uuid;

use crate::access::Format;

/// What `schakel org add` takes.
#[derive(Debug, clap::Args)]
pub struct OrgAdd {
    /// Short stable id (`z-cert`, `company-b`): letters, digits, `-` and `_`.
    pub id: String,
    #[arg(long)]
    pub name: String,
    /// national-csirt, designated-cert, linking-org, dtc, direct-constituent, constituent or
    /// operator.
    #[arg(long, default_value = "constituent")]
    pub role: tlp::Role,
    /// Its STIX identity (`identity--<uuid>`), matched against audience markings.
    #[arg(long)]
    pub identity: Option<String>,
    /// Organisations in its constituency (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub serves: Vec<String>,
    /// Sectors (STIX industry-sector-ov values, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub sectors: Vec<String>,
}

/// What `schakel collection add` takes: the common settings; the rest of the policy
/// (audience by constituency, personal data, relay target) comes from the provisioning file.
#[derive(Debug, clap::Args)]
pub struct CollectionAdd {
    #[arg(long)]
    pub title: String,
    #[arg(long, default_value = "lds")]
    pub api_root: String,
    /// Collection id (default: a new random UUID).
    #[arg(long)]
    pub id: Option<Uuid>,
    #[arg(long)]
    pub alias: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Organisation that owns it.
    #[arg(long)]
    pub owner: Option<String>,
    /// Organisations that may read (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub read: Vec<String>,
    /// Organisations that may write (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub write: Vec<String>,
    /// Organisations named directly in the audience (default: every reader).
    #[arg(long, value_delimiter = ',')]
    pub audience: Vec<String>,
    /// TLP of unmarked objects: clear, green, amber, amber+strict, red, or none.
    #[arg(long)]
    pub default_tlp: Option<String>,
    /// Most restrictive TLP accepted.
    #[arg(long)]
    pub tlp_ceiling: Option<tlp::Tlp>,
    /// Refuse objects without a TLP marking.
    #[arg(long)]
    pub require_tlp: bool,
    /// Anonymous requests may read TLP:CLEAR objects.
    #[arg(long)]
    pub public: bool,
    /// Quarantine objects with markings the server does not know instead of refusing them.
    #[arg(long)]
    pub quarantine_unknown_markings: bool,
}

fn fail(cmd: &str, code: u8, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("schakel {cmd}: {msg}");
    ExitCode::from(code)
}

fn known(orgs: &[Organisation], ids: &[String]) -> Result<(), String> {
    match ids.iter().find(|id| !orgs.iter().any(|o| &o.id == *id)) {
        Some(id) => Err(format!("no organisation {id:?}")),
        None => Ok(()),
    }
}

pub async fn add_org(store: &SqliteStore, a: &OrgAdd, format: Format) -> ExitCode {
    let cmd = "org add";
    if !server::config::is_slug(&a.id) {
        return fail(
            cmd,
            2,
            format!("{:?} is not an id (letters, digits, '-', '_')", a.id),
        );
    }
    if let Some(i) = &a.identity
        && !stix::StixId::parse(i).is_ok_and(|id| id.object_type() == "identity")
    {
        return fail(cmd, 2, format!("{i:?} is not an identity--<uuid> id"));
    }
    let orgs = match store.organisations().await {
        Ok(o) => o,
        Err(e) => return fail(cmd, 1, e),
    };
    if orgs.iter().any(|o| o.id == a.id) {
        return fail(cmd, 2, format!("organisation {:?} exists", a.id));
    }
    if let Err(m) = known(&orgs, &a.serves) {
        return fail(cmd, 2, m);
    }
    let org = Organisation {
        id: a.id.clone(),
        name: a.name.clone(),
        identity: a.identity.clone(),
        role: a.role,
        serves: a.serves.clone(),
        sectors: a.sectors.clone(),
        ..Organisation::default()
    };
    if let Err(e) = store
        .provision(Provisioning {
            organisations: vec![org],
            ..Provisioning::default()
        })
        .await
    {
        return fail(cmd, 1, e);
    }
    match format {
        Format::Json => println!("{}", serde_json::json!({ "added": a.id })),
        Format::Text => println!("added organisation {} ({})", a.id, a.name),
    }
    ExitCode::SUCCESS
}

pub async fn remove_org(store: &SqliteStore, id: &str, format: Format) -> ExitCode {
    match store.remove_organisation(id).await {
        Ok(true) => {
            match format {
                Format::Json => println!("{}", serde_json::json!({ "removed": id })),
                Format::Text => println!("removed organisation {id}"),
            }
            ExitCode::SUCCESS
        }
        Ok(false) => fail("org remove", 2, format!("no organisation {id:?}")),
        Err(store::StoreError::Conflict(m)) => fail(
            "org remove",
            2,
            format!("{m}: remove or change those first"),
        ),
        Err(e) => fail("org remove", 1, e),
    }
}

pub async fn add_collection(store: &SqliteStore, a: &CollectionAdd, format: Format) -> ExitCode {
    let cmd = "collection add";
    let entry = server::config::CollectionEntry {
        api_root: a.api_root.clone(),
        id: a.id.unwrap_or_else(Uuid::new_v4),
        title: a.title.clone(),
        description: a.description.clone(),
        alias: a.alias.clone(),
        media_types: Vec::new(),
        owner: a.owner.clone(),
        read: a.read.clone(),
        write: a.write.clone(),
        audience: a.audience.clone(),
        audience_constituency_of: Vec::new(),
        default_tlp: a.default_tlp.clone(),
        require_tlp: a.require_tlp,
        tlp_ceiling: a.tlp_ceiling,
        public: a.public,
        unknown_markings: if a.quarantine_unknown_markings {
            tlp::UnknownMarkings::Quarantine
        } else {
            tlp::UnknownMarkings::Reject
        },
        red_org_recipients: false,
        ip_personal_data: false,
        relay_target: false,
    };
    let (spec, grants) = match server::provision::collection(&entry) {
        Ok(x) => x,
        Err(m) => return fail(cmd, 2, m),
    };
    let (roots, orgs) = match (store.api_roots().await, store.organisations().await) {
        (Ok(r), Ok(o)) => (r, o),
        (Err(e), _) | (_, Err(e)) => return fail(cmd, 1, e),
    };
    if !roots.iter().any(|r| r.path == entry.api_root) {
        return fail(cmd, 2, format!("no API root {:?}", entry.api_root));
    }
    let named: Vec<String> = entry
        .read
        .iter()
        .chain(&entry.write)
        .chain(&entry.audience)
        .chain(entry.owner.iter())
        .cloned()
        .collect();
    if let Err(m) = known(&orgs, &named) {
        return fail(cmd, 2, m);
    }
    let id = entry.id.to_string();
    match store.collection(&entry.api_root, &id).await {
        Ok(Some(_)) => return fail(cmd, 2, format!("collection {id} exists")),
        Ok(None) => {}
        Err(e) => return fail(cmd, 1, e),
    }
    match store
        .provision(Provisioning {
            collections: vec![spec],
            grants,
            ..Provisioning::default()
        })
        .await
    {
        Ok(()) => {}
        // A title or alias another collection of the API root has.
        Err(store::StoreError::Conflict(m)) => return fail(cmd, 2, m),
        Err(e) => return fail(cmd, 1, e),
    }
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "added": id, "api_root": entry.api_root, "title": entry.title })
        ),
        Format::Text => println!(
            "added collection {} ({id}) in /{}/",
            entry.title, entry.api_root
        ),
    }
    ExitCode::SUCCESS
}

pub async fn remove_collection(
    store: &SqliteStore,
    api_root: &str,
    name: &str,
    with_objects: bool,
    format: Format,
) -> ExitCode {
    let cmd = "collection remove";
    let c = match server::federation::local_collection(store, api_root, name).await {
        Ok(c) => c,
        Err(e) => return fail(cmd, 2, e),
    };
    match store.remove_collection(api_root, c.id, with_objects).await {
        Ok(Some(n)) => {
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::json!({ "removed": c.id.to_string(), "object_versions": n })
                ),
                Format::Text => println!(
                    "removed collection {} ({}) with {n} object versions",
                    c.title, c.id
                ),
            }
            ExitCode::SUCCESS
        }
        Ok(None) => fail(cmd, 2, format!("no collection {name:?}")),
        Err(store::StoreError::Conflict(m)) => {
            fail(cmd, 2, format!("{m} (--with-objects deletes them)"))
        }
        Err(e) => fail(cmd, 1, e),
    }
}
