//! The `Waker` of a task: the task pointer itself plus one static vtable, so cloning, waking and dropping
//! a waker never allocate — each is one atomic operation on the state word (plus the schedule call).
//!
//! Every `Waker` clone owns one reference to the task, which keeps the allocation alive for as long as
//! anybody could still wake it. Waker references have a count of their own in the state word, so
//! diagnostics can tell a task that nobody can wake any more (see `state.rs`).

use super::core::Header;
use super::raw::RawTask;
use super::state::TransitionToNotified;
use crate::probe::{self, RuntimeProbes};
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The waker a task dump's trace poll lends (see `diag/dump`): the same task, another vtable, so
/// that a leaf comparing it with the waker it keeps (`will_wake`) clones it, and the clone tells the
/// dump where the leaf is. A clone is an ordinary waker; this one is never dropped (it is only lent).
static TRACE_VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_for_trace, wake, wake_by_ref_for_trace, drop_waker);

/// A waker lent to a poll: it borrows the poller's reference instead of owning one.
pub(crate) struct WakerRef {
    waker: ManuallyDrop<Waker>,
}

impl Deref for WakerRef {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

/// # Safety
/// The caller keeps a reference to the task for as long as the result is used.
pub(crate) unsafe fn borrowed(header: NonNull<Header>) -> WakerRef {
    // SAFETY: the vtable functions below are sound for any live task header, and `ManuallyDrop` keeps
    // this waker from releasing a reference it does not own.
    let waker = unsafe { Waker::from_raw(RawWaker::new(header.as_ptr() as *const (), &VTABLE)) };
    WakerRef { waker: ManuallyDrop::new(waker) }
}

/// As `borrowed`, for a task dump's trace poll.
///
/// # Safety
/// As for `borrowed`.
pub(crate) unsafe fn borrowed_for_trace(header: NonNull<Header>) -> WakerRef {
    // SAFETY: as in `borrowed`; the trace vtable differs only in its clone, which makes an ordinary
    // waker, and its wake by reference, which does what the ordinary one does after recording it.
    let waker = unsafe { Waker::from_raw(RawWaker::new(header.as_ptr() as *const (), &TRACE_VTABLE)) };
    WakerRef { waker: ManuallyDrop::new(waker) }
}

/// The task a waker wakes, if it is a Glasswing task's own waker (not one a combinator or another
/// executor made): its id and spawn location, read while the caller's waker keeps the task alive.
pub(crate) fn owner(waker: &Waker) -> Option<(super::Id, &'static std::panic::Location<'static>)> {
    let vtable = waker.vtable();
    if !std::ptr::eq(vtable, &VTABLE) && !std::ptr::eq(vtable, &TRACE_VTABLE) {
        return None;
    }
    // SAFETY: a waker on one of our vtables holds a reference to a live task header (see `raw`),
    // and the caller's borrow of it keeps that reference alive while we read.
    let header = unsafe { &*(waker.data() as *const Header) };
    Some((header.id, header.spawned_at))
}

/// # Safety
/// `ptr` is the data pointer of a waker on one of our vtables: a live task header that the waker
/// (or the poll lending it) holds a reference to.
unsafe fn raw(ptr: *const ()) -> RawTask {
    // SAFETY: per this function's contract, `ptr` is a live task header (so not null).
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

/// Wakes each of `wakers`, for the `driver` named ("timer wheel", "I/O driver"): a wake that
/// panics is caught and told to the runtime's observer, and the others are still delivered, so one
/// bad waker neither loses the rest of a batch of wakeups nor takes down the thread that fires them.
pub(crate) fn wake_all(
    probes: &RuntimeProbes,
    driver: &'static str,
    wakers: impl IntoIterator<Item = Waker>,
) {
    for waker in wakers {
        // Read before the wake consumes the waker (a pointer compare, and a load from the task's
        // header, which the wake touches anyway).
        let owner = owner(&waker).map(|(id, location)| (id.0, location));
        if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake())) {
            probes.observer.waker_panicked(driver, owner, payload);
        }
    }
}

// The vtable functions. # Safety: `std` calls them only with the data pointer of a waker built on
// `VTABLE`, which is always a live task header that the waker (or the poll lending it) holds a
// reference to.

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: `std` passes a data pointer of a waker on our vtable.
    unsafe { raw(ptr) }.waker_ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn clone_for_trace(ptr: *const ()) -> RawWaker {
    probe::trace::waker_kept();
    // SAFETY: as for `clone`: the data pointer is the same task's.
    unsafe { clone(ptr) }
}

unsafe fn wake_by_ref_for_trace(ptr: *const ()) {
    probe::trace::woke_itself(probe::poll::is_yielding());
    // SAFETY: as for `wake_by_ref`.
    unsafe { wake_by_ref(ptr) }
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: as in `clone`.
    let task = unsafe { raw(ptr) };
    let header = task.header();
    // Read before the transition: once it consumed our reference the task may be freed.
    let (id, diagnostics) = (header.id, header.stats.is_enabled());
    match header.state.transition_to_notified_by_val() {
        TransitionToNotified::DoNothing => {
            if diagnostics {
                count_self_wake(task, id);
            }
        }
        TransitionToNotified::Submit => {
            // We won the transition that schedules the task and still hold our reference: nobody
            // else touches the wake figures until the task is polled.
            if diagnostics {
                task.stats().scheduled_by_wake(probe::poll::woken(id.0));
            }
            task.schedule();
            task.drop_waker_reference();
        }
        TransitionToNotified::Dealloc => task.dealloc(),
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: as in `clone`.
    let task = unsafe { raw(ptr) };
    let header = task.header();
    match header.state.transition_to_notified_by_ref() {
        TransitionToNotified::Submit => {
            if header.stats.is_enabled() {
                task.stats().scheduled_by_wake(probe::poll::woken(header.id.0));
            }
            task.schedule();
        }
        _ => {
            if header.stats.is_enabled() {
                count_self_wake(task, header.id);
            }
        }
    }
}

/// A wake that did not schedule the task: counted if it is the task's own (a self-wake or a yield,
/// from its poll on this thread). A wake from elsewhere that finds the task running is counted by
/// its poller (`harness.rs`), and one that finds it already scheduled changes nothing and is not
/// counted. So every wake figure has a single writer at a time, and none needs a locked instruction.
#[inline]
fn count_self_wake(task: RawTask, id: super::Id) {
    // `self_wake` looks only at this thread: the task is touched only if this thread is polling it,
    // and then that poll's reference keeps it alive (a wake by value may have dropped ours).
    match probe::poll::self_wake(id.0) {
        // A yield, the common case, counts in the header: no read of where the trailer is.
        Some(true) => task.header().stats.count_yield(),
        Some(false) => task.stats().woke_self(false),
        None => {}
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: as in `clone`.
    unsafe { raw(ptr) }.drop_waker_reference();
}
