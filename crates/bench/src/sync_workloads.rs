//! The sync workloads (labels `{mt,ct}/sync/...`) and the sync memory measurements
//! (`mem/{mt,ct}/sync/...`), each written once, generic over [`Rt`], through the runtime's
//! [`SyncPrims`] (`glasswing::sync` vs `tokio::sync` vs async-channel / async-lock /
//! async-broadcast).
//!
//! Every workload spawns its tasks from inside the runtime and its iteration ends when the last
//! of them has done its share, checked: each runtime does the same work (every message received,
//! every increment made). The fan-out workloads (`broadcast`, `watch`) go in lockstep: the sender
//! sends the next value only once every receiver has seen the previous one, so each value wakes
//! every receiver and no run can skip or coalesce values (a receiver that lagged behind a broadcast,
//! or a watch receiver that saw two updates as one, would do less work on one runtime than on
//! another). Tokio's own sync benches (`benches/sync_*.rs`) have similar shapes but time them with
//! criterion, one runtime at a time; these run interleaved like the rest of the suite.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use futures::task::AtomicWaker;

use crate::mem;
use crate::rt::Rt;
use crate::sync::SyncPrims;
use crate::workloads::{Countdown, Workload};

/// The sync primitives of runtime `R`.
type S<R> = <R as Rt>::Sync;

/// Messages per iteration of the mpsc workloads, split evenly over the producers.
pub const MPSC_MSGS: usize = 100_000;
/// Capacity of the bounded mpsc channels (small enough that 8 producers fill it and wait).
pub const MPSC_CAP: usize = 128;
/// Round trips of `oneshot_round_trip`.
pub const ONESHOT_ROUNDS: usize = 10_000;
/// Lock/unlock pairs of `mutex_uncontended`.
pub const MUTEX_OPS: usize = 100_000;
/// Tasks of `mutex_contended` and `semaphore`.
pub const SYNC_TASKS: usize = 8;
/// Lock/unlock (acquire/release) pairs per task of `mutex_contended` and `semaphore`.
pub const OPS_PER_TASK: usize = 10_000;
/// Permits of the `semaphore` workload's semaphore.
pub const SEM_PERMITS: usize = 2;
/// Receivers of `broadcast`.
pub const BCAST_RECEIVERS: usize = 100;
/// Messages of `broadcast`.
pub const BCAST_MSGS: usize = 1_000;
/// Capacity of the `broadcast` channel (lockstep never fills it).
pub const BCAST_CAP: usize = 16;
/// Receivers of `watch`.
pub const WATCH_RECEIVERS: usize = 1_000;
/// Updates of `watch`.
pub const WATCH_UPDATES: usize = 100;

/// How many receivers have seen the current value, and a waker for the sender waiting until all
/// have: the lockstep of the fan-out workloads. Runtime-agnostic (an atomic and an `AtomicWaker`),
/// so it costs every runtime the same.
struct Tally {
    seen: AtomicUsize,
    target: AtomicUsize,
    waker: AtomicWaker,
}

impl Tally {
    fn new() -> Arc<Self> {
        Arc::new(Tally {
            seen: AtomicUsize::new(0),
            target: AtomicUsize::new(usize::MAX),
            waker: AtomicWaker::new(),
        })
    }

    /// One more receiver has seen a value; wakes the sender if it was the last one it waits for.
    #[inline]
    fn add_one(&self) {
        if self.seen.fetch_add(1, Ordering::AcqRel) + 1 == self.target.load(Ordering::Acquire) {
            self.waker.wake();
        }
    }

    /// Sets the total to wait for; call before sending the value that leads to it.
    fn expect(&self, total: usize) {
        self.target.store(total, Ordering::Release);
    }

    /// Waits until `total` (the last [`Tally::expect`]) receivers have seen their values.
    fn reached(&self, total: usize) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.seen.load(Ordering::Acquire) >= total {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            if self.seen.load(Ordering::Acquire) >= total {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// mpsc throughput: `producers` tasks send `MPSC_MSGS` messages in all (an equal share each) to
/// one consumer task, through a bounded (capacity `MPSC_CAP`) or an unbounded channel.
pub struct MpscThroughput {
    pub bounded: bool,
    pub producers: usize,
}

impl Workload for MpscThroughput {
    fn name(&self) -> &'static str {
        match (self.bounded, self.producers) {
            (true, 1) => "sync/mpsc_bounded_1p",
            (true, 8) => "sync/mpsc_bounded_8p",
            (false, 1) => "sync/mpsc_unbounded_1p",
            (false, 8) => "sync/mpsc_unbounded_8p",
            _ => unimplemented!("mpsc with {} producers", self.producers),
        }
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let producers = self.producers;
        let share = MPSC_MSGS / producers;
        let start = Instant::now();
        let received = rt.block_on(async move {
            let consumer = if self.bounded {
                let (tx, mut rx) = S::<R>::channel(MPSC_CAP);
                for _ in 0..producers {
                    let tx = tx.clone();
                    R::spawn_detached(async move {
                        for i in 0..share {
                            S::<R>::send(&tx, i as u64).await;
                        }
                    });
                }
                R::spawn(async move {
                    let mut n = 0;
                    while S::<R>::recv(&mut rx).await.is_some() {
                        n += 1;
                    }
                    n
                })
            } else {
                let (tx, mut rx) = S::<R>::unbounded_channel();
                for _ in 0..producers {
                    let tx = tx.clone();
                    R::spawn_detached(async move {
                        for i in 0..share {
                            S::<R>::send_unbounded(&tx, i as u64);
                        }
                    });
                }
                R::spawn(async move {
                    let mut n = 0;
                    while S::<R>::recv_unbounded(&mut rx).await.is_some() {
                        n += 1;
                    }
                    n
                })
            };
            consumer.await
        });
        let elapsed = start.elapsed();
        assert_eq!(received, share * producers, "{}: messages received", self.name());
        elapsed
    }
}

/// `ONESHOT_ROUNDS` times, in one task: create a oneshot, spawn a task that sends through it, await
/// the answer.
pub struct OneshotRoundTrip;

impl Workload for OneshotRoundTrip {
    fn name(&self) -> &'static str {
        "sync/oneshot_round_trip"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let start = Instant::now();
        let sum = rt.block_on(async {
            R::spawn(async {
                let mut sum = 0;
                for i in 0..ONESHOT_ROUNDS as u64 {
                    let (tx, rx) = S::<R>::oneshot();
                    R::spawn_detached(async move { S::<R>::send_oneshot(tx, i) });
                    sum += S::<R>::recv_oneshot(rx).await;
                }
                sum
            })
            .await
        });
        let elapsed = start.elapsed();
        let n = ONESHOT_ROUNDS as u64;
        assert_eq!(sum, n * (n - 1) / 2, "oneshot_round_trip: answers");
        elapsed
    }
}

/// `MUTEX_OPS` lock / increment / unlock in one task: the uncontended path.
pub struct MutexUncontended;

impl Workload for MutexUncontended {
    fn name(&self) -> &'static str {
        "sync/mutex_uncontended"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let start = Instant::now();
        let total = rt.block_on(async {
            R::spawn(async {
                let mutex = S::<R>::mutex(0);
                for _ in 0..MUTEX_OPS {
                    *S::<R>::lock(&mutex).await += 1;
                }
                let total = *S::<R>::lock(&mutex).await;
                total
            })
            .await
        });
        let elapsed = start.elapsed();
        assert_eq!(total, MUTEX_OPS as u64, "mutex_uncontended: increments");
        elapsed
    }
}

/// `SYNC_TASKS` tasks each lock / increment / unlock one shared Mutex `OPS_PER_TASK` times. On the
/// multi-thread flavour they contend; on the current-thread one only where a task is preempted by
/// its coop budget while holding the lock (a lock held across no `.await` is otherwise never seen
/// locked there).
pub struct MutexContended;

impl Workload for MutexContended {
    fn name(&self) -> &'static str {
        "sync/mutex_contended"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let mutex = Arc::new(S::<R>::mutex(0));
        let done = Countdown::new(SYNC_TASKS);
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..SYNC_TASKS {
                let mutex = mutex.clone();
                let done = done.clone();
                R::spawn_detached(async move {
                    for _ in 0..OPS_PER_TASK {
                        *S::<R>::lock(&mutex).await += 1;
                    }
                    done.done_one();
                });
            }
            done.wait().await;
        });
        let elapsed = start.elapsed();
        let total = rt.block_on(async { *S::<R>::lock(&mutex).await });
        assert_eq!(total, (SYNC_TASKS * OPS_PER_TASK) as u64, "mutex_contended: increments");
        elapsed
    }
}

/// `SYNC_TASKS` tasks each acquire a permit of a `SEM_PERMITS`-permit Semaphore, yield once while
/// holding it, and release it, `OPS_PER_TASK` times: at any time 2 tasks hold a permit and the
/// others wait for one, on both flavours (the yield is what makes the current-thread flavour
/// contend too; it is the same runtime `yield_now` on each side).
pub struct SemaphoreContended;

impl Workload for SemaphoreContended {
    fn name(&self) -> &'static str {
        "sync/semaphore"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let semaphore = Arc::new(S::<R>::semaphore(SEM_PERMITS));
        let done = Countdown::new(SYNC_TASKS);
        let held = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..SYNC_TASKS {
                let semaphore = semaphore.clone();
                let done = done.clone();
                let held = held.clone();
                R::spawn_detached(async move {
                    for _ in 0..OPS_PER_TASK {
                        let permit = S::<R>::acquire(&semaphore).await;
                        let now = held.fetch_add(1, Ordering::Relaxed) + 1;
                        assert!(now <= SEM_PERMITS, "semaphore: {now} holders of {SEM_PERMITS} permits");
                        R::yield_now().await;
                        held.fetch_sub(1, Ordering::Relaxed);
                        drop(permit);
                    }
                    done.done_one();
                });
            }
            done.wait().await;
        });
        start.elapsed()
    }
}

/// Fan-out: `BCAST_RECEIVERS` tasks each receive every one of `BCAST_MSGS` messages from one
/// broadcast channel (capacity `BCAST_CAP`); the sender sends the next message once every receiver
/// has the previous one, so each message wakes all 100.
pub struct BroadcastFanOut;

impl Workload for BroadcastFanOut {
    fn name(&self) -> &'static str {
        "sync/broadcast_fan_out"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let tally = Tally::new();
        let done = Countdown::new(BCAST_RECEIVERS);
        let start = Instant::now();
        rt.block_on(async {
            let (tx, first) = S::<R>::broadcast(BCAST_CAP);
            let mut first = Some(first);
            for _ in 0..BCAST_RECEIVERS {
                let mut rx = first.take().unwrap_or_else(|| S::<R>::subscribe(&tx));
                let tally = tally.clone();
                let done = done.clone();
                R::spawn_detached(async move {
                    let mut expected = 0;
                    while let Some(value) = S::<R>::recv_broadcast(&mut rx).await {
                        assert_eq!(value, expected, "broadcast: message out of order");
                        expected += 1;
                        tally.add_one();
                    }
                    assert_eq!(expected, BCAST_MSGS as u64, "broadcast: messages received");
                    done.done_one();
                });
            }
            R::spawn(async move {
                for i in 0..BCAST_MSGS {
                    let total = (i + 1) * BCAST_RECEIVERS;
                    tally.expect(total);
                    S::<R>::send_broadcast(&tx, i as u64).await;
                    tally.reached(total).await;
                }
            })
            .await;
            done.wait().await;
        });
        start.elapsed()
    }
}

/// `WATCH_RECEIVERS` tasks wait in `changed()` on one watch channel, whose sender updates it
/// `WATCH_UPDATES` times, each time once every receiver has seen the previous value: each update
/// wakes all 1,000.
pub struct WatchFanOut;

impl Workload for WatchFanOut {
    fn name(&self) -> &'static str {
        "sync/watch"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let tally = Tally::new();
        let done = Countdown::new(WATCH_RECEIVERS);
        let start = Instant::now();
        rt.block_on(async {
            let (tx, first) = S::<R>::watch(0);
            let mut first = Some(first);
            for _ in 0..WATCH_RECEIVERS {
                let mut rx = first.take().unwrap_or_else(|| S::<R>::subscribe_watch(&tx));
                let tally = tally.clone();
                let done = done.clone();
                R::spawn_detached(async move {
                    let mut expected = 1;
                    while let Some(value) = S::<R>::changed(&mut rx).await {
                        assert_eq!(value, expected, "watch: value skipped");
                        expected += 1;
                        tally.add_one();
                    }
                    assert_eq!(expected, WATCH_UPDATES as u64 + 1, "watch: updates seen");
                    done.done_one();
                });
            }
            R::spawn(async move {
                for i in 1..=WATCH_UPDATES {
                    let total = i * WATCH_RECEIVERS;
                    tally.expect(total);
                    S::<R>::send_watch(&tx, i as u64);
                    tally.reached(total).await;
                }
            })
            .await;
            done.wait().await;
        });
        start.elapsed()
    }
}

// ---------------------------------------------------------------------------------------
// Memory

/// Objects created (or waiting tasks spawned) per sync memory measurement.
pub const NUM_SYNC_MEM: usize = 10_000;
/// Created (spawned) in batches of this many; as many are created and dropped before the window.
const MEM_BATCH: usize = 100;

/// Result of one sync memory measurement.
#[derive(Clone, Copy, Debug)]
pub struct SyncMem {
    /// Live heap bytes added per object (per waiting task).
    pub heap: f64,
    /// Allocator calls per object (per waiting task).
    pub allocs: f64,
    /// `size_of` the handles kept per object (e.g. the `(Sender, Receiver)` pair): what the object
    /// costs wherever it lives on top of its heap; 0 for waiting tasks, whose futures are in
    /// the task's allocation, which `heap` counts.
    pub size: usize,
}

impl SyncMem {
    /// Heap plus `size_of`: what one object costs in all.
    pub fn total(&self) -> f64 {
        self.heap + self.size as f64
    }
}

/// What the sync memory rows create.
#[derive(Clone, Copy, Debug)]
pub enum SyncObject {
    /// A bounded mpsc channel (capacity `MPSC_CAP`): its `(Sender, Receiver)`.
    Channel,
    /// An unbounded mpsc channel: its `(UnboundedSender, UnboundedReceiver)`.
    UnboundedChannel,
    /// A oneshot: its `(Sender, Receiver)`.
    Oneshot,
    /// A `Mutex<u64>`.
    Mutex,
    /// A task waiting in `lock().await` on a Mutex held elsewhere.
    WaitingLock,
    /// A task waiting in `recv().await` on its own empty bounded mpsc channel.
    WaitingRecv,
}

impl SyncObject {
    pub const ALL: [SyncObject; 6] = [
        SyncObject::Channel,
        SyncObject::UnboundedChannel,
        SyncObject::Oneshot,
        SyncObject::Mutex,
        SyncObject::WaitingLock,
        SyncObject::WaitingRecv,
    ];

    /// Name in the row label `mem/{mt,ct}/<name>`.
    pub fn name(self) -> &'static str {
        match self {
            SyncObject::Channel => "sync/mpsc_channel",
            SyncObject::UnboundedChannel => "sync/mpsc_unbounded_channel",
            SyncObject::Oneshot => "sync/oneshot",
            SyncObject::Mutex => "sync/mutex",
            SyncObject::WaitingLock => "sync/task_waiting_lock",
            SyncObject::WaitingRecv => "sync/task_waiting_recv",
        }
    }

    /// Whether the row is per waiting task (else per object created).
    pub fn is_task(self) -> bool {
        matches!(self, SyncObject::WaitingLock | SyncObject::WaitingRecv)
    }

    pub fn measure<R: Rt>(self, rt: &R) -> SyncMem {
        match self {
            SyncObject::Channel => created_mem(rt, || S::<R>::channel(MPSC_CAP)),
            SyncObject::UnboundedChannel => created_mem(rt, S::<R>::unbounded_channel),
            SyncObject::Oneshot => created_mem(rt, S::<R>::oneshot),
            SyncObject::Mutex => created_mem(rt, || S::<R>::mutex(0)),
            SyncObject::WaitingLock => waiting_lock_mem(rt),
            SyncObject::WaitingRecv => waiting_recv_mem(rt),
        }
    }
}

/// Creates `NUM_SYNC_MEM` objects with `make` inside the runtime (the `block_on` future), keeping
/// them in a `Vec` allocated before the window; reports the live-heap delta per object and
/// `size_of` it. A batch is created and dropped before the window, so one-time setup is not
/// counted.
fn created_mem<R: Rt, T>(rt: &R, make: impl Fn() -> T) -> SyncMem {
    let mut held: Vec<T> = Vec::with_capacity(NUM_SYNC_MEM);
    rt.block_on(async {
        for _ in 0..MEM_BATCH {
            held.push(make());
        }
        held.clear();
    });
    let ((), live, allocs) = mem::counted(|| {
        rt.block_on(async {
            for _ in 0..NUM_SYNC_MEM {
                held.push(make());
            }
        })
    });
    drop(held);
    let n = NUM_SYNC_MEM as f64;
    SyncMem { heap: live as f64 / n, allocs: allocs as f64 / n, size: std::mem::size_of::<T>() }
}

/// Tasks whose wait future has been polled once (and returned `Pending`).
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Polls `future` to completion, counting in `WAITING` once its first poll returned `Pending`.
async fn announce_wait<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut first = true;
    poll_fn(move |cx| {
        let poll = future.as_mut().poll(cx);
        if first && poll.is_pending() {
            first = false;
            WAITING.fetch_add(1, Ordering::Release);
        }
        poll
    })
    .await
}

/// Spawns `NUM_SYNC_MEM` tasks, each made by `task()` (which wraps its wait in [`announce_wait`]),
/// in batches of `MEM_BATCH`, waiting for each batch to be waiting (as `idle_task_mem` does, and
/// for the same reason); reports the live-heap delta and allocator calls per task, and returns the
/// tasks' handles (allocated before the window). The caller warms up before and ends the waits
/// after.
fn spawned_waiting_mem<R: Rt, F>(rt: &R, mut task: impl FnMut() -> F) -> (SyncMem, Vec<R::Join<()>>)
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut handles: Vec<R::Join<()>> = Vec::with_capacity(NUM_SYNC_MEM);
    WAITING.store(0, Ordering::SeqCst);
    let ((), live, allocs) = mem::counted(|| {
        rt.block_on(async {
            for batch in 1..=NUM_SYNC_MEM / MEM_BATCH {
                for _ in 0..MEM_BATCH {
                    handles.push(R::spawn(task()));
                }
                while WAITING.load(Ordering::Acquire) < batch * MEM_BATCH {
                    R::yield_now().await;
                }
            }
        })
    });
    let n = NUM_SYNC_MEM as f64;
    (SyncMem { heap: live as f64 / n, allocs: allocs as f64 / n, size: 0 }, handles)
}

/// Awaits every handle.
fn join_all<R: Rt>(rt: &R, handles: Vec<R::Join<()>>) {
    rt.block_on(async {
        for h in handles {
            h.await;
        }
    });
}

/// Per task waiting in `lock().await` on one Mutex that the bench holds; then unlocks it and lets
/// the tasks take it in turn and finish. The warm-up batch takes the lock free (nobody holds it
/// yet).
fn waiting_lock_mem<R: Rt>(rt: &R) -> SyncMem {
    let mutex = Arc::new(S::<R>::mutex(0));
    let task = || {
        let mutex = mutex.clone();
        async move {
            *announce_wait(S::<R>::lock(&mutex)).await += 1;
        }
    };
    let warm: Vec<_> = (0..MEM_BATCH).map(|_| rt.spawn_remote(task())).collect();
    join_all(rt, warm);

    let guard = rt.block_on(S::<R>::lock(&mutex));
    let (out, handles) = spawned_waiting_mem(rt, task);
    drop(guard);
    join_all(rt, handles);
    let total = rt.block_on(async { *S::<R>::lock(&mutex).await });
    assert_eq!(total, (MEM_BATCH + NUM_SYNC_MEM) as u64, "task_waiting_lock: every waiter locked");
    out
}

/// Per task waiting in `recv().await` on its own empty bounded channel (created before the window,
/// inside the runtime; the receiver moves into the task); then the senders are dropped and the
/// tasks finish. The warm-up batch's channels hold a message, so those tasks wait for nothing.
fn waiting_recv_mem<R: Rt>(rt: &R) -> SyncMem {
    let warm: Vec<_> = rt.block_on(async {
        (0..MEM_BATCH)
            .map(|_| {
                let (tx, mut rx) = S::<R>::channel(MPSC_CAP);
                R::spawn(async move {
                    S::<R>::send(&tx, 1).await;
                    announce_wait(S::<R>::recv(&mut rx)).await;
                })
            })
            .collect()
    });
    join_all(rt, warm);

    let (senders, receivers): (Vec<_>, Vec<_>) =
        rt.block_on(async { (0..NUM_SYNC_MEM).map(|_| S::<R>::channel(MPSC_CAP)).unzip() });
    let mut receivers = receivers.into_iter();
    let (out, handles) = spawned_waiting_mem(rt, || {
        let mut rx = receivers.next().expect("one receiver per task");
        async move {
            let got = announce_wait(S::<R>::recv(&mut rx)).await;
            assert_eq!(got, None, "task_waiting_recv: a message on an empty channel");
        }
    });
    drop(senders);
    join_all(rt, handles);
    out
}
