//! Rules of SDOs (section 4), SROs (section 5) and meta objects (section 7): the
//! co-constraints their property tables cannot express.
//!
//! Severity follows the specification's keyword: MUST / MUST NOT give errors, SHOULD / SHOULD
//! NOT warnings. Where a check is a heuristic for a MUST that cannot be decided on one object,
//! it is a warning and says so.

use std::collections::HashSet;

use crate::finding::Severity;
use crate::id::is_type_name;
use crate::json::{Node, Object, Pointer};
use crate::model::category_of;
use crate::spec::{Category, Vocab};
use crate::validate::RuleCtx;
use crate::validate::walk::is_property_name;
use crate::vocab::{
    EXTENSION_TYPE_ENUM, INDICATOR_TYPE_OV, INFRASTRUCTURE_TYPE_OV, MALWARE_TYPE_OV,
    REPORT_TYPE_OV, THREAT_ACTOR_TYPE_OV, TOOL_TYPE_OV,
};
use crate::{StixId, text};

/// Types with a dedicated subtype property (S-29): the property and its vocabulary.
static SUBTYPE_PROPERTIES: &[(&str, &str, &Vocab)] = &[
    ("indicator", "indicator_types", &INDICATOR_TYPE_OV),
    (
        "infrastructure",
        "infrastructure_types",
        &INFRASTRUCTURE_TYPE_OV,
    ),
    ("malware", "malware_types", &MALWARE_TYPE_OV),
    ("report", "report_types", &REPORT_TYPE_OV),
    ("threat-actor", "threat_actor_types", &THREAT_ACTOR_TYPE_OV),
    ("tool", "tool_types", &TOOL_TYPE_OV),
];

/// Checks every SDO and SRO shares: S-29 and S-41.
pub fn sdo_common(c: &mut RuleCtx<'_, '_>) {
    labels_not_subtypes(c);
    revoked_is_a_new_version(c);
}

/// S-29: `labels` MUST NOT carry what a dedicated subtype property (e.g. `malware_types`) is
/// for. Only a label equal to a suggested value of that property's vocabulary is recognisable
/// as such, and even that may be a coincidence, so this is a warning.
fn labels_not_subtypes(c: &mut RuleCtx<'_, '_>) {
    let Some((_, prop, vocab)) = SUBTYPE_PROPERTIES
        .iter()
        .find(|(ty, _, _)| *ty == c.owner_type)
    else {
        return;
    };
    let Some(labels) = c.get("labels").and_then(Node::as_array) else {
        return;
    };
    let at = c.at("labels");
    for (i, label) in labels.iter().enumerate() {
        if let Some(l) = label.as_str().filter(|l| vocab.contains(l)) {
            c.report(
                Severity::Warning,
                "S-29",
                &at.index(i),
                format!(
                    "label '{l}' is a value of {}: subtypes belong in '{prop}', not in 'labels'",
                    vocab.name
                ),
            );
        }
    }
}

/// S-41: revoking is a new version, so a revoked object has `modified` later than `created`.
/// An object first published revoked is odd rather than forbidden: a warning.
fn revoked_is_a_new_version(c: &mut RuleCtx<'_, '_>) {
    if c.bool("revoked") != Some(true) {
        return;
    }
    if let (Some(created), Some(modified)) = (c.timestamp("created"), c.timestamp("modified"))
        && created == modified
    {
        c.warn(
            "S-41",
            "revoked",
            "a revocation is a new version and should bump 'modified' past 'created'",
        );
    }
}

/// Campaign, infrastructure, intrusion-set, threat-actor (and malware): `last_seen` MUST be
/// greater than or equal to `first_seen` (S-60).
pub fn seen_window(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    c.require_order("S-60", "first_seen", "last_seen", false);
}

/// Indicator (section 4.7, S-60, P-1..P-18).
pub fn indicator(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    // Section 4.7.1: producers SHOULD provide both, so analysts know what the pattern is for.
    for prop in ["name", "description"] {
        if !c.has(prop) {
            c.warn("S-60", "", format!("an indicator should have a '{prop}'"));
        }
    }
    c.require_order("S-60", "valid_from", "valid_until", true);
    if c.str("pattern_type") != Some("stix") {
        // Other pattern languages are opaque to us (the mutation case "pattern_type sigma with
        // non-STIX pattern" is valid).
        return;
    }
    if let Some(pattern) = c.str("pattern") {
        let at = c.at("pattern");
        for f in crate::pattern::validate(pattern) {
            c.report(
                f.severity,
                f.rule,
                &at,
                format!("pattern line {} column {}: {}", f.line, f.column, f.message),
            );
        }
    }
    // pattern_version MUST match the pattern language. For STIX patterns that means a STIX
    // version; anything else is probably a mismatch, but a producer may spell a version in
    // a way we do not know ("2.1.0"?), so only a warning.
    if let Some(v) = c.str("pattern_version") {
        let known = ["2.0", "2.1"]
            .iter()
            .any(|s| v == *s || v.strip_prefix(s).is_some_and(|r| r.starts_with('.')));
        if !known {
            c.warn(
                "S-60",
                "pattern_version",
                format!("pattern_version '{v}' is not a STIX Patterning version (2.0 or 2.1) although pattern_type is 'stix'"),
            );
        }
    }
}

/// Location (section 4.10, S-60).
pub fn location(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    let (lat, lon) = (c.has("latitude"), c.has("longitude"));
    if !c.has("region") && !c.has("country") && !lat && !lon {
        c.error(
            "S-60",
            "",
            "a location needs at least one of 'region', 'country', or 'latitude' and 'longitude'",
        );
    }
    if lat && !lon {
        c.error(
            "S-60",
            "latitude",
            "'latitude' requires 'longitude' to be present as well",
        );
    }
    if lon && !lat {
        c.error(
            "S-60",
            "longitude",
            "'longitude' requires 'latitude' to be present as well",
        );
    }
    if c.has("precision") && !(lat && lon) {
        c.error(
            "S-60",
            "precision",
            "'precision' requires both 'latitude' and 'longitude'",
        );
    }
    if let Some(country) = c.str("country")
        && !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        c.warn(
            "S-60",
            "country",
            format!("country '{country}' should be an ISO 3166-1 alpha-2 code"),
        );
    }
}

/// Malware (section 4.11, S-60).
pub fn malware(c: &mut RuleCtx<'_, '_>) {
    seen_window(c);
    if c.bool("is_family") == Some(true) && !c.has("name") {
        c.error(
            "S-60",
            "",
            "a malware family (is_family: true) must have a 'name'",
        );
    }
}

/// Malware Analysis (section 4.12, S-60).
pub fn malware_analysis(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    if !c.has("result") && !c.has("analysis_sco_refs") {
        c.error(
            "S-60",
            "",
            "a malware-analysis must have 'result' or 'analysis_sco_refs'",
        );
    }
    if let Some(product) = c.str("product")
        && product
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b'_')
    {
        c.warn(
            "S-60",
            "product",
            format!("product '{product}' should be lowercase with words separated by '-'"),
        );
    }
}

/// Observed Data (section 4.14, S-60; the deprecated container, section 2.13 and S-20).
pub fn observed_data(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    c.require_order("S-60", "first_observed", "last_observed", false);
    match (c.get("objects"), c.has("object_refs")) {
        (Some(_), true) => c.error(
            "S-60",
            "",
            "observed-data must not have both 'objects' and 'object_refs'",
        ),
        (None, false) => c.error(
            "S-60",
            "",
            "observed-data needs 'object_refs' (or the deprecated 'objects')",
        ),
        (Some(objects), false) => {
            c.warn(
                "S-60",
                "objects",
                "the observable container 'objects' is deprecated: use 'object_refs'",
            );
            if let Some(container) = objects.as_object() {
                observable_container(c, container);
            }
        }
        (None, true) => object_refs_have_an_sco(c),
    }
}

/// `object_refs` MUST contain at least one SCO reference. Custom types may be SCOs.
fn object_refs_have_an_sco(c: &mut RuleCtx<'_, '_>) {
    let Some(refs) = c.get("object_refs").and_then(Node::as_array) else {
        return;
    };
    let ids: Vec<StixId> = refs
        .iter()
        .filter_map(|n| n.as_str().and_then(|s| StixId::parse(s).ok()))
        .collect();
    let any_sco = ids
        .iter()
        .any(|id| matches!(category_of(id.object_type()), None | Some(Category::Sco)));
    if !ids.is_empty() && !any_sco {
        c.error(
            "S-60",
            "object_refs",
            "'object_refs' must contain at least one SCO reference",
        );
    }
}

/// The deprecated observable container: every value is a cyber-observable object (STIX 2.0
/// or 2.1 form) with a `type`, and every reference inside resolves within the container.
fn observable_container(c: &mut RuleCtx<'_, '_>, container: &Object<'_>) {
    let at = c.at("objects");
    let keys: HashSet<&str> = container.iter().map(|(k, _)| k).collect();
    let ids: HashSet<&str> = container
        .iter()
        .filter_map(|(_, v)| v.as_object().and_then(|o| o.get_str("id")))
        .collect();
    for (key, value) in container.iter() {
        let vat = at.key(key);
        let Some(obj) = value.as_object() else {
            c.report(
                Severity::Error,
                "S-60",
                &vat,
                format!(
                    "an observable container holds cyber-observable objects, not {}",
                    value.kind()
                ),
            );
            continue;
        };
        match obj.get("type") {
            Some(Node::String(ty)) => {
                if !is_type_name(ty) {
                    c.report(
                        Severity::Error,
                        "S-3",
                        &vat.key("type"),
                        format!("'{ty}' is not a valid type name"),
                    );
                } else if let Some(cat) = category_of(ty).filter(|k| *k != Category::Sco) {
                    c.report(
                        Severity::Error,
                        "S-60",
                        &vat.key("type"),
                        format!(
                            "an observable container holds cyber-observable objects only, not a {ty} ({cat:?})"
                        ),
                    );
                }
            }
            Some(other) => c.report(
                Severity::Error,
                "S-2",
                &vat.key("type"),
                format!("'type' must be a string, not {}", other.kind()),
            ),
            None => c.report(
                Severity::Error,
                "S-2",
                &vat,
                "a cyber-observable object in the container needs a 'type'",
            ),
        }
        local_refs_resolve(c, obj, &vat, &keys, &ids);
    }
}

/// S-20: references inside an observable container are local to it: each `_ref` / `_refs`
/// value must be a key of the container (or the `id` of an object in it), at any depth
/// (extensions, MIME parts).
fn local_refs_resolve(
    c: &mut RuleCtx<'_, '_>,
    obj: &Object<'_>,
    at: &Pointer,
    keys: &HashSet<&str>,
    ids: &HashSet<&str>,
) {
    let resolves = |s: &str| keys.contains(s) || ids.contains(s);
    for (k, v) in obj.iter() {
        let kat = at.key(k);
        if k.ends_with("_ref") {
            if let Some(s) = v.as_str().filter(|s| !resolves(s)) {
                c.report(
                    Severity::Error,
                    "S-20",
                    &kat,
                    format!("'{s}' does not resolve to an object of this observable container"),
                );
            }
        } else if k.ends_with("_refs") {
            for (i, item) in v.as_array().unwrap_or_default().iter().enumerate() {
                if let Some(s) = item.as_str().filter(|s| !resolves(s)) {
                    c.report(
                        Severity::Error,
                        "S-20",
                        &kat.index(i),
                        format!("'{s}' does not resolve to an object of this observable container"),
                    );
                }
            }
        } else {
            match v {
                Node::Object(inner) => local_refs_resolve(c, inner, &kat, keys, ids),
                Node::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Node::Object(inner) = item {
                            local_refs_resolve(c, inner, &kat.index(i), keys, ids);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Relationship (section 5.1, S-61).
pub fn relationship(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    if let Some(t) = c.str("relationship_type")
        && (t.is_empty()
            || !t
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        c.error(
            "S-61",
            "relationship_type",
            format!("relationship_type '{t}' must consist of a-z, 0-9 and '-' only"),
        );
    }
    c.require_order("S-61", "start_time", "stop_time", true);
}

/// Sighting (section 5.2, S-62).
pub fn sighting(c: &mut RuleCtx<'_, '_>) {
    sdo_common(c);
    c.require_order("S-62", "first_seen", "last_seen", false);
}

/// Common properties a meta object must not carry. `defanged` is a MUST NOT for everything
/// but SCOs (S-33); the others are "not applicable" (S-35), which the specification does not
/// phrase as a MUST NOT: a warning.
fn not_applicable(c: &mut RuleCtx<'_, '_>, props: &[&str], rule: &'static str, why: &str) {
    if c.has("defanged") {
        c.error(
            "S-33",
            "defanged",
            format!("'defanged' must not be used on a {}", c.owner_type),
        );
    }
    for p in props {
        if c.has(p) {
            c.warn(
                rule,
                p,
                format!("'{p}' is not applicable to a {}{why}", c.owner_type),
            );
        }
    }
}

/// Marking Definition (section 7.2.1): S-69..S-72, S-32, and the well-known markings.
pub fn marking_definition(c: &mut RuleCtx<'_, '_>) {
    // S-23 asks millisecond precision of every `created`, but the TC's own JSON schema for
    // marking-definition and its reference library (python-stix2, whose test data uses
    // "2017-06-01T00:00:00Z") accept less: a SHOULD-level finding here, an error elsewhere.
    if let Some(t) = c.timestamp("created")
        && t.precision() < 3
    {
        c.warn(
            "S-23",
            "created",
            format!("'created' should be precise to the millisecond (3 fractional digits): '{t}'"),
        );
    }
    not_applicable(
        c,
        &["modified", "revoked", "labels", "confidence", "lang"],
        "S-70",
        ": marking definitions are not versioned",
    );
    let (has_type, has_def) = (c.has("definition_type"), c.has("definition"));
    if !c.has("extensions") {
        for (present, prop) in [(has_type, "definition_type"), (has_def, "definition")] {
            if !present {
                c.error(
                    "S-69",
                    "",
                    format!("a marking-definition without 'extensions' must have '{prop}'"),
                );
            }
        }
    } else if has_type != has_def {
        // With extensions the pair is optional, but one without the other means nothing.
        c.warn(
            "S-69",
            if has_type {
                "definition_type"
            } else {
                "definition"
            },
            "'definition_type' and 'definition' should be given together",
        );
    }
    match c.str("definition_type") {
        Some("tlp") => {
            // The four TLP 1.0 marking-definitions of section 7.2.1.4 are the only `tlp`
            // instances allowed; the registry holds them (and checks their content).
            let id = c.str("id").unwrap_or_default();
            let tlp1 = crate::registry::well_known(id)
                .is_some_and(|w| matches!(w.kind, crate::registry::WellKnownKind::Tlp1(_)));
            if !tlp1 {
                c.error("S-71", "id", format!("'{id}' is not one of the four TLP 1.0 marking-definitions: other 'tlp' marking-definitions must not be created (TLP 2.0 uses its extension-definition)"));
            }
        }
        Some("statement") => statement_definition(c),
        Some(other) => c.warn("S-69", "definition_type", format!("definition_type '{other}' is neither 'statement' nor 'tlp': new marking types should be defined with an extension-definition")),
        None => {}
    }
    marking_does_not_mark_itself(c);
    crate::registry::check_well_known(c);
}

/// S-72: a statement marking carries `definition.statement`, a string.
fn statement_definition(c: &mut RuleCtx<'_, '_>) {
    let Some(def) = c.get("definition").and_then(Node::as_object) else {
        return; // absent: S-69; not an object: reported by the property walk
    };
    match def.get("statement") {
        Some(Node::String(_)) => {}
        Some(other) => {
            let at = c.at("definition").key("statement");
            c.report(
                Severity::Error,
                "S-72",
                &at,
                format!("'statement' must be a string, not {}", other.kind()),
            );
        }
        None => c.error(
            "S-72",
            "definition",
            "a statement marking's definition must have 'statement'",
        ),
    }
}

/// S-32: a marking-definition must not mark itself (object or granular markings).
fn marking_does_not_mark_itself(c: &mut RuleCtx<'_, '_>) {
    let Some(own) = c.str("id") else { return };
    if let Some(refs) = c.get("object_marking_refs").and_then(Node::as_array) {
        let at = c.at("object_marking_refs");
        for (i, r) in refs.iter().enumerate() {
            if r.as_str() == Some(own) {
                c.report(
                    Severity::Error,
                    "S-32",
                    &at.index(i),
                    "a marking-definition must not reference itself in 'object_marking_refs'",
                );
            }
        }
    }
    if let Some(gms) = c.get("granular_markings").and_then(Node::as_array) {
        let at = c.at("granular_markings");
        for (i, gm) in gms.iter().enumerate() {
            if gm.as_object().and_then(|o| o.get_str("marking_ref")) == Some(own) {
                c.report(
                    Severity::Error,
                    "S-32",
                    &at.index(i).key("marking_ref"),
                    "a marking-definition must not reference itself in a granular marking",
                );
            }
        }
    }
}

/// Language Content (section 7.1, S-78). `object_modified` against the target's `modified`
/// needs the target and is checked across the bundle.
pub fn language_content(c: &mut RuleCtx<'_, '_>) {
    not_applicable(c, &["lang"], "S-35", "");
    revoked_is_a_new_version(c);
    if let Some(target) = c.id("object_ref")
        && matches!(target.object_type(), "bundle" | "language-content")
    {
        c.error(
            "S-78",
            "object_ref",
            format!(
                "'object_ref' must identify the STIX Object translated, not a {}",
                target.object_type()
            ),
        );
    }
    let Some(contents) = c.get("contents").and_then(Node::as_object) else {
        return;
    };
    let at = c.at("contents");
    for (lang, value) in contents.iter() {
        if !text::is_language_tag(lang) {
            c.report(
                Severity::Error,
                "S-78",
                &at.key(lang),
                format!("contents key '{lang}' is not an RFC 5646 language tag"),
            );
        }
        match value.as_object() {
            Some(o) if o.is_empty() => c.report(
                Severity::Error,
                "S-78",
                &at.key(lang),
                "the translations for a language must not be an empty dictionary",
            ),
            Some(_) => {}
            None => c.report(
                Severity::Error,
                "S-78",
                &at.key(lang),
                format!(
                    "the translations for '{lang}' must be a dictionary mirroring the target's properties, not {}",
                    value.kind()
                ),
            ),
        }
    }
}

/// Extension Definition (section 7.3.1): S-50..S-52, S-56.
pub fn extension_definition(c: &mut RuleCtx<'_, '_>) {
    not_applicable(c, &["confidence", "lang", "extensions"], "S-35", "");
    revoked_is_a_new_version(c);
    if !c.has("description") {
        c.warn(
            "S-50",
            "",
            "an extension-definition should have a 'description'",
        );
    }
    let mut toplevel = false;
    if let Some(types) = c.get("extension_types").and_then(Node::as_array) {
        let at = c.at("extension_types");
        for (i, t) in types.iter().enumerate() {
            let Some(t) = t.as_str() else { continue }; // reported by the property walk
            if t == "toplevel-property-extension" {
                toplevel = true;
            }
            if !EXTENSION_TYPE_ENUM.contains(t) {
                c.report(
                    Severity::Error,
                    "S-51",
                    &at.index(i),
                    format!(
                        "'{t}' is not a value of extension-type-enum ({})",
                        EXTENSION_TYPE_ENUM.values.join(", ")
                    ),
                );
            }
        }
    }
    match c.get("extension_properties") {
        Some(props) => {
            if !toplevel && c.has("extension_types") {
                c.error("S-52", "extension_properties", "'extension_properties' may only be used when 'extension_types' includes 'toplevel-property-extension'");
            }
            let at = c.at("extension_properties");
            for (i, p) in props.as_array().unwrap_or_default().iter().enumerate() {
                if let Some(name) = p.as_str().filter(|n| !is_property_name(n)) {
                    c.report(
                        Severity::Error,
                        "S-56",
                        &at.index(i),
                        format!(
                            "extension property name '{name}' must be 3-250 characters of a-z, 0-9 and '_'"
                        ),
                    );
                }
            }
        }
        None if toplevel => c.warn(
            "S-52",
            "extension_types",
            "a toplevel-property-extension should list its property names in 'extension_properties'",
        ),
        None => {}
    }
}
