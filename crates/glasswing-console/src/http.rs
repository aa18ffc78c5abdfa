//! A minimal HTTP/1.1 client for the console endpoint: GETs to one plain-HTTP host, the response
//! head parsed by `httparse`, the body framed by `Content-Length`, chunked encoding, or the close.
//!
//! Why by hand: the console speaks plain HTTP/1.1 (loopback, or a tunnel to it), the requests are
//! GETs with at most a bearer token, and a general client brings URL parsing with IDNA and Unicode
//! tables, a connection pool and TLS plumbing this needs none of. One connection per request
//! (`Connection: close`) keeps it simple: the event stream is one long response, the other requests
//! are a few a second at most, on loopback.

use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Where the console is, from the command line's URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `host:port`, as given (a name is resolved at each connection).
    pub authority: String,
    /// A path prefix the console sits under (empty unless the URL had one: a reverse proxy's).
    pub prefix: String,
    /// Sent as `Authorization: Bearer <token>` (a console that allows remote clients wants it).
    pub token: Option<String>,
}

/// Connecting gives up after this: the console is local or a tunnel away.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A response whose head is bigger than this is not the console's.
const MAX_HEAD: usize = 64 << 10;
/// A response body bigger than this is not the console's (its responses are bounded well under).
const MAX_BODY: usize = 256 << 20;

impl Target {
    /// Reads `http://host:port[/prefix]`, `host:port` or a bare port (meaning 127.0.0.1), as
    /// `GLASSWING_CONSOLE` takes them.
    pub fn parse(url: &str, token: Option<String>) -> Result<Target, String> {
        let url = url.trim();
        if url.starts_with("https://") {
            return Err(format!(
                "{url}: the console speaks plain HTTP (loopback, or a tunnel to it such as \
                 `ssh -L 6669:127.0.0.1:6669 host`): use http://"
            ));
        }
        let rest = url.strip_prefix("http://").unwrap_or(url);
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let authority = if !authority.is_empty() && authority.bytes().all(|b| b.is_ascii_digit()) {
            format!("127.0.0.1:{authority}")
        } else {
            authority.to_owned()
        };
        let port_ok = authority
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(format!(
                "{url}: expected the console's address with its port, as the program printed it: \
                 http://127.0.0.1:6669"
            ));
        }
        Ok(Target { authority, prefix: path.trim_end_matches('/').to_owned(), token })
    }

    /// `http://host:port[/prefix]`, for messages.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.authority, self.prefix)
    }

    /// Sends `GET path` and returns the response once its head is read; the body is read from it.
    pub fn open(&self, path: &str, read_timeout: Duration) -> Result<Response, Error> {
        let addrs = self.authority.to_socket_addrs().map_err(Error::Unreachable)?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolved to no address");
        let mut stream = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let mut stream = stream.ok_or(Error::Unreachable(last))?;
        stream.set_read_timeout(Some(read_timeout)).map_err(Error::Io)?;
        stream.set_write_timeout(Some(Duration::from_secs(5))).map_err(Error::Io)?;
        stream.set_nodelay(true).map_err(Error::Io)?;
        let mut request = format!(
            "GET {}{} HTTP/1.1\r\nHost: {}\r\nUser-Agent: glasswing-console\r\nConnection: close\r\n",
            self.prefix, path, self.authority
        );
        if let Some(token) = &self.token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).map_err(Error::Io)?;
        let socket = stream.try_clone().map_err(Error::Io)?;
        Response::read(stream, socket)
    }

    /// `GET path`, the whole body read.
    pub fn get(&self, path: &str) -> Result<Vec<u8>, Error> {
        let mut response = self.open(path, Duration::from_secs(10))?;
        response.body_bytes()
    }
}

/// Why a request failed.
#[derive(Debug)]
pub enum Error {
    /// Nothing listens there (or the name does not resolve).
    Unreachable(io::Error),
    /// The connection broke or timed out midway.
    Io(io::Error),
    /// The console wants a token (it allows remote clients): `--token`.
    Unauthorized,
    /// Any other status than 200, with the start of the body.
    Status(u16, String),
    /// What came back is not HTTP as the console speaks it.
    Protocol(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable(e) => write!(f, "cannot connect: {e}"),
            Error::Io(e) => write!(f, "connection broke: {e}"),
            Error::Unauthorized => f.write_str("401: the console wants its token: pass --token <TOKEN>"),
            Error::Status(code, body) => write!(f, "HTTP {code}: {body}"),
            Error::Protocol(what) => write!(f, "not a Glasswing console's answer: {what}"),
        }
    }
}

impl std::error::Error for Error {}

/// A response whose head was read: `Read` gives its body, de-chunked.
pub struct Response {
    body: BufReader<io::Chain<Cursor<Vec<u8>>, TcpStream>>,
    framing: Framing,
    /// The socket, to close it from another thread (`shutdown` unblocks a read in progress).
    socket: TcpStream,
}

enum Framing {
    Length(u64),
    /// Bytes left in the current chunk; `None` before a chunk's size line; `done` after the last.
    Chunked {
        left: Option<u64>,
        done: bool,
    },
    Close,
}

impl Response {
    fn read(mut stream: TcpStream, socket: TcpStream) -> Result<Response, Error> {
        let mut buf = Vec::with_capacity(1024);
        let mut chunk = [0u8; 4096];
        let (status, head_len, framing) = loop {
            let n = stream.read(&mut chunk).map_err(Error::Io)?;
            if n == 0 {
                return Err(Error::Protocol("the connection closed before a response".into()));
            }
            buf.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            match response.parse(&buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = response.code.unwrap_or(0);
                    let mut framing = Framing::Close;
                    for h in response.headers.iter() {
                        let value = String::from_utf8_lossy(h.value);
                        if h.name.eq_ignore_ascii_case("transfer-encoding")
                            && value.to_ascii_lowercase().contains("chunked")
                        {
                            framing = Framing::Chunked { left: None, done: false };
                        } else if h.name.eq_ignore_ascii_case("content-length")
                            && !matches!(framing, Framing::Chunked { .. })
                        {
                            let len = value
                                .trim()
                                .parse()
                                .map_err(|_| Error::Protocol(format!("Content-Length: {value}")))?;
                            framing = Framing::Length(len);
                        }
                    }
                    break (status, len, framing);
                }
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
                Ok(httparse::Status::Partial) => {
                    return Err(Error::Protocol("a response head over 64 KB".into()))
                }
                Err(e) => return Err(Error::Protocol(format!("{e}"))),
            }
        };
        let rest = buf.split_off(head_len);
        let mut response =
            Response { body: BufReader::new(Cursor::new(rest).chain(stream)), framing, socket };
        match status {
            200 => Ok(response),
            401 => Err(Error::Unauthorized),
            _ => {
                let mut body = Vec::new();
                let _ = (&mut response).take(512).read_to_end(&mut body);
                let text = String::from_utf8_lossy(&body);
                Err(Error::Status(status, text.lines().next().unwrap_or("").to_owned()))
            }
        }
    }

    /// The rest of the body, up to 256 MB.
    pub fn body_bytes(&mut self) -> Result<Vec<u8>, Error> {
        let mut body = Vec::new();
        self.take(MAX_BODY as u64 + 1).read_to_end(&mut body).map_err(Error::Io)?;
        if body.len() > MAX_BODY {
            return Err(Error::Protocol("a body over 256 MB".into()));
        }
        Ok(body)
    }

    /// A handle that closes this response's connection from another thread.
    pub fn closer(&self) -> io::Result<TcpStream> {
        self.socket.try_clone()
    }

    fn chunk_size_line(&mut self) -> io::Result<u64> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.body.read_line(&mut line)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            // The CRLF that ends the previous chunk's data is read here as an empty line.
            if !line.trim().is_empty() {
                break;
            }
        }
        let size = line.trim().split(';').next().unwrap_or("").trim();
        u64::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, format!("bad chunk size line {line:?}")))
    }
}

impl Read for Response {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.framing {
            Framing::Close => self.body.read(buf),
            Framing::Length(0) => Ok(0),
            Framing::Length(left) => {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.body.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                self.framing = Framing::Length(left - n as u64);
                Ok(n)
            }
            Framing::Chunked { done: true, .. } => Ok(0),
            Framing::Chunked { left, done: false } => {
                let left = match left {
                    Some(n) if n > 0 => n,
                    _ => {
                        let size = self.chunk_size_line()?;
                        if size == 0 {
                            self.framing = Framing::Chunked { left: None, done: true };
                            return Ok(0);
                        }
                        size
                    }
                };
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.body.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                self.framing = Framing::Chunked { left: Some(left - n as u64), done: false };
                Ok(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// A server that answers one connection with `response`, sent in pieces of `piece` bytes,
    /// and hands back the request head it read.
    fn serve_once(response: &'static [u8], piece: usize) -> (Target, thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                s.read_exact(&mut byte).unwrap();
                head.push(byte[0]);
            }
            for p in response.chunks(piece) {
                // A client that has its body (Content-Length bytes) closes the connection, so
                // writing what follows may fail (EPIPE, ECONNRESET): that is the client right.
                if s.write_all(p).and_then(|()| s.flush()).is_err() {
                    break;
                }
            }
            String::from_utf8(head).unwrap()
        });
        (Target::parse(&port.to_string(), Some("s3cret".into())).unwrap(), server)
    }

    #[test]
    fn urls_as_the_program_prints_them() {
        let t = Target::parse("http://127.0.0.1:6669/", None).unwrap();
        assert_eq!((t.authority.as_str(), t.prefix.as_str()), ("127.0.0.1:6669", ""));
        assert_eq!(Target::parse("6669", None).unwrap().authority, "127.0.0.1:6669");
        assert_eq!(Target::parse("localhost:80/glass/", None).unwrap().prefix, "/glass");
        assert_eq!(Target::parse("http://[::1]:6669", None).unwrap().url(), "http://[::1]:6669");
        assert!(Target::parse("https://h:1", None).unwrap_err().contains("plain HTTP"));
        assert!(Target::parse("http://localhost", None).unwrap_err().contains("port"));
    }

    #[test]
    fn a_sized_body_and_the_request_it_answers() {
        for piece in [1, 7, 4096] {
            let (target, server) = serve_once(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"a\": 1}\nextra",
                piece,
            );
            assert_eq!(target.get("/api/overview").unwrap(), b"{\"a\": 1}\n");
            let head = server.join().unwrap();
            assert!(head.starts_with("GET /api/overview HTTP/1.1\r\n"), "{head}");
            assert!(head.contains("\r\nAuthorization: Bearer s3cret\r\n"), "{head}");
        }
    }

    #[test]
    fn a_chunked_body() {
        for piece in [1, 5, 4096] {
            let (target, server) = serve_once(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
                piece,
            );
            assert_eq!(target.get("/").unwrap(), b"hello, world");
            server.join().unwrap();
        }
    }

    #[test]
    fn a_body_to_the_close_and_the_statuses() {
        let (target, server) = serve_once(b"HTTP/1.1 200 OK\r\n\r\nall of it", 3);
        assert_eq!(target.get("/").unwrap(), b"all of it");
        server.join().unwrap();

        let (target, server) = serve_once(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", 100);
        assert!(matches!(target.get("/"), Err(Error::Unauthorized)));
        server.join().unwrap();

        let (target, server) =
            serve_once(b"HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\nno such task", 100);
        match target.get("/api/task/9") {
            Err(Error::Status(404, body)) => assert_eq!(body, "no such task"),
            other => panic!("{other:?}"),
        }
        server.join().unwrap();
    }

    #[test]
    fn nothing_listening_is_unreachable() {
        // A port just released: nothing listens there now.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let target = Target::parse(&port.to_string(), None).unwrap();
        assert!(matches!(target.get("/"), Err(Error::Unreachable(_))));
    }
}
