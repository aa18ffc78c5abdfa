//! The global injection queue: tasks woken or spawned from outside the workers, and the overflow of
//! full local rings.
//!
//! An intrusive singly linked list through each task trailer's `queue_next`, under one mutex, with its
//! length mirrored in an atomic so that workers can see "nothing there" without locking. A batch push
//! links the batch first and takes the lock once. Once closed (shutdown), pushed tasks are dropped.

use super::queue::Overflow;
use crate::loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::task::core::Header;
use crate::task::{Notified, RawTask};
use std::ptr::NonNull;
// A count for metrics, which synchronizes nothing: loom need not model it.
use std::sync::atomic::AtomicU64;

pub(crate) struct Inject {
    synced: Mutex<Synced>,
    len: AtomicUsize,
    /// Tasks pushed by `push_remote`: woken or spawned from outside the workers (counted under the
    /// lock, so a load and a store; the overflow of the workers' rings is not counted).
    remote_pushes: AtomicU64,
    /// Mirrors `Synced::closed` for lock-free reads; the locked copy is what pushes obey.
    closed: AtomicBool,
}

struct Synced {
    head: Option<NonNull<Header>>,
    tail: Option<NonNull<Header>>,
    closed: bool,
}

// SAFETY: the pointers are followed only under the mutex, and each task in the list is owned by the
// list (it holds the task's `Notified` reference).
unsafe impl Send for Synced {}

/// # Safety
/// `task` is a live header whose `Notified` reference the caller owns (or the list owns, and the
/// caller holds the lock): the queue link belongs to the owner of the `Notified`.
unsafe fn set_next(task: NonNull<Header>, next: Option<NonNull<Header>>) {
    // SAFETY: per this function's contract.
    unsafe { Header::trailer(task) }.queue_next.with_mut(|p| unsafe { *p = next });
}

/// # Safety
/// As for `set_next`.
unsafe fn take_next(task: NonNull<Header>) -> Option<NonNull<Header>> {
    // SAFETY: per this function's contract.
    unsafe { Header::trailer(task) }.queue_next.with_mut(|p| unsafe { (*p).take() })
}

impl Inject {
    pub(crate) fn new() -> Inject {
        Inject {
            synced: Mutex::new(Synced { head: None, tail: None, closed: false }),
            len: AtomicUsize::new(0),
            remote_pushes: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes the queue; returns false if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let mut synced = self.synced.lock();
        self.closed.store(true, Ordering::Release);
        !std::mem::replace(&mut synced.closed, true)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn pop(&self) -> Option<Notified> {
        let mut popped = None;
        self.pop_batch(1, |task| popped = Some(task));
        popped
    }

    /// Pops up to `n` tasks under one lock, handing each to `f` (which must not touch this queue).
    pub(crate) fn pop_batch(&self, n: usize, mut f: impl FnMut(Notified)) {
        if n == 0 || self.is_empty() {
            return;
        }
        let mut synced = self.synced.lock();
        let mut popped = 0;
        while popped < n {
            let Some(head) = synced.head else { break };
            // SAFETY: the list owns the head's `Notified`, and we hold the lock.
            synced.head = unsafe { take_next(head) };
            popped += 1;
            // SAFETY: the list owned this `Notified` reference and gives it to the caller.
            f(unsafe { Notified::from_raw(RawTask::from_raw(head)) });
        }
        if synced.head.is_none() {
            synced.tail = None;
        }
        self.len.fetch_sub(popped, Ordering::Release);
    }

    /// A task woken or spawned from outside the workers.
    pub(crate) fn push_remote(&self, task: Notified) {
        let ptr = task.into_raw().header_ptr();
        // SAFETY: we own the task's `Notified`, turned into the raw pointer just above.
        unsafe { set_next(ptr, None) };
        self.push_chain(ptr, ptr, 1, true);
    }

    /// Tasks pushed by `push_remote` so far.
    pub(crate) fn remote_pushes(&self) -> u64 {
        self.remote_pushes.load(Ordering::Relaxed)
    }

    /// Appends a chain linked by the caller; once the queue is closed, drops it instead.
    fn push_chain(&self, head: NonNull<Header>, tail: NonNull<Header>, count: usize, remote: bool) {
        let mut synced = self.synced.lock();
        if synced.closed {
            drop(synced);
            // Shutdown has begun: the owned-tasks list cancels these tasks (now or shortly); only
            // their queue references are ours to drop.
            let mut next = Some(head);
            while let Some(task) = next {
                // SAFETY: the chain owns each task's `Notified` reference.
                next = unsafe { take_next(task) };
                // SAFETY: the chain owns each task's `Notified` reference.
                drop(unsafe { Notified::from_raw(RawTask::from_raw(task)) });
            }
            return;
        }
        match synced.tail {
            // SAFETY: the list owns its tail's `Notified`, and we hold the lock.
            Some(old_tail) => unsafe { set_next(old_tail, Some(head)) },
            None => synced.head = Some(head),
        }
        synced.tail = Some(tail);
        self.len.fetch_add(count, Ordering::SeqCst);
        if remote {
            self.remote_pushes.store(self.remote_pushes.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        }
    }
}

impl Overflow<Notified> for Inject {
    fn push(&self, task: Notified) {
        let ptr = task.into_raw().header_ptr();
        // SAFETY: we own the task's `Notified`, turned into the raw pointer just above.
        unsafe { set_next(ptr, None) };
        self.push_chain(ptr, ptr, 1, false);
    }

    fn push_batch(&self, mut tasks: impl Iterator<Item = Notified>) {
        let Some(first) = tasks.next() else { return };
        let head = first.into_raw().header_ptr();
        // SAFETY: the chain being built owns each `Notified` turned into a raw pointer here.
        unsafe { set_next(head, None) };
        let mut tail = head;
        let mut count = 1;
        for task in tasks {
            let ptr = task.into_raw().header_ptr();
            // SAFETY: as above: the chain owns both.
            unsafe {
                set_next(ptr, None);
                set_next(tail, Some(ptr));
            }
            tail = ptr;
            count += 1;
        }
        self.push_chain(head, tail, count, false);
    }
}

impl Drop for Inject {
    fn drop(&mut self) {
        while let Some(task) = self.pop() {
            drop(task);
        }
    }
}
