//! The cost of diagnostics, in isolation, on a current-thread runtime with diagnostics on or off,
//! or on without the flight recorder (`diag_cost on|off|norec [rounds] [yield|spawn|remote|pingpong|blockon]`): `yield` (the default) has 200 tasks yield
//! 1,000 times each (the per-poll cost); `spawn` runs a chain of 100,000 tasks, each spawning the
//! next and finishing (the per-task cost: spawn, one poll, completion); `remote` spawns 10,000 empty
//! tasks from outside the runtime, then runs and joins them (the per-task cost when each task's
//! memory has gone cold by its first poll, as in `spawn_many_remote_idle`); `pingpong` runs 1,000
//! request/response pairs as the suite's `ping_pong` does (the cost per pair); `blockon` has the
//! `block_on` future itself yield 100,000 times, with a UDP socket registered with the I/O driver (the
//! cost of one turn of the scheduler's loop for the `block_on` future, driver turn included). Meant for
//! `valgrind --tool=callgrind`, whose instruction counts are repeatable where wall time on a shared
//! machine is not; it also prints the wall time per poll or per task. `DIAG_COST_RECORDER_EVENTS`
//! sets the flight recorder's capacity. `DIAG_COST_WORKERS=n` runs the same workloads on a multi-thread
//! runtime with `n` workers instead (the worker loop's cost: `block_on` runs on the main thread, the
//! tasks on the workers). `DIAG_COST_SAMPLE_EVERY=n` fixes the share of polls each worker times
//! to one in `n` (1: every poll; 4294967295: in effect none), instead of the rate it adapts to
//! the length of its polls: under valgrind a poll takes about 50 times as long as it does
//! natively, so the adaptive rate times far more of them than it would on the hardware.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (on, recorder, label) = match args.next().as_deref() {
        Some("on") => (true, true, "on"),
        Some("off") => (false, false, "off"),
        Some("norec") => (true, false, "on, no flight recorder,"),
        _ => {
            eprintln!("usage: diag_cost on|off|norec [rounds] [yield|spawn|remote|pingpong|blockon]");
            std::process::exit(2);
        }
    };
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("rounds: a number"));
    let mode = args.next().unwrap_or_else(|| "yield".into());
    let mut builder = match std::env::var("DIAG_COST_WORKERS") {
        Ok(n) => {
            let mut b = glasswing::runtime::Builder::new_multi_thread();
            b.worker_threads(n.parse().expect("DIAG_COST_WORKERS: a number"));
            b
        }
        Err(_) => glasswing::runtime::Builder::new_current_thread(),
    };
    builder.diagnostics(on);
    if !recorder {
        builder.flight_recorder_capacity(0);
    } else if let Ok(events) = std::env::var("DIAG_COST_RECORDER_EVENTS") {
        builder.flight_recorder_capacity(events.parse().expect("DIAG_COST_RECORDER_EVENTS: a number"));
    }
    if let Ok(every) = std::env::var("DIAG_COST_SAMPLE_EVERY") {
        builder.diagnostics_poll_sampling(every.parse().expect("DIAG_COST_SAMPLE_EVERY: a number"));
    }
    // Under valgrind on a loaded machine a poll can look long to the watchdog, whose stack capture
    // then runs on the worker and swamps the counts: `DIAG_COST_LONG_POLL_MS` moves the threshold.
    if let Ok(ms) = std::env::var("DIAG_COST_LONG_POLL_MS") {
        builder.long_poll_threshold(std::time::Duration::from_millis(
            ms.parse().expect("DIAG_COST_LONG_POLL_MS: a number"),
        ));
    }
    let rt = builder.build().unwrap();
    // One round of the chosen mode: what it runs, how many units that is, and what a unit is.
    let (round, units, unit): (Box<dyn Fn()>, f64, &str) = match mode.as_str() {
        "yield" => (Box::new(|| rt.block_on(yield_many())), 200.0 * 1_001.0, "poll"),
        "spawn" => (Box::new(|| rt.block_on(chained(100_000))), 100_000.0, "task"),
        "remote" => (
            Box::new(|| {
                let tasks: Vec<_> = (0..10_000).map(|_| rt.spawn(async {})).collect();
                rt.block_on(join_all(tasks));
            }),
            10_000.0,
            "task",
        ),
        "pingpong" => (Box::new(|| rt.block_on(ping_pong(1_000))), 1_000.0, "pair"),
        "blockon" => (Box::new(|| rt.block_on(block_on_yields(100_000))), 100_000.0, "yield"),
        other => panic!("yield, spawn, remote, pingpong or blockon, not {other}"),
    };
    for _ in 0..rounds {
        let start = Instant::now();
        round();
        println!("diagnostics {label}: {:.1} ns per {unit}", start.elapsed().as_nanos() as f64 / units);
    }
}

/// 200 tasks yielding 1,000 times each, joined.
async fn yield_many() {
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            glasswing::spawn(async {
                for _ in 0..1_000 {
                    glasswing::task::yield_now().await;
                }
            })
        })
        .collect();
    join_all(tasks).await;
}

async fn join_all(tasks: Vec<glasswing::task::JoinHandle<()>>) {
    for t in tasks {
        t.await.unwrap();
    }
}

/// The `block_on` future yields `n` times, with a socket registered so that the I/O driver has
/// something to poll.
async fn block_on_yields(n: u32) {
    let socket = glasswing::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for _ in 0..n {
        glasswing::task::yield_now().await;
    }
    drop(socket);
}

/// Runs a chain of `n` tasks to its end.
async fn chained(n: u32) {
    let (tx, rx) = futures::channel::oneshot::channel();
    glasswing::spawn(chain(n, tx));
    rx.await.unwrap();
}

/// `pairs` request/response pairs, as the suite's `ping_pong`: a task spawns `pairs` tasks, each of
/// which spawns a peer and exchanges a ping and a pong with it over two oneshots.
async fn ping_pong(pairs: usize) {
    use futures::channel::oneshot;
    let tasks: Vec<_> = (0..pairs)
        .map(|_| {
            glasswing::spawn(async {
                let (tx1, rx1) = oneshot::channel::<()>();
                let (tx2, rx2) = oneshot::channel::<()>();
                glasswing::spawn(async move {
                    rx1.await.unwrap();
                    tx2.send(()).unwrap();
                });
                tx1.send(()).unwrap();
                rx2.await.unwrap();
            })
        })
        .collect();
    join_all(tasks).await;
}

/// A chain of `n` tasks, each spawning the next and finishing (Tokio's `chained_spawn` shape).
fn chain(
    n: u32,
    done: futures::channel::oneshot::Sender<()>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(async move {
        if n == 0 {
            let _ = done.send(());
        } else {
            glasswing::spawn(chain(n - 1, done));
        }
    })
}
