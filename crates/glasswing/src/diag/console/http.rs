//! HTTP/1.1 for the console, as little of it as the console needs: one GET per connection, its head
//! parsed with `httparse`, the response written by hand and the connection closed after it.
//!
//! `httparse` parses the request head: it is small (no dependencies, no allocation), it is what
//! hyper itself uses, and a request line and headers are exactly where hand-written parsers go
//! wrong (folded lines, stray bytes, header counts). Nothing else of a web server is needed: the
//! console answers GETs with bodies it has in memory, and keeps no connection alive but the
//! event stream, so responses are a status line, a few headers and the body.
//!
//! Bounds: the head must arrive within `HEAD_TIMEOUT` in all (a client that trickles it is cut
//! off), and fit in `MAX_HEAD` bytes (else 431).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// The largest request head read (request line and headers).
pub(crate) const MAX_HEAD: usize = 8 * 1024;
/// How long a client has to send its whole request head.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write may block (a client that stops reading is dropped).
pub(crate) const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole answer may take to write (a client that reads it a trickle at a time is cut
/// off). The answer is built before the first byte is written, with the runtime let go.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Headers a request may have (browsers send a dozen or so).
const MAX_HEADERS: usize = 64;

/// A parsed request: what the routes look at.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path, without the query.
    pub(crate) path: String,
    /// The query's parameters, percent-decoded, in order.
    pub(crate) query: Vec<(String, String)>,
    /// The token of an `Authorization: Bearer <token>` header.
    pub(crate) bearer: Option<String>,
    /// The `Host` header, as sent.
    pub(crate) host: Option<String>,
    /// `Sec-Fetch-Site` (`same-origin`, `cross-site`, ...): sent by browsers with every request.
    pub(crate) fetch_site: Option<String>,
}

impl Request {
    /// The first value of the query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The head is over `MAX_HEAD` bytes, or has too many headers: 431.
    TooLarge,
    /// Not HTTP: 400, with what was wrong.
    Bad(String),
    /// The client went away, or was too slow: nothing is answered.
    Gone,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> ReadError {
        ReadError::Gone
    }
}

/// Reads and parses one request head from `stream`, within `HEAD_TIMEOUT`.
pub(crate) fn read_request(stream: &mut TcpStream) -> Result<Request, ReadError> {
    let deadline = Instant::now() + HEAD_TIMEOUT;
    let mut buf = vec![0u8; MAX_HEAD];
    let mut len = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ReadError::Gone);
        }
        stream.set_read_timeout(Some(left))?;
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err(ReadError::Gone);
        }
        len += n;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf[..len]) {
            Ok(httparse::Status::Complete(_)) => return Ok(to_request(&req)),
            Ok(httparse::Status::Partial) if len == MAX_HEAD => return Err(ReadError::TooLarge),
            Ok(httparse::Status::Partial) => continue,
            Err(httparse::Error::TooManyHeaders) => return Err(ReadError::TooLarge),
            Err(e) => return Err(ReadError::Bad(e.to_string())),
        }
    }
}

fn to_request(req: &httparse::Request<'_, '_>) -> Request {
    let target = req.path.unwrap_or("/");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let bearer = req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("authorization"))
        .and_then(|h| std::str::from_utf8(h.value).ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
        });
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(|v| v.trim().to_string())
    };
    Request {
        method: req.method.unwrap_or("").to_string(),
        path: percent_decode(path),
        query,
        bearer,
        host: header("host"),
        fetch_site: header("sec-fetch-site"),
    }
}

/// Whether a request's `Host` names this machine's loopback (`localhost`, `127.x.x.x`, `[::1]`,
/// with any port): what a browser sends to a loopback console unless a page it runs reached it
/// under another name, as DNS rebinding does.
pub(crate) fn host_is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or(v6, |(addr, _)| addr),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `%XX` escapes decoded, and `+` as a space (as forms and `URLSearchParams` write them).
/// Invalid escapes are kept as they are; invalid UTF-8 becomes U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Writes a whole response into `out` (the connection is closed after it).
pub(crate) fn respond(
    out: &mut impl Write,
    status: u16,
    content_type: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in extra_headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}

/// An error as JSON: `{"error": "..."}`.
pub(crate) fn respond_error(out: &mut impl Write, status: u16, message: &str) -> io::Result<()> {
    let body = format!("{{\"error\":{}}}", json_string(message));
    respond(out, status, "application/json", &[], body.as_bytes())
}

/// Writes a built answer to `stream`, all of it within `ANSWER_TIMEOUT` (each write within
/// `WRITE_TIMEOUT`).
pub(crate) fn send(stream: &mut TcpStream, answer: &[u8]) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let deadline = Instant::now() + ANSWER_TIMEOUT;
    for chunk in answer.chunks(64 * 1024) {
        if Instant::now() >= deadline {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the client reads too slowly"));
        }
        stream.write_all(chunk)?;
    }
    stream.flush()
}

/// The head of an event stream (`text/event-stream`): events follow, until either side closes.
pub(crate) fn start_event_stream(stream: &mut TcpStream) -> io::Result<()> {
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\n",
    )?;
    stream.flush()
}

/// Closes the connection after a response: our side first, then whatever the client still sends
/// is read (briefly) and dropped, so that closing with unread input does not reset the connection
/// before the client has read the response.
/// `wait`: whether to wait (briefly) for input still on its way, or only drop what has arrived (the
/// accepting thread, which must not be held up by a connection it turns away).
pub(crate) fn close(mut stream: TcpStream, wait: bool) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = match wait {
        true => stream.set_read_timeout(Some(Duration::from_millis(100))),
        false => stream.set_nonblocking(true),
    };
    let mut sink = [0u8; 4096];
    let mut drained = 0;
    while drained < 64 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// `s` as a JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    crate::diag::json::to_string(s).expect("a string always serializes")
}
