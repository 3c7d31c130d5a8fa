//! STIX 2.1 for Schakel: identifiers and timestamps with strict parsing, a byte-preserving
//! object model (raw JSON kept beside typed views), the validator with checklist rule ids,
//! the STIX Patterning parser, deterministic SCO ids and the marking registry.
//!
//! Pure: no I/O beyond what callers hand in.

#![forbid(unsafe_code)]

pub mod finding;
pub mod id;
pub mod jcs;
pub mod json;
pub mod model;
pub mod pattern;
pub mod raw;
pub mod registry;
pub mod sco_id;
pub mod spec;
pub mod text;
pub mod timestamp;
pub mod validate;
pub mod vocab;

pub use finding::{Finding, Severity};
pub use id::StixId;
pub use model::StixObject;
pub use raw::Raw;
pub use timestamp::StixTimestamp;
