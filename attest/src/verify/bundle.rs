//! The bundle pipeline: every signature sbomctl verifies, key or keyless,
//! from a Sigstore bundle, a `.att` layer (assembled into the equivalent
//! bundle) or a file, goes through [`verify`], one numbered step per
//! function. The first failing check is returned as an
//! [`crate::Error::Verification`] naming it; each passing check is logged
//! at debug level (`-vv`).
//!
//! 1. [`shape`]: `bundle media type`, `bundle content`, `signature count`.
//! 2. [`material`]: `verification material` (the oneof, and what the
//!    policy needs).
//! 3. [`message_digest`]: `message digest` (message signatures).
//! 4. [`transparency_log`]: `log entry`, `SET`, `inclusion proof`,
//!    `checkpoint`, and the [`TlogPolicy`] (at least one entry, keyless).
//! 5. [`timestamps`]: `timestamp` (RFC 3161).
//! 6. [`signing_times`]: `signing time` (the verified times; Rekor v2 log
//!    keys valid at them).
//! 7. [`certificate`]: `signing time` (inside the leaf's validity),
//!    `certificate chain`, `sct`, `identity`.
//! 8. [`signature`]: `payload type`, `signature`, `statement`.
//! 9. `subject` and 10. `predicate type`
//!    ([`super::envelope::check_subject`], [`super::envelope::check_predicate_type`]).
//!
//! `docs/verification.md` describes the checks.

use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::envelope;
use super::keyless::identity::{self, IdentityPolicy};
use super::keyless::timestamp::verify_timestamps;
use super::keyless::tlog::{
    check_entry_matches, verify_tlog_entry, EntryVerifier, SignedContent, VerifiedEntry,
};
use super::keyless::trust_root::TrustedRoot;
use super::keyless::{sct, x509};
use super::{algorithm_name, Artifact, Check, Expect, Policy, TlogPolicy, Verifier};
use crate::bundle::{Bundle, BundleVersion, HashOutput, VerificationMaterial};
use crate::dsse::Envelope;
use crate::intoto::Statement;
use crate::key::{HashAlgorithm, PublicKey};
use crate::Result;

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
    /// Every verified time (SET integrated times and RFC 3161 genTimes),
    /// seconds since the epoch, sorted.
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

    /// When it was signed, as far as verified evidence says: the earliest
    /// verified time of a certificate-signed bundle. Every verified time
    /// lies inside the short-lived certificate's validity, so no later
    /// evidence can make an old signature look new. `None` for key-signed
    /// bundles: anyone can log or timestamp an old signature again.
    #[must_use]
    pub fn signed_at(&self) -> Option<i64> {
        self.identity.as_ref().and(self.times.first().copied())
    }
}

/// The signed content of a bundle.
#[derive(Clone, Copy)]
enum Content<'a> {
    Message {
        signature: &'a [u8],
        hint: Option<&'a HashOutput>,
    },
    Dsse(&'a Envelope),
}

impl Content<'_> {
    fn signature(&self) -> Result<&[u8]> {
        match self {
            Content::Message { signature, .. } => Ok(signature),
            Content::Dsse(envelope) => envelope::one_signature(envelope),
        }
    }
}

/// Who signed, as the verification material says (checked against the
/// policy).
enum Material<'a> {
    Certificate { leaf: &'a [u8], rest: Vec<Vec<u8>> },
    Key(&'a PublicKey),
}

/// Runs every step on a parsed (or assembled) bundle.
pub(crate) fn verify(
    verifier: &Verifier,
    bundle: &Bundle,
    artifact: &Artifact<'_>,
    expect: Expect<'_>,
) -> Result<VerifiedBundle> {
    verify_with_times(verifier, bundle, artifact, expect, &[])
}

/// [`verify`] with `verified_times`: RFC 3161 genTimes the caller verified
/// over bytes the bundle does not hold (a cosign `.att` layer's timestamp
/// covers the envelope JSON, not the DSSE signature); they count as the
/// bundle's own timestamps.
pub(crate) fn verify_with_times(
    verifier: &Verifier,
    bundle: &Bundle,
    artifact: &Artifact<'_>,
    expect: Expect<'_>,
    verified_times: &[i64],
) -> Result<VerifiedBundle> {
    let (version, content) = shape(bundle, expect)?;
    let vm = bundle
        .verification_material
        .as_ref()
        .ok_or_else(|| Check::VerificationMaterial.fail("bundle has no verificationMaterial"))?;
    let material = material(vm, &verifier.policy)?;
    let digest = message_digest(&content, artifact)?;
    let entries = transparency_log(verifier, vm, version, &content, digest.as_ref(), &material)?;
    let mut timestamps = timestamps(verifier, vm, &content)?;
    timestamps.extend_from_slice(verified_times);
    let times = signing_times(&entries, &timestamps)?;
    let (key, identity) = certificate(verifier, material, &times)?;
    let statement = signature(&content, &key, artifact, digest)?;
    let mut payload = None;
    if let (Some(statement), Content::Dsse(envelope)) = (&statement, content) {
        envelope::check_subject(statement, artifact)?;
        if let Expect::Attestation {
            predicate_type: Some(requested),
        } = expect
        {
            envelope::check_predicate_type(statement, requested)?;
        }
        payload = Some(envelope.payload.clone());
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

/// 1. The media type is a known version; the bundle holds exactly one of
///    `messageSignature` and `dsseEnvelope`, the one expected; a DSSE
///    envelope has exactly one signature; the signature is not empty.
fn shape<'a>(bundle: &'a Bundle, expect: Expect<'_>) -> Result<(BundleVersion, Content<'a>)> {
    let version = bundle.version().ok_or_else(|| {
        Check::BundleMediaType.fail(format!("unknown bundle media type `{}`", bundle.media_type))
    })?;
    Check::BundleMediaType.passed();
    let content = match (&bundle.message_signature, &bundle.dsse_envelope) {
        (Some(m), None) => Content::Message {
            signature: &m.signature,
            hint: m.message_digest.as_ref(),
        },
        (None, Some(envelope)) => Content::Dsse(envelope),
        (Some(_), Some(_)) => {
            return Err(
                Check::BundleContent.fail("bundle has both messageSignature and dsseEnvelope")
            )
        }
        (None, None) => {
            return Err(
                Check::BundleContent.fail("bundle has neither messageSignature nor dsseEnvelope")
            )
        }
    };
    match (expect, &content) {
        (Expect::MessageSignature, Content::Dsse(_)) => {
            return Err(Check::BundleContent
                .fail("bundle has no messageSignature (it holds a DSSE envelope, an attestation)"))
        }
        (Expect::Attestation { .. }, Content::Message { .. }) => {
            return Err(Check::BundleContent.fail(
                "bundle has no dsseEnvelope (it holds a message signature, not an attestation)",
            ))
        }
        _ => {}
    }
    Check::BundleContent.passed();
    if content.signature()?.is_empty() {
        return Err(Check::BundleContent.fail("the signature is empty"));
    }
    if let Content::Dsse(_) = content {
        Check::SignatureCount.passed();
    }
    Ok((version, content))
}

/// 2. Exactly one kind of verification material (the protobuf oneof:
///    `publicKey`, `x509CertificateChain`, `certificate`), and the kind the
///    policy needs: a certificate for an identity, a public key for a key.
fn material<'a>(vm: &'a VerificationMaterial, policy: &'a Policy) -> Result<Material<'a>> {
    let present: Vec<&str> = [
        ("publicKey", vm.public_key.is_some()),
        ("x509CertificateChain", vm.x509_certificate_chain.is_some()),
        ("certificate", vm.certificate.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if present.len() > 1 {
        return Err(Check::VerificationMaterial.fail(format!(
            "verificationMaterial holds {}: it is a oneof, exactly one is allowed",
            present.join(" and ")
        )));
    }
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
            return Err(Check::VerificationMaterial
                .fail("bundle is signed with a key (publicKey material): verify it with --key"))
        }
        (Policy::Key(key), Some(_), None, None) => Material::Key(key),
        // A key's own certificate (`sign --key K --certificate C`): the
        // signature is checked with the given key, so the certificate is
        // only a label, and it must be for that key.
        (Policy::Key(key), None, Some(cert), None) if certifies(&cert.raw_bytes, key) => {
            Material::Key(key)
        }
        (Policy::Key(_), _, _, _) if !present.is_empty() => {
            return Err(Check::VerificationMaterial.fail(
                "bundle is signed with a certificate (keyless), not a key: verify it with \
                 --certificate-identity and --certificate-oidc-issuer",
            ))
        }
        _ => {
            return Err(Check::VerificationMaterial
                .fail("bundle has no certificate, certificate chain or public key"))
        }
    };
    Check::VerificationMaterial.passed();
    Ok(material)
}

/// Whether `der` is a certificate for `key` (its SubjectPublicKeyInfo is
/// the key's).
fn certifies(der: &[u8], key: &crate::key::PublicKey) -> bool {
    match (super::keyless::x509::parse_leaf(der), key.to_spki_der()) {
        (Ok(leaf), Ok(spki)) => leaf.spki_der == spki,
        _ => false,
    }
}

/// 3. For a message signature: the artifact's digest in the algorithm the
///    bundle's (unauthenticated) hint names, SHA-256 when there is none; the
///    hint must equal it.
fn message_digest(
    content: &Content<'_>,
    artifact: &Artifact<'_>,
) -> Result<Option<(HashAlgorithm, Vec<u8>)>> {
    let Content::Message { hint, .. } = content else {
        return Ok(None);
    };
    let hinted = match hint.map(|h| h.algorithm.as_str()) {
        None | Some("" | "SHA2_256") => HashAlgorithm::Sha256,
        Some("SHA2_384") => HashAlgorithm::Sha384,
        Some("SHA2_512") => HashAlgorithm::Sha512,
        Some(other) => {
            return Err(Check::MessageDigest
                .fail(format!("unsupported message digest algorithm `{other}`")))
        }
    };
    let (algorithm, digest) = match artifact {
        Artifact::Blob(data) => (hinted, hash_of(hinted, data)),
        Artifact::Streamed(blob) => (hinted, blob.digest(hinted).to_vec()),
        Artifact::Digest { algorithm, bytes } => (*algorithm, bytes.to_vec()),
        Artifact::ImageDigest(image) => {
            let hex_digest = super::image_digest_hex(image)?;
            let bytes = hex::decode(hex_digest)
                .map_err(|_| Check::Subject.fail(format!("malformed image digest `{image}`")))?;
            (HashAlgorithm::Sha256, bytes)
        }
    };
    if let Some(hint) = hint.filter(|h| !h.digest.is_empty()) {
        if algorithm != hinted || hint.digest != digest {
            return Err(Check::MessageDigest.fail(format!(
                "the bundle's message digest {}:{} is not the artifact's {}:{}",
                algorithm_name(hinted),
                hex::encode(&hint.digest),
                algorithm_name(algorithm),
                hex::encode(&digest)
            )));
        }
    }
    Check::MessageDigest.passed();
    Ok(Some((algorithm, digest)))
}

/// 4. Each transparency-log entry is proven in a trusted log and records
///    this signature, certificate or key and artifact; then the
///    [`TlogPolicy`] decides whether their number is enough.
fn transparency_log(
    verifier: &Verifier,
    vm: &VerificationMaterial,
    version: BundleVersion,
    content: &Content<'_>,
    digest: Option<&(HashAlgorithm, Vec<u8>)>,
    material: &Material<'_>,
) -> Result<Vec<VerifiedEntry>> {
    if verifier.tlog == TlogPolicy::Skip {
        tracing::debug!(
            "{}: not checked ({} entries; key verification does not use the log)",
            Check::LogEntry,
            vm.tlog_entries.len()
        );
        return Ok(Vec::new());
    }
    let key_der;
    let entry_verifier = match material {
        Material::Certificate { leaf, .. } => EntryVerifier::Certificate(leaf),
        Material::Key(key) => {
            key_der = key
                .to_spki_der()
                .map_err(|e| Check::VerificationMaterial.fail(e.to_string()))?;
            EntryVerifier::PublicKey(&key_der)
        }
    };
    let signed = match (content, digest) {
        (Content::Message { signature, .. }, Some((digest_algorithm, digest))) => {
            SignedContent::MessageSignature {
                signature,
                digest_algorithm: *digest_algorithm,
                digest,
            }
        }
        (Content::Dsse(envelope), _) => SignedContent::Dsse(envelope),
        (Content::Message { .. }, None) => {
            return Err(Check::MessageDigest.fail("no artifact digest"))
        }
    };
    let mut entries = Vec::new();
    if !vm.tlog_entries.is_empty() {
        let root = verifier.root()?;
        for entry in &vm.tlog_entries {
            let verified = verify_tlog_entry(entry, root, version)?;
            check_entry_matches(entry, signed, entry_verifier)?;
            tracing::debug!(
                "{}: ok (log index {} in {})",
                Check::LogEntry,
                verified.log_index,
                verified.log_url
            );
            entries.push(verified);
        }
    }
    verifier.tlog.check_entries(entries.len())?;
    Ok(entries)
}

/// 5. Each RFC 3161 timestamp's imprint is the signature's hash and a
///    trusted TSA signed it (not read when the log is skipped: key
///    verification has no use for a time).
fn timestamps(
    verifier: &Verifier,
    vm: &VerificationMaterial,
    content: &Content<'_>,
) -> Result<Vec<i64>> {
    if verifier.tlog == TlogPolicy::Skip {
        return Ok(Vec::new());
    }
    let data = vm.timestamp_verification_data.as_ref();
    if data.is_none_or(|d| d.rfc3161_timestamps.is_empty()) {
        return Ok(Vec::new());
    }
    let times = verify_timestamps(data, content.signature()?, verifier.root()?)?;
    Check::Timestamp.passed();
    Ok(times)
}

/// 6. The verified times: integrated times of verified SETs and genTimes
///    of verified timestamps, sorted. A log without a SET (Rekor v2) must
///    have had a valid key at the timestamp times.
fn signing_times(entries: &[VerifiedEntry], timestamps: &[i64]) -> Result<Vec<i64>> {
    let mut times: Vec<i64> = entries
        .iter()
        .filter_map(|e| e.integrated_time)
        .chain(timestamps.iter().copied())
        .collect();
    times.sort_unstable();
    times.dedup();
    for entry in entries.iter().filter(|e| e.integrated_time.is_none()) {
        if let Some(t) = timestamps
            .iter()
            .find(|t| !entry.log_valid_for.contains(**t))
        {
            return Err(Check::SigningTime.fail(format!(
                "timestamp {t} is outside the validity of the key of log {} \
                 that holds entry {}",
                entry.log_url, entry.log_index
            )));
        }
    }
    Ok(times)
}

/// 7. For a certificate: at least one verified time, every one inside the
///    leaf's validity; the chain to a trusted Fulcio CA at every verified
///    time; the embedded SCTs; the identity policy. Returns the key that
///    signed and who it belongs to.
fn certificate(
    verifier: &Verifier,
    material: Material<'_>,
    times: &[i64],
) -> Result<(PublicKey, Option<SignerIdentity>)> {
    let (leaf, rest) = match material {
        Material::Key(key) => return Ok((key.clone(), None)),
        Material::Certificate { leaf, rest } => (leaf, rest),
    };
    let Policy::Identity(policy) = &verifier.policy else {
        return Err(Check::VerificationMaterial.fail("policy is not an identity"));
    };
    let cert = match verifier.ca {
        Some(ca) => super::ca::verify_certificate(verifier, ca, leaf, &rest, policy, times)?,
        None => verify_certificate(
            leaf,
            &rest,
            verifier.root()?,
            policy,
            times,
            verifier.ignore_sct,
        )?,
    };
    let identity = SignerIdentity {
        sans: cert
            .leaf
            .sans
            .iter()
            .map(|s| s.value().to_owned())
            .collect(),
        issuer: cert.leaf.oidc_issuer().map(str::to_owned),
    };
    Ok((cert.public_key, Some(identity)))
}

fn verify_certificate(
    leaf: &[u8],
    rest: &[Vec<u8>],
    root: &TrustedRoot,
    policy: &IdentityPolicy,
    times: &[i64],
    ignore_sct: bool,
) -> Result<x509::VerifiedCert> {
    let Some(&first) = times.first() else {
        return Err(Check::SigningTime.fail(
            "no verified signing time: the bundle has neither a signed entry timestamp \
             nor an RFC 3161 timestamp",
        ));
    };
    // Parse problems (an empty or malformed leaf) are the chain check's.
    if let Ok(parsed) = &x509::parse_leaf(leaf) {
        if let Some(t) = times
            .iter()
            .find(|t| **t < parsed.not_before || **t > parsed.not_after)
        {
            return Err(Check::SigningTime.fail(format!(
                "verified time {t} is outside the signing certificate's validity [{}, {}]",
                parsed.not_before, parsed.not_after
            )));
        }
    }
    Check::SigningTime.passed();
    let mut verified = x509::verify_chain(leaf, rest, root, first)?;
    for t in times.iter().skip(1) {
        verified = x509::verify_chain(leaf, rest, root, *t)?;
    }
    Check::CertificateChain.passed();
    if ignore_sct {
        tracing::debug!("{}: not checked (--insecure-ignore-sct)", Check::Sct);
    } else {
        sct::verify_embedded_scts(&verified, root)?;
        Check::Sct.passed();
    }
    identity::check(policy, &verified.leaf)?;
    Check::Identity.passed();
    Ok(verified)
}

/// 8. The message signature over the artifact, or the DSSE signature over
///    PAE (with the payload type and statement checks).
fn signature(
    content: &Content<'_>,
    key: &PublicKey,
    artifact: &Artifact<'_>,
    digest: Option<(HashAlgorithm, Vec<u8>)>,
) -> Result<Option<Statement>> {
    match content {
        Content::Message { signature, .. } => {
            verify_message_signature(key, artifact, signature, digest)?;
            Check::Signature.passed();
            Ok(None)
        }
        Content::Dsse(envelope) => envelope::verify_signature(envelope, key).map(Some),
    }
}

fn hash_of(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    }
}

fn verify_message_signature(
    key: &PublicKey,
    artifact: &Artifact<'_>,
    signature: &[u8],
    digest: Option<(HashAlgorithm, Vec<u8>)>,
) -> Result<()> {
    match artifact {
        Artifact::Blob(data) => key
            .verify(data, signature)
            .map_err(|e| Check::Signature.fail(format!("blob: {}", super::reason(e)))),
        Artifact::Streamed(blob) => blob
            .verify_signature(key, signature)
            .map_err(|e| Check::Signature.fail(format!("blob: {}", super::reason(e)))),
        Artifact::Digest { .. } | Artifact::ImageDigest(_) => {
            let Some((algorithm, digest)) = digest else {
                return Err(Check::Signature.fail("no artifact digest"));
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
    let mismatch = || Check::Signature.fail("message signature does not match the digest");
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
        _ => Err(Check::Signature.fail(format!(
            "a {} message signature over a {} digest can only be checked with the artifact itself",
            key.algorithm(),
            algorithm_name(algorithm)
        ))),
    }
}
