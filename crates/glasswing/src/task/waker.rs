//! The `Waker` of a task: the task pointer itself plus one static vtable, so cloning, waking and dropping
//! a waker never allocate — each is one atomic operation on the state word (plus the schedule call).
//!
//! Every `Waker` clone owns one reference to the task, which keeps the allocation alive for as long as
//! anybody could still wake it. Waker references have a count of their own in the state word, so
//! diagnostics can tell a task that nobody can wake any more (see `state.rs`).

use super::core::Header;
use super::raw::RawTask;
use super::state::TransitionToNotified;
use crate::runtime::context;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

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

fn raw(ptr: *const ()) -> RawTask {
    // SAFETY: wakers are only made by `borrowed` (or cloned from one), from a live task header; the
    // waker's reference (or the poller's) keeps it live.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

// The vtable functions. # Safety: `std` calls them only with the data pointer of a waker built on
// `VTABLE`, which is always a live task header that the waker (or the poll lending it) holds a
// reference to.

unsafe fn clone(ptr: *const ()) -> RawWaker {
    raw(ptr).waker_ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    let task = raw(ptr);
    // Counted before the transition: once it consumed our reference the task may be freed.
    let counted = count_wake(task);
    match task.header().state.transition_to_notified_by_val() {
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Submit => {
            // We won the transition that schedules the task and still hold our reference: nobody
            // else touches `scheduled_at` until the task is polled.
            if counted {
                task.header().stats.scheduled_by_wake(context::wake_time());
            }
            task.schedule();
            task.drop_waker_reference();
        }
        TransitionToNotified::Dealloc => task.dealloc(),
    }
}

unsafe fn wake_by_ref(ptr: *const ()) {
    let task = raw(ptr);
    let counted = count_wake(task);
    if task.header().state.transition_to_notified_by_ref() == TransitionToNotified::Submit {
        if counted {
            task.header().stats.scheduled_by_wake(context::wake_time());
        }
        task.schedule();
    }
}

/// Counts a wake in the task's diagnostics record; false if diagnostics are off for it. A wake that
/// goes on to schedule the task is then stamped with `context::wake_time`: only those need a time,
/// and never a self-wake or a yield (the task is running, so they schedule nothing).
#[inline]
fn count_wake(task: RawTask) -> bool {
    let header = task.header();
    if !header.stats.is_enabled() {
        return false;
    }
    header.stats.woken(context::wake_kind(header.id));
    true
}

unsafe fn drop_waker(ptr: *const ()) {
    raw(ptr).drop_waker_reference();
}
