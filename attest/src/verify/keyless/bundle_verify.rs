//! Complete offline verification of a Sigstore bundle against a trusted root:
//! the bundle shape, the verification material, the transparency-log entries,
//! the signing time, the Fulcio chain, SCTs, identity, the signature and the
//! artifact, in that order. The first failing check is returned as an
//! [`Error::Verification`] naming it (see [`check`]).
//!
//! Used by `verify-blob`, `verify-blob-attestation` and the keyless path of
//! `verify-attestation`; `docs/verification.md` describes the checks.

use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::identity::{self, IdentityPolicy};
use super::timestamp::verify_timestamps;
use super::tlog::VerifiedEntry;
use super::tlog::{check_entry_matches, verify_tlog_entry, EntryVerifier, SignedContent};
use super::trust_root::TrustedRoot;
use super::{sct, x509};
use crate::bundle::{Bundle, BundleVersion};
use crate::dsse::Envelope;
use crate::intoto::{self, Statement};
use crate::key::{HashAlgorithm, PublicKey};
use crate::{Error, Result};

/// Names of the checks [`verify_bundle`] reports, in the order it makes them.
/// The transparency-log, certificate and timestamp modules add their own:
/// `log entry`, `SET`, `inclusion proof`, `checkpoint`, `timestamp`,
/// `certificate chain`, `sct`, `identity`.
pub mod check {
    pub use crate::verify::check::{
        BUNDLE, BUNDLE_CONTENT, BUNDLE_MEDIA_TYPE, MESSAGE_DIGEST, PAYLOAD_TYPE, PREDICATE_TYPE,
        SIGNATURE, SIGNATURE_COUNT, STATEMENT, VERIFICATION_MATERIAL,
    };
    /// No verified time, or a verified time outside the leaf certificate's
    /// validity or the validity of the log key that vouched for it.
    pub const SIGNING_TIME: &str = "signing time";
    /// The artifact is not the signed one (blob digest or statement subject).
    pub const ARTIFACT: &str = "artifact";
}

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
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Policy {
    /// A Fulcio certificate whose identity matches the policy.
    Identity(IdentityPolicy),
    /// A key the verifier holds (bundles with `publicKey` material).
    Key(PublicKey),
}

/// The signer's identity from the leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerIdentity {
    /// The subject alternative name values.
    pub sans: Vec<String>,
    /// The OIDC issuer extension, if present.
    pub issuer: Option<String>,
}

/// What a verified bundle proved.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The bundle version.
    pub version: BundleVersion,
    /// The certificate identity (`None` for key-signed bundles).
    pub identity: Option<SignerIdentity>,
    /// Every verified signing time (SET integrated times and RFC 3161
    /// genTimes), seconds since the epoch, sorted.
    pub times: Vec<i64>,
    /// The verified transparency-log entries.
    pub tlog_entries: Vec<VerifiedEntry>,
    /// For DSSE bundles: the in-toto statement.
    pub statement: Option<Statement>,
    /// For DSSE bundles: the exact signed payload bytes.
    pub payload: Option<Vec<u8>>,
}

impl VerifiedBundle {
    /// The statement's predicate type, for DSSE bundles.
    #[must_use]
    pub fn predicate_type(&self) -> Option<&str> {
        self.statement.as_ref().map(|s| s.predicate_type.as_str())
    }
}

fn fail(check: &'static str, message: impl Into<String>) -> Error {
    Error::Verification {
        check,
        message: message.into(),
    }
}

/// [`verify_bundle_with`] without a predicate type requirement.
///
/// # Errors
/// As [`verify_bundle_with`].
pub fn verify_bundle(
    bundle_json: &[u8],
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
) -> Result<VerifiedBundle> {
    verify_bundle_with(bundle_json, artifact, root, policy, None)
}

enum Material<'a> {
    Certificate { leaf: &'a [u8], rest: Vec<Vec<u8>> },
    Key(&'a PublicKey),
}

enum Content<'a> {
    Message {
        signature: &'a [u8],
        hint: Option<&'a crate::bundle::HashOutput>,
    },
    Dsse(&'a Envelope),
}

/// Verifies a bundle (JSON) for `artifact` under `policy`, offline, with the
/// trust anchors of `root`. Checks, in order:
///
/// 1. `bundle`, `bundle media type`, `bundle content`, `signature count`:
///    the JSON parses, the media type is v0.1, v0.2 or v0.3 (either
///    spelling), there is exactly one of `messageSignature` / `dsseEnvelope`,
///    and a DSSE envelope has exactly one signature.
/// 2. `verification material`: a certificate (chain) for
///    [`Policy::Identity`], a public key for [`Policy::Key`].
/// 3. `message digest`: a message signature's digest hint is the artifact's.
/// 4. Transparency log (`log entry`, `SET`, `inclusion proof`,
///    `checkpoint`): each entry is proven in a trusted log and records this
///    signature, certificate or key and artifact.
/// 5. `timestamp`: each RFC 3161 timestamp verifies against a trusted TSA.
/// 6. `signing time` (certificates): at least one verified time; every one
///    inside the leaf's validity and, for Rekor v2 entries, the log key's.
/// 7. `certificate chain` at every verified time, `sct`, `identity`.
/// 8. `payload type`, `signature`, `statement`: the signature over the
///    artifact or over the DSSE PAE.
/// 9. `artifact`: the blob digest, or a statement subject digest.
/// 10. `predicate type`, when requested (cosign aliases accepted).
///
/// # Errors
/// [`Error::Verification`] naming the failed check.
// By value: callers build the artifact in place (`Artifact::Blob(&data)`).
#[allow(clippy::needless_pass_by_value)]
pub fn verify_bundle_with(
    bundle_json: &[u8],
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
    predicate_type: Option<&str>,
) -> Result<VerifiedBundle> {
    // 1. Shape.
    let bundle = Bundle::from_json(bundle_json).map_err(|e| fail(check::BUNDLE, e.to_string()))?;
    verify_parsed_bundle(&bundle, artifact, root, policy, predicate_type)
}

/// [`verify_bundle_with`] for a bundle already parsed (or assembled, as the
/// legacy `.att` path does from layer annotations): every check after
/// `bundle`.
///
/// # Errors
/// As [`verify_bundle_with`].
#[allow(clippy::needless_pass_by_value, clippy::too_many_lines)]
pub fn verify_parsed_bundle(
    bundle: &Bundle,
    artifact: Artifact<'_>,
    root: &TrustedRoot,
    policy: &Policy,
    predicate_type: Option<&str>,
) -> Result<VerifiedBundle> {
    let version = bundle.version().ok_or_else(|| {
        fail(
            check::BUNDLE_MEDIA_TYPE,
            format!("unknown bundle media type `{}`", bundle.media_type),
        )
    })?;
    let content = match (&bundle.message_signature, &bundle.dsse_envelope) {
        (Some(m), None) => Content::Message {
            signature: &m.signature,
            hint: m.message_digest.as_ref(),
        },
        (None, Some(envelope)) => Content::Dsse(envelope),
        (Some(_), Some(_)) => {
            return Err(fail(
                check::BUNDLE_CONTENT,
                "bundle has both messageSignature and dsseEnvelope",
            ))
        }
        (None, None) => {
            return Err(fail(
                check::BUNDLE_CONTENT,
                "bundle has neither messageSignature nor dsseEnvelope",
            ))
        }
    };
    let signature: &[u8] = match content {
        Content::Message { signature, .. } => signature,
        Content::Dsse(envelope) => match envelope.signatures.as_slice() {
            [one] => &one.sig,
            sigs => {
                return Err(fail(
                    check::SIGNATURE_COUNT,
                    format!("{} signatures, expected exactly 1", sigs.len()),
                ))
            }
        },
    };
    if signature.is_empty() {
        return Err(fail(check::BUNDLE_CONTENT, "the signature is empty"));
    }

    // 2. Verification material against the policy.
    let vm = bundle.verification_material.as_ref().ok_or_else(|| {
        fail(
            check::VERIFICATION_MATERIAL,
            "bundle has no verificationMaterial",
        )
    })?;
    let material = match (
        policy,
        &vm.public_key,
        &vm.certificate,
        &vm.x509_certificate_chain,
    ) {
        (Policy::Identity(_), _, Some(cert), _) => Material::Certificate {
            leaf: &cert.raw_bytes,
            rest: Vec::new(),
        },
        (Policy::Identity(_), _, None, Some(chain)) => match chain.certificates.split_first() {
            Some((leaf, rest)) => Material::Certificate {
                leaf: &leaf.raw_bytes,
                rest: rest.iter().map(|c| c.raw_bytes.clone()).collect(),
            },
            // The chain check names the empty chain.
            None => Material::Certificate {
                leaf: &[],
                rest: Vec::new(),
            },
        },
        (Policy::Identity(_), Some(_), None, None) => {
            return Err(fail(
                check::VERIFICATION_MATERIAL,
                "bundle is signed with a key (publicKey material): verify it with --key",
            ))
        }
        (Policy::Key(key), Some(_), None, None) => Material::Key(key),
        (Policy::Key(_), _, Some(_), _) | (Policy::Key(_), _, _, Some(_)) => {
            return Err(fail(
                check::VERIFICATION_MATERIAL,
                "bundle is signed with a certificate (keyless): verify it with \
                 --certificate-identity and --certificate-oidc-issuer, not a key",
            ))
        }
        (_, None, None, None) => {
            return Err(fail(
                check::VERIFICATION_MATERIAL,
                "bundle has no certificate, certificate chain or public key",
            ))
        }
    };

    // 3. The artifact digest a message signature and its log entry cover.
    let message_digest = match content {
        Content::Message { hint, .. } => Some(message_digest(&artifact, hint)?),
        Content::Dsse(_) => None,
    };

    // 4. Transparency log.
    let key_der;
    let verifier = match &material {
        Material::Certificate { leaf, .. } => EntryVerifier::Certificate(leaf),
        Material::Key(key) => {
            key_der = key
                .to_spki_der()
                .map_err(|e| fail(check::VERIFICATION_MATERIAL, e.to_string()))?;
            EntryVerifier::PublicKey(&key_der)
        }
    };
    let signed = match (&content, &message_digest) {
        (Content::Message { signature, .. }, Some((algorithm, digest))) => {
            SignedContent::MessageSignature {
                signature,
                digest_algorithm: *algorithm,
                digest,
            }
        }
        (Content::Dsse(envelope), _) => SignedContent::Dsse(envelope),
        (Content::Message { .. }, None) => {
            return Err(fail(check::MESSAGE_DIGEST, "no artifact digest"))
        }
    };
    let mut entries = Vec::new();
    for entry in &vm.tlog_entries {
        let verified = verify_tlog_entry(entry, root, version)?;
        check_entry_matches(entry, signed, verifier)?;
        entries.push(verified);
    }

    // 5. RFC 3161 timestamps.
    let timestamps = verify_timestamps(vm.timestamp_verification_data.as_ref(), signature, root)?;

    let mut times: Vec<i64> = entries
        .iter()
        .filter_map(|e| e.integrated_time)
        .chain(timestamps.iter().copied())
        .collect();
    times.sort_unstable();
    times.dedup();

    // Log keys without a SET (Rekor v2) must be valid at the TSA times.
    for entry in entries.iter().filter(|e| e.integrated_time.is_none()) {
        if let Some(t) = timestamps
            .iter()
            .find(|t| !entry.log_valid_for.contains(**t))
        {
            return Err(fail(
                check::SIGNING_TIME,
                format!(
                    "timestamp {t} is outside the validity of the key of log {} \
                     that holds entry {}",
                    entry.log_url, entry.log_index
                ),
            ));
        }
    }

    // 6–7. Certificate: time, chain, SCT, identity.
    let (verifying_key, identity) = match material {
        Material::Key(key) => (key.clone(), None),
        Material::Certificate { leaf, rest } => {
            let Policy::Identity(identity_policy) = policy else {
                return Err(fail(
                    check::VERIFICATION_MATERIAL,
                    "policy is not an identity",
                ));
            };
            let cert = verify_certificate(leaf, &rest, root, identity_policy, &times)?;
            let identity = SignerIdentity {
                sans: cert
                    .leaf
                    .sans
                    .iter()
                    .map(|s| s.value().to_owned())
                    .collect(),
                issuer: cert.leaf.oidc_issuer().map(str::to_owned),
            };
            (cert.public_key, Some(identity))
        }
    };

    // 8–10. Signature, artifact, predicate type.
    let mut statement = None;
    let mut payload = None;
    match content {
        Content::Message { signature, .. } => {
            verify_message_signature(&verifying_key, &artifact, signature, message_digest)?;
        }
        Content::Dsse(envelope) => {
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
            verifying_key
                .verify(&envelope.pae(), signature)
                .map_err(|e| {
                    fail(
                        check::SIGNATURE,
                        format!("dsse envelope: {}", crate::verify::reason(e)),
                    )
                })?;
            let parsed = Statement::from_json(&envelope.payload)
                .map_err(|e| fail(check::STATEMENT, e.to_string()))?;
            check_subject(&parsed, &artifact)?;
            if let Some(requested) = predicate_type {
                crate::verify::check_predicate_type(&parsed, requested)?;
            }
            statement = Some(parsed);
            payload = Some(envelope.payload.clone());
        }
    }
    if statement.is_none() && predicate_type.is_some() {
        return Err(fail(
            check::BUNDLE_CONTENT,
            "a predicate type was requested but the bundle holds a message signature, \
             not an attestation",
        ));
    }

    Ok(VerifiedBundle {
        version,
        identity,
        times,
        tlog_entries: entries,
        statement,
        payload,
    })
}

fn verify_certificate(
    leaf: &[u8],
    rest: &[Vec<u8>],
    root: &TrustedRoot,
    policy: &IdentityPolicy,
    times: &[i64],
) -> Result<x509::VerifiedCert> {
    let Some(&first) = times.first() else {
        return Err(fail(
            check::SIGNING_TIME,
            "no verified signing time: the bundle has neither a signed entry timestamp \
             nor an RFC 3161 timestamp",
        ));
    };
    // Parse problems (an empty or malformed leaf) are the chain check's.
    let parsed = x509::parse_leaf(leaf);
    if let Ok(parsed) = &parsed {
        if let Some(t) = times
            .iter()
            .find(|t| **t < parsed.not_before || **t > parsed.not_after)
        {
            return Err(fail(
                check::SIGNING_TIME,
                format!(
                    "verified time {t} is outside the signing certificate's validity [{}, {}]",
                    parsed.not_before, parsed.not_after
                ),
            ));
        }
    }
    let mut verified = x509::verify_chain(leaf, rest, root, first)?;
    for t in times.iter().skip(1) {
        verified = x509::verify_chain(leaf, rest, root, *t)?;
    }
    sct::verify_embedded_scts(&verified, root)?;
    identity::check(policy, &verified.leaf)?;
    Ok(verified)
}

fn hash_of(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    }
}

fn algorithm_name(algorithm: HashAlgorithm) -> &'static str {
    match algorithm {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

/// The digest of the artifact a message signature covers, in the algorithm
/// the bundle's hint names (SHA-256 when there is none), checked against the
/// hint.
fn message_digest(
    artifact: &Artifact<'_>,
    hint: Option<&crate::bundle::HashOutput>,
) -> Result<(HashAlgorithm, Vec<u8>)> {
    let hinted = match hint.map(|h| h.algorithm.as_str()) {
        None | Some("" | "SHA2_256") => HashAlgorithm::Sha256,
        Some("SHA2_384") => HashAlgorithm::Sha384,
        Some("SHA2_512") => HashAlgorithm::Sha512,
        Some(other) => {
            return Err(fail(
                check::MESSAGE_DIGEST,
                format!("unsupported message digest algorithm `{other}`"),
            ))
        }
    };
    let (algorithm, digest) = match artifact {
        Artifact::Blob(data) => (hinted, hash_of(hinted, data)),
        Artifact::Digest { algorithm, bytes } => (*algorithm, bytes.to_vec()),
        Artifact::ImageDigest(image) => (HashAlgorithm::Sha256, image_digest_bytes(image)?),
    };
    if let Some(hint) = hint.filter(|h| !h.digest.is_empty()) {
        if algorithm != hinted || hint.digest != digest {
            return Err(fail(
                check::MESSAGE_DIGEST,
                format!(
                    "the bundle's message digest {}:{} is not the artifact's {}:{}",
                    algorithm_name(hinted),
                    hex::encode(&hint.digest),
                    algorithm_name(algorithm),
                    hex::encode(&digest)
                ),
            ));
        }
    }
    Ok((algorithm, digest))
}

fn image_digest_bytes(image: &str) -> Result<Vec<u8>> {
    let hex_part = match image.split_once(':') {
        None => image,
        Some(("sha256", hex_part)) => hex_part,
        Some((algorithm, _)) => {
            return Err(fail(
                check::ARTIFACT,
                format!("image digest must be sha256, not {algorithm}"),
            ))
        }
    };
    hex::decode(hex_part)
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| fail(check::ARTIFACT, format!("malformed image digest `{image}`")))
}

fn verify_message_signature(
    key: &PublicKey,
    artifact: &Artifact<'_>,
    signature: &[u8],
    digest: Option<(HashAlgorithm, Vec<u8>)>,
) -> Result<()> {
    let signature_error = |e: Error| {
        fail(
            check::SIGNATURE,
            format!("message signature: {}", crate::verify::reason(e)),
        )
    };
    match artifact {
        Artifact::Blob(data) => key.verify(data, signature).map_err(signature_error),
        Artifact::Digest { .. } | Artifact::ImageDigest(_) => {
            let Some((algorithm, digest)) = digest else {
                return Err(fail(check::SIGNATURE, "no artifact digest"));
            };
            verify_prehashed(key, algorithm, &digest, signature)
        }
    }
}

/// ECDSA signatures can be checked against a digest alone.
fn verify_prehashed(
    key: &PublicKey,
    algorithm: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> Result<()> {
    use ecdsa::signature::hazmat::PrehashVerifier as _;
    let mismatch = || {
        fail(
            check::SIGNATURE,
            "message signature does not match the digest",
        )
    };
    match (key, algorithm) {
        (PublicKey::EcdsaP256(k), HashAlgorithm::Sha256) => {
            let sig = p256::ecdsa::Signature::from_der(signature)
                .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                .map_err(|_| mismatch())?;
            k.verify_prehash(digest, &sig).map_err(|_| mismatch())
        }
        (PublicKey::EcdsaP384(k), HashAlgorithm::Sha384) => {
            let sig = p384::ecdsa::Signature::from_der(signature)
                .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
                .map_err(|_| mismatch())?;
            k.verify_prehash(digest, &sig).map_err(|_| mismatch())
        }
        _ => Err(fail(
            check::SIGNATURE,
            format!(
                "a {} message signature over a {} digest can only be checked with the artifact itself",
                key.algorithm(),
                algorithm_name(algorithm)
            ),
        )),
    }
}

/// A statement subject must carry the artifact's digest: for a blob its
/// SHA-256 or SHA-512 (whichever the subject records), for an image the
/// manifest's SHA-256.
fn check_subject(statement: &Statement, artifact: &Artifact<'_>) -> Result<()> {
    let wanted: Vec<(&'static str, String)> = match artifact {
        Artifact::Blob(data) => vec![
            ("sha256", hex::encode(Sha256::digest(data))),
            ("sha512", hex::encode(Sha512::digest(data))),
        ],
        Artifact::Digest { algorithm, bytes } => {
            vec![(algorithm_name(*algorithm), hex::encode(bytes))]
        }
        Artifact::ImageDigest(image) => vec![("sha256", hex::encode(image_digest_bytes(image)?))],
    };
    let found = statement.subject.iter().any(|subject| {
        wanted.iter().any(|(algorithm, hex_digest)| {
            subject
                .digest
                .get(*algorithm)
                .is_some_and(|d| d.eq_ignore_ascii_case(hex_digest))
        })
    });
    if found {
        Ok(())
    } else {
        let (algorithm, hex_digest) = wanted.first().cloned().unwrap_or_default();
        Err(fail(
            check::ARTIFACT,
            format!("no statement subject has the artifact's digest {algorithm}:{hex_digest}"),
        ))
    }
}
