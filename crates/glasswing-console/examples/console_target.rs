//! A Glasswing program with the console on, for `glasswing-console` to look at (the tmux test
//! drives it; run it by hand to try the terminal UI):
//!
//! ```text
//! cargo run -p glasswing-console --example console_target -- /tmp/release-the-blocker
//! glasswing-console http://127.0.0.1:<the port it prints>
//! ```
//!
//! It has named tasks of different weights (`alpha-busy` busiest, the `gamma-N`s), `beta-idle`
//! waiting on a oneshot at the bottom of an async fn chain (its dump shows the chain), a
//! `delta-waiter` waiting for a `Mutex` that `holder` keeps (the resources view), and `blocker`,
//! whose poll blocks its worker until the file named by the first argument exists (a planted long
//! poll, released when the file appears). A second argument, a number, adds that many idle
//! `filler-N` tasks (to see the console at scale: `-- /tmp/f 20000`). It prints
//! `console: http://127.0.0.1:<port>` on stdout once the console listens, and exits when its stdin
//! closes.

use glasswing::sync::{oneshot, Mutex};
use glasswing::time::sleep;
use std::future::Future;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let release: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: console_target <a file path: the blocker's poll ends when it exists> [N fillers]");
    let fillers: usize = std::env::args().nth(2).map_or(0, |n| n.parse().expect("a number of filler tasks"));
    let rt = glasswing::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .name("console-target")
        .enable_all()
        // Port 0: the OS picks a free one, printed below.
        .console("127.0.0.1:0")
        .build()
        .expect("the runtime with its console");
    let addr = rt.handle().console_addr().expect("the console is on");

    // Ends the program when the test (or the person) closes stdin.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });

    rt.block_on(async move {
        spawn("alpha-busy", work_loop(400, Duration::from_millis(50)));
        for (i, weight) in [(1, 200), (2, 100), (3, 50)] {
            spawn(&format!("gamma-{i}"), work_loop(weight, Duration::from_millis(100)));
        }

        let (never_tx, never_rx) = oneshot::channel::<()>();
        spawn("beta-idle", idle_outer(never_rx));

        let lock = Arc::new(Mutex::new(()));
        let held = lock.clone().lock_owned().await;
        let waiter = lock.clone();
        spawn("delta-waiter", async move {
            let _guard = waiter.lock().await;
        });
        spawn("holder", async move {
            let _held = held;
            glasswing::task::park_forever::<()>().await;
        });

        spawn("blocker", async move {
            // Its first poll blocks the worker until the file exists: a long poll the watchdog
            // reports with this frame on the worker's stack.
            block_until_exists(&release);
        });

        for i in 0..fillers {
            spawn(&format!("filler-{i}"), sleep(Duration::from_secs(3600 + i as u64)));
        }

        // Said after every task exists, so that the first screen lists them all.
        println!("console: http://{addr}");
        std::io::stdout().flush().unwrap();
        let _keep = never_tx;
        glasswing::task::park_forever::<()>().await;
    });
}

/// Spawns a named task (where it is called from is its spawn location).
#[track_caller]
fn spawn<F: Future<Output = ()> + Send + 'static>(name: &str, task: F) {
    glasswing::task::Builder::new().name(name).spawn(task).expect("spawn");
}

/// A task that works (spins for `busy_us` µs per poll) and sleeps, forever: busy time in
/// proportion to `busy_us`, each poll well under the long-poll threshold (10 ms).
async fn work_loop(busy_us: u64, pause: Duration) {
    loop {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_micros(busy_us) {
            std::hint::spin_loop();
        }
        sleep(pause).await;
    }
}

async fn idle_outer(rx: oneshot::Receiver<()>) {
    idle_inner(rx).await;
}

async fn idle_inner(rx: oneshot::Receiver<()>) {
    let _ = rx.await;
}

#[inline(never)]
fn block_until_exists(path: &std::path::Path) {
    while !path.exists() {
        // The program blocking its worker on purpose; what it waits for is the test's file.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
