//! The README's demo: real work on both schedulers, and a report of what happened.
//!
//! Run it with `cargo run --release --example demo`. Each scheduler runs the same program: a fan-out
//! of CPU work through a `JoinSet`, a pipeline of tasks passing messages, a `spawn_blocking` job, a
//! task that panics (and is caught), and a stuck task that gets aborted. Each run ends with the
//! runtime's own diagnostics report.

use glasswing::runtime::{Builder, Runtime};
use glasswing::sync::{mpsc, oneshot};
use glasswing::task::{self, JoinSet};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Which threads ran how many polls' worth of our tasks.
type ThreadLog = Arc<Mutex<BTreeMap<String, usize>>>;

fn note_thread(log: &ThreadLog) {
    let name = std::thread::current().name().unwrap_or("unnamed").to_string();
    *log.lock().unwrap().entry(name).or_default() += 1;
}

fn count_primes(range: std::ops::Range<u64>) -> usize {
    range.filter(|&n| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)).count()
}

async fn program(log: ThreadLog) -> Vec<String> {
    let mut lines = Vec::new();

    // 1. Fan-out: 64 chunks of prime counting, gathered as they finish.
    let start = Instant::now();
    let mut set = JoinSet::new();
    for chunk in 0..64u64 {
        let log = log.clone();
        set.spawn(async move {
            let mut total = 0;
            for part in 0..4 {
                let lo = chunk * 20_000 + part * 5_000;
                total += count_primes(lo..lo + 5_000);
                note_thread(&log);
                task::yield_now().await;
            }
            total
        });
    }
    let mut primes = 0;
    while let Some(res) = set.join_next().await {
        primes += res.expect("prime task failed");
    }
    lines.push(format!(
        "fan-out   64 tasks counted {primes} primes below 1,280,000 in {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    ));

    // 2. Pipeline: 10 stages, each a task adding its index, 10,000 messages through all of them.
    let start = Instant::now();
    let (first_tx, mut rx) = mpsc::channel::<u64>(64);
    for stage in 0..10u64 {
        let (tx, next_rx) = mpsc::channel::<u64>(64);
        let mut input = std::mem::replace(&mut rx, next_rx);
        let log = log.clone();
        glasswing::spawn(async move {
            while let Some(v) = input.recv().await {
                if tx.send(v + stage).await.is_err() {
                    break;
                }
            }
            note_thread(&log);
        });
    }
    let producer = glasswing::spawn(async move {
        let tx = first_tx;
        for i in 0..10_000u64 {
            tx.send(i).await.unwrap();
        }
    });
    let mut sum = 0;
    let mut received = 0;
    while let Some(v) = rx.recv().await {
        sum += v;
        received += 1;
    }
    producer.await.unwrap();
    lines.push(format!(
        "pipeline  {received} messages through 10 stages, checksum {sum} (expected {}) in {:.1} ms",
        (0..10_000u64).sum::<u64>() + 10_000 * 45,
        start.elapsed().as_secs_f64() * 1e3
    ));

    // 3. Blocking work goes to the blocking pool, not a worker.
    let blocking_thread = task::spawn_blocking(|| {
        std::thread::current().name().unwrap_or("unnamed").to_string() + " (blocking pool)"
    })
    .await
    .unwrap();
    lines.push(format!("blocking  spawn_blocking ran on thread {blocking_thread:?}"));

    // 4. A panicking task does not take the runtime down.
    let err = task::Builder::new()
        .name("flaky-parser")
        .spawn(async { panic!("unexpected byte 0xff at offset 17") })
        .unwrap()
        .await
        .unwrap_err();
    lines.push(format!("panic     caught: {err}"));

    // 5. A task stuck forever is aborted; its future is dropped before the handle resolves.
    let (dropped_tx, dropped_rx) = oneshot::channel::<()>();
    struct OnDrop(Option<oneshot::Sender<()>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            let _ = self.0.take().unwrap().send(());
        }
    }
    let guard = OnDrop(Some(dropped_tx));
    let stuck = glasswing::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    task::yield_now().await;
    stuck.abort();
    let err = stuck.await.unwrap_err();
    let dropped = dropped_rx.await.is_ok();
    lines.push(format!("abort     {err}; future dropped: {dropped}"));
    lines
}

fn run(label: &str, rt: Runtime) {
    let log: ThreadLog = Arc::default();
    let start = Instant::now();
    let lines = rt.block_on(program(log.clone()));
    let elapsed = start.elapsed();
    println!("== {label} ==");
    for line in lines {
        println!("  {line}");
    }
    println!("  threads that ran task work:");
    for (thread, polls) in log.lock().unwrap().iter() {
        println!("    {thread:<28} {polls:>4} task steps");
    }
    println!("  total {:.1} ms\n", elapsed.as_secs_f64() * 1e3);
    // What the runtime saw, measured by itself (no setup: diagnostics are on by default).
    println!("  what the runtime's diagnostics saw:");
    for line in rt.handle().diagnostics().snapshot().report().lines() {
        println!("  | {line}");
    }
    println!();
    drop(rt);
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("glasswing demo on {cores} cores\n");
    // One line per panic instead of the default message and backtrace: the demo panics on purpose.
    std::panic::set_hook(Box::new(|info| eprintln!("  (a task panicked: {info})")));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mt = Builder::new_multi_thread()
        .thread_name_fn(move || {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("glasswing-worker-{n}")
        })
        .build()
        .expect("failed to build the multi-thread runtime");
    run(&format!("multi_thread ({cores} workers)"), mt);
    let ct = Builder::new_current_thread().build().expect("failed to build the current-thread runtime");
    run("current_thread (all tasks on the main thread)", ct);
}
