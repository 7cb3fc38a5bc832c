//! Rekor v2 (`POST /api/v2/log/entries`, rekor-tiles `CLIENTS.md`): a
//! `hashedRekordRequestV002` in, a `TransparencyLogEntry` out, put into the
//! bundle as it is. A v2 entry has no SET and no integrated time: the
//! signing time comes from the timestamp authority, which
//! [`super::Services::from_signing_config`] requires with a v2 log.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{error, http, Services};
use crate::bundle::TransparencyLogEntry;
use crate::Result;

/// Logs a message signature: `digest` (SHA-256 of the artifact),
/// `signature` and the leaf `certificate` (DER).
pub(super) fn log_hashedrekord(
    rekor: &str,
    digest: &[u8],
    signature: &[u8],
    certificate: &[u8],
    services: &Services,
) -> Result<TransparencyLogEntry> {
    let request = json!({
        "hashedRekordRequestV002": {
            "digest": STANDARD.encode(digest),
            "signature": {
                "content": STANDARD.encode(signature),
                "verifier": {
                    "x509Certificate": { "rawBytes": STANDARD.encode(certificate) },
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                },
            },
        },
    });
    let url = format!("{}/api/v2/log/entries", rekor.trim_end_matches('/'));
    let response = http::post_json("rekor", &url, None, &request, services)?;
    entry(response)
}

/// The answer as a bundle entry; protobuf JSON leaves out zero and empty
/// values, but sigstore-python requires `logIndex` and `hashes`, so they are
/// written explicitly (the first entry of a log has index 0 and, alone in
/// its tree, no proof hashes).
fn entry(response: Value) -> Result<TransparencyLogEntry> {
    let mut entry: TransparencyLogEntry = serde_json::from_value(response).map_err(|e| {
        error(
            "rekor",
            format!("response is not a TransparencyLogEntry: {e}"),
        )
    })?;
    match &entry.kind_version {
        Some(kv) if kv.kind == "hashedrekord" && kv.version == "0.0.2" => {}
        other => {
            return Err(error(
                "rekor",
                format!(
                    "response: expected a hashedrekord 0.0.2 entry, got {}",
                    other.as_ref().map_or_else(
                        || "no kindVersion".to_owned(),
                        |kv| format!("{} {}", kv.kind, kv.version)
                    )
                ),
            ))
        }
    }
    if entry.canonicalized_body.is_empty() {
        return Err(error("rekor", "response: no `canonicalizedBody`"));
    }
    let proof = entry.inclusion_proof.as_mut().ok_or_else(|| {
        error(
            "rekor",
            "response: no `inclusionProof` (Rekor v2 has no SET)",
        )
    })?;
    if proof.checkpoint.is_none() {
        return Err(error(
            "rekor",
            "response: inclusion proof without a checkpoint",
        ));
    }
    if proof.log_index == 0 {
        proof
            .extra
            .insert("logIndex".to_owned(), Value::String("0".to_owned()));
    }
    if proof.hashes.is_empty() {
        proof
            .extra
            .insert("hashes".to_owned(), Value::Array(Vec::new()));
    }
    if entry.log_index == 0 {
        entry
            .extra
            .insert("logIndex".to_owned(), Value::String("0".to_owned()));
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_of_another_kind_or_without_proof_is_refused() {
        let good = json!({
            "logIndex": "0",
            "logId": {"keyId": "AAAA"},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
            "inclusionProof": {"logIndex": "0", "rootHash": "AAAA", "treeSize": "1",
                               "checkpoint": {"envelope": "x"}},
            "canonicalizedBody": "e30=",
        });
        let e = entry(good.clone()).unwrap();
        let out = serde_json::to_value(&e).unwrap();
        assert_eq!(out["logIndex"], "0");
        assert_eq!(out["inclusionProof"]["hashes"], json!([]));
        let mut v1 = good.clone();
        v1["kindVersion"]["version"] = json!("0.0.1");
        assert!(entry(v1).unwrap_err().to_string().contains("0.0.1"));
        let mut no_proof = good;
        no_proof.as_object_mut().unwrap().remove("inclusionProof");
        assert!(entry(no_proof)
            .unwrap_err()
            .to_string()
            .contains("no `inclusionProof`"));
    }
}
