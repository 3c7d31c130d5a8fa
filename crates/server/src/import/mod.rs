//! Imports into a [`store::Store`]: STIX files (bundles, TAXII envelopes, single objects,
//! directories, JSON lines; [`files`], behind `schakel import`) and the data file of the OASIS
//! reference server medallion ([`medallion`], re-exported here).

pub mod files;
pub mod medallion;

pub use medallion::*;
