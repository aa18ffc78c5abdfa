//! What the console costs (issue 19, item 6), in two parts:
//!
//! - `console_cost scale [tasks]`: with 20,000 live tasks (idle, each awaiting a oneshot), the
//!   time and size of the console's answers a client asks for every second (`/api/tasks?limit=100`,
//!   one `/api/events` tick, `/api/groups`, `/api/overview`) beside the whole snapshot
//!   (`Diagnostics::snapshot().to_json()`, what a console without paging would send) and
//!   `/api/snapshot` at its cap. Medians of 5.
//! - `console_cost throughput [rounds] [workload...]`: a workload of the bench suite on a
//!   2-worker runtime with the console off, then on with a simulated browser attached (a thread
//!   holding `/api/events` open and reading every event, another GETting `/api/overview` every
//!   second), in interleaved rounds (off, on, on, off, off, on...: drift on a shared machine, and whatever a round
//!   leaves to the next, hit both alike),
//!   each round a fresh runtime running the workload for about 2 s (so that a round sees a couple
//!   of the console's ticks); prints each mode's median throughput and their ratio. On a shared
//!   machine that ratio is noise a few percent wide, so it also prints what the console's own
//!   threads took (their CPU time, Linux's schedstat, plus the overviews' answer times) as a share
//!   of the two workers' time: what the console can take from the workload at most. Workloads:
//!   yield_many (the default), spawn_many_local, ping_pong, chained_spawn. `CONSOLE_COST_IDLE=1`
//!   leaves the console on with nobody attached (its accepting thread blocked in `accept`: the
//!   control that shows how wide the noise is).
//!
//! Run it in release: `cargo run --release -p glasswing-bench --bin console_cost -- scale`.

#[allow(dead_code)]
#[path = "../rt.rs"]
mod rt;
#[allow(dead_code)]
#[path = "../sync.rs"]
mod sync;
#[allow(dead_code)]
#[path = "../workloads.rs"]
mod workloads;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use workloads::Workload;

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("scale") => scale(args.next().map_or(20_000, |n| n.parse().expect("tasks: a number"))),
        Some("throughput") => {
            let rounds = args.next().map_or(7, |n| n.parse().expect("rounds: a number"));
            let names: Vec<String> = args.collect();
            let names = if names.is_empty() { vec!["yield_many".to_string()] } else { names };
            for name in names {
                match name.as_str() {
                    "yield_many" => throughput(&workloads::YieldMany, rounds),
                    "spawn_many_local" => throughput(&workloads::SpawnManyLocal, rounds),
                    "ping_pong" => throughput(&workloads::PingPong, rounds),
                    "chained_spawn" => throughput(&workloads::ChainedSpawn, rounds),
                    other => {
                        panic!("no workload {other}: yield_many, spawn_many_local, ping_pong, chained_spawn")
                    }
                }
            }
        }
        _ => {
            eprintln!("usage: console_cost scale [tasks] | console_cost throughput [rounds] [workload...]");
            std::process::exit(2);
        }
    }
}

fn runtime(console: bool) -> glasswing::runtime::Runtime {
    let mut builder = glasswing::runtime::Builder::new_multi_thread();
    builder.worker_threads(2).diagnostics_verbosity(glasswing::diag::Verbosity::Off);
    if console {
        builder.console("127.0.0.1:0");
    }
    builder.build().expect("build the runtime")
}

/// GETs `path`: the body's size and how long the whole answer took.
fn get(addr: SocketAddr, path: &str) -> (usize, Duration) {
    try_get(addr, path).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn try_get(addr: SocketAddr, path: &str) -> std::io::Result<(usize, Duration)> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n")?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let elapsed = start.elapsed();
    let head = bytes.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |at| at + 4);
    if !bytes.starts_with(b"HTTP/1.1 200") {
        // A 503 when the runtime goes meanwhile.
        let said = String::from_utf8_lossy(&bytes).into_owned();
        return Err(std::io::Error::other(said));
    }
    Ok((bytes.len() - head, elapsed))
}

/// Opens `/api/events`, past its head.
fn open_events(addr: SocketAddr, query: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET /api/events{query} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
    }
    reader
}

/// Reads one event: its size in bytes (None when the stream ended).
fn next_event(reader: &mut BufReader<TcpStream>) -> Option<usize> {
    let mut size = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        size += line.len();
        if line == "\n" && size > 1 {
            return Some(size);
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn scale(tasks: usize) {
    let rt = runtime(true);
    let addr = rt.handle().console_addr().unwrap();
    let senders: Vec<_> = rt.block_on(async {
        let senders: Vec<_> = (0..tasks)
            .map(|i| {
                let (tx, rx) = glasswing::sync::oneshot::channel::<()>();
                let name = format!("conn-{}", i % 50);
                glasswing::task::Builder::new().name(&name).spawn(async move { rx.await.ok() }).unwrap();
                tx
            })
            .collect();
        glasswing::time::sleep(Duration::from_millis(100)).await;
        senders
    });
    if let Ok(path) = std::env::var("CONSOLE_COST_LOOP") {
        // For a profiler: one route, over and over.
        for _ in 0..100 {
            get(addr, &path);
        }
        return;
    }
    println!("{tasks} live tasks, 2 workers; medians of 5");
    let report = |what: &str, samples: Vec<(usize, Duration)>| {
        let bytes = median(samples.iter().map(|s| s.0 as f64).collect());
        let ms = median(samples.iter().map(|s| s.1.as_secs_f64() * 1e3).collect());
        println!("{what:<36} {ms:>9.2} ms {:>12.0} bytes", bytes);
    };
    let five = |f: &dyn Fn() -> (usize, Duration)| (0..5).map(|_| f()).collect::<Vec<_>>();
    report(
        "snapshot().to_json() (everything)",
        five(&|| {
            let start = Instant::now();
            let json = rt.handle().diagnostics().snapshot().to_json();
            (json.len(), start.elapsed())
        }),
    );
    report("GET /api/snapshot?limit=10000", five(&|| get(addr, "/api/snapshot?limit=10000")));
    report("GET /api/snapshot (limit 1000)", five(&|| get(addr, "/api/snapshot")));
    report("GET /api/tasks?limit=100", five(&|| get(addr, "/api/tasks?limit=100")));
    report(
        "GET /api/tasks?filter=conn-7&limit=100",
        five(&|| get(addr, "/api/tasks?filter=conn-7&limit=100")),
    );
    report("GET /api/groups", five(&|| get(addr, "/api/groups")));
    report("GET /api/overview", five(&|| get(addr, "/api/overview")));
    // An event stream: the first event (every top row) and the next ones (deltas), timed from the
    // request to the first event's end, then between events (one second apart, by design).
    let mut first = Vec::new();
    let mut later = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let mut events = open_events(addr, "?limit=50");
        first.push((next_event(&mut events).unwrap(), start.elapsed()));
        later.push((next_event(&mut events).unwrap(), Duration::ZERO));
    }
    report("/api/events first tick (50 rows)", first);
    // Sent a second later: its size only.
    let sizes: Vec<f64> = later.iter().map(|s| s.0 as f64).collect();
    println!("{:<36} {:>12} {:>12.0} bytes", "/api/events next tick (delta)", "-", median(sizes));
    drop(senders);
}

/// The simulated browser: an event stream read to its end, and an overview every second.
struct Browser {
    stop: Arc<AtomicBool>,
    reader: std::thread::JoinHandle<usize>,
    poller: std::thread::JoinHandle<(usize, Duration)>,
}

/// What the browser saw in a round, and what serving it cost.
#[derive(Default)]
struct Served {
    events: usize,
    overviews: usize,
    /// CPU time of the console's threads alive at the round's end (the accepting thread and the
    /// event stream's), plus the overviews' answer times (an upper bound of their threads' CPU
    /// time, gone with them).
    console_time: Duration,
    /// The round's wall time with the browser attached.
    wall: Duration,
}

impl Browser {
    fn attach(addr: SocketAddr) -> Browser {
        let stop = Arc::new(AtomicBool::new(false));
        let mut events = open_events(addr, "?limit=50");
        next_event(&mut events).expect("a first event");
        let reader = std::thread::spawn(move || {
            let mut n = 1;
            while next_event(&mut events).is_some() {
                n += 1;
            }
            n
        });
        let stopping = stop.clone();
        let poller = std::thread::spawn(move || {
            let (mut n, mut took) = (0, Duration::ZERO);
            while !stopping.load(Ordering::Relaxed) {
                // The runtime may go between the check and the request: the browser goes too.
                match try_get(addr, "/api/overview") {
                    Ok((_, t)) => took += t,
                    Err(_) => break,
                }
                n += 1;
                // Not a synchronization: the browser's refresh period.
                std::thread::sleep(Duration::from_secs(1));
            }
            (n, took)
        });
        Browser { stop, reader, poller }
    }

    /// Stops its overviews (before the runtime goes, which then ends the event stream).
    fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for it, once the runtime (and its console, which ends the event stream) is gone.
    fn detach(self, mut served: Served) -> Served {
        served.events = self.reader.join().unwrap();
        let (overviews, took) = self.poller.join().unwrap();
        served.overviews = overviews;
        served.console_time += took;
        served
    }
}

/// The CPU time of this process's threads named `glasswing-console*` (Linux: their schedstat;
/// zero elsewhere).
fn console_threads_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.starts_with("glasswing-conso") {
            let stat = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
            ns += stat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

/// One round: a fresh runtime, the workload repeated for about 2 s; iterations per second.
fn round<W: Workload>(workload: &W, console: bool) -> (f64, Option<Served>) {
    let rt = rt::GlasswingRt::<true>::from_runtime(runtime(console));
    // Warm up (thread start, first allocations), untimed.
    workload.run(&rt);
    let attached = Instant::now();
    // `CONSOLE_COST_IDLE=1`: the console on, and nobody attached (what it costs just to be on).
    let attach = console && std::env::var_os("CONSOLE_COST_IDLE").is_none();
    let browser = attach.then(|| Browser::attach(glasswing_addr(&rt)));
    let (mut iterations, mut busy) = (0u64, Duration::ZERO);
    while busy < Duration::from_secs(2) {
        busy += workload.run(&rt);
        iterations += 1;
    }
    let served = browser.as_ref().map(|browser| {
        browser.stop();
        Served { console_time: console_threads_cpu(), wall: attached.elapsed(), ..Served::default() }
    });
    drop(rt);
    let served = browser.zip(served).map(|(browser, served)| browser.detach(served));
    (iterations as f64 / busy.as_secs_f64(), served)
}

fn glasswing_addr(rt: &rt::GlasswingRt<true>) -> SocketAddr {
    use rt::Rt;
    rt.block_on(async { glasswing::runtime::Handle::current().console_addr().expect("the console is on") })
}

fn throughput<W: Workload>(workload: &W, rounds: usize) {
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let mut shares = Vec::new();
    let (mut events, mut overviews) = (0, 0);
    for i in 0..rounds {
        // Off then on, then on then off: whatever a round leaves to the next hits both alike.
        let (rate, served) = if i % 2 == 0 {
            off.push(round(workload, false).0);
            round(workload, true)
        } else {
            let on = round(workload, true);
            off.push(round(workload, false).0);
            on
        };
        on.push(rate);
        let served = served.unwrap_or_default();
        events += served.events;
        overviews += served.overviews;
        // The console's time, as a share of what two workers had in the round.
        shares.push(served.console_time.as_secs_f64() / (2.0 * served.wall.as_secs_f64().max(1e-9)) * 100.0);
    }
    let (off, on) = (median(off), median(on));
    println!(
        "mt/{:<18} 2 workers, {rounds} rounds each: console off {off:.1}/s, on with a browser {on:.1}/s: \
         {:.2}% of off; the console's threads' time: {:.3}% of 2 workers' ({events} events and \
         {overviews} overviews served)",
        workload.name(),
        on / off * 100.0,
        median(shares),
    );
}
