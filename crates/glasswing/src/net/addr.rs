//! `ToSocketAddrs`: what `bind` and `connect` accept, resolved without blocking a worker.
//!
//! Literal addresses (`SocketAddr`, `"127.0.0.1:8080"`, `(ip, port)`) resolve on the spot; a host name
//! goes to the blocking pool, because the system resolver (`getaddrinfo`) blocks. The trait is sealed,
//! like Tokio's: the resolution strategy is an implementation detail. `lookup_host` is the same
//! resolution, public.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Types that name one or more socket addresses. Implemented for the same types as
/// `std::net::ToSocketAddrs`.
///
/// # Examples
///
/// ```
/// use glasswing::net::{TcpListener, TcpStream};
/// use std::net::{Ipv4Addr, SocketAddr};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr: SocketAddr = listener.local_addr()?;
/// let port = addr.port();
///
/// // The same listener named four ways.
/// TcpStream::connect(addr).await?;
/// TcpStream::connect(("127.0.0.1", port)).await?;
/// TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await?;
/// TcpStream::connect(format!("127.0.0.1:{port}")).await?;
/// # Ok(())
/// # }
/// ```
pub trait ToSocketAddrs: sealed::Sealed {}

pub(crate) mod sealed {
    use super::*;

    pub trait Sealed {
        /// The addresses at once, or the host name to resolve on the blocking pool.
        #[doc(hidden)]
        fn to_addrs(&self) -> Resolve;
    }

    #[doc(hidden)]
    #[derive(Debug)]
    pub enum Resolve {
        Ready(io::Result<Vec<SocketAddr>>),
        Lookup(String),
    }
}

use sealed::{Resolve, Sealed};

/// Resolves `addr`, then tries `op` on each address in order until one succeeds (what `bind` and
/// `connect` do with a name that resolves to several addresses); otherwise the last error.
pub(crate) async fn first_ok<T, F>(
    addr: impl ToSocketAddrs,
    mut op: impl FnMut(SocketAddr) -> F,
) -> io::Result<T>
where
    F: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(value) => return Ok(value),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(super::no_addresses))
}

/// Resolves `host` (`"example.com:80"`, `("example.com", 80)`, or any literal address) to the socket
/// addresses it names, as `std::net::ToSocketAddrs` would, without blocking a worker: a name is looked
/// up by the system resolver on the blocking pool, while a literal address resolves on the spot.
///
/// # Panics
/// When polled outside a runtime, for a name that needs the blocking pool.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // A literal address resolves at once, to itself.
/// let addrs: Vec<_> = glasswing::net::lookup_host("127.0.0.1:8080").await?.collect();
/// assert_eq!(addrs, ["127.0.0.1:8080".parse::<std::net::SocketAddr>().unwrap()]);
///
/// // A name goes to the system resolver on the blocking pool; `localhost` needs no network.
/// let mut local = glasswing::net::lookup_host(("localhost", 80)).await?;
/// assert!(local.all(|addr| addr.ip().is_loopback() && addr.port() == 80));
/// # Ok(())
/// # }
/// ```
pub async fn lookup_host<T: ToSocketAddrs>(host: T) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(host).await.map(Vec::into_iter)
}

/// Resolves `addr`; host names are looked up on the blocking pool.
pub(crate) async fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    match addr.to_addrs() {
        Resolve::Ready(addrs) => addrs,
        Resolve::Lookup(host) => crate::task::spawn_blocking(move || {
            std::net::ToSocketAddrs::to_socket_addrs(&host).map(Iterator::collect)
        })
        .await
        .map_err(|e| io::Error::other(format!("address resolution failed: {e}")))?,
    }
}

macro_rules! literal {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl Sealed for $ty {
            fn to_addrs(&self) -> Resolve {
                Resolve::Ready(std::net::ToSocketAddrs::to_socket_addrs(self).map(Iterator::collect))
            }
        }
    )*};
}

literal!(SocketAddr, SocketAddrV4, SocketAddrV6, (IpAddr, u16), (Ipv4Addr, u16), (Ipv6Addr, u16));

impl ToSocketAddrs for [SocketAddr] {}
impl Sealed for [SocketAddr] {
    fn to_addrs(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl Sealed for str {
    fn to_addrs(&self) -> Resolve {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolve::Ready(Ok(vec![addr])),
            Err(_) => Resolve::Lookup(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl Sealed for String {
    fn to_addrs(&self) -> Resolve {
        self.as_str().to_addrs()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl Sealed for (&str, u16) {
    fn to_addrs(&self) -> Resolve {
        match self.0.parse::<IpAddr>() {
            Ok(ip) => Resolve::Ready(Ok(vec![SocketAddr::new(ip, self.1)])),
            Err(_) => Resolve::Lookup(format!("{}:{}", self.0, self.1)),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl Sealed for (String, u16) {
    fn to_addrs(&self) -> Resolve {
        (self.0.as_str(), self.1).to_addrs()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: Sealed + ?Sized> Sealed for &T {
    fn to_addrs(&self) -> Resolve {
        (**self).to_addrs()
    }
}
