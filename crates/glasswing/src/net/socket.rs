//! `TcpSocket`: a TCP socket not yet connected or listening, for the options that must be set before
//! `connect(2)` or `listen(2)` (`SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, a local address to
//! connect from).
//!
//! It is a plain `socket2::Socket` in non-blocking mode and touches no reactor: nothing is registered
//! until `connect` or `listen` turns it into a `TcpStream` or `TcpListener`, so it can be made and
//! configured outside a runtime, and dropping it just closes the descriptor. Socket options go through
//! `socket2` because std has no `TcpSocket` and mio dropped its own; the same crate serves Unix and
//! Windows.

use super::{TcpListener, TcpStream};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// A TCP socket that is neither connected nor listening yet: configure it, optionally `bind` it, then
/// `connect` (for a [`TcpStream`]) or `listen` (for a [`TcpListener`]). Closed on drop.
///
/// `TcpStream::connect(addr)` is `TcpSocket::new_v4()?.connect(addr)` (for an IPv4 `addr`), and
/// `TcpListener::bind(addr)` is `new_v4`, `set_reuseaddr(true)` (not on Windows, where it allows
/// taking over a port in use), `bind(addr)` and `listen(1024)`.
///
/// # Examples
///
/// ```
/// use glasswing::net::TcpSocket;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A listener with a bigger receive buffer, which accepted connections inherit.
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.set_recv_buffer_size(256 * 1024)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(1024)?;
///
/// let client = TcpSocket::new_v4()?.connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
/// assert_eq!(server.peer_addr()?, client.local_addr()?);
/// # Ok(())
/// # }
/// ```
pub struct TcpSocket {
    inner: socket2::Socket,
}

impl TcpSocket {
    /// A new IPv4 socket (`socket(2)` with `AF_INET`, `SOCK_STREAM`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// // No runtime needed until `connect` or `listen`.
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.is_ipv4());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV4)
    }

    /// A new IPv6 socket (`socket(2)` with `AF_INET6`, `SOCK_STREAM`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v6()?;
    /// // Hosts without IPv6 cannot bind `::1`.
    /// if socket.bind("[::1]:0".parse().unwrap()).is_ok() {
    ///     assert!(socket.local_addr()?.is_ipv6());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(socket2::Domain::IPV6)
    }

    fn new(domain: socket2::Domain) -> io::Result<TcpSocket> {
        // socket2 sets close-on-exec (atomically where the system can). Non-blocking comes with
        // `socket(2)` where it takes `SOCK_NONBLOCK`, by a second call elsewhere.
        let ty = socket2::Type::STREAM;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let ty = ty.nonblocking();
        let inner = socket2::Socket::new(domain, ty, Some(socket2::Protocol::TCP))?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR`: on Unix, bind to a port whose previous connections linger in
    /// `TIME_WAIT`. (On Windows it allows binding a port in use by another socket.)
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// // Lets a restarted server bind its port while old connections sit in `TIME_WAIT`.
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// The value of `SO_REUSEADDR`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same address and port (on Linux the
    /// kernel spreads incoming connections over their listeners). Unix only, not Solaris or illumos.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// // Two listeners on one port: the kernel spreads connections over them.
    /// let first = TcpSocket::new_v4()?;
    /// first.set_reuseport(true)?;
    /// first.bind("127.0.0.1:0".parse().unwrap())?;
    /// let second = TcpSocket::new_v4()?;
    /// second.set_reuseport(true)?;
    /// second.bind(first.local_addr()?)?;
    /// assert_eq!(first.local_addr()?, second.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(all(unix, not(target_os = "solaris"), not(target_os = "illumos")))]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// The value of `SO_REUSEPORT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?);
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(all(unix, not(target_os = "solaris"), not(target_os = "illumos")))]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF`, the size of the send buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// // The system may round or double what was asked for.
    /// assert!(socket.send_buffer_size()? >= 64 * 1024 / 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The value of `SO_SNDBUF`. Not necessarily what was set: systems clamp it, and Linux doubles
    /// it for its own bookkeeping.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(|n| n as u32)
    }

    /// Sets `SO_RCVBUF`, the size of the receive buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024 / 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The value of `SO_RCVBUF` (clamped or doubled as for `send_buffer_size`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(|n| n as u32)
    }

    /// Sets `SO_KEEPALIVE`: the system probes an idle connection and fails it if the peer is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// The value of `SO_KEEPALIVE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_LINGER`. Deprecated as in Tokio: with a non-zero duration, closing the socket blocks
    /// the thread that drops it until the data is sent or the time runs out, which stalls a
    /// worker. `set_zero_linger` (close with a reset) does not block.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// // `None`: the default, closing in the background.
    /// #[allow(deprecated)]
    /// socket.set_linger(None)?;
    /// assert_eq!(socket.linger()?, None);
    /// # Ok(())
    /// # }
    /// ```
    #[deprecated = "`SO_LINGER` causes the socket to block the thread on drop"]
    pub fn set_linger(&self, dur: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(dur)
    }

    /// Sets a linger time of zero: closing the socket aborts the connection with a reset (`RST`),
    /// discarding unsent data, and skips `TIME_WAIT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// // Connections from this socket end with a reset when dropped.
    /// socket.set_zero_linger()?;
    /// assert_eq!(socket.linger()?, Some(std::time::Duration::ZERO));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    /// The value of `SO_LINGER`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert_eq!(socket.linger()?, None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// The value of `TCP_NODELAY`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(!socket.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// The value of `IP_TOS`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert_eq!(socket.tos_v4()?, 0);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos"
    )))]
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// Sets `IP_TOS`, the type-of-service field of the IPv4 packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// // DSCP "expedited forwarding" (46), shifted past the two ECN bits.
    /// socket.set_tos_v4(46 << 2)?;
    /// assert_eq!(socket.tos_v4()?, 184);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos"
    )))]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// Tokio's former name of [`tos_v4`](Self::tos_v4).
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos"
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Tokio's former name of [`set_tos_v4`](Self::set_tos_v4).
    #[deprecated(note = "`tos` related methods have been renamed `tos_v4` since they are IPv4-specific.")]
    #[doc(hidden)]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos"
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }

    /// The value of `IPV6_TCLASS`, the traffic class of the IPv6 packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v6()?;
    /// assert_eq!(socket.tclass_v6()?, 0);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin",
    ))]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.inner.tclass_v6()
    }

    /// Sets `IPV6_TCLASS`, the traffic class field of the IPv6 packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v6()?;
    /// socket.set_tclass_v6(46 << 2)?;
    /// assert_eq!(socket.tclass_v6()?, 184);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(
        target_os = "android",
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "fuchsia",
        target_os = "linux",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "cygwin",
    ))]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        self.inner.set_tclass_v6(tclass)
    }

    /// The interface this socket is bound to (`SO_BINDTODEVICE`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert_eq!(socket.device()?, None);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        self.inner.device()
    }

    /// Binds this socket to an interface by name (`SO_BINDTODEVICE`), so it only sends and
    /// receives through it; `None` removes the binding. Needs `CAP_NET_RAW` on Linux.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// // Defined, not run: binding to a device needs `CAP_NET_RAW`.
    /// fn loopback_only(socket: &TcpSocket) -> std::io::Result<()> {
    ///     socket.bind_device(Some(b"lo"))
    /// }
    /// # let _ = loopback_only;
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        self.inner.bind_device(interface)
    }

    /// The local address: the one given to `bind`, with the port the system picked for port 0.
    /// (Fails on Windows before `bind`.)
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// // The port the system picked.
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "invalid address family (not IPv4 or IPv6)")
        })
    }

    /// Takes the pending error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr` (`bind(2)`), for a listener or to connect from a chosen address.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await?;
    /// // Connect from a chosen local address.
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let from = socket.local_addr()?;
    /// let stream = socket.connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.local_addr()?, from);
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr`, consuming the socket. A refused connection fails with
    /// `io::ErrorKind::ConnectionRefused`; dropping the future closes the socket.
    ///
    /// # Panics
    /// When polled outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let socket = TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// let stream = socket.connect(listener.local_addr()?).await?;
    /// // Options set before connecting stay on the stream.
    /// assert!(stream.nodelay()?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        if let Err(e) = self.inner.connect(&addr.into()) {
            // A non-blocking connect that has to wait for the handshake says EINPROGRESS on Unix
            // and WSAEWOULDBLOCK on Windows; the stream waits for writability after that.
            #[cfg(unix)]
            let in_progress = e.raw_os_error() == Some(libc::EINPROGRESS);
            #[cfg(not(unix))]
            let in_progress = e.kind() == io::ErrorKind::WouldBlock;
            if !in_progress {
                return Err(e);
            }
        }
        let stream: std::net::TcpStream = self.inner.into();
        TcpStream::connect_mio(mio::net::TcpStream::from_std(stream)).await
    }

    /// Starts listening (`listen(2)`) with room for `backlog` connections not yet accepted,
    /// consuming the socket.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let listener = socket.listen(128)?;
    /// let _client = glasswing::net::TcpStream::connect(listener.local_addr()?).await?;
    /// listener.accept().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner.listen(backlog.min(i32::MAX as u32) as i32)?;
        let listener: std::net::TcpListener = self.inner.into();
        TcpListener::new(mio::net::TcpListener::from_std(listener))
    }

    /// Makes a `TcpSocket` of a std stream that is not connected yet (one made with `socket2`, say,
    /// to set an option this type lacks), switched to non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::TcpSocket;
    ///
    /// # fn main() -> std::io::Result<()> {
    /// // A socket made by other code (here with socket2), not connected yet.
    /// let raw = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    /// let socket = TcpSocket::from_std_stream(raw.into());
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.is_ipv4());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        // Tokio leaves the mode to the caller, and a blocking socket would then block a worker in
        // `connect`. Setting the flag on a descriptor we own does not fail (there is no error to
        // return here anyway: the signature is Tokio's).
        let _ = std_stream.set_nonblocking(true);
        TcpSocket { inner: socket2::Socket::from(std_stream) }
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[cfg(unix)]
mod sys {
    use super::TcpSocket;
    use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, RawFd};

    impl AsRawFd for TcpSocket {
        fn as_raw_fd(&self) -> RawFd {
            self.inner.as_raw_fd()
        }
    }

    impl AsFd for TcpSocket {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.inner.as_fd()
        }
    }

    impl FromRawFd for TcpSocket {
        /// Takes ownership of `fd`, which should be a TCP socket in non-blocking mode.
        unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
            // SAFETY: the caller hands over an open socket it owns, as `FromRawFd` requires.
            TcpSocket { inner: unsafe { socket2::Socket::from_raw_fd(fd) } }
        }
    }

    impl IntoRawFd for TcpSocket {
        fn into_raw_fd(self) -> RawFd {
            self.inner.into_raw_fd()
        }
    }
}

#[cfg(windows)]
mod sys {
    use super::TcpSocket;
    use std::os::windows::io::{
        AsRawSocket, AsSocket, BorrowedSocket, FromRawSocket, IntoRawSocket, RawSocket,
    };

    impl AsRawSocket for TcpSocket {
        fn as_raw_socket(&self) -> RawSocket {
            self.inner.as_raw_socket()
        }
    }

    impl AsSocket for TcpSocket {
        fn as_socket(&self) -> BorrowedSocket<'_> {
            self.inner.as_socket()
        }
    }

    impl FromRawSocket for TcpSocket {
        /// Takes ownership of `socket`, which should be a TCP socket in non-blocking mode.
        unsafe fn from_raw_socket(socket: RawSocket) -> TcpSocket {
            // SAFETY: the caller hands over an open socket it owns, as `FromRawSocket` requires.
            TcpSocket { inner: unsafe { socket2::Socket::from_raw_socket(socket) } }
        }
    }

    impl IntoRawSocket for TcpSocket {
        fn into_raw_socket(self) -> RawSocket {
            self.inner.into_raw_socket()
        }
    }
}
