//! Embedded signed certificate timestamps (RFC 6962 §3.3) of a Fulcio leaf,
//! verified against the trusted root's CT logs.
//!
//! Fulcio logs a precertificate and embeds the CT log's SCT in the final
//! certificate (extension `1.3.6.1.4.1.11129.2.4.2`). The SCT signs the
//! precertificate's TBSCertificate, which is the leaf's TBSCertificate
//! without the SCT list extension, together with the SHA-256 of the issuer's
//! SubjectPublicKeyInfo. As cosign does by default, at least one embedded SCT
//! must verify with a CT log key of the trusted root that was valid at the
//! SCT's timestamp.

use der::asn1::OctetString;
use der::{Decode as _, Encode as _};
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;

use super::trust_root::{LogKey, TrustedRoot};
use super::x509::{VerifiedCert, OID_SCT_LIST};
use crate::key::{HashAlgorithm, PublicKey};
use crate::{Error, Result};

/// The check name of every error from this module.
pub const CHECK: crate::verify::Check = crate::verify::Check::Sct;

fn fail(message: impl Into<String>) -> Error {
    Error::Verification {
        check: CHECK,
        message: message.into(),
    }
}

/// One parsed `SignedCertificateTimestamp` (v1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// The log ID: SHA-256 of the CT log's SubjectPublicKeyInfo DER.
    pub log_id: [u8; 32],
    /// Milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// `CtExtensions` (non-empty for static CT logs, e.g. the leaf index).
    pub extensions: Vec<u8>,
    /// TLS `HashAlgorithm` (4 = SHA-256, 5 = SHA-384, 6 = SHA-512, 8 = intrinsic).
    pub hash_algorithm: u8,
    /// TLS `SignatureAlgorithm` (1 = RSA, 3 = ECDSA, 7 = Ed25519).
    pub signature_algorithm: u8,
    /// The signature.
    pub signature: Vec<u8>,
}

/// A forward-only reader of TLS presentation-language fields.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(fail(format!(
                "truncated SCT: needed {n} bytes, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn uint(&mut self, n: usize) -> Result<u64> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn vec(&mut self, len_bytes: usize) -> Result<&'a [u8]> {
        let len =
            usize::try_from(self.uint(len_bytes)?).map_err(|_| fail("SCT length overflow"))?;
        self.take(len)
    }
}

/// Parses the SCT list from an SCT list extension's `extnValue` (a DER
/// OCTET STRING holding the TLS `SignedCertificateTimestampList`).
///
/// # Errors
/// [`Error::Verification`] (check `sct`) when malformed.
pub fn parse_sct_list(extn_value: &[u8]) -> Result<Vec<Sct>> {
    let inner = OctetString::from_der(extn_value)
        .map_err(|e| fail(format!("SCT list extension is not an OCTET STRING: {e}")))?;
    let mut outer = Tls(inner.as_bytes());
    let mut list = Tls(outer.vec(2)?);
    if !outer.0.is_empty() {
        return Err(fail("trailing bytes after the SCT list"));
    }
    let mut scts = Vec::new();
    while !list.0.is_empty() {
        let mut r = Tls(list.vec(2)?);
        let version = r.uint(1)?;
        if version != 0 {
            return Err(fail(format!("unsupported SCT version {version}")));
        }
        let mut log_id = [0u8; 32];
        log_id.copy_from_slice(r.take(32)?);
        let timestamp_ms = r.uint(8)?;
        let extensions = r.vec(2)?.to_vec();
        let hash_algorithm = u8::try_from(r.uint(1)?).map_err(|_| fail("bad hash algorithm"))?;
        let signature_algorithm =
            u8::try_from(r.uint(1)?).map_err(|_| fail("bad signature algorithm"))?;
        let signature = r.vec(2)?.to_vec();
        if !r.0.is_empty() {
            return Err(fail("trailing bytes after an SCT"));
        }
        scts.push(Sct {
            log_id,
            timestamp_ms,
            extensions,
            hash_algorithm,
            signature_algorithm,
            signature,
        });
    }
    Ok(scts)
}

/// The precertificate TBSCertificate: the leaf's TBSCertificate without the
/// SCT list extension, DER re-encoded (RFC 6962 §3.2).
///
/// # Errors
/// [`Error::Verification`] (check `sct`) when the certificate is malformed.
pub fn precert_tbs(leaf_der: &[u8]) -> Result<Vec<u8>> {
    let cert = Certificate::from_der(leaf_der)
        .map_err(|e| fail(format!("malformed leaf certificate: {e}")))?;
    let mut tbs = cert.tbs_certificate;
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id != OID_SCT_LIST);
    }
    tbs.to_der()
        .map_err(|e| fail(format!("re-encoding the precertificate: {e}")))
}

/// The RFC 6962 §3.2 `digitally-signed` struct of a precert SCT.
#[must_use]
pub fn signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], precert_tbs: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(precert_tbs.len() + sct.extensions.len() + 50);
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    out.extend_from_slice(issuer_key_hash);
    let tbs_len = u32::try_from(precert_tbs.len())
        .unwrap_or(u32::MAX)
        .to_be_bytes();
    out.extend_from_slice(tbs_len.get(1..).unwrap_or_default()); // uint24
    out.extend_from_slice(precert_tbs);
    let ext_len = u16::try_from(sct.extensions.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&ext_len.to_be_bytes());
    out.extend_from_slice(&sct.extensions);
    out
}

fn verify_one(sct: &Sct, log: &LogKey, message: &[u8]) -> Result<()> {
    let key = PublicKey::from_spki_der(&log.spki_der)
        .map_err(|e| fail(format!("CT log {} key: {e}", log.base_url)))?;
    let hash = match sct.hash_algorithm {
        4 => Some(HashAlgorithm::Sha256),
        5 => Some(HashAlgorithm::Sha384),
        6 => Some(HashAlgorithm::Sha512),
        _ => None,
    };
    match (sct.signature_algorithm, &key, hash) {
        (3, PublicKey::EcdsaP256(_) | PublicKey::EcdsaP384(_), Some(hash)) => {
            super::signature::verify_ecdsa(&key, hash, message, &sct.signature).map_err(fail)
        }
        (1, PublicKey::Rsa(_), Some(hash)) => key.verify_with(
            crate::key::Scheme::RsaPkcs1v15(hash),
            message,
            &sct.signature,
        ),
        (7, PublicKey::Ed25519(_), _) => key.verify(message, &sct.signature),
        (sig, _, _) => Err(fail(format!(
            "SCT algorithm (hash {}, signature {sig}) does not fit the {} key of CT log {}",
            sct.hash_algorithm,
            key.algorithm(),
            log.base_url
        ))),
    }
}

/// Verifies the leaf's embedded SCTs: at least one must be signed by a CT
/// log of `root` whose key (log ID = SHA-256 of its SPKI) was valid at the
/// SCT's timestamp. Returns the verified SCTs.
///
/// # Errors
/// [`Error::Verification`] with check `sct` when the leaf has no SCT list,
/// the list is malformed, or no SCT verifies (each one's reason is named).
pub fn verify_embedded_scts(cert: &VerifiedCert, root: &TrustedRoot) -> Result<Vec<Sct>> {
    let issuer_spki = cert
        .issuer_spki_der()
        .map_err(|e| fail(crate::verify::reason(e)))?;
    verify_embedded_scts_with_issuer(&cert.leaf.der, &issuer_spki, root)
}

/// [`verify_embedded_scts`] given the leaf DER and its issuer's
/// SubjectPublicKeyInfo DER.
///
/// # Errors
/// As [`verify_embedded_scts`].
pub fn verify_embedded_scts_with_issuer(
    leaf_der: &[u8],
    issuer_spki_der: &[u8],
    root: &TrustedRoot,
) -> Result<Vec<Sct>> {
    let cert = Certificate::from_der(leaf_der)
        .map_err(|e| fail(format!("malformed leaf certificate: {e}")))?;
    let ext = cert
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|e| e.extn_id == OID_SCT_LIST)
        .ok_or_else(|| fail("the certificate has no embedded SCT list"))?;
    let scts = parse_sct_list(ext.extn_value.as_bytes())?;
    if scts.is_empty() {
        return Err(fail("the embedded SCT list is empty"));
    }
    let tbs = precert_tbs(leaf_der)?;
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer_spki_der).into();

    let mut verified = Vec::new();
    let mut reasons = Vec::new();
    for sct in scts {
        let time = i64::try_from(sct.timestamp_ms / 1000).unwrap_or(i64::MAX);
        let log_hex = hex::encode(sct.log_id);
        let logs: Vec<&LogKey> = root
            .ctlogs
            .iter()
            .filter(|l| Sha256::digest(&l.spki_der).as_slice() == sct.log_id)
            .collect();
        if logs.is_empty() {
            reasons.push(format!("SCT from unknown CT log {log_hex}"));
            continue;
        }
        let message = signed_data(&sct, &issuer_key_hash, &tbs);
        let mut ok = false;
        for log in logs {
            if !log.valid_for.contains(time) {
                reasons.push(format!(
                    "CT log {} ({log_hex}) key not valid at the SCT time {time}",
                    log.base_url
                ));
                continue;
            }
            match verify_one(&sct, log, &message) {
                Ok(()) => {
                    ok = true;
                    break;
                }
                Err(e) => reasons.push(format!(
                    "SCT from CT log {} ({log_hex}): {}",
                    log.base_url,
                    crate::verify::reason(e)
                )),
            }
        }
        if ok {
            verified.push(sct);
        }
    }
    if verified.is_empty() {
        return Err(fail(format!(
            "no embedded SCT verifies: {}",
            reasons.join("; ")
        )));
    }
    Ok(verified)
}
