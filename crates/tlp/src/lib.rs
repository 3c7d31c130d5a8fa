//! Access decisions for Schakel (DESIGN.md section 4): who may receive which STIX object.
//!
//! Everything here is a pure function of plain values, with no I/O, so every rule can be tested
//! exhaustively (`decide` over every TLP level, reader relation and collection setting) and the
//! same rules can be explained to an operator (`schakel explain`):
//!
//! - [`model`]: organisations, the directory of them, collection policies, and the
//!   classification stored beside each object version;
//! - [`decide()`]: the read decision for one reader and one object, with the rule that allowed
//!   it or the reason it was withheld;
//! - [`ReadScope`]: the same decision reduced to a few parameters the store evaluates inside its
//!   page query, so `limit`, `more` and `next` stay exact per reader. A property test in the
//!   store suite checks the SQL against [`decide()`];
//! - [`ingest`]: classification of an incoming object and the ingest rules (unknown markings,
//!   `require_tlp`, `tlp_ceiling`, TLP:RED without recipients, creator-only versions).
//!
//! - [`personal`]: personal-data classes, dated designations, asset scopes, detection by type;
//! - [`selector`] and [`redact`]: granular-marking selectors, and what a reader receives of an
//!   object parts of which it may not see (removed parts, withheld references, derived ids).
//!
//! - [`relay`]: onward sharing by an intermediary into its relay-target collection.

#![forbid(unsafe_code)]

pub mod decide;
pub mod ingest;
pub mod model;
pub mod personal;
pub mod redact;
pub mod relay;
pub mod scope;
pub mod selector;

pub use decide::{Decision, Reader, Reason, Relation, Rule, decide, relation};
pub use model::{
    AudienceEntry, Classification, CollectionPolicy, Directory, Organisation, Role,
    UnknownMarkings, Zone,
};
pub use personal::{AssetScope, Designation, DesignationKind, PersonalAccess, PiiClass};
pub use scope::ReadScope;
pub use stix::registry::Tlp;

/// The storage rank of a TLP level (`0` CLEAR ... `4` RED); the store keeps it as an integer so
/// the read query can compare levels.
pub fn rank(t: Tlp) -> u8 {
    t as u8
}

/// The TLP level of a storage rank.
pub fn from_rank(r: u8) -> Option<Tlp> {
    Some(match r {
        0 => Tlp::Clear,
        1 => Tlp::Green,
        2 => Tlp::Amber,
        3 => Tlp::AmberStrict,
        4 => Tlp::Red,
        _ => return None,
    })
}

/// Every TLP level, least restrictive first.
pub const ALL_TLP: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];
