//! The network side, on background threads, so that the screen never waits on the console: one
//! thread follows the event stream (`/api/events`), one answers the UI's other requests (a task's
//! detail, a page of rows, the groups, the dump) in turn. Both send what they get to the UI's
//! channel; the UI only ever `try_recv`s.
//!
//! A new sort or filter means a new event stream (the server keeps the top rows per connection):
//! the UI drops the old `Stream`, which closes its socket (unblocking the read in progress), and
//! the messages it may still have in flight carry an older generation number the UI ignores.

use crate::http::{Error, Target};
use crate::model::{Groups, TaskDetail, TaskPage, Tick};
use crate::sse;
use std::io::Read;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the background threads tell the UI.
pub enum Msg {
    /// One event of the stream of generation `generation`; `first` on each (re)connection's
    /// first, which sends every top row again.
    Tick { generation: u64, first: bool, tick: Box<Tick> },
    /// The stream of generation `generation` broke; it reconnects by itself.
    StreamLost { generation: u64, error: String },
    /// The answer to `Request::Page`.
    Page { query: String, result: Result<TaskPage, String> },
    /// The answer to `Request::Detail`.
    Detail { id: u64, result: Result<Box<TaskDetail>, String> },
    /// The answer to `Request::Groups`.
    Groups(Result<Groups, String>),
    /// The answer to `Request::Dump`.
    Dump(Result<String, String>),
}

/// What the UI asks the request thread for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `/api/tasks?<query>`.
    Page(String),
    /// `/api/task/<id>`.
    Detail(u64),
    /// `/api/groups`.
    Groups,
    /// `/api/dump` (text).
    Dump,
}

/// The event stream's reads give up after this long without a byte: the server sends an event
/// every second, so a silent connection is a dead one.
const STREAM_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Between attempts to reconnect a broken stream.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// A running event-stream thread; dropping it ends the thread.
pub struct Stream {
    stop: Arc<AtomicBool>,
    socket: Arc<Mutex<Option<TcpStream>>>,
}

impl Stream {
    /// Follows `/api/events?<query>`, sending each tick to `tx` tagged with `generation`.
    pub fn start(target: Target, query: String, generation: u64, tx: Sender<Msg>) -> Stream {
        let stop = Arc::new(AtomicBool::new(false));
        let socket = Arc::new(Mutex::new(None));
        let (stop2, socket2) = (stop.clone(), socket.clone());
        thread::Builder::new()
            .name("console-events".into())
            .spawn(move || follow(target, query, generation, tx, stop2, socket2))
            .expect("cannot start the console-events thread");
        Stream { stop, socket }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(s) = self.socket.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn follow(
    target: Target,
    query: String,
    generation: u64,
    tx: Sender<Msg>,
    stop: Arc<AtomicBool>,
    socket: Arc<Mutex<Option<TcpStream>>>,
) {
    let path = format!("/api/events?{query}");
    while !stop.load(Ordering::SeqCst) {
        let error = match target.open(&path, STREAM_READ_TIMEOUT) {
            Ok(mut response) => {
                if let Ok(s) = response.closer() {
                    *socket.lock().unwrap_or_else(|e| e.into_inner()) = Some(s);
                }
                // Dropped between the open and the store: the drop found no socket to close.
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                read_events(&mut response, generation, &tx)
            }
            Err(e) => e.to_string(),
        };
        if stop.load(Ordering::SeqCst) || tx.send(Msg::StreamLost { generation, error }).is_err() {
            return;
        }
        thread::sleep(RECONNECT_PAUSE);
    }
}

/// Reads events until the stream ends; returns why it ended.
fn read_events(response: &mut impl Read, generation: u64, tx: &Sender<Msg>) -> String {
    let mut parser = sse::Parser::new();
    let mut events = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    let mut first = true;
    loop {
        let n = match response.read(&mut buf) {
            Ok(0) => return "the console closed the event stream".into(),
            Ok(n) => n,
            Err(e) => return format!("the event stream broke: {e}"),
        };
        parser.feed(&buf[..n], &mut events);
        for event in events.drain(..) {
            if event.event != "tick" {
                continue;
            }
            let tick = match serde_json::from_str::<Tick>(&event.data) {
                Ok(t) => t,
                Err(e) => return format!("an event the console sent does not parse: {e}"),
            };
            if tx.send(Msg::Tick { generation, first, tick: Box::new(tick) }).is_err() {
                return String::new();
            }
            first = false;
        }
    }
}

/// Starts the request thread: it answers `requests` in turn until the UI drops its sender.
pub fn start_requests(target: Target, requests: Receiver<Request>, tx: Sender<Msg>) {
    thread::Builder::new()
        .name("console-requests".into())
        .spawn(move || {
            for request in requests {
                let msg = answer(&target, request);
                if tx.send(msg).is_err() {
                    return;
                }
            }
        })
        .expect("cannot start the console-requests thread");
}

fn answer(target: &Target, request: Request) -> Msg {
    fn json<T: serde::de::DeserializeOwned>(target: &Target, path: &str) -> Result<T, String> {
        let body = target.get(path).map_err(|e: Error| e.to_string())?;
        serde_json::from_slice(&body).map_err(|e| format!("{path}: {e}"))
    }
    match request {
        Request::Page(query) => {
            let result = json(target, &format!("/api/tasks?{query}"));
            Msg::Page { query, result }
        }
        Request::Detail(id) => {
            Msg::Detail { id, result: json(target, &format!("/api/task/{id}")).map(Box::new) }
        }
        Request::Groups => Msg::Groups(json(target, "/api/groups?limit=200")),
        Request::Dump => Msg::Dump(
            target
                .get("/api/dump")
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| e.to_string()),
        ),
    }
}

/// `sort=..&dir=..&filter=..` with the filter percent-encoded.
pub fn query(sort: &str, descending: bool, filter: &str) -> String {
    let mut q = format!("sort={sort}&dir={}", if descending { "desc" } else { "asc" });
    if !filter.is_empty() {
        q.push_str("&filter=");
        for b in filter.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                q.push(b as char);
            } else {
                q.push_str(&format!("%{b:02X}"));
            }
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::sync::mpsc;

    #[test]
    fn queries_encode_the_filter() {
        assert_eq!(query("busy", true, ""), "sort=busy&dir=desc");
        assert_eq!(query("id", false, "a b/é&"), "sort=id&dir=asc&filter=a%20b%2F%C3%A9%26");
    }

    #[test]
    fn a_stream_of_ticks_reaches_the_ui_and_stops_when_dropped() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut head = [0u8; 1024];
            let n = s.read(&mut head).unwrap();
            assert!(String::from_utf8_lossy(&head[..n]).starts_with("GET /api/events?sort=busy"));
            let tick = r#"{"tasks": {"total": 1, "matched": 1, "order": [5], "changed": [{"id": 5}], "removed": []}}"#;
            let body = format!(": hi\n\nevent: tick\ndata: {tick}\n\nevent: tick\ndata: {tick}\n\n");
            write!(s, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n", body.len()).unwrap();
            // Holds the connection open until the client has gone.
            let _ = release_rx.recv();
        });
        let (tx, rx) = mpsc::channel();
        let target = Target::parse(&port.to_string(), None).unwrap();
        let stream = Stream::start(target, query("busy", true, ""), 7, tx);
        for want_first in [true, false] {
            match rx.recv_timeout(Duration::from_secs(20)).unwrap() {
                Msg::Tick { generation, first, tick } => {
                    assert_eq!((generation, first), (7, want_first));
                    assert_eq!(tick.tasks.order, [5]);
                }
                _ => panic!("expected a tick"),
            }
        }
        drop(stream);
        // The thread ends without sending more, and drops its sender.
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(20)),
            Err(mpsc::RecvTimeoutError::Disconnected)
        ));
        release_tx.send(()).unwrap();
        server.join().unwrap();
    }
}
