//! `RuntimeMetrics`: the runtime's counters, each read in constant time, for code that samples
//! them often (an exporter for a dashboard, a load shedder). Shaped after Tokio's
//! `tokio::runtime::RuntimeMetrics`, with the same method names and meanings where Glasswing counts
//! the same thing, so code written against Tokio's reads the same figures here.
//!
//! Why beside `Snapshot`: a snapshot walks every task, under each task-list shard's lock in turn,
//! copying and formatting a record per task, which is right for looking at a runtime now and then
//! but would stall spawns into each shard if taken every second from a busy program. A metric reads
//! a few relaxed atomics: the workers' own counters (written by their threads only), the global
//! queue's length, and per-shard counts of the task lists that spawns and completions keep under
//! the lock they take anyway. No task is visited, nothing is allocated, and no task-list lock is
//! taken. The blocking-pool figures alone take a lock: the pool's, briefly.

use crate::scheduler;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// A runtime's counters: see [`Handle::metrics`](crate::runtime::Handle::metrics).
///
/// A handle, cheap to clone, that reads each figure when asked, in constant time: no task is
/// visited and no lock on the task lists is taken, so it can be sampled as often as needed.
/// Counters start at zero when the runtime is built and only grow; depths and numbers of tasks or
/// threads are values at the moment of the read. Figures from different methods are read at
/// slightly different moments.
///
/// Workers are numbered `0..num_workers()`; a current-thread runtime has one worker, the thread
/// that runs `block_on`.
///
/// # Examples
///
/// ```
/// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
/// let metrics = rt.handle().metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// assert_eq!(metrics.spawned_tasks_count(), 1);
/// let polls: u64 = (0..metrics.num_workers()).map(|w| metrics.worker_poll_count(w)).sum();
/// assert_eq!(polls, 1);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    pub(crate) handle: scheduler::Scheduler,
}

impl RuntimeMetrics {
    /// The number of worker threads (1 for a current-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// ```
    pub fn num_workers(&self) -> usize {
        self.handle.probes().workers.len()
    }

    /// Tasks alive now: spawned and not yet completed (or cancelled). Blocking tasks are not
    /// counted. A task leaves the count just after its `JoinHandle` can see its output, as in
    /// Tokio: right after a join returns, the task may still be counted for a moment.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// let task = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.metrics().num_alive_tasks(), 1);
    /// task.abort();
    /// # let _ = rt.block_on(task);
    /// ```
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.owned().alive()
    }

    /// Tasks spawned so far (not counting `spawn_blocking`).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     for _ in 0..3 {
    ///         glasswing::spawn(async {}).await.unwrap();
    ///     }
    /// });
    /// assert_eq!(rt.metrics().spawned_tasks_count(), 3);
    /// ```
    pub fn spawned_tasks_count(&self) -> u64 {
        self.handle.owned().spawned()
    }

    /// Tasks waiting in the global queue now: woken or spawned from outside the workers, or moved
    /// there from a worker's full queue.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// // Spawned from outside the runtime's thread, and not run yet: it waits in the global queue.
    /// rt.spawn(async {});
    /// assert_eq!(rt.metrics().global_queue_depth(), 1);
    /// ```
    pub fn global_queue_depth(&self) -> usize {
        self.handle.global_queue_depth()
    }

    /// Tasks scheduled from outside the workers so far (spawned or woken from another thread,
    /// through the global queue).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// let task = rt.spawn(async {}); // from outside: a remote schedule
    /// rt.block_on(task).unwrap();
    /// assert!(rt.metrics().remote_schedule_count() >= 1);
    /// ```
    pub fn remote_schedule_count(&self) -> u64 {
        self.handle.remote_schedule_count()
    }

    /// Polls that ran out of coop budget and were made to yield, on all workers.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async {
    ///     // Always ready: only the budget makes this loop yield.
    ///     for _ in 0..10_000 {
    ///         glasswing::task::consume_budget().await;
    ///     }
    /// }))
    /// .unwrap();
    /// assert!(rt.metrics().budget_forced_yield_count() >= 1);
    /// ```
    pub fn budget_forced_yield_count(&self) -> u64 {
        self.handle.probes().workers.iter().map(|w| w.budget_forced_yields.load(Relaxed)).sum()
    }

    /// Threads the blocking pool has now, idle or not.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(rt.metrics().num_blocking_threads(), 0);
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// // The thread stays, idle, for a while (`thread_keep_alive`).
    /// assert!(rt.metrics().num_blocking_threads() >= 1);
    /// ```
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().metrics().0
    }

    /// Blocking-pool threads waiting for work now.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// // No blocking work yet, so no thread, idle or not.
    /// assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    /// rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    /// let m = rt.metrics();
    /// assert!(m.num_idle_blocking_threads() <= m.num_blocking_threads());
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.blocking_spawner().metrics().1
    }

    /// `spawn_blocking` work waiting for a thread now.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().max_blocking_threads(1).build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let first = rt.spawn_blocking(move || rx.recv().ok());
    /// let second = rt.spawn_blocking(|| ());
    /// // The pool's one thread can hold only one job: the other waits its turn.
    /// assert!(rt.metrics().blocking_queue_depth() >= 1);
    /// drop(tx);
    /// rt.block_on(async {
    ///     first.await.unwrap();
    ///     second.await.unwrap();
    /// });
    /// assert_eq!(rt.metrics().blocking_queue_depth(), 0);
    /// ```
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.blocking_spawner().metrics().2
    }

    /// Readiness events the I/O driver has dispatched so far.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let listener = glasswing::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let client = glasswing::net::TcpStream::connect(addr);
    ///     let (accepted, connected) = glasswing::join!(listener.accept(), client);
    ///     accepted.unwrap();
    ///     connected.unwrap();
    /// });
    /// // The connection was waited for through the I/O driver.
    /// assert!(rt.metrics().io_driver_ready_count() >= 1);
    /// ```
    pub fn io_driver_ready_count(&self) -> u64 {
        self.handle.io().events_total()
    }

    /// Times `worker` parked: went to sleep, having run out of work.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers), as for every `worker_` method.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// // Nothing else to do while the timer runs: the worker parks.
    /// rt.block_on(glasswing::time::sleep(Duration::from_millis(1)));
    /// assert!(rt.metrics().worker_park_count(0) >= 1);
    /// ```
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).parks.load(Relaxed)
    }

    /// Times `worker` parked and unparked, added up: odd while it is parked.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(glasswing::time::sleep(std::time::Duration::from_millis(1)));
    /// // Parked and unparked at least once each; an even count, as it is not parked now.
    /// let count = rt.metrics().worker_park_unpark_count(0);
    /// assert!(count >= 2 && count % 2 == 0);
    /// ```
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        let w = self.worker(worker);
        // Unparks first: read after the parks, a park that ends between the two reads would be
        // counted as an unpark without its park.
        let unparks = w.unparks.load(Relaxed);
        w.parks.load(Relaxed) + unparks
    }

    /// Times `worker` was woken, found no work, and parked again (multi-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// let m = rt.metrics();
    /// // A worker woken for nothing parks again: each no-op is also a park.
    /// for w in 0..m.num_workers() {
    ///     assert!(m.worker_noop_count(w) <= m.worker_park_count(w));
    /// }
    /// ```
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        self.worker(worker).noop_unparks.load(Relaxed)
    }

    /// Tasks `worker` stole from other workers (multi-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// rt.block_on(async {
    ///     let tasks: Vec<_> = (0..100).map(|_| glasswing::spawn(async {})).collect();
    ///     for t in tasks {
    ///         t.await.unwrap();
    ///     }
    /// });
    /// let m = rt.metrics();
    /// let stolen: u64 = (0..2).map(|w| m.worker_steal_count(w)).sum();
    /// let steals: u64 = (0..2).map(|w| m.worker_steal_operations(w)).sum();
    /// // Each steal takes at least one task.
    /// assert!(stolen >= steals);
    /// ```
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker(worker).stolen_tasks.load(Relaxed)
    }

    /// Steals by `worker` that took at least one task (multi-thread runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// // One worker has no one to steal from.
    /// assert_eq!(rt.metrics().worker_steal_operations(0), 0);
    /// ```
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker(worker).steal_operations.load(Relaxed)
    }

    /// Polls of tasks by `worker`. Counted by the diagnostics: 0 on a runtime built with
    /// `diagnostics(false)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert_eq!(rt.metrics().worker_poll_count(0), 1);
    /// ```
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker(worker).polls()
    }

    /// Time `worker` was awake (running its loop, not parked), exactly as measured from its
    /// parks and unparks, up to now.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// assert!(rt.metrics().worker_total_busy_duration(0) > std::time::Duration::ZERO);
    /// ```
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy(crate::probe::clock::now())
    }

    /// Tasks that `worker`'s thread put in its own queue: spawned or woken there (not counting
    /// tasks that yielded, which wait in a list of their own). A multi-thread worker counts them
    /// privately and publishes the count at its maintenance (every `event_interval` ticks), when
    /// it parks and when it exits, as Tokio's workers do with their figures.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     // Spawned on the worker's own thread: its local queue.
    ///     glasswing::spawn(async {}).await.unwrap();
    /// });
    /// assert!(rt.metrics().worker_local_schedule_count(0) >= 1);
    /// ```
    pub fn worker_local_schedule_count(&self, worker: usize) -> u64 {
        self.worker(worker).local_schedules.load(Relaxed)
    }

    /// Times `worker`'s queue was full and half of it moved to the global queue (multi-thread
    /// runtime).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// rt.block_on(rt.spawn(async {})).unwrap();
    /// // A handful of tasks never fills a worker's queue.
    /// assert_eq!(rt.metrics().worker_overflow_count(0), 0);
    /// ```
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        self.worker(worker).overflows.load(Relaxed)
    }

    /// Tasks waiting in `worker`'s own queue now.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    /// // Everything ran: nothing waits in the queue.
    /// assert_eq!(rt.metrics().worker_local_queue_depth(0), 0);
    /// ```
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker(worker);
        self.handle.local_queue_depth(worker)
    }

    /// The thread running `worker` now, or `None` while none does (before it starts, after it
    /// stops, for a current-thread runtime outside `block_on`, and for a moment while
    /// [`block_in_place`](crate::task::block_in_place) moves the worker to another thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = glasswing::runtime::Builder::new_current_thread().build().unwrap();
    /// // A current-thread runtime's worker is whichever thread is in `block_on`.
    /// assert_eq!(rt.metrics().worker_thread_id(0), None);
    /// let inside = rt.block_on(async { glasswing::runtime::Handle::current().metrics().worker_thread_id(0) });
    /// assert_eq!(inside, Some(std::thread::current().id()));
    /// ```
    pub fn worker_thread_id(&self, worker: usize) -> Option<std::thread::ThreadId> {
        self.worker(worker).lock_thread().as_ref().map(|t| t.id)
    }

    #[track_caller]
    fn worker(&self, worker: usize) -> &crate::probe::worker::WorkerStats {
        let workers = &self.handle.probes().workers;
        match workers.get(worker) {
            Some(w) => w,
            None => panic!(
                "RuntimeMetrics: there is no worker {worker}: this runtime has {} (0..num_workers())",
                workers.len()
            ),
        }
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("global_queue_depth", &self.global_queue_depth())
            .finish_non_exhaustive()
    }
}
