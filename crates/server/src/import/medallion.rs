//! Import of another TAXII server's data into a [`Store`]: the data file of the OASIS reference
//! server medallion (`medallion/test/data/default_data.json` and files saved by its memory
//! backend).
//!
//! That format is one JSON object: `"/discovery"` (the discovery resource) and one member per
//! API root, named by the root's path segment, holding `information` (the API root resource),
//! `status` (status resources) and `collections` (collection resources, each with its
//! `objects` and the `manifest` records that carry every object version's `date_added`).
//!
//! What the import does:
//! - **API roots and collections** are provisioned (idempotent upsert) under the member names
//!   as paths. The `http://localhost:5000/...` URLs in `"/discovery"` only name the roots: they
//!   are cross-checked against the members, and the discovery texts and the default root are
//!   returned in the [`ImportReport`] for the caller's server settings (Schakel's discovery
//!   resource comes from its configuration, not from the store).
//! - **Collection ids** are accepted as any UUID, not only version 4 (T-28 wants v4 for ids a
//!   server creates; medallion's data has `365fed99-08fa-fdcd-...`, whose version nibble is
//!   `f`, and clients already know the collections by these ids).
//! - **Grants**: the organisation named in [`ImportOptions`] gets read and write according to
//!   medallion's static `can_read`/`can_write` (no grant when both are false, so such a
//!   collection does not exist for it: 404, as for every collection without a grant).
//! - **Objects** are stored as the exact bytes they have in the file, with the `date_added` of
//!   their manifest record kept ([`store::NewObject::keep_date_added`]), in `date_added` order.
//!   Schakel keeps `date_added` unique and strictly increasing per collection (DESIGN.md
//!   section 3); where the file has the same `date_added` twice in one collection (medallion's
//!   own data does, for the 2.0 and 2.1 versions of one malware), the later record gets the
//!   next free microsecond, and the report lists each such adjustment.
//!   `spec_version` comes from the object, else from the record's `media_type`
//!   (`application/stix+json;version=2.0` for STIX 2.0 objects, which have no `spec_version`),
//!   else 2.1. Objects are checked with the STIX 2.1 validator, but only to warn: the data is
//!   imported as it is, STIX 2.0 objects included (they are not validated).
//! - **Statuses** are stored under the given account (only it and operators can read them).
//!   Schakel derives `complete`/`pending` from the pending list, so a `pending` status without
//!   pending objects is imported as `complete` (with a warning); a missing `total_count`
//!   (medallion's data once spelt it `total_objects`) is taken from that, or from the lists.
//! - Each batch of objects is stored with a status resource of its own (the store writes a
//!   batch and the status reporting on it together), under the same account; their ids are
//!   in the report.
//!
//! Importing the same file again changes nothing: identical objects are duplicates (T-69),
//! provisioning and statuses are upserts.

use serde::Deserialize;
use serde_json::value::RawValue;
use stix::StixTimestamp;
use stix::raw::ShallowObject;
use stix::validate::validate_object_json;
use store::{
    AddOutcome, ApiRoot, CollectionSpec, Micros, NewObject, Provisioning, StatusDetail,
    StatusRecord, Store, Version,
};
use taxii::time::parse_added_after;
use uuid::Uuid;

use crate::config::is_slug;

/// Objects stored per `add_objects` call.
const BATCH: usize = 1000;

/// Why an import failed. Nothing is half-provisioned by a format error: the whole file is
/// read and checked before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a medallion data file: {0}")]
    Format(String),
    #[error("storage: {0}")]
    Store(#[from] store::StoreError),
}

fn format_err(msg: impl Into<String>) -> ImportError {
    ImportError::Format(msg.into())
}

/// Who the imported data belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Organisation (already provisioned) that gets medallion's `can_read`/`can_write` on
    /// every imported collection.
    pub organisation: String,
    /// Account (already provisioned) that imported statuses, and the statuses of the import
    /// batches, belong to.
    pub status_account: String,
}

/// The discovery texts of the file, for the caller's server settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiscoveryInfo {
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    /// The path of the default API root, when `default` names an imported root.
    pub default_api_root: Option<String>,
}

/// A `date_added` that had to move to keep `date_added` strictly increasing per collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustedDateAdded {
    pub collection: Uuid,
    pub object: String,
    pub version: String,
    pub spec_version: String,
    /// As in the file.
    pub original: Micros,
    /// As stored.
    pub stored: Micros,
}

/// One imported collection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportedCollection {
    pub api_root: String,
    pub id: Uuid,
    pub title: String,
    /// Object versions stored now.
    pub added: usize,
    /// Object versions already stored with the same content (a repeated import).
    pub duplicates: usize,
    /// Object versions the store refused, with the reason.
    pub rejected: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub discovery: Option<DiscoveryInfo>,
    /// Paths, in file order.
    pub api_roots: Vec<String>,
    pub collections: Vec<ImportedCollection>,
    pub adjusted: Vec<AdjustedDateAdded>,
    /// Status resources imported from the file.
    pub statuses: Vec<Uuid>,
    /// Status resources written for the import batches.
    pub batch_statuses: Vec<Uuid>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct DiscoveryIn {
    title: String,
    description: Option<String>,
    contact: Option<String>,
    default: Option<String>,
    #[serde(default)]
    api_roots: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct RootIn<'a> {
    information: InformationIn,
    #[serde(default)]
    status: Vec<StatusIn>,
    #[serde(default, borrow)]
    collections: Vec<CollectionIn<'a>>,
}

#[derive(Debug, Deserialize)]
struct InformationIn {
    title: String,
    description: Option<String>,
    max_content_length: u64,
}

#[derive(Debug, Deserialize)]
struct CollectionIn<'a> {
    id: String,
    title: String,
    description: Option<String>,
    alias: Option<String>,
    #[serde(default)]
    can_read: bool,
    #[serde(default)]
    can_write: bool,
    #[serde(default)]
    media_types: Vec<String>,
    #[serde(default, borrow)]
    objects: Vec<&'a RawValue>,
    #[serde(default)]
    manifest: Vec<ManifestIn>,
}

#[derive(Debug, Deserialize)]
struct ManifestIn {
    id: String,
    date_added: String,
    version: String,
    media_type: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StatusIn {
    id: String,
    status: String,
    request_timestamp: Option<String>,
    total_count: Option<u64>,
    total_objects: Option<u64>,
    #[serde(default)]
    successes: Vec<DetailIn>,
    #[serde(default)]
    failures: Vec<DetailIn>,
    #[serde(default)]
    pendings: Vec<DetailIn>,
}

#[derive(Debug, Deserialize)]
struct DetailIn {
    id: String,
    #[serde(default)]
    version: String,
    message: Option<String>,
}

/// A medallion data file, read and checked; object texts borrow from the file.
#[derive(Debug)]
pub struct MedallionData<'a> {
    discovery: Option<DiscoveryIn>,
    roots: Vec<(String, RootIn<'a>)>,
}

impl<'a> MedallionData<'a> {
    /// Reads a medallion data file. Fails on anything that cannot be imported faithfully:
    /// a root name that cannot be a Schakel API root path, a collection id that is not a
    /// UUID, an unreadable timestamp.
    pub fn parse(text: &'a str) -> Result<MedallionData<'a>, ImportError> {
        let top: ShallowObject<'a> =
            serde_json::from_str(text).map_err(|e| format_err(format!("{e}")))?;
        if let Some(dup) = top.duplicate_names().first() {
            return Err(format_err(format!("member {dup:?} appears twice")));
        }
        let mut discovery = None;
        let mut roots = Vec::new();
        for (name, raw) in &top.members {
            if name == "/discovery" {
                discovery = Some(
                    serde_json::from_str::<DiscoveryIn>(raw.get())
                        .map_err(|e| format_err(format!("\"/discovery\": {e}")))?,
                );
                continue;
            }
            if !is_slug(name) || name == "taxii2" {
                return Err(format_err(format!(
                    "API root {name:?}: a Schakel API root path is lowercase letters, digits, '-' and '_' (and not 'taxii2')"
                )));
            }
            let root: RootIn<'a> = serde_json::from_str(raw.get())
                .map_err(|e| format_err(format!("API root {name:?}: {e}")))?;
            if root.information.max_content_length == 0 {
                return Err(format_err(format!(
                    "API root {name:?}: max_content_length must be positive"
                )));
            }
            for c in &root.collections {
                Uuid::parse_str(&c.id).map_err(|_| {
                    format_err(format!(
                        "API root {name:?}: collection id {:?} is not a UUID",
                        c.id
                    ))
                })?;
                for m in &c.manifest {
                    parse_added_after(&m.date_added).map_err(|_| {
                        format_err(format!(
                            "collection {}: manifest record of {} has date_added {:?}, not a timestamp",
                            c.id, m.id, m.date_added
                        ))
                    })?;
                }
            }
            for s in &root.status {
                Uuid::parse_str(&s.id).map_err(|_| {
                    format_err(format!(
                        "API root {name:?}: status id {:?} is not a UUID",
                        s.id
                    ))
                })?;
            }
            roots.push((name.to_string(), root));
        }
        Ok(MedallionData { discovery, roots })
    }
}

/// Reads and imports a medallion data file (see the module documentation).
pub async fn import_medallion_str<S: Store>(
    store: &S,
    text: &str,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let data = MedallionData::parse(text)?;
    import_medallion(store, &data, opts).await
}

/// Imports parsed medallion data into `store` (see the module documentation). The
/// organisation and account of `opts` must already be provisioned.
pub async fn import_medallion<S: Store>(
    store: &S,
    data: &MedallionData<'_>,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport {
        api_roots: data.roots.iter().map(|(n, _)| n.clone()).collect(),
        ..ImportReport::default()
    };
    report.discovery = data
        .discovery
        .as_ref()
        .map(|d| discovery_info(d, &report.api_roots, &mut report.warnings));

    // Structure first, in one provisioning transaction.
    let mut p = Provisioning::default();
    for (path, root) in &data.roots {
        p.api_roots.push(ApiRoot {
            path: path.clone(),
            title: root.information.title.clone(),
            description: root.information.description.clone(),
            max_content_length: root.information.max_content_length,
        });
        for c in &root.collections {
            let id = parse_uuid(&c.id)?;
            p.collections.push(CollectionSpec {
                api_root: path.clone(),
                id,
                title: c.title.clone(),
                description: c.description.clone(),
                alias: c.alias.clone(),
                media_types: c.media_types.clone(),
                owner: None,
                policy: tlp::CollectionPolicy::default(),
            });
            if c.can_read || c.can_write {
                p.grants.push((
                    opts.organisation.clone(),
                    path.clone(),
                    id,
                    c.can_read,
                    c.can_write,
                ));
            }
        }
    }
    store.provision(p).await?;

    for (path, root) in &data.roots {
        let stored = store.collections(path).await?;
        for c in &root.collections {
            let id = parse_uuid(&c.id)?;
            let collection = stored.iter().find(|s| s.id == id).ok_or_else(|| {
                ImportError::Store(store::StoreError::NotFound(format!("collection {id}")))
            })?;
            let imported = import_objects(store, collection, c, opts, &mut report).await?;
            report.collections.push(imported);
        }
        for s in &root.status {
            let Some(collection) = stored.first() else {
                report.warnings.push(format!(
                    "API root {path:?} has no collection: status {} not imported",
                    s.id
                ));
                continue;
            };
            let record = status_record(path, s, opts, &mut report.warnings)?;
            let id = record.id;
            store.add_objects(collection, Vec::new(), record).await?;
            report.statuses.push(id);
        }
    }
    Ok(report)
}

fn parse_uuid(s: &str) -> Result<Uuid, ImportError> {
    Uuid::parse_str(s).map_err(|_| format_err(format!("{s:?} is not a UUID")))
}

/// The last path segment of an API root URL (`http://localhost:5000/trustgroup1/` or
/// `/trustgroup1/`).
fn root_path_of(url: &str) -> Option<&str> {
    let after_scheme = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    after_scheme
        .split(['?', '#'])
        .next()?
        .split('/')
        .rfind(|s| !s.is_empty())
}

fn discovery_info(d: &DiscoveryIn, roots: &[String], warnings: &mut Vec<String>) -> DiscoveryInfo {
    for url in &d.api_roots {
        match root_path_of(url) {
            Some(p) if roots.iter().any(|r| r == p) => {}
            _ => warnings.push(format!(
                "discovery lists API root {url:?}, which the file does not hold"
            )),
        }
    }
    let default_api_root = d.default.as_deref().and_then(|url| {
        let p = root_path_of(url).filter(|p| roots.iter().any(|r| r == p));
        if p.is_none() {
            warnings.push(format!(
                "discovery default {url:?} is not an API root of the file"
            ));
        }
        p.map(str::to_owned)
    });
    DiscoveryInfo {
        title: d.title.clone(),
        description: d.description.clone(),
        contact: d.contact.clone(),
        default_api_root,
    }
}

/// The spec version named by a media type's `version` parameter.
fn media_type_version(media_type: &str) -> Option<&str> {
    media_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("version")).then(|| v.trim().trim_matches('"'))
    })
}

/// A manifest record of the file.
struct Record {
    id: String,
    /// The version as an instant (`None` when it is not a timestamp).
    version: Option<Micros>,
    /// From the `media_type`'s `version` parameter.
    spec: Option<String>,
    date_added: Micros,
    /// Matched to an object already.
    used: bool,
}

/// One object version on its way into the store.
struct Entry {
    object: NewObject,
    /// From the manifest; `None` when the file has no record for it.
    date_added: Option<Micros>,
    /// Position of its manifest record, then of the object, in the file: ties of
    /// `date_added` keep manifest order.
    position: (usize, usize),
}

async fn import_objects<S: Store>(
    store: &S,
    collection: &store::Collection,
    c: &CollectionIn<'_>,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<ImportedCollection, ImportError> {
    let mut out = ImportedCollection {
        api_root: collection.api_root.clone(),
        id: collection.id,
        title: collection.title.clone(),
        ..ImportedCollection::default()
    };
    // Manifest records, each matched to at most one object.
    let mut records: Vec<Record> = c
        .manifest
        .iter()
        .map(|m| Record {
            id: m.id.clone(),
            version: StixTimestamp::parse(&m.version)
                .ok()
                .map(|t| t.micros())
                .or_else(|| parse_added_after(&m.version).ok()),
            spec: m
                .media_type
                .as_deref()
                .and_then(media_type_version)
                .map(str::to_owned),
            // Checked by `MedallionData::parse`.
            date_added: parse_added_after(&m.date_added).unwrap_or_default(),
            used: false,
        })
        .collect();

    let dir = store::directory(store).await?;
    let mut entries = Vec::with_capacity(c.objects.len());
    for (position, raw) in c.objects.iter().enumerate() {
        let report_v = validate_object_json(raw.get())
            .map_err(|e| format_err(format!("collection {}: object {position}: {e}", c.id)))?;
        let Some(index) = report_v.index.as_ref() else {
            report.warnings.push(format!(
                "collection {}: object {position} has no readable type and id: not imported",
                c.id
            ));
            continue;
        };
        let id = index.id.to_string();
        let version = index.version().map(|v| Version {
            text: v.as_str().to_owned(),
            micros: v.micros(),
        });
        let explicit_spec = index.spec_version.as_deref().map(str::to_owned);
        // The manifest record of this version: same id and version instant, and the same
        // spec version when the object names one.
        let pick = records.iter().position(|r| {
            !r.used
                && r.id == id
                && (version.is_none() || r.version == version.as_ref().map(|v| v.micros))
                && (explicit_spec.is_none() || r.spec.is_none() || r.spec == explicit_spec)
        });
        let (date_added, record_spec, record_position) = match pick {
            Some(i) => {
                records[i].used = true;
                (Some(records[i].date_added), records[i].spec.clone(), i)
            }
            None => {
                report.warnings.push(format!(
                    "collection {}: {id} version {} has no manifest record: imported with a new date_added",
                    c.id,
                    version.as_ref().map_or("(unversioned)", |v| v.text.as_str())
                ));
                (None, None, usize::MAX)
            }
        };
        let spec_version = explicit_spec
            .or(record_spec)
            .unwrap_or_else(|| "2.1".to_owned());
        if spec_version == "2.1" {
            let errors: Vec<String> = report_v
                .findings
                .iter()
                .filter(|f| f.is_error())
                .map(|f| format!("{} {}: {}", f.rule, f.pointer, f.message))
                .collect();
            if !errors.is_empty() {
                report.warnings.push(format!(
                    "collection {}: {id} is not valid STIX 2.1 ({}); imported as it is",
                    c.id,
                    errors.join("; ")
                ));
            }
        }
        // Imported data is classified by the ingest rules (TLP, personal data, granular
        // zones, references) with the collection's policy. Its originator is unknown
        // here (another server's export names no Schakel organisation), so no originator rule
        // applies; an unmarked object gets the default policy's TLP, recorded as defaulted.
        let markings: Vec<String> = index
            .object_marking_refs
            .iter()
            .map(|m| m.to_string())
            .collect();
        let (access, refused) = crate::ingest::classify_foreign(
            index.type_name.as_ref(),
            &id,
            raw.get(),
            &markings,
            &collection.policy,
            &dir,
        );
        if let Some(why) = refused {
            report.warnings.push(format!(
                "collection {}: {id}: {why}; imported visible to operators only",
                c.id
            ));
        }
        entries.push(Entry {
            object: NewObject {
                id,
                type_name: index.type_name.to_string(),
                spec_version,
                version,
                body: raw.get().to_owned(),
                access,
                keep_date_added: None,
            },
            date_added,
            position: (record_position, position),
        });
    }
    for r in records.iter().filter(|r| !r.used) {
        report.warnings.push(format!(
            "collection {}: a manifest record of {} has no object: ignored",
            c.id, r.id
        ));
    }

    // date_added order (manifest order for ties), then strictly increasing.
    entries.sort_by_key(|e| (e.date_added.is_none(), e.date_added, e.position));
    let mut prev: Option<Micros> = None;
    for e in &mut entries {
        let Some(original) = e.date_added else {
            continue;
        };
        let stored = prev.map_or(original, |p| original.max(p.saturating_add(1)));
        if stored != original {
            report.adjusted.push(AdjustedDateAdded {
                collection: collection.id,
                object: e.object.id.clone(),
                version: e
                    .object
                    .version
                    .as_ref()
                    .map_or_else(String::new, |v| v.text.clone()),
                spec_version: e.object.spec_version.clone(),
                original,
                stored,
            });
        }
        e.object.keep_date_added = Some(stored);
        prev = Some(stored);
    }

    let objects: Vec<NewObject> = entries.into_iter().map(|e| e.object).collect();
    for batch in objects.chunks(BATCH) {
        let status = StatusRecord {
            id: Uuid::new_v4(),
            api_root: collection.api_root.clone(),
            account: opts.status_account.clone(),
            complete: false,
            request_timestamp: now_micros(),
            total_count: batch.len() as u64,
            successes: Vec::new(),
            failures: Vec::new(),
            pendings: Vec::new(),
        };
        report.batch_statuses.push(status.id);
        let (outcomes, _) = store
            .add_objects(collection, batch.to_vec(), status)
            .await?;
        for (o, obj) in outcomes.iter().zip(batch) {
            match o {
                AddOutcome::Added { .. } => out.added += 1,
                AddOutcome::Duplicate { .. } => out.duplicates += 1,
                AddOutcome::Rejected { reason, .. } => {
                    out.rejected.push(format!("{}: {reason}", obj.id));
                }
            }
        }
    }
    Ok(out)
}

fn status_record(
    api_root: &str,
    s: &StatusIn,
    opts: &ImportOptions,
    warnings: &mut Vec<String>,
) -> Result<StatusRecord, ImportError> {
    let details = |v: &[DetailIn]| -> Vec<StatusDetail> {
        v.iter()
            .map(|d| StatusDetail {
                id: d.id.clone(),
                version: d.version.clone(),
                message: d.message.clone(),
            })
            .collect()
    };
    let listed = (s.successes.len() + s.failures.len() + s.pendings.len()) as u64;
    let total_count = s.total_count.or(s.total_objects).unwrap_or(listed);
    if s.status == "pending" && s.pendings.is_empty() {
        warnings.push(format!(
            "status {} is 'pending' without pending objects: imported as 'complete'",
            s.id
        ));
    }
    if s.status == "complete" && !s.pendings.is_empty() {
        warnings.push(format!(
            "status {} is 'complete' with pending objects: imported as 'pending'",
            s.id
        ));
    }
    let request_timestamp = match &s.request_timestamp {
        Some(t) => parse_added_after(t).map_err(|_| {
            format_err(format!(
                "status {}: request_timestamp {t:?} is not a timestamp",
                s.id
            ))
        })?,
        None => now_micros(),
    };
    Ok(StatusRecord {
        id: parse_uuid(&s.id)?,
        api_root: api_root.to_owned(),
        account: opts.status_account.clone(),
        complete: s.pendings.is_empty(),
        request_timestamp,
        total_count,
        successes: details(&s.successes),
        failures: details(&s.failures),
        pendings: details(&s.pendings),
    })
}

fn now_micros() -> Micros {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_paths_from_urls() {
        assert_eq!(
            root_path_of("http://localhost:5000/trustgroup1/"),
            Some("trustgroup1")
        );
        assert_eq!(root_path_of("https://h/api1"), Some("api1"));
        assert_eq!(root_path_of("/api2/"), Some("api2"));
        assert_eq!(root_path_of("http://localhost:5000/"), None);
    }

    #[test]
    fn media_type_versions() {
        assert_eq!(
            media_type_version("application/stix+json;version=2.0"),
            Some("2.0")
        );
        assert_eq!(
            media_type_version("application/stix+json; version=\"2.1\""),
            Some("2.1")
        );
        assert_eq!(media_type_version("application/stix+json"), None);
    }

    #[test]
    fn refuses_what_cannot_be_imported() {
        let bad_root = r#"{"Api 1": {"information": {"title": "t", "max_content_length": 1}}}"#;
        assert!(matches!(
            MedallionData::parse(bad_root),
            Err(ImportError::Format(_))
        ));
        let bad_id = r#"{"api1": {"information": {"title": "t", "max_content_length": 1},
            "collections": [{"id": "not-a-uuid", "title": "c"}]}}"#;
        assert!(matches!(
            MedallionData::parse(bad_id),
            Err(ImportError::Format(_))
        ));
        let bad_time = r#"{"api1": {"information": {"title": "t", "max_content_length": 1},
            "collections": [{"id": "365fed99-08fa-fdcd-a1b3-fb247eb41d01", "title": "c",
            "manifest": [{"id": "x--1", "date_added": "yesterday", "version": "v"}]}]}}"#;
        assert!(matches!(
            MedallionData::parse(bad_time),
            Err(ImportError::Format(_))
        ));
        let ok = r#"{"api1": {"information": {"title": "t", "max_content_length": 1},
            "collections": [{"id": "365fed99-08fa-fdcd-a1b3-fb247eb41d01", "title": "c"}]}}"#;
        let d = MedallionData::parse(ok).unwrap();
        assert_eq!(d.roots.len(), 1);
    }
}
