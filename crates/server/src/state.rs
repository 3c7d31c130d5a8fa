//! Shared server state: the store, the authenticator, settings, and short-lived caches of
//! the provisioned structure (API roots, collections, grants) so the read path does not query
//! the database for them on every request.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use store::{ApiRoot, Collection, Grant, Store};
use taxii::cursor::CursorKey;
use taxii::error::TaxiiError;

use crate::auth::{Authenticator, Principal};

/// How long cached provisioning data is trusted. Changes made while the server runs (CLI
/// provisioning) are visible after at most this long.
const STRUCTURE_TTL: Duration = Duration::from_secs(5);

/// What a reader (an organisation, with an account's individual identity and operator flag)
/// may see in a collection, read from the store without the server's caches: for the CLI and
/// for federation, which run outside a request. [`AppState::read_scope`] is the cached form.
pub async fn scope_in<S: Store>(
    store: &S,
    dir: &tlp::Directory,
    org: &tlp::Organisation,
    identity: Option<&str>,
    operator: bool,
    collection: &Collection,
    day: chrono::NaiveDate,
) -> Result<tlp::ReadScope, store::StoreError> {
    let read = store
        .grants(&org.id, &collection.api_root)
        .await?
        .iter()
        .any(|g| g.collection_key == collection.key && g.read);
    let reader = tlp::Reader::Account {
        org,
        identity,
        operator,
        personal: tlp::PersonalAccess::on(&org.designations, day),
    };
    Ok(tlp::ReadScope::of(&reader, &collection.policy, read, dir))
}

/// Settings the handlers need.
#[derive(Debug, Clone)]
pub struct Settings {
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub default_api_root: Option<String>,
    pub default_page_size: u64,
    pub max_page_size: u64,
    /// `created_by_ref` of redacted objects.
    pub identity: String,
    /// The database files, whose size `/metrics` reports.
    pub store_files: Vec<std::path::PathBuf>,
}

/// The server's clock. Designations are evaluated on the day of each request; tests set the
/// time to show a designation taking effect.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<std::sync::atomic::AtomicI64>>);

impl Clock {
    /// A clock standing at `micros` (since the Unix epoch) until [`Clock::set`].
    pub fn fixed(micros: i64) -> Clock {
        Clock(Some(Arc::new(std::sync::atomic::AtomicI64::new(micros))))
    }

    /// Moves a fixed clock; no effect on the system clock.
    pub fn set(&self, micros: i64) {
        if let Some(t) = &self.0 {
            t.store(micros, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn now_micros(&self) -> i64 {
        match &self.0 {
            Some(t) => t.load(std::sync::atomic::Ordering::Relaxed),
            None => chrono::Utc::now().timestamp_micros(),
        }
    }

    /// Today (UTC).
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::DateTime::from_timestamp_micros(self.now_micros())
            .unwrap_or_default()
            .date_naive()
    }
}

/// What a requester may do with a collection (T-54: computed per requester).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permissions {
    pub read: bool,
    pub write: bool,
}

impl Permissions {
    pub fn any(self) -> bool {
        self.read || self.write
    }
}

#[derive(Debug, Default)]
struct Structure {
    roots: Vec<ApiRoot>,
    collections: HashMap<String, Vec<Collection>>,
    /// Every organisation, as the access rules see them.
    directory: Arc<tlp::Directory>,
}

/// Application state shared by all workers.
#[derive(Debug)]
pub struct AppState<S> {
    pub store: S,
    pub auth: Authenticator<S>,
    pub settings: Settings,
    pub cursor_key: CursorKey,
    pub clock: Clock,
    /// Access columns of referenced objects, for redaction ([`crate::redaction::RefCache`]).
    pub refs: crate::redaction::RefCache,
    pub metrics: crate::metrics::Metrics,
    structure: RwLock<Option<(Instant, Arc<Structure>)>>,
    grants: RwLock<GrantCache>,
}

/// (organisation, API root) -> when loaded, the organisation's grants there.
type GrantCache = HashMap<(String, String), (Instant, Arc<Vec<Grant>>)>;

impl<S: Store> AppState<S> {
    pub fn new(store: S, settings: Settings, cursor_key: CursorKey, clock: Clock) -> Self {
        AppState {
            auth: Authenticator::new(store.clone()),
            store,
            settings,
            cursor_key,
            clock,
            refs: crate::redaction::RefCache::default(),
            metrics: crate::metrics::Metrics::default(),
            structure: RwLock::new(None),
            grants: RwLock::new(HashMap::new()),
        }
    }

    async fn structure(&self) -> Result<Arc<Structure>, TaxiiError> {
        if let Ok(guard) = self.structure.read()
            && let Some((at, s)) = guard.as_ref()
            && at.elapsed() < STRUCTURE_TTL
        {
            return Ok(s.clone());
        }
        let roots = self.store.api_roots().await.map_err(internal)?;
        let mut collections = HashMap::new();
        for r in &roots {
            collections.insert(
                r.path.clone(),
                self.store.collections(&r.path).await.map_err(internal)?,
            );
        }
        let directory = Arc::new(store::directory(&self.store).await.map_err(internal)?);
        let s = Arc::new(Structure {
            roots,
            collections,
            directory,
        });
        if let Ok(mut guard) = self.structure.write() {
            *guard = Some((Instant::now(), s.clone()));
        }
        Ok(s)
    }

    /// Forget cached structure (after provisioning).
    pub fn invalidate(&self) {
        if let Ok(mut g) = self.structure.write() {
            *g = None;
        }
        if let Ok(mut g) = self.grants.write() {
            g.clear();
        }
    }

    async fn grants_of(
        &self,
        organisation: &str,
        api_root: &str,
    ) -> Result<Arc<Vec<Grant>>, TaxiiError> {
        let key = (organisation.to_owned(), api_root.to_owned());
        if let Ok(guard) = self.grants.read()
            && let Some((at, g)) = guard.get(&key)
            && at.elapsed() < STRUCTURE_TTL
        {
            return Ok(g.clone());
        }
        let g = Arc::new(
            self.store
                .grants(organisation, api_root)
                .await
                .map_err(internal)?,
        );
        if let Ok(mut guard) = self.grants.write() {
            guard.insert(key, (Instant::now(), g.clone()));
        }
        Ok(g)
    }

    /// API roots the principal may see: those where its organisation has a grant (operators:
    /// all). T-39 allows filtering discovery per client.
    pub async fn visible_roots(&self, p: &Principal) -> Result<Vec<ApiRoot>, TaxiiError> {
        let s = self.structure().await?;
        let mut out = Vec::new();
        for r in &s.roots {
            if p.operator || !self.grants_of(&p.organisation, &r.path).await?.is_empty() {
                out.push(r.clone());
            }
        }
        Ok(out)
    }

    /// An API root the principal may see, or 404 (T-45: unknown and invisible look the same).
    pub async fn api_root(&self, p: &Principal, path: &str) -> Result<ApiRoot, TaxiiError> {
        let s = self.structure().await?;
        let root = s
            .roots
            .iter()
            .find(|r| r.path == path)
            .cloned()
            .ok_or_else(not_found_root)?;
        if p.operator || !self.grants_of(&p.organisation, path).await?.is_empty() {
            Ok(root)
        } else {
            Err(not_found_root())
        }
    }

    /// Collections of a root with the principal's permissions, those it has any grant on.
    pub async fn collections(
        &self,
        p: &Principal,
        root: &ApiRoot,
    ) -> Result<Vec<(Collection, Permissions)>, TaxiiError> {
        let s = self.structure().await?;
        let mut out = Vec::new();
        for c in s.collections.get(&root.path).into_iter().flatten() {
            let perms = self.permissions(p, c).await?;
            if perms.any() {
                out.push((c.clone(), perms));
            }
        }
        Ok(out)
    }

    /// A collection by id or alias with the principal's permissions; 404 when unknown or when
    /// the principal has no grant at all on it (DESIGN.md section 4: invisible = absent).
    pub async fn collection(
        &self,
        p: &Principal,
        root: &ApiRoot,
        id_or_alias: &str,
    ) -> Result<(Collection, Permissions), TaxiiError> {
        let s = self.structure().await?;
        let found = s
            .collections
            .get(&root.path)
            .and_then(|cs| {
                cs.iter().find(|c| {
                    c.id.to_string() == id_or_alias.to_ascii_lowercase()
                        || c.alias.as_deref() == Some(id_or_alias)
                })
            })
            .cloned();
        let collection = match found {
            Some(c) => c,
            // Not in the cache: it may have been provisioned a moment ago.
            None => self
                .store
                .collection(&root.path, id_or_alias)
                .await
                .map_err(internal)?
                .ok_or_else(not_found_collection)?,
        };
        let perms = self.permissions(p, &collection).await?;
        if !perms.any() {
            return Err(not_found_collection());
        }
        Ok((collection, perms))
    }

    pub async fn permissions(
        &self,
        p: &Principal,
        c: &Collection,
    ) -> Result<Permissions, TaxiiError> {
        if p.operator {
            return Ok(Permissions {
                read: true,
                write: true,
            });
        }
        let grants = self.grants_of(&p.organisation, &c.api_root).await?;
        Ok(grants.iter().find(|g| g.collection_key == c.key).map_or(
            Permissions {
                read: false,
                write: false,
            },
            |g| Permissions {
                read: g.read,
                write: g.write,
            },
        ))
    }

    /// A public collection by API root and id or alias (anonymous reads), if there is one.
    pub async fn public_collection(
        &self,
        root: &str,
        id_or_alias: &str,
    ) -> Result<Option<Collection>, TaxiiError> {
        let s = self.structure().await?;
        Ok(s.collections
            .get(root)
            .and_then(|cs| {
                cs.iter().find(|c| {
                    c.policy.public
                        && (c.id.to_string() == id_or_alias.to_ascii_lowercase()
                            || c.alias.as_deref() == Some(id_or_alias))
                })
            })
            .cloned())
    }

    /// The organisations, for the access rules.
    pub async fn directory(&self) -> Result<Arc<tlp::Directory>, TaxiiError> {
        Ok(self.structure().await?.directory.clone())
    }

    /// What the principal may see in a collection, and its relation to it (for the audit).
    pub async fn read_scope(
        &self,
        p: &Principal,
        c: &Collection,
        perms: Permissions,
    ) -> Result<(tlp::ReadScope, tlp::Relation), TaxiiError> {
        let dir = self.directory().await?;
        let org = dir.organisation(&p.organisation);
        let reader = tlp::Reader::Account {
            org: &org,
            identity: p.identity.as_deref(),
            operator: p.operator,
            personal: tlp::PersonalAccess::on(&org.designations, self.clock.today()),
        };
        Ok(tlp::ReadScope::with_relation(
            &reader, &c.policy, perms.read, &dir,
        ))
    }

    /// Page size for a request (T-85: never more than asked; server maximum applies).
    pub fn page_size(&self, requested: Option<u64>) -> usize {
        let n = requested
            .unwrap_or(self.settings.default_page_size)
            .min(self.settings.max_page_size)
            .max(1);
        usize::try_from(n).unwrap_or(usize::MAX)
    }
}

pub fn internal(e: store::StoreError) -> TaxiiError {
    tracing::error!(error = %e, "store error");
    match e {
        store::StoreError::ShuttingDown => {
            TaxiiError::Unavailable("the server is shutting down".into())
        }
        store::StoreError::Unavailable(_) => {
            TaxiiError::Unavailable("storage is unavailable".into())
        }
        other => TaxiiError::Internal(other.to_string()),
    }
}

fn not_found_root() -> TaxiiError {
    TaxiiError::NotFound("no such API root".into())
}

fn not_found_collection() -> TaxiiError {
    TaxiiError::NotFound("no such collection".into())
}
