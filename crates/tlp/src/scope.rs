//! The read decision reduced to per-request parameters, for the store's page query.
//!
//! [`decide()`](crate::decide()) needs the reader, the collection policy and the object's
//! classification. For one request, everything but the classification is fixed, so what is left
//! is a predicate over the stored columns (`origin`, `access_flags`, `tlp`, `recipients`) with
//! the parameters below. The store writes it as SQL inside its keyset query; [`ReadScope::allows`]
//! is the same predicate in Rust, and both are checked against `decide` (unit tests here over
//! every combination, a property test in the store suite through the SQL).

use stix::registry::Tlp;

use crate::decide::{Reader, Relation, relation};
use crate::model::{Classification, CollectionPolicy, Directory};
use crate::personal::PersonalAccess;

/// What one reader may see in one collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReadScope {
    /// Everything (operators).
    All,
    /// Nothing (no read permission).
    Nothing,
    /// The general case.
    Reader {
        /// The reader's organisation: its own objects are always visible.
        org: Option<String>,
        /// The most restrictive TLP visible without being a named recipient (never RED).
        level: Tlp,
        /// The reader's individual identity (matches `recipients` at every level).
        identity: Option<String>,
        /// The reader's organisation's identity (matches `recipients` below RED, and at RED
        /// when `red_org` is set).
        org_identity: Option<String>,
        red_org: bool,
        /// Personal data the reader's organisation may receive on the day of the request.
        personal: PersonalAccess,
    },
}

impl ReadScope {
    /// The scope of `reader` in a collection with `policy`.
    pub fn of(
        reader: &Reader<'_>,
        policy: &CollectionPolicy,
        read_grant: bool,
        dir: &Directory,
    ) -> ReadScope {
        Self::with_relation(reader, policy, read_grant, dir).0
    }

    /// The scope, and the relation it follows from (which the audit records).
    pub fn with_relation(
        reader: &Reader<'_>,
        policy: &CollectionPolicy,
        read_grant: bool,
        dir: &Directory,
    ) -> (ReadScope, Relation) {
        let rel = relation(reader, policy, read_grant, dir);
        (Self::for_relation(reader, policy, rel), rel)
    }

    fn for_relation(reader: &Reader<'_>, policy: &CollectionPolicy, rel: Relation) -> ReadScope {
        let level = match rel {
            Relation::NoRead => return ReadScope::Nothing,
            Relation::Operator => return ReadScope::All,
            other => other.level().unwrap_or(Tlp::Clear),
        };
        match reader {
            Reader::Anonymous => ReadScope::Reader {
                org: None,
                level,
                identity: None,
                org_identity: None,
                red_org: false,
                personal: PersonalAccess::default(),
            },
            Reader::Account {
                org,
                identity,
                personal,
                ..
            } => ReadScope::Reader {
                org: Some(org.id.clone()),
                level,
                identity: identity.map(str::to_owned),
                org_identity: org.identity.clone(),
                red_org: policy.red_org_recipients,
                personal: *personal,
            },
        }
    }

    /// The predicate the store evaluates, over the stored classification.
    pub fn allows(&self, c: &Classification) -> bool {
        let ReadScope::Reader {
            org,
            level,
            identity,
            org_identity,
            red_org,
            personal,
        } = self
        else {
            return matches!(self, ReadScope::All);
        };
        if org.is_some() && c.origin.is_some() && *org == c.origin {
            return true;
        }
        if c.quarantined {
            return false;
        }
        let Some(tlp) = c.tlp else { return false };
        // Personal data: a designation valid today, or the reader's organisation is the
        // party the data is about.
        let personal_ok = personal.allows(c.pii)
            || org_identity
                .as_ref()
                .is_some_and(|id| c.affected.contains(id));
        if !personal_ok {
            return false;
        }
        if c.recipients.is_empty() {
            return tlp < Tlp::Red && tlp <= *level;
        }
        let listed = |id: &Option<String>| id.as_ref().is_some_and(|id| c.recipients.contains(id));
        (listed(identity) && (tlp == Tlp::Red || tlp <= *level))
            || (listed(org_identity)
                && ((tlp < Tlp::Red && tlp <= *level) || (tlp == Tlp::Red && *red_org)))
    }
}
