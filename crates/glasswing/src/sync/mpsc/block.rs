//! One block of the channel's queue: a fixed array of value slots, a word of "ready" bits (one per
//! slot, plus two flags), and the link to the next block.
//!
//! Senders write a slot and then set its ready bit (Release); the receiver reads a slot only after it
//! saw the bit (Acquire), so each slot has exactly one writer and one reader, in that order. The two
//! flags in the same word: `RELEASED` says the senders' tail has moved past this block (and
//! `observed_tail_position` says which slots may still be in flight), so the receiver may recycle it
//! once it has read that far; `TX_CLOSED` says the last sender closed the channel in this block.
//!
//! Shaped after Tokio's `sync/mpsc/block.rs`.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};

/// Slots per block: a power of two that leaves two bits of the ready word for the flags. Loom
/// models use tiny blocks so that a few values already cross block boundaries.
#[cfg(loom)]
pub(crate) const BLOCK_CAP: usize = 2;
#[cfg(all(not(loom), target_pointer_width = "64"))]
pub(crate) const BLOCK_CAP: usize = 32;
#[cfg(all(not(loom), not(target_pointer_width = "64")))]
pub(crate) const BLOCK_CAP: usize = 16;

const SLOT_MASK: usize = BLOCK_CAP - 1;
const START_MASK: usize = !SLOT_MASK;
const READY_MASK: usize = (1 << BLOCK_CAP) - 1;
/// The senders' tail moved past this block; `observed_tail_position` is written.
const RELEASED: usize = 1 << BLOCK_CAP;
/// The channel's close marker lies in this block.
const TX_CLOSED: usize = 1 << (BLOCK_CAP + 1);

/// What reading a slot found.
pub(crate) enum Read<T> {
    Value(T),
    Closed,
}

pub(crate) struct Block<T> {
    /// The index of the first slot. Written only while no other thread can reach the block (when it
    /// is made, or recycled before it is linked again); the link's Release publishes it.
    start_index: usize,
    next: AtomicPtr<Block<T>>,
    /// One ready bit per slot, plus `RELEASED` and `TX_CLOSED`.
    ready_slots: AtomicUsize,
    /// The senders' tail position when the tail moved past this block: every slot below it was
    /// claimed before, so once the receiver has read that far no sender can still reach the block.
    /// Written before `RELEASED` is set, read after it is seen.
    observed_tail_position: UnsafeCell<usize>,
    values: [UnsafeCell<MaybeUninit<T>>; BLOCK_CAP],
}

/// The first index of the block that holds `slot_index`.
pub(crate) fn start_index(slot_index: usize) -> usize {
    slot_index & START_MASK
}

/// The position of `slot_index` within its block.
pub(crate) fn offset(slot_index: usize) -> usize {
    slot_index & SLOT_MASK
}

impl<T> Block<T> {
    pub(crate) fn new(start_index: usize) -> Box<Block<T>> {
        Box::new(Block {
            start_index,
            next: AtomicPtr::new(ptr::null_mut()),
            ready_slots: AtomicUsize::new(0),
            observed_tail_position: UnsafeCell::new(0),
            values: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
        })
    }

    pub(crate) fn is_at_index(&self, index: usize) -> bool {
        debug_assert_eq!(offset(index), 0);
        self.start_index == index
    }

    /// How many blocks further on the block that starts at `other_index` is.
    pub(crate) fn distance(&self, other_index: usize) -> usize {
        debug_assert_eq!(offset(other_index), 0);
        other_index.wrapping_sub(self.start_index) / BLOCK_CAP
    }

    /// Writes the value of `slot_index` and marks it ready.
    ///
    /// # Safety
    /// The caller claimed `slot_index` (from the tail position, so no one else writes it) and it lies
    /// in this block.
    pub(crate) unsafe fn write(&self, slot_index: usize, value: T) {
        let slot = offset(slot_index);
        // SAFETY: the slot is ours alone (caller's contract) and the receiver reads it only after the
        // ready bit below is set.
        self.values[slot].with_mut(|p| unsafe { (*p).write(value) });
        self.ready_slots.fetch_or(1 << slot, Ordering::Release);
    }

    /// Reads the value of `slot_index` if it is ready; `Closed` if not and the close marker is in
    /// this block; `None` if neither.
    ///
    /// # Safety
    /// Only the receiver, once per slot, for a slot of this block.
    pub(crate) unsafe fn read(&self, slot_index: usize) -> Option<Read<T>> {
        let slot = offset(slot_index);
        let ready = self.ready_slots.load(Ordering::Acquire);
        if ready & (1 << slot) == 0 {
            return (ready & TX_CLOSED != 0).then_some(Read::Closed);
        }
        // SAFETY: the ready bit (Acquire) says the sender's write is complete and visible; the
        // receiver reads each slot once (caller's contract), so the value is moved out once.
        Some(Read::Value(self.values[slot].with(|p| unsafe { ptr::read(p).assume_init() })))
    }

    /// Whether `slot_index`'s value is ready (a peek, for `is_empty`).
    pub(crate) fn is_ready(&self, slot_index: usize) -> bool {
        self.ready_slots.load(Ordering::Acquire) & (1 << offset(slot_index)) != 0
    }

    /// Marks the block as holding the close marker.
    pub(crate) fn tx_close(&self) {
        self.ready_slots.fetch_or(TX_CLOSED, Ordering::Release);
    }

    /// Every slot is written.
    pub(crate) fn is_final(&self) -> bool {
        self.ready_slots.load(Ordering::Acquire) & READY_MASK == READY_MASK
    }

    /// Records that the tail moved past this block, at `tail_position`.
    ///
    /// # Safety
    /// Only the sender whose compare-and-swap moved the tail past this block, once.
    pub(crate) unsafe fn tx_release(&self, tail_position: usize) {
        // SAFETY: the receiver reads the cell only after it sees `RELEASED`, set below (Release),
        // and only one sender releases a block (caller's contract).
        self.observed_tail_position.with_mut(|p| unsafe { *p = tail_position });
        self.ready_slots.fetch_or(RELEASED, Ordering::Release);
    }

    /// The tail position recorded by `tx_release`, if it ran.
    pub(crate) fn observed_tail_position(&self) -> Option<usize> {
        if self.ready_slots.load(Ordering::Acquire) & RELEASED == 0 {
            return None;
        }
        // SAFETY: `RELEASED` (Acquire) says the write is done and visible, and there are no more.
        Some(self.observed_tail_position.with(|p| unsafe { *p }))
    }

    pub(crate) fn load_next(&self, ordering: Ordering) -> Option<NonNull<Block<T>>> {
        NonNull::new(self.next.load(ordering))
    }

    /// Clears the block for reuse (its values were all read).
    ///
    /// # Safety
    /// No other thread can reach the block.
    pub(crate) unsafe fn reclaim(this: NonNull<Block<T>>) {
        // SAFETY: no one else reaches the block (caller's contract), so a plain write is fine.
        unsafe {
            let block = &mut *this.as_ptr();
            block.start_index = 0;
            block.next = AtomicPtr::new(ptr::null_mut());
            block.ready_slots = AtomicUsize::new(0);
        }
    }

    /// Links `block` (private to the caller) after this one, numbered to follow it, if this one has
    /// no successor yet; otherwise returns the successor.
    ///
    /// # Safety
    /// `block` is valid and reached by no other thread.
    pub(crate) unsafe fn try_push(&self, block: NonNull<Block<T>>) -> Result<(), NonNull<Block<T>>> {
        // SAFETY: the block is private until the compare-and-swap below publishes it (Release).
        unsafe { (*block.as_ptr()).start_index = self.start_index.wrapping_add(BLOCK_CAP) };
        match self.next.compare_exchange(ptr::null_mut(), block.as_ptr(), Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            // SAFETY: a non-null successor.
            Err(next) => Err(unsafe { NonNull::new_unchecked(next) }),
        }
    }

    /// Returns the next block, allocating it if there is none yet. A block allocated in vain (another
    /// sender linked one first) is appended further down the list rather than freed.
    pub(crate) fn grow(&self) -> NonNull<Block<T>> {
        let new_block = NonNull::from(Box::leak(Block::new(self.start_index.wrapping_add(BLOCK_CAP))));
        // SAFETY: `new_block` is ours alone.
        let next = match unsafe { self.try_push(new_block) } {
            Ok(()) => return new_block,
            Err(next) => next,
        };
        let mut curr = next;
        loop {
            // SAFETY: blocks after the one a sender is walking from cannot be recycled before the
            // sender's own slot is read (see `list.rs`), and `new_block` is still ours alone.
            match unsafe { curr.as_ref().try_push(new_block) } {
                Ok(()) => return next,
                Err(after) => curr = after,
            }
        }
    }
}
