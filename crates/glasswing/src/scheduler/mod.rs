//! The two schedulers and what they share.
//!
//! - `current_thread`: every task runs on the thread that calls `Runtime::block_on`;
//! - `multi_thread`: a pool of workers with per-worker queues and work stealing;
//! - `coop`: the per-poll budget both of them apply.
//!
//! Both hand out the same task type; `Scheduler` is the runtime-agnostic face the rest of the crate
//! talks to (spawn, spawn_blocking, shutdown). docs/scheduler.md explains the algorithms.

pub(crate) mod coop;
pub(crate) mod current_thread;
pub(crate) mod multi_thread;

use crate::blocking;
use crate::probe::{self, RuntimeProbes};
use crate::task::core::Meta;
use crate::task::list::OwnedTasks;
use crate::task::{Id, JoinHandle, Notified, Schedule, Task};
use std::future::Future;
use std::panic::Location;
use std::sync::{Arc, Weak};

/// A shared reference to one runtime's scheduler.
#[derive(Clone)]
pub(crate) enum Scheduler {
    CurrentThread(Arc<current_thread::CurrentThread>),
    MultiThread(Arc<multi_thread::MultiThread>),
}

/// A `Scheduler` that does not keep the runtime alive.
#[derive(Clone)]
pub(crate) enum WeakScheduler {
    CurrentThread(Weak<current_thread::CurrentThread>),
    MultiThread(Weak<multi_thread::MultiThread>),
}

impl WeakScheduler {
    pub(crate) fn upgrade(&self) -> Option<Scheduler> {
        match self {
            WeakScheduler::CurrentThread(h) => h.upgrade().map(Scheduler::CurrentThread),
            WeakScheduler::MultiThread(h) => h.upgrade().map(Scheduler::MultiThread),
        }
    }
}

/// The scheduler state a thread holds while it drives a runtime.
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    MultiThread(multi_thread::Context),
}

/// The index of the multi-thread worker this thread is, if it is one (of any runtime).
pub(crate) fn current_worker_index() -> Option<usize> {
    crate::runtime::context::with_scheduler(|cx| match cx {
        Some(Context::MultiThread(worker)) => Some(worker.index()),
        _ => None,
    })
}

/// Where a woken task goes when the wake comes from the thread that runs its scheduler.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Placement {
    /// Woken by another task: run it next (multi-thread: the LIFO slot).
    Next,
    /// Woken while it was running, by someone else: the back of the run queue.
    Back,
    /// It yielded: after everything else that is ready.
    Deferred,
}

impl Placement {
    pub(crate) fn rescheduled(yielded: bool) -> Placement {
        if yielded {
            Placement::Deferred
        } else {
            Placement::Back
        }
    }
}

/// What a scheduler's shared state gives its tasks: the list that owns them, and the queue a wake
/// puts them in. Both schedulers implement it, and the task-facing `Schedule` below is written once
/// for both on top of it.
pub(crate) trait Owner: Send + Sync + 'static {
    fn owned(&self) -> &OwnedTasks;

    /// Puts a woken task where `placement` says, on this thread's worker if it is one of ours.
    fn schedule_task(self: &Arc<Self>, task: Notified, placement: Placement);

    /// The runtime's task hooks, if it has any.
    fn task_hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        None
    }

    /// A poll of one of its tasks panicked.
    fn task_panicked(&self) {}
}

impl<S: Owner> Schedule for Arc<S> {
    fn release(&self, task: &Task) -> Option<Task> {
        self.owned().remove(task)
    }

    #[inline]
    fn terminated(&self, id: Id, spawned_at: &'static Location<'static>) {
        if let Some(hooks) = self.task_hooks() {
            hooks.terminated(id, spawned_at);
        }
    }

    fn unhandled_panic(&self) {
        self.task_panicked();
    }

    fn schedule(&self, task: Notified) {
        self.schedule_task(task, Placement::Next);
    }

    fn reschedule(&self, task: Notified, yielded: bool) {
        self.schedule_task(task, Placement::rescheduled(yielded));
    }
}

/// Callback run on each runtime thread when it starts or stops.
pub(crate) type Callback = Arc<dyn Fn() + Send + Sync>;

/// Runs a thread hook (`Builder::on_thread_start`, `on_thread_stop`). One that panics is said on
/// stderr and the thread goes on: a runtime or pool thread that died in its hook would be counted as
/// starting or running forever, and work queued for it would wait for good.
pub(crate) fn run_thread_hook(hook: &Option<Callback>, name: &str) {
    let Some(f) = hook else { return };
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f())) {
        let what = crate::diag::panic_message(&*panic).unwrap_or("a non-string payload");
        eprintln!("glasswing: the {name} hook panicked ({what}); the thread goes on without it");
    }
}

/// Settings both schedulers read.
pub(crate) struct Config {
    /// Ticks between checks of the global queue; `None` lets the multi-thread scheduler tune it.
    pub(crate) global_queue_interval: Option<u32>,
    /// Ticks between looks at the outside world: on the multi-thread scheduler the shutdown flag and
    /// yielded tasks, on the current-thread one the `block_on` future; on both, due timers and I/O events.
    pub(crate) event_interval: u32,
    /// Start with the clock paused (current-thread only; see `time::pause`).
    pub(crate) start_paused: bool,
    /// The runtime's probes: per-worker figures, and the views' observer.
    pub(crate) probes: Arc<RuntimeProbes>,
    /// Seeds the workers' generators and those of the threads that drive the runtime.
    pub(crate) seed_generator: crate::runtime::rand::SeedGenerator,
    /// `Builder::on_task_spawn` and `on_task_terminate`.
    pub(crate) hooks: crate::runtime::TaskHooks,
    /// `Builder::name`.
    pub(crate) name: Option<Arc<str>>,
    /// `Builder::on_thread_park` and `on_thread_unpark`.
    pub(crate) before_park: Option<Callback>,
    pub(crate) after_unpark: Option<Callback>,
    /// `Builder::unhandled_panic(UnhandledPanic::ShutdownRuntime)` (current-thread only).
    pub(crate) shutdown_on_panic: bool,
    /// The runtime is a `LocalRuntime`'s (`Builder::build_local`).
    pub(crate) local: bool,
}

impl Scheduler {
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<&str>,
        spawned_at: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let diagnostics = self.probes().enabled();
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
        // The spawn hook's check in each arm, where the scheduler is known: in front of the match
        // it cost 9 instructions per spawn, inside the schedulers' `spawn` it stopped their inlining.
        match self {
            Scheduler::CurrentThread(h) => {
                h.config.hooks.spawned(id, spawned_at);
                current_thread::CurrentThread::spawn(h, future, meta)
            }
            Scheduler::MultiThread(h) => {
                h.config.hooks.spawned(id, spawned_at);
                multi_thread::MultiThread::spawn(h, future, meta)
            }
        }
    }

    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, f: F, name: Option<&str>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = Meta::plain(name.map(Into::into), Location::caller());
        self.blocking_spawner().spawn_blocking(f, meta, false, self)
    }

    /// As `spawn_blocking`, but run even if the runtime starts shutting down while it is queued
    /// (cancelled only when spawned after shutdown began).
    #[track_caller]
    pub(crate) fn spawn_mandatory_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = Meta::plain(None, Location::caller());
        self.blocking_spawner().spawn_blocking(f, meta, true, self)
    }

    pub(crate) fn time(&self) -> &Arc<crate::time::driver::TimeHandle> {
        match self {
            Scheduler::CurrentThread(h) => &h.time,
            Scheduler::MultiThread(h) => &h.time,
        }
    }

    pub(crate) fn io(&self) -> &Arc<crate::io::driver::IoHandle> {
        match self {
            Scheduler::CurrentThread(h) => &h.io,
            Scheduler::MultiThread(h) => &h.io,
        }
    }

    /// The blocking pool ran out of work: a current-thread runtime with paused time may now let its
    /// clock jump, so wake its driver to reconsider.
    pub(crate) fn blocking_idle(&self) {
        if let Scheduler::CurrentThread(h) = self {
            h.unpark_driver();
        }
    }

    pub(crate) fn probes(&self) -> &Arc<RuntimeProbes> {
        match self {
            Scheduler::CurrentThread(h) => &h.config.probes,
            Scheduler::MultiThread(h) => &h.config.probes,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        match self {
            Scheduler::CurrentThread(h) => &h.config,
            Scheduler::MultiThread(h) => &h.config,
        }
    }

    pub(crate) fn owned(&self) -> &OwnedTasks {
        match self {
            Scheduler::CurrentThread(h) => &h.owned,
            Scheduler::MultiThread(h) => &h.owned,
        }
    }

    /// Every live task the diagnostics show: the runtime's own, and those of the `LocalSet`s that
    /// ran inside it.
    pub(crate) fn all_tasks(&self) -> crate::task::local_set::AllTasks<'_> {
        crate::task::local_set::AllTasks::new(self.owned(), self.probes())
    }

    /// Tasks waiting in worker `index`'s own queue.
    pub(crate) fn local_queue_depth(&self, index: usize) -> usize {
        match self {
            Scheduler::CurrentThread(h) => h.local_queue_depth(),
            Scheduler::MultiThread(h) => h.local_queue_depth(index),
        }
    }

    /// Tasks waiting in the queue for tasks woken from outside the workers.
    pub(crate) fn global_queue_depth(&self) -> usize {
        match self {
            Scheduler::CurrentThread(h) => h.global_queue_depth(),
            Scheduler::MultiThread(h) => h.global_queue_depth(),
        }
    }

    /// Tasks scheduled from outside the workers so far.
    pub(crate) fn remote_schedule_count(&self) -> u64 {
        match self {
            Scheduler::CurrentThread(h) => h.remote_schedule_count(),
            Scheduler::MultiThread(h) => h.remote_schedule_count(),
        }
    }

    /// A reference that does not keep the runtime alive (for its watchdog thread).
    pub(crate) fn downgrade(&self) -> WeakScheduler {
        match self {
            Scheduler::CurrentThread(h) => WeakScheduler::CurrentThread(Arc::downgrade(h)),
            Scheduler::MultiThread(h) => WeakScheduler::MultiThread(Arc::downgrade(h)),
        }
    }

    pub(crate) fn blocking_spawner(&self) -> &blocking::Spawner {
        match self {
            Scheduler::CurrentThread(h) => &h.blocking,
            Scheduler::MultiThread(h) => &h.blocking,
        }
    }
}

/// A small, fast, non-cryptographic random number generator (xorshift64*), one per worker: picks the
/// first victim when stealing, so that searching workers spread out; and per thread for `select!`
/// (`runtime::rand`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct FastRand(u64);

impl FastRand {
    pub(crate) fn new(seed: u64) -> FastRand {
        FastRand(seed | 1)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u32) -> u32 {
        let r = self.next_u32();
        ((r as u64 * n as u64) >> 32) as u32
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32
    }
}
