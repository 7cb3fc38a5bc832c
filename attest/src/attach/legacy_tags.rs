//! cosign's tag-based storage: an image tagged `sha256-<hex>.att` (DSSE
//! envelopes), `.sig` (simple-signing payloads) or `.sbom` (one SBOM
//! document) next to the image `sha256:<hex>`.
//!
//! cosign builds these images with go-containerregistry's `empty.Image`
//! plus `mutate.Append` of uncompressed "static" layers, so:
//!
//! - the manifest is an OCI manifest whose config is
//!   `application/vnd.oci.image.config.v1+json`;
//! - the config is `{"architecture":"","created":"0001-01-01T00:00:00Z",
//!   "history":[{"created":"0001-01-01T00:00:00Z"}…],"os":"","rootfs":
//!   {"type":"layers","diff_ids":[…]},"config":{}}`, one history entry and
//!   one diff ID (= the layer digest) per layer;
//! - `.att` and `.sig` are read-modify-write: a new layer is appended to the
//!   existing image's layers (cosign's `mutate.AttachAttestationToImage` /
//!   `AttachSignatureToImage`); an identical layer (same digest and
//!   annotations) is not added twice. `.sbom` is replaced whole, as
//!   `cosign attach sbom` does.
//!
//! See `oci-layouts/legacy-att` and `legacy-sbom` in the test vectors.

use std::collections::BTreeMap;

use serde::Serialize;

use sbomctl_oci::{Descriptor, ImageStore};

use super::{annotation, check_digest, media_type, push, read_blob, store_error, Manifest};
use crate::dsse::Envelope;
use crate::Result;

/// The tag suffixes and tag names cosign uses (one definition, in the oci crate).
pub use sbomctl_oci::cosign_tags::{tag, Suffix};

/// A layer to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLayer {
    /// The layer media type.
    pub media_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The layer's annotations.
    pub annotations: BTreeMap<String, String>,
}

/// A layer read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLayer {
    /// The layer media type.
    pub media_type: String,
    /// The layer digest.
    pub digest: String,
    /// The annotations.
    pub annotations: BTreeMap<String, String>,
    /// The bytes (digest checked).
    pub bytes: Vec<u8>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The tag written.
    pub tag: String,
    /// The digest of the tag's manifest after the write.
    pub manifest_digest: String,
    /// The new layer's digest.
    pub layer_digest: String,
    /// `false` when an identical layer was already there.
    pub added: bool,
}

/// The `.att` layer for an envelope, as `cosign attest` (legacy format)
/// writes it with a key and no transparency log:
/// `application/vnd.dsse.envelope.v1+json` with annotations
/// `dev.cosignproject.cosign/signature: ""` and `predicateType`.
#[must_use]
pub fn attestation_layer(envelope: &Envelope, predicate_type: &str) -> NewLayer {
    NewLayer {
        media_type: media_type::DSSE_ENVELOPE.to_owned(),
        bytes: envelope.to_json(),
        annotations: BTreeMap::from([
            (annotation::SIGNATURE.to_owned(), String::new()),
            (
                annotation::PREDICATE_TYPE.to_owned(),
                predicate_type.to_owned(),
            ),
        ]),
    }
}

/// The `.sig` layer for a simple-signing payload and its base64 signature.
#[must_use]
pub fn signature_layer(payload: &[u8], signature_b64: &str) -> NewLayer {
    NewLayer {
        media_type: media_type::SIMPLE_SIGNING.to_owned(),
        bytes: payload.to_vec(),
        annotations: BTreeMap::from([(annotation::SIGNATURE.to_owned(), signature_b64.to_owned())]),
    }
}

/// The `.sig` layer of a keyless signature, as cosign 2 writes it: the
/// payload, with annotations `dev.cosignproject.cosign/signature` (base64),
/// `dev.sigstore.cosign/certificate` (the Fulcio leaf, PEM),
/// `dev.sigstore.cosign/chain` (the rest of Fulcio's chain, PEM),
/// `dev.sigstore.cosign/bundle` (the Rekor entry: `{"SignedEntryTimestamp",
/// "Payload": {"body", "integratedTime", "logIndex", "logID"}}`, when the
/// signature was logged) and `dev.sigstore.cosign/rfc3161timestamp`
/// (`{"SignedRFC3161Timestamp"}`, when it was timestamped). `bundle` is the
/// keyless signer's bundle for `payload` (a message signature with its
/// certificate).
///
/// # Errors
/// [`crate::Error::Malformed`] when the bundle has no message signature or
/// no certificate.
pub fn keyless_signature_layer(
    payload: &[u8],
    bundle: &crate::Bundle,
    chain: &[Vec<u8>],
) -> Result<NewLayer> {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let malformed = |message: &str| crate::Error::Malformed {
        what: "keyless signature bundle".to_owned(),
        message: message.to_owned(),
    };
    let signature = bundle
        .message_signature
        .as_ref()
        .ok_or_else(|| malformed("no message signature"))?;
    let material = bundle
        .verification_material
        .as_ref()
        .ok_or_else(|| malformed("no verification material"))?;
    let leaf = material
        .certificate
        .as_ref()
        .ok_or_else(|| malformed("no certificate"))?;
    let mut layer = signature_layer(payload, &STANDARD.encode(&signature.signature));
    let chain_pem: String = chain
        .iter()
        .map(|der| crate::pem::encode("CERTIFICATE", der))
        .collect();
    layer.annotations.insert(
        annotation::CERTIFICATE.to_owned(),
        crate::pem::encode("CERTIFICATE", &leaf.raw_bytes),
    );
    layer
        .annotations
        .insert(annotation::CHAIN.to_owned(), chain_pem);
    if let Some(entry) = material.tlog_entries.first() {
        let set = entry
            .inclusion_promise
            .as_ref()
            .ok_or_else(|| malformed("the log entry has no signed entry timestamp"))?;
        let log_id = entry
            .log_id
            .as_ref()
            .ok_or_else(|| malformed("the log entry has no log ID"))?;
        // Go's json.Marshal of cosign's `bundle.RekorBundle`: fields in
        // struct order, []byte as standard base64.
        let rekor = serde_json::json!({
            "SignedEntryTimestamp": STANDARD.encode(&set.signed_entry_timestamp),
            "Payload": {
                "body": STANDARD.encode(&entry.canonicalized_body),
                "integratedTime": entry.integrated_time,
                "logIndex": entry.log_index,
                "logID": hex::encode(&log_id.key_id),
            },
        });
        layer
            .annotations
            .insert(annotation::BUNDLE.to_owned(), go_json(&rekor));
    }
    if let Some(ts) = material
        .timestamp_verification_data
        .as_ref()
        .and_then(|t| t.rfc3161_timestamps.first())
    {
        let value = serde_json::json!({
            "SignedRFC3161Timestamp": STANDARD.encode(&ts.signed_timestamp),
        });
        layer
            .annotations
            .insert(annotation::RFC3161_TIMESTAMP.to_owned(), go_json(&value));
    }
    Ok(layer)
}

/// Compact JSON in the order the value was built (serde_json's map keeps
/// insertion order only with `preserve_order`, so the two known shapes are
/// written by hand).
fn go_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let fields: Vec<String> = ordered_keys(map)
                .into_iter()
                .filter_map(|k| {
                    map.get(k)
                        .map(|v| format!("{}:{}", serde_json::Value::from(k), go_json(v)))
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        other => other.to_string(),
    }
}

/// cosign's field order for the Rekor bundle and timestamp annotations.
fn ordered_keys(map: &serde_json::Map<String, serde_json::Value>) -> Vec<&str> {
    const ORDER: [&str; 7] = [
        "SignedEntryTimestamp",
        "Payload",
        "body",
        "integratedTime",
        "logIndex",
        "logID",
        "SignedRFC3161Timestamp",
    ];
    let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
    keys.sort_by_key(|k| ORDER.iter().position(|o| o == k).unwrap_or(ORDER.len()));
    keys
}

/// Appends an envelope to the `.att` image of `image_digest`.
///
/// # Errors
/// [`crate::Error::Store`] when reading or writing fails,
/// [`crate::Error::Malformed`] when the existing `.att` manifest is not one.
pub fn attach_attestation(
    store: &dyn ImageStore,
    image_digest: &str,
    envelope: &Envelope,
    predicate_type: &str,
) -> Result<Appended> {
    append(
        store,
        image_digest,
        Suffix::Att,
        &attestation_layer(envelope, predicate_type),
    )
}

/// Appends a simple-signing signature to the `.sig` image of `image_digest`.
///
/// # Errors
/// As [`attach_attestation`].
pub fn attach_signature(
    store: &dyn ImageStore,
    image_digest: &str,
    payload: &[u8],
    signature_b64: &str,
) -> Result<Appended> {
    append(
        store,
        image_digest,
        Suffix::Sig,
        &signature_layer(payload, signature_b64),
    )
}

/// Stores `sbom` as the one layer of the `.sbom` image of `image_digest`,
/// replacing what was there (`cosign attach sbom`); returns the manifest
/// digest.
///
/// # Errors
/// [`crate::Error::Store`] when writing fails.
pub fn attach_sbom(
    store: &dyn ImageStore,
    image_digest: &str,
    sbom: &[u8],
    sbom_media_type: &str,
) -> Result<String> {
    check_digest(image_digest)?;
    let layer = NewLayer {
        media_type: sbom_media_type.to_owned(),
        bytes: sbom.to_vec(),
        annotations: BTreeMap::new(),
    };
    let (manifest, config) = image_manifest(&[], std::slice::from_ref(&layer));
    push(
        store,
        &[&config, &layer.bytes],
        &manifest,
        Some(&tag(image_digest, Suffix::Sbom)),
    )
}

/// Reads the layers of the `suffix` image of `image_digest`; empty when
/// there is no such tag.
///
/// # Errors
/// [`crate::Error::Store`] when the store fails, [`crate::Error::Malformed`]
/// when the tag names something that is not an image manifest.
pub fn read(
    store: &dyn ImageStore,
    image_digest: &str,
    suffix: Suffix,
) -> Result<Vec<StoredLayer>> {
    check_digest(image_digest)?;
    let tag = tag(image_digest, suffix);
    let Some(manifest) = existing(store, &tag)? else {
        return Ok(Vec::new());
    };
    manifest
        .layers
        .into_iter()
        .map(|d| {
            let bytes = read_blob(store, &d.digest)?;
            Ok(StoredLayer {
                media_type: d.media_type.unwrap_or_default(),
                digest: d.digest,
                annotations: d.annotations,
                bytes,
            })
        })
        .collect()
}

fn existing(store: &dyn ImageStore, tag: &str) -> Result<Option<Manifest>> {
    let fetched = store
        .manifest_if_exists(tag)
        .map_err(|e| store_error(format!("reading {tag}"), e))?;
    fetched
        .map(|f| Manifest::parse(&f.bytes, &format!("manifest of {tag}")))
        .transpose()
}

/// Appends `layer` to the `suffix` image of `image_digest` (creating it),
/// unless an identical layer is there.
///
/// # Errors
/// As [`attach_attestation`].
pub fn append(
    store: &dyn ImageStore,
    image_digest: &str,
    suffix: Suffix,
    layer: &NewLayer,
) -> Result<Appended> {
    check_digest(image_digest)?;
    let tag = tag(image_digest, suffix);
    let existing = existing(store, &tag)?;
    let old_layers = existing.map(|m| m.layers).unwrap_or_default();
    let new_desc = layer_desc(layer);
    if old_layers
        .iter()
        .any(|d| d.digest == new_desc.digest && d.annotations == new_desc.annotations)
    {
        let manifest_digest = store
            .manifest(&tag)
            .map_err(|e| store_error(format!("reading {tag}"), e))?
            .digest;
        return Ok(Appended {
            tag,
            manifest_digest,
            layer_digest: new_desc.digest,
            added: false,
        });
    }
    let (manifest, config) = image_manifest(&old_layers, std::slice::from_ref(layer));
    let manifest_digest = push(store, &[&config, &layer.bytes], &manifest, Some(&tag))?;
    Ok(Appended {
        tag,
        manifest_digest,
        layer_digest: new_desc.digest,
        added: true,
    })
}

fn layer_desc(layer: &NewLayer) -> Descriptor {
    let mut desc = Descriptor::of(&layer.media_type, &layer.bytes);
    desc.annotations.clone_from(&layer.annotations);
    desc
}

/// go-containerregistry's `v1.ConfigFile` fields that `empty.Image` plus
/// `mutate.Append` fill, in its field order.
#[derive(Serialize)]
struct Config<'a> {
    architecture: &'a str,
    created: &'a str,
    history: Vec<History<'a>>,
    os: &'a str,
    rootfs: RootFs<'a>,
    config: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct History<'a> {
    created: &'a str,
}

#[derive(Serialize)]
struct RootFs<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    diff_ids: Vec<&'a str>,
}

/// Go's zero `time.Time`, as ggcr writes unset times.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The manifest and config bytes of a cosign tag image with `old` layers
/// followed by `new` ones.
pub(crate) fn image_manifest(old: &[Descriptor], new: &[NewLayer]) -> (Manifest, Vec<u8>) {
    let layers: Vec<Descriptor> = old
        .iter()
        .map(|d| Descriptor {
            // As written before descriptors were shared with the oci
            // crate: media type and size even when empty, no platform.
            media_type: Some(d.media_type().to_owned()),
            size: Some(d.size.unwrap_or(0)),
            platform: None,
            ..d.clone()
        })
        .chain(new.iter().map(layer_desc))
        .collect();
    let config = Config {
        architecture: "",
        created: ZERO_TIME,
        history: layers
            .iter()
            .map(|_| History { created: ZERO_TIME })
            .collect(),
        os: "",
        rootfs: RootFs {
            type_: "layers",
            // Static layers are uncompressed: the diff ID is the digest.
            diff_ids: layers.iter().map(|d| d.digest.as_str()).collect(),
        },
        config: BTreeMap::new(),
    };
    // Strings and lists of strings only: cannot fail.
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let manifest = Manifest {
        schema_version: 2,
        media_type: media_type::OCI_MANIFEST.to_owned(),
        config: Descriptor::of(media_type::OCI_CONFIG, &config),
        layers,
        annotations: BTreeMap::new(),
        subject: None,
        artifact_type: None,
    };
    (manifest, config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attach::mem_store::MemStore;
    use crate::key::PrivateKey;
    use sbomctl_oci::BlobStore as _;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/oci-layouts");

    fn keyless_bundle(logged: bool) -> crate::Bundle {
        use crate::bundle::{
            InclusionPromise, LogId, MessageSignature, TransparencyLogEntry, VerificationMaterial,
            X509Certificate, MEDIA_TYPE_V0_3,
        };
        let entry = TransparencyLogEntry {
            log_index: 7,
            log_id: Some(LogId {
                key_id: vec![0xab; 32],
                ..LogId::default()
            }),
            integrated_time: 1_700_000_000,
            inclusion_promise: Some(InclusionPromise {
                signed_entry_timestamp: b"set".to_vec(),
                ..InclusionPromise::default()
            }),
            canonicalized_body: br#"{"kind":"hashedrekord","apiVersion":"0.0.1"}"#.to_vec(),
            ..TransparencyLogEntry::default()
        };
        crate::Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(VerificationMaterial {
                certificate: Some(X509Certificate {
                    raw_bytes: vec![1, 2, 3],
                    ..X509Certificate::default()
                }),
                tlog_entries: if logged { vec![entry] } else { Vec::new() },
                ..VerificationMaterial::default()
            }),
            message_signature: Some(MessageSignature {
                signature: vec![4, 5, 6],
                ..MessageSignature::default()
            }),
            dsse_envelope: None,
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn keyless_signature_layer_writes_cosign_annotations_that_read_back() {
        let unlogged = keyless_signature_layer(b"payload", &keyless_bundle(false), &[]).unwrap();
        let keys: Vec<&str> = unlogged.annotations.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "dev.cosignproject.cosign/signature",
                "dev.sigstore.cosign/certificate",
                "dev.sigstore.cosign/chain",
            ]
        );
        assert_eq!(unlogged.annotations[annotation::SIGNATURE], "BAUG");
        assert_eq!(unlogged.annotations[annotation::CHAIN], "");

        let logged =
            keyless_signature_layer(b"payload", &keyless_bundle(true), &[vec![9, 9]]).unwrap();
        assert_eq!(
            logged.annotations[annotation::BUNDLE],
            r#"{"SignedEntryTimestamp":"c2V0","Payload":{"body":"eyJraW5kIjoiaGFzaGVkcmVrb3JkIiwiYXBpVmVyc2lvbiI6IjAuMC4xIn0=","integratedTime":1700000000,"logIndex":7,"logID":"abababababababababababababababababababababababababababababababab"}}"#
        );
        assert_eq!(
            logged.annotations[annotation::CHAIN],
            "-----BEGIN CERTIFICATE-----\nCQk=\n-----END CERTIFICATE-----\n"
        );
        // The verifier's reading of the same annotations gives the entry
        // and the material back.
        let assembled =
            crate::verify::keyless::legacy::assemble_signature(b"payload", &logged.annotations)
                .unwrap();
        let material = assembled.verification_material.unwrap();
        let entry = &material.tlog_entries[0];
        assert_eq!((entry.log_index, entry.integrated_time), (7, 1_700_000_000));
        assert_eq!(
            entry
                .inclusion_promise
                .as_ref()
                .unwrap()
                .signed_entry_timestamp,
            b"set"
        );
        let chain = material.x509_certificate_chain.unwrap().certificates;
        assert_eq!(chain.len(), 2);
        assert_eq!(assembled.message_signature.unwrap().signature, [4, 5, 6]);

        // A bundle without a message signature is not a `.sig` signature.
        let mut dsse = keyless_bundle(false);
        dsse.message_signature = None;
        assert!(keyless_signature_layer(b"payload", &dsse, &[]).is_err());
    }

    fn vector(path: &str) -> Vec<u8> {
        std::fs::read(format!("{VECTORS}/{path}")).unwrap()
    }

    #[test]
    fn sbom_image_has_cosigns_exact_bytes() {
        let sbom = vector("legacy-sbom/layer.spdx.json");
        let layer = NewLayer {
            media_type: media_type::SPDX_JSON.to_owned(),
            bytes: sbom,
            annotations: BTreeMap::new(),
        };
        let (manifest, config) = image_manifest(&[], &[layer]);
        assert_eq!(config, vector("legacy-sbom/config.json"));
        assert_eq!(manifest.to_json(), vector("legacy-sbom/manifest.json"));
    }

    #[test]
    fn att_image_has_cosigns_exact_shape() {
        // The vector's layer also carries keyless annotations (certificate,
        // chain, bundle); with those copied, every byte must match.
        let want: Manifest =
            Manifest::parse(&vector("legacy-att/manifest.json"), "vector").unwrap();
        let env = Envelope::from_json(&vector("legacy-att/layer.dsse.json")).unwrap();
        let mut layer = attestation_layer(&env, "https://cosign.sigstore.dev/attestation/v1");
        assert_eq!(layer.bytes, vector("legacy-att/layer.dsse.json"));
        for (k, v) in &want.layers[0].annotations {
            layer.annotations.entry(k.clone()).or_insert(v.clone());
        }
        assert_eq!(layer.annotations, want.layers[0].annotations);
        let (manifest, config) = image_manifest(&[], &[layer]);
        assert_eq!(config, vector("legacy-att/config.json"));
        assert_eq!(manifest.to_json(), vector("legacy-att/manifest.json"));
    }

    #[test]
    fn appends_layers_and_skips_identical_ones() {
        let (store, image) =
            MemStore::with_image(b"{\"schemaVersion\":2}", media_type::OCI_MANIFEST);
        let key = PrivateKey::generate_p256().unwrap();
        let e1 = crate::dsse::sign(media_type::IN_TOTO, b"{}", &key).unwrap();
        let e2 = crate::dsse::sign(media_type::IN_TOTO, b"{\"a\":1}", &key).unwrap();
        let a1 = attach_attestation(&store, &image, &e1, "https://spdx.dev/Document").unwrap();
        assert!(a1.added);
        assert_eq!(a1.tag, format!("{}.att", image.replace(':', "-")));
        let a2 = attach_attestation(&store, &image, &e2, "https://spdx.dev/Document").unwrap();
        assert!(a2.added);
        let again = attach_attestation(&store, &image, &e1, "https://spdx.dev/Document").unwrap();
        assert!(!again.added);
        assert_eq!(again.manifest_digest, a2.manifest_digest);
        let layers = read(&store, &image, Suffix::Att).unwrap();
        assert_eq!(layers.len(), 2);
        assert_eq!(layers[0].bytes, e1.to_json());
        assert_eq!(layers[1].bytes, e2.to_json());
        assert_eq!(layers[1].annotations[annotation::SIGNATURE], "");
        // The config lists both layers.
        let m = Manifest::parse(&store.manifest(&a2.tag).unwrap().bytes, "m").unwrap();
        let config: serde_json::Value =
            serde_json::from_slice(&read_blob(&store, &m.config.digest).unwrap()).unwrap();
        assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);
        assert_eq!(config["history"].as_array().unwrap().len(), 2);
        assert!(read(&store, &image, Suffix::Sig).unwrap().is_empty());
    }

    #[test]
    fn sbom_replaces_previous_one() {
        let (store, image) =
            MemStore::with_image(b"{\"schemaVersion\":2}", media_type::OCI_MANIFEST);
        attach_sbom(&store, &image, b"one", media_type::SPDX).unwrap();
        attach_sbom(&store, &image, b"two", media_type::SPDX).unwrap();
        let layers = read(&store, &image, Suffix::Sbom).unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].bytes, b"two");
        assert_eq!(layers[0].media_type, media_type::SPDX);
    }

    #[test]
    fn rejects_bad_digests() {
        let store = MemStore::default();
        assert!(read(&store, "sha256:../../x", Suffix::Att).is_err());
        assert!(attach_sbom(&store, "latest", b"x", media_type::SPDX).is_err());
    }
}
