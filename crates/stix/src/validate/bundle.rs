//! Checks across the objects of one bundle or envelope: versions of one id (S-37 to S-41),
//! cycles of marking-definitions marking each other (S-32), language-content targets (S-78).

use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::finding::Finding;
use crate::json::Node;
use crate::validate::document::ObjectEntry;

/// Runs the cross-object checks. `items[i]` is the raw text of `objects[i]`.
pub(crate) fn check_across(
    items: &[&RawValue],
    objects: &[ObjectEntry],
    findings: &mut Vec<Finding>,
) {
    check_versions(items, objects, findings);
    check_marking_cycles(objects, findings);
    check_language_content(items, objects, findings);
}

fn check_versions(items: &[&RawValue], objects: &[ObjectEntry], findings: &mut Vec<Finding>) {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        if let Some(ix) = &o.index {
            by_id.entry(ix.id.as_str()).or_default().push(i);
        }
    }
    let mut groups: Vec<&Vec<usize>> = by_id.values().filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| g[0]);
    for group in groups {
        for (n, &j) in group.iter().enumerate().skip(1) {
            let later = &objects[j];
            let Some(lx) = &later.index else { continue };
            for &i in &group[..n] {
                let Some(ex) = &objects[i].index else {
                    continue;
                };
                let earlier = &objects[i];
                if lx.version() == ex.version() && !same_content(items[i], items[j]) {
                    findings.push(Finding::error(
                        "S-37",
                        later.pointer.clone(),
                        format!("{} has the same id and version as {} but different content: a change must bump 'modified'", lx.id, earlier.pointer),
                    ));
                    break;
                }
            }
            let first = objects[group[0]].index.as_ref();
            if let Some(fx) = first {
                if lx.created.is_some() && fx.created.is_some() && lx.created != fx.created {
                    findings.push(Finding::error("S-38", format!("{}/created", later.pointer), format!("'created' differs from the other version at {}: it must not change across versions", objects[group[0]].pointer)));
                }
                if lx.created_by_ref != fx.created_by_ref {
                    findings.push(Finding::error("S-39", format!("{}/created_by_ref", later.pointer), format!("versions of {} name different creators: only the creator may version an object; others must mint a new id", lx.id)));
                }
            }
        }
        // S-41: nothing after a revocation.
        let revoked_at = group
            .iter()
            .filter_map(|&i| objects[i].index.as_ref())
            .filter(|ix| ix.revoked)
            .filter_map(|ix| ix.modified.clone())
            .min();
        if let Some(r) = revoked_at {
            for &i in group {
                if let Some(ix) = &objects[i].index
                    && ix.modified.as_ref().is_some_and(|m| *m > r)
                {
                    findings.push(Finding::error("S-41", format!("{}/modified", objects[i].pointer), format!("a version of {} modified after its revocation ({r}): revoked objects must not be versioned", ix.id)));
                }
            }
        }
    }
}

/// Same properties and values, whatever the member order or whitespace.
fn same_content(a: &RawValue, b: &RawValue) -> bool {
    if a.get() == b.get() {
        return true;
    }
    match (
        serde_json::from_str::<serde_json::Value>(a.get()),
        serde_json::from_str::<serde_json::Value>(b.get()),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn check_marking_cycles(objects: &[ObjectEntry], findings: &mut Vec<Finding>) {
    let markings: HashMap<&str, (&ObjectEntry, Vec<&str>)> = objects
        .iter()
        .filter_map(|o| {
            let ix = o.index.as_ref()?;
            (&*ix.type_name == "marking-definition").then(|| {
                (
                    ix.id.as_str(),
                    (
                        o,
                        ix.object_marking_refs.iter().map(|r| r.as_str()).collect(),
                    ),
                )
            })
        })
        .collect();
    let mut reported = Vec::new();
    for (&start, (entry, _)) in &markings {
        // Depth-first walk from each marking; a path back to `start` of length >= 2 is a cycle
        // (length 1, a marking marking itself, is reported by the per-object rule).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut seen = vec![start];
        while let Some((node, depth)) = stack.pop() {
            let Some((_, refs)) = markings.get(node) else {
                continue;
            };
            for &r in refs {
                if r == start && depth >= 1 && !reported.contains(&start) {
                    reported.push(start);
                    findings.push(Finding::error(
                        "S-32",
                        format!("{}/object_marking_refs", entry.pointer),
                        format!("{start} is marked, through other marking-definitions, by itself"),
                    ));
                } else if !seen.contains(&r) {
                    seen.push(r);
                    stack.push((r, depth + 1));
                }
            }
        }
    }
}

fn check_language_content(
    items: &[&RawValue],
    objects: &[ObjectEntry],
    findings: &mut Vec<Finding>,
) {
    for (i, o) in objects.iter().enumerate() {
        let Some(ix) = &o.index else { continue };
        if &*ix.type_name != "language-content" {
            continue;
        }
        let Ok(node) = Node::parse(items[i].get()) else {
            continue;
        };
        let Some(obj) = node.as_object() else {
            continue;
        };
        let (Some(target), Some(modified)) =
            (obj.get_str("object_ref"), obj.get_str("object_modified"))
        else {
            continue;
        };
        let Ok(modified) = crate::StixTimestamp::parse(modified) else {
            continue;
        };
        let versions: Vec<_> = objects
            .iter()
            .filter_map(|t| t.index.as_ref())
            .filter(|t| t.id.as_str() == target)
            .collect();
        if !versions.is_empty()
            && !versions
                .iter()
                .any(|t| t.modified.as_ref() == Some(&modified))
        {
            findings.push(Finding::error(
                "S-78",
                format!("{}/object_modified", o.pointer),
                format!("no version of {target} in this bundle has 'modified' {modified}"),
            ));
        }
    }
}
