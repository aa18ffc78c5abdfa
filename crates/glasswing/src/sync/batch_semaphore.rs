//! The semaphore core that `Semaphore` (and, later, `Mutex`, `RwLock` and the bounded `mpsc`) are built
//! on: permits counted in one atomic word, and a FIFO queue of waiters that each ask for N permits.
//!
//! **The word.** `permits << 2 | QUEUED | CLOSED`. An uncontended `try_acquire` or `acquire` is one
//! compare-and-swap on it and takes no lock, and so is a `release` while nobody waits: `QUEUED`,
//! set and cleared only under the queue's lock, says whether anyone does, and a release that finds
//! it set takes the lock and serves the queue.
//!
//! **The queue.** A task that cannot take all it asks for takes what there is, and waits in the
//! intrusive [`WaitList`] for the rest, its node inside its [`Acquire`] future. `release` hands
//! permits to the waiters in FIFO order *under the queue's lock*: the oldest waiter is assigned as
//! many as it still needs (or all there are), and only once the queue is empty do permits go back to
//! the word. Hence the invariant every path relies on: **while the queue is not empty the word holds
//! no permits, and `QUEUED` is set**, so a newcomer can never take permits ahead of an older waiter (the semaphore is
//! fair, as Tokio's), and a large request at the front is never starved by small ones behind it.
//!
//! **Serving.** The waiter's count of permits still needed is an atomic in its node, written under
//! the lock; `release` sets it to 0 only once it has unlinked the node and taken its waker, as its
//! last touch of it. The woken waiter reads it without the lock and, on 0, completes: a contended
//! lock's handoff takes the queue's lock twice (the waiter queues, the holder serves), not three
//! times (Tokio's takes it a third time, in the served waiter's poll).
//!
//! **Cancel safety.** A dropped `Acquire` unlinks its node and releases the permits it had been
//! assigned so far, through the same FIFO path, so they pass to the next waiters: nothing is lost,
//! and its place goes to whoever was behind it.
//!
//! **Closing** sets the bit and wakes every waiter, which then sees `AcquireError`. Permits assigned
//! to them go back to the word when their futures drop, so `available_permits` stays exact.
//!
//! Wakers are taken under the lock and woken after it is released, in batches of a fixed size
//! ([`WakeList`]), so that releasing allocates nothing either.
//!
//! Shaped after Tokio's `sync/batch_semaphore.rs`.

use super::waiters::{Node, WaitList};
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::probe::resource::{HolderToken, Resource, ResourceKind, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use std::future::Future;
use std::mem::MaybeUninit;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

const CLOSED: usize = 1;
/// Someone waits in the queue: set with the compare-and-swap that queues the first waiter, cleared
/// when the queue empties, both under the queue's lock.
const QUEUED: usize = 2;
const PERMIT_SHIFT: u32 = 2;

/// The largest number of permits a semaphore can hold (Tokio's value: `usize::MAX >> 3`).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// The semaphore was closed while (or before) waiting.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AcquireError;

/// Why `try_acquire` failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

pub(crate) struct Semaphore {
    /// `permits << PERMIT_SHIFT | QUEUED | CLOSED`.
    permits: AtomicUsize,
    waiters: Mutex<Waitlist>,
    /// What the diagnostics know of it: the primitive built on it, its holders, its waits.
    resource: Resource,
}

struct Waitlist {
    queue: WaitList<Waiter>,
    /// Set by `close`, under the lock; the word's bit is set first.
    closed: bool,
}

/// One waiting `Acquire`'s node: what the queue links and `release` reaches through a pointer. Its
/// state (the waker) is read and written only under the semaphore's waiters lock; its shared part
/// is the number of permits still to be assigned, written only under that lock too, and set to 0
/// by `release` as its last touch of the node, once it has unlinked it and taken its waker.
/// So the waiting future, which reads it with `Acquire`, may complete on seeing 0 without the lock
/// (where Tokio's takes it), and drop its node at once: a contended lock's handoff then takes the
/// lock twice (queue, serve), not three times.
type Waiter = Node<WaiterState, AtomicUsize>;

struct WaiterState {
    waker: Option<Waker>,
}

/// Releases `rem` permits when dropped: armed while `release_locked` wakes a batch with permits
/// still to hand out, and dropped only if a waker panics.
struct ReleaseOnUnwind<'a> {
    semaphore: &'a Semaphore,
    rem: usize,
}

impl Drop for ReleaseOnUnwind<'_> {
    fn drop(&mut self) {
        self.semaphore.release_locked(self.rem, self.semaphore.waiters.lock());
    }
}

/// Wakers taken under a lock, to be woken after it: a fixed array, so that waking allocates nothing.
/// When it is full, the caller releases the lock, wakes them, and takes the lock again. The slots
/// are uninitialized until pushed: a list made on every contended release costs no 512-byte
/// clear and no scan of empty slots.
pub(crate) struct WakeList {
    wakers: [MaybeUninit<Waker>; WakeList::CAPACITY],
    /// Slots `woken..len` hold wakers pushed and not yet woken.
    len: usize,
    woken: usize,
}

impl WakeList {
    const CAPACITY: usize = 32;

    pub(crate) fn new() -> Self {
        WakeList { wakers: [const { MaybeUninit::uninit() }; WakeList::CAPACITY], len: 0, woken: 0 }
    }

    pub(crate) fn can_push(&self) -> bool {
        self.len < Self::CAPACITY
    }

    pub(crate) fn push(&mut self, waker: Waker) {
        assert!(self.can_push(), "a WakeList holds {} wakers", Self::CAPACITY);
        self.wakers[self.len].write(waker);
        self.len += 1;
    }

    /// Wakes them in the order they were pushed.
    pub(crate) fn wake_all(&mut self) {
        while self.woken < self.len {
            let i = self.woken;
            // Counted as taken before it is woken: a waker that panics has been moved out already,
            // and `drop` wakes the rest.
            self.woken += 1;
            // SAFETY: slot `i` is in `woken..len`: written by `push`, not read since.
            let waker = unsafe { self.wakers[i].assume_init_read() };
            waker.wake();
        }
        self.len = 0;
        self.woken = 0;
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        // Wakers left (a panic between push and wake, or in another waker): woken, so that no
        // waiter hangs.
        self.wake_all();
    }
}

impl Semaphore {
    /// A semaphore that is a `Semaphore` to the diagnostics.
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Self {
        Self::with_kind(permits, ResourceKind::Semaphore)
    }

    /// A semaphore that is the primitive `kind` (a `Mutex`, a bounded channel) to the diagnostics,
    /// created at the caller's location.
    #[track_caller]
    pub(crate) fn with_kind(permits: usize, kind: ResourceKind) -> Self {
        Self::with_resource(permits, Resource::new(kind))
    }

    /// A semaphore that is part of a primitive whose resource is `resource` (a bounded channel's
    /// capacity; an emptied `OnceCell`'s new semaphore, which keeps where the cell was created):
    /// its waits and holds are that primitive's.
    pub(crate) fn with_resource(permits: usize, resource: Resource) -> Self {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(Waitlist { queue: WaitList::new(), closed: false }),
            resource,
        }
    }

    /// `new` as a `const fn` (the `std` build only: loom's types have no const constructors).
    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_new(permits: usize) -> Self {
        Self::const_with_kind(permits, ResourceKind::Semaphore)
    }

    /// `with_kind` as a `const fn`.
    #[cfg(not(loom))]
    #[track_caller]
    pub(crate) const fn const_with_kind(permits: usize, kind: ResourceKind) -> Self {
        assert!(permits <= MAX_PERMITS, "a semaphore may not have more than MAX_PERMITS permits");
        Semaphore {
            permits: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(Waitlist { queue: WaitList::new(), closed: false }),
            resource: Resource::const_new(kind),
        }
    }

    /// The primitive's resource: to name it, and for its holders.
    pub(crate) fn resource(&self) -> &Resource {
        &self.resource
    }

    /// Records that this thread's task now holds permits it took at `at` (for a kind whose holders
    /// count: a lock's, a semaphore's; a bounded channel's permits are its free slots, held by no
    /// one). The guard keeps the token for `release_hold`.
    #[inline]
    pub(crate) fn hold(&self, at: &'static Location<'static>) -> HolderToken {
        if self.resource.kind().has_holders() {
            self.resource.record().hold(at)
        } else {
            HolderToken::UNTRACKED
        }
    }

    /// `hold`, for permits that one holder at a time takes (a `Mutex`'s one, all of a `RwLock`'s
    /// for its writer): the hold is then always in the first slot, as every earlier hold ended
    /// before its permits came back, so the guard keeps no token.
    #[inline]
    pub(crate) fn hold_sole(&self, at: &'static Location<'static>) {
        if self.resource.kind().has_holders() {
            self.resource.record().hold_first(at);
        }
    }

    /// `hold`, for permits whose holder is not known (see `ResourceRecord::hold_unknown`): an owned
    /// guard's, a split-off permit's. Ended by `release_hold` of the token.
    #[inline]
    pub(crate) fn hold_unknown(&self) -> HolderToken {
        if self.resource.kind().has_holders() {
            self.resource.record().hold_unknown()
        } else {
            HolderToken::UNTRACKED
        }
    }

    /// Ends the hold `hold_sole` recorded: before the permits go back.
    #[inline]
    pub(crate) fn release_sole(&self) {
        self.release_hold(HolderToken::FIRST);
    }

    /// Ends the hold `hold` recorded.
    #[inline]
    pub(crate) fn release_hold(&self, token: HolderToken) {
        if self.resource.kind().has_holders() {
            self.resource.record().release(token)
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.permits.load(Ordering::Acquire) >> PERMIT_SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.permits.load(Ordering::Acquire) & CLOSED == CLOSED
    }

    /// Takes `n` permits if they are all there now. Never waits, never queues.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        assert!(n <= MAX_PERMITS, "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})");
        let needed = n << PERMIT_SHIFT;
        let mut curr = self.permits.load(Ordering::Acquire);
        loop {
            if curr & CLOSED == CLOSED {
                return Err(TryAcquireError::Closed);
            }
            if curr >> PERMIT_SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self.permits.compare_exchange_weak(curr, curr - needed, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Takes up to `n` permits from the word and says how many it took; if that is fewer than `n`,
    /// sets `QUEUED` in the same compare-and-swap, for the caller to queue (under the lock, which
    /// the caller holds). Closed: `Err`.
    fn take_or_queue(&self, n: usize) -> Result<usize, AcquireError> {
        let mut curr = self.permits.load(Ordering::Acquire);
        loop {
            if curr & CLOSED == CLOSED {
                return Err(AcquireError);
            }
            let taken = (curr >> PERMIT_SHIFT).min(n);
            let mut next = curr - (taken << PERMIT_SHIFT);
            if taken < n {
                next |= QUEUED;
            }
            if next == curr {
                return Ok(taken);
            }
            match self.permits.compare_exchange_weak(curr, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(taken),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Removes up to `n` permits for good (Tokio's `forget_permits`), returning how many.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut curr = self.permits.load(Ordering::Acquire);
        loop {
            let taken = (curr >> PERMIT_SHIFT).min(n);
            if taken == 0 {
                return 0;
            }
            let next = curr - (taken << PERMIT_SHIFT);
            match self.permits.compare_exchange_weak(curr, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return taken,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Gives `n` permits back (or adds new ones): to the waiters first, oldest first, the rest to the
    /// word. Panics if the semaphore would hold more than `MAX_PERMITS`.
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Nobody queued: the permits go to the word, with no lock. A waiter that queues meanwhile
        // sets `QUEUED` with a compare-and-swap, so one of the two sees the other's.
        let mut curr = self.permits.load(Ordering::Acquire);
        while curr & QUEUED == 0 {
            assert!(
                (curr >> PERMIT_SHIFT) + n <= MAX_PERMITS,
                "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
            );
            let next = curr + (n << PERMIT_SHIFT);
            match self.permits.compare_exchange_weak(curr, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        self.release_locked(n, self.waiters.lock());
    }

    /// `release`, with the waiters' lock already held.
    #[track_caller]
    fn release_locked<'a>(&'a self, mut rem: usize, mut waiters: MutexGuard<'a, Waitlist>) {
        let mut wakers = WakeList::new();
        loop {
            while rem > 0 && wakers.can_push() {
                let Some(front) = waiters.queue.front() else { break };
                // SAFETY: `front` is linked, so valid (`push_back`'s contract, kept by `Acquire`,
                // whose drop unlinks it under this lock); we hold the lock, under which alone the
                // state is touched.
                let needed = unsafe { front.as_ref().shared.load(Ordering::Relaxed) };
                let assigned = needed.min(rem);
                rem -= assigned;
                if assigned < needed {
                    // The front waiter took all there was.
                    debug_assert_eq!(rem, 0);
                    // SAFETY: as above.
                    unsafe { front.as_ref().shared.store(needed - assigned, Ordering::Relaxed) };
                    break;
                }
                // SAFETY: as above.
                let waker = unsafe { front.as_ref().state.with_mut(|state| (*state).waker.take()) };
                // SAFETY: we hold the lock; `front` is in this queue.
                unsafe { waiters.queue.remove(front) };
                // Served: the last touch of the node, which its future may drop as soon as it
                // sees the 0 (it reads it without the lock).
                // SAFETY: `front` is still valid: its future completes (or drops it) only once it
                // reads this 0, or under the lock we hold.
                unsafe { front.as_ref().shared.store(0, Ordering::Release) };
                if let Some(waker) = waker {
                    wakers.push(waker);
                }
            }
            if waiters.queue.is_empty() {
                self.dequeued_all(rem, &waiters);
                rem = 0;
            }
            drop(waiters);
            if rem == 0 {
                wakers.wake_all();
                return;
            }
            // Permits are left for waiters still queued: should a waker panic, they are handed
            // on as the panic unwinds, so that no waiter hangs.
            let unwinding = ReleaseOnUnwind { semaphore: self, rem };
            wakers.wake_all();
            std::mem::forget(unwinding);
            // The wake list filled up with waiters still queued and permits left: again.
            waiters = self.waiters.lock();
        }
    }

    /// The queue is empty (under its lock, `_waiters`): `rem` permits left over go to the word,
    /// and `QUEUED` is cleared, in one step.
    #[track_caller]
    fn dequeued_all(&self, rem: usize, _waiters: &MutexGuard<'_, Waitlist>) {
        // Checked before the word changes: a release past the limit panics and leaves it as it was.
        let updated = self.permits.fetch_update(Ordering::AcqRel, Ordering::Acquire, |curr| {
            ((curr >> PERMIT_SHIFT) + rem <= MAX_PERMITS).then(|| (curr & !QUEUED) + (rem << PERMIT_SHIFT))
        });
        assert!(updated.is_ok(), "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})");
    }

    /// Closes the semaphore: every waiter is woken and sees `AcquireError`, and so does every
    /// acquire from now on. Permits held stay valid and may still be released.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        self.permits.fetch_or(CLOSED, Ordering::Release);
        waiters.closed = true;
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                // SAFETY: we hold the lock.
                let Some(waiter) = (unsafe { waiters.queue.pop_front() }) else { break };
                // SAFETY: it was linked, so valid, and we still hold the lock (its `Acquire` cannot
                // be dropped meanwhile: the drop takes the lock).
                if let Some(waker) = unsafe { waiter.as_ref().state.with_mut(|s| (*s).waker.take()) } {
                    wakers.push(waker);
                }
            }
            let done = waiters.queue.is_empty();
            if done {
                self.dequeued_all(0, &waiters);
            }
            drop(waiters);
            wakers.wake_all();
            if done {
                return;
            }
            waiters = self.waiters.lock();
        }
    }

    /// A future that takes `n` permits, waiting in FIFO order for them (the tests' way in; the
    /// primitives say what their waits are, with `acquire_as`).
    #[cfg(test)]
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        self.acquire_as(n, WaitOp::Acquire)
    }

    /// `acquire_as`, trying first without making the waiting future: an uncontended lock then
    /// costs one compare-and-swap (and the coop budget's charge), with no waiter node built, moved
    /// and dropped. Fair all the same: while anyone is queued the word has no permits to take.
    ///
    /// With the task's budget spent it goes straight to the waiting future, which takes its place
    /// in the queue (or its permits) before it yields, as Tokio's does: a task out of budget keeps
    /// its turn rather than being overtaken by those that asked after it.
    pub(crate) async fn acquire_now_or_wait(&self, n: usize, op: WaitOp) -> Result<(), AcquireError> {
        if crate::scheduler::coop::has_budget_remaining() {
            match self.try_acquire(n) {
                Ok(()) => {
                    crate::scheduler::coop::consume_one();
                    return Ok(());
                }
                Err(TryAcquireError::Closed) => return Err(AcquireError),
                Err(TryAcquireError::NoPermits) => {}
            }
        }
        self.acquire_as(n, op).await
    }

    /// `acquire`, whose wait the diagnostics show as `op` (a `lock`, a `write`).
    pub(crate) fn acquire_as(&self, n: usize, op: WaitOp) -> Acquire<'_> {
        assert!(n <= MAX_PERMITS, "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})");
        Acquire {
            node: Waiter::new(WaiterState { waker: None }),
            semaphore: self,
            num_permits: n,
            queued: false,
            op,
            waiting: None,
        }
    }

    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        node: NonNull<Waiter>,
        queued: &mut bool,
    ) -> Poll<Result<(), AcquireError>> {
        if !*queued {
            // The fast path: one CAS, no lock.
            match self.try_acquire(n) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(TryAcquireError::Closed) => return Poll::Ready(Err(AcquireError)),
                Err(TryAcquireError::NoPermits) => {}
            }
        } else {
            // SAFETY: the node is ours, so valid; its shared part is an atomic, read here without
            // the lock.
            let needed = unsafe { node.as_ref().shared.load(Ordering::Acquire) };
            if needed == 0 && self.permits.load(Ordering::Acquire) & CLOSED == 0 {
                // Served, and unlinked, by a `release` that has let go of the node (see `Waiter`),
                // or never linked (the permits were ours before the coop budget made us yield): no
                // lock. A closed semaphore goes the locked way, which fails the wait as Tokio's does.
                *queued = false;
                return Poll::Ready(Ok(()));
            }
        }
        let mut waiters = self.waiters.lock();
        if !*queued {
            // A `release` that finds nobody queued adds to the word without the lock: our
            // compare-and-swap, which sets `QUEUED` if we must wait, orders us against it, so its
            // permits are either in the word we take from, or it sees `QUEUED` and serves us under
            // this lock. (By the invariant, the word is empty if anyone is queued.)
            let taken = match self.take_or_queue(n) {
                Ok(taken) => taken,
                Err(AcquireError) => return Poll::Ready(Err(AcquireError)),
            };
            if taken == n {
                return Poll::Ready(Ok(()));
            }
            // SAFETY: the node is ours and in no list, and we hold the lock.
            unsafe {
                node.as_ref().shared.store(n - taken, Ordering::Relaxed);
                node.as_ref().state.with_mut(|state| (*state).waker = Some(cx.waker().clone()));
            }
            // SAFETY: we hold the lock; the node is in no list, and it stays at this address until it
            // is unlinked, by `release` or `close` or by `Acquire::drop`, which takes the lock (the
            // future is pinned).
            unsafe { waiters.queue.push_back(node) };
            *queued = true;
            return Poll::Pending;
        }
        // SAFETY: we hold the lock, under which alone the node's state is touched (and its shared
        // part written).
        unsafe {
            let needed = node.as_ref().shared.load(Ordering::Relaxed);
            node.as_ref().state.with_mut(|state| {
                let state = &mut *state;
                if waiters.closed {
                    // Unlinked by `close`; what it was assigned goes back when the future drops.
                    // Checked first, as in Tokio: a waiter served just before the close, but not
                    // polled since, fails too (the receiver of a closed channel counts on it).
                    return Poll::Ready(Err(AcquireError));
                }
                if needed == 0 {
                    // Served (and unlinked) by `release`.
                    *queued = false;
                    return Poll::Ready(Ok(()));
                }
                match &state.waker {
                    Some(stored) if stored.will_wake(cx.waker()) => {}
                    _ => state.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            })
        }
    }
}

impl std::fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`]. Cancel safe: dropped while it waits, it leaves the queue and
/// releases whatever permits it was assigned, to the waiters behind it.
pub(crate) struct Acquire<'a> {
    node: Waiter,
    semaphore: &'a Semaphore,
    num_permits: usize,
    /// The node is (or was, until `release` or `close` unlinked it) in the queue, and permits may have
    /// been assigned to it. Only this future reads or writes the flag.
    queued: bool,
    op: WaitOp,
    /// The wait as the diagnostics see it, from when it queues until it is served or dropped.
    waiting: Option<Waiting>,
}

// SAFETY: the node is reached by other threads only through the queue's pointers, under the
// semaphore's lock; the rest is `Send + Sync` data (a `Waker`, a reference to the `Sync` semaphore).
// A `&Acquire` gives access to nothing.
unsafe impl Send for Acquire<'_> {}
// SAFETY: as above.
unsafe impl Sync for Acquire<'_> {}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing here moves the node out (the queue may point to it); only `queued` is
        // written through this reference.
        let this = unsafe { self.get_unchecked_mut() };
        let node = NonNull::from(&this.node);
        let semaphore = this.semaphore;
        let op = this.op;
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), || {
            semaphore.resource.record().describe_wait(op)
        }) {
            return leaf.pending(this.queued);
        }
        let result = match this.semaphore.poll_acquire(cx, this.num_permits, node, &mut this.queued) {
            Poll::Pending => {
                if this.waiting.is_none() {
                    // Registered after the queue's lock is let go: the wait is contended, and the
                    // registry's lock is not taken under the semaphore's.
                    this.waiting = Some(semaphore.resource.wait(op));
                }
                return Poll::Pending;
            }
            Poll::Ready(result) => result,
        };
        this.waiting = None;
        if result.is_ok() {
            // A leaf: it takes part in the task's coop budget, as Tokio's does, asked once the
            // permits are ours, so that a task out of budget has queued (and keeps its turn). It
            // then yields holding them: the node says it needs none more (it was served, or took
            // them at once, never linked), and `queued` makes the next poll pick them up, or the
            // drop give them back.
            match crate::scheduler::coop::poll_proceed(cx) {
                Poll::Ready(restore) => restore.made_progress(),
                Poll::Pending => {
                    this.queued = true;
                    return Poll::Pending;
                }
            }
        }
        Poll::Ready(result)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if !self.queued {
            return;
        }
        let mut waiters = self.semaphore.waiters.lock();
        let node = NonNull::from(&self.node);
        // SAFETY: we hold the lock; the node is valid, and in the queue or in none (`release` and
        // `close` clear its links when they unlink it).
        unsafe { waiters.queue.remove(node) };
        // Read under the lock, under which alone it is written.
        let needed = self.node.shared.load(Ordering::Relaxed);
        let assigned = self.num_permits - needed;
        if assigned > 0 {
            self.semaphore.release_locked(assigned, waiters);
        } else if waiters.queue.is_empty() {
            self.semaphore.dequeued_all(0, &waiters);
        }
    }
}

impl std::fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acquire")
            .field("num_permits", &self.num_permits)
            .field("queued", &self.queued)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as StdAtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(StdAtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(StdAtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    fn woken(counter: &Counter) -> usize {
        counter.0.load(Ordering::SeqCst)
    }

    fn poll(acquire: Pin<&mut Acquire<'_>>, waker: &Waker) -> Poll<Result<(), AcquireError>> {
        acquire.poll(&mut Context::from_waker(waker))
    }

    struct Panics;

    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("a waker that panics");
        }
    }

    /// A waker that panics while a release wakes its first batch must not cost the waiters behind
    /// the batch the permits that were still to come to them.
    #[test]
    fn a_panicking_waker_loses_no_permit_for_the_waiters_behind_it() {
        let sem = Semaphore::new(0);
        let (count, waker) = counter();
        let panics = Waker::from(Arc::new(Panics));
        let mut acquires: Vec<_> = (0..=WakeList::CAPACITY).map(|_| Box::pin(sem.acquire(1))).collect();
        for (i, acquire) in acquires.iter_mut().enumerate() {
            let w = if i == 0 { &panics } else { &waker };
            assert!(poll(acquire.as_mut(), w).is_pending());
        }
        let released =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sem.release(WakeList::CAPACITY + 1)));
        assert!(released.is_err(), "the waker's panic reaches the releaser");
        // Every waiter was served, the one past the first batch included, and woken.
        for acquire in &mut acquires {
            assert_eq!(poll(acquire.as_mut(), &waker), Poll::Ready(Ok(())));
        }
        assert_eq!(woken(&count), WakeList::CAPACITY);
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn try_acquire_takes_and_release_gives_back() {
        let sem = Semaphore::new(3);
        assert_eq!(sem.try_acquire(2), Ok(()));
        assert_eq!(sem.try_acquire(2), Err(TryAcquireError::NoPermits));
        assert_eq!(sem.available_permits(), 1);
        sem.release(2);
        assert_eq!(sem.available_permits(), 3);
        assert_eq!(sem.forget_permits(5), 3);
        assert_eq!(sem.available_permits(), 0);
        sem.close();
        assert_eq!(sem.try_acquire(0), Err(TryAcquireError::Closed));
    }

    #[test]
    fn waiters_are_served_in_fifo_order() {
        let sem = Semaphore::new(0);
        let (counters, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| counter()).unzip();
        let mut acquires: Vec<_> = (0..3).map(|_| Box::pin(sem.acquire(1))).collect();
        for (acquire, waker) in acquires.iter_mut().zip(&wakers) {
            assert!(poll(acquire.as_mut(), waker).is_pending());
        }
        for served in 0..3 {
            sem.release(1);
            for (i, counter) in counters.iter().enumerate() {
                assert_eq!(woken(counter), usize::from(i <= served), "after {} releases", served + 1);
            }
            assert_eq!(poll(acquires[served].as_mut(), &wakers[served]), Poll::Ready(Ok(())));
        }
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn a_large_request_at_the_front_is_not_overtaken() {
        let sem = Semaphore::new(1);
        let (big_count, big_waker) = counter();
        let (small_count, small_waker) = counter();
        let mut big = Box::pin(sem.acquire(3));
        let mut small = Box::pin(sem.acquire(1));
        assert!(poll(big.as_mut(), &big_waker).is_pending());
        // The big one took the one permit there was, and waits for two more.
        assert_eq!(sem.available_permits(), 0);
        assert!(poll(small.as_mut(), &small_waker).is_pending());
        assert_eq!(sem.try_acquire(1), Err(TryAcquireError::NoPermits));
        sem.release(1);
        assert_eq!((woken(&big_count), woken(&small_count)), (0, 0));
        sem.release(2);
        assert_eq!((woken(&big_count), woken(&small_count)), (1, 1));
        assert_eq!(poll(big.as_mut(), &big_waker), Poll::Ready(Ok(())));
        assert_eq!(poll(small.as_mut(), &small_waker), Poll::Ready(Ok(())));
        assert_eq!(sem.available_permits(), 0);
    }

    #[test]
    fn a_dropped_partially_assigned_acquire_passes_its_permits_on() {
        let sem = Semaphore::new(2);
        let (_, first_waker) = counter();
        let (second_count, second_waker) = counter();
        let mut first = Box::pin(sem.acquire(5));
        let mut second = Box::pin(sem.acquire(3));
        assert!(poll(first.as_mut(), &first_waker).is_pending());
        assert!(poll(second.as_mut(), &second_waker).is_pending());
        sem.release(2);
        // `first` holds 4 of its 5; dropping it gives them to `second`, which needs 3, and one
        // goes back to the word.
        drop(first);
        assert_eq!(woken(&second_count), 1);
        assert_eq!(poll(second.as_mut(), &second_waker), Poll::Ready(Ok(())));
        assert_eq!(sem.available_permits(), 1);
        drop(second);
        assert_eq!(sem.available_permits(), 1, "a completed acquire gives nothing back");
    }

    #[test]
    fn a_dropped_served_but_unpolled_acquire_gives_its_permits_back() {
        let sem = Semaphore::new(0);
        let (count, waker) = counter();
        let mut acquire = Box::pin(sem.acquire(2));
        assert!(poll(acquire.as_mut(), &waker).is_pending());
        sem.release(2);
        assert_eq!(woken(&count), 1);
        drop(acquire);
        assert_eq!(sem.available_permits(), 2);
    }

    #[test]
    fn a_dropped_waiter_leaves_the_queue_and_the_next_is_served() {
        let sem = Semaphore::new(0);
        let (_, a_waker) = counter();
        let (b_count, b_waker) = counter();
        let mut a = Box::pin(sem.acquire(1));
        let mut b = Box::pin(sem.acquire(1));
        assert!(poll(a.as_mut(), &a_waker).is_pending());
        assert!(poll(b.as_mut(), &b_waker).is_pending());
        drop(a);
        sem.release(1);
        assert_eq!(woken(&b_count), 1);
        assert_eq!(poll(b.as_mut(), &b_waker), Poll::Ready(Ok(())));
    }

    #[test]
    fn close_wakes_every_waiter_with_an_error_and_returns_assigned_permits() {
        let sem = Semaphore::new(1);
        let (counters, wakers): (Vec<_>, Vec<_>) = (0..40).map(|_| counter()).unzip();
        // More waiters than one wake batch holds.
        let mut acquires: Vec<_> = (0..40).map(|_| Box::pin(sem.acquire(2))).collect();
        for (acquire, waker) in acquires.iter_mut().zip(&wakers) {
            assert!(poll(acquire.as_mut(), waker).is_pending());
        }
        sem.close();
        assert!(sem.is_closed());
        assert!(counters.iter().all(|c| woken(c) == 1));
        for (acquire, waker) in acquires.iter_mut().zip(&wakers) {
            assert_eq!(poll(acquire.as_mut(), waker), Poll::Ready(Err(AcquireError)));
        }
        assert_eq!(sem.available_permits(), 0);
        // The first had been assigned the one permit: its drop gives it back.
        drop(acquires);
        assert_eq!(sem.available_permits(), 1);
        let mut late = Box::pin(sem.acquire(1));
        assert_eq!(poll(late.as_mut(), &wakers[0]), Poll::Ready(Err(AcquireError)));
    }

    #[test]
    fn release_wakes_more_waiters_than_one_batch_in_order() {
        let sem = Semaphore::new(0);
        let (counters, wakers): (Vec<_>, Vec<_>) = (0..70).map(|_| counter()).unzip();
        let mut acquires: Vec<_> = (0..70).map(|_| Box::pin(sem.acquire(1))).collect();
        for (acquire, waker) in acquires.iter_mut().zip(&wakers) {
            assert!(poll(acquire.as_mut(), waker).is_pending());
        }
        sem.release(69);
        assert!(counters[..69].iter().all(|c| woken(c) == 1));
        assert_eq!(woken(&counters[69]), 0);
        for (acquire, waker) in acquires.iter_mut().zip(&wakers).take(69) {
            assert_eq!(poll(acquire.as_mut(), waker), Poll::Ready(Ok(())));
        }
        sem.release(2);
        assert_eq!(woken(&counters[69]), 1);
        assert_eq!(sem.available_permits(), 1);
    }

    #[test]
    fn repolled_waiter_keeps_the_newest_waker() {
        let sem = Semaphore::new(0);
        let (old_count, old_waker) = counter();
        let (new_count, new_waker) = counter();
        let mut acquire = Box::pin(sem.acquire(1));
        assert!(poll(acquire.as_mut(), &old_waker).is_pending());
        assert!(poll(acquire.as_mut(), &new_waker).is_pending());
        sem.release(1);
        assert_eq!((woken(&old_count), woken(&new_count)), (0, 1));
    }

    #[test]
    #[should_panic(expected = "MAX_PERMITS")]
    fn release_past_max_permits_panics() {
        let sem = Semaphore::new(MAX_PERMITS);
        sem.release(1);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::loom_support::{block_on, unpark_waker, Counter};
    use loom::sync::Arc;
    use loom::thread;

    #[test]
    fn loom_acquire_and_release_from_two_threads() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(1));
            let other = {
                let sem = sem.clone();
                thread::spawn(move || {
                    block_on(sem.acquire(1)).unwrap();
                    sem.release(1);
                })
            };
            block_on(sem.acquire(1)).unwrap();
            sem.release(1);
            other.join().unwrap();
            assert_eq!(sem.available_permits(), 1);
        });
    }

    #[test]
    fn loom_a_batch_acquire_waits_for_two_releases() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let releasers: Vec<_> = (0..2)
                .map(|_| {
                    let sem = sem.clone();
                    thread::spawn(move || sem.release(1))
                })
                .collect();
            block_on(sem.acquire(2)).unwrap();
            for releaser in releasers {
                releaser.join().unwrap();
            }
            assert_eq!(sem.available_permits(), 0);
        });
    }

    #[test]
    fn loom_a_dropped_acquire_racing_a_release_loses_no_permit() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(1));
            let releaser = {
                let sem = sem.clone();
                thread::spawn(move || sem.release(2))
            };
            {
                let mut acquire = Box::pin(sem.acquire(3));
                let waker = Waker::noop();
                // Pending (it can never get 3 before the release's 2 arrive, and 1 + 2 = 3 only if
                // the release ran first), or ready: either way, dropped here.
                let ready = acquire.as_mut().poll(&mut Context::from_waker(waker)).is_ready();
                if ready {
                    // Completed: the permits are ours; give them back as a permit's drop would.
                    drop(acquire);
                    sem.release(3);
                }
            }
            releaser.join().unwrap();
            assert_eq!(sem.available_permits(), 3, "a permit was lost");
        });
    }

    /// Two queued waiters; the first is dropped while a release runs, which may have served it
    /// already (its drop then passes the permit on) or not (the release serves the second): either
    /// way the second gets the one permit, and none is left in (or lost from) the word.
    #[test]
    fn loom_one_of_two_waiters_dropped_while_a_release_serves() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let waker = Waker::noop();
            let mut first = Box::pin(sem.acquire(1));
            assert!(first.as_mut().poll(&mut Context::from_waker(waker)).is_pending());
            let second = {
                let sem = sem.clone();
                thread::spawn(move || block_on(sem.acquire(1)).unwrap())
            };
            let releaser = {
                let sem = sem.clone();
                thread::spawn(move || sem.release(1))
            };
            drop(first);
            second.join().unwrap();
            releaser.join().unwrap();
            assert_eq!(sem.available_permits(), 0, "the permit went to the word, not to the second waiter");
        });
    }

    /// A queued waiter that sees itself served completes without the queue's lock, and drops its
    /// node at once: what the releaser wrote before releasing is visible to it (loom's cell checks
    /// the order), and the release no longer touches the node once it has said it is served.
    #[test]
    fn loom_a_served_waiter_completes_without_the_lock() {
        crate::sync::loom_support::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let data = Arc::new(Counter::new());
            let waker = unpark_waker();
            let mut cx = Context::from_waker(&waker);
            let mut acquire = Box::pin(sem.acquire(1));
            assert!(acquire.as_mut().poll(&mut cx).is_pending());
            let releaser = {
                let (sem, data) = (sem.clone(), data.clone());
                thread::spawn(move || {
                    // SAFETY: nobody else holds the permit: the waiter waits for it.
                    unsafe { data.add() };
                    sem.release(1);
                })
            };
            while acquire.as_mut().poll(&mut cx).is_pending() {
                thread::park();
            }
            drop(acquire);
            // SAFETY: we hold the permit now.
            assert_eq!(unsafe { data.get() }, 1);
            releaser.join().unwrap();
            assert_eq!(sem.available_permits(), 0);
        });
    }

    #[test]
    fn loom_close_racing_an_acquire_wakes_it() {
        loom::model(|| {
            let sem = Arc::new(Semaphore::new(0));
            let closer = {
                let sem = sem.clone();
                thread::spawn(move || sem.close())
            };
            assert_eq!(block_on(sem.acquire(1)), Err(AcquireError));
            closer.join().unwrap();
        });
    }
}
