//! The pool's threads and queue: one mutex around a FIFO queue and the thread counts, one condvar that
//! idle threads wait on. A lock per spawn costs little next to what a thread wakeup costs, so the
//! design is about wakeups.
//!
//! As in Tokio, no queued job waits for a running one to finish while the pool is below
//! `max_blocking_threads`: some thread that is not running a job is always on its way to the queue.
//! Unlike Tokio, which wakes (or starts) one thread per spawn, the pool keeps at most one such thread
//! coming at a time: a spawn wakes one only if none is already coming, and each thread that takes a
//! job and leaves more behind wakes the next (a chain, as smol's `blocking` grows on each pop). A
//! burst of short jobs then costs one wakeup instead of one each, is drained by the threads that
//! are already awake, and starts new threads only while every thread is busy; threads are started by
//! pool threads, off the workers, except the first of a chain.

use crate::scheduler::{self, Callback};
use crate::task::UnownedTask;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Owned by the `Runtime`; shutting it down waits for running blocking work.
pub(crate) struct BlockingPool {
    spawner: Spawner,
}

#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

pub(crate) struct PoolConfig {
    pub(crate) thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) on_thread_start: Option<Callback>,
    pub(crate) on_thread_stop: Option<Callback>,
}

struct Inner {
    shared: Mutex<Shared>,
    /// Idle threads wait here for work.
    work_available: Condvar,
    /// `shutdown` waits here for the last thread to exit.
    all_exited: Condvar,
    /// Tasks queued or running. Paused time must not jump ahead while blocking work is in flight: its
    /// result may be what a timed-out future is waiting for.
    in_flight: AtomicUsize,
    config: PoolConfig,
}

struct Shared {
    /// Each task with whether it is mandatory: one that must run even if shutdown starts while it
    /// waits (a `fs::File` write the user was told had been accepted), where other queued work is
    /// cancelled.
    queue: VecDeque<(UnownedTask, bool)>,
    num_threads: usize,
    num_idle: usize,
    /// Wakeups sent to idle threads and not yet taken: a woken thread takes one, so a spurious wakeup
    /// is never mistaken for work.
    num_notify: usize,
    /// Threads started that have not yet taken the lock for the first time. Like a woken thread, a
    /// starting one is on its way to the queue.
    num_starting: usize,
    shutdown: bool,
    threads: HashMap<usize, thread::JoinHandle<()>>,
    next_thread_id: usize,
}

impl Shared {
    /// Whether a thread that is not running a job will look at the queue soon: one woken or started
    /// and not there yet. Queued work then needs no other wakeup.
    fn thread_coming(&self) -> bool {
        self.num_notify + self.num_starting > 0
    }
}

/// What [`Inner::send_thread`] did, for its caller to finish once the lock is released.
enum Sent {
    /// An idle thread was counted as woken: notify the condvar (after unlocking, so that the woken
    /// thread does not at once block on the lock we hold).
    Notify,
    /// A thread was started, or none can be (the pool is at `max_blocking_threads`): the queue waits
    /// for a busy one.
    Done,
    /// Starting a thread failed.
    Failed(io::Error),
}

fn lock(mutex: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // Tasks run outside the lock and the pool's own code does not panic under it.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl BlockingPool {
    pub(crate) fn new(config: PoolConfig) -> BlockingPool {
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(Inner {
                    shared: Mutex::new(Shared {
                        queue: VecDeque::new(),
                        num_threads: 0,
                        num_idle: 0,
                        num_notify: 0,
                        num_starting: 0,
                        shutdown: false,
                        threads: HashMap::new(),
                        next_thread_id: 0,
                    }),
                    work_available: Condvar::new(),
                    all_exited: Condvar::new(),
                    in_flight: AtomicUsize::new(0),
                    config,
                }),
            },
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Stops accepting work, cancels queued work (mandatory work still runs), and waits up to `timeout` (forever if `None`) for
    /// running work to finish. Threads still running after that are left to finish on their own.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let inner = &self.spawner.inner;
        let mut shared = lock(&inner.shared);
        if shared.shutdown {
            // Already shut down (by `shutdown_timeout`, then again by the drop): waiting again
            // would ignore the timeout the first call was given.
            return;
        }
        shared.shutdown = true;
        inner.work_available.notify_all();
        let deadline = timeout.map(|t| Instant::now() + t);
        while shared.num_threads > 0 {
            match deadline {
                None => shared = inner.all_exited.wait(shared).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    shared = inner
                        .all_exited
                        .wait_timeout(shared, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        let threads = std::mem::take(&mut shared.threads);
        let all_exited = shared.num_threads == 0;
        drop(shared);
        if all_exited {
            // Each thread has left its loop; joining only reaps it.
            for (_, handle) in threads {
                let _ = handle.join();
            }
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl Spawner {
    /// Queues a task; unless a thread is already coming to the queue, wakes an idle one or starts
    /// one if none is idle and the cap allows. After shutdown the task is cancelled right away,
    /// mandatory or not.
    pub(crate) fn spawn_task(&self, task: UnownedTask, mandatory: bool, rt: &scheduler::Scheduler) {
        let mut shared = lock(&self.inner.shared);
        if shared.shutdown {
            drop(shared);
            task.shutdown();
            return;
        }
        shared.queue.push_back((task, mandatory));
        self.inner.in_flight.fetch_add(1, Ordering::AcqRel);
        if shared.thread_coming() {
            return;
        }
        match self.inner.send_thread(&mut shared, rt) {
            Sent::Notify => {
                drop(shared);
                self.inner.work_available.notify_one();
            }
            Sent::Done => {}
            Sent::Failed(err) => {
                // Out of threads: the work stays queued for an existing thread if there is one.
                if shared.num_threads == 0 {
                    let (task, _) = shared.queue.pop_back().expect("just pushed");
                    drop(shared);
                    task.shutdown();
                    self.inner.task_done();
                    panic!("glasswing: failed to start a blocking pool thread: {err}");
                }
            }
        }
    }

    /// Threads in the pool, how many of them are idle, and tasks waiting for a thread.
    pub(crate) fn metrics(&self) -> (usize, usize, usize) {
        let shared = lock(&self.inner.shared);
        (shared.num_threads, shared.num_idle, shared.queue.len())
    }

    /// Whether the pool shut down: work spawned now is cancelled at once.
    pub(crate) fn is_shutdown(&self) -> bool {
        lock(&self.inner.shared).shutdown
    }

    /// Whether blocking work is queued or running.
    pub(crate) fn is_busy(&self) -> bool {
        self.inner.in_flight.load(Ordering::Acquire) > 0
    }
}

impl Inner {
    /// Sends a thread to the queue: wakes an idle one, else starts one if the cap allows.
    fn send_thread(self: &Arc<Self>, shared: &mut Shared, rt: &scheduler::Scheduler) -> Sent {
        if shared.num_idle > 0 {
            shared.num_idle -= 1;
            shared.num_notify += 1;
            return Sent::Notify;
        }
        if shared.num_threads >= self.config.max_threads {
            return Sent::Done;
        }
        let id = shared.next_thread_id;
        shared.next_thread_id += 1;
        match self.start_thread(id, rt) {
            Ok(handle) => {
                shared.num_threads += 1;
                shared.num_starting += 1;
                shared.threads.insert(id, handle);
                Sent::Done
            }
            Err(err) => Sent::Failed(err),
        }
    }

    fn start_thread(
        self: &Arc<Self>,
        id: usize,
        rt: &scheduler::Scheduler,
    ) -> io::Result<thread::JoinHandle<()>> {
        let config = &self.config;
        let mut builder = thread::Builder::new().name((config.thread_name)());
        if let Some(size) = config.stack_size {
            builder = builder.stack_size(size);
        }
        let inner = self.clone();
        let rt = rt.clone();
        builder.spawn(move || {
            let _current = crate::runtime::context::set_current(&rt);
            // Counted in `num_starting` until `run` takes the lock: a hook that panicked here
            // must not end the thread, or nothing would ever be coming to the queue again.
            scheduler::run_thread_hook(&inner.config.on_thread_start, "on_thread_start");
            inner.run(id, &rt);
            scheduler::run_thread_hook(&inner.config.on_thread_stop, "on_thread_stop");
        })
    }

    fn task_done(&self) {
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The runtime may be parked waiting for this before letting paused time jump: tell it.
            crate::runtime::context::with_current(|rt| {
                if let Some(rt) = rt {
                    rt.blocking_idle();
                }
            });
        }
    }

    fn run(self: &Arc<Self>, id: usize, rt: &scheduler::Scheduler) {
        let mut shared = lock(&self.shared);
        shared.num_starting -= 1;
        'work: loop {
            // Checked before each task: work still queued when shutdown starts is cancelled below.
            while !shared.shutdown {
                let Some((task, _)) = shared.queue.pop_front() else { break };
                // The work left behind must not wait for this task to finish: unless a thread is
                // coming already, send the next one. If none can be started, this thread and the
                // other busy ones take the work as they finish.
                let notify = !shared.queue.is_empty()
                    && !shared.thread_coming()
                    && matches!(self.send_thread(&mut shared, rt), Sent::Notify);
                drop(shared);
                if notify {
                    self.work_available.notify_one();
                }
                task.run();
                self.task_done();
                shared = lock(&self.shared);
            }
            if shared.shutdown {
                break 'work;
            }
            shared.num_idle += 1;
            loop {
                let (guard, res) = self
                    .work_available
                    .wait_timeout(shared, self.config.keep_alive)
                    .unwrap_or_else(|e| e.into_inner());
                shared = guard;
                if shared.num_notify > 0 {
                    // The spawner already took us off the idle count.
                    shared.num_notify -= 1;
                    continue 'work;
                }
                if shared.shutdown {
                    shared.num_idle -= 1;
                    break 'work;
                }
                if res.timed_out() {
                    shared.num_idle -= 1;
                    // Nobody will join an idle-exited thread: detach it.
                    shared.threads.remove(&id);
                    break 'work;
                }
            }
        }
        if shared.shutdown {
            // Work queued but not started when the runtime shut down is cancelled, not run, unless
            // it is mandatory.
            while let Some((task, mandatory)) = shared.queue.pop_front() {
                drop(shared);
                if mandatory {
                    task.run();
                } else {
                    task.shutdown();
                }
                self.task_done();
                shared = lock(&self.shared);
            }
        }
        shared.num_threads -= 1;
        if shared.num_threads == 0 {
            self.all_exited.notify_all();
        }
    }
}
