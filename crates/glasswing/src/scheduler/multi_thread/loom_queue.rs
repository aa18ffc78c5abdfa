//! Loom models of the per-worker run queue (`queue.rs`): its owner pushes and pops at one end while
//! thieves claim half of it with a compare-and-swap on `head` and copy it out, and a full ring moves
//! half of itself to the global queue. Every model puts plain numbers through the queue and checks
//! that each one comes out exactly once — from the owner's pops, a thief's ring, or the overflow — in
//! every interleaving loom tries, and that no slot is read and written at the same time.
//!
//! The ring keeps its production size (256 slots) under loom, so the models push only a few values,
//! except the overflow model, which must fill the ring first (single-threaded, before the race starts).
//!
//! ```text
//! RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom
//! ```
//!
//! `LOOM_MAX_PREEMPTIONS=20` raises the default bound of 3 and still takes seconds. With
//! `CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true` (and another `--target-dir`) loom also checks the
//! `debug_assert!`s of the code under test, which state several of its invariants.

use super::queue::{self, Local, Overflow, CAPACITY};
use crate::loom::sync::Mutex;
use loom::thread;

/// Runs `f` under loom with a preemption bound of 3 (`LOOM_MAX_PREEMPTIONS` overrides it) and room for
/// at least `max_branches` scheduling decisions per execution.
fn model(max_branches: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.max_branches = builder.max_branches.max(max_branches);
    builder.check(f);
}

/// The global queue's stand-in: a locked `Vec`.
#[derive(Default)]
struct Sink(Mutex<Vec<usize>>);

impl Overflow<usize> for Sink {
    fn push(&self, task: usize) {
        self.0.lock().push(task);
    }

    fn push_batch(&self, tasks: impl Iterator<Item = usize>) {
        self.0.lock().extend(tasks);
    }
}

fn drain(local: &mut Local<usize>, into: &mut Vec<usize>) {
    into.extend(std::iter::from_fn(|| local.pop()));
}

/// A thief: steals from `victim` into a ring of its own, popping everything it got, `rounds` times.
fn spawn_thief(victim: queue::Steal<usize>, rounds: usize) -> thread::JoinHandle<Vec<usize>> {
    thread::spawn(move || {
        let (_, mut mine) = queue::local();
        let mut got = Vec::new();
        for _ in 0..rounds {
            if let Some((first, _)) = victim.steal_into(&mut mine) {
                got.push(first);
                drain(&mut mine, &mut got);
            }
        }
        got
    })
}

/// Every value in `0..n` was seen exactly once.
fn assert_each_once(mut seen: Vec<usize>, n: usize) {
    seen.sort_unstable();
    assert_eq!(seen, (0..n).collect::<Vec<_>>(), "a value was lost or duplicated");
}

/// The owner pushes and pops while a thief steals twice: the thief's claim, the owner's pops (which
/// move `real` past a claim in progress) and the owner's pushes (which must not overwrite claimed
/// slots) interleave every way. Only one value is pushed before the thief starts, so that the thief
/// can claim a slot that the owner writes concurrently: the model checks that the slot's write is
/// published (the owner's `tail` store and the thief's `tail` load) before the thief reads it.
#[test]
fn loom_push_and_pop_race_steal() {
    model(0, || {
        let (steal, mut owner) = queue::local();
        let sink = Sink::default();
        owner.push_back_or_overflow(0, &sink);
        let thief = spawn_thief(steal, 2);
        let mut seen = Vec::new();
        owner.push_back_or_overflow(1, &sink);
        seen.extend(owner.pop());
        owner.push_back_or_overflow(2, &sink);
        seen.extend(owner.pop());
        seen.extend(thief.join().unwrap());
        drain(&mut owner, &mut seen);
        assert!(sink.0.lock().is_empty(), "three values never overflow");
        assert_each_once(seen, 3);
    });
}

/// Two thieves steal from one victim while its owner pops: only one claim may be in progress at a
/// time, and a thief that finds one gives up rather than stealing the same slots.
#[test]
fn loom_steal_races_steal() {
    model(0, || {
        let (steal, mut owner) = queue::local();
        let sink = Sink::default();
        for i in 0..4 {
            owner.push_back_or_overflow(i, &sink);
        }
        let first = spawn_thief(steal.clone(), 1);
        let second = spawn_thief(steal, 1);
        let mut seen = Vec::new();
        seen.extend(owner.pop());
        seen.extend(first.join().unwrap());
        seen.extend(second.join().unwrap());
        drain(&mut owner, &mut seen);
        assert_each_once(seen, 4);
    });
}

/// The owner pushes into a full ring, pops, and pushes again while a thief steals: either the overflow
/// claims the older half (its CAS fails if the thief claimed first, and the push retries, finding room
/// or a steal in progress) or the thief finds those slots gone. Every value ends up in exactly one of
/// the owner's pops, the thief's ring, or the overflow.
#[test]
fn loom_overflow_races_steal() {
    // Filling the ring alone takes more of loom's branch points than its default limit of 1000.
    model(5_000, || {
        let (steal, mut owner) = queue::local();
        let sink = Sink::default();
        for i in 0..CAPACITY {
            owner.push_back_or_overflow(i, &sink);
        }
        assert_eq!(owner.remaining_slots(), 0);
        let thief = spawn_thief(steal, 1);
        owner.push_back_or_overflow(CAPACITY, &sink);
        let mut seen: Vec<usize> = owner.pop().into_iter().collect();
        owner.push_back_or_overflow(CAPACITY + 1, &sink);
        seen.extend(thief.join().unwrap());
        drain(&mut owner, &mut seen);
        seen.extend(sink.0.lock().drain(..));
        assert_each_once(seen, CAPACITY + 2);
    });
}
