//! HTTP for the registry client: the agents, the plain-HTTP policy, the
//! deadline of each request and retries.
//!
//! Every request has one deadline covering connecting, sending, the answer's
//! headers and its body, and every retry: `timeout` from
//! [`super::RegistryOptions`], plus, for an upload, the time the blob takes
//! at `min_blob_rate`. A registry that answers one byte every few seconds
//! therefore fails the request at its deadline instead of holding the
//! command for ever. A request that ran out of time is not retried: the
//! next attempt would share the same, spent, deadline.
//!
//! A blob download is one request whose size is only known from its
//! answer, so it is timed in two parts (ureq 2 takes a deadline only before
//! the call, and a deadline there would cut the body short):
//! - connecting, redirects and the answer's headers within `timeout`. The
//!   call runs on a helper thread that is abandoned when the deadline
//!   passes; it ends at the next stall of the connection, or when the
//!   headers are complete (ureq bounds their size);
//! - the body through [`Body`], which checks on every read the deadline
//!   `timeout` plus the `Content-Length` at `min_blob_rate` (counted from
//!   the start of the request; without a length, the body must keep up with
//!   that rate after `timeout`), while each socket read waits at most
//!   `stall_timeout`, so a download that stopped fails within it rather
//!   than at the end of a large blob's deadline. Downloads use their own
//!   agent without a connection pool: ureq sets the read timeout only on
//!   new connections.

use std::fmt;
use std::io::{self, Read};
use std::sync::{mpsc, Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use super::tls::{tls_failure, TlsFailure};
use super::RegistryOptions;

/// The largest error body read to see whether a plain-HTTP answer says
/// the server wants HTTPS.
const MAX_SWITCH_BODY: u64 = 64 * 1024;

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// How close to the deadline a timed-out socket read counts as the
/// deadline (ureq sets the socket timeout to the time left).
const DEADLINE_SLACK: Duration = Duration::from_millis(100);
/// The longest wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The agents and the policies of one client.
#[derive(Debug)]
pub(super) struct Transport {
    /// For requests whose deadline ureq enforces.
    agent: ureq::Agent,
    /// For blob downloads: no deadline in ureq, socket reads and writes
    /// wait at most `stall`, no connection pool.
    download_agent: ureq::Agent,
    /// The base URL requests were first built with.
    first_base: String,
    /// The base URL in use: `first_base`, or the other scheme's once the
    /// server showed it speaks that one.
    base_url: RwLock<String>,
    /// The other scheme, until the first answer shows which one the server
    /// speaks (see [`Transport::send`]).
    switch: Mutex<Option<Switch>>,
    retries: u32,
    backoff: Duration,
    timeout: Duration,
    min_blob_rate: u64,
    stall: Duration,
}

/// The scheme a client may switch to once, and the base URL it then uses.
#[derive(Debug, Clone)]
enum Switch {
    /// Started with plain HTTP (loopback and listed hosts): to HTTPS when
    /// the server answers that it speaks TLS.
    ToHttps(String),
    /// Started with HTTPS (`http_fallback`): to HTTP when the server does
    /// not answer in TLS.
    ToHttp(String),
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
    /// The time the whole request, retries included, may take; for a
    /// download, the time until its answer's headers.
    pub(super) allowed: Duration,
    /// A blob download: the body gets a deadline for its `Content-Length`
    /// and a stall timeout (see the module documentation).
    pub(super) download: bool,
}

impl<'a> Call<'a> {
    /// The same request to `url`.
    fn with_url<'b>(&self, url: &'b str) -> Call<'b>
    where
        'a: 'b,
    {
        Call {
            method: self.method,
            url,
            headers: self.headers,
            authorization: self.authorization,
            body: self.body,
            allowed: self.allowed,
            download: self.download,
        }
    }
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
    Transport {
        message: String,
        attempts: u32,
        /// The server answered in the other protocol: TLS to a plain-HTTP
        /// request, or not TLS to a TLS handshake.
        wrong_protocol: bool,
    },
    /// The server's TLS certificate was not accepted (never retried).
    Certificate {
        /// `https://host:port`.
        origin: String,
        /// Why, in words.
        why: String,
    },
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
    limit: BodyLimit,
}

/// What bounds the time reading a body takes.
#[derive(Debug, Clone, Copy)]
enum BodyLimit {
    /// ureq enforces the request's deadline, `allowed` after its start.
    Request { allowed: Duration },
    /// A blob download, checked by [`Body`] on every read.
    Download(Allowance),
}

/// The deadline of a blob download's body.
#[derive(Debug, Clone, Copy)]
struct Allowance {
    /// When the request started.
    started: Instant,
    timeout: Duration,
    min_rate: u64,
    /// The `Content-Length`, if any.
    length: Option<u64>,
    /// The longest a socket read waits.
    stall: Duration,
}

impl Allowance {
    /// The time the body may take from the request's start, having read
    /// `read` bytes: the timeout plus the length (without one, the bytes
    /// read so far) at the minimum rate.
    fn allowed(&self, read: u64) -> Duration {
        allowance(self.timeout, self.min_rate, self.length.unwrap_or(read))
    }
}

/// `timeout` plus `bytes` at `rate` bytes per second.
fn allowance(timeout: Duration, rate: u64, bytes: u64) -> Duration {
    let millis = u128::from(bytes) * 1000 / u128::from(rate.max(1));
    let extra = Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX));
    timeout.saturating_add(extra)
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
    /// insecure hosts (matched against `host` and `registry`), which get
    /// plain HTTP until they answer that they speak TLS. With
    /// `options.http_fallback`, an HTTPS host that does not answer in TLS
    /// gets plain HTTP. `tls`: the rustls configuration, else ureq's.
    pub(super) fn new(
        host: &str,
        registry: &str,
        options: &RegistryOptions,
        tls: Option<&Arc<rustls::ClientConfig>>,
    ) -> Self {
        let plain = is_insecure(host, &options.insecure_hosts)
            || is_insecure(registry, &options.insecure_hosts);
        let (base_url, switch) = if plain {
            (
                format!("http://{host}"),
                Some(Switch::ToHttps(format!("https://{host}"))),
            )
        } else if options.http_fallback {
            (
                format!("https://{host}"),
                Some(Switch::ToHttp(format!("http://{host}"))),
            )
        } else {
            (format!("https://{host}"), None)
        };
        let builder = || {
            let builder = ureq::AgentBuilder::new()
                .timeout_connect(CONNECT_TIMEOUT)
                .redirects(10)
                .user_agent(concat!("sbomctl/", env!("CARGO_PKG_VERSION")));
            match tls {
                Some(config) => builder.tls_config(Arc::clone(config)),
                None => builder,
            }
        };
        let stall = options.stall_timeout.min(options.timeout);
        Transport {
            agent: builder().build(),
            download_agent: builder()
                .timeout_read(stall)
                .timeout_write(stall)
                .max_idle_connections(0)
                .build(),
            first_base: base_url.clone(),
            base_url: RwLock::new(base_url),
            switch: Mutex::new(switch),
            retries: options.retries,
            backoff: options.backoff,
            timeout: options.timeout,
            min_blob_rate: options.min_blob_rate.max(1),
            stall,
        }
    }

    /// `scheme://host[:port]` requests go to now.
    pub(super) fn base_url(&self) -> String {
        self.base_url
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// `url` on the base URL in use, when it was built on the first one
    /// and the client has switched scheme since.
    pub(super) fn rebase(&self, url: &str) -> String {
        let current = self.base_url();
        if current != self.first_base {
            if let Some(rest) = url.strip_prefix(&self.first_base) {
                if rest.is_empty() || rest.starts_with(['/', '?']) {
                    return format!("{current}{rest}");
                }
            }
        }
        url.to_owned()
    }

    /// Whether `url` is on the registry's own origin (in use now).
    pub(super) fn own_origin(&self, url: &str) -> bool {
        url.strip_prefix(&self.base_url())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    /// Forgets the other scheme: the server answered in this one.
    fn settle(&self, url: &str) {
        if self.own_origin(url) {
            let mut switch = self.switch.lock().unwrap_or_else(PoisonError::into_inner);
            if switch.is_some() {
                *switch = None;
            }
        }
    }

    /// Switches to the other scheme when `failure` (of a request to `url`)
    /// shows the server speaks it: a TLS answer (or an HTTP 400 saying so)
    /// to plain HTTP, or no TLS answer to a handshake. Gives the failure
    /// back otherwise.
    fn switch_scheme(&self, url: &str, failure: Failure) -> Result<(), Failure> {
        let mut switch = self.switch.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(target) = switch.clone() else {
            return Err(failure);
        };
        if !self.own_origin(url) {
            return Err(failure);
        }
        let (wrong_protocol, failure) = match (failure, &target) {
            (
                failure @ Failure::Transport {
                    wrong_protocol: true,
                    ..
                },
                _,
            ) => (true, failure),
            (
                Failure::Status {
                    code: 400,
                    response,
                    attempts,
                },
                Switch::ToHttps(_),
            ) => {
                // Go's and nginx's TLS servers answer a plain request with
                // a 400 saying it was sent to an HTTPS port.
                let status_text = response.status_text().to_owned();
                let mut body = String::new();
                let read = response
                    .into_reader()
                    .take(MAX_SWITCH_BODY)
                    .read_to_string(&mut body);
                if read.is_ok() && body.contains("HTTPS") {
                    (
                        true,
                        Failure::Transport {
                            message: String::new(),
                            attempts,
                            wrong_protocol: true,
                        },
                    )
                } else {
                    let failure = match ureq::Response::new(400, &status_text, &body) {
                        Ok(response) => Failure::Status {
                            code: 400,
                            response: Box::new(response),
                            attempts,
                        },
                        Err(_) => Failure::Transport {
                            message: format!("HTTP 400 {status_text}"),
                            attempts,
                            wrong_protocol: false,
                        },
                    };
                    (false, failure)
                }
            }
            (failure, _) => (false, failure),
        };
        if !wrong_protocol {
            if matches!(failure, Failure::Status { .. }) {
                // The server answered in this scheme.
                *switch = None;
            }
            return Err(failure);
        }
        let to = match target {
            Switch::ToHttps(to) | Switch::ToHttp(to) => to,
        };
        tracing::debug!(
            "{} answered in the other protocol; using {to}",
            self.base_url()
        );
        *self
            .base_url
            .write()
            .unwrap_or_else(PoisonError::into_inner) = to;
        *switch = None;
        Ok(())
    }

    /// The deadline of a request that moves `bytes` of blob: the timeout
    /// plus the time the bytes take at the minimum rate.
    pub(super) fn allowance(&self, bytes: u64) -> Duration {
        allowance(self.timeout, self.min_blob_rate, bytes)
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
        if origin == split_origin(&self.base_url()).0 {
            path.to_owned()
        } else {
            format!("{origin}{path}")
        }
    }

    /// Sends `call`, repeating it after 5xx, 429 and connection errors with
    /// exponential backoff, all within `call.allowed` (for a download:
    /// until its answer's headers). Until the registry has answered once,
    /// a failure showing it speaks the other scheme (see [`Switch`])
    /// switches the client to that scheme and sends the request again.
    pub(super) fn send(&self, call: &Call<'_>) -> Result<Answer, Failure> {
        let url = self.rebase(call.url);
        let failure = match self.send_once(&call.with_url(&url)) {
            Ok(answer) => {
                self.settle(&url);
                return Ok(answer);
            }
            Err(failure) => failure,
        };
        self.switch_scheme(&url, failure)?;
        let url = self.rebase(call.url);
        let sent = self.send_once(&call.with_url(&url));
        if sent.is_ok() {
            self.settle(&url);
        }
        sent
    }

    fn send_once(&self, call: &Call<'_>) -> Result<Answer, Failure> {
        let request = self.name(call.method, call.url);
        let started = Instant::now();
        let deadline = started.checked_add(call.allowed);
        let time_left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let timed_out = |attempts: u32| Failure::TimedOut {
            request: request.clone(),
            after: call.allowed,
            attempts,
        };
        // A download's answer headers are awaited on a helper thread; its
        // body is read without a deadline in ureq.
        let watched = call.download && call.body.is_none();
        let mut attempt: u32 = 0;
        loop {
            let agent = if watched {
                &self.download_agent
            } else {
                &self.agent
            };
            let mut builder = agent.request(call.method, call.url);
            let left = time_left();
            if let Some(left) = left {
                if left.is_zero() {
                    return Err(timed_out(attempt));
                }
                if !watched {
                    builder = builder.timeout(left);
                }
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
                None if !watched => builder.call(),
                None => match call_within(builder, left) {
                    Some(sent) => sent,
                    None => {
                        tracing::debug!(
                            request = %request,
                            attempt = attempt + 1,
                            elapsed_ms = attempt_started.elapsed().as_millis(),
                            "registry request: no answer before the deadline"
                        );
                        return Err(timed_out(attempt + 1));
                    }
                },
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
                    let limit = if watched {
                        let length = response
                            .header("content-length")
                            .and_then(|v| v.trim().parse::<u64>().ok());
                        BodyLimit::Download(Allowance {
                            started,
                            timeout: call.allowed,
                            min_rate: self.min_blob_rate,
                            length,
                            stall: self.stall,
                        })
                    } else {
                        BodyLimit::Request {
                            allowed: call.allowed,
                        }
                    };
                    return Ok(Answer {
                        response,
                        request,
                        limit,
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
                    let tls = tls_failure(&transport);
                    if let Some(TlsFailure::Certificate(why)) = tls {
                        tracing::debug!(
                            request = %request,
                            attempt = attempt + 1,
                            elapsed_ms,
                            "registry request: TLS certificate refused ({why})"
                        );
                        return Err(Failure::Certificate {
                            origin: split_origin(call.url).0,
                            why,
                        });
                    }
                    let message = if tls == Some(TlsFailure::NotTls) {
                        format!(
                            "{} does not answer in TLS (--allow-http-registry allows plain HTTP)",
                            split_origin(call.url).0
                        )
                    } else {
                        transport_message(&transport)
                    };
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
                    // Bad URLs, redirect loops and TLS failures won't fix
                    // themselves.
                    let retryable = tls.is_none()
                        && matches!(
                            transport.kind(),
                            ureq::ErrorKind::Dns
                                | ureq::ErrorKind::ConnectionFailed
                                | ureq::ErrorKind::Io
                                | ureq::ErrorKind::ProxyConnect
                        );
                    // A TLS record where an HTTP answer should be, or an
                    // HTTP answer to a TLS handshake.
                    let wrong_protocol = tls == Some(TlsFailure::NotTls)
                        || matches!(
                            transport.kind(),
                            ureq::ErrorKind::BadStatus | ureq::ErrorKind::BadHeader
                        );
                    let failure = Failure::Transport {
                        message,
                        attempts: attempt + 1,
                        wrong_protocol,
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
            // Warn: a retry is the only sign of a long wait on a flaky
            // registry, so it shows at the default verbosity.
            tracing::warn!(
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
            limit: self.limit,
            bytes: 0,
            timed_out_after: None,
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
            Err(e) => match body.timed_out_after {
                Some(after) => Err(BodyError::TimedOut {
                    request: body.request.clone(),
                    after,
                }),
                None => Err(BodyError::Io(e)),
            },
        }
    }
}

/// A response body being read.
pub(super) struct Body {
    inner: Box<dyn Read + Send + Sync>,
    request: RequestName,
    limit: BodyLimit,
    bytes: u64,
    /// The deadline that passed, once one did.
    timed_out_after: Option<Duration>,
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

    /// `GET … timed out after 1s`, as an I/O error.
    fn timed_out(&mut self, after: Duration) -> io::Error {
        self.finish("timed out");
        self.timed_out_after = Some(after);
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{} timed out after {after:?}", self.request),
        )
    }

    /// The download's deadline, if it has passed and bytes are missing.
    fn passed_deadline(&self) -> Option<Duration> {
        let BodyLimit::Download(allowance) = &self.limit else {
            return None;
        };
        if allowance.length.is_some_and(|length| self.bytes >= length) {
            return None;
        }
        let allowed = allowance.allowed(self.bytes);
        (allowance.started.elapsed() >= allowed).then_some(allowed)
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(allowed) = self.passed_deadline() {
            return Err(self.timed_out(allowed));
        }
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
                match self.limit {
                    BodyLimit::Request { allowed } => Err(self.timed_out(allowed)),
                    BodyLimit::Download(allowance) => match self.passed_deadline() {
                        Some(allowed) => Err(self.timed_out(allowed)),
                        None => {
                            self.finish("stalled");
                            self.timed_out_after = Some(allowance.stall);
                            Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                format!(
                                    "{} timed out: no data for {:?}",
                                    self.request, allowance.stall
                                ),
                            ))
                        }
                    },
                }
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

/// Sends `builder` on a helper thread and waits for the answer's headers
/// at most `limit` (for ever when `None`); `None` when they did not come in
/// time. The helper is then left to end on its own: at the connection's
/// next stall (its reads wait at most the stall timeout), when the headers
/// are complete, or when the connection closes.
fn call_within(
    builder: ureq::Request,
    limit: Option<Duration>,
) -> Option<Result<ureq::Response, ureq::Error>> {
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("registry-download".into())
        .spawn(move || {
            // The receiver is gone when the deadline passed: the answer is
            // dropped, which closes its connection.
            let _ = sender.send(builder.call());
        });
    if let Err(e) = spawned {
        return Some(Err(ureq::Error::from(e)));
    }
    let received = match limit {
        Some(limit) => receiver.recv_timeout(limit).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => None,
            mpsc::RecvTimeoutError::Disconnected => Some(()),
        }),
        None => receiver.recv().map_err(|_| Some(())),
    };
    match received {
        Ok(sent) => Some(sent),
        Err(None) => None,
        // The helper ended without answering: it panicked.
        Err(Some(())) => Some(Err(ureq::Error::from(io::Error::other(
            "the download thread ended without an answer",
        )))),
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
            Failure::Certificate { origin, why } => format!(
                "the TLS certificate of {origin} is not trusted: {why} \
                 (--allow-insecure-registry skips verification; \
                 --registry-cacert FILE trusts a CA)"
            ),
        }
    }

    fn attempts(&self) -> u32 {
        match self {
            Failure::Status { attempts, .. }
            | Failure::Transport { attempts, .. }
            | Failure::TimedOut { attempts, .. } => *attempts,
            Failure::Certificate { .. } => 1,
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
            Failure::Transport { .. } | Failure::TimedOut { .. } | Failure::Certificate { .. } => {
                summary
            }
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

/// Loopback hosts (any port) and the configured insecure hosts; `*` in
/// the list makes every host insecure (cosign's `--allow-http-registry`).
pub(super) fn is_insecure(host: &str, insecure_hosts: &[String]) -> bool {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
        || insecure_hosts
            .iter()
            .any(|h| h == host || h == name || h == "*")
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
        assert!(is_insecure("ghcr.io", &["*".to_string()]));
    }

    #[test]
    fn request_names_hold_no_credentials_or_query() {
        let transport = Transport::new(
            "reg.example",
            "reg.example",
            &RegistryOptions::default(),
            None,
        );
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
        let transport = Transport::new("reg.example", "reg.example", &options, None);
        assert_eq!(transport.allowance(0), Duration::from_secs(10));
        assert_eq!(transport.allowance(5000), Duration::from_secs(15));
        assert!(transport.allowance(u64::MAX) > Duration::from_secs(1 << 40));
    }

    #[test]
    fn a_download_gets_time_for_its_length_else_for_what_it_read() {
        let unknown = Allowance {
            started: Instant::now(),
            timeout: Duration::from_secs(10),
            min_rate: 1000,
            length: None,
            stall: Duration::from_secs(60),
        };
        assert_eq!(unknown.allowed(0), Duration::from_secs(10));
        assert_eq!(unknown.allowed(5000), Duration::from_secs(15));
        let known = Allowance {
            length: Some(2000),
            ..unknown
        };
        assert_eq!(known.allowed(0), Duration::from_secs(12));
        assert_eq!(known.allowed(5000), Duration::from_secs(12));
    }
}
