//! The keyset page query (DESIGN.md section 2, "Read").
//!
//! Order of evaluation (T-90): the row filters (`match[id]`, `match[type]`,
//! `match[spec_version]`, `added_after`, and the reader's visibility) come first; then
//! `match[version]` picks versions among the rows that passed them (so with `added_after`,
//! `last` is the last version added after it); then the cursor position and `LIMIT n + 1`
//! cut the page. The cursor (`PageRequest::after`) is a position only and never changes which
//! versions are selected, so paging through a result reproduces it exactly.
//!
//! Without `match[spec_version]` only the latest spec version of each object is returned
//! (T-89): the greatest `spec_version` among that object's rows that passed the other filters.
//!
//! Two shapes of SQL:
//! - the common request (`last`, no `added_after`, no `spec_version`, unrestricted
//!   visibility) reads the `is_latest` partial index, whose rows are by construction exactly
//!   that result;
//! - everything else uses correlated subqueries over the same object's rows, each carrying
//!   the same row filters (`NOT EXISTS` a newer/older qualifying version for `last`/`first`).
//!   For `last` alone without `spec_version` (a poller's or a restricted reader's default)
//!   one subquery does both steps: no qualifying row with a greater
//!   `(spec_version, version_us)`.
//!   Where `is_latest = 1` already decides a subquery's answer, it is written first in an
//!   `OR`, which SQLite short-circuits: a poller's request (`last` + `added_after`) then runs
//!   subqueries only for superseded versions. (A row with `is_latest = 1` has the greatest
//!   `(spec_version, version_us)` of all its object's rows, so it has its object's latest
//!   spec version among any subset that contains it, and no newer version of that spec
//!   exists at all, whatever the reader may see.)

use rusqlite::Connection;
use rusqlite::types::Value;

use super::Db;
use crate::{
    Micros, ObjectFilter, Page, PageRequest, Result, Row, StoreError, VersionMatch,
    VersionSelector, Visibility,
};
use tlp::ReadScope;

/// SQL text with its positional parameters, appended in the order they appear.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a parameter, written `+?` so SQLite never re-prepares the statement when it is
    /// rebound (see "Bound integers" in `mod.rs`).
    fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.text.push_str("+?");
        self.params.push(v.into());
        self
    }

    /// ` AND <col> IN (?, ...)`.
    fn and_in(&mut self, col: &str, values: &[String]) -> &mut Self {
        self.push(" AND ").push(col).push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.clone());
        }
        self.push(")")
    }
}

/// The reader's visibility as a predicate over the `object_version` row aliased `a`, appended
/// as ` AND ...`. It is applied to the outer scan and inside every subquery that selects
/// versions, so `limit`, `more` and `last` are exact for each reader ("the last version this
/// reader may see"). It is [`tlp::ReadScope::allows`] written in SQL (the store suite checks the
/// two agree, through `decide`); every value is a bound parameter, so the statement text is the
/// same for every reader and stays in the statement cache.
fn visibility(sql: &mut Sql, vis: &Visibility, a: &str) {
    let (org, level, identity, org_identity, red_org, personal) = match vis {
        Visibility::All | Visibility::Scoped(ReadScope::All) => return,
        Visibility::Scoped(ReadScope::Nothing) => {
            sql.push(" AND 0");
            return;
        }
        Visibility::Scoped(ReadScope::Reader {
            org,
            level,
            identity,
            org_identity,
            red_org,
            personal,
        }) => (org, level, identity, org_identity, red_org, personal),
    };
    let wrap = |id: &Option<String>| id.as_ref().map(|i| format!("|{i}|"));
    let level = i64::from(tlp::rank(*level));
    sql.push(" AND ((")
        .push(a)
        .push(".origin = ")
        .bind(org.clone());
    sql.push(") OR ((")
        .push(a)
        .push(".access_flags & 1) = 0 AND ");
    // Personal data: a designation valid today, or the reader's organisation is affected.
    sql.push("(").push(a).push(".pii = 0 OR (");
    sql.push(a)
        .push(".pii IN (1, 2) AND ")
        .bind(i64::from(personal.personal_data));
    sql.push(" = 1) OR (")
        .push(a)
        .push(".pii = 3 AND ")
        .bind(i64::from(personal.credential));
    sql.push(" = 1) OR instr(")
        .push(a)
        .push(".affected, ")
        .bind(wrap(org_identity));
    sql.push(") > 0) AND ");
    sql.push(a).push(".tlp IS NOT NULL AND ((");
    sql.push(a).push(".recipients IS NULL AND ");
    sql.push(a).push(".tlp <= ").bind(level);
    sql.push(") OR (")
        .push(a)
        .push(".recipients IS NOT NULL AND ((instr(");
    sql.push(a).push(".recipients, ").bind(wrap(identity));
    sql.push(") > 0 AND (").push(a).push(".tlp = 4 OR ");
    sql.push(a).push(".tlp <= ").bind(level);
    sql.push(")) OR (instr(")
        .push(a)
        .push(".recipients, ")
        .bind(wrap(org_identity));
    sql.push(") > 0 AND (").push(a).push(".tlp <= ").bind(level);
    sql.push(" OR (")
        .push(a)
        .push(".tlp = 4 AND ")
        .bind(i64::from(*red_org));
    sql.push(" = 1))))))))");
}

/// Whether `vis` hides nothing. The `is_latest` index describes all stored versions, so it
/// answers `last` only for a reader who may see every version.
fn unrestricted(vis: &Visibility) -> bool {
    matches!(vis, Visibility::All | Visibility::Scoped(ReadScope::All))
}

/// Whether the filter selects `last` and nothing else.
fn only_last(f: &ObjectFilter) -> bool {
    match &f.versions {
        VersionMatch::Any(sels) => {
            !sels.is_empty() && sels.iter().all(|s| *s == VersionSelector::Last)
        }
        VersionMatch::All => false,
    }
}

/// Whether the filter is the common `last` request the `is_latest` index answers directly.
fn latest_only(f: &ObjectFilter, vis: &Visibility) -> bool {
    only_last(f) && f.added_after.is_none() && f.spec_versions.is_empty() && unrestricted(vis)
}

/// Filters a row `a` of the same object as the outer row `o` must pass to take part in the
/// version selection: everything except id and type, which are the same for every row of one
/// object.
fn same_object_filters(sql: &mut Sql, f: &ObjectFilter, vis: &Visibility, a: &str) {
    sql.push(" AND ")
        .push(a)
        .push(".collection_id = o.collection_id AND ");
    sql.push(a).push(".stix_id = o.stix_id");
    if let Some(t) = f.added_after {
        // The unary `+` keeps this range from being used as an index constraint: a subquery
        // must find the object's few rows through `ov_version`, never walk the collection's
        // date_added range (what the planner otherwise picks once it has statistics).
        sql.push(" AND +").push(a).push(".date_added_us > ").bind(t);
    }
    visibility(sql, vis, a);
}

/// The spec_version rule for a row `a` of the outer row's object in a version subquery. With
/// no `match[spec_version]` the outer row already has its object's latest spec version, so
/// the rows that qualify are exactly those with the same spec version.
fn same_object_spec(sql: &mut Sql, f: &ObjectFilter, a: &str) {
    if f.spec_versions.is_empty() {
        sql.push(" AND ")
            .push(a)
            .push(".spec_version = o.spec_version");
    } else {
        sql.and_in(&format!("{a}.spec_version"), &f.spec_versions);
    }
}

/// `SELECT <columns> FROM object_version o WHERE ...` for the rows `f` selects in collection
/// `key` with `date_added_us > lower`, without ORDER BY / LIMIT.
pub(crate) fn select(
    key: i64,
    f: &ObjectFilter,
    vis: &Visibility,
    columns: &str,
    lower: Micros,
) -> Sql {
    let mut sql = Sql::default();
    sql.push("SELECT ")
        .push(columns)
        .push(" FROM object_version o WHERE o.collection_id = ")
        .bind(key);
    let lower = lower.max(f.added_after.unwrap_or(Micros::MIN));
    // With `match[id]` the few versions of those ids are best found by id and sorted; the
    // unary `+` keeps the planner (which has no statistics on a young database) from walking
    // the whole collection in date_added order through `ov_latest`/`ov_added` instead.
    let by_id = !f.ids.is_empty();
    sql.push(if by_id {
        " AND +o.date_added_us > "
    } else {
        " AND o.date_added_us > "
    })
    .bind(lower);
    if by_id {
        sql.and_in("o.stix_id", &f.ids);
    }
    if !f.types.is_empty() {
        sql.and_in("o.stix_type", &f.types);
    }
    if latest_only(f, vis) {
        sql.push(" AND o.is_latest = 1");
        return sql;
    }
    visibility(&mut sql, vis, "o");
    if f.spec_versions.is_empty() && only_last(f) {
        // The default request for a reader who may not see every version: the row with the
        // greatest (spec_version, version_us) among the object's qualifying rows. One
        // subquery instead of the two below (latest spec version, then last version of it),
        // and none at all for a row that is the object's latest overall.
        // A `shadowed` row has a newer version every reader who sees it also sees (set by
        // the writer): never the last, no subquery needed.
        sql.push(" AND (o.is_latest = 1 OR (o.shadowed = 0 AND NOT EXISTS (SELECT 1 FROM object_version n WHERE (n.spec_version > o.spec_version OR (n.spec_version = o.spec_version AND n.version_us > o.version_us))");
        same_object_filters(&mut sql, f, vis, "n");
        sql.push(")))");
        return sql;
    }
    if f.spec_versions.is_empty() {
        sql.push(" AND (o.is_latest = 1 OR o.spec_version = (SELECT MAX(s.spec_version) FROM object_version s WHERE 1");
        same_object_filters(&mut sql, f, vis, "s");
        sql.push("))");
    } else {
        sql.and_in("o.spec_version", &f.spec_versions);
    }
    let sels = match &f.versions {
        VersionMatch::All => return sql,
        VersionMatch::Any(sels) => sels,
    };
    if sels.is_empty() {
        // An empty union selects nothing (the parser never produces one).
        sql.push(" AND 0");
        return sql;
    }
    let mut parts: Vec<Sql> = Vec::new();
    for (sel, cmp, a) in [
        (VersionSelector::First, "<", "p"),
        (VersionSelector::Last, ">", "n"),
    ] {
        if sels.contains(&sel) {
            // No qualifying version of the same object is older (first) / newer (last).
            let mut part = Sql::default();
            if sel == VersionSelector::Last && f.spec_versions.is_empty() {
                part.push("o.is_latest = 1 OR ");
            }
            part.push("NOT EXISTS (SELECT 1 FROM object_version ")
                .push(a)
                .push(" WHERE ");
            part.push(a)
                .push(".version_us ")
                .push(cmp)
                .push(" o.version_us");
            same_object_filters(&mut part, f, vis, a);
            same_object_spec(&mut part, f, a);
            part.push(")");
            parts.push(part);
        }
    }
    let mut ats: Vec<Micros> = sels
        .iter()
        .filter_map(|s| match s {
            VersionSelector::At(t) => Some(*t),
            _ => None,
        })
        .collect();
    ats.sort_unstable();
    ats.dedup();
    if !ats.is_empty() {
        let mut part = Sql::default();
        part.push("o.version_us IN (");
        for (i, t) in ats.into_iter().enumerate() {
            if i > 0 {
                part.push(", ");
            }
            part.bind(t);
        }
        part.push(")");
        parts.push(part);
    }
    sql.push(" AND (");
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.text.push_str(&part.text);
        sql.params.extend(part.params);
    }
    sql.push(")");
    sql
}

/// Without bodies, a row flagged for review still brings its body (redaction decides whether
/// and under which id it is listed); SQLite reads the (overflow) pages of no other body.
const ROW_COLUMNS: &str = "o.date_added_us, o.stix_id, o.version, o.spec_version, o.sha256,
     o.tlp, o.access_flags, o.origin, o.recipients, o.affected, o.pii, o.zones,
     CASE WHEN o.access_flags & 4 THEN o.body END";
/// For a reader who sees everything (redaction never applies): no body, no review.
const ROW_COLUMNS_UNRESTRICTED: &str =
    "o.date_added_us, o.stix_id, o.version, o.spec_version, o.sha256,
     o.tlp, 0, o.origin, o.recipients, o.affected, o.pii, NULL, NULL";
const ROW_COLUMNS_BODY: &str = "o.date_added_us, o.stix_id, o.version, o.spec_version, o.sha256,
     o.tlp, o.access_flags, o.origin, o.recipients, o.affected, o.pii, o.zones, o.body";

/// The page query: [`select`], ordered, with `LIMIT n + 1` so `more` is exact.
fn page_sql(
    key: i64,
    f: &ObjectFilter,
    vis: &Visibility,
    page: PageRequest,
    with_bodies: bool,
) -> Sql {
    let columns = if with_bodies {
        ROW_COLUMNS_BODY
    } else if unrestricted(vis) {
        ROW_COLUMNS_UNRESTRICTED
    } else {
        ROW_COLUMNS
    };
    let mut sql = select(key, f, vis, columns, page.after.unwrap_or(Micros::MIN));
    // By id the rows come from the id index and are sorted (see `select`).
    sql.push(if f.ids.is_empty() {
        " ORDER BY o.date_added_us"
    } else {
        " ORDER BY +o.date_added_us"
    });
    let limit = i64::try_from(page.limit.max(1)).unwrap_or(i64::MAX - 1);
    sql.push(" LIMIT ").bind(limit + 1);
    sql
}

/// One keyset page.
pub(crate) fn page(
    conn: &Connection,
    key: i64,
    f: &ObjectFilter,
    vis: &Visibility,
    page: PageRequest,
    with_bodies: bool,
) -> Result<Page> {
    let limit = page.limit.max(1);
    let sql = page_sql(key, f, vis, page, with_bodies);
    let mut stmt = conn.prepare_cached(&sql.text).db()?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(sql.params.iter()))
        .db()?;
    let mut out = Vec::with_capacity(limit.min(1024) + 1);
    while let Some(r) = rows.next().db()? {
        let bytes: Option<Vec<u8>> = r.get(12).db()?;
        let body = bytes
            .map(|b| {
                String::from_utf8(b)
                    .map_err(|_| StoreError::Unavailable("a stored body is not UTF-8".into()))
            })
            .transpose()?;
        // Columns 5-10: the access columns (`super::access_columns`); 11 zones.
        let tlp = r.get::<_, Option<u8>>(5).db()?.and_then(tlp::from_rank);
        let flags: u8 = r.get(6).db()?;
        let pii = tlp::PiiClass::from_rank(r.get(10).db()?);
        // Redaction never applies to a reader who sees everything; the other rows need no more
        // than TLP and class (for the audit).
        let review = if flags & 4 != 0 && !unrestricted(vis) {
            let zones = match r.get::<_, Option<String>>(11).db()? {
                Some(z) => serde_json::from_str(&z)
                    .map_err(|_| StoreError::Unavailable("stored zones are not readable".into()))?,
                None => Vec::new(),
            };
            let class = crate::Classification {
                zones,
                ..super::access_columns(r, 5).db()?
            };
            Some(Box::new(crate::Review { class, body: None }))
        } else {
            None
        };
        let (body, review) = match (with_bodies, review) {
            (false, Some(mut rv)) => {
                rv.body = body;
                (None, Some(rv))
            }
            (_, rv) => (if with_bodies { body } else { None }, rv),
        };
        out.push(Row {
            date_added: r.get(0).db()?,
            id: r.get(1).db()?,
            version: r.get(2).db()?,
            spec_version: r.get(3).db()?,
            tlp,
            pii,
            review,
            sha256: r
                .get_ref(4)
                .db()?
                .as_blob_or_null()
                .ok()
                .flatten()
                .and_then(|b| <[u8; 32]>::try_from(b).ok()),
            body,
        });
    }
    let more = out.len() > limit;
    out.truncate(limit);
    Ok(Page { rows: out, more })
}

/// Whether any version of `id` is in the collection and visible.
pub(crate) fn exists(conn: &Connection, key: i64, id: &str, vis: &Visibility) -> Result<bool> {
    let mut sql = Sql::default();
    sql.push("SELECT EXISTS(SELECT 1 FROM object_version o WHERE o.collection_id = ")
        .bind(key);
    sql.push(" AND o.stix_id = ").bind(id.to_owned());
    visibility(&mut sql, vis, "o");
    sql.push(")");
    let mut stmt = conn.prepare_cached(&sql.text).db()?;
    stmt.query_row(rusqlite::params_from_iter(sql.params.iter()), |r| r.get(0))
        .db()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(versions: VersionMatch) -> ObjectFilter {
        ObjectFilter {
            versions,
            ..ObjectFilter::default()
        }
    }

    fn empty_db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        conn
    }

    /// 20 000 rows (5 000 ids with 4 versions each, 1 % of them `malware`), analysed: the
    /// plans must hold even if an operator runs ANALYZE by hand.
    fn analysed_db() -> Connection {
        let conn = empty_db();
        conn.execute_batch(
            "INSERT INTO api_root VALUES ('r', 'r', NULL, 1);
             INSERT INTO collection(id, api_root, uuid, title) VALUES (1, 'r', 'u', 't');
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
             INSERT INTO object_version(collection_id, stix_id, stix_type, spec_version, version_us,
                                        version, date_added_us, is_latest, tlp, body)
             SELECT 1, 'x--' || (i % 5000), CASE WHEN i % 5000 < 50 THEN 'malware' ELSE 'indicator' END,
                    '2.1', i, 'v', i, i >= 15000, NULL, zeroblob(700) FROM n;
             ANALYZE;",
        )
        .unwrap();
        conn
    }

    /// The query plan of the page query for `f`.
    fn plan(conn: &Connection, f: &ObjectFilter) -> String {
        let page = PageRequest {
            after: Some(0),
            limit: 100,
        };
        let sql = page_sql(1, f, &Visibility::All, page, true);
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text))
            .unwrap();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(sql.params.iter()), |r| {
                r.get::<_, String>(3)
            })
            .unwrap();
        rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
    }

    #[test]
    fn type_filters_keep_an_ordered_scan() {
        for conn in [empty_db(), analysed_db()] {
            let one = vec!["malware".to_string()];
            let two = vec!["malware".to_string(), "indicator".to_string()];
            for (types, index) in [
                (
                    one,
                    "ov_type (collection_id=? AND stix_type=? AND date_added_us>?)",
                ),
                (two, ""),
            ] {
                for versions in [
                    VersionMatch::Any(vec![VersionSelector::Last]),
                    VersionMatch::All,
                ] {
                    for added_after in [None, Some(5)] {
                        let f = ObjectFilter {
                            types: types.clone(),
                            versions: versions.clone(),
                            added_after,
                            ..ObjectFilter::default()
                        };
                        let p = plan(&conn, &f);
                        // One type: its own index, in date_added order. Several: the collection
                        // in date_added order, filtered (an IN on the type would need a sort of
                        // every matching row for each page).
                        let index = if !index.is_empty() {
                            index
                        } else if latest_only(&f, &Visibility::All) {
                            "ov_latest (collection_id=? AND date_added_us>?)"
                        } else {
                            "ov_added (collection_id=? AND date_added_us>?)"
                        };
                        assert!(
                            p.starts_with(&format!("SEARCH o USING INDEX {index}")),
                            "{f:?}: {p}"
                        );
                        assert!(!p.contains("TEMP B-TREE"), "{f:?}: {p}");
                    }
                }
            }
        }
    }

    #[test]
    fn plans_use_the_intended_indexes() {
        // Without statistics (what the store runs with) and with them.
        for conn in [empty_db(), analysed_db()] {
            let p = plan(&conn, &ObjectFilter::default());
            assert!(
                p.starts_with(
                    "SEARCH o USING INDEX ov_latest (collection_id=? AND date_added_us>?)"
                ),
                "{p}"
            );
            assert!(!p.contains("TEMP B-TREE"), "{p}");
            let by_id = ObjectFilter {
                ids: vec!["x--1".into()],
                ..ObjectFilter::default()
            };
            let p = plan(&conn, &by_id);
            assert!(
                p.contains("ov_id_latest (collection_id=? AND stix_id=?)"),
                "{p}"
            );
            let p = plan(
                &conn,
                &ObjectFilter {
                    versions: VersionMatch::All,
                    ..by_id
                },
            );
            assert!(
                p.starts_with("SEARCH o USING INDEX ov_version (collection_id=? AND stix_id=?)"),
                "{p}"
            );
            let p = plan(&conn, &filter(VersionMatch::All));
            assert!(
                p.starts_with(
                    "SEARCH o USING INDEX ov_added (collection_id=? AND date_added_us>?)"
                ),
                "{p}"
            );
            assert!(!p.contains("TEMP B-TREE"), "{p}");
            let p = plan(
                &conn,
                &filter(VersionMatch::Any(vec![VersionSelector::First])),
            );
            assert!(
                p.contains("ov_version (collection_id=? AND stix_id=? AND version_us<?)"),
                "{p}"
            );
        }
        // Subqueries find the object's rows by id, with or without added_after.
        for conn in [empty_db(), analysed_db()] {
            for sels in [
                vec![VersionSelector::Last],
                vec![VersionSelector::First, VersionSelector::Last],
            ] {
                for added_after in [None, Some(0)] {
                    for versions in [VersionMatch::Any(sels.clone()), VersionMatch::All] {
                        let f = ObjectFilter {
                            added_after,
                            versions,
                            ..ObjectFilter::default()
                        };
                        let p = plan(&conn, &f);
                        for step in p
                            .split("; ")
                            .filter(|s| s.starts_with("SEARCH") && !s.starts_with("SEARCH o "))
                        {
                            assert!(
                                step.contains(
                                    "USING INDEX ov_version (collection_id=? AND stix_id=?"
                                ),
                                "{f:?}: {p}"
                            );
                        }
                        let outer = if latest_only(&f, &Visibility::All) {
                            "ov_latest"
                        } else {
                            "ov_added"
                        };
                        let want = format!(
                            "SEARCH o USING INDEX {outer} (collection_id=? AND date_added_us>?)"
                        );
                        assert!(p.starts_with(&want), "{f:?}: {p}");
                        assert!(!p.contains("TEMP B-TREE"), "{f:?}: {p}");
                    }
                }
            }
        }
    }

    /// Every shape of page query, run with changing parameters on collection 1, is prepared
    /// once (see "Parameters" in `mod.rs`).
    #[test]
    fn page_statements_are_never_reprepared() {
        let conn = analysed_db();
        let texts = |n: usize| (0..n).map(|i| format!("x--{i}")).collect::<Vec<_>>();
        let mut filters = Vec::new();
        for versions in [
            VersionMatch::All,
            VersionMatch::Any(vec![VersionSelector::Last]),
            VersionMatch::Any(vec![VersionSelector::First, VersionSelector::At(1)]),
        ] {
            for added_after in [None, Some(1)] {
                for (ids, types, specs) in [(0, 0, 0), (1, 0, 0), (2, 1, 0), (0, 2, 1)] {
                    filters.push(ObjectFilter {
                        ids: texts(ids),
                        types: texts(types),
                        spec_versions: texts(specs),
                        versions: versions.clone(),
                        added_after,
                    });
                }
            }
        }
        for f in &filters {
            for (i, after) in [None, Some(0), Some(1), Some(7)].into_iter().enumerate() {
                // Other values in every parameter each round, 0 and 1 included.
                let f = ObjectFilter {
                    ids: f.ids.iter().map(|s| format!("{s}{i}")).collect(),
                    added_after: f.added_after.map(|t| t + i as i64),
                    ..f.clone()
                };
                let request = PageRequest {
                    after,
                    limit: 1 + i % 2 * 99,
                };
                page(&conn, 1, &f, &Visibility::All, request, i % 2 == 0).unwrap();
                exists(&conn, 1, &format!("x--{i}"), &Visibility::All).unwrap();
            }
            for (limit, bodies) in [(1, true), (100, false)] {
                let sql = page_sql(
                    1,
                    f,
                    &Visibility::All,
                    PageRequest { after: None, limit },
                    bodies,
                );
                let stmt = conn.prepare_cached(&sql.text).unwrap();
                assert_eq!(
                    stmt.get_status(rusqlite::StatementStatus::RePrepare),
                    0,
                    "{}",
                    sql.text
                );
            }
        }
        let mut sql = Sql::default();
        sql.push("SELECT EXISTS(SELECT 1 FROM object_version o WHERE o.collection_id = ")
            .bind(1);
        sql.push(" AND o.stix_id = ").bind("x".to_owned());
        sql.push(")");
        let stmt = conn.prepare_cached(&sql.text).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn default_request_uses_the_latest_index() {
        let sql = select(
            1,
            &ObjectFilter::default(),
            &Visibility::All,
            "o.seq",
            Micros::MIN,
        );
        assert!(sql.text.contains("o.is_latest = 1"), "{}", sql.text);
        assert!(!sql.text.contains("NOT EXISTS"));
    }

    #[test]
    fn added_after_reaches_every_subquery() {
        let f = ObjectFilter {
            added_after: Some(42),
            ..filter(VersionMatch::Any(vec![
                VersionSelector::First,
                VersionSelector::Last,
            ]))
        };
        let sql = select(1, &f, &Visibility::All, "o.seq", Micros::MIN);
        assert!(!sql.text.ends_with("o.is_latest = 1"), "{}", sql.text);
        // The outer bound, the spec_version MAX subquery, and the first and last subqueries.
        assert_eq!(
            sql.text.matches("date_added_us > +?").count(),
            4,
            "{}",
            sql.text
        );
        assert_eq!(sql.text.matches('?').count(), sql.params.len());
    }

    #[test]
    fn parameters_match_placeholders() {
        let f = ObjectFilter {
            ids: vec!["a".into(), "b".into()],
            types: vec!["t".into()],
            spec_versions: vec!["2.0".into(), "2.1".into()],
            versions: VersionMatch::Any(vec![
                VersionSelector::At(5),
                VersionSelector::Last,
                VersionSelector::At(5),
            ]),
            added_after: Some(3),
        };
        let sql = select(1, &f, &Visibility::All, "o.seq", 9);
        assert_eq!(
            sql.text.matches('?').count(),
            sql.params.len(),
            "{}",
            sql.text
        );
    }
}
