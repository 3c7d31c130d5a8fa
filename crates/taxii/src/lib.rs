//! TAXII 2.1 for Schakel: resources, query parameters, media types, opaque cursors.

#![forbid(unsafe_code)]

pub mod query;
