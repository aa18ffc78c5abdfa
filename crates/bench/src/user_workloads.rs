//! Rows shaped like users' programs rather than like one scheduler path: a fan-in of many tasks
//! through timers and a channel, `spawn_blocking` throughput, a mostly idle TCP server, and a mix
//! where 1% of polls hog a worker for 1 ms.
//!
//! The first two are time rows ([`Workload`]s, in the suite's main table). The last two measure
//! what a user of such a program feels, which a total time hides: how long a task waits between
//! being woken and being polled. They are [`LatencyWorkload`]s, reported as percentiles of that
//! wait (`latency::bench_latency` in the suite), and the TCP one also reports the heap each idle
//! connection costs.
//! Each latency is measured with the runtime's own clock ([`Rt::now`]), read by the woken task in
//! its poll, against a stamp the waker took just before it sent (a channel message) or wrote (a
//! TCP message) — so it is what the task itself sees, not what a harness outside it sees.
//!
//! Why these shapes:
//! - `fan_in`: 10,000 tasks, each 10 times sleeping 1 ms and sending to one bounded channel that
//!   one task drains: the timer wheel and the channel's waiter lists both under load from many
//!   tasks at once, as in a service whose requests each report to a collector.
//! - `spawn_blocking`: 100 tasks each making 100 calls one after another, a small CPU job each: at
//!   most 100 in flight, so every runtime's pool settles at the same size and the row measures the
//!   hand-off (queue, wake a pool thread, wake the task back), not thread creation.
//! - `idle_tcp`: 1,000 connections, of which 10 (1%) get a message every round, a round every
//!   millisecond or so. The client is a plain thread with blocking std sockets, not a task, so the
//!   heap and the wake path measured are the server's alone; the pause between rounds lets the
//!   workers park, as they do in an idle-mostly server, so the latency includes waking one.
//! - `long_tail`: a ticker task wakes 100 tasks every 2 ms through their channels; the one whose
//!   turn it is spends 1 ms of CPU in its poll (1 poll in 100). The other 99 should not wait for it
//!   (another worker takes them): their p99 scheduled time shows whether they do. The ticks follow
//!   absolute deadlines, so every runtime gets the same load whatever its timer's granularity.
//!   Only on `mt/`: on one thread every task waits out the hog by construction.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::mem;
use crate::rt::Rt;
use crate::sync::SyncPrims;
use crate::workloads::{Countdown, Workload};

type S<R> = <R as Rt>::Sync;

/// Tasks of `fan_in`.
pub const FAN_IN_TASKS: usize = 10_000;
/// Sleep + send steps per `fan_in` task.
pub const FAN_IN_STEPS: usize = 10;
/// Each `fan_in` sleep.
pub const FAN_IN_SLEEP: Duration = Duration::from_millis(1);
/// Capacity of the `fan_in` channel.
pub const FAN_IN_CAP: usize = 1_024;

/// Tasks of `spawn_blocking`.
pub const BLOCKING_TASKS: usize = 100;
/// `spawn_blocking` calls per task, one after another.
pub const BLOCKING_CALLS: usize = 100;

/// Connections of `idle_tcp`.
pub const IDLE_CONNS: usize = 1_000;
/// Connections that get a message per round: 1%.
pub const IDLE_ACTIVE: usize = 10;
/// Rounds per `idle_tcp` iteration.
pub const IDLE_ROUNDS: usize = 50;
/// The client's pause before each round.
pub const IDLE_PAUSE: Duration = Duration::from_millis(1);
/// The client connects this many, then waits until the server has accepted them: never more
/// than this in the listen backlog (glasswing's and smol's are 128).
const CONNECT_BATCH: usize = 100;
/// Bytes of an `idle_tcp` message: the client's stamp, then padding.
const IDLE_MSG: usize = 16;

/// Tasks of `long_tail`.
pub const TAIL_TASKS: usize = 100;
/// Ticks per `long_tail` iteration.
pub const TAIL_TICKS: usize = 100;
/// Time between two ticks.
pub const TAIL_PERIOD: Duration = Duration::from_millis(2);
/// CPU time of a hogging poll.
pub const TAIL_HOG: Duration = Duration::from_millis(1);
/// One poll in this many hogs.
pub const TAIL_HOG_EVERY: usize = 100;

// `long_tail`'s "1 poll in 100, exactly one task a tick" needs as many tasks as the hog period.
const _: () = assert!(TAIL_TASKS == TAIL_HOG_EVERY);
// The notes say "1%" and "1,000".
const _: () = assert!(IDLE_CONNS == 100 * IDLE_ACTIVE && IDLE_CONNS == 1_000);

// ---------------------------------------------------------------------------------------
// Time rows

/// `FAN_IN_TASKS` tasks, each `FAN_IN_STEPS` times: sleep `FAN_IN_SLEEP`, send one message to a
/// bounded channel (capacity `FAN_IN_CAP`) that one task drains.
pub struct FanIn;

impl Workload for FanIn {
    fn name(&self) -> &'static str {
        "user/fan_in"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let start = Instant::now();
        let (received, sum) = rt.block_on(async {
            let (tx, mut rx) = S::<R>::channel(FAN_IN_CAP);
            let consumer = R::spawn(async move {
                let (mut n, mut sum) = (0usize, 0u64);
                while let Some(v) = S::<R>::recv(&mut rx).await {
                    n += 1;
                    sum += v;
                }
                (n, sum)
            });
            for t in 0..FAN_IN_TASKS {
                let tx = tx.clone();
                R::spawn_detached(async move {
                    for step in 0..FAN_IN_STEPS {
                        R::sleep(FAN_IN_SLEEP).await;
                        S::<R>::send(&tx, (t * FAN_IN_STEPS + step) as u64).await;
                    }
                });
            }
            drop(tx);
            consumer.await
        });
        let elapsed = start.elapsed();
        let total = (FAN_IN_TASKS * FAN_IN_STEPS) as u64;
        assert_eq!(received as u64, total, "fan_in: messages received");
        assert_eq!(sum, total * (total - 1) / 2, "fan_in: message sum");
        elapsed
    }

    fn max_iters(&self) -> Option<usize> {
        // At least 10 ms an iteration (ten 1 ms sleeps in a row); 150-300 ms on 2 loaded cores.
        Some(10)
    }
}

/// A small CPU job (about a microsecond): what one `spawn_blocking` call runs.
fn blocking_job(seed: u64) -> u64 {
    let mut x = seed;
    for _ in 0..256 {
        x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407));
    }
    x
}

/// `BLOCKING_TASKS` tasks, each making `BLOCKING_CALLS` `spawn_blocking` calls one after another.
pub struct SpawnBlocking;

impl Workload for SpawnBlocking {
    fn name(&self) -> &'static str {
        "user/spawn_blocking"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let start = Instant::now();
        let sum = rt.block_on(async {
            let tasks: Vec<_> = (0..BLOCKING_TASKS)
                .map(|t| {
                    R::spawn(async move {
                        let mut acc = 0u64;
                        for c in 0..BLOCKING_CALLS {
                            let seed = (t * BLOCKING_CALLS + c) as u64;
                            acc = acc.wrapping_add(R::spawn_blocking(move || blocking_job(seed)).await);
                        }
                        acc
                    })
                })
                .collect();
            let mut sum = 0u64;
            for t in tasks {
                sum = sum.wrapping_add(t.await);
            }
            sum
        });
        let elapsed = start.elapsed();
        let expected =
            (0..(BLOCKING_TASKS * BLOCKING_CALLS) as u64).fold(0u64, |a, s| a.wrapping_add(blocking_job(s)));
        assert_eq!(sum, expected, "spawn_blocking: results");
        elapsed
    }

    fn max_iters(&self) -> Option<usize> {
        // 100-200 ms an iteration on 2 loaded cores.
        Some(15)
    }
}

// ---------------------------------------------------------------------------------------
// Latency rows

/// A workload whose figure is a distribution of wake-to-poll latencies.
pub trait LatencyWorkload {
    /// Name without the `mt/` / `ct/` prefix.
    fn name(&self) -> &'static str;
    /// Runs one iteration on `rt`, appending one latency (ns) per measured wake to `samples`;
    /// returns the heap bytes per connection where the workload measures them.
    fn run<R: Rt>(&self, rt: &R, samples: &mut Vec<u64>) -> Option<f64>;
    /// Cap on iterations (on top of `--iters` and the time budget).
    fn max_iters(&self) -> usize;
}

/// Nanoseconds from `base` to `t` (0 if `t` is earlier).
#[inline]
fn nanos_since(base: Instant, t: Instant) -> u64 {
    t.saturating_duration_since(base).as_nanos() as u64
}

/// What the `idle_tcp` server tasks share: how far the setup is, and the latencies they measure.
struct IdleShared {
    /// Connections accepted so far (the client waits on it between connect batches).
    accepted: AtomicUsize,
    /// Set when the client may start its rounds.
    go: AtomicBool,
    /// Where the stamps count from.
    base: Instant,
    /// One slot per message; `next` hands them out.
    lat: Vec<AtomicU64>,
    next: AtomicUsize,
}

/// A mostly idle TCP server: `IDLE_CONNS` connections, each served by its own task waiting in a
/// read; `IDLE_ROUNDS` times, after `IDLE_PAUSE`, the client writes one message to `IDLE_ACTIVE`
/// of them (a different 1% each round) and waits for their one-byte answers. Latency: from the
/// client's stamp just before its write to the server task's clock read when its read returns.
/// Heap: the live-heap change from before the first accept to all connections accepted and their
/// tasks waiting, per connection (the task, the stream and its I/O registration).
pub struct IdleTcp;

impl LatencyWorkload for IdleTcp {
    fn name(&self) -> &'static str {
        "user/idle_tcp"
    }

    fn run<R: Rt>(&self, rt: &R, samples: &mut Vec<u64>) -> Option<f64> {
        let listener =
            rt.block_on(R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))).expect("idle_tcp: bind");
        let addr = R::tcp_local_addr(&listener).expect("idle_tcp: local_addr");
        let shared = Arc::new(IdleShared {
            accepted: AtomicUsize::new(0),
            go: AtomicBool::new(false),
            base: Instant::now(),
            lat: (0..IDLE_ROUNDS * IDLE_ACTIVE).map(|_| AtomicU64::new(0)).collect(),
            next: AtomicUsize::new(0),
        });
        let waiting = Countdown::new(IDLE_CONNS);
        let finished = Countdown::new(IDLE_CONNS);

        // Everything the client thread allocates, it allocates before the window: std's connect,
        // read and write to a `SocketAddr` allocate nothing.
        let client = {
            let shared = shared.clone();
            let mut conns = Vec::with_capacity(IDLE_CONNS);
            thread::Builder::new()
                .name("idle-tcp-client".into())
                .spawn(move || {
                    while conns.len() < IDLE_CONNS {
                        for _ in 0..CONNECT_BATCH {
                            let s = std::net::TcpStream::connect(addr).expect("idle_tcp: connect");
                            s.set_nodelay(true).expect("idle_tcp: client set_nodelay");
                            conns.push(s);
                        }
                        while shared.accepted.load(Ordering::Acquire) < conns.len() {
                            thread::sleep(Duration::from_micros(50));
                        }
                    }
                    while !shared.go.load(Ordering::Acquire) {
                        thread::sleep(Duration::from_micros(50));
                    }
                    let mut answer = [0u8; 1];
                    for round in 0..IDLE_ROUNDS {
                        thread::sleep(IDLE_PAUSE);
                        // 997 is prime to 1,000: consecutive rounds hit connections spread over all.
                        let pick = |j: usize| (round * IDLE_ACTIVE + j) * 997 % IDLE_CONNS;
                        for j in 0..IDLE_ACTIVE {
                            let mut msg = [0u8; IDLE_MSG];
                            msg[..8].copy_from_slice(&nanos_since(shared.base, Instant::now()).to_le_bytes());
                            conns[pick(j)].write_all(&msg).expect("idle_tcp: client write");
                        }
                        for j in 0..IDLE_ACTIVE {
                            conns[pick(j)].read_exact(&mut answer).expect("idle_tcp: client read");
                        }
                    }
                    // Dropping the sockets ends every server task (end of stream).
                })
                .expect("spawn idle_tcp client")
        };

        let ((), heap, _) = mem::counted(|| {
            rt.block_on(async {
                let (shared, waiting2, finished) = (shared.clone(), waiting.clone(), finished.clone());
                R::spawn_detached(async move {
                    for _ in 0..IDLE_CONNS {
                        let (mut stream, _) = R::tcp_accept(&listener).await.expect("idle_tcp: accept");
                        R::tcp_set_nodelay(&stream, true).expect("idle_tcp: server set_nodelay");
                        let (mine, waiting, finished) = (shared.clone(), waiting2.clone(), finished.clone());
                        R::spawn_detached(async move {
                            let shared = mine;
                            let mut buf = [0u8; IDLE_MSG];
                            waiting.done_one();
                            while R::read_exact(&mut stream, &mut buf).await.is_ok() {
                                let now = R::now();
                                let sent = u64::from_le_bytes(buf[..8].try_into().unwrap());
                                let slot = shared.next.fetch_add(1, Ordering::Relaxed);
                                shared.lat[slot]
                                    .store(nanos_since(shared.base, now) - sent, Ordering::Relaxed);
                                R::write_all(&mut stream, &[1]).await.expect("idle_tcp: server write");
                            }
                            finished.done_one();
                        });
                        shared.accepted.fetch_add(1, Ordering::Release);
                    }
                });
                waiting.wait().await;
                // The last tasks counted themselves just before their first read: let it register.
                R::sleep(Duration::from_millis(2)).await;
            })
        });

        rt.block_on(async {
            shared.go.store(true, Ordering::Release);
            finished.wait().await;
        });
        client.join().expect("idle_tcp: client thread panicked");
        let n = shared.next.load(Ordering::Acquire);
        assert_eq!(n, IDLE_ROUNDS * IDLE_ACTIVE, "idle_tcp: messages served");
        samples.extend(shared.lat.iter().map(|l| l.load(Ordering::Relaxed)));
        Some(heap as f64 / IDLE_CONNS as f64)
    }

    fn max_iters(&self) -> usize {
        10
    }
}

/// `TAIL_TASKS` tasks each waiting on its own unbounded channel; a ticker task, every
/// `TAIL_PERIOD` (absolute deadlines), sends each of them its stamp (its clock, read just before
/// each send). Each woken task reads the clock (latency = that minus the stamp), and one poll in
/// `TAIL_HOG_EVERY` (one task per tick, a different one each tick) then spins for `TAIL_HOG`.
pub struct LongTail;

impl LatencyWorkload for LongTail {
    fn name(&self) -> &'static str {
        "user/long_tail"
    }

    fn run<R: Rt>(&self, rt: &R, samples: &mut Vec<u64>) -> Option<f64> {
        let base = Instant::now();
        let lat: Arc<Vec<AtomicU64>> =
            Arc::new((0..TAIL_TASKS * TAIL_TICKS).map(|_| AtomicU64::new(0)).collect());
        let done = Countdown::new(TAIL_TASKS);
        let lat2 = lat.clone();
        rt.block_on(async move {
            let mut txs = Vec::with_capacity(TAIL_TASKS);
            for i in 0..TAIL_TASKS {
                let (tx, mut rx) = S::<R>::unbounded_channel();
                txs.push(tx);
                let (lat, done) = (lat2.clone(), done.clone());
                R::spawn_detached(async move {
                    let mut k = 0;
                    while let Some(sent) = S::<R>::recv_unbounded(&mut rx).await {
                        let now = R::now();
                        lat[k * TAIL_TASKS + i].store(nanos_since(base, now) - sent, Ordering::Relaxed);
                        if (k + i) % TAIL_HOG_EVERY == 0 {
                            while now.elapsed() < TAIL_HOG {
                                std::hint::spin_loop();
                            }
                        }
                        k += 1;
                    }
                    assert_eq!(k, TAIL_TICKS, "long_tail: messages received");
                    done.done_one();
                });
            }
            R::spawn(async move {
                let start = R::now();
                for tick in 1..=TAIL_TICKS as u32 {
                    let deadline = start + TAIL_PERIOD * tick;
                    let now = R::now();
                    if deadline > now {
                        R::sleep(deadline - now).await;
                    }
                    for tx in &txs {
                        S::<R>::send_unbounded(tx, nanos_since(base, R::now()));
                    }
                }
            })
            .await;
            done.wait().await;
        });
        samples.extend(lat.iter().map(|l| l.load(Ordering::Relaxed)));
        None
    }

    fn max_iters(&self) -> usize {
        10
    }
}

/// What the user rows do and measure, printed under them.
pub fn note(bullet: &str) -> String {
    format!(
        "{bullet}user rows: fan_in: {FAN_IN_TASKS} tasks x {FAN_IN_STEPS} (sleep {} ms, send to one bounded \
         channel of capacity {FAN_IN_CAP}, one task draining it; mpsc of glasswing::sync, tokio::sync, \
         async-channel); spawn_blocking: {BLOCKING_TASKS} tasks x {BLOCKING_CALLS} calls one after another \
         (glasswing's and tokio's spawn_blocking, smol's blocking::unblock), each a ~1 µs CPU job.\n\
         {bullet}latency rows (wake to poll, each runtime's clock read in the woken task against a stamp \
         taken just before the send or write that wakes it): idle_tcp: {IDLE_CONNS} connections, each \
         served by a task waiting in a read; {IDLE_ROUNDS} rounds, each after a {} ms pause, of 1 message \
         to each of {IDLE_ACTIVE} connections (1%, a different set each round) from a client thread with \
         blocking std sockets, answered with 1 byte; latency = client's stamp before its write to the \
         server task's read returning; heap/conn = live-heap change from before the first accept to all \
         connections accepted and waiting, / {IDLE_CONNS}. long_tail (mt only): {TAIL_TASKS} tasks \
         woken through their own unbounded channels by a ticker task every {} ms (absolute deadlines); \
         1 poll in {TAIL_HOG_EVERY} (one task per tick) spins {} ms; latency = ticker's stamp before \
         each send to the woken task's first clock read.",
        FAN_IN_SLEEP.as_millis(),
        IDLE_PAUSE.as_millis(),
        TAIL_PERIOD.as_millis(),
        TAIL_HOG.as_millis(),
    )
}
