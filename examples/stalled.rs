//! A bug diagnostics find: a task waiting on something that will never come.
//!
//! `job-runner` waits for a job on a oneshot channel whose sender was stored in a struct and
//! forgotten, so it is never dropped and never used: the receiver waits forever, holding a perfectly
//! valid waker. That is not a lost waker (something *could* wake it), so the runtime reports it as
//! stalled once it has been idle longer than `Builder::stall_threshold` (10 s by default; 300 ms
//! here), with where it waits: `recv on oneshot (created at examples/stalled.rs:27)`, nothing sent
//! yet, the sender alive.
//!
//! `cargo run --example stalled`

use glasswing::runtime::Builder;
use glasswing::sync::oneshot;
use std::time::Duration;

struct Dispatcher {
    // BUG: kept alive but never used, so the job never arrives and the channel never closes.
    _job: oneshot::Sender<String>,
}

fn main() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .stall_threshold(Duration::from_millis(300))
        .build()
        .unwrap();
    let (tx, rx) = oneshot::channel::<String>();
    let _dispatcher = Dispatcher { _job: tx };
    rt.block_on(async {
        glasswing::task::Builder::new()
            .name("job-runner")
            .spawn(async move {
                if let Ok(job) = rx.await {
                    println!("running {job}");
                }
            })
            .unwrap();
        // Long enough for the task to go past the stall threshold.
        glasswing::time::sleep(Duration::from_millis(500)).await;
    });
    println!("{}", rt.handle().diagnostics().snapshot().report());
}
