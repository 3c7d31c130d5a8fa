//! The provisioning file (DESIGN.md section 6): server settings, API roots, organisations,
//! accounts, collections and grants, in TOML. Described for editors and CI by
//! `schemas/provisioning.schema.json` and for operators in `docs/provisioning.md`.
//!
//! Unknown keys are errors (with line and column): a misspelt `write` must not silently leave a
//! collection unwritable, and settings of the access-control model that this version does not
//! enforce yet (`audience`, `default_tlp`, ...) must not be silently ignored either.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use uuid::Uuid;

/// Defaults shared by the file and the embedded defaults.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8443";
pub const DEFAULT_DATA_DIR: &str = "./schakel-data";
pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;
pub const DEFAULT_MAX_CONTENT_LENGTH: u64 = 100 * 1024 * 1024;

/// First path segments that are not API roots.
pub const RESERVED_PATHS: [&str; 5] = ["taxii2", "schakel", "healthz", "readyz", "metrics"];

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisioningFile {
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default, rename = "api_root")]
    pub api_roots: Vec<ApiRootEntry>,
    #[serde(default, rename = "organisation")]
    pub organisations: Vec<OrganisationEntry>,
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountEntry>,
    #[serde(default, rename = "collection")]
    pub collections: Vec<CollectionEntry>,
    /// Upstream TAXII collections this server pulls from (federation).
    #[serde(default, rename = "upstream")]
    pub upstreams: Vec<UpstreamEntry>,
    /// Standing relay rules of intermediaries.
    #[serde(default, rename = "relay")]
    pub relays: Vec<RelayEntry>,
}

/// `[[upstream]]`: a subscription to a collection of another TAXII 2.1 server. Its objects are
/// stored, bytes unchanged, in a local collection, as coming from `organisation`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamEntry {
    /// Short name (`ncsc`): `schakel pull NAME`, the saved position `pull:NAME`, the audit.
    pub name: String,
    /// The upstream API root URL (`https://taxii.ncsc.example/lds/`).
    pub url: String,
    /// The upstream collection: its id, or its title.
    pub collection: String,
    /// The local organisation the objects come from: their originator for the access rules.
    pub organisation: String,
    /// Local API root and collection (id, alias or title) the objects are stored in.
    pub target_api_root: String,
    pub target: String,
    /// HTTP Basic credentials, or a Bearer token. `*_env` names an environment variable that
    /// holds the secret, to keep it out of the file.
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_env: Option<String>,
    pub token: Option<String>,
    pub token_env: Option<String>,
    /// PEM files: a CA to trust for the upstream (instead of the system roots), and a client
    /// certificate with its key.
    pub ca: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Seconds between runs under `schakel serve` (default 300).
    #[serde(default = "default_upstream_interval")]
    pub interval_secs: u64,
    /// Objects per page asked of the upstream (default 500; the upstream may send fewer).
    #[serde(default = "default_upstream_page")]
    pub page_size: u32,
    /// Per-request timeout in seconds (default 60) and retries per request (default 5).
    #[serde(default = "default_upstream_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_upstream_retries")]
    pub retries: u32,
}

fn default_upstream_interval() -> u64 {
    300
}
fn default_upstream_page() -> u32 {
    500
}
fn default_upstream_timeout() -> u64 {
    60
}
fn default_upstream_retries() -> u32 {
    5
}

/// `[[relay]]`: a standing relay rule of an intermediary: everything up to `max_tlp` that
/// arrives in `from` is relayed into `to` as the relay rules allow (TLP:AMBER and personal data
/// to the affected constituents only: a rule records no justification).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayEntry {
    pub name: String,
    /// The intermediary (owner of `to`).
    pub organisation: String,
    pub api_root: String,
    /// Source and relay-target collections (id, alias or title).
    pub from: String,
    pub to: String,
    /// The most restrictive TLP the rule relays (`clear`, `green` or `amber`; default `green`).
    #[serde(default = "default_relay_tlp")]
    pub max_tlp: tlp::Tlp,
    /// Seconds between runs under `schakel serve` (default 60).
    #[serde(default = "default_relay_interval")]
    pub interval_secs: u64,
}

fn default_relay_tlp() -> tlp::Tlp {
    tlp::Tlp::Green
}
fn default_relay_interval() -> u64 {
    60
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on (`127.0.0.1:8443`).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Data directory: SQLite database, development certificate.
    #[serde(default = "default_data")]
    pub data: PathBuf,
    /// PEM certificate chain and private key. Without them the server generates a
    /// self-signed development certificate, on a loopback address only.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP (only allowed on a loopback address: for tests and behind a local
    /// TLS-terminating proxy).
    #[serde(default)]
    pub plain_http: bool,
    /// Discovery resource texts.
    #[serde(default = "default_title")]
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    /// API root listed as `default` in discovery.
    pub default_api_root: Option<String>,
    /// Page size when the client sends no `limit`, and the largest page served.
    #[serde(default = "default_page_size")]
    pub default_page_size: u64,
    #[serde(default = "max_page_size")]
    pub max_page_size: u64,
    /// `synchronous=FULL`: survive power loss, not only process crashes, at a cost in ingest rate.
    #[serde(default)]
    pub synchronous_full: bool,
    /// HTTP worker threads (default: number of cores).
    pub workers: Option<usize>,
    /// Memory-mapped reads of the database files, per connection, in MiB (default 0: off).
    /// Faster random reads (redaction's lookups of referenced objects), at the price of the
    /// mapped pages counting in the server's resident set.
    #[serde(default)]
    pub mmap_mib: u64,
    /// The STIX identity of the organisation running this server: `created_by_ref` of the
    /// redacted objects it serves (they are its republication). Default: the Schakel project
    /// identity.
    pub identity: Option<String>,
    /// How long a status resource stays readable after it was last written, in seconds
    /// (T-46 asks for at least 24 hours); then a periodic sweep deletes it and it is a 404.
    #[serde(default = "default_status_retention")]
    pub status_retention_secs: u64,
}

/// Seven days: a week-end does not lose the outcome of a Friday's upload.
pub const DEFAULT_STATUS_RETENTION_SECS: u64 = 7 * 24 * 3600;

fn default_status_retention() -> u64 {
    DEFAULT_STATUS_RETENTION_SECS
}

fn default_listen() -> String {
    DEFAULT_LISTEN.into()
}
fn default_data() -> PathBuf {
    PathBuf::from(DEFAULT_DATA_DIR)
}
fn default_title() -> String {
    "Schakel TAXII 2.1 server".into()
}
fn default_page_size() -> u64 {
    DEFAULT_PAGE_SIZE
}
fn max_page_size() -> u64 {
    MAX_PAGE_SIZE
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            listen: default_listen(),
            data: default_data(),
            tls_cert: None,
            tls_key: None,
            plain_http: false,
            title: default_title(),
            description: None,
            contact: None,
            default_api_root: None,
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: MAX_PAGE_SIZE,
            synchronous_full: false,
            workers: None,
            mmap_mib: 0,
            identity: None,
            status_retention_secs: DEFAULT_STATUS_RETENTION_SECS,
        }
    }
}

/// `[[api_root]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRootEntry {
    pub path: String,
    pub title: String,
    pub description: Option<String>,
    #[serde(default = "default_max_content_length")]
    pub max_content_length: u64,
}

fn default_max_content_length() -> u64 {
    DEFAULT_MAX_CONTENT_LENGTH
}

/// `[[organisation]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationEntry {
    pub id: String,
    pub name: String,
    /// The organisation's STIX identity id (matched against organisation entries in an
    /// audience marking's `recipients`).
    pub identity: Option<String>,
    /// `national-csirt`, `designated-cert`, `linking-org`, `dtc`, `direct-constituent`,
    /// `constituent` (default) or `operator`.
    #[serde(default)]
    pub role: tlp::Role,
    /// Organisations in its constituency (*achterban*).
    #[serde(default)]
    pub serves: Vec<String>,
    /// Sectors (STIX industry-sector-ov values).
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Dated designations to receive personal data or credentials (`[[organisation.designations]]`).
    #[serde(default)]
    pub designations: Vec<DesignationEntry>,
    /// Network ranges and domains of the organisation (`[organisation.asset_scope]`): objects
    /// about them concern it, so it may receive personal data about itself.
    #[serde(default)]
    pub asset_scope: tlp::AssetScope,
}

/// `[[organisation.designations]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignationEntry {
    /// `personal-data` or `credential`.
    pub kind: tlp::DesignationKind,
    /// The legal basis, recorded in the audit of every disclosure it allows. (`basis`, `from`
    /// and `until` are accepted as in the sketch of DESIGN.md section 6.)
    #[serde(alias = "basis")]
    pub legal_basis: String,
    /// First and (optional) last day of validity: a TOML date (`2022-12-01`) or a string.
    #[serde(alias = "from")]
    pub valid_from: DateField,
    #[serde(alias = "until")]
    pub valid_until: Option<DateField>,
}

/// A day, written as a TOML local date or as a `YYYY-MM-DD` string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DateField {
    Toml(toml::value::Datetime),
    Text(String),
}

impl DateField {
    pub fn day(&self) -> Result<chrono::NaiveDate, String> {
        let text = match self {
            DateField::Toml(d) => d.to_string(),
            DateField::Text(s) => s.clone(),
        };
        text.parse::<chrono::NaiveDate>()
            .map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
    }
}

impl DesignationEntry {
    pub fn designation(&self) -> Result<tlp::Designation, String> {
        let valid_from = self.valid_from.day()?;
        let valid_until = self.valid_until.as_ref().map(DateField::day).transpose()?;
        if valid_until.is_some_and(|u| u < valid_from) {
            return Err("valid_until is before valid_from".into());
        }
        if self.legal_basis.trim().is_empty() {
            return Err("legal_basis must name the law or order that designates it".into());
        }
        Ok(tlp::Designation {
            kind: self.kind,
            legal_basis: self.legal_basis.clone(),
            valid_from,
            valid_until,
        })
    }
}

/// `[[account]]`: a password, a token, or both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub name: String,
    pub organisation: String,
    /// Plain password: stored only as an argon2 hash. Prefer `password_hash` in files kept in
    /// version control.
    pub password: Option<String>,
    /// An argon2 PHC string (`$argon2id$...`).
    pub password_hash: Option<String>,
    /// API token text (Bearer): stored only as its SHA-256.
    pub token: Option<String>,
    /// SHA-256 of the token, 64 hex digits.
    pub token_sha256: Option<String>,
    #[serde(default)]
    pub operator: bool,
    /// The person's individual STIX identity id.
    pub identity: Option<String>,
}

/// `[[collection]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionEntry {
    pub api_root: String,
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
    #[serde(default)]
    pub media_types: Vec<String>,
    pub owner: Option<String>,
    /// Organisations that may read / write.
    #[serde(default)]
    pub read: Vec<String>,
    #[serde(default)]
    pub write: Vec<String>,
    /// Organisations named directly in the audience (TLP:AMBER+STRICT reaches them). Empty:
    /// every organisation with read permission is a direct audience member.
    #[serde(default)]
    pub audience: Vec<String>,
    /// Organisations whose constituency is in the audience (TLP:AMBER, not AMBER+STRICT).
    #[serde(default)]
    pub audience_constituency_of: Vec<String>,
    /// TLP for unmarked objects: a level, or `"none"` (unmarked objects are visible to their
    /// originator only). Default `"green"`.
    pub default_tlp: Option<String>,
    #[serde(default)]
    pub require_tlp: bool,
    /// Most restrictive TLP accepted (default `red`).
    pub tlp_ceiling: Option<tlp::Tlp>,
    /// Anonymous requests may read TLP:CLEAR objects.
    #[serde(default)]
    pub public: bool,
    /// `reject` (default) or `quarantine`.
    #[serde(default)]
    pub unknown_markings: tlp::UnknownMarkings,
    /// Organisation entries of an audience marking count as TLP:RED recipients.
    #[serde(default)]
    pub red_org_recipients: bool,
    /// IP addresses in this collection are possibly personal data (victims' addresses).
    #[serde(default)]
    pub ip_personal_data: bool,
    /// The owner's collection for its constituency, filled by relay (the owner must be an
    /// intermediary: national CSIRT, designated CERT, linking organisation or DTC).
    #[serde(default)]
    pub relay_target: bool,
}

impl CollectionEntry {
    /// The access policy this entry declares.
    pub fn policy(&self) -> Result<tlp::CollectionPolicy, String> {
        let defaults = tlp::CollectionPolicy::default();
        let default_tlp = match self.default_tlp.as_deref() {
            None => defaults.default_tlp,
            Some(t) if t.eq_ignore_ascii_case("none") => None,
            Some(t) => Some(t.parse::<tlp::Tlp>()?),
        };
        let audience = self
            .audience
            .iter()
            .map(|o| tlp::AudienceEntry::Organisation(o.clone()))
            .chain(
                self.audience_constituency_of
                    .iter()
                    .map(|o| tlp::AudienceEntry::ConstituencyOf(o.clone())),
            )
            .collect();
        let p = tlp::CollectionPolicy {
            audience,
            default_tlp,
            require_tlp: self.require_tlp,
            tlp_ceiling: self.tlp_ceiling.unwrap_or(defaults.tlp_ceiling),
            public: self.public,
            unknown_markings: self.unknown_markings,
            red_org_recipients: self.red_org_recipients,
            ip_personal_data: self.ip_personal_data,
            relay_target: self.relay_target,
        };
        if let Some(d) = p.default_tlp
            && d > p.tlp_ceiling
        {
            return Err(format!(
                "default_tlp {d} is above tlp_ceiling {}",
                p.tlp_ceiling
            ));
        }
        Ok(p)
    }
}

/// A provisioning file that cannot be used: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", position.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: String,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl ProvisioningFile {
    /// Reads and checks a provisioning file.
    pub fn load(path: &Path) -> Result<ProvisioningFile, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            position: None,
            message: e.to_string(),
        })?;
        Self::parse(&text, &file)
    }

    /// Parses and checks provisioning text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<ProvisioningFile, ConfigError> {
        let parsed: ProvisioningFile = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|s| line_col(text, s.start));
            ConfigError {
                file: file.into(),
                position,
                message: e.message().trim().to_owned(),
            }
        })?;
        parsed.check().map_err(|message| ConfigError {
            file: file.into(),
            position: None,
            message,
        })?;
        Ok(parsed)
    }

    /// The declared collection of `api_root` with id, title or alias `name` (how federation
    /// entries name collections).
    fn collection(&self, api_root: &str, name: &str) -> Option<&CollectionEntry> {
        self.collections.iter().find(|c| {
            c.api_root == api_root
                && (c.id.to_string() == name || c.title == name || c.alias.as_deref() == Some(name))
        })
    }

    /// Cross-reference checks the TOML structure cannot express.
    fn check(&self) -> Result<(), String> {
        let s = &self.server;
        s.listen
            .parse::<SocketAddr>()
            .map_err(|e| format!("[server] listen = {:?}: {e}", s.listen))?;
        if s.tls_cert.is_some() != s.tls_key.is_some() {
            return Err("[server] tls_cert and tls_key must be given together".into());
        }
        if s.plain_http && s.tls_cert.is_some() {
            return Err("[server] plain_http = true contradicts tls_cert/tls_key".into());
        }
        if s.default_page_size == 0 || s.max_page_size == 0 || s.default_page_size > s.max_page_size
        {
            return Err("[server] need 0 < default_page_size <= max_page_size".into());
        }
        check_identity(s.identity.as_deref(), "[server] identity")?;
        if s.status_retention_secs == 0 {
            return Err(
                "[server] status_retention_secs must be at least 1 (T-46 recommends 86400 or more)"
                    .into(),
            );
        }
        let mut roots = HashSet::new();
        for r in &self.api_roots {
            if !is_slug(&r.path) || RESERVED_PATHS.contains(&r.path.as_str()) {
                return Err(format!(
                    "[[api_root]] path {:?}: use lowercase letters, digits, '-' and '_' (and not {}: the discovery path, the operator endpoints, health checks and metrics)",
                    r.path,
                    RESERVED_PATHS.map(|p| format!("'{p}'")).join(", ")
                ));
            }
            if !roots.insert(r.path.as_str()) {
                return Err(format!("[[api_root]] path {:?} is declared twice", r.path));
            }
            if r.max_content_length == 0 {
                return Err(format!(
                    "[[api_root]] {:?}: max_content_length must be positive",
                    r.path
                ));
            }
        }
        if let Some(d) = &s.default_api_root
            && !roots.contains(d.as_str())
        {
            return Err(format!(
                "[server] default_api_root {d:?} is not a declared [[api_root]]"
            ));
        }
        let mut orgs = HashSet::new();
        for o in &self.organisations {
            if !is_slug(&o.id) {
                return Err(format!(
                    "[[organisation]] id {:?}: use lowercase letters, digits, '-' and '_'",
                    o.id
                ));
            }
            if !orgs.insert(o.id.as_str()) {
                return Err(format!("[[organisation]] id {:?} is declared twice", o.id));
            }
            check_identity(
                o.identity.as_deref(),
                &format!("[[organisation]] {:?}", o.id),
            )?;
            for d in &o.designations {
                d.designation()
                    .map_err(|e| format!("[[organisation]] {:?}: designation: {e}", o.id))?;
            }
            if let Some(bad) = o.asset_scope.invalid_entries().first() {
                return Err(format!("[[organisation]] {:?}: asset_scope {bad}", o.id));
            }
            if !o.asset_scope.is_empty() && o.identity.is_none() {
                return Err(format!(
                    "[[organisation]] {:?}: an asset_scope needs the organisation's identity (affected parties are identities)",
                    o.id
                ));
            }
        }
        for o in &self.organisations {
            for m in &o.serves {
                if !orgs.contains(m.as_str()) {
                    return Err(format!(
                        "[[organisation]] {:?}: serves {m:?}, which is not declared",
                        o.id
                    ));
                }
            }
        }
        let mut accounts = HashSet::new();
        for a in &self.accounts {
            let what = format!("[[account]] {:?}", a.name);
            if a.name.is_empty() || a.name.contains(':') || a.name.chars().any(char::is_control) {
                return Err(format!(
                    "{what}: a name must be non-empty without ':' (HTTP Basic separates name and password with ':')"
                ));
            }
            if !accounts.insert(a.name.as_str()) {
                return Err(format!("{what} is declared twice"));
            }
            if !orgs.contains(a.organisation.as_str()) {
                return Err(format!(
                    "{what}: organisation {:?} is not declared",
                    a.organisation
                ));
            }
            if a.password.is_some() && a.password_hash.is_some() {
                return Err(format!("{what}: give password or password_hash, not both"));
            }
            if a.token.is_some() && a.token_sha256.is_some() {
                return Err(format!("{what}: give token or token_sha256, not both"));
            }
            if let Some(t) = &a.token
                && t.len() < 16
            {
                return Err(format!("{what}: a token must be at least 16 characters"));
            }
            if let Some(h) = &a.token_sha256
                && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!("{what}: token_sha256 must be 64 hex digits"));
            }
            if let Some(h) = &a.password_hash {
                argon2::password_hash::phc::PasswordHash::new(h)
                    .map_err(|e| format!("{what}: password_hash is not a PHC string: {e}"))?;
            }
            check_identity(a.identity.as_deref(), &what)?;
        }
        let mut titles = HashSet::new();
        let mut ids = HashSet::new();
        let mut aliases = HashSet::new();
        for c in &self.collections {
            let what = format!("[[collection]] {:?}", c.title);
            if !roots.contains(c.api_root.as_str()) {
                return Err(format!("{what}: api_root {:?} is not declared", c.api_root));
            }
            if !titles.insert((c.api_root.as_str(), c.title.as_str())) {
                return Err(format!(
                    "{what}: titles must be unique within an API root (clients select collections by title)"
                ));
            }
            if !ids.insert(c.id) {
                return Err(format!("{what}: id {} is used twice", c.id));
            }
            if let Some(alias) = &c.alias
                && (!is_slug(alias) || !aliases.insert((c.api_root.as_str(), alias.as_str())))
            {
                return Err(format!(
                    "{what}: alias {alias:?} must be a unique slug within the API root"
                ));
            }
            for org in c
                .read
                .iter()
                .chain(&c.write)
                .chain(&c.owner)
                .chain(&c.audience)
                .chain(&c.audience_constituency_of)
            {
                if !orgs.contains(org.as_str()) {
                    return Err(format!("{what}: organisation {org:?} is not declared"));
                }
            }
            c.policy().map_err(|e| format!("{what}: {e}"))?;
            if c.relay_target {
                let owner = c
                    .owner
                    .as_deref()
                    .and_then(|o| self.organisations.iter().find(|e| e.id == o));
                let Some(owner) = owner else {
                    return Err(format!("{what}: a relay_target collection needs an owner"));
                };
                if !owner.role.is_intermediary() {
                    return Err(format!(
                        "{what}: relay targets belong to intermediaries (national-csirt, designated-cert, linking-org, dtc); owner {:?} is {}",
                        owner.id,
                        owner.role.as_str()
                    ));
                }
            }
        }
        let collection_named = |root: &str, name: &str| self.collection(root, name).is_some();
        let mut names = HashSet::new();
        for u in &self.upstreams {
            let what = format!("[[upstream]] {:?}", u.name);
            if !is_slug(&u.name) || !names.insert(u.name.as_str()) {
                return Err(format!("{what}: names must be unique slugs"));
            }
            let plain = u.url.strip_prefix("http://");
            if !(u.url.starts_with("https://") || plain.is_some()) || u.url.contains('?') {
                return Err(format!(
                    "{what}: url {:?} must be the upstream's API root URL (https://host/root/)",
                    u.url
                ));
            }
            // Credentials and shared data never cross a network in the clear: plain HTTP only
            // to this machine (tests, a local TLS-terminating proxy).
            if let Some(rest) = plain {
                let host = rest.split('/').next().unwrap_or_default();
                let host = host.rsplit_once(':').map_or(host, |(h, p)| {
                    if p.bytes().all(|b| b.is_ascii_digit()) {
                        h
                    } else {
                        host
                    }
                });
                let loopback = host == "localhost"
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    return Err(format!(
                        "{what}: url {:?}: plain http:// is only allowed to a loopback address; use https://",
                        u.url
                    ));
                }
            }
            if !orgs.contains(u.organisation.as_str()) {
                return Err(format!(
                    "{what}: organisation {:?} is not declared",
                    u.organisation
                ));
            }
            if !collection_named(&u.target_api_root, &u.target) {
                return Err(format!(
                    "{what}: target {:?} is not a declared collection of API root {:?}",
                    u.target, u.target_api_root
                ));
            }
            // A relay target's readers get only what a relay decided for them; pulled objects
            // would reach its whole audience without that decision.
            if self
                .collection(&u.target_api_root, &u.target)
                .is_some_and(|c| c.relay_target)
            {
                return Err(format!(
                    "{what}: target {:?} is a relay_target collection; pull into a feed collection and relay from there",
                    u.target
                ));
            }
            let basic = u.username.is_some();
            let secret = u.password.is_some() || u.password_env.is_some();
            let token = u.token.is_some() || u.token_env.is_some();
            if basic != secret
                || (basic && token)
                || (u.password.is_some() && u.password_env.is_some())
                || (u.token.is_some() && u.token_env.is_some())
            {
                return Err(format!(
                    "{what}: give username with password (or password_env), or a token (or token_env), not both"
                ));
            }
            if u.client_cert.is_some() != u.client_key.is_some() {
                return Err(format!("{what}: client_cert and client_key go together"));
            }
            if u.interval_secs == 0 || u.page_size == 0 || u.timeout_secs == 0 {
                return Err(format!(
                    "{what}: interval_secs, page_size and timeout_secs must be positive"
                ));
            }
        }
        let mut names = HashSet::new();
        for r in &self.relays {
            let what = format!("[[relay]] {:?}", r.name);
            if !is_slug(&r.name) || !names.insert(r.name.as_str()) {
                return Err(format!("{what}: names must be unique slugs"));
            }
            if !orgs.contains(r.organisation.as_str()) {
                return Err(format!(
                    "{what}: organisation {:?} is not declared",
                    r.organisation
                ));
            }
            for c in [&r.from, &r.to] {
                if !collection_named(&r.api_root, c) {
                    return Err(format!(
                        "{what}: {c:?} is not a declared collection of API root {:?}",
                        r.api_root
                    ));
                }
            }
            let intermediary = self.organisations.iter().find(|o| o.id == r.organisation);
            if let Some(o) = intermediary
                && !o.role.is_intermediary()
            {
                return Err(format!(
                    "{what}: organisation {:?} is {}; only intermediaries (national-csirt, designated-cert, linking-org, dtc) relay",
                    r.organisation,
                    o.role.as_str()
                ));
            }
            if let Some(to) = self.collection(&r.api_root, &r.to)
                && (!to.relay_target || to.owner.as_deref() != Some(r.organisation.as_str()))
            {
                return Err(format!(
                    "{what}: {:?} must be a relay_target collection owned by {:?}",
                    r.to, r.organisation
                ));
            }
            if let Some(from) = self.collection(&r.api_root, &r.from)
                && !from.read.contains(&r.organisation)
            {
                return Err(format!(
                    "{what}: organisation {:?} has no read grant on {:?}",
                    r.organisation, r.from
                ));
            }
            if r.max_tlp > tlp::Tlp::Amber {
                return Err(format!(
                    "{what}: max_tlp {} is never relayed (at most amber)",
                    r.max_tlp
                ));
            }
            if r.interval_secs == 0 {
                return Err(format!("{what}: interval_secs must be positive"));
            }
        }
        Ok(())
    }
}

fn check_identity(id: Option<&str>, what: &str) -> Result<(), String> {
    match id {
        Some(id) => match stix::StixId::parse(id) {
            Ok(i) if i.object_type() == "identity" => Ok(()),
            _ => Err(format!(
                "{what}: identity {id:?} is not an identity--<uuid> id"
            )),
        },
        None => Ok(()),
    }
}

/// `[a-z0-9_-]+`, starting with a letter or digit.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_alphanumeric()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[server]
listen = "127.0.0.1:8443"

[[api_root]]
path = "lds"
title = "Landelijk Dekkend Stelsel"

[[organisation]]
id = "ncsc"
name = "NCSC-NL"

[[organisation]]
id = "dtc"
name = "Digital Trust Center"

[[account]]
name = "ncsc-feed"
organisation = "ncsc"
password = "change-me"

[[collection]]
api_root = "lds"
id = "9cfa669c-ee94-4ece-afd2-f8edac37d8fd"
title = "lds-partners"
owner = "ncsc"
read = ["dtc"]
write = ["ncsc"]
"#;

    #[test]
    fn parses_the_design_sample() {
        let p = ProvisioningFile::parse(SAMPLE, "sample.toml").unwrap();
        assert_eq!(
            p.api_roots[0].max_content_length,
            DEFAULT_MAX_CONTENT_LENGTH
        );
        assert_eq!(p.collections[0].read, vec!["dtc"]);
        assert_eq!(p.server.default_page_size, DEFAULT_PAGE_SIZE);
    }

    #[test]
    fn unknown_keys_are_errors_with_position() {
        let text = SAMPLE.replace(
            "write = [\"ncsc\"]",
            "write = [\"ncsc\"]\naudiences = [\"dtc\"]",
        );
        let e = ProvisioningFile::parse(&text, "p.toml").unwrap_err();
        assert!(e.message.contains("unknown field `audiences`"), "{e}");
        assert_eq!(e.position.map(|p| p.0), Some(29));
        assert!(e.to_string().starts_with("p.toml:29:"), "{e}");
    }

    #[test]
    fn access_policy_fields_are_read_and_checked() {
        let text = SAMPLE.replace(
            "write = [\"ncsc\"]",
            "write = [\"ncsc\"]\naudience = [\"dtc\"]\naudience_constituency_of = [\"dtc\"]\n\
             default_tlp = \"none\"\nrequire_tlp = true\ntlp_ceiling = \"amber+strict\"\n\
             unknown_markings = \"quarantine\"\nred_org_recipients = true",
        );
        let p = ProvisioningFile::parse(&text, "p.toml").unwrap();
        let policy = p.collections[0].policy().unwrap();
        assert_eq!(
            policy.audience,
            vec![
                tlp::AudienceEntry::Organisation("dtc".into()),
                tlp::AudienceEntry::ConstituencyOf("dtc".into())
            ]
        );
        assert_eq!(policy.default_tlp, None);
        assert!(policy.require_tlp && policy.red_org_recipients && !policy.public);
        assert_eq!(policy.tlp_ceiling, tlp::Tlp::AmberStrict);
        assert_eq!(policy.unknown_markings, tlp::UnknownMarkings::Quarantine);

        // Without the fields: the documented defaults.
        let d = ProvisioningFile::parse(SAMPLE, "p.toml")
            .unwrap()
            .collections[0]
            .policy()
            .unwrap();
        assert_eq!(d, tlp::CollectionPolicy::default());

        for (from, to, want) in [
            (
                "write = [\"ncsc\"]",
                "write = [\"ncsc\"]\naudience = [\"nobody\"]",
                "\"nobody\" is not declared",
            ),
            (
                "write = [\"ncsc\"]",
                "write = [\"ncsc\"]\ndefault_tlp = \"purple\"",
                "not a TLP level",
            ),
            (
                "write = [\"ncsc\"]",
                "write = [\"ncsc\"]\ndefault_tlp = \"red\"\ntlp_ceiling = \"amber\"",
                "above tlp_ceiling",
            ),
            (
                "name = \"Digital Trust Center\"",
                "name = \"Digital Trust Center\"\nserves = [\"acme\"]",
                "serves \"acme\", which is not declared",
            ),
            (
                "name = \"Digital Trust Center\"",
                "name = \"Digital Trust Center\"\nrole = \"boss\"",
                "unknown variant `boss`",
            ),
        ] {
            let e = ProvisioningFile::parse(&SAMPLE.replace(from, to), "p.toml").unwrap_err();
            assert!(e.message.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn federation_entries_are_read_and_checked() {
        // DTC relays from a feed NCSC's puller fills into its constituency collection.
        let base = SAMPLE.replace(
            "name = \"Digital Trust Center\"",
            "name = \"Digital Trust Center\"\nrole = \"dtc\"",
        ) + r#"
[[collection]]
api_root = "lds"
id = "3f1d2c4b-7a8e-4c6d-9b0a-1e2f3a4b5c6d"
title = "dtc-constituency"
owner = "dtc"
read = ["dtc"]
relay_target = true

[[upstream]]
name = "ncsc"
url = "https://taxii.ncsc.example/lds/"
collection = "lds-partners"
organisation = "ncsc"
target_api_root = "lds"
target = "lds-partners"
username = "dtc-puller"
password_env = "NCSC_PASSWORD"

[[relay]]
name = "green"
organisation = "dtc"
api_root = "lds"
from = "lds-partners"
to = "dtc-constituency"
"#;
        let p = ProvisioningFile::parse(&base, "p.toml").unwrap();
        let u = &p.upstreams[0];
        assert_eq!((u.interval_secs, u.page_size, u.retries), (300, 500, 5));
        assert_eq!(p.relays[0].max_tlp, tlp::Tlp::Green);
        assert!(p.collections[1].policy().unwrap().relay_target);
        for (from, to, want) in [
            (
                "https://taxii.ncsc.example/lds/",
                "http://taxii.ncsc.example/lds/",
                "plain http:// is only allowed to a loopback address",
            ),
            (
                "password_env = \"NCSC_PASSWORD\"",
                "password_env = \"NCSC_PASSWORD\"\ntoken = \"0123456789abcdef0123\"",
                "not both",
            ),
            (
                "target = \"lds-partners\"",
                "target = \"nowhere\"",
                "is not a declared collection",
            ),
            (
                "target = \"lds-partners\"",
                "target = \"dtc-constituency\"",
                "is a relay_target collection",
            ),
            (
                "role = \"dtc\"",
                "role = \"constituent\"",
                "relay targets belong to intermediaries",
            ),
            (
                "owner = \"dtc\"\nread = [\"dtc\"]\nrelay_target",
                "read = [\"dtc\"]\nrelay_target",
                "needs an owner",
            ),
            (
                "from = \"lds-partners\"\nto = \"dtc-constituency\"",
                "from = \"dtc-constituency\"\nto = \"lds-partners\"",
                "must be a relay_target collection owned by",
            ),
        ] {
            let text = base.replace(from, to);
            assert_ne!(text, base, "{from}");
            let e = ProvisioningFile::parse(&text, "p.toml").unwrap_err();
            assert!(e.message.contains(want), "{want}: {e}");
        }
        let plain_loopback = base.replace("https://taxii.ncsc.example/", "http://127.0.0.1:8443/");
        assert!(ProvisioningFile::parse(&plain_loopback, "p.toml").is_ok());
        let amber_strict = base.replace(
            "to = \"dtc-constituency\"",
            "to = \"dtc-constituency\"\nmax_tlp = \"amber+strict\"",
        );
        let e = ProvisioningFile::parse(&amber_strict, "p.toml").unwrap_err();
        assert!(e.message.contains("never relayed"), "{e}");
    }

    #[test]
    fn designations_and_asset_scopes_are_read_and_checked() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        // The inline form of DESIGN.md section 6, with a string date, and the table form with
        // TOML dates.
        let text = SAMPLE.replace(
            "name = \"Digital Trust Center\"",
            "name = \"Digital Trust Center\"\nidentity = \"identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e02\"\n\
             designations = [{ kind = \"personal-data\", from = \"2022-12-01\", basis = \"Wbni art. 3\" },\n\
             { kind = \"credential\", legal_basis = \"Wbni art. 3\", valid_from = 2022-12-01, valid_until = 2024-12-31 }]\n\
             asset_scope = { ip_ranges = [\"198.51.100.0/24\"], domains = [\"dtc.example\"] }",
        );
        let p = ProvisioningFile::parse(&text, "p.toml").unwrap();
        let dtc = &p.organisations[1];
        let d: Vec<tlp::Designation> = dtc
            .designations
            .iter()
            .map(|d| d.designation().unwrap())
            .collect();
        assert_eq!(d[0].kind, tlp::DesignationKind::PersonalData);
        assert_eq!(d[0].valid_from, day("2022-12-01"));
        assert_eq!(d[0].valid_until, None);
        assert_eq!(d[1].valid_until, Some(day("2024-12-31")));
        assert_eq!(dtc.asset_scope.domains, vec!["dtc.example"]);

        let with_dtc = |extra: &str| {
            SAMPLE.replace(
                "name = \"Digital Trust Center\"",
                &format!("name = \"Digital Trust Center\"\n{extra}"),
            )
        };
        for (extra, want) in [
            (
                "designations = [{ kind = \"personal-data\", legal_basis = \"x\", valid_from = \"2022-13-01\" }]",
                "\"2022-13-01\" is not a date",
            ),
            (
                "designations = [{ kind = \"personal-data\", legal_basis = \"x\", valid_from = 2022-12-01, valid_until = 2022-11-30 }]",
                "valid_until is before valid_from",
            ),
            (
                "designations = [{ kind = \"personal-data\", legal_basis = \" \", valid_from = 2022-12-01 }]",
                "legal_basis must name",
            ),
            (
                "designations = [{ kind = \"everything\", legal_basis = \"x\", valid_from = 2022-12-01 }]",
                "unknown variant `everything`",
            ),
            (
                "identity = \"identity--5c8a1d2e-3f4b-4c5d-8e6f-7a8b9c0d1e02\"\nasset_scope = { ip_ranges = [\"10.0.0.0/33\"] }",
                "\"10.0.0.0/33\" is not an address or CIDR range",
            ),
            (
                "asset_scope = { domains = [\"dtc.example\"] }",
                "an asset_scope needs the organisation's identity",
            ),
        ] {
            let e = ProvisioningFile::parse(&with_dtc(extra), "p.toml").unwrap_err();
            assert!(e.message.contains(want), "{want}: {e}");
        }
        let e = ProvisioningFile::parse(
            &SAMPLE.replace(
                "write = [\"ncsc\"]",
                "write = [\"ncsc\"]\nip_personal_data = true",
            ),
            "p.toml",
        )
        .unwrap()
        .collections[0]
            .policy()
            .unwrap();
        assert!(e.ip_personal_data);
    }

    #[test]
    fn cross_references_are_checked() {
        let bad = SAMPLE.replace("read = [\"dtc\"]", "read = [\"z-cert\"]");
        let e = ProvisioningFile::parse(&bad, "p.toml").unwrap_err();
        assert!(e.message.contains("\"z-cert\" is not declared"), "{e}");
        let dup = format!(
            "{SAMPLE}\n[[collection]]\napi_root = \"lds\"\nid = \"5dc4f8fe-6d8a-4a3b-8c7e-2f9b9a3c0d11\"\ntitle = \"lds-partners\"\n"
        );
        let e = ProvisioningFile::parse(&dup, "p.toml").unwrap_err();
        assert!(e.message.contains("unique"), "{e}");
        let e = ProvisioningFile::parse("[server]\nlisten = \"nowhere\"\n", "p.toml").unwrap_err();
        assert!(e.message.contains("listen"), "{e}");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = ProvisioningFile::parse("[server\nlisten = 1\n", "p.toml").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(1), "{e}");
    }
}
