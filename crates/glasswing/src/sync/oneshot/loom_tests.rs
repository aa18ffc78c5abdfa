//! Loom models of the oneshot channel's races: each puts the sender on one thread and the receiver on
//! another and lets loom try every interleaving of their state-word operations and waker-slot
//! accesses (up to the preemption bound), checking that no wakeup is lost (a lost one leaves
//! `block_on` parked forever, which loom reports as a deadlock), that the two sides
//! never touch a slot at once, and that the value is dropped exactly once.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom
//! ```

use super::*;
use crate::sync::loom_support::{block_on, model};
use loom::sync::atomic::AtomicUsize as LoomAtomicUsize;
use loom::thread;
use std::task::Waker;

/// A value that counts its drops.
struct Counted(Arc<LoomAtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counted() -> (Counted, Arc<LoomAtomicUsize>) {
    let drops = Arc::new(LoomAtomicUsize::new(0));
    (Counted(drops.clone()), drops)
}

#[test]
fn loom_oneshot_send_races_recv() {
    model(|| {
        let (v, drops) = counted();
        let (tx, rx) = channel();
        let sender = thread::spawn(move || assert!(tx.send(v).is_ok()));
        let got = block_on(rx).expect("the value was sent");
        drop(got);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_oneshot_send_races_a_waker_change() {
    // The receiver was polled with one waker and polls again with another while the value is sent:
    // it takes its waker slot back (clearing RX_TASK_SET) as the sender may be about to read it.
    model(|| {
        let (v, drops) = counted();
        let (tx, mut rx) = channel();
        assert!(Pin::new(&mut rx).poll(&mut Context::from_waker(Waker::noop())).is_pending());
        let sender = thread::spawn(move || assert!(tx.send(v).is_ok()));
        let got = block_on(rx).expect("the value was sent");
        drop(got);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_oneshot_sender_drop_races_recv() {
    model(|| {
        let (tx, rx) = channel::<Counted>();
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_send_races_receiver_drop() {
    model(|| {
        let (v, drops) = counted();
        let (tx, rx) = channel();
        let sender = thread::spawn(move || {
            // Either way the value is dropped here or by the receiver, once.
            let _ = tx.send(v);
        });
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_oneshot_send_races_close_then_recv() {
    // `close` then a receive: the value is received if the send came first, handed back otherwise.
    model(|| {
        let (v, drops) = counted();
        let (tx, mut rx) = channel();
        let sender = thread::spawn(move || tx.send(v).is_ok());
        rx.close();
        let received = rx.try_recv();
        let sent = sender.join().unwrap();
        match received {
            Ok(value) => {
                assert!(sent);
                drop(value);
            }
            Err(TryRecvError::Closed) => assert!(!sent),
            Err(TryRecvError::Empty) => panic!("a closed channel is never Empty"),
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_oneshot_closed_races_receiver_drop() {
    model(|| {
        let (mut tx, rx) = channel::<Counted>();
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();
    });
}

#[test]
fn loom_oneshot_closed_waker_change_races_receiver_drop() {
    // As above, with the sender's waker slot taken back (TX_TASK_SET cleared) during the race.
    model(|| {
        let (mut tx, rx) = channel::<Counted>();
        assert!(tx.poll_closed(&mut Context::from_waker(Waker::noop())).is_pending());
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        receiver.join().unwrap();
    });
}
