//! The workloads, each written once and generic over [`Rt`]. Shapes and parameters follow
//! Tokio's own scheduler benches (`benches/rt_multi_threaded.rs`, `rt_current_thread.rs`).
//!
//! Each `run` does its setup, times only the workload itself with `Instant`, and tears
//! down (e.g. stops background tasks) after the clock stops.
//!
//! The timer workloads (`timer_fire`, `timer_cancel`) have no Tokio bench to copy; they
//! measure the two fates of a timer: firing (many sleeps, all awaited) and being cancelled
//! before it fires (a `timeout` whose future is still pending when it is dropped).
//!
//! `tcp_echo` is the networking workload: many small request/response round trips on
//! loopback TCP, so what it measures is each runtime's I/O driver (readiness, wakeups) and
//! scheduler under I/O, with the kernel's loopback cost the same for all three.

use std::future::{pending, poll_fn, Future};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures::channel::oneshot;
use futures::task::AtomicWaker;

use crate::rt::Rt;

/// Tasks spawned by the `spawn_many_*` workloads.
pub const NUM_SPAWN: usize = 10_000;
/// Request/response pairs in `ping_pong`.
pub const NUM_PINGS: usize = 1_000;
/// Tasks in `yield_many`.
pub const YIELD_TASKS: usize = 200;
/// Yields per task in `yield_many`.
pub const NUM_YIELD: usize = 1_000;
/// Length of the `chained_spawn` chain.
pub const CHAIN_LEN: usize = 1_000;
/// Busy spin per loop of the background tasks in `spawn_many_remote_busy`.
pub const STALL: Duration = Duration::from_micros(10);
/// Sleeping tasks in `timer_fire`.
pub const NUM_TIMERS: usize = 100_000;
/// `timer_fire` sleeps last 1..=`MAX_SLEEP_MS` ms.
pub const MAX_SLEEP_MS: u64 = 50;
/// Timeouts registered and cancelled in `timer_cancel`.
pub const NUM_CANCEL: usize = 1_000_000;
/// Deadline of the `timer_cancel` timeouts: far enough that none ever fires.
pub const CANCEL_AFTER: Duration = Duration::from_secs(60);
/// Connections in `tcp_echo`.
pub const ECHO_CONNS: usize = 64;
/// Round trips per connection in `tcp_echo`.
pub const ECHO_ROUNDS: usize = 2_000;
/// Bytes per message in `tcp_echo`.
pub const ECHO_MSG: usize = 100;

/// One benchmark workload.
pub trait Workload {
    /// Name without the `mt/` / `ct/` prefix.
    fn name(&self) -> &'static str;
    /// Runs one iteration on `rt` and returns the time of its timed region.
    fn run<R: Rt>(&self, rt: &R) -> Duration;
    /// Cap on timed iterations for workloads whose iterations are long by nature (on top of
    /// `--iters` and the time budget).
    fn max_iters(&self) -> Option<usize> {
        None
    }
    /// Whether the workload uses `Rt::fs_*`: runtimes without file I/O (`Rt::HAS_FS`) skip it.
    fn needs_fs(&self) -> bool {
        false
    }
}

/// A runtime-agnostic completion signal: `n` calls to `done_one` wake the waiter.
/// (Tokio's benches use an `AtomicUsize` plus a blocking `std::sync::mpsc`; a blocking
/// receive would deadlock the current-thread runtimes, so this wakes an async waiter.)
pub struct Countdown {
    rem: AtomicUsize,
    waker: AtomicWaker,
}

impl Countdown {
    pub fn new(n: usize) -> Arc<Self> {
        Arc::new(Countdown { rem: AtomicUsize::new(n), waker: AtomicWaker::new() })
    }

    #[inline]
    pub fn done_one(&self) {
        if self.rem.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.waker.wake();
        }
    }

    pub fn wait(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.rem.load(Ordering::Acquire) == 0 {
                return Poll::Ready(());
            }
            self.waker.register(cx.waker());
            if self.rem.load(Ordering::Acquire) == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }
}

/// Spawn 10,000 trivial tasks from inside the runtime; wait for all of them.
pub struct SpawnManyLocal;

impl Workload for SpawnManyLocal {
    fn name(&self) -> &'static str {
        "spawn_many_local"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let done = Countdown::new(NUM_SPAWN);
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..NUM_SPAWN {
                let done = done.clone();
                R::spawn_detached(async move {
                    done.done_one();
                });
            }
            done.wait().await;
        });
        start.elapsed()
    }
}

/// Spawn 10,000 trivial tasks from the bench thread, then await their join handles.
pub struct SpawnManyRemoteIdle;

impl Workload for SpawnManyRemoteIdle {
    fn name(&self) -> &'static str {
        "spawn_many_remote_idle"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        let start = Instant::now();
        spawn_remote_and_join(rt, &mut handles);
        start.elapsed()
    }
}

fn spawn_remote_and_join<R: Rt>(rt: &R, handles: &mut Vec<R::Join<()>>) {
    for _ in 0..NUM_SPAWN {
        handles.push(rt.spawn_remote(async {}));
    }
    rt.block_on(async {
        for handle in handles.drain(..) {
            handle.await;
        }
    });
}

/// `spawn_many_remote_idle` while `2 × workers` background tasks loop
/// `yield_now().await` + a 10 µs busy spin. The background tasks are started (and seen
/// running) before the clock starts and stopped after it stops, so they never run while
/// another runtime is being measured.
pub struct SpawnManyRemoteBusy {
    pub busy_tasks: usize,
}

impl Workload for SpawnManyRemoteBusy {
    fn name(&self) -> &'static str {
        "spawn_many_remote_busy"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let running = Arc::new(AtomicBool::new(true));
        let started = Countdown::new(self.busy_tasks);
        let busy: Vec<_> = (0..self.busy_tasks)
            .map(|_| {
                let running = running.clone();
                let started = started.clone();
                rt.spawn_remote(async move {
                    started.done_one();
                    while running.load(Ordering::Relaxed) {
                        R::yield_now().await;
                        stall();
                    }
                })
            })
            .collect();
        rt.block_on(started.wait());

        let mut handles = Vec::with_capacity(NUM_SPAWN);
        let start = Instant::now();
        spawn_remote_and_join(rt, &mut handles);
        let elapsed = start.elapsed();

        running.store(false, Ordering::Relaxed);
        rt.block_on(async {
            for handle in busy {
                handle.await;
            }
        });
        elapsed
    }
}

fn stall() {
    let now = Instant::now();
    while now.elapsed() < STALL {
        std::hint::spin_loop();
    }
}

/// 1,000 request/response pairs: a task spawns 1,000 tasks, each of which spawns a peer
/// and exchanges a ping and a pong with it over two `futures::channel::oneshot`s.
pub struct PingPong;

impl Workload for PingPong {
    fn name(&self) -> &'static str {
        "ping_pong"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let done = Countdown::new(NUM_PINGS);
        let start = Instant::now();
        rt.block_on(async {
            let all = done.clone();
            R::spawn_detached(async move {
                for _ in 0..NUM_PINGS {
                    let done = all.clone();
                    R::spawn_detached(async move {
                        let (tx1, rx1) = oneshot::channel::<()>();
                        let (tx2, rx2) = oneshot::channel::<()>();
                        R::spawn_detached(async move {
                            rx1.await.unwrap();
                            tx2.send(()).unwrap();
                        });
                        tx1.send(()).unwrap();
                        rx2.await.unwrap();
                        done.done_one();
                    });
                }
            });
            done.wait().await;
        });
        start.elapsed()
    }
}

/// 200 tasks (spawned from the bench thread) each yield 1,000 times.
pub struct YieldMany;

impl Workload for YieldMany {
    fn name(&self) -> &'static str {
        "yield_many"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let done = Countdown::new(YIELD_TASKS);
        let start = Instant::now();
        for _ in 0..YIELD_TASKS {
            let done = done.clone();
            R::detach(rt.spawn_remote(async move {
                for _ in 0..NUM_YIELD {
                    R::yield_now().await;
                }
                done.done_one();
            }));
        }
        rt.block_on(done.wait());
        start.elapsed()
    }
}

/// A chain of 1,000 tasks, each spawning the next; the last one signals completion.
pub struct ChainedSpawn;

impl Workload for ChainedSpawn {
    fn name(&self) -> &'static str {
        "chained_spawn"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        fn link<R: Rt>(done: oneshot::Sender<()>, n: usize) {
            if n == 0 {
                done.send(()).unwrap();
            } else {
                R::spawn_detached(async move { link::<R>(done, n - 1) });
            }
        }

        let (done_tx, done_rx) = oneshot::channel::<()>();
        let start = Instant::now();
        rt.block_on(async {
            R::spawn_detached(async move { link::<R>(done_tx, CHAIN_LEN) });
            done_rx.await.unwrap();
        });
        start.elapsed()
    }
}

/// 100,000 tasks, spawned from inside the runtime, each sleep 1 to 50 ms (`1 + i % 50`, so
/// every deadline gets 2,000 timers) and then signal; waits for all of them. The floor is
/// the 50 ms of the longest sleep; what is measured on top is spawning, registering
/// 100,000 timers, firing them (in 50 batches) and running the woken tasks.
pub struct TimerFire;

impl Workload for TimerFire {
    fn name(&self) -> &'static str {
        "timer_fire"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let done = Countdown::new(NUM_TIMERS);
        let start = Instant::now();
        rt.block_on(async {
            for i in 0..NUM_TIMERS {
                let done = done.clone();
                let ms = 1 + i as u64 % MAX_SLEEP_MS;
                R::spawn_detached(async move {
                    R::sleep(Duration::from_millis(ms)).await;
                    done.done_one();
                });
            }
            done.wait().await;
        });
        start.elapsed()
    }

    fn max_iters(&self) -> Option<usize> {
        // ≥ 50 ms an iteration, three runtimes a round: 20 rounds is ~4-5 s per flavour.
        Some(20)
    }
}

/// 1,000,000 times, inside one task: create `timeout(60 s, pending())`, poll it once (so
/// its timer registers with the driver), drop it (so the timer is cancelled). None fires.
pub struct TimerCancel;

impl Workload for TimerCancel {
    fn name(&self) -> &'static str {
        "timer_cancel"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..NUM_CANCEL {
                let pending = poll_once(R::timeout(CANCEL_AFTER, pending::<()>())).await;
                assert!(pending, "a 60 s timeout of a pending future completed");
            }
        });
        start.elapsed()
    }

    fn max_iters(&self) -> Option<usize> {
        // ~0.1-0.8 s an iteration; the 15 s budget usually stops it first.
        Some(20)
    }
}

/// Tasks sharing the `timer_cancel_contended` timeouts.
pub const CONTENDED_TASKS: usize = 4;

/// `timer_cancel` split over [`CONTENDED_TASKS`] tasks that run at the same time, so that on
/// the multi-thread flavour every worker registers and cancels timers at once: what a timer
/// driver behind one lock pays for contention (DESIGN §4; tokio-rs/tokio#6504).
pub struct TimerCancelContended;

impl Workload for TimerCancelContended {
    fn name(&self) -> &'static str {
        "timer_cancel_contended"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let done = Countdown::new(CONTENDED_TASKS);
        let start = Instant::now();
        rt.block_on(async {
            for _ in 0..CONTENDED_TASKS {
                let done = done.clone();
                R::spawn_detached(async move {
                    for _ in 0..NUM_CANCEL / CONTENDED_TASKS {
                        let pending = poll_once(R::timeout(CANCEL_AFTER, pending::<()>())).await;
                        assert!(pending, "a 60 s timeout of a pending future completed");
                    }
                    done.done_one();
                });
            }
            done.wait().await;
        });
        start.elapsed()
    }

    fn max_iters(&self) -> Option<usize> {
        Some(20)
    }
}

/// 64 connections × 2,000 round trips of 100 bytes on loopback. A server task accepts 64
/// connections and spawns a task per connection that 2,000 times reads exactly 100 bytes
/// and writes them back; 64 client tasks each connect and 2,000 times write 100 bytes and
/// read exactly 100 bytes back, checking the first byte (the round) and the last (the
/// client). `TCP_NODELAY` is set on both ends. All tasks are spawned from inside the
/// runtime, and the iteration ends when every client and every connection task is done.
///
/// The listener is bound to `127.0.0.1:0` once per iteration, before the clock starts
/// (binding is not what this measures, and a fresh listener per iteration keeps no socket
/// or registration alive across iterations or runtimes); it moves into the server task and
/// closes once all 64 connections are accepted. Timed: everything else, connects and
/// accepts included.
pub struct TcpEcho;

impl Workload for TcpEcho {
    fn name(&self) -> &'static str {
        "tcp_echo"
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let listener =
            rt.block_on(R::tcp_bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))).expect("tcp_echo: bind");
        let addr = R::tcp_local_addr(&listener).expect("tcp_echo: local_addr");

        let start = Instant::now();
        let (served, echoed) = rt.block_on(async move {
            // Server: a task that accepts; a task per connection that echoes.
            let server = R::spawn(async move {
                let mut conns = Vec::with_capacity(ECHO_CONNS);
                for _ in 0..ECHO_CONNS {
                    let (mut stream, _) = R::tcp_accept(&listener).await.expect("tcp_echo: accept");
                    R::tcp_set_nodelay(&stream, true).expect("tcp_echo: server set_nodelay");
                    conns.push(R::spawn(async move {
                        let mut buf = [0u8; ECHO_MSG];
                        for _ in 0..ECHO_ROUNDS {
                            R::read_exact(&mut stream, &mut buf).await.expect("tcp_echo: server read");
                            R::write_all(&mut stream, &buf).await.expect("tcp_echo: server write");
                        }
                        ECHO_ROUNDS
                    }));
                }
                drop(listener);
                let mut served = 0;
                for conn in conns {
                    served += conn.await;
                }
                served
            });
            // Clients: the first byte of each message is the round, the others the client.
            let clients: Vec<_> = (0..ECHO_CONNS)
                .map(|id| {
                    R::spawn(async move {
                        let mut stream = R::tcp_connect(addr).await.expect("tcp_echo: connect");
                        R::tcp_set_nodelay(&stream, true).expect("tcp_echo: client set_nodelay");
                        let mut out = [id as u8; ECHO_MSG];
                        let mut back = [0u8; ECHO_MSG];
                        for round in 0..ECHO_ROUNDS {
                            out[0] = round as u8;
                            R::write_all(&mut stream, &out).await.expect("tcp_echo: client write");
                            R::read_exact(&mut stream, &mut back).await.expect("tcp_echo: client read");
                            assert!(
                                back[0] == out[0] && back[ECHO_MSG - 1] == out[ECHO_MSG - 1],
                                "tcp_echo: client {id} round {round}: the echo is not what was sent"
                            );
                        }
                        ECHO_ROUNDS
                    })
                })
                .collect();
            let mut echoed = 0;
            for client in clients {
                echoed += client.await;
            }
            (server.await, echoed)
        });
        let elapsed = start.elapsed();

        // Same work on every runtime: every round trip of every connection, on both ends.
        assert_eq!(served, ECHO_CONNS * ECHO_ROUNDS, "tcp_echo: server round trips");
        assert_eq!(echoed, ECHO_CONNS * ECHO_ROUNDS, "tcp_echo: client round trips");
        elapsed
    }

    fn max_iters(&self) -> Option<usize> {
        // 128,000 round trips (each a write and a read on both ends) an iteration, three
        // runtimes a round.
        Some(20)
    }
}

/// Polls `future` exactly once, with the calling task's waker, then drops it. Returns
/// whether it was pending.
pub async fn poll_once<F: Future>(future: F) -> bool {
    let mut future = pin!(future);
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

// ---------------------------------------------------------------------------------------
// File system: each runtime's own `fs` (glasswing::fs, tokio::fs), both on their blocking pools.

/// Size of the file `fs_seq_read_256mib` reads.
pub const SEQ_FILE_BYTES: usize = 256 << 20;
/// Bytes asked per `read` call by `fs_seq_read_256mib`.
pub const SEQ_CHUNK: usize = 64 << 10;
/// Files `fs_small_files_10k` reads, and the size of each.
pub const SMALL_FILES: usize = 10_000;
pub const SMALL_FILE_BYTES: usize = 4 << 10;
/// Tasks reading the small files at once (each reads every `SMALL_CONCURRENCY`th file).
pub const SMALL_CONCURRENCY: usize = 64;

/// The fs rows' files: written once per process, before the first fs row's clock starts, and
/// removed by [`fs_cleanup`]. They are in the page cache when read: the rows measure what each
/// runtime adds to a read (hand-offs to the blocking pool, copies), not the disk.
static FS_DIR: OnceLock<PathBuf> = OnceLock::new();
static SEQ_FILE: OnceLock<PathBuf> = OnceLock::new();
static SMALL_PATHS: OnceLock<Arc<Vec<PathBuf>>> = OnceLock::new();

fn fs_dir() -> &'static PathBuf {
    FS_DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("glasswing-bench-fs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fs rows: create temp dir");
        dir
    })
}

fn seq_file() -> PathBuf {
    SEQ_FILE
        .get_or_init(|| {
            let path = fs_dir().join("seq-256mib.bin");
            let chunk: Vec<u8> = (0..SEQ_CHUNK).map(|i| (i % 251) as u8).collect();
            let mut file = std::fs::File::create(&path).expect("fs rows: create the 256 MiB file");
            for _ in 0..SEQ_FILE_BYTES / SEQ_CHUNK {
                std::io::Write::write_all(&mut file, &chunk).expect("fs rows: write the 256 MiB file");
            }
            path
        })
        .clone()
}

fn small_paths() -> Arc<Vec<PathBuf>> {
    SMALL_PATHS
        .get_or_init(|| {
            let dir = fs_dir().join("small");
            std::fs::create_dir_all(&dir).expect("fs rows: create the small-file dir");
            let content = vec![7u8; SMALL_FILE_BYTES];
            let paths = (0..SMALL_FILES)
                .map(|i| {
                    let path = dir.join(format!("{i:05}.bin"));
                    std::fs::write(&path, &content).expect("fs rows: write a small file");
                    path
                })
                .collect();
            Arc::new(paths)
        })
        .clone()
}

/// Removes the fs rows' files, if any were written.
pub fn fs_cleanup() {
    if let Some(dir) = FS_DIR.get() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Opens a 256 MiB file with the runtime's `fs::File` and reads it to the end, 64 KiB per
/// `read`: one blocking-pool hand-off per read for both runtimes (each File reads
/// `min(asked, 2 MiB)` per blocking call), plus the copy from the File's buffer.
pub struct FsSeqRead;

impl Workload for FsSeqRead {
    fn name(&self) -> &'static str {
        "fs_seq_read_256mib"
    }

    fn needs_fs(&self) -> bool {
        true
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let path = seq_file();
        let start = Instant::now();
        let n = rt.block_on(R::fs_read_chunks(path, SEQ_CHUNK)).expect("fs_seq_read: read");
        let elapsed = start.elapsed();
        assert_eq!(n, SEQ_FILE_BYTES as u64, "fs_seq_read: bytes read");
        elapsed
    }

    fn max_iters(&self) -> Option<usize> {
        // ~100 ms an iteration.
        Some(20)
    }
}

/// `fs::read` of 10,000 files of 4 KiB, from 64 tasks at once (task k reads files k, k + 64, ...):
/// one blocking-pool task per file (open, fstat, read, close), so this is the hand-off's cost.
pub struct FsSmallFiles;

impl Workload for FsSmallFiles {
    fn name(&self) -> &'static str {
        "fs_small_files_10k"
    }

    fn needs_fs(&self) -> bool {
        true
    }

    fn run<R: Rt>(&self, rt: &R) -> Duration {
        let paths = small_paths();
        let start = Instant::now();
        let total = rt.block_on(async move {
            let tasks: Vec<_> = (0..SMALL_CONCURRENCY)
                .map(|k| {
                    let paths = paths.clone();
                    R::spawn(async move {
                        let mut bytes = 0;
                        for path in paths.iter().skip(k).step_by(SMALL_CONCURRENCY) {
                            bytes += R::fs_read(path.clone()).await.expect("fs_small_files: read").len();
                        }
                        bytes
                    })
                })
                .collect();
            let mut total = 0;
            for task in tasks {
                total += task.await;
            }
            total
        });
        let elapsed = start.elapsed();
        assert_eq!(total, SMALL_FILES * SMALL_FILE_BYTES, "fs_small_files: bytes read");
        elapsed
    }

    fn max_iters(&self) -> Option<usize> {
        Some(20)
    }
}
