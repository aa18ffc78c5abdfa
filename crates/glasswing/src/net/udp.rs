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
pub struct UdpSocket {
    io: PollEvented<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (each address it resolves to, in order, until one works).
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
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket { io: PollEvented::new(mio::net::UdpSocket::from_std(socket))? })
    }

    /// Deregisters the socket from the runtime and returns it as a std socket, still in
    /// non-blocking mode. Datagrams already queued stay queued.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer for `send` and `recv`, and filters what `recv` receives to it.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        first_ok(addr, |addr| std::future::ready(self.io.get_ref().connect(addr))).await
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sends a datagram to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer; a datagram longer than `buf` is truncated.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    /// `recv` for hand-written futures: the datagram is appended to `buf`'s filled part (truncated
    /// to its remaining room). One waker slot, shared with the other `poll_recv*` methods.
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
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| recv_into(s, buf)).await
    }

    /// `recv_buf` without waiting: `WouldBlock` if no datagram is known to be there.
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| recv_into(s, buf))
    }

    /// As `recv_buf`, and the address the datagram came from.
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| recv_from_into(s, buf)).await
    }

    /// `recv_buf_from` without waiting.
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| recv_from_into(s, buf))
    }

    /// `peek` for hand-written futures: the datagram is appended to `buf`'s filled part and stays
    /// queued. One waker slot, shared with the `poll_recv*` methods.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.peek(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// `peek` without waiting: `WouldBlock` if no datagram is known to be there.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.peek(buf))
    }

    /// Sends a datagram to `target`.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = *resolve(target).await?.first().ok_or_else(super::no_addresses)?;
        self.io.async_io(Interest::WRITABLE, |s| s.send_to(buf, target)).await
    }

    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives a datagram and the address it came from.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| s.recv_from(buf)).await
    }

    /// `recv_from` for hand-written futures: the datagram is appended to `buf`'s filled part, and
    /// its sender returned.
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
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// Polls for read readiness; one waker slot, shared with the `poll_recv*` methods.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::READABLE).map(|r| r.map(drop))
    }

    /// Polls for write readiness; one waker slot, shared with the `poll_send*` methods.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
    }

    /// Receives the next datagram from the connected peer without taking it off the queue
    /// (`MSG_PEEK`): the next `recv` returns it again.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// Like `recv_from`, but leaves the datagram queued: the next receive returns it again.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| s.peek_from(buf)).await
    }

    /// `peek_from` without waiting: `WouldBlock` if no datagram is known to be there.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.peek_from(buf))
    }

    /// The sender of the next datagram, which stays queued. Unlike `peek_from` with a small
    /// buffer, this works on Windows too (where a datagram longer than the buffer is an error).
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Interest::READABLE, peek_sender).await
    }

    /// `peek_sender` for hand-written futures (one waker slot, shared with `poll_recv*`).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(cx, Interest::READABLE, peek_sender)
    }

    /// `peek_sender` without waiting.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, peek_sender)
    }

    /// Runs `f`, an operation of the caller's on the socket, if readiness for `interest` has been
    /// seen; `WouldBlock` without calling it otherwise. When `f` says `WouldBlock` the readiness is
    /// cleared, so `f` must say it only when the socket would block.
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(interest, |_| f())
    }

    /// Waits for readiness for `interest` and runs `f`, again after each `WouldBlock`.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, |_| f()).await
    }

    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// The value of `IP_TTL`.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`, the time-to-live of the packets this socket sends.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The value of `IP_MULTICAST_LOOP`.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host's own members of a group receive what is sent
    /// to it (IPv4).
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The value of `IP_MULTICAST_TTL`.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`, how far multicast packets go (1, the default, stays on the local
    /// network).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// The value of `IPV6_MULTICAST_LOOP`.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP` (IPv6's `set_multicast_loop_v4`).
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the system picks one).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with index `interface` (0: the
    /// system picks one).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with `join_multicast_v4`.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with `join_multicast_v6`.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// The value of `IP_TOS`.
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
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        socket2::SockRef::from(self.io.get_ref()).device()
    }

    /// Binds this socket to an interface by name (`SO_BINDTODEVICE`), so it only sends and
    /// receives through it; `None` removes the binding. Needs `CAP_NET_RAW` on Linux.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        socket2::SockRef::from(self.io.get_ref()).bind_device(interface)
    }

    /// Takes the pending error (`SO_ERROR`), if any (an ICMP "port unreachable" after a send to a
    /// connected peer, for instance).
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
