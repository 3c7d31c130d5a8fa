//! TAXII 2.1 for Schakel: resources, query parameters, media types, opaque cursors.
//!
//! Pure: no I/O. The server crate maps requests onto these functions and
//! [`error::TaxiiError`] onto HTTP responses. The one exception is the `client` module (a
//! TAXII 2.1 HTTP client for federation), compiled only with the cargo feature `client` so
//! that crates using just the resources (e.g. the store) do not pull in an HTTP stack.

#![forbid(unsafe_code)]

#[cfg(feature = "client")]
pub mod client;
pub mod cursor;
pub mod error;
pub mod media;
pub mod query;
pub mod resources;
pub mod time;

pub use error::TaxiiError;
