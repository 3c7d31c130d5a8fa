//! TAXII query parameters (TAXII 2.1 section 3.4): `added_after`, `limit`, `next` and the
//! `match[...]` filters, parsed and validated from the raw query string. Under construction
//! in this working tree: the filter types below are final.

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// Which versions of each object `match[version]` selects (T-88). Applied after the id, type,
/// spec_version and `added_after` filters (T-90).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionMatch {
    /// Every version.
    All,
    /// The union of these selectors (the default is `[Last]`).
    Any(Vec<VersionSelector>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSelector {
    First,
    Last,
    /// The version whose `modified` (or `created`) is this instant.
    At(Micros),
}

/// Filters of a TAXII request (T-83 ... T-90).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFilter {
    /// `match[id]`; empty = any.
    pub ids: Vec<String>,
    /// `match[type]`; empty = any.
    pub types: Vec<String>,
    /// `match[spec_version]`; empty = only the latest spec version of each object (T-89).
    pub spec_versions: Vec<String>,
    pub versions: VersionMatch,
    /// `added_after`: only rows with `date_added` strictly after this (T-84).
    pub added_after: Option<Micros>,
}

impl Default for ObjectFilter {
    fn default() -> Self {
        ObjectFilter {
            ids: Vec::new(),
            types: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionMatch::Any(vec![VersionSelector::Last]),
            added_after: None,
        }
    }
}

