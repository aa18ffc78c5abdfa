//! What the diagnostics cost in memory in a real server: a hyper hello-world on glasswing whose
//! handler blocks 50 ms once, so that the watchdog reports a long poll with the worker's stack
//! (and symbolizes it), then the process's peak and current resident memory.
//!
//! `cargo run --release -p glasswing-bench --bin http_rss -- [--diag-off] [--requests N]`
//!
//! The server runs on a multi-thread runtime (2 workers); a client in this process sends `N`
//! requests (default 2000) on a few keep-alive connections, the first of which blocks; once the
//! long poll's stack is reported (or after the requests, with diagnostics off) it prints
//! `VmHWM` and `VmRSS` (and `VmRSS`'s anonymous and file-backed parts) from `/proc/self/status`, in kB, and the stack's first shown frame.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

static BLOCKED: AtomicBool = AtomicBool::new(false);

#[inline(never)]
fn block_once() {
    if !BLOCKED.swap(true, Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    block_once();
    Ok(Response::new(Full::new(Bytes::from_static(b"Hello, World!\n"))))
}

fn status(field: &str) -> String {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .map(|v| v.trim().trim_end_matches(" kB").to_string())
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let mut diag = true;
    let mut requests = 2000usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--diag-off" => diag = false,
            "--requests" => requests = args.next().and_then(|n| n.parse().ok()).expect("--requests N"),
            _ => panic!("unknown argument {arg}"),
        }
    }
    let (reported, report) = mpsc::channel::<String>();
    let reported = std::sync::Mutex::new(reported);
    let rt = glasswing::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .diagnostics(diag)
        .on_long_poll(move |poll| {
            if !poll.finished {
                let frame = poll.blocking_frame().map_or_else(|| "<none>".to_string(), |f| f.label());
                let _ = reported.lock().unwrap().send(frame);
            }
        })
        .build()
        .unwrap();
    let listener = rt.block_on(glasswing::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            glasswing::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(glasswing::hyper::GlasswingTimer)
                    .serve_connection(stream, hyper::service::service_fn(hello))
                    .await;
            });
        }
    });
    let clients: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                let mut buf = [0u8; 4096];
                for _ in 0..requests / 4 {
                    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
                    let mut got = Vec::new();
                    while !got.ends_with(b"Hello, World!\n") {
                        let n = stream.read(&mut buf).unwrap();
                        assert!(n > 0, "the server closed the connection");
                        got.extend_from_slice(&buf[..n]);
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let frame = if diag {
        report.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|_| "<no report>".into())
    } else {
        "-".into()
    };
    println!(
        "diag={} VmHWM={} kB VmRSS={} kB (RssAnon={} kB RssFile={} kB) frame={frame}",
        if diag { "on" } else { "off" },
        status("VmHWM:"),
        status("VmRSS:"),
        status("RssAnon:"),
        status("RssFile:")
    );
}
