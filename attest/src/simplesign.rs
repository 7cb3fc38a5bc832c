//! cosign's "simple signing" image signatures: the payload of a `.sig` layer
//! (`application/vnd.dev.cosign.simplesigning.v1+json`) and its verification.
//!
//! The payload is sigstore's `payload.SimpleContainerImage`
//! ([containers-signature format](https://github.com/containers/image/blob/main/docs/containers-signature.5.md)),
//! written with Go's `encoding/json`; the signature (base64 in the layer
//! annotation [`SIGNATURE_ANNOTATION`]) covers the exact payload bytes.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::key::{PrivateKey, PublicKey};
use crate::verify::Check;
use crate::Result;

/// Media type of a cosign simple-signing layer.
pub const MEDIA_TYPE: &str = sbomctl_oci::media_type::SIMPLE_SIGNING;
/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// `critical.type` of a cosign image signature.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";

/// A parsed simple-signing payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SimpleSigning {
    /// The signed claims.
    pub critical: Critical,
    /// Unsigned-by-policy annotations (`cosign sign -a`), `null` when none.
    #[serde(default)]
    pub optional: Option<Map<String, Value>>,
}

/// `critical` of a simple-signing payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Critical {
    /// `identity`.
    pub identity: Identity,
    /// `image`.
    pub image: Image,
    /// `type`; cosign writes [`COSIGN_SIGNATURE_TYPE`].
    #[serde(rename = "type", default)]
    pub type_: String,
}

/// `critical.identity`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Identity {
    /// The repository, as go-containerregistry names it (`Repository.Name()`).
    #[serde(rename = "docker-reference", default)]
    pub docker_reference: String,
}

/// `critical.image`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Image {
    /// The signed manifest digest, `sha256:<hex>`.
    #[serde(rename = "docker-manifest-digest", default)]
    pub docker_manifest_digest: String,
}

/// Builds the payload bytes exactly as cosign does (`json.Marshal` of
/// `payload.Cosign`): compact, fields in the order `critical{identity,
/// image, type}`, `optional`; `optional` is `null` without annotations and
/// otherwise has sorted keys and Go's HTML-safe string escaping.
///
/// `docker_reference` is the repository as cosign normalises it
/// (`index.docker.io/library/busybox` for `busybox`); `manifest_digest` is
/// `sha256:<hex>`.
#[must_use]
pub fn payload(
    docker_reference: &str,
    manifest_digest: &str,
    optional: Option<&Map<String, Value>>,
) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    out.push_str(r#"{"critical":{"identity":{"docker-reference":"#);
    write_go_string(&mut out, docker_reference);
    out.push_str(r#"},"image":{"docker-manifest-digest":"#);
    write_go_string(&mut out, manifest_digest);
    out.push_str(r#"},"type":"#);
    write_go_string(&mut out, COSIGN_SIGNATURE_TYPE);
    out.push_str(r#"},"optional":"#);
    match optional {
        Some(map) => write_go_object(&mut out, map),
        None => out.push_str("null"),
    }
    out.push('}');
    out.into_bytes()
}

impl SimpleSigning {
    /// The payload as cosign's `verify` prints it: Go's `json.Marshal` of
    /// the parsed `payload.SimpleContainerImage` (fields it does not know
    /// are dropped; `optional` is `null` when absent).
    #[must_use]
    pub fn to_go_json(&self) -> Vec<u8> {
        let mut out = String::with_capacity(256);
        out.push_str(r#"{"critical":{"identity":{"docker-reference":"#);
        write_go_string(&mut out, &self.critical.identity.docker_reference);
        out.push_str(r#"},"image":{"docker-manifest-digest":"#);
        write_go_string(&mut out, &self.critical.image.docker_manifest_digest);
        out.push_str(r#"},"type":"#);
        write_go_string(&mut out, &self.critical.type_);
        out.push_str(r#"},"optional":"#);
        match &self.optional {
            Some(map) => write_go_object(&mut out, map),
            None => out.push_str("null"),
        }
        out.push('}');
        out.into_bytes()
    }
}

/// Signs a simple-signing payload; returns the payload and the base64
/// signature for the [`SIGNATURE_ANNOTATION`] annotation.
///
/// # Errors
/// When the key fails to sign.
pub fn sign(
    docker_reference: &str,
    manifest_digest: &str,
    optional: Option<&Map<String, Value>>,
    key: &PrivateKey,
) -> Result<(Vec<u8>, String)> {
    use base64::Engine as _;
    let payload = payload(docker_reference, manifest_digest, optional);
    let sig = key.sign(&payload)?;
    Ok((
        payload,
        base64::engine::general_purpose::STANDARD.encode(sig),
    ))
}

/// Verifies a `.sig` layer: the signature (base64, from the
/// [`SIGNATURE_ANNOTATION`] annotation) over the exact `payload` bytes, then
/// that `critical.image.docker-manifest-digest` equals `image_digest`
/// (`sha256:<hex>`, or bare hex). Like cosign, `docker-reference` and `type`
/// are not checked.
///
/// # Errors
/// [`crate::Error::Verification`] with check `signature`, `payload` or `image digest`.
pub fn verify(
    payload: &[u8],
    signature_b64: &str,
    key: &PublicKey,
    image_digest: &str,
) -> Result<SimpleSigning> {
    let sig = crate::dsse::decode_base64(signature_b64.trim())
        .map_err(|e| Check::Signature.fail(format!("annotation {SIGNATURE_ANNOTATION}: {e}")))?;
    key.verify(payload, &sig)
        .map_err(|e| Check::Signature.fail(crate::verify::reason(e)))?;
    Check::Signature.passed();
    check_claims(payload, image_digest)
}

/// The claims half of [`verify`], for a payload whose signature was
/// verified otherwise (keyless): it parses, and
/// `critical.image.docker-manifest-digest` equals `image_digest`.
///
/// # Errors
/// [`crate::Error::Verification`] with check `payload` or `image digest`.
pub fn check_claims(payload: &[u8], image_digest: &str) -> Result<SimpleSigning> {
    let parsed: SimpleSigning = serde_json::from_slice(payload)
        .map_err(|e| Check::Payload.fail(format!("not a simple signing payload: {e}")))?;
    Check::Payload.passed();
    let expected = if image_digest.contains(':') {
        image_digest.to_owned()
    } else {
        format!("sha256:{image_digest}")
    };
    if parsed.critical.image.docker_manifest_digest != expected {
        return Err(Check::ImageDigest.fail(format!(
            "payload signs {}, not {expected}",
            parsed.critical.image.docker_manifest_digest
        )));
    }
    Check::ImageDigest.passed();
    Ok(parsed)
}

/// Checks that the payload's `optional` section has every `wanted`
/// annotation with the same value, as cosign's `SimpleClaimVerifier` does
/// for `cosign verify -a KEY=VALUE` (values compare as strings; a
/// non-string value never matches).
///
/// # Errors
/// [`crate::Error::Verification`] with check `annotations`, naming the first
/// annotation that is missing or different.
pub fn check_annotations(
    signed: &SimpleSigning,
    wanted: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    for (key, value) in wanted {
        let found = signed.optional.as_ref().and_then(|o| o.get(key));
        match found {
            Some(Value::String(s)) if s == value => {}
            Some(other) => {
                return Err(Check::Annotations.fail(format!(
                    "missing or incorrect annotation: {key} is {other}, not {value:?}"
                )))
            }
            None => {
                return Err(Check::Annotations.fail(format!(
                    "missing or incorrect annotation: {key} is not in the payload"
                )))
            }
        }
    }
    if !wanted.is_empty() {
        Check::Annotations.passed();
    }
    Ok(())
}

/// Writes a JSON string as Go's `encoding/json` does by default: `<`, `>`,
/// `&`, U+2028 and U+2029 escaped as `\uXXXX`.
fn write_go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go marshals `map[string]interface{}` with sorted keys.
fn write_go_object(out: &mut String, map: &Map<String, Value>) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_go_string(out, key);
        out.push(':');
        if let Some(value) = map.get(key) {
            write_go_value(out, value);
        }
    }
    out.push('}');
}

fn write_go_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // Integers print alike; Go's float64 formatting can differ for
        // exponents, but cosign annotations are strings.
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_go_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_go_object(out, map),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_matches_cosign_bytes() {
        // sigstore-rs src/cosign/signature_layers.rs test constant (cosign output).
        let expected = r#"{"critical":{"identity":{"docker-reference":"registry-testing.svc.lan/busybox"},"image":{"docker-manifest-digest":"sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b"},"type":"cosign container image signature"},"optional":null}"#;
        let got = payload(
            "registry-testing.svc.lan/busybox",
            "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b",
            None,
        );
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }

    #[test]
    fn go_json_of_a_parsed_payload_is_the_payload_cosign_wrote() {
        let mut map = Map::new();
        map.insert("k".into(), Value::String("v".into()));
        for optional in [None, Some(&map)] {
            let bytes = payload("r/x", "sha256:00", optional);
            let parsed: SimpleSigning = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed.to_go_json(), bytes);
        }
    }

    #[test]
    fn annotations_must_match_as_strings() {
        let mut map = Map::new();
        map.insert("env".into(), Value::String("prod".into()));
        map.insert("n".into(), Value::from(1));
        let signed: SimpleSigning =
            serde_json::from_slice(&payload("r", "sha256:00", Some(&map))).unwrap();
        let want =
            |k: &str, v: &str| std::collections::BTreeMap::from([(k.to_owned(), v.to_owned())]);
        assert!(check_annotations(&signed, &want("env", "prod")).is_ok());
        assert!(check_annotations(&signed, &Default::default()).is_ok());
        for (k, v) in [("env", "dev"), ("team", "x"), ("n", "1")] {
            let err = check_annotations(&signed, &want(k, v)).unwrap_err();
            assert!(err.to_string().contains("annotation"), "{err}");
        }
        let unsigned: SimpleSigning =
            serde_json::from_slice(&payload("r", "sha256:00", None)).unwrap();
        assert!(check_annotations(&unsigned, &want("env", "prod")).is_err());
    }

    #[test]
    fn optional_annotations_are_sorted_and_go_escaped() {
        let mut map = Map::new();
        map.insert("z".into(), Value::String("<a&b>".into()));
        map.insert("a".into(), Value::String("x\u{2028}".into()));
        let got = payload("r", "sha256:00", Some(&map));
        assert!(String::from_utf8(got)
            .unwrap()
            .ends_with(r#""optional":{"a":"x\u2028","z":"\u003ca\u0026b\u003e"}}"#));
    }
}
