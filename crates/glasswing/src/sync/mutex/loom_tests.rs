//! Loom models of the mutex's cancel safety: a `lock` future dropped while the holder unlocks (so the
//! release may have handed it the permit already) must pass the lock on, or leave it free; the lock is
//! never lost, and the data behind it is never touched by two threads at once (loom's cell checks).

use super::*;
use crate::sync::loom_support::{block_on, model, unpark_waker, Counter};
use loom::thread;
use std::task::Context;

/// `lock`, polled once (so that it queues behind the holder), to be dropped or polled again.
fn queued<T>(lock: impl Future<Output = T>) -> impl Future<Output = T> {
    let mut lock = Box::pin(lock);
    assert!(lock.as_mut().poll(&mut Context::from_waker(&unpark_waker())).is_pending());
    lock
}

/// Counts one critical section under `guard`, and unlocks.
fn add_and_unlock(guard: impl std::ops::Deref<Target = Counter>) {
    // SAFETY: the guard holds the lock.
    unsafe { guard.add() };
}

/// The lock is free (not lost), and `n` critical sections ran under it.
fn assert_free_with(mutex: &Mutex<Counter>, n: usize) {
    let guard = mutex.try_lock().expect("the lock was lost");
    // SAFETY: we hold the lock.
    assert_eq!(unsafe { guard.get() }, n);
}

#[test]
fn loom_mutex_a_lock_cancelled_while_the_holder_unlocks_loses_nothing() {
    model(|| {
        let mutex = Arc::new(Mutex::new(Counter::new()));
        let guard = mutex.clone().try_lock_owned().unwrap();
        let waiting = queued(mutex.lock());
        let holder = thread::spawn(move || add_and_unlock(guard));
        drop(waiting);
        holder.join().unwrap();
        assert_free_with(&mutex, 1);
    });
}

#[test]
fn loom_mutex_a_cancelled_lock_passes_the_lock_to_the_next_waiter() {
    model(|| {
        let mutex = Arc::new(Mutex::new(Counter::new()));
        let guard = mutex.clone().try_lock_owned().unwrap();
        let first = queued(mutex.lock());
        let second = {
            let mutex = mutex.clone();
            thread::spawn(move || add_and_unlock(block_on(mutex.lock())))
        };
        let holder = thread::spawn(move || add_and_unlock(guard));
        drop(first);
        holder.join().unwrap();
        second.join().unwrap();
        assert_free_with(&mutex, 2);
    });
}

#[test]
fn loom_mutex_two_lockers() {
    model(|| {
        let mutex = Arc::new(Mutex::new(Counter::new()));
        let other = {
            let mutex = mutex.clone();
            thread::spawn(move || add_and_unlock(block_on(mutex.lock())))
        };
        add_and_unlock(block_on(mutex.lock()));
        other.join().unwrap();
        assert_free_with(&mutex, 2);
    });
}
