//! Verifying what is stored for an image: every candidate found by
//! [`Discovery`] (bundle referrers, `.att` layers, `.sig` layers) is
//! checked on its own through the one pipeline; an unreadable or malformed
//! one is a failed candidate with its reason, never an abort. The image
//! passes iff at least one candidate passes every check.
//!
//! Which passing attestation to use ([`Outcome::selection`]) never depends
//! on unsigned data (such as the `org.opencontainers.image.created`
//! annotation): the one with the newest verified signing time
//! ([`super::VerifiedBundle::signed_at`]: transparency-log integration time or RFC
//! 3161 time, keyless only); without a verified time (key verification),
//! every passing attestation, each distinct statement once, in a fixed
//! order: bundle referrers by manifest digest, then `.att` layers by
//! position.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use sbomctl_oci::ImageStore;

use super::{Artifact, Check, Expect, Policy, SignerIdentity, Verified, Verifier};
use crate::attach::{Content, Discovery, Found, Origin, Wanted};
use crate::dsse::Envelope;
use crate::intoto;
use crate::key::PublicKey;
use crate::simplesign::{self, SimpleSigning};
use crate::verify::keyless::legacy;
use crate::{Error, Result};

/// An attestation that passed every check.
#[derive(Debug, Clone)]
pub struct Passed {
    /// Where it was found.
    pub origin: Origin,
    /// What it attests.
    pub verified: Verified,
    /// Its DSSE envelope (JSON): the layer's bytes, or the bundle's
    /// envelope.
    pub envelope: Vec<u8>,
    /// Who signed it (keyless).
    pub identity: Option<SignerIdentity>,
    /// Its verified signing time (keyless), seconds since the epoch.
    pub signed_at: Option<i64>,
}

/// A candidate that failed, with the error naming the check.
#[derive(Debug)]
pub struct Failed {
    /// Where it was found.
    pub origin: Origin,
    /// Why it failed.
    pub error: Error,
}

impl Failed {
    /// `origin: check: reason`.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.error {
            Error::Verification { check, message } => {
                format!("{}: {check}: {message}", self.origin)
            }
            other => format!("{}: {other}", self.origin),
        }
    }
}

/// Every candidate's verdict.
#[derive(Debug)]
pub struct Outcome<T> {
    /// The candidates that passed.
    pub passed: Vec<T>,
    /// The ones that failed.
    pub failed: Vec<Failed>,
    /// Candidates listed but not fetched: the bound was reached.
    pub not_checked: usize,
    /// The bound on fetched candidates.
    pub limit: usize,
}

/// Which passing attestations to use.
#[derive(Debug)]
pub enum Selection<'a> {
    /// The one with the newest verified signing time.
    Newest(&'a Passed),
    /// No verified time to choose by: every distinct one, in order.
    All(Vec<&'a Passed>),
}

impl<T> Outcome<T> {
    /// How many candidates were checked.
    #[must_use]
    pub fn checked(&self) -> usize {
        self.passed.len() + self.failed.len()
    }

    /// Why nothing passed: the candidate limit when it was reached, then
    /// each failed candidate (the first ten, and how many more), on one
    /// line.
    #[must_use]
    pub fn failure_summary(&self) -> String {
        const SHOWN: usize = 10;
        let mut parts = Vec::new();
        if self.not_checked > 0 {
            parts.push(format!(
                "the candidate limit of {} was reached; {} more not checked",
                self.limit, self.not_checked
            ));
        }
        parts.extend(self.failed.iter().take(SHOWN).map(Failed::describe));
        if self.failed.len() > SHOWN {
            parts.push(format!(
                "and {} more failed candidate(s)",
                self.failed.len() - SHOWN
            ));
        }
        parts.join("; ")
    }
}

impl Outcome<Passed> {
    /// The attestations to use: the newest by verified signing time, or,
    /// when no candidate has one, every passing one (each distinct
    /// statement once: `attest --attach-mode both` stores one twice) in
    /// order, referrers by manifest digest, then `.att` layers by position.
    /// `None` when nothing passed.
    #[must_use]
    pub fn selection(&self) -> Option<Selection<'_>> {
        let mut ordered: Vec<&Passed> = self.passed.iter().collect();
        ordered.sort_by_key(|p| (Reverse(p.signed_at), origin_key(&p.origin)));
        let first = *ordered.first()?;
        if first.signed_at.is_some() {
            return Some(Selection::Newest(first));
        }
        let mut seen = std::collections::BTreeSet::new();
        ordered.retain(|p| seen.insert(p.verified.payload.as_slice()));
        Some(Selection::All(ordered))
    }
}

/// The fixed order of origins: referrers by manifest digest, then layers
/// by position.
fn origin_key(origin: &Origin) -> (u8, &str, usize) {
    match origin {
        Origin::Referrers { image } => (0, image, 0),
        Origin::Referrer { manifest } => (1, manifest, 0),
        Origin::Tag { tag } => (2, tag, 0),
        Origin::LegacyLayer { tag, index, .. } => (3, tag, *index),
    }
}

/// Checks every attestation stored for `image_digest` (see
/// [`Discovery`]) with `verifier`, requiring the predicate type
/// `predicate_type` (cosign alias or URI).
///
/// # Errors
/// [`Error::Malformed`] for a malformed image digest; everything about a
/// candidate is in the outcome.
pub fn verify_attestations(
    store: &dyn ImageStore,
    image_digest: &str,
    verifier: &Verifier<'_>,
    predicate_type: &str,
) -> Result<Outcome<Passed>> {
    verify_attestations_with_certificate(store, image_digest, verifier, predicate_type, None)
}

/// [`verify_attestations`] with a certificate given on the command line
/// (`verify-attestation --certificate`): it stands for the `.att` layers'
/// certificate annotation, and a bundle's certificate must be it.
///
/// # Errors
/// [`Error::Malformed`] for a malformed image digest.
pub fn verify_attestations_with_certificate(
    store: &dyn ImageStore,
    image_digest: &str,
    verifier: &Verifier<'_>,
    predicate_type: &str,
    certificate: Option<&GivenCertificate>,
) -> Result<Outcome<Passed>> {
    let discovery = Discovery::new(store, image_digest, Wanted::Attestations)?;
    Ok(check_each(discovery, |found| {
        verify_attestation(found, verifier, image_digest, predicate_type, certificate)
    }))
}

/// Runs `check` on every candidate `discovery` yields, each on its own
/// (logged in a span naming its origin), and sorts them into passed and
/// failed.
fn check_each<T>(
    mut discovery: Discovery<'_>,
    mut check: impl FnMut(&Found) -> Result<T>,
) -> Outcome<T> {
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for found in discovery.by_ref() {
        let span = tracing::info_span!("candidate", origin = %found.origin);
        let _entered = span.enter();
        match check(&found) {
            Ok(p) => {
                tracing::info!("passed");
                passed.push(p);
            }
            Err(error) => {
                tracing::info!("failed: {error}");
                failed.push(Failed {
                    origin: found.origin,
                    error,
                });
            }
        }
    }
    Outcome {
        passed,
        failed,
        not_checked: discovery.not_checked(),
        limit: discovery.limit(),
    }
}

/// One attestation candidate through the pipeline: a bundle as it is, a
/// `.att` layer assembled into the equivalent bundle (key-signed:
/// `publicKey` material; keyless: from its annotations).
fn verify_attestation(
    found: &Found,
    verifier: &Verifier<'_>,
    image_digest: &str,
    predicate_type: &str,
    certificate: Option<&GivenCertificate>,
) -> Result<Passed> {
    let artifact = Artifact::ImageDigest(image_digest.to_owned());
    let expect = Expect::Attestation {
        predicate_type: Some(predicate_type),
    };
    let (verified, envelope) = match &found.content {
        Content::Bundle(json) => {
            if let Some(given) = certificate {
                check_given_certificate(json, given)?;
            }
            let verified = verifier.verify_bundle(json, &artifact, expect)?;
            let envelope = found.envelope_json().unwrap_or_default();
            (verified, envelope)
        }
        Content::Envelope(json) => {
            let verified = match verifier.policy() {
                Policy::Identity(_) => {
                    let mut annotations = found.keyless_annotations();
                    if let Some(given) = certificate {
                        given.replace_annotations(&mut annotations);
                    }
                    verifier.verify_legacy(json, &annotations, image_digest, Some(predicate_type))
                }
                Policy::Key(_) => {
                    let envelope = Envelope::from_json(json)
                        .map_err(|e| Check::Envelope.fail(e.to_string()))?;
                    verifier
                        .verify_key_envelope(envelope, &artifact, expect)
                        .map_err(|e| explain_keyless_layer(found, e))
                }
            }?;
            (verified, json.clone())
        }
        Content::SimpleSigning(_) => {
            return Err(Check::Envelope.fail("a simple-signing payload is not an attestation"))
        }
        Content::Rejected { check, message } => return Err(check.fail(message.clone())),
    };
    let identity = verified.identity.clone();
    let signed_at = verified.signed_at();
    if let Some(id) = &identity {
        tracing::info!(
            "signed by {} (issuer {})",
            id.sans.join(", "),
            id.issuer.as_deref().unwrap_or("none")
        );
    }
    Ok(Passed {
        origin: found.origin.clone(),
        verified: Verified::from_bundle(verified)?,
        envelope,
        identity,
        signed_at,
    })
}

/// cosign checks a keyless layer with `--key` too (and it passes if that
/// key signed it), so only a failure is explained.
fn explain_keyless_layer(found: &Found, error: Error) -> Error {
    match error {
        Error::Verification {
            check: Check::Signature,
            message,
        } if found.is_keyless() => Check::Signature.fail(format!(
            "{message} (the layer carries a signing certificate: it was signed keyless; \
             verify it with --certificate-identity and --certificate-oidc-issuer)"
        )),
        other => other,
    }
}

/// An image signature that passed: a `.sig` layer, or a cosign 3 bundle
/// referrer (`sign --new-bundle-format`).
#[derive(Debug, Clone)]
pub struct PassedSignature {
    /// Where it was found.
    pub origin: Origin,
    /// The exact payload bytes (the simple-signing payload, or the in-toto
    /// statement of a bundle).
    pub payload: Vec<u8>,
    /// The payload as cosign's `verify` prints it: the simple-signing
    /// payload, or, for a bundle, the simple-signing form cosign 3 makes of
    /// its statement (`critical.type` is the predicate type, `optional` the
    /// subject's annotations).
    pub signed: SimpleSigning,
    /// Who signed it (keyless).
    pub identity: Option<SignerIdentity>,
    /// Its verified signing time (keyless), seconds since the epoch.
    pub signed_at: Option<i64>,
}

/// A certificate given on the command line (`verify --certificate
/// [--certificate-chain]`), PEM: it stands for the `.sig` layers'
/// certificate annotations, and a bundle's certificate must be it.
#[derive(Debug, Clone, Default)]
pub struct GivenCertificate {
    /// The leaf, PEM.
    pub certificate: String,
    /// The rest of the chain, PEM (may be empty).
    pub chain: Option<String>,
}

/// Checks every `.sig` layer stored for `image_digest` with `key`
/// (`signature`, `payload`, `image digest`; see [`simplesign::verify`]).
///
/// # Errors
/// [`Error::Malformed`] for a malformed image digest.
pub fn verify_signatures(
    store: &dyn ImageStore,
    image_digest: &str,
    key: &PublicKey,
) -> Result<Outcome<PassedSignature>> {
    verify_signatures_with_annotations(store, image_digest, key, &BTreeMap::new())
}

/// [`verify_signatures`], also requiring each of `annotations` in every
/// passing payload's `optional` section ([`simplesign::check_annotations`],
/// cosign's `verify -a KEY=VALUE`).
///
/// # Errors
/// [`Error::Malformed`] for a malformed image digest.
pub fn verify_signatures_with_annotations(
    store: &dyn ImageStore,
    image_digest: &str,
    key: &PublicKey,
    annotations: &BTreeMap<String, String>,
) -> Result<Outcome<PassedSignature>> {
    verify_image_signatures(
        store,
        image_digest,
        "",
        &Verifier::key(key.clone()),
        annotations,
        None,
    )
}

/// Checks every image signature stored for `image_digest` with `verifier`
/// (a key, or keyless: an identity and a trusted root), each on its own:
///
/// - `.sig` layers: with a key, [`simplesign::verify`]; keyless, the layer's
///   annotations through the bundle pipeline
///   ([`Verifier::verify_legacy_signature`]), then the payload's image
///   digest ([`simplesign::check_claims`]);
/// - bundle referrers of predicate type [`intoto::PREDICATE_COSIGN_SIGN`]
///   (cosign 3's `sign --new-bundle-format`): the bundle pipeline for an
///   attestation of that type whose subject is the image.
///
/// Then every one of `annotations` must be in the payload's `optional`
/// section (a bundle's subject annotations). `reference` is the image name
/// cosign 3 prints as a bundle signature's `docker-reference`.
///
/// # Errors
/// [`Error::Malformed`] for a malformed image digest.
pub fn verify_image_signatures(
    store: &dyn ImageStore,
    image_digest: &str,
    reference: &str,
    verifier: &Verifier<'_>,
    annotations: &BTreeMap<String, String>,
    certificate: Option<&GivenCertificate>,
) -> Result<Outcome<PassedSignature>> {
    let discovery = Discovery::new(store, image_digest, Wanted::Signatures)?;
    Ok(check_each(discovery, |found| {
        let mut passed = verify_signature(found, verifier, image_digest, reference, certificate)?;
        simplesign::check_annotations(&passed.signed, annotations)?;
        if let (Content::SimpleSigning(_), Some(identity)) = (&found.content, &passed.identity) {
            add_keyless_output(&mut passed.signed, identity, &found.annotations);
        }
        Ok(passed)
    }))
}

/// What cosign's `verify` adds to a keyless `.sig` signature's `optional`
/// section in its JSON output (`PrintVerification`): `Subject` (the first
/// SAN), `Issuer` and `1.3.6.1.4.1.57264.1.1` (the OIDC issuer), `Bundle`
/// (the Rekor bundle annotation) and `RFC3161Timestamp`.
fn add_keyless_output(
    signed: &mut SimpleSigning,
    identity: &SignerIdentity,
    annotations: &BTreeMap<String, String>,
) {
    use serde_json::Value;
    let optional = signed.optional.get_or_insert_with(serde_json::Map::new);
    optional.insert(
        "Subject".to_owned(),
        Value::String(identity.sans.first().cloned().unwrap_or_default()),
    );
    if let Some(issuer) = &identity.issuer {
        optional.insert("Issuer".to_owned(), Value::String(issuer.clone()));
        optional.insert(
            "1.3.6.1.4.1.57264.1.1".to_owned(),
            Value::String(issuer.clone()),
        );
    }
    for (annotation, key) in [
        (legacy::annotation::BUNDLE, "Bundle"),
        (legacy::annotation::RFC3161_TIMESTAMP, "RFC3161Timestamp"),
    ] {
        if let Some(value) = annotations
            .get(annotation)
            .and_then(|json| serde_json::from_str::<Value>(json).ok())
        {
            optional.insert(key.to_owned(), value);
        }
    }
}

fn verify_signature(
    found: &Found,
    verifier: &Verifier<'_>,
    image_digest: &str,
    reference: &str,
    certificate: Option<&GivenCertificate>,
) -> Result<PassedSignature> {
    match &found.content {
        Content::SimpleSigning(payload) => {
            let (signed, verified) = match verifier.policy() {
                Policy::Key(key) => {
                    let signature = found
                        .annotations
                        .get(crate::attach::annotation::SIGNATURE)
                        .map_or("", String::as_str);
                    let signed = simplesign::verify(payload, signature, key, image_digest)
                        .map_err(|e| explain_keyless_layer(found, e))?;
                    (signed, None)
                }
                Policy::Identity(_) => {
                    let mut annotations = found.annotations.clone();
                    if let Some(given) = certificate {
                        given.replace_annotations(&mut annotations);
                    }
                    let verified = verifier.verify_legacy_signature(payload, &annotations)?;
                    let signed = simplesign::check_claims(payload, image_digest)?;
                    (signed, Some(verified))
                }
            };
            Ok(PassedSignature {
                origin: found.origin.clone(),
                payload: payload.clone(),
                signed,
                identity: verified.as_ref().and_then(|v| v.identity.clone()),
                signed_at: verified.as_ref().and_then(super::VerifiedBundle::signed_at),
            })
        }
        Content::Bundle(json) => {
            if let Some(given) = certificate {
                check_given_certificate(json, given)?;
            }
            let verified = verifier.verify_bundle(
                json,
                &Artifact::ImageDigest(image_digest.to_owned()),
                Expect::Attestation {
                    predicate_type: Some(intoto::PREDICATE_COSIGN_SIGN),
                },
            )?;
            let identity = verified.identity.clone();
            let signed_at = verified.signed_at();
            let verified = Verified::from_bundle(verified)?;
            Ok(PassedSignature {
                origin: found.origin.clone(),
                signed: bundle_claims(&verified, image_digest, reference),
                payload: verified.payload,
                identity,
                signed_at,
            })
        }
        Content::Rejected { check, message } => Err(check.fail(message.clone())),
        Content::Envelope(_) => Err(Check::Payload.fail("not a simple-signing payload")),
    }
}

/// What cosign 3 prints for a verified bundle signature: the statement as
/// a simple-signing payload (`transformOutput` in cosign's verify.go).
fn bundle_claims(verified: &Verified, image_digest: &str, reference: &str) -> SimpleSigning {
    let subject = verified.statement.subject.first();
    let optional = subject
        .and_then(|s| s.extra.get("annotations"))
        .and_then(serde_json::Value::as_object)
        .cloned();
    let digest = subject
        .and_then(|s| s.digest.iter().next())
        .map_or_else(|| image_digest.to_owned(), |(a, h)| format!("{a}:{h}"));
    SimpleSigning {
        critical: simplesign::Critical {
            identity: simplesign::Identity {
                docker_reference: reference.to_owned(),
            },
            image: simplesign::Image {
                docker_manifest_digest: digest,
            },
            type_: verified.predicate_type.clone(),
        },
        optional,
    }
}

impl GivenCertificate {
    /// Puts the given certificate (and chain, or none) in place of a
    /// layer's certificate and chain annotations.
    pub fn replace_annotations(&self, annotations: &mut BTreeMap<String, String>) {
        annotations.insert(
            legacy::annotation::CERTIFICATE.to_owned(),
            self.certificate.clone(),
        );
        annotations.insert(
            legacy::annotation::CHAIN.to_owned(),
            self.chain.clone().unwrap_or_default(),
        );
    }
}

/// With `--certificate`, a bundle must carry that certificate (its
/// `certificate`, or the first of its `x509CertificateChain`).
///
/// # Errors
/// [`Check::VerificationMaterial`] when it carries another or none,
/// [`Check::Bundle`] when the JSON is not a bundle.
pub fn check_given_certificate(bundle_json: &[u8], given: &GivenCertificate) -> Result<()> {
    let given_der = crate::pem::decode_first(&given.certificate)
        .map_err(|e| Check::VerificationMaterial.fail(format!("--certificate: {e}")))?
        .der
        .to_vec();
    let bundle =
        crate::Bundle::from_json(bundle_json).map_err(|e| Check::Bundle.fail(e.to_string()))?;
    let material = bundle.verification_material.as_ref();
    let leaf = material
        .and_then(|m| m.certificate.as_ref().map(|c| c.raw_bytes.clone()))
        .or_else(|| {
            material
                .and_then(|m| m.x509_certificate_chain.as_ref())
                .and_then(|c| c.certificates.first())
                .map(|c| c.raw_bytes.clone())
        });
    if leaf.as_deref() != Some(given_der.as_slice()) {
        return Err(Check::VerificationMaterial
            .fail("the bundle's certificate is not the one given with --certificate"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::intoto::{self, Statement, StatementVersion, Subject};

    const IMAGE: &str = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

    fn passed(origin: Origin, signed_at: Option<i64>, payload: &[u8]) -> Passed {
        let statement = Statement::new(
            StatementVersion::V1,
            vec![Subject::sha256("x", IMAGE)],
            "custom",
            serde_json::json!({}),
        );
        Passed {
            origin,
            verified: Verified::new(statement, payload.to_vec()),
            envelope: Vec::new(),
            identity: None,
            signed_at,
        }
    }

    fn referrer(d: char) -> Origin {
        Origin::Referrer {
            manifest: format!("sha256:{}", d.to_string().repeat(64)),
        }
    }

    fn layer(index: usize) -> Origin {
        Origin::LegacyLayer {
            tag: "sha256-x.att".to_owned(),
            index,
            digest: IMAGE.to_owned(),
        }
    }

    fn outcome(passed: Vec<Passed>) -> Outcome<Passed> {
        Outcome {
            passed,
            failed: Vec::new(),
            not_checked: 0,
            limit: 100,
        }
    }

    #[test]
    fn the_newest_verified_time_wins_whatever_the_storage_order() {
        let o = outcome(vec![
            passed(referrer('a'), Some(100), b"old"),
            passed(layer(0), Some(300), b"new"),
            passed(referrer('b'), Some(200), b"mid"),
        ]);
        match o.selection().unwrap() {
            Selection::Newest(p) => assert_eq!(p.verified.payload, b"new"),
            Selection::All(_) => panic!("verified times exist"),
        }
    }

    #[test]
    fn without_verified_times_all_are_used_in_origin_order_once_each() {
        let o = outcome(vec![
            passed(layer(1), None, b"three"),
            passed(referrer('b'), None, b"two"),
            passed(layer(0), None, b"two"),
            passed(referrer('a'), None, b"one"),
        ]);
        let Some(Selection::All(all)) = o.selection() else {
            panic!("no verified times");
        };
        let payloads: Vec<&[u8]> = all.iter().map(|p| p.verified.payload.as_slice()).collect();
        assert_eq!(payloads, [&b"one"[..], b"two", b"three"]);
        assert!(outcome(Vec::new()).selection().is_none());
    }

    #[test]
    fn failed_keyless_att_layer_says_it_is_keyless() {
        let signer = crate::key::PrivateKey::generate_p256().unwrap();
        let other = crate::key::PrivateKey::generate_p256()
            .unwrap()
            .public_key();
        let statement = Statement::new(
            StatementVersion::V1,
            vec![Subject::sha256("x", IMAGE)],
            "custom",
            serde_json::json!({}),
        );
        let envelope =
            crate::dsse::sign(intoto::PAYLOAD_TYPE, &statement.to_json(), &signer).unwrap();
        let mut found = Found {
            origin: layer(0),
            content: Content::Envelope(envelope.to_json()),
            annotated_predicate_type: None,
            annotations: BTreeMap::from([(
                crate::attach::annotation::CERTIFICATE.to_owned(),
                "-----BEGIN CERTIFICATE-----".to_owned(),
            )]),
        };
        let verifier = Verifier::key(other);
        let message = verify_attestation(&found, &verifier, IMAGE, "custom", None)
            .unwrap_err()
            .to_string();
        assert!(message.contains("signature"), "{message}");
        assert!(message.contains("signed keyless"), "{message}");
        found.annotations.clear();
        let message = verify_attestation(&found, &verifier, IMAGE, "custom", None)
            .unwrap_err()
            .to_string();
        assert!(!message.contains("keyless"), "{message}");
        let good = Verifier::key(signer.public_key());
        verify_attestation(&found, &good, IMAGE, "custom", None).unwrap();
    }
}
