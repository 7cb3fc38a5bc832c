//! The catalog crate's error type.

use std::io;
use std::path::PathBuf;

/// Errors that stop a scan: broken inputs to the tool itself. Bad content
/// inside an image is a [`crate::model::Diagnostic`] instead.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the source could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A layer could not be read or decoded.
    #[error("layer {digest}: {message}")]
    Layer {
        /// The layer's digest.
        digest: String,
        /// What went wrong.
        message: String,
    },
    /// A layer's media type is not one we can decode.
    #[error("layer {digest}: unsupported media type `{media_type}`")]
    UnsupportedMediaType {
        /// The layer's digest.
        digest: String,
        /// The media type.
        media_type: String,
    },
    /// A blob's content does not match its digest.
    #[error("blob {expected}: digest mismatch (content hashes to {actual})")]
    DigestMismatch {
        /// The digest the manifest names.
        expected: String,
        /// What the content hashes to.
        actual: String,
    },
    /// A manifest, index, config or archive index is malformed.
    #[error("{what}: {message}")]
    Malformed {
        /// Which document (path or digest).
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// The source string or path is not usable.
    #[error("source {source_ref}: {message}")]
    Source {
        /// The source as given.
        source_ref: String,
        /// What is wrong.
        message: String,
    },
    /// Reading the image failed (layout, archive, registry).
    #[error(transparent)]
    Oci(#[from] sbomctl_oci::Error),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A malformed document.
    pub fn malformed(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Error::Malformed {
            what: what.into(),
            message: message.to_string(),
        }
    }
}
