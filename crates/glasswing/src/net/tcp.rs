//! TCP: `TcpListener` and `TcpStream`, with borrowed (`split`) and owned (`into_split`) halves.

use super::addr::{first_ok, ToSocketAddrs};
use super::split;
use crate::io::{Interest, PollEvented, Ready};
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A TCP socket server, listening for connections.
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (trying each address it resolves to, in order) and starts listening.
    /// `SO_REUSEADDR` is set, as by Tokio and mio, so a server restarts on its port at once.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        first_ok(addr, |addr| {
            std::future::ready(
                mio::net::TcpListener::bind(addr).and_then(|l| Ok(TcpListener { io: PollEvented::new(l)? })),
            )
        })
        .await
    }

    /// Waits for a connection and returns it with the peer's address. Any number of tasks may accept
    /// on one listener at once (an `Arc<TcpListener>`); each connection goes to one of them.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((TcpStream::new(stream)?, addr))
    }

    /// Polls for a connection, for hand-written futures. As with Tokio, only the waker of the last
    /// call is kept: one task at a time polls a listener this way (`accept` serves several).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Interest::READABLE, |l| l.accept()))?;
        Poll::Ready(TcpStream::new(stream).map(|s| (s, addr)))
    }

    /// Wraps a listener from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener { io: PollEvented::new(mio::net::TcpListener::from_std(listener))? })
    }

    /// The local address, with the port the system picked if bound to port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

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

    /// Connects to `addr`, trying each address it resolves to until one accepts. A refused connection
    /// fails with `io::ErrorKind::ConnectionRefused`.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        first_ok(addr, TcpStream::connect_one).await
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::new(mio::net::TcpStream::connect(addr)?)?;
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

    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads without consuming (`MSG_PEEK`).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }
}

split::byte_stream!(TcpStream);

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
