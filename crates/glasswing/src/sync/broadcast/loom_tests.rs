//! Loom models of the broadcast channel: a lost wakeup leaves `block_on` parked forever (loom
//! reports a deadlock), and a value is dropped exactly once whatever the interleaving.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom_broadcast
//! ```

use super::*;
use crate::sync::loom_support::{block_on, model};
use loom::thread;

#[test]
fn loom_broadcast_send_races_recv() {
    model(|| {
        let (tx, mut rx) = channel::<u32>(2);
        let mut rx2 = tx.subscribe();
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        let other = thread::spawn(move || assert_eq!(block_on(rx2.recv()), Ok(1)));
        assert_eq!(block_on(rx.recv()), Ok(1));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        sender.join().unwrap();
        other.join().unwrap();
    });
}

#[test]
fn loom_broadcast_receiver_drop_races_send() {
    // The value is dropped exactly once, whether the dropped receiver was counted for it or not.
    model(|| {
        let drops = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        #[derive(Clone)]
        struct D(std::sync::Arc<std::sync::atomic::AtomicUsize>);
        impl Drop for D {
            fn drop(&mut self) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let (tx, mut rx) = channel::<D>(2);
        let rx2 = tx.subscribe();
        let dropper = thread::spawn(move || drop(rx2));
        let d = drops.clone();
        let sender = thread::spawn(move || {
            let _ = tx.send(D(d));
        });
        drop(block_on(rx.recv()));
        dropper.join().unwrap();
        sender.join().unwrap();
        drop(rx);
        // The original and the one clone.
        assert_eq!(drops.load(std::sync::atomic::Ordering::SeqCst), 2);
    });
}
