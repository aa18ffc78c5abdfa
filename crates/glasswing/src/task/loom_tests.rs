//! Loom models of the races in the task state machine (`state.rs`, driven by `harness.rs` and
//! `waker.rs`): each test puts two threads on one task and lets loom try every interleaving of their
//! atomic operations, lock acquisitions and `UnsafeCell` accesses (up to a preemption bound), checking
//! that no interleaving leaks the task, drops its future or output twice, touches the future or the
//! join-waker slot from two threads at once, or loses the `JoinHandle`'s wakeup.
//!
//! The races modelled:
//! - a wake from another thread against the poll that completes the task (the waker may end up holding
//!   the last reference, and then frees the task on its thread), and a wake during a poll, which must
//!   not be lost;
//! - an abort from another thread against a poll (before, during and after it);
//! - the `JoinHandle`, its waker already stored (JOIN_WAKER set), dropped or re-polled with another
//!   waker on one thread while the task completes on another;
//! - a waker cloned and dropped on one thread while the task completes on another;
//! - runtime shutdown (`close_and_shutdown_all`) against the poll that completes the task, and
//!   against a spawn.
//!
//! Leaks are caught twice: the scheduler and the drop counters live in `loom::sync::Arc`s, which loom
//! checks at the end of every execution, and each model asserts their strong counts explicitly.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom
//! ```
//!
//! `LOOM_MAX_PREEMPTIONS=20` raises the default bound of 3 and still takes seconds. With
//! `CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true` (and another `--target-dir`) loom also checks the
//! `debug_assert!`s of the code under test, which state several of its invariants.

use super::core::Meta;
use super::list::OwnedTasks;
use super::{JoinError, JoinHandle, Notified, Schedule, Task};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Runs `f` under loom. The preemption bound keeps each model to seconds; `LOOM_MAX_PREEMPTIONS`
/// overrides it.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// A FIFO of `Notified` plus the owned-tasks list, on loom's mutex.
struct TestScheduler {
    queue: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
}

impl Schedule for Arc<TestScheduler> {
    fn release(&self, task: &Task) -> Option<Task> {
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified) {
        self.queue.lock().push_back(task);
    }
}

#[derive(Default)]
struct Counters {
    future_drops: AtomicUsize,
    output_drops: AtomicUsize,
}

/// A task's output: a value that counts its own drop.
struct Output {
    value: u32,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("value", &self.value).finish()
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.counters.output_drops.fetch_add(1, SeqCst);
    }
}

type Step = Box<dyn FnMut(&mut Context<'_>) -> Poll<u32> + Send>;

/// A future that runs `step` on each poll and counts its drop.
struct TestFuture {
    step: Step,
    counters: Arc<Counters>,
}

impl Future for TestFuture {
    type Output = Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let value = std::task::ready!((self.step)(cx));
        Poll::Ready(Output { value, counters: self.counters.clone() })
    }
}

impl Drop for TestFuture {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

/// A `JoinHandle` waker that counts its wakes. `Waker::from` needs a `std` `Arc`, so its leak check is
/// the explicit strong-count assertion in each model.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountingWaker>, Waker) {
    let counter = std::sync::Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

/// Where a pending future leaves its waker for the model to use.
#[derive(Clone)]
struct WakerSlot(Arc<Mutex<Option<Waker>>>);

impl WakerSlot {
    fn take(&self) -> Waker {
        self.0.lock().take().expect("the future stored a waker")
    }
}

struct Env {
    scheduler: Arc<TestScheduler>,
    counters: Arc<Counters>,
}

impl Env {
    fn new() -> Env {
        // One shard: shards are picked by task id, which comes from a process-wide counter, so with
        // several the model would take a different path in each execution.
        Env::with_owned(OwnedTasks::new(0))
    }

    fn with_owned(owned: OwnedTasks) -> Env {
        Env {
            scheduler: Arc::new(TestScheduler { queue: Mutex::new(VecDeque::new()), owned }),
            counters: Arc::new(Counters::default()),
        }
    }

    fn spawn(&self, step: impl FnMut(&mut Context<'_>) -> Poll<u32> + Send + 'static) -> JoinHandle<Output> {
        self.spawn_with(Meta::plain(None, Location::caller()), step)
    }

    fn spawn_with(
        &self,
        meta: Meta,
        step: impl FnMut(&mut Context<'_>) -> Poll<u32> + Send + 'static,
    ) -> JoinHandle<Output> {
        let future = TestFuture { step: Box::new(step), counters: self.counters.clone() };
        let (join, notified) = self.scheduler.owned.bind(future, self.scheduler.clone(), meta);
        self.scheduler.queue.lock().push_back(notified.expect("the list is open"));
        join
    }

    /// A task that is pending on its first poll, leaving its waker in the slot, and ready after.
    fn spawn_pending_once(&self, value: u32) -> (JoinHandle<Output>, WakerSlot) {
        self.spawn_pending_once_with(Meta::plain(None, Location::caller()), value)
    }

    fn spawn_pending_once_with(&self, meta: Meta, value: u32) -> (JoinHandle<Output>, WakerSlot) {
        let slot = WakerSlot(Arc::new(Mutex::new(None)));
        let stored = slot.clone();
        let mut first = true;
        let join = self.spawn_with(meta, move |cx| {
            if std::mem::take(&mut first) {
                *stored.0.lock() = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Ready(value)
        });
        (join, slot)
    }

    /// Polls queued tasks until the queue is empty.
    fn run_all(&self) {
        loop {
            let next = self.scheduler.queue.lock().pop_front();
            match next {
                Some(notified) => notified.run(),
                None => return,
            }
        }
    }

    /// Shuts down and checks that every task, `futures` futures and `outputs` outputs were dropped
    /// exactly once.
    fn finish(self, futures: usize, outputs: usize) {
        self.run_all();
        self.scheduler.owned.close_and_shutdown_all(0);
        self.run_all();
        assert_eq!(Arc::strong_count(&self.scheduler), 1, "a task was leaked");
        assert_eq!(self.counters.future_drops.load(SeqCst), futures, "futures dropped");
        assert_eq!(self.counters.output_drops.load(SeqCst), outputs, "outputs dropped");
        assert_eq!(Arc::strong_count(&self.counters), 1, "a future or an output was leaked");
    }
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// Polls the handle once with a throwaway waker; `None` if the task has not completed.
fn try_join<T>(join: &mut JoinHandle<T>) -> Option<Result<T, JoinError>> {
    let (_, waker) = counting_waker();
    match poll_join(join, &waker) {
        Poll::Ready(res) => Some(res),
        Poll::Pending => None,
    }
}

/// (a) A wake from another thread races with the wake-and-poll that completes the task. The other
/// thread's wake may come while the task is idle, notified, running or complete; when it comes last it
/// releases the last reference and frees the task on that thread.
#[test]
fn loom_wake_from_another_thread_races_completion() {
    model(|| {
        let env = Env::new();
        let (join, slot) = env.spawn_pending_once(7);
        env.run_all();
        let waker = slot.take();
        let mine = waker.clone();
        let other = thread::spawn(move || waker.wake());
        mine.wake();
        env.run_all();
        let mut join = Some(join);
        let mut got = None;
        // If the poll already ran, take the output and drop the handle while the other thread may still
        // be waking: its reference can then be the last.
        if let Some(res) = try_join(join.as_mut().unwrap()) {
            got = Some(res.expect("the task succeeded").value);
            drop(join.take());
        }
        other.join().unwrap();
        if let Some(mut join) = join {
            // The other thread's wake submitted the task: it is in the queue now.
            env.run_all();
            got = Some(try_join(&mut join).expect("every wake was run").expect("the task succeeded").value);
        }
        assert_eq!(got, Some(7));
        drop(slot);
        env.finish(1, 1);
    });
}

/// (a') The classic lost wakeup: the future registers its waker and then checks a flag; another thread
/// sets the flag and then wakes whatever waker is registered. The wake may land while the task is
/// being polled (RUNNING), and must then make the poller schedule it again, or the task would hang.
fn wake_during_poll_is_not_lost(by_ref: bool) {
    model(move || {
        let env = Env::new();
        let flag = Arc::new(AtomicUsize::new(0));
        let slot = WakerSlot(Arc::new(Mutex::new(None)));
        let (stored, seen) = (slot.clone(), flag.clone());
        let mut join = env.spawn(move |cx| {
            *stored.0.lock() = Some(cx.waker().clone());
            if seen.load(SeqCst) == 1 {
                return Poll::Ready(2);
            }
            Poll::Pending
        });
        let other = thread::spawn(move || {
            flag.store(1, SeqCst);
            let waker = slot.0.lock().take();
            if let Some(waker) = waker {
                if by_ref {
                    waker.wake_by_ref();
                } else {
                    waker.wake();
                }
            }
        });
        env.run_all();
        other.join().unwrap();
        env.run_all();
        let output = try_join(&mut join).expect("the wake was not lost").expect("the task succeeded");
        assert_eq!(output.value, 2);
        drop((output, join));
        env.finish(1, 1);
    });
}

#[test]
fn loom_wake_by_value_during_poll_is_not_lost() {
    wake_during_poll_is_not_lost(false);
}

#[test]
fn loom_wake_by_ref_during_poll_is_not_lost() {
    wake_during_poll_is_not_lost(true);
}

/// (b) An abort from another thread races with polls of a task that wakes itself on its first poll
/// and stays pending: the abort can land before the poll, during it (with NOTIFIED set by the
/// self-wake, or not), between the two polls, or after them. The task must end cancelled, its future
/// dropped once, whichever thread drops it.
#[test]
fn loom_abort_from_another_thread_races_poll() {
    model(|| {
        let env = Env::new();
        let mut first = true;
        let mut join = env.spawn(move |cx| {
            if std::mem::take(&mut first) {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        });
        let abort = join.abort_handle();
        let other = thread::spawn(move || abort.abort());
        env.run_all();
        other.join().unwrap();
        env.run_all();
        let err = try_join(&mut join).expect("the task was cancelled").unwrap_err();
        assert!(err.is_cancelled());
        drop(join);
        env.finish(1, 0);
    });
}

/// (b') An abort races with the poll that completes the task: either the task completes (the abort
/// came during or after that poll, and the output is kept) or it is cancelled; never both.
#[test]
fn loom_abort_from_another_thread_races_completion() {
    model(|| {
        let env = Env::new();
        let mut join = env.spawn(|_| Poll::Ready(5));
        let abort = join.abort_handle();
        let other = thread::spawn(move || abort.abort());
        env.run_all();
        other.join().unwrap();
        env.run_all();
        let outputs = match try_join(&mut join).expect("the task finished") {
            Ok(output) => {
                assert_eq!(output.value, 5);
                1
            }
            Err(err) => {
                assert!(err.is_cancelled());
                0
            }
        };
        drop(join);
        env.finish(1, outputs);
    });
}

/// (c) The JOIN_WAKER protocol, drop side: the `JoinHandle` stored its waker, then is dropped on one
/// thread while the task completes on another. Whoever goes second drops the output; the waker in the
/// slot is dropped exactly once, and never while the completer reads it.
#[test]
fn loom_join_handle_drop_races_completion() {
    model(|| {
        let env = Env::new();
        let mut join = env.spawn(|_| Poll::Ready(3));
        let (counter, waker) = counting_waker();
        assert!(poll_join(&mut join, &waker).is_pending());
        let other = thread::spawn(move || drop(join));
        env.run_all();
        other.join().unwrap();
        drop(waker);
        assert!(counter.wakes.load(SeqCst) <= 1);
        assert_eq!(std::sync::Arc::strong_count(&counter), 1, "the join waker was leaked");
        env.finish(1, 1);
    });
}

/// (c') The JOIN_WAKER protocol, replace side: the `JoinHandle` stored one waker, then is polled with a
/// different one on another thread while the task completes. If that poll returns `Pending`, the new
/// waker must be the one the completer wakes (no lost wakeup), and the kept handle gets the output.
#[test]
fn loom_join_handle_waker_swap_races_completion() {
    model(|| {
        let env = Env::new();
        let mut join = env.spawn(|_| Poll::Ready(3));
        let (first, first_waker) = counting_waker();
        assert!(poll_join(&mut join, &first_waker).is_pending());
        let (second, second_waker) = counting_waker();
        let other = thread::spawn(move || {
            let res = poll_join(&mut join, &second_waker);
            (join, res)
        });
        env.run_all();
        let (mut join, res) = other.join().unwrap();
        let output = match res {
            Poll::Ready(res) => res.expect("the task succeeded"),
            Poll::Pending => {
                assert_eq!(second.wakes.load(SeqCst), 1, "the completer woke the stored waker");
                try_join(&mut join).expect("the task completed").expect("the task succeeded")
            }
        };
        assert_eq!(output.value, 3);
        // None if the handle took the slot back just before completion and then saw it complete.
        assert!(first.wakes.load(SeqCst) + second.wakes.load(SeqCst) <= 1, "at most one join wake");
        drop((output, join, first_waker));
        assert_eq!(std::sync::Arc::strong_count(&first), 1, "the first join waker was leaked");
        assert_eq!(std::sync::Arc::strong_count(&second), 1, "the second join waker was leaked");
        env.finish(1, 1);
    });
}

/// (d) A waker is cloned, dropped, used and dropped again on one thread while the task completes and
/// its `JoinHandle` is consumed on another: the reference count must reach zero exactly once, on
/// whichever thread lets go last.
#[test]
fn loom_waker_clone_and_drop_race_completion() {
    model(|| {
        let env = Env::new();
        let (mut join, slot) = env.spawn_pending_once(4);
        env.run_all();
        let waker = slot.take();
        drop(slot);
        waker.wake_by_ref();
        let other = thread::spawn(move || {
            let clone = waker.clone();
            drop(waker);
            clone.wake_by_ref();
            drop(clone);
        });
        env.run_all();
        let output = try_join(&mut join).expect("the task completed").expect("the task succeeded");
        assert_eq!(output.value, 4);
        drop((output, join));
        other.join().unwrap();
        env.finish(1, 1);
    });
}

/// (e) Runtime shutdown on another thread races with the poll that completes the task: either shutdown
/// claims the idle task and cancels it (the queued entry then only drops its reference), or it finds
/// it running and leaves it to the poller, or the completed task has already left the owned list.
#[test]
fn loom_shutdown_races_completion() {
    model(|| {
        let env = Env::new();
        let mut join = env.spawn(|_| Poll::Ready(1));
        let scheduler = env.scheduler.clone();
        let other = thread::spawn(move || scheduler.owned.close_and_shutdown_all(0));
        env.run_all();
        other.join().unwrap();
        let outputs = match try_join(&mut join).expect("the task finished") {
            Ok(output) => {
                assert_eq!(output.value, 1);
                1
            }
            Err(err) => {
                assert!(err.is_cancelled());
                0
            }
        };
        drop(join);
        env.finish(1, outputs);
    });
}

/// (f) A spawn races with shutdown: the owned list either takes the task before it closes (and the
/// shutdown then cancels it) or refuses it and cancels it on the spot. The future never completes by
/// itself, so a task left in a closed list, where nothing would ever cancel it, shows up as a
/// `JoinHandle` that never finishes.
#[test]
fn loom_spawn_races_shutdown() {
    model(|| {
        let env = Env::new();
        let scheduler = env.scheduler.clone();
        let other = thread::spawn(move || scheduler.owned.close_and_shutdown_all(0));
        let future = TestFuture { step: Box::new(|_| Poll::Pending), counters: env.counters.clone() };
        let meta = Meta::plain(None, Location::caller());
        let (mut join, notified) = env.scheduler.owned.bind(future, env.scheduler.clone(), meta);
        if let Some(notified) = notified {
            notified.run();
        }
        other.join().unwrap();
        let err = try_join(&mut join).expect("the shutdown cancelled the task").unwrap_err();
        assert!(err.is_cancelled());
        drop(join);
        env.finish(1, 0);
    });
}

/// (g) A task dump reads a live task's record on one thread while the task completes on another. A
/// completion moves the record's block of measured figures into its shard's ring of finished tasks,
/// and the completion that later overwrites that slot frees the block: a read of it that the free
/// does not follow in happens-before is a use after free, which loom reports through the cell that
/// `Timed` carries under loom. The reader must read each record under its shard's lock, which every
/// completion takes to hand the block over.
#[test]
fn loom_dump_reads_a_record_while_its_task_completes() {
    model(|| {
        let mut owned = OwnedTasks::new(0);
        // Every record is kept, in a ring of one: the next completion overwrites it.
        owned.set_busy_turnover(Duration::ZERO);
        owned.set_finished_cap(1);
        let env = Env::with_owned(owned);
        // With diagnostics on, a poll outside any worker is timed: the record gets its block.
        let diagnostics = || Meta { diagnostics: true, ..Meta::plain(None, Location::caller()) };
        let (mut first, slot) = env.spawn_pending_once_with(diagnostics(), 1);
        env.run_all();
        let scheduler = env.scheduler.clone();
        // The dump's path: every task with its record, read under its shard's lock.
        let dump = thread::spawn(move || drop(scheduler.owned.tasks()));
        slot.take().wake();
        // It completes: its block goes into the ring.
        env.run_all();
        // The next completion overwrites that slot, and frees the block.
        let mut second = env.spawn_with(diagnostics(), |_| Poll::Ready(2));
        env.run_all();
        dump.join().unwrap();
        let outputs =
            [&mut first, &mut second].map(|join| try_join(join).expect("completed").expect("succeeded"));
        assert_eq!(outputs.each_ref().map(|o| o.value), [1, 2]);
        drop((outputs, first, second));
        env.finish(2, 2);
    });
}

/// (h) As (g), with the completions on a worker, which recycles the block that the second one's
/// completion overwrites in the ring into its spares, zeroed, and hands it to the next task it
/// times: the dump, reading records under the shard lock on another thread, must see the block's
/// reset (loom: the cell that `Timed` carries, written as a free would) ordered after its reads of
/// the first task, and before its reads of the third, which the reuse publishes.
#[test]
fn loom_dump_reads_records_while_a_worker_recycles_their_blocks() {
    use crate::probe::{poll, worker::WorkerStats};
    model(|| {
        let mut owned = OwnedTasks::new(0);
        owned.set_busy_turnover(Duration::ZERO);
        owned.set_finished_cap(1);
        let env = Env::with_owned(owned);
        let worker = WorkerStats::new(0, Duration::from_secs(10), 0);
        let running = worker.register_thread();
        // The worker times every poll: each task gets a block from its spares.
        let diagnostics = || Meta { diagnostics: true, ..Meta::plain(None, Location::caller()) };
        poll::set_worker(&running, || {
            let (mut first, slot) = env.spawn_pending_once_with(diagnostics(), 1);
            env.run_all();
            let scheduler = env.scheduler.clone();
            let dump = thread::spawn(move || drop(scheduler.owned.tasks()));
            slot.take().wake();
            env.run_all();
            // Overwrites the first's record: its block goes back to the spares...
            let mut second = env.spawn_with(diagnostics(), |_| Poll::Ready(2));
            env.run_all();
            // ...and to the next task the worker times.
            let (third, _slot) = env.spawn_pending_once_with(diagnostics(), 3);
            env.run_all();
            dump.join().unwrap();
            let outputs =
                [&mut first, &mut second].map(|join| try_join(join).expect("completed").expect("succeeded"));
            assert_eq!(outputs.each_ref().map(|o| o.value), [1, 2]);
            drop((outputs, first, second, third));
        });
        drop(running);
        env.finish(3, 2);
    });
}
