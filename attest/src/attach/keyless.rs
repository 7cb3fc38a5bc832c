//! cosign's legacy layer shape for a keyless signature: the verification
//! material of a Sigstore bundle moved into layer annotations, as cosign
//! writes a `.att` (or `.sig`) layer from the bundle it signed
//! (`cmd/cosign/cli/signcommon`'s `EncodeCertificatesToPEM` and
//! `RekorBundleFromProtoTlogEntry`, `pkg/oci/static`):
//!
//! - `dev.sigstore.cosign/certificate`: the leaf, PEM;
//! - `dev.sigstore.cosign/chain`: the rest of the bundle's chain, PEM (empty
//!   for a v0.3 bundle, which holds the leaf only);
//! - `dev.sigstore.cosign/bundle`: the Rekor entry as cosign's
//!   `RekorBundle` JSON, `{"SignedEntryTimestamp", "Payload": {"body",
//!   "integratedTime", "logIndex", "logID"}}` (when the entry was logged);
//! - `dev.sigstore.cosign/rfc3161timestamp`: `{"SignedRFC3161Timestamp"}`
//!   (when a timestamp authority was used).
//!
//! [`crate::verify::keyless::legacy`] reads these back.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;

use super::legacy_tags::{attestation_layer, NewLayer};
use crate::bundle::Bundle;
use crate::verify::keyless::legacy::annotation::{BUNDLE, CERTIFICATE, CHAIN};
use crate::{Error, Result};

/// The RFC 3161 timestamp annotation key.
pub const RFC3161_TIMESTAMP: &str = "dev.sigstore.cosign/rfc3161timestamp";

/// cosign's `bundle.RekorBundle`, in Go's field order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RekorBundle<'a> {
    signed_entry_timestamp: String,
    payload: RekorPayload<'a>,
}

/// cosign's `bundle.RekorPayload`.
#[derive(Serialize)]
struct RekorPayload<'a> {
    body: String,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: &'a str,
}

/// cosign's `bundle.RFC3161Timestamp`.
#[derive(Serialize)]
struct Rfc3161Timestamp {
    #[serde(rename = "SignedRFC3161Timestamp")]
    signed_rfc3161_timestamp: String,
}

fn malformed(message: &str) -> Error {
    Error::Malformed {
        what: "keyless bundle".to_owned(),
        message: message.to_owned(),
    }
}

/// The keyless annotations of `bundle` (see the module docs), with
/// `timestamp` (a DER `TimeStampResp`) as the RFC 3161 annotation when
/// given: for a `.att` layer cosign timestamps the envelope JSON (the layer
/// bytes), for a `.sig` layer the signature.
///
/// # Errors
/// [`Error::Malformed`] when the bundle has no certificate.
pub fn annotations(bundle: &Bundle, timestamp: Option<&[u8]>) -> Result<BTreeMap<String, String>> {
    let material = bundle
        .verification_material
        .as_ref()
        .ok_or_else(|| malformed("no verification material"))?;
    let certificates: Vec<&[u8]> = match (&material.certificate, &material.x509_certificate_chain) {
        (Some(leaf), _) => vec![leaf.raw_bytes.as_slice()],
        (None, Some(chain)) => chain
            .certificates
            .iter()
            .map(|c| c.raw_bytes.as_slice())
            .collect(),
        (None, None) => Vec::new(),
    };
    let (leaf, rest) = certificates
        .split_first()
        .ok_or_else(|| malformed("no certificate"))?;
    let mut out = BTreeMap::new();
    out.insert(
        CERTIFICATE.to_owned(),
        crate::pem::encode("CERTIFICATE", leaf),
    );
    out.insert(
        CHAIN.to_owned(),
        rest.iter()
            .map(|der| crate::pem::encode("CERTIFICATE", der))
            .collect(),
    );
    if let Some(entry) = material.tlog_entries.first() {
        let log_id = entry
            .log_id
            .as_ref()
            .map(|id| hex::encode(&id.key_id))
            .unwrap_or_default();
        let rekor = RekorBundle {
            signed_entry_timestamp: entry
                .inclusion_promise
                .as_ref()
                .map(|p| STANDARD.encode(&p.signed_entry_timestamp))
                .unwrap_or_default(),
            payload: RekorPayload {
                body: STANDARD.encode(&entry.canonicalized_body),
                integrated_time: entry.integrated_time,
                log_index: entry.log_index,
                log_id: &log_id,
            },
        };
        // Strings and integers only: cannot fail.
        out.insert(
            BUNDLE.to_owned(),
            serde_json::to_string(&rekor).unwrap_or_default(),
        );
    }
    if let Some(timestamp) = timestamp {
        let ts = Rfc3161Timestamp {
            signed_rfc3161_timestamp: STANDARD.encode(timestamp),
        };
        out.insert(
            RFC3161_TIMESTAMP.to_owned(),
            serde_json::to_string(&ts).unwrap_or_default(),
        );
    }
    Ok(out)
}

/// The `.att` layer of a keyless DSSE bundle, as `cosign attest
/// --new-bundle-format=false` writes it: the envelope with the key-signed
/// layer's annotations (`dev.cosignproject.cosign/signature: ""`,
/// `predicateType`) plus [`annotations`]. `envelope_timestamp` is a
/// timestamp over the envelope JSON (the layer bytes), which is what
/// cosign's `.att` verification checks.
///
/// # Errors
/// [`Error::Malformed`] when the bundle has no DSSE envelope or no
/// certificate.
pub fn attestation_layer_keyless(
    bundle: &Bundle,
    predicate_type: &str,
    envelope_timestamp: Option<&[u8]>,
) -> Result<NewLayer> {
    let envelope = bundle
        .dsse_envelope
        .as_ref()
        .ok_or_else(|| malformed("no DSSE envelope"))?;
    let mut layer = attestation_layer(envelope, predicate_type);
    layer
        .annotations
        .extend(annotations(bundle, envelope_timestamp)?);
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");

    fn vector(path: &str) -> Vec<u8> {
        std::fs::read(format!("{VECTORS}/{path}")).unwrap()
    }

    #[test]
    fn att_layer_from_cosign_bundle_has_cosigns_annotations() {
        // The legacy-att vector was derived from this bundle the way cosign
        // derives its `.att` layer: every annotation must match.
        let bundle = Bundle::from_json(&vector("cosign/oci-attestation.sigstore.json")).unwrap();
        let layer =
            attestation_layer_keyless(&bundle, "https://cosign.sigstore.dev/attestation/v1", None)
                .unwrap();
        let manifest: serde_json::Value =
            serde_json::from_slice(&vector("oci-layouts/legacy-att/manifest.json")).unwrap();
        let want: BTreeMap<String, String> =
            serde_json::from_value(manifest["layers"][0]["annotations"].clone()).unwrap();
        assert_eq!(layer.annotations, want);
        assert_eq!(
            layer.bytes,
            vector("oci-layouts/legacy-att/layer.dsse.json")
        );
    }

    #[test]
    fn timestamp_and_missing_entry() {
        let mut bundle =
            Bundle::from_json(&vector("cosign/oci-attestation.sigstore.json")).unwrap();
        if let Some(m) = bundle.verification_material.as_mut() {
            m.tlog_entries.clear();
        }
        let a = annotations(&bundle, Some(&[1, 2, 3])).unwrap();
        assert!(!a.contains_key(BUNDLE));
        assert_eq!(a[RFC3161_TIMESTAMP], r#"{"SignedRFC3161Timestamp":"AQID"}"#);
        assert_eq!(a[CHAIN], "");
        bundle.verification_material = None;
        assert!(annotations(&bundle, None).is_err());
    }
}
