//! Annotation keys cosign writes.

/// Base64 signature of a `.sig` layer; `""` on `.att` layers.
pub const SIGNATURE: &str = crate::simplesign::SIGNATURE_ANNOTATION;
/// Predicate type of a `.att` layer.
pub const PREDICATE_TYPE: &str = "predicateType";
/// What a bundle referrer holds (`dsse-envelope`).
pub const BUNDLE_CONTENT: &str = "dev.sigstore.bundle.content";
/// Predicate type of a bundle referrer's attestation.
pub const BUNDLE_PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";
/// Creation time of a referrer manifest (RFC 3339).
pub const CREATED: &str = "org.opencontainers.image.created";
/// The Fulcio signing certificate (PEM) of a keyless `.att` or `.sig`
/// layer.
pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
/// The certificates between a keyless layer's leaf and the root (PEM).
pub const CHAIN: &str = "dev.sigstore.cosign/chain";
/// A keyless layer's Rekor entry with its signed entry timestamp (JSON).
pub const BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// A keyless layer's RFC 3161 timestamp (`{"SignedRFC3161Timestamp": …}`).
pub const RFC3161_TIMESTAMP: &str = "dev.sigstore.cosign/rfc3161timestamp";
