//! Classification at ingest and the ingest rules (access-model-research.md 4.4).
//!
//! The server resolves each marking id of an incoming object to a [`MarkingKind`] (the
//! well-known registry, plus marking-definitions posted earlier or in the same request) and
//! calls [`classify`], which either refuses the object, naming the rule, or returns the
//! [`Classification`] stored beside it.

use std::fmt;

use stix::registry::Tlp;

use crate::model::{Classification, CollectionPolicy, Organisation, UnknownMarkings};

/// What a marking id means to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkingKind {
    /// A TLP 1.0 or 2.0 marking-definition.
    Tlp(Tlp),
    /// Understood but not an access marking here: PAP, statements, the personal-data markings
    /// (issue 5 gives them rules).
    NonAccess,
    /// An audience marking (the project's audience extension).
    Audience {
        /// `None` when the marking has no `recipients` (it then only names affected parties).
        recipients: Option<Vec<String>>,
        affected: Vec<String>,
    },
    /// Not resolvable, or a definition the server does not understand.
    Unknown,
}

/// The account posting the object.
#[derive(Debug, Clone, Copy)]
pub struct Poster<'a> {
    pub org: &'a Organisation,
    /// The account's individual identity.
    pub identity: Option<&'a str>,
}

/// The access-relevant parts of an incoming object.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub type_name: &'a str,
    pub id: &'a str,
    pub created_by_ref: Option<&'a str>,
    /// `object_marking_refs`, resolved.
    pub object_markings: Vec<(&'a str, MarkingKind)>,
    /// `granular_markings[].marking_ref`, resolved (`lang` entries are not markings).
    pub granular_markings: Vec<(&'a str, MarkingKind)>,
}

/// Where the object's id already is in the collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing<'a> {
    /// No version of the id is stored: this is the object's first version here.
    New,
    /// Versions are stored, posted by this organisation (`None`: stored before origins were
    /// recorded), without a `created_by_ref`.
    PostedBy(Option<&'a str>),
    /// Versions are stored whose `created_by_ref` names `creator`; `origin` as above. The
    /// creator, not whoever posted first, may add versions (STIX 3.6): a partner that posted a
    /// copy first does not lock the creator out.
    CreatedBy {
        creator: &'a str,
        origin: Option<&'a str>,
    },
}

/// Why an object is refused at ingest. The message names the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownMarking(String),
    Unmarked,
    AboveCeiling {
        tlp: Tlp,
        ceiling: Tlp,
    },
    RedWithoutRecipients,
    NoRecipients,
    /// `origin`: the organisation (`organisation 'x'`) or identity that created the object.
    NotCreator {
        origin: String,
    },
    CreatedByNotPoster {
        created_by: String,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownMarking(_) => "unknown-marking",
            Refusal::Unmarked => "require-tlp",
            Refusal::AboveCeiling { .. } => "tlp-ceiling",
            Refusal::RedWithoutRecipients => "red-without-recipients",
            Refusal::NoRecipients => "no-common-recipient",
            Refusal::NotCreator { .. } => "not-creator",
            Refusal::CreatedByNotPoster { .. } => "created-by-not-poster",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownMarking(id) => write!(
                f,
                "access rule unknown-marking: {id} is not a marking this server understands (not a TLP, PAP, statement, personal-data or audience marking it knows), and this collection rejects unknown markings"
            ),
            Refusal::Unmarked => write!(
                f,
                "access rule require-tlp: this collection requires a TLP marking (object_marking_refs, or granular_markings)"
            ),
            Refusal::AboveCeiling { tlp, ceiling } => write!(
                f,
                "access rule tlp-ceiling: {tlp} is above this collection's ceiling {ceiling}"
            ),
            Refusal::RedWithoutRecipients => write!(
                f,
                "access rule red-without-recipients: TLP:RED needs an audience marking that names its recipients"
            ),
            Refusal::NoRecipients => write!(
                f,
                "access rule no-common-recipient: the audience markings' recipient lists name nobody in common"
            ),
            Refusal::NotCreator { origin } => write!(
                f,
                "access rule not-creator: this object was created by {origin}; only the creator's organisation may add versions"
            ),
            Refusal::CreatedByNotPoster { created_by } => write!(
                f,
                "access rule created-by-not-poster: a new version must be created by the poster's organisation or account, but created_by_ref is {created_by}"
            ),
        }
    }
}

fn exempt_from_require_tlp(o: &Incoming<'_>, poster: &Poster<'_>) -> bool {
    match o.type_name {
        "marking-definition" | "extension-definition" => true,
        "identity" => poster.org.identity.as_deref() == Some(o.id) || poster.identity == Some(o.id),
        _ => false,
    }
}

/// Applies the ingest rules to one object and classifies it.
pub fn classify(
    o: &Incoming<'_>,
    policy: &CollectionPolicy,
    poster: &Poster<'_>,
    existing: Existing<'_>,
) -> Result<Classification, Refusal> {
    let own = [poster.org.identity.as_deref(), poster.identity];
    let provable = own.iter().any(Option::is_some);
    let origin = match existing {
        Existing::New => None,
        Existing::CreatedBy { creator, .. } if provable => {
            if !own.contains(&Some(creator)) {
                return Err(Refusal::NotCreator {
                    origin: creator.to_owned(),
                });
            }
            None
        }
        // Without a provisioned identity the poster cannot be matched to a creator: the
        // organisation that posted the stored versions decides.
        Existing::CreatedBy { origin, .. } | Existing::PostedBy(origin) => origin,
    };
    if let Some(origin) = origin
        && origin != poster.org.id
    {
        return Err(Refusal::NotCreator {
            origin: format!("organisation '{origin}'"),
        });
    }
    if let (Existing::PostedBy(_) | Existing::CreatedBy { .. }, Some(by)) =
        (existing, o.created_by_ref)
    {
        // Only checkable when the organisation's identity is provisioned.
        if own.iter().any(Option::is_some) && !own.contains(&Some(by)) {
            return Err(Refusal::CreatedByNotPoster {
                created_by: by.to_owned(),
            });
        }
    }
    let mut class = Classification {
        origin: Some(poster.org.id.clone()),
        ..Classification::default()
    };
    let mut recipients: Option<Vec<String>> = None;
    for (id, kind) in o.object_markings.iter().chain(&o.granular_markings) {
        match kind {
            MarkingKind::Tlp(t) => class.tlp = class.tlp.max(Some(*t)),
            MarkingKind::NonAccess => {}
            MarkingKind::Audience {
                recipients: r,
                affected,
            } => {
                // Several audience markings narrow each other: a reader must be in all of them.
                if let Some(r) = r {
                    recipients = Some(match recipients {
                        None => r.clone(),
                        Some(prev) => prev.into_iter().filter(|x| r.contains(x)).collect(),
                    });
                }
                for a in affected {
                    if !class.affected.contains(a) {
                        class.affected.push(a.clone());
                    }
                }
            }
            MarkingKind::Unknown => match policy.unknown_markings {
                UnknownMarkings::Reject => return Err(Refusal::UnknownMarking((*id).to_owned())),
                UnknownMarkings::Quarantine => class.quarantined = true,
            },
        }
    }
    if class.tlp.is_none() {
        let exempt = exempt_from_require_tlp(o, poster);
        if policy.require_tlp && !exempt {
            return Err(Refusal::Unmarked);
        }
        class.tlp = match policy.default_tlp {
            Some(t) => Some(t),
            // Definitions and the poster's identity are what readers need to understand the
            // rest; GREEN (or the ceiling, if lower) shares them with the collection's readers.
            None if exempt => Some(Tlp::Green.min(policy.tlp_ceiling)),
            None => None,
        };
        class.defaulted = class.tlp.is_some();
    }
    if let Some(tlp) = class.tlp
        && tlp > policy.tlp_ceiling
    {
        return Err(Refusal::AboveCeiling {
            tlp,
            ceiling: policy.tlp_ceiling,
        });
    }
    // Recipient lists that do not overlap (or an empty one) name nobody: storing that as "no
    // restriction" would widen the object, so it is refused.
    if recipients.as_ref().is_some_and(Vec::is_empty) {
        return Err(Refusal::NoRecipients);
    }
    let recipients = recipients.unwrap_or_default();
    if class.tlp == Some(Tlp::Red) && recipients.is_empty() {
        return Err(Refusal::RedWithoutRecipients);
    }
    class.recipients = recipients;
    Ok(class)
}
