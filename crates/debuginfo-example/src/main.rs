//! A small program whose stacks are known, which `crates/glasswing/tests/debuginfo.rs` builds at
//! every debug-information level (`debug = 0`, `"line-tables-only"`, `1`, `2`, and the dev
//! profile) to check that the diagnostics name its functions at each.
//!
//! `reload_config` blocks its worker in `spin_parse_config`; `outer_level` waits in a chain of
//! async fns down to a sleep. It prints the long poll's headline as the watchdog reports it, a task
//! dump taken while the worker is blocked, and the diagnostics report once the poll has ended.

use glasswing::runtime::Builder;
use std::sync::mpsc;
use std::time::Duration;

/// Not inlined, and not ending in a tail call, so that it has a frame of its own at every level.
#[inline(never)]
fn spin_parse_config(release: &mpsc::Receiver<()>) {
    let _ = release.recv();
    std::hint::black_box(());
}

async fn reload_config(release: mpsc::Receiver<()>) {
    glasswing::task::yield_now().await;
    spin_parse_config(&release);
}

async fn inner_sleep_forever() {
    glasswing::time::sleep(Duration::from_secs(3600)).await;
}

async fn middle_level() {
    inner_sleep_forever().await;
    println!("never printed");
}

async fn outer_level() {
    middle_level().await;
    println!("never printed");
}

fn main() {
    let (reported_tx, reported) = mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .long_poll_threshold(Duration::from_millis(20))
        .on_long_poll(move |poll| {
            let _ = reported_tx.send(poll.clone());
        })
        .build()
        .unwrap();
    let (release_tx, release) = mpsc::channel();
    let _enter = rt.enter();
    let sleeper = glasswing::task::Builder::new().name("sleeper").spawn(outer_level()).unwrap().id();
    let reload = glasswing::task::Builder::new().name("reload").spawn(reload_config(release)).unwrap();

    let running = reported.recv_timeout(Duration::from_secs(30)).expect("the watchdog reports the long poll");
    println!("headline: {running}");
    // The sleeper waits in its sleep once it has been polled: dump until the dump shows that.
    let dump = loop {
        let dump = rt.handle().dump();
        if dump.task(sleeper).is_some_and(|t| !t.waits_on.is_empty()) {
            break dump;
        }
        std::thread::yield_now();
    };
    println!("{dump}");
    release_tx.send(()).unwrap();
    rt.block_on(reload).unwrap();
    while !reported.recv_timeout(Duration::from_secs(30)).expect("and reports its end").finished {}
    println!("{}", rt.handle().diagnostics().snapshot().report());
}
