//! Unix signals, delivered through the reactor: `signal(SignalKind)` gives a `Signal` stream, and
//! `ctrl_c()` is one for SIGINT.
//!
//! A signal handler may do almost nothing (only async-signal-safe calls: no lock, no allocation, no
//! waker), so the handler glasswing installs for each signal it is asked for (through
//! `signal-hook-registry`, which chains it with any other handler of that signal) does two things:
//! it adds one to that signal's counter in a process-wide table, and writes one byte to a
//! process-wide pipe (a socket pair). That pipe is the only one in the process, whatever the number
//! of signals and listeners. Each runtime in which something listens registers a duplicate of its
//! read end with its reactor, once (`IoHandle::watch_signals`, under a token of its own), so a
//! signal wakes a parked runtime like any socket event. The thread that sees the event runs
//! `dispatch`: it drains the pipe, then, for every signal whose counter moved since the last
//! dispatch, wakes that signal's listeners, in every runtime, and on SIGCHLD reaps the orphaned
//! child processes (`process/reaper.rs`).
//!
//! Listeners compare the counter with the value they saw last, not bytes: the bytes only wake, so
//! any runtime may drain them for all, and a full pipe (a burst of signals) loses nothing. A
//! listener is ready when the counter moved since its last `recv` (or since it was made), which
//! coalesces a burst into one `recv`, as Tokio does: each `recv` stands for at least one delivery,
//! and a signal that comes after a `recv` returned is always seen by the next one. Its waker is
//! stored and the counter read again under the signal's lock, which `dispatch` also takes after
//! reading the counter, so a delivery between a listener's look and its waiting is never missed.
//!
//! Some signals are refused: those `signal-hook-registry` forbids (SIGKILL and SIGSTOP, which
//! cannot be caught, and SIGILL, SIGFPE and SIGSEGV, which a handler that returns would re-raise
//! forever), and, where the watchdog captures stacks, SIGURG, which it sends to a worker to capture
//! its stack (`probe/stack.rs`): a listener would hear every capture. A runtime's dump signal
//! (`Builder::dump_on_signal`, USR1, USR2 or QUIT) may be listened to as well: both handlers run, so
//! the listener hears it and the dump is written. docs/signal.md says it for users.
//!
//! # Examples
//!
//! ```
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use glasswing::signal::unix::{signal, SignalKind};
//!
//! // Reload on SIGHUP; the signal sent here stands in for `kill -HUP`.
//! let mut reload = signal(SignalKind::hangup())?;
//! unsafe { libc::raise(libc::SIGHUP) };
//! assert!(reload.recv().await.is_some());
//! # Ok(())
//! # }
//! ```

use crate::io::driver::IoHandle;
use std::fmt;
use std::io::{self, Read};
use std::os::fd::AsFd;
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::{Context, Poll, Waker};

/// Signals are numbered below this on every Unix glasswing runs on (Linux's real-time signals end at
/// 64).
const SIGNUM: usize = 65;

/// One signal's place in the process-wide table.
struct Slot {
    /// Deliveries since the handler was installed: the handler adds one, listeners compare.
    received: AtomicU64,
    /// The handler is installed (set once `install` succeeded): `dispatch` skips the others.
    enabled: AtomicBool,
    /// Whether installing the handler worked, once tried (a failure is not retried, as with Tokio).
    installed: OnceLock<Result<(), String>>,
    listeners: Mutex<Listeners>,
}

struct Listeners {
    /// `received` when `dispatch` last woke this signal's listeners.
    woken_at: u64,
    /// Every listener alive, by id, with the waker of its last pending poll (taken when woken).
    list: Vec<(u64, Option<Waker>)>,
    next_id: u64,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY_SLOT: Slot = Slot {
    received: AtomicU64::new(0),
    enabled: AtomicBool::new(false),
    installed: OnceLock::new(),
    listeners: Mutex::new(Listeners { woken_at: 0, list: Vec::new(), next_id: 0 }),
};

static SLOTS: [Slot; SIGNUM] = [EMPTY_SLOT; SIGNUM];

/// The write end of the pipe, for the handler (`-1` until the pipe exists).
static WRITE_FD: AtomicI32 = AtomicI32::new(-1);

/// The process's signal pipe: the read end, duplicated into each runtime that watches it, and the
/// write end the handler writes to. Never closed: a handler may run at any time.
struct Pipe {
    read: UnixStream,
    _write: UnixStream,
}

fn pipe() -> io::Result<&'static Pipe> {
    static PIPE: OnceLock<Result<Pipe, String>> = OnceLock::new();
    let pipe = PIPE.get_or_init(|| {
        let (read, write) = UnixStream::pair().map_err(|e| e.to_string())?;
        read.set_nonblocking(true).map_err(|e| e.to_string())?;
        write.set_nonblocking(true).map_err(|e| e.to_string())?;
        WRITE_FD.store(write.as_raw_fd(), Ordering::Release);
        Ok(Pipe { read, _write: write })
    });
    pipe.as_ref().map_err(|e| io::Error::other(format!("could not create the signal pipe: {e}")))
}

fn lock(slot: &Slot) -> MutexGuard<'_, Listeners> {
    // Nothing runs user code under the lock, so a poisoned one is still consistent.
    slot.listeners.lock().unwrap_or_else(|e| e.into_inner())
}

/// The handler of every signal glasswing listens for.
fn on_signal(signum: usize) {
    SLOTS[signum].received.fetch_add(1, Ordering::SeqCst);
    let fd = WRITE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the write end of the pipe, open for the life of the process, and the buffer
        // is one live byte. A full pipe (EAGAIN) is fine: the counter says what came, the bytes only
        // wake, and one unread byte is enough for that.
        let _ = unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
}

/// SIGCHLD's handler is installed and, if `driver` is given, that runtime's reactor watches the
/// pipe: for the child processes' reaper, which counts on `dispatch` to reap orphans.
pub(crate) fn enable_sigchld(driver: Option<&IoHandle>) -> io::Result<()> {
    enable(SignalKind::child(), driver).map(|_| ())
}

/// The slot of `kind`, once its handler is installed and, if `driver` is given, that runtime's
/// reactor watches the pipe.
fn enable(kind: SignalKind, driver: Option<&IoHandle>) -> io::Result<&'static Slot> {
    let signum = kind.0;
    let refuse = |why: &str| Err(io::Error::other(format!("refusing to listen for signal {signum}: {why}")));
    if signal_hook_registry::FORBIDDEN.contains(&signum) {
        return refuse(
            "SIGKILL and SIGSTOP cannot be caught, and a handler for SIGILL, SIGFPE or SIGSEGV that returns \
             would run again forever",
        );
    }
    if cfg!(all(stack_capture, not(miri))) && signum == libc::SIGURG {
        return refuse(
            "glasswing's watchdog sends SIGURG to a worker to capture its stack during a long poll, so a \
             listener would hear every capture (see docs/signal.md)",
        );
    }
    let Some(slot) = usize::try_from(signum).ok().filter(|&s| s > 0 && s < SIGNUM).map(|s| &SLOTS[s]) else {
        return refuse("not a signal number");
    };
    let pipe = pipe()?;
    if let Some(driver) = driver {
        driver.watch_signals(pipe.read.as_fd())?;
    }
    let installed = slot.installed.get_or_init(|| {
        let index = signum as usize;
        // SAFETY: `on_signal` only adds to an atomic and calls `write(2)`, both async-signal-safe;
        // it allocates nothing and takes no lock.
        match unsafe { signal_hook_registry::register(signum, move || on_signal(index)) } {
            Ok(_) => {
                slot.enabled.store(true, Ordering::Release);
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    });
    match installed {
        Ok(()) => Ok(slot),
        Err(e) => Err(io::Error::other(format!("could not install the handler of signal {signum}: {e}"))),
    }
}

/// The signal pipe was readable in some runtime's reactor: drains it, and collects the wakers of the
/// listeners of every signal that came since the last dispatch. On SIGCHLD, also reaps the orphaned
/// child processes that have exited.
pub(crate) fn dispatch(wakers: &mut Vec<Waker>) {
    if let Ok(pipe) = pipe() {
        // Drained before the counters are read: a signal after the drain writes a byte of its own,
        // so it wakes some reactor again.
        let mut buf = [0u8; 128];
        while matches!((&pipe.read).read(&mut buf), Ok(n) if n > 0) {}
    }
    for (signum, slot) in SLOTS.iter().enumerate() {
        if !slot.enabled.load(Ordering::Acquire) {
            continue;
        }
        let mut listeners = lock(slot);
        let received = slot.received.load(Ordering::SeqCst);
        if listeners.woken_at == received {
            continue;
        }
        listeners.woken_at = received;
        wakers.extend(listeners.list.iter_mut().filter_map(|(_, waker)| waker.take()));
        drop(listeners);
        if signum == libc::SIGCHLD as usize {
            crate::process::reap_orphans();
        }
    }
}

/// A runtime shut down: wakes every listener, so that those of that runtime end (`recv` gives
/// `None`); the others wait again.
pub(crate) fn wake_all(wakers: &mut Vec<Waker>) {
    for slot in SLOTS.iter().filter(|slot| slot.enabled.load(Ordering::Acquire)) {
        wakers.extend(lock(slot).list.iter_mut().filter_map(|(_, waker)| waker.take()));
    }
}

/// Which signal to listen for: a wrapper around the signal's number, with constructors for the
/// common ones. Any number `from_raw` takes that the platform has may be listened to, but for those
/// `signal` refuses (see there).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::signal::unix::{signal, SignalKind};
///
/// let mut hangups = signal(SignalKind::hangup())?;
/// // Stand-in for `kill -HUP <pid>` from outside.
/// unsafe { libc::raise(libc::SIGHUP) };
/// assert_eq!(hangups.recv().await, Some(()));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal, by number, such as a platform's own (`libc::SIGRTMIN() + 1` on Linux).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// let kind = SignalKind::from_raw(libc::SIGUSR1);
    /// assert_eq!(kind.as_raw_value(), SignalKind::user_defined1().as_raw_value());
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// SIGALRM: a real-time timer expired. Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// SIGCHLD: a child process's status changed. Ignored by default. glasswing's own child
    /// processes are reaped whatever listens for it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::process::Command;
    /// use glasswing::signal::unix::{signal, SignalKind};
    ///
    /// let mut children = signal(SignalKind::child())?;
    /// Command::new("true").status().await?;
    /// // The child's exit raised SIGCHLD, after `children` was made.
    /// assert_eq!(children.recv().await, Some(()));
    /// # Ok(())
    /// # }
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// SIGHUP: the terminal hung up; daemons take it as "reload". Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// SIGINFO: a status request (Ctrl-T). Ignored by default. BSDs and macOS only.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::info().as_raw_value(), libc::SIGINFO);
    /// ```
    #[cfg(any(
        target_os = "dragonfly",
        target_os = "freebsd",
        target_os = "macos",
        target_os = "netbsd",
        target_os = "openbsd"
    ))]
    pub const fn info() -> SignalKind {
        SignalKind(libc::SIGINFO)
    }

    /// SIGINT: interrupt (Ctrl-C). Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// SIGIO: I/O is possible on a descriptor set up for it. Ignored by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::io().as_raw_value(), libc::SIGIO);
    /// ```
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// SIGPIPE: a write to a pipe with no reader. Ends the process by default, but Rust programs
    /// start with it ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// SIGQUIT: quit, with a core dump by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// SIGTERM: a request to end. Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::signal::unix::{signal, SignalKind};
    ///
    /// // A service's graceful stop: wait for SIGTERM, then clean up.
    /// let mut term = signal(SignalKind::terminate())?;
    /// unsafe { libc::raise(libc::SIGTERM) };
    /// term.recv().await;
    /// println!("shutting down");
    /// # Ok(())
    /// # }
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// SIGUSR1, for the program to give a meaning. Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::signal::unix::{signal, SignalKind};
    ///
    /// let mut usr1 = signal(SignalKind::user_defined1())?;
    /// unsafe { libc::raise(libc::SIGUSR1) };
    /// assert!(usr1.recv().await.is_some());
    /// # Ok(())
    /// # }
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// SIGUSR2, for the program to give a meaning. Ends the process by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// SIGWINCH: the terminal's window changed size. Ignored by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::signal::unix::SignalKind;
    ///
    /// assert_eq!(SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.0
    }
}

/// A stream of one signal's deliveries to this process, from when it was made.
///
/// Deliveries are coalesced, as the kernel already does for a signal that is pending: each `recv`
/// stands for at least one delivery since the previous one (or since the `Signal` was made), perhaps
/// more. A delivery after a `recv` returned is always seen by the next `recv`. Every `Signal` of a
/// kind hears every delivery, in whichever runtime it was made.
///
/// # The handler stays
/// The first `Signal` of a kind installs a handler for it that stays for the rest of the process: the
/// signal's default action (ending the process, for most) no longer happens, even once every
/// `Signal` of that kind is dropped. That is Tokio's behavior too.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::signal::unix::{signal, Signal, SignalKind};
///
/// let mut usr2: Signal = signal(SignalKind::user_defined2())?;
/// // Two deliveries before a `recv`: they may come as one.
/// unsafe { libc::raise(libc::SIGUSR2) };
/// unsafe { libc::raise(libc::SIGUSR2) };
/// assert_eq!(usr2.recv().await, Some(()));
/// # Ok(())
/// # }
/// ```
#[must_use = "a Signal does nothing unless `recv` is awaited"]
pub struct Signal {
    kind: SignalKind,
    slot: &'static Slot,
    id: u64,
    /// `received` as of the last `recv` (or the creation).
    seen: u64,
    driver: Arc<IoHandle>,
}

/// Listens for the signal `kind`, from now on (see [`Signal`]). Installs its handler if none is yet,
/// and has the current runtime's reactor watch the process's signal pipe.
///
/// # Errors
/// - `kind` is SIGKILL, SIGSTOP, SIGILL, SIGFPE or SIGSEGV (as with Tokio), or not a signal number;
/// - `kind` is SIGURG on Linux, where glasswing's watchdog uses it to capture a worker's stack;
/// - the handler or the pipe could not be set up, or the runtime is shutting down.
///
/// # Panics
/// Outside a runtime.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use glasswing::signal::unix::{signal, SignalKind};
///
/// let mut quit = signal(SignalKind::quit())?;
/// unsafe { libc::raise(libc::SIGQUIT) };
/// quit.recv().await;
/// // Some signals cannot be caught at all.
/// assert!(signal(SignalKind::from_raw(libc::SIGKILL)).is_err());
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let driver = crate::runtime::context::with_current(|h| h.map(|h| h.io().clone()))
        .unwrap_or_else(|| crate::runtime::no_runtime("signal::unix::signal"));
    let slot = enable(kind, Some(&driver))?;
    let mut listeners = lock(slot);
    let id = listeners.next_id;
    listeners.next_id += 1;
    listeners.list.push((id, None));
    // Read under the lock: a delivery `dispatch` has not woken anyone for yet is either counted here
    // (not ours) or finds us listed.
    let seen = slot.received.load(Ordering::SeqCst);
    drop(listeners);
    Ok(Signal { kind, slot, id, seen, driver })
}

impl Signal {
    /// Waits for the next delivery (see [`Signal`] for what one `recv` stands for). `None` once the
    /// runtime the `Signal` was made in has shut down: no reactor watches for it any more.
    ///
    /// Cancel-safe: dropping the future loses no delivery; the next `recv` sees it.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::signal::unix::{signal, SignalKind};
    ///
    /// let mut winch = signal(SignalKind::window_change())?;
    /// for _ in 0..2 {
    ///     unsafe { libc::raise(libc::SIGWINCH) };
    ///     assert_eq!(winch.recv().await, Some(()));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// `recv` as a poll: `Ready(Some(()))` if the signal came since the last delivery returned,
    /// `Ready(None)` if the runtime shut down, else `Pending`, with `cx`'s waker kept (only the last
    /// poll's waker is kept). Counts against the task's cooperative budget, as any I/O does.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use glasswing::signal::unix::{signal, SignalKind};
    /// use std::future::poll_fn;
    ///
    /// let mut alarm = signal(SignalKind::alarm())?;
    /// unsafe { libc::raise(libc::SIGALRM) };
    /// assert_eq!(poll_fn(|cx| alarm.poll_recv(cx)).await, Some(()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        if let Some(leaf) =
            crate::task::trace::leaf(crate::probe::trace::LeafKind::Io, cx.waker(), || self.describe())
        {
            let waiting = !self.is_ready() && self.has_waker();
            return leaf.pending(waiting);
        }
        if self.driver.is_shutdown() {
            return Poll::Ready(None);
        }
        let restore = std::task::ready!(crate::scheduler::coop::poll_proceed(cx));
        let mut listeners = lock(self.slot);
        let received = self.slot.received.load(Ordering::SeqCst);
        if received != self.seen {
            self.seen = received;
            drop(listeners);
            restore.made_progress();
            return Poll::Ready(Some(()));
        }
        let slot = listeners.list.iter_mut().find(|(id, _)| *id == self.id).map(|(_, waker)| waker);
        let slot = slot.expect("a listener stays listed until dropped");
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Looked at again under the lock: a shutdown that set the flag after our first look has
        // woken the listeners before we stored this waker, or will wake it after we unlock.
        if self.driver.is_shutdown() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    fn is_ready(&self) -> bool {
        self.slot.received.load(Ordering::SeqCst) != self.seen
    }

    fn has_waker(&self) -> bool {
        lock(self.slot).list.iter().any(|(id, waker)| *id == self.id && waker.is_some())
    }

    /// What a task dump says this listener waits for.
    fn describe(&self) -> String {
        format!("wait for signal {}", signal_name(self.kind.0))
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        lock(self.slot).list.retain(|(id, _)| *id != self.id);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// `SIGHUP`-style names for the common signals, the number otherwise.
fn signal_name(signum: libc::c_int) -> String {
    const NAMES: &[(libc::c_int, &str)] = &[
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGUSR1, "SIGUSR1"),
        (libc::SIGUSR2, "SIGUSR2"),
        (libc::SIGCHLD, "SIGCHLD"),
        (libc::SIGALRM, "SIGALRM"),
        (libc::SIGPIPE, "SIGPIPE"),
        (libc::SIGWINCH, "SIGWINCH"),
        (libc::SIGIO, "SIGIO"),
        (libc::SIGURG, "SIGURG"),
    ];
    NAMES.iter().find(|(n, _)| *n == signum).map_or_else(|| signum.to_string(), |(_, name)| name.to_string())
}

pub(super) async fn ctrl_c() -> io::Result<()> {
    let mut interrupts = signal(SignalKind::interrupt())?;
    match interrupts.recv().await {
        Some(()) => Ok(()),
        None => {
            Err(io::Error::other("glasswing: the runtime is shutting down, so no reactor watches for Ctrl-C"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore)] // a socket pair and a signal handler
    fn forbidden_and_unknown_signals_are_refused_with_the_reason() {
        for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, libc::SIGILL, libc::SIGFPE, 0, -1, 1000] {
            let err = enable(SignalKind::from_raw(signum), None).err().expect("refused");
            assert!(err.to_string().contains("refusing to listen"), "{err}");
        }
        if cfg!(all(stack_capture, not(miri))) {
            let err = enable(SignalKind::from_raw(libc::SIGURG), None).err().expect("refused");
            assert!(err.to_string().contains("stack"), "{err}");
        }
    }

    #[test]
    fn kinds_convert_both_ways() {
        assert_eq!(SignalKind::hangup().as_raw_value(), libc::SIGHUP);
        assert_eq!(SignalKind::from(libc::SIGTERM), SignalKind::terminate());
        assert_eq!(libc::c_int::from(SignalKind::user_defined2()), libc::SIGUSR2);
        assert_eq!(signal_name(libc::SIGUSR1), "SIGUSR1");
        assert_eq!(signal_name(40), "40");
    }
}
