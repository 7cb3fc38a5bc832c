//! Image sources: OCI layouts, archives, registries. Each is a [`BlobStore`]
//! that yields manifests and blobs by digest; [`resolve`] walks index →
//! manifest → config → layers the same way for all of them.

pub mod auth;
pub mod reference;
pub mod registry;

use std::io::Read;

use crate::Result;

/// A manifest or index as fetched: raw bytes (kept exactly, their sha256 is
/// the digest), the media type and the digest.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Raw bytes.
    pub bytes: Vec<u8>,
    /// Media type (from the Content-Type header or the descriptor).
    pub media_type: String,
    /// `sha256:…` of `bytes`.
    pub digest: String,
}

/// Where manifests and blobs are read from.
pub trait BlobStore: Send + Sync {
    /// A short name for messages (`registry 127.0.0.1:5000/app`, a path).
    fn describe(&self) -> String;
    /// The manifest or index that `reference` (a tag or `sha256:` digest)
    /// names; for a digest, the bytes must hash to it.
    fn manifest(&self, reference: &str) -> Result<Fetched>;
    /// A stream of the blob's raw (still compressed) bytes. The caller
    /// verifies the digest while reading.
    fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>>;
}
