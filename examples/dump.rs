//! Where is every task stuck? A small service that hangs, and the task dump that says where, with no
//! annotation in its code; then the flight recorder's timeline of the last moments, for Perfetto.
//!
//! The bugs: `start_service` waits for a config whose sender was stored and forgotten, and the
//! `supervisor` waits for `start_service`; a client connected and never sent its request; and
//! `compress` runs a blocking call inside an async fn, stalling a worker while the dump is taken.
//! The dump shows each chain of async fns down to its leaf (the oneshot, the socket read, the
//! JoinHandle), the three identical cache refreshers as one tree, and the blocked poll with the
//! stack the watchdog captured.
//!
//! `cargo run --example dump` (writes the timeline to `target/glasswing-trace.json`: open it at
//! <https://ui.perfetto.dev>)

use glasswing::io::AsyncReadExt;
use glasswing::net::{TcpListener, TcpStream};
use glasswing::runtime::Builder;
use glasswing::sync::oneshot;
use glasswing::task::JoinHandle;
use std::sync::mpsc;
use std::time::Duration;

struct Config {
    workers: usize,
}

async fn fetch_config(rx: oneshot::Receiver<Config>) -> Config {
    rx.await.unwrap_or(Config { workers: 1 })
}

async fn start_service(rx: oneshot::Receiver<Config>) -> usize {
    let config = fetch_config(rx).await;
    config.workers
}

async fn supervisor(service: JoinHandle<usize>) {
    let workers = service.await.unwrap();
    println!("service started with {workers} workers");
}

async fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut buf = vec![0; 1024];
    let n = stream.read(&mut buf).await.unwrap_or(0);
    buf.truncate(n);
    buf
}

async fn handle_connection(mut stream: TcpStream) {
    let request = read_request(&mut stream).await;
    println!("request of {} bytes", request.len());
}

async fn accept_loop(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        glasswing::spawn(handle_connection(stream));
    }
}

async fn refresh_cache() {
    loop {
        glasswing::time::sleep(Duration::from_secs(60)).await;
    }
}

fn compress_blocking(release: &mpsc::Receiver<()>) {
    // BUG: a blocking wait inside an async fn: the worker can run nothing else meanwhile.
    let _ = release.recv_timeout(Duration::from_secs(2));
}

async fn compress(release: mpsc::Receiver<()>) {
    glasswing::task::yield_now().await;
    compress_blocking(&release);
}

fn main() {
    let (caught_tx, caught) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_millis(50))
        .on_long_poll(move |poll| {
            let _ = caught_tx.send(poll.finished);
        })
        .build()
        .unwrap();
    // BUG: the config's sender is kept, never used: `fetch_config` waits forever.
    let (_config_tx, config_rx) = oneshot::channel::<Config>();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let (release_tx, release) = mpsc::channel();
    rt.block_on(async {
        let service =
            glasswing::task::Builder::new().name("service").spawn(start_service(config_rx)).unwrap();
        glasswing::task::Builder::new().name("supervisor").spawn(supervisor(service)).unwrap();
        glasswing::spawn(accept_loop(listener));
        for _ in 0..3 {
            glasswing::spawn(refresh_cache());
        }
        glasswing::task::Builder::new().name("compress").spawn(compress(release)).unwrap();
    });
    // A client that connects and never sends its request.
    let _client = std::net::TcpStream::connect(addr).unwrap();
    // Once the watchdog has caught `compress` blocking its worker, every other task is where it
    // will stay.
    assert!(!caught.recv().unwrap(), "the watchdog reports the poll while it runs");
    std::thread::sleep(Duration::from_millis(50));

    let dump = rt.handle().dump();
    println!("{dump}");

    release_tx.send(()).unwrap();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let path = workspace.join("target/glasswing-trace.json");
    match rt.handle().diagnostics().write_trace(&path) {
        Ok(()) => {
            println!("flight recorder timeline: {} (open it at https://ui.perfetto.dev)", path.display())
        }
        Err(e) => println!("could not write the timeline: {e}"),
    }
    // Shut down before the forgotten sender and the silent client go away.
    drop(rt);
}
