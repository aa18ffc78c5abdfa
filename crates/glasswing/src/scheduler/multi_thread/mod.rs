//! The work-stealing multi-thread scheduler. The algorithm is told at the top of `worker.rs`; this file
//! holds the state the workers share (`MultiThread`) and the two ways work enters it: `spawn` and wakes.

mod idle;
mod inject;
#[cfg(all(test, loom))]
mod loom_queue;
pub(crate) mod queue;
mod worker;

pub(crate) use worker::{block_in_place, create, Context};

use crate::blocking;
use crate::io::driver::IoHandle;
use crate::probe::{self, worker::WorkerStats};
use crate::runtime::context;
use crate::runtime::park::Unparker;
use crate::scheduler::{self, Config, Owner, Placement};
use crate::task::core::Meta;
use crate::task::list::OwnedTasks;
use crate::task::{JoinHandle, Notified};
use crate::time::driver::TimeHandle;
use idle::Idle;
use inject::Inject;
use queue::Overflow;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What all workers of one runtime share.
pub(crate) struct MultiThread {
    remotes: Box<[Remote]>,
    inject: Inject,
    idle: Idle,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: blocking::Spawner,
    pub(crate) config: Config,
    pub(crate) time: Arc<TimeHandle>,
    pub(crate) io: Arc<IoHandle>,
    /// Threads in worker code that have not finished: one per core until it shuts down, plus those
    /// that `block_in_place` took a core from, until their poll ends.
    workers_alive: Mutex<usize>,
    workers_done: Condvar,
}

/// What other threads may touch of one worker: its ring (to steal) and its parker (to wake it).
struct Remote {
    steal: queue::Steal<Notified>,
    unpark: Unparker,
}

impl MultiThread {
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, meta: Meta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, self.clone(), meta);
        if let Some(notified) = notified {
            self.schedule_task(notified, Placement::Next);
        }
        join
    }

    fn push_remote(&self, task: Notified) {
        self.inject.push_remote(task);
        self.notify_parked();
    }

    pub(crate) fn local_queue_depth(&self, index: usize) -> usize {
        self.remotes.get(index).map_or(0, |r| r.steal.len())
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len()
    }

    /// Tasks scheduled from outside the workers (through the global queue) so far.
    pub(crate) fn remote_schedule_count(&self) -> u64 {
        self.inject.remote_pushes()
    }

    /// Wakes one parked worker, unless one is already searching (it will find the work).
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unpark.unpark();
        }
    }

    /// The last searcher parks: make sure no work was left behind in the meantime.
    fn notify_if_work_pending(&self) {
        if self.remotes.iter().any(|r| !r.steal.is_empty()) || !self.inject.is_empty() {
            self.notify_parked();
        }
    }

    /// Starts shutdown: closes the global queue and wakes every worker so that it notices.
    pub(crate) fn shutdown(&self) {
        if self.inject.close() {
            for remote in self.remotes.iter() {
                remote.unpark.unpark();
            }
        }
    }

    /// Waits until every worker finished its shutdown, up to `timeout`. Returns false on timeout.
    pub(crate) fn wait_for_workers(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut alive = self.workers_alive.lock().unwrap_or_else(|e| e.into_inner());
        while *alive > 0 {
            alive = match deadline {
                None => self.workers_done.wait(alive).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.workers_done.wait_timeout(alive, deadline - now).unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
        true
    }

    /// One more thread will run worker code: `block_in_place` hands a core to a new thread while
    /// the old one finishes its poll. Called by a counted thread, so the count cannot have reached 0.
    pub(crate) fn worker_entered(&self) {
        *self.workers_alive.lock().unwrap_or_else(|e| e.into_inner()) += 1;
    }

    /// A worker finished its shutdown (or a thread left the worker loop without a core). The last one empties the global queue: its entries hold task
    /// references, and the tasks hold this handle, so leaving them would leak both.
    pub(crate) fn worker_exited(&self) {
        let mut alive = self.workers_alive.lock().unwrap_or_else(|e| e.into_inner());
        *alive -= 1;
        if *alive == 0 {
            while let Some(task) = self.inject.pop() {
                drop(task);
            }
            self.time.shutdown();
            self.io.shutdown();
            self.workers_done.notify_all();
        }
    }
}

impl Owner for MultiThread {
    fn task_hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        Some(&self.config.hooks)
    }

    fn owned(&self) -> &OwnedTasks {
        &self.owned
    }

    /// Where it runs soonest without hurting fairness: on this thread's worker if the wake comes
    /// from one of our workers (see `Placement`), else the global queue.
    fn schedule_task(self: &Arc<Self>, task: Notified, placement: Placement) {
        context::with_scheduler(|cx| {
            if let Some(scheduler::Context::MultiThread(cx)) = cx {
                if std::ptr::eq(cx.handle(), &**self) {
                    if let Some(task) = cx.schedule_local(task, placement) {
                        self.push_remote(task);
                    }
                    return;
                }
            }
            self.push_remote(task);
        });
    }
}

impl Overflow<Notified> for MultiThread {
    fn push(&self, task: Notified) {
        self.inject.push(task);
    }

    fn push_batch(&self, tasks: impl Iterator<Item = Notified>) {
        // A full ring spills half of itself here: that is an overflow of this thread's worker.
        probe::poll::with_worker(|w| w.map(|w| WorkerStats::count(&w.overflows)));
        self.inject.push_batch(tasks);
    }
}
