//! `JoinSet`: a collection of tasks awaited in the order they finish.
//!
//! Each entry is polled with a waker of its own that, when its task completes, pushes the entry's slot
//! onto a ready list and wakes whoever awaits the set. So `join_next` only ever touches entries that
//! made progress: awaiting all of n tasks costs O(n), not O(n²).

use super::{AbortHandle, Id, JoinError, JoinHandle, LocalSet};
use crate::runtime::Handle;
use crate::scheduler::coop;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// A set of spawned tasks that can be awaited as they complete.
///
/// Dropping the set aborts every task still in it.
pub struct JoinSet<T> {
    slots: Vec<Option<Entry<T>>>,
    free: Vec<usize>,
    len: usize,
    ready: Arc<Ready>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Arc<EntryWaker>,
}

#[derive(Default)]
struct Ready {
    slots: Mutex<VecDeque<usize>>,
    /// The waker of the task awaiting `join_next`.
    waiter: Mutex<Option<Waker>>,
}

struct EntryWaker {
    slot: usize,
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.ready.slots.lock().unwrap().push_back(self.slot);
            let waiter = self.ready.waiter.lock().unwrap().take();
            if let Some(waiter) = waiter {
                waiter.wake();
            }
        }
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> JoinSet<T> {
    pub fn new() -> JoinSet<T> {
        JoinSet { slots: Vec::new(), free: Vec::new(), len: 0, ready: Arc::default() }
    }

    /// Tasks in the set (running, or finished but not yet joined).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Aborts every task in the set; they stay in it until joined (as cancelled, unless they had
    /// already finished).
    pub fn abort_all(&mut self) {
        for entry in self.slots.iter().flatten() {
            entry.handle.abort();
        }
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a task on the current runtime into this set.
    ///
    /// # Panics
    /// Outside of a runtime, like [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        let handle = Handle::current_for("JoinSet::spawn").spawn(future);
        self.insert(handle)
    }

    /// Spawns a task on the given runtime into this set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(future))
    }

    /// Spawns a `!Send` task onto the current [`LocalSet`] into this set.
    ///
    /// # Panics
    /// Outside a `LocalSet`, like [`crate::task::spawn_local`].
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::local_set::spawn_local_named(future, None, "JoinSet::spawn_local"))
    }

    /// Spawns a `!Send` task onto `local_set` into this set; it runs when the set is driven.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(future))
    }

    /// Runs a blocking function on the current runtime's blocking pool, into this set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        let handle = Handle::current_for("JoinSet::spawn_blocking").spawn_blocking(f);
        self.insert(handle)
    }

    /// Runs a blocking function on the given runtime's blocking pool, into this set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Aborts every task and waits for all of them to finish.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let slot = self.free.pop().unwrap_or(self.slots.len());
        let waker = Arc::new(EntryWaker { slot, queued: AtomicBool::new(false), ready: self.ready.clone() });
        // Queue the new entry once so that its first poll registers its waker.
        waker.wake_by_ref();
        let entry = Some(Entry { handle, waker });
        if slot == self.slots.len() {
            self.slots.push(entry);
        } else {
            self.slots[slot] = entry;
        }
        self.len += 1;
        abort
    }

    /// Waits for the next task to finish and returns its output; `None` when the set is empty.
    ///
    /// Cancel safe: if the returned future is dropped, no output is lost.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Returns the output of a task that already finished, without waiting; `None` if none has.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.next_ready()
    }

    /// [`join_next`](Self::join_next), with the finished task's id beside its output.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// [`try_join_next`](Self::try_join_next), with the finished task's id beside its output.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.next_ready_with_id()
    }

    /// Removes every task from the set without aborting it: each goes on running, detached, as
    /// when its `JoinHandle` is dropped.
    pub fn detach_all(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.len = 0;
        self.ready.slots.lock().unwrap().clear();
    }

    /// Polls for the next finished task.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx).map(|next| next.map(|result| result.map(|(_, output)| output)))
    }

    /// [`poll_join_next`](Self::poll_join_next), with the finished task's id beside its output.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        let describe = || format!("JoinSet of {} tasks", self.len);
        if let Some(leaf) =
            crate::task::trace::leaf(crate::probe::trace::LeafKind::JoinHandle, cx.waker(), describe)
        {
            // Waiting: no entry has woken since the last poll, which left its waker.
            let waiting =
                self.ready.slots.lock().unwrap().is_empty() && self.ready.waiter.lock().unwrap().is_some();
            return leaf.pending(waiting);
        }
        let restore = std::task::ready!(coop::poll_proceed(cx));
        // Register before draining, so a completion racing with the drain still wakes us.
        *self.ready.waiter.lock().unwrap() = Some(cx.waker().clone());
        match self.next_ready_with_id() {
            Some(output) => {
                restore.made_progress();
                Poll::Ready(Some(output))
            }
            None => Poll::Pending,
        }
    }

    fn next_ready(&mut self) -> Option<Result<T, JoinError>> {
        self.next_ready_with_id().map(|result| result.map(|(_, output)| output))
    }

    /// Polls the entries whose wakers fired until one has finished.
    fn next_ready_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        loop {
            let slot = self.ready.slots.lock().unwrap().pop_front()?;
            let Some(entry) = self.slots[slot].as_mut() else { continue };
            entry.waker.queued.store(false, Ordering::Release);
            let waker = Waker::from(entry.waker.clone());
            if let Poll::Ready(output) = entry.handle.poll_unconstrained(&waker) {
                let id = entry.handle.id();
                self.slots[slot] = None;
                self.free.push(slot);
                self.len -= 1;
                return Some(output.map(|output| (id, output)));
            }
        }
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> std::fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
