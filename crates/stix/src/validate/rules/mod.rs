//! Type-specific rules: the co-constraints of each type that its property table cannot express.
//! Each function is attached to its type through `rules = ...;` in the model declaration.

use crate::finding::Severity;
use crate::validate::RuleCtx;

/// S-8: `source_name` plus at least one of `description`, `url`, `external_id`; SHOULD carry
/// `hashes` when it has a `url`; CAPEC and CVE id forms.
pub fn external_reference(c: &mut RuleCtx<'_, '_>) {
    if !(c.has("description") || c.has("url") || c.has("external_id")) {
        c.error("S-8", "", "an external reference needs at least one of 'description', 'url' or 'external_id' besides 'source_name'");
    }
    if c.has("url") && !c.has("hashes") {
        c.warn(
            "S-8",
            "url",
            "an external reference with a 'url' should carry 'hashes' of the referenced content",
        );
    }
    match (c.str("source_name"), c.str("external_id")) {
        (Some("capec"), Some(id)) if !is_numbered(id, "CAPEC-") => {
            c.error(
                "S-8",
                "external_id",
                format!("a CAPEC reference's external_id must be CAPEC-<number>, not '{id}'"),
            );
        }
        (Some("cve"), Some(id)) if !is_cve(id) => {
            c.error("S-8", "external_id", format!("a CVE reference's external_id must be an exact CVE id (CVE-YYYY-NNNN...), not '{id}'"));
        }
        _ => {}
    }
}

fn is_numbered(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn is_cve(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && num.len() >= 4
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// S-9: names SHOULD be lowercase, hyphenated.
pub fn kill_chain_phase(c: &mut RuleCtx<'_, '_>) {
    for prop in ["kill_chain_name", "phase_name"] {
        if let Some(v) = c.str(prop)
            && v.bytes()
                .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b'_')
        {
            c.warn(
                "S-9",
                prop,
                format!("'{v}' should be lowercase with hyphens between words"),
            );
        }
    }
}

/// S-74: exactly one of `marking_ref` and `lang`. S-75 (selectors resolve) needs the whole
/// object and is checked by [`granular_selectors`].
pub fn granular_marking(c: &mut RuleCtx<'_, '_>) {
    match (c.has("marking_ref"), c.has("lang")) {
        (true, true) => c.error(
            "S-74",
            "",
            "a granular marking must have exactly one of 'marking_ref' and 'lang', not both",
        ),
        (false, false) => c.error(
            "S-74",
            "",
            "a granular marking must have one of 'marking_ref' and 'lang'",
        ),
        _ => {}
    }
}

/// S-75: every selector of every granular marking resolves to a property or list item that is
/// present in the object.
pub fn granular_selectors(c: &mut RuleCtx<'_, '_>) {
    let Some(markings) = c.get("granular_markings").and_then(|n| n.as_array()) else {
        return;
    };
    let obj = c.obj;
    let at = c.at("granular_markings");
    for (i, m) in markings.iter().enumerate() {
        let Some(selectors) = m
            .as_object()
            .and_then(|o| o.get("selectors"))
            .and_then(|s| s.as_array())
        else {
            continue;
        };
        for (j, sel) in selectors.iter().enumerate() {
            let Some(sel) = sel.as_str() else { continue };
            if let Err(why) = resolve_selector(obj, sel) {
                let p = at.index(i).key("selectors").index(j);
                c.report(
                    Severity::Error,
                    "S-75",
                    &p,
                    format!("selector '{sel}' {why}"),
                );
            }
        }
    }
}

/// Resolves a granular-marking selector (`a.b.[2].c` syntax of section 7.2.3: components
/// separated by `.`, list indexes written `[n]`).
pub fn resolve_selector(obj: &crate::json::Object<'_>, selector: &str) -> Result<(), String> {
    use crate::json::Node;
    if selector.is_empty() {
        return Err("is empty".into());
    }
    let mut current: Option<&Node<'_>> = None;
    for (n, part) in selector.split('.').enumerate() {
        let next = if let Some(idx) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            let i: usize = idx
                .parse()
                .map_err(|_| format!("has a malformed list index '{part}'"))?;
            match current {
                Some(Node::Array(items)) => items.get(i),
                _ => {
                    return Err(format!(
                        "indexes '{part}' into something that is not a list"
                    ));
                }
            }
        } else if n == 0 {
            obj.get(part)
        } else {
            match current {
                Some(Node::Object(o)) => o.get(part),
                _ => {
                    return Err(format!(
                        "names '{part}' inside something that is not an object"
                    ));
                }
            }
        };
        current =
            Some(next.ok_or_else(|| {
                format!("refers to '{part}', which is not present in the object")
            })?);
    }
    Ok(())
}

mod sco;
mod sdo;

pub use sco::*;
pub use sdo::*;
