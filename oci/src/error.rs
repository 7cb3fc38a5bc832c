//! The oci crate's error type.

use std::io;
use std::path::PathBuf;

/// Errors reading or writing an image: unreadable layouts and archives,
/// malformed manifests, digest mismatches, failed registry requests.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of the source could not be read.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause. It is part of the message and not chained as a
        /// source, so a printed chain names it once.
        cause: io::Error,
    },
    /// `--platform` asked for a platform the image (a single-platform
    /// image, or the only entry of an index) is not.
    #[error("the image is for platform {have}, not the requested {wanted}")]
    PlatformMismatch {
        /// The image's platform, from its config.
        have: String,
        /// The platform asked for.
        wanted: String,
    },
    /// A path given as the source does not exist.
    #[error("no such file or directory: {path}")]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A path that must be a regular file is a FIFO, a device, a socket or
    /// a directory (opening or reading it could block for ever).
    #[error("{path}: not a regular file ({kind})")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`a FIFO`).
        kind: &'static str,
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
    /// A manifest, index, config, archive index or (for the catalog
    /// crate) SBOM document is malformed.
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
    /// A registry request failed.
    #[error("registry {registry}: {message}")]
    Registry {
        /// Registry host.
        registry: String,
        /// What failed.
        message: String,
    },
    /// A docker credential helper is missing or failed (storing or erasing
    /// credentials); the message names it.
    #[error("{message}")]
    CredentialHelper {
        /// What happened.
        message: String,
    },
    /// A TLS setting for registries is unusable (a CA file that can't be
    /// read or holds no certificate); the message names the file.
    #[error("{message}")]
    TlsSetting {
        /// What is wrong.
        message: String,
    },
    /// A registry request ran past its deadline.
    #[error("registry {registry}: {request} timed out after {after:?}")]
    Timeout {
        /// Registry host.
        registry: String,
        /// The request: method and URL path, no query or credentials
        /// (`GET /v2/app/manifests/1`).
        request: String,
        /// The deadline it had.
        after: std::time::Duration,
    },
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause: source,
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
