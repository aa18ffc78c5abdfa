//! What the sync primitives' loom models share: a bounded `model`, and `block_on`, which drives one
//! future on the current loom thread, parking between polls, with a waker that only unparks it.
//!
//! A lost wakeup leaves the polling thread parked forever, which loom reports as a deadlock: so each
//! model that waits through `block_on` also checks that every wake reaches its waiter.
//!
//! Why the waker only unparks, with no "woken" flag beside the park: loom keeps an `unpark` of a
//! thread that is not parked for its next `park` (as `std`'s token is), so a wake that lands between
//! the poll and the park is not lost, and an extra poll after a stale unpark is harmless. An earlier
//! version, hand-rolled in several models, paired the park with a loom `AtomicBool` that the poller
//! swapped to `false` before each park and the waker stored `true`: loom orders the poller's earlier
//! `swap` and the waker's `store` as concurrent, and can then let the poller's next `swap` read the
//! older `false` even after the unpark (which the memory model forbids: a read-modify-write reads the
//! latest value). That showed up as "deadlocks" in models whose primitive was blameless: the trace had
//! the waiter served and woken, and then re-parking on a flag that read `false`.

use loom::thread;
use std::future::Future;
use std::task::{Context, Poll, Wake, Waker};

/// Runs a loom model under a preemption bound of 3 unless `LOOM_MAX_PREEMPTIONS` sets another: the
/// models' state spaces are then searched in seconds, and the races they are about need fewer.
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// A waker that unparks the loom thread that made it.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks the current loom thread (see the module doc for why it does nothing else).
pub(crate) fn unpark_waker() -> Waker {
    Waker::from(std::sync::Arc::new(Unpark(thread::current())))
}

/// Polls `future` to completion on this loom thread, parking between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let waker = unpark_waker();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// A count in a loom `UnsafeCell`, for the lock models: loom fails the model if two threads touch it
/// without the lock under test ordering them (a write beside any other access).
pub(crate) struct Counter(crate::loom::cell::UnsafeCell<usize>);

// SAFETY: the models share a `Counter` only behind the lock under test, and touch it only through the
// `unsafe` methods below, whose contract is that lock; loom's cell checks that it holds.
unsafe impl Sync for Counter {}

impl Counter {
    pub(crate) fn new() -> Self {
        Counter(crate::loom::cell::UnsafeCell::new(0))
    }

    /// Adds one.
    ///
    /// # Safety
    /// The caller holds the lock under test exclusively (a mutex's guard, a write guard).
    pub(crate) unsafe fn add(&self) {
        // SAFETY: exclusive (the contract); loom checks it.
        self.0.with_mut(|count| unsafe { *count += 1 });
    }

    /// The count.
    ///
    /// # Safety
    /// The caller holds the lock under test (shared access suffices).
    pub(crate) unsafe fn get(&self) -> usize {
        // SAFETY: no writer meanwhile (the contract); loom checks it.
        self.0.with(|count| unsafe { *count })
    }
}
