//! DSSE envelopes ([Dead Simple Signing Envelope]) as cosign writes and reads them.
//!
//! The envelope keeps the payload as the exact decoded bytes: signatures are
//! made over [`pae`] of those bytes, so they must never be re-serialised.
//!
//! [Dead Simple Signing Envelope]: https://github.com/secure-systems-lab/dsse/blob/master/envelope.md

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::de::Deserializer;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::key::PrivateKey;
use crate::{Error, Result};

/// A DSSE envelope: payload type, the exact payload bytes and its signatures.
///
/// Serialises like cosign (go-securesystemslib's `dsse.Envelope`):
/// `{"payloadType":…,"payload":…,"signatures":[{"keyid":"","sig":…}]}` with
/// standard, padded base64. Deserialisation accepts any field order, a
/// missing `keyid`, and standard or URL-safe base64 with or without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The payload type, e.g. `application/vnd.in-toto+json`.
    pub payload_type: String,
    /// The decoded payload bytes, exactly as signed.
    pub payload: Vec<u8>,
    /// The signatures over [`pae`]`(payload_type, payload)`.
    pub signatures: Vec<Signature>,
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Key identifier; unauthenticated, cosign writes `""`.
    pub keyid: String,
    /// The raw signature bytes (ASN.1 DER for ECDSA, as cosign signs).
    pub sig: Vec<u8>,
}

/// DSSE v1 pre-authentication encoding:
/// `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`, lengths in
/// ASCII decimal bytes ([protocol](https://github.com/secure-systems-lab/dsse/blob/master/protocol.md)).
#[must_use]
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` into an envelope with one signature and `keyid: ""`, as
/// `cosign attest --key` does.
///
/// # Errors
/// When the key fails to sign (see [`PrivateKey::sign`]).
pub fn sign(payload_type: &str, payload: &[u8], key: &PrivateKey) -> Result<Envelope> {
    let sig = key.sign(&pae(payload_type, payload))?;
    Ok(Envelope {
        payload_type: payload_type.to_owned(),
        payload: payload.to_vec(),
        signatures: vec![Signature {
            keyid: String::new(),
            sig,
        }],
    })
}

impl Envelope {
    /// The bytes the signatures cover: [`pae`] of this envelope.
    #[must_use]
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// Parses an envelope from JSON.
    ///
    /// # Errors
    /// [`Error::Malformed`] when the JSON or a base64 field is invalid.
    pub fn from_json(json: &[u8]) -> Result<Self> {
        serde_json::from_slice(json).map_err(|e| Error::Malformed {
            what: "dsse envelope".to_owned(),
            message: e.to_string(),
        })
    }

    /// Serialises the envelope as cosign writes it (compact JSON).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising strings and byte vectors into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Serialize for Envelope {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("Envelope", 3)?;
        st.serialize_field("payloadType", &self.payload_type)?;
        st.serialize_field("payload", &STANDARD.encode(&self.payload))?;
        let sigs: Vec<CosignSignature<'_>> = self.signatures.iter().map(CosignSignature).collect();
        st.serialize_field("signatures", &sigs)?;
        st.end()
    }
}

/// go-securesystemslib's `Signature` field order: `keyid` (always), `sig`.
struct CosignSignature<'a>(&'a Signature);

impl Serialize for CosignSignature<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("Signature", 2)?;
        st.serialize_field("keyid", &self.0.keyid)?;
        st.serialize_field("sig", &STANDARD.encode(&self.0.sig))?;
        st.end()
    }
}

/// Serialises an envelope as protojson writes the Sigstore `io.intoto.Envelope`
/// message inside a bundle: `payload`, `payloadType`, `signatures[{sig, keyid}]`,
/// with an empty `keyid` left out.
pub(crate) struct ProtoEnvelope<'a>(pub(crate) &'a Envelope);

impl Serialize for ProtoEnvelope<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("Envelope", 3)?;
        st.serialize_field("payload", &STANDARD.encode(&self.0.payload))?;
        st.serialize_field("payloadType", &self.0.payload_type)?;
        let sigs: Vec<ProtoSignature<'_>> = self.0.signatures.iter().map(ProtoSignature).collect();
        st.serialize_field("signatures", &sigs)?;
        st.end()
    }
}

struct ProtoSignature<'a>(&'a Signature);

impl Serialize for ProtoSignature<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let len = if self.0.keyid.is_empty() { 1 } else { 2 };
        let mut map = serializer.serialize_map(Some(len))?;
        map.serialize_entry("sig", &STANDARD.encode(&self.0.sig))?;
        if !self.0.keyid.is_empty() {
            map.serialize_entry("keyid", &self.0.keyid)?;
        }
        map.end()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload_type: String,
    payload: String,
    // A missing or null list is zero signatures: the verifier reports that
    // as a signature-count failure rather than a parse error.
    #[serde(default, deserialize_with = "crate::bundle::null_as_default")]
    signatures: Vec<RawSignature>,
}

#[derive(Deserialize)]
struct RawSignature {
    #[serde(default, deserialize_with = "crate::bundle::null_as_default")]
    keyid: String,
    sig: String,
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let raw = RawEnvelope::deserialize(deserializer)?;
        let payload = decode_base64(&raw.payload)
            .map_err(|e| serde::de::Error::custom(format!("payload: {e}")))?;
        let signatures = raw
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let sig = decode_base64(&s.sig)
                    .map_err(|e| serde::de::Error::custom(format!("signatures[{i}].sig: {e}")))?;
                Ok(Signature {
                    keyid: s.keyid,
                    sig,
                })
            })
            .collect::<std::result::Result<Vec<_>, D::Error>>()?;
        Ok(Envelope {
            payload_type: raw.payload_type,
            payload,
            signatures,
        })
    }
}

/// Standard alphabet; padding optional; non-zero trailing bits allowed (Go's
/// `encoding/base64` is not strict about them either).
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// URL-safe alphabet with the same leniency as [`LENIENT_STANDARD`].
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64 the way DSSE readers do: standard alphabet first, then
/// URL-safe (the DSSE spec allows both; go-securesystemslib tries
/// `StdEncoding` then `URLEncoding`, protojson accepts either with or without
/// padding). Like Go's decoder, CR and LF are ignored.
///
/// # Errors
/// A message when neither alphabet decodes the text.
pub fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, String> {
    let cleaned: std::borrow::Cow<'_, str> = if text.contains(['\r', '\n']) {
        text.chars()
            .filter(|c| *c != '\r' && *c != '\n')
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    LENIENT_STANDARD
        .decode(cleaned.as_bytes())
        .or_else(|_| LENIENT_URL_SAFE.decode(cleaned.as_bytes()))
        .map_err(|e| format!("invalid base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_spec_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn decodes_all_base64_flavours() {
        // 0xfb 0xff encodes to "+/8=" (standard) and "-_8=" (URL-safe).
        for text in ["+/8=", "+/8", "-_8=", "-_8", "+/\n8=\r\n"] {
            assert_eq!(decode_base64(text).unwrap(), vec![0xfb, 0xff], "{text}");
        }
        assert!(decode_base64("+_8=").is_err());
        assert!(decode_base64("a").is_err());
        assert!(decode_base64("!!!!").is_err());
    }

    #[test]
    fn serialises_like_cosign() {
        let env = Envelope {
            payload_type: "application/vnd.in-toto+json".to_owned(),
            payload: b"{}".to_vec(),
            signatures: vec![Signature {
                keyid: String::new(),
                sig: vec![1, 2, 3],
            }],
        };
        assert_eq!(
            String::from_utf8(env.to_json()).unwrap(),
            r#"{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AQID"}]}"#
        );
        let proto = serde_json::to_string(&ProtoEnvelope(&env)).unwrap();
        assert_eq!(
            proto,
            r#"{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AQID"}]}"#
        );
        assert_eq!(Envelope::from_json(env.to_json().as_slice()).unwrap(), env);
        assert_eq!(Envelope::from_json(proto.as_bytes()).unwrap(), env);
    }

    #[test]
    fn rejects_malformed_envelopes_without_panicking() {
        for json in [
            "",
            "null",
            "[]",
            "{}",
            r#"{"payloadType":"x"}"#,
            r#"{"payloadType":"x","payload":"%%%","signatures":[]}"#,
            r#"{"payloadType":"x","payload":"","signatures":[{"sig":"*"}]}"#,
            r#"{"payloadType":"x","payload":"","signatures":[{"keyid":""}]}"#,
            r#"{"payloadType":1,"payload":"","signatures":[]}"#,
            r#"{"payloadType":"x","payload":"","signatures":{}}"#,
        ] {
            assert!(Envelope::from_json(json.as_bytes()).is_err(), "{json}");
        }
        let env =
            Envelope::from_json(br#"{"payloadType":"x","payload":"","signatures":null}"#).unwrap();
        assert!(env.signatures.is_empty());
    }
}
