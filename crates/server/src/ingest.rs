//! The ingest path (DESIGN.md section 2): read the envelope into raw slices, validate each
//! object with the STIX validator, and prepare the bytes as received for the store. Every
//! object gets its own outcome in the status resource; an invalid object never stops the
//! valid ones (T-70).

use std::collections::HashMap;

use actix_web::web;
use serde_json::Value;
use serde_json::value::RawValue;
use stix::raw::{ShallowObject, line_column, split_array};
use stix::registry::{self, WellKnownKind};
use stix::validate::validate_object_json;
use store::{
    Classification, Collection, NewObject, PageRequest, StatusDetail, Store, Version, Visibility,
};
use taxii::error::TaxiiError;
use tlp::ingest::{Existing, Incoming, MarkingKind, Poster};

/// At most this many error findings are quoted in one failure message.
const FINDINGS_IN_MESSAGE: usize = 5;

/// Reads a request body, refusing anything larger than the API root's `max_content_length`
/// (413, T-44: never for a smaller body). A declared `Content-Length` above the limit is refused
/// before reading.
pub async fn read_body(
    payload: web::Payload,
    limit: u64,
    declared: Option<u64>,
) -> Result<web::Bytes, TaxiiError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(TaxiiError::PayloadTooLarge { limit });
    }
    match payload
        .to_bytes_limited(usize::try_from(limit).unwrap_or(usize::MAX))
        .await
    {
        Err(_) => Err(TaxiiError::PayloadTooLarge { limit }),
        Ok(Err(e)) => Err(TaxiiError::BadRequest(format!(
            "could not read the request body: {e}"
        ))),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// Objects ready for the store, and the objects refused before storage.
#[derive(Debug, Default)]
pub struct Prepared {
    pub objects: Vec<NewObject>,
    /// What the access rules need of each object in `objects` (same order).
    pub meta: Vec<Meta>,
    pub failures: Vec<StatusDetail>,
    pub total: u64,
}

/// The access-relevant parts of a prepared object.
#[derive(Debug, Default, Clone)]
pub struct Meta {
    /// Position in the envelope's `objects`.
    pub index: usize,
    /// Byte offset of the object in the body.
    pub offset: usize,
    pub created_by_ref: Option<String>,
    pub object_markings: Vec<String>,
    /// `marking_ref` and `selectors` of each granular marking.
    pub granular_markings: Vec<(String, Vec<String>)>,
}

/// Parses and validates an envelope (T-67): request-level problems are errors (400 for JSON
/// that cannot be read, 422 for JSON that is not an envelope); per-object problems are failures.
pub fn prepare(body: &[u8]) -> Result<Prepared, TaxiiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        TaxiiError::BadRequest(format!(
            "the request body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let top: ShallowObject<'_> = serde_json::from_str(text).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            TaxiiError::Unprocessable(
                "the request body must be a TAXII envelope: a JSON object with an 'objects' list"
                    .into(),
            )
        } else {
            TaxiiError::BadRequest(format!(
                "the request body is not valid JSON: {} at line {} column {}",
                strip_position(&e),
                e.line(),
                e.column()
            ))
        }
    })?;
    // I-JSON (T-21): with two `objects` members, which one was meant is unknowable.
    if let Some(name) = top.duplicate_names().first() {
        return Err(TaxiiError::Unprocessable(format!(
            "the envelope has the member '{}' more than once (I-JSON forbids duplicate names)",
            name.chars().take(64).collect::<String>()
        )));
    }
    // A STIX bundle is read as an envelope: its `objects` are the objects to add and its `type`
    // and `id` are ignored like any property an envelope does not define (T-96). TAXII 2.1
    // clients should send envelopes, but the OASIS stix2 library's TAXIICollectionSink (and so
    // TAXIICollectionStore.add) posts a bundle.
    let Some(objects) = top.get("objects") else {
        return Err(TaxiiError::Unprocessable(
            "the envelope has no 'objects' list".into(),
        ));
    };
    let items = split_array(objects).map_err(|_| {
        TaxiiError::Unprocessable("'objects' must be a list of STIX objects".into())
    })?;
    if items.is_empty() {
        return Err(TaxiiError::Unprocessable(
            "'objects' is empty: there is nothing to add".into(),
        ));
    }
    let mut out = Prepared {
        total: items.len() as u64,
        ..Prepared::default()
    };
    for (i, raw) in items.iter().enumerate() {
        match prepare_one(raw) {
            Ok((o, mut meta)) => {
                meta.index = i;
                meta.offset = stix::raw::offset_in(text, raw.get()).unwrap_or(0);
                out.objects.push(o);
                out.meta.push(meta);
            }
            Err(detail) => {
                let (line, column) = stix::raw::offset_in(text, raw.get())
                    .map_or((0, 0), |off| line_column(text, off));
                let mut d = detail;
                let message = d.message.take().unwrap_or_default();
                d.message = Some(format!(
                    "objects[{i}] (line {line}, column {column}): {message}"
                ));
                out.failures.push(d);
            }
        }
    }
    Ok(out)
}

/// Validates one object and reads the index fields the store and the access rules need; an
/// invalid object becomes a failure whose message lists the validator's errors (without a
/// position: the caller knows where the object was).
pub fn prepare_one(raw: &RawValue) -> Result<(NewObject, Meta), StatusDetail> {
    let report = validate_object_json(raw.get()).map_err(|e| StatusDetail {
        id: String::new(),
        version: String::new(),
        message: Some(format!("not valid JSON: {e}")),
    })?;
    let index = report.index.as_ref();
    let id = index.map(|i| i.id.to_string()).unwrap_or_default();
    let version = index
        .and_then(|i| i.version())
        .map(|v| v.to_string())
        .unwrap_or_default();
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| {
            format!(
                "{} {}: {}",
                f.rule,
                if f.pointer.is_empty() {
                    "/"
                } else {
                    &f.pointer
                },
                f.message
            )
        })
        .collect();
    let Some(index) = report.index.filter(|_| errors.is_empty()) else {
        let more = errors.len().saturating_sub(FINDINGS_IN_MESSAGE);
        let mut message = format!(
            "invalid STIX 2.1: {}",
            errors
                .iter()
                .take(FINDINGS_IN_MESSAGE)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        if more > 0 {
            message.push_str(&format!(" (and {more} more)"));
        }
        if errors.is_empty() {
            message = "the object has no readable 'type' and 'id'".into();
        }
        return Err(StatusDetail {
            id,
            version,
            message: Some(message),
        });
    };
    // The classification proper (origin, defaults, recipients) needs the collection and the
    // poster: `apply_access` completes it.
    let tlp = registry::effective_tlp(index.object_marking_refs.iter().map(|m| m.as_str()));
    let meta = Meta {
        created_by_ref: index.created_by_ref.as_ref().map(|r| r.to_string()),
        object_markings: index
            .object_marking_refs
            .iter()
            .map(|m| m.to_string())
            .collect(),
        granular_markings: granular_refs(raw.get()),
        ..Meta::default()
    };
    let object = NewObject {
        id: index.id.to_string(),
        type_name: index.type_name.to_string(),
        spec_version: index.spec_version.as_deref().unwrap_or("2.1").to_owned(),
        version: index.version().map(|v| Version {
            text: v.to_string(),
            micros: v.micros(),
        }),
        body: raw.get().to_owned(),
        access: Classification {
            tlp,
            ..Classification::default()
        },
        keep_date_added: None,
    };
    Ok((object, meta))
}

/// `granular_markings[].marking_ref` of an object, with the selectors of each (`lang` entries
/// carry no marking). Most objects have none, so the body is only parsed when the property
/// name occurs in it.
fn granular_refs(body: &str) -> Vec<(String, Vec<String>)> {
    if !body.contains("\"granular_markings\"") {
        return Vec::new();
    }
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    v.get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| {
            let id = g.get("marking_ref").and_then(Value::as_str)?;
            let selectors = g
                .get("selectors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            Some((id.to_owned(), selectors))
        })
        .collect()
}

/// What a marking-definition (by id, with its JSON when the server has it) means to the
/// access rules.
pub fn marking_kind(id: &str, body: Option<&str>) -> MarkingKind {
    if let Some(known) = registry::well_known(id) {
        return match known.kind {
            WellKnownKind::Tlp1(t) | WellKnownKind::Tlp2(t) => MarkingKind::Tlp(t),
            WellKnownKind::Pap(_) => MarkingKind::NonAccess,
            WellKnownKind::Pii(p) => MarkingKind::Personal(p),
            // The project identity and extension-definitions are not markings.
            WellKnownKind::Project => MarkingKind::Unknown,
        };
    }
    let Some(v) = body.and_then(|b| serde_json::from_str::<Value>(b).ok()) else {
        return MarkingKind::Unknown;
    };
    if v.get("type").and_then(Value::as_str) != Some("marking-definition") {
        return MarkingKind::Unknown;
    }
    // Statements are not machine-readable (STIX 7.2.1.3): preserved, never grant or deny.
    if v.get("definition_type").and_then(Value::as_str) == Some("statement") {
        return MarkingKind::NonAccess;
    }
    let strings = |x: Option<&Value>| -> Option<Vec<String>> {
        x.and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
    };
    match v
        .get("extensions")
        .and_then(|e| e.get(registry::AUDIENCE_EXTENSION))
    {
        Some(ext) => MarkingKind::Audience {
            recipients: strings(ext.get("recipients")),
            affected: strings(ext.get("affected_parties")).unwrap_or_default(),
        },
        // Anything else (a TLP instance under a foreign id, ACS, IEP, ...) is not understood.
        None => MarkingKind::Unknown,
    }
}

/// The latest stored version (with its bytes) of each of `ids` in the collection.
async fn latest_stored<S: Store>(
    store: &S,
    collection: &Collection,
    ids: Vec<String>,
) -> Result<Vec<store::Row>, store::StoreError> {
    // `last` without a spec_version filter gives at most one row per id.
    let limit = ids.len();
    let filter = store::ObjectFilter {
        ids,
        ..store::ObjectFilter::default()
    };
    let page = store
        .query(
            collection,
            &filter,
            &Visibility::All,
            PageRequest { after: None, limit },
            true,
        )
        .await?;
    Ok(page.rows)
}

/// Applies the access rules of `collection` to the prepared objects of `poster`: each object
/// gets its classification, or moves to the failures with the rule that refused it. Marking
/// ids are resolved through the registry, the marking-definitions of this request, and those
/// already stored in the collection. `body` is the request body `prepared` came from (for the
/// line and column of a refused object).
///
/// `mirror` is set for objects pulled from an upstream server: that server applied its own
/// version rules, so a new version is not checked against the local creator (the upstream's
/// organisation, the poster here, is rarely the creator of what it passes on).
pub async fn apply_access<S: Store>(
    store: &S,
    collection: &Collection,
    dir: &tlp::Directory,
    poster: &Poster<'_>,
    body: &[u8],
    prepared: &mut Prepared,
    mirror: bool,
) -> Result<(), store::StoreError> {
    let text = std::str::from_utf8(body).unwrap_or_default();
    let none = HashMap::new();
    for (m, mut refusal) in
        classify_prepared(store, collection, dir, poster, prepared, mirror, &none).await?
    {
        let (line, column) = line_column(text, m.offset);
        let message = refusal.message.take().unwrap_or_default();
        refusal.message = Some(format!(
            "objects[{}] (line {line}, column {column}): {message}",
            m.index
        ));
        prepared.failures.push(refusal);
    }
    Ok(())
}

/// [`apply_access`] without positions: each object of `prepared` gets its classification or is
/// returned, with its [`Meta`], as a refusal whose message is the rule's (for callers that
/// report positions of their own, such as the import of files). `pending_markings` are
/// marking-definitions (id, JSON) the caller has sent to the store but that may not be
/// committed yet: they resolve like stored ones.
pub async fn classify_prepared<S: Store>(
    store: &S,
    collection: &Collection,
    dir: &tlp::Directory,
    poster: &Poster<'_>,
    prepared: &mut Prepared,
    mirror: bool,
    pending_markings: &HashMap<String, String>,
) -> Result<Vec<(Meta, StatusDetail)>, store::StoreError> {
    let mut refused = Vec::new();
    let policy = &collection.policy;
    // 1. Marking definitions.
    let mut kinds: HashMap<String, MarkingKind> = HashMap::new();
    let mut unresolved: Vec<String> = Vec::new();
    for m in &prepared.meta {
        let granular = m.granular_markings.iter().map(|(id, _)| id);
        for id in m.object_markings.iter().chain(granular) {
            if kinds.contains_key(id) || unresolved.contains(id) {
                continue;
            }
            if registry::well_known(id).is_some() {
                kinds.insert(id.clone(), marking_kind(id, None));
            } else if let Some(o) = prepared.objects.iter().find(|o| &o.id == id) {
                kinds.insert(id.clone(), marking_kind(id, Some(&o.body)));
            } else {
                unresolved.push(id.clone());
            }
        }
    }
    if !unresolved.is_empty() {
        for row in latest_stored(store, collection, unresolved.clone()).await? {
            let kind = marking_kind(&row.id, row.body.as_deref());
            kinds.insert(row.id, kind);
        }
        // Only what the store does not hold: a pending definition the store refuses (its id
        // stored with other content) never decides.
        for id in unresolved {
            if !kinds.contains_key(&id)
                && let Some(body) = pending_markings.get(&id)
            {
                let kind = marking_kind(&id, Some(body));
                kinds.insert(id, kind);
            }
        }
    }
    // 2. Who created and who posted the versions already stored (not needed for a mirror,
    //    which does not apply the creator rule).
    let mut ids: Vec<String> = if mirror {
        Vec::new()
    } else {
        prepared.objects.iter().map(|o| o.id.clone()).collect()
    };
    ids.sort();
    ids.dedup();
    let mut origins: HashMap<String, Option<String>> = HashMap::new();
    let stored = if ids.is_empty() {
        Vec::new()
    } else {
        store.object_access(collection, ids).await?
    };
    for a in stored {
        let e = origins.entry(a.id).or_insert(None);
        if e.is_none() {
            *e = a.class.origin;
        }
    }
    let mut creators: HashMap<String, String> = HashMap::new();
    if !origins.is_empty() {
        for row in latest_stored(store, collection, origins.keys().cloned().collect()).await? {
            if let Some(by) = row
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
                .and_then(|v| v.get("created_by_ref")?.as_str().map(str::to_owned))
            {
                creators.insert(row.id, by);
            }
        }
    }
    // 3. Classify.
    let objects = std::mem::take(&mut prepared.objects);
    let metas = std::mem::take(&mut prepared.meta);
    for (mut o, m) in objects.into_iter().zip(metas) {
        let resolve = |ids: &[String]| -> Vec<(String, MarkingKind)> {
            ids.iter()
                .map(|id| {
                    let k = kinds.get(id).cloned().unwrap_or(MarkingKind::Unknown);
                    (id.clone(), k)
                })
                .collect()
        };
        let object_markings = resolve(&m.object_markings);
        let granular_markings: Vec<tlp::ingest::GranularMarking<'_>> = m
            .granular_markings
            .iter()
            .map(|(id, selectors)| tlp::ingest::GranularMarking {
                id,
                kind: kinds.get(id).cloned().unwrap_or(MarkingKind::Unknown),
                selectors: selectors.clone(),
            })
            .collect();
        let incoming = Incoming {
            type_name: &o.type_name,
            id: &o.id,
            created_by_ref: m.created_by_ref.as_deref(),
            object_markings: object_markings
                .iter()
                .map(|(i, k)| (i.as_str(), k.clone()))
                .collect(),
            granular_markings,
            body: &o.body,
        };
        let state = match (origins.get(&o.id), creators.get(&o.id)) {
            _ if mirror => Existing::New,
            (None, _) => Existing::New,
            (Some(origin), Some(creator)) => Existing::CreatedBy {
                creator,
                origin: origin.as_deref(),
            },
            (Some(origin), None) => Existing::PostedBy(origin.as_deref()),
        };
        match tlp::ingest::classify(&incoming, policy, poster, state) {
            Ok(mut class) => {
                // An audience marking-definition names who may read what it marks; it is
                // itself only for those recipients (and its poster), so the list of who
                // received a TLP:RED note does not leak to the rest of the collection.
                if o.type_name == "marking-definition"
                    && class.recipients.is_empty()
                    && let MarkingKind::Audience {
                        recipients: Some(r),
                        ..
                    } = marking_kind(&o.id, Some(&o.body))
                {
                    class.recipients = r;
                }
                add_concerned(dir, &mut class, &o.type_name, &o.body);
                o.access = class;
                prepared.objects.push(o);
                prepared.meta.push(m);
            }
            Err(refusal) => {
                let detail = StatusDetail {
                    id: o.id.clone(),
                    version: o
                        .version
                        .as_ref()
                        .map(|v| v.text.clone())
                        .unwrap_or_default(),
                    message: Some(refusal.to_string()),
                };
                refused.push((m, detail));
            }
        }
    }
    Ok(refused)
}

/// The classification of an object imported from another server's data into a collection
/// with `policy` (no poster): the ingest rules, unknown markings quarantined whatever the
/// policy says (visible to operators only: the import keeps the data, it does not widen it),
/// affected parties from the asset scopes in `dir`, and no originator. An object the rules
/// would refuse (TLP:RED without recipients, NL-PII:NONE on a personal type, ...) is
/// quarantined too; the refusal is returned for the import report.
pub fn classify_foreign(
    type_name: &str,
    id: &str,
    body: &str,
    object_markings: &[String],
    policy: &tlp::CollectionPolicy,
    dir: &tlp::Directory,
) -> (Classification, Option<String>) {
    let granular = granular_refs(body);
    let incoming = Incoming {
        type_name,
        id,
        created_by_ref: None,
        object_markings: object_markings
            .iter()
            .map(|m| (m.as_str(), marking_kind(m, None)))
            .collect(),
        granular_markings: granular
            .iter()
            .map(|(m, selectors)| tlp::ingest::GranularMarking {
                id: m,
                kind: marking_kind(m, None),
                selectors: selectors.clone(),
            })
            .collect(),
        body,
    };
    let policy = tlp::CollectionPolicy {
        unknown_markings: tlp::UnknownMarkings::Quarantine,
        require_tlp: false,
        ..policy.clone()
    };
    let nobody = tlp::Organisation::default();
    let poster = Poster {
        org: &nobody,
        identity: None,
    };
    match tlp::ingest::classify(&incoming, &policy, &poster, Existing::New) {
        Ok(mut class) => {
            class.origin = None;
            add_concerned(dir, &mut class, type_name, body);
            (class, None)
        }
        Err(refusal) => (
            Classification {
                tlp: registry::effective_tlp(object_markings.iter().map(String::as_str)),
                quarantined: true,
                ..Classification::default()
            },
            Some(refusal.to_string()),
        ),
    }
}

/// Adds to the affected parties the identities of the organisations an observable lies in the
/// asset scope of (beside those an audience marking names). Fixed at ingest, like the rest of
/// the classification: a later change of an asset scope applies to objects stored after it.
fn add_concerned(dir: &tlp::Directory, class: &mut Classification, type_name: &str, body: &str) {
    for identity in concerned(dir, type_name, body) {
        if !class.affected.contains(&identity) {
            class.affected.push(identity);
        }
    }
}

fn concerned(dir: &tlp::Directory, type_name: &str, body: &str) -> Vec<String> {
    if !matches!(
        type_name,
        "ipv4-addr" | "ipv6-addr" | "domain-name" | "email-addr" | "url"
    ) || dir.iter().all(|o| o.asset_scope.is_empty())
    {
        return Vec::new();
    }
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("value")?
                .as_str()
                .map(|v| dir.concerned(type_name, v))
        })
        .unwrap_or_default()
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    s.split(" at line ").next().unwrap_or(&s).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IND: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-04-06T20:03:48.000Z","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}"#;

    #[test]
    fn imported_objects_are_classified_by_the_ingest_rules() {
        const AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
        const RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
        let m = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let (c, why) = classify_foreign(
            "user-account",
            "user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c",
            r#"{"type":"user-account","account_login":"jan","credential":"x"}"#,
            &m(&[AMBER]),
            &tlp::CollectionPolicy::default(),
            &tlp::Directory::default(),
        );
        assert_eq!(why, None);
        assert_eq!(
            (c.tlp, c.pii, c.origin),
            (Some(tlp::Tlp::Amber), tlp::PiiClass::Present, None)
        );
        assert_eq!(c.zones[0].selector, "credential");
        let (c, _) = classify_foreign(
            "report",
            "report--0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b",
            r#"{"type":"report","object_refs":["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]}"#,
            &m(&[AMBER]),
            &tlp::CollectionPolicy::default(),
            &tlp::Directory::default(),
        );
        assert!(c.review && !c.quarantined);
        // A marking nobody registered: kept for operators only.
        let (c, why) = classify_foreign(
            "indicator",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            IND,
            &m(&["marking-definition--deadbeef-0000-4000-8000-000000000001"]),
            &tlp::CollectionPolicy::default(),
            &tlp::Directory::default(),
        );
        assert!(c.quarantined && why.is_none());
        // A rule the data breaks: kept for operators only, and said.
        let (c, why) = classify_foreign(
            "indicator",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            IND,
            &m(&[RED]),
            &tlp::CollectionPolicy::default(),
            &tlp::Directory::default(),
        );
        assert!(c.quarantined);
        assert!(why.unwrap().contains("red-without-recipients"));
    }

    #[test]
    fn valid_and_invalid_objects_get_their_own_outcome() {
        let body = format!(
            r#"{{"objects":[{IND}, {{"type":"indicator","id":"indicator--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}}]}}"#
        );
        let p = prepare(body.as_bytes()).unwrap();
        assert_eq!(p.total, 2);
        assert_eq!(p.objects.len(), 1);
        assert_eq!(p.objects[0].body, IND, "bytes as received");
        assert_eq!(p.objects[0].access.tlp, Some(tlp::Tlp::Amber));
        assert_eq!(
            p.objects[0].version.as_ref().map(|v| v.text.as_str()),
            Some("2016-04-06T20:03:48.000Z")
        );
        assert_eq!(p.failures.len(), 1);
        let msg = p.failures[0].message.as_deref().unwrap();
        assert!(msg.contains("objects[1]") && msg.contains("S-"), "{msg}");
        assert_eq!(
            p.failures[0].id,
            "indicator--0e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
    }

    #[test]
    fn request_level_errors() {
        assert!(matches!(
            prepare(b"{\"objects\": [").unwrap_err(),
            TaxiiError::BadRequest(_)
        ));
        assert!(matches!(
            prepare(b"[1,2]").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[]}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        // A bundle with objects is read as an envelope (what stix2's TAXIICollectionSink posts).
        let bundle = format!(
            r#"{{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{IND}]}}"#
        );
        let p = prepare(bundle.as_bytes()).unwrap();
        assert_eq!((p.total, p.objects.len()), (1, 1));
        assert_eq!(p.objects[0].body, IND);
        assert!(matches!(
            prepare(b"{\"objects\": 5}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"{\"objects\": []}").unwrap_err(),
            TaxiiError::Unprocessable(_)
        ));
        assert!(matches!(
            prepare(b"\xff\xfe{}").unwrap_err(),
            TaxiiError::BadRequest(_)
        ));
    }
}
