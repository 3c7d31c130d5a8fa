//! Relay: onward sharing by an intermediary to its constituency (access-model-research.md 4.7,
//! DESIGN.md section 4).
//!
//! An intermediary (NCSC, a designated CERT, a linking organisation, the DTC) re-shares the
//! *unchanged* stored version of an object it may read into a relay-target collection it owns.
//! Same id, same bytes, same markings: only who may read the copy is decided here. In order:
//!
//! 1. only intermediaries relay (never a constituent), only into a collection marked as a relay
//!    target, and only into one they own;
//! 2. the intermediary must be able to read the whole object itself (a redacted view is not the
//!    stored version), and the object must not have come back to this server through a loop;
//! 3. never a quarantined, unmarked or defaulted object (downstream would see it unmarked), never
//!    TLP:AMBER+STRICT (organisation only) or TLP:RED (named individuals only);
//! 4. TLP:CLEAR anywhere; TLP:GREEN to non-public collections only;
//! 5. TLP:AMBER only to constituents of the intermediary with need-to-know: the affected parties
//!    among them automatically, any other constituent only with a recorded justification. The
//!    copy names exactly those recipients, so the rest of the target's audience does not see it;
//! 6. an audience marking's `recipients` stay a hard allow-list: nobody outside it is added;
//! 7. personal data (the object as a whole) only to organisations designated to receive it on
//!    the day of the relay, or to the affected party itself; so a personal-data object always
//!    goes to named recipients, never to a whole collection.
//!
//! An explicit list of recipients is all or nothing: one recipient the rules refuse refuses the
//! relay, with the reason, so an operator never half-shares without noticing.

use std::fmt;

use chrono::NaiveDate;
use stix::registry::Tlp;

use crate::model::{Classification, CollectionPolicy, Directory, Organisation, Role};
use crate::personal::{PersonalAccess, PiiClass};

/// How much of the stored object the intermediary itself may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Readable {
    Whole,
    /// Some parts (granular markings, personal properties) are withheld from it.
    Partly,
    No,
}

/// One relay of one stored object version.
#[derive(Debug, Clone, Copy)]
pub struct RelayRequest<'a> {
    /// The organisation that relays.
    pub intermediary: &'a Organisation,
    /// The classification of the version as stored in the source collection.
    pub object: &'a Classification,
    pub readable: Readable,
    /// The version was already held by this server before it arrived (again) from upstream.
    pub returned: bool,
    /// Objects it references that the source collection holds but the target does not (and
    /// that are not relayed with it): their ids would reach readers the objects never reach
    /// (an SCO's id is derived from its value).
    pub unrelayed_references: usize,
    /// The relay-target collection's policy and owner.
    pub target: &'a CollectionPolicy,
    pub target_owner: Option<&'a str>,
    /// Organisation ids named by the intermediary. Empty: the rules choose (the whole audience,
    /// or, where need-to-know applies, the affected constituents).
    pub recipients: &'a [String],
    /// Why the named recipients need to know (required for TLP:AMBER to a constituent that is
    /// not an affected party).
    pub justification: Option<&'a str>,
    /// The day of the relay (designations are evaluated on it).
    pub day: NaiveDate,
}

/// Why a recipient receives a relayed TLP:AMBER or personal-data object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NeedToKnow {
    /// The object concerns it (audience marking `affected_parties`, or its asset scope).
    Affected,
    /// The intermediary recorded a justification.
    Justified,
    /// Named by the intermediary where no need-to-know applies (TLP:CLEAR or GREEN): the copy
    /// is narrowed to it.
    Named,
    /// Personal data: the organisation holds a designation valid on the day.
    Designated,
}

impl NeedToKnow {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedToKnow::Affected => "affected-party",
            NeedToKnow::Justified => "justified",
            NeedToKnow::Named => "named",
            NeedToKnow::Designated => "designated",
        }
    }
}

/// What a permitted relay stores.
///
/// Where the copy names its recipients, the intermediary's own identity is among them: it
/// keeps sight of what it relayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayGrant {
    /// The classification of the copy in the target: the stored one, with `recipients`
    /// narrowed to the organisations chosen (their identities) when the rules name them.
    pub class: Classification,
    /// The organisations named as recipients, and why each may receive it. Empty: everyone the
    /// target collection's audience and the object's markings allow.
    pub to: Vec<(String, NeedToKnow)>,
}

/// Why a relay is refused. Every refusal is audited with its code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RelayRefusal {
    /// Only national CSIRTs, designated CERTs, linking organisations and the DTC relay.
    NotIntermediary(Role),
    NotRelayTarget,
    /// The target collection belongs to another organisation.
    NotTargetOwner,
    /// The intermediary cannot read the object (or only part of it).
    NotReadable {
        partly: bool,
    },
    /// The version came back to this server after it had passed through it.
    Loop,
    /// It references this many objects of the source that the target does not hold.
    UnrelayedReferences(usize),
    Quarantined,
    /// No TLP, or only the source collection's default TLP.
    Unmarked {
        defaulted: bool,
    },
    AmberStrict,
    Red,
    /// TLP:GREEN or AMBER (or personal data) into a public collection.
    Public(Tlp),
    /// TLP:AMBER or personal data with no recipient that needs to know.
    NoNeedToKnow,
    /// A named recipient is not in the intermediary's constituency (TLP:AMBER).
    NotConstituent(String),
    /// A named recipient is not an affected party and no justification was recorded.
    NoJustification(String),
    /// A named recipient is not provisioned with a STIX identity, so the copy cannot name it.
    NoIdentity(String),
    /// The object's audience marking does not list this recipient.
    NotAmongRecipients(String),
    /// Personal data to an organisation without a designation that is not the affected party.
    PersonalData {
        org: String,
        class: PiiClass,
    },
    UnknownOrganisation(String),
    /// A marking-definition the object names cannot go with it (the target's rules refuse it,
    /// or the intermediary may read it only in part); readers could not resolve the marking.
    MarkingNotRelayable(String),
}

impl RelayRefusal {
    /// Every code [`RelayRefusal::code`] gives, and the codes of refusals made around the
    /// decision (the audit accepts no other as a relay rule).
    pub const CODES: [&'static str; 21] = [
        "not-an-intermediary",
        "not-a-relay-target",
        "not-the-target-owner",
        "not-readable-by-intermediary",
        "loop",
        "references-not-relayed",
        "quarantined",
        "unmarked-or-defaulted",
        "amber-strict",
        "red",
        "public-target",
        "no-need-to-know",
        "not-a-constituent",
        "justification-required",
        "recipient-without-identity",
        "not-among-recipients",
        "personal-data-recipient",
        "unknown-organisation",
        "marking-not-relayable",
        "not-found",
        "same-version-other-content",
    ];

    /// Stable code for the audit and for clients.
    pub fn code(&self) -> &'static str {
        match self {
            RelayRefusal::NotIntermediary(_) => "not-an-intermediary",
            RelayRefusal::NotRelayTarget => "not-a-relay-target",
            RelayRefusal::NotTargetOwner => "not-the-target-owner",
            RelayRefusal::NotReadable { .. } => "not-readable-by-intermediary",
            RelayRefusal::Loop => "loop",
            RelayRefusal::UnrelayedReferences(_) => "references-not-relayed",
            RelayRefusal::Quarantined => "quarantined",
            RelayRefusal::Unmarked { .. } => "unmarked-or-defaulted",
            RelayRefusal::AmberStrict => "amber-strict",
            RelayRefusal::Red => "red",
            RelayRefusal::Public(_) => "public-target",
            RelayRefusal::NoNeedToKnow => "no-need-to-know",
            RelayRefusal::NotConstituent(_) => "not-a-constituent",
            RelayRefusal::NoJustification(_) => "justification-required",
            RelayRefusal::NoIdentity(_) => "recipient-without-identity",
            RelayRefusal::NotAmongRecipients(_) => "not-among-recipients",
            RelayRefusal::PersonalData { .. } => "personal-data-recipient",
            RelayRefusal::UnknownOrganisation(_) => "unknown-organisation",
            RelayRefusal::MarkingNotRelayable(_) => "marking-not-relayable",
        }
    }
}

impl fmt::Display for RelayRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.code())?;
        match self {
            RelayRefusal::NotIntermediary(r) => write!(
                f,
                "an organisation with role {} does not relay (only national CSIRTs, designated \
                 CERTs, linking organisations and the DTC do)",
                r.as_str()
            ),
            RelayRefusal::NotRelayTarget => {
                f.write_str("the target collection is not a relay target (relay_target = true)")
            }
            RelayRefusal::NotTargetOwner => {
                f.write_str("the target collection belongs to another organisation")
            }
            RelayRefusal::NotReadable { partly: false } => {
                f.write_str("the relaying organisation may not read this object itself")
            }
            RelayRefusal::NotReadable { partly: true } => f.write_str(
                "parts of this object are withheld from the relaying organisation; only what it \
                 may read whole is relayed",
            ),
            RelayRefusal::Loop => f.write_str(
                "this version came back to this server after passing through it; it is not \
                 relayed again",
            ),
            RelayRefusal::UnrelayedReferences(n) => write!(
                f,
                "it references {n} object(s) of the source collection that the target does not \
                 hold; relay those first, or together with it"
            ),
            RelayRefusal::Quarantined => f.write_str("the object carries an unknown marking"),
            RelayRefusal::Unmarked { defaulted: true } => f.write_str(
                "the object's TLP is only the source collection's default; downstream it would \
                 be unmarked",
            ),
            RelayRefusal::Unmarked { defaulted: false } => {
                f.write_str("the object has no TLP marking")
            }
            RelayRefusal::AmberStrict => {
                f.write_str("TLP:AMBER+STRICT is for the receiving organisation only")
            }
            RelayRefusal::Red => f.write_str("TLP:RED is for the named individuals only"),
            RelayRefusal::Public(t) => write!(
                f,
                "{} objects are never relayed to a public collection",
                t.as_str()
            ),
            RelayRefusal::NoNeedToKnow => f.write_str(
                "no constituent needs to know: none is an affected party and none was named with \
                 a justification",
            ),
            RelayRefusal::NotConstituent(o) => write!(
                f,
                "'{o}' is not in the relaying organisation's constituency (TLP:AMBER)"
            ),
            RelayRefusal::NoJustification(o) => write!(
                f,
                "'{o}' is not an affected party; relaying TLP:AMBER to it needs a justification"
            ),
            RelayRefusal::NoIdentity(o) => write!(
                f,
                "'{o}' has no STIX identity in the provisioning file, so the copy cannot name it"
            ),
            RelayRefusal::NotAmongRecipients(o) => write!(
                f,
                "'{o}' is not among the recipients of the object's audience marking"
            ),
            RelayRefusal::PersonalData { org, class } => write!(
                f,
                "the object holds personal data ({}); '{org}' holds no designation for it today \
                 and is not the party it is about",
                class.as_str()
            ),
            RelayRefusal::UnknownOrganisation(o) => write!(f, "no organisation '{o}'"),
            RelayRefusal::MarkingNotRelayable(m) => write!(
                f,
                "its marking {m} cannot go with it (the target's rules refuse it, or parts of it \
                 are withheld from the relaying organisation)"
            ),
        }
    }
}

/// Decides one relay.
pub fn relay(req: &RelayRequest<'_>, dir: &Directory) -> Result<RelayGrant, RelayRefusal> {
    let i = req.intermediary;
    if !i.role.is_intermediary() {
        return Err(RelayRefusal::NotIntermediary(i.role));
    }
    if !req.target.relay_target {
        return Err(RelayRefusal::NotRelayTarget);
    }
    if req.target_owner != Some(i.id.as_str()) {
        return Err(RelayRefusal::NotTargetOwner);
    }
    match req.readable {
        Readable::Whole => {}
        Readable::Partly => return Err(RelayRefusal::NotReadable { partly: true }),
        Readable::No => return Err(RelayRefusal::NotReadable { partly: false }),
    }
    if req.returned {
        return Err(RelayRefusal::Loop);
    }
    let o = req.object;
    if o.quarantined {
        return Err(RelayRefusal::Quarantined);
    }
    let tlp = match o.tlp {
        Some(t) if !o.defaulted => t,
        _ => {
            return Err(RelayRefusal::Unmarked {
                defaulted: o.defaulted,
            });
        }
    };
    match tlp {
        Tlp::AmberStrict => return Err(RelayRefusal::AmberStrict),
        Tlp::Red => return Err(RelayRefusal::Red),
        Tlp::Clear => {}
        Tlp::Green | Tlp::Amber if req.target.public => return Err(RelayRefusal::Public(tlp)),
        Tlp::Green | Tlp::Amber => {}
    }
    let personal = o.pii != PiiClass::None;
    if personal && req.target.public {
        return Err(RelayRefusal::Public(tlp));
    }
    if req.unrelayed_references > 0 {
        return Err(RelayRefusal::UnrelayedReferences(req.unrelayed_references));
    }
    let need_to_know = tlp == Tlp::Amber || personal;

    // Who is named: the intermediary's choice, or (need-to-know) the affected constituents.
    let mut to: Vec<(String, NeedToKnow)> = Vec::new();
    let affected = |org: &Organisation| {
        org.identity
            .as_ref()
            .is_some_and(|id| o.affected.contains(id))
    };
    if req.recipients.is_empty() {
        if need_to_know {
            to.extend(
                i.serves
                    .iter()
                    .filter_map(|m| dir.get(m))
                    .filter(|m| affected(m))
                    .map(|m| (m.id.clone(), NeedToKnow::Affected)),
            );
            if to.is_empty() {
                return Err(RelayRefusal::NoNeedToKnow);
            }
        }
    } else {
        for name in req.recipients {
            let Some(org) = dir.get(name) else {
                return Err(RelayRefusal::UnknownOrganisation(name.clone()));
            };
            let reason = if affected(org) {
                NeedToKnow::Affected
            } else if tlp == Tlp::Amber {
                if !i.serves.contains(name) {
                    return Err(RelayRefusal::NotConstituent(name.clone()));
                }
                if req.justification.is_none_or(|j| j.trim().is_empty()) {
                    return Err(RelayRefusal::NoJustification(name.clone()));
                }
                NeedToKnow::Justified
            } else {
                NeedToKnow::Named
            };
            if !to.iter().any(|(n, _)| n == name) {
                to.push((name.clone(), reason));
            }
        }
    }
    if tlp == Tlp::Amber
        && let Some((name, _)) = to.iter().find(|(n, _)| !i.serves.contains(n))
    {
        return Err(RelayRefusal::NotConstituent(name.clone()));
    }
    // Personal data: each recipient designated today, or the party the data is about.
    if personal {
        for (name, reason) in &mut to {
            let org = dir.organisation(name);
            if affected(&org) {
                *reason = NeedToKnow::Affected;
            } else if PersonalAccess::on(&org.designations, req.day).allows(o.pii) {
                *reason = NeedToKnow::Designated;
            } else {
                return Err(RelayRefusal::PersonalData {
                    org: name.clone(),
                    class: o.pii,
                });
            }
        }
    }
    let mut class = o.clone();
    if !to.is_empty() {
        let mut identities = Vec::with_capacity(to.len());
        for (name, _) in &to {
            let Some(id) = dir.get(name).and_then(|g| g.identity.clone()) else {
                return Err(RelayRefusal::NoIdentity(name.clone()));
            };
            // An audience marking's recipients are a hard allow-list (never widened).
            if !o.recipients.is_empty() && !o.recipients.contains(&id) {
                return Err(RelayRefusal::NotAmongRecipients(name.clone()));
            }
            identities.push(id);
        }
        // The intermediary keeps sight of what it relayed (within the marking's allow-list).
        if let Some(own) = &i.identity
            && !identities.contains(own)
            && (o.recipients.is_empty() || o.recipients.contains(own))
        {
            identities.push(own.clone());
        }
        class.recipients = identities;
    }
    Ok(RelayGrant { class, to })
}
