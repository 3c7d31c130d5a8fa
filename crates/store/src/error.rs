//! Store errors.

/// Errors of a [`crate::Store`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request conflicts with stored state (duplicate title, unknown reference...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A referenced entity does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database cannot be used (I/O, corruption, a newer schema).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The writer was shut down or its thread ended.
    #[error("the store is shutting down")]
    ShuttingDown,
}
