//! The Sigstore trusted root (`application/vnd.dev.sigstore.trustedroot+json`):
//! Fulcio CAs, Rekor logs, CT logs and timestamp authorities, each with the
//! time range in which it may be trusted.

use base64::Engine as _;
use serde::Deserialize;

use crate::date::parse_rfc3339;
use crate::{Error, Result};

/// The public-good production trusted root shipped in the binary.
pub const PUBLIC_GOOD: &str =
    include_str!("../../../testdata/trusted-roots/public-good-prod.trusted_root.json");

/// A closed time range `[start, end]` in seconds since the epoch; `end`
/// open when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidFor {
    /// Start (inclusive).
    pub start: i64,
    /// End (inclusive), if any.
    pub end: Option<i64>,
}

impl ValidFor {
    /// Whether `t` lies in the range (both ends inclusive).
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && self.end.is_none_or(|e| t <= e)
    }
}

/// A transparency log (Rekor) or CT log key.
#[derive(Debug, Clone)]
pub struct LogKey {
    /// Base URL (for messages and checkpoint origins).
    pub base_url: String,
    /// The log ID: sha256 of the public key's DER (as stored in `logId.keyId`).
    pub log_id: Vec<u8>,
    /// SubjectPublicKeyInfo DER.
    pub spki_der: Vec<u8>,
    /// `keyDetails` (`PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`, …).
    pub key_details: String,
    /// When the key may be used.
    pub valid_for: ValidFor,
}

/// A certificate authority (Fulcio) or timestamp authority.
#[derive(Debug, Clone)]
pub struct Authority {
    /// `uri`.
    pub uri: String,
    /// DER certificates, leaf-most first, root last.
    pub chain: Vec<Vec<u8>>,
    /// When the authority may be used.
    pub valid_for: ValidFor,
}

/// A parsed trusted root.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// Rekor logs.
    pub tlogs: Vec<LogKey>,
    /// Certificate transparency logs.
    pub ctlogs: Vec<LogKey>,
    /// Fulcio CAs.
    pub certificate_authorities: Vec<Authority>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<Authority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawAuthority>,
    #[serde(default)]
    timestamp_authorities: Vec<RawAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    #[serde(default)]
    base_url: String,
    public_key: RawPublicKey,
    log_id: RawLogId,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPublicKey {
    raw_bytes: String,
    #[serde(default)]
    key_details: String,
    valid_for: Option<RawValidFor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: String,
}

#[derive(Deserialize)]
struct RawValidFor {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAuthority {
    #[serde(default)]
    uri: String,
    cert_chain: RawChain,
    valid_for: Option<RawValidFor>,
}

#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::Malformed {
        what: "trusted root".to_owned(),
        message: message.into(),
    }
}

fn b64(s: &str, field: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| malformed(format!("{field}: {e}")))
}

/// A time range must have a start: a missing start is malformed, never
/// "unbounded" (conformance `trust-root-tlog-missing-validity-start_fail`).
fn valid_for(raw: Option<&RawValidFor>, what: &str) -> Result<ValidFor> {
    let raw = raw.ok_or_else(|| malformed(format!("{what}: missing validFor")))?;
    let start = raw
        .start
        .as_deref()
        .ok_or_else(|| malformed(format!("{what}: validFor has no start")))?;
    let time = |field: &str, text: &str| {
        parse_rfc3339(text)
            .map_err(|e| malformed(format!("{what}: validFor.{field} `{text}`: {e}")))
    };
    Ok(ValidFor {
        start: time("start", start)?,
        end: raw.end.as_deref().map(|e| time("end", e)).transpose()?,
    })
}

impl TrustedRoot {
    /// Parses a trusted root JSON document.
    pub fn from_json(json: &str) -> Result<TrustedRoot> {
        let raw: RawRoot = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
        let logs = |list: &[RawLog], kind: &str| -> Result<Vec<LogKey>> {
            list.iter()
                .map(|l| {
                    let what = format!("{kind} {}", l.base_url);
                    Ok(LogKey {
                        base_url: l.base_url.clone(),
                        log_id: b64(&l.log_id.key_id, &format!("{what} logId"))?,
                        spki_der: b64(&l.public_key.raw_bytes, &format!("{what} publicKey"))?,
                        key_details: l.public_key.key_details.clone(),
                        valid_for: valid_for(l.public_key.valid_for.as_ref(), &what)?,
                    })
                })
                .collect()
        };
        let authorities = |list: &[RawAuthority], kind: &str| -> Result<Vec<Authority>> {
            list.iter()
                .map(|a| {
                    let what = format!("{kind} {}", a.uri);
                    Ok(Authority {
                        uri: a.uri.clone(),
                        chain: a
                            .cert_chain
                            .certificates
                            .iter()
                            .map(|c| b64(&c.raw_bytes, &format!("{what} certificate")))
                            .collect::<Result<_>>()?,
                        valid_for: valid_for(a.valid_for.as_ref(), &what)?,
                    })
                })
                .collect()
        };
        Ok(TrustedRoot {
            tlogs: logs(&raw.tlogs, "tlog")?,
            ctlogs: logs(&raw.ctlogs, "ctlog")?,
            certificate_authorities: authorities(
                &raw.certificate_authorities,
                "certificate authority",
            )?,
            timestamp_authorities: authorities(&raw.timestamp_authorities, "timestamp authority")?,
        })
    }

    /// The public-good production root shipped in the binary.
    pub fn public_good() -> Result<TrustedRoot> {
        TrustedRoot::from_json(PUBLIC_GOOD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_good_root_parses() {
        let r = TrustedRoot::public_good().unwrap();
        assert_eq!(r.tlogs.len(), 2);
        assert_eq!(r.ctlogs.len(), 2);
        assert_eq!(r.certificate_authorities.len(), 2);
        assert_eq!(r.timestamp_authorities.len(), 1);
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(&r.tlogs[0].log_id),
            "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="
        );
    }

    #[test]
    fn days_a_month_lacks_are_malformed_and_the_field_is_named() {
        for (field, bad) in [
            ("start", "2023-02-31T00:00:00Z"),
            ("start", "2023-04-31T12:00:00Z"),
            ("end", "2023-02-29T00:00:00Z"),
            ("end", "2023-06-01T25:00:00Z"),
        ] {
            let valid_for = if field == "start" {
                format!(r#"{{"start":"{bad}"}}"#)
            } else {
                format!(r#"{{"start":"2022-01-01T00:00:00Z","end":"{bad}"}}"#)
            };
            let json = format!(
                r#"{{"tlogs":[{{"baseUrl":"https://rekor.example","publicKey":{{"rawBytes":"AA==","validFor":{valid_for}}},"logId":{{"keyId":"AA=="}}}}]}}"#
            );
            let err = TrustedRoot::from_json(&json).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "tlog https://rekor.example: validFor.{field} `{bad}`"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn missing_start_is_malformed() {
        let json = r#"{"tlogs":[{"baseUrl":"x","publicKey":{"rawBytes":"AA==","validFor":{"end":"2030-01-01T00:00:00Z"}},"logId":{"keyId":"AA=="}}]}"#;
        assert!(TrustedRoot::from_json(json)
            .unwrap_err()
            .to_string()
            .contains("no start"));
    }
}
