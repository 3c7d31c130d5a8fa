//! Single-rule mutations: each takes a valid object and breaks exactly one rule of the
//! checklist (`conformance-checklist.md`, S-n and P-n), returning which one.

use serde_json::{Map, Value, json};

use crate::pattern;
use crate::rng::Rng;
use crate::values as v;

type Obj = Map<String, Value>;

/// What a mutation did: the rule it breaks and a stable name for grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    /// The checklist rule the mutated object breaks.
    pub rule: &'static str,
    /// Other rule ids under which the same defect is legitimately reported (the checklist
    /// names some requirements twice, e.g. a required common property is both S-2 and S-35).
    pub also: &'static [&'static str],
    /// Stable label, e.g. `drop-required:name`.
    pub name: String,
    /// The mutation is about the id itself: do not recompute an SCO's deterministic id.
    pub keep_id: bool,
}

fn mk(
    rule: &'static str,
    also: &'static [&'static str],
    name: impl Into<String>,
) -> Option<Mutation> {
    Some(Mutation {
        rule,
        also,
        name: name.into(),
        keep_id: false,
    })
}

type MutFn = fn(&str, &mut Obj, &mut Rng) -> Option<Mutation>;

const GENERIC: &[MutFn] = &[
    drop_required,
    drop_required,
    wrong_type,
    bad_timestamp,
    empty_list,
    empty_dict,
    bad_id,
    out_of_range,
    reserved_property,
    bad_custom_name,
    common_ref_wrong_type,
    bad_lang,
    bad_external_reference,
    bad_kill_chain_phase,
    bad_granular_marking,
    bad_hash,
    bad_encoding,
    bad_extension,
    defanged_on_sdo,
    modified_before_created,
    bad_spec_version,
];

/// Applies one mutation to a valid object of type `ty`, or returns `None` when none applies.
pub fn mutate(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let specific = r.chance(0.55);
    if specific && let Some(x) = type_specific(ty, m, r) {
        return Some(x);
    }
    let start = r.below(GENERIC.len());
    for i in 0..GENERIC.len() {
        let f = GENERIC[(start + i) % GENERIC.len()];
        let mut trial = m.clone();
        if let Some(x) = f(ty, &mut trial, r) {
            *m = trial;
            return Some(x);
        }
    }
    type_specific(ty, m, r)
}

fn is_sco(ty: &str) -> bool {
    v::SCO_TYPES.contains(&ty)
}

fn is_sdo_like(ty: &str) -> bool {
    !is_sco(ty) && ty != "marking-definition"
}

/// The checklist rule that lists a type's required properties (S-59, S-61, ...).
pub fn required_rule(ty: &str) -> &'static str {
    match ty {
        "relationship" => "S-61",
        "sighting" => "S-62",
        "marking-definition" => "S-69",
        "extension-definition" => "S-50",
        "language-content" => "S-78",
        _ if is_sco(ty) => "S-63",
        _ => "S-59",
    }
}

/// Type-specific required properties (sections 4-7).
fn required_props(ty: &str) -> &'static [&'static str] {
    match ty {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident"
        | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => {
            &["name"]
        }
        "grouping" => &["context", "object_refs"],
        "indicator" => &["pattern", "pattern_type", "valid_from"],
        "malware" => &["is_family"],
        "malware-analysis" => &["product"],
        "note" => &["content", "object_refs"],
        "observed-data" => &["first_observed", "last_observed", "number_observed"],
        "opinion" => &["opinion", "object_refs"],
        "report" => &["name", "published", "object_refs"],
        "relationship" => &["relationship_type", "source_ref", "target_ref"],
        "sighting" => &["sighting_of_ref"],
        "extension-definition" => &[
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ],
        "language-content" => &["object_ref", "contents"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["is_multipart"],
        "mutex" => &["name"],
        "network-traffic" => &["protocols"],
        "software" => &["name"],
        _ => &[],
    }
}

fn drop_required(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let mut options: Vec<&str> = required_props(ty)
        .iter()
        .copied()
        .filter(|p| m.contains_key(*p))
        .collect();
    let common: &[&str] = if is_sco(ty) {
        &["id"]
    } else if ty == "marking-definition" {
        &["id", "created", "spec_version"]
    } else {
        &["id", "created", "modified", "spec_version"]
    };
    options.extend(common.iter().copied().filter(|p| m.contains_key(*p)));
    if options.is_empty() {
        return None;
    }
    let p = *r.pick(&options);
    m.remove(p);
    let (rule, also): (&'static str, &'static [&'static str]) = match p {
        "spec_version" => ("S-21", &[]),
        "id" => ("S-2", &["S-13", "S-35"]),
        "created" | "modified" => (
            "S-35",
            &["S-2", "S-59", "S-61", "S-62", "S-69", "S-50", "S-78"],
        ),
        _ => (required_rule(ty), &["S-2"]),
    };
    let mut x = mk(rule, also, format!("drop-required:{p}"))?;
    x.keep_id = p == "id";
    Some(x)
}

/// Properties that are not touched by the generic type mutation.
const STRUCTURAL: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "extensions",
    "granular_markings",
];

fn wrong_type(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let keys: Vec<String> = m
        .keys()
        .filter(|k| {
            !STRUCTURAL.contains(&k.as_str()) && !k.starts_with("x_") && *k != "toplevel_priority"
        })
        .cloned()
        .collect();
    if keys.is_empty() {
        return None;
    }
    let k = r.pick(&keys).clone();
    let old = m.get(&k).cloned().unwrap_or(Value::Null);
    let (new, rule, also, what): (Value, &'static str, &'static [&'static str], &str) = match old {
        Value::String(_) => (
            json!(42),
            "S-2",
            &["S-22", "S-13", "S-11"],
            "string-as-number",
        ),
        Value::Bool(b) => (
            json!(if b { "true" } else { "false" }),
            "S-12",
            &["S-2"],
            "boolean-as-string",
        ),
        Value::Number(n) => (json!(n.to_string()), "S-2", &["S-10"], "number-as-string"),
        Value::Array(_) => (json!("single value"), "S-2", &["S-5"], "list-as-string"),
        Value::Object(_) => (
            json!(["not", "an", "object"]),
            "S-2",
            &["S-6", "S-7"],
            "object-as-list",
        ),
        Value::Null => return None,
    };
    m.insert(k.clone(), new);
    mk(rule, also, format!("wrong-type:{what}:{k}"))
}

const TIMESTAMPS: &[&str] = &[
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "published",
    "start_time",
    "stop_time",
    "submitted",
    "analysis_started",
    "analysis_ended",
    "object_modified",
    "ctime",
    "mtime",
    "atime",
    "date",
    "start",
    "end",
    "created_time",
    "modified_time",
    "account_created",
    "account_expires",
    "credential_last_changed",
    "account_first_login",
    "account_last_login",
    "validity_not_before",
    "validity_not_after",
];

fn bad_timestamp(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let present: Vec<&str> = TIMESTAMPS
        .iter()
        .copied()
        .filter(|p| m.get(*p).is_some_and(Value::is_string))
        .collect();
    if present.is_empty() {
        return None;
    }
    let p = *r.pick(&present);
    let old = m.get(p).and_then(Value::as_str).unwrap_or("").to_owned();
    let date = old.get(..10).unwrap_or("2016-04-06").to_owned();
    let (new, rule, what): (String, &'static str, &str) = match r.below(6) {
        0 => (old.replace('Z', "+00:00"), "S-22", "offset-instead-of-z"),
        1 => (
            old.replace('T', "t").replace('Z', "z"),
            "S-22",
            "lowercase-t-z",
        ),
        2 => (old.trim_end_matches('Z').to_owned(), "S-22", "no-z"),
        3 => (
            format!("{}-02-30T10:00:00.000Z", &date[..4]),
            "S-26",
            "impossible-date",
        ),
        4 => (format!("{date} 10:00:00.000Z"), "S-22", "space-separator"),
        _ if matches!(p, "created" | "modified") => (
            format!("{date}T10:00:00Z"),
            "S-23",
            "no-millis-on-created-modified",
        ),
        _ => (format!("{date}T25:00:00Z"), "S-22", "hour-25"),
    };
    if new == old {
        return None;
    }
    m.insert(p.to_owned(), json!(new));
    mk(
        rule,
        &["S-22", "S-24", "S-26"],
        format!("bad-timestamp:{what}"),
    )
}

fn empty_list(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let keys: Vec<String> = m
        .iter()
        .filter(|(k, val)| val.is_array() && !k.starts_with("x_"))
        .map(|(k, _)| k.clone())
        .collect();
    if keys.is_empty() {
        return None;
    }
    let k = r.pick(&keys).clone();
    m.insert(k.clone(), json!([]));
    mk("S-5", &[], format!("empty-list:{k}"))
}

fn empty_dict(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let keys: Vec<String> = m
        .iter()
        .filter(|(k, val)| val.is_object() && *k != "objects")
        .map(|(k, _)| k.clone())
        .collect();
    if keys.is_empty() {
        return None;
    }
    let k = r.pick(&keys).clone();
    m.insert(k.clone(), json!({}));
    mk(
        "S-6",
        &["S-7", "S-34", "S-72", "S-69", "S-78"],
        format!("empty-dict:{k}"),
    )
}

fn bad_id(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let id = m.get("id")?.as_str()?.to_owned();
    let (_, uuid) = id.split_once("--")?;
    let (new, what) = match r.below(4) {
        0 => {
            let other = if ty == "malware" { "tool" } else { "malware" };
            (format!("{other}--{uuid}"), "prefix-mismatch")
        }
        1 => (
            format!("{ty}--{}", &uuid[..uuid.len().min(23)]),
            "truncated-uuid",
        ),
        2 => (
            format!(
                "{ty}--{}",
                uuid.replacen(|c: char| c.is_ascii_hexdigit(), "g", 1)
            ),
            "non-hex-uuid",
        ),
        _ => (format!("{ty}-{uuid}"), "single-hyphen"),
    };
    m.insert("id".into(), json!(new));
    let mut x = mk("S-13", &[], format!("bad-id:{what}"))?;
    x.keep_id = true;
    Some(x)
}

fn out_of_range(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let mut options: Vec<(&str, Value, &'static str)> = Vec::new();
    for (p, bad, rule) in [
        ("confidence", json!(101), "S-30"),
        ("confidence", json!(-1), "S-30"),
        ("number_observed", json!(0), "S-60"),
        ("number_observed", json!(1_000_000_000), "S-60"),
        ("count", json!(1_000_000_000), "S-62"),
        ("count", json!(-1), "S-62"),
        ("src_port", json!(70000), "S-65"),
        ("dst_port", json!(-1), "S-65"),
        ("latitude", json!(91.5), "S-60"),
        ("longitude", json!(-180.5), "S-60"),
        ("size", json!(-1), "S-65"),
    ] {
        if m.contains_key(p) {
            options.push((p, bad, rule));
        }
    }
    // Integers outside the I-JSON range of S-10 on any integer property.
    for (k, val) in m.iter() {
        if val.is_i64() && !k.starts_with("x_") && k != "toplevel_priority" {
            let k: &str = k.as_str();
            let name: &'static str = INTEGER_PROPS
                .iter()
                .find(|p| **p == k)
                .copied()
                .unwrap_or("");
            if !name.is_empty() {
                options.push((name, json!(9_007_199_254_740_993u64), "S-10"));
            }
        }
    }
    if options.is_empty() {
        return None;
    }
    let (p, bad, rule) = r.pick(&options).clone();
    m.insert(p.to_owned(), bad.clone());
    mk(rule, &["S-10", "S-2"], format!("out-of-range:{p}={bad}"))
}

const INTEGER_PROPS: &[&str] = &[
    "confidence",
    "number_observed",
    "count",
    "src_port",
    "dst_port",
    "size",
    "number",
    "pid",
    "src_byte_count",
    "dst_byte_count",
    "src_packets",
    "dst_packets",
    "number_of_subkeys",
    "subject_public_key_exponent",
];

fn reserved_property(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let p = *r.pick(&["severity", "action", "username", "phone_numbers"]);
    m.insert(p.to_owned(), json!("high"));
    mk("S-44", &[], format!("reserved-property:{p}"))
}

fn bad_custom_name(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let p = *r.pick(&["x_Acme_Score", "xy", "x-acme-score", "x_acme score"]);
    m.insert(p.to_owned(), json!(1));
    mk("S-45", &["S-3"], format!("bad-custom-property-name:{p}"))
}

fn common_ref_wrong_type(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    if r.chance(0.5) && is_sdo_like(ty) {
        m.insert("created_by_ref".into(), json!(v::id(r, "malware")));
        return mk("S-27", &["S-20"], "ref-wrong-type:created_by_ref->malware");
    }
    m.insert("object_marking_refs".into(), json!([v::id(r, "identity")]));
    mk(
        "S-32",
        &["S-20"],
        "ref-wrong-type:object_marking_refs->identity",
    )
}

fn bad_lang(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    if !is_sdo_like(ty) || ty == "language-content" || ty == "extension-definition" {
        return None;
    }
    let tag = *r.pick(&["english language", "en_US", "e"]);
    m.insert("lang".into(), json!(tag));
    mk("S-31", &[], "bad-lang")
}

fn bad_external_reference(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    if is_sco(ty) {
        return None;
    }
    let (er, what) = match r.below(3) {
        0 => (json!({"source_name": "acme"}), "only-source-name"),
        1 => (
            json!({"source_name": "capec", "external_id": "CAPEC-X1"}),
            "bad-capec-id",
        ),
        _ => (
            json!({"source_name": "cve", "external_id": "CVE-99-1"}),
            "bad-cve-id",
        ),
    };
    m.insert("external_references".into(), json!([er]));
    mk("S-8", &[], format!("bad-external-reference:{what}"))
}

fn bad_kill_chain_phase(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let phases = m.get_mut("kill_chain_phases")?.as_array_mut()?;
    let first = phases.first_mut()?.as_object_mut()?;
    let p = *r.pick(&["phase_name", "kill_chain_name"]);
    first.remove(p);
    mk("S-9", &["S-2"], format!("kill-chain-phase-missing:{p}"))
}

fn bad_granular_marking(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let tlp = r.pick(&v::TLP).0;
    let (gm, rule, what): (Value, &'static str, &str) = match r.below(4) {
        0 => (
            json!({"selectors": ["no_such_property"], "marking_ref": tlp}),
            "S-75",
            "selector-to-absent-property",
        ),
        1 => {
            let key = m
                .keys()
                .find(|k| {
                    !matches!(
                        k.as_str(),
                        "type" | "id" | "spec_version" | "granular_markings"
                    )
                })?
                .clone();
            (
                json!({"selectors": [key], "marking_ref": tlp, "lang": "en"}),
                "S-74",
                "both-marking-ref-and-lang",
            )
        }
        2 => {
            let key = m
                .keys()
                .find(|k| {
                    !matches!(
                        k.as_str(),
                        "type" | "id" | "spec_version" | "granular_markings"
                    )
                })?
                .clone();
            (
                json!({"selectors": [key]}),
                "S-74",
                "neither-marking-ref-nor-lang",
            )
        }
        _ => (
            json!({"selectors": [], "marking_ref": tlp}),
            "S-74",
            "empty-selectors",
        ),
    };
    m.insert("granular_markings".into(), json!([gm]));
    mk(rule, &["S-5", "S-2"], format!("granular-marking:{what}"))
}

fn bad_hash(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let hashes = m.get_mut("hashes")?.as_object_mut()?;
    let alg = *r.pick(&["SHA-256", "MD5"]);
    hashes.insert(alg.into(), json!(if r.chance(0.5) { "abcd" } else { "zz" }));
    mk("S-7", &[], format!("bad-hash-value:{alg}"))
}

fn bad_encoding(_ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    if m.contains_key("payload_bin") {
        m.insert("payload_bin".into(), json!("not base64!"));
        return mk("S-11", &[], "bad-binary:payload_bin");
    }
    if m.contains_key("magic_number_hex") {
        let bad = *r.pick(&["4D5A", "4d5", "zz"]);
        m.insert("magic_number_hex".into(), json!(bad));
        return mk("S-11", &[], format!("bad-hex:magic_number_hex={bad}"));
    }
    None
}

fn bad_extension(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    // `extensions` is not applicable to an extension-definition (section 7.3.1).
    if ty == "extension-definition" {
        return None;
    }
    let id = v::id(r, "extension-definition");
    let mut exts = m
        .get("extensions")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let (rule, what) = match r.below(3) {
        0 => {
            exts.insert(id, json!({"rank": 1}));
            ("S-34", "no-extension-type")
        }
        1 => {
            exts.insert(id, json!({"extension_type": "new-thing", "rank": 1}));
            ("S-34", "extension-type-not-in-enum")
        }
        _ => {
            if !is_sco(ty) {
                return None;
            }
            exts.insert("acme".into(), json!({"rank": 1}));
            ("S-34", "key-neither-predefined-nor-definition-id")
        }
    };
    m.insert("extensions".into(), Value::Object(exts));
    mk(
        rule,
        &["S-51", "S-47", "S-53"],
        format!("bad-extension:{what}"),
    )
}

fn defanged_on_sdo(ty: &str, m: &mut Obj, _r: &mut Rng) -> Option<Mutation> {
    if is_sco(ty) {
        return None;
    }
    m.insert("defanged".into(), json!(true));
    mk("S-33", &["S-35"], "defanged-on-non-sco")
}

fn modified_before_created(ty: &str, m: &mut Obj, _r: &mut Rng) -> Option<Mutation> {
    if !is_sdo_like(ty) {
        return None;
    }
    let created = m.get("created")?.as_str()?.to_owned();
    let year: i32 = created.get(..4)?.parse().ok()?;
    m.insert(
        "modified".into(),
        json!(format!("{}{}", year - 1, &created[4..])),
    );
    mk("S-24", &[], "modified-before-created")
}

fn bad_spec_version(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    let _ = ty;
    let (val, what) = if r.chance(0.5) {
        (json!("2.0"), "2.0")
    } else {
        (json!(2.1), "number")
    };
    m.insert("spec_version".into(), val);
    mk("S-21", &[], format!("bad-spec-version:{what}"))
}

// ---------------------------------------------------------------- type-specific

fn set(m: &mut Obj, k: &str, val: Value) {
    m.insert(k.to_owned(), val);
}

/// A timestamp strictly earlier than `ts` (one year, same text shape).
fn year_earlier(ts: &str) -> Option<String> {
    let year: i32 = ts.get(..4)?.parse().ok()?;
    Some(format!("{:04}{}", year - 1, ts.get(4..)?))
}

fn type_specific(ty: &str, m: &mut Obj, r: &mut Rng) -> Option<Mutation> {
    match ty {
        "campaign" | "infrastructure" | "intrusion-set" | "malware" | "threat-actor"
        | "sighting"
            if r.chance(0.6) || ty == "sighting" && r.chance(0.5) =>
        {
            let first = "2020-05-01T00:00:00.000Z";
            set(m, "first_seen", json!(first));
            set(m, "last_seen", json!("2019-05-01T00:00:00.000Z"));
            let rule = if ty == "sighting" { "S-62" } else { "S-60" };
            mk(rule, &[], "last-seen-before-first-seen")
        }
        "malware" => {
            set(m, "is_family", json!(true));
            m.remove("name");
            mk("S-60", &["S-59"], "malware-family-without-name")
        }
        "indicator" => match r.below(3) {
            0 => {
                let from = m.get("valid_from")?.as_str()?.to_owned();
                set(
                    m,
                    "valid_until",
                    json!(if r.chance(0.5) {
                        from.clone()
                    } else {
                        year_earlier(&from)?
                    }),
                );
                mk("S-60", &[], "valid-until-not-after-valid-from")
            }
            _ => {
                let (p, rule, what) = pattern::invalid_stix(r);
                set(m, "pattern", json!(p));
                set(m, "pattern_type", json!("stix"));
                m.remove("pattern_version");
                mk(rule, &["P-1", "S-60"], format!("bad-pattern:{what}"))
            }
        },
        "location" => match r.below(3) {
            0 => {
                set(m, "latitude", json!(48.8));
                m.remove("longitude");
                mk("S-60", &[], "latitude-without-longitude")
            }
            1 => {
                for p in ["latitude", "longitude"] {
                    m.remove(p);
                }
                set(m, "precision", json!(10.0));
                if !m.contains_key("region") && !m.contains_key("country") {
                    set(m, "region", json!("europe"));
                }
                mk("S-60", &[], "precision-without-coordinates")
            }
            _ => {
                for p in ["latitude", "longitude", "precision", "region", "country"] {
                    m.remove(p);
                }
                mk(
                    "S-60",
                    &[],
                    "location-without-region-country-or-coordinates",
                )
            }
        },
        "malware-analysis" => {
            m.remove("result");
            m.remove("analysis_sco_refs");
            mk(
                "S-60",
                &[],
                "malware-analysis-without-result-or-analysis-sco-refs",
            )
        }
        "observed-data" => match r.below(4) {
            0 => {
                set(
                    m,
                    "objects",
                    json!({"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}),
                );
                set(m, "object_refs", json!([v::sco_ref(r, "ipv4-addr")]));
                mk("S-60", &[], "observed-data-objects-and-object-refs")
            }
            1 => {
                m.remove("objects");
                m.remove("object_refs");
                mk("S-60", &[], "observed-data-neither-objects-nor-object-refs")
            }
            2 => {
                let first = m.get("first_observed")?.as_str()?.to_owned();
                set(m, "last_observed", json!(year_earlier(&first)?));
                mk("S-60", &[], "last-observed-before-first-observed")
            }
            _ => {
                m.remove("objects");
                set(
                    m,
                    "object_refs",
                    json!([v::id(r, "malware"), v::id(r, "indicator")]),
                );
                mk("S-60", &[], "observed-data-object-refs-to-sdos")
            }
        },
        "opinion" => {
            set(
                m,
                "opinion",
                json!(r.pick(&["maybe", "Agree", "strongly agree"])),
            );
            mk("S-60", &["S-67"], "opinion-not-in-enum")
        }
        "relationship" => match r.below(4) {
            0 => {
                set(m, "start_time", json!("2020-01-01T00:00:00Z"));
                set(
                    m,
                    "stop_time",
                    json!(if r.chance(0.5) {
                        "2020-01-01T00:00:00Z"
                    } else {
                        "2019-01-01T00:00:00Z"
                    }),
                );
                mk("S-61", &[], "stop-time-not-after-start-time")
            }
            1 => {
                set(
                    m,
                    "relationship_type",
                    json!(r.pick(&["Uses", "uses this", "targets_identity"])),
                );
                mk("S-61", &[], "relationship-type-bad-characters")
            }
            2 => {
                let p = *r.pick(&["source_ref", "target_ref"]);
                let bad = *r.pick(&[
                    "marking-definition",
                    "relationship",
                    "sighting",
                    "language-content",
                ]);
                set(m, p, json!(v::id(r, bad)));
                mk("S-61", &[], format!("relationship-endpoint:{bad}"))
            }
            _ => {
                set(m, "source_ref", json!(v::id(r, "bundle")));
                mk("S-61", &["S-79"], "relationship-endpoint:bundle")
            }
        },
        "sighting" => match r.below(3) {
            0 => {
                set(m, "sighting_of_ref", json!(v::sco_ref(r, "ipv4-addr")));
                mk("S-62", &[], "sighting-of-sco")
            }
            1 => {
                set(m, "where_sighted_refs", json!([v::id(r, "malware")]));
                mk("S-62", &[], "where-sighted-refs-to-malware")
            }
            _ => {
                set(m, "observed_data_refs", json!([v::id(r, "indicator")]));
                mk("S-62", &[], "observed-data-refs-to-indicator")
            }
        },
        "marking-definition" => match r.below(4) {
            0 => {
                m.clear();
                set(m, "type", json!("marking-definition"));
                set(m, "spec_version", json!("2.1"));
                set(m, "id", json!(v::id(r, "marking-definition")));
                set(m, "created", json!("2017-01-20T00:00:00.000Z"));
                set(m, "definition_type", json!("tlp"));
                set(m, "name", json!("TLP:GREEN"));
                set(m, "definition", json!({"tlp": "green"}));
                mk("S-71", &[], "tlp-marking-with-unofficial-id")
            }
            1 => {
                m.remove("extensions");
                set(m, "definition_type", json!("statement"));
                set(m, "definition", json!({"text": "Copyright ACME"}));
                if m.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| v::TLP.iter().any(|t| t.0 == id))
                {
                    set(m, "id", json!(v::id(r, "marking-definition")));
                    set(m, "created", json!("2018-01-20T00:00:00.000Z"));
                    m.remove("name");
                }
                mk("S-72", &["S-69"], "statement-marking-without-statement")
            }
            2 => {
                m.remove("extensions");
                if m.get("definition_type").and_then(Value::as_str) == Some("tlp") {
                    return None;
                }
                set(m, "definition_type", json!("statement"));
                m.remove("definition");
                mk("S-69", &["S-72"], "definition-type-without-definition")
            }
            _ => {
                let id = m.get("id")?.clone();
                if v::TLP.iter().any(|t| Some(t.0) == id.as_str()) {
                    return None;
                }
                set(m, "object_marking_refs", json!([id]));
                mk("S-32", &[], "marking-definition-marks-itself")
            }
        },
        "language-content" => match r.below(2) {
            0 => {
                let contents = m.get_mut("contents")?.as_object_mut()?;
                contents.insert("english".into(), json!({"name": "Name"}));
                mk("S-78", &["S-31"], "contents-key-not-a-language-tag")
            }
            _ => {
                let target = *r.pick(&["bundle", "language-content"]);
                set(m, "object_ref", json!(v::id(r, target)));
                mk(
                    "S-78",
                    &["S-20"],
                    "object-ref-to-bundle-or-language-content",
                )
            }
        },
        "extension-definition" => match r.below(3) {
            0 => {
                set(m, "extension_types", json!(["new-thing"]));
                m.remove("extension_properties");
                mk("S-51", &["S-67"], "extension-types-not-in-enum")
            }
            1 => {
                set(m, "extension_types", json!(["property-extension"]));
                set(m, "extension_properties", json!(["toplevel_priority"]));
                mk("S-52", &[], "extension-properties-without-toplevel-type")
            }
            _ => {
                m.remove("created_by_ref");
                mk("S-50", &[], "extension-definition-without-created-by-ref")
            }
        },
        "artifact" => match r.below(4) {
            0 => {
                set(m, "payload_bin", json!(v::payload(r)));
                set(m, "url", json!(v::url(r)));
                set(m, "hashes", v::hashes(r));
                mk("S-63", &[], "artifact-payload-bin-and-url")
            }
            1 => {
                m.remove("payload_bin");
                set(m, "url", json!(v::url(r)));
                m.remove("hashes");
                mk("S-63", &[], "artifact-url-without-hashes")
            }
            2 => {
                m.remove("encryption_algorithm");
                set(m, "decryption_key", json!("infected"));
                mk("S-63", &[], "artifact-decryption-key-without-algorithm")
            }
            _ => {
                set(m, "encryption_algorithm", json!("AES-128-CBC"));
                mk(
                    "S-67",
                    &["S-63"],
                    "artifact-encryption-algorithm-not-in-enum",
                )
            }
        },
        "email-message" => match r.below(4) {
            0 => {
                set(m, "is_multipart", json!(false));
                m.remove("body");
                set(m, "body_multipart", json!([{"body": "hello"}]));
                mk("S-63", &[], "email-not-multipart-with-body-multipart")
            }
            1 => {
                set(m, "is_multipart", json!(true));
                set(m, "body", json!("hello"));
                m.remove("body_multipart");
                mk("S-63", &[], "email-multipart-with-body")
            }
            2 => {
                set(m, "is_multipart", json!(true));
                m.remove("body");
                set(m, "body_multipart", json!([{"content_type": "text/plain"}]));
                mk("S-63", &["S-2"], "email-mime-part-without-body-or-raw-ref")
            }
            _ => {
                set(m, "from_ref", json!(v::sco_ref(r, "ipv4-addr")));
                mk("S-64", &[], "email-from-ref-to-ipv4")
            }
        },
        "file" => match r.below(4) {
            0 => {
                m.remove("hashes");
                m.remove("name");
                mk("S-63", &[], "file-without-hashes-or-name")
            }
            1 => {
                set(m, "parent_directory_ref", json!(v::sco_ref(r, "file")));
                mk("S-64", &[], "file-parent-directory-ref-to-file")
            }
            2 => {
                set(m, "extensions", json!({"ntfs-ext": {}}));
                mk("S-57", &["S-6", "S-34"], "file-empty-predefined-extension")
            }
            _ => {
                set(
                    m,
                    "extensions",
                    json!({"windows-pebinary-ext": {"pe_type": "exe", "time_date_stamp": "2016-01-22T12:31:12.123Z"}}),
                );
                mk("S-65", &["S-22"], "pe-time-date-stamp-with-millis")
            }
        },
        "ipv4-addr" => {
            // A defanged value may be malformed on purpose (a warning only): mutate a plain one.
            m.remove("defanged");
            set(
                m,
                "value",
                json!(r.pick(&["256.1.1.1", "198.51.100.1/33", "not-an-ip"])),
            );
            mk("S-65", &[], "ipv4-value-malformed")
        }
        "ipv6-addr" => {
            // A defanged value may be malformed on purpose (a warning only): mutate a plain one.
            m.remove("defanged");
            set(
                m,
                "value",
                json!(r.pick(&["2001:db8:::1", "2001:db8::/129", "198.51.100.1"])),
            );
            mk("S-65", &[], "ipv6-value-malformed")
        }
        "mac-addr" => {
            // A defanged value may be malformed on purpose (a warning only): mutate a plain one.
            m.remove("defanged");
            let mac = v::mac(r);
            let (bad, what) = if r.chance(0.5) {
                (mac.to_uppercase(), "uppercase")
            } else {
                (mac.replace(':', "-"), "dashes")
            };
            if bad == mac {
                set(m, "value", json!("D2:FB:49:24:37:18"));
            } else {
                set(m, "value", json!(bad));
            }
            mk("S-65", &[], format!("mac-{what}"))
        }
        "domain-name" => {
            // A defanged value may be malformed on purpose (a warning only): mutate a plain one.
            m.remove("defanged");
            set(
                m,
                "value",
                json!(r.pick(&["exa mple.com", "-bad-.example.com", "a..example.com"])),
            );
            mk("S-65", &[], "domain-name-malformed")
        }
        "url" => {
            // A defanged value may be malformed on purpose (a warning only): mutate a plain one.
            m.remove("defanged");
            set(
                m,
                "value",
                json!(r.pick(&["not a url", "http//missing-colon.example", "://no-scheme"])),
            );
            mk("S-65", &[], "url-malformed")
        }
        "network-traffic" => match r.below(5) {
            0 => {
                m.remove("src_ref");
                m.remove("dst_ref");
                mk("S-63", &[], "network-traffic-without-src-or-dst")
            }
            1 => {
                set(m, "is_active", json!(true));
                set(m, "start", json!("2020-01-01T00:00:00Z"));
                set(m, "end", json!("2020-01-01T01:00:00Z"));
                mk("S-63", &[], "network-traffic-active-with-end")
            }
            2 => {
                m.remove("is_active");
                set(m, "start", json!("2020-01-01T01:00:00Z"));
                set(m, "end", json!("2020-01-01T00:00:00Z"));
                mk("S-63", &[], "network-traffic-end-before-start")
            }
            3 => {
                set(m, "src_ref", json!(v::sco_ref(r, "url")));
                mk("S-64", &[], "network-traffic-src-ref-to-url")
            }
            _ => {
                set(
                    m,
                    "extensions",
                    json!({"icmp-ext": {"icmp_type_hex": "08"}}),
                );
                mk("S-57", &["S-2"], "icmp-ext-without-icmp-code-hex")
            }
        },
        "process" => match r.below(4) {
            0 => {
                m.retain(|k, _| matches!(k.as_str(), "type" | "id" | "spec_version"));
                mk("S-63", &[], "process-without-properties")
            }
            1 => {
                let mut x = mk("S-17", &["S-16"], "process-with-uuidv5")?;
                x.keep_id = true;
                set(m, "id", json!(v::sco_ref(r, "process")));
                Some(x)
            }
            2 => {
                set(
                    m,
                    "extensions",
                    json!({"windows-process-ext": {"integrity_level": "ultra"}}),
                );
                mk("S-67", &[], "integrity-level-not-in-enum")
            }
            _ => {
                set(m, "image_ref", json!(v::sco_ref(r, "directory")));
                mk("S-64", &[], "process-image-ref-to-directory")
            }
        },
        "software" => {
            if r.chance(0.5) {
                set(m, "languages", json!(["english"]));
                mk("S-65", &["S-31"], "software-language-not-a-tag")
            } else {
                set(m, "cpe", json!("cpe:/a:acme:tool:1.0"));
                mk("S-65", &[], "software-cpe-not-2.3")
            }
        }
        "user-account" | "x509-certificate" => {
            if r.chance(0.5) {
                m.retain(|k, _| matches!(k.as_str(), "type" | "id" | "spec_version"));
                mk("S-63", &[], format!("{ty}-without-properties"))
            } else {
                // No ID contributing property: the id must be a UUIDv4 (S-17).
                let keep: &[&str] = if ty == "user-account" {
                    &["display_name"]
                } else {
                    &["issuer"]
                };
                m.retain(|k, _| matches!(k.as_str(), "type" | "spec_version"));
                set(m, keep[0], json!("Example"));
                set(m, "id", json!(v::sco_ref(r, ty)));
                let mut x = mk("S-17", &["S-16"], "uuidv5-without-contributing-properties")?;
                x.keep_id = true;
                Some(x)
            }
        }
        "windows-registry-key" => match r.below(2) {
            0 => {
                set(
                    m,
                    "key",
                    json!("HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"),
                );
                mk("S-65", &[], "registry-key-abbreviated-hive")
            }
            _ => {
                set(
                    m,
                    "values",
                    json!([{"name": "x", "data": "y", "data_type": "REG_TEXT"}]),
                );
                mk("S-67", &[], "registry-data-type-not-in-enum")
            }
        },
        _ => None,
    }
}

/// Removes granular-marking selectors that no longer resolve after a mutation removed or
/// emptied what they pointed at, so that the object breaks only the mutated rule.
pub fn repair_selectors(m: &mut Obj) {
    let Some(Value::Array(markings)) = m.get("granular_markings").cloned() else {
        return;
    };
    let kept: Vec<Value> = markings
        .into_iter()
        .filter_map(|mut gm| {
            let sels = gm.get_mut("selectors")?.as_array_mut()?;
            sels.retain(|s| s.as_str().is_some_and(|s| resolves(m, s)));
            if sels.is_empty() { None } else { Some(gm) }
        })
        .collect();
    if kept.is_empty() {
        m.remove("granular_markings");
    } else {
        m.insert("granular_markings".into(), Value::Array(kept));
    }
}

fn resolves(m: &Obj, selector: &str) -> bool {
    let mut parts = selector.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut cur) = m.get(first) else {
        return false;
    };
    for p in parts {
        let next = match p.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(i) => i.parse::<usize>().ok().and_then(|i| cur.as_array()?.get(i)),
            None => cur.as_object().and_then(|o| o.get(p)),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    true
}
