//! `LocalSet` and `spawn_local`: tasks whose futures are not `Send`, all run on one thread.
//!
//! A local task is an ordinary task (the same allocation, state machine, wakers, `JoinHandle` and
//! diagnostics record as any other) whose scheduler is its `LocalSet` instead of a runtime. What
//! makes it sound to put a future that is not `Send` there is where it is polled and dropped: only
//! on the set's thread. A `LocalSet` is not `Send`, so the thread that made it is the one that runs
//! it, and its tasks go only through its own queues:
//!
//! - a wake on that thread while the set runs (the common case: one local task waking another)
//!   pushes onto the set's local queue, a `VecDeque` behind a `RefCell`, with no lock;
//! - a wake from anywhere else (another thread, a timer or I/O driver, an `abort()`) goes through
//!   a locked remote queue, and wakes whoever runs the set (the waker of its last poll).
//!
//! Every other path that could touch the future stays on the set's thread too: the set's `Drop`
//! cancels its tasks (from its own owned list, which a runtime's shutdown never sees), and a task
//! dump refuses to trace a local task elsewhere (`Schedule::may_poll_here`). Wakers and
//! `JoinHandle`s may go anywhere, as for any task: they never touch the future, and the output
//! reaches another thread only through a `JoinHandle` that is `Send`, so only if the output is.
//!
//! Diagnostics: the set's tasks keep their records in its own owned list, and the first time the
//! set runs inside a runtime (or spawns there) it registers that list with the runtime, so that
//! snapshots, dumps, the long-poll watchdog and the deadlock search see its tasks
//! (`AllTasks`). Their polls go through the same probes as any task's (`Harness::poll`).

use super::core::Meta;
use super::list::OwnedTasks;
use super::{Id, JoinHandle, Notified, Schedule, Task};
use crate::probe::{self, RuntimeProbes};
use crate::runtime::{context, Runtime};
use crate::scheduler::coop;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context as TaskContext, Poll, Waker};
use std::thread::{self, ThreadId};

/// Tasks polled per turn of the set before it yields to whatever runs it (Tokio's value): a set
/// busy with its own tasks still lets the `run_until` future and its runtime's drivers run.
const MAX_TASKS_PER_TICK: u32 = 61;

/// Every this many tasks, the remote queue goes first, so that wakes from other threads are not
/// starved by local ones (the current-thread scheduler's interval).
const REMOTE_FIRST_INTERVAL: u32 = 31;

/// A set of tasks that run on the current thread, for futures that are not `Send` (`Rc`,
/// `RefCell`, a `!Send` client).
///
/// Tasks are spawned with [`spawn_local`](LocalSet::spawn_local) (or [`crate::task::spawn_local`]
/// from inside the set) and run while the set is driven: by [`run_until`](LocalSet::run_until) or
/// [`block_on`](LocalSet::block_on), which run a future together with the set's tasks, or by
/// awaiting the set itself, which completes once all its tasks have. They run on any runtime
/// flavor; inside a multi-thread runtime, on the thread that drives the set (a `block_on` thread),
/// not on the workers.
///
/// Dropping the set cancels the tasks still in it: each future is dropped, on this thread, once.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
/// let local = glasswing::task::LocalSet::new();
/// let shared = Rc::new(std::cell::Cell::new(0));
/// local.block_on(&rt, async {
///     let counter = shared.clone();
///     let task = glasswing::task::spawn_local(async move { counter.set(counter.get() + 1) });
///     task.await.unwrap();
/// });
/// assert_eq!(shared.get(), 1);
/// ```
pub struct LocalSet {
    context: Rc<Context>,
    /// The set may not leave its thread: its tasks' futures are polled only there.
    _not_send: PhantomData<*const ()>,
}

/// What the set's thread holds: the local queue, and the shared part.
struct Context {
    shared: Arc<Shared>,
    /// Tasks woken on this thread; touched only here.
    queue: RefCell<VecDeque<Notified>>,
    tick: Cell<u32>,
    /// True during the set's own poll (its tasks', and `run_until`'s future's): a task pushed then
    /// is found by that poll without a wake.
    ticking: Cell<bool>,
    /// The runtime the set's list was last registered with, for diagnostics (compared by address;
    /// the `Weak` keeps the address from being reused).
    registered: RefCell<Weak<RuntimeProbes>>,
}

/// The part of a set that its tasks (their scheduler) and their wakers share, across threads.
pub(crate) struct Shared {
    pub(crate) owned: OwnedTasks,
    owner: ThreadId,
    /// Tasks woken from elsewhere; `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified>>>,
    /// The waker of the set's last poll (`run_until`'s or its own).
    waker: Mutex<Option<Waker>>,
}

/// A local task's scheduler: its set.
pub(crate) struct LocalScheduler(Arc<Shared>);

thread_local! {
    /// The set whose tasks run on this thread now (its poll, its drop, `LocalSet::enter`).
    static CURRENT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Makes `cx` the current set until dropped; restores the one before. Does nothing while the
/// thread's locals are being torn down (a set dropped by another thread-local's destructor): its
/// tasks' wakes then take the remote path, which needs no current set.
struct SetCurrent {
    /// `None` if nothing was set.
    prev: Option<Option<Rc<Context>>>,
}

impl SetCurrent {
    fn new(cx: &Rc<Context>) -> SetCurrent {
        SetCurrent { prev: CURRENT.try_with(|current| current.borrow_mut().replace(cx.clone())).ok() }
    }
}

impl Drop for SetCurrent {
    fn drop(&mut self) {
        let Some(prev) = self.prev.take() else { return };
        // The old value is dropped after the borrow ends: it may be the set's last `Rc`.
        let _old = CURRENT.try_with(|current| std::mem::replace(&mut *current.borrow_mut(), prev));
    }
}

/// Keeps a [`LocalSet`] current on this thread until dropped; see [`LocalSet::enter`].
///
/// # Examples
///
/// ```
/// use glasswing::task::{LocalEnterGuard, LocalSet};
///
/// let local = LocalSet::new();
/// let guard: LocalEnterGuard = local.enter();
/// let task = glasswing::task::spawn_local(async { 5 });
/// drop(guard);
/// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
/// assert_eq!(local.block_on(&rt, task).unwrap(), 5);
/// ```
pub struct LocalEnterGuard {
    _current: SetCurrent,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}

impl LocalSet {
    /// An empty set, bound to this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let local = glasswing::task::LocalSet::new();
    /// let out = local.run_until(async { glasswing::task::spawn_local(async { 1 }).await }).await;
    /// assert_eq!(out.unwrap(), 1);
    /// # }
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            context: Rc::new(Context {
                shared: Arc::new(Shared {
                    owned: OwnedTasks::new(0),
                    owner: thread::current().id(),
                    remote: Mutex::new(Some(VecDeque::new())),
                    waker: Mutex::new(None),
                }),
                queue: RefCell::new(VecDeque::new()),
                tick: Cell::new(0),
                ticking: Cell::new(false),
                registered: RefCell::new(Weak::new()),
            }),
            _not_send: PhantomData,
        }
    }

    /// The set's id, unique among the runtimes and sets of the process (a set keeps a task list
    /// of its own, as a runtime does).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::task::LocalSet;
    ///
    /// let (a, b) = (LocalSet::new(), LocalSet::new());
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        self.context.shared.owned.id()
    }

    /// Makes this set the current one on this thread until the guard drops, so that
    /// [`crate::task::spawn_local`] spawns onto it. Its tasks run only while the set is driven.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{spawn_local, LocalSet};
    ///
    /// let local = LocalSet::new();
    /// let task = {
    ///     let _guard = local.enter();
    ///     // Spawns onto `local`, outside any `run_until`.
    ///     spawn_local(async { "queued" })
    /// };
    /// assert_eq!(local.run_until(task).await.unwrap(), "queued");
    /// # }
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard { _current: SetCurrent::new(&self.context), _not_send: PhantomData }
    }

    /// Spawns a task onto this set; it runs once the set is driven (see [`LocalSet`]).
    ///
    /// Works outside any runtime too: the task then waits for the set to run inside one.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::task::LocalSet;
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// let name = Rc::new("rc");
    /// let task = local.spawn_local(async move { name.len() });
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(local.block_on(&rt, task).unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future, None, Location::caller())
    }

    #[track_caller]
    pub(crate) fn spawn_named<F>(&self, future: F, name: Option<&str>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future, name, Location::caller())
    }

    /// Runs `future` to completion on `rt`, driving this set's tasks meanwhile:
    /// `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    /// Where `Runtime::block_on` does: on a thread that already runs a runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::task::{spawn_local, LocalSet};
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let out = local.block_on(&rt, async { spawn_local(async { 3 * 3 }).await.unwrap() });
    /// assert_eq!(out, 9);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Runs `future` and this set's tasks together until `future` completes; tasks still pending
    /// then stay in the set, to run the next time it is driven.
    ///
    /// Inside it, [`crate::task::spawn_local`] spawns onto this set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{spawn_local, LocalSet};
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// let hits = Rc::new(Cell::new(0));
    /// let h = hits.clone();
    /// local.run_until(async move { spawn_local(async move { h.set(h.get() + 1) }).await.unwrap() }).await;
    /// assert_eq!(hits.get(), 1);
    /// # }
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        RunUntil { set: self, future }.await
    }

    /// Polls up to `MAX_TASKS_PER_TICK` tasks; true if more are ready.
    fn tick(&self) -> bool {
        let cx = &*self.context;
        cx.register_with_runtime();
        cx.running(|| self.run_tasks())
    }

    fn run_tasks(&self) -> bool {
        let cx = &*self.context;
        for _ in 0..MAX_TASKS_PER_TICK {
            match cx.next_task() {
                // A fresh budget per task, as a scheduler gives: the set's own poll has one already.
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    /// One turn of the set inside a poll with `waker`. True if no task is ready any more; false if
    /// the turn ended with tasks still ready (then `waker` was woken, to come back for them).
    fn poll_tasks(&self, waker: &Waker) -> bool {
        self.context.shared.register(waker);
        if self.tick() {
            // More is ready: come back after whatever else the thread has to do.
            waker.wake_by_ref();
            return false;
        }
        true
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").field("tasks", &self.context.shared.owned.alive()).finish()
    }
}

/// Awaiting a `LocalSet` runs its tasks until every one has completed.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let _current = SetCurrent::new(&self.context);
        if !self.poll_tasks(cx.waker()) {
            return Poll::Pending;
        }
        if self.context.shared.owned.alive() == 0 {
            Poll::Ready(())
        } else {
            // Some tasks wait: their wakes come back to the waker just registered.
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl LocalSet {
    /// Cancels the set's tasks and closes it to new ones, as its drop does (which then finds nothing
    /// left to do); for an owner that must cancel them in a context of its own (`LocalRuntime`).
    pub(crate) fn shutdown(&self) {
        let cx = &self.context;
        // The futures dropped here may spawn or wake other local tasks: this set is current.
        let _current = SetCurrent::new(cx);
        cx.shared.owned.close_and_shutdown_all(0);
        // Dropping a queue entry may run user code that wakes other tasks: keep draining. Each
        // entry is dropped outside the borrow and the lock.
        loop {
            let task = cx.queue.borrow_mut().pop_front();
            match task {
                Some(task) => drop(task),
                None => break,
            }
        }
        let remote = lock(&cx.shared.remote).take();
        drop(remote);
        let waker = lock(&cx.shared.waker).take();
        drop(waker);
    }
}

struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: never moved out, and the struct has no `Drop`.
        let this = unsafe { self.get_unchecked_mut() };
        let set = this.set;
        // SAFETY: as above.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let _current = SetCurrent::new(&set.context);
        // Nested in the set's own poll (a task of the set runs `run_until` of its set): the outer
        // poll drives the set, and gets its waker back after this one, which registers the task's.
        // Left in place, that waker would take the wakes that come once the outer poll is over, and
        // only reschedule its own task, which nothing runs then.
        let _outer = set.context.ticking.get().then(|| RestoreWaker {
            shared: &set.context.shared,
            waker: lock(&set.context.shared.waker).clone(),
        });
        // A task it spawns is found by the turn below, without a wake; or, if it completes, by the
        // set's next run.
        if let Poll::Ready(out) = set.context.running(|| coop::budget(|| future.poll(cx))) {
            return Poll::Ready(out);
        }
        set.poll_tasks(cx.waker());
        Poll::Pending
    }
}

/// Puts the outer poll's waker back into the set's slot when a nested poll ends (or unwinds).
struct RestoreWaker<'a> {
    shared: &'a Shared,
    waker: Option<Waker>,
}

impl Drop for RestoreWaker<'_> {
    fn drop(&mut self) {
        let nested = std::mem::replace(&mut *lock(&self.shared.waker), self.waker.take());
        // Dropped outside the lock.
        drop(nested);
    }
}

impl Context {
    #[track_caller]
    fn spawn<F>(
        &self,
        future: F,
        name: Option<&str>,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.register_with_runtime();
        // Outside a runtime the set's tasks keep a record, as under the default settings: which
        // runtime will run them, and whether its diagnostics are on, is not known yet.
        let diagnostics = context::with_current(|h| h.map(|h| h.probes().enabled())).unwrap_or_else(|| {
            probe::clock::init();
            true
        });
        let id = Id::next();
        let (parent, created_at) = probe::poll::spawning(diagnostics, id.0, spawned_at);
        let meta = Meta {
            id,
            name: name.map(Into::into),
            spawned_at,
            parent: parent.map(Id),
            created_at,
            diagnostics,
        };
        let scheduler = LocalScheduler(self.shared.clone());
        // SAFETY: `LocalScheduler` hands the task's `Notified`s only to this set, which runs them on
        // this thread (a `LocalSet` never leaves the thread that made it, which is this one: `self`
        // is reached through it or through this thread's `CURRENT`); its owned list is shut down only
        // by the set's `Drop`, here too; and it refuses trace polls on other threads.
        let (join, notified) = unsafe { self.shared.owned.bind_local(future, scheduler, meta) };
        if let Some(notified) = notified {
            self.push(notified);
        }
        join
    }

    /// Runs `f` as part of the set's own poll: tasks queued meanwhile need no wake.
    fn running<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset<'a>(&'a Cell<bool>, bool);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _reset = Reset(&self.ticking, self.ticking.replace(true));
        f()
    }

    /// Queues a task on this thread, waking the set's runner unless the set's own poll runs.
    fn push(&self, task: Notified) {
        match self.queue.try_borrow_mut() {
            Ok(mut queue) => queue.push_back(task),
            Err(_) => return self.shared.push_remote(task),
        }
        if !self.ticking.get() {
            self.shared.wake_runner();
        }
    }

    fn next_task(&self) -> Option<Notified> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            self.shared.pop_remote().or_else(|| self.queue.borrow_mut().pop_front())
        } else {
            let local = self.queue.borrow_mut().pop_front();
            local.or_else(|| self.shared.pop_remote())
        }
    }

    /// Makes this set's tasks visible to the current runtime's diagnostics, once per runtime.
    fn register_with_runtime(&self) {
        context::with_current(|h| {
            let Some(h) = h else { return };
            let probes = h.probes();
            if std::ptr::eq(self.registered.borrow().as_ptr(), Arc::as_ptr(probes)) {
                return;
            }
            *self.registered.borrow_mut() = Arc::downgrade(probes);
            register(&self.shared, probes);
        })
    }
}

impl Shared {
    fn register(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    fn wake_runner(&self) {
        let waker = lock(&self.waker).clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn push_remote(&self, task: Notified) {
        let mut remote = lock(&self.remote);
        match remote.as_mut() {
            Some(queue) => {
                queue.push_back(task);
                drop(remote);
                self.wake_runner();
            }
            // The set is gone and the task was cancelled with it: only this reference is left,
            // dropped outside the lock.
            None => {
                drop(remote);
                drop(task);
            }
        }
    }

    fn pop_remote(&self) -> Option<Notified> {
        lock(&self.remote).as_mut()?.pop_front()
    }
}

impl Schedule for LocalScheduler {
    fn release(&self, task: &Task) -> Option<Task> {
        self.0.owned.remove(task)
    }

    fn schedule(&self, task: Notified) {
        // Here while the set's thread runs it: its own queue. From anywhere else, or while this
        // thread's locals are torn down: the remote one.
        let mut task = Some(task);
        let _ = CURRENT.try_with(|current| {
            if let Some(cx) = current.borrow().as_ref().filter(|cx| Arc::ptr_eq(&cx.shared, &self.0)) {
                cx.push(task.take().expect("not pushed yet"));
            }
        });
        if let Some(task) = task {
            self.0.push_remote(task);
        }
    }

    fn may_poll_here(&self) -> bool {
        thread::current().id() == self.0.owner
    }
}

// The diagnostics registry: which sets' lists each runtime's views read besides its own.

struct Registered {
    runtime: Weak<RuntimeProbes>,
    set: Weak<Shared>,
}

static REGISTERED: Mutex<Vec<Registered>> = Mutex::new(Vec::new());

fn register(set: &Arc<Shared>, runtime: &Arc<RuntimeProbes>) {
    let mut all = lock(&REGISTERED);
    all.retain(|r| r.runtime.strong_count() > 0 && r.set.strong_count() > 0);
    let same = |r: &&Registered| {
        std::ptr::eq(r.runtime.as_ptr(), Arc::as_ptr(runtime))
            && std::ptr::eq(r.set.as_ptr(), Arc::as_ptr(set))
    };
    if all.iter().find(same).is_none() {
        all.push(Registered { runtime: Arc::downgrade(runtime), set: Arc::downgrade(set) });
    }
}

/// Every live task a runtime's diagnostics see: its own owned list, and those of the local sets that
/// ran (or spawned) inside it. The same reads as `OwnedTasks`'s, over each list in turn.
pub(crate) struct AllTasks<'a> {
    runtime: &'a OwnedTasks,
    local: Vec<Arc<Shared>>,
}

impl<'a> AllTasks<'a> {
    pub(crate) fn new(runtime: &'a OwnedTasks, probes: &Arc<RuntimeProbes>) -> AllTasks<'a> {
        let local = lock(&REGISTERED)
            .iter()
            .filter(|r| std::ptr::eq(r.runtime.as_ptr(), Arc::as_ptr(probes)))
            .filter_map(|r| r.set.upgrade())
            .collect();
        AllTasks { runtime, local }
    }

    fn lists(&self) -> impl Iterator<Item = &OwnedTasks> {
        std::iter::once(self.runtime).chain(self.local.iter().map(|set| &set.owned))
    }

    pub(crate) fn for_each_task(&self, mut f: impl FnMut(super::list::TaskRead)) {
        self.lists().for_each(|list| list.for_each_task(&mut f));
    }

    /// `OwnedTasks::scan_some` over each list in turn; done once every list is.
    pub(crate) fn scan_some(
        &self,
        pass: u64,
        mut budget: usize,
        mut pick: impl FnMut(Id, super::state::StateWord, &probe::task_stats::TaskStatsRead) -> bool,
        mut f: impl FnMut(super::list::TaskRead),
    ) -> bool {
        let mut done = true;
        for list in self.lists() {
            done &= list.scan_some(pass, &mut budget, &mut pick, &mut f);
        }
        done
    }

    pub(crate) fn tasks(&self) -> Vec<(Task, super::list::TaskRead)> {
        self.lists().flat_map(|list| list.tasks()).collect()
    }

    pub(crate) fn get(&self, id: Id) -> Option<Task> {
        self.lists().find_map(|list| list.get(id))
    }

    pub(crate) fn get_read(&self, id: Id) -> Option<(Task, super::list::TaskRead)> {
        self.lists().find_map(|list| list.get_read(id))
    }

    /// Live tasks, from each list's count (no lock taken).
    pub(crate) fn alive(&self) -> usize {
        self.lists().map(OwnedTasks::alive).sum()
    }

    pub(crate) fn name_and_future_type(&self, id: Id) -> Option<(Option<Arc<str>>, &'static str)> {
        self.lists().find_map(|list| list.name_and_future_type(id))
    }

    pub(crate) fn task_name(&self, id: Id) -> Option<Arc<str>> {
        self.lists().find_map(|list| list.task_name(id))
    }

    pub(crate) fn finished_tasks(&self, now: probe::clock::Ticks) -> Vec<super::list::FinishedRead> {
        let mut out: Vec<_> = self.lists().flat_map(|list| list.finished_tasks(now)).collect();
        out.sort_by_key(|f| f.completed_at);
        out
    }

    pub(crate) fn spawned(&self) -> u64 {
        self.lists().map(OwnedTasks::spawned).sum()
    }

    pub(crate) fn finished_not_kept(&self) -> u64 {
        self.lists().map(OwnedTasks::finished_not_kept).sum()
    }
}

/// Whether a `LocalSet` is current on this thread (its poll, its drop, `LocalSet::enter`).
pub(crate) fn is_current() -> bool {
    CURRENT.try_with(|current| current.borrow().is_some()).unwrap_or(false)
}

/// Spawns a `!Send` future onto the current [`LocalSet`] and returns a handle to its output.
///
/// # Panics
/// Outside a `LocalSet`: call it from a task of one, inside [`LocalSet::run_until`] or
/// [`LocalSet::block_on`], or after [`LocalSet::enter`]; or anywhere on a
/// [`LocalRuntime`](crate::runtime::LocalRuntime). A plain current-thread `Runtime` does not take
/// `!Send` tasks: it is `Send`, and whichever thread calls its `block_on` drives it.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let rt = glasswing::runtime::Runtime::new().unwrap();
/// let local = glasswing::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let text = Rc::new("not Send".to_string());
///     let len = glasswing::task::spawn_local(async move { text.len() }).await.unwrap();
///     assert_eq!(len, 8);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_named(future, None, "glasswing::task::spawn_local")
}

#[track_caller]
pub(crate) fn spawn_local_named<F>(future: F, name: Option<&str>, what: &str) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let spawned_at = Location::caller();
    let cx = CURRENT.try_with(|current| current.borrow().clone()).ok().flatten();
    match cx {
        Some(cx) => cx.spawn(future, name, spawned_at),
        // A `LocalRuntime`'s handle, entered on another thread: Tokio's message for that case.
        None if crate::runtime::Handle::try_current().is_ok_and(|h| h.inner.config().local) => panic!(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on (`{what}` was called on another thread, which entered its handle). Spawn \
             `Send` tasks from there with `glasswing::spawn`, or send the work to the runtime's \
             thread."
        ),
        // The first sentence is Tokio's, which programs' tests match.
        None => panic!(
            "glasswing: `spawn_local` called from outside of a `task::LocalSet` or \
             `runtime::LocalRuntime` (by `{what}`). Tasks whose futures are not `Send` run on one of them: run \
             your code inside `local_set.run_until(..)` or `local_set.block_on(&runtime, ..)` (or \
             after `local_set.enter()`), spawn onto one directly with `local_set.spawn_local(..)`, \
             or build the runtime with `Builder::new_current_thread().build_local(..)`. A future \
             that is `Send` can use `glasswing::spawn`."
        ),
    }
}

/// The set on its own, driven by hand without a runtime, so that Miri can check the unsafe parts
/// (`bind_local`, tasks that are not `Send` in the shared task allocation, wakes from another
/// thread, cancellation on drop).
#[cfg(all(test, not(loom)))]
mod tests {
    use super::LocalSet;
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::rc::Rc;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    fn drive<F: Future>(set: &LocalSet, future: F) -> F::Output {
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(set.run_until(future));
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    /// Ready once another thread has set the flag; that thread wakes the task.
    #[derive(Default)]
    struct Remote {
        done: bool,
        waker: Option<Waker>,
    }

    #[test]
    fn local_tasks_run_wake_abort_and_drop_without_a_runtime() {
        let set = LocalSet::new();
        let alive = Rc::new(Cell::new(0));
        let remote = Arc::new(Mutex::new(Remote::default()));
        let out = drive(&set, async {
            let woken = {
                let (alive, remote) = (alive.clone(), remote.clone());
                super::spawn_local(async move {
                    alive.set(alive.get() + 1);
                    std::future::poll_fn(|cx| {
                        let mut r = remote.lock().unwrap();
                        if r.done {
                            return Poll::Ready(());
                        }
                        r.waker = Some(cx.waker().clone());
                        Poll::Pending
                    })
                    .await;
                    alive.get()
                })
            };
            crate::task::yield_now().await;
            let waker_thread = {
                let remote = remote.clone();
                std::thread::spawn(move || {
                    let waker = {
                        let mut r = remote.lock().unwrap();
                        r.done = true;
                        r.waker.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                })
            };
            let aborted = super::spawn_local(std::future::pending::<()>());
            aborted.abort();
            assert!(aborted.await.unwrap_err().is_cancelled());
            let out = woken.await.unwrap();
            waker_thread.join().unwrap();
            out
        });
        assert_eq!(out, 1);
        // Pending tasks, polled once or never, are dropped with the set, once each.
        let held = Rc::new(());
        for _ in 0..3 {
            let held = held.clone();
            set.spawn_local(async move {
                let _held = held;
                std::future::pending::<()>().await
            });
        }
        drive(&set, crate::task::yield_now());
        let held2 = held.clone();
        let never_polled = set.spawn_local(async move { drop(held2) });
        assert_eq!(Rc::strong_count(&held), 5);
        drop(set);
        assert_eq!(Rc::strong_count(&held), 1);
        assert!(never_polled.is_finished());
    }
}
