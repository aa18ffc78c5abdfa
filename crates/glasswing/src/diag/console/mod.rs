//! The console: an HTTP endpoint for looking inside a running program — a web dashboard (`/`),
//! JSON for the terminal UI (`glasswing-console`) and for scripts, Prometheus' `/metrics`, dumps
//! and the Perfetto timeline — turned on with `Builder::console(addr)` or `GLASSWING_CONSOLE`.
//! docs/console.md is the reference of its routes.
//!
//! Why it is shaped so:
//!
//! - **Its own threads**, never the runtime's workers: the runtime it observes may be the thing
//!   that is stuck (a poll blocking the only worker), and that is when it must still answer. One
//!   thread accepts; each connection gets a thread of its own (at most `MAX_CONNECTIONS` at once; a
//!   connection over that is answered 503 by the accepting thread), as a request may take a while
//!   (a dump symbolizes stacks) and the event stream holds its connection open.
//! - **Weak**: the threads hold the runtime as a `WeakScheduler`, as the watchdog does, and
//!   upgrade it for one answer (one event) at a time: a client left attached never keeps a
//!   dropped runtime alive. The runtime owns a `ConsoleHandle`, whose stop (at shutdown) wakes the
//!   accepting thread by connecting to it (a blocking `accept` wakes for nothing else, portably,
//!   and polling it would wake the process forever), and the event streams through a condition
//!   variable; the port is closed when `stop` returns.
//! - **Nothing on the hot path**: the console reads what the views read (`snapshot.rs`'s racy
//!   reads, one owned-tasks shard lock at a time; `dump/`'s trace polls of idle tasks); no worker
//!   waits for it, and nothing in the probes, the tasks or the schedulers knows it exists. Off, it
//!   is not a thread, a socket, or a branch on any path a task or a worker runs.
//! - **Bounded**: every answer has a size cap (rows, groups, warnings: `model.rs`, `routes.rs`)
//!   and time caps (`http.rs`: the head within 5 s and 8 KB, each write within 5 s).
//! - **Loopback unless told**: a task's name, its stack and its wait are the program's insides.
//!   Another address needs `Builder::console_allow_remote(token)`, and then every request carries
//!   the token (`Authorization: Bearer`, or `?token=` for the page and `EventSource`, which cannot
//!   set headers).

mod http;
mod model;
pub(crate) mod routes;

use crate::scheduler::{Scheduler, WeakScheduler};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Connections served at once; one more is answered 503.
pub(crate) const MAX_CONNECTIONS: usize = 16;
/// The environment variable that turns the console on (or `off`), over the builder.
pub(crate) const ENV: &str = "GLASSWING_CONSOLE";

/// The console's settings, from `runtime::Builder`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConsoleConfig {
    /// `Builder::console`: the addresses it resolved to, or why it did not resolve.
    pub(crate) addr: Option<Result<Vec<SocketAddr>, String>>,
    /// `Builder::console_allow_remote`.
    pub(crate) token: Option<String>,
}

impl ConsoleConfig {
    /// Resolves `addr` now (`Builder::console`); an error is `build()`'s to return.
    pub(crate) fn set_addr(&mut self, addr: impl ToSocketAddrs) {
        self.addr = Some(match addr.to_socket_addrs() {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                if addrs.is_empty() {
                    Err("the address resolved to nothing".to_string())
                } else {
                    Ok(addrs)
                }
            }
            Err(e) => Err(format!("the address did not resolve: {e}")),
        });
    }
}

/// Binds the console's socket, as `build()` does before starting the runtime: where
/// `GLASSWING_CONSOLE` says (`off` for nowhere), else where the builder said. The builder's
/// failures are `build()`'s errors; the environment's are said on stderr, and the runtime runs
/// without its console (a variable set for one program may reach another, or a second runtime).
pub(crate) fn bind(config: &ConsoleConfig) -> io::Result<Option<TcpListener>> {
    let token = config.token.is_some();
    match std::env::var(ENV) {
        Ok(value) => {
            let value = value.trim();
            if value.is_empty() || value.eq_ignore_ascii_case("off") {
                return Ok(None);
            }
            match env_addrs(value).and_then(|addrs| bind_to(&addrs, token)) {
                Ok(listener) => Ok(Some(listener)),
                Err(e) => {
                    eprintln!("glasswing: {ENV}={value}: {e}; the runtime runs without its console");
                    Ok(None)
                }
            }
        }
        Err(_) => match &config.addr {
            None => Ok(None),
            Some(Err(why)) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("glasswing: Builder::console: {why}"),
            )),
            Some(Ok(addrs)) => bind_to(addrs, token).map(Some),
        },
    }
}

/// `GLASSWING_CONSOLE`'s value: `host:port`, or a port alone (on 127.0.0.1).
fn env_addrs(value: &str) -> io::Result<Vec<SocketAddr>> {
    if let Ok(port) = value.parse::<u16>() {
        return Ok(vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)]);
    }
    let addrs: Vec<SocketAddr> = value
        .to_socket_addrs()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("not host:port or a port ({e})")))?
        .collect();
    if addrs.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the address resolved to nothing"));
    }
    Ok(addrs)
}

fn bind_to(addrs: &[SocketAddr], token: bool) -> io::Result<TcpListener> {
    if !token {
        if let Some(addr) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "glasswing: the console address {addr} is not a loopback address, and the console \
                     shows every task's name, stack and wait to whoever reaches it: listen on 127.0.0.1 \
                     (or ::1), or call Builder::console_allow_remote(token) to require that token of \
                     every request"
                ),
            ));
        }
    }
    TcpListener::bind(addrs).map_err(|e| {
        let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
        io::Error::new(
            e.kind(),
            format!("glasswing: the console could not listen on {}: {e}", list.join(", ")),
        )
    })
}

/// What the console's threads share.
pub(crate) struct Shared {
    stopped: Mutex<bool>,
    stop: Condvar,
    connections: AtomicUsize,
    token: Option<String>,
    pub(crate) samples: model::BusySamples,
}

impl Shared {
    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits `timeout`, or less if the console stops meanwhile: returns whether it did.
    pub(crate) fn wait_stopped(&self, timeout: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .stop
            .wait_timeout_while(guard, timeout, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }

    /// Whether `req` carries the token, where one is required.
    /// Without a token, the console is loopback-only, and a browser's page must not reach it from
    /// another site: neither under another name (DNS rebinding: `Host` is then not loopback's) nor
    /// by a cross-site request (which may not read the answer, but would make the console work: a
    /// dump trace-polls every idle task).
    fn same_site(&self, req: &http::Request) -> bool {
        if self.token.is_some() {
            return true;
        }
        let host_ok = req.host.as_deref().is_none_or(http::host_is_loopback);
        let site_ok = !req.fetch_site.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("cross-site"));
        host_ok && site_ok
    }

    fn authorized(&self, req: &http::Request) -> bool {
        let Some(token) = &self.token else { return true };
        let given = req.bearer.as_deref().or_else(|| req.param("token"));
        // Compared in time that does not depend on where they differ.
        given.is_some_and(|given| {
            given.len() == token.len()
                && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        })
    }
}

/// The running console of a runtime: the runtime stops it at shutdown.
pub(crate) struct ConsoleHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

/// Starts serving `listener` for the runtime behind `handle`, and says where on stderr (unless the
/// diagnostics' verbosity is off).
pub(crate) fn start(
    listener: TcpListener,
    handle: &Scheduler,
    token: Option<String>,
) -> io::Result<ConsoleHandle> {
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        stopped: Mutex::new(false),
        stop: Condvar::new(),
        connections: AtomicUsize::new(0),
        token,
        samples: model::BusySamples::new(handle),
    });
    let weak = handle.downgrade();
    let for_thread = shared.clone();
    let thread = std::thread::Builder::new()
        .name("glasswing-console".into())
        .spawn(move || accept_loop(listener, weak, for_thread))
        .map_err(|e| {
            io::Error::new(e.kind(), format!("glasswing: could not start the console's thread: {e}"))
        })?;
    let diag = super::RuntimeDiag::of(handle);
    let _ = diag.console_addr.set(addr);
    if diag.output.verbosity() != super::Verbosity::Off {
        let runtime = match &handle.config().name {
            Some(name) => name.to_string(),
            None => handle.owned().id().to_string(),
        };
        eprintln!("glasswing: console for runtime {runtime} at http://{addr}/ (terminal: glasswing-console http://{addr})");
    }
    Ok(ConsoleHandle { shared, addr, thread: Some(thread) })
}

impl ConsoleHandle {
    /// Stops the console: no connection is accepted after this returns (the port is closed), and
    /// the connections' threads end after their answer in progress (an event stream, before its
    /// next event).
    pub(crate) fn stop(&mut self) {
        *self.shared.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.shared.stop.notify_all();
        let Some(thread) = self.thread.take() else { return };
        // The accepting thread waits in `accept`: a connection wakes it, and it sees the flag.
        let mut to = self.addr;
        if to.ip().is_unspecified() {
            to.set_ip(match to {
                SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                SocketAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            });
        }
        if TcpStream::connect_timeout(&to, Duration::from_secs(1)).is_ok() {
            let _ = thread.join();
        }
        // Else the thread ends at the next connection, which it does not answer.
    }
}

impl Drop for ConsoleHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, weak: WeakScheduler, shared: Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if shared.is_stopped() {
            return;
        }
        let mut stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of file descriptors, as a rule: wait a little rather than spin on the error.
            Err(_) => {
                if shared.wait_stopped(Duration::from_millis(50)) {
                    return;
                }
                continue;
            }
        };
        if shared.connections.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            shared.connections.fetch_sub(1, Ordering::AcqRel);
            let mut answer = Vec::new();
            let _ =
                http::respond_error(&mut answer, 503, "the console serves 16 connections at once: try again");
            let _ = http::send(&mut stream, &answer);
            http::close(stream, false);
            continue;
        }
        let (weak, for_thread) = (weak.clone(), shared.clone());
        let spawned = std::thread::Builder::new().name("glasswing-console-conn".into()).spawn(move || {
            // Counted out however the thread ends.
            struct Counted(Arc<Shared>);
            impl Drop for Counted {
                fn drop(&mut self) {
                    self.0.connections.fetch_sub(1, Ordering::AcqRel);
                }
            }
            let counted = Counted(for_thread);
            connection(stream, &weak, &counted.0);
        });
        if spawned.is_err() {
            shared.connections.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// One connection: one request, one answer.
fn connection(mut stream: TcpStream, weak: &WeakScheduler, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let mut answer = Vec::new();
    match http::read_request(&mut stream) {
        Ok(req) if !shared.authorized(&req) => {
            let _ = http::respond_error(
                &mut answer,
                401,
                "this console requires its token: send `Authorization: Bearer <token>`, or add ?token=<token>",
            );
        }
        Ok(req) if !shared.same_site(&req) => {
            let _ = http::respond_error(
                &mut answer,
                403,
                "a loopback console answers only requests to localhost, 127.0.0.1 or [::1], and none that \
                 another site's page makes: open it by that address (or allow remote access with a token)",
            );
        }
        Ok(req) if req.path == "/api/events" => {
            let _ = routes::events(&mut stream, &req, weak, shared);
        }
        Ok(req) => {
            // Built whole, then written with the runtime let go: a slow reader holds neither it
            // nor the views' locks.
            routes::serve(&mut answer, &req, weak, shared);
        }
        Err(http::ReadError::TooLarge) => {
            let _ = http::respond_error(&mut answer, 431, "the request head is over 8 KB");
        }
        Err(http::ReadError::Bad(why)) => {
            let _ = http::respond_error(&mut answer, 400, &format!("not an HTTP request: {why}"));
        }
        Err(http::ReadError::Gone) => return,
    }
    if !answer.is_empty() && http::send(&mut stream, &answer).is_err() {
        return;
    }
    http::close(stream, true);
}
