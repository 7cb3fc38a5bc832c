//! RFC 3161 signed timestamps of a bundle
//! (`verificationMaterial.timestampVerificationData.rfc3161Timestamps`),
//! verified offline against the trusted root's timestamp authorities.
//!
//! A timestamp is accepted when:
//! - it is a `TimeStampResp` with status granted, or a bare `TimeStampToken`
//!   (CMS `SignedData` over a `TSTInfo`, [RFC 3161 §2.4.2]);
//! - its message imprint is the hash of the bundle's signature bytes;
//! - its one `SignerInfo` has signed attributes whose `messageDigest` is the
//!   hash of the encapsulated `TSTInfo`, and whose DER `SET OF` is signed by
//!   the TSA certificate (embedded in the token or taken from the trusted
//!   root);
//! - that certificate has the `timeStamping` extended key usage and chains
//!   to a trusted timestamp authority whose `validFor` contains `genTime`,
//!   every certificate of the chain being valid at `genTime` (a chain that
//!   has expired since is fine).
//!
//! [RFC 3161 §2.4.2]: https://www.rfc-editor.org/rfc/rfc3161#section-2.4.2

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode as _, Encode as _, Reader as _, SliceReader, Tag, Tagged as _};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::Certificate;

use super::signature::{digest, hash_for};
use super::trust_root::{Authority, TrustedRoot};
use crate::bundle::TimestampVerificationData;
use crate::date::parse_generalized_time;
use crate::key::PublicKey;
use crate::{Error, Result};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_KP_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const ID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

fn ts_error(message: impl Into<String>) -> Error {
    Error::Verification {
        check: crate::verify::Check::Timestamp,
        message: message.into(),
    }
}

/// Verifies every RFC 3161 timestamp of the bundle over `signature` (the
/// message signature, or the DSSE envelope's signature) and returns their
/// `genTime`s in seconds since the epoch. No timestamps gives an empty list;
/// the caller decides how many it needs.
///
/// # Errors
/// `timestamp` when any timestamp does not verify.
pub fn verify_timestamps(
    data: Option<&TimestampVerificationData>,
    signature: &[u8],
    root: &TrustedRoot,
) -> Result<Vec<i64>> {
    let Some(data) = data else {
        return Ok(Vec::new());
    };
    data.rfc3161_timestamps
        .iter()
        .map(|ts| verify_timestamp(&ts.signed_timestamp, signature, root))
        .collect()
}

/// Verifies one DER `TimeStampResp` or `TimeStampToken` over `signature`
/// and returns its `genTime`.
///
/// # Errors
/// `timestamp` when the token is malformed, its imprint is not the hash of
/// `signature`, or no trusted authority signed it at `genTime`.
pub fn verify_timestamp(token: &[u8], signature: &[u8], root: &TrustedRoot) -> Result<i64> {
    let content_info = parse_token(token)?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(ts_error(format!(
            "token content type {} is not signedData",
            content_info.content_type
        )));
    }
    let signed_data: SignedData = content_info
        .content
        .decode_as()
        .map_err(|e| ts_error(format!("malformed SignedData: {e}")))?;
    let encap = &signed_data.encap_content_info;
    if encap.econtent_type != ID_CT_TST_INFO {
        return Err(ts_error(format!(
            "encapsulated content {} is not a TSTInfo",
            encap.econtent_type
        )));
    }
    let tst_der = encap
        .econtent
        .as_ref()
        .ok_or_else(|| ts_error("the token has no TSTInfo"))?;
    let tst_der = OctetString::from_der(
        &tst_der
            .to_der()
            .map_err(|e| ts_error(format!("malformed TSTInfo: {e}")))?,
    )
    .map_err(|e| ts_error(format!("malformed TSTInfo: {e}")))?;
    let tst = TstInfo::parse(tst_der.as_bytes())?;

    let imprint_alg = hash_for(&tst.hash_algorithm)
        .ok_or_else(|| ts_error(format!("unsupported imprint hash {}", tst.hash_algorithm)))?;
    if digest(imprint_alg, signature) != tst.hashed_message {
        return Err(ts_error(
            "the timestamp's message imprint is not the hash of the bundle signature",
        ));
    }

    let signer = match signed_data.signer_infos.0.as_slice() {
        [one] => one,
        other => {
            return Err(ts_error(format!(
                "the token has {} signer infos (expected 1)",
                other.len()
            )))
        }
    };
    let signed_message = check_signed_attributes(signer, tst_der.as_bytes())?;

    let embedded: Vec<(Vec<u8>, Certificate)> = signed_data
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(cert) => {
                        Some((cert.to_der().ok()?, cert.clone()))
                    }
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();

    let mut reasons = Vec::new();
    for authority in &root.timestamp_authorities {
        match verify_with_authority(authority, &embedded, signer, &signed_message, tst.gen_time) {
            Ok(()) => return Ok(tst.gen_time),
            Err(reason) => reasons.push(format!("{}: {reason}", authority.uri)),
        }
    }
    if reasons.is_empty() {
        reasons.push("the trusted root has no timestamp authorities".to_owned());
    }
    Err(ts_error(format!(
        "not signed by a trusted timestamp authority at {} ({})",
        tst.gen_time,
        reasons.join("; ")
    )))
}

/// A `TimeStampResp` (status, token) or a bare token `ContentInfo`.
fn parse_token(der: &[u8]) -> Result<ContentInfo> {
    if let Ok(ci) = ContentInfo::from_der(der) {
        return Ok(ci);
    }
    let malformed = |e: der::Error| ts_error(format!("malformed TimeStampResp: {e}"));
    let mut reader = SliceReader::new(der).map_err(malformed)?;
    let (status, token) = reader
        .sequence(|r| {
            let status: u8 = r.sequence(|r| {
                let status: u8 = r.decode()?;
                while !r.is_finished() {
                    let _: Any = r.decode()?;
                }
                Ok(status)
            })?;
            let token = if r.is_finished() {
                None
            } else {
                Some(r.decode::<ContentInfo>()?)
            };
            Ok((status, token))
        })
        .map_err(malformed)?;
    // PKIStatus granted (0) or grantedWithMods (1).
    if status > 1 {
        return Err(ts_error(format!(
            "timestamp response status {status} (not granted)"
        )));
    }
    token.ok_or_else(|| ts_error("timestamp response has no token"))
}

/// The parts of a `TSTInfo` verification needs.
struct TstInfo {
    hash_algorithm: ObjectIdentifier,
    hashed_message: Vec<u8>,
    gen_time: i64,
}

impl TstInfo {
    fn parse(der: &[u8]) -> Result<TstInfo> {
        let malformed = |e: der::Error| ts_error(format!("malformed TSTInfo: {e}"));
        let mut reader = SliceReader::new(der).map_err(malformed)?;
        let (hash_algorithm, hashed_message, gen_time) = reader
            .sequence(|r| {
                let _version: u8 = r.decode()?;
                let _policy: ObjectIdentifier = r.decode()?;
                let (alg, hashed) = r.sequence(|r| {
                    let alg: AlgorithmIdentifierOwned = r.decode()?;
                    let hashed: OctetString = r.decode()?;
                    Ok((alg.oid, hashed.into_bytes()))
                })?;
                let _serial: Any = r.decode()?;
                let gen_time: Any = r.decode()?;
                while !r.is_finished() {
                    let _: Any = r.decode()?;
                }
                Ok((alg, hashed, gen_time))
            })
            .map_err(malformed)?;
        if gen_time.tag() != Tag::GeneralizedTime {
            return Err(ts_error("genTime is not a GeneralizedTime"));
        }
        let gen_time = parse_generalized_time(gen_time.value())
            .map_err(|e| ts_error(format!("genTime: {e}")))?;
        Ok(TstInfo {
            hash_algorithm,
            hashed_message,
            gen_time,
        })
    }
}

/// Checks the signed attributes (content type TSTInfo, messageDigest over
/// the TSTInfo) and returns the bytes the signature covers: their DER
/// `SET OF` encoding (RFC 5652 §5.4).
fn check_signed_attributes(signer: &SignerInfo, tst_der: &[u8]) -> Result<Vec<u8>> {
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or_else(|| ts_error("the signer info has no signed attributes"))?;
    let value_of = |oid: ObjectIdentifier| -> Option<&Any> {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let content_type = value_of(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| ts_error("signed attributes have no content type"))?;
    if content_type != ID_CT_TST_INFO {
        return Err(ts_error(format!(
            "signed content type {content_type} is not TSTInfo"
        )));
    }
    let message_digest = value_of(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or_else(|| ts_error("signed attributes have no message digest"))?;
    let alg = hash_for(&signer.digest_alg.oid).ok_or_else(|| {
        ts_error(format!(
            "unsupported signer digest algorithm {}",
            signer.digest_alg.oid
        ))
    })?;
    if message_digest.as_bytes() != digest(alg, tst_der).as_slice() {
        return Err(ts_error(
            "the signed message digest is not the hash of the TSTInfo",
        ));
    }
    attrs
        .to_der()
        .map_err(|e| ts_error(format!("encoding signed attributes: {e}")))
}

fn verify_with_authority(
    authority: &Authority,
    embedded: &[(Vec<u8>, Certificate)],
    signer: &SignerInfo,
    signed_message: &[u8],
    gen_time: i64,
) -> std::result::Result<(), String> {
    if !authority.valid_for.contains(gen_time) {
        return Err("genTime is outside the authority's validity in the trusted root".to_owned());
    }
    let chain: Vec<(Vec<u8>, Certificate)> = authority
        .chain
        .iter()
        .map(|der| Ok((der.clone(), Certificate::from_der(der)?)))
        .collect::<std::result::Result<_, der::Error>>()
        .map_err(|e| format!("trusted certificate does not parse: {e}"))?;
    let first = chain.first().ok_or("empty certificate chain")?;

    // The signing certificate: embedded in the token, else the trusted leaf.
    let mut leaves: Vec<&(Vec<u8>, Certificate)> = embedded
        .iter()
        .filter(|(_, c)| matches_sid(&signer.sid, c))
        .collect();
    if matches_sid(&signer.sid, &first.1) && !leaves.iter().any(|(d, _)| *d == first.0) {
        leaves.push(first);
    }
    if leaves.is_empty() {
        return Err("no certificate matches the signer identifier".to_owned());
    }
    let mut last = String::new();
    for leaf in leaves {
        let path: Vec<&(Vec<u8>, Certificate)> = if leaf.0 == first.0 {
            chain.iter().collect()
        } else {
            std::iter::once(leaf).chain(chain.iter()).collect()
        };
        match verify_path(&path, gen_time).and_then(|()| {
            check_time_stamping_eku(&leaf.1)?;
            let spki = leaf
                .1
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| e.to_string())?;
            verify_signature(
                &spki,
                &signer.signature_algorithm.oid,
                Some(&signer.digest_alg.oid),
                signed_message,
                signer.signature.as_bytes(),
            )
            .map_err(|e| format!("timestamp signature: {e}"))
        }) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Each certificate is valid at `time` and signed by the next; the last is
/// trusted as it is (it comes from the trusted root).
fn verify_path(path: &[&(Vec<u8>, Certificate)], time: i64) -> std::result::Result<(), String> {
    for (i, (der, cert)) in path.iter().map(|c| (&c.0, &c.1)).enumerate() {
        let validity = &cert.tbs_certificate.validity;
        let not_before = unix(validity.not_before);
        let not_after = unix(validity.not_after);
        if time < not_before || time > not_after {
            return Err(format!(
                "certificate `{}` is not valid at {time} (valid {not_before} to {not_after})",
                cert.tbs_certificate.subject
            ));
        }
        if let Some((_, issuer)) = path.get(i + 1).map(|c| (&c.0, &c.1)) {
            if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
                return Err(format!(
                    "certificate `{}` is not issued by `{}`",
                    cert.tbs_certificate.subject, issuer.tbs_certificate.subject
                ));
            }
            let spki = issuer
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| e.to_string())?;
            let tbs = tbs_bytes(der).map_err(|e| format!("malformed certificate: {e}"))?;
            verify_signature(
                &spki,
                &cert.signature_algorithm.oid,
                None,
                tbs,
                cert.signature.raw_bytes(),
            )
            .map_err(|e| {
                format!(
                    "certificate `{}` signature: {e}",
                    cert.tbs_certificate.subject
                )
            })?;
        }
    }
    Ok(())
}

fn unix(time: x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// The exact `tbsCertificate` bytes of a DER certificate.
fn tbs_bytes(cert: &[u8]) -> der::Result<&[u8]> {
    let mut reader = SliceReader::new(cert)?;
    reader.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        let _algorithm = r.tlv_bytes()?;
        let _signature = r.tlv_bytes()?;
        Ok(tbs)
    })
}

fn check_time_stamping_eku(cert: &Certificate) -> std::result::Result<(), String> {
    let eku = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_EXT_KEY_USAGE)
        .ok_or("the TSA certificate has no extended key usage")?;
    let eku = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(|e| format!("malformed extended key usage: {e}"))?;
    if eku.0.contains(&ID_KP_TIME_STAMPING) {
        Ok(())
    } else {
        Err("the TSA certificate lacks the timeStamping extended key usage".to_owned())
    }
}

fn matches_sid(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == ID_SUBJECT_KEY_ID)
            .is_some_and(|e| {
                ski.to_der()
                    .is_ok_and(|der| der.as_slice() == e.extn_value.as_bytes())
            }),
    }
}

/// Verifies an X.509 / CMS signature with the key in `spki_der`.
fn verify_signature(
    spki_der: &[u8],
    algorithm: &ObjectIdentifier,
    digest_alg: Option<&ObjectIdentifier>,
    msg: &[u8],
    sig: &[u8],
) -> std::result::Result<(), String> {
    let key = PublicKey::from_spki_der(spki_der).map_err(|e| e.to_string())?;
    super::signature::verify(&key, algorithm, digest_alg, msg, sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_tokens() {
        let root = TrustedRoot::public_good().unwrap();
        let err = verify_timestamp(b"\x30\x03\x02\x01\x00", b"sig", &root).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Verification {
                    check: crate::verify::Check::Timestamp,
                    ..
                }
            ),
            "{err}"
        );
    }
}
