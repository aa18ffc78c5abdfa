//! Networking: TCP, UDP and Unix-domain sockets on the runtime's reactor.
//!
//! Each type wraps the matching `mio` socket in a `PollEvented` (see `io/registration.rs`), so every
//! operation is the same three steps: wait for readiness, try the non-blocking call, and on
//! `WouldBlock` clear that readiness and wait again. As in Tokio, `TcpListener::bind`,
//! `TcpStream::connect` and `UdpSocket::bind` are async (address resolution may block, and runs on
//! the blocking pool when it needs to), and the stream types implement the futures-io `AsyncRead`
//! and `AsyncWrite`, whose `poll_close` shuts down only the write side.

mod addr;
pub(crate) mod split;
pub mod tcp;
mod udp;
#[cfg(unix)]
pub mod unix;

pub use addr::ToSocketAddrs;
pub use tcp::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener, TcpStream, WriteHalf};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

fn no_addresses() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, "could not resolve to any address")
}
