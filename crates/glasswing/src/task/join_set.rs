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
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::JoinSet;
///
/// let mut set = JoinSet::new();
/// for i in 0..4u32 {
///     set.spawn(async move { i * i });
/// }
/// let mut total = 0;
/// while let Some(res) = set.join_next().await {
///     total += res.unwrap();
/// }
/// assert_eq!(total, 14);
/// # }
/// ```
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
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::task::JoinSet;
    ///
    /// let set: JoinSet<()> = JoinSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet { slots: Vec::new(), free: Vec::new(), len: 0, ready: Arc::default() }
    }

    /// Tasks in the set (running, or finished but not yet joined).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async {});
    /// set.spawn(async {});
    /// assert_eq!(set.len(), 2);
    /// set.join_next().await;
    /// assert_eq!(set.len(), 1);
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// assert!(!set.is_empty());
    /// set.join_all().await;
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Aborts every task in the set; they stay in it until joined (as cancelled, unless they had
    /// already finished).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.abort_all();
    /// assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// let abort = set.spawn(async { "done" });
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), "done");
    /// assert!(abort.is_finished());
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::Runtime;
    /// use glasswing::task::JoinSet;
    ///
    /// let rt = Runtime::new().unwrap();
    /// let mut set = JoinSet::new();
    /// set.spawn_on(async { 9 }, rt.handle());
    /// let out = rt.block_on(set.join_next()).unwrap().unwrap();
    /// assert_eq!(out, 9);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{JoinSet, LocalSet};
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// local
    ///     .run_until(async {
    ///         let mut set = JoinSet::new();
    ///         let shared = Rc::new(5); // not `Send`
    ///         set.spawn_local(async move { *shared + 1 });
    ///         assert_eq!(set.join_next().await.unwrap().unwrap(), 6);
    ///     })
    ///     .await;
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::local_set::spawn_local_named(future, None, "JoinSet::spawn_local"))
    }

    /// Spawns a `!Send` task onto `local_set` into this set; it runs when the set is driven.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{JoinSet, LocalSet};
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// let mut set = JoinSet::new();
    /// let shared = Rc::new("local");
    /// set.spawn_local_on(async move { shared.len() }, &local);
    /// let out = local.run_until(set.join_next()).await;
    /// assert_eq!(out.unwrap().unwrap(), 5);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(future))
    }

    /// Runs a blocking function on the current runtime's blocking pool, into this set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// for n in [10u64, 100] {
    ///     set.spawn_blocking(move || (1..=n).sum::<u64>());
    /// }
    /// let mut outputs = set.join_all().await;
    /// outputs.sort();
    /// assert_eq!(outputs, [55, 5050]);
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::Runtime;
    /// use glasswing::task::JoinSet;
    ///
    /// let rt = Runtime::new().unwrap();
    /// let mut set = JoinSet::new();
    /// set.spawn_blocking_on(|| 2 + 2, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Waits for every task and returns their outputs, in the order the tasks finished.
    ///
    /// # Panics
    /// If a task panicked: its panic resumes here (the set is dropped on the way, which aborts the
    /// tasks still in it). If a task was cancelled (aborted, or its runtime shut down), with that
    /// `JoinError`'s message. To handle failures instead, loop on [`join_next`](Self::join_next).
    ///
    /// # Examples
    ///
    /// ```
    /// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set: glasswing::task::JoinSet<u32> = (1..=3).map(|i| async move { i * 10 }).collect();
    /// let mut outputs = set.join_all().await;
    /// outputs.sort();
    /// assert_eq!(outputs, [10, 20, 30]);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
                Err(err) => panic!("JoinSet::join_all: {err}"),
            }
        }
        outputs
    }

    /// Aborts every task and waits for all of them to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.spawn(std::future::pending::<()>());
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    /// // Empty now.
    /// assert!(set.join_next().await.is_none());
    /// # }
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Returns the output of a task that already finished, without waiting; `None` if none has.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async { 8 });
    /// // The task has not run yet: this task has not yielded.
    /// assert!(set.try_join_next().is_none());
    /// glasswing::task::yield_now().await;
    /// assert_eq!(set.try_join_next().unwrap().unwrap(), 8);
    /// # }
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.next_ready()
    }

    /// [`join_next`](Self::join_next), with the finished task's id beside its output.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// let id = set.spawn(async { "a" }).id();
    /// let (finished, out) = set.join_next_with_id().await.unwrap().unwrap();
    /// assert_eq!((finished, out), (id, "a"));
    /// # }
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// [`try_join_next`](Self::try_join_next), with the finished task's id beside its output.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut set = glasswing::task::JoinSet::new();
    /// let id = set.spawn(async { 3 }).id();
    /// glasswing::task::yield_now().await;
    /// assert_eq!(set.try_join_next_with_id().unwrap().unwrap(), (id, 3));
    /// # }
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.next_ready_with_id()
    }

    /// Removes every task from the set without aborting it: each goes on running, detached, as
    /// when its `JoinHandle` is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = glasswing::sync::oneshot::channel();
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async move { tx.send("still ran").unwrap() });
    /// set.detach_all();
    /// assert!(set.is_empty());
    /// drop(set); // would abort the task, had it not been detached
    /// assert_eq!(rx.await.unwrap(), "still ran");
    /// # }
    /// ```
    pub fn detach_all(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.len = 0;
        self.ready.slots.lock().unwrap().clear();
    }

    /// Polls for the next finished task.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    ///
    /// let mut set = glasswing::task::JoinSet::new();
    /// set.spawn(async { 4 });
    /// let out = poll_fn(|cx| set.poll_join_next(cx)).await;
    /// assert_eq!(out.unwrap().unwrap(), 4);
    /// # }
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx).map(|next| next.map(|result| result.map(|(_, output)| output)))
    }

    /// [`poll_join_next`](Self::poll_join_next), with the finished task's id beside its output.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::future::poll_fn;
    ///
    /// let mut set = glasswing::task::JoinSet::new();
    /// let id = set.spawn(async { 4 }).id();
    /// let out = poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    /// assert_eq!(out.unwrap().unwrap(), (id, 4));
    /// # }
    /// ```
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
        // Register, and look for finished entries, under the waiter's lock: a completion that
        // queues its entry after the look takes the waiter after us, so it wakes the new one.
        let (previous, nothing_ready) = {
            let mut waiter = self.ready.waiter.lock().unwrap();
            let nothing_ready = self.ready.slots.lock().unwrap().is_empty();
            (waiter.replace(cx.waker().clone()), nothing_ready)
        };
        // Outside the lock: dropping a waker runs user code, which may complete one of our tasks
        // (and so take the lock).
        drop(previous);
        if nothing_ready {
            return Poll::Pending;
        }
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

/// A set of the futures `iter` gives, each spawned on the current runtime, as by
/// [`JoinSet::spawn`].
///
/// # Panics
/// Outside of a runtime, as [`JoinSet::spawn`].
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns each future `iter` gives on the current runtime, into the set, as by
/// [`JoinSet::spawn`].
///
/// # Panics
/// Outside of a runtime, as [`JoinSet::spawn`].
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
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
