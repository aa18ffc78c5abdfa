//! Networking: TCP, UDP and Unix-domain sockets on the runtime's reactor.
//!
//! Each type wraps the matching `mio` socket in a `PollEvented` (see `io/registration.rs`), so every
//! operation is the same three steps: wait for readiness, try the non-blocking call, and on
//! `WouldBlock` clear that readiness and wait again. As in Tokio, `TcpListener::bind`,
//! `TcpStream::connect` and `UdpSocket::bind` are async (address resolution may block, and runs on
//! the blocking pool when it needs to), and the stream types implement the futures-io `AsyncRead`
//! and `AsyncWrite`, whose `poll_close` shuts down only the write side.
//!
//! Two things stand outside that pattern: `TcpSocket` (`socket.rs`), a bare socket to configure
//! before it connects or listens, registered with no reactor until then; and `into_std`, which
//! deregisters a socket and hands it back to blocking code. Socket options std and mio lack go
//! through `socket2` on a borrowed descriptor (`SockRef`).
//!
//! # Examples
//!
//! ```
//! use glasswing::io::{AsyncReadExt, AsyncWriteExt};
//! use glasswing::net::{TcpListener, TcpStream, UdpSocket};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // TCP: a listener and a client in one program.
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let mut client = TcpStream::connect(listener.local_addr()?).await?;
//! let (mut server, _) = listener.accept().await?;
//! client.write_all(b"tcp").await?;
//! let mut buf = [0u8; 3];
//! server.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"tcp");
//!
//! // UDP: a datagram from one socket to another.
//! let a = UdpSocket::bind("127.0.0.1:0").await?;
//! let b = UdpSocket::bind("127.0.0.1:0").await?;
//! a.send_to(b"udp", b.local_addr()?).await?;
//! let (n, from) = b.recv_from(&mut buf).await?;
//! assert_eq!((&buf[..n], from), (&b"udp"[..], a.local_addr()?));
//! # Ok(())
//! # }
//! ```

mod addr;
mod socket;
pub(crate) mod split;
pub mod tcp;
mod try_from;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{
    OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener, TcpSocket, TcpStream, WriteHalf,
};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixSocket, UnixStream};

fn no_addresses() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, "could not resolve to any address")
}

/// `AsRawFd` and `AsFd` (Unix), `AsRawSocket` and `AsSocket` (Windows) for a type
/// `$ty { io: PollEvented<mio socket> }`, as Tokio has them on every socket type. (No `FromRawFd`:
/// registering with a reactor can fail, and the trait has no way to say so; use `from_std`.)
macro_rules! raw_fd {
    ($ty:ty) => {
        #[cfg(unix)]
        impl std::os::unix::io::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
                std::os::unix::io::AsRawFd::as_raw_fd(self.io.get_ref())
            }
        }

        #[cfg(unix)]
        impl std::os::unix::io::AsFd for $ty {
            fn as_fd(&self) -> std::os::unix::io::BorrowedFd<'_> {
                std::os::unix::io::AsFd::as_fd(self.io.get_ref())
            }
        }

        #[cfg(windows)]
        impl std::os::windows::io::AsRawSocket for $ty {
            fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
                std::os::windows::io::AsRawSocket::as_raw_socket(self.io.get_ref())
            }
        }

        #[cfg(windows)]
        impl std::os::windows::io::AsSocket for $ty {
            fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
                std::os::windows::io::AsSocket::as_socket(self.io.get_ref())
            }
        }
    };
}
use raw_fd;
