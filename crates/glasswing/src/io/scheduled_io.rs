//! `ScheduledIo`: what the reactor knows about one registered resource (a socket, a pipe, any fd):
//! which readiness it has seen and which tasks wait for more.
//!
//! **The readiness word.** Readiness bits (readable, writable, read closed, write closed, error) and a
//! 16-bit *tick* share one `AtomicUsize`. The reactor ORs in the bits of each event and bumps the tick.
//! A task that reads until `WouldBlock` clears the readable bit, but only if the tick is still the one
//! it saw when it checked readiness (`clear_readiness`): with edge-triggered epoll an event that
//! arrived after that check will not be reported again, so clearing it would lose it and the task
//! would wait forever on data already there.
//!
//! **Waiters.** Two kinds, behind one mutex that only a task about to wait and the reactor dispatching
//! an event take. The `poll_*` methods (`poll_read`, `poll_accept`, `AsyncFd::poll_read_ready`) keep
//! one waker per direction, a reader and a writer slot: that is Tokio's `poll_read_ready` contract
//! (only the last waker passed per direction is woken), it costs no memory in the caller's future, and
//! it serves a stream read by one task and written by another (the split halves). The `async fn`s
//! (`accept`, `readable`, `recv_from`, `AsyncFd::readable`, ...) are called through `&self`, so any
//! number of tasks may wait in them at once: each waits in a [`Readiness`], which links an entry into
//! an intrusive list here (the entry lives in the future, so waiting allocates nothing). An event
//! wakes both slots it concerns and every listed waiter whose interest it meets, unlinking them; a
//! dropped `Readiness` unlinks itself. A task checks readiness, and only if it must wait stores its
//! waker and checks again under the lock, which the reactor also holds when it takes the wakers: an
//! event between the first check and the store is never missed.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::scheduler::coop;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{ready, Context, Poll, Waker};

/// Readiness bits of the word; the tick sits above them.
const READABLE: usize = 0b00_0001;
const WRITABLE: usize = 0b00_0010;
const READ_CLOSED: usize = 0b00_0100;
const WRITE_CLOSED: usize = 0b00_1000;
const ERROR: usize = 0b01_0000;
/// Out-of-band data (`EPOLLPRI`), on Linux and Android only.
const PRIORITY: usize = 0b10_0000;
const READY_MASK: usize = 0b11_1111;
/// Set once at runtime shutdown: every wait ends with an error from then on.
const SHUTDOWN: usize = 1 << 6;
const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0xffff << TICK_SHIFT;

/// What a task waits for (and what an `AsyncFd` registers for): Tokio's `Interest`. Its own bits,
/// one per kind; `mask` says which readiness bits satisfy it.
///
/// # Examples
///
/// ```
/// use glasswing::io::Interest;
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
/// server.writable().await?;
/// server.try_write(b"x")?;
///
/// // Wait for either direction; the `Ready` says which came.
/// let ready = client.ready(Interest::READABLE | Interest::WRITABLE).await?;
/// assert!(ready.is_readable() || ready.is_writable());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(usize);

const I_READABLE: usize = 0b0001;
const I_WRITABLE: usize = 0b0010;
const I_ERROR: usize = 0b0100;
const I_PRIORITY: usize = 0b1000;

impl Interest {
    /// Data to read, or the read side closed.
    pub const READABLE: Interest = Interest(I_READABLE);
    /// Room to write, or the write side closed.
    pub const WRITABLE: Interest = Interest(I_WRITABLE);
    /// An error condition on the resource (a readiness of its own; every other interest is also
    /// woken by errors here, so that a task waiting to read sees the error when it tries).
    pub const ERROR: Interest = Interest(I_ERROR);
    /// Out-of-band data (`EPOLLPRI`: a TCP urgent byte, a changed `/proc/self/mounts`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Interest = Interest(I_PRIORITY);

    /// Both interests.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_readable() && BOTH.is_writable());
    /// // `|` does the same outside a `const`.
    /// assert_eq!(BOTH, Interest::READABLE | Interest::WRITABLE);
    /// ```
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// This interest without `other`'s; `None` if nothing is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// let both = Interest::READABLE | Interest::WRITABLE;
    /// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
    /// // Nothing left.
    /// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
    /// ```
    pub const fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        if left == 0 {
            None
        } else {
            Some(Interest(left))
        }
    }

    /// Whether it includes `READABLE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// assert!(Interest::READABLE.is_readable());
    /// assert!(!Interest::WRITABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & I_READABLE != 0
    }

    /// Whether it includes `WRITABLE`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// assert!((Interest::READABLE | Interest::WRITABLE).is_writable());
    /// assert!(!Interest::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & I_WRITABLE != 0
    }

    /// Whether it includes `ERROR`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// assert!(Interest::ERROR.is_error());
    /// assert!(!Interest::READABLE.is_error());
    /// ```
    pub const fn is_error(self) -> bool {
        self.0 & I_ERROR != 0
    }

    /// Whether it includes `PRIORITY`.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Interest;
    ///
    /// assert!(Interest::PRIORITY.is_priority());
    /// assert!(!Interest::READABLE.is_priority());
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const fn is_priority(self) -> bool {
        self.0 & I_PRIORITY != 0
    }

    /// Whether a `poll_ready` for it waits in the reader slot: every interest but a write-only one
    /// (the slot's waker is woken by any readiness but writability, see `set_readiness`).
    pub(crate) fn uses_reader_slot(self) -> bool {
        self.0 & !I_WRITABLE != 0
    }

    /// The readiness bits that satisfy this interest.
    const fn mask(self) -> usize {
        let mut mask = 0;
        if self.0 & I_READABLE != 0 {
            mask |= READABLE | READ_CLOSED | ERROR;
        }
        if self.0 & I_WRITABLE != 0 {
            mask |= WRITABLE | WRITE_CLOSED | ERROR;
        }
        if self.0 & I_ERROR != 0 {
            mask |= ERROR;
        }
        if self.0 & I_PRIORITY != 0 {
            mask |= PRIORITY | READ_CLOSED | ERROR;
        }
        mask
    }

    /// What to register with mio for this interest. mio has no error interest (errors are always
    /// reported) and refuses an empty one, so an error-only interest registers for reading.
    #[cfg(unix)]
    pub(crate) fn to_mio(self) -> mio::Interest {
        let mut mio = if self.is_writable() { mio::Interest::WRITABLE } else { mio::Interest::READABLE };
        if self.is_readable() {
            mio = mio.add(mio::Interest::READABLE);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_priority() {
            mio = mio.add(mio::Interest::PRIORITY);
        }
        mio
    }
}

impl std::ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl std::ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl std::fmt::Debug for Interest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (I_READABLE, "READABLE"),
            (I_WRITABLE, "WRITABLE"),
            (I_ERROR, "ERROR"),
            (I_PRIORITY, "PRIORITY"),
        ];
        let set: Vec<&str> = names.iter().filter(|(bit, _)| self.0 & bit != 0).map(|(_, n)| *n).collect();
        write!(f, "{}", set.join(" | "))
    }
}

/// Readiness the reactor has seen for a resource: Tokio's `Ready`.
///
/// # Examples
///
/// ```
/// use glasswing::io::Interest;
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _) = listener.accept().await?;
///
/// // The peer closed: the client's read side is done.
/// drop(server);
/// let ready = client.ready(Interest::READABLE).await?;
/// assert!(ready.is_readable());
/// assert!(ready.is_read_closed());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ready(usize);

impl Ready {
    /// No readiness.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(READABLE);
    /// Writable.
    pub const WRITABLE: Ready = Ready(WRITABLE);
    /// The read side is closed (the peer shut down its writing).
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    /// The write side is closed.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    /// An error condition.
    pub const ERROR: Ready = Ready(ERROR);
    /// Out-of-band data.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Ready = Ready(PRIORITY);
    /// Every readiness.
    pub const ALL: Ready = Ready(READY_MASK);

    pub(crate) fn from_event(event: &mio::event::Event) -> Ready {
        let mut bits = 0;
        if event.is_readable() {
            bits |= READABLE;
        }
        if event.is_writable() {
            bits |= WRITABLE;
        }
        if event.is_read_closed() {
            bits |= READ_CLOSED;
        }
        if event.is_write_closed() {
            bits |= WRITE_CLOSED;
        }
        if event.is_error() {
            bits |= ERROR;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if event.is_priority() {
            bits |= PRIORITY;
        }
        Ready(bits)
    }

    /// Whether there is no readiness at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::EMPTY.is_empty());
    /// assert!(!Ready::READABLE.is_empty());
    /// ```
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Readable, or the read side closed (a read will not wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::READABLE.is_readable());
    /// // A closed read side counts: a read will not wait (it returns end of stream).
    /// assert!(Ready::READ_CLOSED.is_readable());
    /// assert!(!Ready::WRITABLE.is_readable());
    /// ```
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Writable, or the write side closed (a write will not wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::WRITABLE.is_writable());
    /// assert!(Ready::WRITE_CLOSED.is_writable());
    /// assert!(!Ready::READABLE.is_writable());
    /// ```
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// The read side is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::READ_CLOSED.is_read_closed());
    /// assert!(!Ready::READABLE.is_read_closed());
    /// ```
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// The write side is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::WRITE_CLOSED.is_write_closed());
    /// assert!(!Ready::WRITABLE.is_write_closed());
    /// ```
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// An error condition.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::ERROR.is_error());
    /// assert!(!Ready::READABLE.is_error());
    /// ```
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Out-of-band data.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::Ready;
    ///
    /// assert!(Ready::PRIORITY.is_priority());
    /// assert!(!Ready::READABLE.is_priority());
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    fn intersection(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.mask())
    }
}

impl std::ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl std::ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl std::ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (READ_CLOSED, "READ_CLOSED"),
            (WRITE_CLOSED, "WRITE_CLOSED"),
            (ERROR, "ERROR"),
            (PRIORITY, "PRIORITY"),
        ];
        let set: Vec<&str> = names.iter().filter(|(bit, _)| self.0 & bit != 0).map(|(_, n)| *n).collect();
        write!(f, "Ready({})", if set.is_empty() { "EMPTY".to_string() } else { set.join(" | ") })
    }
}

/// Readiness as observed by one check, with the tick to clear it against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    tick: usize,
}

impl ReadyEvent {
    /// The same observation, narrowed to `ready` (to clear only part of it: `AsyncFd`, Unix only).
    #[cfg(unix)]
    pub(crate) fn with_ready(self, ready: Ready) -> ReadyEvent {
        ReadyEvent { ready, tick: self.tick }
    }
}

#[derive(Default)]
struct Waiters {
    /// The `poll_*` methods' one waker per direction.
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// The `async fn`s' waits (`Readiness`), oldest first.
    list: WaitList,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo { readiness: AtomicUsize::new(0), waiters: Mutex::new(Waiters::default()) }
    }

    /// The reactor saw `ready`: record it with a new tick and collect the wakers it concerns, of the
    /// slots and of the list, into `wakers` (woken by the caller, outside every lock).
    pub(crate) fn set_readiness(&self, ready: Ready, wakers: &mut Vec<Waker>) {
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
            let tick = ((current & TICK_MASK) >> TICK_SHIFT).wrapping_add(1) & 0xffff;
            Some((current & !TICK_MASK) | ready.0 | (tick << TICK_SHIFT))
        });
        let mut waiters = self.waiters.lock();
        if ready.0 & (READABLE | READ_CLOSED | ERROR | PRIORITY) != 0 {
            wakers.extend(waiters.reader.take());
        }
        if ready.intersection(Interest::WRITABLE).0 != 0 {
            wakers.extend(waiters.writer.take());
        }
        waiters.list.wake(|interest| !ready.intersection(interest).is_empty(), wakers);
    }

    /// Marks the resource ready in `ready`'s directions without an event from the reactor, for a
    /// socket whose state is known at its birth (an accepted stream is writable and usually holds
    /// its peer's first bytes; both ends of a fresh pair are writable), as Tokio does: its first
    /// operation tries the socket instead of waiting for an event that may queue behind every other
    /// connection's. A wrong guess costs one `WouldBlock`, which clears it as usual. The tick is
    /// left alone, and nothing changes after shutdown.
    pub(crate) fn assume_ready(&self, ready: Ready) {
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
            (current & SHUTDOWN == 0).then_some(current | ready.0)
        });
    }

    /// Runtime shutdown: every present and future wait on this resource ends with an error.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut waiters = self.waiters.lock();
        wakers.extend(waiters.reader.take());
        wakers.extend(waiters.writer.take());
        waiters.list.wake(|_| true, wakers);
    }

    /// Readiness for `interest`, or `Pending` after storing the task's waker in the slot of each
    /// direction it waits on. `Err` once the runtime is shutting down. Does not touch the coop
    /// budget; callers do (`poll_leaf`).
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<std::io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(interest) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        let waiters = &mut *waiters;
        // Both slots for a wait on both directions (`ready(READABLE.add(WRITABLE))`).
        for (wanted, slot) in [
            (interest.uses_reader_slot(), &mut waiters.reader),
            (interest.is_writable(), &mut waiters.writer),
        ] {
            if !wanted {
                continue;
            }
            match slot {
                Some(stored) if stored.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
        }
        // Checked again under the lock that `set_readiness` takes before it takes the wakers.
        match self.ready_now(interest) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// Whether a `poll_ready` for `interest` left a waker in the slot of each direction it waits on,
    /// and none of them is ready: what a task dump's poll asks, touching nothing.
    pub(crate) fn waits_in_slots(&self, interest: Interest) -> bool {
        if self.ready_now(interest).is_some() {
            return false;
        }
        let waiters = self.waiters.lock();
        (!interest.uses_reader_slot() || waiters.reader.is_some())
            && (!interest.is_writable() || waiters.writer.is_some())
    }

    /// A wait for `interest` in the list, for an `async fn`: any number of them can wait on one
    /// resource at once (see [`Readiness`]).
    pub(crate) fn readiness(&self, interest: Interest) -> Readiness<'_> {
        Readiness {
            io: self,
            linked: false,
            waiter: Waiter {
                interest,
                state: UnsafeCell::new(WaiterState::default()),
                _pinned: PhantomPinned,
            },
        }
    }

    /// Readiness seen so far for `interest`, without waiting: `None` if there is none. Readiness
    /// recorded before the runtime shut down is still reported (as Tokio does: bytes already in a
    /// socket can be read with `try_read` after its runtime is gone); with none, after shutdown,
    /// the shutdown error, since no event will ever come.
    pub(crate) fn ready_now(&self, interest: Interest) -> Option<std::io::Result<ReadyEvent>> {
        let current = self.readiness.load(Ordering::Acquire);
        let ready = Ready(current & READY_MASK).intersection(interest);
        if !ready.is_empty() {
            return Some(Ok(ReadyEvent { ready, tick: current & TICK_MASK }));
        }
        (current & SHUTDOWN != 0).then(|| Err(shutdown_error()))
    }

    /// A read or write hit `WouldBlock`: forget the readiness `event` reported, unless an event came in
    /// since (its tick moved). Closed and error bits stay: they are final.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready.0 & (READABLE | WRITABLE | PRIORITY);
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
            (current & TICK_MASK == event.tick).then_some(current & !clear)
        });
    }
}

/// One wait on a resource as every caller makes it, in `on` (a `ScheduledIo`'s slots, a
/// `Readiness`). In a task dump's trace poll (see `diag/dump`): records the wait, described by
/// `describe`, and returns `Pending` without waiting, with `waiting` saying whether an earlier poll
/// left it waiting (see `LeafInTrace::pending`), so the trace touches nothing. Otherwise `wait`,
/// counted against the coop budget: the unit stays spent only if readiness was found.
pub(crate) fn poll_leaf<T>(
    cx: &mut Context<'_>,
    on: T,
    describe: impl FnOnce() -> String,
    waiting: impl FnOnce(&T) -> bool,
    wait: impl FnOnce(T, &mut Context<'_>) -> Poll<std::io::Result<ReadyEvent>>,
) -> Poll<std::io::Result<ReadyEvent>> {
    if let Some(leaf) = crate::task::trace::leaf(crate::probe::trace::LeafKind::Io, cx.waker(), describe) {
        return leaf.pending(waiting(&on));
    }
    let restore = ready!(coop::poll_proceed(cx));
    let event = ready!(wait(on, cx))?;
    restore.made_progress();
    Poll::Ready(Ok(event))
}

/// A wait in a resource's list of waiters (`ScheduledIo::readiness`): what the `async fn`s of the
/// sockets and of `AsyncFd` wait in, so that several tasks can wait on one resource in one direction
/// and each is woken. Polled pinned, through `poll_wait`: while it waits, the list points into it.
///
/// An event wakes every waiter it concerns, as Tokio's does, and readiness stays set until some
/// task's operation says `WouldBlock`. A woken waiter that finds the readiness gone again (another
/// task took the connection, found the queue empty and cleared it) waits again, checking the word
/// under the lock as its first wait did, so an event in between is never missed. After a
/// `WouldBlock` the caller waits in a new `Readiness` (`PollEvented::async_io`): nothing is kept
/// from the wait that ended, so nothing can go stale.
pub(crate) struct Readiness<'a> {
    io: &'a ScheduledIo,
    /// The waiter was linked into `io`'s list and not yet seen woken: the list, and the reactor under
    /// the lock, may reach it. Only this future reads or writes the flag.
    linked: bool,
    waiter: Waiter,
}

/// The part of a `Readiness` that the list links, and that the reactor reaches through a pointer.
struct Waiter {
    interest: Interest,
    /// Read and written only under the waiters' lock (loom checks that, in the models below).
    state: UnsafeCell<WaiterState>,
    /// The list points here, so the future must stay where it is while linked.
    _pinned: PhantomPinned,
}

#[derive(Default)]
struct WaiterState {
    prev: Option<NonNull<Waiter>>,
    next: Option<NonNull<Waiter>>,
    waker: Option<Waker>,
    /// Set by the reactor when it unlinks this waiter to wake it.
    woken: bool,
}

// SAFETY: the pointers in a `Readiness` (its list links, and the list's pointers to it) are followed
// only under the resource's waiters lock; the rest is `Send + Sync` data (a `Waker`, a reference to
// the `Sync` `ScheduledIo`). A `&Readiness` gives access to nothing.
unsafe impl Send for Readiness<'_> {}
// SAFETY: as above.
unsafe impl Sync for Readiness<'_> {}

impl Readiness<'_> {
    /// Whether it waits in the list, not woken yet: what a task dump's poll asks, touching nothing.
    pub(crate) fn is_waiting(&self) -> bool {
        if !self.linked {
            return false;
        }
        let _waiters = self.io.waiters.lock();
        // SAFETY: we hold the lock, under which alone the waiter's state is touched.
        !unsafe { self.waiter.state.with(|state| (*state).woken) }
    }

    /// Readiness for the interest, or `Pending` with `waker` kept in the list until an event that
    /// concerns it. `Err` once the runtime is shutting down. Does not touch the coop budget.
    pub(crate) fn poll_wait(self: Pin<&mut Self>, waker: &Waker) -> Poll<std::io::Result<ReadyEvent>> {
        // SAFETY: nothing here moves the waiter out (the list may point to it); only `linked` is
        // written through this reference.
        let this = unsafe { self.get_unchecked_mut() };
        let interest = this.waiter.interest;
        if !this.linked {
            if let Some(ready) = this.io.ready_now(interest) {
                return Poll::Ready(ready);
            }
        }
        let mut waiters = this.io.waiters.lock();
        if this.linked {
            // SAFETY: we hold the lock, under which alone the waiter's state is touched.
            let woken = unsafe {
                this.waiter.state.with_mut(|state| {
                    let state = &mut *state;
                    if !state.woken {
                        match &state.waker {
                            Some(stored) if stored.will_wake(waker) => {}
                            _ => state.waker = Some(waker.clone()),
                        }
                    }
                    state.woken
                })
            };
            if !woken {
                return Poll::Pending;
            }
            // The reactor unlinked it when it took the waker.
            this.linked = false;
        }
        // Checked again under the lock that `set_readiness` takes before it takes the wakers.
        if let Some(ready) = this.io.ready_now(interest) {
            return Poll::Ready(ready);
        }
        // SAFETY: we hold the lock, and the waiter is in no list.
        unsafe {
            this.waiter.state.with_mut(|state| {
                (*state).woken = false;
                (*state).waker = Some(waker.clone());
            });
        }
        // SAFETY: we hold the lock; the waiter is in no list, and it stays at this address until it
        // is unlinked, by `wake` or by our `Drop`, which takes the lock (the future is pinned).
        unsafe { waiters.list.push_back(NonNull::from(&this.waiter)) };
        this.linked = true;
        Poll::Pending
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if !self.linked {
            return;
        }
        let mut waiters = self.io.waiters.lock();
        // SAFETY: we hold the lock.
        let woken = unsafe { self.waiter.state.with(|state| (*state).woken) };
        if !woken {
            // SAFETY: linked and not woken: it is still in this list. We hold the lock.
            unsafe { waiters.list.remove(NonNull::from(&self.waiter)) };
        }
    }
}

/// The waiters of one resource, oldest first, woken in that order: an intrusive doubly linked list
/// through the `Waiter`s of their pinned `Readiness` futures, touched only under the waiters' lock.
#[derive(Default)]
struct WaitList {
    head: Option<NonNull<Waiter>>,
    tail: Option<NonNull<Waiter>>,
}

// SAFETY: the pointers are followed only under the lock of the `Mutex<Waiters>` this list lives in,
// and what they point to is `Send` (see `Readiness`).
unsafe impl Send for WaitList {}

impl WaitList {
    /// # Safety
    /// The caller holds the lock this list is behind; `waiter` is in no list, and stays valid at the
    /// same address until it is removed (by `remove` or `wake`, both under that lock).
    unsafe fn push_back(&mut self, waiter: NonNull<Waiter>) {
        let prev = self.tail;
        // SAFETY: per the contract, `waiter` and the tail are valid, and we hold the lock.
        unsafe {
            state(waiter).with_mut(|s| {
                (*s).prev = prev;
                (*s).next = None;
            });
            match prev {
                Some(tail) => state(tail).with_mut(|s| (*s).next = Some(waiter)),
                None => self.head = Some(waiter),
            }
        }
        self.tail = Some(waiter);
    }

    /// # Safety
    /// The caller holds the lock this list is behind, and `waiter` is in this list.
    unsafe fn remove(&mut self, waiter: NonNull<Waiter>) {
        // SAFETY: `waiter` and its neighbours are in this list, so valid (`push_back`'s contract),
        // and we hold the lock.
        unsafe {
            let (prev, next) = state(waiter).with_mut(|s| ((*s).prev.take(), (*s).next.take()));
            match prev {
                Some(prev) => state(prev).with_mut(|s| (*s).next = next),
                None => self.head = next,
            }
            match next {
                Some(next) => state(next).with_mut(|s| (*s).prev = prev),
                None => self.tail = prev,
            }
        }
    }

    /// Unlinks every waiter whose interest `concerns` accepts, marks it woken and moves its waker
    /// into `wakers`. The caller holds the lock this list is behind.
    fn wake(&mut self, concerns: impl Fn(Interest) -> bool, wakers: &mut Vec<Waker>) {
        let mut cursor = self.head;
        while let Some(waiter) = cursor {
            // SAFETY: every waiter in the list is valid (`push_back`'s contract), and the caller
            // holds the lock.
            unsafe {
                cursor = state(waiter).with(|s| (*s).next);
                if concerns(waiter.as_ref().interest) {
                    self.remove(waiter);
                    state(waiter).with_mut(|s| {
                        (*s).woken = true;
                        wakers.extend((*s).waker.take());
                    });
                }
            }
        }
    }
}

/// # Safety
/// `waiter` stays valid for as long as the caller uses the result.
unsafe fn state<'a>(waiter: NonNull<Waiter>) -> &'a UnsafeCell<WaiterState> {
    // SAFETY: per the caller's contract.
    unsafe { &(*waiter.as_ptr()).state }
}

pub(crate) fn shutdown_error() -> std::io::Error {
    std::io::Error::other(RuntimeShutdown(()))
}

/// The error inside the `io::Error` an operation gets because its runtime shut down: its own type,
/// so that `runtime::is_rt_shutdown_err` recognizes it for sure, whatever the message says.
#[derive(Debug)]
pub(crate) struct RuntimeShutdown(());

impl std::fmt::Display for RuntimeShutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("glasswing: the runtime is shutting down, so its I/O driver is gone")
    }
}

impl std::error::Error for RuntimeShutdown {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as Count;
    use std::sync::Arc;
    use std::task::Wake;

    #[test]
    fn interest_and_ready_as_tokio_has_them() {
        let both = Interest::READABLE | Interest::WRITABLE;
        assert!(both.is_readable() && both.is_writable() && !both.is_error());
        assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
        assert_eq!(Interest::ERROR.remove(Interest::ERROR), None);
        assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");
        // Every interest is met by an error; an error-only one by nothing else.
        assert!(!Ready::ERROR.intersection(Interest::READABLE).is_empty());
        assert!(Ready::READABLE.intersection(Interest::ERROR).is_empty());
        assert!(!Ready::READ_CLOSED.intersection(Interest::READABLE).is_empty());
        assert!(Ready::WRITE_CLOSED.intersection(Interest::READABLE).is_empty());
        let ready = Ready::READABLE | Ready::WRITABLE;
        assert_eq!(ready - Ready::READABLE, Ready::WRITABLE);
        assert_eq!(ready & Ready::WRITABLE, Ready::WRITABLE);
        assert!(Ready::ALL.is_read_closed() && Ready::ALL.is_write_closed() && Ready::ALL.is_error());
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            assert!(Interest::PRIORITY.is_priority() && !Interest::PRIORITY.is_readable());
            assert!(!Ready::PRIORITY.intersection(Interest::PRIORITY).is_empty());
            assert!(Ready::PRIORITY.intersection(Interest::READABLE).is_empty());
        }
    }

    #[test]
    fn an_error_only_wait_uses_the_reader_slot_and_is_woken_by_an_error() {
        let io = ScheduledIo::new();
        let (_count, waker) = counter();
        let interest = Interest::ERROR;
        assert!(io.poll_ready(&mut Context::from_waker(&waker), interest).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::ERROR, &mut wakers);
        assert_eq!(wakers.len(), 1);
        assert!(matches!(io.poll_ready(&mut Context::from_waker(&waker), interest), Poll::Ready(Ok(_))));
    }

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(Count::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn an_older_would_block_never_clears_a_newer_event() {
        let io = ScheduledIo::new();
        let (_, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut wakers = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wakers);
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Interest::READABLE) else { panic!("not ready") };
        // A new edge arrives between the check and the WouldBlock of the read that followed it.
        io.set_readiness(Ready::READABLE, &mut wakers);
        io.clear_readiness(seen);
        assert!(io.poll_ready(&mut cx, Interest::READABLE).is_ready(), "the newer event was lost");
        // Cleared against the current tick, it goes.
        let Poll::Ready(Ok(now)) = io.poll_ready(&mut cx, Interest::READABLE) else { panic!() };
        io.clear_readiness(now);
        assert!(io.poll_ready(&mut cx, Interest::READABLE).is_pending());
    }

    #[test]
    fn reader_and_writer_are_woken_separately() {
        let io = ScheduledIo::new();
        let (reads, reader) = counter();
        let (writes, writer) = counter();
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_pending());
        assert!(io.poll_ready(&mut Context::from_waker(&writer), Interest::WRITABLE).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::WRITABLE, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!((reads.0.load(Ordering::SeqCst), writes.0.load(Ordering::SeqCst)), (0, 1));
        io.set_readiness(Ready::READ_CLOSED, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!((reads.0.load(Ordering::SeqCst), writes.0.load(Ordering::SeqCst)), (1, 1));
        // Closed is final: a WouldBlock does not clear it.
        let Poll::Ready(Ok(ev)) = io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE) else {
            panic!()
        };
        io.clear_readiness(ev);
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_ready());
    }

    #[test]
    fn a_wait_on_both_directions_wakes_on_either() {
        let io = ScheduledIo::new();
        let (count, waker) = counter();
        let both = Interest::READABLE.add(Interest::WRITABLE);
        assert!(io.poll_ready(&mut Context::from_waker(&waker), both).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::WRITABLE, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        let Poll::Ready(Ok(event)) = io.poll_ready(&mut Context::from_waker(&waker), both) else { panic!() };
        assert!(event.ready.is_writable() && !event.ready.is_readable());
    }

    #[test]
    fn shutdown_wakes_waiters_with_an_error() {
        let io = ScheduledIo::new();
        let (reads, reader) = counter();
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_pending());
        let mut wakers = Vec::new();
        io.shutdown(&mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE),
            Poll::Ready(Err(_))
        ));
    }

    fn count(c: &Counter) -> usize {
        c.0.load(Ordering::SeqCst)
    }

    fn wake_all(wakers: &mut Vec<Waker>) {
        wakers.drain(..).for_each(Waker::wake);
    }

    /// An event of readiness `ready` on `io`, and the wakeups it gives, delivered.
    fn event(io: &ScheduledIo, ready: Ready) {
        let mut wakers = Vec::new();
        io.set_readiness(ready, &mut wakers);
        wake_all(&mut wakers);
    }

    #[test]
    fn every_listed_waiter_is_woken_and_the_slot_too() {
        let io = ScheduledIo::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let (slot, slot_waker) = counter();
        let mut a = std::pin::pin!(io.readiness(Interest::READABLE));
        let mut b = std::pin::pin!(io.readiness(Interest::READABLE));
        assert!(a.as_mut().poll_wait(&first_waker).is_pending());
        assert!(b.as_mut().poll_wait(&second_waker).is_pending());
        assert!(io.poll_ready(&mut Context::from_waker(&slot_waker), Interest::READABLE).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wakers);
        assert_eq!(wakers.len(), 3);
        wake_all(&mut wakers);
        assert_eq!((count(&first), count(&second), count(&slot)), (1, 1, 1));
        assert!(a.as_mut().poll_wait(&first_waker).is_ready());
        assert!(b.as_mut().poll_wait(&second_waker).is_ready());
    }

    #[test]
    fn a_waiter_is_woken_only_for_its_interest() {
        let io = ScheduledIo::new();
        let (reads, reader) = counter();
        let (writes, writer) = counter();
        let mut r = std::pin::pin!(io.readiness(Interest::READABLE));
        let mut w = std::pin::pin!(io.readiness(Interest::WRITABLE));
        assert!(r.as_mut().poll_wait(&reader).is_pending());
        assert!(w.as_mut().poll_wait(&writer).is_pending());
        event(&io, Ready::WRITABLE);
        assert_eq!((count(&reads), count(&writes)), (0, 1));
        assert!(r.as_mut().poll_wait(&reader).is_pending(), "still waiting, still listed");
        event(&io, Ready::READ_CLOSED);
        assert_eq!((count(&reads), count(&writes)), (1, 1));
    }

    #[test]
    fn a_woken_waiter_that_finds_the_readiness_gone_waits_again() {
        let io = ScheduledIo::new();
        let (woken, waker) = counter();
        let mut wait = std::pin::pin!(io.readiness(Interest::READABLE));
        assert!(wait.as_mut().poll_wait(&waker).is_pending());
        event(&io, Ready::READABLE);
        // Another task got there first: it took the connection, then found the queue empty.
        let Some(Ok(seen)) = io.ready_now(Interest::READABLE) else { panic!("not ready") };
        io.clear_readiness(seen);
        assert!(wait.as_mut().poll_wait(&waker).is_pending(), "nothing to take: wait again");
        event(&io, Ready::READABLE);
        assert_eq!(count(&woken), 2, "listed again, so woken by the next event");
        assert!(wait.as_mut().poll_wait(&waker).is_ready());
    }

    #[test]
    fn a_dropped_waiter_leaves_the_list_and_the_others_stay() {
        let io = ScheduledIo::new();
        let counters: Vec<_> = (0..3).map(|_| counter()).collect();
        let mut first = Box::pin(io.readiness(Interest::READABLE));
        let mut middle = Box::pin(io.readiness(Interest::READABLE));
        let mut last = Box::pin(io.readiness(Interest::READABLE));
        for (wait, (_, waker)) in [&mut first, &mut middle, &mut last].into_iter().zip(&counters) {
            assert!(wait.as_mut().poll_wait(waker).is_pending());
        }
        drop(middle);
        event(&io, Ready::READABLE);
        let woken: Vec<_> = counters.iter().map(|(c, _)| count(c)).collect();
        assert_eq!(woken, [1, 0, 1]);
        // Dropping a woken waiter touches no list; dropping the last one leaves it empty.
        drop(first);
        drop(last);
        let waiters = io.waiters.lock();
        assert!(waiters.list.head.is_none() && waiters.list.tail.is_none());
    }

    #[test]
    fn polled_again_while_listed_it_keeps_the_newest_waker() {
        let io = ScheduledIo::new();
        let (old, old_waker) = counter();
        let (new, new_waker) = counter();
        let mut wait = std::pin::pin!(io.readiness(Interest::READABLE));
        assert!(wait.as_mut().poll_wait(&old_waker).is_pending());
        assert!(wait.as_mut().poll_wait(&new_waker).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wakers);
        assert_eq!(wakers.len(), 1, "listed once");
        wake_all(&mut wakers);
        assert_eq!((count(&old), count(&new)), (0, 1));
    }

    #[test]
    fn shutdown_wakes_listed_waiters_with_an_error() {
        let io = ScheduledIo::new();
        let (woken, waker) = counter();
        let mut wait = std::pin::pin!(io.readiness(Interest::WRITABLE));
        assert!(wait.as_mut().poll_wait(&waker).is_pending());
        let mut wakers = Vec::new();
        io.shutdown(&mut wakers);
        wake_all(&mut wakers);
        assert_eq!(count(&woken), 1);
        assert!(matches!(wait.as_mut().poll_wait(&waker), Poll::Ready(Err(_))));
    }
}

/// Loom models of the races in this file: a task registering its waker, in its slot or in the list,
/// while the reactor records an event (the wakeup must not be lost); a `WouldBlock` clearing
/// readiness while a new event arrives (the new event must survive); a woken waiter that finds the
/// readiness gone and waits again while the next event arrives (it must be woken again); and a
/// listed waiter dropped while the reactor wakes the list (the others are woken, the list stays
/// whole). Loom's `UnsafeCell` checks that every touch of a listed waiter is ordered by the lock.
///
/// ```text
/// RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom
/// ```
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;
    use std::task::Wake;

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    fn flag() -> (std::sync::Arc<Flag>, Waker) {
        let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
        (flag.clone(), Waker::from(flag))
    }

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The reactor's side: one readable event, its wakers woken outside the lock.
    fn readable_event(io: &ScheduledIo) {
        let mut wakers = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
    }

    #[test]
    fn loom_event_during_waiter_registration_is_never_lost() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let reactor = {
                let io = io.clone();
                thread::spawn(move || {
                    let mut wakers = Vec::new();
                    io.set_readiness(Ready::READABLE, &mut wakers);
                    wakers.into_iter().for_each(Waker::wake);
                })
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let ready_now = io.poll_ready(&mut Context::from_waker(&waker), Interest::READABLE).is_ready();
            reactor.join().unwrap();
            // Either the poll saw the event, or the event found the waker.
            assert!(ready_now || flag.0.load(Ordering::SeqCst), "the wakeup was lost");
        });
    }

    #[test]
    fn loom_would_block_never_clears_a_concurrent_event() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let mut wakers = Vec::new();
            io.set_readiness(Ready::READABLE, &mut wakers);
            let seen = io.ready_now(Interest::READABLE).unwrap().unwrap();
            let reactor = {
                let io = io.clone();
                thread::spawn(move || {
                    let mut wakers = Vec::new();
                    io.set_readiness(Ready::READABLE, &mut wakers);
                })
            };
            // The read that followed `seen` hit WouldBlock.
            io.clear_readiness(seen);
            reactor.join().unwrap();
            assert!(io.ready_now(Interest::READABLE).is_some(), "the newer event was cleared");
        });
    }

    #[test]
    fn loom_two_listed_waiters_registering_during_an_event_are_both_woken() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let reactor = {
                let io = io.clone();
                thread::spawn(move || readable_event(&io))
            };
            let (a_flag, a_waker) = flag();
            let (b_flag, b_waker) = flag();
            let mut a = std::pin::pin!(io.readiness(Interest::READABLE));
            let mut b = std::pin::pin!(io.readiness(Interest::READABLE));
            let a_ready = a.as_mut().poll_wait(&a_waker).is_ready();
            let b_ready = b.as_mut().poll_wait(&b_waker).is_ready();
            reactor.join().unwrap();
            assert!(a_ready || a_flag.0.load(Ordering::SeqCst), "the first waiter's wakeup was lost");
            assert!(b_ready || b_flag.0.load(Ordering::SeqCst), "the second waiter's wakeup was lost");
            // Woken means the readiness is there for it now.
            assert!(a.as_mut().poll_wait(&a_waker).is_ready());
            assert!(b.as_mut().poll_wait(&b_waker).is_ready());
        });
    }

    #[test]
    fn loom_a_waiter_dropped_during_a_wake_leaves_the_others_woken() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let (first_flag, first_waker) = flag();
            let (_, middle_waker) = flag();
            let (last_flag, last_waker) = flag();
            let mut first = std::pin::pin!(io.readiness(Interest::READABLE));
            let mut middle = Box::pin(io.readiness(Interest::READABLE));
            let mut last = std::pin::pin!(io.readiness(Interest::READABLE));
            assert!(first.as_mut().poll_wait(&first_waker).is_pending());
            assert!(middle.as_mut().poll_wait(&middle_waker).is_pending());
            assert!(last.as_mut().poll_wait(&last_waker).is_pending());
            let reactor = {
                let io = io.clone();
                thread::spawn(move || readable_event(&io))
            };
            // The middle one's task is cancelled while the reactor walks the list.
            drop(middle);
            reactor.join().unwrap();
            assert!(first_flag.0.load(Ordering::SeqCst) && last_flag.0.load(Ordering::SeqCst));
            assert!(io.waiters.lock().list.head.is_none(), "a woken waiter is still listed");
        });
    }

    #[test]
    fn loom_a_woken_waiter_that_waits_again_gets_the_next_event() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
            let waker = Waker::from(count.clone());
            let mut wait = std::pin::pin!(io.readiness(Interest::READABLE));
            assert!(wait.as_mut().poll_wait(&waker).is_pending());
            readable_event(&io);
            // Another task, woken by the same event, took what there was and then hit WouldBlock.
            let seen = io.ready_now(Interest::READABLE).unwrap().unwrap();
            let reactor = {
                let io = io.clone();
                thread::spawn(move || readable_event(&io))
            };
            io.clear_readiness(seen);
            let ready = wait.as_mut().poll_wait(&waker).is_ready();
            reactor.join().unwrap();
            // Either it saw the second event, or it waits listed again and the event woke it.
            assert!(
                ready || count.0.load(Ordering::SeqCst) == 2,
                "the waiter waits for an event already gone"
            );
        });
    }
}
