//! The typed operations behind the vtable: polling, completing, cancelling, joining and freeing a
//! `Cell<F, S>`. Each function follows the state machine in `state.rs`: it first wins a transition, and
//! only then touches the part of the cell that the transition gave it.

use super::core::{Cell, Core, Header, Trailer};
use super::raw::{Notified, RawTask, Task, Traced};
use super::state::{TransitionToIdle, TransitionToRunning};
use super::{waker, JoinError, Schedule};
use crate::probe::poll::{Outcome, PollEnd};
use crate::probe::trace::trace_root;
use crate::probe::{self, task_stats::TaskStats};
use std::any::Any;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

struct Harness<F: Future, S: 'static> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S: Schedule> Harness<F, S> {
    /// # Safety
    /// `ptr` is the header of a live `Cell<F, S>`.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn header(&self) -> &Header {
        // SAFETY: the cell is alive while the harness is used (the caller holds a reference).
        unsafe { &self.cell.as_ref().header }
    }

    fn core(&self) -> &Core<F, S> {
        // SAFETY: as above.
        unsafe { &self.cell.as_ref().core }
    }

    fn trailer(&self) -> &Trailer {
        // SAFETY: as above.
        unsafe { &self.cell.as_ref().trailer }
    }

    fn stats(&self) -> TaskStats<'_> {
        TaskStats::new(&self.header().stats, &self.trailer().stats)
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the cell is alive.
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    fn poll(self) {
        match self.header().state.transition_to_running() {
            TransitionToRunning::Success => {}
            TransitionToRunning::Cancelled => return self.cancel_and_complete(),
            TransitionToRunning::Failed => return,
            TransitionToRunning::Dealloc => return self.dealloc(),
        }
        let header_ptr = self.cell.cast::<Header>();
        // SAFETY: this poll holds a reference for as long as the borrowed waker is used.
        let waker = unsafe { waker::borrowed(header_ptr) };
        let mut cx = Context::from_waker(&waker);
        let header = self.header();
        // SAFETY: the RUNNING bit won above gives exclusive access to the future.
        let poll_future = || unsafe { poll_caught(self.core(), &mut cx) };
        let (res, end) =
            probe::poll::run(header.id.0, header.spawned_at, self.stats(), poll_future, outcome::<F::Output>);
        self.poll_ended(res, end);
    }

    /// After a poll: hand the task on as its result says, and as `end` says the poll woke itself.
    /// Inlined: out of line, the poll's result went through memory and the call cost 17
    /// instructions per poll.
    #[inline(always)]
    fn poll_ended(self, res: std::thread::Result<Poll<F::Output>>, end: PollEnd) {
        match res {
            Ok(Poll::Pending) => match self.header().state.transition_to_idle() {
                TransitionToIdle::Ok => {}
                TransitionToIdle::OkNotified => {
                    if let Some(ended) = end.timed {
                        let stats = self.stats();
                        if !end.yielded && !end.woke_self {
                            // Woken by someone else while it ran (see `task/waker.rs`).
                            stats.woken_during_poll();
                        }
                        // Woken during the poll: scheduled from its end, if it was timed (else
                        // unmeasured). Still ours until rescheduled.
                        stats.rescheduled(ended);
                    }
                    // SAFETY: the transition added the reference this `Notified` owns.
                    let notified = unsafe { Notified::from_raw(self.raw()) };
                    self.core().scheduler.reschedule(notified, end.yielded);
                    self.raw().drop_reference();
                }
                TransitionToIdle::OkDealloc => self.dealloc(),
                TransitionToIdle::Cancelled => self.cancel_and_complete(),
            },
            Ok(Poll::Ready(output)) => {
                // SAFETY: still RUNNING; the future was dropped by `Core::poll`.
                unsafe { self.core().store_output(Ok(output)) };
                self.complete();
            }
            Err(payload) => {
                // The future panicked mid-poll, and is gone: `poll_caught` dropped it in the unwind.
                self.core().scheduler.unhandled_panic();
                // SAFETY: still RUNNING.
                unsafe {
                    self.core().store_output(Err(JoinError::panic(self.header(), self.trailer(), payload)))
                };
                self.complete();
            }
        }
    }

    /// A task dump's poll of an idle task (see `diag/dump`): in trace mode, on a thread that polls
    /// nothing else, with the trace waker, and not counted in the task's figures. It ends as any
    /// poll does, but for a panic: a panic in a trace poll is the dump's, not the task's, so the
    /// future is kept and the task left as after a `Pending` poll (a future that the unwind left
    /// unusable, as an `async fn` is, panics at its next poll, which completes the task).
    fn trace(self) -> Traced {
        if !self.core().scheduler.may_poll_here() || !self.header().state.transition_to_running_for_trace() {
            return Traced::NotIdle;
        }
        let header_ptr = self.cell.cast::<Header>();
        // SAFETY: the transition added a reference, held until `poll_ended` releases it.
        let waker = unsafe { waker::borrowed_for_trace(header_ptr) };
        let mut cx = Context::from_waker(&waker);
        let mut res = None;
        let ((), end) = probe::poll::unmeasured(self.header().id.0, || {
            trace_root(&mut || {
                // Not `poll_caught`, which drops the future in the unwind.
                res = Some(panic::catch_unwind(AssertUnwindSafe(|| {
                    // SAFETY: the RUNNING bit won above gives exclusive access to the future.
                    unsafe { self.core().poll(&mut cx) }
                })));
            })
        });
        match res.expect("the trace poll ran") {
            Ok(res) => {
                self.poll_ended(Ok(res), end);
                Traced::Polled
            }
            // SAFETY: still RUNNING.
            Err(payload) if unsafe { self.core().holds_future() } => {
                self.poll_ended(Ok(Poll::Pending), end);
                Traced::Panicked(payload)
            }
            // The future was ready and its drop panicked: it is gone, and the task completes as
            // after any poll that ends so.
            Err(payload) => {
                self.poll_ended(Err(payload), end);
                Traced::Polled
            }
        }
    }

    /// Drops the future (the caller won RUNNING with CANCELLED set) and completes with "cancelled".
    fn cancel_and_complete(self) {
        let id = self.header().id;
        let res = probe::poll::with_current_task_id(id.0, || {
            panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: the caller holds RUNNING.
                unsafe { self.core().drop_future_or_output() }
            }))
        });
        let err = match res {
            Ok(()) => JoinError::cancelled(self.header(), self.trailer()),
            Err(payload) => JoinError::panic(self.header(), self.trailer(), payload),
        };
        // SAFETY: the caller holds RUNNING.
        unsafe { self.core().store_output(Err(err)) };
        self.complete();
    }

    /// The output is stored: publish it, wake the joiner, leave the owned list, release references.
    fn complete(self) {
        // Before the output is published: a joiner that sees it sees the hook's effects too.
        self.core().scheduler.terminated(self.header().id, self.header().spawned_at);
        let snapshot = self.header().state.transition_to_complete();
        // Panics here can only come from user code (an output's drop, a waker); each is contained on
        // its own so that the handshake below always finishes and the references are released.
        if !snapshot.is_join_interested() {
            // Nobody will read the output: drop it here, on the runtime thread.
            // SAFETY: COMPLETE without JOIN_INTEREST leaves the output to the completer.
            unsafe { self.drop_output() };
        } else if snapshot.is_join_waker_set() {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: JOIN_WAKER is set and COMPLETE is now set, so the slot is frozen for reading.
                unsafe { self.trailer().wake_join() }
            }));
            let after = self.header().state.unset_join_waker_after_complete();
            if !after.is_join_interested() {
                // The JoinHandle went away while we were waking it and left the waker to us.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                    // SAFETY: JOIN_WAKER is clear and JOIN_INTEREST is gone: nobody else reads it.
                    unsafe { self.trailer().set_waker(None) }
                }));
            }
        }
        // SAFETY: the list's reference, if the scheduler still had the task, is handed back to us.
        let task = std::mem::ManuallyDrop::new(unsafe { Task::from_raw(self.raw()) });
        let released = self.core().scheduler.release(&task).map(Task::into_raw);
        let count = if released.is_some() { 2 } else { 1 };
        if self.header().state.transition_to_terminal(count) {
            self.dealloc();
        }
    }

    fn dealloc(self) {
        // SAFETY: the last reference is gone, so nothing else points at the cell; it was made by
        // `Cell::allocate` with the layout a `Box` uses. Dropping it drops whatever stage is left and
        // the join waker.
        drop(unsafe { Box::from_raw(self.cell.as_ptr()) });
    }

    fn schedule(self) {
        // SAFETY: the caller hands over one reference for the `Notified`.
        let notified = unsafe { Notified::from_raw(self.raw()) };
        self.core().scheduler.schedule(notified);
    }

    fn shutdown(self) {
        if !self.header().state.transition_to_shutdown() {
            // Someone is polling it: they will see CANCELLED. Our reference goes.
            self.raw().drop_reference();
            return;
        }
        self.cancel_and_complete();
    }

    /// Drops the stored output, which nobody will read, as its task: its drop sees the task's own
    /// `task::id()`, wherever this runs (Tokio does the same). A panic in that drop (a user type, or
    /// the payload of a panic) is contained: the user gave the output up.
    ///
    /// # Safety
    /// The task is COMPLETE and the output is the caller's to drop.
    unsafe fn drop_output(&self) {
        let drop_it = || {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: per this function's contract.
                unsafe { self.core().drop_future_or_output() }
            }));
        };
        // An `Ok` output of a type without drop glue (`()`, plain data) runs no code when dropped:
        // no task id is needed, which spares a detached task a thread-local access when it completes.
        // SAFETY: per this function's contract, the stage is ours to read.
        if !std::mem::needs_drop::<F::Output>() && unsafe { self.core().holds_ok_output() } {
            drop_it();
        } else {
            probe::poll::with_current_task_id(self.header().id.0, drop_it);
        }
    }

    fn try_read_output(self, dst: &mut Poll<super::Result<F::Output>>, waker: &Waker) {
        if can_read_output(self.header(), self.trailer(), waker) {
            // SAFETY: COMPLETE with JOIN_INTEREST: the output is the JoinHandle's.
            *dst = Poll::Ready(unsafe { self.core().take_output() });
        }
    }

    fn drop_join_handle_slow(self) {
        let (drop_output, drop_waker) = self.header().state.transition_to_join_handle_dropped();
        if drop_output {
            // The user gave up on the output by dropping the handle.
            // SAFETY: COMPLETE, and JOIN_INTEREST was ours until the transition above.
            unsafe { self.drop_output() };
        }
        if drop_waker {
            // SAFETY: JOIN_WAKER is clear: the slot is ours.
            unsafe { self.trailer().set_waker(None) };
        }
        self.raw().drop_reference();
    }
}

/// One poll of the future, its panic caught. A future that panics is dropped during the unwind, as
/// every value the panic unwinds through is (Tokio's harness does the same): its `Drop` sees
/// `thread::panicking()`. A panic from that drop is caught there, inside the unwind, where it would
/// otherwise abort the process; the result carries the poll's panic, the one the user wants to see.
///
/// # Safety
/// The caller holds the task's RUNNING bit, and its stage is `Running`.
#[inline(always)]
unsafe fn poll_caught<F: Future, S>(
    core: &Core<F, S>,
    cx: &mut Context<'_>,
) -> std::thread::Result<Poll<F::Output>> {
    struct DropOnUnwind<'a, F: Future, S>(&'a Core<F, S>);
    impl<F: Future, S> Drop for DropOnUnwind<'_, F, S> {
        fn drop(&mut self) {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: the poll's caller still holds RUNNING: it is unwinding out of that poll.
                unsafe { self.0.drop_future_or_output() }
            }));
        }
    }
    panic::catch_unwind(AssertUnwindSafe(|| {
        let guard = DropOnUnwind(core);
        // SAFETY: per this function's contract.
        let res = unsafe { core.poll(cx) };
        // Not panicked: the future stays (or `Core::poll` dropped it, being ready).
        std::mem::forget(guard);
        res
    }))
}

/// How a poll ended, for the probes.
fn outcome<T>(res: &std::thread::Result<Poll<T>>) -> Outcome {
    match res {
        Ok(Poll::Pending) => Outcome::Pending,
        Ok(Poll::Ready(_)) => Outcome::Ready,
        Err(_) => Outcome::Panicked,
    }
}

/// The JoinHandle's half of the waker protocol. Returns true when the output can be taken.
fn can_read_output(header: &Header, trailer: &Trailer, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let res = if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER is set: the slot is readable.
        if unsafe { trailer.will_wake(waker) } {
            return false;
        }
        // Take the slot back before writing a different waker into it.
        header.state.unset_join_waker().and_then(|_| set_join_waker(header, trailer, waker.clone()))
    } else {
        set_join_waker(header, trailer, waker.clone())
    };
    match res {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn set_join_waker(header: &Header, trailer: &Trailer, waker: Waker) -> Result<(), super::state::StateWord> {
    // SAFETY: JOIN_WAKER is clear and JOIN_INTEREST is set: only the JoinHandle touches the slot.
    unsafe { trailer.set_waker(Some(waker)) };
    header.state.set_join_waker().map(|_| ()).inspect_err(|_| {
        // Completed meanwhile: the completer will not read the slot; the waker is ours to drop.
        // SAFETY: as above.
        unsafe { trailer.set_waker(None) };
    })
}

impl JoinError {
    fn panic(header: &Header, trailer: &Trailer, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError::new_panic(header.id, header.spawned_at, trailer.name().map(|n| &**n), payload)
    }

    fn cancelled(header: &Header, trailer: &Trailer) -> JoinError {
        JoinError::new_cancelled(header.id, header.spawned_at, trailer.name().map(|n| &**n))
    }
}

// The vtable entries: thin untyped shims.
//
// # Safety
// Each is reached only through the vtable that `RawTask::new` installed on a `Cell<F, S>` of these very
// types, with a header pointer the caller keeps alive by holding a reference to the task.

pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only installed on a `Cell<F, S>`.
    unsafe { Harness::<F, S>::from_raw(ptr) }.poll()
}

pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.schedule()
}

pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.dealloc()
}

pub(super) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the JoinHandle<F::Output> passes a pointer to its own `Poll<Result<F::Output>>`.
    let dst = unsafe { &mut *(dst as *mut Poll<super::Result<F::Output>>) };
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.try_read_output(dst, waker)
}

pub(super) unsafe fn drop_join_handle_slow<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.drop_join_handle_slow()
}

pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.shutdown()
}

pub(super) unsafe fn trace<F: Future, S: Schedule>(ptr: NonNull<Header>) -> Traced {
    // SAFETY: as above.
    unsafe { Harness::<F, S>::from_raw(ptr) }.trace()
}
