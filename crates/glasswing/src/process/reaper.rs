//! How a child's exit reaches the task waiting for it, and how every child is reaped in the end, with
//! no thread per child (nor any thread at all).
//!
//! **Watching for the exit.** On Linux 5.3 and later each child gets a pidfd (`pidfd_open`), which
//! becomes readable when the child exits: it is registered with the reactor of the runtime that
//! spawned the child, like a socket, and once it is readable `waitpid(pid, WNOHANG)` (the standard
//! library's `try_wait`) collects the status. Elsewhere (macOS and the BSDs, older kernels, a seccomp
//! filter that refuses the call, or `GLASSWING_NO_PIDFD=1` in the environment, read once, which the
//! tests use to run this path on Linux too) each child listens for SIGCHLD through the signal
//! machinery (`signal/unix.rs`), and on every SIGCHLD, which does not say which child exited and may
//! stand for several, tries `try_wait` on itself. Either way the status is looked for before waiting
//! and after each wakeup, and kept once found, so a `wait` future dropped half-way loses nothing.
//!
//! **The orphan queue.** A `Child` dropped before its exit was collected would leave a zombie behind,
//! so its `std::process::Child` goes to a process-wide queue (after a SIGKILL if `kill_on_drop` was
//! set), and the current runtime (or, outside any, the one that spawned it) watches for SIGCHLD.
//! The queue is tried on every SIGCHLD (`signal::unix::dispatch` calls `reap_orphans`), at every
//! spawn, and at once when a child is queued (it may have exited before SIGCHLD's handler, installed
//! for the first orphan, was there to count it). As with Tokio, this needs some runtime that watches
//! the signal pipe to be running when the orphan exits, or a later spawn.

use crate::io::driver::IoHandle;
#[cfg(target_os = "linux")]
use crate::io::{Describe, Interest, PollEvented};
use crate::signal::unix::{Signal, SignalKind};
use std::io;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll};

/// A spawned child's exit: the standard library's handle (for `try_wait`, `kill` and the pid), the
/// status once collected, and what wakes the waiting task.
pub(super) struct Exit {
    /// `None` once handed to the orphan queue by `Drop`.
    child: Option<std::process::Child>,
    status: Option<ExitStatus>,
    /// `None` once the status is known: the pidfd is closed, the listener dropped.
    watch: Option<Watch>,
    kill_on_drop: bool,
    /// The reactor of the runtime that spawned the child: it watches for SIGCHLD once the child is
    /// an orphan, if the `Child` is dropped outside any runtime.
    spawned_in: Weak<IoHandle>,
}

enum Watch {
    #[cfg(target_os = "linux")]
    PidFd(PollEvented<PidFd>),
    Sigchld(Signal),
}

impl Exit {
    /// Starts watching for `child`'s exit. In a runtime (the caller checked).
    /// On error the child is killed if `kill_on_drop`, and left to the orphan queue.
    pub(super) fn new(child: std::process::Child, kill_on_drop: bool) -> io::Result<Exit> {
        let spawned_in =
            crate::runtime::context::with_current(|h| h.map(|h| Arc::downgrade(h.io()))).unwrap_or_default();
        let mut exit = Exit { child: Some(child), status: None, watch: None, kill_on_drop, spawned_in };
        let pid = exit.child().id();
        exit.watch = Some(Watch::new(pid)?);
        Ok(exit)
    }

    fn child(&mut self) -> &mut std::process::Child {
        self.child.as_mut().expect("the child is queued only when dropped")
    }

    /// The pid, until the status is collected (after which the pid may be another process's).
    pub(super) fn id(&self) -> Option<u32> {
        match self.status {
            Some(_) => None,
            None => self.child.as_ref().map(std::process::Child::id),
        }
    }

    pub(super) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            if let Some(status) = self.child().try_wait()? {
                self.exited(status);
            }
        }
        Ok(self.status)
    }

    fn exited(&mut self, status: ExitStatus) {
        self.status = Some(status);
        self.watch = None;
    }

    /// Sends SIGKILL, unless the exit was collected already (then the pid may be another process's).
    pub(super) fn start_kill(&mut self) -> io::Result<()> {
        if self.status.is_some() {
            // Its exit was collected: nothing left to kill (and the pid may be another
            // process's by now, so it must not be signalled). Tokio's answer too.
            return Ok(());
        }
        self.child().kill()
    }

    pub(super) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            // Looked for before each wait: the child may be gone already, and a SIGCHLD or a pidfd
            // event that came before our listener or registration would not be seen again.
            if let Some(status) = self.try_wait()? {
                return Poll::Ready(Ok(status));
            }
            match self.watch.as_mut().expect("watched until the status is known") {
                #[cfg(target_os = "linux")]
                Watch::PidFd(pidfd) => {
                    let child = self.child.as_mut().expect("the child is queued only when dropped");
                    // Readable once the child exited: then `try_wait` finds the status. A wakeup
                    // with none clears the readiness and waits again (`poll_io`).
                    let status = std::task::ready!(pidfd.poll_io(cx, Interest::READABLE, |_| {
                        child.try_wait()?.ok_or_else(|| io::ErrorKind::WouldBlock.into())
                    }))?;
                    self.exited(status);
                }
                Watch::Sigchld(sigchld) => match std::task::ready!(sigchld.poll_recv(cx)) {
                    // Some child changed state: look again.
                    Some(()) => {}
                    None => return Poll::Ready(Err(io::Error::other(
                        "glasswing: the runtime is shutting down, so no reactor watches for the child's exit",
                    ))),
                },
            }
        }
    }
}

impl Drop for Exit {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if self.status.is_some() {
            return;
        }
        if self.kill_on_drop {
            let _ = child.kill();
        }
        // Close the pidfd (or drop the listener) first: the orphan queue watches by SIGCHLD.
        self.watch = None;
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        push_orphan(child, &self.spawned_in);
    }
}

impl Watch {
    fn new(pid: u32) -> io::Result<Watch> {
        #[cfg(target_os = "linux")]
        if pidfd_enabled() {
            match pidfd_open(pid) {
                Ok(fd) => return Ok(Watch::PidFd(PollEvented::new(PidFd { fd, pid })?)),
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) || e.raw_os_error() == Some(libc::EPERM) => {
                    // An old kernel, or a filter that refuses the call: not worth trying again.
                    PIDFD_STATE.store(PIDFD_OFF, Ordering::Relaxed);
                }
                // Out of descriptors, say: this child is watched by SIGCHLD instead.
                Err(_) => {}
            }
        }
        let _ = pid;
        Ok(Watch::Sigchld(crate::signal::unix::signal(SignalKind::child())?))
    }
}

#[cfg(target_os = "linux")]
const PIDFD_UNKNOWN: usize = 0;
#[cfg(target_os = "linux")]
const PIDFD_ON: usize = 1;
#[cfg(target_os = "linux")]
const PIDFD_OFF: usize = 2;
#[cfg(target_os = "linux")]
static PIDFD_STATE: AtomicUsize = AtomicUsize::new(PIDFD_UNKNOWN);

/// Whether to try pidfds: yes, unless `GLASSWING_NO_PIDFD` (read once) says no, or the kernel did.
#[cfg(target_os = "linux")]
fn pidfd_enabled() -> bool {
    match PIDFD_STATE.load(Ordering::Relaxed) {
        PIDFD_ON => true,
        PIDFD_OFF => false,
        _ => {
            let off = std::env::var_os("GLASSWING_NO_PIDFD").is_some_and(|v| !v.is_empty() && v != "0");
            let state = if off { PIDFD_OFF } else { PIDFD_ON };
            // A racing first spawn reads the same environment: either store is the same value,
            // unless the kernel refused in between, which the compare keeps.
            let _ = PIDFD_STATE.compare_exchange(PIDFD_UNKNOWN, state, Ordering::Relaxed, Ordering::Relaxed);
            PIDFD_STATE.load(Ordering::Relaxed) == PIDFD_ON
        }
    }
}

#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: `pidfd_open(pid, 0)` takes two integers and returns a new descriptor or -1; `pid` is our
    // child's, not yet reaped (only this `Exit` reaps it), so it cannot name another process.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0 as libc::c_uint) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the call returned a new descriptor that nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as std::os::fd::RawFd) })
}

/// A child's pidfd, with what a task dump says of a wait on it.
#[cfg(target_os = "linux")]
struct PidFd {
    fd: std::os::fd::OwnedFd,
    pid: u32,
}

#[cfg(target_os = "linux")]
impl mio::event::Source for PidFd {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.fd.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.fd.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        mio::unix::SourceFd(&self.fd.as_raw_fd()).deregister(registry)
    }
}

#[cfg(target_os = "linux")]
impl Describe for PidFd {
    fn describe(&self, _: Interest) -> String {
        format!("wait for child process {} to exit", self.pid)
    }
}

/// Dropped children not yet reaped.
static ORPHANS: Mutex<Vec<std::process::Child>> = Mutex::new(Vec::new());
/// `ORPHANS.len()`, readable without the lock: most SIGCHLDs and spawns find no orphan.
static ORPHAN_COUNT: AtomicUsize = AtomicUsize::new(0);

fn orphans() -> MutexGuard<'static, Vec<std::process::Child>> {
    // `try_wait` does not panic, so a poisoned queue is still consistent.
    ORPHANS.lock().unwrap_or_else(|e| e.into_inner())
}

fn push_orphan(child: std::process::Child, spawned_in: &Weak<IoHandle>) {
    // From now on SIGCHLD must be heard: its handler installed, and the current runtime's reactor
    // watching the signal pipe, or, dropped outside any runtime, the reactor of the one that spawned
    // the child, if it still runs. A reactor that cannot watch (shut down) still leaves the handler
    // installed, for the other runtimes that watch. If all that fails, a later spawn reaps the child.
    let driver = crate::runtime::context::with_current(|h| h.map(|h| h.io().clone()))
        .or_else(|| spawned_in.upgrade())
        .filter(|driver| !driver.is_shutdown());
    if crate::signal::unix::enable_sigchld(driver.as_deref()).is_err() && driver.is_some() {
        let _ = crate::signal::unix::enable_sigchld(None);
    }
    {
        let mut orphans = orphans();
        orphans.push(child);
        ORPHAN_COUNT.store(orphans.len(), Ordering::Release);
    }
    // It may have exited before the handler was there to count its SIGCHLD.
    reap_orphans();
}

/// Reaps every queued child that has exited. `try_wait` failing (`ECHILD`: something else reaped it,
/// a `waitpid(-1)` of the program's own) drops the child from the queue as well.
pub(crate) fn reap_orphans() {
    if ORPHAN_COUNT.load(Ordering::Acquire) == 0 {
        return;
    }
    let mut orphans = orphans();
    orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    ORPHAN_COUNT.store(orphans.len(), Ordering::Release);
}
