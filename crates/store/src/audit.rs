//! The audit log (DESIGN.md section 4, access-model-research.md 4.9): an append-only,
//! hash-chained record of every disclosure, ingest and denial.
//!
//! Each entry is the canonical JSON of an [`AuditEvent`] (serde's output of the struct, fields in
//! declaration order) and a hash chaining it to the one before:
//! `hash(n) = SHA-256(hash(n-1) || n as 8 big-endian bytes || body)`, with 32 zero bytes before
//! the first entry. Changing, deleting or reordering an entry breaks the chain from that entry
//! on, and [`verify_chain`] names the first entry that no longer fits. Truncating the newest
//! entries leaves a valid shorter chain; `schakel audit verify --anchor SEQ:HASH` checks against
//! a head recorded earlier (outside the database) to catch that too.
//!
//! Entries hold ids, versions, content hashes and decisions, never object content: an audit
//! log that copied personal data would itself need the protection it documents.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Micros, Tlp};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditKind {
    /// Objects (or their manifest entries / versions) were sent to a reader.
    Disclosure,
    /// Objects were posted: what was stored, what was refused and by which rule.
    Ingest,
    /// A request for a specific object was answered "not found" because the rules withheld it.
    Denial,
    /// Objects pulled from an upstream server: what was stored, what was a duplicate, what the
    /// rules refused.
    Pull,
    /// Objects relayed by an intermediary into a relay-target collection, and refused relays.
    Relay,
    /// Objects an operator imported from files (`schakel import`): what was stored, what was a
    /// duplicate, what was invalid or refused by the collection's rules.
    Import,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Disclosure => "disclosure",
            AuditKind::Ingest => "ingest",
            AuditKind::Denial => "denial",
            AuditKind::Pull => "pull",
            AuditKind::Relay => "relay",
            AuditKind::Import => "import",
        }
    }
}

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub time_us: Micros,
    pub kind: AuditKind,
    pub account: Option<String>,
    pub organisation: Option<String>,
    pub api_root: Option<String>,
    pub collection: Option<Uuid>,
    /// `objects`, `object`, `manifest`, `versions`, `add`.
    pub endpoint: Option<String>,
    /// The reader's relation to the collection (`direct-audience`, `community`, ...).
    pub relation: Option<String>,
    /// The designations of the reader's organisation valid at that moment
    /// (`personal-data: <legal basis>`), which personal data in `items` went out under.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub designations: Vec<String>,
    pub items: Vec<AuditItem>,
    /// Pull and relay: where the objects came from (upstream and its collection, or the source
    /// collection of a relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Relay: the justification the intermediary recorded for need-to-know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// One object version in an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    pub id: String,
    pub version: String,
    /// SHA-256 (hex) of the bytes sent or stored; `None` when no content was sent (manifest,
    /// versions) or none was stored (refused).
    pub sha256: Option<String>,
    pub tlp: Option<Tlp>,
    /// `disclosed`, `redacted`, `stored`, `duplicate`, `refused:<rule>`, `withheld`,
    /// `withheld:<reason>`.
    pub decision: String,
    /// Personal-data class of the version (`possible`, `present`, `credential`), when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pii: Option<String>,
    /// A redacted version: the id it was served under, and the selectors removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    /// Relay: the organisations the copy names, each with why it needs to know
    /// (`company-b: affected-party`); empty when the target's whole audience may read it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub event: AuditEvent,
    /// The canonical JSON the hash covers.
    pub body: String,
    pub hash: [u8; 32],
}

/// Which entries to return, newest last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub object_id: Option<String>,
    pub organisation: Option<String>,
    pub account: Option<String>,
    pub kind: Option<AuditKind>,
    /// Inclusive lower bound on `time_us`.
    pub from_us: Option<Micros>,
    /// Exclusive upper bound on `time_us`.
    pub to_us: Option<Micros>,
}

impl AuditFilter {
    /// Whether an event passes every set condition.
    pub fn matches(&self, e: &AuditEvent) -> bool {
        self.object_id
            .as_ref()
            .is_none_or(|id| e.items.iter().any(|i| &i.id == id))
            && self
                .organisation
                .as_ref()
                .is_none_or(|o| e.organisation.as_ref() == Some(o))
            && self
                .account
                .as_ref()
                .is_none_or(|a| e.account.as_ref() == Some(a))
            && self.kind.is_none_or(|k| e.kind == k)
            && self.from_us.is_none_or(|t| e.time_us >= t)
            && self.to_us.is_none_or(|t| e.time_us < t)
    }
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// The newest entry's seq and hash (the value to keep as an anchor).
    pub head: Option<(u64, [u8; 32])>,
    /// The first entry that does not fit the chain, and why.
    pub broken: Option<(u64, String)>,
}

/// The serialised form of an event (what the hash covers).
pub fn canonical_body(e: &AuditEvent) -> String {
    // Serialising a struct of plain fields cannot fail; an empty body would fail verification
    // loudly rather than silently.
    serde_json::to_string(e).unwrap_or_default()
}

/// `SHA-256(prev || seq (8 bytes, big-endian) || body)`.
pub fn chain_hash(prev: &[u8; 32], seq: u64, body: &str) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(prev);
    ctx.update(&seq.to_be_bytes());
    ctx.update(body.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_and_sha256_of_known_values() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        // FIPS 180-2 test vector.
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// Lowercase hex of a hash.
pub fn hex(h: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(h.len() * 2);
    for b in h {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// SHA-256 of content.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}

/// SHA-256 (hex) of content.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256(data))
}

/// A stored row as read back for verification: seq, the query columns, body, hash.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub seq: u64,
    pub time_us: Micros,
    pub kind: String,
    pub account: Option<String>,
    pub organisation: Option<String>,
    pub body: String,
    pub hash: Vec<u8>,
}

/// Checks a sequence of stored rows (in seq order) against the chain rules.
pub fn verify_chain(rows: impl IntoIterator<Item = RawEntry>) -> AuditReport {
    let mut prev = [0u8; 32];
    let mut expected_seq = 1u64;
    let mut report = AuditReport {
        entries: 0,
        head: None,
        broken: None,
    };
    for r in rows {
        report.entries += 1;
        if report.broken.is_some() {
            continue;
        }
        let fail = |why: String| Some((r.seq, why));
        if r.seq != expected_seq {
            report.broken = fail(format!(
                "entry {} follows entry {}: entries {expected_seq}..{} are missing or were moved",
                r.seq,
                expected_seq - 1,
                r.seq.saturating_sub(1).max(expected_seq)
            ));
            continue;
        }
        let want = chain_hash(&prev, r.seq, &r.body);
        if r.hash != want {
            report.broken = fail(format!(
                "entry {}: its hash does not match its content and the entry before it (content changed, or entries reordered or deleted before it)",
                r.seq
            ));
            continue;
        }
        match serde_json::from_str::<AuditEvent>(&r.body) {
            Ok(e)
                if e.time_us == r.time_us
                    && e.kind.as_str() == r.kind
                    && e.account == r.account
                    && e.organisation == r.organisation => {}
            Ok(_) => {
                report.broken = fail(format!(
                    "entry {}: its indexed columns (time, kind, account, organisation) disagree with its hashed content",
                    r.seq
                ));
                continue;
            }
            Err(e) => {
                report.broken = fail(format!("entry {}: unreadable content: {e}", r.seq));
                continue;
            }
        }
        prev = want;
        report.head = Some((r.seq, want));
        expected_seq += 1;
    }
    report
}
