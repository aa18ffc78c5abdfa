//! Unix-domain sockets: `UnixListener`, `UnixStream` (with halves) and `UnixDatagram`, and what they
//! report: `SocketAddr` and the peer's credentials, `UCred`.
//!
//! As in Tokio, `UnixListener::bind` is not async (a path needs no resolution) while
//! `UnixStream::connect` is, for symmetry with TCP: on Linux a Unix connect completes or fails at once
//! (a full backlog fails with `WouldBlock`, as with Tokio). Addresses are Tokio's own `SocketAddr`, a
//! thin wrapper of std's, so that code written against `tokio::net::unix` compiles unchanged.

use super::split;
use crate::io::{Interest, PollEvented, ReadBuf, Ready};
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

pub mod pipe;
mod socket;
mod ucred;
pub use socket::UnixSocket;
pub use ucred::UCred;

/// The user id type of [`UCred`] (`uid_t`).
#[allow(non_camel_case_types)]
pub type uid_t = u32;
/// The group id type of [`UCred`] (`gid_t`).
#[allow(non_camel_case_types)]
pub type gid_t = u32;
/// The process id type of [`UCred`] (`pid_t`).
#[allow(non_camel_case_types)]
pub type pid_t = i32;

/// The address of a Unix-domain socket: a path, unnamed (a socket from `pair` or not bound), or on
/// Linux an abstract name.
#[derive(Clone)]
pub struct SocketAddr(std::os::unix::net::SocketAddr);

impl SocketAddr {
    /// Whether the socket has no address (from `pair`, or never bound).
    pub fn is_unnamed(&self) -> bool {
        self.0.is_unnamed()
    }

    /// The path, if the address is one.
    pub fn as_pathname(&self) -> Option<&Path> {
        self.0.as_pathname()
    }

    /// The name, if the address is in Linux's abstract namespace (no file; the name's leading NUL
    /// is not included).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn as_abstract_name(&self) -> Option<&[u8]> {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        self.0.as_abstract_name()
    }
}

/// The address for `path`; on Linux and Android a path that starts with a NUL byte names a socket
/// in the abstract namespace (the rest of it is the name), as with Tokio and in C.
fn std_addr(path: &Path) -> io::Result<std::os::unix::net::SocketAddr> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        #[cfg(target_os = "android")]
        use std::os::android::net::SocketAddrExt;
        #[cfg(target_os = "linux")]
        use std::os::linux::net::SocketAddrExt;
        use std::os::unix::ffi::OsStrExt;
        if let Some(name) = path.as_os_str().as_bytes().strip_prefix(b"\0") {
            return std::os::unix::net::SocketAddr::from_abstract_name(name);
        }
    }
    std::os::unix::net::SocketAddr::from_pathname(path)
}

impl fmt::Debug for SocketAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<std::os::unix::net::SocketAddr> for SocketAddr {
    fn from(addr: std::os::unix::net::SocketAddr) -> SocketAddr {
        SocketAddr(addr)
    }
}

impl From<SocketAddr> for std::os::unix::net::SocketAddr {
    fn from(addr: SocketAddr) -> std::os::unix::net::SocketAddr {
        addr.0
    }
}

/// A Unix-domain socket server.
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens, with the largest backlog the system
    /// allows (`net.core.somaxconn` on Linux, as mio and Tokio do).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: PollEvented::new(mio::net::UnixListener::bind_addr(&std_addr(path.as_ref())?)?)?,
        })
    }

    /// Binds a listener to `addr`: a path, or on Linux and Android an abstract name
    /// (`SocketAddr::from_abstract_name`, through std's `SocketAddrExt`).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        Ok(UnixListener { io: PollEvented::new(mio::net::UnixListener::bind_addr(&addr.0)?)? })
    }

    /// Deregisters the listener from the runtime and returns it as a std listener, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner().map(Into::into)
    }

    /// Wraps a listener from the standard library, which is switched to non-blocking mode.
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener { io: PollEvented::new(mio::net::UnixListener::from_std(listener))? })
    }

    /// Waits for a connection. Any number of tasks may accept on one listener at once.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((UnixStream::new_accepted(stream)?, SocketAddr(addr)))
    }

    /// Polls for a connection, for hand-written futures; only the last task to poll is woken.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Interest::READABLE, |l| l.accept()))?;
        Poll::Ready(UnixStream::new_accepted(stream).map(|s| (s, SocketAddr(addr))))
    }

    /// The path the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// Takes the pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

super::raw_fd!(UnixListener);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener").field("local_addr", &self.local_addr().ok()).finish()
    }
}

/// A Unix-domain stream connection; the same I/O surface as `TcpStream`.
pub struct UnixStream {
    io: PollEvented<mio::net::UnixStream>,
}

impl UnixStream {
    fn new(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream { io: PollEvented::new(stream)? })
    }

    /// A stream from `accept`: assumed readable and writable (see `TcpStream::new_accepted`).
    fn new_accepted(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        let stream = UnixStream::new(stream)?;
        stream.io.assume_ready(Ready::READABLE | Ready::WRITABLE);
        Ok(stream)
    }

    /// Connects to the socket at `path`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = UnixStream::new(mio::net::UnixStream::connect_addr(&std_addr(path.as_ref())?)?)?;
        stream
            .io
            .async_io(Interest::WRITABLE, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// Connects to the listener at `addr` (a path, or an abstract name).
    ///
    /// # Panics
    /// Outside a runtime.
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        let stream = UnixStream::new(mio::net::UnixStream::connect_addr(&addr.0)?)?;
        stream
            .io
            .async_io(Interest::WRITABLE, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// A connected pair, like `socketpair(2)`.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        let (a, b) = (UnixStream::new(a)?, UnixStream::new(b)?);
        // Fresh and empty: both ends can write now, and read only once the other writes.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// Wraps a stream from the standard library, which is switched to non-blocking mode.
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(mio::net::UnixStream::from_std(stream))
    }

    /// Deregisters the stream from the runtime and returns it as a std stream, still in
    /// non-blocking mode. Data already received stays in the socket.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner().map(Into::into)
    }

    /// This end's address (unnamed for a client or a `pair`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// The credentials of the peer process, as they were when it connected (or made the pair).
    pub fn peer_cred(&self) -> io::Result<UCred> {
        ucred::peer_cred(self.io.get_ref())
    }
}

super::raw_fd!(UnixStream);

split::byte_stream!(UnixStream);
split::half_methods!(UnixStream, SocketAddr);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

/// The reading half of [`UnixStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
/// The writing half of [`UnixStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
/// The reading half of [`UnixStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
/// The writing half of [`UnixStream::into_split`]; dropping it shuts down the write side.
pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;
/// The two halves given back when `reunite` is called with halves of different streams.
pub type ReuniteError = split::ReuniteError<UnixStream>;

/// A Unix-domain datagram socket, shared by reference: any number of tasks may send and receive at
/// once.
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::bind(path)?)? })
    }

    /// A socket bound to no path: it can send, and receive replies once connected.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::unbound()?)? })
    }

    /// A connected pair.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = mio::net::UnixDatagram::pair()?;
        let (a, b) = (UnixDatagram { io: PollEvented::new(a)? }, UnixDatagram { io: PollEvented::new(b)? });
        // Fresh and empty: both ends can send now, and receive only once the other sends.
        a.io.assume_ready(Ready::WRITABLE);
        b.io.assume_ready(Ready::WRITABLE);
        Ok((a, b))
    }

    /// Wraps a socket from the standard library, which is switched to non-blocking mode.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::from_std(socket))? })
    }

    /// Deregisters the socket from the runtime and returns it as a std socket, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer for `send` and `recv`.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// The path the socket is bound to, or unnamed.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// Waits for readiness in one direction and returns what was seen.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until a datagram may be there to receive.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a send may succeed.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness; one waker slot, shared with the `poll_recv*` methods.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::READABLE).map(|r| r.map(drop))
    }

    /// Polls for write readiness; one waker slot, shared with the `poll_send*` methods.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
    }

    /// `send` for hand-written futures.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send(buf))
    }

    /// `recv` for hand-written futures: the datagram is appended to `buf`'s filled part.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.recv(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
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
        Poll::Ready(Ok(SocketAddr(from)))
    }

    /// `send_to` for hand-written futures.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let target = target.as_ref();
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// `send_to` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = target.as_ref();
        self.io.try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// `recv_from` without waiting.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf)).map(|(n, a)| (n, SocketAddr(a)))
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

    /// Shuts down the read side, the write side or both (`shutdown(2)`).
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.async_io(Interest::WRITABLE, |s| s.send_to(buf, path)).await
    }

    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.async_io(Interest::READABLE, |s| s.recv_from(buf)).await?;
        Ok((n, SocketAddr(addr)))
    }

    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    /// Receives a datagram from the connected peer into the spare room of `buf` (a `Vec`'s
    /// capacity, a `BytesMut`...), and advances `buf` past it; a longer datagram is truncated.
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| datagram_recv_into(s, buf)).await
    }

    /// `recv_buf` without waiting: `WouldBlock` if no datagram is known to be there.
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| datagram_recv_into(s, buf))
    }

    /// As `recv_buf`, and the address the datagram came from.
    pub async fn recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| datagram_recv_from_into(s, buf)).await
    }

    /// `recv_buf_from` without waiting.
    pub fn try_recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| datagram_recv_from_into(s, buf))
    }
}

/// One receive into `buf`'s spare room, uninitialized as it may be (socket2's `recv` takes
/// `MaybeUninit` bytes).
fn datagram_recv_into<B: bytes::BufMut>(socket: &mio::net::UnixDatagram, buf: &mut B) -> io::Result<usize> {
    // SAFETY: `recv` only writes initialized bytes into the slice, and never de-initializes any.
    let n = socket2::SockRef::from(socket).recv(unsafe { buf.chunk_mut().as_uninit_slice_mut() })?;
    // SAFETY: `recv` initialized the first `n` bytes of the chunk.
    unsafe { buf.advance_mut(n) };
    Ok(n)
}

/// `datagram_recv_into`, and the sender. The sender comes from std's `recv_from` (socket2's
/// address type cannot give back an unnamed or abstract Unix address), which needs initialized
/// bytes: the spare room is zeroed first.
fn datagram_recv_from_into<B: bytes::BufMut>(
    socket: &mio::net::UnixDatagram,
    buf: &mut B,
) -> io::Result<(usize, SocketAddr)> {
    let chunk = buf.chunk_mut();
    let len = chunk.len();
    for i in 0..len {
        chunk.write_byte(i, 0);
    }
    // SAFETY: all `len` bytes of the chunk were just initialized.
    let bytes = unsafe { std::slice::from_raw_parts_mut(chunk.as_mut_ptr(), len) };
    let (n, from) = socket.recv_from(bytes)?;
    // SAFETY: the whole chunk is initialized, and `n <= len`.
    unsafe { buf.advance_mut(n) };
    Ok((n, SocketAddr(from)))
}

super::raw_fd!(UnixDatagram);

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram").field("local_addr", &self.local_addr().ok()).finish()
    }
}
