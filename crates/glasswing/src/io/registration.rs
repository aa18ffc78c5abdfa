//! `PollEvented`: a non-blocking mio source registered with the current runtime's reactor, with the
//! loop every async read and write runs: wait for readiness, try the operation, and on `WouldBlock`
//! clear the readiness seen (by its tick) and wait again.
//!
//! The loop comes in two forms, for the two kinds of waiter of `ScheduledIo`: `poll_io` and
//! `poll_transfer` for the `poll_*` methods and the io traits (one waker slot per direction, so
//! nothing to keep in the caller's future), and `async_io` for the `async fn`s, which any number of
//! tasks may call on one shared socket at once (each waits in its own entry of the waiter list).

use super::driver::IoHandle;
use super::scheduled_io::{poll_leaf, Interest, Ready, ReadyEvent, ScheduledIo};
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

pub(crate) struct PollEvented<E: mio::event::Source> {
    /// Taken only by `Drop`, to deregister it.
    source: Option<E>,
    io: Arc<ScheduledIo>,
    token: mio::Token,
    driver: Arc<IoHandle>,
}

/// What a task dump says of a socket a task waits on: the operation, the socket and its peer.
pub(crate) trait Describe {
    fn describe(&self, interest: Interest) -> String;
}

fn verb(interest: Interest) -> &'static str {
    match (interest.is_readable(), interest.is_writable()) {
        (true, true) => "read or write",
        (false, true) => "write",
        _ => "read",
    }
}

fn addr<A: std::fmt::Display>(addr: io::Result<A>) -> String {
    addr.map_or_else(|_| "?".to_string(), |a| a.to_string())
}

impl Describe for mio::net::TcpStream {
    fn describe(&self, interest: Interest) -> String {
        format!("{} on TCP {} from {}", verb(interest), addr(self.local_addr()), addr(self.peer_addr()))
    }
}

impl Describe for mio::net::TcpListener {
    fn describe(&self, _: Interest) -> String {
        format!("accept on TCP {}", addr(self.local_addr()))
    }
}

impl Describe for mio::net::UdpSocket {
    fn describe(&self, interest: Interest) -> String {
        match self.peer_addr() {
            Ok(peer) => format!("{} on UDP {} from {peer}", verb(interest), addr(self.local_addr())),
            Err(_) => format!("{} on UDP {}", verb(interest), addr(self.local_addr())),
        }
    }
}

/// Unix-domain sockets exist only on Unix (mio has them only there).
#[cfg(unix)]
mod unix {
    use super::{verb, Describe, Interest};
    use std::io;

    fn unix_addr(addr: io::Result<std::os::unix::net::SocketAddr>) -> String {
        match addr {
            Ok(a) => match a.as_pathname() {
                Some(path) => path.display().to_string(),
                None => "(unnamed)".to_string(),
            },
            Err(_) => "?".to_string(),
        }
    }

    impl Describe for mio::net::UnixStream {
        fn describe(&self, interest: Interest) -> String {
            format!(
                "{} on Unix {} from {}",
                verb(interest),
                unix_addr(self.local_addr()),
                unix_addr(self.peer_addr())
            )
        }
    }

    impl Describe for mio::net::UnixListener {
        fn describe(&self, _: Interest) -> String {
            format!("accept on Unix {}", unix_addr(self.local_addr()))
        }
    }

    impl Describe for mio::net::UnixDatagram {
        fn describe(&self, interest: Interest) -> String {
            format!("{} on Unix datagram {}", verb(interest), unix_addr(self.local_addr()))
        }
    }
}

impl<E: mio::event::Source + Describe> PollEvented<E> {
    /// Registers `source` with the current runtime's reactor.
    ///
    /// # Panics
    /// Outside a runtime, with a message that says so.
    #[track_caller]
    pub(crate) fn new(mut source: E) -> io::Result<PollEvented<E>> {
        let driver = crate::runtime::context::with_current(|h| h.map(|h| h.io().clone()))
            .unwrap_or_else(|| crate::runtime::no_runtime("registering an I/O resource"));
        let (io, token) = driver.register(&mut source)?;
        Ok(PollEvented { source: Some(source), io, token, driver })
    }

    pub(crate) fn get_ref(&self) -> &E {
        self.source.as_ref().expect("source taken")
    }

    /// See `ScheduledIo::assume_ready`.
    pub(crate) fn assume_ready(&self, ready: Ready) {
        self.io.assume_ready(ready);
    }

    /// Deregisters the source and hands it back (for `into_std`): from here on the reactor no longer
    /// watches it, and the caller owns the socket.
    pub(crate) fn into_inner(mut self) -> io::Result<E> {
        let mut source = self.source.take().expect("source taken");
        self.driver.deregister(&mut source, self.token)?;
        Ok(source)
    }

    /// Waits until the reactor has seen readiness for `interest`, in the slot of that direction (only
    /// the last task to poll is woken). Counts against the coop budget.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<io::Result<ReadyEvent>> {
        poll_leaf(
            cx,
            &*self.io,
            || self.get_ref().describe(interest),
            |io| io.waits_in_slots(interest),
            |io, cx| io.poll_ready(cx, interest),
        )
    }

    /// Waits until the reactor has seen readiness for `interest`, in the list of waiters: every task
    /// waiting so is woken. Does not count against the coop budget, as in Tokio: a wait for
    /// readiness moves no data (`ready`, `readable` and `writable` report what is already known
    /// without yielding); `async_io` charges for the operation that follows.
    pub(crate) async fn readiness(&self, interest: Interest) -> io::Result<ReadyEvent> {
        let mut wait = pin!(self.io.readiness(interest));
        std::future::poll_fn(|cx| {
            if let Some(leaf) =
                crate::task::trace::leaf(crate::probe::trace::LeafKind::Io, cx.waker(), || {
                    self.get_ref().describe(interest)
                })
            {
                return leaf.pending(wait.is_waiting());
            }
            wait.as_mut().poll_wait(cx.waker())
        })
        .await
    }

    /// `poll_io` for an `async fn`: waits in the list of waiters (`readiness`), so that several tasks
    /// can run it on one socket at once. A task woken with the others that then finds `WouldBlock`
    /// clears by its tick and waits again, in a new wait that checks the readiness word first.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let event = self.readiness(interest).await?;
            let budget = std::future::poll_fn(crate::scheduler::coop::poll_proceed).await;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.io.clear_readiness(event),
                result => {
                    budget.made_progress();
                    return result;
                }
            }
        }
    }

    /// Runs `op` once readiness for `interest` has been seen, until it stops saying `WouldBlock`.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        mut op: impl FnMut(&E) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let event = ready!(self.poll_ready(cx, interest))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.io.clear_readiness(event),
                result => return Poll::Ready(result),
            }
        }
    }

    /// A read or write of `len` bytes through `op`, like `poll_io`, plus one saving: a transfer shorter
    /// than asked for means the socket's buffer was drained (or filled), so the readiness is cleared at
    /// once instead of being found stale by one more system call that says `WouldBlock`. That holds for
    /// edge-triggered epoll and kqueue, mio's selectors on every Unix (Tokio makes the same use of it).
    pub(crate) fn poll_transfer(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        len: usize,
        mut op: impl FnMut(&E) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            let event = ready!(self.poll_ready(cx, interest))?;
            match op(self.get_ref()) {
                Ok(n) => {
                    if cfg!(unix) && n > 0 && n < len {
                        self.io.clear_readiness(event);
                    }
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.io.clear_readiness(event),
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// `op` once, if readiness for `interest` has been seen; `WouldBlock` otherwise (and after
    /// clearing the readiness when `op` itself would block). Never waits.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        op: impl FnOnce(&E) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.io.ready_now(interest) {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = op(self.get_ref());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.io.clear_readiness(event);
        }
        result
    }
}

impl<E: mio::event::Source> Drop for PollEvented<E> {
    fn drop(&mut self) {
        if let Some(mut source) = self.source.take() {
            // Errors here mean the fd is already gone from epoll (closed elsewhere); nothing to undo.
            let _ = self.driver.deregister(&mut source, self.token);
        }
    }
}

impl<E: mio::event::Source + std::fmt::Debug> std::fmt::Debug for PollEvented<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}
