//! The per-worker run queue: a fixed ring of `CAPACITY` slots that its owner pushes and pops without
//! locks, and that other workers steal half of in one compare-and-swap.
//!
//! ```text
//!            head (AtomicU64)                tail (AtomicU32)
//!    [ steal: u32 | real: u32 ]              written only by the owner
//!
//!  ring:  .. | steal .. real | real .. tail | ..
//!               ^ being copied  ^ poppable
//!               by a stealer
//! ```
//!
//! The owner pushes at `tail` and pops at `real`. A stealer first claims `[real, real + n)` by moving
//! `real` forward while leaving `steal` behind (so the owner cannot overwrite those slots), copies them
//! into its own ring, then sets `steal = real` to release the claim. Only one stealer at a time: a steal
//! that finds `steal != real` gives up and tries another victim.
//!
//! When the ring is full the owner moves half of it, plus the new task, to the global injection queue
//! in one batch, so a burst of spawns costs one lock per 128 tasks. The queue is generic over the task
//! type so that its loom model can use plain values.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use crate::loom::sync::Arc;
use std::mem::MaybeUninit;

/// Tokio's size: large enough that overflow is rare, small enough that a full ring is cheap to scan.
pub(crate) const CAPACITY: usize = 256;
const MASK: u32 = CAPACITY as u32 - 1;

/// Where tasks go when the ring is full: the global injection queue.
pub(crate) trait Overflow<T> {
    fn push(&self, task: T);
    fn push_batch(&self, tasks: impl Iterator<Item = T>);
}

/// The owner's side: push and pop. Not `Sync`; lives in the worker's core.
pub(crate) struct Local<T: 'static> {
    inner: Arc<Inner<T>>,
}

/// The side other workers steal from.
pub(crate) struct Steal<T: 'static>(Arc<Inner<T>>);

struct Inner<T> {
    head: AtomicU64,
    tail: AtomicU32,
    buffer: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

// SAFETY: slots are handed between threads only through the head/tail protocol above, which gives each
// slot a single reader or writer at a time; `T: Send` makes moving the values across threads sound.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Inner<T> {}

fn unpack(head: u64) -> (u32, u32) {
    ((head >> 32) as u32, head as u32)
}

fn pack(steal: u32, real: u32) -> u64 {
    ((steal as u64) << 32) | real as u64
}

pub(crate) fn local<T: 'static>() -> (Steal<T>, Local<T>) {
    let buffer = (0..CAPACITY).map(|_| UnsafeCell::new(MaybeUninit::uninit())).collect();
    let inner = Arc::new(Inner { head: AtomicU64::new(0), tail: AtomicU32::new(0), buffer });
    (Steal(inner.clone()), Local { inner })
}

impl<T> Local<T> {
    /// Tasks in the ring (including any a stealer is copying out right now).
    pub(crate) fn len(&self) -> usize {
        let (steal, _) = unpack(self.inner.head.load(Acquire));
        self.inner.tail.load(Relaxed).wrapping_sub(steal) as usize
    }

    pub(crate) fn has_tasks(&self) -> bool {
        let (_, real) = unpack(self.inner.head.load(Acquire));
        self.inner.tail.load(Relaxed) != real
    }

    /// Free slots.
    pub(crate) fn remaining_slots(&self) -> usize {
        CAPACITY - self.len()
    }

    /// Pushes to the back, moving half the ring to `overflow` if it is full.
    pub(crate) fn push_back_or_overflow(&mut self, mut task: T, overflow: &impl Overflow<T>) {
        let tail = loop {
            let head = self.inner.head.load(Acquire);
            let (steal, real) = unpack(head);
            let tail = self.inner.tail.load(Relaxed);
            if tail.wrapping_sub(steal) < CAPACITY as u32 {
                break tail;
            }
            if steal != real {
                // A stealer is making room as we speak; don't wait for it.
                overflow.push(task);
                return;
            }
            match self.push_overflow(task, real, tail, overflow) {
                Ok(()) => return,
                // A stealer took tasks in between: there may be room now.
                Err(back) => task = back,
            }
        };
        self.write(tail, task);
    }

    /// Pushes tasks the caller knows fit (`remaining_slots` was checked).
    pub(crate) fn push_back(&mut self, tasks: impl ExactSizeIterator<Item = T>) {
        let n = tasks.len();
        assert!(n <= self.remaining_slots(), "pushed more tasks than the ring has room for");
        let mut tail = self.inner.tail.load(Relaxed);
        for task in tasks {
            self.inner.buffer[(tail & MASK) as usize].with_mut(|slot| {
                // SAFETY: slots from tail on are free (checked above) and only the owner writes them.
                unsafe { (*slot).write(task) };
            });
            tail = tail.wrapping_add(1);
        }
        self.inner.tail.store(tail, Release);
    }

    fn write(&mut self, tail: u32, task: T) {
        self.inner.buffer[(tail & MASK) as usize].with_mut(|slot| {
            // SAFETY: `tail - steal < CAPACITY`, so this slot is not in use by us nor being stolen, and
            // only the owner writes at the tail.
            unsafe { (*slot).write(task) };
        });
        self.inner.tail.store(tail.wrapping_add(1), Release);
    }

    fn push_overflow(&mut self, task: T, head: u32, tail: u32, overflow: &impl Overflow<T>) -> Result<(), T> {
        const HALF: u32 = CAPACITY as u32 / 2;
        assert_eq!(tail.wrapping_sub(head), CAPACITY as u32, "the ring is full when it overflows");
        // Claim the older half; stealers racing with us make the CAS fail.
        let prev = pack(head, head);
        let next = pack(head.wrapping_add(HALF), head.wrapping_add(HALF));
        if self.inner.head.compare_exchange(prev, next, Release, Relaxed).is_err() {
            return Err(task);
        }
        let buffer = &self.inner.buffer;
        let taken = (0..HALF).map(|i| {
            let idx = (head.wrapping_add(i) & MASK) as usize;
            // SAFETY: the CAS above moved these slots out of the ring; nobody else reads them, and each
            // is read exactly once.
            buffer[idx].with(|slot| unsafe { (*slot).assume_init_read() })
        });
        overflow.push_batch(taken.chain(std::iter::once(task)));
        Ok(())
    }

    /// Pops from the front.
    pub(crate) fn pop(&mut self) -> Option<T> {
        let mut head = self.inner.head.load(Acquire);
        let idx = loop {
            let (steal, real) = unpack(head);
            if real == self.inner.tail.load(Relaxed) {
                return None;
            }
            let next_real = real.wrapping_add(1);
            // If no steal is in progress, both halves move together.
            let next = if steal == real { pack(next_real, next_real) } else { pack(steal, next_real) };
            match self.inner.head.compare_exchange(head, next, AcqRel, Acquire) {
                Ok(_) => break real & MASK,
                Err(actual) => head = actual,
            }
        };
        // SAFETY: the CAS gave this slot to us alone, and it was written before tail moved past it.
        Some(self.inner.buffer[idx as usize].with(|slot| unsafe { (*slot).assume_init_read() }))
    }
}

impl<T> Drop for Local<T> {
    fn drop(&mut self) {
        // Tasks left behind are dropped (a worker drains its queue on shutdown; this covers panics).
        if !std::thread::panicking() {
            while self.pop().is_some() {}
        }
    }
}

impl<T> Steal<T> {
    /// Tasks in the ring, read from another thread (a snapshot: may be stale by the time it returns).
    pub(crate) fn len(&self) -> usize {
        let (steal, _) = unpack(self.0.head.load(Acquire));
        self.0.tail.load(Acquire).wrapping_sub(steal) as usize
    }

    pub(crate) fn is_empty(&self) -> bool {
        let (_, real) = unpack(self.0.head.load(Acquire));
        self.0.tail.load(Acquire) == real
    }

    /// Steals half of this queue into `dst`, returning one of the stolen tasks to run right away and
    /// how many were stolen in all. (The thief cannot work the count out from its own length: other
    /// thieves may take from its ring meanwhile.)
    pub(crate) fn steal_into(&self, dst: &mut Local<T>) -> Option<(T, u32)> {
        let dst_tail = dst.inner.tail.load(Relaxed);
        let (dst_steal, _) = unpack(dst.inner.head.load(Acquire));
        if dst_tail.wrapping_sub(dst_steal) > CAPACITY as u32 / 2 {
            // The thief's own ring is more than half full: it has work, it should not steal.
            return None;
        }
        let stolen = self.steal_into_inner(dst, dst_tail);
        if stolen == 0 {
            return None;
        }
        let n = stolen - 1;
        let ret_idx = (dst_tail.wrapping_add(n) & MASK) as usize;
        // SAFETY: `steal_into_inner` wrote this slot of our own ring; tail has not moved past it, so
        // nobody else can see it.
        let ret = dst.inner.buffer[ret_idx].with(|slot| unsafe { (*slot).assume_init_read() });
        if n > 0 {
            dst.inner.tail.store(dst_tail.wrapping_add(n), Release);
        }
        Some((ret, stolen))
    }

    fn steal_into_inner(&self, dst: &mut Local<T>, dst_tail: u32) -> u32 {
        let mut prev = self.0.head.load(Acquire);
        let (first, n) = loop {
            let (steal, real) = unpack(prev);
            if steal != real {
                // Another thief is at work here.
                return 0;
            }
            let tail = self.0.tail.load(Acquire);
            let available = tail.wrapping_sub(real);
            let n = available - available / 2;
            if n == 0 {
                return 0;
            }
            let next = pack(steal, real.wrapping_add(n));
            match self.0.head.compare_exchange(prev, next, AcqRel, Acquire) {
                Ok(_) => break (real, n),
                Err(actual) => prev = actual,
            }
        };
        for i in 0..n {
            let src = (first.wrapping_add(i) & MASK) as usize;
            let dst_idx = (dst_tail.wrapping_add(i) & MASK) as usize;
            // SAFETY: the claim above makes these source slots ours until we release it (the owner
            // does not overwrite slots at or after `steal`), and the destination slots are past the
            // thief's tail, which only the thief writes.
            let task = self.0.buffer[src].with(|slot| unsafe { (*slot).assume_init_read() });
            dst.inner.buffer[dst_idx].with_mut(|slot| unsafe { (*slot).write(task) });
        }
        // Release the claim: `steal` catches up with `real` (which the owner may have moved since).
        let mut prev = pack(first, first.wrapping_add(n));
        loop {
            let (_, real) = unpack(prev);
            match self.0.head.compare_exchange(prev, pack(real, real), AcqRel, Acquire) {
                Ok(_) => return n,
                Err(actual) => {
                    let (steal, _) = unpack(actual);
                    debug_assert_eq!(steal, first, "only one thief at a time");
                    prev = actual;
                }
            }
        }
    }
}

impl<T> Clone for Steal<T> {
    fn clone(&self) -> Steal<T> {
        Steal(self.0.clone())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Sink(Mutex<Vec<usize>>);

    impl Overflow<usize> for Sink {
        fn push(&self, task: usize) {
            self.0.lock().unwrap().push(task);
        }
        fn push_batch(&self, tasks: impl Iterator<Item = usize>) {
            self.0.lock().unwrap().extend(tasks);
        }
    }

    #[test]
    fn fifo_within_one_worker() {
        let (_steal, mut local) = local();
        let sink = Sink::default();
        for i in 0..10 {
            local.push_back_or_overflow(i, &sink);
        }
        let popped: Vec<_> = std::iter::from_fn(|| local.pop()).collect();
        assert_eq!(popped, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn overflow_moves_half_plus_one_to_the_global_queue() {
        let (_steal, mut local) = local();
        let sink = Sink::default();
        for i in 0..=CAPACITY {
            local.push_back_or_overflow(i, &sink);
        }
        let overflowed = sink.0.lock().unwrap().clone();
        assert_eq!(overflowed.len(), CAPACITY / 2 + 1);
        assert_eq!(local.len(), CAPACITY / 2);
        let mut all: Vec<_> = overflowed.into_iter().chain(std::iter::from_fn(|| local.pop())).collect();
        all.sort();
        assert_eq!(all, (0..=CAPACITY).collect::<Vec<_>>());
    }

    #[test]
    fn steal_takes_half() {
        let (steal, mut victim) = local();
        let (_s2, mut thief) = local();
        let sink = Sink::default();
        for i in 0..100 {
            victim.push_back_or_overflow(i, &sink);
        }
        let (first, stolen) = steal.steal_into(&mut thief).expect("stole");
        assert_eq!(stolen, 50);
        assert_eq!(first, 49, "the last stolen task is returned to run at once");
        assert_eq!(thief.len(), 49);
        assert_eq!(victim.len(), 50);
    }

    #[test]
    fn concurrent_steals_lose_and_duplicate_nothing() {
        // Miri interprets every instruction: a smaller run still exercises every interleaving kind.
        const N: usize = if cfg!(miri) { 2_000 } else { 100_000 };
        let (steal, mut owner) = local::<usize>();
        let sink = Arc::new(Sink::default());
        let thieves: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                std::thread::spawn(move || {
                    let (_s, mut mine) = local();
                    let mut got = Vec::new();
                    let mut misses = 0;
                    while misses < if cfg!(miri) { 200 } else { 10_000 } {
                        match steal.steal_into(&mut mine) {
                            Some((t, _)) => {
                                got.push(t);
                                got.extend(std::iter::from_fn(|| mine.pop()));
                                misses = 0;
                            }
                            None => misses += 1,
                        }
                    }
                    got
                })
            })
            .collect();
        let mut got = Vec::new();
        for i in 0..N {
            owner.push_back_or_overflow(i, &*sink);
            if i % 3 == 0 {
                got.extend(owner.pop());
            }
        }
        got.extend(std::iter::from_fn(|| owner.pop()));
        for t in thieves {
            got.extend(t.join().unwrap());
        }
        got.extend(sink.0.lock().unwrap().drain(..));
        got.sort_unstable();
        assert_eq!(got, (0..N).collect::<Vec<_>>());
    }
}
