//! TAXII 2.1 for Schakel: resources, query parameters, media types, opaque cursors.
//!
//! Pure: no I/O. The server crate maps requests onto these functions and
//! [`error::TaxiiError`] onto HTTP responses.

#![forbid(unsafe_code)]

pub mod cursor;
pub mod error;
pub mod media;
pub mod query;
pub mod resources;
pub mod time;

pub use error::TaxiiError;
