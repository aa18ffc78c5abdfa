//! Loom models of the channel: the block list under concurrent pushes and pops (with blocks of two
//! slots, so that a few values already grow the list, move its tail and recycle a block), and the
//! races of `recv` with sends, closes and drops. A lost wakeup leaves `block_on` parked forever,
//! which loom reports as a deadlock; counted values check that each is dropped exactly once.
//!
//! The code under test takes no `loom::thread::yield_now` in its bounded loops (walking the block
//! list): loom 0.7 drops a thread's pending unpark token when it yields or blocks on a contended
//! mutex (`rt/thread.rs`, `set_yield`/`set_blocked`), so a yield after the receiver registered its
//! waker would lose a real wakeup in the model. The one true spin (a registration meeting a wake in
//! progress) yields before the registration, where a lost token only saves a spurious poll.
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test -p glasswing --release --lib \
//!     --target-dir target/loom -- loom_mpsc
//! ```

use super::block::Read;
use super::error::TrySendError;
use super::list;
use super::*;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::sync::loom_support::{block_on, model};
use loom::thread;

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn loom_mpsc_block_list_two_senders_and_pop() {
    model(|| {
        let (tx, mut rx) = list::channel::<(u32, u32)>();
        let tx = Arc::new(tx);
        let senders: Vec<_> = [(0u32, 2u32), (1, 1)]
            .into_iter()
            .map(|(who, count)| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..count {
                        tx.push((who, i));
                    }
                })
            })
            .collect();
        let mut next = [0u32; 2];
        let mut got = 0;
        while got < 3 {
            match rx.pop(&tx) {
                Some(Read::Value((who, i))) => {
                    assert_eq!(next[who as usize], i, "each sender's values in order");
                    next[who as usize] += 1;
                    got += 1;
                }
                Some(Read::Closed) => panic!("not closed"),
                None => thread::yield_now(),
            }
        }
        for sender in senders {
            sender.join().unwrap();
        }
        // Another pop recycles the first block if the tail moved past it.
        assert!(rx.pop(&tx).is_none());
        tx.close();
        assert!(matches!(rx.pop(&tx), Some(Read::Closed)));
        // SAFETY: every sender is done, and every value was popped.
        unsafe { rx.free_blocks() };
    });
}

// The receivers wait on spawned threads and the main thread only joins them (keeps the models
// small, and clear of tokio-rs/loom#249: an unpark that reaches a thread blocked in `join`).

#[test]
fn loom_mpsc_recv_races_send_and_sender_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel::<Counted>(1);
        let receiver = thread::spawn(move || {
            let got = block_on(rx.recv());
            assert!(got.is_some());
            assert!(block_on(rx.recv()).is_none());
            got
        });
        tx.try_send(Counted(drops.clone())).map_err(|_| ()).unwrap();
        drop(tx);
        drop(receiver.join().unwrap());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_mpsc_bounded_sender_waits_for_a_place() {
    model(|| {
        let (tx, mut rx) = channel::<u32>(1);
        let receiver = thread::spawn(move || {
            assert_eq!(block_on(rx.recv()), Some(1));
            assert_eq!(block_on(rx.recv()), Some(2));
            assert_eq!(block_on(rx.recv()), None);
        });
        block_on(tx.send(1)).unwrap();
        block_on(tx.send(2)).unwrap();
        drop(tx);
        receiver.join().unwrap();
    });
}

#[test]
fn loom_mpsc_close_races_send() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = unbounded_channel::<Counted>();
        let receiver = thread::spawn(move || {
            rx.close();
            let received = block_on(rx.recv());
            (received, rx)
        });
        let sent = tx.send(Counted(drops.clone())).is_ok();
        let (received, mut rx) = receiver.join().unwrap();
        assert_eq!(received.is_some(), sent, "a message sent is received, even after the close");
        drop(received);
        assert!(block_on(rx.recv()).is_none());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        drop(tx);
    });
}

#[test]
fn loom_mpsc_receiver_drop_races_send() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Counted>(2);
        let d = drops.clone();
        let sender = thread::spawn(move || {
            match tx.try_send(Counted(d)) {
                Ok(()) | Err(TrySendError::Closed(_)) => {}
                Err(TrySendError::Full(_)) => panic!("room for two"),
            }
            tx
        });
        drop(rx);
        let tx = sender.join().unwrap();
        drop(tx);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_mpsc_unused_permit_wakes_a_closed_receiver() {
    model(|| {
        let (tx, mut rx) = channel::<u32>(1);
        // Senders stay alive: only the permit's drop (or its never being taken) ends the wait.
        let receiver = thread::spawn(move || {
            rx.close();
            assert_eq!(block_on(rx.recv()), None);
        });
        if let Ok(permit) = tx.try_reserve() {
            drop(permit);
        }
        receiver.join().unwrap();
        drop(tx);
    });
}

#[test]
fn loom_mpsc_closed_wakes_when_the_receiver_drops() {
    model(|| {
        let (tx, rx) = unbounded_channel::<u32>();
        let waiter = thread::spawn(move || {
            block_on(tx.closed());
            assert!(tx.is_closed());
        });
        drop(rx);
        waiter.join().unwrap();
    });
}
