//! The blocking pool: threads for work that must not run on a worker (blocking I/O, long CPU work).
//!
//! A `spawn_blocking` closure becomes an ordinary task (same allocation, same `JoinHandle`, panics
//! caught the same way) whose future runs the closure in one poll; it is queued FIFO for a pool thread.
//! Threads are started on demand up to `max_blocking_threads` and exit after `keep_alive` idle.
//! At shutdown, queued work is cancelled except for mandatory work (a `fs::File` operation the
//! user was told had started, as Tokio's `spawn_mandatory_blocking`), which still runs.

mod pool;

pub(crate) use pool::{BlockingPool, PoolConfig, Spawner};

use crate::task::{self, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs a closure as the one and only poll of a task.
struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self.func.take().expect("a blocking task ran twice");
        // Blocking code is not cooperative: leaves it awaits through `block_on` get no budget cap.
        Poll::Ready(crate::scheduler::coop::with_unconstrained(func))
    }
}

/// The "scheduler" of a blocking task: it is queued once by the pool and never woken, since its only
/// poll always completes.
struct BlockingSchedule;

impl task::Schedule for BlockingSchedule {
    fn release(&self, _task: &task::Task) -> Option<task::Task> {
        None
    }

    fn schedule(&self, _task: task::Notified) {
        unreachable!("a blocking task is never woken: its single poll always completes");
    }
}

impl Spawner {
    pub(crate) fn spawn_blocking<F, R>(
        &self,
        func: F,
        meta: task::core::Meta,
        mandatory: bool,
        rt: &crate::scheduler::Scheduler,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let future = BlockingTask { func: Some(func) };
        let (task, join) = task::UnownedTask::new(future, BlockingSchedule, meta);
        self.spawn_task(task, mandatory, rt);
        join
    }
}
