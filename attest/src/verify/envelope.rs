//! The one DSSE envelope check, shared by every path (bundles, `.att`
//! layers, key and keyless): exactly one signature, the in-toto payload
//! type, the signature over PAE of the exact payload bytes, the statement,
//! its subject and its predicate type.

use sha2::{Digest as _, Sha256, Sha512};

use super::{Artifact, Check};
use crate::dsse::Envelope;
use crate::intoto::{self, Statement};
use crate::key::{HashAlgorithm, PublicKey};
use crate::Result;

/// `signature count`: the envelope's one signature.
///
/// cosign's legacy path accepts any one valid signature among several;
/// sigstore-go requires exactly one, and so do we: a second signature is
/// unverified data riding along.
pub(crate) fn one_signature(envelope: &Envelope) -> Result<&[u8]> {
    match envelope.signatures.as_slice() {
        [one] => Ok(&one.sig),
        sigs => {
            Err(Check::SignatureCount
                .fail(format!("{} signatures, expected exactly 1", sigs.len())))
        }
    }
}

/// `payload type`: `application/vnd.in-toto+json`.
pub(crate) fn payload_type(envelope: &Envelope) -> Result<()> {
    if envelope.payload_type == intoto::PAYLOAD_TYPE {
        Ok(())
    } else {
        Err(Check::PayloadType.fail(format!(
            "`{}`, expected `{}`",
            envelope.payload_type,
            intoto::PAYLOAD_TYPE
        )))
    }
}

/// `payload type`, `signature` and `statement`: the signature verifies
/// with `key` over PAE of the exact payload bytes, and the payload is an
/// in-toto v0.1 or v1 statement. The signature count is checked earlier
/// (it is part of the bundle's shape).
pub(crate) fn verify_signature(envelope: &Envelope, key: &PublicKey) -> Result<Statement> {
    payload_type(envelope)?;
    Check::PayloadType.passed();
    let signature = one_signature(envelope)?;
    key.verify(&envelope.pae(), signature)
        .map_err(|e| Check::Signature.fail(format!("dsse envelope: {}", super::reason(e))))?;
    Check::Signature.passed();
    let statement = Statement::from_json(&envelope.payload)
        .map_err(|e| Check::Statement.fail(e.to_string()))?;
    Check::Statement.passed();
    Ok(statement)
}

/// `subject`: a statement subject carries the artifact's digest. For an
/// image, `digest.sha256` equals the manifest digest's hex exactly (as
/// cosign's `IntotoSubjectClaimVerifier` compares it); for a file, its
/// SHA-256 or SHA-512 (whichever the subject records, in either case, as
/// sigstore-go compares digest bytes).
///
/// # Errors
/// [`crate::Error::Verification`] with check [`Check::Subject`].
pub fn check_subject(statement: &Statement, artifact: &Artifact<'_>) -> Result<()> {
    let has = |algorithm: &str, hex: &str, exact: bool| {
        statement.subject.iter().any(|s| {
            s.digest.get(algorithm).is_some_and(|d| {
                if exact {
                    d == hex
                } else {
                    d.eq_ignore_ascii_case(hex)
                }
            })
        })
    };
    let (found, shown) = match artifact {
        Artifact::ImageDigest(image) => {
            let hex = super::image_digest_hex(image)?;
            (has("sha256", hex, true), format!("sha256:{hex}"))
        }
        Artifact::Blob(data) => {
            let sha256 = hex::encode(Sha256::digest(data));
            let sha512 = hex::encode(Sha512::digest(data));
            (
                has("sha256", &sha256, false) || has("sha512", &sha512, false),
                format!("sha256:{sha256}"),
            )
        }
        Artifact::Streamed(blob) => {
            let sha256 = hex::encode(blob.digest(HashAlgorithm::Sha256));
            let sha512 = hex::encode(blob.digest(HashAlgorithm::Sha512));
            (
                has("sha256", &sha256, false) || has("sha512", &sha512, false),
                format!("sha256:{sha256}"),
            )
        }
        Artifact::Digest { algorithm, bytes } => {
            let name = super::algorithm_name(*algorithm);
            let hex = hex::encode(bytes);
            (has(name, &hex, false), format!("{name}:{hex}"))
        }
    };
    if found {
        Check::Subject.passed();
        Ok(())
    } else {
        Err(Check::Subject.fail(format!("no subject has digest {shown}")))
    }
}

/// `predicate type`: the statement's predicate type is the requested cosign
/// alias or URI.
///
/// # Errors
/// [`crate::Error::Verification`] with check [`Check::PredicateType`].
pub fn check_predicate_type(statement: &Statement, requested: &str) -> Result<()> {
    let wanted = intoto::resolve_predicate_type(requested);
    if statement.predicate_type == wanted {
        Check::PredicateType.passed();
        Ok(())
    } else {
        Err(Check::PredicateType.fail(format!(
            "`{}`, expected `{wanted}`",
            statement.predicate_type
        )))
    }
}
