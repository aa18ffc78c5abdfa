//! Unix-domain sockets: `UnixListener`, `UnixStream` (with halves) and `UnixDatagram`, and what they
//! report: `SocketAddr` and the peer's credentials, `UCred`.
//!
//! As in Tokio, `UnixListener::bind` is not async (a path needs no resolution) while
//! `UnixStream::connect` is, for symmetry with TCP: on Linux a Unix connect completes or fails at once
//! (a full backlog fails with `WouldBlock`, as with Tokio). Addresses are Tokio's own `SocketAddr`, a
//! thin wrapper of std's, so that code written against `tokio::net::unix` compiles unchanged.
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncReadExt, AsyncWriteExt};
//! use glasswing::net::{UnixDatagram, UnixStream};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // A connected stream pair, and a datagram pair: no path needed for either.
//! let (mut a, mut b) = UnixStream::pair()?;
//! a.write_all(b"stream").await?;
//! let mut buf = [0u8; 6];
//! b.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"stream");
//!
//! let (c, d) = UnixDatagram::pair()?;
//! c.send(b"datagram").await?;
//! let mut buf = [0u8; 16];
//! assert_eq!(d.recv(&mut buf).await?, 8);
//! # Ok(())
//! # }
//! ```

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
///
/// # Examples
///
/// ```
/// use glasswing::net::unix::uid_t;
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, _b) = UnixStream::pair()?;
/// let uid: uid_t = a.peer_cred()?.uid();
/// # let _ = uid;
/// # Ok(())
/// # }
/// ```
#[allow(non_camel_case_types)]
pub type uid_t = u32;
/// The group id type of [`UCred`] (`gid_t`).
///
/// # Examples
///
/// ```
/// use glasswing::net::unix::gid_t;
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, _b) = UnixStream::pair()?;
/// let gid: gid_t = a.peer_cred()?.gid();
/// # let _ = gid;
/// # Ok(())
/// # }
/// ```
#[allow(non_camel_case_types)]
pub type gid_t = u32;
/// The process id type of [`UCred`] (`pid_t`).
///
/// # Examples
///
/// ```
/// use glasswing::net::unix::pid_t;
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, _b) = UnixStream::pair()?;
/// let pid: Option<pid_t> = a.peer_cred()?.pid();
/// # let _ = pid;
/// # Ok(())
/// # }
/// ```
#[allow(non_camel_case_types)]
pub type pid_t = i32;

/// The address of a Unix-domain socket: a path, unnamed (a socket from `pair` or not bound), or on
/// Linux an abstract name.
///
/// # Examples
///
/// ```
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("addr.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = glasswing::net::UnixListener::bind(&path)?;
/// let client = UnixStream::connect(&path).await?;
/// // The client's peer has the listener's path; the client itself has no address.
/// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
/// assert!(client.local_addr()?.is_unnamed());
/// # drop(listener);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SocketAddr(std::os::unix::net::SocketAddr);

impl SocketAddr {
    /// Whether the socket has no address (from `pair`, or never bound).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// assert!(a.local_addr()?.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_unnamed(&self) -> bool {
        self.0.is_unnamed()
    }

    /// The path, if the address is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn as_pathname(&self) -> Option<&Path> {
        self.0.as_pathname()
    }

    /// The name, if the address is in Linux's abstract namespace (no file; the name's leading NUL
    /// is not included).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixListener;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::os::linux::net::SocketAddrExt;
    ///
    /// // An abstract name: no file, gone when the socket closes.
    /// let name = format!("glasswing-doc-{}", std::process::id());
    /// let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name)?;
    /// let listener = UnixListener::bind_addr(&addr.into())?;
    /// assert_eq!(listener.local_addr()?.as_abstract_name(), Some(name.as_bytes()));
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{UnixListener, UnixStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("server.sock");
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
///
/// // Serve one connection: read a name, greet it.
/// let server = glasswing::spawn(async move {
///     let (mut stream, _) = listener.accept().await?;
///     let mut name = String::new();
///     stream.read_to_string(&mut name).await?;
///     stream.write_all(format!("hello, {name}").as_bytes()).await
/// });
///
/// let mut client = UnixStream::connect(&path).await?;
/// client.write_all(b"unix").await?;
/// client.shutdown().await?;
/// let mut reply = String::new();
/// client.read_to_string(&mut reply).await?;
/// assert_eq!(reply, "hello, unix");
/// server.await.unwrap()?;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixListener {
    io: PollEvented<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens, with the largest backlog the system
    /// allows (`net.core.somaxconn` on Linux, as mio and Tokio do).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert!(path.exists());
    /// // The path is taken: a second bind fails until the file is removed.
    /// assert!(UnixListener::bind(&path).is_err());
    /// drop(listener);
    /// std::fs::remove_file(&path)?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// // An address from elsewhere, here made from a path by std.
    /// let addr = std::os::unix::net::SocketAddr::from_pathname(&path)?;
    /// let listener = UnixListener::bind_addr(&addr.into())?;
    /// let _client = UnixStream::connect(&path).await?;
    /// listener.accept().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        Ok(UnixListener { io: PollEvented::new(mio::net::UnixListener::bind_addr(&addr.0)?)? })
    }

    /// Deregisters the listener from the runtime and returns it as a std listener, still in
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?.into_std()?;
    /// // Still non-blocking: with no connection waiting, `accept` says so at once.
    /// let err = listener.accept().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner().map(Into::into)
    }

    /// Wraps a listener from the standard library, which is switched to non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let std_listener = std::os::unix::net::UnixListener::bind(&path)?;
    /// let listener = UnixListener::from_std(std_listener)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// listener.accept().await?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener { io: PollEvented::new(mio::net::UnixListener::from_std(listener))? })
    }

    /// Waits for a connection. Any number of tasks may accept on one listener at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// let (stream, peer) = listener.accept().await?;
    /// // A client that did not bind has no address.
    /// assert!(peer.is_unnamed());
    /// assert_eq!(stream.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((UnixStream::new_accepted(stream)?, SocketAddr(addr)))
    }

    /// Polls for a connection, for hand-written futures; only the last task to poll is woken.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// let (_stream, peer) = std::future::poll_fn(|cx| listener.poll_accept(cx)).await?;
    /// assert!(peer.is_unnamed());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_io(cx, Interest::READABLE, |l| l.accept()))?;
        Poll::Ready(UnixStream::new_accepted(stream).map(|s| (s, SocketAddr(addr))))
    }

    /// The path the listener is bound to.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// Takes the pending error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert!(listener.take_error()?.is_none());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A connected pair, as between a parent and a child process.
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"over a socketpair").await?;
/// let mut buf = [0u8; 17];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"over a socketpair");
/// # Ok(())
/// # }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// // Connect to the address the listener reports.
    /// let client = UnixStream::connect_addr(&listener.local_addr()?).await?;
    /// let (_server, _) = listener.accept().await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (mut a, mut b) = UnixStream::pair()?;
    /// a.write_all(b"ping").await?;
    /// let mut buf = [0u8; 4];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"ping");
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// let mut a = UnixStream::from_std(a)?;
    /// let mut b = UnixStream::from_std(b)?;
    /// a.write_all(b"x").await?;
    /// let mut buf = [0u8; 1];
    /// b.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"x");
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(mio::net::UnixStream::from_std(stream))
    }

    /// Deregisters the stream from the runtime and returns it as a std stream, still in
    /// non-blocking mode. Data already received stays in the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::AsyncWriteExt;
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    ///
    /// let (mut a, b) = UnixStream::pair()?;
    /// a.write_all(b"kept").await?;
    /// // What was sent stays in the socket across the hand-over.
    /// let mut b = b.into_std()?;
    /// b.set_nonblocking(false)?;
    /// let mut buf = [0u8; 4];
    /// b.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"kept");
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner().map(Into::into)
    }

    /// This end's address (unnamed for a client or a `pair`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// let (server, _) = listener.accept().await?;
    /// // The server's end has the listener's path; the client's has none.
    /// assert_eq!(server.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(client.local_addr()?.is_unnamed());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// The peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::{UnixListener, UnixStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("server.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let client = UnixStream::connect(&path).await?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// The credentials of the peer process, as they were when it connected (or made the pair).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// let cred = a.peer_cred()?;
    /// // The peer is this very process (its pid is reported on Linux, Android and macOS).
    /// if let Some(pid) = cred.pid() {
    ///     assert_eq!(pid as u32, std::process::id());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        ucred::peer_cred(self.io.get_ref())
    }
}

super::raw_fd!(UnixStream);

split::byte_stream!(
    UnixStream,
    "use glasswing::net::UnixStream;",
    "let (client, server) = UnixStream::pair()?;"
);
split::half_methods!(
    UnixStream,
    SocketAddr,
    "use glasswing::net::UnixStream;",
    "let (client, server) = UnixStream::pair()?;",
    "// A `pair`'s sockets have no address.\n\
     assert!(reader.peer_addr()?.is_unnamed());\n\
     assert!(reader.local_addr()?.is_unnamed());",
    "// A `pair`'s sockets have no address.\n\
     assert!(writer.peer_addr()?.is_unnamed());\n\
     assert!(writer.local_addr()?.is_unnamed());"
);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

/// The reading half of [`UnixStream::split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// b.write_all(b"hi").await?;
/// let (mut reader, _writer) = a.split();
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
/// The writing half of [`UnixStream::split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut a, mut b) = UnixStream::pair()?;
/// let (_reader, mut writer) = a.split();
/// writer.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// b.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
/// The reading half of [`UnixStream::into_split`].
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// let (mut reader, _writer) = a.into_split();
/// // The half is `'static`: it can go to its own task.
/// let task = glasswing::spawn(async move {
///     let mut got = String::new();
///     reader.read_to_string(&mut got).await.map(|_| got)
/// });
/// b.write_all(b"to the task").await?;
/// drop(b);
/// assert_eq!(task.await.unwrap()?, "to the task");
/// # Ok(())
/// # }
/// ```
pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
/// The writing half of [`UnixStream::into_split`]; dropping it shuts down the write side.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = UnixStream::pair()?;
/// let (_reader, mut writer) = a.into_split();
/// writer.write_all(b"bye").await?;
/// // Dropping the write half shuts down the write side: `b` reads end of stream.
/// drop(writer);
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, b"bye");
/// # Ok(())
/// # }
/// ```
pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;
/// The two halves given back when `reunite` is called with halves of different streams.
///
/// # Examples
///
/// ```
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, b) = UnixStream::pair()?;
/// let (a_read, a_write) = a.into_split();
/// let (_b_read, b_write) = b.into_split();
/// // Halves of two different streams: both come back in the error.
/// let err = a_read.reunite(b_write).unwrap_err();
/// let a_read = err.0;
/// assert!(a_read.reunite(a_write).is_ok());
/// # Ok(())
/// # }
/// ```
pub type ReuniteError = split::ReuniteError<UnixStream>;

/// A Unix-domain datagram socket, shared by reference: any number of tasks may send and receive at
/// once.
///
/// # Examples
///
/// ```
/// use glasswing::net::UnixDatagram;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("datagram.sock");
/// # let _ = std::fs::remove_file(&path);
/// let server = UnixDatagram::bind(&path)?;
/// // A client binds no path: it can send, and gets replies once connected.
/// let client = UnixDatagram::unbound()?;
/// client.connect(&path)?;
/// client.send(b"request").await?;
///
/// let mut buf = [0u8; 16];
/// let (n, _) = server.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"request");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixDatagram {
    io: PollEvented<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixDatagram::bind(&path)?;
    /// assert_eq!(socket.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::bind(path)?)? })
    }

    /// A socket bound to no path: it can send, and receive replies once connected.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// assert!(client.local_addr()?.is_unnamed());
    /// client.send_to(b"anonymous", &path).await?;
    /// let mut buf = [0u8; 9];
    /// let (_, from) = server.recv_from(&mut buf).await?;
    /// assert!(from.is_unnamed());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::unbound()?)? })
    }

    /// A connected pair.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"one").await?;
    /// a.send(b"two").await?;
    /// // Datagrams keep their boundaries.
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
    /// let (a, b) = (UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?);
    /// a.send(b"x").await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.recv(&mut buf).await?, 1);
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::from_std(socket))? })
    }

    /// Deregisters the socket from the runtime and returns it as a std socket, still in
    /// non-blocking mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"queued").await?;
    /// // The datagram stays queued across the hand-over.
    /// let b = b.into_std()?;
    /// let mut buf = [0u8; 6];
    /// assert_eq!(b.recv(&mut buf)?, 6);
    /// # Ok(())
    /// # }
    /// ```
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        self.io.into_inner().map(Into::into)
    }

    /// Sets the default peer for `send` and `recv`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// client.send(b"no address needed").await?;
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// The path the socket is bound to, or unnamed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let bound = UnixDatagram::bind(&path)?;
    /// assert_eq!(bound.local_addr()?.as_pathname(), Some(path.as_path()));
    /// assert!(UnixDatagram::unbound()?.local_addr()?.is_unnamed());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr().map(SocketAddr)
    }

    /// The connected peer's address.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr().map(SocketAddr)
    }

    /// Waits for readiness in one direction and returns what was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// let ready = b.ready(Interest::READABLE).await?;
    /// assert!(ready.is_readable());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        Ok(self.io.readiness(interest).await?.ready)
    }

    /// Waits until a datagram may be there to receive.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// b.readable().await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.try_recv(&mut buf)?, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until a send may succeed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send(b"x")?, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness; one waker slot, shared with the `poll_recv*` methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"x").await?;
    /// std::future::poll_fn(|cx| b.poll_recv_ready(cx)).await?;
    /// let mut buf = [0u8; 1];
    /// assert_eq!(b.try_recv(&mut buf)?, 1);
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
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// std::future::poll_fn(|cx| a.poll_send_ready(cx)).await?;
    /// assert_eq!(a.try_send(b"x")?, 1);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
    }

    /// `send` for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// let n = std::future::poll_fn(|cx| a.poll_send(cx, b"hi")).await?;
    /// assert_eq!(n, 2);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Interest::WRITABLE, |s| s.send(buf))
    }

    /// `recv` for hand-written futures: the datagram is appended to `buf`'s filled part.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// std::future::poll_fn(|cx| b.poll_recv(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"hi");
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self
            .io
            .poll_io(cx, Interest::READABLE, |s| s.recv(buf.initialize_unfilled())))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }

    /// `recv_from` for hand-written futures: the datagram is appended to `buf`'s filled part, and
    /// its sender returned.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::ReadBuf;
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"hi").await?;
    /// let mut storage = [0u8; 8];
    /// let mut buf = ReadBuf::new(&mut storage);
    /// let from = std::future::poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!(buf.filled(), b"hi");
    /// // A pair's sockets have no address.
    /// assert!(from.is_unnamed());
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
        Poll::Ready(Ok(SocketAddr(from)))
    }

    /// `send_to` for hand-written futures.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// let n = std::future::poll_fn(|cx| client.poll_send_to(cx, b"hi", &path)).await?;
    /// assert_eq!(n, 2);
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.writable().await?;
    /// assert_eq!(client.try_send_to(b"hi", &path)?, 2);
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = target.as_ref();
        self.io.try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// `recv_from` without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// let mut buf = [0u8; 8];
    /// // Nothing sent yet.
    /// assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
    /// a.send(b"hi").await?;
    /// b.readable().await?;
    /// assert_eq!(b.try_recv_from(&mut buf)?.0, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf)).map(|(n, a)| (n, SocketAddr(a)))
    }

    /// Runs `f`, an operation of the caller's on the socket, if readiness for `interest` has been
    /// seen; `WouldBlock` without calling it otherwise. When `f` says `WouldBlock` the readiness is
    /// cleared, so `f` must say it only when the socket would block.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"raw").await?;
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
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"raw").await?;
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

    /// Shuts down the read side, the write side or both (`shutdown(2)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.shutdown(std::net::Shutdown::Write)?;
    /// // Sending after shutting down the write side fails.
    /// assert!(a.send(b"late").await.is_err());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending error (`SO_ERROR`), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// assert!(a.take_error()?.is_none());
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// /// Sends a datagram to the connected peer.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// assert_eq!(a.send(b"datagram").await?, 8);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf).await?, 8);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    /// /// Receives a datagram from the connected peer; a datagram longer than `buf` is truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"a long datagram").await?;
    /// // Too small a buffer: the rest of the datagram is lost.
    /// let mut buf = [0u8; 6];
    /// assert_eq!(b.recv(&mut buf).await?, 6);
    /// assert_eq!(&buf, b"a long");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    /// /// Sends a datagram to the socket bound to `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// assert_eq!(client.send_to(b"hello", &path).await?, 5);
    /// let mut buf = [0u8; 5];
    /// assert_eq!(server.recv(&mut buf).await?, 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.async_io(Interest::WRITABLE, |s| s.send_to(buf, path)).await
    }

    /// /// Receives a datagram and the address of its sender; a datagram longer than `buf` is
    /// /// truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("datagram.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client_path = dir.join("client.sock");
    /// # let _ = std::fs::remove_file(&client_path);
    /// // A client bound to a path of its own can be answered.
    /// let client = UnixDatagram::bind(&client_path)?;
    /// client.send_to(b"ping", &path).await?;
    ///
    /// let mut buf = [0u8; 4];
    /// let (n, from) = server.recv_from(&mut buf).await?;
    /// assert_eq!(n, 4);
    /// let reply_to = from.as_pathname().expect("the client is bound");
    /// server.send_to(b"pong", reply_to).await?;
    /// assert_eq!(client.recv(&mut buf).await?, 4);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.async_io(Interest::READABLE, |s| s.recv_from(buf)).await?;
        Ok((n, SocketAddr(addr)))
    }

    /// /// Sends a datagram to the connected peer without waiting; `WouldBlock` if the socket cannot take
    /// /// it now.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send(b"now")?, 3);
    /// # drop(b);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    /// /// Receives a datagram from the connected peer without waiting; `WouldBlock` if none is known to
    /// /// be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// let mut buf = [0u8; 8];
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

    /// Receives a datagram from the connected peer into the spare room of `buf` (a `Vec`'s
    /// capacity, a `BytesMut`...), and advances `buf` past it; a longer datagram is truncated.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"into a vec").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let n = b.recv_buf(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"into a vec");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| datagram_recv_into(s, buf)).await
    }

    /// `recv_buf` without waiting: `WouldBlock` if no datagram is known to be there.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"ready").await?;
    /// b.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(b.try_recv_buf(&mut buf)?, 5);
    /// # Ok(())
    /// # }
    /// ```
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| datagram_recv_into(s, buf))
    }

    /// As `recv_buf`, and the address the datagram came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"who").await?;
    /// let mut buf = Vec::with_capacity(64);
    /// let (n, from) = b.recv_buf_from(&mut buf).await?;
    /// assert_eq!(n, 3);
    /// assert!(from.is_unnamed());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv_buf_from<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io.async_io(Interest::READABLE, |s| datagram_recv_from_into(s, buf)).await
    }

    /// `recv_buf_from` without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixDatagram;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixDatagram::pair()?;
    /// a.send(b"who").await?;
    /// b.readable().await?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert_eq!(b.try_recv_buf_from(&mut buf)?.0, 3);
    /// # Ok(())
    /// # }
    /// ```
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
