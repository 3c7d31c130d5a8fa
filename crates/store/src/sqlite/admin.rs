//! Provisioning and the small administrative reads: API roots, collections, accounts, tokens,
//! grants, status resources.
//!
//! Parameters in WHERE clauses are written `+?N`: see "Parameters" in `mod.rs`.

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{Db, now_us};
use crate::{
    Account, ApiRoot, Collection, CollectionSpec, Grant, Organisation, Provisioning, Result,
    StatusDetail, StatusRecord, StoreError,
};

fn conflict(msg: String) -> StoreError {
    StoreError::Conflict(msg)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unavailable(format!("stored {what} is unreadable"))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Applies a provisioning declaration inside the writer's savepoint: any error rolls the whole
/// declaration back. References are checked explicitly so the operator gets a message naming
/// the entry instead of a bare constraint failure.
pub(crate) fn provision(conn: &Connection, p: &Provisioning) -> Result<()> {
    for r in &p.api_roots {
        conn.prepare_cached(
            "INSERT INTO api_root(path, title, description, max_content_length) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(path) DO UPDATE SET title = excluded.title, description = excluded.description,
               max_content_length = excluded.max_content_length",
        )
        .db()?
        .execute(params![r.path, r.title, r.description, to_i64(r.max_content_length)])
        .db()?;
    }
    for o in &p.organisations {
        conn.prepare_cached(
            "INSERT INTO organisation(id, name, identity, role, serves, sectors, designations, asset_scope)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, identity = excluded.identity,
               role = excluded.role, serves = excluded.serves, sectors = excluded.sectors,
               designations = excluded.designations, asset_scope = excluded.asset_scope",
        )
        .db()?
        .execute(params![
            o.id,
            o.name,
            o.identity,
            o.role.as_str(),
            to_json(&o.serves)?,
            to_json(&o.sectors)?,
            to_json(&o.designations)?,
            to_json(&o.asset_scope)?
        ])
        .db()?;
    }
    // Constituency members are checked once every organisation of the declaration exists.
    for o in &p.organisations {
        for m in &o.serves {
            require_organisation(conn, m, &format!("constituency of organisation {:?}", o.id))?;
        }
    }
    for a in &p.accounts {
        require_organisation(conn, &a.organisation, &format!("account {:?}", a.name))?;
        conn.prepare_cached(
            "INSERT INTO account(name, organisation, password_hash, operator, identity) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET organisation = excluded.organisation,
               password_hash = COALESCE(excluded.password_hash, account.password_hash),
               operator = excluded.operator, identity = excluded.identity",
        )
        .db()?
        .execute(params![a.name, a.organisation, a.password_hash, a.operator, a.identity])
        .db()?;
    }
    for t in &p.tokens {
        let owner: Option<String> = conn
            .prepare_cached("SELECT account FROM api_token WHERE sha256 = +?1")
            .db()?
            .query_row([&t.sha256[..]], |r| r.get(0))
            .optional()
            .db()?;
        if let Some(owner) = owner.filter(|o| *o != t.account) {
            return Err(conflict(format!(
                "token {:?} of account {:?} is already the token of account {owner:?}",
                t.label, t.account
            )));
        }
        let known: bool = conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM account WHERE name = +?1)")
            .db()?
            .query_row([&t.account], |r| r.get(0))
            .db()?;
        if !known {
            return Err(conflict(format!(
                "token {:?}: unknown account {:?}",
                t.label, t.account
            )));
        }
        conn.prepare_cached(
            "INSERT INTO api_token(sha256, account, label) VALUES (?1, ?2, ?3)
             ON CONFLICT(sha256) DO UPDATE SET label = excluded.label",
        )
        .db()?
        .execute(params![&t.sha256[..], t.account, t.label])
        .db()?;
    }
    for c in &p.collections {
        upsert_collection(conn, c)?;
    }
    for (org, root, id, read, write) in &p.grants {
        let what = format!("grant of {org:?} on collection {id}");
        require_organisation(conn, org, &what)?;
        let key: i64 = conn
            .prepare_cached("SELECT id FROM collection WHERE uuid = +?1 AND api_root = +?2")
            .db()?
            .query_row(params![id.to_string(), root], |r| r.get(0))
            .optional()
            .db()?
            .ok_or_else(|| conflict(format!("{what}: no such collection in API root {root:?}")))?;
        conn.prepare_cached(
            "INSERT INTO collection_grant(organisation, collection_id, can_read, can_write) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(organisation, collection_id) DO UPDATE SET can_read = excluded.can_read,
               can_write = excluded.can_write",
        )
        .db()?
        .execute(params![org, key, read, write])
        .db()?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// Every organisation, by id.
pub(crate) fn organisations(conn: &Connection) -> Result<Vec<Organisation>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name, identity, role, serves, sectors, designations, asset_scope
             FROM organisation ORDER BY id",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
            ))
        })
        .db()?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, identity, role, serves, sectors, designations, asset_scope) = row.db()?;
        out.push(Organisation {
            designations: serde_json::from_str(&designations)
                .map_err(|_| corrupt("organisation designations"))?,
            asset_scope: serde_json::from_str(&asset_scope)
                .map_err(|_| corrupt("organisation asset scope"))?,
            role: role.parse().map_err(|_| corrupt("organisation role"))?,
            serves: serde_json::from_str(&serves).map_err(|_| corrupt("organisation serves"))?,
            sectors: serde_json::from_str(&sectors).map_err(|_| corrupt("organisation sectors"))?,
            id,
            name,
            identity,
        });
    }
    Ok(out)
}

fn require_organisation(conn: &Connection, id: &str, what: &str) -> Result<()> {
    let known: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM organisation WHERE id = +?1)")
        .db()?
        .query_row([id], |r| r.get(0))
        .db()?;
    if known {
        Ok(())
    } else {
        Err(conflict(format!("{what}: unknown organisation {id:?}")))
    }
}

fn upsert_collection(conn: &Connection, c: &CollectionSpec) -> Result<()> {
    let uuid = c.id.to_string();
    let what = format!("collection {uuid} ({:?})", c.title);
    let root_known: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM api_root WHERE path = +?1)")
        .db()?
        .query_row([&c.api_root], |r| r.get(0))
        .db()?;
    if !root_known {
        return Err(conflict(format!(
            "{what}: unknown API root {:?}",
            c.api_root
        )));
    }
    if let Some(owner) = &c.owner {
        require_organisation(conn, owner, &what)?;
    }
    let stored_root: Option<String> = conn
        .prepare_cached("SELECT api_root FROM collection WHERE uuid = +?1")
        .db()?
        .query_row([&uuid], |r| r.get(0))
        .optional()
        .db()?;
    if let Some(stored) = stored_root.as_ref().filter(|r| **r != c.api_root) {
        return Err(conflict(format!(
            "{what} belongs to API root {stored:?}, not {:?}",
            c.api_root
        )));
    }
    // Titles and aliases are unique per API root (interop contract point 8, T-53).
    let clash = |col: &str, value: &str| -> Result<Option<String>> {
        conn.prepare_cached(&format!(
            "SELECT uuid FROM collection WHERE api_root = +?1 AND {col} = +?2 AND uuid <> +?3"
        ))
        .db()?
        .query_row(params![c.api_root, value, uuid], |r| r.get(0))
        .optional()
        .db()
    };
    if let Some(other) = clash("title", &c.title)? {
        return Err(conflict(format!(
            "{what}: the title is already used by collection {other} of API root {:?}",
            c.api_root
        )));
    }
    if let Some(alias) = &c.alias {
        if let Some(other) = clash("alias", alias)? {
            return Err(conflict(format!(
                "{what}: the alias {alias:?} is already used by collection {other}"
            )));
        }
        // An alias that reads as another collection's id would make lookups ambiguous.
        if Uuid::parse_str(alias).is_ok_and(|u| u != c.id) {
            return Err(conflict(format!(
                "{what}: the alias {alias:?} is a collection id"
            )));
        }
    }
    let media = serde_json::to_string(&c.media_types)
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    for a in &c.policy.audience {
        let (tlp::AudienceEntry::Organisation(o) | tlp::AudienceEntry::ConstituencyOf(o)) = a;
        require_organisation(conn, o, &format!("{what}: audience"))?;
    }
    conn.prepare_cached(
        "INSERT INTO collection(api_root, uuid, title, description, alias, media_types, owner, policy)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(uuid) DO UPDATE SET title = excluded.title, description = excluded.description,
           alias = excluded.alias, media_types = excluded.media_types, owner = excluded.owner,
           policy = excluded.policy",
    )
    .db()?
    .execute(params![
        c.api_root,
        uuid,
        c.title,
        c.description,
        c.alias,
        media,
        c.owner,
        to_json(&c.policy)?
    ])
    .db()?;
    Ok(())
}

pub(crate) fn api_roots(conn: &Connection) -> Result<Vec<ApiRoot>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT path, title, description, max_content_length FROM api_root ORDER BY rowid",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(ApiRoot {
                path: r.get(0)?,
                title: r.get(1)?,
                description: r.get(2)?,
                max_content_length: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

const COLLECTION_COLUMNS: &str =
    "id, api_root, uuid, title, description, alias, media_types, owner, policy";

type CollectionRow = (Collection, String, String, Option<String>);

fn collection_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CollectionRow> {
    Ok((
        Collection {
            key: r.get(0)?,
            api_root: r.get(1)?,
            id: Uuid::nil(),
            title: r.get(3)?,
            description: r.get(4)?,
            alias: r.get(5)?,
            media_types: Vec::new(),
            owner: r.get(7)?,
            policy: tlp::CollectionPolicy::default(),
        },
        r.get(2)?,
        r.get(6)?,
        r.get(8)?,
    ))
}

/// Fills the columns stored as text (uuid, JSON media types and policy), which rusqlite
/// cannot convert.
fn finish_collection((mut c, uuid, media, policy): CollectionRow) -> Result<Collection> {
    c.id = Uuid::parse_str(&uuid).map_err(|_| corrupt("collection id"))?;
    c.media_types = serde_json::from_str(&media).map_err(|_| corrupt("collection media types"))?;
    if let Some(p) = policy {
        c.policy = serde_json::from_str(&p).map_err(|_| corrupt("collection policy"))?;
    }
    Ok(c)
}

/// Collections of an API root in creation order (stable, T-32).
pub(crate) fn collections(conn: &Connection, api_root: &str) -> Result<Vec<Collection>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLLECTION_COLUMNS} FROM collection WHERE api_root = +?1 ORDER BY id"
        ))
        .db()?;
    let rows = stmt.query_map([api_root], collection_row).db()?;
    rows.map(|r| r.db().and_then(finish_collection)).collect()
}

/// A collection by id (any UUID spelling), else by alias (T-56).
pub(crate) fn collection(
    conn: &Connection,
    api_root: &str,
    id_or_alias: &str,
) -> Result<Option<Collection>> {
    let by = |col: &str, value: &str| -> Result<Option<Collection>> {
        conn.prepare_cached(&format!(
            "SELECT {COLLECTION_COLUMNS} FROM collection WHERE api_root = +?1 AND {col} = +?2"
        ))
        .db()?
        .query_row([api_root, value], collection_row)
        .optional()
        .db()?
        .map(finish_collection)
        .transpose()
    };
    if let Ok(id) = Uuid::parse_str(id_or_alias)
        && let Some(c) = by("uuid", &id.to_string())?
    {
        return Ok(Some(c));
    }
    by("alias", id_or_alias)
}

const ACCOUNT_COLUMNS: &str = "a.name, a.organisation, a.password_hash, a.operator, a.identity";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        name: r.get(0)?,
        organisation: r.get(1)?,
        password_hash: r.get(2)?,
        operator: r.get(3)?,
        identity: r.get(4)?,
    })
}

pub(crate) fn account(conn: &Connection, name: &str) -> Result<Option<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM account a WHERE a.name = +?1"
    ))
    .db()?
    .query_row([name], account_row)
    .optional()
    .db()
}

/// Every account, by name, with the labels of its tokens.
pub(crate) fn accounts(conn: &Connection) -> Result<Vec<(Account, Vec<String>)>> {
    let accounts: Vec<Account> = conn
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM account a ORDER BY a.name"
        ))
        .db()?
        .query_map([], account_row)
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    let mut labels = conn
        .prepare_cached("SELECT label FROM api_token WHERE account = ?1 ORDER BY label")
        .db()?;
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        let tokens = labels
            .query_map([&a.name], |r| r.get(0))
            .db()?
            .collect::<rusqlite::Result<Vec<String>>>()
            .db()?;
        out.push((a, tokens));
    }
    Ok(out)
}

/// Deletes the grant of an organisation on a collection; whether there was one.
pub(crate) fn remove_grant(
    conn: &Connection,
    organisation: &str,
    api_root: &str,
    collection: &str,
) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "DELETE FROM collection_grant WHERE organisation = ?1
               AND collection_id = (SELECT id FROM collection WHERE uuid = ?2 AND api_root = ?3)",
        )
        .db()?
        .execute(params![organisation, collection, api_root])
        .db()?;
    Ok(n > 0)
}

/// Deletes an account and its tokens; whether it existed.
pub(crate) fn remove_account(conn: &Connection, name: &str) -> Result<bool> {
    conn.prepare_cached("DELETE FROM api_token WHERE account = ?1")
        .db()?
        .execute([name])
        .db()?;
    let n = conn
        .prepare_cached("DELETE FROM account WHERE name = ?1")
        .db()?
        .execute([name])
        .db()?;
    Ok(n > 0)
}

/// Strings of the first column of a query's rows.
fn strings(conn: &Connection, sql: &str, param: &str) -> Result<Vec<String>> {
    conn.prepare_cached(sql)
        .db()?
        .query_map([param], |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()
}

/// Deletes an organisation nothing refers to any more; whether it existed.
pub(crate) fn remove_organisation(conn: &Connection, id: &str) -> Result<bool> {
    let mut refs = Vec::new();
    for (what, sql) in [
        (
            "accounts",
            "SELECT name FROM account WHERE organisation = ?1 ORDER BY name",
        ),
        (
            "grants on collections",
            "SELECT c.api_root || '/' || c.uuid FROM collection_grant g
               JOIN collection c ON c.id = g.collection_id WHERE g.organisation = ?1 ORDER BY 1",
        ),
        (
            "owned collections",
            "SELECT api_root || '/' || uuid FROM collection WHERE owner = ?1 ORDER BY 1",
        ),
        (
            "the constituency of",
            "SELECT o.id FROM organisation o, json_each(o.serves) s WHERE s.value = ?1 ORDER BY 1",
        ),
    ] {
        let found = strings(conn, sql, id)?;
        if !found.is_empty() {
            refs.push(format!("{what} {}", found.join(", ")));
        }
    }
    // Audiences name organisations inside the collection's policy (JSON).
    let mut audiences = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT api_root || '/' || uuid, policy FROM collection
                 WHERE policy IS NOT NULL ORDER BY 1",
            )
            .db()?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .db()?;
        for row in rows {
            let (name, policy) = row.db()?;
            let policy: tlp::CollectionPolicy =
                serde_json::from_str(&policy).map_err(|_| corrupt("collection policy"))?;
            if policy.audience.iter().any(|a| match a {
                tlp::AudienceEntry::Organisation(o) | tlp::AudienceEntry::ConstituencyOf(o) => {
                    o == id
                }
            }) {
                audiences.push(name);
            }
        }
    }
    if !audiences.is_empty() {
        refs.push(format!(
            "the audience of collections {}",
            audiences.join(", ")
        ));
    }
    // Stored versions name their poster by organisation id: another organisation given this id
    // later would become their originator (and see what only the poster may see).
    let posted: i64 = conn
        .prepare_cached("SELECT count(*) FROM object_version WHERE origin = ?1")
        .db()?
        .query_row([id], |r| r.get(0))
        .db()?;
    if posted > 0 {
        refs.push(format!(
            "{posted} stored object versions it posted (it stays their originator; remove its \
             accounts and grants to end its access instead)"
        ));
    }
    if !refs.is_empty() {
        return Err(StoreError::Conflict(format!(
            "organisation {id:?} is still referred to by {}",
            refs.join("; ")
        )));
    }
    let n = conn
        .prepare_cached("DELETE FROM organisation WHERE id = ?1")
        .db()?
        .execute([id])
        .db()?;
    Ok(n > 0)
}

/// Deletes a collection (and, when asked, its object versions) with its grants, hops and
/// import checkpoints; the number of versions deleted, or `None` when it does not exist.
pub(crate) fn remove_collection(
    conn: &Connection,
    api_root: &str,
    uuid: &str,
    with_objects: bool,
) -> Result<Option<u64>> {
    let key: Option<i64> = conn
        .prepare_cached("SELECT id FROM collection WHERE api_root = ?1 AND uuid = ?2")
        .db()?
        .query_row(params![api_root, uuid], |r| r.get(0))
        .optional()
        .db()?;
    let Some(key) = key else {
        return Ok(None);
    };
    let versions: i64 = conn
        .prepare_cached("SELECT count(*) FROM object_version WHERE collection_id = ?1")
        .db()?
        .query_row([key], |r| r.get(0))
        .db()?;
    if versions > 0 && !with_objects {
        return Err(StoreError::Conflict(format!(
            "collection {api_root}/{uuid} holds {versions} object versions; delete them with it \
             explicitly, or keep the collection"
        )));
    }
    for sql in [
        "DELETE FROM object_version WHERE collection_id = ?1",
        "DELETE FROM hop WHERE collection_id = ?1",
        "DELETE FROM collection_grant WHERE collection_id = ?1",
        "DELETE FROM collection WHERE id = ?1",
    ] {
        conn.prepare_cached(sql).db()?.execute([key]).db()?;
    }
    // Positions of imports into it (`import:<root>/<uuid>:...`) would skip objects of a
    // collection created again under the same id.
    conn.prepare_cached("DELETE FROM checkpoint WHERE name LIKE ?1 ESCAPE '\\'")
        .db()?
        .execute([format!("import:{api_root}/{uuid}:%").replace('_', "\\_")])
        .db()?;
    Ok(Some(u64::try_from(versions).unwrap_or(0)))
}

pub(crate) fn account_by_token(conn: &Connection, sha256: &[u8; 32]) -> Result<Option<Account>> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM api_token t JOIN account a ON a.name = t.account WHERE t.sha256 = +?1"
    ))
    .db()?
    .query_row([&sha256[..]], account_row)
    .optional()
    .db()
}

pub(crate) fn grants(conn: &Connection, organisation: &str, api_root: &str) -> Result<Vec<Grant>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT g.collection_id, g.can_read, g.can_write FROM collection_grant g
             JOIN collection c ON c.id = g.collection_id
             WHERE g.organisation = +?1 AND c.api_root = +?2 ORDER BY g.collection_id",
        )
        .db()?;
    let rows = stmt
        .query_map([organisation, api_root], |r| {
            Ok(Grant {
                collection_key: r.get(0)?,
                read: r.get(1)?,
                write: r.get(2)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

fn details_json(list: &[StatusDetail]) -> String {
    let v: Vec<serde_json::Value> = list
        .iter()
        .map(|d| serde_json::json!([d.id, d.version, d.message]))
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn details_from_json(text: &str) -> Result<Vec<StatusDetail>> {
    let bad = || corrupt("status details");
    let v: Vec<(String, String, Option<String>)> = serde_json::from_str(text).map_err(|_| bad())?;
    Ok(v.into_iter()
        .map(|(id, version, message)| StatusDetail {
            id,
            version,
            message,
        })
        .collect())
}

/// Stores (or replaces) a status resource.
pub(crate) fn save_status(conn: &Connection, s: &StatusRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO status(id, api_root, account, complete, request_timestamp_us, total_count,
                                       successes, failures, pendings, stored_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .db()?
    .execute(params![
        s.id.to_string(),
        s.api_root,
        s.account,
        s.complete,
        s.request_timestamp,
        to_i64(s.total_count),
        details_json(&s.successes),
        details_json(&s.failures),
        details_json(&s.pendings),
        now_us()
    ])
    .db()?;
    Ok(())
}

pub(crate) fn expire_statuses(conn: &Connection, written_before: crate::Micros) -> Result<u64> {
    let n = conn
        .prepare_cached("DELETE FROM status WHERE stored_us < ?1")
        .db()?
        .execute([written_before])
        .db()?;
    Ok(n as u64)
}

pub(crate) fn status(conn: &Connection, api_root: &str, id: Uuid) -> Result<Option<StatusRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT account, complete, request_timestamp_us, total_count, successes, failures, pendings
             FROM status WHERE id = +?1 AND api_root = +?2",
        )
        .db()?
        .query_row(params![id.to_string(), api_root], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()
        .db()?;
    let Some((account, complete, request_timestamp, total, successes, failures, pendings)) = row
    else {
        return Ok(None);
    };
    Ok(Some(StatusRecord {
        id,
        api_root: api_root.to_owned(),
        account,
        complete,
        request_timestamp,
        total_count: u64::try_from(total).unwrap_or(0),
        successes: details_from_json(&successes)?,
        failures: details_from_json(&failures)?,
        pendings: details_from_json(&pendings)?,
    }))
}
