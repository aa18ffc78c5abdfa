//! Helpers shared by the integration tests: drop counters and runtimes of both flavors.

#![allow(dead_code)]

use glasswing::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts how many values it handed out were dropped; a value dropped twice is counted twice, so
/// "created == dropped" proves exactly-once.
#[derive(Clone, Default)]
pub struct DropCounter {
    created: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

pub struct Tracked {
    dropped: Arc<AtomicUsize>,
    armed: bool,
}

impl DropCounter {
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    pub fn track(&self) -> Tracked {
        self.created.fetch_add(1, Ordering::SeqCst);
        Tracked { dropped: self.dropped.clone(), armed: true }
    }

    pub fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Every tracked value was dropped exactly once.
    pub fn assert_all_dropped_once(&self) {
        assert_eq!(
            self.dropped(),
            self.created(),
            "created {} values, dropped {}",
            self.created(),
            self.dropped()
        );
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(self.armed, "dropped twice");
        self.armed = false;
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

pub fn multi_thread() -> Runtime {
    multi_thread_with(2)
}

pub fn multi_thread_with(workers: usize) -> Runtime {
    Builder::new_multi_thread().worker_threads(workers).build().unwrap()
}

/// The message of a panic payload (`panic!("literal")` or `panic!("{formatted}")`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .expect("panic payload is a string")
}

/// Both flavors, for tests that must hold on each.
pub fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![("current_thread", current_thread()), ("multi_thread", multi_thread())]
}

/// Generous bound for "returns promptly": only a call that hangs exceeds it.
pub const BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `shutdown` on a helper thread and reports whether it returned within `BOUND`. Afterwards
/// `release` runs in any case, so that whatever is stuck can finish and the helper can be joined: a
/// regression fails the test instead of hanging it.
pub fn returns_within_bound(shutdown: impl FnOnce() + Send + 'static, release: impl FnOnce()) -> bool {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let helper = std::thread::spawn(move || {
        shutdown();
        let _ = done_tx.send(());
    });
    let returned = done_rx.recv_timeout(BOUND).is_ok();
    release();
    helper.join().unwrap();
    returned
}
