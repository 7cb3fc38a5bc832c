//! The names of every verification check, as [`crate::Error::Verification`]
//! reports them and the `-v` logs show them.

use std::fmt;

/// One check of the verification pipeline. Its [`fmt::Display`] is the
/// name users see: `sbomctl: verification failed: …: <check>: <why>`.
///
/// The order here is the order of the pipeline (see [`crate::verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// A stored candidate cannot be read, or is not what its place says it
    /// is: a referrers listing that fails, a tag naming an index, a layer
    /// whose blob is gone.
    Storage,
    /// A referrer manifest found for an image has a `subject` naming
    /// another manifest (moved, or listed by a forged fallback index).
    ReferrerSubject,
    /// The DSSE envelope JSON (or its base64) does not parse.
    Envelope,
    /// The bundle JSON does not parse.
    Bundle,
    /// The bundle media type is not a known version.
    BundleMediaType,
    /// The bundle does not hold the expected content (exactly one of a DSSE
    /// envelope and a message signature, the one the command verifies).
    BundleContent,
    /// The envelope does not carry exactly one signature.
    SignatureCount,
    /// The verification material is not what the policy needs (a key, or a
    /// certificate), or breaks the protobuf oneof.
    VerificationMaterial,
    /// The bundle's message digest is not the artifact's.
    MessageDigest,
    /// A transparency-log entry is malformed, names an unknown log, records
    /// something else than this bundle, or is missing where one is required.
    LogEntry,
    /// A Rekor signed entry timestamp does not verify.
    Set,
    /// A Merkle inclusion proof does not verify.
    InclusionProof,
    /// A checkpoint (signed tree head) does not verify.
    Checkpoint,
    /// An RFC 3161 timestamp does not verify.
    Timestamp,
    /// No verified time, or one outside a certificate's or log key's
    /// validity.
    SigningTime,
    /// The certificate does not chain to a trusted Fulcio CA at the
    /// verified times.
    CertificateChain,
    /// An embedded signed certificate timestamp does not verify.
    Sct,
    /// The certificate's identity does not match the policy.
    Identity,
    /// `payloadType` is not `application/vnd.in-toto+json`.
    PayloadType,
    /// The signature does not verify.
    Signature,
    /// The payload is not an in-toto v0.1 or v1 statement.
    Statement,
    /// No statement subject has the artifact's digest (the image manifest
    /// digest, or the file's).
    Subject,
    /// The predicate type is not the requested one.
    PredicateType,
    /// A `.sig` layer is not a simple-signing payload.
    Payload,
    /// A simple-signing payload names another image digest.
    ImageDigest,
    /// A simple-signing payload lacks an annotation the verifier requires
    /// (`verify -a KEY=VALUE`), or has another value.
    Annotations,
}

impl Check {
    /// The check's name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Check::Storage => "storage",
            Check::ReferrerSubject => "referrer subject",
            Check::Envelope => "envelope",
            Check::Bundle => "bundle",
            Check::BundleMediaType => "bundle media type",
            Check::BundleContent => "bundle content",
            Check::SignatureCount => "signature count",
            Check::VerificationMaterial => "verification material",
            Check::MessageDigest => "message digest",
            Check::LogEntry => "log entry",
            Check::Set => "SET",
            Check::InclusionProof => "inclusion proof",
            Check::Checkpoint => "checkpoint",
            Check::Timestamp => "timestamp",
            Check::SigningTime => "signing time",
            Check::CertificateChain => "certificate chain",
            Check::Sct => "sct",
            Check::Identity => "identity",
            Check::PayloadType => "payload type",
            Check::Signature => "signature",
            Check::Statement => "statement",
            Check::Subject => "subject",
            Check::PredicateType => "predicate type",
            Check::Payload => "payload",
            Check::ImageDigest => "image digest",
            Check::Annotations => "annotations",
        }
    }

    /// The error for this check failing.
    #[must_use]
    pub fn fail(self, message: impl Into<String>) -> crate::Error {
        crate::Error::Verification {
            check: self,
            message: message.into(),
        }
    }

    /// Logs that this check passed (`-vv`).
    pub fn passed(self) {
        tracing::debug!("{self}: ok");
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
