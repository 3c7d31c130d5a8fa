//! The opaque `next` value (T-95, DESIGN.md section 3, interop contract 1).
//!
//! A cursor carries everything needed to continue a listing: the endpoint, collection and
//! object it belongs to, the original filters and the `date_added` of the last row served.
//! Elastic and the OpenCTI connector send only `next` (plus `limit`), so nothing may live in
//! server memory; and a client must not be able to steer it, so it is authenticated with
//! HMAC-SHA256 under the server key. Authorization is not in it: the server re-applies the
//! caller's visibility on every page.
//!
//! Token: URL-safe base64 without padding of `payload || tag`, where `payload` is a compact
//! binary encoding (below) and `tag` the first 16 bytes of HMAC-SHA256 over a domain label
//! and the payload. 128 bits is the usual truncation floor (RFC 2104 section 5) and keeps a
//! plain objects cursor near 60 characters.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use uuid::Uuid;

use crate::error::TaxiiError;
use crate::query::{Endpoint, Micros, ObjectFilter, Query, VersionMatch, VersionSelector};

/// Payload format version; a new format gets a new number and old tokens fail cleanly.
const FORMAT: u8 = 1;
/// Keeps these MACs distinct from anything else the server might sign with the same key.
const DOMAIN: &[u8] = b"schakel/taxii/next/v1\0";
const TAG_LEN: usize = 16;
/// Bounds the work done on hostile input before the MAC is checked.
const MAX_TOKEN_LEN: usize = 16 * 1024;

const INVALID: &str = "invalid or expired next";

/// Where a listing stopped, and what it was listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub endpoint: Endpoint,
    pub collection: Uuid,
    /// The `{object-id}` of `/objects/{id}/` and `/versions/`; `None` elsewhere.
    pub object_id: Option<String>,
    /// The filters of the first page, including its `added_after`.
    pub filter: ObjectFilter,
    /// `date_added` of the last row served; the next page starts strictly after it.
    pub after: Micros,
}

/// The HMAC key for cursors (the store's per-database server key).
pub struct CursorKey {
    key: hmac::Key,
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl From<[u8; 32]> for CursorKey {
    fn from(bytes: [u8; 32]) -> Self {
        CursorKey::new(bytes)
    }
}

impl CursorKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        CursorKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
        }
    }

    fn tag(&self, payload: &[u8]) -> [u8; TAG_LEN] {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(DOMAIN);
        ctx.update(payload);
        let full = ctx.sign();
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&full.as_ref()[..TAG_LEN]);
        out
    }

    /// Encodes and authenticates a cursor as a `next` token.
    pub fn seal(&self, cursor: &Cursor) -> String {
        let mut payload = encode(cursor);
        let tag = self.tag(&payload);
        payload.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(payload)
    }

    /// Verifies and decodes a `next` token. Any alteration, truncation, other key or garbage
    /// is `BadRequest("invalid or expired next")`, the same text for every cause so the
    /// answer tells a prober nothing.
    pub fn open(&self, token: &str) -> Result<Cursor, TaxiiError> {
        let invalid = || TaxiiError::BadRequest(INVALID.to_owned());
        if token.len() > MAX_TOKEN_LEN {
            return Err(invalid());
        }
        // The engine refuses non-canonical trailing bits, so no two tokens decode alike.
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        if raw.len() <= TAG_LEN {
            return Err(invalid());
        }
        let (payload, tag) = raw.split_at(raw.len() - TAG_LEN);
        if !constant_time_eq(&self.tag(payload), tag) {
            return Err(invalid());
        }
        decode(payload).ok_or_else(invalid)
    }
}

/// Compares without an early exit, so timing does not reveal how many tag bytes matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

/// The filter, resume position and page size to run for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub filter: ObjectFilter,
    /// Keyset position: only rows with `date_added` strictly after this (`None` on a first
    /// page). Applies in addition to `filter.added_after`.
    pub after: Option<Micros>,
    /// The request's `limit`; it may differ from page to page.
    pub limit: Option<u64>,
}

impl Resolved {
    /// The cursor for the page after one whose last row has `date_added = last`.
    pub fn next_cursor(
        &self,
        endpoint: Endpoint,
        collection: Uuid,
        object_id: Option<&str>,
        last: Micros,
    ) -> Cursor {
        Cursor {
            endpoint,
            collection,
            object_id: object_id.map(str::to_owned),
            filter: self.filter.clone(),
            after: last,
        }
    }
}

/// Applies the resumption rule.
///
/// Without `next`: the request's own filter from its first row. With `next`: the cursor must
/// have been issued for this endpoint, collection and object (else 400); each filter
/// parameter the request repeats must equal the cursor's (else 400 "next does not match the
/// request's filters"); parameters it leaves out come from the cursor. So a client may send
/// `next` alone (Elastic), with all original filters (taxii2-client, OpenCTI's ingester), or
/// with some of them (the OpenCTI connector drops `added_after`). `limit` is free to change.
pub fn resolve(
    query: Query,
    key: &CursorKey,
    endpoint: Endpoint,
    collection: Uuid,
    object_id: Option<&str>,
) -> Result<Resolved, TaxiiError> {
    let Some(token) = query.next.as_deref() else {
        return Ok(Resolved {
            filter: query.filter,
            after: None,
            limit: query.limit,
        });
    };
    let cursor = key.open(token)?;
    if cursor.endpoint != endpoint
        || cursor.collection != collection
        || cursor.object_id.as_deref() != object_id
    {
        return Err(TaxiiError::BadRequest(
            "next was issued for a different endpoint, collection or object".to_owned(),
        ));
    }
    let (f, c, x) = (&query.filter, &cursor.filter, query.explicit);
    let conflict = (x.added_after && f.added_after != c.added_after)
        || (x.ids && f.ids != c.ids)
        || (x.types && f.types != c.types)
        || (x.spec_versions && f.spec_versions != c.spec_versions)
        || (x.versions && f.versions != c.versions);
    if conflict {
        return Err(TaxiiError::BadRequest(
            "next does not match the request's filters".to_owned(),
        ));
    }
    Ok(Resolved {
        filter: cursor.filter,
        after: Some(cursor.after),
        limit: query.limit,
    })
}

// ---- payload encoding -------------------------------------------------------------------
//
// FORMAT u8 | endpoint u8 | collection [16] | after zigzag-varint | flags u8 | then, each only
// when its flag says so: object_id str | added_after zigzag-varint | ids list | types list |
// spec_versions list | versions.
// str: 0 + varint len + UTF-8, or 1 + varint len + type + 16 UUID bytes for a lowercase
// `<type>--<uuid>` (27 bytes instead of 47 for an indicator id).
// versions (flag bits 5-6): 0 = [Last] (the default, no bytes), 1 = All, 2 = list:
// varint count, then 0 First | 1 Last | 2 + zigzag-varint instant.

const F_OBJECT: u8 = 1;
const F_ADDED_AFTER: u8 = 1 << 1;
const F_IDS: u8 = 1 << 2;
const F_TYPES: u8 = 1 << 3;
const F_SPEC: u8 = 1 << 4;
const V_SHIFT: u8 = 5;
const V_MASK: u8 = 0b11 << V_SHIFT;
const F_KNOWN: u8 = F_OBJECT | F_ADDED_AFTER | F_IDS | F_TYPES | F_SPEC | V_MASK;

fn endpoint_code(e: Endpoint) -> u8 {
    match e {
        Endpoint::Objects => 0,
        Endpoint::Manifest => 1,
        Endpoint::Object => 2,
        Endpoint::Versions => 3,
        Endpoint::Delete => 4,
    }
}

fn endpoint_from(code: u8) -> Option<Endpoint> {
    Some(match code {
        0 => Endpoint::Objects,
        1 => Endpoint::Manifest,
        2 => Endpoint::Object,
        3 => Endpoint::Versions,
        4 => Endpoint::Delete,
        _ => return None,
    })
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u64);
}

/// The UUID of a lowercase canonical `<type>--<uuid>`, when writing it back from the parts
/// gives exactly the input (otherwise the string is stored as is, keeping it byte-exact).
fn compact_id(s: &str) -> Option<(&str, Uuid)> {
    let (ty, rest) = s.split_once("--")?;
    let uuid = Uuid::try_parse(rest).ok()?;
    (rest.len() == 36 && uuid.hyphenated().to_string() == rest).then_some((ty, uuid))
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    match compact_id(s) {
        Some((ty, uuid)) => {
            out.push(1);
            put_len(out, ty.len());
            out.extend_from_slice(ty.as_bytes());
            out.extend_from_slice(uuid.as_bytes());
        }
        None => {
            out.push(0);
            put_len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn put_list(out: &mut Vec<u8>, items: &[String]) {
    put_len(out, items.len());
    for s in items {
        put_str(out, s);
    }
}

fn encode(c: &Cursor) -> Vec<u8> {
    let f = &c.filter;
    let mut out = Vec::with_capacity(48);
    out.push(FORMAT);
    out.push(endpoint_code(c.endpoint));
    out.extend_from_slice(c.collection.as_bytes());
    put_varint(&mut out, zigzag(c.after));
    let versions_kind: u8 = match &f.versions {
        VersionMatch::Any(v) if v.as_slice() == [VersionSelector::Last] => 0,
        VersionMatch::All => 1,
        VersionMatch::Any(_) => 2,
    };
    let mut flags = versions_kind << V_SHIFT;
    if c.object_id.is_some() {
        flags |= F_OBJECT;
    }
    if f.added_after.is_some() {
        flags |= F_ADDED_AFTER;
    }
    if !f.ids.is_empty() {
        flags |= F_IDS;
    }
    if !f.types.is_empty() {
        flags |= F_TYPES;
    }
    if !f.spec_versions.is_empty() {
        flags |= F_SPEC;
    }
    out.push(flags);
    if let Some(id) = &c.object_id {
        put_str(&mut out, id);
    }
    if let Some(t) = f.added_after {
        put_varint(&mut out, zigzag(t));
    }
    for (flag, list) in [
        (F_IDS, &f.ids),
        (F_TYPES, &f.types),
        (F_SPEC, &f.spec_versions),
    ] {
        if flags & flag != 0 {
            put_list(&mut out, list);
        }
    }
    if let VersionMatch::Any(sels) = &f.versions
        && versions_kind == 2
    {
        put_len(&mut out, sels.len());
        for s in sels {
            match s {
                VersionSelector::First => out.push(0),
                VersionSelector::Last => out.push(1),
                VersionSelector::At(t) => {
                    out.push(2);
                    put_varint(&mut out, zigzag(*t));
                }
            }
        }
    }
    out
}

/// A bounds-checked reader: every method returns `None` instead of panicking.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.buf.split_first()?;
        self.buf = rest;
        Some(b)
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Some(head)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return None;
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.varint()?).ok()?;
        // No length can exceed what is left; refuse before allocating.
        (n <= self.buf.len()).then_some(n)
    }

    fn str(&mut self) -> Option<String> {
        match self.u8()? {
            0 => {
                let n = self.len()?;
                String::from_utf8(self.bytes(n)?.to_vec()).ok()
            }
            1 => {
                let n = self.len()?;
                let ty = std::str::from_utf8(self.bytes(n)?).ok()?;
                let uuid = Uuid::from_slice(self.bytes(16)?).ok()?;
                Some(format!("{ty}--{}", uuid.hyphenated()))
            }
            _ => None,
        }
    }

    fn list(&mut self) -> Option<Vec<String>> {
        let n = self.len()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(self.str()?);
        }
        Some(v)
    }
}

fn decode(payload: &[u8]) -> Option<Cursor> {
    let mut r = Reader { buf: payload };
    if r.u8()? != FORMAT {
        return None;
    }
    let endpoint = endpoint_from(r.u8()?)?;
    let collection = Uuid::from_slice(r.bytes(16)?).ok()?;
    let after = unzigzag(r.varint()?);
    let flags = r.u8()?;
    if flags & !F_KNOWN != 0 {
        return None;
    }
    let object_id = if flags & F_OBJECT != 0 {
        Some(r.str()?)
    } else {
        None
    };
    let added_after = if flags & F_ADDED_AFTER != 0 {
        Some(unzigzag(r.varint()?))
    } else {
        None
    };
    let mut lists = [Vec::new(), Vec::new(), Vec::new()];
    for (slot, flag) in lists.iter_mut().zip([F_IDS, F_TYPES, F_SPEC]) {
        if flags & flag != 0 {
            *slot = r.list()?;
        }
    }
    let [ids, types, spec_versions] = lists;
    let versions = match (flags & V_MASK) >> V_SHIFT {
        0 => VersionMatch::Any(vec![VersionSelector::Last]),
        1 => VersionMatch::All,
        2 => {
            let n = r.len()?;
            let mut sels = Vec::with_capacity(n);
            for _ in 0..n {
                sels.push(match r.u8()? {
                    0 => VersionSelector::First,
                    1 => VersionSelector::Last,
                    2 => VersionSelector::At(unzigzag(r.varint()?)),
                    _ => return None,
                });
            }
            VersionMatch::Any(sels)
        }
        _ => return None,
    };
    if !r.buf.is_empty() {
        return None;
    }
    Some(Cursor {
        endpoint,
        collection,
        object_id,
        filter: ObjectFilter {
            ids,
            types,
            spec_versions,
            versions,
            added_after,
        },
        after,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::query::parse_query;

    const KEY: [u8; 32] = [7; 32];
    const COLL: Uuid = Uuid::from_u128(0x9cfa669c_ee94_4ece_afd2_f8edac37d8fd);
    const ID: &str = "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb";

    fn key() -> CursorKey {
        CursorKey::new(KEY)
    }

    fn cursor(endpoint: Endpoint, object_id: Option<&str>, filter: ObjectFilter) -> Cursor {
        Cursor {
            endpoint,
            collection: COLL,
            object_id: object_id.map(str::to_owned),
            filter,
            after: 1_704_067_201_123_456,
        }
    }

    fn rich_filter() -> ObjectFilter {
        ObjectFilter {
            ids: vec![ID.to_owned(), "x-custom--NOT-A-UUID".to_owned()],
            types: vec!["indicator".to_owned(), "malware".to_owned()],
            spec_versions: vec!["2.1".to_owned()],
            versions: VersionMatch::Any(vec![
                VersionSelector::First,
                VersionSelector::At(-5),
                VersionSelector::At(i64::MAX),
            ]),
            added_after: Some(i64::MIN),
        }
    }

    #[test]
    fn t95_round_trip() {
        let k = key();
        for c in [
            cursor(Endpoint::Objects, None, ObjectFilter::default()),
            cursor(Endpoint::Manifest, None, rich_filter()),
            cursor(Endpoint::Object, Some(ID), rich_filter()),
            cursor(
                Endpoint::Versions,
                Some("indicator--3600AD1B-FFF1-4C98-BCC9-4DE3BC2E2FFB"),
                ObjectFilter {
                    versions: VersionMatch::All,
                    ..ObjectFilter::default()
                },
            ),
        ] {
            let t = k.seal(&c);
            assert!(
                t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
            assert_eq!(k.open(&t), Ok(c));
        }
    }

    #[test]
    fn tokens_are_short() {
        let k = key();
        let plain = k.seal(&cursor(Endpoint::Objects, None, ObjectFilter::default()));
        assert!(plain.len() <= 64, "{} {plain}", plain.len());
        let one = k.seal(&cursor(Endpoint::Object, Some(ID), ObjectFilter::default()));
        assert!(one.len() <= 100, "{} {one}", one.len());
    }

    #[test]
    fn t95_wrong_key_and_garbage_are_rejected() {
        let t = key().seal(&cursor(Endpoint::Objects, None, ObjectFilter::default()));
        let other = CursorKey::new([8; 32]);
        let invalid = Err(TaxiiError::BadRequest(INVALID.to_owned()));
        assert_eq!(other.open(&t), invalid);
        for g in [
            "",
            "a",
            "abc",
            "!!!!",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "%41%41",
            "🦀🦀",
        ] {
            assert_eq!(key().open(g), invalid, "{g}");
        }
        assert_eq!(key().open(&"A".repeat(MAX_TOKEN_LEN + 4)), invalid);
    }

    #[test]
    fn t95_forged_payloads_with_a_valid_tag_still_decode_safely() {
        // Someone holding the key must still not be able to crash the decoder.
        let k = key();
        for payload in [
            vec![],
            vec![FORMAT],
            vec![FORMAT, 9],
            vec![2, 0],
            {
                let mut v = vec![FORMAT, 0];
                v.extend_from_slice(&[0; 16]);
                v.extend_from_slice(&[0xff; 11]);
                v
            },
            {
                let mut v = vec![FORMAT, 0];
                v.extend_from_slice(&[0; 16]);
                v.extend_from_slice(&[0, F_IDS, 0xff, 0xff, 0xff, 0xff, 0x0f]);
                v
            },
            {
                let mut v = encode(&cursor(Endpoint::Objects, None, ObjectFilter::default()));
                v.push(0);
                v
            },
        ] {
            let mut raw = payload.clone();
            raw.extend_from_slice(&k.tag(&payload));
            let t = URL_SAFE_NO_PAD.encode(raw);
            assert!(k.open(&t).is_err(), "{payload:?}");
        }
    }

    fn query(s: &str, e: Endpoint) -> Query {
        parse_query(s, e).unwrap()
    }

    #[test]
    fn interop1_next_alone_uses_the_cursor_filter() {
        let k = key();
        let first = query(
            "added_after=2024-01-01T00:00:00Z&match[type]=indicator&limit=2",
            Endpoint::Objects,
        );
        let r1 = resolve(first.clone(), &k, Endpoint::Objects, COLL, None).unwrap();
        assert_eq!(r1.after, None);
        assert_eq!(r1.filter, first.filter);
        let t = k.seal(&r1.next_cursor(Endpoint::Objects, COLL, None, 42));
        // Elastic: only next and limit, and the limit may change.
        let r2 = resolve(
            query(&format!("next={t}&limit=7"), Endpoint::Objects),
            &k,
            Endpoint::Objects,
            COLL,
            None,
        )
        .unwrap();
        assert_eq!(r2.filter, first.filter);
        assert_eq!(r2.after, Some(42));
        assert_eq!(r2.limit, Some(7));
    }

    #[test]
    fn t94_next_with_the_same_filters_is_accepted() {
        let k = key();
        let s = "match[type]=malware,indicator&added_after=2024-01-01T00:00:00.000Z";
        let r1 = resolve(
            query(s, Endpoint::Manifest),
            &k,
            Endpoint::Manifest,
            COLL,
            None,
        )
        .unwrap();
        let t = k.seal(&r1.next_cursor(Endpoint::Manifest, COLL, None, 42));
        // Same filters, differently spelled (order, precision, encoding): equal after parsing.
        let again = format!(
            "next={t}&added_after=2024-01-01T00:00:00Z&match%5Btype%5D=indicator,malware&match[version]=last"
        );
        let r2 = resolve(
            query(&again, Endpoint::Manifest),
            &k,
            Endpoint::Manifest,
            COLL,
            None,
        )
        .unwrap();
        assert_eq!(r2.filter, r1.filter);
        // The OpenCTI connector drops added_after but keeps the rest.
        let partial = format!("next={t}&match[type]=indicator,malware");
        assert!(
            resolve(
                query(&partial, Endpoint::Manifest),
                &k,
                Endpoint::Manifest,
                COLL,
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn t95_next_with_different_filters_is_400() {
        let k = key();
        let r1 = resolve(
            query("match[type]=indicator", Endpoint::Objects),
            &k,
            Endpoint::Objects,
            COLL,
            None,
        )
        .unwrap();
        let t = k.seal(&r1.next_cursor(Endpoint::Objects, COLL, None, 42));
        for other in [
            "match[type]=malware",
            "match[type]=indicator,malware",
            "added_after=2024-01-01T00:00:00Z",
            "match[version]=all",
            "match[spec_version]=2.1",
            &format!("match[id]={ID}"),
        ] {
            let e = resolve(
                query(&format!("next={t}&{other}"), Endpoint::Objects),
                &k,
                Endpoint::Objects,
                COLL,
                None,
            )
            .unwrap_err();
            assert_eq!(
                e,
                TaxiiError::BadRequest("next does not match the request's filters".into()),
                "{other}"
            );
        }
    }

    #[test]
    fn t95_next_for_another_endpoint_collection_or_object_is_400() {
        let k = key();
        let c = cursor(Endpoint::Object, Some(ID), ObjectFilter::default());
        let t = k.seal(&c);
        let q = query(&format!("next={t}"), Endpoint::Object);
        assert!(resolve(q.clone(), &k, Endpoint::Object, COLL, Some(ID)).is_ok());
        let other_id = "indicator--4600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb";
        for (e, coll, obj) in [
            (Endpoint::Versions, COLL, Some(ID)),
            (Endpoint::Object, Uuid::nil(), Some(ID)),
            (Endpoint::Object, COLL, Some(other_id)),
            (Endpoint::Object, COLL, None),
        ] {
            assert_eq!(
                resolve(q.clone(), &k, e, coll, obj).unwrap_err().status(),
                400
            );
        }
        let q = query(&format!("next={t}"), Endpoint::Objects);
        assert!(resolve(q, &k, Endpoint::Objects, COLL, None).is_err());
    }

    #[test]
    fn without_next_the_query_filter_is_used() {
        let q = query("match[version]=all&limit=3", Endpoint::Objects);
        let r = resolve(q.clone(), &key(), Endpoint::Objects, COLL, None).unwrap();
        assert_eq!(
            r,
            Resolved {
                filter: q.filter,
                after: None,
                limit: Some(3)
            }
        );
    }

    #[test]
    fn key_debug_does_not_print_the_key() {
        assert_eq!(format!("{:?}", key()), "CursorKey(..)");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn string() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z][a-z0-9-]{0,12}",
                ("[a-z]{3,10}", any::<u128>())
                    .prop_map(|(t, u)| format!("{t}--{}", Uuid::from_u128(u).hyphenated())),
                "\\PC{0,20}",
            ]
        }

        fn selector() -> impl Strategy<Value = VersionSelector> {
            prop_oneof![
                Just(VersionSelector::First),
                Just(VersionSelector::Last),
                any::<i64>().prop_map(VersionSelector::At),
            ]
        }

        fn filter() -> impl Strategy<Value = ObjectFilter> {
            (
                proptest::collection::vec(string(), 0..4),
                proptest::collection::vec(string(), 0..4),
                proptest::collection::vec(string(), 0..3),
                prop_oneof![
                    Just(VersionMatch::All),
                    proptest::collection::vec(selector(), 0..4).prop_map(VersionMatch::Any),
                ],
                proptest::option::of(any::<i64>()),
            )
                .prop_map(|(ids, types, spec_versions, versions, added_after)| {
                    ObjectFilter {
                        ids,
                        types,
                        spec_versions,
                        versions,
                        added_after,
                    }
                })
        }

        fn endpoint() -> impl Strategy<Value = Endpoint> {
            prop_oneof![
                Just(Endpoint::Objects),
                Just(Endpoint::Manifest),
                Just(Endpoint::Object),
                Just(Endpoint::Versions),
                Just(Endpoint::Delete),
            ]
        }

        fn any_cursor() -> impl Strategy<Value = Cursor> {
            (
                endpoint(),
                any::<u128>(),
                proptest::option::of(string()),
                filter(),
                any::<i64>(),
            )
                .prop_map(|(endpoint, c, object_id, filter, after)| Cursor {
                    endpoint,
                    collection: Uuid::from_u128(c),
                    object_id,
                    filter,
                    after,
                })
        }

        proptest! {
            #[test]
            fn seal_open_round_trip(c in any_cursor(), k in any::<[u8; 32]>()) {
                let key = CursorKey::new(k);
                let t = key.seal(&c);
                prop_assert_eq!(key.open(&t), Ok(c));
            }

            #[test]
            fn any_single_character_change_is_rejected(
                c in any_cursor(),
                pos in any::<proptest::sample::Index>(),
                replacement in prop_oneof![
                    proptest::char::range('A', 'Z'),
                    proptest::char::range('a', 'z'),
                    proptest::char::range('0', '9'),
                    Just('-'), Just('_'), Just('+'), Just('/'), Just('='), Just('%'), Just('é'),
                ],
            ) {
                let key = key();
                let t = key.seal(&c);
                let i = pos.index(t.len());
                let old = t.as_bytes()[i] as char;
                prop_assume!(old != replacement);
                let mut forged = String::with_capacity(t.len() + 1);
                forged.push_str(&t[..i]);
                forged.push(replacement);
                forged.push_str(&t[i + 1..]);
                prop_assert!(key.open(&forged).is_err());
            }

            #[test]
            fn any_single_bit_flip_in_the_bytes_is_rejected(
                c in any_cursor(),
                pos in any::<proptest::sample::Index>(),
                bit in 0u8..8,
            ) {
                let key = key();
                let mut raw = URL_SAFE_NO_PAD.decode(key.seal(&c)).unwrap();
                let i = pos.index(raw.len());
                raw[i] ^= 1 << bit;
                prop_assert!(key.open(&URL_SAFE_NO_PAD.encode(raw)).is_err());
            }

            #[test]
            fn any_truncation_or_extension_is_rejected(
                c in any_cursor(),
                cut in any::<proptest::sample::Index>(),
                extra in "[A-Za-z0-9_-]{1,4}",
            ) {
                let key = key();
                let t = key.seal(&c);
                let n = cut.index(t.len());
                prop_assert!(key.open(&t[..n]).is_err());
                let longer = format!("{}{}", t, extra);
                prop_assert!(key.open(&longer).is_err());
            }

            #[test]
            fn open_never_panics(s in "\\PC{0,200}") {
                let _ = key().open(&s);
            }
        }
    }
}
