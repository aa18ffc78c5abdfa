//! Untyped handles to a task: `RawTask` (a pointer and a vtable), and the reference-owning `Task`,
//! `Notified` and `UnownedTask` that the runtime passes around.
//!
//! Everything the scheduler does with a task goes through the vtable, so queues and lists hold one
//! pointer per task and never know the future's type.

use super::core::{Cell, Header, Meta, Trailer};
use super::harness;
use super::{JoinHandle, Schedule};
use crate::probe::task_stats::TaskStats;
use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

/// The typed operations of one `Cell<F, S>`, monomorphised once per future and scheduler type.
pub(crate) struct Vtable {
    pub(crate) poll: unsafe fn(NonNull<Header>),
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Writes `Poll<Result<T>>` through the `*mut ()` when the output is ready.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
    /// Polls an idle task in trace mode, for a task dump.
    pub(crate) trace: unsafe fn(NonNull<Header>) -> Traced,
    /// Where the trailer is, from the start of the cell (`Header::trailer`).
    pub(crate) trailer_offset: usize,
    /// The future's type (`std::any::type_name`), which diagnostics name a task's code by where its
    /// stack has no frame of it.
    pub(crate) future_type: fn() -> &'static str,
}

fn vtable<F: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
        trace: harness::trace::<F, S>,
        trailer_offset: Cell::<F, S>::TRAILER_OFFSET,
        future_type: std::any::type_name::<F>,
    }
}

/// What a trace poll did (`RawTask::trace`).
pub(crate) enum Traced {
    /// Nothing: the task was not idle.
    NotIdle,
    /// It polled the task, which returned `Pending` (or, reaching a future that does not take part
    /// in dumps and was ready, `Ready`: then it completed).
    Polled,
    /// It polled the task, which panicked: the task was left as after a `Pending` poll (see
    /// `Harness::trace`). The panic's payload.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A pointer to a task; owns nothing by itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a task is shared between threads by design; every access to its parts is synchronized by the
// state word, and futures put in a task are `Send` (or the task never leaves its thread).
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn new<F: Future, S: Schedule>(future: F, scheduler: S, meta: Meta) -> RawTask {
        RawTask { ptr: Cell::allocate(future, scheduler, meta, vtable::<F, S>()) }
    }

    /// # Safety
    /// `ptr` points at a live task header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a RawTask is only made from a live task, and it is used only while some reference
        // keeps that task alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn trailer(&self) -> &Trailer {
        // SAFETY: as above; the pointer came from the allocation, with the whole cell's provenance.
        unsafe { Header::trailer(self.ptr) }
    }

    pub(crate) fn stats(&self) -> TaskStats<'_> {
        // SAFETY: as above.
        unsafe { Header::stats(self.ptr) }
    }

    /// Polls the task; consumes the `Notified` reference.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable matches the cell it was created with.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    pub(crate) fn schedule(self) {
        // SAFETY: as above; the caller hands over one reference for the `Notified`.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    pub(crate) fn dealloc(self) {
        // SAFETY: as above; the caller released the last reference.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` points at a `Poll<Result<T, JoinError>>` for this task's output type.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: as above, plus the caller's contract on `dst`.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    pub(crate) fn drop_join_handle_slow(self) {
        // SAFETY: as above; the caller is the JoinHandle, giving up its reference.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// Cancels the task for runtime shutdown; consumes one reference.
    pub(crate) fn shutdown(self) {
        // SAFETY: as above.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    /// Polls the task in trace mode if it is idle (see `diag/dump`); the caller holds a reference.
    pub(crate) fn trace(self) -> Traced {
        // SAFETY: as above.
        unsafe { (self.header().vtable.trace)(self.ptr) }
    }

    pub(crate) fn ref_inc(self) {
        self.header().state.ref_inc();
    }

    pub(crate) fn drop_reference(self) {
        if self.header().state.ref_dec() {
            self.dealloc();
        }
    }

    pub(crate) fn waker_ref_inc(self) {
        self.header().state.waker_ref_inc();
    }

    pub(crate) fn drop_waker_reference(self) {
        if self.header().state.waker_ref_dec() {
            self.dealloc();
        }
    }

    /// `abort()` from any thread.
    pub(crate) fn remote_abort(self) {
        if self.header().state.transition_to_notified_and_cancel() {
            // The transition added the reference that the new `Notified` owns.
            self.schedule();
        }
    }
}

/// One owned reference to a task: held by the owned-tasks list.
pub(crate) struct Task {
    raw: RawTask,
}

/// A task that is scheduled: owns the reference of the single pending wake. Sits in a run queue until
/// a worker polls it.
pub(crate) struct Notified(pub(crate) Task);

/// A task outside any owned list (spawn_blocking): owns two references, its list-equivalent one and
/// its first `Notified`.
pub(crate) struct UnownedTask {
    raw: RawTask,
}

impl Task {
    /// # Safety
    /// The caller transfers one reference of `raw` to the new value.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task {
        Task { raw }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    pub(crate) fn header(&self) -> &Header {
        self.raw.header()
    }

    /// Gives up ownership without releasing the reference.
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// Cancels the task for runtime shutdown; consumes this reference.
    pub(crate) fn shutdown(self) {
        self.into_raw().shutdown();
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl Notified {
    /// Polls the task, consuming this wake.
    pub(crate) fn run(self) {
        self.0.into_raw().poll();
    }

    pub(crate) fn into_raw(self) -> RawTask {
        self.0.into_raw()
    }

    /// # Safety
    /// `raw` came from `Notified::into_raw`, and nothing else took back that reference.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        // SAFETY: per the caller's contract the reference is transferred.
        Notified(unsafe { Task::from_raw(raw) })
    }
}

impl UnownedTask {
    pub(crate) fn new<F: Future, S: Schedule>(
        future: F,
        scheduler: S,
        meta: Meta,
    ) -> (UnownedTask, JoinHandle<F::Output>) {
        let raw = RawTask::new(future, scheduler, meta);
        // Of the three initial references, the JoinHandle takes one and this value the other two.
        // SAFETY: the JoinHandle gets its own reference.
        let join = unsafe { JoinHandle::from_raw(raw) };
        (UnownedTask { raw }, join)
    }

    /// Runs the task to completion or to its first `Pending`, then releases both references.
    pub(crate) fn run(self) {
        let raw = self.raw;
        std::mem::forget(self);
        raw.poll();
        raw.drop_reference();
    }

    /// Cancels the task without running it.
    pub(crate) fn shutdown(self) {
        let raw = self.raw;
        std::mem::forget(self);
        // The `Notified` reference goes first; the other one is consumed by the shutdown.
        raw.header().state.ref_dec();
        raw.shutdown();
    }
}

impl Drop for UnownedTask {
    fn drop(&mut self) {
        // Only reached if the task was neither run nor shut down, e.g. a queue dropped while unwinding.
        let raw = self.raw;
        raw.header().state.ref_dec();
        raw.drop_reference();
    }
}
