//! Glasswing's side-by-side benchmark suite: glasswing vs tokio vs smol.
//!
//! What it measures: the wall time of Tokio's own scheduler benchmark shapes
//! (`spawn_many_local`, `spawn_many_remote_idle`, `spawn_many_remote_busy`, `ping_pong`,
//! `yield_many`, `chained_spawn`; see [`workloads`]) and of the timer workloads
//! (`timer_fire`, `timer_cancel`, and on `mt/` only `timer_cancel_contended`) and of the
//! loopback TCP workload `tcp_echo` on the multi-thread (`mt/`) and current-thread (`ct/`)
//! flavour of each runtime, and the heap bytes each runtime spends per spawned idle task
//! and per pending timer ([`mem`]). The sync rows (`{mt,ct}/sync/...`, [`sync_workloads`]) put
//! `glasswing::sync` against `tokio::sync` and smol's async-channel / async-lock /
//! async-broadcast, each on its own runtime, through the [`sync::SyncPrims`] each runtime names
//! (mpsc throughput, oneshot round trip, Mutex, Semaphore, broadcast and watch fan-out), and
//! `mem/{mt,ct}/sync/...` the heap per channel, oneshot and Mutex and per task waiting in
//! `lock().await` / `recv().await`. For each workload it prints the median, p10 and p90
//! time per iteration and the ratio of each runtime's median to Tokio's (< 1.0 = faster
//! than Tokio).
//!
//! The user rows (`{mt,ct}/user/...`, [`user_workloads`]) have the shapes of users' programs: a
//! fan-in through timers and a channel and `spawn_blocking` throughput as time rows, and a mostly
//! idle 1,000-connection TCP server and a mix with 1 ms hogs as latency rows (wake-to-poll
//! percentiles, and heap per connection; [`latency`]), printed in a table of their own.
//!
//! Glasswing runs twice: as shipped (diagnostics on) and with `Builder::diagnostics(false)`
//! (`gw-diag-off`), so every workload also reports what diagnostics cost ("diag cost": the
//! median, over rounds, of the time with them on over the time with them off in the same round,
//! minus one). Paired by round, the two share that round's noise; the ratio of the two medians
//! swung by ±15% between runs of one build against itself, on a noisy afternoon.
//!
//! Why one process, interleaved: the machines we measure on are shared and noisy, and
//! noise drifts over seconds to minutes (other tenants, frequency scaling, thermal state).
//! Running the runtimes in separate processes or one after another lets that drift land
//! on one runtime and not the others. Here all the runtimes are built side by side (once
//! per workload, outside the timed region, and reused across iterations, as Tokio's benches
//! do) and iterations go round-robin — glasswing, tokio, smol, glasswing-off, glasswing, … —
//! so every runtime samples the same noise, and medians of paired samples compare fairly.
//! The runtime that goes first rotates every round, because position matters: in an A/A
//! test (two copies of the same runtime) a fixed order showed ~10% bias from whichever
//! runtime ran just before (allocator and cache state it leaves behind).
//! This is also why the suite uses plain `Instant` instead of criterion, which can't
//! interleave. Each workload is written once, generic over the [`rt::Rt`] trait, with
//! static dispatch and the same kind of wrapper for every runtime.
//!
//! Usage: `cargo run --release -p glasswing-bench -- [--iters N] [--filter SUBSTR]
//! [--workers N] [--markdown]`.

mod latency;
mod mem;
mod rt;
mod sync;
mod sync_workloads;
mod timer_lateness;
mod user_workloads;
mod workloads;

use std::fmt::Write as _;
use std::process;
use std::sync::{Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use rt::{Flavor, Glasswing, GlasswingOff, Rt, Smol, Tokio};
use sync_workloads::{
    BroadcastFanOut, MpscThroughput, MutexContended, MutexUncontended, OneshotRoundTrip, SemaphoreContended,
    SyncMem, SyncObject, WatchFanOut,
};
use user_workloads::{FanIn, IdleTcp, LongTail, SpawnBlocking};
use workloads::{
    ChainedSpawn, FsSeqRead, FsSmallFiles, PingPong, SpawnManyLocal, SpawnManyRemoteBusy,
    SpawnManyRemoteIdle, TcpEcho, TimerCancel, TimerCancelContended, TimerFire, Workload, YieldMany,
};

#[global_allocator]
static GLOBAL: mem::CountingAlloc = mem::CountingAlloc;

/// How many runtimes run side by side.
const N: usize = 4;
/// Names of the runtimes, in the order they are reported: glasswing as shipped, the two peers, and
/// glasswing with its diagnostics off (to measure what they cost).
const RUNTIMES: [&str; N] = [Glasswing::NAME, Tokio::NAME, Smol::NAME, GlasswingOff::NAME];
/// Index of glasswing with diagnostics off in `RUNTIMES`.
const DIAG_OFF: usize = 3;
/// Index of Tokio in `RUNTIMES`, the baseline of the console output's ratios.
const TOKIO: usize = 1;
/// Index of smol in `RUNTIMES`.
const SMOL: usize = 2;
/// Untimed iterations per runtime before the timed ones.
const WARMUP: usize = 2;
/// Minimum timed iterations, even past the per-workload time budget.
const MIN_ITERS: usize = 5;
/// Pause between two runs so the previous runtime's workers can park before the next
/// runtime's clock starts.
const SETTLE: Duration = Duration::from_millis(1);
/// Rounds of the memory measurement (a fresh runtime each).
const MEM_ROUNDS: usize = 3;

struct Config {
    iters: usize,
    filter: Option<String>,
    workers: usize,
    markdown: bool,
    budget: Duration,
    hang: Duration,
    /// Timers of the `timers/lateness_<n>` row.
    lateness_timers: usize,
}

const USAGE: &str = "\
usage: glasswing-bench [--iters N] [--filter SUBSTR] [--workers N] [--markdown]
                       [--budget SECS] [--hang-timeout SECS] [--lateness-timers N]

  --iters N           timed iterations per runtime and workload (default 90)
  --filter SUBSTR     only run workloads whose label contains SUBSTR
                      (labels: mt/<name>, ct/<name>, mt/sync/<name>, ct/sync/<name>,
                      mem/{mt,ct}/idle_task[_1000_polls|_4_busy_polls],
                      mem/ct/idle_task_unpolled,
                      mem/{mt,ct}/pending_timer,
                      mem/{mt,ct}/sync/<name>, {mt,ct}/user/<name>; --filter sync/
                      runs the sync rows, --filter user/ the user rows)
  --workers N         multi-thread worker count (default: available cores)
  --markdown          print the results as markdown tables (progress goes to stderr)
  --budget SECS       soft time limit per workload; stops early (after at least 5
                      iterations) when exceeded (default 15); the timer
                      workloads and tcp_echo also stop at 20 iterations
  --hang-timeout SECS abort the process if one iteration runs longer (default 30)
  --lateness-timers N timers of the lateness row (default 1000000); that row,
                      timers/lateness_<N> (e.g. timers/lateness_1m), takes about
                      a minute and runs only when --filter names it (\"lateness\")";

fn parse_args(cores: usize) -> Config {
    let mut cfg = Config {
        iters: 90,
        filter: None,
        workers: cores,
        markdown: false,
        budget: Duration::from_secs(15),
        hang: Duration::from_secs(30),
        lateness_timers: timer_lateness::DEFAULT_TIMERS,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value\n\n{USAGE}");
                process::exit(2)
            })
        };
        match arg.as_str() {
            "--iters" => cfg.iters = parse_num(&value("--iters")).max(1),
            "--filter" => cfg.filter = Some(value("--filter")),
            "--workers" => cfg.workers = parse_num(&value("--workers")).max(1),
            "--markdown" => cfg.markdown = true,
            "--budget" => cfg.budget = Duration::from_secs(parse_num(&value("--budget")) as u64),
            "--hang-timeout" => cfg.hang = Duration::from_secs(parse_num(&value("--hang-timeout")) as u64),
            "--lateness-timers" => cfg.lateness_timers = parse_num(&value("--lateness-timers")).max(1),
            // `cargo bench` passes --bench; accept and ignore it.
            "--bench" => {}
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0)
            }
            other => {
                eprintln!("unknown argument {other:?}\n\n{USAGE}");
                process::exit(2)
            }
        }
    }
    cfg
}

fn parse_num(s: &str) -> usize {
    s.parse().unwrap_or_else(|_| {
        eprintln!("not a number: {s:?}\n\n{USAGE}");
        process::exit(2)
    })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

// ---------------------------------------------------------------------------------------
// Hang watchdog: a runtime that deadlocks should fail the run loudly, not stall it.

static RUNNING: Mutex<Option<(String, &'static str, Instant)>> = Mutex::new(None);

fn start_watchdog(limit: Duration) {
    thread::Builder::new()
        .name("bench-watchdog".into())
        .spawn(move || loop {
            thread::sleep(Duration::from_millis(500));
            if let Some((label, rt, since)) = &*RUNNING.lock().unwrap() {
                if since.elapsed() > limit {
                    eprintln!(
                        "\nglasswing-bench: {label} on {rt} has run for over {}s; \
                         assuming a hang and aborting",
                        limit.as_secs()
                    );
                    process::exit(3);
                }
            }
        })
        .expect("spawn watchdog");
}

fn watched<T>(label: &str, rt: &'static str, f: impl FnOnce() -> T) -> T {
    *RUNNING.lock().unwrap() = Some((label.to_string(), rt, Instant::now()));
    let out = f();
    *RUNNING.lock().unwrap() = None;
    out
}

// ---------------------------------------------------------------------------------------
// Timing workloads

struct Stats {
    median: f64,
    p10: f64,
    p90: f64,
}

impl Stats {
    fn of(samples: &[Duration]) -> Stats {
        if samples.is_empty() {
            // A runtime that skipped the workload (no fs on smol): printed as "n/a".
            return Stats { median: f64::NAN, p10: f64::NAN, p90: f64::NAN };
        }
        let mut s: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
        s.sort_by(f64::total_cmp);
        let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
        Stats { median: median(&s), p10: at(0.1), p90: at(0.9) }
    }
}

/// The median of sorted, non-empty `s`.
fn median(s: &[f64]) -> f64 {
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

struct Row {
    label: String,
    iters: usize,
    /// Iterations asked for: `--iters`, or less where the workload caps it.
    planned: usize,
    stats: [Stats; N],
    /// What diagnostics cost on this workload (0.03 = 3% slower with them): see `paired_overhead`.
    diag_cost: f64,
}

fn run_one<R: Rt, W: Workload>(label: &str, w: &W, rt: &R) -> Duration {
    let d = watched(label, R::NAME, || w.run(rt));
    thread::sleep(SETTLE);
    d
}

fn bench<W: Workload>(cfg: &Config, flavor: Flavor, w: &W) -> Option<Row> {
    let label = start_row(cfg, "", flavor, w.name())?;

    let gw = watched(&label, Glasswing::NAME, || Glasswing::build(flavor));
    let tk = Tokio::build(flavor);
    let sm = Smol::build(flavor);
    let off = watched(&label, GlasswingOff::NAME, || GlasswingOff::build(flavor));

    // Smol sits out the rows it has no API for (the fs rows).
    let smol_runs = !w.needs_fs() || Smol::HAS_FS;
    for _ in 0..WARMUP {
        run_one(&label, w, &gw);
        run_one(&label, w, &tk);
        if smol_runs {
            run_one(&label, w, &sm);
        }
        run_one(&label, w, &off);
    }
    let mut samples: [Vec<Duration>; N] = Default::default();
    let planned = w.max_iters().map_or(cfg.iters, |max| cfg.iters.min(max));
    let started = Instant::now();
    for i in 0..planned {
        // Round-robin, with the starting runtime rotating every round so each runtime
        // runs equally often in each position (see the module docs).
        for k in 0..N {
            match (i + k) % N {
                0 => samples[0].push(run_one(&label, w, &gw)),
                1 => samples[1].push(run_one(&label, w, &tk)),
                2 if !smol_runs => {}
                2 => samples[2].push(run_one(&label, w, &sm)),
                _ => samples[DIAG_OFF].push(run_one(&label, w, &off)),
            }
        }
        if i + 1 >= MIN_ITERS && started.elapsed() > cfg.budget {
            break;
        }
    }
    watched(&label, Glasswing::NAME, || drop(gw));
    drop(tk);
    drop(sm);
    watched(&label, GlasswingOff::NAME, || drop(off));

    let diag_cost = paired_overhead(&samples[0], &samples[DIAG_OFF]);
    let row =
        Row { label, iters: samples[0].len(), planned, stats: samples.map(|s| Stats::of(&s)), diag_cost };
    if !cfg.markdown {
        print_row(cfg, &row);
    }
    Some(row)
}

fn selected(cfg: &Config, label: &str) -> bool {
    cfg.filter.as_deref().is_none_or(|f| label.contains(f))
}

/// The label of row `name` on `flavor` in `group` (`""`, `"mem/"`), if `--filter` selects it; then
/// the row is announced on stderr (with `--markdown`).
fn start_row(cfg: &Config, group: &str, flavor: Flavor, name: impl std::fmt::Display) -> Option<String> {
    let prefix = match flavor {
        Flavor::MultiThread(_) => "mt",
        Flavor::CurrentThread => "ct",
    };
    let label = format!("{group}{prefix}/{name}");
    if !selected(cfg, &label) {
        return None;
    }
    progress(cfg, &label);
    Some(label)
}

fn progress(cfg: &Config, label: &str) {
    if cfg.markdown {
        eprintln!("running {label} ...");
    }
}

fn fmt_time(secs: f64) -> String {
    if secs.is_nan() {
        "n/a".to_string()
    } else if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 1e-3 {
        format!("{:.3} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}

/// `1.23x`, or `n/a` for a runtime that skipped the row.
fn fmt_ratio(r: f64) -> String {
    if r.is_nan() {
        "n/a".to_string()
    } else {
        format!("{r:.2}x")
    }
}

fn ratio(row: &Row, i: usize) -> f64 {
    row.stats[i].median / row.stats[TOKIO].median
}

/// The faster of the two peers on this row (smol where it has no median: n/a rows), and runtime
/// `i`'s median over that peer's: the bar is the faster peer, whichever it is on the row.
fn vs_faster_peer(row: &Row, i: usize) -> (&'static str, f64) {
    let (tokio, smol) = (row.stats[TOKIO].median, row.stats[SMOL].median);
    let (name, best) =
        if smol.is_nan() || tokio <= smol { (RUNTIMES[TOKIO], tokio) } else { (RUNTIMES[SMOL], smol) };
    (name, row.stats[i].median / best)
}

/// The median over rounds of `on[i] / off[i]`, minus one: sample `i` of each was taken in the same
/// round, a few milliseconds apart.
fn paired_overhead(on: &[Duration], off: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = on.iter().zip(off).map(|(a, b)| a.as_secs_f64() / b.as_secs_f64()).collect();
    ratios.sort_by(f64::total_cmp);
    median(&ratios) - 1.0
}

fn print_row(cfg: &Config, row: &Row) {
    static HEADER: Once = Once::new();
    HEADER.call_once(|| {
        println!(
            "\n{:<28} {:<12} {:>11} {:>11} {:>11} {:>9}",
            "workload", "runtime", "median", "p10", "p90", "vs tokio"
        );
    });
    let short = if row.iters < row.planned {
        format!("  (budget hit: {} iters)", row.iters)
    } else if row.planned < cfg.iters {
        format!("  ({} iters: workload cap)", row.iters)
    } else {
        String::new()
    };
    for (i, name) in RUNTIMES.iter().enumerate() {
        let s = &row.stats[i];
        println!(
            "{:<28} {:<12} {:>11} {:>11} {:>11} {:>9}{}",
            if i == 0 { row.label.as_str() } else { "" },
            name,
            fmt_time(s.median),
            fmt_time(s.p10),
            fmt_time(s.p90),
            fmt_ratio(ratio(row, i)),
            if i == 0 { short.as_str() } else { "" },
        );
    }
    println!("{:<28} {:<12} {:>+10.1}%", "", "diag cost", row.diag_cost * 100.0);
}

// ---------------------------------------------------------------------------------------
// Timer lateness

/// `1m`, `300k`, `1500`: the count in a row name.
fn short_count(n: usize) -> String {
    // Remainders bound first: `is_multiple_of` is newer than the MSRV.
    let (millions, thousands) = (n % 1_000_000, n % 1_000);
    if millions == 0 {
        format!("{}m", n / 1_000_000)
    } else if thousands == 0 {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// The row `timers/lateness_<n>` (see [`timer_lateness`]), only where `--filter` asks for it by name.
fn bench_lateness(cfg: &Config, flavor: Flavor) -> Option<(String, [timer_lateness::Lateness; N])> {
    let label = format!("timers/lateness_{}", short_count(cfg.lateness_timers));
    if !cfg.filter.as_deref().is_some_and(|f| f.contains("lateness") && label.contains(f)) {
        return None;
    }
    progress(cfg, &label);
    let n = cfg.lateness_timers;
    // Each run takes SPREAD plus the spawning: more than the hang watchdog's default.
    let one = |name: &'static str, f: &dyn Fn() -> timer_lateness::Lateness| {
        let out = watched(&label, name, f);
        thread::sleep(Duration::from_millis(100));
        out
    };
    let results = [
        one(Glasswing::NAME, &|| timer_lateness::run(&Glasswing::build(flavor), n)),
        one(Tokio::NAME, &|| timer_lateness::run(&Tokio::build(flavor), n)),
        one(Smol::NAME, &|| timer_lateness::run(&Smol::build(flavor), n)),
        one(GlasswingOff::NAME, &|| timer_lateness::run(&GlasswingOff::build(flavor), n)),
    ];
    let fmt = |d: Duration| fmt_time(d.as_secs_f64());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<28} {:<12} {:>11} {:>11} {:>11} {:>6} {:>12} {:>9} {:>9}",
        "lateness (mt)", "runtime", "p50", "p99", "max", "early", "heap/task", "cpu", "wall"
    );
    for (i, name) in RUNTIMES.iter().enumerate() {
        let r = &results[i];
        let _ = writeln!(
            out,
            "{:<28} {:<12} {:>11} {:>11} {:>11} {:>6} {:>10.0} B {:>5.2} core {:>7.1} s",
            if i == 0 { label.as_str() } else { "" },
            name,
            fmt(r.p50),
            fmt(r.p99),
            fmt(r.max),
            r.early,
            r.bytes_per_task,
            r.cores,
            r.wall.as_secs_f64(),
        );
    }
    let _ = writeln!(
        out,
        "{} tasks, each sleeping until its own start + a random 0-{} s (the same offsets for every \
         runtime); lateness = the runtime's Instant::now() in the task after the sleep - the deadline; \
         heap/task = live heap per task still sleeping once all were polled; cpu = process CPU time / \
         wall time",
        n,
        timer_lateness::SPREAD.as_secs()
    );
    print!("{out}");
    Some((label, results))
}

// ---------------------------------------------------------------------------------------
// Memory

struct MemRow {
    label: String,
    results: [mem::IdleTaskMem; N],
}

/// One memory measurement, taken the same way on every runtime.
trait MemMeasure {
    type Out: Copy;
    fn measure<R: Rt>(&self, rt: &R) -> Self::Out;
    /// The figure the median round is chosen by.
    fn bytes(out: &Self::Out) -> f64;
}

/// Idle tasks polled this many times before they park (0: never polled, spawned and left), each
/// poll busy for that long.
struct IdleTask(u32, Duration);
impl MemMeasure for IdleTask {
    type Out = mem::IdleTaskMem;
    fn measure<R: Rt>(&self, rt: &R) -> mem::IdleTaskMem {
        match self.0 {
            0 => mem::unpolled_task_mem(rt),
            polls => mem::idle_task_mem(rt, polls, self.1),
        }
    }
    fn bytes(out: &mem::IdleTaskMem) -> f64 {
        out.bytes_per_task
    }
}

struct PendingTimer;
impl MemMeasure for PendingTimer {
    type Out = mem::TimerMem;
    fn measure<R: Rt>(&self, rt: &R) -> mem::TimerMem {
        mem::pending_timer_mem(rt)
    }
    fn bytes(out: &mem::TimerMem) -> f64 {
        out.bytes_per_timer
    }
}

impl MemMeasure for SyncObject {
    type Out = SyncMem;
    fn measure<R: Rt>(&self, rt: &R) -> SyncMem {
        SyncObject::measure(*self, rt)
    }
    fn bytes(out: &SyncMem) -> f64 {
        out.total()
    }
}

fn mem_one<M: MemMeasure, R: Rt>(label: &str, flavor: Flavor, m: &M) -> M::Out {
    watched(label, R::NAME, || {
        let rt = R::build(flavor);
        let out = m.measure(&rt);
        drop(rt);
        out
    })
}

/// The row `mem/{mt,ct}/<name>`, if selected: `MEM_ROUNDS` rounds interleaved across runtimes, and
/// the median round of each by bytes.
fn mem_rounds<M: MemMeasure>(
    cfg: &Config,
    flavor: Flavor,
    name: &str,
    m: &M,
) -> Option<(String, [M::Out; N])> {
    let label = start_row(cfg, "mem/", flavor, name)?;
    let mut rounds: [Vec<M::Out>; N] = Default::default();
    for _ in 0..MEM_ROUNDS {
        rounds[0].push(mem_one::<M, Glasswing>(&label, flavor, m));
        rounds[1].push(mem_one::<M, Tokio>(&label, flavor, m));
        rounds[2].push(mem_one::<M, Smol>(&label, flavor, m));
        rounds[DIAG_OFF].push(mem_one::<M, GlasswingOff>(&label, flavor, m));
    }
    let results = rounds.map(|mut r| {
        r.sort_by(|a, b| M::bytes(a).total_cmp(&M::bytes(b)));
        r[r.len() / 2]
    });
    Some((label, results))
}

/// `mem/{mt,ct}/idle_task` (polled once), `idle_task_1000_polls`, `idle_task_4_busy_polls` (four
/// polls of 5 µs each, which glasswing's workers time, every one: the task keeps measured figures),
/// and on the current-thread runtime only `idle_task_unpolled` (see `mem::unpolled_task_mem`).
fn bench_mem(cfg: &Config, flavor: Flavor, polls: u32, busy: bool) -> Option<MemRow> {
    let name = match (polls, busy) {
        (0, _) => "idle_task_unpolled".to_string(),
        (1, false) => "idle_task".to_string(),
        (n, false) => format!("idle_task_{n}_polls"),
        (n, true) => format!("idle_task_{n}_busy_polls"),
    };
    let busy = if busy { Duration::from_micros(5) } else { Duration::ZERO };
    let (label, results) = mem_rounds(cfg, flavor, &name, &IdleTask(polls, busy))?;
    let row = MemRow { label, results };
    if !cfg.markdown {
        static HEADER: Once = Once::new();
        HEADER.call_once(|| {
            println!(
                "\n{:<28} {:<12} {:>16} {:>18} {:>9}",
                "memory (10,000 idle tasks)", "runtime", "heap", "allocator calls", "vs tokio"
            );
        });
        for (i, name) in RUNTIMES.iter().enumerate() {
            let m = &row.results[i];
            println!(
                "{:<28} {:<12} {:>9.0} B/task {:>8.2} allocs/task {:>8.2}x",
                if i == 0 { row.label.as_str() } else { "" },
                name,
                m.bytes_per_task,
                m.allocs_per_task,
                m.bytes_per_task / row.results[TOKIO].bytes_per_task,
            );
        }
    }
    Some(row)
}

struct TimerMemRow {
    label: String,
    results: [mem::TimerMem; N],
}

fn bench_timer_mem(cfg: &Config, flavor: Flavor) -> Option<TimerMemRow> {
    let (label, results) = mem_rounds(cfg, flavor, "pending_timer", &PendingTimer)?;
    let row = TimerMemRow { label, results };
    if !cfg.markdown {
        static HEADER: Once = Once::new();
        HEADER.call_once(|| {
            println!(
                "\n{:<28} {:<12} {:>17} {:>24} {:>17} {:>9}",
                "memory (100,000 timers)",
                "runtime",
                "heap, boxed",
                "= runtime heap + size_of",
                "allocator calls",
                "vs tokio"
            );
        });
        for (i, name) in RUNTIMES.iter().enumerate() {
            let m = &row.results[i];
            println!(
                "{:<28} {:<12} {:>9.0} B/timer {:>15.0} B + {:>4} B {:>7.2} allocs/timer {:>8.2}x",
                if i == 0 { row.label.as_str() } else { "" },
                name,
                m.bytes_per_timer,
                no_neg_zero(m.runtime_bytes_per_timer),
                m.future_size,
                m.runtime_allocs_per_timer,
                m.bytes_per_timer / row.results[TOKIO].bytes_per_timer,
            );
        }
    }
    Some(row)
}

struct SyncMemRow {
    label: String,
    /// Per waiting task (else per object created).
    per_task: bool,
    results: [SyncMem; N],
}

fn bench_sync_mem(cfg: &Config, flavor: Flavor, obj: SyncObject) -> Option<SyncMemRow> {
    let (label, results) = mem_rounds(cfg, flavor, obj.name(), &obj)?;
    let row = SyncMemRow { label, per_task: obj.is_task(), results };
    if !cfg.markdown {
        static HEADER: Once = Once::new();
        HEADER.call_once(|| {
            println!(
                "\n{:<36} {:<12} {:>10} {:>10} {:>10} {:>8} {:>9}",
                "memory (sync, 10,000 each)", "runtime", "total", "= heap", "+ size_of", "allocs", "vs tokio"
            );
        });
        let unit = if row.per_task { "B/task" } else { "B" };
        for (i, name) in RUNTIMES.iter().enumerate() {
            let m = &row.results[i];
            println!(
                "{:<36} {:<12} {:>4.0} {:<6} {:>8.0} B {:>8} B {:>8.2} {:>8.2}x",
                if i == 0 { row.label.as_str() } else { "" },
                name,
                m.total(),
                unit,
                no_neg_zero(m.heap),
                m.size,
                m.allocs,
                m.total() / row.results[TOKIO].total(),
            );
        }
    }
    Some(row)
}

/// What the sync rows compare and count, printed under them.
fn sync_note(bullet: &str) -> String {
    format!(
        "{bullet}sync rows: glasswing::sync on glasswing, tokio::sync on tokio, and on smol its family's \
         crates: async-channel (mpsc; oneshot = bounded(1)), async-lock (Mutex, Semaphore), \
         async-broadcast (broadcast; watch = a capacity-1 broadcast with overflow on, as the family has \
         no watch). Workloads: mpsc {} messages from 1 or 8 producer tasks to one consumer task \
         (bounded: capacity {}); oneshot_round_trip: {} times create a oneshot, spawn a task that \
         answers through it, await it; mutex_uncontended: {} lock+increment in one task; \
         mutex_contended: {} tasks x {} lock+increment of one Mutex; semaphore: {} tasks x {} \
         acquire, yield_now, release on {} permits; broadcast_fan_out: {} messages to {} receiver \
         tasks, capacity {}; watch: {} updates to {} receiver tasks in changed(); the fan-out rows go \
         in lockstep (the next value is sent once every receiver has seen the last).\n\
         {bullet}sync memory: 10,000 objects created inside the runtime and kept (heap delta per \
         object + size_of the handles kept: (Sender, Receiver), the Mutex<u64>), or 10,000 tasks \
         waiting in lock().await on one held Mutex / in recv().await on their own empty bounded \
         channel (heap delta per task, the task's own allocation included: compare with \
         mem/*/idle_task); median of {MEM_ROUNDS} runs",
        sync_workloads::MPSC_MSGS,
        sync_workloads::MPSC_CAP,
        sync_workloads::ONESHOT_ROUNDS,
        sync_workloads::MUTEX_OPS,
        sync_workloads::SYNC_TASKS,
        sync_workloads::OPS_PER_TASK,
        sync_workloads::SYNC_TASKS,
        sync_workloads::OPS_PER_TASK,
        sync_workloads::SEM_PERMITS,
        sync_workloads::BCAST_MSGS,
        sync_workloads::BCAST_RECEIVERS,
        sync_workloads::BCAST_CAP,
        sync_workloads::WATCH_UPDATES,
        sync_workloads::WATCH_RECEIVERS,
    )
}

// The sync-memory texts say "10,000".
const _: () = assert!(sync_workloads::NUM_SYNC_MEM == 10_000);

/// Rounds to whole bytes, printing a tiny negative delta (a few bytes freed in the window,
/// over 100,000 timers) as `0`, not `-0`.
fn no_neg_zero(bytes: f64) -> f64 {
    // -0.0 + 0.0 is +0.0.
    bytes.round() + 0.0
}

// The timer-memory texts say "100,000".
const _: () = assert!(mem::NUM_PENDING_TIMERS == 100_000);

/// What the timer-memory rows count, printed under them.
fn timer_mem_note(bullet: &str) -> String {
    format!(
        "{bullet}pending timer: a 60 s sleep (glasswing::time::Sleep, tokio::time::Sleep, \
         async_io::Timer), Box::pin'ned, polled once inside the runtime so it registers with \
         the timer driver, and held; 100,000 per runtime, median of {MEM_ROUNDS} runs (a fresh \
         runtime each; smol's timers all live in async-io's one global reactor). Bytes per \
         timer = live-heap delta / 100,000, the box included; it splits into the runtime-side \
         heap (wheel slab, reactor map, ...: the delta minus the boxes, each exactly size_of \
         the future) + size_of the sleep future. Allocator calls exclude the box's one and \
         include short-lived ones (async-io's reactor thread rebuilds part of its timer \
         BTreeMap each time it wakes). A runtime whose timer entry is intrusive (stored \
         inside the future, as tokio's) shows ~0 runtime-side bytes: its whole cost is \
         size_of, paid wherever the future lives (a task's allocation, a box)."
    )
}

// ---------------------------------------------------------------------------------------

fn main() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let cfg = parse_args(cores);
    let mt = Flavor::MultiThread(cfg.workers);
    let ct = Flavor::CurrentThread;
    start_watchdog(cfg.hang);

    let mut header = String::new();
    let md = cfg.markdown;
    let bullet = if md { "- " } else { "" };
    let _ = writeln!(header, "{bullet}machine: {cores} cores (available_parallelism), CPU: {}", cpu_model());
    let _ = writeln!(
        header,
        "{bullet}multi-thread workers: {} (smol: {} executor threads, and the bench thread \
         also runs tasks while in block_on)",
        cfg.workers, cfg.workers
    );
    let _ = writeln!(
        header,
        "{bullet}up to {} timed iterations per runtime (+{WARMUP} warm-up), interleaved \
         round-robin in one process (glasswing → tokio → smol → gw-diag-off, first runtime \
         rotating each round); times are wall time per iteration; in the console output ratio = median / tokio \
         median, in the tables median / the faster peer's median (< 1.00 is faster than both tokio and smol); gw-diag-off is glasswing with Builder::diagnostics(false), \
         and diag cost = the median over rounds of glasswing / gw-diag-off in the same round, - 1",
        cfg.iters
    );
    if rt::recorder_baseline() {
        let _ = writeln!(
            header,
            "{bullet}GLASSWING_BENCH_BASELINE=no-recorder: gw-diag-off has its diagnostics ON and only \
             the flight recorder off (Builder::flight_recorder_capacity(0)), so diag cost is the \
             flight recorder's cost"
        );
    }
    let _ = writeln!(
        header,
        "{bullet}a counting global allocator is installed for the memory rows; outside its \
         window it costs every runtime one relaxed load per allocation"
    );
    let _ = writeln!(
        header,
        "{bullet}timers: glasswing::time and tokio::time (tokio built with enable_all); smol: \
         async_io::Timer, whose reactor is driven by async-io's own \"async-io\" thread (our \
         smol threads use futures_lite's block_on, not async_io::block_on), so on smol a \
         fired timer's wake crosses a thread even on ct; smol's timeout is a two-field \
         struct (future + Timer) shaped like the other two"
    );
    let _ = writeln!(
        header,
        "{bullet}tcp_echo: {} connections x {} round trips of {} bytes on 127.0.0.1, \
         TCP_NODELAY on both ends; glasswing::net, tokio::net, and for smol \
         async_io::Async<std::net::TcpStream> (socket readiness from async-io's reactor, \
         driven by its \"async-io\" thread as for timers); listener bound per iteration \
         before the clock starts, connects included in the time",
        workloads::ECHO_CONNS,
        workloads::ECHO_ROUNDS,
        workloads::ECHO_MSG
    );
    let _ = writeln!(
        header,
        "{bullet}fs rows: glasswing::fs and tokio::fs, both on their blocking pools (no smol column: \
         its async-fs is not a dependency); fs_seq_read_256mib: File::open + read to the end in {} KiB \
         reads; fs_small_files_10k: fs::read of {} files of {} KiB from {} tasks at once; the files \
         are written once before the first fs row (in the page cache when read) and removed at the end",
        workloads::SEQ_CHUNK >> 10,
        workloads::SMALL_FILES,
        workloads::SMALL_FILE_BYTES >> 10,
        workloads::SMALL_CONCURRENCY
    );
    if !md {
        println!("glasswing-bench: glasswing vs tokio vs smol\n");
        print!("{header}");
    }

    let suite_start = Instant::now();
    let busy = SpawnManyRemoteBusy { busy_tasks: 2 * cfg.workers };
    let rows: Vec<Row> = [
        bench(&cfg, mt, &SpawnManyLocal),
        bench(&cfg, mt, &SpawnManyRemoteIdle),
        bench(&cfg, mt, &busy),
        bench(&cfg, mt, &PingPong),
        bench(&cfg, mt, &YieldMany),
        bench(&cfg, mt, &ChainedSpawn),
        bench(&cfg, mt, &TimerFire),
        bench(&cfg, mt, &TimerCancel),
        bench(&cfg, mt, &TimerCancelContended),
        bench(&cfg, mt, &TcpEcho),
        bench(&cfg, mt, &FsSeqRead),
        bench(&cfg, mt, &FsSmallFiles),
        bench(&cfg, mt, &MpscThroughput { bounded: true, producers: 1 }),
        bench(&cfg, mt, &MpscThroughput { bounded: true, producers: 8 }),
        bench(&cfg, mt, &MpscThroughput { bounded: false, producers: 1 }),
        bench(&cfg, mt, &MpscThroughput { bounded: false, producers: 8 }),
        bench(&cfg, mt, &OneshotRoundTrip),
        bench(&cfg, mt, &MutexUncontended),
        bench(&cfg, mt, &MutexContended),
        bench(&cfg, mt, &SemaphoreContended),
        bench(&cfg, mt, &BroadcastFanOut),
        bench(&cfg, mt, &WatchFanOut),
        bench(&cfg, mt, &FanIn),
        bench(&cfg, mt, &SpawnBlocking),
        bench(&cfg, ct, &SpawnManyLocal),
        bench(&cfg, ct, &SpawnManyRemoteIdle),
        bench(&cfg, ct, &PingPong),
        bench(&cfg, ct, &YieldMany),
        bench(&cfg, ct, &ChainedSpawn),
        bench(&cfg, ct, &TimerFire),
        bench(&cfg, ct, &TimerCancel),
        bench(&cfg, ct, &TcpEcho),
        bench(&cfg, ct, &FsSeqRead),
        bench(&cfg, ct, &FsSmallFiles),
        bench(&cfg, ct, &MpscThroughput { bounded: true, producers: 1 }),
        bench(&cfg, ct, &MpscThroughput { bounded: true, producers: 8 }),
        bench(&cfg, ct, &MpscThroughput { bounded: false, producers: 1 }),
        bench(&cfg, ct, &MpscThroughput { bounded: false, producers: 8 }),
        bench(&cfg, ct, &OneshotRoundTrip),
        bench(&cfg, ct, &MutexUncontended),
        bench(&cfg, ct, &MutexContended),
        bench(&cfg, ct, &SemaphoreContended),
        bench(&cfg, ct, &BroadcastFanOut),
        bench(&cfg, ct, &WatchFanOut),
        bench(&cfg, ct, &FanIn),
        bench(&cfg, ct, &SpawnBlocking),
    ]
    .into_iter()
    .flatten()
    .collect();
    workloads::fs_cleanup();
    bench_lateness(&cfg, mt);
    let lat_rows: Vec<latency::LatencyRow> = [
        latency::bench_latency(&cfg, mt, &IdleTcp),
        latency::bench_latency(&cfg, ct, &IdleTcp),
        latency::bench_latency(&cfg, mt, &LongTail),
    ]
    .into_iter()
    .flatten()
    .collect();
    let has_user = rows.iter().any(|r| r.label.contains("/user/")) || !lat_rows.is_empty();

    let mem_rows: Vec<MemRow> = [
        bench_mem(&cfg, mt, 1, false),
        bench_mem(&cfg, mt, 4, true),
        bench_mem(&cfg, mt, 1_000, false),
        bench_mem(&cfg, ct, 0, false),
        bench_mem(&cfg, ct, 1, false),
        bench_mem(&cfg, ct, 4, true),
        bench_mem(&cfg, ct, 1_000, false),
    ]
    .into_iter()
    .flatten()
    .collect();
    let timer_mem_rows: Vec<TimerMemRow> =
        [bench_timer_mem(&cfg, mt), bench_timer_mem(&cfg, ct)].into_iter().flatten().collect();
    let sync_mem_rows: Vec<SyncMemRow> = [mt, ct]
        .into_iter()
        .flat_map(|flavor| SyncObject::ALL.map(|obj| bench_sync_mem(&cfg, flavor, obj)))
        .flatten()
        .collect();
    let has_sync = rows.iter().any(|r| r.label.contains("/sync/")) || !sync_mem_rows.is_empty();

    if md {
        print_markdown(&cfg, &header, &rows, &mem_rows, &timer_mem_rows, &sync_mem_rows, has_sync);
        latency::print_markdown(&lat_rows);
        if has_user {
            println!("\n{}", user_workloads::note("- "));
        }
        eprintln!("total: {:.1} s", suite_start.elapsed().as_secs_f64());
    } else {
        if !timer_mem_rows.is_empty() {
            println!("\n{}", timer_mem_note(""));
        }
        if has_sync {
            println!("\n{}", sync_note(""));
        }
        if has_user {
            println!("\n{}", user_workloads::note(""));
        }
        println!("\ntotal: {:.1} s", suite_start.elapsed().as_secs_f64());
    }
}

fn print_markdown(
    cfg: &Config,
    header: &str,
    rows: &[Row],
    mem_rows: &[MemRow],
    timer_mem_rows: &[TimerMemRow],
    sync_mem_rows: &[SyncMemRow],
    has_sync: bool,
) {
    print!("{header}");
    if !rows.is_empty() {
        println!("\nMedian wall time per iteration (p10–p90 in parentheses):\n");
        println!(
            "| workload | glasswing | tokio | smol | glasswing, diagnostics off | faster peer | glasswing / faster peer | glasswing off / faster peer | diagnostics cost | iters |"
        );
        println!("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        for row in rows {
            let cell = |i: usize| {
                let s = &row.stats[i];
                format!("{} ({}–{})", fmt_time(s.median), fmt_time(s.p10), fmt_time(s.p90))
            };
            let iters = if row.iters < row.planned {
                format!("{} (budget)", row.iters)
            } else if row.planned < cfg.iters {
                format!("{} (cap)", row.iters)
            } else {
                row.iters.to_string()
            };
            let (peer, on) = vs_faster_peer(row, 0);
            println!(
                "| {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {:+.1}% | {} |",
                row.label,
                cell(0),
                cell(1),
                if row.stats[SMOL].median.is_nan() { "n/a".to_string() } else { cell(SMOL) },
                cell(DIAG_OFF),
                peer,
                on,
                vs_faster_peer(row, DIAG_OFF).1,
                row.diag_cost * 100.0,
                iters
            );
        }
    }
    if !mem_rows.is_empty() {
        println!(
            "\nHeap per spawned idle task ({} tasks, each polled once, median of {MEM_ROUNDS} \
             runs; bytes / allocator calls):\n",
            mem::NUM_IDLE
        );
        println!("| workload | glasswing | tokio | smol | glasswing / tokio | smol / tokio | glasswing, diagnostics off |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for row in mem_rows {
            let cell = |i: usize| {
                let m = &row.results[i];
                format!("{:.0} B / {:.2}", m.bytes_per_task, m.allocs_per_task)
            };
            let tokio = row.results[TOKIO].bytes_per_task;
            println!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {} |",
                row.label,
                cell(0),
                cell(1),
                cell(2),
                row.results[0].bytes_per_task / tokio,
                row.results[2].bytes_per_task / tokio,
                cell(DIAG_OFF)
            );
        }
    }
    if !timer_mem_rows.is_empty() {
        println!(
            "\nHeap per pending timer (100,000 timers; bytes per timer with its boxed sleep \
             future = runtime-side bytes + size_of the sleep future / runtime-side allocator \
             calls per timer):\n"
        );
        println!("| workload | glasswing | tokio | smol | glasswing / tokio | smol / tokio |");
        println!("|---|---:|---:|---:|---:|---:|");
        for row in timer_mem_rows {
            let cell = |i: usize| {
                let m = &row.results[i];
                format!(
                    "{:.0} B = {:.0} + {} B / {:.2}",
                    m.bytes_per_timer,
                    no_neg_zero(m.runtime_bytes_per_timer),
                    m.future_size,
                    m.runtime_allocs_per_timer
                )
            };
            let tokio = row.results[TOKIO].bytes_per_timer;
            println!(
                "| {} | {} | {} | {} | {:.2} | {:.2} |",
                row.label,
                cell(0),
                cell(1),
                cell(2),
                row.results[0].bytes_per_timer / tokio,
                row.results[2].bytes_per_timer / tokio
            );
        }
        println!("\n{}", timer_mem_note("- "));
    }
    if !sync_mem_rows.is_empty() {
        println!(
            "\nHeap per sync object and per waiting task (10,000 each; total = heap + size_of the \
             handles kept / allocator calls; waiting tasks: the heap delta per task, task included):\n"
        );
        println!("| workload | glasswing | tokio | smol | glasswing / tokio | smol / tokio | glasswing, diagnostics off |");
        println!("|---|---:|---:|---:|---:|---:|---:|");
        for row in sync_mem_rows {
            let cell = |i: usize| {
                let m = &row.results[i];
                if row.per_task {
                    format!("{:.0} B / {:.2}", m.total(), m.allocs)
                } else {
                    format!(
                        "{:.0} B = {:.0} + {} B / {:.2}",
                        m.total(),
                        no_neg_zero(m.heap),
                        m.size,
                        m.allocs
                    )
                }
            };
            let tokio = row.results[TOKIO].total();
            println!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {} |",
                row.label,
                cell(0),
                cell(1),
                cell(2),
                row.results[0].total() / tokio,
                row.results[2].total() / tokio,
                cell(DIAG_OFF)
            );
        }
    }
    if has_sync {
        println!("\n{}", sync_note("- "));
    }
}
