//! Thread parking: put a thread to sleep until another thread says there is work.
//!
//! A three-state atomic (empty, parked, notified) in front of a mutex and condvar: an `unpark` that
//! arrives before `park` is remembered, so no wakeup is ever lost, and the uncontended paths (unpark of
//! a running thread, park with a pending notification) touch only the atomic. Workers, the
//! current-thread scheduler and `block_on` all park through this one type.
//!
//! A runtime's parkers also know its I/O driver: the thread holding the driver token parks *in* it
//! (`park_in_driver`, state `PARKED_DRIVER`), and `unpark` then wakes it through the driver's mio
//! `Waker` instead of the condvar.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
// `std`'s `Arc` even under loom: `Wake` takes `self: std::sync::Arc<Self>`.
use crate::io::driver::IoHandle;
use std::sync::Arc;
use std::task::Wake;
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_DRIVER: usize = 3;

/// The parking side; one per thread that parks. A clone parks on the same state: a worker's parker
/// moves with its core to another thread (`block_in_place`), and only one thread parks on it at a time.
#[derive(Clone)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking side; cheap to clone and use from any thread. It is also a `Waker` (via `Wake`).
#[derive(Clone)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
    /// The runtime's I/O driver, for threads that may park in it.
    io: Option<Arc<IoHandle>>,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker::with_io(None)
    }

    /// A parker for a runtime thread that may park in the I/O driver.
    pub(crate) fn with_io(io: Option<Arc<IoHandle>>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                condvar: Condvar::new(),
                io,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker { inner: self.inner.clone() }
    }

    /// Sleeps until unparked (returns at once if an unpark is pending).
    pub(crate) fn park(&self) {
        self.inner.park(None);
    }

    /// Sleeps until unparked or `timeout` passes (the time driver's next deadline).
    pub(crate) fn park_timeout(&self, timeout: std::time::Duration) {
        self.inner.park(Some(timeout));
    }

    /// Parks as the time driver says: until woken, or at most until the next timer.
    pub(crate) fn park_for(&self, timeout: Option<std::time::Duration>) {
        match timeout {
            None => self.park(),
            Some(timeout) => self.park_timeout(timeout),
        }
    }

    /// Parks in the I/O driver (the caller holds the driver token): until an I/O event, an unpark, or
    /// `timeout`. The events found wake their tasks before this returns. Even with a notification
    /// pending the driver is polled once, without waiting, so a thread that is woken often still
    /// sees I/O.
    pub(crate) fn park_in_driver(&self, timeout: Option<Duration>) {
        let io = self.inner.io.as_ref().expect("park_in_driver on a parker without an I/O driver");
        if self.inner.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
            io.turn(Some(Duration::ZERO));
            return;
        }
        match self.inner.state.compare_exchange(EMPTY, PARKED_DRIVER, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.inner.state.swap(EMPTY, SeqCst);
                io.turn(Some(Duration::ZERO));
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        // An unpark from here on sees PARKED_DRIVER and wakes the poll; one that lands before the poll
        // starts leaves the eventfd readable, so the poll returns at once.
        io.turn(timeout);
        self.inner.state.swap(EMPTY, SeqCst);
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        // Consume a pending notification without locking.
        if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.lock.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Notified between the first check and taking the lock.
                self.state.swap(EMPTY, SeqCst);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        match timeout {
            None => loop {
                guard = wait(&self.condvar, guard);
                if self.state.compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst).is_ok() {
                    return;
                }
                // A spurious wakeup: keep sleeping.
            },
            Some(timeout) => {
                let (_guard, _) = wait_timeout(&self.condvar, guard, timeout);
                // Notified or timed out: either way we are no longer parked.
                self.state.swap(EMPTY, SeqCst);
            }
        }
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED_DRIVER => self.io.as_ref().expect("parked in a driver it does not have").unpark(),
            PARKED => {
                // Take the lock so that the notify cannot slip in between the parker's state change
                // and its wait.
                drop(self.lock.lock());
                self.condvar.notify_one();
            }
            actual => panic!("inconsistent park state: {actual}"),
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }

    pub(crate) fn into_waker(self) -> std::task::Waker {
        std::task::Waker::from(self.inner)
    }
}

impl Wake for Inner {
    fn wake(self: Arc<Self>) {
        self.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.unpark();
    }
}

#[cfg(not(loom))]
fn wait<'a>(condvar: &Condvar, guard: std::sync::MutexGuard<'a, ()>) -> std::sync::MutexGuard<'a, ()> {
    condvar.wait(guard).unwrap_or_else(|e| e.into_inner())
}

#[cfg(not(loom))]
fn wait_timeout<'a>(
    condvar: &Condvar,
    guard: std::sync::MutexGuard<'a, ()>,
    timeout: Duration,
) -> (std::sync::MutexGuard<'a, ()>, bool) {
    let (guard, res) = condvar.wait_timeout(guard, timeout).unwrap_or_else(|e| e.into_inner());
    (guard, res.timed_out())
}

#[cfg(loom)]
fn wait<'a>(condvar: &Condvar, guard: loom::sync::MutexGuard<'a, ()>) -> loom::sync::MutexGuard<'a, ()> {
    condvar.wait(guard).unwrap()
}

#[cfg(loom)]
fn wait_timeout<'a>(
    condvar: &Condvar,
    guard: loom::sync::MutexGuard<'a, ()>,
    _timeout: Duration,
) -> (loom::sync::MutexGuard<'a, ()>, bool) {
    // loom has no time: a timed wait is a wait that may end spuriously.
    (condvar.wait(guard).unwrap(), false)
}

/// Runs a future to completion on this thread, parking between polls. Not a scheduler: tasks the future
/// spawns run on the runtime's workers.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static PARKER: (Parker, std::task::Waker) = {
            let parker = Parker::new();
            let waker = parker.unparker().into_waker();
            (parker, waker)
        };
    }
    let mut future = std::pin::pin!(future);
    PARKER.with(|(parker, waker)| {
        let mut cx = std::task::Context::from_waker(waker);
        loop {
            let res = crate::scheduler::coop::budget(|| future.as_mut().poll(&mut cx));
            // Not a task: a yield there means nothing to any scheduler.
            crate::probe::poll::take_yielded();
            if let std::task::Poll::Ready(out) = res {
                return out;
            }
            parker.park();
        }
    })
}
