//! HTTP hello-world on hyper 1.x, glasswing vs tokio, under `wrk`: requests per second and p99
//! latency.
//!
//! `cargo run --release -p glasswing-bench --bin http -- [--rounds N] [--secs S] [--conns C] [--workers W] [--body B]`
//! (`--serve-only glasswing|tokio` serves one of them until killed, printing its address: for
//! profiling a server on its own).
//!
//! Both servers run in this process, each on its own multi-thread runtime with `W` workers (default:
//! the cores) and its own port, serving the same hyper HTTP/1.1 service (`Hello, World!`, or with
//! `--body B` a body of `B` bytes, e.g. 16384; keep-alive).
//! `wrk` (one thread, `C` connections, `S` seconds) is run against each in turn, alternating for
//! `N` rounds so that drift on a shared machine lands on both; the table gives the median of the
//! rounds. wrk shares the machine's cores with the server, the same for both. If `wrk` is missing it
//! says how to install it (`apt-get install wrk`) and exits with status 2.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::{self, Command};

/// The response body: `Hello, World!`, or `--body`'s bytes. Set once, before the servers start.
static BODY: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = BODY.get().cloned().unwrap_or_else(|| Bytes::from_static(b"Hello, World!\n"));
    Ok(Response::new(Full::new(body)))
}

fn glasswing_server(workers: usize) -> (glasswing::runtime::Runtime, SocketAddr) {
    use glasswing::hyper::GlasswingTimer;
    let rt = glasswing::runtime::Builder::new_multi_thread().worker_threads(workers).build().unwrap();
    let listener = rt.block_on(glasswing::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            glasswing::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(GlasswingTimer)
                    .serve_connection(stream, hyper::service::service_fn(hello))
                    .await;
            });
        }
    });
    (rt, addr)
}

fn tokio_server(workers: usize) -> (tokio::runtime::Runtime, SocketAddr) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
                    .await;
            });
        }
    });
    (rt, addr)
}

/// Requests per second and p99 latency (ms) from one wrk run.
fn wrk(addr: SocketAddr, secs: u64, conns: usize) -> (f64, f64) {
    let output = Command::new("wrk")
        .args(["-t1", &format!("-c{conns}"), &format!("-d{secs}s"), "--latency", &format!("http://{addr}/")])
        .output()
        .unwrap_or_else(|e| {
            eprintln!(
                "could not run wrk ({e}); install it with `apt-get install wrk` (or your system's package)"
            );
            process::exit(2)
        });
    let text = String::from_utf8_lossy(&output.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"));
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| parse_latency(v.trim()))
        .unwrap_or_else(|| panic!("no 99% latency in wrk's output:\n{text}"));
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        eprintln!("warning: wrk reported errors:\n{text}");
    }
    (rps, p99)
}

/// wrk prints latencies as `812.00us`, `1.23ms` or `1.01s`; returns milliseconds.
fn parse_latency(v: &str) -> f64 {
    let (number, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('s') {
        (n, 1e3)
    } else {
        (v, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * scale
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut rounds, mut secs, mut conns, mut workers) = (3usize, 5u64, 64usize, cores);
    let mut serve_only = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--serve-only" {
            serve_only = args.next();
            continue;
        }
        let mut value = || args.next().and_then(|v| v.parse::<u64>().ok()).expect("a number after the flag");
        match arg.as_str() {
            "--rounds" => rounds = value() as usize,
            "--secs" => secs = value(),
            "--conns" => conns = value() as usize,
            "--workers" => workers = value() as usize,
            "--body" => {
                BODY.set(Bytes::from(vec![b'x'; value() as usize])).expect("one --body");
            }
            _ => {
                eprintln!(
                    "usage: http [--rounds N] [--secs S] [--conns C] [--workers W] [--body B] [--serve-only glasswing|tokio]"
                );
                process::exit(2)
            }
        }
    }
    if let Some(name) = serve_only {
        // For profiling one server on its own: print its address and serve until killed.
        let addr = match name.as_str() {
            "glasswing" => Box::leak(Box::new(glasswing_server(workers))).1,
            "tokio" => Box::leak(Box::new(tokio_server(workers))).1,
            other => panic!("--serve-only glasswing|tokio, not {other}"),
        };
        println!("{addr}");
        loop {
            std::thread::park();
        }
    }
    let (_g, g_addr) = glasswing_server(workers);
    let (_t, t_addr) = tokio_server(workers);
    // Warm-up: connections, allocator, page cache.
    wrk(g_addr, 1, conns);
    wrk(t_addr, 1, conns);
    let (mut g, mut t) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate who goes first.
        if round % 2 == 0 {
            g.push(wrk(g_addr, secs, conns));
            t.push(wrk(t_addr, secs, conns));
        } else {
            t.push(wrk(t_addr, secs, conns));
            g.push(wrk(g_addr, secs, conns));
        }
        eprintln!(
            "round {}: glasswing {:.0} req/s p99 {:.2} ms, tokio {:.0} req/s p99 {:.2} ms",
            round + 1,
            g[round].0,
            g[round].1,
            t[round].0,
            t[round].1
        );
    }
    let (g_rps, g_p99) = (median(g.iter().map(|r| r.0).collect()), median(g.iter().map(|r| r.1).collect()));
    let (t_rps, t_p99) = (median(t.iter().map(|r| r.0).collect()), median(t.iter().map(|r| r.1).collect()));
    let body = BODY.get().map_or(14, Bytes::len);
    println!(
        "machine: {cores} cores; server workers: {workers}; body {body} B; wrk -t1 -c{conns} -d{secs}s, {rounds} rounds, medians"
    );
    println!("| server | requests/s | p99 latency | req/s vs tokio | p99 vs tokio |");
    println!("|---|---|---|---|---|");
    println!(
        "| glasswing + hyper | {g_rps:.0} | {g_p99:.2} ms | {:.2}x | {:.2}x |",
        g_rps / t_rps,
        g_p99 / t_p99
    );
    println!("| tokio + hyper | {t_rps:.0} | {t_p99:.2} ms | 1.00x | 1.00x |");
}
