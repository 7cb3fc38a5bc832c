//! Keyless verification of cosign's legacy `.att` layers (what cosign 2, or
//! cosign 3 with `--new-bundle-format=false`, pushes to the
//! `sha256-<hex>.att` tag).
//!
//! The layer is a bare DSSE envelope; the verification material sits in the
//! layer's annotations: the Fulcio leaf (`dev.sigstore.cosign/certificate`,
//! PEM), the rest of the chain (`dev.sigstore.cosign/chain`, PEM, often
//! empty) and the Rekor v1 entry (`dev.sigstore.cosign/bundle`:
//! `{"SignedEntryTimestamp", "Payload": {"body", "integratedTime",
//! "logIndex", "logID"}}`). There is no inclusion proof: like a v0.1 bundle,
//! the signed entry timestamp (SET) is the log's promise and gives the
//! verified signing time.
//!
//! [`assemble`] checks the envelope and the annotations and builds the
//! equivalent v0.1 bundle; [`Verifier::verify_legacy`] runs the one bundle
//! pipeline ([`crate::verify`]) on it, so both paths share one
//! implementation of the SET, entry consistency, time, chain, SCT, identity,
//! signature, subject and predicate-type checks, and of the log policy.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;

use super::identity::IdentityPolicy;
use super::timestamp::verify_timestamps;
use super::trust_root::TrustedRoot;
use crate::bundle::{
    Bundle, HashOutput, InclusionPromise, KindVersion, LogId, MessageSignature,
    Rfc3161SignedTimestamp, TimestampVerificationData, TransparencyLogEntry, VerificationMaterial,
    X509Certificate, X509CertificateChain, MEDIA_TYPE_V0_1, SHA2_256,
};
use crate::dsse::Envelope;
use crate::verify::{envelope, Artifact, Check, Expect, TlogPolicy, VerifiedBundle, Verifier};
use crate::Result;

/// Layer annotation keys of a keyless `.att` (or `.sig`) layer.
pub mod annotation {
    /// The Fulcio signing certificate (PEM).
    pub const CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
    /// The certificates between the leaf and the root (PEM, may be empty).
    pub const CHAIN: &str = "dev.sigstore.cosign/chain";
    /// The Rekor entry with its signed entry timestamp (JSON).
    pub const BUNDLE: &str = "dev.sigstore.cosign/bundle";
    /// The RFC 3161 timestamp of the signature (JSON,
    /// `{"SignedRFC3161Timestamp": base64 DER}`).
    pub const RFC3161_TIMESTAMP: &str = "dev.sigstore.cosign/rfc3161timestamp";
}

/// cosign's `dev.sigstore.cosign/rfc3161timestamp` annotation
/// (`bundle.RFC3161Timestamp`).
#[derive(Debug, Deserialize)]
struct Rfc3161Annotation {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed_rfc3161_timestamp: String,
}

/// cosign's `dev.sigstore.cosign/bundle` annotation (`bundle.RekorBundle`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RekorBundle {
    signed_entry_timestamp: String,
    payload: RekorPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RekorPayload {
    body: String,
    integrated_time: i64,
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

/// Verifies a keyless legacy `.att` layer with the default policy (a log
/// entry required): `envelope_json` is the layer's bytes, `annotations` its
/// annotations, `image_digest` the attested image's manifest digest
/// (`sha256:<hex>`). See [`assemble`] and [`Verifier::verify_legacy`].
///
/// # Errors
/// [`crate::Error::Verification`] naming the failed check.
pub fn verify_legacy_attestation(
    envelope_json: &[u8],
    annotations: &BTreeMap<String, String>,
    root: &TrustedRoot,
    policy: &IdentityPolicy,
    image_digest: &str,
    predicate_type: Option<&str>,
) -> Result<VerifiedBundle> {
    Verifier::keyless(policy.clone(), root, false).verify_legacy(
        envelope_json,
        annotations,
        image_digest,
        predicate_type,
    )
}

impl Verifier<'_> {
    /// Verifies a keyless legacy `.att` layer: the layer and its
    /// annotations are [`assemble`]d into the equivalent v0.1 bundle, which
    /// goes through every step of the bundle pipeline ([`crate::verify`]):
    /// `SET` (by the Rekor key of `logID`, over the JCS of body,
    /// integratedTime, logID, logIndex), `log entry` (the body records this
    /// payload, signature and certificate; one is required unless the
    /// verifier's [`crate::verify::TlogPolicy`] says otherwise),
    /// `signing time` (integratedTime inside the leaf's validity),
    /// `certificate chain` at that time, `sct`, `identity`, `signature`
    /// (over the DSSE PAE, by the leaf key), `statement`, `subject` (a
    /// subject has the image digest) and `predicate type` when requested.
    ///
    /// The `dev.sigstore.cosign/rfc3161timestamp` annotation, when present,
    /// is checked (`timestamp`) over the layer's bytes, the envelope JSON,
    /// as cosign 2 timestamps and verifies an `.att` layer, or else over
    /// the DSSE signature (what cosign 3 copies there); its genTime is a
    /// verified signing time, so a layer without a Rekor entry verifies
    /// when the log policy allows it (`--insecure-ignore-tlog`).
    ///
    /// # Errors
    /// [`crate::Error::Verification`] naming the failed check.
    pub fn verify_legacy(
        &self,
        envelope_json: &[u8],
        annotations: &BTreeMap<String, String>,
        image_digest: &str,
        predicate_type: Option<&str>,
    ) -> Result<VerifiedBundle> {
        let bundle = assemble(envelope_json, annotations)?;
        let times = match rfc3161_timestamp(annotations)? {
            Some(data) if self.tlog != TlogPolicy::Skip => {
                let root = self.root()?;
                // cosign 2 timestamps the envelope JSON; cosign 3 copies
                // its bundle's timestamp, over the DSSE signature, into the
                // annotation. Either binds the signature.
                let times = verify_timestamps(Some(&data), envelope_json, root).or_else(|e| {
                    bundle
                        .dsse_envelope
                        .as_ref()
                        .and_then(|env| env.signatures.first())
                        .map_or(Err(e), |sig| verify_timestamps(Some(&data), &sig.sig, root))
                });
                let times = times?;
                Check::Timestamp.passed();
                times
            }
            _ => Vec::new(),
        };
        crate::verify::bundle::verify_with_times(
            self,
            &bundle,
            &Artifact::ImageDigest(image_digest.to_owned()),
            Expect::Attestation { predicate_type },
            &times,
        )
    }
}

impl Verifier<'_> {
    /// Verifies a keyless `.sig` layer (cosign 2's keyless image
    /// signature): the payload and its annotations are
    /// [`assemble_signature`]d into the equivalent v0.1 bundle with a
    /// message signature over the payload, which goes through every step of
    /// the bundle pipeline: `message digest`, `SET` and `log entry` (a
    /// `hashedrekord` 0.0.1 entry recording this signature, payload digest
    /// and certificate; required unless the [`crate::verify::TlogPolicy`]
    /// says otherwise), `timestamp`, `signing time`, `certificate chain`,
    /// `sct`, `identity` and `signature` (by the leaf key over the exact
    /// payload). The payload's claims (image digest, annotations) are the
    /// caller's to check.
    ///
    /// # Errors
    /// [`crate::Error::Verification`] naming the failed check.
    pub fn verify_legacy_signature(
        &self,
        payload: &[u8],
        annotations: &BTreeMap<String, String>,
    ) -> Result<VerifiedBundle> {
        let bundle = assemble_signature(payload, annotations)?;
        self.verify_parsed_bundle(&bundle, &Artifact::Blob(payload), Expect::MessageSignature)
    }
}

/// The v0.1 bundle equivalent to a keyless `.sig` layer: a message
/// signature (the `dev.cosignproject.cosign/signature` annotation) over
/// `payload`, the certificate and chain, the Rekor `hashedrekord` entry
/// and the RFC 3161 timestamp from the annotations.
///
/// # Errors
/// [`crate::Error::Verification`]: `signature` (no or bad base64
/// signature), `verification material`, `log entry`, `timestamp`.
pub fn assemble_signature(
    payload: &[u8],
    annotations: &BTreeMap<String, String>,
) -> Result<Bundle> {
    use sha2::Digest as _;
    let signature = annotations
        .get(crate::simplesign::SIGNATURE_ANNOTATION)
        .map(|s| crate::dsse::decode_base64(s.trim()))
        .transpose()
        .map_err(|e| {
            Check::Signature.fail(format!(
                "annotation {}: {e}",
                crate::simplesign::SIGNATURE_ANNOTATION
            ))
        })?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Check::Signature.fail(format!(
                "the layer has no `{}` annotation",
                crate::simplesign::SIGNATURE_ANNOTATION
            ))
        })?;
    let certificates = material(annotations)?;
    let entries = tlog_entry(annotations, &[("hashedrekord", "0.0.1")])?
        .into_iter()
        .collect();
    let timestamps = rfc3161_timestamp(annotations)?;
    Ok(Bundle {
        media_type: MEDIA_TYPE_V0_1.to_owned(),
        verification_material: Some(VerificationMaterial {
            x509_certificate_chain: Some(X509CertificateChain {
                certificates: certificates
                    .into_iter()
                    .map(|raw_bytes| X509Certificate {
                        raw_bytes,
                        ..X509Certificate::default()
                    })
                    .collect(),
                ..X509CertificateChain::default()
            }),
            tlog_entries: entries,
            timestamp_verification_data: timestamps,
            ..VerificationMaterial::default()
        }),
        message_signature: Some(MessageSignature {
            message_digest: Some(HashOutput {
                algorithm: SHA2_256.to_owned(),
                digest: sha2::Sha256::digest(payload).to_vec(),
                ..HashOutput::default()
            }),
            signature,
            ..MessageSignature::default()
        }),
        dsse_envelope: None,
        extra: serde_json::Map::new(),
    })
}

/// The RFC 3161 timestamp annotation as the bundle's timestamp data.
fn rfc3161_timestamp(
    annotations: &BTreeMap<String, String>,
) -> Result<Option<TimestampVerificationData>> {
    let Some(json) = annotations
        .get(annotation::RFC3161_TIMESTAMP)
        .filter(|t| !t.trim().is_empty())
    else {
        return Ok(None);
    };
    let bad = |what: String| {
        Check::Timestamp.fail(format!(
            "`{}` annotation: {what}",
            annotation::RFC3161_TIMESTAMP
        ))
    };
    let parsed: Rfc3161Annotation = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let der = STANDARD
        .decode(parsed.signed_rfc3161_timestamp.as_bytes())
        .map_err(|e| bad(format!("not base64: {e}")))?;
    Ok(Some(TimestampVerificationData {
        rfc3161_timestamps: vec![Rfc3161SignedTimestamp {
            signed_timestamp: der,
            ..Rfc3161SignedTimestamp::default()
        }],
        ..TimestampVerificationData::default()
    }))
}

/// The v0.1 bundle equivalent to a keyless `.att` layer. Checks, in order:
///
/// 1. `envelope`, `signature count`, `payload type`: the layer is a DSSE
///    envelope with exactly one signature over an in-toto statement.
/// 2. `verification material`: a PEM leaf certificate (and PEM chain, if
///    any) in the annotations.
/// 3. `log entry`: the Rekor bundle annotation, when present, is well
///    formed and its body is an `intoto` 0.0.2 or `dsse` 0.0.1 entry. When
///    it is absent the bundle has no entry, and the pipeline's log policy
///    decides (cosign requires one unless `--insecure-ignore-tlog`).
///
/// # Errors
/// [`crate::Error::Verification`] naming the failed check.
pub fn assemble(envelope_json: &[u8], annotations: &BTreeMap<String, String>) -> Result<Bundle> {
    // 1. The envelope.
    let envelope =
        Envelope::from_json(envelope_json).map_err(|e| Check::Envelope.fail(e.to_string()))?;
    envelope::one_signature(&envelope)?;
    envelope::payload_type(&envelope)?;

    // 2. The certificate and chain.
    let certificates = material(annotations)?;

    // 3. The Rekor entry.
    let entries = tlog_entry(annotations, &[("intoto", "0.0.2"), ("dsse", "0.0.1")])?
        .into_iter()
        .collect();

    Ok(Bundle {
        media_type: MEDIA_TYPE_V0_1.to_owned(),
        verification_material: Some(VerificationMaterial {
            x509_certificate_chain: Some(X509CertificateChain {
                certificates: certificates
                    .into_iter()
                    .map(|raw_bytes| X509Certificate {
                        raw_bytes,
                        ..X509Certificate::default()
                    })
                    .collect(),
                ..X509CertificateChain::default()
            }),
            tlog_entries: entries,
            ..VerificationMaterial::default()
        }),
        message_signature: None,
        dsse_envelope: Some(envelope),
        extra: serde_json::Map::new(),
    })
}

/// The leaf (first) and the chain certificates (DER) from the annotations.
fn material(annotations: &BTreeMap<String, String>) -> Result<Vec<Vec<u8>>> {
    let fail = |message: String| Check::VerificationMaterial.fail(message);
    let leaf_pem = annotations
        .get(annotation::CERTIFICATE)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            fail(format!(
                "the layer has no `{}` annotation: it is not a keyless attestation \
                 (verify it with --key)",
                annotation::CERTIFICATE
            ))
        })?;
    let mut certificates = pem_certificates(leaf_pem)
        .map_err(|e| fail(format!("`{}` annotation: {e}", annotation::CERTIFICATE)))?;
    if certificates.len() != 1 {
        return Err(fail(format!(
            "`{}` annotation holds {} certificates, expected 1",
            annotation::CERTIFICATE,
            certificates.len()
        )));
    }
    if let Some(chain) = annotations.get(annotation::CHAIN) {
        let rest = pem_certificates(chain)
            .map_err(|e| fail(format!("`{}` annotation: {e}", annotation::CHAIN)))?;
        certificates.extend(rest);
    }
    Ok(certificates)
}

/// Every `CERTIFICATE` block of a PEM text, as DER; an empty text has none.
fn pem_certificates(text: &str) -> std::result::Result<Vec<Vec<u8>>, String> {
    crate::pem::decode_all(text)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|block| {
            if block.label == "CERTIFICATE" {
                Ok(block.der.to_vec())
            } else {
                Err(format!(
                    "a `{}` block where a certificate belongs",
                    block.label
                ))
            }
        })
        .collect()
}

/// The Rekor v1 entry of the bundle annotation, as a bundle's
/// `TransparencyLogEntry` with an inclusion promise and no proof; `None`
/// without the annotation.
fn tlog_entry(
    annotations: &BTreeMap<String, String>,
    kinds: &[(&str, &str)],
) -> Result<Option<TransparencyLogEntry>> {
    let Some(json) = annotations
        .get(annotation::BUNDLE)
        .filter(|b| !b.trim().is_empty())
    else {
        return Ok(None);
    };
    let bad =
        |what: String| Check::LogEntry.fail(format!("`{}` annotation: {what}", annotation::BUNDLE));
    let rekor: RekorBundle = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let body = STANDARD
        .decode(rekor.payload.body.as_bytes())
        .map_err(|e| bad(format!("body is not base64: {e}")))?;
    let set = STANDARD
        .decode(rekor.signed_entry_timestamp.as_bytes())
        .map_err(|e| bad(format!("SignedEntryTimestamp is not base64: {e}")))?;
    let log_id =
        hex::decode(&rekor.payload.log_id).map_err(|e| bad(format!("logID is not hex: {e}")))?;
    let parsed: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("body is not JSON: {e}")))?;
    let field = |name: &str| {
        parsed
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (kind, version) = (field("kind"), field("apiVersion"));
    if !kinds
        .iter()
        .any(|(k, v)| *k == kind.as_str() && *v == version.as_str())
    {
        let expected: Vec<String> = kinds.iter().map(|(k, v)| format!("{k}/{v}")).collect();
        return Err(bad(format!(
            "entry kind {kind}/{version}, expected {}",
            expected.join(" or ")
        )));
    }
    Ok(Some(TransparencyLogEntry {
        log_index: rekor.payload.log_index,
        log_id: Some(LogId {
            key_id: log_id,
            ..LogId::default()
        }),
        kind_version: Some(KindVersion {
            kind,
            version,
            ..KindVersion::default()
        }),
        integrated_time: rekor.payload.integrated_time,
        inclusion_promise: Some(InclusionPromise {
            signed_entry_timestamp: set,
            ..InclusionPromise::default()
        }),
        inclusion_proof: None,
        canonicalized_body: body,
        ..TransparencyLogEntry::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_certificates_reads_zero_one_or_more_blocks() {
        assert_eq!(pem_certificates("").unwrap(), Vec::<Vec<u8>>::new());
        let one = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_certificates(one).unwrap(), vec![vec![0, 1, 2]]);
        let two = format!("{one}{one}");
        assert_eq!(pem_certificates(&two).unwrap().len(), 2);
        let crlf = one.replace('\n', "\r\n");
        assert_eq!(pem_certificates(&crlf).unwrap(), vec![vec![0, 1, 2]]);
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\nAAEC\n").is_err());
        assert!(pem_certificates(&format!("{one}junk")).is_err());
        let key = "-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----\n";
        assert!(pem_certificates(&format!("{one}{key}")).is_err());
    }
}
