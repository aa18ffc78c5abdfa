//! The channel's queue: a lock-free list of [`Block`]s, pushed at the tail by any number of senders
//! and popped at the head by the one receiver.
//!
//! A sender claims a slot index with one `fetch_add` on `tail_position`, walks from `block_tail` to
//! the block that holds the index (allocating blocks at the end as needed), writes the value and sets
//! the slot's ready bit. The receiver reads slot `index`, in order, from `head`.
//!
//! **Moving the tail.** A sender that walks past a block whose slots are all written tries to move
//! `block_tail` past it (one compare-and-swap; the winner alone continues) and then *releases* the
//! block: it records the `tail_position` it sees after the move and sets `RELEASED`.
//!
//! **Recycling.** A released block whose recorded tail position the receiver has read up to can no
//! longer be reached by any sender: a sender that loaded the old `block_tail` claimed its index
//! before the move (the four operations involved are `SeqCst`, so they have one total order: the
//! sender's `fetch_add` before its load of the old tail, that load before the move, the move before
//! the recorded load), so its index is below the recorded position, and the receiver reading that
//! index means the sender's write, its last touch of the list, is done. The receiver then appends the
//! block after the current tail for reuse (a few tries), or frees it.
//!
//! **Closing.** The last sender claims one more index, the close marker, and sets `TX_CLOSED` on its
//! block (and `TAIL_CLOSED` in `tail_position`): the receiver, reaching that index, reads `Closed`.
//!
//! Shaped after Tokio's `sync/mpsc/list.rs`.

use super::block::{self, Block, Read};
use crate::loom::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::ptr::NonNull;

/// Set in `tail_position` by `close`: the last index claimed is the close marker.
const TAIL_CLOSED: usize = 1 << (usize::BITS - 1);

/// The senders' end of the list.
pub(crate) struct Tx<T> {
    /// The block the senders start their walk from.
    block_tail: AtomicPtr<Block<T>>,
    /// The next slot index to claim (and `TAIL_CLOSED`).
    tail_position: AtomicUsize,
}

/// The receiver's end of the list.
pub(crate) struct Rx<T> {
    /// The block that holds (or will hold) `index`.
    head: NonNull<Block<T>>,
    /// The next slot to read.
    index: usize,
    /// The oldest block not yet recycled; blocks from here to `head` wait to be.
    free_head: NonNull<Block<T>>,
}

/// What `try_pop` found.
pub(crate) enum TryPop<T> {
    Value(T),
    Closed,
    /// Nothing was claimed past the receiver's index.
    Empty,
    /// A sender claimed the next slot and has not finished writing it.
    Busy,
}

pub(crate) fn channel<T>() -> (Tx<T>, Rx<T>) {
    let first = NonNull::from(Box::leak(Block::new(0)));
    let tx = Tx { block_tail: AtomicPtr::new(first.as_ptr()), tail_position: AtomicUsize::new(0) };
    let rx = Rx { head: first, index: 0, free_head: first };
    (tx, rx)
}

// SAFETY: `Tx` is shared among the senders; every block it reaches is accessed through atomics, or
// through slots that one sender claimed, or fields written before the block was published.
unsafe impl<T: Send> Send for Tx<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Tx<T> {}
// SAFETY: `Rx` is owned by the receiver (the channel keeps it in a cell only the receiver touches).
unsafe impl<T: Send> Send for Rx<T> {}
// SAFETY: as above: a `&Rx` gives access to nothing.
unsafe impl<T: Send> Sync for Rx<T> {}

impl<T> Tx<T> {
    /// Pushes a value at the tail.
    pub(crate) fn push(&self, value: T) {
        let slot_index = self.tail_position.fetch_add(1, Ordering::SeqCst);
        debug_assert_eq!(slot_index & TAIL_CLOSED, 0, "push after the channel closed");
        let block = self.find_block(slot_index);
        // SAFETY: `find_block` returned the block that holds our freshly claimed slot, and it stays
        // valid until the receiver has read the slot (see the module doc).
        unsafe { block.as_ref().write(slot_index, value) };
    }

    /// Pushes the close marker. Called once, by the last sender.
    pub(crate) fn close(&self) {
        let slot_index = self.tail_position.fetch_add(1 | TAIL_CLOSED, Ordering::SeqCst);
        let block = self.find_block(slot_index & !TAIL_CLOSED);
        // SAFETY: as in `push`: the marker's slot is claimed, so the block stays valid until the
        // receiver reaches it, which it does only after seeing the flag set here.
        unsafe { block.as_ref().tx_close() };
    }

    /// Walks from `block_tail` to the block that holds `slot_index`, growing the list and moving the
    /// tail as it goes.
    fn find_block(&self, slot_index: usize) -> NonNull<Block<T>> {
        let start_index = block::start_index(slot_index);
        let offset = block::offset(slot_index);
        let mut block_ptr = self.block_tail.load(Ordering::SeqCst);
        // SAFETY: the tail block is never recycled (only released blocks are, and a block is
        // released after the tail has moved past it; see the module doc for why those we walk stay).
        let mut block = unsafe { NonNull::new_unchecked(block_ptr) };
        // Only a sender some way past the tail tries to move it: spreads the contention (Tokio's rule).
        // SAFETY: as above.
        let mut try_updating_tail = unsafe { block.as_ref() }.distance(start_index) > offset;
        loop {
            // SAFETY: as above.
            let current = unsafe { block.as_ref() };
            if current.is_at_index(start_index) {
                return block;
            }
            let next = current.load_next(Ordering::Acquire).unwrap_or_else(|| current.grow());
            try_updating_tail &= current.is_final();
            if try_updating_tail {
                match self.block_tail.compare_exchange(
                    block_ptr,
                    next.as_ptr(),
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                ) {
                    Ok(_) => {
                        let tail_position = self.tail_position.load(Ordering::SeqCst) & !TAIL_CLOSED;
                        // SAFETY: our compare-and-swap moved the tail past this block: we alone
                        // release it, once.
                        unsafe { current.tx_release(tail_position) };
                    }
                    Err(_) => try_updating_tail = false,
                }
            }
            block = next;
            block_ptr = next.as_ptr();
        }
    }

    /// Appends a recycled block after the tail (three tries), or frees it.
    ///
    /// # Safety
    /// `block` was reclaimed by the receiver: valid, cleared, reached by no other thread.
    unsafe fn reclaim_block(&self, block: NonNull<Block<T>>) {
        // SAFETY: the tail block is never recycled, and the receiver is the only recycler (us).
        let mut curr = unsafe { NonNull::new_unchecked(self.block_tail.load(Ordering::Acquire)) };
        for _ in 0..3 {
            // SAFETY: `curr` is the tail or after it, so valid; `block` is ours (caller's contract).
            match unsafe { curr.as_ref().try_push(block) } {
                Ok(()) => return,
                Err(next) => curr = next,
            }
        }
        // SAFETY: never linked again, ours alone: allocated by `Block::new` as a `Box`.
        drop(unsafe { Box::from_raw(block.as_ptr()) });
    }
}

impl<T> Rx<T> {
    /// Pops the next value: `Some(Value)`, `Some(Closed)` at the close marker (the index stays
    /// there), or `None` if the next slot is not written yet.
    pub(crate) fn pop(&mut self, tx: &Tx<T>) -> Option<Read<T>> {
        if !self.try_advancing_head() {
            return None;
        }
        self.reclaim_blocks(tx);
        // SAFETY: `head` holds `index` (just checked), the receiver (`&mut self`) reads each slot
        // once: it moves past it below when it got the value.
        let read = unsafe { self.head.as_ref().read(self.index) };
        if let Some(Read::Value(_)) = read {
            self.index = self.index.wrapping_add(1);
        }
        read
    }

    /// `pop`, telling an empty list from one whose next slot is still being written.
    pub(crate) fn try_pop(&mut self, tx: &Tx<T>) -> TryPop<T> {
        let tail_position = tx.tail_position.load(Ordering::Acquire) & !TAIL_CLOSED;
        match self.pop(tx) {
            Some(Read::Value(value)) => TryPop::Value(value),
            Some(Read::Closed) => TryPop::Closed,
            None if tail_position == self.index => TryPop::Empty,
            None => TryPop::Busy,
        }
    }

    /// How many slots are claimed past the receiver's index (written or not), less the close marker.
    pub(crate) fn len(&self, tx: &Tx<T>) -> usize {
        let tail = tx.tail_position.load(Ordering::Acquire);
        let claimed = (tail & !TAIL_CLOSED).wrapping_sub(self.index);
        claimed - usize::from(tail & TAIL_CLOSED != 0)
    }

    /// Whether the next slot holds no value yet.
    pub(crate) fn is_empty(&self, tx: &Tx<T>) -> bool {
        let start = block::start_index(self.index);
        let mut block = self.head;
        loop {
            // SAFETY: `head` and the blocks after it are not recycled while the receiver (us) has
            // not read past them.
            let current = unsafe { block.as_ref() };
            if current.is_at_index(start) {
                return !current.is_ready(self.index);
            }
            match current.load_next(Ordering::Acquire) {
                Some(next) => block = next,
                None => return self.len(tx) == 0,
            }
        }
    }

    /// Moves `head` to the block that holds `index`; false if it is not linked yet.
    fn try_advancing_head(&mut self) -> bool {
        let start = block::start_index(self.index);
        loop {
            // SAFETY: `head` is valid: it is recycled only after the receiver moved past it.
            let head = unsafe { self.head.as_ref() };
            if head.is_at_index(start) {
                return true;
            }
            match head.load_next(Ordering::Acquire) {
                Some(next) => self.head = next,
                None => return false,
            }
        }
    }

    /// Recycles the blocks before `head` that no sender can reach any more.
    fn reclaim_blocks(&mut self, tx: &Tx<T>) {
        while self.free_head != self.head {
            // SAFETY: blocks from `free_head` up to `head` are valid and only the receiver frees them.
            let block = unsafe { self.free_head.as_ref() };
            match block.observed_tail_position() {
                Some(required) if required <= self.index => {}
                _ => return,
            }
            // A released block has a successor (the tail moved to it); `RELEASED` (Acquire) orders
            // this load after the link.
            let next = block.load_next(Ordering::Acquire).expect("a released block has a successor");
            let reclaimed = std::mem::replace(&mut self.free_head, next);
            // SAFETY: released, and the receiver read past the recorded tail position: no sender can
            // reach it (module doc), and the receiver no longer points to it.
            unsafe {
                Block::reclaim(reclaimed);
                tx.reclaim_block(reclaimed);
            }
        }
    }

    /// Frees every block. Called when the channel is dropped, after its values were popped.
    ///
    /// # Safety
    /// No sender and no other receiver call remain, and the values left were dropped.
    pub(crate) unsafe fn free_blocks(&mut self) {
        let mut next = Some(self.free_head);
        while let Some(block) = next {
            // SAFETY: every block from `free_head` on is valid and now ours alone (caller's contract);
            // each was allocated by `Block::new` as a `Box`.
            unsafe {
                next = block.as_ref().load_next(Ordering::Relaxed);
                drop(Box::from_raw(block.as_ptr()));
            }
        }
    }
}
