//! Granular-marking selectors (STIX 2.1 section 7.2.3.1): `.`-separated property names,
//! dictionary keys and `[n]` list indexes, rooted at the object (`description`,
//! `kill_chain_phases.[0].phase_name`, `hashes.SHA-256`). A selector selects everything below
//! it, so one selector covers another when it is a prefix of it.

use std::fmt;

use serde_json::Value;

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// Parses a selector; `None` for an empty selector, an empty step or a malformed index.
    pub fn parse(s: &str) -> Option<Path> {
        if s.is_empty() {
            return None;
        }
        let mut steps = Vec::new();
        for part in s.split('.') {
            if part.is_empty() {
                return None;
            }
            match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                Some(n) => {
                    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    steps.push(Step::Index(n.parse().ok()?));
                }
                None => steps.push(Step::Key(part.to_owned())),
            }
        }
        Some(Path(steps))
    }

    /// Whether this path is `other` or an ancestor of it (so marking or removing this one
    /// covers `other`).
    pub fn covers(&self, other: &Path) -> bool {
        other.0.len() >= self.0.len() && other.0[..self.0.len()] == self.0[..]
    }

    /// The value this path selects in `root`.
    pub fn resolve<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut v = root;
        for step in &self.0 {
            v = match (step, v) {
                (Step::Key(k), Value::Object(m)) => m.get(k)?,
                (Step::Index(i), Value::Array(a)) => a.get(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }

    pub fn parent(&self) -> Option<Path> {
        let (_, init) = self.0.split_last()?;
        Some(Path(init.to_vec()))
    }

    /// The top-level property this path is in.
    pub fn property(&self) -> Option<&str> {
        match self.0.first()? {
            Step::Key(k) => Some(k),
            Step::Index(_) => None,
        }
    }

    /// Removes what this path selects from `root`; returns whether something was removed.
    pub fn remove(&self, root: &mut Value) -> bool {
        let Some((last, init)) = self.0.split_last() else {
            return false;
        };
        let mut v = root;
        for step in init {
            v = match (step, v) {
                (Step::Key(k), Value::Object(m)) => match m.get_mut(k) {
                    Some(x) => x,
                    None => return false,
                },
                (Step::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                    Some(x) => x,
                    None => return false,
                },
                _ => return false,
            };
        }
        match (last, v) {
            (Step::Key(k), Value::Object(m)) => m.remove(k).is_some(),
            (Step::Index(i), Value::Array(a)) if *i < a.len() => {
                a.remove(*i);
                true
            }
            _ => false,
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match step {
                Step::Key(k) => f.write_str(k)?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Where `selector` points after the list items in `removed` are gone: `None` when it pointed
/// at (or into) removed content, else the selector with list indexes shifted down past the
/// removed items before them. STIX requires selectors to point at present content, so a
/// granular marking that survives a redaction must be re-indexed.
pub fn reindex(selector: &Path, removed: &[Path]) -> Option<Path> {
    if removed.iter().any(|r| r.covers(selector)) {
        return None;
    }
    let mut out = selector.clone();
    for (pos, step) in selector.0.iter().enumerate() {
        let Step::Index(i) = step else { continue };
        let list = &selector.0[..pos];
        let before = removed
            .iter()
            .filter(|r| {
                r.0.len() == pos + 1
                    && r.0[..pos] == *list
                    && matches!(r.0[pos], Step::Index(j) if j < *i)
            })
            .count();
        out.0[pos] = Step::Index(i - before);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Path {
        Path::parse(s).unwrap()
    }

    #[test]
    fn parse_and_display_round_trip() {
        for s in [
            "description",
            "labels.[1]",
            "kill_chain_phases.[0].phase_name",
            "hashes.SHA-256",
            "extensions.x-foo-ext.[10].a",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        for bad in ["", ".", "a..b", "a.[]", "a.[x]", "a.[-1]", "a."] {
            assert_eq!(Path::parse(bad), None, "{bad}");
        }
        assert_eq!(
            p("a.[2].b").0,
            vec![Step::Key("a".into()), Step::Index(2), Step::Key("b".into())]
        );
    }

    #[test]
    fn resolution_follows_keys_and_indexes() {
        let v = json!({"labels":["a","b"],"k":[{"phase_name":"x"}],"hashes":{"MD5":"00"}});
        assert_eq!(p("labels.[1]").resolve(&v), Some(&json!("b")));
        assert_eq!(p("k.[0].phase_name").resolve(&v), Some(&json!("x")));
        assert_eq!(p("hashes.MD5").resolve(&v), Some(&json!("00")));
        assert_eq!(p("labels.[2]").resolve(&v), None);
        assert_eq!(p("labels.x").resolve(&v), None);
        assert_eq!(p("hashes.[0]").resolve(&v), None);
        assert_eq!(p("missing").resolve(&v), None);
    }

    #[test]
    fn covering_is_prefix() {
        assert!(p("labels").covers(&p("labels.[0]")));
        assert!(p("labels").covers(&p("labels")));
        assert!(!p("labels.[0]").covers(&p("labels")));
        assert!(!p("label").covers(&p("labels")), "steps, not characters");
    }

    #[test]
    fn removal() {
        let mut v = json!({"labels":["a","b","c"],"d":"x","h":{"MD5":"0"}});
        assert!(p("labels.[1]").remove(&mut v));
        assert!(p("d").remove(&mut v));
        assert!(p("h.MD5").remove(&mut v));
        assert!(!p("h.MD5").remove(&mut v));
        assert!(!p("labels.[5]").remove(&mut v));
        assert_eq!(v, json!({"labels":["a","c"],"h":{}}));
    }

    #[test]
    fn reindexing_after_list_removal() {
        let removed = vec![p("object_refs.[1]"), p("object_refs.[3]")];
        assert_eq!(
            reindex(&p("object_refs.[0]"), &removed),
            Some(p("object_refs.[0]"))
        );
        assert_eq!(reindex(&p("object_refs.[1]"), &removed), None);
        assert_eq!(
            reindex(&p("object_refs.[2]"), &removed),
            Some(p("object_refs.[1]"))
        );
        assert_eq!(
            reindex(&p("object_refs.[4]"), &removed),
            Some(p("object_refs.[2]"))
        );
        assert_eq!(reindex(&p("object_refs"), &removed), Some(p("object_refs")));
        assert_eq!(reindex(&p("description"), &[p("description")]), None);
        // Nested lists: only the list the item was removed from shifts.
        let removed = vec![p("k.[0].x.[0]")];
        assert_eq!(reindex(&p("k.[1].x.[1]"), &removed), Some(p("k.[1].x.[1]")));
        assert_eq!(reindex(&p("k.[0].x.[1]"), &removed), Some(p("k.[0].x.[0]")));
    }
}
