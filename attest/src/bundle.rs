//! Sigstore bundles (`*.sigstore.json`): serde types for the protobuf-specs
//! JSON form of `dev.sigstore.bundle.v1.Bundle`, media types v0.1 to v0.3.
//!
//! Field names are the protojson (lowerCamelCase) names; `bytes` fields are
//! base64 and `int64` fields are decimal strings, as protojson writes them.
//! Fields this crate does not model are kept in `extra` maps so a parse and
//! re-serialisation loses nothing. Transparency-log entries are parsed but not
//! verified here. See the
//! [protobuf-specs](https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::de::{DeserializeOwned, Deserializer};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::dsse::{Envelope, ProtoEnvelope};
use crate::key::PublicKey;
use crate::{Error, Result};
use sbomctl_oci::media_type;

/// Media type of a v0.1 bundle.
pub const MEDIA_TYPE_V0_1: &str = media_type::SIGSTORE_BUNDLE_V0_1;
/// Media type of a v0.2 bundle.
pub const MEDIA_TYPE_V0_2: &str = media_type::SIGSTORE_BUNDLE_V0_2;
/// Media type of a v0.3 bundle, old spelling.
pub const MEDIA_TYPE_V0_3_LEGACY: &str = media_type::SIGSTORE_BUNDLE_V0_3_LEGACY;
/// Media type of a v0.3 bundle; the one cosign writes (`BundleV03MediaType`).
pub const MEDIA_TYPE_V0_3: &str = media_type::SIGSTORE_BUNDLE;

/// `messageDigest.algorithm` for SHA-256 (protobuf `HashAlgorithm` enum name).
pub const SHA2_256: &str = "SHA2_256";

/// A bundle format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// v0.1
    V0_1,
    /// v0.2
    V0_2,
    /// v0.3 (either media type spelling)
    V0_3,
}

impl BundleVersion {
    /// The version a media type names, if it is one of the known ones.
    #[must_use]
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type {
            MEDIA_TYPE_V0_1 => Some(BundleVersion::V0_1),
            MEDIA_TYPE_V0_2 => Some(BundleVersion::V0_2),
            MEDIA_TYPE_V0_3 | MEDIA_TYPE_V0_3_LEGACY => Some(BundleVersion::V0_3),
            _ => None,
        }
    }
}

/// A Sigstore bundle: verification material plus one signed content
/// (`messageSignature` or `dsseEnvelope`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// The bundle media type (see [`BundleVersion::from_media_type`]).
    pub media_type: String,
    /// Key hint or certificates, tlog entries and timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_material: Option<VerificationMaterial>,
    /// A signature over a message digest (`cosign sign-blob`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    /// A DSSE envelope (`cosign attest`, `cosign sign` v3).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_proto_envelope"
    )]
    pub dsse_envelope: Option<Envelope>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.bundle.v1.VerificationMaterial`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// A key the verifier already has, named by an (unauthenticated) hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// A certificate chain, leaf first (v0.1, v0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<X509CertificateChain>,
    /// The leaf certificate (v0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<X509Certificate>,
    /// Transparency log entries (parsed, not verified by this crate yet).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    /// RFC 3161 timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.PublicKeyIdentifier`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyIdentifier {
    /// Opaque hint; cosign writes base64(sha256(SPKI DER)), see [`public_key_hint`].
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub hint: String,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.X509Certificate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Certificate {
    /// DER bytes.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub raw_bytes: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.X509CertificateChain`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509CertificateChain {
    /// Certificates, leaf first.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub certificates: Vec<X509Certificate>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.rekor.v1.TransparencyLogEntry`. Parsed so nothing is lost;
/// verification of these entries is not implemented in this crate yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyLogEntry {
    /// Global log index.
    #[serde(default, with = "int64", skip_serializing_if = "is_zero")]
    pub log_index: i64,
    /// The log's key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<LogId>,
    /// Entry kind and version (`dsse`/`0.0.1`, `hashedrekord`/`0.0.2`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_version: Option<KindVersion>,
    /// Unix seconds the log integrated the entry (0 for Rekor v2).
    #[serde(default, with = "int64", skip_serializing_if = "is_zero")]
    pub integrated_time: i64,
    /// The signed entry timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    /// Merkle inclusion proof and checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonicalised Rekor entry body.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub canonicalized_body: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.LogId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    /// The log's key id bytes.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub key_id: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.rekor.v1.KindVersion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KindVersion {
    /// Entry kind.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub kind: String,
    /// Entry version.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub version: String,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.rekor.v1.InclusionPromise`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    /// The signed entry timestamp (SET).
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub signed_entry_timestamp: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.rekor.v1.InclusionProof`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// Index of the entry in the tree the proof is for.
    #[serde(default, with = "int64", skip_serializing_if = "is_zero")]
    pub log_index: i64,
    /// Merkle root hash.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub root_hash: Vec<u8>,
    /// Tree size.
    #[serde(default, with = "int64", skip_serializing_if = "is_zero")]
    pub tree_size: i64,
    /// Audit path hashes.
    #[serde(default, with = "b64_list", skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint (note format text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<Checkpoint>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.rekor.v1.Checkpoint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    /// The signed note text.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub envelope: String,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.bundle.v1.TimestampVerificationData`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimestampVerificationData {
    /// RFC 3161 signed timestamps.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub rfc3161_timestamps: Vec<Rfc3161SignedTimestamp>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.RFC3161SignedTimestamp`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rfc3161SignedTimestamp {
    /// DER `TimeStampResp` token.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub signed_timestamp: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.MessageSignature`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    /// Digest of the signed message (a hint; verifiers hash the artifact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    /// The signature over the message.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub signature: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `dev.sigstore.common.v1.HashOutput`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HashOutput {
    /// Algorithm enum name, e.g. [`SHA2_256`].
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub algorithm: String,
    /// The digest bytes.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub digest: Vec<u8>,
    /// Fields not modelled here, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `publicKey.hint` cosign writes for a key: standard base64 of the
/// SHA-256 of the key's SubjectPublicKeyInfo DER (cosign
/// `pkg/cosign/bundle/protobundle.go`, `MakeNewBundle`).
#[must_use]
pub fn public_key_hint(spki_der: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(spki_der))
}

impl Bundle {
    /// Parses a bundle from JSON. The media type is not checked here.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the JSON does not have the bundle shape.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        serde_json::from_slice(json).map_err(|e| Error::Malformed {
            what: "sigstore bundle".to_owned(),
            message: e.to_string(),
        })
    }

    /// Serialises the bundle as compact JSON.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        // Only strings, numbers and maps of `Value`s: cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The bundle version named by the media type, if known.
    #[must_use]
    pub fn version(&self) -> Option<BundleVersion> {
        BundleVersion::from_media_type(&self.media_type)
    }

    /// A v0.3 bundle around a key-signed DSSE envelope, as `cosign attest
    /// --key … --new-bundle-format --tlog-upload=false` builds it:
    /// `publicKey.hint` from [`public_key_hint`], no tlog entries, and the
    /// envelope's signatures without key ids.
    ///
    /// # Errors
    /// When the key cannot be encoded as SPKI DER.
    pub fn for_dsse_with_key(envelope: &Envelope, key: &PublicKey) -> Result<Self> {
        let mut envelope = envelope.clone();
        for sig in &mut envelope.signatures {
            sig.keyid.clear();
        }
        Ok(Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(VerificationMaterial::for_key(key)?),
            message_signature: None,
            dsse_envelope: Some(envelope),
            extra: Map::new(),
        })
    }

    /// A v0.3 `sign-blob` bundle: `messageSignature` with the SHA-256 digest of
    /// `blob` and `signature` (made over the blob itself).
    ///
    /// # Errors
    /// When the key cannot be encoded as SPKI DER.
    pub fn for_blob_with_key(blob: &[u8], signature: Vec<u8>, key: &PublicKey) -> Result<Self> {
        Self::for_blob_digest_with_key(&Sha256::digest(blob), signature, key)
    }

    /// [`for_blob_with_key`](Self::for_blob_with_key) given the blob's
    /// SHA-256 `digest` instead of its bytes (a blob read as a stream).
    ///
    /// # Errors
    /// The key cannot be encoded.
    pub fn for_blob_digest_with_key(
        digest: &[u8],
        signature: Vec<u8>,
        key: &PublicKey,
    ) -> Result<Self> {
        Ok(Bundle {
            media_type: MEDIA_TYPE_V0_3.to_owned(),
            verification_material: Some(VerificationMaterial::for_key(key)?),
            message_signature: Some(MessageSignature {
                message_digest: Some(HashOutput {
                    algorithm: SHA2_256.to_owned(),
                    digest: digest.to_vec(),
                    extra: Map::new(),
                }),
                signature,
                extra: Map::new(),
            }),
            dsse_envelope: None,
            extra: Map::new(),
        })
    }
}

impl VerificationMaterial {
    fn for_key(key: &PublicKey) -> Result<Self> {
        Ok(VerificationMaterial {
            public_key: Some(PublicKeyIdentifier {
                hint: public_key_hint(&key.to_spki_der()?),
                extra: Map::new(),
            }),
            ..VerificationMaterial::default()
        })
    }
}

#[allow(clippy::ref_option)] // the signature serde's `serialize_with` requires
fn serialize_proto_envelope<S: Serializer>(
    envelope: &Option<Envelope>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match envelope {
        Some(envelope) => ProtoEnvelope(envelope).serialize(serializer),
        None => serializer.serialize_none(),
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` signature
fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// protojson reads `null` as "field not set": treat it as the default value.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + DeserializeOwned,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// protojson `bytes`: written as standard padded base64, read in any base64 flavour.
mod b64 {
    use super::{Deserialize, Deserializer, Serializer, STANDARD};
    use base64::Engine as _;

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Vec::new()),
            Some(text) => crate::dsse::decode_base64(&text).map_err(serde::de::Error::custom),
        }
    }
}

/// protojson `repeated bytes`.
mod b64_list {
    use super::{Deserialize, Deserializer, Serializer, STANDARD};
    use base64::Engine as _;
    use serde::ser::SerializeSeq;

    pub(super) fn serialize<S: Serializer>(
        list: &[Vec<u8>],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(list.len()))?;
        for bytes in list {
            seq.serialize_element(&STANDARD.encode(bytes))?;
        }
        seq.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<u8>>, D::Error> {
        Option::<Vec<String>>::deserialize(deserializer)?
            .unwrap_or_default()
            .iter()
            .map(|text| crate::dsse::decode_base64(text).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// protojson `int64`: written as a decimal string, read as a string or a number.
mod int64 {
    use super::{Deserialize, Deserializer, Serializer};

    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` signature
    pub(super) fn serialize<S: Serializer>(value: &i64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrNumber {
        String(String),
        Number(i64),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        match Option::<StringOrNumber>::deserialize(deserializer)? {
            None => Ok(0),
            Some(StringOrNumber::Number(n)) => Ok(n),
            Some(StringOrNumber::String(s)) => s
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("invalid int64 `{s}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_all_media_types() {
        assert_eq!(
            BundleVersion::from_media_type(MEDIA_TYPE_V0_1),
            Some(BundleVersion::V0_1)
        );
        assert_eq!(
            BundleVersion::from_media_type(MEDIA_TYPE_V0_2),
            Some(BundleVersion::V0_2)
        );
        assert_eq!(
            BundleVersion::from_media_type(MEDIA_TYPE_V0_3),
            Some(BundleVersion::V0_3)
        );
        assert_eq!(
            BundleVersion::from_media_type(MEDIA_TYPE_V0_3_LEGACY),
            Some(BundleVersion::V0_3)
        );
        assert_eq!(
            BundleVersion::from_media_type("application/vnd.dev.sigstore.bundle+json;version=0.4"),
            None
        );
    }

    #[test]
    fn reads_int64_as_string_or_number_and_nulls_as_unset() {
        let json = br#"{"mediaType":"m","verificationMaterial":{"tlogEntries":[{"logIndex":"-1","integratedTime":5,"inclusionProof":null,"canonicalizedBody":"e30"}],"timestampVerificationData":null}}"#;
        let b = Bundle::from_json(json).unwrap();
        let vm = b.verification_material.unwrap();
        let e = &vm.tlog_entries[0];
        assert_eq!(e.log_index, -1);
        assert_eq!(e.integrated_time, 5);
        assert_eq!(e.canonicalized_body, b"{}");
        assert!(e.inclusion_proof.is_none());
        assert!(vm.timestamp_verification_data.is_none());
    }

    #[test]
    fn keeps_unknown_fields() {
        let json = br#"{"mediaType":"m","future":{"a":1},"verificationMaterial":{"publicKey":{"hint":"h"},"other":[1]}}"#;
        let b = Bundle::from_json(json).unwrap();
        let back: Value = serde_json::from_slice(&b.to_json()).unwrap();
        assert_eq!(back, serde_json::from_slice::<Value>(json).unwrap());
    }

    #[test]
    fn rejects_bad_bytes_and_ints() {
        assert!(
            Bundle::from_json(br#"{"mediaType":"m","messageSignature":{"signature":"@@"}}"#)
                .is_err()
        );
        assert!(Bundle::from_json(
            br#"{"mediaType":"m","verificationMaterial":{"tlogEntries":[{"logIndex":"x"}]}}"#
        )
        .is_err());
        assert!(Bundle::from_json(b"{").is_err());
        assert!(Bundle::from_json(b"{}").is_err());
    }
}
