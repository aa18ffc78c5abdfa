//! One row of the suite (the user rows of `src/user_workloads.rs`, the spawn, timer and
//! `fs_seq_read` rows of `src/workloads.rs`, and the sync rows of `src/sync_workloads.rs`) on one
//! runtime alone, for a profiler: `user_cost glasswing|gw-diag-off|tokio|smol ROW [iters] [mt|ct]`,
//! ROW one of those `USAGE` names (defaults: 3 iterations, `mt` with 2 workers;
//! `USER_COST_WORKERS=n` for another count).
//! The suite runs all runtimes in one process, so a profile of it mixes them; this runs one, so
//! that `valgrind --tool=callgrind` (whose instruction counts repeat where wall time on a shared
//! machine does not; run 1 and 3 iterations and take the difference, to leave out the runtime's
//! start and stop) or `perf record` sees only that runtime. It prints each iteration's wall time,
//! and for the latency rows the p50 / p99 / max of the iteration's samples.
//!
//! Run it in release: `cargo run --release -p glasswing-bench --bin user_cost -- glasswing fan_in`.

#[allow(dead_code)]
#[path = "../mem.rs"]
mod mem;
#[allow(dead_code)]
#[path = "../rt.rs"]
mod rt;
#[allow(dead_code)]
#[path = "../sync.rs"]
mod sync;
#[allow(dead_code)]
#[path = "../sync_workloads.rs"]
mod sync_workloads;
#[allow(dead_code)]
#[path = "../user_workloads.rs"]
mod user_workloads;
#[allow(dead_code)]
#[path = "../workloads.rs"]
mod workloads;

use std::time::{Duration, Instant};

use rt::{Flavor, Glasswing, GlasswingOff, Rt, Smol, Tokio};
use user_workloads::LatencyWorkload;
use workloads::Workload;

const USAGE: &str = "usage: user_cost glasswing|gw-diag-off|tokio|smol ROW [iters] [mt|ct]\n  ROW: \
                     fan_in|spawn_blocking|idle_tcp|long_tail|spawn_many_local|spawn_many_remote_idle|\
                     chained_spawn|timer_fire|timer_cancel|fs_seq_read|sync/<row>";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }
    let iters: usize = args.get(2).map_or(3, |n| n.parse().expect("iters: a number"));
    let workers =
        std::env::var("USER_COST_WORKERS").map_or(2, |n| n.parse().expect("USER_COST_WORKERS: a number"));
    let flavor = match args.get(3).map(String::as_str) {
        None | Some("mt") => Flavor::MultiThread(workers),
        Some("ct") => Flavor::CurrentThread,
        Some(other) => panic!("mt or ct, not {other}"),
    };
    match args[0].as_str() {
        "glasswing" => row::<Glasswing>(&args[1], flavor, iters),
        "gw-diag-off" => row::<GlasswingOff>(&args[1], flavor, iters),
        "tokio" => row::<Tokio>(&args[1], flavor, iters),
        "smol" => row::<Smol>(&args[1], flavor, iters),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

fn row<R: Rt>(name: &str, flavor: Flavor, iters: usize) {
    let rt = R::build(flavor);
    match name {
        "fan_in" => timed(&rt, &user_workloads::FanIn, iters),
        "spawn_blocking" => timed(&rt, &user_workloads::SpawnBlocking, iters),
        "idle_tcp" => latencies(&rt, &user_workloads::IdleTcp, iters),
        "long_tail" => latencies(&rt, &user_workloads::LongTail, iters),
        "spawn_many_local" => timed(&rt, &workloads::SpawnManyLocal, iters),
        "spawn_many_remote_idle" => timed(&rt, &workloads::SpawnManyRemoteIdle, iters),
        "chained_spawn" => timed(&rt, &workloads::ChainedSpawn, iters),
        "timer_fire" => timed(&rt, &workloads::TimerFire, iters),
        "timer_cancel" => timed(&rt, &workloads::TimerCancel, iters),
        "fs_seq_read" => {
            timed(&rt, &workloads::FsSeqRead, iters);
            workloads::fs_cleanup();
        }
        "sync/mutex_contended" => timed(&rt, &sync_workloads::MutexContended, iters),
        "sync/mutex_uncontended" => timed(&rt, &sync_workloads::MutexUncontended, iters),
        "sync/semaphore" => timed(&rt, &sync_workloads::SemaphoreContended, iters),
        "sync/mpsc_bounded_1p" => {
            timed(&rt, &sync_workloads::MpscThroughput { bounded: true, producers: 1 }, iters)
        }
        "sync/mpsc_bounded_8p" => {
            timed(&rt, &sync_workloads::MpscThroughput { bounded: true, producers: 8 }, iters)
        }
        "sync/broadcast_fan_out" => timed(&rt, &sync_workloads::BroadcastFanOut, iters),
        "sync/watch" => timed(&rt, &sync_workloads::WatchFanOut, iters),
        other => panic!("no user row {other}\n{USAGE}"),
    }
}

fn timed<R: Rt, W: Workload>(rt: &R, w: &W, iters: usize) {
    for _ in 0..iters {
        println!("{} {}: {:?}", R::NAME, w.name(), w.run(rt));
    }
}

fn latencies<R: Rt, W: LatencyWorkload>(rt: &R, w: &W, iters: usize) {
    for _ in 0..iters {
        let mut samples = Vec::new();
        let start = Instant::now();
        let heap = w.run(rt, &mut samples);
        let wall = start.elapsed();
        samples.sort_unstable();
        let at = |q: f64| Duration::from_nanos(samples[((samples.len() - 1) as f64 * q).round() as usize]);
        println!(
            "{} {}: {wall:?}; latency p50 {:?} p99 {:?} max {:?}{}",
            R::NAME,
            w.name(),
            at(0.5),
            at(0.99),
            at(1.0),
            heap.map_or(String::new(), |h| format!(
                "; heap {h:.0} B/conn (0 without the suite's counting allocator)"
            ))
        );
    }
}
