//! The entities the access rules talk about (DESIGN.md section 4, access-model-research.md 4.1).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stix::registry::Tlp;

use crate::personal::{AssetScope, Designation, PiiClass};

/// What kind of organisation this is in the Dutch chain. Roles matter for relay (issue 6: only
/// intermediaries relay) and are recorded in the audit; the read rules of this crate depend on
/// audiences and constituencies, not on roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// NCSC-NL and other national CSIRTs.
    NationalCsirt,
    /// A computer crisis team designated by ministerial order (Z-CERT, IBD, SURFcert, ...).
    DesignatedCert,
    /// A linking organisation (*schakelorganisatie*, OKTT), e.g. Connect2Trust.
    LinkingOrg,
    /// The Digital Trust Center.
    Dtc,
    /// A vital provider or government body served directly by the national CSIRT.
    DirectConstituent,
    /// A company or institution in the constituency of an intermediary.
    #[default]
    Constituent,
    /// The organisation running this server.
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::NationalCsirt => "national-csirt",
            Role::DesignatedCert => "designated-cert",
            Role::LinkingOrg => "linking-org",
            Role::Dtc => "dtc",
            Role::DirectConstituent => "direct-constituent",
            Role::Constituent => "constituent",
            Role::Operator => "operator",
        }
    }

    /// The roles that pass information on to a constituency: they own relay targets and relay
    /// (DESIGN.md section 4; a constituent never relays).
    pub fn is_intermediary(self) -> bool {
        matches!(
            self,
            Role::NationalCsirt | Role::DesignatedCert | Role::LinkingOrg | Role::Dtc
        )
    }

    pub const ALL: [Role; 7] = [
        Role::NationalCsirt,
        Role::DesignatedCert,
        Role::LinkingOrg,
        Role::Dtc,
        Role::DirectConstituent,
        Role::Constituent,
        Role::Operator,
    ];
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "'{s}' is not an organisation role ({})",
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

/// An organisation as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organisation {
    /// Short stable id from provisioning (`ncsc`, `dtc`).
    pub id: String,
    /// The organisation's STIX identity (`identity--...`, class organization): matched against
    /// organisation entries in an audience marking's `recipients`.
    pub identity: Option<String>,
    pub role: Role,
    /// Organisations in this one's constituency (*achterban*): the clients TLP:AMBER may reach
    /// through a collection whose audience is this organisation's constituency.
    pub serves: Vec<String>,
    /// Sectors (STIX `industry-sector-ov` values), for the operator's overview and relay rules.
    pub sectors: Vec<String>,
    /// Dated designations to receive personal data and credentials.
    pub designations: Vec<Designation>,
    /// Network ranges and domains: objects about them concern this organisation.
    pub asset_scope: AssetScope,
}

/// All provisioned organisations by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    orgs: BTreeMap<String, Organisation>,
}

impl Directory {
    pub fn new(orgs: impl IntoIterator<Item = Organisation>) -> Self {
        Directory {
            orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<&Organisation> {
        self.orgs.get(id)
    }

    /// The organisation `id`, or, when it is not in the directory (provisioned a moment ago),
    /// a bare one with that id: no identity, no constituency, which can only narrow what its
    /// accounts see.
    pub fn organisation(&self, id: &str) -> Organisation {
        self.get(id).cloned().unwrap_or_else(|| Organisation {
            id: id.to_owned(),
            ..Organisation::default()
        })
    }

    /// The identities of the organisations whose asset scope an observable of `type_name`
    /// with `value` lies in (they become affected parties of the object).
    pub fn concerned(&self, type_name: &str, value: &str) -> Vec<String> {
        self.orgs
            .values()
            .filter(|o| o.asset_scope.matches(type_name, value))
            .filter_map(|o| o.identity.clone())
            .collect()
    }

    /// Whether `member` is in the constituency of `of`.
    pub fn serves(&self, of: &str, member: &str) -> bool {
        self.get(of)
            .is_some_and(|o| o.serves.iter().any(|m| m == member))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Organisation> {
        self.orgs.values()
    }
}

/// One entry of a collection's audience.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "org", rename_all = "kebab-case")]
pub enum AudienceEntry {
    /// The organisation itself: a *direct* audience member (TLP:AMBER+STRICT reaches it).
    Organisation(String),
    /// The organisations the named one serves: its clients in the TLP 2.0 sense, reached by
    /// TLP:AMBER but never by TLP:AMBER+STRICT.
    ConstituencyOf(String),
}

/// What to do with an object that carries a marking the server does not understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownMarkings {
    /// Refuse it at ingest (a failure in the status resource).
    #[default]
    Reject,
    /// Store it, visible only to the organisation that posted it (and operators), until the
    /// marking is understood.
    Quarantine,
}

/// The access settings of one collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CollectionPolicy {
    /// Who the collection is for. Empty: every organisation with a read grant is a direct
    /// audience member (what a collection without a declared audience means).
    pub audience: Vec<AudienceEntry>,
    /// TLP applied to an unmarked object (recorded as defaulted, so it is never relayed).
    /// `None`: unmarked objects are visible to their originator only.
    pub default_tlp: Option<Tlp>,
    /// Refuse objects without a TLP marking (marking and extension definitions and the poster's
    /// own identity are exempt and get `default_tlp`, else GREEN).
    pub require_tlp: bool,
    /// The most restrictive TLP the collection accepts.
    pub tlp_ceiling: Tlp,
    /// Anonymous requests may read this collection's TLP:CLEAR objects.
    pub public: bool,
    pub unknown_markings: UnknownMarkings,
    /// Organisation entries in an audience marking's `recipients` count for TLP:RED (FIRST
    /// says RED is for *individual* recipients, so this is an explicit operator opt-in).
    pub red_org_recipients: bool,
    /// IP addresses in this collection are possibly personal data (victim addresses, a
    /// collection of compromised hosts): withheld from readers without a personal-data
    /// designation unless marked NL-PII:NONE.
    pub ip_personal_data: bool,
    /// An intermediary's collection for its constituency: objects arrive in it by relay
    /// ([`crate::relay`]), each copy naming who may read it where need-to-know applies.
    pub relay_target: bool,
}

impl Default for CollectionPolicy {
    fn default() -> Self {
        CollectionPolicy {
            audience: Vec::new(),
            default_tlp: Some(Tlp::Green),
            require_tlp: false,
            tlp_ceiling: Tlp::Red,
            public: false,
            unknown_markings: UnknownMarkings::Reject,
            red_org_recipients: false,
            ip_personal_data: false,
            relay_target: false,
        }
    }
}

/// The access-relevant facts of one stored object version, fixed at ingest and stored as
/// columns beside the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    /// Effective TLP: the most restrictive TLP marking (object and granular), or the
    /// collection default for an unmarked object; `None` = unmarked without a default.
    pub tlp: Option<Tlp>,
    /// `tlp` came from the collection default, not from the object.
    pub defaulted: bool,
    /// The object carries a marking the server does not understand (quarantine policy).
    pub quarantined: bool,
    /// Organisation id of the poster (the originator for the read rules).
    pub origin: Option<String>,
    /// Named recipients of the object's audience marking(s): STIX identity ids. Empty: no
    /// audience marking restricts the object.
    pub recipients: Vec<String>,
    /// Affected parties: identities named by the audience marking(s), and those of the
    /// organisations whose asset scope the object lies in. They may receive personal data
    /// about themselves.
    pub affected: Vec<String>,
    /// Personal-data class of the object as a whole.
    pub pii: PiiClass,
    /// Parts of the object some readers of the whole may not see.
    pub zones: Vec<Zone>,
    /// Reading the object needs a redaction check: it has zones, or references that may
    /// point at objects withheld from a reader.
    pub review: bool,
}

/// A part of an object (a granular selector) that is more restricted than the object: its
/// combined TLP, recipients and personal-data class (object markings and every granular
/// marking whose selector covers it). A reader who fails it receives a redacted object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Zone {
    pub selector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<Tlp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    #[serde(default, skip_serializing_if = "is_none_pii")]
    pub pii: PiiClass,
}

fn is_none_pii(p: &PiiClass) -> bool {
    *p == PiiClass::None
}

impl Classification {
    /// Bit set stored in the `access_flags` column.
    pub fn flags(&self) -> u8 {
        u8::from(self.quarantined) | (u8::from(self.defaulted) << 1) | (u8::from(self.review) << 2)
    }

    /// Sets `quarantined`, `defaulted` and `review` from stored flags.
    pub fn with_flags(mut self, flags: u8) -> Self {
        self.quarantined = flags & 1 != 0;
        self.defaulted = flags & 2 != 0;
        self.review = flags & 4 != 0;
        self
    }
}

/// Encodes a list of ids for a stored text column as `|a|b|` (`None` when empty), so the read
/// query tests membership with `instr(column, '|' || id || '|')`.
pub fn encode_ids(ids: &[String]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let mut s = String::from("|");
    for id in ids {
        s.push_str(id);
        s.push('|');
    }
    Some(s)
}

/// The inverse of [`encode_ids`].
pub fn decode_ids(s: Option<&str>) -> Vec<String> {
    s.map(|s| {
        s.split('|')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_empty_is_none() {
        let ids = vec!["identity--a".to_owned(), "identity--b".to_owned()];
        let e = encode_ids(&ids);
        assert_eq!(e.as_deref(), Some("|identity--a|identity--b|"));
        assert_eq!(decode_ids(e.as_deref()), ids);
        assert_eq!(encode_ids(&[]), None);
        assert!(decode_ids(None).is_empty());
    }

    #[test]
    fn an_organisation_missing_from_the_directory_is_bare() {
        let dir = Directory::new([Organisation {
            id: "dtc".into(),
            identity: Some("identity--x".into()),
            serves: vec!["b".into()],
            ..Organisation::default()
        }]);
        assert_eq!(dir.organisation("dtc").serves, vec!["b".to_owned()]);
        let bare = dir.organisation("new");
        assert_eq!(
            (bare.id.as_str(), bare.identity, bare.serves.len()),
            ("new", None, 0)
        );
    }

    #[test]
    fn flags_round_trip() {
        for bits in 0..8u8 {
            let (q, d, r) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
            let c = Classification {
                quarantined: q,
                defaulted: d,
                review: r,
                ..Classification::default()
            };
            assert_eq!(c.flags(), bits);
            let back = Classification::default().with_flags(c.flags());
            assert_eq!((back.quarantined, back.defaulted, back.review), (q, d, r));
        }
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!(
            "cert"
                .parse::<Role>()
                .unwrap_err()
                .contains("designated-cert")
        );
    }
}
