//! Verification: one pipeline for every signature sbomctl checks, key or
//! keyless, from a Sigstore bundle, a `.att` layer, a `.sig` layer or a
//! detached signature.
//!
//! - [`Verifier`] holds who must have signed ([`Policy`]: a key, or a
//!   certificate identity with its [`TrustedRoot`]) and the transparency-log
//!   rule ([`TlogPolicy`], decided in one place: [`TlogPolicy::for_mode`]).
//! - [`Verifier::verify_bundle`] runs the numbered steps of the bundle
//!   pipeline (module `bundle`); a `.att` layer is first assembled into the
//!   equivalent bundle (key-signed: a `publicKey` bundle; keyless: see
//!   [`keyless::legacy`]), so there is one envelope check ([`envelope`]).
//! - [`candidates`] finds every attestation or signature stored for an image,
//!   checks each on its own, and orders the ones that pass.
//! - Every failure is an [`Error::Verification`] naming a [`Check`]; every
//!   passing check is logged at debug level (`-vv`).
//!
//! ```
//! use sbomctl_attest::intoto::{self, Statement, StatementVersion, Subject};
//! use sbomctl_attest::key::PrivateKey;
//! use sbomctl_attest::{dsse, verify};
//!
//! let key = PrivateKey::generate_p256()?;
//! let image = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
//! let statement = Statement::new(
//!     StatementVersion::V1,
//!     vec![Subject::sha256("registry.example.com/app", image)],
//!     "cyclonedx",
//!     serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5"}),
//! );
//! let envelope = dsse::sign(intoto::PAYLOAD_TYPE, &statement.to_json(), &key)?;
//! let verified = verify::verify_attestation(
//!     &envelope.to_json(),
//!     &key.public_key(),
//!     image,
//!     Some("cyclonedx"),
//! )?;
//! assert_eq!(verified.predicate_type, "https://cyclonedx.org/bom");
//! # Ok::<(), sbomctl_attest::Error>(())
//! ```

use serde_json::Value;

use crate::bundle::{Bundle, PublicKeyIdentifier, VerificationMaterial, MEDIA_TYPE_V0_3};
use crate::dsse::Envelope;
use crate::intoto::Statement;
use crate::key::{HashAlgorithm, PublicKey};
use crate::{Error, Result};

mod bundle;
pub mod ca;
pub mod candidates;
mod check;
pub mod envelope;
pub mod keyless;

pub use bundle::{SignerIdentity, VerifiedBundle};
pub use ca::CaCertificates;
pub use check::Check;
pub use envelope::{check_predicate_type, check_subject};
use keyless::identity::IdentityPolicy;
use keyless::trust_root::TrustedRoot;

/// What was signed, as the verifier knows it.
#[derive(Debug, Clone)]
pub enum Artifact<'a> {
    /// The artifact's bytes (a file).
    Blob(&'a [u8]),
    /// The artifact's digest.
    Digest {
        /// The hash function.
        algorithm: HashAlgorithm,
        /// The digest bytes.
        bytes: &'a [u8],
    },
    /// An image manifest digest, `sha256:<hex>` (or bare hex).
    ImageDigest(String),
    /// A file read once as a stream ([`StreamedBlob::read`]): as
    /// [`Artifact::Blob`] when it was small enough to keep, else checked by
    /// its digests (a key signature over it needs a key that signs a
    /// digest: ECDSA or RSA, not Ed25519).
    Streamed(&'a StreamedBlob),
}

/// A blob read once, as a stream: its SHA-256, SHA-384 and SHA-512 digests,
/// its length, and its bytes when it is no longer than the `keep` limit
/// given to [`StreamedBlob::read`]. Memory stays bounded by that limit
/// whatever the blob's size.
#[derive(Clone)]
pub struct StreamedBlob {
    sha256: [u8; 32],
    sha384: [u8; 48],
    sha512: [u8; 64],
    len: u64,
    keep: u64,
    bytes: Option<Vec<u8>>,
}

impl std::fmt::Debug for StreamedBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamedBlob")
            .field("sha256", &hex::encode(self.sha256))
            .field("len", &self.len)
            .field("kept", &self.bytes.is_some())
            .finish()
    }
}

impl StreamedBlob {
    /// Reads `reader` to its end, hashing as it goes; keeps the bytes
    /// when there are at most `keep` of them.
    ///
    /// # Errors
    /// The reader's.
    pub fn read(reader: impl std::io::Read, keep: u64) -> std::io::Result<StreamedBlob> {
        Self::read_sized(reader, keep, None)
    }

    /// [`read`](Self::read) for a file: a regular file known to be larger
    /// than `keep` is not buffered at all.
    ///
    /// # Errors
    /// The file's.
    pub fn read_file(file: std::fs::File, keep: u64) -> std::io::Result<StreamedBlob> {
        let size = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len());
        Self::read_sized(file, keep, size)
    }

    fn read_sized(
        mut reader: impl std::io::Read,
        keep: u64,
        size: Option<u64>,
    ) -> std::io::Result<StreamedBlob> {
        use sha2::Digest as _;
        let mut sha256 = sha2::Sha256::new();
        let mut sha384 = sha2::Sha384::new();
        let mut sha512 = sha2::Sha512::new();
        let mut kept = size.is_none_or(|n| n <= keep).then(Vec::new);
        let mut len: u64 = 0;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let chunk = buf.get(..n).unwrap_or_default();
            sha256.update(chunk);
            sha384.update(chunk);
            sha512.update(chunk);
            len = len.saturating_add(n as u64);
            if len > keep {
                kept = None;
            } else if let Some(kept) = &mut kept {
                kept.extend_from_slice(chunk);
            }
        }
        Ok(StreamedBlob {
            sha256: sha256.finalize().into(),
            sha384: sha384.finalize().into(),
            sha512: sha512.finalize().into(),
            len,
            keep,
            bytes: kept,
        })
    }

    /// The blob's length in bytes.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the blob is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes, when they were kept.
    #[must_use]
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref()
    }

    /// The digest in `algorithm`.
    #[must_use]
    pub fn digest(&self, algorithm: HashAlgorithm) -> &[u8] {
        match algorithm {
            HashAlgorithm::Sha256 => &self.sha256,
            HashAlgorithm::Sha384 => &self.sha384,
            HashAlgorithm::Sha512 => &self.sha512,
        }
    }

    /// Verifies a key's [`Scheme::Default`](crate::key::Scheme::Default)
    /// signature over the blob: over the bytes when kept, else over the
    /// digest in the key's hash.
    ///
    /// # Errors
    /// [`PublicKey::verify`]'s and [`PublicKey::verify_digest`]'s.
    pub fn verify_signature(&self, key: &PublicKey, signature: &[u8]) -> Result<()> {
        match (&self.bytes, key.default_hash()) {
            (Some(bytes), _) => key.verify(bytes, signature),
            (None, Some(algorithm)) => key.verify_digest(self.digest(algorithm), signature),
            (None, None) => Err(Check::Signature.fail(format!(
                "an {} signature covers the whole blob, and this one ({} bytes) is larger than \
                 the {} MiB that can be held to check it",
                key.algorithm(),
                self.len,
                self.keep >> 20
            ))),
        }
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Policy {
    /// A Fulcio certificate whose identity matches the policy.
    Identity(IdentityPolicy),
    /// A key the verifier holds (bundles with `publicKey` material).
    Key(PublicKey),
}

/// What the transparency log must show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlogPolicy {
    /// At least one entry, and every entry verifies (cosign's default).
    Require,
    /// Every entry present verifies, but none is needed
    /// (`--insecure-ignore-tlog` with a certificate: the signing time must
    /// then come from an RFC 3161 timestamp).
    IfPresent,
    /// Entries and timestamps are not read: key verification, which needs
    /// no signing time (what `cosign … --key K --insecure-ignore-tlog`
    /// does; sbomctl does not upload to Rekor).
    Skip,
}

impl TlogPolicy {
    /// The rule the commands apply, in one place: keyless verification
    /// requires a verified log entry unless the user accepts the risk with
    /// `--insecure-ignore-tlog`; key verification does not read the log.
    #[must_use]
    pub fn for_mode(keyless: bool, insecure_ignore_tlog: bool) -> TlogPolicy {
        match (keyless, insecure_ignore_tlog) {
            (true, false) => TlogPolicy::Require,
            (true, true) => TlogPolicy::IfPresent,
            (false, _) => TlogPolicy::Skip,
        }
    }

    /// Whether `verified` entries satisfy the rule.
    pub(crate) fn check_entries(self, verified: usize) -> Result<()> {
        if self == TlogPolicy::Require && verified == 0 {
            return Err(Check::LogEntry.fail(
                "no transparency log entry: a keyless signature must be logged \
                 (as cosign requires; --insecure-ignore-tlog accepts one that is not)",
            ));
        }
        Ok(())
    }
}

/// What the signed content must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect<'a> {
    /// A message signature or an attestation (the conformance suite).
    Any,
    /// A message signature over the artifact (`verify-blob`).
    MessageSignature,
    /// A DSSE in-toto attestation, of this predicate type (cosign alias or
    /// URI) when given.
    Attestation {
        /// The required predicate type.
        predicate_type: Option<&'a str>,
    },
}

/// Who must have signed, with which trust anchors, and what the log must
/// show: the input of every verification.
#[derive(Debug, Clone)]
pub struct Verifier<'r> {
    pub(crate) policy: Policy,
    pub(crate) root: Option<&'r TrustedRoot>,
    pub(crate) tlog: TlogPolicy,
    /// The user's CAs, which anchor certificates instead of the trusted
    /// root's Fulcio authorities ([`ca`]).
    pub(crate) ca: Option<&'r CaCertificates>,
    /// Whether embedded SCTs are not checked (`--insecure-ignore-sct`).
    pub(crate) ignore_sct: bool,
}

impl<'r> Verifier<'r> {
    /// Verification with a key: no trust root, the log not read
    /// ([`TlogPolicy::Skip`]).
    #[must_use]
    pub fn key(key: PublicKey) -> Verifier<'r> {
        Verifier {
            policy: Policy::Key(key),
            root: None,
            tlog: TlogPolicy::Skip,
            ca: None,
            ignore_sct: false,
        }
    }

    /// Keyless verification against `root`, with the log rule of
    /// [`TlogPolicy::for_mode`].
    #[must_use]
    pub fn keyless(
        identity: IdentityPolicy,
        root: &'r TrustedRoot,
        insecure_ignore_tlog: bool,
    ) -> Verifier<'r> {
        Verifier {
            policy: Policy::Identity(identity),
            root: Some(root),
            tlog: TlogPolicy::for_mode(true, insecure_ignore_tlog),
            ca: None,
            ignore_sct: false,
        }
    }

    /// Certificates must chain to `ca` (the user's own certificate
    /// authorities: `--ca-roots`, `--certificate-chain`) instead of the
    /// trusted root's Fulcio authorities; the trusted root still verifies
    /// log entries, timestamps and SCTs. See [`ca`].
    #[must_use]
    pub fn with_ca(mut self, ca: &'r CaCertificates) -> Verifier<'r> {
        self.ca = Some(ca);
        self
    }

    /// With `true`, a certificate's embedded SCTs are not checked (cosign's
    /// `--insecure-ignore-sct`).
    #[must_use]
    pub fn ignore_sct(mut self, ignore: bool) -> Verifier<'r> {
        self.ignore_sct = ignore;
        self
    }

    /// Any combination (the conformance suite checks key-signed bundles'
    /// log entries too). Checking entries or timestamps needs `root`.
    #[must_use]
    pub fn new(policy: Policy, root: Option<&'r TrustedRoot>, tlog: TlogPolicy) -> Verifier<'r> {
        Verifier {
            policy,
            root,
            tlog,
            ca: None,
            ignore_sct: false,
        }
    }

    /// Who must have signed.
    #[must_use]
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The log rule.
    #[must_use]
    pub fn tlog_policy(&self) -> TlogPolicy {
        self.tlog
    }

    pub(crate) fn root(&self) -> Result<&'r TrustedRoot> {
        self.root.ok_or_else(|| {
            Check::LogEntry.fail("no trusted root to verify transparency-log entries against")
        })
    }

    /// Verifies a bundle (JSON) for `artifact`: every step of the pipeline
    /// after `bundle` (the JSON parses), see [`Verifier::verify_parsed_bundle`].
    ///
    /// # Errors
    /// [`Error::Verification`] naming the failed check.
    pub fn verify_bundle(
        &self,
        bundle_json: &[u8],
        artifact: &Artifact<'_>,
        expect: Expect<'_>,
    ) -> Result<VerifiedBundle> {
        let bundle =
            Bundle::from_json(bundle_json).map_err(|e| Check::Bundle.fail(e.to_string()))?;
        Check::Bundle.passed();
        self.verify_parsed_bundle(&bundle, artifact, expect)
    }

    /// Verifies a parsed (or assembled) bundle for `artifact`, offline.
    /// Checks, in order (`docs/verification.md` has the details):
    ///
    /// 1. `bundle media type`, `bundle content`, `signature count`;
    /// 2. `verification material`: exactly one kind (the protobuf oneof),
    ///    a certificate for an identity, a public key for a key;
    /// 3. `message digest` (message signatures);
    /// 4. `log entry`, `SET`, `inclusion proof`, `checkpoint` for every
    ///    entry, and the [`TlogPolicy`];
    /// 5. `timestamp` for every RFC 3161 timestamp;
    /// 6. `signing time`;
    /// 7. `certificate chain`, `sct`, `identity` (certificates);
    /// 8. `payload type`, `signature`, `statement`;
    /// 9. `subject`; 10. `predicate type` when requested.
    ///
    /// # Errors
    /// [`Error::Verification`] naming the failed check.
    pub fn verify_parsed_bundle(
        &self,
        bundle: &Bundle,
        artifact: &Artifact<'_>,
        expect: Expect<'_>,
    ) -> Result<VerifiedBundle> {
        bundle::verify(self, bundle, artifact, expect)
    }

    /// Verifies a bare DSSE envelope signed with the verifier's key (a
    /// key-signed `.att` layer): the envelope is put in a bundle with
    /// `publicKey` material and goes through the pipeline.
    ///
    /// # Errors
    /// [`Error::Verification`] naming the failed check.
    pub fn verify_key_envelope(
        &self,
        envelope: Envelope,
        artifact: &Artifact<'_>,
        expect: Expect<'_>,
    ) -> Result<VerifiedBundle> {
        let bundle = Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(VerificationMaterial {
                public_key: Some(PublicKeyIdentifier::default()),
                ..VerificationMaterial::default()
            }),
            message_signature: None,
            dsse_envelope: Some(envelope),
            extra: serde_json::Map::new(),
        };
        self.verify_parsed_bundle(&bundle, artifact, expect)
    }
}

impl Verifier<'_> {
    /// Verifies a detached blob signature with a certificate given beside it
    /// (`verify-blob --certificate C --signature S`, keyless or CA-issued):
    /// the signature file (base64 or raw, see [`BlobSignature::Signature`])
    /// and the PEM leaf make a bundle with a message signature over the
    /// blob's SHA-256 and no log entry, which goes through the pipeline.
    ///
    /// # Errors
    /// [`Error::Verification`] naming the failed check.
    pub fn verify_detached_signature(
        &self,
        signature_file: &[u8],
        certificate_pem: &str,
        blob: &StreamedBlob,
    ) -> Result<VerifiedBundle> {
        use crate::bundle::{HashOutput, MessageSignature, X509Certificate, SHA2_256};
        let leaf = crate::pem::decode_first(certificate_pem)
            .map_err(|e| Check::VerificationMaterial.fail(format!("--certificate: {e}")))?;
        let bundle = Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(VerificationMaterial {
                certificate: Some(X509Certificate {
                    raw_bytes: leaf.der.to_vec(),
                    ..X509Certificate::default()
                }),
                ..VerificationMaterial::default()
            }),
            message_signature: Some(MessageSignature {
                message_digest: Some(HashOutput {
                    algorithm: SHA2_256.to_owned(),
                    digest: blob.digest(HashAlgorithm::Sha256).to_vec(),
                    ..HashOutput::default()
                }),
                signature: decode_signature_file(signature_file),
                ..MessageSignature::default()
            }),
            dsse_envelope: None,
            extra: serde_json::Map::new(),
        };
        self.verify_parsed_bundle(&bundle, &Artifact::Streamed(blob), Expect::MessageSignature)
    }
}

/// A verified attestation.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The statement.
    pub statement: Statement,
    /// The statement's predicate type URI.
    pub predicate_type: String,
    /// The predicate (a JSON string for SPDX tag-value).
    pub predicate: Value,
    /// The exact signed payload bytes.
    pub payload: Vec<u8>,
}

impl Verified {
    fn new(statement: Statement, payload: Vec<u8>) -> Verified {
        Verified {
            predicate_type: statement.predicate_type.clone(),
            predicate: statement.predicate.clone(),
            statement,
            payload,
        }
    }

    /// The attestation of a verified DSSE bundle.
    ///
    /// # Errors
    /// [`Check::BundleContent`] when the bundle held a message signature.
    pub fn from_bundle(verified: VerifiedBundle) -> Result<Verified> {
        match (verified.statement, verified.payload) {
            (Some(statement), Some(payload)) => Ok(Verified::new(statement, payload)),
            _ => Err(Check::BundleContent.fail("bundle has no dsseEnvelope")),
        }
    }
}

/// A blob signature to check with [`verify_blob`].
#[derive(Debug, Clone, Copy)]
pub enum BlobSignature<'a> {
    /// The contents of a signature file: base64 (as `cosign sign-blob`
    /// writes it) or, if that does not decode, the raw signature bytes.
    Signature(&'a [u8]),
    /// A Sigstore bundle (JSON) with a `messageSignature`.
    Bundle(&'a [u8]),
}

/// The message of a key error without the "verification failed" prefix.
pub(crate) fn reason(err: Error) -> String {
    match err {
        Error::Verification { message, .. } => message,
        other => other.to_string(),
    }
}

/// The hex of an image digest (`sha256:<64 hex>` or bare hex).
pub(crate) fn image_digest_hex(image: &str) -> Result<&str> {
    let hex_part = match image.split_once(':') {
        None => image,
        Some(("sha256", hex_part)) => hex_part,
        Some((algorithm, _)) => {
            return Err(Check::Subject.fail(format!("image digest must be sha256, not {algorithm}")))
        }
    };
    if hex_part.len() == 64 && hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex_part)
    } else {
        Err(Check::Subject.fail(format!("malformed image digest `{image}`")))
    }
}

pub(crate) fn algorithm_name(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

// ---- key-mode entry points: thin wrappers over the pipeline ----

/// Verifies a DSSE envelope (JSON) holding an in-toto attestation for an
/// image with a key: the envelope parses (`envelope`), then the pipeline
/// (`signature count`, `payload type`, `signature`, `statement`,
/// `subject`, and `predicate type` when given, as a cosign alias or URI).
///
/// # Errors
/// [`Error::Verification`] naming the failed check (see [`Check`]).
pub fn verify_attestation(
    envelope_json: &[u8],
    key: &PublicKey,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<Verified> {
    let envelope =
        Envelope::from_json(envelope_json).map_err(|e| Check::Envelope.fail(e.to_string()))?;
    verify_envelope(&envelope, key, image_digest, predicate_type)
}

/// [`verify_attestation`] for an already parsed envelope.
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_envelope(
    envelope: &Envelope,
    key: &PublicKey,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<Verified> {
    Verifier::key(key.clone())
        .verify_key_envelope(
            envelope.clone(),
            &Artifact::ImageDigest(image_digest.to_owned()),
            Expect::Attestation { predicate_type },
        )
        .and_then(Verified::from_bundle)
}

/// The signature half of [`verify_envelope`] (`signature count`, `payload
/// type`, `signature`, `statement`), without the subject and predicate type
/// checks, for statements about artifacts other than images.
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_envelope_signature(envelope: &Envelope, key: &PublicKey) -> Result<Verified> {
    envelope::one_signature(envelope)?;
    let statement = envelope::verify_signature(envelope, key)?;
    Ok(Verified::new(statement, envelope.payload.clone()))
}

/// Verifies a key-signed Sigstore bundle holding a DSSE in-toto attestation
/// for an image, through the pipeline with [`Verifier::key`]: log entries
/// and timestamps are not read (the `--insecure-ignore-tlog` behaviour).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_bundle_with_key(
    bundle_json: &[u8],
    key: &PublicKey,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<Verified> {
    Verifier::key(key.clone())
        .verify_bundle(
            bundle_json,
            &Artifact::ImageDigest(image_digest.to_owned()),
            Expect::Attestation { predicate_type },
        )
        .and_then(Verified::from_bundle)
}

/// Verifies a blob signature made with a key (`cosign verify-blob --key`):
/// a key-signed bundle with a `messageSignature` (through the pipeline:
/// its `messageDigest`, when present, must be the blob's), or a detached
/// signature (base64 or raw) over the blob. Log entries are not read.
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_blob(blob: &[u8], key: &PublicKey, signature: BlobSignature<'_>) -> Result<()> {
    verify_blob_artifact(&Artifact::Blob(blob), key, signature)
}

/// [`verify_blob`] for a blob read as a stream ([`StreamedBlob`]): one too
/// large to keep is checked by its digest, which needs an ECDSA or RSA key
/// (an Ed25519 signature covers the whole blob).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_streamed_blob(
    blob: &StreamedBlob,
    key: &PublicKey,
    signature: BlobSignature<'_>,
) -> Result<()> {
    verify_blob_artifact(&Artifact::Streamed(blob), key, signature)
}

fn verify_blob_artifact(
    artifact: &Artifact<'_>,
    key: &PublicKey,
    signature: BlobSignature<'_>,
) -> Result<()> {
    match signature {
        BlobSignature::Bundle(json) => Verifier::key(key.clone())
            .verify_bundle(json, artifact, Expect::MessageSignature)
            .map(|_| ()),
        BlobSignature::Signature(text) => {
            let signature = decode_signature_file(text);
            let verified = match artifact {
                Artifact::Streamed(blob) => blob.verify_signature(key, &signature),
                Artifact::Blob(blob) => key.verify(blob, &signature),
                Artifact::Digest { .. } | Artifact::ImageDigest(_) => {
                    Err(Check::Signature.fail("not a blob"))
                }
            };
            verified.map_err(|e| Check::Signature.fail(format!("blob: {}", reason(e))))?;
            Check::Signature.passed();
            Ok(())
        }
    }
}

/// cosign reads a signature file as standard base64 when it decodes (Go's
/// decoder skips CR and LF), else as raw bytes.
fn decode_signature_file(text: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let cleaned: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    // Go's `StdEncoding`: padding required, non-zero trailing bits accepted.
    const GO_STD: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    );
    GO_STD.decode(&cleaned).unwrap_or_else(|_| text.to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use sha2::Digest as _;

    use super::*;
    use crate::key::PrivateKey;

    const BLOB: &[u8] = b"release artifact\n";

    fn ed25519() -> PrivateKey {
        PrivateKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    #[test]
    fn a_streamed_blob_has_the_digests_of_its_bytes() {
        let kept = StreamedBlob::read(BLOB, 1 << 20).unwrap();
        assert_eq!(kept.bytes(), Some(BLOB));
        assert_eq!(kept.len(), BLOB.len() as u64);
        assert_eq!(
            kept.digest(HashAlgorithm::Sha256),
            sha2::Sha256::digest(BLOB).as_slice()
        );
        assert_eq!(
            kept.digest(HashAlgorithm::Sha384),
            sha2::Sha384::digest(BLOB).as_slice()
        );
        assert_eq!(
            kept.digest(HashAlgorithm::Sha512),
            sha2::Sha512::digest(BLOB).as_slice()
        );
        let not_kept = StreamedBlob::read(BLOB, 4).unwrap();
        assert_eq!(not_kept.bytes(), None);
        assert_eq!(
            not_kept.digest(HashAlgorithm::Sha256),
            kept.digest(HashAlgorithm::Sha256)
        );
    }

    #[test]
    fn a_blob_too_large_to_keep_verifies_by_digest_with_ecdsa_not_ed25519() {
        let p256 = PrivateKey::generate_p256().unwrap();
        let sig = p256.sign(BLOB).unwrap();
        let big = StreamedBlob::read(BLOB, 0).unwrap();
        let public = p256.public_key();
        verify_streamed_blob(&big, &public, BlobSignature::Signature(&sig)).unwrap();
        let other = PrivateKey::generate_p256().unwrap().public_key();
        let e = verify_streamed_blob(&big, &other, BlobSignature::Signature(&sig)).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        let changed = StreamedBlob::read(&b"release artifact?"[..], 0).unwrap();
        assert!(verify_streamed_blob(&changed, &public, BlobSignature::Signature(&sig)).is_err());

        // Ed25519 signs the whole message: fine while it is kept, a clear
        // error beyond the limit.
        let ed = ed25519();
        let sig = ed.sign(BLOB).unwrap();
        let kept = StreamedBlob::read(BLOB, 1 << 20).unwrap();
        verify_streamed_blob(&kept, &ed.public_key(), BlobSignature::Signature(&sig)).unwrap();
        let e = verify_streamed_blob(&big, &ed.public_key(), BlobSignature::Signature(&sig))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Ed25519 signature covers the whole blob"), "{e}");
        assert!(e.contains("larger than the 0 MiB"), "{e}");
    }
}
