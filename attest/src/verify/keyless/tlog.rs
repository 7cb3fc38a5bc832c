//! Transparency log entries of a bundle: Rekor v1 signed entry timestamps
//! (SETs), inclusion proofs to signed checkpoints (Rekor v1 and v2), and the
//! consistency of the logged entry with the bundle's signature, verifier and
//! artifact.
//!
//! [`verify_tlog_entry`] proves that the log holds the entry (and, through a
//! SET, when it integrated it); [`check_entry_matches`] proves that the
//! entry is about this bundle. Both are needed. The caller checks that the
//! returned integrated time lies inside the signing certificate's validity.
//!
//! Entry kinds: `hashedrekord` 0.0.1, `dsse` 0.0.1, `intoto` 0.0.2 (Rekor
//! v1) and `hashedrekord` 0.0.2, `dsse` 0.0.2 (Rekor v2, including DSSE
//! logged as hashedrekord over `PAE(payloadType, payload)`, rekor-v2-spec
//! §6.1.4). See the [Rekor types](https://github.com/sigstore/rekor/tree/main/pkg/types)
//! and [rekor-tiles](https://github.com/sigstore/rekor-tiles).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256, Sha384, Sha512};

use super::checkpoint::Checkpoint;
use super::trust_root::{LogKey, TrustedRoot, ValidFor};
use super::{jcs, merkle};
use crate::bundle::{BundleVersion, TransparencyLogEntry};
use crate::dsse::Envelope;
use crate::key::{HashAlgorithm, PublicKey};
use crate::verify::Check;
use crate::{Error, Result};

fn error(check: crate::verify::Check, message: impl Into<String>) -> Error {
    Error::Verification {
        check,
        message: message.into(),
    }
}

fn entry_error(message: impl Into<String>) -> Error {
    error(Check::LogEntry, message)
}

/// What a transparency log entry was verified to prove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// The entry's log index.
    pub log_index: i64,
    /// The integrated time, only when a SET over it verified (Rekor v1).
    /// Rekor v2 entries have none: an RFC 3161 timestamp must give the time.
    pub integrated_time: Option<i64>,
    /// Whether a signed entry timestamp verified.
    pub set_verified: bool,
    /// Whether an inclusion proof (and, with it, a checkpoint) verified.
    pub inclusion_verified: bool,
    /// `kindVersion.kind` (`hashedrekord`, `dsse`, `intoto`).
    pub kind: String,
    /// `kindVersion.version` (`0.0.1`, `0.0.2`).
    pub version: String,
    /// The trusted log's base URL.
    pub log_url: String,
    /// When the log's key may be trusted: a caller without an integrated
    /// time checks its signing time (from a timestamp) against this.
    pub log_valid_for: ValidFor,
}

/// The signed content of a bundle, as the entry must record it.
#[derive(Debug, Clone, Copy)]
pub enum SignedContent<'a> {
    /// A `messageSignature`: the signature and the artifact's digest as the
    /// verifier computed it (never the bundle's unauthenticated hint).
    MessageSignature {
        /// The signature bytes.
        signature: &'a [u8],
        /// The hash function of `digest`.
        digest_algorithm: HashAlgorithm,
        /// The artifact digest.
        digest: &'a [u8],
    },
    /// A DSSE envelope.
    Dsse(&'a Envelope),
}

/// The verification material the entry must name.
#[derive(Debug, Clone, Copy)]
pub enum EntryVerifier<'a> {
    /// The leaf certificate (DER).
    Certificate(&'a [u8]),
    /// A public key (SubjectPublicKeyInfo DER).
    PublicKey(&'a [u8]),
}

/// Verifies one transparency log entry against the trusted logs.
///
/// - The log index is not negative and the log ID names a trusted log.
/// - A signed entry timestamp, when present, is an ECDSA signature by that
///   log's key (valid at `integratedTime`) over the RFC 8785 form of
///   `{body, integratedTime, logID, logIndex}`.
/// - An inclusion proof, when present, leads from `SHA-256(0x00 ‖ body)` to
///   its root hash, and its checkpoint is signed by the log and commits to
///   the same size and root.
/// - v0.1 bundles need a SET; v0.2 and later need an inclusion proof with
///   a checkpoint (protobuf-specs `sigstore_bundle.proto`), as do Rekor v2
///   entries, which have no SET.
///
/// # Errors
/// [`Error::Verification`] with check `log entry`, `SET`,
/// `inclusion proof` or `checkpoint`.
pub fn verify_tlog_entry(
    entry: &TransparencyLogEntry,
    root: &TrustedRoot,
    version: BundleVersion,
) -> Result<VerifiedEntry> {
    if entry.log_index < 0 {
        return Err(entry_error(format!(
            "negative log index {}",
            entry.log_index
        )));
    }
    let kind_version = entry
        .kind_version
        .as_ref()
        .ok_or_else(|| entry_error("entry has no kindVersion"))?;
    if entry.canonicalized_body.is_empty() {
        return Err(entry_error("entry has no canonicalizedBody"));
    }
    let log_id = entry
        .log_id
        .as_ref()
        .map(|id| id.key_id.as_slice())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| entry_error("entry has no logId"))?;
    let logs: Vec<&LogKey> = root.tlogs.iter().filter(|l| l.log_id == log_id).collect();
    if logs.is_empty() {
        return Err(entry_error(format!(
            "log {} is not in the trusted root",
            STANDARD.encode(log_id)
        )));
    }

    let promise = entry
        .inclusion_promise
        .as_ref()
        .filter(|p| !p.signed_entry_timestamp.is_empty());
    let proof = entry.inclusion_proof.as_ref();

    if version == BundleVersion::V0_1 && promise.is_none() {
        return Err(error(
            Check::Set,
            "a v0.1 bundle needs an inclusion promise (SET)",
        ));
    }
    if version >= BundleVersion::V0_2 && proof.is_none() {
        return Err(error(
            Check::InclusionProof,
            "a v0.2 or later bundle needs an inclusion proof",
        ));
    }
    if promise.is_none() && proof.is_none() {
        return Err(error(
            Check::InclusionProof,
            "entry has neither an inclusion proof nor a SET",
        ));
    }

    let mut used_log: Option<&LogKey> = None;
    let mut integrated_time = None;
    if let Some(promise) = promise {
        let log = verify_set(entry, log_id, &logs, &promise.signed_entry_timestamp)?;
        integrated_time = Some(entry.integrated_time);
        used_log = Some(log);
    }

    let mut inclusion_verified = false;
    if let Some(proof) = proof {
        if proof.log_index < 0 {
            return Err(error(
                Check::InclusionProof,
                format!("negative log index {}", proof.log_index),
            ));
        }
        merkle::verify_inclusion(
            &entry.canonicalized_body,
            proof.log_index,
            proof.tree_size,
            &proof.hashes,
            &proof.root_hash,
        )?;
        match proof.checkpoint.as_ref().filter(|c| !c.envelope.is_empty()) {
            Some(checkpoint) => {
                let checkpoint = Checkpoint::parse(&checkpoint.envelope)?;
                if i64::try_from(checkpoint.size).ok() != Some(proof.tree_size) {
                    return Err(error(
                        Check::Checkpoint,
                        format!(
                            "checkpoint tree size {} is not the proof's {}",
                            checkpoint.size, proof.tree_size
                        ),
                    ));
                }
                if checkpoint.root_hash != proof.root_hash {
                    return Err(error(
                        Check::Checkpoint,
                        format!(
                            "checkpoint root hash {} is not the proof's {}",
                            hex::encode(&checkpoint.root_hash),
                            hex::encode(&proof.root_hash)
                        ),
                    ));
                }
                let candidates: Vec<&LogKey> = match used_log {
                    Some(log) => vec![log],
                    None => logs.clone(),
                };
                let mut last = None;
                for log in candidates {
                    match checkpoint.verify(log) {
                        Ok(()) => {
                            used_log = Some(log);
                            last = None;
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                if let Some(e) = last {
                    return Err(e);
                }
                inclusion_verified = true;
            }
            // Old v0.1 bundles may carry a bare proof: the SET vouches for
            // the entry, the unsigned root adds nothing.
            None if version == BundleVersion::V0_1 => {}
            None => {
                return Err(error(
                    Check::Checkpoint,
                    "the inclusion proof has no checkpoint",
                ));
            }
        }
    }

    let log = used_log
        .or(logs.first().copied())
        .ok_or_else(|| entry_error("no log"))?;
    Ok(VerifiedEntry {
        log_index: entry.log_index,
        integrated_time,
        set_verified: promise.is_some(),
        inclusion_verified,
        kind: kind_version.kind.clone(),
        version: kind_version.version.clone(),
        log_url: log.base_url.clone(),
        log_valid_for: log.valid_for,
    })
}

/// The bytes a Rekor v1 SET signs: RFC 8785 JSON of the entry's body,
/// integrated time, log ID (hex) and log index.
#[must_use]
pub fn set_payload(entry: &TransparencyLogEntry, log_id: &[u8]) -> Vec<u8> {
    jcs::canonicalize(&serde_json::json!({
        "body": STANDARD.encode(&entry.canonicalized_body),
        "integratedTime": entry.integrated_time,
        "logID": hex::encode(log_id),
        "logIndex": entry.log_index,
    }))
}

fn verify_set<'a>(
    entry: &TransparencyLogEntry,
    log_id: &[u8],
    logs: &[&'a LogKey],
    set: &[u8],
) -> Result<&'a LogKey> {
    let time = entry.integrated_time;
    if time <= 0 {
        return Err(error(Check::Set, "entry has a SET but no integrated time"));
    }
    let valid: Vec<&LogKey> = logs
        .iter()
        .copied()
        .filter(|l| l.valid_for.contains(time))
        .collect();
    if valid.is_empty() {
        return Err(error(
            Check::Set,
            format!("no key of the log is valid at integrated time {time}"),
        ));
    }
    let payload = set_payload(entry, log_id);
    let mut last = None;
    for log in valid {
        let key = PublicKey::from_spki_der(&log.spki_der)
            .map_err(|e| error(Check::Set, format!("log key of {}: {e}", log.base_url)))?;
        match key.verify(&payload, set) {
            Ok(()) => return Ok(log),
            Err(e) => last = Some(e),
        }
    }
    Err(error(
        Check::Set,
        format!(
            "signed entry timestamp does not verify: {}",
            last.map(|e| e.to_string()).unwrap_or_default()
        ),
    ))
}

/// Checks that the entry's canonicalized body records this bundle: the same
/// signature(s), the same certificate or key, and the artifact digest (for
/// a message signature) or payload hash (for DSSE).
///
/// For `dsse` 0.0.1 and `intoto` 0.0.2 the envelope hash is not compared:
/// Rekor hashes the envelope JSON as each client serialised it (cosign,
/// sigstore-go and sigstore-python bundles differ), so it cannot be
/// recomputed; the payload hash and signatures bind the entry instead.
///
/// # Errors
/// `log entry` when the body does not parse, has an unsupported kind, or
/// differs from the bundle.
pub fn check_entry_matches(
    entry: &TransparencyLogEntry,
    content: SignedContent<'_>,
    verifier: EntryVerifier<'_>,
) -> Result<()> {
    let body: Value = serde_json::from_slice(&entry.canonicalized_body)
        .map_err(|e| entry_error(format!("canonicalizedBody is not JSON: {e}")))?;
    let kind = str_at(&body, &["kind"]).unwrap_or_default();
    let api_version = str_at(&body, &["apiVersion"]).unwrap_or_default();
    if let Some(kv) = &entry.kind_version {
        if kv.kind != kind || kv.version != api_version {
            return Err(entry_error(format!(
                "kindVersion {}/{} does not match the body's {kind}/{api_version}",
                kv.kind, kv.version
            )));
        }
    }
    let spec = body
        .get("spec")
        .ok_or_else(|| entry_error("body has no spec"))?;
    match (kind, api_version) {
        ("hashedrekord", "0.0.1") => hashedrekord_v001(spec, content, verifier),
        ("hashedrekord", "0.0.2") => hashedrekord_v002(spec, content, verifier),
        ("dsse", "0.0.1") => dsse_v001(spec, content, verifier),
        ("dsse", "0.0.2") => dsse_v002(spec, content, verifier),
        ("intoto", "0.0.2") => intoto_v002(spec, content, verifier),
        (kind, version) => Err(entry_error(format!(
            "unsupported entry kind {kind}/{version}"
        ))),
    }
}

fn hashedrekord_v001(
    spec: &Value,
    content: SignedContent<'_>,
    verifier: EntryVerifier<'_>,
) -> Result<()> {
    let SignedContent::MessageSignature {
        signature,
        digest_algorithm,
        digest,
    } = content
    else {
        return Err(entry_error(
            "a hashedrekord 0.0.1 entry cannot record a DSSE envelope",
        ));
    };
    let logged_sig = b64_at(spec, &["signature", "content"])?;
    if logged_sig != signature {
        return Err(entry_error(
            "the logged signature is not the bundle's signature",
        ));
    }
    let pem = b64_at(spec, &["signature", "publicKey", "content"])?;
    check_pem_verifier(&pem, verifier)?;
    let algorithm = str_at(spec, &["data", "hash", "algorithm"]).unwrap_or_default();
    let value = str_at(spec, &["data", "hash", "value"]).unwrap_or_default();
    if hash_name_v1(digest_algorithm) != algorithm
        || !value.eq_ignore_ascii_case(&hex::encode(digest))
    {
        return Err(entry_error(format!(
            "the logged artifact digest {algorithm}:{value} is not the artifact's {}:{}",
            hash_name_v1(digest_algorithm),
            hex::encode(digest)
        )));
    }
    Ok(())
}

fn hashedrekord_v002(
    spec: &Value,
    content: SignedContent<'_>,
    verifier: EntryVerifier<'_>,
) -> Result<()> {
    let spec = spec
        .get("hashedRekordV002")
        .ok_or_else(|| entry_error("hashedrekord 0.0.2 body has no hashedRekordV002"))?;
    let algorithm = str_at(spec, &["data", "algorithm"]).unwrap_or_default();
    let logged_digest = b64_at(spec, &["data", "digest"])?;
    let (signature, digest_algorithm, digest) = match content {
        SignedContent::MessageSignature {
            signature,
            digest_algorithm,
            digest,
        } => (signature, digest_algorithm, digest.to_vec()),
        // rekor-v2-spec §6.1.4: DSSE logged as hashedrekord over the PAE.
        SignedContent::Dsse(envelope) => {
            let sig = single_signature(envelope)?;
            let alg = hash_from_proto(algorithm).ok_or_else(|| {
                entry_error(format!("unsupported digest algorithm `{algorithm}`"))
            })?;
            (sig, alg, hash(alg, &envelope.pae()))
        }
    };
    if hash_name_proto(digest_algorithm) != algorithm || logged_digest != digest {
        return Err(entry_error(format!(
            "the logged digest {algorithm}:{} is not the {}:{}",
            hex::encode(&logged_digest),
            hash_name_proto(digest_algorithm),
            hex::encode(&digest)
        )));
    }
    let logged_sig = b64_at(spec, &["signature", "content"])?;
    if logged_sig != signature {
        return Err(entry_error(
            "the logged signature is not the bundle's signature",
        ));
    }
    let v = spec
        .get("signature")
        .and_then(|s| s.get("verifier"))
        .ok_or_else(|| entry_error("the logged signature has no verifier"))?;
    check_proto_verifier(v, verifier)
}

fn dsse_v001(spec: &Value, content: SignedContent<'_>, verifier: EntryVerifier<'_>) -> Result<()> {
    let SignedContent::Dsse(envelope) = content else {
        return Err(entry_error(
            "a dsse entry cannot record a message signature",
        ));
    };
    check_hex_hash(spec, &["payloadHash"], &envelope.payload, "payload")?;
    let logged = spec
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| entry_error("dsse body has no signatures"))?;
    let mut pairs = Vec::new();
    for s in logged {
        pairs.push((b64_at(s, &["signature"])?, b64_at(s, &["verifier"])?));
    }
    check_signature_set(envelope, &pairs, verifier)
}

fn dsse_v002(spec: &Value, content: SignedContent<'_>, verifier: EntryVerifier<'_>) -> Result<()> {
    let SignedContent::Dsse(envelope) = content else {
        return Err(entry_error(
            "a dsse entry cannot record a message signature",
        ));
    };
    let spec = spec
        .get("dsseV002")
        .ok_or_else(|| entry_error("dsse 0.0.2 body has no dsseV002"))?;
    let algorithm = str_at(spec, &["payloadHash", "algorithm"]).unwrap_or_default();
    let alg = hash_from_proto(algorithm)
        .ok_or_else(|| entry_error(format!("unsupported digest algorithm `{algorithm}`")))?;
    if b64_at(spec, &["payloadHash", "digest"])? != hash(alg, &envelope.payload) {
        return Err(entry_error(
            "the logged payload hash is not the envelope payload's",
        ));
    }
    let logged = spec
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| entry_error("dsse body has no signatures"))?;
    if logged.len() != envelope.signatures.len() {
        return Err(entry_error(format!(
            "the entry logs {} signatures, the envelope has {}",
            logged.len(),
            envelope.signatures.len()
        )));
    }
    for sig in &envelope.signatures {
        let found = logged
            .iter()
            .find(|s| b64_at(s, &["content"]).is_ok_and(|c| c == sig.sig));
        let Some(found) = found else {
            return Err(entry_error("an envelope signature is not in the entry"));
        };
        let v = found
            .get("verifier")
            .ok_or_else(|| entry_error("the logged signature has no verifier"))?;
        check_proto_verifier(v, verifier)?;
    }
    Ok(())
}

fn intoto_v002(
    spec: &Value,
    content: SignedContent<'_>,
    verifier: EntryVerifier<'_>,
) -> Result<()> {
    let SignedContent::Dsse(envelope) = content else {
        return Err(entry_error(
            "an intoto entry cannot record a message signature",
        ));
    };
    let content_spec = spec
        .get("content")
        .ok_or_else(|| entry_error("intoto body has no content"))?;
    check_hex_hash(content_spec, &["payloadHash"], &envelope.payload, "payload")?;
    let logged_env = content_spec
        .get("envelope")
        .ok_or_else(|| entry_error("intoto body has no envelope"))?;
    if let Some(t) = str_at(logged_env, &["payloadType"]) {
        if t != envelope.payload_type {
            return Err(entry_error(format!(
                "the logged payload type `{t}` is not the envelope's `{}`",
                envelope.payload_type
            )));
        }
    }
    // intoto 0.0.2 stores payload and signatures base64-encoded twice.
    if logged_env.get("payload").is_some() {
        let payload = double_b64_at(logged_env, &["payload"])?;
        if payload != envelope.payload {
            return Err(entry_error("the logged payload is not the envelope's"));
        }
    }
    let logged = logged_env
        .get("signatures")
        .and_then(Value::as_array)
        .ok_or_else(|| entry_error("intoto body has no signatures"))?;
    let mut pairs = Vec::new();
    for s in logged {
        pairs.push((double_b64_at(s, &["sig"])?, b64_at(s, &["publicKey"])?));
    }
    check_signature_set(envelope, &pairs, verifier)
}

/// The entry's `(signature, PEM verifier)` pairs must be exactly the
/// envelope's signatures, each by `verifier`.
fn check_signature_set(
    envelope: &Envelope,
    logged: &[(Vec<u8>, Vec<u8>)],
    verifier: EntryVerifier<'_>,
) -> Result<()> {
    if logged.len() != envelope.signatures.len() {
        return Err(entry_error(format!(
            "the entry logs {} signatures, the envelope has {}",
            logged.len(),
            envelope.signatures.len()
        )));
    }
    for sig in &envelope.signatures {
        let Some((_, pem)) = logged.iter().find(|(s, _)| *s == sig.sig) else {
            return Err(entry_error(
                "the envelope signature is not the one in the log entry",
            ));
        };
        check_pem_verifier(pem, verifier)?;
    }
    Ok(())
}

fn single_signature(envelope: &Envelope) -> Result<&[u8]> {
    match envelope.signatures.as_slice() {
        [one] => Ok(&one.sig),
        other => Err(entry_error(format!(
            "the envelope has {} signatures, a hashedrekord entry records one",
            other.len()
        ))),
    }
}

/// A PEM certificate or public key from a v1 body against the bundle's.
fn check_pem_verifier(pem: &[u8], verifier: EntryVerifier<'_>) -> Result<()> {
    // A certificate may be followed by its chain, which is not read.
    let block = std::str::from_utf8(pem)
        .ok()
        .and_then(|text| crate::pem::decode_first(text).ok())
        .ok_or_else(|| entry_error("the logged verifier is not PEM"))?;
    let label = block.label.as_str();
    let matches = match (label, verifier) {
        ("CERTIFICATE", EntryVerifier::Certificate(cert)) => *block.der == cert,
        ("PUBLIC KEY", EntryVerifier::PublicKey(spki)) => *block.der == spki,
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(entry_error(format!(
            "the logged {} is not the bundle's {}",
            label.to_lowercase(),
            match verifier {
                EntryVerifier::Certificate(_) => "certificate",
                EntryVerifier::PublicKey(_) => "public key",
            }
        )))
    }
}

/// A v2 `Verifier` message (`x509Certificate.rawBytes` or
/// `publicKey.rawBytes`) against the bundle's.
fn check_proto_verifier(v: &Value, verifier: EntryVerifier<'_>) -> Result<()> {
    let matches = match verifier {
        EntryVerifier::Certificate(cert) => {
            b64_at(v, &["x509Certificate", "rawBytes"]).is_ok_and(|d| d == cert)
        }
        EntryVerifier::PublicKey(spki) => {
            b64_at(v, &["publicKey", "rawBytes"]).is_ok_and(|d| d == spki)
        }
    };
    if matches {
        Ok(())
    } else {
        Err(entry_error(
            "the logged verifier is not the bundle's certificate or key",
        ))
    }
}

fn check_hex_hash(spec: &Value, path: &[&str], data: &[u8], what: &str) -> Result<()> {
    let obj = path
        .iter()
        .try_fold(spec, |v, k| v.get(*k))
        .ok_or_else(|| entry_error(format!("the entry has no {what} hash")))?;
    let algorithm = str_at(obj, &["algorithm"]).unwrap_or_default();
    let value = str_at(obj, &["value"]).unwrap_or_default();
    let alg = match algorithm {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        "sha512" => HashAlgorithm::Sha512,
        other => {
            return Err(entry_error(format!(
                "unsupported {what} hash algorithm `{other}`"
            )))
        }
    };
    if !value.eq_ignore_ascii_case(&hex::encode(hash(alg, data))) {
        return Err(entry_error(format!(
            "the logged {what} hash {value} is not the bundle's {}",
            hex::encode(hash(alg, data))
        )));
    }
    Ok(())
}

fn hash(alg: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    }
}

fn hash_name_v1(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

fn hash_name_proto(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Sha256 => "SHA2_256",
        HashAlgorithm::Sha384 => "SHA2_384",
        HashAlgorithm::Sha512 => "SHA2_512",
    }
}

fn hash_from_proto(name: &str) -> Option<HashAlgorithm> {
    match name {
        "SHA2_256" => Some(HashAlgorithm::Sha256),
        "SHA2_384" => Some(HashAlgorithm::Sha384),
        "SHA2_512" => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(*k))?.as_str()
}

fn b64_at(v: &Value, path: &[&str]) -> Result<Vec<u8>> {
    let text = str_at(v, path)
        .ok_or_else(|| entry_error(format!("the entry has no `{}`", path.join("."))))?;
    STANDARD
        .decode(text)
        .map_err(|_| entry_error(format!("`{}` is not base64", path.join("."))))
}

/// intoto 0.0.2 bodies from Rekor hold base64 of the base64 text; accept
/// a single encoding too (both decode to the compared bytes).
fn double_b64_at(v: &Value, path: &[&str]) -> Result<Vec<u8>> {
    let once = b64_at(v, path)?;
    Ok(std::str::from_utf8(&once)
        .ok()
        .and_then(|text| STANDARD.decode(text.trim()).ok())
        .unwrap_or(once))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_payload_is_canonical_json() {
        let entry = TransparencyLogEntry {
            log_index: 7,
            integrated_time: 1_700_000_000,
            canonicalized_body: b"{}".to_vec(),
            ..TransparencyLogEntry::default()
        };
        assert_eq!(
            String::from_utf8(set_payload(&entry, &[0xab, 0x01])).unwrap(),
            r#"{"body":"e30=","integratedTime":1700000000,"logID":"ab01","logIndex":7}"#
        );
    }
}
