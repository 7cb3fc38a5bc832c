//! Key-based verification of attestations, bundles and blob signatures, with
//! the checks `cosign verify-attestation --key … --insecure-ignore-tlog` and
//! `cosign verify-blob --key …` make.
//!
//! Every failure is an [`Error::Verification`] whose `check` is one of the
//! constants in [`check`], so callers and tests can tell which check failed.
//! Transparency-log entries in bundles are parsed but not verified here.
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

use crate::bundle::{Bundle, BundleVersion, SHA2_256};
use crate::dsse::Envelope;
use crate::intoto::{self, Statement};
use crate::key::PublicKey;
use crate::{Error, Result};

pub mod keyless;

/// Names of the verification checks, as reported in [`Error::Verification`].
pub mod check {
    /// The DSSE envelope JSON (or its base64) does not parse.
    pub const ENVELOPE: &str = "envelope";
    /// `payloadType` is not `application/vnd.in-toto+json`.
    pub const PAYLOAD_TYPE: &str = "payload type";
    /// The envelope does not carry exactly one signature.
    pub const SIGNATURE_COUNT: &str = "signature count";
    /// The signature does not verify with the key.
    pub const SIGNATURE: &str = "signature";
    /// The payload is not an in-toto v0.1 or v1 statement.
    pub const STATEMENT: &str = "statement";
    /// No subject has the image's sha256 digest.
    pub const SUBJECT: &str = "subject";
    /// The predicate type is not the requested one.
    pub const PREDICATE_TYPE: &str = "predicate type";
    /// The bundle JSON does not parse.
    pub const BUNDLE: &str = "bundle";
    /// The bundle media type is not a known version.
    pub const BUNDLE_MEDIA_TYPE: &str = "bundle media type";
    /// The bundle does not hold the expected content (DSSE envelope or message signature).
    pub const BUNDLE_CONTENT: &str = "bundle content";
    /// The bundle is not for a key (no `publicKey` verification material).
    pub const VERIFICATION_MATERIAL: &str = "verification material";
    /// The bundle's message digest is not the blob's SHA-256.
    pub const MESSAGE_DIGEST: &str = "message digest";
    /// A referrer manifest found for an image has a `subject` naming another
    /// manifest (moved, or listed by a forged fallback index).
    pub const REFERRER_SUBJECT: &str = "referrer subject";
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

fn fail(check: &'static str, message: impl Into<String>) -> Error {
    Error::Verification {
        check,
        message: message.into(),
    }
}

/// Verifies a DSSE envelope (JSON) holding an in-toto attestation for an image.
///
/// Checks, in order: the envelope parses; `payloadType` is
/// `application/vnd.in-toto+json`; there is exactly one signature; it verifies
/// over PAE of the exact payload bytes; the payload is an in-toto v0.1 or v1
/// statement; a subject's `digest.sha256` equals `image_digest`
/// (`sha256:<hex>` or bare hex); and, if `predicate_type` is given (cosign
/// alias or URI), the statement's predicate type equals it.
///
/// # Errors
/// [`Error::Verification`] naming the failed check (see [`check`]).
pub fn verify_attestation(
    envelope_json: &[u8],
    key: &PublicKey,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<Verified> {
    let envelope =
        Envelope::from_json(envelope_json).map_err(|e| fail(check::ENVELOPE, e.to_string()))?;
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
    let verified = verify_envelope_signature(envelope, key)?;
    check_subject(&verified.statement, image_digest)?;
    if let Some(requested) = predicate_type {
        check_predicate_type(&verified.statement, requested)?;
    }
    Ok(verified)
}

/// The signature half of [`verify_envelope`]: payload type, signature count,
/// signature and statement, without the subject and predicate type checks
/// (for statements about artifacts other than images).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_envelope_signature(envelope: &Envelope, key: &PublicKey) -> Result<Verified> {
    if envelope.payload_type != intoto::PAYLOAD_TYPE {
        return Err(fail(
            check::PAYLOAD_TYPE,
            format!(
                "`{}`, expected `{}`",
                envelope.payload_type,
                intoto::PAYLOAD_TYPE
            ),
        ));
    }
    // cosign's legacy path accepts any one valid signature among several;
    // sigstore-go requires exactly one, and so do we: a second signature is
    // unverified data riding along.
    let [signature] = envelope.signatures.as_slice() else {
        return Err(fail(
            check::SIGNATURE_COUNT,
            format!(
                "{} signatures, expected exactly 1",
                envelope.signatures.len()
            ),
        ));
    };
    key.verify(&envelope.pae(), &signature.sig)
        .map_err(|e| fail(check::SIGNATURE, format!("dsse envelope: {}", reason(e))))?;
    let statement = Statement::from_json(&envelope.payload)
        .map_err(|e| fail(check::STATEMENT, e.to_string()))?;
    Ok(Verified {
        predicate_type: statement.predicate_type.clone(),
        predicate: statement.predicate.clone(),
        statement,
        payload: envelope.payload.clone(),
    })
}

/// Checks that some subject's `digest.sha256` is the image digest
/// (`sha256:<hex>` or bare hex), compared exactly as cosign's
/// `IntotoSubjectClaimVerifier` does.
///
/// # Errors
/// [`Error::Verification`] with check [`check::SUBJECT`].
pub fn check_subject(statement: &Statement, image_digest: &str) -> Result<()> {
    let hex = match image_digest.split_once(':') {
        None => image_digest,
        Some(("sha256", hex)) => hex,
        Some((algorithm, _)) => {
            return Err(fail(
                check::SUBJECT,
                format!("image digest must be sha256, not {algorithm}"),
            ))
        }
    };
    if statement
        .subject
        .iter()
        .any(|s| s.digest.get("sha256").is_some_and(|d| d == hex))
    {
        Ok(())
    } else {
        Err(fail(
            check::SUBJECT,
            format!("no subject has digest sha256:{hex}"),
        ))
    }
}

/// Checks the statement's predicate type against a requested cosign alias or URI.
///
/// # Errors
/// [`Error::Verification`] with check [`check::PREDICATE_TYPE`].
pub fn check_predicate_type(statement: &Statement, requested: &str) -> Result<()> {
    let wanted = intoto::resolve_predicate_type(requested);
    if statement.predicate_type == wanted {
        Ok(())
    } else {
        Err(fail(
            check::PREDICATE_TYPE,
            format!("`{}`, expected `{wanted}`", statement.predicate_type),
        ))
    }
}

/// Verifies a key-signed Sigstore bundle holding a DSSE in-toto attestation
/// for an image: the bundle parses, its media type is a known version, its
/// verification material is a public key and its content a DSSE envelope,
/// then the checks of [`verify_envelope`]. Transparency-log entries are not
/// verified (the `--insecure-ignore-tlog` behaviour).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_bundle_with_key(
    bundle_json: &[u8],
    key: &PublicKey,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<Verified> {
    let (_, verified) = verify_bundle_signature_with_key(bundle_json, key)?;
    check_subject(&verified.statement, image_digest)?;
    if let Some(requested) = predicate_type {
        check_predicate_type(&verified.statement, requested)?;
    }
    Ok(verified)
}

/// The bundle and signature half of [`verify_bundle_with_key`], without the
/// subject and predicate type checks; returns the parsed bundle too (its
/// tlog entries are for the caller to check).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_bundle_signature_with_key(
    bundle_json: &[u8],
    key: &PublicKey,
) -> Result<(Bundle, Verified)> {
    let bundle = open_key_bundle(bundle_json)?;
    let Some(envelope) = bundle.dsse_envelope.as_ref() else {
        return Err(fail(check::BUNDLE_CONTENT, "bundle has no dsseEnvelope"));
    };
    let verified = verify_envelope_signature(envelope, key)?;
    Ok((bundle, verified))
}

/// Parses a bundle and checks media type, content oneof and key material.
fn open_key_bundle(bundle_json: &[u8]) -> Result<Bundle> {
    let bundle = Bundle::from_json(bundle_json).map_err(|e| fail(check::BUNDLE, e.to_string()))?;
    if BundleVersion::from_media_type(&bundle.media_type).is_none() {
        return Err(fail(
            check::BUNDLE_MEDIA_TYPE,
            format!("unknown bundle media type `{}`", bundle.media_type),
        ));
    }
    if bundle.dsse_envelope.is_some() && bundle.message_signature.is_some() {
        return Err(fail(
            check::BUNDLE_CONTENT,
            "bundle has both dsseEnvelope and messageSignature",
        ));
    }
    let material = bundle.verification_material.as_ref();
    if material.and_then(|m| m.public_key.as_ref()).is_none() {
        let keyless =
            material.is_some_and(|m| m.certificate.is_some() || m.x509_certificate_chain.is_some());
        return Err(fail(
            check::VERIFICATION_MATERIAL,
            if keyless {
                "bundle is signed with a certificate (keyless), not a key: \
                 verify it with --certificate-identity and --certificate-oidc-issuer"
            } else {
                "bundle is not for a public key (no verificationMaterial.publicKey)"
            },
        ));
    }
    Ok(bundle)
}

/// Verifies a blob signature made with a key (`cosign verify-blob --key`):
/// a detached signature (base64 or raw) or a key-signed bundle with a
/// `messageSignature`, whose `messageDigest`, when present, must be the
/// blob's SHA-256. Transparency-log entries are not verified.
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
pub fn verify_blob(blob: &[u8], key: &PublicKey, signature: BlobSignature<'_>) -> Result<()> {
    let sig = match signature {
        BlobSignature::Signature(text) => decode_signature_file(text),
        BlobSignature::Bundle(json) => {
            let bundle = open_key_bundle(json)?;
            let Some(message) = bundle.message_signature else {
                return Err(fail(
                    check::BUNDLE_CONTENT,
                    "bundle has no messageSignature",
                ));
            };
            if let Some(digest) = &message.message_digest {
                use sha2::{Digest as _, Sha256};
                if digest.algorithm != SHA2_256 {
                    return Err(fail(
                        check::MESSAGE_DIGEST,
                        format!("unsupported digest algorithm `{}`", digest.algorithm),
                    ));
                }
                if digest.digest.as_slice() != Sha256::digest(blob).as_slice() {
                    return Err(fail(
                        check::MESSAGE_DIGEST,
                        "bundle message digest is not the blob's sha256",
                    ));
                }
            }
            message.signature
        }
    };
    key.verify(blob, &sig)
        .map_err(|e| fail(check::SIGNATURE, format!("blob: {}", reason(e))))
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
