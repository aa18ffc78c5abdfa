//! The task's state word: every flag and the reference count in one `AtomicUsize`, so each transition is
//! a single compare-and-swap and no two parties can disagree about who owns the future.
//!
//! ```text
//!  63 ............ 35 34 ............. 6   5          4          3             2         1         0
//! [  waker refs     ][   other refs     ][CANCELLED][JOIN_WAKER][JOIN_INTEREST][NOTIFIED][COMPLETE][RUNNING]
//! ```
//!
//! The two reference counts together count every handle that keeps the allocation alive; it is freed
//! when both reach zero. *Waker refs* are the `Waker` clones. *Other refs* are the runtime's list of
//! owned tasks, the `JoinHandle`, each `AbortHandle`, and the run-queue entry (`Notified`) while the
//! task is scheduled or being polled.
//!
//! Wakers get a count of their own because it answers, in one load, whether anybody can still wake
//! the task: a task that is idle (not running, not notified, not complete) with no waker ref is
//! stuck for good, and diagnostics report it as a lost waker, exactly. A clone, a drop and a wake
//! stay one atomic operation each, as with a single count. (On 64-bit targets each count has 29
//! bits; on 32-bit ones 13, and a count that would overflow aborts the process.)

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::fmt;

/// The task's future is being polled, or being dropped, by exactly one thread. Set by whoever wins the
/// race to poll (a worker) or to cancel (shutdown); it excludes every other access to the future.
const RUNNING: usize = 0b00_0001;

/// The future is gone and the output (or the `JoinError`) is stored. Set once, together with clearing
/// RUNNING; never cleared. After it is set, only the `JoinHandle` touches the output.
const COMPLETE: usize = 0b00_0010;

/// A wake arrived that has not been consumed by a poll yet. While the task is idle this bit means a
/// `Notified` sits in some run queue and owns one reference; while RUNNING it means "poll again after
/// this poll", and the poller makes the new `Notified`. At most one `Notified` exists at any time.
const NOTIFIED: usize = 0b00_0100;

/// A `JoinHandle` exists. While set, the output belongs to the `JoinHandle`; when the handle is dropped
/// first, whoever completes the task drops the output.
const JOIN_INTEREST: usize = 0b00_1000;

/// The join waker slot holds a waker that the completing thread may read. While clear, the
/// `JoinHandle` owns the slot exclusively (and may write it); while set, the slot is shared read-only.
const JOIN_WAKER: usize = 0b01_0000;

/// The task was aborted or the runtime is shutting down: the next poll drops the future instead.
const CANCELLED: usize = 0b10_0000;

const REF_SHIFT: u32 = 6;
/// Width of each of the two reference counts.
const REF_BITS: u32 = (usize::BITS - REF_SHIFT) / 2;
const REF_ONE: usize = 1 << REF_SHIFT;
const REF_MAX: usize = (1 << REF_BITS) - 1;
const WAKER_SHIFT: u32 = REF_SHIFT + REF_BITS;
const WAKER_ONE: usize = 1 << WAKER_SHIFT;

/// A new task is referenced by the owned-tasks list, its first `Notified` and its `JoinHandle`.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

pub(crate) struct State(AtomicUsize);

/// A copy of the state word taken at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateWord(usize);

/// What the poller must do before touching the future.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// Poll it.
    Success,
    /// Drop it: the task was aborted before this poll.
    Cancelled,
    /// Someone else runs it or it is complete; this `Notified`'s reference was released.
    Failed,
    /// As `Failed`, and that was the last reference: free the task.
    Dealloc,
}

/// What the poller must do after a poll returned `Pending`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// Nothing; the poller's reference was released.
    Ok,
    /// A wake came during the poll: schedule the task again. A reference for the new `Notified` was
    /// added; the poller releases its own only after handing that over, because the scheduler it calls
    /// lives inside the task and must outlive the call.
    OkNotified,
    /// The poller's reference was the last: free the task.
    OkDealloc,
    /// The task was aborted during the poll: the poller still owns the future and must drop it.
    Cancelled,
}

/// What a wake must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotified {
    /// Nothing to do.
    DoNothing,
    /// Hand a `Notified` (which owns one reference) to the scheduler.
    Submit,
    /// The reference the waker held was the last: free the task.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State(AtomicUsize::new(INITIAL))
    }

    pub(crate) fn load(&self) -> StateWord {
        StateWord(self.0.load(Acquire))
    }

    /// Applies `f` in a CAS loop; `f` returns the result and the next state, or `None` to stop without
    /// writing.
    fn update<R>(&self, mut f: impl FnMut(StateWord) -> (R, Option<StateWord>)) -> R {
        let mut curr = self.load();
        loop {
            let (result, next) = f(curr);
            let Some(next) = next else { return result };
            match self.0.compare_exchange_weak(curr.0, next.0, AcqRel, Acquire) {
                Ok(_) => return result,
                Err(actual) => curr = StateWord(actual),
            }
        }
    }

    /// A `Notified` is about to be polled.
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.update(|curr| {
            assert!(curr.is_notified(), "a task was polled without being scheduled");
            let mut next = curr;
            if !curr.is_idle() {
                // Shutdown claimed it, or it completed: this stale queue entry only drops its reference.
                next.ref_dec();
                let action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return (action, Some(next));
            }
            next.0 |= RUNNING;
            next.0 &= !NOTIFIED;
            let action = if curr.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            (action, Some(next))
        })
    }

    /// A task dump wants to poll the task in trace mode (see `diag/dump`): only an idle task that
    /// nothing has scheduled, so that no queue entry exists while the dump holds RUNNING. Sets RUNNING
    /// and adds the reference that `transition_to_idle` releases at the poll's end, as a `Notified`'s
    /// would be; a wake during the trace sets NOTIFIED and is handed on by that transition, as for any
    /// poll. Returns false, changing nothing, if the task is not such a task.
    pub(crate) fn transition_to_running_for_trace(&self) -> bool {
        self.update(|curr| {
            if !curr.is_idle() || curr.is_notified() || curr.is_cancelled() {
                return (false, None);
            }
            let mut next = curr;
            next.0 |= RUNNING;
            next.ref_inc();
            (true, Some(next))
        })
    }

    /// A poll returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> TransitionToIdle {
        self.update(|curr| {
            debug_assert!(curr.is_running());
            if curr.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            let mut next = curr;
            next.0 &= !RUNNING;
            let action = if curr.is_notified() {
                next.ref_inc();
                TransitionToIdle::OkNotified
            } else {
                next.ref_dec();
                if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                }
            };
            (action, Some(next))
        })
    }

    /// The future is gone and the output is stored: RUNNING -> COMPLETE. Returns the new state.
    pub(crate) fn transition_to_complete(&self) -> StateWord {
        let prev = StateWord(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        StateWord(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Releases `count` references after completion. Returns true if the task must be freed.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = StateWord(self.0.fetch_sub(count * REF_ONE, AcqRel));
        // The references released are other references: counted against the waker references too,
        // an underflow would borrow from the waker count and go unnoticed.
        assert!(prev.other_ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// A wake that consumes the waker's reference. On `Submit` the waker's reference is still held
    /// and released by the caller (`State::waker_ref_dec`) after scheduling.
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.update(|curr| {
            let mut next = curr;
            let action = if curr.is_running() {
                // The poller will see NOTIFIED and reschedule; it does not need our reference.
                next.0 |= NOTIFIED;
                next.waker_ref_dec();
                debug_assert!(next.ref_count() > 0, "a running task holds a reference");
                TransitionToNotified::DoNothing
            } else if curr.is_complete() || curr.is_notified() {
                next.waker_ref_dec();
                if next.ref_count() == 0 {
                    TransitionToNotified::Dealloc
                } else {
                    TransitionToNotified::DoNothing
                }
            } else {
                // One reference for the new `Notified`; the waker keeps its own until the scheduler
                // call returns, since that scheduler lives inside the task.
                next.0 |= NOTIFIED;
                next.ref_inc();
                TransitionToNotified::Submit
            };
            (action, Some(next))
        })
    }

    /// A wake through a borrowed waker: a reference is created for the `Notified` if one is needed.
    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.update(|curr| {
            if curr.is_complete() || curr.is_notified() {
                return (TransitionToNotified::DoNothing, None);
            }
            let mut next = curr;
            next.0 |= NOTIFIED;
            if curr.is_running() {
                (TransitionToNotified::DoNothing, Some(next))
            } else {
                next.ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// `abort()`: marks the task cancelled; returns true if the caller must schedule it (a reference
    /// for that `Notified` was added) so that a worker drops the future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.update(|curr| {
            if curr.is_complete() || curr.is_cancelled() {
                return (false, None);
            }
            let mut next = curr;
            next.0 |= CANCELLED;
            if curr.is_running() || curr.is_notified() {
                // The current poller, or the queued poll, will see CANCELLED.
                return (false, Some(next));
            }
            next.0 |= NOTIFIED;
            next.ref_inc();
            (true, Some(next))
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if nobody is polling it, claims it (sets RUNNING)
    /// so the caller drops the future right here. Returns true if the caller claimed it.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|curr| {
            let mut next = curr;
            next.0 |= CANCELLED;
            if curr.is_idle() {
                next.0 |= RUNNING;
            }
            (curr.is_idle(), Some(next))
        })
    }

    /// The `JoinHandle` stores its waker: sets JOIN_WAKER unless the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<StateWord, StateWord> {
        self.update(|curr| {
            debug_assert!(curr.is_join_interested() && !curr.is_join_waker_set());
            if curr.is_complete() {
                return (Err(curr), None);
            }
            let next = StateWord(curr.0 | JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// The `JoinHandle` takes back the waker slot to replace its waker: clears JOIN_WAKER unless the
    /// task completed meanwhile (then the completer may be reading it).
    pub(crate) fn unset_join_waker(&self) -> Result<StateWord, StateWord> {
        self.update(|curr| {
            debug_assert!(curr.is_join_interested());
            if curr.is_complete() {
                // The completer may have cleared JOIN_WAKER already, after waking the old waker.
                return (Err(curr), None);
            }
            debug_assert!(curr.is_join_waker_set());
            let next = StateWord(curr.0 & !JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// The completer is done with the join waker: clears JOIN_WAKER. Returns the new state; if
    /// JOIN_INTEREST is gone by then, the `JoinHandle` was dropped and left the waker to the completer.
    pub(crate) fn unset_join_waker_after_complete(&self) -> StateWord {
        let prev = StateWord(self.0.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        StateWord(prev.0 & !JOIN_WAKER)
    }

    /// The `JoinHandle` is dropped. Returns `(drop_output, drop_waker)`: whether the output is now the
    /// handle's to drop (the task completed), and whether the waker slot is the handle's to clear.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> (bool, bool) {
        self.update(|curr| {
            debug_assert!(curr.is_join_interested());
            let mut next = StateWord(curr.0 & !JOIN_INTEREST);
            if !curr.is_complete() {
                // Nobody will read the slot any more: take it back.
                next.0 &= !JOIN_WAKER;
            }
            ((curr.is_complete(), !next.is_join_waker_set()), Some(next))
        })
    }

    /// Fast path for dropping a `JoinHandle` of a task that is still pending with no waker stored and
    /// the initial references: saves the CAS loop in the common spawn-and-forget case.
    pub(crate) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        self.0
            .compare_exchange(INITIAL, (INITIAL - REF_ONE) & !JOIN_INTEREST, Release, Relaxed)
            .map(|_| ())
            .map_err(|_| ())
    }

    pub(crate) fn ref_inc(&self) {
        let prev = StateWord(self.0.fetch_add(REF_ONE, Relaxed));
        // A count this high means references are being leaked: abort rather than carry into the
        // waker count.
        if prev.other_ref_count() >= REF_MAX - 1 {
            std::process::abort();
        }
    }

    /// Releases one of the other refs. Returns true if this was the last reference of either kind.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = StateWord(self.0.fetch_sub(REF_ONE, AcqRel));
        assert!(prev.other_ref_count() >= 1, "task reference count underflow");
        prev.ref_count() == 1
    }

    /// A `Waker` was cloned.
    pub(crate) fn waker_ref_inc(&self) {
        let prev = StateWord(self.0.fetch_add(WAKER_ONE, Relaxed));
        if prev.waker_count() >= REF_MAX - 1 {
            std::process::abort();
        }
    }

    /// A `Waker` was dropped. Returns true if this was the last reference of either kind.
    pub(crate) fn waker_ref_dec(&self) -> bool {
        let prev = StateWord(self.0.fetch_sub(WAKER_ONE, AcqRel));
        assert!(prev.waker_count() >= 1, "task waker count underflow");
        prev.ref_count() == 1
    }
}

impl StateWord {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    /// Neither being polled nor complete.
    pub(crate) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    /// All references: wakers and the others.
    pub(crate) fn ref_count(self) -> usize {
        self.other_ref_count() + self.waker_count()
    }
    fn other_ref_count(self) -> usize {
        (self.0 >> REF_SHIFT) & REF_MAX
    }
    /// Live `Waker` clones (a waker lent to a poll is not one).
    pub(crate) fn waker_count(self) -> usize {
        self.0 >> WAKER_SHIFT
    }
    /// Nobody can ever wake this task again: it is waiting (not running, not scheduled, not complete)
    /// and no `Waker` is alive. (An abort can still end it.)
    pub(crate) fn is_lost(self) -> bool {
        self.0 & (RUNNING | COMPLETE | NOTIFIED) == 0 && self.waker_count() == 0
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        assert!(self.other_ref_count() > 0, "task reference count underflow");
        self.0 -= REF_ONE;
    }
    fn waker_ref_dec(&mut self) {
        assert!(self.waker_count() > 0, "task waker count underflow");
        self.0 -= WAKER_ONE;
    }
}

impl fmt::Debug for StateWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateWord")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("cancelled", &self.is_cancelled())
            .field("refs", &self.other_ref_count())
            .field("wakers", &self.waker_count())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn new_task_is_scheduled_with_three_references() {
        let s = State::new().load();
        assert!(s.is_notified() && s.is_join_interested() && s.is_idle());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn wake_while_running_defers_to_the_poller() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_notified_by_ref(), TransitionToNotified::DoNothing);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::OkNotified);
        let s = state.load();
        assert!(s.is_notified() && !s.is_running());
    }

    #[test]
    fn abort_of_idle_task_schedules_it_once() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        assert!(state.transition_to_notified_and_cancel());
        assert!(!state.transition_to_notified_and_cancel());
        assert_eq!(state.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn wakers_have_their_own_count_and_an_idle_task_without_one_is_lost() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        state.waker_ref_inc();
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        let s = state.load();
        assert_eq!((s.waker_count(), s.ref_count()), (1, 3));
        assert!(!s.is_lost());
        // The only waker is woken by value: the task is scheduled, not lost.
        assert_eq!(state.transition_to_notified_by_val(), TransitionToNotified::Submit);
        assert!(!state.waker_ref_dec());
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        // Pending again with no waker kept anywhere: nothing can wake it.
        let s = state.load();
        assert_eq!(s.waker_count(), 0);
        assert!(s.is_lost());
    }

    #[test]
    fn a_trace_poll_takes_only_an_idle_unscheduled_task_and_hands_on_a_wake_it_sees() {
        let state = State::new();
        assert!(!state.transition_to_running_for_trace(), "scheduled: its queue entry will poll it");
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert!(!state.transition_to_running_for_trace(), "running");
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        let before = state.load().ref_count();
        assert!(state.transition_to_running_for_trace());
        assert_eq!(state.load().ref_count(), before + 1, "the trace holds a reference, as a poll would");
        // Woken during the trace: the end of the trace schedules it, exactly once.
        assert_eq!(state.transition_to_notified_by_ref(), TransitionToNotified::DoNothing);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::OkNotified);
        let s = state.load();
        assert!(s.is_notified() && !s.is_running());
        assert_eq!(s.ref_count(), before + 2, "one more for the new `Notified`");
        // The poller releases its own after scheduling, as after any poll (`Harness::poll_ended`).
        assert!(!state.ref_dec());
        assert_eq!(state.load().ref_count(), before + 1);
        // Not woken: the trace's reference is released and the task is as it was.
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        let idle = state.load();
        assert!(state.transition_to_running_for_trace());
        assert_eq!(state.transition_to_idle(), TransitionToIdle::Ok);
        assert_eq!(state.load(), idle);
    }

    #[test]
    #[should_panic(expected = "task reference count underflow")]
    fn releasing_more_references_than_are_held_is_caught_even_with_wakers_alive() {
        let state = State::new();
        assert_eq!(state.transition_to_running(), TransitionToRunning::Success);
        state.waker_ref_inc();
        state.waker_ref_inc();
        assert!(!state.ref_dec());
        assert!(!state.ref_dec());
        state.transition_to_complete();
        // One other reference is left (and two wakers): releasing two must not borrow from the
        // waker count.
        state.transition_to_terminal(2);
    }
}
