//! `UnixSocket`: a Unix-domain socket to set up (bind it to a path) before it becomes a listener, a
//! stream or a datagram socket, as `TcpSocket` is for TCP. It holds a bare socket2 socket, registered
//! with no reactor until `listen`, `connect` or `datagram` hands it to the type it becomes; so it can
//! be made outside a runtime.

use super::{UnixDatagram, UnixListener, UnixStream};
use crate::io::{Interest, PollEvented};
use std::fmt;
use std::io;
use std::os::unix::io::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A Unix-domain socket, stream or datagram, not yet listening, connected, or registered with a
/// runtime.
///
/// # Examples
///
/// ```
/// use glasswing::net::UnixSocket;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("socket.sock");
/// # let _ = std::fs::remove_file(&path);
/// // A listener with a small backlog, then a client through the same type.
/// let socket = UnixSocket::new_stream()?;
/// socket.bind(&path)?;
/// let listener = socket.listen(16)?;
///
/// let client = UnixSocket::new_stream()?.connect(&path).await?;
/// let (_server, _) = listener.accept().await?;
/// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
pub struct UnixSocket {
    inner: socket2::Socket,
}

impl UnixSocket {
    /// A new datagram socket (`SOCK_DGRAM`), non-blocking and close-on-exec.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixSocket::new_datagram()?;
    /// socket.bind(&path)?;
    /// let server = socket.datagram()?;
    /// let client = glasswing::net::UnixDatagram::unbound()?;
    /// client.send_to(b"hi", &path).await?;
    /// let mut buf = [0u8; 2];
    /// assert_eq!(server.recv(&mut buf).await?, 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::DGRAM)
    }

    /// A new stream socket (`SOCK_STREAM`), non-blocking and close-on-exec.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = glasswing::net::UnixListener::bind(&path)?;
    /// let stream = UnixSocket::new_stream()?.connect(&path).await?;
    /// assert!(stream.local_addr()?.is_unnamed());
    /// # drop(listener);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(socket2::Type::STREAM)
    }

    fn new(ty: socket2::Type) -> io::Result<UnixSocket> {
        // socket2 sets close-on-exec; non-blocking is set after, in a second call, on the systems
        // without `SOCK_NONBLOCK` as well as on those with it (one code path).
        let inner = socket2::Socket::new(socket2::Domain::UNIX, ty, None)?;
        inner.set_nonblocking(true)?;
        Ok(UnixSocket { inner })
    }

    fn is_datagram(&self) -> io::Result<bool> {
        Ok(self.inner.r#type()? == socket2::Type::DGRAM)
    }

    /// Binds the socket to `path` (which must not exist yet).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixSocket::new_stream()?;
    /// socket.bind(&path)?;
    /// // The path now exists, as a socket file.
    /// assert!(path.exists());
    /// # drop(socket);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&socket2::SockAddr::unix(path)?)
    }

    /// Turns a stream socket into a listener with room for `backlog` pending connections.
    ///
    /// # Errors
    /// On a datagram socket (and what `listen(2)` reports).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let socket = UnixSocket::new_stream()?;
    /// socket.bind(&path)?;
    /// let listener = socket.listen(128)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    ///
    /// // A datagram socket cannot listen.
    /// assert!(UnixSocket::new_datagram()?.listen(1).is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if self.is_datagram()? {
            return Err(io::Error::other("listen cannot be called on a datagram socket"));
        }
        self.inner.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        let std = std::os::unix::net::UnixListener::from(OwnedFd::from(self.inner));
        Ok(UnixListener { io: PollEvented::new(mio::net::UnixListener::from_std(std))? })
    }

    /// Connects a stream socket to the listener at `path`.
    ///
    /// # Errors
    /// On a datagram socket (and what `connect(2)` reports).
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join(format!("glasswing-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("socket.sock");
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = glasswing::net::UnixListener::bind(&path)?;
    /// let client = UnixSocket::new_stream()?.connect(&path).await?;
    /// let (server, _) = listener.accept().await?;
    /// assert!(client.peer_addr()?.as_pathname().is_some());
    /// # drop(server);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if self.is_datagram()? {
            return Err(io::Error::other("connect cannot be called on a datagram socket"));
        }
        if let Err(e) = self.inner.connect(&socket2::SockAddr::unix(path)?) {
            // A non-blocking connect may finish later: the socket turns writable when it does.
            if e.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(e);
            }
        }
        let std = std::os::unix::net::UnixStream::from(OwnedFd::from(self.inner));
        let stream = UnixStream::new(mio::net::UnixStream::from_std(std))?;
        stream
            .io
            .async_io(Interest::WRITABLE, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// Turns a datagram socket into a `UnixDatagram`.
    ///
    /// # Errors
    /// On a stream socket.
    ///
    /// # Panics
    /// Outside a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixSocket;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // Unbound: it can send to a path, but has no address to be answered at.
    /// let socket = UnixSocket::new_datagram()?.datagram()?;
    /// assert!(socket.local_addr()?.is_unnamed());
    /// // A stream socket cannot be one.
    /// assert!(UnixSocket::new_stream()?.datagram().is_err());
    /// # Ok(())
    /// # }
    /// ```
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if !self.is_datagram()? {
            return Err(io::Error::other("datagram cannot be called on a stream socket"));
        }
        let std = std::os::unix::net::UnixDatagram::from(OwnedFd::from(self.inner));
        Ok(UnixDatagram { io: PollEvented::new(mio::net::UnixDatagram::from_std(std))? })
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl FromRawFd for UnixSocket {
    /// Takes ownership of `fd`, an open Unix-domain socket, which should be non-blocking.
    unsafe fn from_raw_fd(fd: RawFd) -> UnixSocket {
        // SAFETY: the caller's promise (an open socket, owned by nobody else), passed on.
        UnixSocket { inner: unsafe { socket2::Socket::from_raw_fd(fd) } }
    }
}

impl IntoRawFd for UnixSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixSocket").field("fd", &self.inner.as_raw_fd()).finish()
    }
}
