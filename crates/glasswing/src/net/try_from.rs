//! `TryFrom<std socket>` for each socket type, as Tokio has them: the same as `from_std` (register
//! the socket with the current runtime's reactor), for code that converts with `try_into()`.

use std::io;

macro_rules! try_from_std {
    ($($(#[$cfg:meta])* $std:ty => $ours:ty;)*) => {$(
        $(#[$cfg])*
        impl TryFrom<$std> for $ours {
            type Error = io::Error;

            /// As `from_std`: the socket must be in non-blocking mode already.
            ///
            /// # Panics
            /// Outside a runtime.
            #[track_caller]
            fn try_from(socket: $std) -> io::Result<Self> {
                <$ours>::from_std(socket)
            }
        }
    )*};
}

try_from_std! {
    std::net::TcpListener => super::TcpListener;
    std::net::TcpStream => super::TcpStream;
    std::net::UdpSocket => super::UdpSocket;
    #[cfg(unix)]
    std::os::unix::net::UnixListener => super::UnixListener;
    #[cfg(unix)]
    std::os::unix::net::UnixStream => super::UnixStream;
    #[cfg(unix)]
    std::os::unix::net::UnixDatagram => super::UnixDatagram;
}
