//! The catalog crate's error type.

use std::io;
use std::path::PathBuf;

/// Errors that stop a scan or a conversion: broken inputs to the tool
/// itself. Bad content inside an image is a [`crate::model::Diagnostic`]
/// instead.
///
/// Reading files, images and layers fails the way the oci crate says, so
/// its error is wrapped, not copied: an unreadable file is
/// [`sbomctl_oci::Error::Io`], a broken manifest, archive index or SBOM
/// document [`sbomctl_oci::Error::Malformed`], a layer that cannot be
/// decoded [`sbomctl_oci::Error::Layer`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the image, a layer or a file failed, or a document is
    /// malformed.
    #[error(transparent)]
    Oci(#[from] sbomctl_oci::Error),
    /// A scan option is invalid (an exclusion pattern, a cataloger
    /// selection, a base path); the message says which and why.
    #[error("{message}")]
    InvalidOption {
        /// What is wrong, naming the value.
        message: String,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path` ([`sbomctl_oci::Error::Io`]).
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        sbomctl_oci::Error::io(path, source).into()
    }

    /// A malformed document ([`sbomctl_oci::Error::Malformed`]).
    pub fn malformed(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        sbomctl_oci::Error::malformed(what, message).into()
    }

    /// The `what: message` of a malformed document, `None` for other
    /// errors.
    pub fn as_malformed(&self) -> Option<(&str, &str)> {
        match self {
            Error::Oci(sbomctl_oci::Error::Malformed { what, message }) => Some((what, message)),
            Error::Oci(_) | Error::InvalidOption { .. } => None,
        }
    }
}
