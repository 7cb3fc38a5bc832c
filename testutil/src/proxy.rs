//! A loopback HTTP/1.1 proxy in front of a real registry that injects
//! faults: error statuses, dropped connections, answers trickled one byte
//! at a time, or a bearer-token auth layer (with its own `/token`
//! endpoint) the registry itself lacks.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the proxy does to requests.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer `status` (with a distribution error body; a 401 also gets
    /// `WWW-Authenticate: Basic realm="faultproxy"`) to the first `count`
    /// requests, then forward. `usize::MAX` means always.
    Status {
        /// The status to answer with.
        status: u16,
        /// How many requests get it.
        count: usize,
    },
    /// Close the connection without answering the first `count` requests,
    /// then forward.
    Close {
        /// How many requests are dropped.
        count: usize,
    },
    /// Forward the first `forward` requests, then close the connection of
    /// every later one without answering (a registry that went down).
    CloseAfter {
        /// How many requests are forwarded.
        forward: usize,
    },
    /// Answer `status` to every request that is not a `GET` or `HEAD`
    /// (a registry that serves reads and refuses writes); forward reads.
    RefuseWrites {
        /// The status to answer writes with.
        status: u16,
    },
    /// Forward, but append a space to the body of the first `count`
    /// answers (still valid JSON, different digest).
    CorruptBody {
        /// How many answers are altered.
        count: usize,
    },
    /// Demand `Authorization: Bearer <token>` on `/v2/…`, answering
    /// others with `401` and `WWW-Authenticate: Bearer
    /// realm="http://PROXY/token",service="faultproxy"` (no scope); serve
    /// `{"token": …}` at `/token`, requiring these basic credentials if
    /// given; strip the token and forward authorized requests.
    BearerAuth {
        /// Basic credentials `/token` demands, if any.
        credentials: Option<(String, String)>,
    },
    /// Forward, but send the answer (status line, headers and body) one
    /// byte every `every` (a registry that never quite stops answering),
    /// for requests whose path contains `path_contains` (all when `None`);
    /// others are forwarded as they are.
    Drip {
        /// The pause before each byte.
        every: Duration,
        /// Which requests trickle.
        path_contains: Option<String>,
    },
}

/// The running proxy; stops accepting on drop.
pub struct FaultProxy {
    /// `127.0.0.1:PORT` to point clients at.
    pub addr: String,
    state: Arc<State>,
    accept_thread: Option<JoinHandle<()>>,
}

struct State {
    upstream: String,
    fault: Fault,
    token: String,
    requests: AtomicUsize,
    seen: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The token `Fault::BearerAuth` issues.
pub const PROXY_TOKEN: &str = "faultproxy-token-0123456789";

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream_addr`
    /// (`127.0.0.1:PORT`) under `plan`.
    pub fn start(upstream_addr: &str, plan: Fault) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fault proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let state = Arc::new(State {
            upstream: upstream_addr.to_string(),
            fault: plan,
            token: PROXY_TOKEN.to_string(),
            requests: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let accept_state = Arc::clone(&state);
        let own_addr = addr.clone();
        let accept_thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accept_state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&accept_state);
                let own_addr = own_addr.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state, &own_addr);
                });
            }
        });
        FaultProxy {
            addr,
            state,
            accept_thread: Some(accept_thread),
        }
    }

    /// How many requests reached the proxy (token requests included).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Each request seen, as `METHOD /path?query`, in arrival order.
    pub fn seen(&self) -> Vec<String> {
        self.state.seen.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &TcpStream) -> std::io::Result<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        target,
        headers,
        body,
    })
}

fn write_response(
    stream: &mut dyn Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let mut has_length = false;
    for (name, value) in headers {
        has_length |= name.eq_ignore_ascii_case("content-length");
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("Connection: close\r\n\r\n");
    stream.write_all(out.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

fn error_body(status: u16) -> Vec<u8> {
    format!(r#"{{"errors":[{{"code":"UNKNOWN","message":"faultproxy injected {status}"}}]}}"#)
        .into_bytes()
}

fn handle(mut stream: TcpStream, state: &State, own_addr: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = read_request(&stream)?;
    if request.method.is_empty() {
        return Ok(());
    }
    let n = state.requests.fetch_add(1, Ordering::SeqCst);
    state
        .seen
        .lock()
        .unwrap()
        .push(format!("{} {}", request.method, request.target));
    let head = request.method == "HEAD";
    let json = vec![("Content-Type".to_string(), "application/json".to_string())];

    let mut strip_authorization = false;
    match &state.fault {
        Fault::Status { status, count } if n < *count => {
            let mut headers = json;
            if *status == 401 {
                headers.push((
                    "WWW-Authenticate".into(),
                    r#"Basic realm="faultproxy""#.into(),
                ));
            }
            return write_response(&mut stream, *status, &headers, &error_body(*status), head);
        }
        Fault::Close { count } if n < *count => {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(());
        }
        Fault::CloseAfter { forward } if n >= *forward => {
            let _ = stream.shutdown(Shutdown::Both);
            return Ok(());
        }
        Fault::RefuseWrites { status } if !head && request.method != "GET" => {
            return write_response(&mut stream, *status, &json, &error_body(*status), head);
        }
        Fault::BearerAuth { credentials } => {
            if request.target.starts_with("/token") {
                let expected = credentials.as_ref().map(|(u, p)| basic_value(u, p));
                if expected.is_some() && request.header("authorization") != expected.as_deref() {
                    let body =
                        br#"{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}"#;
                    return write_response(&mut stream, 401, &json, body, head);
                }
                let body = format!(r#"{{"token":"{}","expires_in":300}}"#, state.token);
                return write_response(&mut stream, 200, &json, body.as_bytes(), head);
            }
            let wanted = format!("Bearer {}", state.token);
            if request.header("authorization") != Some(wanted.as_str()) {
                let mut headers = json;
                headers.push((
                    "WWW-Authenticate".into(),
                    format!(r#"Bearer realm="http://{own_addr}/token",service="faultproxy""#),
                ));
                let body =
                    br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#;
                return write_response(&mut stream, 401, &headers, body, head);
            }
            strip_authorization = true;
        }
        _ => {}
    }
    let corrupt = matches!(state.fault, Fault::CorruptBody { count } if n < count);
    match &state.fault {
        Fault::Drip {
            every,
            path_contains,
        } if path_contains
            .as_deref()
            .is_none_or(|p| request.target.contains(p)) =>
        {
            let mut answer = Vec::new();
            forward(&mut answer, state, &request, false, false)?;
            drip(&mut stream, &answer, *every, state)
        }
        _ => forward(&mut stream, state, &request, strip_authorization, corrupt),
    }
}

/// Writes `bytes` one at a time, pausing `every` before each, until done,
/// the client hangs up or the proxy stops.
fn drip(
    stream: &mut TcpStream,
    bytes: &[u8],
    every: Duration,
    state: &State,
) -> std::io::Result<()> {
    for byte in bytes {
        std::thread::sleep(every);
        if state.stop.load(Ordering::SeqCst) {
            break;
        }
        stream.write_all(std::slice::from_ref(byte))?;
        stream.flush()?;
    }
    Ok(())
}

fn forward(
    stream: &mut dyn Write,
    state: &State,
    request: &Request,
    strip_authorization: bool,
    corrupt: bool,
) -> std::io::Result<()> {
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(Duration::from_secs(60))
        .build();
    let url = format!("http://{}{}", state.upstream, request.target);
    let mut upstream = agent.request(&request.method, &url);
    for (name, value) in &request.headers {
        let skip = ["host", "connection", "content-length", "transfer-encoding"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
            || (strip_authorization && name.eq_ignore_ascii_case("authorization"));
        if !skip {
            upstream = upstream.set(name, value);
        }
    }
    let response = match upstream.send_bytes(&request.body) {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(ureq::Error::Transport(t)) => {
            let body = format!("faultproxy: upstream failed: {t}");
            return write_response(stream, 502, &[], body.as_bytes(), false);
        }
    };
    let status = response.status();
    let head = request.method == "HEAD";
    let mut headers = Vec::new();
    for name in response.headers_names() {
        let skip = ["connection", "transfer-encoding", "keep-alive"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
            || (!head && name.eq_ignore_ascii_case("content-length"));
        if skip {
            continue;
        }
        for value in response.all(&name) {
            headers.push((name.clone(), value.to_string()));
        }
    }
    let mut body = Vec::new();
    if !head {
        response.into_reader().read_to_end(&mut body)?;
        if corrupt {
            body.push(b' ');
        }
    }
    write_response(stream, status, &headers, &body, head)
}

fn basic_value(user: &str, pass: &str) -> String {
    use base64::Engine;
    let raw = format!("{user}:{pass}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
