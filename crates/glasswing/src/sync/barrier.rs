//! `Barrier`: Tokio's barrier, where `n` tasks wait until all `n` have arrived, then all go on, one of
//! them told it is the leader; and the barrier is ready for the next round (generation) at once.
//!
//! The state is small and every step is short (count an arrival, or release a generation), so it sits
//! behind a plain (synchronous) mutex, never held across an `.await`, as Tokio's does. Each waiting
//! future remembers the generation it arrived in and its slot in that generation's waker list; the
//! last arrival bumps the generation and wakes the slots. A waiter is done as soon as the generation
//! has moved past its own, so a wakeup can never be missed or misattributed across rounds.
//!
//! Cancellation is as Tokio's: an arrival counts from the future's first poll, and dropping the future
//! afterwards does not take it back (the round still completes when the others arrive); the dropped
//! future only clears its waker slot.

use crate::loom::sync::Mutex;
use crate::probe::resource::{Resource, ResourceKind, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A barrier for `n` tasks: each calls [`wait`](Barrier::wait), and all are let through when the
/// `n`-th arrives. Reusable: the next `n` calls form the next round.
///
/// # Examples
///
/// Three tasks meet before any of them goes on:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::Barrier;
/// use std::sync::Arc;
///
/// let barrier = Arc::new(Barrier::new(3));
/// let mut tasks = Vec::new();
/// for _ in 0..3 {
///     let barrier = barrier.clone();
///     tasks.push(glasswing::spawn(async move { barrier.wait().await.is_leader() }));
/// }
/// let mut leaders = 0;
/// for task in tasks {
///     leaders += task.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # }
/// ```
#[derive(Debug)]
pub struct Barrier {
    /// The barrier as the diagnostics know it (created where, waited on by whom).
    resource: Resource,
    state: Mutex<BarrierState>,
    n: usize,
}

#[derive(Debug)]
struct BarrierState {
    arrived: usize,
    generation: usize,
    /// The wakers of this generation's waiters, by arrival; a dropped waiter leaves `None`.
    wakers: Vec<Option<Waker>>,
}

/// What [`Barrier::wait`] returns: whether this task was the round's leader (exactly one is).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// // A barrier for one task: its only waiter is the last to arrive, so the leader.
/// let barrier = glasswing::sync::Barrier::new(1);
/// let result = barrier.wait().await;
/// assert!(result.is_leader());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the leader: the last to arrive, which released the others.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Barrier;
    /// use std::sync::Arc;
    ///
    /// let barrier = Arc::new(Barrier::new(2));
    /// let other = glasswing::spawn({
    ///     let barrier = barrier.clone();
    ///     async move { barrier.wait().await.is_leader() }
    /// });
    /// let mine = barrier.wait().await.is_leader();
    /// // Exactly one of the two leads the round.
    /// assert_ne!(mine, other.await.unwrap());
    /// # }
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks. `n == 0` is taken as 1 (every `wait` returns at once, as the leader),
    /// as Tokio does.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // `0` is taken as 1: nobody waits for anyone.
    /// let barrier = glasswing::sync::Barrier::new(0);
    /// assert!(barrier.wait().await.is_leader());
    /// assert!(barrier.wait().await.is_leader());
    /// # }
    /// ```
    #[track_caller]
    pub fn new(mut n: usize) -> Barrier {
        if n == 0 {
            n = 1;
        }
        Barrier {
            resource: Resource::new(ResourceKind::Barrier),
            state: Mutex::new(BarrierState { arrived: 0, generation: 1, wakers: Vec::new() }),
            n,
        }
    }

    /// Where the barrier was created, as the diagnostics have it.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn location(&self) -> &'static std::panic::Location<'static> {
        self.resource.created_at()
    }

    /// Names the barrier in diagnostics (task dumps, snapshots): `Barrier::new(4).named("start")`.
    ///
    /// # Examples
    ///
    /// A task waiting on a named barrier, as a snapshot shows it:
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Barrier;
    /// use std::sync::Arc;
    ///
    /// let barrier = Arc::new(Barrier::new(2).named("start"));
    /// let task = glasswing::spawn({
    ///     let barrier = barrier.clone();
    ///     async move { barrier.wait().await; }
    /// });
    /// // Until the task has run and waits on the barrier.
    /// let snapshot = loop {
    ///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
    ///     if !snapshot.resources.is_empty() {
    ///         break snapshot;
    ///     }
    ///     glasswing::task::yield_now().await;
    /// };
    /// assert_eq!(snapshot.resources[0].name.as_deref(), Some("start"));
    /// barrier.wait().await;
    /// task.await.unwrap();
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Barrier {
        self.resource.set_name(name);
        self
    }

    /// Arrives at the barrier and waits for the round's other tasks. Exactly one task of each round
    /// gets a result whose [`is_leader`](BarrierWaitResult::is_leader) is `true`.
    ///
    /// # Examples
    ///
    /// The barrier is reusable: the same two tasks meet at it twice.
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::sync::Barrier;
    /// use std::sync::Arc;
    ///
    /// let barrier = Arc::new(Barrier::new(2));
    /// let task = glasswing::spawn({
    ///     let barrier = barrier.clone();
    ///     async move {
    ///         barrier.wait().await;
    ///         barrier.wait().await;
    ///     }
    /// });
    /// barrier.wait().await;
    /// barrier.wait().await;
    /// task.await.unwrap();
    /// # }
    /// ```
    #[track_caller]
    pub fn wait(&self) -> impl Future<Output = BarrierWaitResult> + '_ {
        // `!Unpin`, as Tokio's (an `async fn` there).
        crate::not_unpin::NotUnpin::new(BarrierWait { barrier: self, arrival: None, waiting: None })
    }
}

/// The future of [`Barrier::wait`].
struct BarrierWait<'a> {
    barrier: &'a Barrier,
    /// Once arrived: the generation and our slot in its waker list.
    arrival: Option<(usize, usize)>,
    /// The wait as the diagnostics see it, from arrival until the round is complete.
    waiting: Option<Waiting>,
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let barrier = self.barrier;
        let describe = || {
            let arrived = barrier.state.lock().arrived;
            format!("wait on {}: {arrived} of {} arrived", barrier.resource.record().title(), barrier.n)
        };
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), describe) {
            return leaf.pending(self.waiting.is_some());
        }
        // A leaf: it takes part in the task's coop budget.
        let restore = std::task::ready!(crate::scheduler::coop::poll_proceed(cx));
        let barrier = self.barrier;
        let mut state = barrier.state.lock();
        match self.arrival {
            None => {
                state.arrived += 1;
                if state.arrived == barrier.n {
                    // The last of the round: release it, and open the next.
                    state.arrived = 0;
                    state.generation += 1;
                    let wakers = std::mem::take(&mut state.wakers);
                    drop(state);
                    for waker in wakers.into_iter().flatten() {
                        waker.wake();
                    }
                    self.arrival = Some((0, 0));
                    restore.made_progress();
                    return Poll::Ready(BarrierWaitResult(true));
                }
                let generation = state.generation;
                state.wakers.push(Some(cx.waker().clone()));
                let slot = state.wakers.len() - 1;
                drop(state);
                self.arrival = Some((generation, slot));
                self.waiting = Some(barrier.resource.wait(WaitOp::Wait));
                Poll::Pending
            }
            Some((generation, slot)) => {
                if state.generation != generation {
                    self.waiting = None;
                    restore.made_progress();
                    return Poll::Ready(BarrierWaitResult(false));
                }
                match &mut state.wakers[slot] {
                    Some(stored) if stored.will_wake(cx.waker()) => {}
                    stored => *stored = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some((generation, slot)) = self.arrival {
            let mut state = self.barrier.state.lock();
            if state.generation == generation {
                // Still waiting: the arrival stays counted (as Tokio's), the waker goes.
                state.wakers[slot] = None;
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::test_support::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_round_releases_all_with_one_leader_and_the_barrier_is_reused() {
        let barrier = Barrier::new(3);
        assert_eq!(barrier.location().file(), file!());
        for _round in 0..3 {
            let (counts, wakers): (Vec<_>, Vec<_>) = (0..3).map(|_| count_waker()).unzip();
            let mut waits: Vec<_> = (0..3).map(|_| Box::pin(barrier.wait())).collect();
            assert!(poll(waits[0].as_mut(), &wakers[0]).is_pending());
            assert!(poll(waits[1].as_mut(), &wakers[1]).is_pending());
            // Re-polled with the same waker: still one arrival.
            assert!(poll(waits[1].as_mut(), &wakers[1]).is_pending());
            let Poll::Ready(last) = poll(waits[2].as_mut(), &wakers[2]) else { panic!("the third arrived") };
            assert!(last.is_leader());
            assert_eq!(wakes(&counts[0]), 1);
            assert_eq!(wakes(&counts[1]), 1);
            for i in 0..2 {
                let Poll::Ready(r) = poll(waits[i].as_mut(), &wakers[i]) else { panic!("released") };
                assert!(!r.is_leader());
            }
        }
    }

    #[test]
    fn a_dropped_waiter_still_counts_and_leaves_no_waker() {
        let barrier = Barrier::new(2);
        let (count, waker) = count_waker();
        let mut first = Box::pin(barrier.wait());
        assert!(poll(first.as_mut(), &waker).is_pending());
        drop(first);
        // The arrival stands (as Tokio's): the next arrival completes the round.
        let mut second = Box::pin(barrier.wait());
        assert!(matches!(poll(second.as_mut(), &waker), Poll::Ready(r) if r.is_leader()));
        assert_eq!(wakes(&count), 0, "the dropped waiter's waker was cleared");
        // A never-polled wait counts nothing.
        drop(barrier.wait());
        let mut third = Box::pin(barrier.wait());
        assert!(poll(third.as_mut(), &waker).is_pending());
    }

    #[test]
    fn a_barrier_of_zero_or_one_never_waits() {
        for n in [0, 1] {
            let barrier = Barrier::new(n);
            let (_, waker) = count_waker();
            let mut wait = Box::pin(barrier.wait());
            assert!(matches!(poll(wait.as_mut(), &waker), Poll::Ready(r) if r.is_leader()));
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)] // runtime and threads: slow under Miri
    fn rounds_of_tasks_on_a_multi_thread_runtime() {
        let rt = multi_thread_rt();
        let barrier = Arc::new(Barrier::new(5));
        let leaders = Arc::new(AtomicUsize::new(0));
        let passed = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let tasks: Vec<_> = (0..5)
                .map(|_| {
                    let (barrier, leaders, passed) = (barrier.clone(), leaders.clone(), passed.clone());
                    crate::spawn(async move {
                        for round in 0..50 {
                            passed.fetch_add(1, Ordering::SeqCst);
                            if barrier.wait().await.is_leader() {
                                leaders.fetch_add(1, Ordering::SeqCst);
                            }
                            // Everyone of this round has passed the increment before anyone leaves.
                            assert!(passed.load(Ordering::SeqCst) >= 5 * (round + 1));
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(leaders.load(Ordering::SeqCst), 50);
    }
}
