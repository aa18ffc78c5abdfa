//! Unit tests of the raw task machinery — `OwnedTasks::bind`, `Notified::run`, wakers, `JoinHandle`,
//! abort and shutdown — driven by a tiny in-test scheduler instead of a runtime, so that each test
//! picks the exact order of events (wake before, while and after a poll; abort before, during and after
//! it; the `JoinHandle` dropped before and after completion) and checks what the state machine in
//! `state.rs` promises for it.
//!
//! Every test ends with `Env::finish`, which proves that nothing leaked and nothing was dropped twice:
//! each future and each output carries a clone of one `Arc<Counters>` and bumps a counter when it is
//! dropped, and each task holds a clone of the scheduler's `Arc`, so both strong counts are back to one
//! only if every future, output and task allocation was freed. The tests are single-threaded (one uses
//! a second thread) with small counts so that they also run under Miri, which checks the unsafe code
//! behind them:
//!
//! ```text
//! cargo +nightly miri test -p glasswing --lib task::
//! ```

use super::core::Meta;
use super::list::OwnedTasks;
use super::raw::Traced;
use super::{JoinError, JoinHandle, Notified, Schedule, Task};
use crate::probe::clock;
use std::collections::VecDeque;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The smallest scheduler: a FIFO of `Notified` plus the list of owned tasks.
struct TestScheduler {
    queue: Mutex<VecDeque<Notified>>,
    owned: OwnedTasks,
    /// Calls to `schedule` and `yield_now`, to check that a wake submits exactly once.
    scheduled: AtomicUsize,
}

impl Schedule for Arc<TestScheduler> {
    fn release(&self, task: &Task) -> Option<Task> {
        self.owned.remove(task)
    }

    fn schedule(&self, task: Notified) {
        self.scheduled.fetch_add(1, SeqCst);
        self.queue.lock().unwrap().push_back(task);
    }
}

/// Drop and poll counts shared by every future and output of one test.
#[derive(Default)]
struct Counters {
    polls: AtomicUsize,
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

/// What the test future does on one poll: `Ready(value)` completes the task with an `Output`.
type Step = Box<dyn FnMut(&mut Context<'_>) -> Poll<u32> + Send>;

/// A future that runs `step` on each poll and counts its polls and its drop.
struct TestFuture {
    step: Step,
    counters: Arc<Counters>,
}

impl Future for TestFuture {
    type Output = Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        self.counters.polls.fetch_add(1, SeqCst);
        let value = std::task::ready!((self.step)(cx));
        Poll::Ready(Output { value, counters: self.counters.clone() })
    }
}

impl Drop for TestFuture {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

/// A waker the test controls: counts its wakes; its `Arc`'s strong count says how many clones live.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicUsize,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

/// Where a pending future leaves its waker for the test to use.
#[derive(Clone, Default)]
struct WakerSlot(Arc<Mutex<Option<Waker>>>);

impl WakerSlot {
    fn store(&self, waker: &Waker) {
        *self.0.lock().unwrap() = Some(waker.clone());
    }

    fn take(&self) -> Waker {
        self.0.lock().unwrap().take().expect("the future stored a waker")
    }
}

/// One test's scheduler and counters.
struct Env {
    scheduler: Arc<TestScheduler>,
    counters: Arc<Counters>,
}

impl Env {
    fn new() -> Env {
        Env::with_owned(OwnedTasks::new(1))
    }

    fn with_owned(owned: OwnedTasks) -> Env {
        Env {
            scheduler: Arc::new(TestScheduler {
                queue: Mutex::new(VecDeque::new()),
                owned,
                scheduled: AtomicUsize::new(0),
            }),
            counters: Arc::default(),
        }
    }

    /// Spawns a task whose future runs `step` on each poll; its first `Notified` goes to the queue.
    fn spawn(&self, step: impl FnMut(&mut Context<'_>) -> Poll<u32> + Send + 'static) -> JoinHandle<Output> {
        self.spawn_with(Meta::plain(Some("test".into()), Location::caller()), step)
    }

    fn spawn_with(
        &self,
        meta: Meta,
        step: impl FnMut(&mut Context<'_>) -> Poll<u32> + Send + 'static,
    ) -> JoinHandle<Output> {
        let future = TestFuture { step: Box::new(step), counters: self.counters.clone() };
        let (join, notified) = self.scheduler.owned.bind(future, self.scheduler.clone(), meta);
        self.scheduler.queue.lock().unwrap().push_back(notified.expect("the list is open"));
        join
    }

    /// A task that is ready with `value` on its first poll.
    fn spawn_ready(&self, value: u32) -> JoinHandle<Output> {
        self.spawn(move |_| Poll::Ready(value))
    }

    /// A task that stays pending, leaving its latest waker in the returned slot, for `pending_polls`
    /// polls, then is ready with `value`.
    fn spawn_pending(&self, pending_polls: usize, value: u32) -> (JoinHandle<Output>, WakerSlot) {
        let slot = WakerSlot::default();
        let stored = slot.clone();
        let mut left = pending_polls;
        let join = self.spawn(move |cx| {
            if left == 0 {
                return Poll::Ready(value);
            }
            left -= 1;
            stored.store(cx.waker());
            Poll::Pending
        });
        (join, slot)
    }

    fn queued(&self) -> usize {
        self.scheduler.queue.lock().unwrap().len()
    }

    fn scheduled(&self) -> usize {
        self.scheduler.scheduled.load(SeqCst)
    }

    /// Polls the task at the front of the queue; false if the queue is empty.
    fn run_one(&self) -> bool {
        // The lock is released before the poll: a wake during the poll pushes to this queue.
        let next = self.scheduler.queue.lock().unwrap().pop_front();
        match next {
            Some(notified) => {
                notified.run();
                true
            }
            None => false,
        }
    }

    fn run_all(&self) -> usize {
        let mut runs = 0;
        while self.run_one() {
            runs += 1;
        }
        runs
    }

    fn polls(&self) -> usize {
        self.counters.polls.load(SeqCst)
    }

    fn future_drops(&self) -> usize {
        self.counters.future_drops.load(SeqCst)
    }

    fn output_drops(&self) -> usize {
        self.counters.output_drops.load(SeqCst)
    }

    /// Shuts everything down and checks that every task, future and output was dropped exactly once:
    /// `futures` futures and `outputs` outputs were made during the test.
    fn finish(self, futures: usize, outputs: usize) {
        self.run_all();
        self.scheduler.owned.close_and_shutdown_all(0);
        // Entries still queued only hold references to tasks that are now complete.
        self.run_all();
        assert_eq!(Arc::strong_count(&self.scheduler), 1, "a task was leaked");
        assert_eq!(self.future_drops(), futures, "every future is dropped exactly once");
        assert_eq!(self.output_drops(), outputs, "every output is dropped exactly once");
        assert_eq!(Arc::strong_count(&self.counters), 1, "a future or an output was leaked");
    }
}

/// Polls a `JoinHandle` once with `waker`.
fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

fn join_ready<T>(join: &mut JoinHandle<T>) -> Result<T, JoinError> {
    let (_, waker) = counting_waker();
    match poll_join(join, &waker) {
        Poll::Ready(res) => res,
        Poll::Pending => panic!("the task has completed"),
    }
}

#[test]
fn completion_wakes_the_join_handle_and_hands_it_the_output() {
    let env = Env::new();
    let mut join = env.spawn_ready(7);
    let (counter, waker) = counting_waker();
    assert!(poll_join(&mut join, &waker).is_pending());
    assert!(!join.is_finished());
    assert_eq!(counter.wakes.load(SeqCst), 0);

    assert_eq!(env.run_all(), 1);
    assert!(join.is_finished());
    assert_eq!(counter.wakes.load(SeqCst), 1, "completion wakes the JoinHandle once");
    assert_eq!(env.polls(), 1);
    assert_eq!(env.future_drops(), 1, "the future is dropped as soon as it is ready");
    assert_eq!(env.output_drops(), 0);

    let output = match poll_join(&mut join, &waker) {
        Poll::Ready(res) => res.expect("the task succeeded"),
        Poll::Pending => panic!("the task has completed"),
    };
    assert_eq!(output.value, 7);
    drop(output);
    assert_eq!(env.output_drops(), 1);
    drop(join);
    drop(waker);
    assert_eq!(Arc::strong_count(&counter), 1, "the task dropped the join waker");
    env.finish(1, 1);
}

#[test]
fn join_handle_polled_only_after_completion_reads_the_output() {
    let env = Env::new();
    let mut join = env.spawn_ready(3);
    env.run_all();
    assert_eq!(join_ready(&mut join).unwrap().value, 3);
    drop(join);
    env.finish(1, 1);
}

#[test]
fn join_handle_keeps_only_its_latest_waker() {
    let env = Env::new();
    let (mut join, slot) = env.spawn_pending(1, 5);
    let (first, first_waker) = counting_waker();
    let (second, second_waker) = counting_waker();
    assert!(poll_join(&mut join, &first_waker).is_pending());
    // The same waker again: kept as is.
    assert!(poll_join(&mut join, &first_waker).is_pending());
    assert_eq!(Arc::strong_count(&first), 3, "ours, `first_waker`, and the one clone the task stores");
    env.run_all();
    // A different waker replaces the stored one.
    assert!(poll_join(&mut join, &second_waker).is_pending());
    assert_eq!(Arc::strong_count(&first), 2, "the replaced waker was dropped");
    slot.take().wake();
    env.run_all();
    assert_eq!(first.wakes.load(SeqCst), 0);
    assert_eq!(second.wakes.load(SeqCst), 1);
    assert_eq!(join_ready(&mut join).unwrap().value, 5);
    drop(join);
    assert_eq!(Arc::strong_count(&second), 2);
    env.finish(1, 1);
}

#[test]
fn wakes_before_a_poll_schedule_the_task_once() {
    let env = Env::new();
    let (mut join, slot) = env.spawn_pending(1, 1);
    assert_eq!(env.run_all(), 1);
    assert_eq!(env.queued(), 0);
    let waker = slot.take();
    let clone = waker.clone();
    waker.wake_by_ref();
    assert_eq!(env.queued(), 1);
    // Already notified: neither a wake by reference nor one by value schedules it again.
    waker.wake_by_ref();
    clone.wake();
    assert_eq!(env.queued(), 1);
    assert_eq!(env.scheduled(), 1);
    drop(waker);
    assert_eq!(env.run_all(), 1);
    assert_eq!(env.polls(), 2);
    assert_eq!(join_ready(&mut join).unwrap().value, 1);
    drop(join);
    env.finish(1, 1);
}

#[test]
fn wake_by_value_of_an_idle_task_schedules_it() {
    let env = Env::new();
    let (join, slot) = env.spawn_pending(1, 1);
    env.run_all();
    slot.take().wake();
    assert_eq!(env.queued(), 1);
    env.run_all();
    assert_eq!(env.polls(), 2);
    drop(join);
    env.finish(1, 1);
}

#[test]
fn wake_during_the_poll_reschedules_after_it() {
    let env = Env::new();
    let mut first = true;
    let join = env.spawn(move |cx| {
        if std::mem::take(&mut first) {
            // Both kinds of wake while RUNNING: they only set NOTIFIED, the poller reschedules.
            cx.waker().wake_by_ref();
            // A clone that owns its reference, woken by value.
            let owned = cx.waker().clone();
            owned.wake();
            return Poll::Pending;
        }
        Poll::Ready(9)
    });
    assert!(env.run_one());
    assert_eq!(env.queued(), 1, "the poller rescheduled the task once");
    assert_eq!(env.scheduled(), 1);
    assert!(env.run_one());
    assert_eq!(env.polls(), 2);
    drop(join);
    env.finish(1, 1);
}

#[test]
fn waker_outliving_its_task_is_harmless() {
    let env = Env::new();
    let (join, slot) = env.spawn_pending(1, 4);
    env.run_all();
    let waker = slot.take();
    waker.wake_by_ref();
    env.run_all();
    drop(join);
    assert_eq!(env.output_drops(), 1);
    // The task completed; the waker still holds the allocation.
    let clone = waker.clone();
    waker.wake_by_ref();
    clone.wake();
    assert_eq!(env.queued(), 0, "a wake after completion schedules nothing");
    assert_eq!(Arc::strong_count(&env.scheduler), 2, "the waker keeps the task allocated");
    drop(waker);
    assert_eq!(Arc::strong_count(&env.scheduler), 1, "the last waker freed the task");
    env.finish(1, 1);
}

#[test]
fn abort_before_the_first_poll_drops_the_future_unpolled() {
    let env = Env::new();
    let mut join = env.spawn_ready(1);
    join.abort();
    assert_eq!(env.queued(), 1, "already scheduled: abort adds no second entry");
    join.abort();
    env.run_all();
    assert_eq!(env.polls(), 0);
    assert_eq!(env.future_drops(), 1);
    let err = join_ready(&mut join).unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(err.id(), join.id());
    drop(join);
    env.finish(1, 0);
}

#[test]
fn abort_of_a_pending_task_schedules_its_cancellation() {
    let env = Env::new();
    let (mut join, slot) = env.spawn_pending(1, 1);
    let abort = join.abort_handle();
    env.run_all();
    assert_eq!(env.queued(), 0);
    abort.abort();
    assert_eq!(env.queued(), 1, "an idle task is scheduled so that a worker drops its future");
    abort.clone().abort();
    assert_eq!(env.queued(), 1);
    // A wake of a cancelled, notified task changes nothing.
    slot.take().wake();
    assert_eq!(env.queued(), 1);
    env.run_all();
    assert_eq!(env.polls(), 1);
    assert!(abort.is_finished());
    assert!(join_ready(&mut join).unwrap_err().is_cancelled());
    drop(join);
    drop(abort);
    env.finish(1, 0);
}

#[test]
fn abort_during_the_poll_cancels_when_it_returns() {
    let env = Env::new();
    let abort_slot: Arc<Mutex<Option<super::AbortHandle>>> = Arc::default();
    let from_future = abort_slot.clone();
    let mut join = env.spawn(move |_| {
        from_future.lock().unwrap().take().expect("abort handle").abort();
        Poll::Pending
    });
    *abort_slot.lock().unwrap() = Some(join.abort_handle());
    env.run_all();
    assert_eq!(env.polls(), 1);
    assert_eq!(env.future_drops(), 1, "the poller dropped the future right after the poll");
    assert!(join_ready(&mut join).unwrap_err().is_cancelled());
    drop(join);
    env.finish(1, 0);
}

#[test]
fn abort_after_completion_keeps_the_output() {
    let env = Env::new();
    let mut join = env.spawn_ready(8);
    env.run_all();
    join.abort();
    assert_eq!(env.queued(), 0);
    assert_eq!(join_ready(&mut join).unwrap().value, 8);
    drop(join);
    env.finish(1, 1);
}

#[test]
fn join_handle_dropped_right_after_spawn_detaches_the_task() {
    let env = Env::new();
    let join = env.spawn_ready(2);
    // The fast path: the state is still the initial one.
    drop(join);
    env.run_all();
    assert_eq!(env.output_drops(), 1, "the completer dropped the unwanted output");
    env.finish(1, 1);
}

#[test]
fn join_handle_dropped_with_a_stored_waker_releases_the_waker() {
    let env = Env::new();
    let (mut join, slot) = env.spawn_pending(1, 2);
    let (counter, waker) = counting_waker();
    assert!(poll_join(&mut join, &waker).is_pending());
    env.run_all();
    drop(join);
    assert_eq!(Arc::strong_count(&counter), 2, "the JoinHandle took its waker back when dropped");
    slot.take().wake();
    env.run_all();
    assert_eq!(counter.wakes.load(SeqCst), 0, "nobody joins any more");
    assert_eq!(env.output_drops(), 1);
    env.finish(1, 1);
}

#[test]
fn join_handle_dropped_after_completion_drops_the_output() {
    let env = Env::new();
    let (mut join, _slot) = env.spawn_pending(0, 6);
    let (counter, waker) = counting_waker();
    assert!(poll_join(&mut join, &waker).is_pending());
    env.run_all();
    assert_eq!(counter.wakes.load(SeqCst), 1);
    assert_eq!(env.output_drops(), 0, "the output waits for the JoinHandle");
    drop(join);
    assert_eq!(env.output_drops(), 1);
    assert_eq!(Arc::strong_count(&counter), 2, "the waker slot was emptied");
    env.finish(1, 1);
}

#[test]
fn panicking_future_completes_with_a_panic_error() {
    let env = Env::new();
    let mut join = env.spawn(|_| panic!("boom"));
    env.run_all();
    assert_eq!(env.future_drops(), 1);
    let err = join_ready(&mut join).unwrap_err();
    assert!(err.is_panic() && !err.is_cancelled());
    assert!(err.to_string().contains("panicked with message \"boom\""), "{err}");
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    drop(join);
    env.finish(1, 0);
}

#[test]
fn a_future_panicking_in_poll_is_dropped_in_the_unwind_even_if_its_drop_panics() {
    // Its drop sees the poll's unwind; a second panic there is contained inside that unwind, and the
    // JoinHandle gets the first.
    struct PanicsOnDrop(Arc<AtomicBool>);
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            self.0.store(std::thread::panicking(), SeqCst);
            panic!("drop failed too");
        }
    }
    let env = Env::new();
    let unwinding = Arc::new(AtomicBool::new(false));
    let captured = PanicsOnDrop(unwinding.clone());
    let mut join = env.spawn(move |_| {
        let _owned_by_the_future = &captured;
        panic!("boom")
    });
    env.run_all();
    assert!(unwinding.load(SeqCst), "the future was dropped after the unwind");
    assert_eq!(env.future_drops(), 1);
    let err = join_ready(&mut join).unwrap_err();
    assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"boom"));
    drop(join);
    env.finish(1, 0);
}

/// A task dump's poll of an idle task that panics: the panic is the dump's, not the task's, so the
/// future is kept and the task left idle, and its waker still wakes it to complete as usual.
#[test]
fn a_trace_poll_that_panics_leaves_the_task_as_it_was() {
    let env = Env::new();
    let slot = WakerSlot::default();
    let stored = slot.clone();
    let mut polls = 0;
    let mut join = env.spawn(move |cx| {
        polls += 1;
        match polls {
            1 => {
                stored.store(cx.waker());
                Poll::Pending
            }
            2 => panic!("in the trace"),
            _ => Poll::Ready(3),
        }
    });
    assert!(matches!(env.scheduler.owned.tasks()[0].0.raw().trace(), Traced::NotIdle), "scheduled");
    env.run_all();
    let (task, _) = env.scheduler.owned.tasks().pop().expect("alive");
    match task.raw().trace() {
        Traced::Panicked(payload) => assert_eq!(payload.downcast_ref::<&str>(), Some(&"in the trace")),
        _ => panic!("the trace poll panicked"),
    }
    drop(task);
    assert_eq!((env.future_drops(), env.queued()), (0, 0), "kept, and not woken");
    slot.take().wake();
    env.run_all();
    assert_eq!(join_ready(&mut join).expect("not a panic").value, 3);
    drop(join);
    env.finish(1, 1);
}

/// The dump's read of the owned list: each task with its record, the measured figures included,
/// read under the shard lock, and copied out, so that they outlive the block a completion hands to
/// the finished ring (and the completion that overwrites that slot then frees).
#[test]
fn the_list_hands_out_records_read_under_the_shard_lock() {
    // One shard, with a ring of one.
    let mut owned = OwnedTasks::new(0);
    owned.set_busy_turnover(Duration::ZERO);
    owned.set_finished_cap(1);
    let env = Env::with_owned(owned);
    // With diagnostics on, a poll outside any worker is timed: the record gets its block.
    let meta = || Meta { diagnostics: true, ..Meta::plain(None, Location::caller()) };
    let slot = WakerSlot::default();
    let stored = slot.clone();
    let mut polled = false;
    let mut first = env.spawn_with(meta(), move |cx| {
        if std::mem::replace(&mut polled, true) {
            return Poll::Ready(1);
        }
        stored.store(cx.waker());
        Poll::Pending
    });
    env.run_all();
    let tasks = env.scheduler.owned.tasks();
    slot.take().wake();
    env.run_all();
    let mut second = env.spawn_with(meta(), |_| Poll::Ready(2));
    env.run_all();
    let (task, read) = &tasks[0];
    assert_eq!((read.record.id, read.record.timed.timed_polls), (task.header().id, 1));
    let finished = env.scheduler.owned.finished_tasks(clock::now());
    assert_eq!(
        finished.iter().map(|f| f.task.id).collect::<Vec<_>>(),
        [second.id()],
        "the first overwritten"
    );
    drop(tasks);
    assert_eq!(join_ready(&mut first).unwrap().value + join_ready(&mut second).unwrap().value, 3);
    drop((first, second));
    env.finish(2, 2);
}

#[test]
fn shutdown_cancels_idle_and_queued_tasks() {
    let env = Env::new();
    let (mut idle, slot) = env.spawn_pending(usize::MAX, 0);
    assert!(env.run_one());
    let mut queued = env.spawn_ready(1);
    let mut done = env.spawn_ready(2);
    // Run `queued`'s first entry later, after shutdown: put it back behind `done`'s.
    let entry = env.scheduler.queue.lock().unwrap().pop_front().unwrap();
    env.scheduler.queue.lock().unwrap().push_back(entry);
    assert!(env.run_one());
    assert!(done.is_finished());

    env.scheduler.owned.close_and_shutdown_all(0);
    assert!(idle.is_finished() && queued.is_finished());
    assert_eq!(env.future_drops(), 3);
    // The stale queue entry of `queued` only releases its reference.
    assert_eq!(env.run_all(), 1);
    assert_eq!(env.polls(), 2);
    assert!(join_ready(&mut idle).unwrap_err().is_cancelled());
    assert!(join_ready(&mut queued).unwrap_err().is_cancelled());
    assert_eq!(join_ready(&mut done).unwrap().value, 2);

    // A spawn after shutdown cancels its task on the spot.
    let future = TestFuture { step: Box::new(|_| Poll::Ready(0)), counters: env.counters.clone() };
    let meta = Meta::plain(None, Location::caller());
    let (mut late, notified) = env.scheduler.owned.bind(future, env.scheduler.clone(), meta);
    assert!(notified.is_none());
    assert!(join_ready(&mut late).unwrap_err().is_cancelled());
    drop((idle, queued, done, late, slot));
    env.finish(4, 1);
}

#[test]
fn shutdown_leaves_a_running_task_to_its_poller() {
    let env = Env::new();
    let scheduler = env.scheduler.clone();
    let mut join = env.spawn(move |_| {
        // The runtime shuts down while this task is being polled.
        scheduler.owned.close_and_shutdown_all(0);
        Poll::Pending
    });
    env.run_all();
    assert_eq!(env.future_drops(), 1, "the poller saw CANCELLED and dropped the future");
    assert!(join_ready(&mut join).unwrap_err().is_cancelled());
    drop(join);
    env.finish(1, 0);
}

#[test]
fn wake_from_another_thread_while_polling() {
    for _ in 0..3 {
        let env = Env::new();
        let (mut join, slot) = env.spawn_pending(2, 11);
        env.run_all();
        let waker = slot.take();
        // Wakes from the other thread land before, during or after the polls on this one.
        let waker_thread = std::thread::spawn(move || {
            for _ in 0..3 {
                waker.wake_by_ref();
                std::thread::yield_now();
            }
            waker
        });
        // Keep polling until the task completes, waking it from here too in case the other thread's
        // wakes all came before the second poll.
        loop {
            env.run_all();
            if let Some(w) = slot.0.lock().unwrap().take() {
                w.wake();
            }
            if join.is_finished() {
                break;
            }
            std::thread::yield_now();
        }
        let waker = waker_thread.join().unwrap();
        waker.wake();
        assert_eq!(join_ready(&mut join).unwrap().value, 11);
        drop((join, slot));
        env.finish(1, 1);
    }
}

/// With diagnostics on, a finished task leaves its record in its shard's ring. While the rings turn
/// over fast, unnamed tasks done in their first poll are sampled (one in 16 kept, the others only
/// counted); a named task and one polled more than once are always kept, and when the rings turn
/// over slowly every task is.
#[test]
fn finished_short_lived_tasks_are_sampled_only_while_the_ring_turns_over_fast() {
    const SHORT_LIVED: usize = 400;
    for busy in [false, true] {
        // One shard, with a ring of 256, so that the counts are exact.
        let mut owned = OwnedTasks::new(0);
        owned.set_busy_turnover(if busy { Duration::MAX } else { Duration::ZERO });
        let env = Env::with_owned(owned);
        let meta = |name: Option<&str>| Meta {
            diagnostics: true,
            ..Meta::plain(name.map(Into::into), Location::caller())
        };
        let mut joins: Vec<_> =
            (0..SHORT_LIVED).map(|i| env.spawn_with(meta(None), move |_| Poll::Ready(i as u32))).collect();
        env.run_all();
        // Finished last, with every ring full.
        joins.push(env.spawn_with(meta(Some("named")), |_| Poll::Ready(0)));
        let mut woke = false;
        joins.push(env.spawn_with(meta(None), move |cx| {
            if woke {
                return Poll::Ready(0);
            }
            woke = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }));
        env.run_all();
        let ids: Vec<_> = joins[SHORT_LIVED..].iter().map(JoinHandle::id).collect();

        let owned = &env.scheduler.owned;
        let kept: Vec<_> = owned.finished_tasks(clock::now()).iter().map(|f| f.task.id).collect();
        let not_kept = owned.finished_not_kept() as usize;
        assert_eq!(kept.len(), 256, "busy: {busy}: the rings are full");
        assert!(
            ids.iter().all(|id| kept.contains(id)),
            "busy: {busy}: the named and the twice-polled task are kept"
        );
        // Busy: the first 256 filled the ring, then 144 finished with it full, and 9 of those (every
        // 16th) were kept.
        assert_eq!(not_kept, if busy { 144 - 9 } else { 0 });
        drop(joins);
        env.finish(SHORT_LIVED + 2, SHORT_LIVED + 2);
    }
}

/// With diagnostics on, a task gets its block of measured figures from the worker that first times
/// one of its polls, and when it finishes (and nobody keeps the block: here, its record's ring slot
/// is overwritten) the block goes back, zeroed, with its histograms, to the worker it finishes on,
/// for the next task; past the spares' room, or off the workers, it is freed. Each block is freed
/// once whichever way it went, at the end by the runtime's teardown (the list's, the workers'):
/// Miri checks that nothing leaks and nothing is freed twice.
#[test]
fn measured_figures_blocks_go_back_to_the_worker_a_task_finishes_on() {
    use crate::probe::{poll, worker::WorkerStats};
    // One shard with a ring of one, every record kept: each completion after the first overwrites
    // the record before it, and so hands a block back.
    let mut owned = OwnedTasks::new(0);
    owned.set_busy_turnover(Duration::ZERO);
    owned.set_finished_cap(1);
    let env = Env::with_owned(owned);
    let workers = [0, 1].map(|i| WorkerStats::new(i, Duration::from_secs(10), 0));
    let spares = |w: &WorkerStats| (w.timed_blocks.timed.len(), w.timed_blocks.histograms.len());
    let full = {
        let w = WorkerStats::new(2, Duration::from_secs(10), 0);
        w.timed_blocks.refill();
        spares(&w)
    };
    // A task that wakes itself at each of its first `self_wakes` polls, then waits with its waker
    // in the slot, and is ready at the poll after. Every poll on a fresh worker is timed.
    let spawn = |self_wakes: usize| {
        let slot = WakerSlot::default();
        let stored = slot.clone();
        let mut polls = 0;
        let meta = Meta { diagnostics: true, ..Meta::plain(None, Location::caller()) };
        let join = env.spawn_with(meta, move |cx| {
            polls += 1;
            if polls <= self_wakes {
                cx.waker().wake_by_ref();
            } else if polls == self_wakes + 1 {
                stored.store(cx.waker());
            } else {
                return Poll::Ready(polls as u32);
            }
            Poll::Pending
        });
        (join, slot)
    };
    /// Runs `f` on a thread of its own, as worker `w`.
    fn as_worker(w: &WorkerStats, f: &(dyn Fn() + Sync)) {
        std::thread::scope(|s| {
            s.spawn(|| {
                let running = w.register_thread();
                poll::set_worker(&running, f);
            });
        })
    }
    // Worker 0 polls three tasks until they wait: one 7 times (the sixth sample brings its
    // histograms), two once.
    let waiting = [spawn(6), spawn(0), spawn(0)];
    as_worker(&workers[0], &|| assert_eq!(env.run_all(), 9));
    assert_eq!(spares(&workers[0]), (full.0 - 3, full.1 - 1));

    // Worker 1 polls a task of its own that takes a block and histograms, then finishes the three.
    let (own, own_slot) = spawn(6);
    as_worker(&workers[1], &|| {
        assert_eq!(env.run_all(), 7);
        assert_eq!(spares(&workers[1]), (full.0 - 1, full.1 - 1));
        for (_, slot) in &waiting {
            slot.take().wake();
        }
        // The first finished is kept; the second's completion hands its block back, histograms
        // included, and fills the spares; the third's is freed, no room left.
        assert_eq!(env.run_all(), 3);
        assert_eq!(spares(&workers[1]), full);
    });
    // A new task gets the recycled block (the last put back), its figures zeroed.
    let (next, next_slot) = spawn(0);
    as_worker(&workers[1], &|| assert_eq!(env.run_all(), 1));
    let tasks = env.scheduler.owned.tasks();
    let (_, read) = tasks.iter().find(|(task, _)| task.header().id == next.id()).unwrap();
    let timed = &read.record.timed;
    assert_eq!((read.record.stats.polls, timed.timed_polls, timed.poll_times.total()), (1, 1, 1));
    assert_eq!((timed.scheduled_weights, timed.scheduled_times.total()), (0, 0));
    drop(tasks);
    let values = waiting.map(|(mut join, _)| join_ready(&mut join).unwrap().value);
    assert_eq!(values, [8, 2, 2]);
    // The two left are cancelled at shutdown, off the workers: their blocks are freed.
    drop((own, own_slot, next, next_slot));
    env.finish(5, 3);
}

#[test]
fn the_list_counts_spawned_and_alive_tasks_and_reads_them_without_its_locks() {
    let env = Env::with_owned(OwnedTasks::new(4));
    let owned = |env: &Env| (env.scheduler.owned.spawned(), env.scheduler.owned.alive());
    let done = env.spawn_ready(1);
    let (pending, slot) = env.spawn_pending(1, 2);
    let cancelled = env.spawn_pending(1, 3);
    assert_eq!(owned(&env), (3, 3));
    env.run_all();
    assert_eq!(owned(&env), (3, 2), "completed: no longer alive");

    // `RuntimeMetrics` reads these while spawns and completions hold the shard locks: they must
    // not wait for them (the spawned count once took each lock in turn).
    let (tx, rx) = std::sync::mpsc::channel();
    let scheduler = env.scheduler.clone();
    let (read, reader) = env.scheduler.owned.with_every_shard_locked(|| {
        let reader = std::thread::spawn(move || {
            let _ = tx.send((scheduler.owned.spawned(), scheduler.owned.alive()));
        });
        (rx.recv_timeout(Duration::from_secs(10)), reader)
    });
    reader.join().unwrap();
    assert_eq!(read, Ok((3, 2)), "the counts were read while every shard lock was held");

    env.scheduler.owned.close_and_shutdown_all(0);
    assert_eq!(owned(&env), (3, 0), "cancelled at shutdown: no longer alive");
    drop((done, pending, slot, cancelled));
    env.finish(3, 1);
}

/// The watchdog's lint pass (`OwnedTasks::scan_some`) goes through the list a few tasks at a time,
/// letting go of the shard's lock in between, and goes on from where it stopped: each task that is
/// still there is visited once, even when the task it was to visit next completes meanwhile, and a
/// call never visits more than its budget.
#[test]
fn a_scan_in_slices_visits_each_task_once_while_tasks_complete_between_slices() {
    const TASKS: usize = 64;
    // Four shards; a shard's list is newest first.
    let env = Env::with_owned(OwnedTasks::new(1));
    let shard_of = |id: super::Id| id.as_u64() & 3;
    let mut tasks: Vec<_> = (0..TASKS).map(|i| (env.spawn_pending(1, i as u32), false)).collect();
    env.run_all();
    let ids: Vec<super::Id> = tasks.iter().map(|((join, _), _)| join.id()).collect();

    let mut visited: Vec<super::Id> = Vec::new();
    let mut completed_unvisited = Vec::new();
    let mut slices = 0;
    loop {
        let mut budget = 5;
        let done = env.scheduler.owned.scan_some(
            1,
            &mut budget,
            |id, _, _| {
                visited.push(id);
                false
            },
            |_| unreachable!("nothing was picked"),
        );
        slices += 1;
        assert!(
            budget <= 5 && (done || budget == 0),
            "a slice stops only at the end or when its budget is spent"
        );
        if done {
            break;
        }
        // Complete the task the pass visits next: the newest one not yet visited in the shard of
        // the last visited, older than it.
        let last = *visited.last().unwrap();
        let next = (0..TASKS)
            .filter(|&i| !tasks[i].1 && !visited.contains(&ids[i]))
            .filter(|&i| shard_of(ids[i]) == shard_of(last) && ids[i].as_u64() < last.as_u64())
            .max_by_key(|&i| ids[i].as_u64());
        if let Some(i) = next {
            tasks[i].0 .1.take().wake();
            tasks[i].1 = true;
            completed_unvisited.push(ids[i]);
            env.run_all();
        }
        // And a new task, which the pass may or may not see.
        drop(env.spawn_ready(1000 + slices as u32));
    }
    assert!(slices >= visited.len() / 5, "the pass took several slices ({slices})");
    assert!(!completed_unvisited.is_empty(), "tasks the pass was to visit next completed meanwhile");
    for (i, id) in ids.iter().enumerate() {
        let times = visited.iter().filter(|v| *v == id).count();
        let expected = usize::from(!completed_unvisited.contains(id));
        assert_eq!(times, expected, "task {i} visited {times} times");
    }

    // The pass is done: another call for it visits nothing; a new pass visits every live task.
    env.run_all();
    let mut budget = 1000;
    assert!(env.scheduler.owned.scan_some(1, &mut budget, |_, _, _| true, |_| ()));
    assert_eq!(budget, 1000);
    let mut read = Vec::new();
    assert!(env.scheduler.owned.scan_some(2, &mut budget, |_, _, _| true, |r| read.push(r.record.id)));
    assert_eq!(read.len(), TASKS - completed_unvisited.len(), "the live tasks, each read once");
    assert_eq!(budget, 1000 - read.len());

    for ((join, slot), completed) in tasks {
        if !completed {
            slot.take().wake();
        }
        drop(join);
    }
    env.finish(TASKS + slices - 1, TASKS + slices - 1);
}
