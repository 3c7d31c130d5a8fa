//! The read decision (access-model-research.md 4.3, TLP 2.0 semantics).
//!
//! In order, for a reader of a collection and one stored object version:
//! 1. no read permission on the collection: withheld (the server answers 404 before it gets
//!    here; the rule exists so `explain` can say so);
//! 2. operators see everything (they run the server and answer for it);
//! 3. the originating organisation sees its own objects, whatever their markings;
//! 4. a quarantined object (unknown marking) is withheld from everyone else;
//! 5. an object without TLP (and without a collection default) is withheld;
//! 6. an audience marking's `recipients` narrow every level (never widen): the reader's own
//!    individual identity must be listed, or its organisation's identity (for TLP:RED only
//!    where the collection enables organisation recipients);
//! 7. TLP:RED reaches named recipients only; without recipients, the originator only;
//! 8. otherwise the reader's relation to the collection decides the highest level it may see:
//!    anonymous (public collections): CLEAR; any organisation with read (the community):
//!    GREEN; the constituency of an audience organisation: AMBER; a directly named audience
//!    organisation: AMBER+STRICT;
//! 9. an object that is personal data as a whole (after 3-8 allowed it) needs a designation of
//!    the reader's organisation valid on the day of the request (credentials: a credential
//!    designation), unless the organisation is an affected party of the object: the data is
//!    about itself. (Personal *properties* are redacted, [`crate::redact`].)

use stix::registry::Tlp;

use crate::model::{AudienceEntry, Classification, CollectionPolicy, Directory, Organisation};
use crate::personal::{PersonalAccess, PiiClass};

/// Who is asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    /// An unauthenticated request (only public collections answer it).
    Anonymous,
    Account {
        org: &'a Organisation,
        /// The person's individual STIX identity, when the account has one.
        identity: Option<&'a str>,
        operator: bool,
        /// What the organisation's designations allow on the day of the request
        /// ([`PersonalAccess::on`]).
        personal: PersonalAccess,
    },
}

/// The reader's standing towards a collection, from which its TLP level follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// No read permission.
    NoRead,
    /// Anonymous request to a public collection.
    Anonymous,
    /// An organisation with read permission that is not in the audience.
    Community,
    /// In the constituency of an organisation whose constituency is in the audience.
    ConstituencyAudience,
    /// Named directly in the audience (or any reader when no audience is declared).
    DirectAudience,
    /// An operator account.
    Operator,
}

impl Relation {
    /// The most restrictive TLP this relation reaches without being a named recipient.
    pub fn level(self) -> Option<Tlp> {
        match self {
            Relation::NoRead => None,
            Relation::Anonymous => Some(Tlp::Clear),
            Relation::Community => Some(Tlp::Green),
            Relation::ConstituencyAudience => Some(Tlp::Amber),
            Relation::DirectAudience => Some(Tlp::AmberStrict),
            Relation::Operator => Some(Tlp::Red),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::NoRead => "no-read-permission",
            Relation::Anonymous => "anonymous",
            Relation::Community => "community",
            Relation::ConstituencyAudience => "constituency-audience",
            Relation::DirectAudience => "direct-audience",
            Relation::Operator => "operator",
        }
    }
}

/// The reader's relation to a collection. `read_grant` is the organisation's read permission
/// (ignored for operators; for anonymous readers the collection's `public` flag decides).
pub fn relation(
    reader: &Reader<'_>,
    policy: &CollectionPolicy,
    read_grant: bool,
    dir: &Directory,
) -> Relation {
    match reader {
        Reader::Anonymous if policy.public => Relation::Anonymous,
        Reader::Anonymous => Relation::NoRead,
        Reader::Account { operator: true, .. } => Relation::Operator,
        Reader::Account { .. } if !read_grant => Relation::NoRead,
        Reader::Account { org, .. } => {
            if policy.audience.is_empty() {
                return Relation::DirectAudience;
            }
            let direct = policy
                .audience
                .iter()
                .any(|a| matches!(a, AudienceEntry::Organisation(o) if *o == org.id));
            if direct {
                return Relation::DirectAudience;
            }
            let served = policy
                .audience
                .iter()
                .any(|a| matches!(a, AudienceEntry::ConstituencyOf(o) if dir.serves(o, &org.id)));
            if served {
                Relation::ConstituencyAudience
            } else {
                Relation::Community
            }
        }
    }
}

/// Why an object was visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    Operator,
    Originator,
    /// TLP:RED, and the reader (or its organisation, where enabled) is a named recipient.
    NamedRecipient,
    /// TLP:CLEAR in a public collection, anonymous reader.
    PublicClear,
    /// TLP:CLEAR, any reader with read permission.
    Clear,
    /// TLP:GREEN, a member of the collection's community.
    Community,
    /// TLP:AMBER, an audience organisation or a constituent of one.
    Audience,
    /// TLP:AMBER+STRICT, a directly named audience organisation.
    DirectAudience,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Rule::Operator => "operator",
            Rule::Originator => "originator",
            Rule::NamedRecipient => "named-recipient",
            Rule::PublicClear => "public-clear",
            Rule::Clear => "clear",
            Rule::Community => "green-community",
            Rule::Audience => "amber-audience",
            Rule::DirectAudience => "amber-strict-direct-audience",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Rule::Operator => "operators see every object of the server",
            Rule::Originator => "the reader's organisation posted this object",
            Rule::NamedRecipient => {
                "TLP:RED, and the reader is a named recipient of the object's audience marking"
            }
            Rule::PublicClear => "TLP:CLEAR in a public collection may be read anonymously",
            Rule::Clear => "TLP:CLEAR is visible to anyone with read permission",
            Rule::Community => "TLP:GREEN is visible to the collection's community",
            Rule::Audience => {
                "TLP:AMBER is visible to the audience organisations and their constituency where the audience includes it"
            }
            Rule::DirectAudience => {
                "TLP:AMBER+STRICT is visible to organisations named directly in the audience"
            }
        }
    }
}

/// Why an object was withheld (the reason code is what the audit records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    NoReadPermission,
    /// The object carries a marking the server does not understand.
    Quarantined,
    /// No TLP marking and no collection default.
    Unmarked,
    /// The audience marking names recipients and the reader is not one of them.
    NotARecipient,
    /// TLP:RED without named recipients: the originator only.
    RedOriginatorOnly,
    /// Anonymous readers see TLP:CLEAR only.
    AnonymousClearOnly,
    /// TLP:AMBER and the reader is neither in the audience nor in an audience constituency.
    NotInAudience,
    /// TLP:AMBER+STRICT and the reader is not named directly in the audience.
    NotDirectAudience,
    /// Personal data, and the reader's organisation has no personal-data designation valid
    /// today and is not an affected party.
    NoPersonalDataDesignation,
    /// Credentials, and the reader's organisation has no credential designation valid today
    /// and is not an affected party.
    NoCredentialDesignation,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::NoReadPermission => "no-read-permission",
            Reason::Quarantined => "quarantined-unknown-marking",
            Reason::Unmarked => "unmarked-no-default",
            Reason::NotARecipient => "not-a-named-recipient",
            Reason::RedOriginatorOnly => "red-originator-only",
            Reason::AnonymousClearOnly => "anonymous-clear-only",
            Reason::NotInAudience => "amber-not-in-audience",
            Reason::NotDirectAudience => "amber-strict-not-direct-audience",
            Reason::NoPersonalDataDesignation => "personal-data-no-designation",
            Reason::NoCredentialDesignation => "credential-no-designation",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Reason::NoReadPermission => "the reader has no read permission on the collection",
            Reason::Quarantined => {
                "the object carries a marking the server does not understand; only its originator sees it"
            }
            Reason::Unmarked => {
                "the object has no TLP marking and the collection has no default; only its originator sees it"
            }
            Reason::NotARecipient => {
                "the object's audience marking names recipients and the reader is not one of them"
            }
            Reason::RedOriginatorOnly => {
                "TLP:RED without named recipients is for the originating organisation only"
            }
            Reason::AnonymousClearOnly => "anonymous readers see TLP:CLEAR objects only",
            Reason::NotInAudience => {
                "TLP:AMBER reaches the audience organisations (and audience constituencies); the reader is in neither"
            }
            Reason::NotDirectAudience => {
                "TLP:AMBER+STRICT reaches organisations named directly in the audience only"
            }
            Reason::NoPersonalDataDesignation => {
                "the object is personal data; the reader's organisation holds no personal-data designation valid today and is not an affected party"
            }
            Reason::NoCredentialDesignation => {
                "the object holds credentials; the reader's organisation holds no credential designation valid today and is not an affected party"
            }
        }
    }
}

/// The outcome for one reader and one object version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Visible(Rule),
    Withheld(Reason),
}

impl Decision {
    pub fn is_visible(self) -> bool {
        matches!(self, Decision::Visible(_))
    }

    pub fn code(self) -> &'static str {
        match self {
            Decision::Visible(r) => r.code(),
            Decision::Withheld(r) => r.code(),
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Decision::Visible(r) => r.explain(),
            Decision::Withheld(r) => r.explain(),
        }
    }
}

/// Whether `reader` may receive an object version classified as `class` from a collection with
/// `policy`, on which the reader's organisation has (or lacks) `read_grant`.
pub fn decide(
    reader: &Reader<'_>,
    policy: &CollectionPolicy,
    read_grant: bool,
    dir: &Directory,
    class: &Classification,
) -> Decision {
    let rel = relation(reader, policy, read_grant, dir);
    match rel {
        Relation::NoRead => return Decision::Withheld(Reason::NoReadPermission),
        Relation::Operator => return Decision::Visible(Rule::Operator),
        _ => {}
    }
    let decision = decide_tlp(reader, policy, rel, class);
    let (org, personal) = match reader {
        Reader::Account { org, personal, .. } => (Some(*org), *personal),
        Reader::Anonymous => (None, PersonalAccess::default()),
    };
    let affected = org
        .and_then(|o| o.identity.as_ref())
        .is_some_and(|id| class.affected.contains(id));
    match decision {
        Decision::Visible(Rule::Originator) => decision,
        Decision::Visible(_) if !personal.allows(class.pii) && !affected => {
            Decision::Withheld(if class.pii == PiiClass::Credential {
                Reason::NoCredentialDesignation
            } else {
                Reason::NoPersonalDataDesignation
            })
        }
        d => d,
    }
}

/// Steps 3 ... 8: the TLP and audience part of the decision.
fn decide_tlp(
    reader: &Reader<'_>,
    policy: &CollectionPolicy,
    rel: Relation,
    class: &Classification,
) -> Decision {
    let (org, identity) = match reader {
        Reader::Account { org, identity, .. } => (Some(*org), *identity),
        Reader::Anonymous => (None, None),
    };
    if let (Some(org), Some(origin)) = (org, class.origin.as_deref())
        && org.id == origin
    {
        return Decision::Visible(Rule::Originator);
    }
    if class.quarantined {
        return Decision::Withheld(Reason::Quarantined);
    }
    let Some(tlp) = class.tlp else {
        return Decision::Withheld(Reason::Unmarked);
    };
    if !class.recipients.is_empty() {
        let listed =
            |id: Option<&str>| id.is_some_and(|id| class.recipients.iter().any(|r| r == id));
        let as_person = listed(identity);
        let as_org = listed(org.and_then(|o| o.identity.as_deref()))
            && (tlp != Tlp::Red || policy.red_org_recipients);
        if !(as_person || as_org) {
            return Decision::Withheld(Reason::NotARecipient);
        }
        if tlp == Tlp::Red {
            return Decision::Visible(Rule::NamedRecipient);
        }
    }
    if tlp == Tlp::Red {
        return Decision::Withheld(Reason::RedOriginatorOnly);
    }
    let level = rel.level().unwrap_or(Tlp::Clear);
    if tlp <= level {
        return Decision::Visible(match (tlp, rel) {
            (Tlp::Clear, Relation::Anonymous) => Rule::PublicClear,
            (Tlp::Clear, _) => Rule::Clear,
            (Tlp::Green, _) => Rule::Community,
            (Tlp::Amber, _) => Rule::Audience,
            _ => Rule::DirectAudience,
        });
    }
    Decision::Withheld(match (rel, tlp) {
        (Relation::Anonymous, _) => Reason::AnonymousClearOnly,
        (_, Tlp::Amber) => Reason::NotInAudience,
        // GREEN is below every account relation's level, so what is left is AMBER+STRICT.
        _ => Reason::NotDirectAudience,
    })
}
