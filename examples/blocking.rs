//! A bug diagnostics find: async functions that block their worker thread.
//!
//! `load_config` calls `std::thread::sleep` (a blocking call where `glasswing::time::sleep(..).await`
//! was meant) and `checksum` runs a long CPU loop without yielding. While either runs, its worker can
//! run nothing else. The watchdog reports each poll that runs past the long-poll threshold while it
//! still runs, with the worker's stack captured at that moment: the report names the function and
//! the line.
//!
//! `cargo run --example blocking`

use glasswing::runtime::Builder;
use std::time::{Duration, Instant};

async fn load_config() -> usize {
    // BUG: blocks the worker for 200 ms.
    std::thread::sleep(Duration::from_millis(200));
    42
}

async fn checksum(data: &[u8]) -> u64 {
    // BUG: ~0.2 s of CPU without a single `.await`.
    let deadline = Instant::now() + Duration::from_millis(200);
    let mut sum = 0u64;
    while Instant::now() < deadline {
        sum = data.iter().fold(sum, |acc, &b| acc.wrapping_mul(31).wrapping_add(u64::from(b)));
    }
    sum
}

fn main() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .on_long_poll(|poll| {
            if !poll.finished {
                println!("watchdog, while it runs: {poll}");
            }
        })
        .build()
        .unwrap();
    rt.block_on(async {
        let config = glasswing::task::Builder::new().name("load-config").spawn(load_config()).unwrap();
        let sum = glasswing::task::Builder::new()
            .name("checksum")
            .spawn(async { checksum(&[1, 2, 3, 4, 5, 6, 7, 8]).await })
            .unwrap();
        let (config, sum) = (config.await.unwrap(), sum.await.unwrap());
        println!("config {config}, checksum {sum:x}");
    });
    // The watchdog symbolizes each stack after capturing it; wait (bounded) for both reports.
    let diagnostics = rt.handle().diagnostics();
    let deadline = Instant::now() + Duration::from_secs(10);
    while diagnostics.long_polls().iter().filter(|p| p.finished).count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("\n{}", diagnostics.snapshot().report());
}
