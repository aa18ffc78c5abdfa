//! What the sync primitives' unit tests share: a waker that counts its wakes, a hand poll, a value
//! that counts its drops, auto-trait checks and the runtimes the runtime tests run on.
//!
//! The unit tests poll futures by hand so that Miri can run them and so that each wake is counted,
//! not merely observed; one copy of these helpers keeps every primitive's tests reading alike.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wakes.
#[derive(Default)]
pub(crate) struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker, and the count to read it by (see [`wakes`]).
pub(crate) fn count_waker() -> (Arc<CountWaker>, Waker) {
    let count = Arc::new(CountWaker::default());
    (count.clone(), Waker::from(count))
}

/// How many times the waker of `count` was woken.
pub(crate) fn wakes(count: &CountWaker) -> usize {
    count.0.load(Ordering::SeqCst)
}

/// Polls `f` once with `waker`.
pub(crate) fn poll<F: Future + ?Sized>(f: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

/// A value that counts its drops (and its clones' drops) in a shared counter.
#[derive(Debug)]
pub(crate) struct Counted(pub(crate) u32, pub(crate) Arc<AtomicUsize>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        Counted(self.0, self.1.clone())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::SeqCst);
    }
}

/// A `Counted` holding `n`, and its drop counter.
pub(crate) fn counted(n: u32) -> (Counted, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    (Counted(n, drops.clone()), drops)
}

/// The count of a drop counter.
pub(crate) fn drops(d: &AtomicUsize) -> usize {
    d.load(Ordering::SeqCst)
}

/// Compiles only if `T` is `Send` and `Sync`.
pub(crate) fn is_send_sync<T: Send + Sync>() {}

/// Compiles only if the value's type is `Send`.
pub(crate) fn is_send_of<T: Send>(_: &T) {}

/// A current-thread runtime, for the runtime tests.
pub(crate) fn current_thread_rt() -> crate::runtime::Runtime {
    crate::runtime::Builder::new_current_thread().build().unwrap()
}

/// A multi-thread runtime with two workers, for the runtime tests with real contention.
pub(crate) fn multi_thread_rt() -> crate::runtime::Runtime {
    crate::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}
