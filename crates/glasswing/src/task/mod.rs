//! Tasks: a spawned future, in one heap allocation, that a scheduler polls until it completes.
//!
//! - `state.rs`: the atomic state word, each flag documented where it is defined;
//! - `core.rs`: the allocation's layout (header, future-or-output, join waker);
//! - `raw.rs`: untyped handles (`RawTask`, `Task`, `Notified`) that queues hold;
//! - `harness.rs`: poll, complete, cancel, join, free — each behind one state transition;
//! - `waker.rs`: the `Waker` vtable, one reference per clone, never an allocation;
//! - `join.rs`, `join_set.rs`, `error.rs`, `id.rs`, `builder.rs`: the public API;
//! - `local_set.rs`: `LocalSet` and `spawn_local`, tasks that are not `Send`, on one thread;
//! - `task_local.rs`: `task_local!`, values scoped to a future's polls;
//! - `coop.rs`: `unconstrained`, `consume_budget` and the rest of the coop budget's public face.
//!
//! docs/tasks-and-wakers.md explains the design with diagrams.
//!
//! # Examples
//!
//! ```
//! # #[glasswing::main]
//! # async fn main() {
//! use glasswing::task::{self, JoinSet};
//!
//! // Async work, awaited through its handle.
//! let fetch = task::spawn(async { "page" });
//! // Blocking work, on the blocking pool.
//! let parse = task::spawn_blocking(|| "42".parse::<u32>().unwrap());
//! assert_eq!(fetch.await.unwrap(), "page");
//! assert_eq!(parse.await.unwrap(), 42);
//!
//! // Many tasks, collected as they finish.
//! let mut set = JoinSet::new();
//! for i in 0..3u32 {
//!     set.spawn(async move { i });
//! }
//! let mut sum = 0;
//! while let Some(done) = set.join_next().await {
//!     sum += done.unwrap();
//! }
//! assert_eq!(sum, 3);
//! # }
//! ```

mod builder;
pub mod coop;
pub(crate) mod core;
mod error;
mod harness;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
pub(crate) mod local_set;
mod park_forever;
pub(crate) mod raw;
pub(crate) mod state;
mod task_local;
pub(crate) mod trace;
pub(crate) mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

pub use builder::Builder;
pub use coop::{consume_budget, unconstrained, Unconstrained};
pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::{AbortHandle, JoinHandle};
pub use join_set::JoinSet;
pub use local_set::{spawn_local, LocalEnterGuard, LocalSet};
pub use park_forever::{park_forever, ParkForever};
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};

/// Task-related futures, at the path Tokio gives them (`tokio::task::futures`).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::futures::TaskLocalFuture;
///
/// glasswing::task_local! { static USER: u32; }
///
/// let fut: TaskLocalFuture<u32, _> = USER.scope(7, async { USER.get() });
/// assert_eq!(fut.await, 7);
/// # }
/// ```
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}
pub use yield_now::yield_now;

pub(crate) use raw::{Notified, RawTask, Task, UnownedTask, Vtable};

/// What a task yields: its output, or why there is none.
pub(crate) type Result<T> = std::result::Result<T, JoinError>;

/// The scheduler a task belongs to; stored inside the task, reached from its wakers.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// The task completed: take it out of the owned list, returning the list's reference if it was
    /// still there.
    fn release(&self, task: &Task) -> Option<Task>;

    /// The task terminated (completed, failed or was cancelled): runs the runtime's
    /// `on_task_terminate` hook, if it has one.
    #[inline]
    fn terminated(&self, id: Id, spawned_at: &'static std::panic::Location<'static>) {
        let _ = (id, spawned_at);
    }

    /// A poll of the task panicked (`Builder::unhandled_panic`): called before the panic is stored
    /// as the task's output.
    #[inline]
    fn unhandled_panic(&self) {}

    /// A wake: put the task in a run queue.
    fn schedule(&self, task: Notified);

    /// The task was woken while it was being polled and must run again. `yielded` is true when it
    /// gave way on purpose (`yield_now`, coop budget spent): run everything else first. Otherwise
    /// something else woke it meanwhile: the back of the run queue is its place.
    fn reschedule(&self, task: Notified, yielded: bool) {
        let _ = yielded;
        self.schedule(task);
    }

    /// Whether this thread may poll the task: false for a task that is not `Send` (`spawn_local`)
    /// on any thread but its own. Asked only by a task dump, before a trace poll: a scheduler's own
    /// polls happen where it runs its tasks.
    fn may_poll_here(&self) -> bool {
        true
    }
}

/// Spawns a future onto the current runtime and returns a handle to its output.
///
/// The task starts running right away in the background, whether or not the handle is awaited.
///
/// # Panics
/// Outside of a runtime: call it from a task, inside `Runtime::block_on`, or after
/// `Handle::enter`; from other threads use `Handle::spawn`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main]
/// # async fn main() {
/// let a = glasswing::spawn(async { 2 });
/// let b = glasswing::task::spawn(async { 3 });
/// // The two tasks may run in parallel on a multi-thread runtime.
/// assert_eq!(a.await.unwrap() * b.await.unwrap(), 6);
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Borrow the thread's handle instead of cloning it: no reference-count traffic per spawn.
    let spawned_at = std::panic::Location::caller();
    match crate::runtime::context::with_current(|h| h.map(|h| h.spawn(future, None, spawned_at))) {
        Some(join) => join,
        None => crate::runtime::no_runtime("glasswing::spawn"),
    }
}

/// Runs a blocking function on the runtime's blocking thread pool and returns a handle to its result.
///
/// Use it for work that would stall a worker: file I/O, CPU-heavy loops, blocking C libraries.
///
/// # Panics
/// Outside of a runtime, as [`spawn`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// // A CPU-heavy loop would hold up every other task on this runtime's one thread.
/// let sum = glasswing::task::spawn_blocking(|| (1..=1000u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 500_500);
/// # }
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    crate::runtime::Handle::current_for("glasswing::task::spawn_blocking").spawn_blocking(f)
}

/// Runs `f`, which blocks, on this thread, and lets the runtime's other tasks go on meanwhile.
///
/// On a worker of a multi-thread runtime, the worker (its queues, its place among the workers, its
/// figures in the diagnostics) moves to another thread for as long as `f` runs; that thread carries
/// on running the tasks queued on it. This thread then finishes the current poll of the calling task
/// and goes back to the blocking pool (if `f` is short enough that the other thread has not
/// started yet, the worker stays here). Unlike [`spawn_blocking`], `f` may borrow from the caller,
/// and no `JoinHandle` is needed; but the whole calling task, and anything it joins with
/// `join!`/`select!`, waits for `f`.
///
/// In the `block_on` future of a multi-thread runtime, or outside any runtime, `f` just runs. Inside
/// `f` the thread counts as outside the runtime: `Handle::block_on` works there, and
/// `block_in_place` nests.
///
/// A task's poll that spans `f` is not reported as a long poll of the worker: the worker's part ends
/// when `f` starts.
///
/// The thread that takes the worker over comes from the blocking pool: while the pool is at
/// `max_blocking_threads`, it waits for a free one, and the worker's queued tasks with it.
///
/// # Panics
/// On a current-thread runtime: its one thread runs every task, and blocking it would stop them all
/// (the message is Tokio's: "can call blocking only when running on the multi-threaded runtime").
/// Use [`spawn_blocking`] there. A panic in `f` propagates to the caller.
///
/// # Examples
///
/// ```
/// # let rt = glasswing::runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = glasswing::spawn(async {
///     glasswing::task::block_in_place(|| std::fs::read_to_string("Cargo.toml").map(|s| s.len()))
/// });
/// assert!(task.await.unwrap().is_ok());
/// # });
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    crate::scheduler::multi_thread::block_in_place(f)
}
