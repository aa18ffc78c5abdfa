//! Loom models of `Notify`'s races: a lost wakeup leaves `block_on` parked forever, which loom
//! reports as a deadlock.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom_notify
//! ```

use super::*;
use crate::sync::loom_support::{block_on, model};
use loom::thread;

#[test]
fn loom_notify_one_races_notified() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let other = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        other.join().unwrap();
    });
}

#[test]
fn loom_notify_waiters_races_enable() {
    // The future is created before the other thread calls `notify_waiters`, so it must complete,
    // whether `enable` queues it before the call or sees the new generation after it.
    model(|| {
        let notify = Arc::new(Notify::new());
        let mut n = Box::pin(notify.notified());
        let other = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_waiters())
        };
        let _ = n.as_mut().enable();
        block_on(n);
        other.join().unwrap();
    });
}

#[test]
fn loom_notify_a_dropped_notified_passes_its_permit_on() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let dropper = {
            let notify = notify.clone();
            thread::spawn(move || {
                let mut n = std::pin::pin!(notify.notified());
                if n.as_mut().enable() {
                    // It took the stored permit itself (the notifier ran first): that notification
                    // was delivered, so hand it on by hand for the model's sake.
                    notify.notify_one();
                }
                // Dropped here: queued, or chosen by `notify_one` (then it must pass it on).
            })
        };
        let notifier = {
            let notify = notify.clone();
            thread::spawn(move || notify.notify_one())
        };
        // The one notification reaches this waiter, whichever way the dropped one went.
        block_on(notify.notified());
        dropper.join().unwrap();
        notifier.join().unwrap();
    });
}
