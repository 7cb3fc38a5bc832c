//! Which Fulcio, Rekor and timestamp authority to use: a cosign 3 signing
//! config (`application/vnd.dev.sigstore.signingconfig.v0.2+json`) or
//! cosign 2's URL flags, with the public-good instance as the default.

use std::time::Duration;

use serde_json::Value;

use super::error;
use crate::verify::keyless::trust_root::TrustedRoot;
use crate::Result;

/// Fulcio of the public-good instance.
pub const PUBLIC_GOOD_FULCIO: &str = "https://fulcio.sigstore.dev";
/// Rekor of the public-good instance.
pub const PUBLIC_GOOD_REKOR: &str = "https://rekor.sigstore.dev";

/// Media type of the signing config this client reads.
const SIGNING_CONFIG_V0_2: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// Media type of sigstore-python's client trust config (a signing config
/// with its trusted root).
const CLIENT_TRUST_CONFIG_V0_1: &str = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/// The services one signature uses.
#[derive(Debug, Clone)]
pub struct Services {
    /// Fulcio base URL.
    pub fulcio: String,
    /// Rekor base URL; `None` when nothing goes to a transparency log.
    pub rekor: Option<String>,
    /// Rekor's major API version: 1 (`/api/v1/log/entries`, SET and
    /// inclusion proof) or 2 (`/api/v2/log/entries`, inclusion proof only;
    /// needs `tsa`).
    pub rekor_version: u64,
    /// Full URL of the timestamp endpoint (`…/api/v1/timestamp`), if any.
    pub tsa: Option<String>,
    /// Deadline of each request.
    pub timeout: Duration,
    /// The trusted root of these services, to verify what was signed
    /// before it is written; `None`: the built-in root when the services
    /// are the public-good ones, else only checks that need no key.
    pub trusted_root: Option<TrustedRoot>,
}

impl Default for Services {
    /// The public-good instance, as cosign 2 uses it (no timestamp
    /// authority).
    fn default() -> Services {
        Services {
            fulcio: PUBLIC_GOOD_FULCIO.to_owned(),
            rekor: Some(PUBLIC_GOOD_REKOR.to_owned()),
            rekor_version: 1,
            tsa: None,
            timeout: Duration::from_secs(60),
            trusted_root: None,
        }
    }
}

impl Services {
    /// The services a v0.2 signing config (or a client trust config, which
    /// also gives their trusted root) names: the first Fulcio
    /// (`caUrls`), Rekor (`rekorTlogUrls`: major API version 2 when there is
    /// a timestamp authority, else 1) and timestamp authority (`tsaUrls`)
    /// valid now.
    ///
    /// # Errors
    /// [`crate::Error::Keyless`] when the JSON is not a v0.2 signing config
    /// or names no Fulcio, no Rekor, or only a Rekor v2 without a timestamp
    /// authority.
    pub fn from_signing_config(json: &[u8]) -> Result<Services> {
        let what = "signing config";
        let mut config: Value =
            serde_json::from_slice(json).map_err(|e| error(what, format!("not JSON: {e}")))?;
        // sigstore-python's client trust config: a signing config and the
        // trusted root of its services in one file.
        let mut trusted_root = None;
        if config.get("mediaType").and_then(Value::as_str) == Some(CLIENT_TRUST_CONFIG_V0_1) {
            let root = config
                .get("trustedRoot")
                .ok_or_else(|| error(what, "client trust config without `trustedRoot`"))?;
            trusted_root = Some(
                TrustedRoot::from_json(&root.to_string())
                    .map_err(|e| error(what, format!("trustedRoot: {e}")))?,
            );
            config = config
                .get_mut("signingConfig")
                .map(Value::take)
                .ok_or_else(|| error(what, "client trust config without `signingConfig`"))?;
        }
        let media_type = config
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or("");
        if media_type != SIGNING_CONFIG_V0_2 {
            return Err(error(
                what,
                format!("media type {media_type:?}, expected {SIGNING_CONFIG_V0_2:?}"),
            ));
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let pick = |field: &str, major: Option<u64>| -> Option<String> {
            config.get(field)?.as_array()?.iter().find_map(|s| {
                let url = s.get("url")?.as_str()?;
                if let Some(major) = major {
                    if s.get("majorApiVersion").and_then(Value::as_u64) != Some(major) {
                        return None;
                    }
                }
                valid_now(s.get("validFor"), now).then(|| url.to_owned())
            })
        };
        let fulcio = pick("caUrls", Some(1)).ok_or_else(|| {
            error(
                what,
                "no Fulcio (`caUrls` with majorApiVersion 1) valid now",
            )
        })?;
        let tsa = pick("tsaUrls", None);
        // The highest API version, as sigstore-go and sigstore-python pick;
        // a v2 log needs a timestamp authority (its entries carry no time).
        let (rekor, rekor_version) =
            match (pick("rekorTlogUrls", Some(2)), &tsa) {
                (Some(v2), Some(_)) => (v2, 2),
                (v2, _) => match pick("rekorTlogUrls", Some(1)) {
                    Some(v1) => (v1, 1),
                    None if v2.is_some() => return Err(error(
                        what,
                        "its Rekor is v2 (majorApiVersion 2), which needs a timestamp authority \
                         (`tsaUrls`), and it names none",
                    )),
                    None => {
                        return Err(error(
                            what,
                            "no Rekor (`rekorTlogUrls` with majorApiVersion 1 or 2) valid now",
                        ))
                    }
                },
            };
        Ok(Services {
            fulcio,
            rekor: Some(rekor),
            rekor_version,
            tsa,
            timeout: Duration::from_secs(60),
            trusted_root,
        })
    }
}

/// Whether a `validFor` time range (RFC 3339 `start`, optional `end`)
/// contains `now`; a missing or unreadable range counts as valid.
fn valid_now(valid_for: Option<&Value>, now: i64) -> bool {
    let parse = |key: &str| {
        valid_for
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .map(time::OffsetDateTime::unix_timestamp)
    };
    parse("start").is_none_or(|s| s <= now) && parse("end").is_none_or(|e| now < e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_config_picks_valid_v1_services() {
        let config = br#"{
          "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
          "caUrls": [{"url": "https://old-fulcio", "majorApiVersion": 1,
                      "validFor": {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"}},
                     {"url": "https://fulcio", "majorApiVersion": 1,
                      "validFor": {"start": "2020-01-01T00:00:00Z"}}],
          "rekorTlogUrls": [{"url": "https://rekor-v2", "majorApiVersion": 2},
                            {"url": "https://rekor", "majorApiVersion": 1}],
          "tsaUrls": [{"url": "https://tsa/api/v1/timestamp", "majorApiVersion": 1}]
        }"#;
        let services = Services::from_signing_config(config).unwrap();
        assert_eq!(services.fulcio, "https://fulcio");
        // v2 first when there is a timestamp authority.
        assert_eq!(services.rekor.as_deref(), Some("https://rekor-v2"));
        assert_eq!(services.rekor_version, 2);
        assert_eq!(
            services.tsa.as_deref(),
            Some("https://tsa/api/v1/timestamp")
        );
    }

    #[test]
    fn signing_config_with_rekor_v2_needs_a_tsa_else_v1() {
        let both = br#"{
          "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
          "caUrls": [{"url": "https://fulcio", "majorApiVersion": 1}],
          "rekorTlogUrls": [{"url": "https://rekor-v2", "majorApiVersion": 2},
                            {"url": "https://rekor", "majorApiVersion": 1}]
        }"#;
        let services = Services::from_signing_config(both).unwrap();
        assert_eq!(services.rekor.as_deref(), Some("https://rekor"));
        assert_eq!(services.rekor_version, 1);
    }

    #[test]
    fn signing_config_without_rekor_v1_or_of_another_version_is_refused() {
        let only_v2 = br#"{
          "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
          "caUrls": [{"url": "https://fulcio", "majorApiVersion": 1}],
          "rekorTlogUrls": [{"url": "https://rekor-v2", "majorApiVersion": 2}]
        }"#;
        let err = Services::from_signing_config(only_v2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs a timestamp authority"), "{err}");
        let v01 = br#"{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.1+json"}"#;
        let err = Services::from_signing_config(v01).unwrap_err().to_string();
        assert!(err.contains("expected"), "{err}");
    }
}
