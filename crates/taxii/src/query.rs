//! TAXII query parameters (TAXII 2.1 section 3.4): `added_after`, `limit`, `next` and the
//! `match[...]` filters, parsed and validated from the raw query string.
//!
//! The raw string is decoded here rather than by the web framework because clients differ:
//! taxii2-client sends `match%5Btype%5D`, curl users send `match[type]`, and repeated keys
//! must be seen to be refused (T-83, T-86), which a map-based extractor would hide.

use std::collections::HashSet;

use crate::error::TaxiiError;
use crate::time::{parse_added_after, truncate_for_message};

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

/// The endpoints that take query parameters, each with its own set of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET .../objects/`: every parameter (T-62).
    Objects,
    /// `GET .../manifest/`: every parameter (T-57).
    Manifest,
    /// `GET .../objects/{id}/`: `added_after`, `limit`, `next`, `match[version]`,
    /// `match[spec_version]` (T-72).
    Object,
    /// `GET .../objects/{id}/versions/`: `added_after`, `limit`, `next`,
    /// `match[spec_version]`; always every version (T-80).
    Versions,
    /// `DELETE .../objects/{id}/`: `match[version]`, `match[spec_version]`; without
    /// `match[version]` every version is deleted (T-75, our reading).
    Delete,
}

impl Endpoint {
    fn accepts(self, p: Param) -> bool {
        use Param::*;
        match self {
            Endpoint::Objects | Endpoint::Manifest => true,
            Endpoint::Object => !matches!(p, Id | Type),
            Endpoint::Versions => matches!(p, AddedAfter | Limit | Next | SpecVersion),
            Endpoint::Delete => matches!(p, Version | SpecVersion),
        }
    }

    /// The version selection when the request has no `match[version]`.
    pub fn default_versions(self) -> VersionMatch {
        match self {
            Endpoint::Versions | Endpoint::Delete => VersionMatch::All,
            Endpoint::Objects | Endpoint::Manifest | Endpoint::Object => {
                VersionMatch::Any(vec![VersionSelector::Last])
            }
        }
    }
}

/// Which filter parameters the request actually carried (after dropping the ones the
/// endpoint does not take). Needed to tell "the default" from "asked for the default" when a
/// request with `next` also repeats its filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Explicit {
    pub added_after: bool,
    pub ids: bool,
    pub types: bool,
    pub versions: bool,
    pub spec_versions: bool,
}

impl Explicit {
    /// Whether any filter parameter was given.
    pub fn any(&self) -> bool {
        self.added_after || self.ids || self.types || self.versions || self.spec_versions
    }
}

/// A parsed, validated query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The filter, with the endpoint's defaults for absent parameters. List values are
    /// sorted and deduplicated so equal requests give equal filters.
    pub filter: ObjectFilter,
    /// `limit`, in 1..=i64::MAX; the server clamps it to its own maximum.
    pub limit: Option<u64>,
    /// `next`, still sealed; see [`crate::cursor::resolve`].
    pub next: Option<String>,
    pub explicit: Explicit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Param {
    AddedAfter,
    Limit,
    Next,
    Id,
    Type,
    Version,
    SpecVersion,
}

impl Param {
    fn from_name(name: &str) -> Option<Param> {
        Some(match name {
            "added_after" => Param::AddedAfter,
            "limit" => Param::Limit,
            "next" => Param::Next,
            "match[id]" => Param::Id,
            "match[type]" => Param::Type,
            "match[version]" => Param::Version,
            "match[spec_version]" => Param::SpecVersion,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Param::AddedAfter => "added_after",
            Param::Limit => "limit",
            Param::Next => "next",
            Param::Id => "match[id]",
            Param::Type => "match[type]",
            Param::Version => "match[version]",
            Param::SpecVersion => "match[spec_version]",
        }
    }
}

fn bad(msg: impl Into<String>) -> TaxiiError {
    TaxiiError::BadRequest(msg.into())
}

/// Decodes `%XX` escapes. `+` stays a plus sign: no TAXII value contains a space, while a
/// `+00:00` offset sent unescaped is plausible, so reading `+` as a space would only break.
pub fn percent_decode(s: &str) -> Result<String, TaxiiError> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(h), Some(l)) => {
                    // Two hex digits are at most 0xFF.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    return Err(bad(format!(
                        "malformed percent-encoding in query string near '{}'",
                        truncate_for_message(&s[i..])
                    )));
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("query string does not decode to UTF-8"))
}

/// Parses the raw (still percent-encoded) query string for `endpoint` (T-83 ... T-90).
///
/// - Known parameters the endpoint takes are validated; malformed values are 400 (T-83).
/// - Any of those given twice is 400 (T-83, T-86), whatever the values.
/// - Unknown parameters, unknown `match[...]` fields (T-86) and parameters the endpoint does
///   not take (e.g. `match[type]` on `/versions/`) are ignored without being looked at.
/// - Lists are comma-separated without spaces (T-86); an empty item is 400.
/// - An empty `next=` is read as absent, as some clients template it unconditionally.
pub fn parse_query(raw_query: &str, endpoint: Endpoint) -> Result<Query, TaxiiError> {
    let raw = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut seen = HashSet::new();
    let mut filter = ObjectFilter {
        versions: endpoint.default_versions(),
        ..ObjectFilter::default()
    };
    let mut explicit = Explicit::default();
    let mut limit = None;
    let mut next = None;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(raw_name)?;
        let Some(param) = Param::from_name(&name) else {
            continue;
        };
        if !endpoint.accepts(param) {
            continue;
        }
        if !seen.insert(param) {
            return Err(bad(format!(
                "{} must not be given more than once",
                param.name()
            )));
        }
        let value = percent_decode(raw_value)?;
        match param {
            Param::AddedAfter => {
                filter.added_after = Some(parse_added_after(&value)?);
                explicit.added_after = true;
            }
            Param::Limit => limit = Some(parse_limit(&value)?),
            Param::Next => {
                if !value.is_empty() {
                    next = Some(value);
                }
            }
            Param::Id => {
                filter.ids = parse_list(param, &value, is_stix_id_shape)?;
                explicit.ids = true;
            }
            Param::Type => {
                filter.types = parse_list(param, &value, stix::id::is_type_name)?;
                explicit.types = true;
            }
            Param::SpecVersion => {
                filter.spec_versions = parse_list(param, &value, is_spec_version)?;
                explicit.spec_versions = true;
            }
            Param::Version => {
                filter.versions = parse_versions(&value)?;
                explicit.versions = true;
            }
        }
    }
    Ok(Query {
        filter,
        limit,
        next,
        explicit,
    })
}

/// A positive integer that fits a signed 64-bit column (T-83, T-85); no sign, no spaces.
fn parse_limit(v: &str) -> Result<u64, TaxiiError> {
    let err = || {
        bad(format!(
            "limit '{}' must be an integer greater than 0",
            truncate_for_message(v)
        ))
    };
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let n: i64 = v.parse().map_err(|_| err())?;
    if n <= 0 {
        return Err(err());
    }
    u64::try_from(n).map_err(|_| err())
}

fn parse_list(
    param: Param,
    value: &str,
    valid: fn(&str) -> bool,
) -> Result<Vec<String>, TaxiiError> {
    let mut items = Vec::new();
    for item in value.split(',') {
        if item.is_empty() {
            return Err(bad(format!(
                "{} has an empty value; separate values with single commas and no spaces",
                param.name()
            )));
        }
        if !valid(item) {
            return Err(bad(format!(
                "{} value '{}' is malformed",
                param.name(),
                truncate_for_message(item)
            )));
        }
        items.push(item.to_owned());
    }
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// `<type>--<8-4-4-4-12 hex>`. Only the shape is checked, not the UUID version: an object
/// with an unusual UUID that the store holds must still be selectable.
fn is_stix_id_shape(s: &str) -> bool {
    let Some((ty, uuid)) = s.split_once("--") else {
        return false;
    };
    let b = uuid.as_bytes();
    stix::id::is_type_name(ty)
        && b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// `<digits>.<digits>`, as `2.0` and `2.1`.
fn is_spec_version(s: &str) -> bool {
    s.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.len() + b.len() <= 8
            && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    })
}

/// `match[version]` (T-88): `first`, `last`, `all` (alone), or STIX timestamps compared as
/// instants; no value twice (T-83).
fn parse_versions(value: &str) -> Result<VersionMatch, TaxiiError> {
    let mut selectors: Vec<VersionSelector> = Vec::new();
    let mut all = false;
    let mut count = 0usize;
    for item in value.split(',') {
        count += 1;
        let sel = match item {
            "" => {
                return Err(bad(
                    "match[version] has an empty value; separate values with single commas and no spaces",
                ));
            }
            "all" => {
                all = true;
                continue;
            }
            "first" => VersionSelector::First,
            "last" => VersionSelector::Last,
            ts => {
                let t = stix::StixTimestamp::parse(ts).map_err(|_| {
                    bad(format!(
                        "match[version] value '{}' is not first, last, all or a STIX timestamp",
                        truncate_for_message(ts)
                    ))
                })?;
                VersionSelector::At(t.micros())
            }
        };
        if selectors.contains(&sel) {
            return Err(bad(format!(
                "match[version] value '{}' is given more than once",
                truncate_for_message(item)
            )));
        }
        selectors.push(sel);
    }
    if all {
        if count > 1 {
            return Err(bad(
                "match[version]=all must not be combined with other values",
            ));
        }
        return Ok(VersionMatch::All);
    }
    selectors.sort_unstable_by_key(|s| match *s {
        VersionSelector::First => (0, 0),
        VersionSelector::Last => (1, 0),
        VersionSelector::At(t) => (2, t),
    });
    Ok(VersionMatch::Any(selectors))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    const ID1: &str = "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb";
    const ID2: &str = "sighting--4600ad1b-fff1-4c58-bcc9-4de3bc5e2ffd";

    fn q(s: &str) -> Result<Query, TaxiiError> {
        parse_query(s, Endpoint::Objects)
    }

    fn err(s: &str, e: Endpoint) -> u16 {
        parse_query(s, e).unwrap_err().status()
    }

    #[test]
    fn empty_query_has_the_defaults() {
        let got = q("").unwrap();
        assert_eq!(got.filter, ObjectFilter::default());
        assert_eq!(got.limit, None);
        assert_eq!(got.next, None);
        assert!(!got.explicit.any());
        assert_eq!(q("?").unwrap(), got);
        assert_eq!(q("&&").unwrap(), got);
    }

    #[test]
    fn t86_percent_encoded_and_plain_brackets_are_the_same() {
        let a = q(&format!("match[type]=indicator,malware&match[id]={ID1}")).unwrap();
        let b = q(&format!(
            "match%5Btype%5D=indicator%2Cmalware&match%5bid%5d={}",
            ID1.replace('-', "%2D")
        ))
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.filter.types, vec!["indicator", "malware"]);
        assert_eq!(a.filter.ids, vec![ID1]);
        assert!(a.explicit.types && a.explicit.ids && !a.explicit.versions);
    }

    #[test]
    fn t84_added_after_lenient_and_plus_is_literal() {
        let want = Some(1_704_067_201_000_000);
        for s in [
            "added_after=2024-01-01T00:00:01Z",
            "added_after=2024-01-01T00:00:01.000Z",
            "added_after=2024-01-01T00%3A00%3A01.000000Z",
            "added_after=2024-01-01T00:00:01+00:00",
            "added_after=2024-01-01T00:00:01%2B00:00",
        ] {
            let got = q(s).unwrap();
            assert_eq!(got.filter.added_after, want, "{s}");
            assert!(got.explicit.added_after);
        }
        assert_eq!(
            err("added_after=2024-01-01T00:00:01%20Z", Endpoint::Objects),
            400
        );
    }

    #[test]
    fn t83_t85_limit() {
        assert_eq!(q("limit=1").unwrap().limit, Some(1));
        assert_eq!(q("limit=0010").unwrap().limit, Some(10));
        assert_eq!(
            q("limit=9223372036854775807").unwrap().limit,
            Some(9_223_372_036_854_775_807)
        );
        for bad in [
            "limit=0",
            "limit=-1",
            "limit=+5",
            "limit=1.5",
            "limit=ten",
            "limit=",
            "limit",
            "limit=%201",
            "limit=9223372036854775808",
            "limit=99999999999999999999999999",
        ] {
            assert_eq!(err(bad, Endpoint::Objects), 400, "{bad}");
        }
    }

    #[test]
    fn t83_t86_repeated_parameters_are_400() {
        for bad in [
            "added_after=2024-01-01T00:00:01Z&added_after=2024-01-01T00:00:01Z",
            "limit=1&limit=2",
            "next=a&next=b",
            "match[type]=indicator&match[type]=malware",
            "match[type]=indicator&match%5Btype%5D=indicator",
            "match[id]=a&match[id]=b",
            "match[version]=last&match[version]=first",
            "match[spec_version]=2.1&match[spec_version]=2.0",
        ] {
            assert_eq!(err(bad, Endpoint::Objects), 400, "{bad}");
        }
    }

    #[test]
    fn t86_unknown_parameters_and_fields_are_ignored() {
        let got =
            q("foo=bar&foo=baz&match[created_by_ref]=x&match[created_by_ref]=y&_=123").unwrap();
        assert_eq!(got, q("").unwrap());
        // Names are case-sensitive (T-26); a different case is an unknown parameter.
        assert_eq!(q("LIMIT=0").unwrap().limit, None);
    }

    #[test]
    fn t72_t80_t75_parameters_outside_the_endpoint_are_ignored() {
        // /objects/{id}/ takes no match[id] or match[type].
        let got = parse_query("match[type]=!!&match[id]=x&match[id]=y", Endpoint::Object).unwrap();
        assert_eq!(got.filter, ObjectFilter::default());
        // /versions/ takes no match[version], match[id], match[type]; always every version.
        let got = parse_query(
            "match[type]=a,b&match[version]=bogus&match[spec_version]=2.1&limit=5",
            Endpoint::Versions,
        )
        .unwrap();
        assert_eq!(got.filter.versions, VersionMatch::All);
        assert_eq!(got.filter.spec_versions, vec!["2.1"]);
        assert_eq!(got.limit, Some(5));
        assert!(!got.explicit.types && !got.explicit.versions && got.explicit.spec_versions);
        // DELETE takes only match[version] and match[spec_version].
        let got = parse_query(
            "limit=0&next=x&added_after=bad&match[type]=x&match[version]=first",
            Endpoint::Delete,
        )
        .unwrap();
        assert_eq!(got.limit, None);
        assert_eq!(got.next, None);
        assert_eq!(got.filter.added_after, None);
        assert_eq!(
            got.filter.versions,
            VersionMatch::Any(vec![VersionSelector::First])
        );
    }

    #[test]
    fn t75_delete_without_match_version_deletes_every_version() {
        let got = parse_query("", Endpoint::Delete).unwrap();
        assert_eq!(got.filter.versions, VersionMatch::All);
        assert!(!got.explicit.versions);
        // The other reading (medallion: only `last`) is available by asking for it.
        let got = parse_query("match[version]=last", Endpoint::Delete).unwrap();
        assert_eq!(
            got.filter.versions,
            VersionMatch::Any(vec![VersionSelector::Last])
        );
    }

    #[test]
    fn t88_match_version_values() {
        let v = |s: &str| q(&format!("match[version]={s}")).map(|q| q.filter.versions);
        assert_eq!(v("all"), Ok(VersionMatch::All));
        assert_eq!(
            v("last"),
            Ok(VersionMatch::Any(vec![VersionSelector::Last]))
        );
        assert_eq!(
            v("last,first"),
            Ok(VersionMatch::Any(vec![
                VersionSelector::First,
                VersionSelector::Last
            ]))
        );
        assert_eq!(
            v("2018-03-02T01:01:01.123Z,first,2016-03-23T01:01:01.000Z"),
            Ok(VersionMatch::Any(vec![
                VersionSelector::First,
                VersionSelector::At(1_458_694_861_000_000),
                VersionSelector::At(1_519_952_461_123_000),
            ]))
        );
        for bad in [
            "all,last",
            "last,all",
            "all,all",
            "last,last",
            "first,first",
            "2016-03-23T01:01:01.000Z,2016-03-23T01:01:01.000Z",
            // The same instant written twice (compared as instants, T-88).
            "2016-03-23T01:01:01.1Z,2016-03-23T01:01:01.100Z",
            "latest",
            "LAST",
            "",
            "last,",
            ",last",
            "2016-03-23T01:01:01.000+00:00",
            "2016-02-30T01:01:01.000Z",
        ] {
            assert_eq!(v(bad).unwrap_err().status(), 400, "{bad}");
        }
    }

    #[test]
    fn t86_t87_list_values() {
        let got = q("match[type]=malware,indicator,malware,x-acme-widget").unwrap();
        assert_eq!(
            got.filter.types,
            vec!["indicator", "malware", "x-acme-widget"]
        );
        let got = q(&format!("match[id]={ID2},{ID1}")).unwrap();
        assert_eq!(got.filter.ids, vec![ID1, ID2]);
        // Uppercase hex is a valid id shape (S-13 accepts it on input).
        assert!(
            q(&format!(
                "match[id]={}",
                ID1.to_uppercase().replace("INDICATOR", "indicator")
            ))
            .is_ok()
        );
        let got = q("match[spec_version]=2.1,2.0").unwrap();
        assert_eq!(got.filter.spec_versions, vec!["2.0", "2.1"]);
        for bad in [
            "match[type]=",
            "match[type]=indicator,,malware",
            "match[type]=indicator,%20malware",
            "match[type]=Indicator",
            "match[type]=a",
            "match[id]=indicator",
            "match[id]=indicator--1234",
            "match[id]=",
            "match[spec_version]=2",
            "match[spec_version]=2.x",
            "match[spec_version]=",
        ] {
            assert_eq!(err(bad, Endpoint::Objects), 400, "{bad}");
        }
    }

    #[test]
    fn next_is_kept_sealed_and_empty_next_is_absent() {
        assert_eq!(
            q("next=abc-_123").unwrap().next.as_deref(),
            Some("abc-_123")
        );
        assert_eq!(q("next=").unwrap().next, None);
        assert_eq!(q("next").unwrap().next, None);
        assert!(!q("next=abc").unwrap().explicit.any());
    }

    #[test]
    fn malformed_percent_encoding_is_400() {
        for bad in [
            "limit=%",
            "limit=%4",
            "limit=%zz",
            "match%5=x",
            "next=%FF%FE",
        ] {
            assert_eq!(err(bad, Endpoint::Objects), 400, "{bad}");
        }
    }

    #[test]
    fn percent_decode_cases() {
        assert_eq!(percent_decode("a%2Cb%2cc").unwrap(), "a,b,c");
        assert_eq!(percent_decode("a+b").unwrap(), "a+b");
        assert_eq!(percent_decode("%E2%82%AC").unwrap(), "€");
        assert!(percent_decode("%C3").is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Percent-encodes a random subset of the characters, with random hex case.
        fn encode(s: &str, mask: &[bool], upper: bool) -> String {
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if mask.get(i % mask.len().max(1)).copied().unwrap_or(false) || c == '&' || c == '%'
                {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        if upper {
                            out.push_str(&format!("%{b:02X}"));
                        } else {
                            out.push_str(&format!("%{b:02x}"));
                        }
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }

        fn type_name() -> impl Strategy<Value = String> {
            "[a-z][a-z0-9]{2,8}(-[a-z0-9]{1,5})?"
        }

        fn stix_id() -> impl Strategy<Value = String> {
            (type_name(), any::<u128>())
                .prop_map(|(t, u)| format!("{t}--{}", uuid::Uuid::from_u128(u).hyphenated()))
        }

        fn version_match() -> impl Strategy<Value = (String, VersionMatch)> {
            prop_oneof![
                Just(("all".to_owned(), VersionMatch::All)),
                (
                    any::<bool>(),
                    any::<bool>(),
                    proptest::collection::btree_set(0i64..4_102_444_800, 0..3)
                )
                    .prop_filter("at least one value", |(f, l, s)| *f || *l || !s.is_empty())
                    .prop_map(|(first, last, secs)| {
                        let mut words = Vec::new();
                        let mut sel = Vec::new();
                        if last {
                            words.push("last".to_owned());
                        }
                        if first {
                            words.push("first".to_owned());
                            sel.push(VersionSelector::First);
                        }
                        if last {
                            sel.push(VersionSelector::Last);
                        }
                        for s in &secs {
                            words.push(crate::time::format_timestamp(s * 1_000_000 + 123_000));
                            sel.push(VersionSelector::At(s * 1_000_000 + 123_000));
                        }
                        words.reverse();
                        (words.join(","), VersionMatch::Any(sel))
                    }),
            ]
        }

        #[derive(Debug, Clone)]
        struct Case {
            pairs: Vec<(String, String)>,
            filter: ObjectFilter,
            limit: Option<u64>,
        }

        fn case() -> impl Strategy<Value = Case> {
            (
                proptest::option::of(-2_000_000_000_000_000i64..4_102_444_800_000_000),
                proptest::option::of(1u64..=i64::MAX as u64),
                proptest::collection::btree_set(stix_id(), 0..4),
                proptest::collection::btree_set(type_name(), 0..4),
                proptest::collection::btree_set(prop_oneof![Just("2.0"), Just("2.1")], 0..3),
                proptest::option::of(version_match()),
                any::<bool>(),
            )
                .prop_map(|(aa, limit, ids, types, svs, vm, junk)| {
                    let mut pairs = Vec::new();
                    let mut filter = ObjectFilter::default();
                    if let Some(aa) = aa {
                        pairs.push(("added_after".to_owned(), crate::time::format_timestamp(aa)));
                        filter.added_after = Some(aa);
                    }
                    if let Some(l) = limit {
                        pairs.push(("limit".to_owned(), l.to_string()));
                    }
                    let join = |v: Vec<String>| v.join(",");
                    if !ids.is_empty() {
                        let mut v: Vec<String> = ids.iter().cloned().collect();
                        v.reverse();
                        pairs.push(("match[id]".to_owned(), join(v)));
                        filter.ids = ids.into_iter().collect();
                    }
                    if !types.is_empty() {
                        pairs.push((
                            "match[type]".to_owned(),
                            join(types.iter().cloned().collect()),
                        ));
                        filter.types = types.into_iter().collect();
                    }
                    if !svs.is_empty() {
                        let v: Vec<String> = svs.iter().map(|s| (*s).to_owned()).collect();
                        pairs.push(("match[spec_version]".to_owned(), join(v.clone())));
                        filter.spec_versions = v;
                    }
                    if let Some((text, vm)) = vm {
                        pairs.push(("match[version]".to_owned(), text));
                        filter.versions = vm;
                    }
                    if junk {
                        pairs.push(("match[x_unknown]".to_owned(), "whatever".to_owned()));
                        pairs.push(("utm_source".to_owned(), "a,b,,c".to_owned()));
                    }
                    Case {
                        pairs,
                        filter,
                        limit,
                    }
                })
        }

        proptest! {
            #[test]
            fn valid_parameter_sets_parse_to_the_expected_filter(
                c in case(),
                order in any::<proptest::sample::Index>(),
                mask in proptest::collection::vec(any::<bool>(), 1..7),
                upper in any::<bool>(),
            ) {
                let mut pairs = c.pairs.clone();
                if !pairs.is_empty() {
                    let k = order.index(pairs.len());
                    pairs.rotate_left(k);
                }
                let plain: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let plain = plain.join("&");
                let encoded: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", encode(k, &mask, upper), encode(v, &mask, !upper)))
                    .collect();
                let encoded = encoded.join("&");

                let a = parse_query(&plain, Endpoint::Objects).unwrap();
                prop_assert_eq!(&a.filter, &c.filter);
                prop_assert_eq!(a.limit, c.limit);
                // T-86: percent-encoding variants are the same request.
                let b = parse_query(&encoded, Endpoint::Objects).unwrap();
                prop_assert_eq!(&a, &b);
                // The manifest takes the same parameters (T-57).
                let m = parse_query(&encoded, Endpoint::Manifest).unwrap();
                prop_assert_eq!(&a, &m);
            }

            #[test]
            fn any_input_is_parsed_or_refused_with_400(s in "\\PC{0,80}") {
                for e in [Endpoint::Objects, Endpoint::Manifest, Endpoint::Object,
                          Endpoint::Versions, Endpoint::Delete] {
                    if let Err(err) = parse_query(&s, e) {
                        prop_assert_eq!(err.status(), 400);
                    }
                }
            }
        }
    }
}
