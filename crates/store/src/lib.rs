//! Storage for Schakel: the [`Store`] trait and its SQLite backend ([`sqlite::SqliteStore`]).
//!
//! Rules every backend follows (DESIGN.md section 3):
//! - **Bytes are the truth.** An object is stored as the exact bytes it arrived in and served
//!   by splicing those bytes into the response; never a re-serialised or JSONB form.
//! - **`date_added` is unique and strictly increasing per collection** (microseconds,
//!   `max(now, last + 1)`), so paging by `added_after = X-TAXII-Date-Added-Last` and by the
//!   opaque `next` cursor (which encodes the last `date_added` seen) never skips or repeats.
//! - **Keyset pages.** Every page is one query `... date_added_us > ? ORDER BY date_added_us
//!   LIMIT n+1`; `more` is exact. The reader's visibility ([`Visibility`]) is part of that query,
//!   so `limit`, `more` and the Date-Added headers stay exact for every reader.
//! - **Nothing half-written.** An acknowledged write is committed; a batch of objects and the
//!   status resource that reports on them are written in one transaction.
//!
//! The trait is shaped so a PostgreSQL backend (stateless server nodes sharing one database)
//! fits behind it without touching the HTTP handlers: methods are async, take plain values,
//! and return owned rows.

#![forbid(unsafe_code)]

use std::future::Future;

use uuid::Uuid;

pub use tlp::{Classification, CollectionPolicy, ReadScope, Role, Tlp};

pub mod audit;
pub mod sqlite;

pub use taxii::query::{ObjectFilter, VersionMatch, VersionSelector};

mod error;
pub use error::StoreError;

/// Microseconds since the Unix epoch (the unit of every stored time).
pub type Micros = i64;

/// Result of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// An API root (TAXII 2.1 section 4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// The URL path segment, e.g. `lds` for `/lds/`.
    pub path: String,
    pub title: String,
    pub description: Option<String>,
    /// Largest request body accepted, in octets (T-43, T-44).
    pub max_content_length: u64,
}

/// A collection (TAXII 2.1 section 5.2) as stored; `can_read`/`can_write` are computed per
/// requester by the server, not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Backend key used in queries (not exposed over HTTP).
    pub key: i64,
    pub api_root: String,
    pub id: Uuid,
    /// Unique within the API root (clients select by title: interop contract point 8).
    pub title: String,
    pub description: Option<String>,
    /// Unique within the API root when present (T-53).
    pub alias: Option<String>,
    /// Media types the collection stores; empty means `application/stix+json;version=2.1`.
    pub media_types: Vec<String>,
    /// Organisation id of the owner, when provisioned.
    pub owner: Option<String>,
    /// Access settings (audience, TLP defaults and limits, public flag).
    pub policy: CollectionPolicy,
}

/// What to create or update for a collection (provisioning).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionSpec {
    pub api_root: String,
    pub id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
    pub media_types: Vec<String>,
    pub owner: Option<String>,
    pub policy: CollectionPolicy,
}

/// An organisation (DESIGN.md section 4). Designations (personal data) come with issue 5.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organisation {
    /// Short stable id used in provisioning (`ncsc`, `dtc`).
    pub id: String,
    pub name: String,
    /// The organisation's STIX identity id, when known.
    pub identity: Option<String>,
    pub role: Role,
    /// Organisation ids of its constituency.
    pub serves: Vec<String>,
    pub sectors: Vec<String>,
    /// Dated designations to receive personal data and credentials.
    pub designations: Vec<tlp::Designation>,
    /// Network ranges and domains whose objects concern the organisation.
    pub asset_scope: tlp::AssetScope,
}

impl Organisation {
    /// The view the access rules take of it.
    pub fn access(&self) -> tlp::Organisation {
        tlp::Organisation {
            id: self.id.clone(),
            identity: self.identity.clone(),
            role: self.role,
            serves: self.serves.clone(),
            sectors: self.sectors.clone(),
            designations: self.designations.clone(),
            asset_scope: self.asset_scope.clone(),
        }
    }
}

/// Every provisioned organisation as the access rules see them.
pub async fn directory<S: Store>(store: &S) -> Result<tlp::Directory> {
    Ok(tlp::Directory::new(
        store
            .organisations()
            .await?
            .iter()
            .map(Organisation::access),
    ))
}

/// A login. Belongs to one organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub organisation: String,
    /// PHC string of an argon2 hash of the password (`None`: no password login).
    pub password_hash: Option<String>,
    /// Operators may read and write every collection and see every status.
    pub operator: bool,
    /// Individual STIX identity of the person, when provisioned (TLP:RED named recipients).
    pub identity: Option<String>,
}

/// An API token, stored as the SHA-256 of the token text (the text is shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub sha256: [u8; 32],
    pub account: String,
    /// Human label (`"misp-push"`).
    pub label: String,
}

/// Read/write grant of an organisation on a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub collection_key: i64,
    pub read: bool,
    pub write: bool,
}

/// One object to store, as received, with the index fields read from it at ingest.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObject {
    /// STIX id (`indicator--...`).
    pub id: String,
    pub type_name: String,
    /// `spec_version` (`"2.1"` for an SCO that omits it).
    pub spec_version: String,
    /// The version key: `modified`, else `created`. `None` for unversioned objects (SCOs
    /// without `created`/`modified`): the store then uses the object's `date_added` as its
    /// version, a server-consistent value as TAXII requires (T-49, T-60).
    pub version: Option<Version>,
    /// The object's JSON exactly as received.
    pub body: String,
    /// The access classification (effective TLP, origin, recipients, flags), stored as
    /// columns for the read predicate.
    pub access: Classification,
    /// `date_added` to keep instead of assigning one (import of another server's data).
    /// Must be later than everything already in the collection.
    pub keep_date_added: Option<Micros>,
}

/// A STIX timestamp as written and as microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub text: String,
    pub micros: Micros,
}

/// What happened to one object of an add request (the status resource's per-object entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddOutcome {
    /// Stored now, with its `date_added` and the version string to report (for an
    /// unversioned object, its `date_added` as a TAXII timestamp).
    Added { date_added: Micros, version: String },
    /// An identical object (same id, version and content) was already in the collection:
    /// a success, not an error (T-69).
    Duplicate { version: String },
    /// Not stored, with the reason (e.g. same id and version with different content, S-37).
    Rejected {
        version: Option<String>,
        reason: String,
    },
}

/// Who is reading, as far as the store's query needs to know. The query applies it inside the
/// keyset scan and inside the version selection, so `last` means "the last version this reader
/// may see", and `limit`, `more` and the Date-Added headers are exact per reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every stored object (operators, internal lookups).
    All,
    /// What the access rules let one reader see ([`tlp::ReadScope::allows`], as SQL).
    Scoped(ReadScope),
}

/// The access facts of one stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccess {
    pub id: String,
    pub version: String,
    /// `version` as microseconds, and the spec version: with them, the versions of one object
    /// order as the `last` version selection orders them.
    pub version_us: Micros,
    pub spec_version: String,
    pub date_added: Micros,
    pub class: Classification,
}

/// The access facts of one stored version, as redaction needs them of a referenced object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefAccess {
    pub id: String,
    pub spec_version: String,
    pub version_us: Micros,
    /// Without zones (not needed to decide visibility; `review` says whether there are any).
    pub class: Classification,
}

/// A page request: position after the last `date_added` of the previous page, and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Cursor position (from `next`); `None` for the first page.
    pub after: Option<Micros>,
    /// Maximum rows, already clamped by the server to its maximum page size (>= 1).
    pub limit: usize,
}

/// One stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub date_added: Micros,
    pub id: String,
    /// The version string (`modified`, `created`, or the TAXII timestamp of `date_added` for
    /// unversioned objects).
    pub version: String,
    pub spec_version: String,
    /// The bytes as received; `None` when the caller did not ask for bodies (manifest, versions).
    pub body: Option<String>,
    /// Stored effective TLP (for the audit of what was disclosed).
    pub tlp: Option<Tlp>,
    /// SHA-256 of the bytes as stored (`None` for rows stored before it was recorded).
    pub sha256: Option<[u8; 32]>,
    /// Personal-data class of the version as a whole.
    pub pii: tlp::PiiClass,
    /// Set for a version flagged for review at ingest (zones, or references): what a reader
    /// receives of it is decided by redaction ([`tlp::redact`]).
    pub review: Option<Box<Review>>,
}

/// What redaction needs of a row flagged for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub class: Classification,
    /// The bytes, when the query was made without bodies (manifest, versions): redaction
    /// decides even there whether the version is listed and under which id.
    pub body: Option<String>,
}

/// One page of rows in `date_added` order, and whether more rows match after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub rows: Vec<Row>,
    pub more: bool,
}

/// How a stored version arrived when it was not posted: pulled from an upstream server, or
/// relayed by an intermediary from another collection of this server. Recorded beside the
/// version, never inside its bytes (the bytes stay exactly as the originator made them).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hop {
    pub kind: HopKind,
    /// Pulled: the subscription name and the upstream collection's URL. Relayed: the source
    /// collection (`api-root/collection-id`).
    pub from: String,
    /// The organisation: the upstream's (pulled), or the intermediary (relayed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: Micros,
    /// Relayed: the organisations the copy names and why each needs to know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// Filled by the store for pulled versions: collections of this server
    /// (`api-root/collection-id`) that already held this version when it arrived. Such a
    /// version came back round a loop (or by a second route) and is never relayed again from
    /// here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_before: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    Pulled,
    Relayed,
}

/// Objects arriving by federation (a pulled page, or a relay), stored in one transaction with
/// their hops and, when given, the position of the subscription or relay rule that fetched
/// them: the position never runs ahead of the objects it covers, and re-reading a page after a
/// crash finds its objects already stored (duplicates, not copies).
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    pub kind: audit::AuditKind,
    /// The organisation and account the audit entry names (the upstream's organisation for a
    /// pull; the intermediary and its account for a relay).
    pub organisation: Option<String>,
    pub account: Option<String>,
    /// `pull:<subscription>`, `relay`, `relay-rule:<name>`, `import`.
    pub endpoint: String,
    pub time: Micros,
    pub objects: Vec<NewObject>,
    /// One per object, in the same order; none for an import from files (its provenance is
    /// the audit entry: file names, operator, time).
    pub hops: Vec<Hop>,
    /// Objects refused before storage (invalid, or refused by the ingest or relay rules): they
    /// are audited with the arrival.
    pub refused: Vec<StatusDetail>,
    /// Where the objects came from, for the audit entry.
    pub from: Option<String>,
    pub justification: Option<String>,
    /// `(name, position)` saved with the objects.
    pub checkpoint: Option<(String, String)>,
    /// When set, the arrival is stored only if the checkpoint holds this position now (else it
    /// fails with `Conflict` and stores nothing): a caller with several arrivals in flight never
    /// has a later one move the position past an earlier one that failed.
    pub checkpoint_from: Option<String>,
}

/// What happened to one object of an [`Arrival`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrived {
    pub outcome: AddOutcome,
    /// For a stored version: other collections of this server that already held it.
    pub held_before: Vec<String>,
    /// A relay of a version the target held already added recipients to the stored copy.
    pub widened: bool,
}

/// TAXII status resource as stored (T-47 ... T-50).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub id: Uuid,
    pub api_root: String,
    /// Account that made the request (only it and operators may read the status).
    pub account: String,
    /// `true` = `complete`, `false` = `pending`.
    pub complete: bool,
    pub request_timestamp: Micros,
    pub total_count: u64,
    pub successes: Vec<StatusDetail>,
    pub failures: Vec<StatusDetail>,
    pub pendings: Vec<StatusDetail>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDetail {
    pub id: String,
    pub version: String,
    pub message: Option<String>,
}

/// Everything an operator declares in the provisioning file, applied idempotently in one
/// transaction: existing entries are updated, missing ones created, nothing is deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provisioning {
    pub api_roots: Vec<ApiRoot>,
    pub organisations: Vec<Organisation>,
    /// Accounts; a `None` password hash leaves an existing account's password unchanged.
    pub accounts: Vec<Account>,
    pub tokens: Vec<ApiToken>,
    pub collections: Vec<CollectionSpec>,
    /// (organisation id, api root, collection id, read, write).
    pub grants: Vec<(String, String, Uuid, bool, bool)>,
}

/// The storage interface of the server. Every method is a unit of work of its own; writes are
/// atomic.
pub trait Store: Clone + Send + Sync + 'static {
    /// Applies a provisioning declaration (idempotent upsert, one transaction). Fails without
    /// changing anything when it conflicts with stored state (e.g. a collection title already
    /// used by another collection of the API root).
    fn provision(&self, p: Provisioning) -> impl Future<Output = Result<()>> + Send;

    fn api_roots(&self) -> impl Future<Output = Result<Vec<ApiRoot>>> + Send;

    /// Collections of an API root in a stable order (T-32).
    fn collections(&self, api_root: &str) -> impl Future<Output = Result<Vec<Collection>>> + Send;

    /// A collection by id, or by alias (T-56).
    fn collection(
        &self,
        api_root: &str,
        id_or_alias: &str,
    ) -> impl Future<Output = Result<Option<Collection>>> + Send;

    fn account(&self, name: &str) -> impl Future<Output = Result<Option<Account>>> + Send;

    /// Withdraws an organisation's read and write permission on a collection (grants are added
    /// and changed with [`Store::provision`]). Whether there was a grant.
    fn remove_grant(
        &self,
        organisation: &str,
        api_root: &str,
        collection: Uuid,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Every account, by name, with the labels of its API tokens.
    fn accounts(&self) -> impl Future<Output = Result<Vec<(Account, Vec<String>)>>> + Send;

    /// Deletes an account and its API tokens (the audit log keeps what it did). Whether it
    /// existed.
    fn remove_account(&self, name: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Deletes an organisation. Fails with `Conflict`, naming them, while accounts, grants,
    /// owned collections or other organisations' constituencies still refer to it (the audit
    /// log keeps what it did). Whether it existed.
    fn remove_organisation(&self, id: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Deletes a collection with its grants, hops and checkpoints. A collection that holds
    /// object versions is only deleted with `with_objects` (else `Conflict`, with the count);
    /// returns the number of versions deleted, or `None` when there is no such collection.
    fn remove_collection(
        &self,
        api_root: &str,
        id: Uuid,
        with_objects: bool,
    ) -> impl Future<Output = Result<Option<u64>>> + Send;

    /// The account an API token belongs to, by the token's SHA-256.
    fn account_by_token(
        &self,
        sha256: [u8; 32],
    ) -> impl Future<Output = Result<Option<Account>>> + Send;

    /// Grants of an organisation on the collections of an API root.
    fn grants(
        &self,
        organisation: &str,
        api_root: &str,
    ) -> impl Future<Output = Result<Vec<Grant>>> + Send;

    /// Stores objects in one transaction together with the status resource reporting on them;
    /// the outcomes are in input order. The caller passes the status with its id, API root,
    /// account, request time, `total_count` and the failures it found before storage (invalid
    /// objects); the store appends one success or failure per object from the outcomes and
    /// marks it complete (unless the caller listed pendings), so the stored status always
    /// agrees with what was committed.
    ///
    /// Per object: the same id and version with equal content (byte-equal, or equal as JSON
    /// values) is a `Duplicate`; with other content it is `Rejected` (S-37, first stored
    /// wins). An unversioned object equal to any stored version of its id is a `Duplicate`
    /// reporting that version; otherwise it is stored with its `date_added` (as a TAXII
    /// timestamp) as its version. Fails with `NotFound` if the collection does not exist.
    fn add_objects(
        &self,
        collection: &Collection,
        objects: Vec<NewObject>,
        status: StatusRecord,
    ) -> impl Future<Output = Result<(Vec<AddOutcome>, StatusRecord)>> + Send;

    /// One keyset page of the object versions that `filter` selects and `visibility` allows.
    /// `with_bodies` = false for manifests and version lists.
    ///
    /// Order of evaluation (T-90): ids, types, spec versions, `added_after` and visibility
    /// filter rows; without `spec_versions` only each object's latest spec version among those
    /// rows is kept (T-89); then `versions` selects among what is left (so with `added_after`,
    /// `last` is the last version added after it); then `page.after` and `page.limit` cut the
    /// page in `date_added` order. `page.after` is a position only: it never changes which
    /// versions are selected, so consecutive pages reproduce the whole result exactly.
    fn query(
        &self,
        collection: &Collection,
        filter: &ObjectFilter,
        visibility: &Visibility,
        page: PageRequest,
        with_bodies: bool,
    ) -> impl Future<Output = Result<Page>> + Send;

    /// Whether any version of `id` is in the collection and visible (404 vs empty envelope, T-73).
    fn object_exists(
        &self,
        collection: &Collection,
        id: &str,
        visibility: &Visibility,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Deletes the versions of `id` that `filter` selects (its `ids` are ignored; `versions`
    /// `All` deletes the object). Returns the number of versions deleted.
    ///
    /// The selection is the one [`Store::query`] makes with the same filter (so "delete what a
    /// GET with these parameters shows"), except that `versions: All` without `spec_versions`
    /// deletes every version, whatever its spec version.
    fn delete_object(
        &self,
        collection: &Collection,
        id: &str,
        filter: &ObjectFilter,
    ) -> impl Future<Output = Result<u64>> + Send;

    fn status(
        &self,
        api_root: &str,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<StatusRecord>>> + Send;

    /// Deletes the status resources last written before `written_before` (microseconds since
    /// the epoch) and returns how many; afterwards [`Store::status`] finds none of them
    /// (T-46: a status that is gone is a 404).
    fn expire_statuses(&self, written_before: Micros) -> impl Future<Output = Result<u64>> + Send;

    /// Every organisation, with roles and constituencies (the access rules' directory).
    fn organisations(&self) -> impl Future<Output = Result<Vec<Organisation>>> + Send;

    /// The access classification of every stored version of `ids` in the collection, oldest
    /// first (the ingest creator rule, `explain`).
    fn object_access(
        &self,
        collection: &Collection,
        ids: Vec<String>,
    ) -> impl Future<Output = Result<Vec<StoredAccess>>> + Send;

    /// The access facts of every stored version of `ids` (targets of references), in no
    /// particular order: enough to decide, with [`ReadScope::allows`], which of them a reader
    /// may see and whether the last one it may see needs a redaction check.
    fn reference_access(
        &self,
        collection: &Collection,
        ids: Vec<String>,
    ) -> impl Future<Output = Result<Vec<RefAccess>>> + Send;

    /// Appends events to the audit log, in order, committed before this returns. `add_objects`
    /// appends its own ingest entry, right after the objects' commit.
    fn audit(&self, events: Vec<audit::AuditEvent>) -> impl Future<Output = Result<()>> + Send;

    /// Audit entries matching the filter, oldest first.
    fn audit_entries(
        &self,
        filter: audit::AuditFilter,
    ) -> impl Future<Output = Result<Vec<audit::AuditEntry>>> + Send;

    /// Walks the audit chain and reports the first entry that does not fit.
    fn verify_audit(&self) -> impl Future<Output = Result<audit::AuditReport>> + Send;

    /// Stores objects that arrived by federation, with their hops and the checkpoint, in one
    /// transaction, and appends the audit entry reporting them once committed (none when the
    /// arrival holds no object and no refusal). Stored and
    /// duplicate objects follow the rules of [`Store::add_objects`]; no status resource is
    /// written. A relayed version the target holds already gets the relay's recipients added
    /// to its own (never removed), and a hop.
    fn add_arrival(
        &self,
        collection: &Collection,
        arrival: Arrival,
    ) -> impl Future<Output = Result<Vec<Arrived>>> + Send;

    /// The position saved under `name` by [`Store::add_arrival`], if any.
    fn checkpoint(&self, name: &str) -> impl Future<Output = Result<Option<String>>> + Send;

    /// The hops of the stored versions of `id` in the collection, by version (oldest first).
    fn hops(
        &self,
        collection: &Collection,
        id: &str,
    ) -> impl Future<Output = Result<Vec<(String, Hop)>>> + Send;

    /// A random 32-byte key created once per database, used to authenticate `next` cursors;
    /// shared by every server node of one database.
    fn server_key(&self) -> impl Future<Output = Result<[u8; 32]>> + Send;
}
