//! HTTP for the registry client: the agent, the plain-HTTP policy, the
//! deadline of each request and retries.
//!
//! Every request has one deadline covering connecting, sending, the answer's
//! headers and its body, and every retry: `timeout` from
//! [`super::RegistryOptions`], plus, for requests that move a blob, the time
//! the blob takes at `min_blob_rate`. A registry that answers one byte every
//! few seconds therefore fails the request at its deadline instead of
//! holding the command for ever, while a large layer on a slow but working
//! link still gets the time it needs. (ureq cannot combine a deadline with
//! a per-read idle timeout, so a stalled blob download is abandoned at its
//! deadline too.) A request that ran out of time is not retried: the next
//! attempt would share the same, spent, deadline.

use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

use super::RegistryOptions;

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How close to the deadline a timed-out socket read counts as the
/// deadline (ureq sets the socket timeout to the time left).
const DEADLINE_SLACK: Duration = Duration::from_millis(100);

/// The agent and the policies of one client.
#[derive(Debug)]
pub(super) struct Transport {
    agent: ureq::Agent,
    base_url: String,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
    min_blob_rate: u64,
}

/// A request as messages and logs name it: the method and the URL without
/// scheme, credentials, query or fragment; the host is left out for the
/// registry's own origin (`GET /v2/app/manifests/1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RequestName(String);

impl From<RequestName> for String {
    fn from(name: RequestName) -> String {
        name.0
    }
}

impl fmt::Display for RequestName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One request to send.
pub(super) struct Call<'a> {
    pub(super) method: &'a str,
    /// The full URL, query included.
    pub(super) url: &'a str,
    pub(super) headers: &'a [(&'a str, &'a str)],
    /// The `Authorization` header value, if any.
    pub(super) authorization: Option<&'a str>,
    pub(super) body: Option<&'a [u8]>,
    /// The time the whole request, retries included, may take.
    pub(super) allowed: Duration,
}

/// Why a request got no usable answer.
pub(super) enum Failure {
    /// An error status, after retries for 5xx and 429.
    Status {
        code: u16,
        response: Box<ureq::Response>,
        attempts: u32,
    },
    /// No answer (connection refused, reset, bad URL), after retries.
    Transport { message: String, attempts: u32 },
    /// The deadline passed.
    TimedOut {
        request: RequestName,
        after: Duration,
        attempts: u32,
    },
}

/// A successful answer whose body is still to be read.
pub(super) struct Answer {
    pub(super) response: ureq::Response,
    request: RequestName,
    allowed: Duration,
}

/// Why a body could not be read.
pub(super) enum BodyError {
    /// Longer than the limit.
    TooLarge(u64),
    /// The deadline passed while reading.
    TimedOut {
        request: RequestName,
        after: Duration,
    },
    /// The connection failed.
    Io(io::Error),
}

impl Transport {
    /// HTTPS to `host`, except for loopback hosts and the configured
    /// insecure hosts (matched against `host` and `registry`).
    pub(super) fn new(host: &str, registry: &str, options: &RegistryOptions) -> Self {
        let scheme = if is_insecure(host, &options.insecure_hosts)
            || is_insecure(registry, &options.insecure_hosts)
        {
            "http"
        } else {
            "https"
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .redirects(10)
            .user_agent(concat!("sbomctl/", env!("CARGO_PKG_VERSION")))
            .build();
        Transport {
            agent,
            base_url: format!("{scheme}://{host}"),
            retries: options.retries,
            backoff: options.backoff,
            timeout: options.timeout,
            min_blob_rate: options.min_blob_rate.max(1),
        }
    }

    pub(super) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The deadline of a request that moves `bytes` of blob: the timeout
    /// plus the time the bytes take at the minimum rate.
    pub(super) fn allowance(&self, bytes: u64) -> Duration {
        let millis = u128::from(bytes) * 1000 / u128::from(self.min_blob_rate);
        let extra = Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX));
        self.timeout.saturating_add(extra)
    }

    /// The name of a request in messages and logs.
    pub(super) fn name(&self, method: &str, url: &str) -> RequestName {
        RequestName(format!("{method} {}", self.display_url(url)))
    }

    /// `url` without user info, query or fragment.
    pub(super) fn redact(url: &str) -> String {
        let (origin, rest) = split_origin(url);
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        format!("{origin}{path}")
    }

    /// `url` without scheme, user info, query or fragment; without the
    /// host when it is the registry's own.
    fn display_url(&self, url: &str) -> String {
        let (origin, rest) = split_origin(url);
        let path = rest.split(['?', '#']).next().unwrap_or_default();
        let path = if path.is_empty() { "/" } else { path };
        if origin == split_origin(&self.base_url).0 {
            path.to_owned()
        } else {
            format!("{origin}{path}")
        }
    }

    /// Sends `call`, repeating it after 5xx, 429 and connection errors with
    /// exponential backoff, all within `call.allowed`.
    pub(super) fn send(&self, call: &Call<'_>) -> Result<Answer, Failure> {
        let request = self.name(call.method, call.url);
        let started = Instant::now();
        let deadline = started.checked_add(call.allowed);
        let time_left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let timed_out = |attempts: u32| Failure::TimedOut {
            request: request.clone(),
            after: call.allowed,
            attempts,
        };
        let mut attempt: u32 = 0;
        loop {
            let mut builder = self.agent.request(call.method, call.url);
            if let Some(left) = time_left() {
                if left.is_zero() {
                    return Err(timed_out(attempt));
                }
                builder = builder.timeout(left);
            }
            if let Some(value) = call.authorization {
                builder = builder.set("Authorization", value);
            }
            for (name, value) in call.headers {
                builder = builder.set(name, value);
            }
            let attempt_started = Instant::now();
            let sent = match call.body {
                Some(body) => builder.send_bytes(body),
                None => builder.call(),
            };
            let elapsed_ms = attempt_started.elapsed().as_millis();
            let sent_bytes = call.body.map_or(0, <[u8]>::len);
            let (retry_after, failure) = match sent {
                Ok(response) => {
                    tracing::debug!(
                        request = %request,
                        status = response.status(),
                        attempt = attempt + 1,
                        sent_bytes,
                        elapsed_ms,
                        "registry request"
                    );
                    return Ok(Answer {
                        response,
                        request,
                        allowed: call.allowed,
                    });
                }
                Err(ureq::Error::Status(code, response)) => {
                    tracing::debug!(
                        request = %request,
                        status = code,
                        attempt = attempt + 1,
                        sent_bytes,
                        elapsed_ms,
                        "registry request"
                    );
                    let retryable = code == 429 || (500..600).contains(&code);
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let failure = Failure::Status {
                        code,
                        response: Box::new(response),
                        attempts: attempt + 1,
                    };
                    if !retryable {
                        return Err(failure);
                    }
                    (retry_after, failure)
                }
                Err(ureq::Error::Transport(transport)) => {
                    let message = transport_message(&transport);
                    tracing::debug!(
                        request = %request,
                        error = %message,
                        attempt = attempt + 1,
                        sent_bytes,
                        elapsed_ms,
                        "registry request"
                    );
                    if is_timeout(&transport) && time_left().is_some_and(|l| l <= DEADLINE_SLACK) {
                        return Err(timed_out(attempt + 1));
                    }
                    // Bad URLs and redirect loops won't fix themselves.
                    let retryable = matches!(
                        transport.kind(),
                        ureq::ErrorKind::Dns
                            | ureq::ErrorKind::ConnectionFailed
                            | ureq::ErrorKind::Io
                            | ureq::ErrorKind::ProxyConnect
                    );
                    let failure = Failure::Transport {
                        message,
                        attempts: attempt + 1,
                    };
                    if !retryable {
                        return Err(failure);
                    }
                    (None, failure)
                }
            };
            if attempt >= self.retries {
                return Err(failure);
            }
            let backoff = self
                .backoff
                .saturating_mul(2u32.saturating_pow(attempt))
                .min(MAX_BACKOFF);
            let wait = match retry_after {
                Some(after) => backoff.max(after.min(MAX_RETRY_AFTER)),
                None => backoff,
            };
            if time_left().is_some_and(|left| left <= wait) {
                tracing::debug!(
                    request = %request,
                    "not retrying: the request's deadline ({:?}) would pass",
                    call.allowed
                );
                return Err(failure);
            }
            tracing::debug!(
                request = %request,
                attempt = attempt + 1,
                "request failed ({}); retrying in {wait:?}",
                failure.summary()
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }
}

impl Answer {
    /// The body as a stream: a timeout names the request; the bytes read
    /// are logged at the end.
    pub(super) fn into_body(self) -> Body {
        Body {
            inner: Box::new(self.response.into_reader()),
            request: self.request,
            allowed: self.allowed,
            bytes: 0,
            done: false,
        }
    }

    /// The whole body, at most `limit` bytes.
    pub(super) fn read_all(self, limit: u64) -> Result<Vec<u8>, BodyError> {
        let mut body = self.into_body();
        let mut bytes = Vec::new();
        let read = (&mut body).take(limit + 1).read_to_end(&mut bytes);
        match read {
            Ok(_) if bytes.len() as u64 > limit => Err(BodyError::TooLarge(limit)),
            Ok(_) => Ok(bytes),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => Err(BodyError::TimedOut {
                request: body.request.clone(),
                after: body.allowed,
            }),
            Err(e) => Err(BodyError::Io(e)),
        }
    }
}

/// A response body being read.
pub(super) struct Body {
    inner: Box<dyn Read + Send + Sync>,
    request: RequestName,
    allowed: Duration,
    bytes: u64,
    done: bool,
}

impl Body {
    fn finish(&mut self, outcome: &str) {
        if !self.done {
            self.done = true;
            tracing::debug!(
                request = %self.request,
                bytes = self.bytes,
                "registry response body {outcome}"
            );
        }
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() => {
                self.finish("read");
                Ok(0)
            }
            Ok(n) => {
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                self.finish("timed out");
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{} timed out after {:?}", self.request, self.allowed),
                ))
            }
            Err(e) => {
                self.finish("failed");
                Err(e)
            }
        }
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        self.finish("dropped");
    }
}

impl Failure {
    /// `HTTP 503 Service Unavailable`, the transport error, or the timeout.
    pub(super) fn summary(&self) -> String {
        match self {
            Failure::Status { code, response, .. } => {
                format!("HTTP {code} {}", response.status_text())
            }
            Failure::Transport { message, .. } => message.clone(),
            Failure::TimedOut { request, after, .. } => {
                format!("{request} timed out after {after:?}")
            }
        }
    }

    fn attempts(&self) -> u32 {
        match self {
            Failure::Status { attempts, .. }
            | Failure::Transport { attempts, .. }
            | Failure::TimedOut { attempts, .. } => *attempts,
        }
    }

    /// `HTTP 500 Internal Server Error after 5 attempts: <registry says>`.
    pub(super) fn describe(self) -> String {
        let attempts = self.attempts();
        let summary = self.summary();
        let tries = if attempts > 1 {
            format!(" after {attempts} attempts")
        } else {
            String::new()
        };
        match self {
            Failure::Status { response, .. } => match registry_detail(*response) {
                Some(detail) => format!("{summary}{tries}: {detail}"),
                None => format!("{summary}{tries}"),
            },
            Failure::Transport { .. } | Failure::TimedOut { .. } if attempts > 1 => {
                format!("{summary} (after {attempts} attempts)")
            }
            Failure::Transport { .. } | Failure::TimedOut { .. } => summary,
        }
    }
}

/// A transport error without its URL (an upload `Location` or a storage
/// redirect can carry signed query parameters).
fn transport_message(transport: &ureq::Transport) -> String {
    let mut message = transport.kind().to_string();
    if let Some(detail) = transport.message() {
        message.push_str(": ");
        message.push_str(detail);
    }
    if let Some(source) = std::error::Error::source(transport) {
        message.push_str(&format!(": {source}"));
    }
    message
}

/// Whether a transport error is a socket timeout.
fn is_timeout(transport: &ureq::Transport) -> bool {
    let mut source = std::error::Error::source(transport);
    while let Some(error) = source {
        if let Some(io) = error.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            );
        }
        source = error.source();
    }
    false
}

/// The first entry of a distribution error body
/// (`{"errors":[{"code":…,"message":…}]}`), as `CODE: message`.
pub(super) fn registry_detail(response: ureq::Response) -> Option<String> {
    let mut body = Vec::new();
    response
        .into_reader()
        .take(64 * 1024)
        .read_to_end(&mut body)
        .ok()?;
    let errors: ErrorBody = serde_json::from_slice(&body).ok()?;
    let first = errors.errors.into_iter().next()?;
    let message: String = first
        .message
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    let code: String = first
        .code
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    match (code.is_empty(), message.is_empty()) {
        (true, true) => None,
        (false, true) => Some(code),
        (true, false) => Some(message),
        (false, false) => Some(format!("{code}: {message}")),
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(serde::Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// `(scheme://host[:port] without user info, the rest)` of a URL.
fn split_origin(url: &str) -> (String, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (format!("{scheme}://{host}"), path)
}

/// Loopback hosts (any port) and the configured insecure hosts.
pub(super) fn is_insecure(host: &str, insecure_hosts: &[String]) -> bool {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
        || insecure_hosts.iter().any(|h| h == host || h == name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn loopback_and_listed_hosts_use_http() {
        let none: Vec<String> = vec![];
        assert!(is_insecure("localhost:5000", &none));
        assert!(is_insecure("localhost", &none));
        assert!(is_insecure("127.0.0.1:40000", &none));
        assert!(is_insecure("[::1]:5000", &none));
        assert!(!is_insecure("ghcr.io", &none));
        assert!(!is_insecure("localhost.example.com", &none));
        let listed = vec!["reg.lan:5000".to_string(), "other.lan".to_string()];
        assert!(is_insecure("reg.lan:5000", &listed));
        assert!(!is_insecure("reg.lan:6000", &listed));
        assert!(is_insecure("other.lan:443", &listed));
    }

    #[test]
    fn request_names_hold_no_credentials_or_query() {
        let transport = Transport::new("reg.example", "reg.example", &RegistryOptions::default());
        let name = |url: &str| transport.name("GET", url).to_string();
        assert_eq!(
            name("https://reg.example/v2/app/manifests/1"),
            "GET /v2/app/manifests/1"
        );
        assert_eq!(
            name("https://user:pw@auth.example/token?scope=repository:app:pull&service=x"),
            "GET https://auth.example/token"
        );
        assert_eq!(
            name("https://store.example/blob?X-Amz-Signature=secret#f"),
            "GET https://store.example/blob"
        );
        assert_eq!(name("https://reg.example?x=1"), "GET /");
    }

    #[test]
    fn blobs_get_time_for_their_size() {
        let options = RegistryOptions {
            timeout: Duration::from_secs(10),
            min_blob_rate: 1000,
            ..RegistryOptions::default()
        };
        let transport = Transport::new("reg.example", "reg.example", &options);
        assert_eq!(transport.allowance(0), Duration::from_secs(10));
        assert_eq!(transport.allowance(5000), Duration::from_secs(15));
        assert!(transport.allowance(u64::MAX) > Duration::from_secs(1 << 40));
    }
}
