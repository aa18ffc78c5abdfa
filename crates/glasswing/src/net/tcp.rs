//! TCP: `TcpListener` and `TcpStream`, with borrowed (`split`) and owned (`into_split`) halves.
//! (`TcpSocket`, for options set before connecting or listening, is in `socket.rs`.)
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncReadExt, AsyncWriteExt};
//! use glasswing::net::{TcpListener, TcpStream};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let client = TcpStream::connect(listener.local_addr()?).await?;
//! let (server, _) = listener.accept().await?;
//!
//! // Owned halves: the server echoes in its own task.
//! let (mut reader, mut writer) = server.into_split();
//! glasswing::spawn(async move { glasswing::io::copy(&mut reader, &mut writer).await });
//!
//! let (mut reader, mut writer) = client.into_split();
//! writer.write_all(b"echo").await?;
//! let mut buf = [0u8; 4];
//! reader.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"echo");
//! # Ok(())
//! # }
//! ```

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
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
///
/// // An echo server: one task per connection.
/// glasswing::spawn(async move {
///     loop {
///         let Ok((mut stream, _)) = listener.accept().await else { break };
///         glasswing::spawn(async move {
///             let (mut reader, mut writer) = stream.split();
///             let _ = glasswing::io::copy(&mut reader, &mut writer).await;
///         });
///     }
/// });
///
/// let mut client = TcpStream::connect(addr).await?;
/// client.write_all(b"echo").await?;
/// let mut reply = [0u8; 4];
/// client.read_exact(&mut reply).await?;
/// assert_eq!(&reply, b"echo");
/// # Ok(())
/// # }
/// ```
pub struct TcpListener {
    io: PollEvented<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (trying each address it resolves to, in order) and starts listening, with
    /// room for 1,024 connections not yet accepted (the kernel caps it at `net.core.somaxconn`).
    /// `SO_REUSEADDR` is set, as by Tokio and mio, so a server restarts on its port at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpListener;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Port 0: the system picks a free port; `local_addr` says which.
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// assert!(addr.ip().is_loopback());
    /// assert_ne!(addr.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    ///
    /// let (server, peer) = listener.accept().await?;
    /// // The address `accept` gives is the client's own.
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(server.peer_addr()?, peer);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((TcpStream::new_accepted(stream)?, addr))
    }

    /// Polls for a connection, for hand-written futures. As with Tokio, only the waker of the last
    /// call is kept: one task at a time polls a listener this way (`accept` serves several).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (_server, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Interest::READABLE, |l| l.accept()))?;
        Poll::Ready(TcpStream::new_accepted(stream).map(|s| (s, addr)))
    }

    /// Wraps a listener from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // A listener made by other code (here, std), handed to the runtime.
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = std_listener.local_addr()?;
    /// let listener = TcpListener::from_std(std_listener)?;
    ///
    /// let _client = TcpStream::connect(addr).await?;
    /// let (_server, _) = listener.accept().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Deregisters the listener from the runtime and returns it as a std listener, still in
    /// non-blocking mode (`set_nonblocking(false)` to block on `accept`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpListener;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let std_listener = listener.into_std()?;
    /// // Still non-blocking: with no connection waiting, `accept` says so at once.
    /// let err = std_listener.accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// assert_eq!(std_listener.local_addr()?, addr);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner().map(Into::into)
    }

    /// The local address, with the port the system picked if bound to port 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// // Connect to the port the system picked.
    /// let client = TcpStream::connect(addr).await?;
    /// assert_eq!(client.peer_addr()?, addr);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The value of `IP_TTL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpListener;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// listener.set_ttl(42)?;
    /// assert_eq!(listener.ttl()?, 42);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets sent from accepted sockets.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpListener;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// listener.set_ttl(64)?;
    /// assert_eq!(listener.ttl()?, 64);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// client.write_all(b"hello").await?;
/// let mut buf = [0u8; 5];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hello");
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let port = listener.local_addr()?.port();
    /// // Anything `ToSocketAddrs` takes: a `SocketAddr`, a `(host, port)` pair, a `"host:port"` string.
    /// let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    /// assert_eq!(stream.peer_addr()?.port(), port);
    ///
    /// // Nothing listens on a port that was just freed.
    /// drop(listener);
    /// let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// // A stream connected by blocking code (the connect does not wait for `accept`).
    /// let std_stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let mut client = TcpStream::from_std(std_stream)?;
    /// let (mut server, _) = listener.accept().await?;
    ///
    /// client.write_all(b"hi").await?;
    /// let mut buf = [0u8; 2];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hi");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(mio::net::TcpStream::from_std(stream))
    }

    /// Deregisters the stream from the runtime and returns it as a std stream, still in
    /// non-blocking mode (`set_nonblocking(false)` for blocking reads and writes). Data already
    /// received stays in the socket; nothing is lost.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// server.write_all(b"sent before").await?;
    ///
    /// // Hand the connection to blocking code: what was received is still there.
    /// let mut std_client = client.into_std()?;
    /// std_client.set_nonblocking(false)?;
    /// let mut buf = [0u8; 11];
    /// std_client.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"sent before");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner().map(Into::into)
    }

    /// This end's address: the local IP and the port the connection uses.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// // Each end's local address is the other's peer address.
    /// assert_eq!(client.local_addr()?, server.peer_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The address of the other end of the connection.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert_eq!(client.peer_addr()?, listener.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The value of `TCP_NODELAY`: whether small writes go out at once rather than waiting to be
    /// combined (Nagle's algorithm).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// // Off by default, as the system sets it.
    /// assert!(!client.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// // For a request-response protocol with small messages.
    /// client.set_nodelay(true)?;
    /// assert!(client.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The value of `SO_LINGER`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert_eq!(client.linger()?, None);
    /// client.set_zero_linger()?;
    /// assert_eq!(client.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(())
    /// # }
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        socket2::SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `SO_LINGER`. Deprecated as in Tokio: with a non-zero duration, dropping the stream
    /// blocks the dropping thread (a worker) until the data is sent or the time runs out.
    /// `set_zero_linger` does not block.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// // `None` restores the default: close in the background, sending what is left.
    /// #[allow(deprecated)]
    /// client.set_linger(None)?;
    /// assert_eq!(client.linger()?, None);
    /// # Ok(())
    /// # }
    /// ```
    #[deprecated = "`SO_LINGER` causes the socket to block the thread on drop"]
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(dur)
    }

    /// Sets a linger time of zero: dropping the stream aborts the connection with a reset (`RST`),
    /// discarding unsent data, and skips `TIME_WAIT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncReadExt;
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    ///
    /// // Abort rather than close: the peer sees a reset, not end of stream.
    /// client.set_zero_linger()?;
    /// drop(client);
    /// let mut buf = [0u8; 1];
    /// let err = server.read(&mut buf).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_linger(Some(Duration::ZERO))
    }

    /// The value of `TCP_QUICKACK`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.set_quickack(true)?;
    /// assert!(client.quickack()?);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn quickack(&self) -> io::Result<bool> {
        socket2::SockRef::from(self.io.get_ref()).tcp_quickack()
    }

    /// Sets `TCP_QUICKACK`: acknowledge at once rather than delaying the ACK to piggyback it on a
    /// reply. The kernel may turn it off again by itself; it is a hint for the next few segments.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// // Acknowledge the next segments at once, for a peer waiting on the ACK.
    /// client.set_quickack(true)?;
    /// assert!(client.quickack()?);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).set_tcp_quickack(quickack)
    }

    /// The value of `IP_TTL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.set_ttl(10)?;
    /// assert_eq!(client.ttl()?, 10);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets this stream sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.set_ttl(1)?;
    /// assert_eq!(client.ttl()?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Reads without consuming (`MSG_PEEK`): the next read returns the same bytes. Waits for data;
    /// returns 0 at EOF.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"GET /").await?;
    ///
    /// // Look at the first bytes to pick a protocol, leaving them to be read.
    /// let mut first = [0u8; 3];
    /// let n = server.peek(&mut first).await?;
    /// assert_eq!(&first[..n], &b"GET"[..n]);
    /// let mut all = [0u8; 5];
    /// server.read_exact(&mut all).await?;
    /// assert_eq!(&all, b"GET /");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// `peek` for hand-written futures: what is there is copied to `buf`'s filled part, and stays
    /// to be read. Returns how many bytes were copied (0 at EOF). Shares its waker slot with
    /// `poll_read`: only the last task polling for reading is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, ReadBuf};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"x").await?;
    ///
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let n = std::future::poll_fn(|cx| server.poll_peek(cx, &mut buf)).await?;
    /// assert_eq!((n, buf.filled()), (1, &b"x"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

super::raw_fd!(TcpStream);

split::byte_stream!(
    TcpStream,
    "use glasswing::net::{TcpListener, TcpStream};",
    "let listener = TcpListener::bind(\"127.0.0.1:0\").await?;\n\
     let client = TcpStream::connect(listener.local_addr()?).await?;\n\
     let (server, _) = listener.accept().await?;"
);
split::half_methods!(
    TcpStream,
    SocketAddr,
    "use glasswing::net::{TcpListener, TcpStream};",
    "let listener = TcpListener::bind(\"127.0.0.1:0\").await?;\n\
     let client = TcpStream::connect(listener.local_addr()?).await?;\n\
     let (server, _) = listener.accept().await?;",
    "assert_eq!(reader.peer_addr()?, server.local_addr()?);\n\
     assert_eq!(reader.local_addr()?, server.peer_addr()?);",
    "assert_eq!(writer.peer_addr()?, server.local_addr()?);\n\
     assert_eq!(writer.local_addr()?, server.peer_addr()?);"
);

impl split::OwnedReadHalf<TcpStream> {
    /// Reads without consuming, as [`TcpStream::peek`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"!").await?;
    ///
    /// let (reader, _writer) = server.into_split();
    /// let mut buf = [0u8; 1];
    /// assert_eq!(reader.peek(&mut buf).await?, 1);
    /// assert_eq!(&buf, b"!");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_ref().peek(buf).await
    }

    /// [`TcpStream::poll_peek`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, ReadBuf};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server, _) = listener.accept().await?;
    /// client.write_all(b"!").await?;
    ///
    /// let (reader, _writer) = server.into_split();
    /// let mut storage = [0u8; 1];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// assert_eq!(std::future::poll_fn(|cx| reader.poll_peek(cx, &mut buf)).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<usize>> {
        self.as_ref().poll_peek(cx, buf)
    }
}

impl split::ReadHalf<'_, TcpStream> {
    /// Reads without consuming, as [`TcpStream::peek`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"!").await?;
    ///
    /// let (reader, _writer) = server.split();
    /// let mut buf = [0u8; 1];
    /// assert_eq!(reader.peek(&mut buf).await?, 1);
    /// assert_eq!(&buf, b"!");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.as_ref().peek(buf).await
    }

    /// [`TcpStream::poll_peek`].
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncWriteExt, ReadBuf};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// client.write_all(b"!").await?;
    ///
    /// let (reader, _writer) = server.split();
    /// let mut storage = [0u8; 1];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// assert_eq!(std::future::poll_fn(|cx| reader.poll_peek(cx, &mut buf)).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// // Read and write at once in one task, each half in its own future.
/// let (mut reader, mut writer) = client.split();
/// let (sent, received, served) = glasswing::join!(
///     writer.write_all(b"request"),
///     async {
///         let mut reply = [0u8; 5];
///         reader.read_exact(&mut reply).await.map(|_| reply)
///     },
///     async {
///         let mut request = [0u8; 7];
///         server.read_exact(&mut request).await?;
///         server.write_all(b"reply").await
///     },
/// );
/// sent?;
/// served?;
/// assert_eq!(&received?, b"reply");
/// # Ok(())
/// # }
/// ```
pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
/// The writing half of [`TcpStream::split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// let (_reader, mut writer) = client.split();
/// writer.write_all(b"via the half").await?;
/// let mut buf = [0u8; 12];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"via the half");
/// # Ok(())
/// # }
/// ```
pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
/// The reading half of [`TcpStream::into_split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// // The halves are `'static`: the reader goes to its own task.
/// let (mut reader, _writer) = client.into_split();
/// let reading = glasswing::spawn(async move {
///     let mut got = String::new();
///     reader.read_to_string(&mut got).await.map(|_| got)
/// });
/// server.write_all(b"for the task").await?;
/// drop(server);
/// assert_eq!(reading.await.unwrap()?, "for the task");
/// # Ok(())
/// # }
/// ```
pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
/// The writing half of [`TcpStream::into_split`]; dropping it shuts down the write side.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
///
/// let (_reader, mut writer) = client.into_split();
/// writer.write_all(b"last words").await?;
/// // Dropping the write half shuts down the write side: the server reads end of stream.
/// drop(writer);
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"last words");
/// # Ok(())
/// # }
/// ```
pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;
/// Halves of two different `TcpStream`s given to `reunite`.
///
/// # Examples
///
/// ```
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let a = TcpStream::connect(listener.local_addr()?).await?;
/// let b = TcpStream::connect(listener.local_addr()?).await?;
///
/// let (a_read, a_write) = a.into_split();
/// let (_b_read, b_write) = b.into_split();
/// // Halves of two different streams: both come back in the error.
/// let err = a_read.reunite(b_write).unwrap_err();
/// let (a_read, b_write) = (err.0, err.1);
/// assert!(a_read.reunite(a_write).is_ok());
/// drop(b_write);
/// # Ok(())
/// # }
/// ```
pub type ReuniteError = split::ReuniteError<TcpStream>;
