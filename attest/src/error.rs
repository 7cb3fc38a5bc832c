//! The attest crate's error type.

/// Errors of key handling, signing and verification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key file could not be read or decoded.
    #[error("key {what}: {message}")]
    Key {
        /// Which key (path or description).
        what: String,
        /// What is wrong.
        message: String,
    },
    /// A document (envelope, statement, bundle) is malformed.
    #[error("{what}: {message}")]
    Malformed {
        /// Which document.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// Verification failed; `check` names the check.
    #[error("verification failed: {check}: {message}")]
    Verification {
        /// The check that failed (signature, subject, predicate type, …).
        check: &'static str,
        /// Details.
        message: String,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
