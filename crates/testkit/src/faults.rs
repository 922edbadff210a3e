//! A fault-injecting HTTP/1.1 proxy for S3 traffic on loopback: it sits between Cubby and
//! SeaweedFS and, for the requests a test names, answers with an S3 error, cuts the connection
//! mid-body in either direction, stalls, truncates a response, or stops accepting connections.
//!
//! It understands just enough HTTP/1.1 to find where each request and response ends
//! (Content-Length, chunked, until-close, bodiless answers, `Expect: 100-continue`), so one client
//! connection can carry many requests and a fault hits exactly the request it was meant for.
//! Bodies are read whole before they are passed on: the proxy is for correctness, not speed.
//! It does not speak TLS or HTTP/2, and never rewrites what it forwards.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// What the proxy does to a request a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers itself with this status and a proper S3 XML error body, without reaching the
    /// server: 500 is `InternalError`, 503 is `SlowDown`, anything else `ServiceUnavailable`.
    Status(u16),
    /// Passes on the request head and half its body, then resets both connections: the server
    /// sees an incomplete request, the client a reset while sending.
    DropRequest,
    /// The server handles the request in full; the client gets the response head and half the
    /// body (nothing at all when the body is empty), then a reset. The lost-answer case: the
    /// server did the work and the client cannot know.
    DropResponse,
    /// The server handles the request; the client gets the response head and half the body
    /// (nothing when it is empty), then silence for this long, then a reset.
    Stall(Duration),
    /// The server handles the request; the client gets the head (whose Content-Length promises
    /// the whole body) and half the body, then an orderly close.
    Truncate,
}

/// Which requests get a fault, and how many of them.
#[derive(Debug, Clone)]
pub struct Rule {
    fault: Fault,
    method: Option<String>,
    path_prefix: Option<String>,
    query: Option<String>,
    without_query: Option<String>,
    times: usize,
}

impl Rule {
    /// The next matching request gets `fault` (see `times` for more).
    pub fn new(fault: Fault) -> Rule {
        Rule {
            fault,
            method: None,
            path_prefix: None,
            query: None,
            without_query: None,
            times: 1,
        }
    }

    /// Only requests with this method (GET, PUT, POST, DELETE, HEAD).
    pub fn method(mut self, method: &str) -> Rule {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path (before `?`) starts with this, e.g. `/bucket/acme/`.
    pub fn path(mut self, prefix: &str) -> Rule {
        self.path_prefix = Some(prefix.to_string());
        self
    }

    /// Only requests whose query string contains this, e.g. `partNumber=` or `delete`.
    pub fn query(mut self, text: &str) -> Rule {
        self.query = Some(text.to_string());
        self
    }

    /// Only requests whose query string does not contain this.
    pub fn without_query(mut self, text: &str) -> Rule {
        self.without_query = Some(text.to_string());
        self
    }

    /// The next `n` matching requests (`usize::MAX`: every one).
    pub fn times(mut self, n: usize) -> Rule {
        self.times = n;
        self
    }

    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
            && self.query.as_deref().is_none_or(|q| query.contains(q))
            && self.without_query.as_deref().is_none_or(|q| !query.contains(q))
    }
}

/// A rule as the proxy holds it, with how often it fired.
struct Armed {
    rule: Rule,
    fired: usize,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Armed>>,
    log: Mutex<Vec<String>>,
    refusing: AtomicBool,
    changed: Notify,
    errors: AtomicU64,
}

impl Shared {
    /// The fault for a request, if a rule with uses left matches; counts the use.
    fn take(&self, method: &str, path: &str, query: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules
            .iter_mut()
            .find(|a| a.fired < a.rule.times && a.rule.matches(method, path, query))
            .map(|a| {
                a.fired += 1;
                a.rule.fault
            })
    }

    fn note(&self, line: String) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }
}

/// A rule's handle, for asking how often it fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleId(usize);

/// The proxy: `endpoint` is what Cubby is pointed at; it forwards to 127.0.0.1:`upstream`.
pub struct FaultProxy {
    pub endpoint: String,
    pub port: u16,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    pub fn start(upstream: u16) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fault-proxy")
            .enable_all()
            .build()
            .expect("proxy runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let shared = Arc::new(Shared::default());
        runtime.spawn(accept_loop(listener, port, upstream, shared.clone()));
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Arms a rule; rules are tried in the order they were added.
    pub fn inject(&self, rule: Rule) -> RuleId {
        let mut rules = self.shared.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.push(Armed { rule, fired: 0 });
        RuleId(rules.len() - 1)
    }

    /// How many requests the rule has hit so far.
    pub fn fired(&self, id: RuleId) -> usize {
        let rules = self.shared.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.get(id.0).map(|a| a.fired).unwrap_or(0)
    }

    /// Disarms every rule (their counts are kept for `fired`).
    pub fn clear(&self) {
        let mut rules = self.shared.rules.lock().unwrap_or_else(|p| p.into_inner());
        for armed in rules.iter_mut() {
            armed.rule.times = armed.fired;
        }
    }

    /// Closes the listening socket (connecting is refused) and every open connection, as a
    /// server that went away; `false` opens it again on the same port.
    pub fn refuse(&self, refusing: bool) {
        self.shared.refusing.store(refusing, Ordering::SeqCst);
        self.shared.changed.notify_waiters();
        if refusing {
            // Wait until the port is really closed, so the next connect is refused.
            let start = std::time::Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "the proxy kept listening"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            let start = std::time::Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "the proxy did not listen again"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// One line per request seen: `METHOD target -> what happened`.
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Connections that failed inside the proxy itself (not injected faults).
    pub fn internal_errors(&self) -> u64 {
        self.shared.errors.load(Ordering::Relaxed)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn accept_loop(mut listener: TcpListener, port: u16, upstream: u16, shared: Arc<Shared>) {
    loop {
        let changed = shared.changed.notified();
        if shared.refusing.load(Ordering::SeqCst) {
            drop(listener);
            loop {
                let changed = shared.changed.notified();
                if !shared.refusing.load(Ordering::SeqCst) {
                    break;
                }
                changed.await;
            }
            listener = loop {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
            continue;
        }
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((client, _)) = accepted {
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        if serve(client, upstream, &shared).await.is_err() {
                            shared.errors.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
            }
            _ = changed => {}
        }
    }
}

/// An HTTP message head: the raw bytes as received, its first line and its headers.
struct Head {
    raw: Vec<u8>,
    first: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    fn status(&self) -> u16 {
        self.first
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

async fn read_head<R: AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Option<Head>> {
    let mut raw = Vec::new();
    loop {
        let n = r.read_until(b'\n', &mut raw).await?;
        if n == 0 {
            return if raw.is_empty() {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
        if raw.ends_with(b"\r\n\r\n") || raw.ends_with(b"\n\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Some(Head { raw, first, headers }))
}

enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

fn framing(head: &Head, request: bool, method: &str) -> Framing {
    if !request {
        let status = head.status();
        if method == "HEAD" || (100..200).contains(&status) || status == 204 || status == 304 {
            return Framing::Empty;
        }
    }
    if head.has_token("transfer-encoding", "chunked") {
        return Framing::Chunked;
    }
    match head.header("content-length").and_then(|v| v.parse().ok()) {
        Some(n) => Framing::Length(n),
        None if request => Framing::Empty,
        None => Framing::UntilClose,
    }
}

/// Reads a whole body as framed on the wire (chunk headers included for chunked bodies).
async fn read_body<R: AsyncBufRead + Unpin>(r: &mut R, framing: Framing) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    match framing {
        Framing::Empty => {}
        Framing::Length(n) => {
            body.resize(n as usize, 0);
            r.read_exact(&mut body).await?;
        }
        Framing::UntilClose => {
            r.read_to_end(&mut body).await?;
        }
        Framing::Chunked => loop {
            let start = body.len();
            if r.read_until(b'\n', &mut body).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let line = String::from_utf8_lossy(&body[start..]).into_owned();
            let size_text = line.trim().split(';').next().unwrap_or_default().to_string();
            let size = u64::from_str_radix(&size_text, 16)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    let at = body.len();
                    if r.read_until(b'\n', &mut body).await? == 0 {
                        return Err(std::io::ErrorKind::UnexpectedEof.into());
                    }
                    if &body[at..] == b"\r\n" || &body[at..] == b"\n" {
                        return Ok(body);
                    }
                }
            }
            let at = body.len();
            body.resize(at + size as usize + 2, 0);
            r.read_exact(&mut body[at..]).await?;
        },
    }
    Ok(body)
}

fn s3_error(status: u16, method: &str, id: usize) -> Vec<u8> {
    let (reason, code, message) = match status {
        500 => (
            "Internal Server Error",
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
        503 => ("Slow Down", "SlowDown", "Please reduce your request rate."),
        _ => (
            "Service Unavailable",
            "ServiceUnavailable",
            "The service is unavailable. Please try again.",
        ),
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>fault-{id}</RequestId></Error>"
    );
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         x-amz-request-id: fault-{id}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

/// A connection to the server, kept across requests while the server keeps it alive.
type Upstream = BufReader<TcpStream>;

async fn exchange(
    upstream: &mut Option<Upstream>,
    port: u16,
    method: &str,
    request: &[u8],
) -> std::io::Result<(Head, Vec<u8>)> {
    // A kept-alive connection the server closed meanwhile gets one fresh attempt.
    for attempt in 0..2 {
        let fresh = upstream.is_none();
        if fresh {
            *upstream = Some(BufReader::new(TcpStream::connect(("127.0.0.1", port)).await?));
        }
        let conn = upstream.as_mut().ok_or(std::io::ErrorKind::NotConnected)?;
        let sent = conn.get_mut().write_all(request).await;
        let head = match sent {
            Ok(()) => read_head(conn).await,
            Err(e) => Err(e),
        };
        let mut head = match head {
            Ok(Some(head)) => head,
            Ok(None) | Err(_) if !fresh && attempt == 0 => {
                *upstream = None;
                continue;
            }
            Ok(None) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Err(e) => return Err(e),
        };
        while (100..200).contains(&head.status()) {
            head = read_head(conn).await?.ok_or(std::io::ErrorKind::UnexpectedEof)?;
        }
        let body = read_body(conn, framing(&head, false, method)).await?;
        if head.has_token("connection", "close")
            || matches!(framing(&head, false, method), Framing::UntilClose)
        {
            *upstream = None;
        }
        return Ok((head, body));
    }
    Err(std::io::ErrorKind::UnexpectedEof.into())
}

fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

async fn serve(client: TcpStream, upstream_port: u16, shared: &Shared) -> std::io::Result<()> {
    let mut client = BufReader::new(client);
    let mut upstream: Option<Upstream> = None;
    let mut served = 0usize;
    loop {
        let Some(head) = read_head(&mut client).await? else {
            return Ok(());
        };
        if shared.refusing.load(Ordering::SeqCst) {
            reset(client.get_ref());
            return Ok(());
        }
        served += 1;
        let mut parts = head.first.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
        if head.has_token("expect", "100-continue") {
            client
                .get_mut()
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        let body = read_body(&mut client, framing(&head, true, &method)).await?;
        let fault = shared.take(&method, path, query);
        let mut request = head.raw.clone();
        match fault {
            Some(Fault::Status(code)) => {
                shared.note(format!("{method} {target} -> injected {code}"));
                client
                    .get_mut()
                    .write_all(&s3_error(code, &method, served))
                    .await?;
                if head.has_token("connection", "close") {
                    client.get_mut().shutdown().await?;
                    return Ok(());
                }
                continue;
            }
            Some(Fault::DropRequest) => {
                shared.note(format!("{method} {target} -> dropped mid-request"));
                request.extend_from_slice(&body[..body.len() / 2]);
                if let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream_port)).await {
                    let _ = server.write_all(&request).await;
                    reset(&server);
                }
                reset(client.get_ref());
                return Ok(());
            }
            _ => {}
        }
        request.extend_from_slice(&body);
        let (answer, answer_body) = match exchange(&mut upstream, upstream_port, &method, &request).await {
            Ok(found) => found,
            Err(e) => {
                shared.note(format!("{method} {target} -> server unreachable ({e})"));
                reset(client.get_ref());
                return Err(e);
            }
        };
        let status = answer.status();
        let half = &answer_body[..answer_body.len() / 2];
        let out = client.get_mut();
        match fault {
            None => {
                shared.note(format!("{method} {target} -> {status}"));
                out.write_all(&answer.raw).await?;
                out.write_all(&answer_body).await?;
                if answer.has_token("connection", "close") || head.has_token("connection", "close") {
                    out.shutdown().await?;
                    return Ok(());
                }
            }
            Some(Fault::DropResponse) => {
                shared.note(format!("{method} {target} -> {status}, dropped mid-response"));
                if !answer_body.is_empty() {
                    out.write_all(&answer.raw).await?;
                    out.write_all(half).await?;
                    out.flush().await?;
                }
                reset(client.get_ref());
                return Ok(());
            }
            Some(Fault::Stall(pause)) => {
                shared.note(format!("{method} {target} -> {status}, stalled {pause:?}"));
                if !answer_body.is_empty() {
                    out.write_all(&answer.raw).await?;
                    out.write_all(half).await?;
                    out.flush().await?;
                }
                tokio::time::sleep(pause).await;
                reset(client.get_ref());
                return Ok(());
            }
            Some(Fault::Truncate) => {
                shared.note(format!("{method} {target} -> {status}, truncated"));
                out.write_all(&answer.raw).await?;
                out.write_all(half).await?;
                out.shutdown().await?;
                return Ok(());
            }
            Some(Fault::Status(_) | Fault::DropRequest) => unreachable!("handled before forwarding"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// A one-shot HTTP server answering every request with `body`.
    fn origin(body: &'static [u8]) -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
                    loop {
                        let mut line = String::new();
                        let mut length = 0usize;
                        loop {
                            line.clear();
                            if std::io::BufRead::read_line(&mut reader, &mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut sink = vec![0; length];
                        if reader.read_exact(&mut sink).is_err() {
                            return;
                        }
                        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                        if stream
                            .write_all(head.as_bytes())
                            .and_then(|_| stream.write_all(body))
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        port
    }

    fn get(port: u16, path: &str) -> std::io::Result<Vec<u8>> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn rules_hit_only_matching_requests_and_only_as_often_as_asked() {
        let proxy = FaultProxy::start(origin(b"0123456789"));
        let id = proxy.inject(Rule::new(Fault::Status(503)).method("GET").path("/b/").times(2));
        assert!(String::from_utf8_lossy(&get(proxy.port, "/a/x").expect("get")).ends_with("0123456789"));
        for _ in 0..2 {
            let answer = String::from_utf8_lossy(&get(proxy.port, "/b/x").expect("get")).into_owned();
            assert!(
                answer.starts_with("HTTP/1.1 503") && answer.contains("<Code>SlowDown</Code>"),
                "{answer}"
            );
        }
        assert!(String::from_utf8_lossy(&get(proxy.port, "/b/x").expect("get")).ends_with("0123456789"));
        assert_eq!(proxy.fired(id), 2);
    }

    #[test]
    fn truncation_promises_more_than_it_sends() {
        let proxy = FaultProxy::start(origin(b"0123456789"));
        proxy.inject(Rule::new(Fault::Truncate));
        let answer = String::from_utf8_lossy(&get(proxy.port, "/k").expect("get")).into_owned();
        assert!(
            answer.contains("Content-Length: 10") && answer.ends_with("\r\n\r\n01234"),
            "{answer}"
        );
    }

    #[test]
    fn refusing_closes_the_port_until_reopened() {
        let proxy = FaultProxy::start(origin(b"ok"));
        proxy.refuse(true);
        assert_eq!(
            std::net::TcpStream::connect(("127.0.0.1", proxy.port))
                .map(|_| ())
                .map_err(|e| e.kind()),
            Err(std::io::ErrorKind::ConnectionRefused)
        );
        proxy.refuse(false);
        assert!(String::from_utf8_lossy(&get(proxy.port, "/k").expect("get")).ends_with("ok"));
    }
}
