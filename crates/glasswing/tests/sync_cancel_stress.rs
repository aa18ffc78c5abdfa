//! Randomized cancel stress for the `sync` primitives, through the public API: many tasks on a
//! two-worker runtime wait on a primitive, and each wait is cut short at a random point, by
//! `time::timeout` with a small random bound or by losing a race against another future (the
//! `select!`-style drop of the loser), or left to finish. Afterwards nothing may be lost: every permit
//! is back, every value was dropped exactly once, and every task finished.
//!
//! A lost wakeup shows up as a hang, so the whole run is bounded twice: by `glasswing::time::timeout`
//! on the runtime, which fails with the list of waits still open (each task records what it is
//! waiting on in a [`Waits`] registry), and, should the timer itself be stuck, by a thread watchdog
//! (`support::within`).
//!
//! The randomness is a seeded xorshift, so a failing seed can be replayed (`SYNC_STRESS_SEED`); the
//! schedule across the two workers still varies from run to run.
//!
//! **Adding a primitive:** write one `async fn <primitive>_arm(seed, waits) -> ArmReport` that spawns
//! its tasks, wraps each wait in [`cut_short`], joins them and checks its own invariants, and add it
//! to [`ARMS`].

mod support;

use glasswing::runtime::Builder;
use glasswing::sync::{self, broadcast, mpsc, oneshot, watch, Notify, Semaphore};
use std::collections::BTreeMap;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use support::{within, DropCounter};

/// The bound on each arm's run, on the runtime's timer.
const RUN_BOUND: Duration = Duration::from_secs(30);

/// xorshift64*: small, seeded, good enough to pick timeouts and counts.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Never zero (xorshift's fixed point); spread nearby seeds apart.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A fresh generator for a task, derived from this one.
    fn fork(&mut self) -> Rng {
        Rng::new(self.next())
    }
}

/// What each task is waiting on right now, by task: what the failure message lists on a hang.
#[derive(Default)]
struct Waits(Mutex<BTreeMap<String, String>>);

impl Waits {
    /// Records that `task` waits on `what` until the guard drops.
    fn enter(self: &Arc<Self>, task: &str, what: String) -> WaitGuard {
        self.0.lock().unwrap().insert(task.to_owned(), what);
        WaitGuard { waits: self.clone(), task: task.to_owned() }
    }

    fn describe(&self) -> String {
        let waits = self.0.lock().unwrap();
        if waits.is_empty() {
            return "no wait is open (a task is stuck elsewhere)".to_owned();
        }
        let mut out = format!("{} waits still open:", waits.len());
        for (task, what) in waits.iter() {
            out.push_str(&format!("\n  {task}: {what}"));
        }
        out
    }
}

struct WaitGuard {
    waits: Arc<Waits>,
    task: String,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.waits.0.lock().unwrap().remove(&self.task);
    }
}

/// Ready after `n` polls (waking itself each time): a race opponent that wins at a random point of
/// the other future's wait, without any timer.
struct YieldN(u32);

impl Future for YieldN {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Runs `wait`, possibly cutting it short (then it is dropped, mid-wait or not yet started, and
/// `None` comes back): a timeout of 0 to 2 ms, a race lost to a future ready after a few polls, or
/// nothing (it runs to completion).
async fn cut_short<F: Future>(rng: &mut Rng, wait: F) -> Option<F::Output> {
    match rng.below(3) {
        0 => {
            let bound = Duration::from_micros(rng.below(2_000));
            glasswing::time::timeout(bound, wait).await.ok()
        }
        1 => {
            let opponent = YieldN(rng.below(4) as u32);
            // `select!`, by hand: whichever is ready first wins; the loser is dropped.
            let mut wait = pin!(wait);
            let mut opponent = pin!(opponent);
            std::future::poll_fn(|cx| {
                if let Poll::Ready(out) = wait.as_mut().poll(cx) {
                    return Poll::Ready(Some(out));
                }
                opponent.as_mut().poll(cx).map(|()| None)
            })
            .await
        }
        _ => Some(wait.await),
    }
}

/// What an arm did, for the summary line (and to check that the cuts actually happened).
#[derive(Debug, Default)]
struct ArmReport {
    completed: usize,
    cut_short: usize,
    /// Anything else worth a look in the summary line (empty for most arms).
    note: String,
}

/// Counts for an arm's tasks to share.
#[derive(Default)]
struct Tally {
    completed: AtomicUsize,
    cut_short: AtomicUsize,
}

impl Tally {
    fn record<T>(&self, outcome: &Option<T>) {
        let counter = if outcome.is_some() { &self.completed } else { &self.cut_short };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn report(&self) -> ArmReport {
        ArmReport {
            completed: self.completed.load(Ordering::Relaxed),
            cut_short: self.cut_short.load(Ordering::Relaxed),
            note: String::new(),
        }
    }
}

/// Waits a few scheduler turns (and now and then a short sleep): holding a permit, or before a send.
async fn dawdle(rng: &mut Rng) {
    match rng.below(4) {
        0 => glasswing::time::sleep(Duration::from_micros(rng.below(500))).await,
        n => {
            for _ in 0..n {
                glasswing::task::yield_now().await;
            }
        }
    }
}

type Arm = fn(u64, Arc<Waits>) -> Pin<Box<dyn Future<Output = ArmReport> + Send>>;

/// Every primitive under test: (name, arm). Each runs on its own, one after the other.
const ARMS: &[(&str, Arm)] = &[
    ("semaphore", |seed, waits| Box::pin(semaphore_arm(seed, waits))),
    ("oneshot", |seed, waits| Box::pin(oneshot_arm(seed, waits))),
    ("mutex", |seed, waits| Box::pin(mutex_arm(seed, waits))),
    ("rwlock", |seed, waits| Box::pin(rwlock_arm(seed, waits))),
    ("mpsc bounded", |seed, waits| Box::pin(mpsc_bounded_arm(seed, waits))),
    ("mpsc unbounded", |seed, waits| Box::pin(mpsc_unbounded_arm(seed, waits))),
    ("notify", |seed, waits| Box::pin(notify_arm(seed, waits))),
    ("watch", |seed, waits| Box::pin(watch_arm(seed, waits))),
    ("broadcast", |seed, waits| Box::pin(broadcast_arm(seed, waits))),
    // No `Barrier` arm: its `wait` is not cancel safe (as Tokio's is not: a dropped wait still counts
    // as arrived), so cutting waits short has no invariant to check.
];

/// Tasks acquire 1 to 4 of 5 permits at once (`acquire_many`, so that partly assigned waiters get
/// cancelled too), hold them a little, and drop them; afterwards all 5 are back.
async fn semaphore_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const PERMITS: usize = 5;
    const TASKS: usize = 48;
    const ROUNDS: usize = 40;
    let sem = Arc::new(Semaphore::new(PERMITS));
    let tally = Arc::new(Tally::default());
    let mut rng = Rng::new(seed);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (sem, tally, waits, mut rng) = (sem.clone(), tally.clone(), waits.clone(), rng.fork());
            glasswing::spawn(async move {
                let name = format!("semaphore task {t}");
                for round in 0..ROUNDS {
                    let n = 1 + rng.below(PERMITS as u64 - 1) as u32;
                    let permit = {
                        let _wait = waits.enter(&name, format!("round {round}: acquire_many({n})"));
                        cut_short(&mut rng, sem.acquire_many(n)).await
                    };
                    tally.record(&permit);
                    if let Some(permit) = permit {
                        let permit = permit.expect("the semaphore is never closed");
                        assert_eq!(permit.num_permits(), n as usize);
                        dawdle(&mut rng).await;
                        drop(permit);
                    }
                }
            })
        })
        .collect();
    for (t, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("semaphore task {t} failed: {e:?}"));
    }
    assert_eq!(sem.available_permits(), PERMITS, "permits were lost (or made up)");
    let all = sem.try_acquire_many(PERMITS as u32).expect("all permits are back and free");
    drop(all);
    tally.report()
}

/// Each task receives from a fresh channel whose sender (another task) sends after a random delay,
/// and the receive is cut short at random. Every value is received, handed back to the sender (the
/// receiver was gone), or dropped with the channel (sent, then the receiver gone): each exactly once.
async fn oneshot_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const TASKS: usize = 48;
    const ROUNDS: usize = 40;
    let values = DropCounter::new();
    let tally = Arc::new(Tally::default());
    let received = Arc::new(AtomicUsize::new(0));
    let returned = Arc::new(AtomicUsize::new(0));
    let mut rng = Rng::new(seed);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (values, tally, waits, mut rng) = (values.clone(), tally.clone(), waits.clone(), rng.fork());
            let (received, returned) = (received.clone(), returned.clone());
            glasswing::spawn(async move {
                let name = format!("oneshot task {t}");
                for round in 0..ROUNDS {
                    let (tx, rx) = oneshot::channel();
                    let value = values.track();
                    let mut sender_rng = rng.fork();
                    let returned = returned.clone();
                    let sender = glasswing::spawn(async move {
                        dawdle(&mut sender_rng).await;
                        if let Err(value) = tx.send(value) {
                            returned.fetch_add(1, Ordering::Relaxed);
                            drop(value);
                        }
                    });
                    let outcome = {
                        let _wait = waits.enter(&name, format!("round {round}: oneshot recv"));
                        cut_short(&mut rng, rx).await
                    };
                    tally.record(&outcome);
                    if let Some(result) = outcome {
                        let value = result.expect("the sender always sends");
                        received.fetch_add(1, Ordering::Relaxed);
                        drop(value);
                    }
                    let _wait = waits.enter(&name, format!("round {round}: join the sender"));
                    sender.await.unwrap_or_else(|e| panic!("oneshot sender {t}/{round} failed: {e:?}"));
                }
            })
        })
        .collect();
    for (t, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("oneshot task {t} failed: {e:?}"));
    }
    values.assert_all_dropped_once();
    assert_eq!(values.created(), TASKS * ROUNDS);
    let (received, returned) = (received.load(Ordering::Relaxed), returned.load(Ordering::Relaxed));
    assert!(received + returned <= TASKS * ROUNDS);
    let report = tally.report();
    assert_eq!(report.completed, received, "a completed receive that got no value");
    report
}

/// Tasks lock (`lock`, or `lock_owned` on the `Arc`), read the guarded count, dawdle, and write it
/// back plus one: two holders at once would lose an increment. Afterwards the mutex is free and the
/// count is the number of critical sections that ran.
async fn mutex_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const TASKS: usize = 32;
    const ROUNDS: usize = 40;
    let mutex = Arc::new(sync::Mutex::new(0usize));
    let tally = Arc::new(Tally::default());
    let mut rng = Rng::new(seed);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (mutex, tally, waits, mut rng) = (mutex.clone(), tally.clone(), waits.clone(), rng.fork());
            glasswing::spawn(async move {
                let name = format!("mutex task {t}");
                for round in 0..ROUNDS {
                    let owned = rng.below(2) == 0;
                    let _wait = waits.enter(&name, format!("round {round}: lock (owned: {owned})"));
                    let mut section_rng = rng.fork();
                    let done = if owned {
                        match cut_short(&mut rng, mutex.clone().lock_owned()).await {
                            Some(guard) => Some(bump(guard, &mut section_rng).await),
                            None => None,
                        }
                    } else {
                        match cut_short(&mut rng, mutex.lock()).await {
                            Some(guard) => Some(bump(guard, &mut section_rng).await),
                            None => None,
                        }
                    };
                    tally.record(&done);
                }
            })
        })
        .collect();
    for (t, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("mutex task {t} failed: {e:?}"));
    }
    let report = tally.report();
    let count = *mutex.try_lock().expect("the mutex is free once every task is done");
    assert_eq!(count, report.completed, "critical sections overlapped (or a completed lock ran none)");
    report
}

/// The mutex arm's critical section: a read-dawdle-write increment, which loses a count if another
/// holder ran meanwhile.
async fn bump(mut guard: impl DerefMut<Target = usize>, rng: &mut Rng) -> usize {
    let seen = *guard;
    dawdle(rng).await;
    *guard = seen + 1;
    *guard
}

/// Readers (`read` or `read_owned`) and writers (`write` or `write_owned`) of a pair that writers
/// keep equal, bumping one half, dawdling, then the other: a reader that sees them differ (or change)
/// overlapped a writer. At most 3 readers at once, so a writer waits for 3 permits and can be cut
/// short partly served. Afterwards the lock is free for a writer, and the pair counts the writes.
async fn rwlock_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const TASKS: usize = 32;
    const ROUNDS: usize = 40;
    let lock = Arc::new(sync::RwLock::with_max_readers((0usize, 0usize), 3));
    let tally = Arc::new(Tally::default());
    let writes = Arc::new(AtomicUsize::new(0));
    let mut rng = Rng::new(seed);
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (lock, tally, waits, mut rng) = (lock.clone(), tally.clone(), waits.clone(), rng.fork());
            let writes = writes.clone();
            glasswing::spawn(async move {
                let name = format!("rwlock task {t}");
                for round in 0..ROUNDS {
                    let (write, owned) = (rng.below(3) == 0, rng.below(2) == 0);
                    let what = if write { "write" } else { "read" };
                    let _wait = waits.enter(&name, format!("round {round}: {what} (owned: {owned})"));
                    let mut section_rng = rng.fork();
                    let done = match (write, owned) {
                        (true, false) => match cut_short(&mut rng, lock.write()).await {
                            Some(guard) => Some(write_pair(guard, &mut section_rng).await),
                            None => None,
                        },
                        (true, true) => match cut_short(&mut rng, lock.clone().write_owned()).await {
                            Some(guard) => Some(write_pair(guard, &mut section_rng).await),
                            None => None,
                        },
                        (false, false) => match cut_short(&mut rng, lock.read()).await {
                            Some(guard) => Some(read_pair(guard, &mut section_rng).await),
                            None => None,
                        },
                        (false, true) => match cut_short(&mut rng, lock.clone().read_owned()).await {
                            Some(guard) => Some(read_pair(guard, &mut section_rng).await),
                            None => None,
                        },
                    };
                    if write && done.is_some() {
                        writes.fetch_add(1, Ordering::Relaxed);
                    }
                    tally.record(&done);
                }
            })
        })
        .collect();
    for (t, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("rwlock task {t} failed: {e:?}"));
    }
    let writes = writes.load(Ordering::Relaxed);
    assert!(writes > 0, "no write completed");
    let guard = lock.try_write().expect("every permit is back once every task is done");
    assert_eq!(*guard, (writes, writes), "writes overlapped (or one was lost)");
    tally.report()
}

/// The rwlock arm's writer: one half, a dawdle, the other half; the pair it left.
async fn write_pair(mut guard: impl DerefMut<Target = (usize, usize)>, rng: &mut Rng) -> (usize, usize) {
    guard.0 += 1;
    dawdle(rng).await;
    guard.1 += 1;
    *guard
}

/// The rwlock arm's reader: the pair is whole, and stays put while the read lock is held; the pair
/// it saw.
async fn read_pair(guard: impl Deref<Target = (usize, usize)>, rng: &mut Rng) -> (usize, usize) {
    let seen = *guard;
    assert_eq!(seen.0, seen.1, "a reader saw a write half done");
    dawdle(rng).await;
    assert_eq!(seen, *guard, "a writer ran beside a reader");
    seen
}

/// A message's id: the sending task and its round, so that the receiver can check each sender's order.
fn message_id(task: usize, round: usize) -> u64 {
    ((task as u64) << 32) | round as u64
}

/// Checks what a channel's receiver got against what its senders put in (`sent`, by task, in
/// order): the same messages, no more, and each sender's in its order.
fn check_received(name: &str, sent: &[Vec<u64>], received: &[u64]) {
    let mut by_task = vec![Vec::new(); sent.len()];
    for &id in received {
        let task = (id >> 32) as usize;
        assert!(task < sent.len(), "{name}: received a message no task sent ({id:#x})");
        by_task[task].push(id);
    }
    for (task, (sent, received)) in sent.iter().zip(&by_task).enumerate() {
        assert_eq!(received, sent, "{name}: task {task}'s messages were lost, made up or reordered");
    }
}

/// Drains a channel's receiver through cut-short `recv`s until it closes, dawdling after one message
/// in `$dawdle_one_in` if that is not 0 (so that a bounded channel fills up and its senders wait);
/// the ids received (the tally counts the `recv`s completed and cut short).
macro_rules! drain_cut_short {
    ($rx:expr, $rng:expr, $waits:expr, $name:expr, $tally:expr, $dawdle_one_in:expr) => {{
        let mut received = Vec::new();
        loop {
            let outcome = {
                let _wait = $waits.enter($name, format!("recv ({} received so far)", received.len()));
                cut_short(&mut $rng, $rx.recv()).await
            };
            $tally.record(&outcome);
            match outcome {
                Some(Some((id, value))) => {
                    received.push(id);
                    drop(value);
                    if $dawdle_one_in != 0 && $rng.below($dawdle_one_in) == 0 {
                        dawdle(&mut $rng).await;
                    }
                }
                Some(None) => break,
                None => {}
            }
        }
        received
    }};
}

/// Senders on a channel of 4 places `send`, or `reserve` (or `reserve_owned`) and then send into
/// the place or give it back unused, each wait cut short at random; the receiver's `recv`s are cut
/// short too. The receiver gets exactly what a completed send put in, each sender's in order; once
/// drained every place is free again (no permit lost to a cut wait or a dropped permit), and every
/// message was dropped exactly once.
async fn mpsc_bounded_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const CAPACITY: usize = 4;
    const TASKS: usize = 16;
    const ROUNDS: usize = 60;
    let (tx, mut rx) = mpsc::channel(CAPACITY);
    let values = DropCounter::new();
    let tally = Arc::new(Tally::default());
    let mut rng = Rng::new(seed);
    let senders: Vec<_> = (0..TASKS)
        .map(|t| {
            let (tx, values, tally, waits, mut rng) =
                (tx.clone(), values.clone(), tally.clone(), waits.clone(), rng.fork());
            glasswing::spawn(async move {
                let name = format!("mpsc sender {t}");
                let mut sent = Vec::new();
                for round in 0..ROUNDS {
                    let id = message_id(t, round);
                    let message = (id, values.track());
                    let how = rng.below(3);
                    let what = ["send", "reserve", "reserve_owned"][how as usize];
                    let _wait = waits.enter(&name, format!("round {round}: {what}"));
                    let put_in = match how {
                        0 => {
                            let outcome = cut_short(&mut rng, tx.send(message)).await;
                            tally.record(&outcome);
                            outcome.map(|sent| sent.is_ok()).unwrap_or(false)
                        }
                        1 => {
                            let outcome = cut_short(&mut rng, tx.reserve()).await;
                            tally.record(&outcome);
                            match outcome {
                                Some(permit) => {
                                    let permit = permit.expect("the receiver outlives the senders");
                                    // Hold the place a little while.
                                    dawdle(&mut rng).await;
                                    if rng.below(4) == 0 {
                                        drop(permit);
                                        false
                                    } else {
                                        permit.send(message);
                                        true
                                    }
                                }
                                None => false,
                            }
                        }
                        _ => {
                            let outcome = cut_short(&mut rng, tx.clone().reserve_owned()).await;
                            tally.record(&outcome);
                            match outcome {
                                Some(permit) => {
                                    let permit = permit.expect("the receiver outlives the senders");
                                    dawdle(&mut rng).await;
                                    if rng.below(4) == 0 {
                                        drop(permit.release());
                                        false
                                    } else {
                                        drop(permit.send(message));
                                        true
                                    }
                                }
                                None => false,
                            }
                        }
                    };
                    if put_in {
                        sent.push(id);
                    }
                }
                sent
            })
        })
        .collect();
    drop(tx);
    let receiver = {
        let (tally, waits, mut rng) = (tally.clone(), waits.clone(), rng.fork());
        glasswing::spawn(async move {
            let received = drain_cut_short!(rx, rng, waits, "mpsc receiver", tally, 3);
            assert!(rx.is_empty());
            assert_eq!(rx.capacity(), rx.max_capacity(), "a place was lost (or made up)");
            assert_eq!(rx.max_capacity(), CAPACITY);
            received
        })
    };
    let mut sent = Vec::new();
    for (t, task) in senders.into_iter().enumerate() {
        sent.push(task.await.unwrap_or_else(|e| panic!("mpsc sender {t} failed: {e:?}")));
    }
    let received = receiver.await.unwrap_or_else(|e| panic!("mpsc receiver failed: {e:?}"));
    check_received("mpsc bounded", &sent, &received);
    values.assert_all_dropped_once();
    assert_eq!(values.created(), TASKS * ROUNDS);
    let mut report = tally.report();
    report.note = format!("{} of {} messages sent", received.len(), TASKS * ROUNDS);
    report
}

/// A few senders on an unbounded channel send with dawdles between (so that the receiver, which
/// never dawdles, often finds it empty and waits); the receiver's `recv`s are cut short at random. It still gets every message, each sender's in order, and each is dropped exactly once.
async fn mpsc_unbounded_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const TASKS: usize = 4;
    const ROUNDS: usize = 150;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let values = DropCounter::new();
    let tally = Arc::new(Tally::default());
    let mut rng = Rng::new(seed);
    let senders: Vec<_> = (0..TASKS)
        .map(|t| {
            let (tx, values, mut rng) = (tx.clone(), values.clone(), rng.fork());
            glasswing::spawn(async move {
                let mut sent = Vec::new();
                for round in 0..ROUNDS {
                    dawdle(&mut rng).await;
                    let id = message_id(t, round);
                    tx.send((id, values.track()))
                        .unwrap_or_else(|_| panic!("the receiver outlives the senders"));
                    sent.push(id);
                }
                sent
            })
        })
        .collect();
    drop(tx);
    let receiver = {
        let (tally, waits, mut rng) = (tally.clone(), waits.clone(), rng.fork());
        glasswing::spawn(async move { drain_cut_short!(rx, rng, waits, "unbounded receiver", tally, 0) })
    };
    let mut sent = Vec::new();
    for (t, task) in senders.into_iter().enumerate() {
        sent.push(task.await.unwrap_or_else(|e| panic!("unbounded sender {t} failed: {e:?}")));
    }
    let received = receiver.await.unwrap_or_else(|e| panic!("unbounded receiver failed: {e:?}"));
    check_received("mpsc unbounded", &sent, &received);
    values.assert_all_dropped_once();
    assert_eq!(received.len(), TASKS * ROUNDS);
    tally.report()
}

/// One notifier calls `notify_one` N times, each time waiting until some waiter reports that its
/// `notified()` completed, while waiters wait (`notified`, `notified_owned`, or `enable` first), each
/// wait cut short at random, so that notified futures are dropped mid-wait, some just after being
/// chosen (the notification must pass on). A lost notification hangs the notifier; a notification
/// that completes two waits shows up as one report too many. Waiting for each to be taken keeps
/// notifications from folding into the one stored permit, so each is counted. Afterwards no permit is
/// left over, and one `notify_one` with nobody waiting is stored as the permit.
async fn notify_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const WAITERS: usize = 16;
    const NOTIFICATIONS: usize = 600;
    let notify = Arc::new(Notify::new());
    let tally = Arc::new(Tally::default());
    let done = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicUsize::new(0));
    let (taken_tx, mut taken_rx) = mpsc::unbounded_channel::<usize>();
    let mut rng = Rng::new(seed);
    let waiters: Vec<_> = (0..WAITERS)
        .map(|t| {
            let (notify, tally, waits, mut rng) = (notify.clone(), tally.clone(), waits.clone(), rng.fork());
            let (done, finished, taken_tx) = (done.clone(), finished.clone(), taken_tx.clone());
            glasswing::spawn(async move {
                let name = format!("notify waiter {t}");
                let mut round = 0;
                while !done.load(Ordering::SeqCst) {
                    let how = rng.below(3);
                    let what = ["notified", "notified_owned", "enable, then notified"][how as usize];
                    let outcome = {
                        let _wait = waits.enter(&name, format!("round {round}: {what}"));
                        match how {
                            0 => cut_short(&mut rng, notify.notified()).await,
                            1 => cut_short(&mut rng, notify.clone().notified_owned()).await,
                            _ => {
                                let notify = &notify;
                                cut_short(&mut rng, async move {
                                    let mut notified = pin!(notify.notified());
                                    if !notified.as_mut().enable() {
                                        notified.await;
                                    }
                                })
                                .await
                            }
                        }
                    };
                    // After `done`, completions come from the `notify_waiters` that ends the run.
                    if outcome.is_some() && !done.load(Ordering::SeqCst) {
                        taken_tx.send(t).expect("the notifier outlives the waiters");
                    }
                    tally.record(&outcome);
                    round += 1;
                }
                finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    drop(taken_tx);
    let mut notifier_rng = rng.fork();
    for i in 0..NOTIFICATIONS {
        if notifier_rng.below(4) == 0 {
            dawdle(&mut notifier_rng).await;
        }
        notify.notify_one();
        let _wait = waits
            .enter("notifier", format!("notification {i} of {NOTIFICATIONS}: wait for a waiter to take it"));
        taken_rx.recv().await.expect("the waiters outlive the notifier's loop");
        if let Ok(t) = taken_rx.try_recv() {
            panic!("notification {i} completed two waits (the second: waiter {t})");
        }
    }
    done.store(true, Ordering::SeqCst);
    {
        let _wait = waits.enter("notifier", "notify_waiters until every waiter is out".to_owned());
        while finished.load(Ordering::SeqCst) < WAITERS {
            notify.notify_waiters();
            glasswing::task::yield_now().await;
        }
    }
    for (t, task) in waiters.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("notify waiter {t} failed: {e:?}"));
    }
    assert!(taken_rx.recv().await.is_none(), "a notification completed two waits");
    // Every notification was taken: no permit is left over ...
    assert!(!pin!(notify.notified()).as_mut().enable(), "a permit was left over (or made up)");
    // ... and one with nobody waiting is stored as the (one) permit.
    notify.notify_one();
    notify.notify_one();
    assert!(pin!(notify.notified()).as_mut().enable(), "a notification with nobody waiting was lost");
    assert!(!pin!(notify.notified()).as_mut().enable(), "two notifications stored more than one permit");
    tally.report()
}

/// Per channel, a sender sends 1 to N with dawdles between, while receivers wait on `changed()`, each
/// wait cut short at random, and read the value after each completed one. Values seen never go back,
/// every receiver eventually sees N (a cut `changed` loses no change), and no receiver is told the
/// channel closed while it has not seen N.
async fn watch_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const CHANNELS: usize = 4;
    const RECEIVERS: usize = 8;
    const VALUES: usize = 200;
    let tally = Arc::new(Tally::default());
    let mut rng = Rng::new(seed);
    let mut tasks = Vec::new();
    let mut senders = Vec::new();
    for c in 0..CHANNELS {
        let (tx, rx) = watch::channel(0usize);
        for r in 0..RECEIVERS {
            let (mut rx, tally, waits, mut rng) = (rx.clone(), tally.clone(), waits.clone(), rng.fork());
            tasks.push(glasswing::spawn(async move {
                let name = format!("watch {c} receiver {r}");
                let mut seen = 0;
                while seen < VALUES {
                    let outcome = {
                        let _wait = waits.enter(&name, format!("changed (seen {seen} of {VALUES})"));
                        cut_short(&mut rng, rx.changed()).await
                    };
                    tally.record(&outcome);
                    match outcome {
                        Some(Ok(())) => {
                            let now = *rx.borrow();
                            assert!(now >= seen, "{name}: the value went back from {seen} to {now}");
                            seen = now;
                            if rng.below(4) == 0 {
                                dawdle(&mut rng).await;
                            }
                        }
                        Some(Err(_)) => {
                            panic!("{name}: closed before the last value ({seen} of {VALUES} seen)")
                        }
                        None => {}
                    }
                }
            }));
        }
        drop(rx);
        let mut sender_rng = rng.fork();
        senders.push(glasswing::spawn(async move {
            for v in 1..=VALUES {
                if sender_rng.below(2) == 0 {
                    dawdle(&mut sender_rng).await;
                }
                tx.send(v).unwrap_or_else(|_| panic!("watch {c}: the receivers outlive the last send"));
            }
        }));
    }
    for (c, task) in senders.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("watch sender {c} failed: {e:?}"));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("watch receiver {i} failed: {e:?}"));
    }
    tally.report()
}

/// Per channel of 4 places, a sender sends 0 to N-1, while receivers `recv`, each cut short at
/// random, dawdling now and then so that they fall behind. Each receiver sees every value in order,
/// except where a `Lagged(n)` says it missed exactly the next n, and then `Closed` after the last.
async fn broadcast_arm(seed: u64, waits: Arc<Waits>) -> ArmReport {
    const CHANNELS: usize = 4;
    const CAPACITY: usize = 4;
    const RECEIVERS: usize = 8;
    const VALUES: u64 = 300;
    let tally = Arc::new(Tally::default());
    let lags = Arc::new(AtomicUsize::new(0));
    let mut rng = Rng::new(seed);
    let mut tasks = Vec::new();
    let mut senders = Vec::new();
    for c in 0..CHANNELS {
        let (tx, rx) = broadcast::channel::<u64>(CAPACITY);
        for r in 0..RECEIVERS {
            let (mut rx, tally, waits, mut rng) = (tx.subscribe(), tally.clone(), waits.clone(), rng.fork());
            let lags = lags.clone();
            tasks.push(glasswing::spawn(async move {
                let name = format!("broadcast {c} receiver {r}");
                let mut next = 0;
                loop {
                    let outcome = {
                        let _wait = waits.enter(&name, format!("recv (next: {next} of {VALUES})"));
                        cut_short(&mut rng, rx.recv()).await
                    };
                    tally.record(&outcome);
                    match outcome {
                        Some(Ok(value)) => {
                            assert_eq!(value, next, "{name}: out of order, or a gap no Lagged reported");
                            next += 1;
                            if rng.below(3) == 0 {
                                dawdle(&mut rng).await;
                            }
                        }
                        Some(Err(broadcast::error::RecvError::Lagged(n))) => {
                            assert!(n > 0, "{name}: Lagged(0)");
                            next += n;
                            assert!(next <= VALUES, "{name}: lagged past the last value");
                            lags.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(Err(broadcast::error::RecvError::Closed)) => {
                            assert_eq!(next, VALUES, "{name}: closed before the last value");
                            break;
                        }
                        None => {}
                    }
                }
            }));
        }
        drop(rx);
        let mut sender_rng = rng.fork();
        senders.push(glasswing::spawn(async move {
            for v in 0..VALUES {
                if sender_rng.below(4) == 0 {
                    dawdle(&mut sender_rng).await;
                }
                tx.send(v).unwrap_or_else(|_| panic!("broadcast {c}: the receivers outlive the sender"));
            }
        }));
    }
    for (c, task) in senders.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("broadcast sender {c} failed: {e:?}"));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        task.await.unwrap_or_else(|e| panic!("broadcast receiver {i} failed: {e:?}"));
    }
    let mut report = tally.report();
    report.note = format!("{} lags", lags.load(Ordering::Relaxed));
    report
}

fn seed() -> u64 {
    match std::env::var("SYNC_STRESS_SEED") {
        Ok(seed) => seed.parse().expect("SYNC_STRESS_SEED is a u64"),
        Err(_) => 0x5EED_0016,
    }
}

#[test]
fn cancelled_waits_lose_nothing() {
    let seed = seed();
    // Past every arm's own bound, so that those fire first (with their lists of open waits).
    let watchdog = RUN_BOUND * (ARMS.len() as u32 + 1);
    within(watchdog, move || {
        let rt = Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            for (i, (name, arm)) in ARMS.iter().enumerate() {
                let waits = Arc::new(Waits::default());
                let arm_seed = seed.wrapping_add(i as u64);
                let report = glasswing::time::timeout(RUN_BOUND, arm(arm_seed, waits.clone()))
                    .await
                    .unwrap_or_else(|_| {
                        panic!(
                            "the {name} arm (seed {arm_seed}) did not finish in {RUN_BOUND:?}: {}",
                            waits.describe()
                        )
                    });
                eprintln!("{name}: {report:?}");
                assert!(
                    report.completed > 0 && report.cut_short > 0,
                    "{name}: no mix of outcomes: {report:?}"
                );
            }
        });
    });
}
