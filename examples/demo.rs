//! The README's demo: real work on both schedulers, and a report of what happened.
//!
//! Run it with `cargo run --release --example demo`. Each scheduler runs the same program: a fan-out
//! of CPU work through a `JoinSet`, a pipeline of tasks passing messages, a `spawn_blocking` job, a
//! task that panics (and is caught), and a stuck task that gets aborted. Each run ends with the
//! runtime's own diagnostics report.
//!
//! `cargo run --release --example demo -- --console` then keeps a live service running on the
//! multi-thread runtime, with the console on (127.0.0.1:6669, or where `GLASSWING_CONSOLE` says):
//! open the address it prints in a browser, or point `glasswing-console` at it. Ctrl-C ends it.

use glasswing::runtime::{Builder, Runtime};
use glasswing::sync::{mpsc, oneshot, Mutex as AsyncMutex};
use glasswing::task::{self, JoinSet};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

fn run(label: &str, rt: &Runtime) {
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
}

/// The live service `--console` keeps running: request handlers on a shared cache, a pipeline fed at
/// a steady pace, workers idle on a queue, and now and then a handler that blocks its worker, so each
/// view of the console has something to show.
async fn live_service() {
    let cache = Arc::new(AsyncMutex::new(BTreeMap::<u64, u64>::new()));
    for shard in 0..4u64 {
        let cache = cache.clone();
        task::Builder::new()
            .name(&format!("cache-writer-{shard}"))
            .spawn(async move {
                let mut tick = glasswing::time::interval(Duration::from_millis(20 + 5 * shard));
                loop {
                    tick.tick().await;
                    let mut map = cache.lock().await;
                    *map.entry(shard).or_default() += 1;
                    // Holds the lock across an await: the resources view shows who waits for it.
                    glasswing::time::sleep(Duration::from_millis(3)).await;
                }
            })
            .unwrap();
    }
    let (jobs_tx, jobs_rx) = mpsc::channel::<u64>(16);
    let jobs_rx = Arc::new(AsyncMutex::new(jobs_rx));
    for n in 0..8 {
        let jobs_rx = jobs_rx.clone();
        task::Builder::new()
            .name(&format!("job-worker-{n}"))
            .spawn(async move {
                loop {
                    let Some(job) = jobs_rx.lock().await.recv().await else { break };
                    count_primes(job * 1_000..job * 1_000 + 200);
                    task::yield_now().await;
                }
            })
            .unwrap();
    }
    task::Builder::new()
        .name("job-source")
        .spawn(async move {
            let mut tick = glasswing::time::interval(Duration::from_millis(10));
            for job in 0.. {
                tick.tick().await;
                if jobs_tx.send(job % 500).await.is_err() {
                    break;
                }
            }
        })
        .unwrap();
    task::Builder::new()
        .name("report-renderer")
        .spawn(async move {
            let mut tick = glasswing::time::interval(Duration::from_secs(15));
            loop {
                tick.tick().await;
                // A blocking call on a worker: the console pins it as a long-poll warning, with
                // this line in its stack.
                std::thread::sleep(Duration::from_millis(120));
            }
        })
        .unwrap();
    for n in 0..50 {
        task::Builder::new()
            .name(&format!("session-{n}"))
            .spawn(async move { glasswing::time::sleep(Duration::from_secs(3600)).await })
            .unwrap();
    }
    let _ = glasswing::signal::ctrl_c().await;
}

fn main() {
    let console = std::env::args().any(|a| a == "--console");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("glasswing demo on {cores} cores\n");
    // One line per panic instead of the default message and backtrace: the demo panics on purpose.
    std::panic::set_hook(Box::new(|info| eprintln!("  (a task panicked: {info})")));
    let ct = Builder::new_current_thread().build().expect("failed to build the current-thread runtime");
    run("current_thread (all tasks on the main thread)", &ct);
    drop(ct);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut builder = Builder::new_multi_thread();
    builder.thread_name_fn(move || {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("glasswing-worker-{n}")
    });
    if console {
        builder.console("127.0.0.1:6669");
    }
    let mt = builder.build().expect("failed to build the multi-thread runtime");
    run(&format!("multi_thread ({cores} workers)"), &mt);
    if let Some(addr) = mt.handle().console_addr() {
        println!("== live: a service runs on the multi-thread runtime until Ctrl-C ==");
        println!("  open http://{addr}/ in a browser (the console), or in another terminal:");
        println!("  cargo run --release -p glasswing-console -- http://{addr}");
        mt.block_on(live_service());
    } else if console {
        println!("(no console: GLASSWING_CONSOLE=off, or its address was taken; see the line above)");
    }
}
