//! Loom models of the reader-writer lock: a reader and a writer racing never overlap (loom's cell
//! checks every access to the data), and a write guard's `downgrade` racing a reader that waits for
//! it lets the reader in, after the write, with no permit lost.

use super::*;
use crate::sync::loom_support::{block_on, model, Counter};
use loom::thread;

#[test]
fn loom_rwlock_a_reader_and_a_writer_race() {
    model(|| {
        let lock = Arc::new(RwLock::new(Counter::new()));
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || {
                let guard = block_on(lock.write());
                // SAFETY: we hold the write lock.
                unsafe { guard.add() };
            })
        };
        let seen = {
            let guard = block_on(lock.read());
            // SAFETY: we hold a read lock.
            unsafe { guard.get() }
        };
        assert!(seen <= 1);
        writer.join().unwrap();
        let guard = lock.try_write().expect("a permit was lost");
        // SAFETY: we hold the write lock.
        assert_eq!(unsafe { guard.get() }, 1);
    });
}

#[test]
fn loom_rwlock_downgrade_races_a_waiting_reader() {
    model(|| {
        let lock = Arc::new(RwLock::new(Counter::new()));
        let writer = lock.try_write().unwrap();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                let guard = block_on(lock.read());
                // SAFETY: we hold a read lock.
                unsafe { guard.get() }
            })
        };
        // SAFETY: we hold the write lock.
        unsafe { writer.add() };
        let read = writer.downgrade();
        // SAFETY: we hold a read lock.
        assert_eq!(unsafe { read.get() }, 1);
        assert_eq!(reader.join().unwrap(), 1, "the reader got in before the write");
        drop(read);
        assert!(lock.try_write().is_ok(), "a permit was lost");
    });
}
