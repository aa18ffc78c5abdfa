//! The task's single heap allocation and its three parts.
//!
//! ```text
//! Cell<F, S>  (#[repr(C)], one allocation per task)
//! +--------------------------------------------------------------+
//! | Header   state word | vtable | id | spawn location |           |  what every poll and wake touches:
//! |          the hot half of the diagnostics record               |  64 bytes
//! +--------------------------------------------------------------+
//! | Core     scheduler S | Stage<F>: the future, then its output  |  touched only by the poller
//! +--------------------------------------------------------------+
//! | Trailer  owned-list links | queue link | name |               |  touched at spawn, completion,
//! |          the rest of the diagnostics record | join waker      |  through the global queue, by snapshots
//! +--------------------------------------------------------------+
//! ```
//!
//! The header comes first so that a `NonNull<Header>` is also a pointer to the whole cell: the run
//! queues, the owned-tasks list and the wakers hold only that pointer and reach the typed parts through
//! the vtable, which is monomorphised once per future type (the trailer through the offset it
//! records). The header holds only what a poll or a wake touches, so that the future comes right
//! after it: a poll of a small task touches two cache lines or three, not four. With the list links,
//! the name and the whole record in the header, 200 tasks yielding in turn no longer fitted in the
//! L1 cache and took 16% longer than on Tokio (whose task is 128 bytes, laid out the same way).

use super::state::State;
use super::{Id, Vtable};
use crate::loom::cell::UnsafeCell;
use crate::probe::task_stats::{self, StatsHead, StatsTail, TaskStats};
use std::alloc::{self, Layout};
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Links of the intrusive doubly linked list of owned tasks; guarded by that list's shard lock.
#[derive(Default)]
pub(crate) struct Pointers {
    pub(crate) prev: Option<NonNull<Header>>,
    pub(crate) next: Option<NonNull<Header>>,
}

/// The part of a task that every poll and every wake touches, and that needs no knowledge of the
/// future's type. The hot half of the per-task diagnostics record (`probe::task_stats`) lives here:
/// written by the thread that holds RUNNING (and by wakers, for wake counts), read racily by
/// snapshots, so that it changes neither the allocation scheme nor any transition.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: Id,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) stats: StatsHead,
}

/// The future while it runs, then its output until the `JoinHandle` takes it.
pub(crate) enum Stage<F: Future> {
    Running(F),
    Finished(super::Result<F::Output>),
    Consumed,
}

#[repr(C)]
pub(crate) struct Core<F: Future, S> {
    pub(crate) scheduler: S,
    pub(crate) stage: UnsafeCell<Stage<F>>,
}

/// The part of a task that its polls do not touch. Reached from a header pointer through
/// `Vtable::trailer_offset` (see `Header::trailer`).
#[repr(C)]
pub(crate) struct Trailer {
    /// Links of the owned-tasks list; guarded by that list's shard lock.
    pub(crate) owned: UnsafeCell<Pointers>,
    /// Link of the intrusive injection queue; owned by whoever holds the task's `Notified`.
    pub(crate) queue_next: UnsafeCell<Option<NonNull<Header>>>,
    /// Read through `name()`, so that its representation can change in one place.
    name: Option<Arc<str>>,
    /// The rest of the diagnostics record.
    pub(crate) stats: StatsTail,
    /// The `JoinHandle`'s waker; who may touch it is decided by the JOIN_WAKER bit (see `state.rs`).
    pub(crate) waker: UnsafeCell<Option<Waker>>,
}

#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) core: Core<F, S>,
    pub(crate) trailer: Trailer,
}

/// What a task is called and where it came from; kept in the header for diagnostics and errors.
pub(crate) struct Meta {
    pub(crate) id: Id,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) spawned_at: &'static Location<'static>,
    /// The task that spawned it, if any.
    pub(crate) parent: Option<Id>,
    /// When it was created, for its diagnostics record (see `probe::poll::spawning`).
    pub(crate) created_at: crate::probe::clock::Ticks,
    /// Whether to keep the diagnostics record (the runtime's `diagnostics` setting).
    pub(crate) diagnostics: bool,
}

impl Meta {
    /// A task without diagnostics (blocking work, tests).
    pub(crate) fn plain(name: Option<Arc<str>>, spawned_at: &'static Location<'static>) -> Meta {
        Meta { id: Id::next(), name, spawned_at, parent: None, created_at: 0, diagnostics: false }
    }
}

impl Header {
    /// The task's trailer.
    ///
    /// # Safety
    /// `ptr` points at a live task's header (and carries the whole cell's provenance, as every
    /// header pointer the runtime keeps does).
    pub(crate) unsafe fn trailer<'a>(ptr: NonNull<Header>) -> &'a Trailer {
        // SAFETY: the vtable was made for this cell's type and records where its trailer is.
        unsafe { &*ptr.as_ptr().cast::<u8>().add(ptr.as_ref().vtable.trailer_offset).cast::<Trailer>() }
    }

    /// The task's diagnostics record, both halves.
    ///
    /// # Safety
    /// As for `trailer`.
    pub(crate) unsafe fn stats<'a>(ptr: NonNull<Header>) -> TaskStats<'a> {
        // SAFETY: per the caller's contract.
        unsafe { TaskStats::new(&(*ptr.as_ptr()).stats, &Header::trailer(ptr).stats) }
    }
}

impl<F: Future, S: 'static> Cell<F, S> {
    /// Where the trailer is, from the start of the cell (and so of its header).
    pub(crate) const TRAILER_OFFSET: usize = std::mem::offset_of!(Cell<F, S>, trailer);

    /// Allocates the task; the result is its only pointer.
    pub(crate) fn allocate(future: F, scheduler: S, meta: Meta, vtable: &'static Vtable) -> NonNull<Header> {
        // Allocated first and written after: `Box::new` builds the cell on the stack before it
        // allocates, then copies it, record and future, to the heap (twice, as profiled).
        let layout = Layout::new::<Cell<F, S>>();
        // SAFETY: the layout is not zero-sized (the header alone is not).
        let Some(cell) = NonNull::new(unsafe { alloc::alloc(layout) }.cast::<Cell<F, S>>()) else {
            alloc::handle_alloc_error(layout)
        };
        let (head, tail) = task_stats::record(meta.diagnostics, meta.parent.map(|id| id.0), meta.created_at);
        let value = Cell {
            header: Header {
                state: State::new(),
                vtable,
                id: meta.id,
                spawned_at: meta.spawned_at,
                stats: head,
            },
            core: Core { scheduler, stage: UnsafeCell::new(Stage::Running(future)) },
            trailer: Trailer {
                owned: UnsafeCell::new(Pointers::default()),
                queue_next: UnsafeCell::new(None),
                name: meta.name,
                stats: tail,
                waker: UnsafeCell::new(None),
            },
        };
        // SAFETY: `cell` is a fresh allocation with the layout of a `Cell<F, S>`; writing one there
        // initializes it. It is freed as a `Box` (`harness::dealloc`), which allocating with the
        // global allocator and `Layout::new` allows.
        unsafe { cell.as_ptr().write(value) };
        cell.cast()
    }
}

impl<F: Future, S> Core<F, S> {
    /// Polls the future; when it is ready, drops it right away so that its drop happens before anyone
    /// can observe completion.
    ///
    /// # Safety
    /// The caller has the RUNNING bit (exclusive access to the stage) and the stage is `Running`.
    pub(crate) unsafe fn poll(&self, cx: &mut Context<'_>) -> Poll<F::Output> {
        let res = self.stage.with_mut(|ptr| {
            // SAFETY: RUNNING gives this thread exclusive access to the stage, and the future is never
            // moved out of the cell while it is `Running`: the cell is pinned for its whole life.
            match unsafe { &mut *ptr } {
                Stage::Running(future) => unsafe { Pin::new_unchecked(future) }.poll(cx),
                _ => unreachable!("a task was polled after it completed"),
            }
        });
        if res.is_ready() {
            // SAFETY: still under the caller's RUNNING bit.
            unsafe { self.drop_future_or_output() };
        }
        res
    }

    /// # Safety
    /// The caller has exclusive access to the stage: the RUNNING bit, or COMPLETE with JOIN_INTEREST
    /// being theirs to give up.
    pub(crate) unsafe fn drop_future_or_output(&self) {
        // SAFETY: exclusive access per the caller's contract.
        unsafe { self.set_stage(Stage::Consumed) }
    }

    /// # Safety
    /// As for `drop_future_or_output`.
    pub(crate) unsafe fn store_output(&self, output: super::Result<F::Output>) {
        // SAFETY: exclusive access per the caller's contract.
        unsafe { self.set_stage(Stage::Finished(output)) }
    }

    /// Whether the stage still holds the future.
    ///
    /// # Safety
    /// As for `drop_future_or_output`.
    pub(crate) unsafe fn holds_future(&self) -> bool {
        // SAFETY: exclusive access per the caller's contract.
        self.stage.with(|ptr| matches!(unsafe { &*ptr }, Stage::Running(_)))
    }

    /// Whether the stage holds an output that is not an error.
    ///
    /// # Safety
    /// As for `drop_future_or_output`.
    pub(crate) unsafe fn holds_ok_output(&self) -> bool {
        // SAFETY: exclusive access per the caller's contract.
        self.stage.with(|ptr| matches!(unsafe { &*ptr }, Stage::Finished(Ok(_))))
    }

    /// # Safety
    /// The task is COMPLETE and the caller is the `JoinHandle`, which owns the output.
    pub(crate) unsafe fn take_output(&self) -> super::Result<F::Output> {
        self.stage.with_mut(|ptr| {
            // SAFETY: exclusive access per the caller's contract.
            match std::mem::replace(unsafe { &mut *ptr }, Stage::Consumed) {
                Stage::Finished(output) => output,
                _ => panic!("JoinHandle polled after it returned the task's output"),
            }
        })
    }

    /// # Safety
    /// The caller has exclusive access to the stage (see `drop_future_or_output`).
    unsafe fn set_stage(&self, stage: Stage<F>) {
        // SAFETY: the caller has exclusive access; the old stage is dropped in place here, and a panic
        // in that drop leaves the new stage already written.
        self.stage.with_mut(|ptr| unsafe { *ptr = stage })
    }
}

impl Trailer {
    /// The task's name, if it has one.
    #[inline]
    pub(crate) fn name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// # Safety
    /// The caller owns the waker slot (see JOIN_WAKER in `state.rs`).
    pub(crate) unsafe fn set_waker(&self, waker: Option<Waker>) {
        // SAFETY: exclusive access per the caller's contract.
        self.waker.with_mut(|ptr| unsafe { *ptr = waker });
    }

    /// # Safety
    /// The slot is readable: JOIN_WAKER is set, or the caller owns it.
    pub(crate) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: shared read access per the caller's contract.
        self.waker.with(|ptr| match unsafe { &*ptr } {
            Some(stored) => stored.will_wake(waker),
            None => false,
        })
    }

    /// # Safety
    /// As for `will_wake`.
    pub(crate) unsafe fn wake_join(&self) {
        // SAFETY: shared read access per the caller's contract.
        self.waker.with(|ptr| match unsafe { &*ptr } {
            Some(waker) => waker.wake_by_ref(),
            None => panic!("JOIN_WAKER set without a waker"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Header;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_header_is_one_cache_line() {
        // What a poll or a wake touches, and nothing else: the future follows it.
        assert_eq!(std::mem::size_of::<Header>(), 64);
    }
}
