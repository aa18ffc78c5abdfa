//! TCP: `TcpListener` and `TcpStream`, with borrowed (`split`) and owned (`into_split`) halves.
//! (`TcpSocket`, for options set before connecting or listening, is in `socket.rs`.)

use super::addr::{first_ok, ToSocketAddrs};
use super::split;
use crate::io::{Interest, PollEvented, ReadBuf, Ready};
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub use super::socket::TcpSocket;

/// The backlog of `TcpListener::bind`: see `bind_addr`.
pub(crate) const DEFAULT_BACKLOG: u32 = 1024;

/// A TCP socket server, listening for connections.
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (trying each address it resolves to, in order) and starts listening, with
    /// room for 1,024 connections not yet accepted (the kernel caps it at `net.core.somaxconn`).
    /// `SO_REUSEADDR` is set, as by Tokio and mio, so a server restarts on its port at once.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        first_ok(addr, |addr| std::future::ready(TcpListener::bind_addr(addr))).await
    }

    /// Not mio's `bind`: mio 1.x listens with std's backlog of 128, and a burst of connects beyond
    /// it (a load test opening its connections at once, clients reconnecting after a restart) has
    /// its SYNs dropped and waits out the kernel's retransmission timeouts, a second and more.
    /// 1,024 is what Tokio documents `bind` as doing (mio 0.8's backlog).
    fn bind_addr(addr: SocketAddr) -> io::Result<TcpListener> {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        #[cfg(not(windows))]
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(DEFAULT_BACKLOG)
    }

    #[track_caller]
    pub(crate) fn new(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener { io: PollEvented::new(listener)? })
    }

    /// Waits for a connection and returns it with the peer's address. Any number of tasks may accept
    /// on one listener at once (an `Arc<TcpListener>`); each connection goes to one of them.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((TcpStream::new_accepted(stream)?, addr))
    }

    /// Polls for a connection, for hand-written futures. As with Tokio, only the waker of the last
    /// call is kept: one task at a time polls a listener this way (`accept` serves several).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Interest::READABLE, |l| l.accept()))?;
        Poll::Ready(TcpStream::new_accepted(stream).map(|s| (s, addr)))
    }

    /// Wraps a listener from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Deregisters the listener from the runtime and returns it as a std listener, still in
    /// non-blocking mode (`set_nonblocking(false)` to block on `accept`).
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner().map(Into::into)
    }

    /// The local address, with the port the system picked if bound to port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The value of `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets sent from accepted sockets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

super::raw_fd!(TcpListener);

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener").field("local_addr", &self.local_addr().ok()).finish()
    }
}

/// A TCP connection. Reads and writes through glasswing's io traits (`glasswing::io::AsyncReadExt`,
/// `AsyncWriteExt`; the futures-io ones too); `shutdown` shuts down the write side only, so the peer
/// reads EOF while this side can still read its reply.
pub struct TcpStream {
    io: PollEvented<mio::net::TcpStream>,
}

impl TcpStream {
    fn new(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream { io: PollEvented::new(stream)? })
    }

    /// A stream from `accept`: assumed readable and writable, so that its first read and write try
    /// the socket at once (see `ScheduledIo::assume_ready`).
    fn new_accepted(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    /// Connects to `addr`, trying each address it resolves to until one accepts. A refused connection
    /// fails with `io::ErrorKind::ConnectionRefused`.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        first_ok(addr, TcpStream::connect_one).await
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_mio(mio::net::TcpStream::connect(addr)?).await
    }

    /// Waits for a connect already started on `stream` to complete.
    pub(crate) async fn connect_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        let stream = TcpStream::new(stream)?;
        // A non-blocking connect completes when the socket turns writable: then either an error is
        // pending on it, or it has a peer.
        stream
            .io
            .async_io(Interest::WRITABLE, |s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(stream)
    }

    /// Wraps a connected stream from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(mio::net::TcpStream::from_std(stream))
    }

    /// Deregisters the stream from the runtime and returns it as a std stream, still in
    /// non-blocking mode (`set_nonblocking(false)` for blocking reads and writes). Data already
    /// received stays in the socket; nothing is lost.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner().map(Into::into)
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The value of `SO_LINGER`.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `SO_LINGER`. Deprecated as in Tokio: with a non-zero duration, dropping the stream
    /// blocks the dropping thread (a worker) until the data is sent or the time runs out.
    /// `set_zero_linger` does not block.
    #[deprecated = "`SO_LINGER` causes the socket to block the thread on drop"]
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// Sets a linger time of zero: dropping the stream aborts the connection with a reset (`RST`),
    /// discarding unsent data, and skips `TIME_WAIT`.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(Some(Duration::ZERO))
    }

    /// The value of `TCP_QUICKACK`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn quickack(&self) -> io::Result<bool> {
        socket2::SockRef::from(self.io.get_ref()).tcp_quickack()
    }

    /// Sets `TCP_QUICKACK`: acknowledge at once rather than delaying the ACK to piggyback it on a
    /// reply. The kernel may turn it off again by itself; it is a hint for the next few segments.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tcp_quickack(quickack)
    }

    /// The value of `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets this stream sends.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads without consuming (`MSG_PEEK`): the next read returns the same bytes. Waits for data;
    /// returns 0 at EOF.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// `peek` for hand-written futures: what is there is copied to `buf`'s filled part, and stays
    /// to be read. Returns how many bytes were copied (0 at EOF). Shares its waker slot with
    /// `poll_read`: only the last task polling for reading is woken.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

super::raw_fd!(TcpStream);

split::byte_stream!(TcpStream);
split::half_methods!(TcpStream, SocketAddr);

impl split::OwnedReadHalf<TcpStream> {
    /// Reads without consuming, as [`TcpStream::peek`].
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_ref().peek(buf).await
    }

    /// [`TcpStream::poll_peek`].
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        self.as_ref().poll_peek(cx, buf)
    }
}

impl split::ReadHalf<'_, TcpStream> {
    /// Reads without consuming, as [`TcpStream::peek`].
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_ref().peek(buf).await
    }

    /// [`TcpStream::poll_peek`].
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        self.as_ref().poll_peek(cx, buf)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

/// The reading half of [`TcpStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
/// The writing half of [`TcpStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
/// The reading half of [`TcpStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
/// The writing half of [`TcpStream::into_split`]; dropping it shuts down the write side.
pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;
/// Halves of two different `TcpStream`s given to `reunite`.
pub type ReuniteError = split::ReuniteError<TcpStream>;
