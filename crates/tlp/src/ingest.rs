//! Classification at ingest and the ingest rules (access-model-research.md 4.4).
//!
//! The server resolves each marking id of an incoming object to a [`MarkingKind`] (the
//! well-known registry, plus marking-definitions posted earlier or in the same request) and
//! calls [`classify`], which either refuses the object, naming the rule, or returns the
//! [`Classification`] stored beside it.

use std::fmt;

pub use stix::registry::Pii;
use stix::registry::Tlp;

use crate::model::{Classification, CollectionPolicy, Organisation, UnknownMarkings, Zone};
use crate::personal::{self, PiiClass};
use crate::selector::Path;

/// What a marking id means to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkingKind {
    /// A TLP 1.0 or 2.0 marking-definition.
    Tlp(Tlp),
    /// Understood but not an access marking here: PAP, statements.
    NonAccess,
    /// One of the project's personal-data markings (NL-PII:PRESENT, CREDENTIAL, NONE).
    Personal(Pii),
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
    /// `granular_markings` with a `marking_ref`, resolved (`lang` entries are not markings).
    pub granular_markings: Vec<GranularMarking<'a>>,
    /// The object's JSON, for detection of personal data by type and of references.
    pub body: &'a str,
}

/// One `granular_markings` entry with a `marking_ref`.
#[derive(Debug, Clone)]
pub struct GranularMarking<'a> {
    pub id: &'a str,
    pub kind: MarkingKind,
    pub selectors: Vec<String>,
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
    /// NL-PII:NONE on a type that always holds personal data.
    PersonalDataNone {
        type_name: String,
    },
    /// A granular access marking whose selector the server cannot resolve.
    UnreadableSelector {
        selector: String,
    },
}

impl Refusal {
    /// Every code [`Refusal::code`] gives (the audit accepts no other as an ingest rule).
    pub const CODES: [&'static str; 9] = [
        "unknown-marking",
        "require-tlp",
        "tlp-ceiling",
        "red-without-recipients",
        "no-common-recipient",
        "not-creator",
        "created-by-not-poster",
        "personal-data-none",
        "unreadable-selector",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            Refusal::UnknownMarking(_) => "unknown-marking",
            Refusal::Unmarked => "require-tlp",
            Refusal::AboveCeiling { .. } => "tlp-ceiling",
            Refusal::RedWithoutRecipients => "red-without-recipients",
            Refusal::NoRecipients => "no-common-recipient",
            Refusal::NotCreator { .. } => "not-creator",
            Refusal::CreatedByNotPoster { .. } => "created-by-not-poster",
            Refusal::PersonalDataNone { .. } => "personal-data-none",
            Refusal::UnreadableSelector { .. } => "unreadable-selector",
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
            Refusal::PersonalDataNone { type_name } => write!(
                f,
                "access rule personal-data-none: a {type_name} is always personal data; it cannot be marked NL-PII:NONE"
            ),
            Refusal::UnreadableSelector { selector } => write!(
                f,
                "access rule unreadable-selector: the granular marking selector {selector:?} is not a path of property names and [n] list indexes"
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
    let mut explicit_pii = PiiClass::None;
    let mut pii_none = false;
    let add_affected = |class: &mut Classification, affected: &[String]| {
        for a in affected {
            if !class.affected.contains(a) {
                class.affected.push(a.clone());
            }
        }
    };
    for (id, kind) in &o.object_markings {
        match kind {
            MarkingKind::Tlp(t) => class.tlp = class.tlp.max(Some(*t)),
            MarkingKind::NonAccess => {}
            MarkingKind::Personal(p) => match p {
                Pii::None => pii_none = true,
                Pii::Present => explicit_pii = explicit_pii.max(PiiClass::Present),
                Pii::Credential => explicit_pii = explicit_pii.max(PiiClass::Credential),
            },
            MarkingKind::Audience {
                recipients: r,
                affected,
            } => {
                // Several audience markings narrow each other: a reader must be in all of them.
                if let Some(r) = r {
                    recipients = Some(narrow(recipients, r));
                }
                add_affected(&mut class, affected);
            }
            MarkingKind::Unknown => match policy.unknown_markings {
                UnknownMarkings::Reject => return Err(Refusal::UnknownMarking((*id).to_owned())),
                UnknownMarkings::Quarantine => class.quarantined = true,
            },
        }
    }
    let mut granular_tlp: Option<Tlp> = None;
    for g in &o.granular_markings {
        match &g.kind {
            MarkingKind::Tlp(t) => granular_tlp = granular_tlp.max(Some(*t)),
            // Affected parties of a granular audience marking are affected by that part only;
            // counting them for the whole object would give them every personal part of it.
            MarkingKind::Audience { .. } => {}
            MarkingKind::Unknown => match policy.unknown_markings {
                UnknownMarkings::Reject => return Err(Refusal::UnknownMarking(g.id.to_owned())),
                UnknownMarkings::Quarantine => class.quarantined = true,
            },
            MarkingKind::NonAccess | MarkingKind::Personal(_) => {}
        }
    }
    if class.tlp.is_none() && granular_tlp.is_some() {
        // Only parts are marked: the rest gets no less than the strictest part (the marked
        // parts say what the producer meant; an unmarked remainder must not be wider).
        class.tlp = granular_tlp;
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
    if let Some(tlp) = class.tlp.max(granular_tlp)
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
    if class.tlp == Some(Tlp::Red) && recipients.is_none() {
        return Err(Refusal::RedWithoutRecipients);
    }
    // Personal data: markings and detection by type.
    let detected = personal::detect(o.type_name, o.body, policy.ip_personal_data);
    if pii_none && detected.always && explicit_pii == PiiClass::None {
        return Err(Refusal::PersonalDataNone {
            type_name: o.type_name.to_owned(),
        });
    }
    // NL-PII:NONE overrides a *possible* detection only (research 4.6).
    class.pii = explicit_pii.max(if pii_none && detected.object == PiiClass::Possible {
        PiiClass::None
    } else {
        detected.object
    });
    let zones = zones(o, &class, recipients.as_deref(), &detected, pii_none)?;
    class.recipients = recipients.unwrap_or_default();
    class.zones = promote(o.type_name, &mut class, zones)?;
    class.review = !class.zones.is_empty() || crate::redact::may_reference(o.body);
    Ok(class)
}

/// Whether a reader who may not see the part at `selector` may not see the object at all: the
/// part is a required or id-contributing property (redaction would withhold the object), or the
/// object is a marking or extension definition or language content (never redacted).
fn whole_object(type_name: &str, selector: &Path) -> bool {
    let category = stix::model::category_of(type_name);
    let top = selector.property().unwrap_or_default();
    matches!(category, Some(stix::spec::Category::Meta))
        || stix::sco_id::contributing_properties(type_name).is_some_and(|c| c.contains(&top))
        || (selector.0.len() == 1 && crate::redact::required(type_name, category, top))
}

/// Moves the restrictions of the zones that withhold the whole object into the object's own
/// classification, so the page query leaves the object out for readers who fail them (no
/// paging position or header can then hint at it), and returns the other zones, tightened to
/// the new object level and without those no stricter than it.
fn promote(
    type_name: &str,
    class: &mut Classification,
    zones: Vec<Zone>,
) -> Result<Vec<Zone>, Refusal> {
    let (whole, parts): (Vec<Zone>, Vec<Zone>) = zones
        .into_iter()
        .partition(|z| Path::parse(&z.selector).is_some_and(|p| whole_object(type_name, &p)));
    if whole.is_empty() {
        return Ok(parts);
    }
    for z in &whole {
        class.tlp = class.tlp.max(z.tlp);
        class.pii = class.pii.max(z.pii);
        if !z.recipients.is_empty() {
            class.recipients = if class.recipients.is_empty() {
                z.recipients.clone()
            } else {
                narrow(Some(std::mem::take(&mut class.recipients)), &z.recipients)
            };
            if class.recipients.is_empty() {
                return Err(Refusal::NoRecipients);
            }
        }
    }
    let mut out = Vec::new();
    for mut z in parts {
        z.tlp = z.tlp.max(class.tlp);
        z.pii = z.pii.max(class.pii);
        let narrower = !z.recipients.is_empty() && z.recipients != class.recipients;
        if !class.recipients.is_empty() {
            z.recipients = if z.recipients.is_empty() {
                class.recipients.clone()
            } else {
                narrow(Some(z.recipients), &class.recipients)
            };
            if z.recipients.is_empty() {
                return Err(Refusal::NoRecipients);
            }
        }
        if z.tlp > class.tlp || narrower || z.pii > class.pii {
            out.push(z);
        }
    }
    Ok(out)
}

fn narrow(prev: Option<Vec<String>>, r: &[String]) -> Vec<String> {
    match prev {
        None => r.to_vec(),
        Some(prev) => prev.into_iter().filter(|x| r.contains(x)).collect(),
    }
}

/// One granular restriction (or personal property) over one selector.
struct Part<'a> {
    path: Path,
    tlp: Option<Tlp>,
    recipients: Option<&'a [String]>,
    pii: PiiClass,
    /// NL-PII:NONE: cancels what detection found under it.
    cancels: bool,
}

/// The zones of an object: for every selector of a granular access marking or of a property
/// detected as personal data, the combined restrictions of everything that covers it, where
/// they are stricter than the object's own.
fn zones(
    o: &Incoming<'_>,
    class: &Classification,
    recipients: Option<&[String]>,
    detected: &personal::Detected,
    pii_none: bool,
) -> Result<Vec<Zone>, Refusal> {
    let mut parts: Vec<Part<'_>> = Vec::new();
    for g in &o.granular_markings {
        let (tlp, rec, pii, cancels) = match &g.kind {
            MarkingKind::Tlp(t) => (Some(*t), None, PiiClass::None, false),
            MarkingKind::Audience {
                recipients: Some(r),
                ..
            } => (None, Some(r.as_slice()), PiiClass::None, false),
            MarkingKind::Personal(Pii::Present) => (None, None, PiiClass::Present, false),
            MarkingKind::Personal(Pii::Credential) => (None, None, PiiClass::Credential, false),
            MarkingKind::Personal(Pii::None) => (None, None, PiiClass::None, true),
            _ => continue,
        };
        for sel in &g.selectors {
            // A restriction on a part the server cannot locate would be lost: refused.
            let path = Path::parse(sel).ok_or_else(|| Refusal::UnreadableSelector {
                selector: sel.clone(),
            })?;
            parts.push(Part {
                path,
                tlp,
                recipients: rec,
                pii,
                cancels,
            });
        }
    }
    for (sel, pii) in &detected.properties {
        // NL-PII:NONE on the object cancels what detection thought possible, not credentials.
        if pii_none && *pii == PiiClass::Possible {
            continue;
        }
        if let Some(path) = Path::parse(sel) {
            parts.push(Part {
                path,
                tlp: None,
                recipients: None,
                pii: *pii,
                cancels: false,
            });
        }
    }
    let mut selectors: Vec<&Path> = parts
        .iter()
        .filter(|p| {
            !p.cancels && (p.tlp.is_some() || p.recipients.is_some() || p.pii > PiiClass::None)
        })
        .map(|p| &p.path)
        .collect();
    selectors.sort();
    selectors.dedup();
    let mut out = Vec::new();
    for sel in selectors {
        let covering: Vec<&Part<'_>> = parts.iter().filter(|p| p.path.covers(sel)).collect();
        let cancelled = covering.iter().any(|p| p.cancels);
        let mut tlp = class.tlp;
        let mut rec: Option<Vec<String>> = recipients.map(<[String]>::to_vec);
        let mut narrowed = false;
        let mut pii = class.pii;
        for p in covering {
            tlp = tlp.max(p.tlp);
            if let Some(r) = p.recipients {
                rec = Some(narrow(rec, r));
                narrowed = true;
            }
            // An explicit NL-PII marking counts; NL-PII:NONE over a part cancels what
            // detection found there.
            if !(cancelled && p.pii == PiiClass::Possible) {
                pii = pii.max(p.pii);
            }
        }
        if rec.as_ref().is_some_and(Vec::is_empty) {
            return Err(Refusal::NoRecipients);
        }
        if tlp == Some(Tlp::Red) && rec.is_none() {
            return Err(Refusal::RedWithoutRecipients);
        }
        if tlp > class.tlp || narrowed || pii > class.pii {
            out.push(Zone {
                selector: sel.to_string(),
                tlp,
                recipients: rec.unwrap_or_default(),
                pii,
            });
        }
    }
    Ok(out)
}
