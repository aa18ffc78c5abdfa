//! UDP: `UdpSocket`.

use super::addr::{first_ok, resolve, ToSocketAddrs};
use crate::io::{Interest, PollEvented, ReadBuf, Ready};
use bytes::BufMut;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{Context, Poll};

/// A UDP socket. Unconnected, it sends to and receives from any peer (`send_to`, `recv_from`);
/// after `connect`, `send` and `recv` talk to that one peer. Any number of tasks may send and receive
/// through a shared reference at once (each datagram goes to one receiver). The `poll_*` methods keep
/// one waker per direction, as Tokio's do: only the last task to poll in a direction is woken.
///
/// # Examples
///
/// ```
/// use glasswing::net::UdpSocket;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let server = UdpSocket::bind("127.0.0.1:0").await?;
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
///
/// client.send_to(b"ping", server.local_addr()?).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"ping"[..], client.local_addr()?));
///
/// // Answer whoever asked.
/// server.send_to(b"pong", from).await?;
/// let (n, _) = client.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"pong");
/// # Ok(())
/// # }
/// ```
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (each address it resolves to, in order, until one works).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Port 0: the system picks one.
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        first_ok(addr, |addr| {
            std::future::ready(
                mio::net::UdpSocket::bind(addr).and_then(|s| Ok(UdpSocket { io: PollEvented::new(s)? })),
            )
        })
        .await
    }

    /// Wraps a socket from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let socket = UdpSocket::from_std(std_socket)?;
    /// socket.send_to(b"self", socket.local_addr()?).await?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(socket.recv(&mut buf).await?, 4);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket { io: PollEvented::new(mio::net::UdpSocket::from_std(socket))? })
    }

    /// Deregisters the socket from the runtime and returns it as a std socket, still in
    /// non-blocking mode. Datagrams already queued stay queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.send_to(b"queued", socket.local_addr()?).await?;
    /// socket.readable().await?;
    /// // The datagram stays queued across the hand-over.
    /// let std_socket = socket.into_std()?;
    /// let mut buf = [0u8; 6];
    /// assert_eq!(std_socket.recv(&mut buf)?, 6);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer for `send` and `recv`, and filters what `recv` receives to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// // Now `send` needs no address, and `peer_addr` says where it goes.
    /// a.send(b"hi").await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// let mut buf = [0u8; 2];
    /// assert_eq!(b.recv(&mut buf).await?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        first_ok(addr, |addr| std::future::ready(self.io.get_ref().connect(addr))).await
    }

    /// /// The address this socket is bound to, with the port the system picked if bound to port 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let addr = socket.local_addr()?;
    /// assert!(addr.ip().is_loopback());
    /// assert_ne!(addr.port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// // Not connected yet: no peer.
    /// assert!(a.peer_addr().is_err());
    /// a.connect(b.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// assert_eq!(a.send(b"datagram").await?, 8);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 8);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    /// /// `send` for hand-written futures (one waker slot, shared with the `poll_send*` methods).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// let n = std::future::poll_fn(|cx| a.poll_send(cx, b"x")).await?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer; a datagram longer than `buf` is truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"a long datagram").await?;
    /// // The buffer is too small: the rest of the datagram is lost, not kept for the next `recv`.
    /// let mut buf = [0u8; 6];
    /// assert_eq!(a.recv(&mut buf).await?, 6);
    /// assert_eq!(&buf, b"a long");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    /// `recv` for hand-written futures: the datagram is appended to `buf`'s filled part (truncated
    /// to its remaining room). One waker slot, shared with the other `poll_recv*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"hi").await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// std::future::poll_fn(|cx| a.poll_recv(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"hi");
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // Zeroing what `buf` has not initialized yet happens once per buffer (it remembers), and
        // keeps this free of `unsafe`.
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.recv(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// Receives a datagram from the connected peer into the spare room of `buf` (a `Vec`'s
    /// capacity, a `BytesMut`...), which it does not zero first, and advances `buf` past it; a
    /// datagram longer than that room is truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"into a vec").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let n = a.recv_buf(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"into a vec");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| recv_into(s, buf)).await
    }

    /// `recv_buf` without waiting: `WouldBlock` if no datagram is known to be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"ready").await?;
    /// a.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(a.try_recv_buf(&mut buf)?, 5);
    /// assert_eq!(buf, b"ready");
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| recv_into(s, buf))
    }

    /// As `recv_buf`, and the address the datagram came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// b.send_to(b"who", a.local_addr()?).await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = a.recv_buf_from(&mut buf).await?;
    /// assert_eq!((n, from), (3, b.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| recv_from_into(s, buf)).await
    }

    /// `recv_buf_from` without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// b.send_to(b"who", a.local_addr()?).await?;
    /// a.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = a.try_recv_buf_from(&mut buf)?;
    /// assert_eq!((n, from), (3, b.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| recv_from_into(s, buf))
    }

    /// `peek` for hand-written futures: the datagram is appended to `buf`'s filled part and stays
    /// queued. One waker slot, shared with the `poll_recv*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"stays").await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// std::future::poll_fn(|cx| a.poll_peek(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"stays");
    /// // Still queued.
    /// let mut again = [0u8; 8];
    /// assert_eq!(a.recv(&mut again).await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// `peek` without waiting: `WouldBlock` if no datagram is known to be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// b.send(b"peeked").await?;
    /// a.readable().await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(a.try_peek(&mut buf)?, 6);
    /// assert_eq!(a.try_recv(&mut buf)?, 6);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.peek(buf))
    }

    /// Sends a datagram to `target`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// let port = b.local_addr()?.port();
    /// // Any `ToSocketAddrs`: here a (host, port) pair.
    /// assert_eq!(a.send_to(b"to b", ("127.0.0.1", port)).await?, 4);
    /// let mut buf = [0u8; 4];
    /// let (_, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!(from, a.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = *resolve(target).await?.first().ok_or_else(super::no_addresses)?;
        self.io.async_io(Interest::WRITABLE, |s| s.send_to(buf, target)).await
    }

    /// /// `send_to` for hand-written futures, to an address already resolved (one waker slot, shared
    /// /// with the `poll_send*` methods).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// let to = b.local_addr()?;
    /// let n = std::future::poll_fn(|cx| a.poll_send_to(cx, b"x", to)).await?;
    /// assert_eq!(n, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives a datagram and the address it came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hello", b.local_addr()?).await?;
    /// let mut buf = [0u8; 16];
    /// let (n, from) = b.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| s.recv_from(buf)).await
    }

    /// `recv_from` for hand-written futures: the datagram is appended to `buf`'s filled part, and
    /// its sender returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hi", b.local_addr()?).await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((buf.filled(), from), (&b"hi"[..], a.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, from) = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.recv_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(from))
    }

    /// `peek_from` for hand-written futures: the datagram is copied to `buf` and stays queued.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"hi", b.local_addr()?).await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = std::future::poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await?;
    /// assert_eq!(from, a.local_addr()?);
    /// // Still queued.
    /// let mut again = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut again).await?.0, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        let (n, from) = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.peek_from(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(from))
    }

    /// Waits for readiness in one direction and returns what was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// let ready = b.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// // At least one of the two; a fresh socket is writable.
    /// assert!(ready.is_readable() || ready.is_writable());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// /// Waits until a datagram may be there to receive. A following `try_recv` can still say
    /// /// `WouldBlock`: readiness can be stale.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// b.readable().await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.try_recv_from(&mut buf)?.0, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// /// Waits until the socket may take a datagram to send.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// b.writable().await?;
    /// assert_eq!(b.try_send_to(b"x", a.local_addr()?)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// /// Sends a datagram to the connected peer without waiting; `WouldBlock` if the socket cannot take
    /// /// it now. Pairs with `writable`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send(b"now")?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    /// /// Receives a datagram from the connected peer without waiting; `WouldBlock` if none is known to
    /// /// be there. Pairs with `readable`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// // Nothing sent yet.
    /// assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// a.send(b"now").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv(&mut buf)?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    /// /// Sends a datagram to `target` without waiting; `WouldBlock` if the socket cannot take it now.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send_to(b"now", b.local_addr()?)?, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// /// Receives a datagram and its sender without waiting; `WouldBlock` if none is known to be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"now", b.local_addr()?).await?;
    /// b.readable().await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = b.try_recv_from(&mut buf)?;
    /// assert_eq!((n, from), (3, a.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Polls for read readiness; one waker slot, shared with the `poll_recv*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// std::future::poll_fn(|cx| b.poll_recv_ready(cx)).await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.try_recv_from(&mut buf)?.0, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::READABLE).map(|r| r.map(drop))
    }

    /// Polls for write readiness; one waker slot, shared with the `poll_send*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// std::future::poll_fn(|cx| a.poll_send_ready(cx)).await?;
    /// assert_eq!(a.try_send_to(b"x", b.local_addr()?)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
    }

    /// Receives the next datagram from the connected peer without taking it off the queue
    /// (`MSG_PEEK`): the next `recv` returns it again.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send(b"twice").await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.peek(&mut buf).await?, 5);
    /// assert_eq!(b.recv(&mut buf).await?, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// Like `recv_from`, but leaves the datagram queued: the next receive returns it again.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"twice", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (_, from) = b.peek_from(&mut buf).await?;
    /// assert_eq!(b.recv_from(&mut buf).await?, (5, from));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| s.peek_from(buf)).await
    }

    /// `peek_from` without waiting: `WouldBlock` if no datagram is known to be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"twice", b.local_addr()?).await?;
    /// b.readable().await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.try_peek_from(&mut buf)?, (5, a.local_addr()?));
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.peek_from(buf))
    }

    /// The sender of the next datagram, which stays queued. Unlike `peek_from` with a small
    /// buffer, this works on Windows too (where a datagram longer than the buffer is an error).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"from a", b.local_addr()?).await?;
    /// // Decide on the sender before taking the datagram.
    /// assert_eq!(b.peek_sender().await?, a.local_addr()?);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv_from(&mut buf).await?.0, 6);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Interest::READABLE, peek_sender).await
    }

    /// `peek_sender` for hand-written futures (one waker slot, shared with `poll_recv*`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// let sender = std::future::poll_fn(|cx| b.poll_peek_sender(cx)).await?;
    /// assert_eq!(sender, a.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Interest::READABLE, peek_sender)
    }

    /// `peek_sender` without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_peek_sender()?, a.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, peek_sender)
    }

    /// Runs `f`, an operation of the caller's on the socket, if readiness for `interest` has been
    /// seen; `WouldBlock` without calling it otherwise. When `f` says `WouldBlock` the readiness is
    /// cleared, so `f` must say it only when the socket would block.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"raw", b.local_addr()?).await?;
    /// b.readable().await?;
    /// // A receive through the socket itself (here with socket2), with the readiness kept right.
    /// let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8];
    /// let n = b.try_io(Interest::READABLE, || socket2::SockRef::from(&b).recv(&mut buf))?;
    /// assert_eq!(n, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(interest, |_| f())
    }

    /// Waits for readiness for `interest` and runs `f`, again after each `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"raw", b.local_addr()?).await?;
    /// let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8];
    /// // Waits and retries on `WouldBlock` by itself.
    /// let n = b.async_io(Interest::READABLE, || socket2::SockRef::from(&b).recv(&mut buf)).await?;
    /// assert_eq!(n, 3);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, |_| f()).await
    }

    /// /// The value of `SO_BROADCAST`: whether the socket may send to a broadcast address.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(!socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// /// Sets `SO_BROADCAST`, which sending to a broadcast address needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// // Needed before sending to 255.255.255.255 or a subnet's broadcast address.
    /// socket.set_broadcast(true)?;
    /// assert!(socket.broadcast()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// The value of `IP_TTL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.set_ttl(8)?;
    /// assert_eq!(socket.ttl()?, 8);
    /// # Ok(())
    /// # }
    /// ```
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// // Datagrams go no further than two routers.
    /// socket.set_ttl(2)?;
    /// assert_eq!(socket.ttl()?, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The value of `IP_MULTICAST_LOOP`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// // On by default.
    /// assert!(socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host's own members of a group receive what is sent
    /// to it (IPv4).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_multicast_loop_v4(false)?;
    /// assert!(!socket.multicast_loop_v4()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The value of `IP_MULTICAST_TTL`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`, how far multicast packets go (1, the default, stays on the local
    /// network).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("0.0.0.0:0").await?;
    /// socket.set_multicast_ttl_v4(4)?;
    /// assert_eq!(socket.multicast_ttl_v4()?, 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The value of `IPV6_MULTICAST_LOOP`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Hosts without IPv6 skip the rest.
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
    /// assert!(socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP` (IPv6's `set_multicast_loop_v4`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Hosts without IPv6 skip the rest.
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
    /// socket.set_multicast_loop_v6(false)?;
    /// assert!(!socket.multicast_loop_v6()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the system picks one).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    /// use std::net::Ipv4Addr;
    ///
    /// // Listens to a group on port 5353 (mDNS). Defined, not run: joining needs a multicast route,
    /// // which a test machine may not have.
    /// async fn listen_to_group() -> std::io::Result<(usize, std::net::SocketAddr)> {
    ///     let socket = UdpSocket::bind("0.0.0.0:5353").await?;
    ///     socket.join_multicast_v4(Ipv4Addr::new(224, 0, 0, 251), Ipv4Addr::UNSPECIFIED)?;
    ///     let mut buf = [0u8; 1500];
    ///     socket.recv_from(&mut buf).await
    /// }
    /// # let _ = listen_to_group;
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with index `interface` (0: the
    /// system picks one).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    /// use std::net::Ipv6Addr;
    ///
    /// // Defined, not run: joining needs a multicast route, which a test machine may not have.
    /// async fn join_all_nodes() -> std::io::Result<UdpSocket> {
    ///     let socket = UdpSocket::bind("[::]:0").await?;
    ///     socket.join_multicast_v6(&Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1), 0)?;
    ///     Ok(socket)
    /// }
    /// # let _ = join_all_nodes;
    /// ```
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with `join_multicast_v4`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    /// use std::net::Ipv4Addr;
    ///
    /// // Defined, not run: joining needs a multicast route, which a test machine may not have.
    /// fn leave(socket: &UdpSocket) -> std::io::Result<()> {
    ///     socket.leave_multicast_v4(Ipv4Addr::new(224, 0, 0, 251), Ipv4Addr::UNSPECIFIED)
    /// }
    /// # let _ = leave;
    /// ```
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with `join_multicast_v6`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    /// use std::net::Ipv6Addr;
    ///
    /// // Defined, not run: joining needs a multicast route, which a test machine may not have.
    /// fn leave(socket: &UdpSocket) -> std::io::Result<()> {
    ///     socket.leave_multicast_v6(&Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1), 0)
    /// }
    /// # let _ = leave;
    /// ```
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// The value of `IP_TOS`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
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
        socket2::SockRef::from(self.io.get_ref()).tos_v4()
    }

    /// Sets `IP_TOS`, the type-of-service field of the IPv4 packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
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
        socket2::SockRef::from(self.io.get_ref()).set_tos_v4(tos)
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
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Hosts without IPv6 skip the rest.
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
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
        socket2::SockRef::from(self.io.get_ref()).tclass_v6()
    }

    /// Sets `IPV6_TCLASS`, the traffic class field of the IPv6 packets this socket sends.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Hosts without IPv6 skip the rest.
    /// let Ok(socket) = UdpSocket::bind("[::1]:0").await else { return Ok(()) };
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
        socket2::SockRef::from(self.io.get_ref()).set_tclass_v6(tclass)
    }

    /// The interface this socket is bound to (`SO_BINDTODEVICE`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// // Not bound to an interface unless `bind_device` was called.
    /// assert_eq!(socket.device()?, None);
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        socket2::SockRef::from(self.io.get_ref()).device()
    }

    /// Binds this socket to an interface by name (`SO_BINDTODEVICE`), so it only sends and
    /// receives through it; `None` removes the binding. Needs `CAP_NET_RAW` on Linux.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// // Defined, not run: binding to a device needs `CAP_NET_RAW`.
    /// fn loopback_only(socket: &UdpSocket) -> std::io::Result<()> {
    ///     socket.bind_device(Some(b"lo"))
    /// }
    /// # let _ = loopback_only;
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).bind_device(interface)
    }

    /// Takes the pending error (`SO_ERROR`), if any (an ICMP "port unreachable" after a send to a
    /// connected peer, for instance).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UdpSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// assert!(socket.take_error()?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// The sender of the next queued datagram, through socket2 (it deals with Windows, where a peek
/// into a buffer shorter than the datagram fails with `WSAEMSGSIZE`).
fn peek_sender(socket: &mio::net::UdpSocket) -> io::Result<SocketAddr> {
    socket2::SockRef::from(socket).peek_sender()?.as_socket().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "invalid address family (not IPv4 or IPv6)")
    })
}

/// One receive into `buf`'s spare room, uninitialized as it may be: socket2's `recv` takes
/// `MaybeUninit` bytes, so nothing is zeroed first.
fn recv_into<B: BufMut>(socket: &mio::net::UdpSocket, buf: &mut B) -> io::Result<usize> {
    // SAFETY: `recv` only writes initialized bytes into the slice, and never de-initializes any.
    let n = socket2::SockRef::from(socket).recv(unsafe { buf.chunk_mut().as_uninit_slice_mut() })?;
    // SAFETY: `recv` initialized the first `n` bytes of the chunk.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// `recv_into`, and the sender.
fn recv_from_into<B: BufMut>(socket: &mio::net::UdpSocket, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
    // SAFETY: `recv_from` only writes initialized bytes into the slice, and never de-initializes any.
    let (n, from) =
        socket2::SockRef::from(socket).recv_from(unsafe { buf.chunk_mut().as_uninit_slice_mut() })?;
    // SAFETY: `recv_from` initialized the first `n` bytes of the chunk.
    unsafe { buf.advance_mut(n) };
    let from = from.as_socket().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "invalid address family (not IPv4 or IPv6)")
    })?;
    Ok((n, from))
}

super::raw_fd!(UdpSocket);

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket").field("local_addr", &self.local_addr().ok()).finish()
    }
}
