//! Loom models of the watch channel: a lost wakeup leaves `block_on` parked forever, which loom
//! reports as a deadlock.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom_watch
//! ```

use super::*;
use crate::sync::loom_support::{block_on, model};
use loom::thread;

#[test]
fn loom_watch_send_races_changed() {
    model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        drop(sender.join().unwrap());
    });
}

#[test]
fn loom_watch_sender_drop_races_changed() {
    model(|| {
        let (tx, mut rx) = channel(0u32);
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx.changed()).is_err());
        sender.join().unwrap();
    });
}
