//! Redaction (access-model-research.md 4.8): what one reader receives of an object version it
//! may see as a whole, but parts of which it may not.
//!
//! Two things make a part unreadable: a zone (a granular TLP, audience or personal-data
//! marking, or a property detected as personal data; see [`Zone`]) the reader does not pass,
//! and a reference to an object withheld from the reader (a bare reference to a personal SCO
//! leaks a confirmable hash of its value, STIX 2.9). [`redact`] removes those parts and then
//! decides:
//! - nothing removed: the stored bytes are served unchanged ([`Outcome::Full`]);
//! - a required property, an id-contributing property of an SCO, or an end of a relationship
//!   or sighting would go, or the rest would not be valid STIX: the whole object is withheld;
//! - otherwise the rest is served as a *new* object (STIX 3.5: a republisher that omits
//!   content must create a new id): a derived id, UUIDv5 in the project namespace over source
//!   id, version and removal profile (the same source and removals always give the same id),
//!   `created_by_ref` the server's identity, markings kept, granular selectors re-indexed or
//!   dropped, and the redaction extension naming the source and the removed selectors.

use serde_json::{Map, Value, json};
use stix::registry::{DERIVED_ID_NAMESPACE, REDACTION_EXTENSION};
use stix::spec::{Category, Presence};

use crate::model::Classification;
use crate::scope::ReadScope;
use crate::selector::{Path, Step, reindex};

/// What the reader may know of an object another one refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefState {
    /// Visible, or not held here (a reference to something unknown tells nothing).
    Visible,
    /// Held and withheld from this reader, or a personal SCO the reader may not receive.
    Withheld,
}

/// Why a redaction ended in withholding the whole object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withholding {
    /// A required property would be removed.
    RequiredProperty(String),
    /// A property that makes up an SCO's deterministic id would be removed.
    IdContributing(String),
    /// What is left would not be valid STIX 2.1 (the validator's first finding).
    Invalid(String),
    /// A marking-definition, extension-definition or language-content with a part the reader
    /// may not see: these are not republished under another id.
    MetaObject(String),
    /// The reader may read nothing here.
    NotReadable,
}

impl Withholding {
    pub fn code(&self) -> &'static str {
        match self {
            Withholding::RequiredProperty(_) => "redaction-required-property",
            Withholding::IdContributing(_) => "redaction-id-contributing-property",
            Withholding::Invalid(_) => "redaction-invalid-result",
            Withholding::MetaObject(_) => "redaction-meta-object",
            Withholding::NotReadable => "no-read-permission",
        }
    }
}

impl std::fmt::Display for Withholding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Withholding::RequiredProperty(p) => write!(f, "required property '{p}' is withheld"),
            Withholding::IdContributing(p) => {
                write!(f, "id-contributing property '{p}' is withheld")
            }
            Withholding::Invalid(m) => write!(f, "the redacted object would be invalid: {m}"),
            Withholding::MetaObject(t) => write!(f, "a {t} is not republished redacted"),
            Withholding::NotReadable => write!(f, "the reader may not read the collection"),
        }
    }
}

/// A redacted object.
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    /// The object to serve.
    pub object: Value,
    /// Its derived id.
    pub id: String,
    /// The selectors removed, in the source object's terms, sorted.
    pub removed: Vec<String>,
    /// Names the removals; part of the derived id.
    pub profile: String,
}

/// What one reader receives of one object version.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The stored bytes, unchanged.
    Full,
    Redacted(Redacted),
    Withheld(Withholding),
}

/// Whether an object's bytes may hold a reference that redaction would check: any `*_ref` or
/// `*_refs` key but `created_by_ref` (attribution, kept) and the marking references. A cheap
/// text scan at ingest; it may say yes for a key-like string inside a value, which only costs a
/// needless check on read.
pub fn may_reference(body: &str) -> bool {
    // A key written with a JSON escape (`"object_ref\u0073"`) would slip past the scan below.
    if body.contains("\\u") {
        return serde_json::from_str::<Value>(body).map_or(true, |v| !references(&v).is_empty());
    }
    let b = body.as_bytes();
    let mut from = 0;
    while let Some(pos) = body[from..].find("_ref").map(|p| p + from) {
        from = pos + 4;
        let end = if b.get(from) == Some(&b's') {
            from + 1
        } else {
            from
        };
        if b.get(end) != Some(&b'"') {
            continue;
        }
        let start = body[..pos].rfind('"').map_or(0, |s| s + 1);
        let key = &body[start..end];
        if !matches!(
            key,
            "created_by_ref" | "object_marking_refs" | "marking_ref"
        ) {
            return true;
        }
    }
    false
}

/// Every reference (path and id) in `obj` that redaction checks.
pub fn references(obj: &Value) -> Vec<(Path, String)> {
    fn walk(v: &Value, path: &mut Vec<Step>, out: &mut Vec<(Path, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let top = path.is_empty();
                    if top
                        && matches!(
                            k.as_str(),
                            "created_by_ref" | "object_marking_refs" | "granular_markings"
                        )
                    {
                        continue;
                    }
                    path.push(Step::Key(k.clone()));
                    if k.ends_with("_ref") {
                        if let Some(id) = x.as_str().filter(|s| s.contains("--")) {
                            out.push((Path(path.clone()), id.to_owned()));
                        }
                    } else if k.ends_with("_refs") {
                        for (i, item) in x.as_array().into_iter().flatten().enumerate() {
                            if let Some(id) = item.as_str().filter(|s| s.contains("--")) {
                                path.push(Step::Index(i));
                                out.push((Path(path.clone()), id.to_owned()));
                                path.pop();
                            }
                        }
                    } else if !(top && k == "objects") {
                        // `objects` of observed-data (deprecated) refers by local keys.
                        walk(x, path, out);
                    }
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(obj, &mut Vec::new(), &mut out);
    out
}

/// Whether `prop` is required for objects of `type_name` (common and type-specific).
pub(crate) fn required(type_name: &str, category: Option<Category>, prop: &str) -> bool {
    let common = match category {
        Some(Category::Sdo | Category::Sro) => {
            &["type", "id", "spec_version", "created", "modified"][..]
        }
        _ => &["type", "id", "spec_version"][..],
    };
    common.contains(&prop)
        || stix::model::spec_of(type_name)
            .and_then(|s| s.prop(prop))
            .is_some_and(|p| matches!(p.presence, Presence::Required))
}

/// The zones of `class` the reader with `scope` may not see (each would be removed).
pub fn unreadable_zones<'c>(
    class: &'c Classification,
    scope: &'c ReadScope,
) -> impl Iterator<Item = &'c crate::model::Zone> + 'c {
    class.zones.iter().filter(move |zone| {
        let zc = Classification {
            tlp: zone.tlp,
            recipients: zone.recipients.clone(),
            pii: zone.pii,
            quarantined: false,
            ..class.clone()
        };
        !scope.allows(&zc)
    })
}

/// The parts of `source` (stored with classification `class`) the reader with `scope` may
/// not see, removed. `refs` says for each referenced id whether the reader may know it;
/// `server_identity` becomes the `created_by_ref` of a redacted SDO or SRO. The caller has
/// established that the reader may see the object as a whole.
pub fn redact(
    source: &Value,
    class: &Classification,
    scope: &ReadScope,
    refs: &mut dyn FnMut(&str) -> RefState,
    server_identity: &str,
) -> Outcome {
    let org = match scope {
        ReadScope::All => return Outcome::Full,
        // Fail closed: callers check visibility first, but nothing goes to a reader who may
        // read nothing.
        ReadScope::Nothing => return Outcome::Withheld(Withholding::NotReadable),
        ReadScope::Reader { org, .. } => org,
    };
    if org.is_some() && *org == class.origin {
        return Outcome::Full;
    }
    let mut removed: Vec<Path> = unreadable_zones(class, scope)
        .filter_map(|zone| Path::parse(&zone.selector))
        .filter(|p| p.resolve(source).is_some())
        .collect();
    for (path, id) in references(source) {
        if !removed.iter().any(|r| r.covers(&path)) && refs(&id) == RefState::Withheld {
            removed.push(path);
        }
    }
    if removed.is_empty() {
        return Outcome::Full;
    }
    // Only the outermost of nested removals.
    removed.sort();
    removed.dedup();
    let outer: Vec<Path> = removed
        .iter()
        .filter(|p| !removed.iter().any(|q| q != *p && q.covers(p)))
        .cloned()
        .collect();
    let mut removed = outer;
    let type_name = source
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let category = stix::model::category_of(&type_name);
    let contributing = stix::sco_id::contributing_properties(&type_name).unwrap_or(&[]);
    if matches!(category, Some(Category::Meta)) {
        // Marking and extension definitions are referred to by id, and language content
        // names the object it translates: a copy under another id would mean nothing.
        return Outcome::Withheld(Withholding::MetaObject(type_name));
    }
    for p in &removed {
        let prop = p.property().unwrap_or_default();
        if contributing.contains(&prop) {
            return Outcome::Withheld(Withholding::IdContributing(p.to_string()));
        }
        if p.0.len() == 1 && required(&type_name, category, prop) {
            return Outcome::Withheld(Withholding::RequiredProperty(prop.to_owned()));
        }
    }
    let mut object = source.clone();
    // Last first, so the indexes of items still to remove stay right.
    for p in removed.iter().rev() {
        p.remove(&mut object);
    }
    // A list or dictionary left empty goes too (STIX lists and dictionaries must not be empty).
    // `removed` is in the source's terms; `at` is where the parent is in `object`, after the
    // list items before it went.
    let mut i = 0;
    while i < removed.len() {
        if let Some(parent) = removed[i].parent()
            && !parent.0.is_empty()
            && let Some(at) = reindex(&parent, &removed)
            && at.resolve(&object).is_some_and(|v| match v {
                Value::Array(a) => a.is_empty(),
                Value::Object(m) => m.is_empty(),
                _ => false,
            })
        {
            at.remove(&mut object);
            let prop = parent.property().unwrap_or_default().to_owned();
            if contributing.contains(&prop.as_str()) {
                return Outcome::Withheld(Withholding::IdContributing(parent.to_string()));
            }
            if parent.0.len() == 1 && required(&type_name, category, &prop) {
                return Outcome::Withheld(Withholding::RequiredProperty(prop));
            }
            removed.retain(|r| !parent.covers(r));
            removed.push(parent);
            removed.sort();
            i = 0;
            continue;
        }
        i += 1;
    }
    regranulate(&mut object, &removed);
    let removed_text: Vec<String> = removed.iter().map(Path::to_string).collect();
    let profile = uuid::Uuid::new_v5(&DERIVED_ID_NAMESPACE, removed_text.join(",").as_bytes())
        .simple()
        .to_string();
    let source_id = source.get("id").and_then(Value::as_str).unwrap_or_default();
    let version = source
        .get("modified")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut uuid = uuid::Uuid::new_v5(
        &DERIVED_ID_NAMESPACE,
        format!("{source_id}|{version}|{profile}").as_bytes(),
    );
    // An SCO without ID contributing properties must have a UUIDv4 id (STIX 2.9, S-17): the
    // same derived bits, marked version 4.
    if category == Some(Category::Sco) && !contributing.iter().any(|p| object.get(p).is_some()) {
        uuid = uuid::Builder::from_random_bytes(*uuid.as_bytes()).into_uuid();
    }
    let id = format!("{type_name}--{uuid}");
    let Some(m) = object.as_object_mut() else {
        return Outcome::Withheld(Withholding::Invalid("not a JSON object".into()));
    };
    m.insert("id".into(), Value::String(id.clone()));
    if matches!(category, Some(Category::Sdo | Category::Sro)) {
        m.insert(
            "created_by_ref".into(),
            Value::String(server_identity.to_owned()),
        );
    }
    let ext = m
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(ext) = ext.as_object_mut() {
        ext.insert(
            REDACTION_EXTENSION.into(),
            json!({
                "extension_type": "property-extension",
                "redacted_from": source_id,
                "removed_selectors": removed_text,
                "profile": profile,
            }),
        );
    }
    let text = object.to_string();
    match stix::validate::validate_object_json(&text) {
        Ok(report) => {
            if let Some(f) = report.findings.iter().find(|f| f.is_error()) {
                return Outcome::Withheld(Withholding::Invalid(format!(
                    "{} {}: {}",
                    f.rule, f.pointer, f.message
                )));
            }
        }
        Err(e) => return Outcome::Withheld(Withholding::Invalid(e.to_string())),
    }
    Outcome::Redacted(Redacted {
        object,
        id,
        removed: removed_text,
        profile,
    })
}

/// Re-indexes the selectors of `granular_markings` after `removed` went, dropping selectors
/// that pointed at removed content and entries left without selectors.
fn regranulate(object: &mut Value, removed: &[Path]) {
    let Some(list) = object
        .get_mut("granular_markings")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    list.retain_mut(|entry| {
        let Some(sels) = entry.get_mut("selectors").and_then(Value::as_array_mut) else {
            return false;
        };
        let kept: Vec<Value> = sels
            .iter()
            .filter_map(|s| {
                let p = Path::parse(s.as_str()?)?;
                reindex(&p, removed).map(|p| Value::String(p.to_string()))
            })
            .collect();
        *sels = kept;
        !sels.is_empty()
    });
    if list.is_empty()
        && let Some(m) = object.as_object_mut()
    {
        m.remove("granular_markings");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_scan_ignores_attribution_and_markings() {
        assert!(!may_reference(
            r#"{"created_by_ref":"identity--1","object_marking_refs":["m--1"],"granular_markings":[{"marking_ref":"m--2","selectors":["a"]}]}"#
        ));
        assert!(may_reference(r#"{"object_refs":["x--1"]}"#));
        assert!(may_reference(r#"{"source_ref":"x--1"}"#));
        assert!(may_reference(r#"{"extensions":{"e":{"sample_refs":[]}}}"#));
        assert!(!may_reference(r#"{"name":"no refs"}"#));
        assert!(may_reference(r#"{"object_ref\u0073":["x--1"]}"#));
        assert!(!may_reference(r#"{"name":"caf\u00e9"}"#));
    }

    #[test]
    fn references_are_found_at_every_depth() {
        let v = serde_json::json!({
            "created_by_ref": "identity--a",
            "object_refs": ["x--1", "x--2"],
            "source_ref": "y--1",
            "extensions": {"e": {"from_ref": "z--1"}},
            "objects": {"0": {"src_ref": "1"}},
        });
        let mut found: Vec<String> = references(&v)
            .into_iter()
            .map(|(p, id)| format!("{p}={id}"))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                "extensions.e.from_ref=z--1",
                "object_refs.[0]=x--1",
                "object_refs.[1]=x--2",
                "source_ref=y--1"
            ]
        );
    }
}
