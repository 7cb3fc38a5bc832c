//! The HTTP side of the Sigstore services (ureq, as the oci crate uses):
//! JSON posts to Fulcio and Rekor, RFC 3161 requests to a timestamp
//! authority. Answers are bounded in size; a refusal keeps the service's
//! own message.

use std::io::Read as _;

use rand_core::RngCore as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::{error, Services};
use crate::Result;

/// Largest answer read from a service.
const MAX_RESPONSE: u64 = 1024 * 1024;
/// Longest part of a refusal's body quoted in the error.
const MAX_QUOTED: usize = 300;

fn agent(services: &Services) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(services.timeout)
        .user_agent(concat!("sbomctl/", env!("CARGO_PKG_VERSION")))
        .build()
}

fn read_body(service: &'static str, response: ureq::Response) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(MAX_RESPONSE + 1)
        .read_to_end(&mut body)
        .map_err(|e| error(service, format!("reading the answer: {e}")))?;
    if body.len() as u64 > MAX_RESPONSE {
        return Err(error(
            service,
            format!("answer larger than {MAX_RESPONSE} bytes"),
        ));
    }
    Ok(body)
}

/// One line describing a failed request.
fn failure(service: &'static str, url: &str, err: ureq::Error) -> crate::Error {
    match err {
        ureq::Error::Status(code, response) => {
            let body = read_body(service, response).unwrap_or_default();
            // Fulcio and Rekor answer `{"code": …, "message": …}`.
            let message = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
            let mut message: String = message.split_whitespace().collect::<Vec<_>>().join(" ");
            if message.len() > MAX_QUOTED {
                let mut end = MAX_QUOTED;
                while !message.is_char_boundary(end) {
                    end -= 1;
                }
                message.truncate(end);
                message.push('…');
            }
            error(service, format!("{url} answered HTTP {code}: {message}"))
        }
        ureq::Error::Transport(t) => error(service, format!("cannot reach {url}: {t}")),
    }
}

/// POSTs `body` as JSON and parses the JSON answer.
pub(super) fn post_json(
    service: &'static str,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
    services: &Services,
) -> Result<Value> {
    let mut request = agent(services)
        .post(url)
        .set("Content-Type", "application/json")
        .set("Accept", "application/json");
    if let Some(token) = bearer {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .send_string(&body.to_string())
        .map_err(|e| failure(service, url, e))?;
    let bytes = read_body(service, response)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        error(
            service,
            format!("{url} answered something that is not JSON: {e}"),
        )
    })
}

/// Asks the timestamp authority at `url` for a timestamp over `signature`
/// (SHA-256 message imprint, a random 64-bit nonce, the TSA's certificates
/// requested) and returns the DER `TimeStampResp` once its status is
/// granted and its nonce is ours.
pub(super) fn timestamp(url: &str, signature: &[u8], services: &Services) -> Result<Vec<u8>> {
    let service = "timestamp authority";
    let mut nonce = [0u8; 8];
    rand_core::OsRng.fill_bytes(&mut nonce);
    // A positive INTEGER: clear the top bit, keep 8 bytes.
    nonce[0] &= 0x7f;
    nonce[0] |= 0x01;
    let request = timestamp_request(&Sha256::digest(signature), &nonce);
    let response = agent(services)
        .post(url)
        .set("Content-Type", "application/timestamp-query")
        .set("Accept", "application/timestamp-reply")
        .send_bytes(&request)
        .map_err(|e| failure(service, url, e))?;
    let bytes = read_body(service, response)?;
    let status = timestamp_status(&bytes).ok_or_else(|| {
        error(
            service,
            format!("{url} answered something that is not a TimeStampResp"),
        )
    })?;
    if status > 1 {
        return Err(error(
            service,
            format!("{url} refused the request (PKIStatus {status})"),
        ));
    }
    if !contains(&bytes, &nonce) {
        return Err(error(service, format!("{url} answered with another nonce")));
    }
    Ok(bytes)
}

/// DER `TimeStampReq` (RFC 3161 §2.4.1): version 1, SHA-256 imprint, nonce,
/// certReq TRUE. Every length here is under 128, so short form throughout.
fn timestamp_request(digest: &[u8], nonce: &[u8; 8]) -> Vec<u8> {
    const SHA256_ALG: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
    ];
    let mut imprint = SHA256_ALG.to_vec();
    imprint.push(0x04);
    imprint.push(32);
    imprint.extend_from_slice(digest);
    let mut body = vec![0x02, 0x01, 0x01, 0x30, imprint.len() as u8];
    body.extend_from_slice(&imprint);
    body.extend_from_slice(&[0x02, 8]);
    body.extend_from_slice(nonce);
    body.extend_from_slice(&[0x01, 0x01, 0xff]);
    let mut out = vec![0x30, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

/// Reads a DER length at `at`; returns (length, header bytes consumed).
fn der_len(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *bytes.get(at)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*bytes.get(at.checked_add(1 + i)?)?);
    }
    Some((len, n + 1))
}

/// `TimeStampResp.status.status`: SEQUENCE { SEQUENCE { INTEGER … } … }.
fn timestamp_status(bytes: &[u8]) -> Option<u8> {
    if *bytes.first()? != 0x30 {
        return None;
    }
    let (_, h1) = der_len(bytes, 1)?;
    let inner = 1 + h1;
    if *bytes.get(inner)? != 0x30 {
        return None;
    }
    let (_, h2) = der_len(bytes, inner + 1)?;
    let int = inner + 1 + h2;
    if *bytes.get(int)? != 0x02 || *bytes.get(int + 1)? != 1 {
        return None;
    }
    bytes.get(int + 2).copied()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// GitHub Actions' OIDC token request: GET `request_url` with
/// `audience=sigstore` added, bearer `request_token`; the answer is
/// `{"value": JWT}`.
pub(super) fn github_actions_token(
    request_url: &str,
    request_token: &str,
    services: &Services,
) -> Result<String> {
    let service = "GitHub Actions token request";
    let separator = if request_url.contains('?') { '&' } else { '?' };
    let url = format!("{request_url}{separator}audience=sigstore");
    let response = agent(services)
        .get(&url)
        .set("Authorization", &format!("bearer {request_token}"))
        .set("Accept", "application/json")
        .call()
        // The request URL is not quoted: it carries run-specific query values.
        .map_err(|e| failure(service, "ACTIONS_ID_TOKEN_REQUEST_URL", e))?;
    let bytes = read_body(service, response)?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("value").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| error(service, "the answer has no `value` string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_request_is_der_with_imprint_and_nonce() {
        let digest = [7u8; 32];
        let nonce = [0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0];
        let req = timestamp_request(&digest, &nonce);
        // SEQUENCE covering the whole request.
        assert_eq!(req[0], 0x30);
        assert_eq!(usize::from(req[1]), req.len() - 2);
        assert!(contains(&req, &digest));
        assert!(contains(&req, &[0x02, 8, 0x12, 0x34]));
        assert!(req.ends_with(&[0x01, 0x01, 0xff]));
    }

    #[test]
    fn timestamp_status_reads_pki_status() {
        // SEQUENCE { SEQUENCE { INTEGER 2 } }: rejection.
        assert_eq!(
            timestamp_status(&[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]),
            Some(2)
        );
        // Long-form outer length.
        assert_eq!(
            timestamp_status(&[0x30, 0x81, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00]),
            Some(0)
        );
        assert_eq!(timestamp_status(&[0x04, 0x00]), None);
        assert_eq!(timestamp_status(&[0x30]), None);
    }
}
