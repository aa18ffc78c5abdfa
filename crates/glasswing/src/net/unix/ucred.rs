//! `UCred`: who is on the other end of a Unix-domain stream.
//!
//! The kernel records the peer's credentials when the connection is made; each system has its own
//! way to ask for them: `SO_PEERCRED` on Linux and Android (user, group and process), `getpeereid`
//! on macOS and the BSDs (user and group; macOS adds the process through `LOCAL_PEERPID`). Elsewhere
//! `peer_cred` returns `Unsupported`.

use super::{gid_t, pid_t, uid_t};
use std::io;
use std::os::unix::io::AsRawFd;

/// The credentials of the process at the other end of a [`UnixStream`](super::UnixStream).
///
/// # Examples
///
/// ```
/// use glasswing::net::UnixStream;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, b) = UnixStream::pair()?;
/// // Both ends belong to this process, so each sees the same credentials in the other.
/// let (ca, cb) = (a.peer_cred()?, b.peer_cred()?);
/// assert_eq!((ca.uid(), ca.gid(), ca.pid()), (cb.uid(), cb.gid(), cb.pid()));
/// # Ok(())
/// # }
/// ```
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct UCred {
    pid: Option<pid_t>,
    uid: uid_t,
    gid: gid_t,
}

impl UCred {
    /// The peer's effective user id.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// // A server might allow only clients of its own user.
    /// assert_eq!(a.peer_cred()?.uid(), b.peer_cred()?.uid());
    /// # Ok(())
    /// # }
    /// ```
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The peer's effective group id.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, b) = UnixStream::pair()?;
    /// assert_eq!(a.peer_cred()?.gid(), b.peer_cred()?.gid());
    /// # Ok(())
    /// # }
    /// ```
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The peer's process id, where the system reports it (Linux, Android, macOS).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::net::UnixStream;
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (a, _b) = UnixStream::pair()?;
    /// if let Some(pid) = a.peer_cred()?.pid() {
    ///     assert_eq!(pid as u32, std::process::id());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes and `len` holds `cred`'s size, so the kernel
    // writes at most that many bytes into it.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred { pid: Some(cred.pid), uid: cred.uid, gid: cred.gid })
}

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
))]
pub(super) fn peer_cred(socket: &impl AsRawFd) -> io::Result<UCred> {
    let fd = socket.as_raw_fd();
    let (mut uid, mut gid): (libc::uid_t, libc::gid_t) = (0, 0);
    // SAFETY: `uid` and `gid` are valid for writes of their types, all getpeereid writes.
    if unsafe { libc::getpeereid(fd, &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(UCred { pid: peer_pid(fd), uid, gid })
}

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos"
))]
fn peer_pid(fd: std::os::unix::io::RawFd) -> Option<pid_t> {
    let mut pid: libc::pid_t = 0;
    let mut len = std::mem::size_of::<libc::pid_t>() as libc::socklen_t;
    // SAFETY: `pid` and `len` are valid for writes and `len` holds `pid`'s size.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_LOCAL,
            libc::LOCAL_PEERPID,
            (&mut pid as *mut libc::pid_t).cast(),
            &mut len,
        )
    };
    (rc == 0).then_some(pid)
}

#[cfg(any(target_os = "freebsd", target_os = "dragonfly", target_os = "netbsd", target_os = "openbsd"))]
fn peer_pid(_fd: std::os::unix::io::RawFd) -> Option<pid_t> {
    None
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd"
)))]
pub(super) fn peer_cred(_socket: &impl AsRawFd) -> io::Result<UCred> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "peer credentials are not supported on this system"))
}
