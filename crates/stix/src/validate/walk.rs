//! The generic property walk: required properties, value kinds, custom property names,
//! extensions. Driven entirely by the [`TypeSpec`] tables of the model.

use crate::finding::Finding;
use crate::json::{Node, Object, Pointer};
use crate::model::{
    self, RESERVED_PROPERTY_NAMES, SCO_COMMON, SCO_NOT_APPLICABLE, SDO_COMMON, SDO_NOT_APPLICABLE,
};
use crate::spec::{Category, Kind, Presence, PropSpec, RefTarget, TypeSpec, Vocab};
use crate::validate::{ObjectIndex, RuleCtx};
use crate::{StixId, StixTimestamp, id::is_type_name, sco_id, text};

/// Largest integer STIX allows (S-10): 2^53 - 1.
const MAX_SAFE_INT: i128 = (1 << 53) - 1;

/// Extension types of extension-type-enum (S-51).
pub(crate) const EXTENSION_TYPES: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];

struct Walker<'s> {
    sink: &'s mut Vec<Finding>,
    /// Type of the top-level object being walked.
    owner_type: String,
}

impl Walker<'_> {
    fn error(&mut self, rule: &'static str, at: &Pointer, msg: impl Into<String>) {
        self.sink.push(Finding::error(rule, at.to_string(), msg));
    }
    fn warn(&mut self, rule: &'static str, at: &Pointer, msg: impl Into<String>) {
        self.sink.push(Finding::warning(rule, at.to_string(), msg));
    }
}

/// Checks one top-level STIX object and returns its index fields when `type` and `id` are
/// readable.
pub(crate) fn check_top_level(
    node: &Node<'_>,
    ptr: &Pointer,
    inherited_spec_version: Option<&str>,
    sink: &mut Vec<Finding>,
) -> Option<ObjectIndex> {
    let Some(obj) = node.as_object() else {
        sink.push(Finding::error(
            "S-2",
            ptr.to_string(),
            format!("a STIX object must be a JSON object, not {}", node.kind()),
        ));
        return None;
    };
    let mut w = Walker {
        sink,
        owner_type: String::new(),
    };
    report_duplicates(&mut w, obj, ptr);

    let ty = match obj.get("type") {
        None => {
            w.error("S-2", ptr, "required property 'type' is missing");
            None
        }
        Some(Node::String(s)) => {
            if !is_type_name(s) {
                let rule = if model::spec_of(s).is_some() {
                    "S-3"
                } else {
                    "S-46"
                };
                w.error(rule, &ptr.key("type"), format!("type '{s}' must be 3-250 characters of a-z, 0-9 and '-', start with a letter, and contain no '--'"));
            }
            Some(s.as_ref())
        }
        Some(other) => {
            w.error(
                "S-2",
                &ptr.key("type"),
                format!("'type' must be a string, not {}", other.kind()),
            );
            None
        }
    };
    let ty = ty?;
    w.owner_type = ty.to_owned();
    if ty == "bundle" {
        w.error(
            "S-79",
            &ptr.key("type"),
            "a bundle is not a STIX object and cannot appear inside a bundle or envelope",
        );
        return None;
    }

    let id = check_id_member(&mut w, obj, ptr, ty);

    let (spec, category) = match model::spec_of(ty) {
        Some(spec) => (Some(spec), spec.category),
        None => (None, custom_category(&mut w, obj, ptr, ty)),
    };

    // spec_version (S-21): required "2.1" on everything but SCOs, where it is optional.
    match obj.get("spec_version") {
        Some(Node::String(v)) if v == "2.1" => {}
        Some(Node::String(v)) => w.error(
            "S-21",
            &ptr.key("spec_version"),
            format!("spec_version '{v}' is not '2.1': this validator checks STIX 2.1 content"),
        ),
        Some(other) => w.error(
            "S-21",
            &ptr.key("spec_version"),
            format!(
                "spec_version must be the string '2.1', not {}",
                other.kind()
            ),
        ),
        // A STIX 2.0-style bundle carries the version for its objects. Such files are common
        // (python-stix2's own test data): accept them with a warning, since 2.1 puts the
        // version on every object; the content is still checked against 2.1.
        None if category != Category::Sco && inherited_spec_version.is_some() => w.warn(
            "S-21",
            ptr,
            format!(
                "'spec_version' is missing; the enclosing bundle declares '{}' (STIX 2.0 style), but STIX 2.1 requires it on each object",
                inherited_spec_version.unwrap_or_default()
            ),
        ),
        None if category != Category::Sco => {
            w.error("S-21", ptr, "required property 'spec_version' is missing")
        }
        None => {}
    }

    let common: &[PropSpec] = match category {
        Category::Sdo | Category::Sro => SDO_COMMON,
        Category::Sco => SCO_COMMON,
        _ => &[],
    };
    let not_applicable: &[&str] = match category {
        Category::Sdo | Category::Sro => SDO_NOT_APPLICABLE,
        Category::Sco => SCO_NOT_APPLICABLE,
        _ => &[],
    };
    let empty_spec;
    let spec = match spec {
        Some(s) => s,
        None => {
            // A custom object: only the common properties of its category are known.
            empty_spec = TypeSpec {
                name: "custom",
                category,
                props: &[],
                extensions: &[],
                open: true,
                rules: None,
            };
            &empty_spec
        }
    };
    let toplevel_ext = uses_toplevel_extension(obj);
    check_object(
        &mut w,
        spec,
        common,
        not_applicable,
        obj,
        ptr,
        toplevel_ext,
        true,
    );
    {
        let owner_type = w.owner_type.clone();
        let mut ctx = RuleCtx {
            obj,
            ptr,
            owner_type: &owner_type,
            sink: w.sink,
        };
        crate::validate::rules::granular_selectors(&mut ctx);
    }

    if matches!(category, Category::Sdo | Category::Sro | Category::Meta) {
        check_versioning_timestamps(&mut w, obj, ptr);
    }
    if let Some(id) = &id {
        check_id_version(&mut w, obj, ptr, id, category, spec);
    }

    let id = id?;
    let ts = |k: &str| obj.get_str(k).and_then(|s| StixTimestamp::parse(s).ok());
    Some(ObjectIndex {
        type_name: ty.into(),
        spec_version: obj.get_str("spec_version").map(Into::into),
        created: ts("created"),
        modified: ts("modified"),
        revoked: obj.get("revoked").and_then(Node::as_bool).unwrap_or(false),
        created_by_ref: obj
            .get_str("created_by_ref")
            .and_then(|s| StixId::parse(s).ok()),
        object_marking_refs: obj
            .get("object_marking_refs")
            .and_then(Node::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|n| n.as_str().and_then(|s| StixId::parse(s).ok()))
                    .collect()
            })
            .unwrap_or_default(),
        id,
    })
}

fn report_duplicates(w: &mut Walker<'_>, obj: &Object<'_>, ptr: &Pointer) {
    for d in &obj.duplicates {
        w.error(
            "S-6",
            &ptr.key(d),
            format!("member '{d}' appears more than once (I-JSON forbids duplicate names)"),
        );
    }
}

fn check_id_member(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    ptr: &Pointer,
    ty: &str,
) -> Option<StixId> {
    let at = ptr.key("id");
    match obj.get("id") {
        None => {
            w.error("S-2", ptr, "required property 'id' is missing");
            None
        }
        Some(Node::String(s)) => match StixId::parse(s) {
            Ok(id) => {
                if id.object_type() != ty {
                    w.error(
                        "S-13",
                        &at,
                        format!(
                            "id prefix '{}' must equal the object type '{ty}'",
                            id.object_type()
                        ),
                    );
                }
                if id.has_uppercase_hex() {
                    w.warn(
                        "S-13",
                        &at,
                        "the UUID of an id should be written in lowercase hex (RFC 4122)",
                    );
                }
                Some(id)
            }
            Err(e) => {
                w.error("S-13", &at, e.to_string());
                None
            }
        },
        Some(other) => {
            w.error(
                "S-13",
                &at,
                format!("'id' must be a string, not {}", other.kind()),
            );
            None
        }
    }
}

/// Category of a type STIX 2.1 does not define: from a new-sdo/new-sco/new-sro extension
/// (section 7.3), else a deprecated custom object (section 11.2), treated like an SDO.
fn custom_category(w: &mut Walker<'_>, obj: &Object<'_>, ptr: &Pointer, ty: &str) -> Category {
    let declared = obj
        .get("extensions")
        .and_then(Node::as_object)
        .and_then(|exts| {
            exts.iter().find_map(|(k, v)| {
                if !k.starts_with("extension-definition--") {
                    return None;
                }
                match v.as_object()?.get_str("extension_type")? {
                    "new-sdo" => Some(Category::Sdo),
                    "new-sco" => Some(Category::Sco),
                    "new-sro" => Some(Category::Sro),
                    _ => None,
                }
            })
        });
    match declared {
        Some(c) => c,
        None => {
            if !ty.starts_with("x-") {
                w.warn(
                    "S-46",
                    &ptr.key("type"),
                    format!("custom object type '{ty}' should start with 'x-'"),
                );
            }
            w.warn("S-48", &ptr.key("type"), format!("custom object type '{ty}' should be defined by an extension-definition (new-sdo, new-sco or new-sro) instead of the deprecated custom object mechanism"));
            Category::Sdo
        }
    }
}

fn uses_toplevel_extension(obj: &Object<'_>) -> bool {
    obj.get("extensions")
        .and_then(Node::as_object)
        .is_some_and(|exts| {
            exts.iter().any(|(_, v)| {
                v.as_object().and_then(|o| o.get_str("extension_type"))
                    == Some("toplevel-property-extension")
            })
        })
}

/// S-24: modified >= created; S-23 is covered by the timestamp kind.
fn check_versioning_timestamps(w: &mut Walker<'_>, obj: &Object<'_>, ptr: &Pointer) {
    let ts = |k: &str| obj.get_str(k).and_then(|s| StixTimestamp::parse(s).ok());
    if let (Some(c), Some(m)) = (ts("created"), ts("modified"))
        && m < c
    {
        w.error(
            "S-24",
            &ptr.key("modified"),
            format!("'modified' ({m}) must be later than or equal to 'created' ({c})"),
        );
    }
}

/// S-15/S-16/S-17: UUID versions of ids.
fn check_id_version(
    w: &mut Walker<'_>,
    obj: &Object<'_>,
    ptr: &Pointer,
    id: &StixId,
    category: Category,
    spec: &TypeSpec,
) {
    let at = ptr.key("id");
    let version = id.uuid().get_version_num();
    if category == Category::Sco && spec.name != "custom" {
        match sco_id::expected_uuid_for(spec.name, obj) {
            Some(Ok(expected)) => {
                if expected != id.uuid() {
                    w.warn("S-16", &at, format!("SCO id should be the deterministic UUIDv5 of its ID contributing properties: {}--{expected}", spec.name));
                }
            }
            Some(Err(_)) => {} // contributing properties malformed: reported by the property walk
            None => {
                if version != 4 {
                    w.error("S-17", &at, format!("a {} without ID contributing properties must use a UUIDv4 id, not version {version}", spec.name));
                }
            }
        }
    } else if category != Category::Sco && version != 4 {
        w.warn(
            "S-15",
            &at,
            format!("ids of SDOs, SROs and meta objects should be UUIDv4, not version {version}"),
        );
    }
}

/// Checks the members of an object (top level or nested) against its specification.
#[allow(clippy::too_many_arguments)]
fn check_object(
    w: &mut Walker<'_>,
    spec: &TypeSpec,
    common: &[PropSpec],
    not_applicable: &[&str],
    obj: &Object<'_>,
    ptr: &Pointer,
    toplevel_ext: bool,
    top: bool,
) {
    for p in common.iter().chain(spec.props) {
        // `type`, `id` and `spec_version` of a top-level object are checked by the caller.
        let handled = top && matches!(p.name, "type" | "id" | "spec_version");
        if p.presence == Presence::Required && !handled && !obj.contains_key(p.name) {
            w.error(
                required_rule(spec),
                ptr,
                format!("required property '{}' is missing", p.name),
            );
        }
    }
    for (key, value) in obj.iter() {
        if top && (key == "type" || key == "id" || key == "spec_version") {
            continue;
        }
        let at = ptr.key(key);
        if let Some(p) = spec
            .prop(key)
            .or_else(|| common.iter().find(|p| p.name == key))
        {
            match p.kind {
                Kind::Extensions => check_extensions(w, spec, value, &at),
                _ => check_value(w, &p.kind, value, &at, key),
            }
            continue;
        }
        if not_applicable.contains(&key) {
            if spec.category == Category::Sco {
                w.warn("S-35", &at, format!("'{key}' is not applicable to SCOs (an SCO that is versioned must not use a deterministic id, S-18)"));
            } else {
                w.error(
                    "S-33",
                    &at,
                    format!(
                        "'{key}' must not be used on an {}",
                        category_label(spec.category)
                    ),
                );
            }
            continue;
        }
        if top && RESERVED_PROPERTY_NAMES.contains(&key) {
            w.error(
                "S-44",
                &at,
                format!("'{key}' is a reserved property name and must not be used"),
            );
            continue;
        }
        if !spec.open {
            w.error(
                required_rule(spec),
                &at,
                format!("'{key}' is not a property of {}", spec.name),
            );
            continue;
        }
        check_custom_property(
            w,
            key,
            value,
            &at,
            toplevel_ext && top,
            spec.category == Category::Nested,
        );
    }
    if let Some(rules) = spec.rules {
        let owner_type = w.owner_type.clone();
        let mut ctx = RuleCtx {
            obj,
            ptr,
            owner_type: &owner_type,
            sink: w.sink,
        };
        rules(&mut ctx);
    }
}

fn category_label(c: Category) -> &'static str {
    match c {
        Category::Sdo => "SDO",
        Category::Sro => "SRO",
        Category::Sco => "SCO",
        Category::Meta => "meta object",
        Category::Bundle => "bundle",
        Category::Nested => "embedded structure",
    }
}

/// The checklist rule that lists a type's required properties.
fn required_rule(spec: &TypeSpec) -> &'static str {
    match spec.name {
        "relationship" => "S-61",
        "sighting" => "S-62",
        "external-reference" => "S-8",
        "kill-chain-phase" => "S-9",
        "granular-marking" => "S-74",
        "marking-definition" => "S-69",
        "extension-definition" => "S-50",
        "language-content" => "S-78",
        "bundle" => "S-79",
        name if spec.category == Category::Nested && name.ends_with("-ext") => "S-57",
        _ => match spec.category {
            Category::Sdo => "S-59",
            Category::Sco => "S-63",
            _ => "S-2",
        },
    }
}

/// S-45 (deprecated custom properties), S-48 (use extensions instead), S-4 (suffixes).
fn check_custom_property(
    w: &mut Walker<'_>,
    key: &str,
    value: &Node<'_>,
    at: &Pointer,
    in_toplevel_ext: bool,
    nested: bool,
) {
    if !is_property_name(key) {
        w.error(
            "S-45",
            at,
            format!("custom property name '{key}' must be 3-250 characters of a-z, 0-9 and '_'"),
        );
        return;
    }
    if !in_toplevel_ext && !nested {
        if key.starts_with("x_") {
            w.warn("S-48", at, format!("custom property '{key}' should be defined by an extension-definition (property-extension or toplevel-property-extension)"));
        } else {
            w.warn("S-48", at, format!("custom property '{key}' has no 'x_' prefix and no extension-definition defines it"));
        }
    }
    check_suffix(w, key, value, at);
}

/// `[a-z0-9_]{3,250}` (S-45, S-56).
pub(crate) fn is_property_name(key: &str) -> bool {
    (3..=250).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// S-4: the meaning of `_ref`, `_refs`, `_bin`, `_hex` suffixes holds for custom properties too.
fn check_suffix(w: &mut Walker<'_>, key: &str, value: &Node<'_>, at: &Pointer) {
    if key.ends_with("_ref") {
        check_value(w, &Kind::Identifier(RefTarget::Any), value, at, key);
    } else if key.ends_with("_refs") {
        check_value(
            w,
            &Kind::List(&Kind::Identifier(RefTarget::Any)),
            value,
            at,
            key,
        );
    } else if key.ends_with("_bin") {
        check_value(w, &Kind::Binary, value, at, key);
    } else if key.ends_with("_hex") {
        check_value(w, &Kind::Hex, value, at, key);
    }
}

fn check_value(w: &mut Walker<'_>, kind: &Kind, node: &Node<'_>, at: &Pointer, prop: &str) {
    let type_err = |w: &mut Walker<'_>, want: &str| {
        w.error(
            "S-2",
            at,
            format!("'{prop}' must be {want}, not {}", node.kind()),
        );
    };
    match kind {
        Kind::Any => {}
        Kind::String => {
            if node.as_str().is_none() {
                type_err(w, "a string");
            }
        }
        Kind::Boolean => {
            if node.as_bool().is_none() {
                w.error(
                    "S-12",
                    at,
                    format!(
                        "'{prop}' must be a JSON boolean (true or false), not {}",
                        node.kind()
                    ),
                );
            }
        }
        Kind::Integer { min, max } => match node.as_integer() {
            None => type_err(w, "an integer"),
            Some(v) => {
                if !(-MAX_SAFE_INT..=MAX_SAFE_INT).contains(&v) {
                    w.error(
                        "S-10",
                        at,
                        format!("integer {v} is outside the range -(2^53)+1 .. 2^53-1"),
                    );
                } else if min.is_some_and(|m| v < i128::from(m))
                    || max.is_some_and(|m| v > i128::from(m))
                {
                    w.error(
                        range_rule(prop),
                        at,
                        format!("'{prop}' is {v}, outside {}", range_text(*min, *max)),
                    );
                }
            }
        },
        Kind::Float { min, max } => match node.as_f64() {
            None => type_err(w, "a number"),
            Some(v) => {
                if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                    w.error(
                        range_rule(prop),
                        at,
                        format!(
                            "'{prop}' is {v}, outside [{}, {}]",
                            min.unwrap_or(f64::MIN),
                            max.unwrap_or(f64::MAX)
                        ),
                    );
                }
            }
        },
        Kind::Timestamp { millis } => match node.as_str() {
            None => type_err(w, "a timestamp string"),
            Some(s) => match StixTimestamp::check(s) {
                Ok(_) => {
                    // Digits after "YYYY-MM-DDTHH:MM:SS." and before "Z".
                    if *millis && s.len().saturating_sub(21) < 3 {
                        w.error("S-23", at, format!("'{prop}' must be precise to at least the millisecond (3 fractional digits): '{s}'"));
                    }
                }
                Err(crate::timestamp::TimestampError::Calendar(_)) => {
                    w.error(
                        "S-26",
                        at,
                        format!("'{s}' is not a real calendar date and time"),
                    );
                }
                Err(e) => w.error("S-22", at, e.to_string()),
            },
        },
        Kind::Identifier(target) => match node.as_str() {
            None => type_err(w, "an identifier string"),
            Some(s) => match StixId::check(s) {
                Err(e) => w.error("S-13", at, format!("'{prop}': {e}")),
                Ok(id) => {
                    if id.uppercase {
                        w.warn("S-13", at, "identifiers should be written in lowercase hex");
                    }
                    if !target_allows(target, id.object_type) {
                        let owner = w.owner_type.clone();
                        w.error(
                            ref_rule(&owner, prop),
                            at,
                            format!(
                                "'{prop}' must reference {}, not a {}",
                                target_text(target),
                                id.object_type
                            ),
                        );
                    }
                }
            },
        },
        Kind::Binary => match node.as_str() {
            None => type_err(w, "a base64 string"),
            Some(s) => {
                if !text::is_base64(s) {
                    w.error(
                        "S-11",
                        at,
                        format!("'{prop}' is not valid base64 (RFC 4648)"),
                    );
                }
            }
        },
        Kind::Hex => match node.as_str() {
            None => type_err(w, "a hex string"),
            Some(s) => {
                // Section 2.8: digits and the lower-case letters a-f, an even number of them
                // (the OASIS schema also allows A-F; the text is normative).
                let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
                if s.len() % 2 != 0 || !s.bytes().all(hex) {
                    w.error(
                        "S-11",
                        at,
                        format!("'{prop}' must be an even number of hexadecimal digits 0-9 and lowercase a-f"),
                    );
                }
            }
        },
        Kind::Url => match node.as_str() {
            None => type_err(w, "a URL string"),
            Some(s) => {
                if !text::is_url(s) {
                    w.error(
                        "S-2",
                        at,
                        format!("'{prop}' is not a URL (RFC 3986): '{s}'"),
                    );
                }
            }
        },
        Kind::LanguageTag => match node.as_str() {
            None => type_err(w, "a language tag string"),
            Some(s) => {
                if !text::is_language_tag(s) {
                    w.error("S-31", at, format!("'{s}' is not an RFC 5646 language tag"));
                }
            }
        },
        Kind::Dictionary => check_dictionary(w, node, at, prop, None),
        Kind::DictionaryOf(k) => check_dictionary(w, node, at, prop, Some(k)),
        Kind::Hashes => check_hashes(w, node, at, prop),
        Kind::OpenVocab(v) => match node.as_str() {
            None => type_err(w, "a string"),
            Some(s) => check_open_vocab(w, v, s, at),
        },
        Kind::Enum(v) => match node.as_str() {
            None => type_err(w, "a string"),
            Some(s) => {
                if !v.contains(s) {
                    w.error(
                        "S-67",
                        at,
                        format!("'{s}' is not a value of the closed enumeration {}", v.name),
                    );
                }
            }
        },
        Kind::List(item) => match node.as_array() {
            None => type_err(w, "a list"),
            Some([]) => w.error(
                "S-5",
                at,
                format!("'{prop}' is an empty list: omit the property instead"),
            ),
            Some(items) => {
                for (i, n) in items.iter().enumerate() {
                    check_value(w, item, n, &at.index(i), prop);
                }
            }
        },
        Kind::Object(spec) => match node.as_object() {
            None => type_err(w, "an object"),
            Some(o) => {
                report_duplicates(w, o, at);
                if o.is_empty() {
                    w.error("S-6", at, format!("'{prop}' is an empty object"));
                }
                check_object(w, spec, &[], &[], o, at, false, false);
            }
        },
        Kind::Extensions => {
            // Reached only for `extensions` inside nested structures; the owner spec is unknown.
            check_dictionary(w, node, at, prop, None);
        }
    }
}

fn range_rule(prop: &str) -> &'static str {
    match prop {
        "confidence" => "S-30",
        "number_observed" | "latitude" | "longitude" => "S-60",
        "count" => "S-62",
        "src_port" | "dst_port" => "S-65",
        // SCO sizes and counters are non-negative integers (section 6 property tables).
        p if p == "size"
            || p.ends_with("_byte_count")
            || p.ends_with("_packets")
            || p.starts_with("number_of_")
            || p.starts_with("size_of_")
            || p == "socket_descriptor"
            || p == "message_body_length" =>
        {
            "S-65"
        }
        _ => "S-2",
    }
}

fn range_text(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a}..{b}"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => String::from("the allowed range"),
    }
}

/// The checklist rule for a reference that points at the wrong type.
fn ref_rule(owner: &str, prop: &str) -> &'static str {
    match prop {
        "created_by_ref" => "S-27",
        "object_marking_refs" | "marking_ref" => "S-32",
        "source_ref" | "target_ref" => "S-61",
        "sighting_of_ref" | "observed_data_refs" | "where_sighted_refs" => "S-62",
        _ => match model::category_of(owner) {
            Some(Category::Sco) => "S-64",
            Some(Category::Sdo) => "S-60",
            _ => "S-20",
        },
    }
}

fn target_allows(target: &RefTarget, ty: &str) -> bool {
    let cat = model::category_of(ty);
    match target {
        RefTarget::Any => true,
        RefTarget::Types(types) => types.contains(&ty),
        // Custom types (cat None) may be SDOs or SCOs: accept them.
        RefTarget::SdoOrSco => matches!(cat, None | Some(Category::Sdo | Category::Sco)),
        RefTarget::Sdo => matches!(cat, None | Some(Category::Sdo)),
        RefTarget::Sco => matches!(cat, None | Some(Category::Sco)),
        RefTarget::ScoOrSro => matches!(cat, None | Some(Category::Sco | Category::Sro)),
    }
}

fn target_text(target: &RefTarget) -> String {
    match target {
        RefTarget::Any => "any object".into(),
        RefTarget::Types(t) => t.join(" or "),
        RefTarget::SdoOrSco => "an SDO or SCO".into(),
        RefTarget::Sdo => "an SDO".into(),
        RefTarget::Sco => "an SCO".into(),
        RefTarget::ScoOrSro => "an SCO or SRO".into(),
    }
}

/// S-66: suggested values, and the lowercase-hyphen convention for others.
fn check_open_vocab(w: &mut Walker<'_>, v: &Vocab, s: &str, at: &Pointer) {
    if v.contains(s) {
        return;
    }
    if s.bytes()
        .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b'_')
    {
        w.warn(
            "S-66",
            at,
            format!(
                "'{s}' should be lowercase with hyphens between words ({})",
                v.name
            ),
        );
    }
    w.warn(
        "S-66",
        at,
        format!("'{s}' is not in the suggested vocabulary {}", v.name),
    );
}

/// S-6: dictionaries have at least one entry and keys of `[A-Za-z0-9_-]`, at most 250 characters.
fn check_dictionary(
    w: &mut Walker<'_>,
    node: &Node<'_>,
    at: &Pointer,
    prop: &str,
    values: Option<&Kind>,
) {
    let Some(o) = node.as_object() else {
        w.error(
            "S-2",
            at,
            format!(
                "'{prop}' must be a dictionary (JSON object), not {}",
                node.kind()
            ),
        );
        return;
    };
    report_duplicates(w, o, at);
    if o.is_empty() {
        w.error(
            "S-6",
            at,
            format!("'{prop}' is an empty dictionary: omit the property instead"),
        );
    }
    for (k, v) in o.iter() {
        let kat = at.key(k);
        if k.is_empty()
            || k.len() > 250
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            w.error(
                "S-6",
                &kat,
                format!(
                    "dictionary key '{k}' must be 1-250 characters of A-Z, a-z, 0-9, '_' and '-'"
                ),
            );
        }
        if let Some(kind) = values {
            check_value(w, kind, v, &kat, k);
        }
    }
}

/// S-7: hash names and value formats.
fn check_hashes(w: &mut Walker<'_>, node: &Node<'_>, at: &Pointer, prop: &str) {
    let Some(o) = node.as_object() else {
        w.error(
            "S-2",
            at,
            format!("'{prop}' must be a hashes dictionary, not {}", node.kind()),
        );
        return;
    };
    report_duplicates(w, o, at);
    if o.is_empty() {
        w.error(
            "S-6",
            at,
            format!("'{prop}' is an empty dictionary: omit the property instead"),
        );
    }
    for (k, v) in o.iter() {
        let kat = at.key(k);
        if !(3..=250).contains(&k.len())
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            w.error(
                "S-7",
                &kat,
                format!("hash name '{k}' must be 3-250 characters of A-Z, a-z, 0-9, '_' and '-'"),
            );
            continue;
        }
        let Some(value) = v.as_str() else {
            w.error(
                "S-7",
                &kat,
                format!("hash value must be a string, not {}", v.kind()),
            );
            continue;
        };
        match text::hash_format_ok(k, value) {
            Some(true) => {}
            Some(false) => w.error("S-7", &kat, format!("'{value}' is not a valid {k} hash value")),
            None => w.warn("S-7", &kat, format!("hash algorithm '{k}' is not in hash-algorithm-ov (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH)")),
        }
    }
}

/// S-34, S-47, S-51, S-53, S-54, S-56, S-57.
fn check_extensions(w: &mut Walker<'_>, owner: &TypeSpec, node: &Node<'_>, at: &Pointer) {
    let Some(exts) = node.as_object() else {
        w.error(
            "S-2",
            at,
            format!("'extensions' must be a dictionary, not {}", node.kind()),
        );
        return;
    };
    report_duplicates(w, exts, at);
    if exts.is_empty() {
        w.error(
            "S-6",
            at,
            "'extensions' is an empty dictionary: omit the property instead",
        );
    }
    for (key, value) in exts.iter() {
        let kat = at.key(key);
        let Some(ext) = value.as_object() else {
            w.error(
                "S-34",
                &kat,
                format!("extension '{key}' must be an object, not {}", value.kind()),
            );
            continue;
        };
        report_duplicates(w, ext, &kat);
        if let Some(predefined) = owner.extensions.iter().find(|s| s.name == key) {
            if ext.is_empty() {
                w.error(
                    "S-57",
                    &kat,
                    format!("predefined extension '{key}' must contain at least one property"),
                );
            }
            check_object(w, predefined, &[], &[], ext, &kat, false, false);
        } else if key.starts_with("extension-definition--") {
            if let Err(e) = StixId::parse(key) {
                w.error("S-34", &kat, format!("extension key '{key}': {e}"));
            }
            check_extension_definition_use(w, owner, ext, &kat);
        } else if key.ends_with("-ext") {
            if !is_type_name(key) {
                w.error(
                    "S-47",
                    &kat,
                    format!(
                        "custom extension name '{key}' must be 3-250 characters of a-z, 0-9 and '-'"
                    ),
                );
            } else if owner.category != Category::Sco {
                w.error(
                    "S-34",
                    &kat,
                    format!("'{key}' is not a predefined extension of {}", owner.name),
                );
            } else {
                if !key.starts_with("x-") {
                    w.warn(
                        "S-47",
                        &kat,
                        format!("custom extension '{key}' should start with 'x-'"),
                    );
                }
                w.warn(
                    "S-48",
                    &kat,
                    format!(
                        "custom extension '{key}' should be defined by an extension-definition"
                    ),
                );
                if ext.is_empty() {
                    w.error(
                        "S-47",
                        &kat,
                        "a custom extension must contain at least one property",
                    );
                }
            }
        } else {
            w.error("S-34", &kat, format!("extension key '{key}' is neither a predefined extension of {}, an extension-definition id, nor a custom '-ext' name", owner.name));
        }
    }
}

fn check_extension_definition_use(
    w: &mut Walker<'_>,
    owner: &TypeSpec,
    ext: &Object<'_>,
    at: &Pointer,
) {
    let kind = match ext.get("extension_type") {
        None => {
            w.error(
                "S-34",
                at,
                "an extension-definition extension must carry 'extension_type'",
            );
            None
        }
        Some(Node::String(s)) if EXTENSION_TYPES.contains(&s.as_ref()) => Some(s.as_ref()),
        Some(Node::String(s)) => {
            w.error(
                "S-51",
                &at.key("extension_type"),
                format!("'{s}' is not a value of extension-type-enum"),
            );
            None
        }
        Some(other) => {
            w.error(
                "S-51",
                &at.key("extension_type"),
                format!("'extension_type' must be a string, not {}", other.kind()),
            );
            None
        }
    };
    match kind {
        Some("new-sdo" | "new-sco" | "new-sro") if owner.name != "custom" => {
            w.error(
                "S-54",
                at,
                format!(
                    "a new object type extension cannot be used on the predefined type '{}'",
                    owner.name
                ),
            );
        }
        Some("toplevel-property-extension") if ext.len() > 1 => {
            w.warn("S-53", at, "a toplevel-property-extension entry should only carry 'extension_type'; its properties belong at the top level");
        }
        _ => {}
    }
    for (k, _) in ext.iter() {
        if k != "extension_type" && !is_property_name(k) {
            w.error(
                "S-56",
                &at.key(k),
                format!(
                    "extension property name '{k}' must be 3-250 characters of a-z, 0-9 and '_'"
                ),
            );
        }
    }
}
