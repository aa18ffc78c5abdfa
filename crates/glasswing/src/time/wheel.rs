//! The hierarchical timer wheel: every pending `sleep` of a runtime, kept so that registering,
//! cancelling and finding the next timer to fire are all O(1), however many timers there are.
//!
//! Time is counted in ticks of 1 ms from the moment the driver started (`u64`, so it never wraps in
//! practice). The wheel is a plain single-threaded value; the time driver keeps it behind a mutex and
//! calls [`Wheel::advance`] with the current tick, then wakes the returned wakers outside the lock.
//!
//! # Levels
//!
//! Six levels of 64 slots each. A slot of level `L` covers `64^L` ticks, so the whole of level `L`
//! covers `64^(L+1)` ticks, which is exactly one slot of level `L + 1`:
//!
//! ```text
//!  level 5  [ 0 ][ 1 ][ 2 ] ....................................... [ 63 ]   slot = 64^5 ticks (~12.4 days)
//!             |
//!             '-- one level-5 slot is the whole of level 4 --------------.
//!  level 4  [ 0 ][ 1 ] ............................................ [ 63 ]   slot = 64^4 ticks (~4.7 hours)
//!   ...
//!  level 1  [ 0 ][ 1 ][ 2 ] ....................................... [ 63 ]   slot = 64 ticks
//!             |
//!             '-- one level-1 slot is the whole of level 0 --------------.
//!  level 0  [ 0 ][ 1 ][ 2 ] ....................................... [ 63 ]   slot = 1 tick
//!                      ^ elapsed & 63
//! ```
//!
//! A deadline is filed by comparing it with `elapsed` (the last tick processed): the most significant
//! bit where the two differ picks the level (bits 0-5 → level 0, bits 6-11 → level 1, ...) and the six
//! bits of the deadline at that level pick the slot. Two consequences make the structure work:
//!
//! - An entry in level `L` shares all bits above level `L` with `elapsed`: it lies in the *current*
//!   level-`(L + 1)` slot, in a later level-`L` slot than `elapsed`. So everything in level `L` expires
//!   before everything in level `L + 1`, and the earliest timer is always in the lowest non-empty level.
//! - When time reaches the start of an occupied slot of level `L > 0`, its entries now differ from
//!   `elapsed` only in lower bits: they are re-filed ("cascade") into a lower level. Each timer cascades
//!   at most five times in its life, whatever its duration.
//!
//! The top level has no level above it, so an entry is *filed* at most [`Wheel::MAX_DURATION`] ticks
//! ahead, less than one full turn of level 5. A filed tick past the next multiple of `64^6` then lands
//! in a level-5 slot at or "behind" the current one, and is read as one turn later: level 5 is a ring,
//! and the search for the next occupied slot starts just after `elapsed`'s slot so that such a slot
//! comes last, not first. Filing is clamped, the deadline is not: the entry keeps its own deadline, so
//! when time reaches the slot it was filed in it is filed again, up to `MAX_DURATION` further on, like
//! any cascade; it fires only when its deadline comes, however many years away.
//!
//! # Lists and bitmasks
//!
//! Timers live in a slab (`Vec<Entry>`, its free entries handed out lowest first by [`FreeSlots`])
//! and are named by a [`TimerKey`]: the slab index and a generation that is bumped every time the
//! entry is freed, so a key that outlived its timer can never touch the next timer that reuses the
//! index. An entry is freed as soon as its timer fires (or is removed): a key is *live* exactly while
//! its timer is pending, so "has it fired?" is "is the key stale?", and a fired timer costs its owner
//! no second visit to the wheel. Each slot is a doubly linked list threaded through the entries
//! themselves (`prev`/`next` slab indices), so inserting is a push at the head and cancelling is an
//! unlink by index, with no allocation and no search. Each level also keeps a `u64` with one bit per
//! non-empty slot, so finding the next occupied slot is a rotate and a `trailing_zeros`, never a walk
//! over timers or over empty slots.
//!
//! # Advancing
//!
//! [`Wheel::advance`] repeatedly takes the earliest occupied slot whose start is `<= now`, moves its
//! whole list to a "processing" list and sets `elapsed` to the slot's start; each entry of that list is
//! then either fired (its deadline has passed) or re-filed relative to the new `elapsed`. The
//! processing list is what lets `advance` stop halfway through a slot of ten thousand timers when the
//! caller's waker buffer is full, and resume on the next call without losing or reordering anything.
//!
//! # Sorting ahead
//!
//! A cascade re-files a whole slot at once, and a slot of level 2 spans 4 s: a million timers spread
//! over 10 s put 400,000 in one, and cascading them held the wheel's lock for hundreds of
//! milliseconds, during which every timer due fired that late. A slot of a higher level can be as
//! full: a deadline is filed by the highest digit in which it differs from `elapsed`, so a 10 s
//! timer set in the 10 s before a level-3 boundary (one every 4.4 minutes) goes to level 3, and a
//! server re-arming its timeouts all the time has most of them in that one slot when time gets there.
//!
//! So the slot that starts at the next level-2 boundary `S` is cascaded ahead of time, a batch per
//! `advance`: that is the next slot of level `T`, the highest level in which `S` differs from
//! `elapsed` (level 2's next slot; level 3's while `elapsed` is in level 2's last slot; and so on up).
//! Levels 1 to 4 have a second bank of 64 lists each (the *ahead* banks), and each entry of that slot
//! goes into the list it will be in once `elapsed` is `S` (level 1's slot 0 for the first 64 ticks);
//! timers registered for the slot go there directly. When time reaches `S`, levels 0 to `T - 1` are
//! empty (everything before `S` has fired, and `elapsed`'s digits at levels 2 to `T - 1` are the last,
//! 63, so no later slot of theirs is left), so the ahead banks of levels 1 to `T - 1` *become* those
//! levels by swapping which bank is current (`swapped`), and only level 1's slot 0 (due at once) and
//! any entries not yet sorted cascade then. While sorting is left, `next_expiration` asks for the
//! next tick, and a later slot of level 2 or above asks for a pass 4,096 ticks before it starts, when
//! it becomes the slot sorted ahead, so an idle driver wakes to do the sorting in batches too. That
//! lead is the same at every level: 4 s of `advance`s, 4,096 entries each.
//!
//! No `unsafe` anywhere: indices instead of pointers make the lists plain data, so Miri and loom have
//! nothing to say about it.

use super::free_slots::FreeSlots;
use std::fmt;
use std::task::Waker;

/// Bits of a deadline consumed per level. 64 slots because the occupancy of a level then fits one
/// `u64`, and `rotate_right` + `trailing_zeros` find the next occupied slot in a couple of instructions.
const LEVEL_BITS: u32 = 6;

/// Slots per level.
const SLOTS: usize = 1 << LEVEL_BITS;

/// Masks a value down to a slot number.
const SLOT_MASK: u64 = SLOTS as u64 - 1;

/// Six levels reach `64^6` ms, about 2.2 years: longer than any sleep worth keeping exact, while each
/// timer still cascades at most five times.
const LEVELS: usize = 6;

/// Marks the end of an intrusive list. A slab index can never reach it because `alloc` refuses to grow
/// the slab that far.
const NIL: u32 = u32::MAX;

/// Levels 1 to `AHEAD_LEVELS` have a second bank of lists (see "Sorting ahead" in the module
/// documentation): the slot sorted ahead is one of level 2 to 5, sorted into the levels below it.
const AHEAD_LEVELS: usize = LEVELS - 2;

/// Banks of `SLOTS` lists: bank `L` is level `L`'s first one, bank `LEVELS + L - 1` level `L`'s second
/// one (`1 <= L <= AHEAD_LEVELS`). List `bank * SLOTS + slot` is `slot` of that bank.
const BANKS: usize = LEVELS + AHEAD_LEVELS;

/// The list id of the processing list, just after the slot lists, so a single `u16` in the entry says
/// which list to unlink it from.
const PROCESSING: u16 = (BANKS * SLOTS) as u16;

/// Slot lists, then the processing list.
const LISTS: usize = BANKS * SLOTS + 1;

/// Ticks per level-2 slot.
const LEVEL2_SLOT: u64 = 1 << (2 * LEVEL_BITS);

/// Entries of the slot sorted ahead moved into the ahead banks per `advance`: enough that a slot of
/// a million timers is sorted in its 4 s of lead with an `advance` every few milliseconds, few enough
/// that the lock is held for tens of microseconds. Under Miri, whose tests have fewer timers, small
/// enough that the sorting still takes many `advance`s.
const SORT_AHEAD_BATCH: usize = if cfg!(miri) { 64 } else { 4096 };

/// Names one timer. `Copy` and small so the `Sleep` future can hold it without borrowing the wheel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    index: u32,
    generation: u32,
}

/// Why a deadline was not registered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InsertError {
    /// The deadline is not after `elapsed`: the timer would be due already, and the caller treats it as
    /// fired rather than paying for a registration that the next `advance` would undo.
    Elapsed,
}

/// Where an entry of the slab is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In `Wheel::free`; every key naming it is stale.
    Free,
    /// Linked into list `list`: `bank * SLOTS + slot`, or `PROCESSING`. Storing the list id (rather
    /// than recomputing it from the deadline) is what makes unlinking independent of `elapsed`.
    Pending { list: u16 },
}

/// One timer. Its size is the memory cost of a pending timer: 40 bytes on 64-bit targets (a `Waker` is
/// two words, the rest is the deadline and four `u32`-sized fields).
#[derive(Debug)]
struct Entry {
    /// The tick at which the timer fires. Where it is filed may be earlier (clamped to the wheel's
    /// horizon, see [`Wheel::link`]), never later.
    deadline: u64,
    /// `None` while free: a fired timer's waker moves out to the caller, which drops the task reference
    /// as soon as the wake is done rather than when the `Sleep` is dropped.
    waker: Option<Waker>,
    /// Neighbours in the entry's list.
    prev: u32,
    next: u32,
    /// Bumped on free; a key matches only while its generation equals this one.
    generation: u32,
    state: State,
}

/// The timer wheel. See the module documentation.
pub(crate) struct Wheel {
    /// The last tick processed. Every pending deadline is after it.
    elapsed: u64,
    /// Heads of the slot lists of every bank, then the processing list.
    heads: [u32; LISTS],
    /// One bit per non-empty list, per bank.
    occupied: [u64; BANKS],
    /// Bit `L` set: level `L`'s slots are in its second bank, and its first one is its ahead bank.
    swapped: u8,
    /// Every entry is pending or free; the last one is never free (freed entries at the end are
    /// dropped), so the slab is as long as the highest pending index, not the highest ever used.
    slab: Vec<Entry>,
    /// The free entries of `slab`, lowest first: see [`FreeSlots`].
    free: FreeSlots,
    /// The generation a newly pushed entry starts at: the highest generation of any entry dropped off
    /// the end, so a key naming a dropped entry stays stale when its index is pushed again.
    generation_floor: u32,
    /// Pending timers (linked in some list), so `len` is O(1).
    pending: usize,
    /// Entries linked into a list so far: the tests bound the work of one `advance` with it.
    #[cfg(test)]
    links: usize,
}

impl Wheel {
    /// The furthest ahead of `elapsed` an entry is filed, in ticks: one less than a full turn of the top
    /// level. Any more and a top-level slot could hold entries from two different turns, which no
    /// bitmask can tell apart; this way a slot at or behind `elapsed`'s is always exactly one turn ahead.
    /// A later deadline is filed here and filed again when time gets there.
    pub(crate) const MAX_DURATION: u64 = (1 << (LEVEL_BITS as usize * LEVELS)) - 1;

    pub(crate) fn new() -> Wheel {
        Wheel {
            elapsed: 0,
            heads: [NIL; LISTS],
            occupied: [0; BANKS],
            swapped: 0,
            slab: Vec::new(),
            free: FreeSlots::new(),
            generation_floor: 0,
            pending: 0,
            #[cfg(test)]
            links: 0,
        }
    }

    /// Ticks processed so far.
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Pending timers.
    // Not needed by the driver yet; kept for diagnostics (timer counts) and the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.pending
    }

    // Not needed by the driver yet; kept for diagnostics (timer counts) and the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// Registers a timer firing at tick `deadline`.
    ///
    /// A deadline at or before `elapsed` is refused with `Err(Elapsed)` (nothing is allocated; the caller
    /// treats the timer as fired). Any later deadline is kept as it is, however far: beyond the wheel's
    /// horizon the timer waits at the horizon and is filed again from there (see [`Wheel::link`]).
    pub(crate) fn insert(&mut self, deadline: u64, waker: Waker) -> Result<TimerKey, InsertError> {
        if deadline <= self.elapsed {
            return Err(InsertError::Elapsed);
        }
        let index = self.alloc(deadline, waker);
        self.link(index, deadline);
        self.pending += 1;
        Ok(TimerKey { index, generation: self.slab[index as usize].generation })
    }

    /// Moves a pending timer to a new deadline, keeping its entry and waker. Returns `false`, and leaves
    /// the wheel unchanged, when `key` is stale (the timer fired or was removed); returns `false` after
    /// freeing the entry when the new deadline is at or before `elapsed`. Either way the timer is no
    /// longer in the wheel and its owner registers anew if it still wants waking.
    #[cfg(test)]
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: u64) -> bool {
        self.reset_keeping_waker(key, deadline, &mut None)
    }

    /// `reset`, handing the waker of a timer it frees to `freed` instead of dropping it: the driver
    /// drops it after letting the wheel's lock go, as dropping a waker may run any code (a task's last
    /// reference, whose future owns a `Sleep` of this very wheel).
    pub(crate) fn reset_keeping_waker(
        &mut self,
        key: TimerKey,
        deadline: u64,
        freed: &mut Option<Waker>,
    ) -> bool {
        let Some(index) = self.live(key) else { return false };
        self.unlink(index);
        if deadline <= self.elapsed {
            self.pending -= 1;
            *freed = self.release(index);
            return false;
        }
        self.slab[index as usize].deadline = deadline;
        self.link(index, deadline);
        true
    }

    /// Stores `waker` for a pending timer unless the stored one already wakes the same task, so a
    /// `Sleep` polled again by the same task costs no clone. Ignored for a stale key (the timer fired:
    /// there is nothing left to wake it for).
    ///
    /// Returns the waker it replaced, for the caller to drop once the wheel's lock is let go.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> Option<Waker> {
        let index = self.live(key)?;
        match &mut self.slab[index as usize].waker {
            Some(stored) if stored.will_wake(waker) => None,
            slot => slot.replace(waker.clone()),
        }
    }

    /// Whether the timer has fired: its key is stale. A removed timer reads as fired too; it is not
    /// pending any more.
    pub(crate) fn is_fired(&self, key: TimerKey) -> bool {
        self.live(key).is_none()
    }

    /// The timer's deadline.
    ///
    /// # Panics
    ///
    /// If `key` is stale.
    // Not needed by the driver yet; kept for diagnostics (what a sleeping task waits for) and the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn deadline(&self, key: TimerKey) -> u64 {
        let index = self.live(key).expect("deadline of a removed timer");
        self.slab[index as usize].deadline
    }

    /// Cancels a pending timer and frees its entry, to be reused by a later insert under a new
    /// generation. A stale key is ignored: the timer already fired (or shutdown drained it), so an owner
    /// can call this from its `Drop` unconditionally.
    ///
    /// Returns the timer's waker, for the caller to drop once the wheel's lock is let go.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waker> {
        let index = self.live(key)?;
        self.unlink(index);
        self.pending -= 1;
        self.release(index)
    }

    /// The tick at which `advance` next has work to do: the deadline of the earliest timer if it is in
    /// level 0, otherwise the start of the slot it must cascade from (never later than its deadline).
    /// Returns `elapsed` itself while a previous `advance` stopped at its waker limit with work left, and
    /// `None` when no timer is pending, so the driver can park without a timeout.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        if self.heads[PROCESSING as usize] != NIL {
            return Some(self.elapsed);
        }
        let (level, start) = self.next_slot()?;
        if self.sort_ahead_pending() {
            // The slot sorted ahead still has entries to sort: come back at the next tick to sort
            // more, rather than at the slot's start to cascade them all at once.
            return Some(start.min(self.elapsed + 1));
        }
        if level >= 2 && start - LEVEL2_SLOT > self.elapsed {
            // A slot further off than the one sorted ahead: come back when it is that one (when
            // `elapsed` is in the level-2 slot just before it), to sort it ahead.
            return Some(start - LEVEL2_SLOT);
        }
        Some(start)
    }

    /// The slot sorted ahead (see the module documentation): the level `T` it is a slot of, and its
    /// start `S`, the next level-2 boundary. `None` only when `elapsed` is within a level-2 slot of
    /// the end of time.
    fn ahead_slot(&self) -> Option<(usize, u64)> {
        let start = (self.elapsed | (LEVEL2_SLOT - 1)).checked_add(1)?;
        Some((level_for(self.elapsed, start), start))
    }

    /// Whether the slot sorted ahead holds entries not moved into the ahead banks yet.
    fn sort_ahead_pending(&self) -> bool {
        self.ahead_slot()
            .is_some_and(|(level, start)| self.occupied[self.bank(level)] & (1 << digit(start, level)) != 0)
    }

    /// The occupied bits of `level`, counting the slot sorted ahead as occupied while the ahead banks
    /// hold entries of it.
    fn occupied_bits(&self, level: usize) -> u64 {
        let bits = self.occupied[self.bank(level)];
        if level < 2 {
            return bits;
        }
        match self.ahead_slot() {
            Some((ahead, start)) if ahead == level && self.ahead_occupied() => {
                bits | 1 << digit(start, level)
            }
            _ => bits,
        }
    }

    /// Whether any ahead bank holds an entry. Only those of levels below the slot sorted ahead can:
    /// the others were emptied by the swap that made them ahead banks, and nothing is filed there.
    fn ahead_occupied(&self) -> bool {
        (1..=AHEAD_LEVELS).any(|level| self.occupied[self.ahead_bank(level)] != 0)
    }

    /// Moves up to `budget` entries of the slot sorted ahead into the ahead banks, each into the list it
    /// will be in once time gets there (`link` files it so).
    fn sort_ahead(&mut self, budget: usize) {
        let Some((level, start)) = self.ahead_slot() else { return };
        let list = self.bank(level) * SLOTS + digit(start, level);
        for _ in 0..budget {
            let index = self.heads[list];
            if index == NIL {
                return;
            }
            // An entry of that slot whose deadline lies beyond it (filed at the horizon, see `link`)
            // goes to a later top-level slot, so this never takes the same entry twice.
            self.unlink(index);
            let deadline = self.slab[index as usize].deadline;
            self.link(index, deadline);
        }
    }

    /// The bank that holds `level`'s slots now.
    fn bank(&self, level: usize) -> usize {
        if self.swapped & (1 << level) != 0 {
            LEVELS + level - 1
        } else {
            level
        }
    }

    /// The ahead bank of `level` (1 to `AHEAD_LEVELS`): its other bank.
    fn ahead_bank(&self, level: usize) -> usize {
        debug_assert!((1..=AHEAD_LEVELS).contains(&level));
        if self.swapped & (1 << level) != 0 {
            level
        } else {
            LEVELS + level - 1
        }
    }

    /// The level of the earliest occupied slot, and the tick at which it starts. The lowest non-empty
    /// level holds the earliest slot (see the module documentation), so the first level with any bit set
    /// decides.
    fn next_slot(&self) -> Option<(usize, u64)> {
        (0..LEVELS).find_map(|level| Some((level, self.next_expiration_in(level)?)))
    }

    /// The start tick of the first occupied slot of `level` after `elapsed`.
    fn next_expiration_in(&self, level: usize) -> Option<u64> {
        let occupied = self.occupied_bits(level);
        if occupied == 0 {
            return None;
        }
        let shift = LEVEL_BITS * level as u32;
        // Rotating puts the slot after the one `elapsed` is in at bit 0, so `trailing_zeros` is the
        // distance to the next occupied slot, counted with wrap-around. The search starts *after*
        // `elapsed`'s slot because that slot, if occupied at all, holds the latest entries: below the
        // top level it is always empty (an entry there would differ from `elapsed` only in lower bits),
        // and in the top level it holds deadlines one full turn ahead.
        let first = ((self.elapsed >> shift) + 1) & SLOT_MASK;
        let distance = u64::from(occupied.rotate_right(first as u32).trailing_zeros());
        let slot = (first + distance) & SLOT_MASK;

        let level_range = 1u64 << (shift + LEVEL_BITS);
        let level_start = self.elapsed & !(level_range - 1);
        let mut start = level_start + (slot << shift);
        if start <= self.elapsed {
            // Only the top level wraps: its entries may belong to the next turn of the ring (see the
            // module documentation). Below it, an entry is always in a later slot of this turn.
            debug_assert_eq!(level, LEVELS - 1, "a lower level holds a slot that is not ahead");
            start += level_range;
        }
        Some(start)
    }

    /// Processes time up to tick `now`: every pending timer with deadline `<= now` is marked fired and
    /// its waker moved into `wakers`; timers of higher levels whose slot is reached cascade down.
    ///
    /// Returns `true` once `elapsed() == now`. Returns `false`, with `elapsed()` somewhere before `now`,
    /// as soon as `wakers.len()` reaches `limit` with work left: the caller wakes the batch outside its
    /// lock and calls again (the wakers already in `wakers` count against `limit`, so it should be
    /// emptied between calls). A `now` before `elapsed()` is read as `elapsed()`.
    pub(crate) fn advance(&mut self, now: u64, wakers: &mut Vec<Waker>, limit: usize) -> bool {
        let now = now.max(self.elapsed);
        loop {
            // Finish the slot taken last, first: its entries are the earliest in the wheel.
            while self.heads[PROCESSING as usize] != NIL {
                if wakers.len() >= limit {
                    return false;
                }
                let index = self.heads[PROCESSING as usize];
                self.unlink(index);
                let entry = &mut self.slab[index as usize];
                if entry.deadline <= now {
                    self.pending -= 1;
                    wakers.extend(self.release(index));
                } else {
                    let deadline = entry.deadline;
                    self.link(index, deadline);
                }
            }

            let Some((level, start)) = self.next_slot() else { break };
            if start > now {
                break;
            }
            debug_assert!(start >= self.elapsed, "the wheel went back in time");
            if level >= 2 && self.ahead_slot() == Some((level, start)) {
                // Time reaches the slot sorted ahead: levels 0 to `level - 1` are empty (`level` is
                // the lowest with work), so the ahead banks of levels 1 to `level - 1` become those
                // levels as they are. Level 1's slot 0 is due now and cascades below, with whatever
                // of the slot was not sorted yet.
                debug_assert!((0..level).all(|below| self.occupied[self.bank(below)] == 0));
                self.swapped ^= (1 << level) - 2;
                self.take_for_processing(1, 0);
            }
            self.take_for_processing(level, digit(start, level));
            self.elapsed = start;
        }
        self.elapsed = now;
        self.sort_ahead(SORT_AHEAD_BATCH);
        true
    }

    /// Moves `level`'s `slot` in one go to the front of the processing list: relabelling each entry is
    /// needed anyway so that `remove` and `reset` unlink from the right list while it waits there.
    fn take_for_processing(&mut self, level: usize, slot: usize) {
        let bank = self.bank(level);
        let head = std::mem::replace(&mut self.heads[bank * SLOTS + slot], NIL);
        if head == NIL {
            return;
        }
        self.occupied[bank] &= !(1 << slot);
        let mut cursor = head;
        let mut tail = head;
        while cursor != NIL {
            let entry = &mut self.slab[cursor as usize];
            entry.state = State::Pending { list: PROCESSING };
            tail = cursor;
            cursor = entry.next;
        }
        let rest = self.heads[PROCESSING as usize];
        self.slab[tail as usize].next = rest;
        if rest != NIL {
            self.slab[rest as usize].prev = tail;
        }
        self.heads[PROCESSING as usize] = head;
    }

    /// Fires every pending timer, pushing all their wakers, for shutdown: the caller decides whether
    /// to wake them or only release them (the driver releases them: their tasks are being cancelled).
    /// Every key goes stale and the slab is emptied; `elapsed` is unchanged.
    pub(crate) fn drain(&mut self, wakers: &mut Vec<Waker>) {
        for list in 0..LISTS {
            while self.heads[list] != NIL {
                let index = self.heads[list];
                self.unlink(index);
                self.pending -= 1;
                wakers.extend(self.release(index));
            }
        }
        debug_assert!(self.slab.is_empty() && self.pending == 0);
    }

    /// The slab index of the pending entry named by `key`.
    fn live(&self, key: TimerKey) -> Option<u32> {
        let entry = self.slab.get(key.index as usize)?;
        (entry.generation == key.generation && entry.state != State::Free).then_some(key.index)
    }

    /// Takes the lowest free entry, or grows the slab. The new entry is not linked anywhere yet.
    fn alloc(&mut self, deadline: u64, waker: Waker) -> u32 {
        if let Some(index) = self.free.lowest() {
            self.free.remove(index);
            let entry = &mut self.slab[index as usize];
            entry.deadline = deadline;
            entry.waker = Some(waker);
            return index;
        }
        let index = u32::try_from(self.slab.len()).ok().filter(|&i| i != NIL).expect("too many timers");
        self.slab.push(Entry {
            deadline,
            waker: Some(waker),
            prev: NIL,
            next: NIL,
            generation: self.generation_floor,
            state: State::Free,
        });
        index
    }

    /// Frees an unlinked entry, returning its waker: every key naming it goes stale. Free entries at the
    /// end of the slab are dropped off it, and its spare capacity is given back once three quarters of it
    /// is unused, so the memory held follows the timers pending now, not the most there ever were.
    fn release(&mut self, index: u32) -> Option<Waker> {
        let last = index as usize + 1 == self.slab.len();
        let entry = &mut self.slab[index as usize];
        let waker = entry.waker.take();
        entry.state = State::Free;
        entry.generation = entry.generation.wrapping_add(1);
        if !last {
            self.free.insert(index);
        } else {
            // The last entry (the only one, for a runtime with one timer at a time): drop it and the free
            // ones below it, without a trip through the free set.
            self.generation_floor = self.generation_floor.max(entry.generation);
            self.slab.pop();
            while let Some(last) = self.slab.last().filter(|e| e.state == State::Free) {
                self.generation_floor = self.generation_floor.max(last.generation);
                self.free.remove(self.slab.len() as u32 - 1);
                self.slab.pop();
            }
        }
        const KEEP: usize = 1024;
        let capacity = self.slab.capacity();
        if capacity > KEEP && self.slab.len() <= capacity / 4 {
            self.slab.shrink_to((capacity / 2).max(KEEP));
        }
        waker
    }

    /// Files entry `index` into the slot for `deadline`, which must be after `elapsed`: the slot sorted
    /// ahead goes into the ahead banks, as it will be filed once `elapsed` is its start. A deadline
    /// beyond the horizon is filed at `elapsed + MAX_DURATION`: when `advance` reaches that slot, the
    /// entry's deadline is still ahead, so it is filed again instead of firing.
    fn link(&mut self, index: u32, deadline: u64) {
        debug_assert!(deadline > self.elapsed);
        let list = match self.ahead_slot() {
            Some((ahead, start)) if deadline >= start && level_for(start, deadline) < ahead => {
                // Relative to `start`, level 0 only for its first 64 ticks: those wait in level 1's
                // slot 0, which cascades when time gets there.
                let level = level_for(start, deadline).max(1);
                self.ahead_bank(level) * SLOTS + digit(deadline, level)
            }
            _ => {
                let filed = deadline.min(self.elapsed.saturating_add(Self::MAX_DURATION));
                let level = level_for(self.elapsed, filed);
                self.bank(level) * SLOTS + digit(filed, level)
            }
        };
        let old_head = self.heads[list];
        if old_head != NIL {
            self.slab[old_head as usize].prev = index;
        }
        let entry = &mut self.slab[index as usize];
        entry.prev = NIL;
        entry.next = old_head;
        entry.state = State::Pending { list: list as u16 };
        self.heads[list] = index;
        self.occupied[list / SLOTS] |= 1 << (list % SLOTS);
        #[cfg(test)]
        {
            self.links += 1;
        }
    }

    /// Takes entry `index` out of its list, clearing the slot's occupied bit if the list empties. The
    /// caller sets the new state.
    fn unlink(&mut self, index: u32) {
        let entry = &self.slab[index as usize];
        let State::Pending { list } = entry.state else { unreachable!("unlink of an entry in no list") };
        let (prev, next) = (entry.prev, entry.next);
        if prev == NIL {
            self.heads[list as usize] = next;
        } else {
            self.slab[prev as usize].next = next;
        }
        if next != NIL {
            self.slab[next as usize].prev = prev;
        }
        if next == NIL && prev == NIL && list != PROCESSING {
            self.occupied[list as usize / SLOTS] &= !(1 << (list as usize % SLOTS));
        }
        let entry = &mut self.slab[index as usize];
        entry.prev = NIL;
        entry.next = NIL;
    }
}

/// The digit of `tick` at `level`: its slot in that level.
fn digit(tick: u64, level: usize) -> usize {
    ((tick >> (LEVEL_BITS * level as u32)) & SLOT_MASK) as usize
}

/// The level for `deadline` as seen from `elapsed`: the level whose bits hold the most significant
/// difference between the two. Differences above the top level (a deadline in the next turn of the
/// ring) go to the top level.
fn level_for(elapsed: u64, deadline: u64) -> usize {
    // `| SLOT_MASK` makes the result at least 5 so `leading_zeros` never sees zero and level 0 falls out.
    let masked = (elapsed ^ deadline) | SLOT_MASK;
    let significant = 63 - masked.leading_zeros() as usize;
    (significant / LEVEL_BITS as usize).min(LEVELS - 1)
}

impl fmt::Debug for Wheel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("pending", &self.pending)
            .field("slab_len", &self.slab.len())
            .field("next_expiration", &self.next_expiration())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    /// A waker that counts its wakes, so a test can see exactly which timers fired.
    struct Counter(AtomicUsize);

    impl Counter {
        fn get(&self) -> usize {
            self.0.load(Ordering::Relaxed)
        }
    }

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// Advances with no batching limit and wakes what fired; returns how many fired.
    fn advance_all(wheel: &mut Wheel, now: u64) -> usize {
        let mut wakers = Vec::new();
        assert!(wheel.advance(now, &mut wakers, usize::MAX));
        assert_eq!(wheel.elapsed(), now.max(wheel.elapsed()));
        let fired = wakers.len();
        wakers.into_iter().for_each(Waker::wake);
        fired
    }

    /// `next_expiration` recomputed by walking every entry instead of reading the bitmasks: the start of
    /// the slot each pending entry sits in (the slot sorted ahead, for the ahead banks).
    fn brute_next_expiration(wheel: &Wheel) -> Option<u64> {
        let ahead = wheel.ahead_slot();
        let mut lower = false;
        let mut unsorted = false;
        let next = wheel
            .slab
            .iter()
            .filter_map(|entry| match entry.state {
                State::Pending { list: PROCESSING } => {
                    lower = true;
                    Some(wheel.elapsed)
                }
                State::Pending { list } => {
                    let (level, current) = bank_level(wheel, list as usize / SLOTS);
                    let slot = list as usize % SLOTS;
                    if !current {
                        return Some(ahead.unwrap().1);
                    }
                    lower |= level < 2;
                    unsorted |= ahead.is_some_and(|(l, start)| l == level && digit(start, level) == slot);
                    Some(slot_start(wheel, level * SLOTS + slot))
                }
                _ => None,
            })
            .min()?;
        Some(if unsorted {
            next.min(wheel.elapsed + 1)
        } else if !lower && next - LEVEL2_SLOT > wheel.elapsed {
            next - LEVEL2_SLOT
        } else {
            next
        })
    }

    /// The level whose lists bank `bank` holds, and whether it is that level's current bank (not its
    /// ahead bank).
    fn bank_level(wheel: &Wheel, bank: usize) -> (usize, bool) {
        let level = if bank < LEVELS { bank } else { bank - LEVELS + 1 };
        (level, wheel.bank(level) == bank)
    }

    /// The first tick of slot list `list` after `elapsed`: later in the current turn of its level, or
    /// (the top level only) in the next turn.
    fn slot_start(wheel: &Wheel, list: usize) -> u64 {
        let (level, slot) = (list / SLOTS, (list % SLOTS) as u64);
        let shift = LEVEL_BITS * level as u32;
        let level_range = 1u64 << (shift + LEVEL_BITS);
        let start = (wheel.elapsed & !(level_range - 1)) + (slot << shift);
        if start <= wheel.elapsed {
            start + level_range
        } else {
            start
        }
    }

    /// Walks every list: links agree both ways, occupied bits match non-empty lists, every entry is in
    /// the list its deadline calls for (or, past the horizon, in a top-level slot that starts no later
    /// than its deadline; or, in the slot sorted ahead, in the ahead bank list it will be in), and the
    /// pending count is right.
    fn check_invariants(wheel: &Wheel) {
        let ahead = wheel.ahead_slot();
        let mut linked = 0;
        for list in 0..LISTS {
            let mut prev = NIL;
            let mut cursor = wheel.heads[list];
            while cursor != NIL {
                let entry = &wheel.slab[cursor as usize];
                assert_eq!(entry.prev, prev);
                assert_eq!(entry.state, State::Pending { list: list as u16 });
                if list != PROCESSING as usize {
                    assert!(entry.deadline > wheel.elapsed);
                    let (level, current) = bank_level(wheel, list / SLOTS);
                    let slot = list % SLOTS;
                    if !current {
                        // An entry of the slot sorted ahead, filed as it will be once `elapsed` is
                        // that slot's start.
                        let (ahead_level, start) = ahead.expect("the ahead banks are in use");
                        assert!(level < ahead_level, "ahead bank of level {level} in use");
                        assert!(entry.deadline >= start);
                        let filed = level_for(start, entry.deadline);
                        assert!(filed < ahead_level, "{} is not in the slot sorted ahead", entry.deadline);
                        assert_eq!((level, slot), (filed.max(1), digit(entry.deadline, filed.max(1))));
                    } else {
                        let exact = level_for(wheel.elapsed, entry.deadline);
                        if level == LEVELS - 1 && (level, slot) != (exact, digit(entry.deadline, exact)) {
                            // Filed at the horizon of an earlier `elapsed`: it must be looked at again
                            // before its deadline.
                            let start = slot_start(wheel, level * SLOTS + slot);
                            assert!(
                                start > wheel.elapsed && start <= entry.deadline,
                                "horizon entry at {start}"
                            );
                        } else {
                            assert_eq!(
                                (level, slot),
                                (exact, digit(entry.deadline, exact)),
                                "filed in the wrong slot"
                            );
                        }
                    }
                }
                linked += 1;
                prev = cursor;
                cursor = entry.next;
            }
            if list != PROCESSING as usize {
                let bit = wheel.occupied[list / SLOTS] & (1 << (list % SLOTS)) != 0;
                assert_eq!(bit, wheel.heads[list] != NIL, "occupied bit of list {list}");
            }
        }
        assert_eq!(linked, wheel.len());
        let pending = wheel.slab.iter().filter(|e| matches!(e.state, State::Pending { .. })).count();
        assert_eq!(pending, linked);
        assert_eq!(wheel.next_expiration(), brute_next_expiration(wheel));
        // Free entries: exactly those in the free set, none at the end, none holding a waker.
        for (index, entry) in wheel.slab.iter().enumerate() {
            let free = entry.state == State::Free;
            assert_eq!(wheel.free.contains(index as u32), free, "free set at {index}");
            assert_eq!(entry.waker.is_none(), free, "waker of entry {index}");
        }
        assert!(wheel.slab.last().is_none_or(|e| e.state != State::Free), "a free entry at the end");
        assert!(wheel.free.lowest().is_none_or(|i| (i as usize) < wheel.slab.len()));
    }

    /// xorshift64: deterministic, dependency-free randomness.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Deadlines on and around every level boundary.
    const EDGES: &[u64] = &[
        1,
        2,
        63,
        64,
        65,
        127,
        128,
        4095,
        4096,
        4097,
        262_143,
        262_144,
        262_145,
        (1 << 24) - 1,
        1 << 24,
        (1 << 30) - 1,
        1 << 30,
        (1 << 30) + 1,
        Wheel::MAX_DURATION - 1,
        Wheel::MAX_DURATION,
    ];

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn entry_is_40_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 40);
    }

    #[test]
    fn new_wheel_is_empty() {
        let mut wheel = Wheel::new();
        assert_eq!(wheel.elapsed(), 0);
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_expiration(), None);
        // With nothing pending, time jumps straight to `now`.
        assert_eq!(advance_all(&mut wheel, 1 << 40), 0);
        assert_eq!(wheel.elapsed(), 1 << 40);
        let (_, waker) = counter();
        assert_eq!(wheel.insert(1 << 40, waker), Err(InsertError::Elapsed));
        assert!(wheel.slab.is_empty(), "a refused insert allocates nothing");
    }

    #[test]
    fn fires_exactly_at_deadline() {
        // From a start on a block boundary and from one in the middle of every level.
        for start in [0, 12_345, (1 << 36) - 3] {
            for &offset in EDGES {
                let mut wheel = Wheel::new();
                advance_all(&mut wheel, start);
                let (count, waker) = counter();
                let key = wheel.insert(start + offset, waker).unwrap();
                assert_eq!(wheel.deadline(key), start + offset);
                check_invariants(&wheel);
                let next = wheel.next_expiration().unwrap();
                assert!(next > start && next <= start + offset);

                assert_eq!(advance_all(&mut wheel, start + offset - 1), 0, "early: {start} + {offset}");
                check_invariants(&wheel);
                assert!(!wheel.is_fired(key));
                assert_eq!(wheel.len(), 1);

                assert_eq!(advance_all(&mut wheel, start + offset), 1, "late: {start} + {offset}");
                assert!(wheel.is_fired(key));
                assert_eq!(count.get(), 1);
                assert!(wheel.is_empty());
                assert_eq!(wheel.next_expiration(), None);
                check_invariants(&wheel);
            }
        }
    }

    #[test]
    fn fires_in_deadline_order_stepping_by_next_expiration() {
        let mut wheel = Wheel::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut deadlines: Vec<u64> = EDGES.to_vec();
        let extra = if cfg!(miri) { 20 } else { 200 };
        for _ in 0..extra {
            let level = rng.below(6);
            deadlines.push(1 + rng.below(1 << (6 * (level + 1))));
        }
        let keys: Vec<_> = deadlines.iter().map(|&d| wheel.insert(d, counter().1).unwrap()).collect();
        for (&key, &deadline) in keys.iter().zip(&deadlines) {
            assert_eq!(wheel.deadline(key), deadline);
        }
        let mut fired_at: Vec<Option<u64>> = vec![None; keys.len()];
        let mut last = 0;
        while let Some(next) = wheel.next_expiration() {
            assert!(next > wheel.elapsed());
            let mut wakers = Vec::new();
            assert!(wheel.advance(next, &mut wakers, usize::MAX));
            check_invariants(&wheel);
            let mut fired_now = 0;
            for (i, &key) in keys.iter().enumerate() {
                if fired_at[i].is_none() && wheel.is_fired(key) {
                    // Stepping only to the ticks `next_expiration` names, nothing fires late.
                    assert_eq!(deadlines[i], next);
                    fired_at[i] = Some(next);
                    fired_now += 1;
                }
            }
            assert_eq!(wakers.len(), fired_now);
            assert!(next > last);
            last = next;
        }
        assert!(fired_at.iter().all(Option::is_some));
    }

    #[test]
    fn same_tick_burst_fires_in_one_call() {
        let n = if cfg!(miri) { 1_000 } else { 10_000 };
        let mut wheel = Wheel::new();
        let (count, waker) = counter();
        // 100 is in level 1, so the whole burst also cascades through the processing list.
        for _ in 0..n {
            wheel.insert(100, waker.clone()).unwrap();
        }
        assert_eq!(wheel.len(), n);
        assert_eq!(wheel.next_expiration(), Some(64));
        assert_eq!(advance_all(&mut wheel, 99), 0);
        assert_eq!(wheel.next_expiration(), Some(100));
        assert_eq!(advance_all(&mut wheel, 100), n);
        assert_eq!(count.get(), n);
        assert!(wheel.is_empty());
        check_invariants(&wheel);
    }

    #[test]
    fn same_tick_burst_respects_limit() {
        let n: usize = if cfg!(miri) { 1_000 } else { 10_000 };
        let limit = 256;
        let mut wheel = Wheel::new();
        let counters: Vec<_> = (0..n).map(|_| counter()).collect();
        let keys: Vec<_> = counters.iter().map(|(_, w)| wheel.insert(100, w.clone()).unwrap()).collect();
        // A timer due after the burst but before `now` must not be lost by the batching.
        let (late, late_waker) = counter();
        wheel.insert(150, late_waker).unwrap();

        let mut calls = 0;
        let mut removed = None;
        let mut wakers = Vec::new();
        loop {
            calls += 1;
            let done = wheel.advance(200, &mut wakers, limit);
            assert!(wakers.len() <= limit);
            check_invariants(&wheel);
            wakers.drain(..).for_each(Waker::wake);
            if done {
                break;
            }
            assert!(wheel.elapsed() <= 100);
            // The caller is told to come back now, not at some later tick.
            assert_eq!(wheel.next_expiration(), Some(wheel.elapsed()));
            // A timer still waiting in the interrupted slot can be cancelled.
            if removed.is_none() {
                let i = (0..n).rev().find(|&i| !wheel.is_fired(keys[i])).unwrap();
                wheel.remove(keys[i]);
                removed = Some(i);
            }
        }
        let removed = removed.unwrap();
        assert_eq!(calls, (n - 1 + 1).div_ceil(limit));
        assert_eq!(wheel.elapsed(), 200);
        for (i, (count, _)) in counters.iter().enumerate() {
            assert_eq!(count.get(), usize::from(i != removed), "timer {i}");
        }
        assert_eq!(late.get(), 1);
        assert!(wheel.is_empty());
    }

    #[test]
    fn removed_timer_never_fires_and_its_slot_is_reused() {
        let mut wheel = Wheel::new();
        let (a_count, a_waker) = counter();
        let (b_count, b_waker) = counter();
        let a = wheel.insert(10, a_waker).unwrap();
        wheel.remove(a);
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_expiration(), None);

        let b = wheel.insert(10, b_waker).unwrap();
        assert_eq!(b.index, a.index, "the freed entry is reused");
        assert_ne!(b, a);
        // The stale key touches nothing of the new timer.
        wheel.remove(a);
        wheel.set_waker(a, &counter().1);
        assert!(wheel.is_fired(a));
        assert_eq!(wheel.len(), 1);
        check_invariants(&wheel);

        assert_eq!(advance_all(&mut wheel, 10), 1);
        assert_eq!((a_count.get(), b_count.get()), (0, 1));
        // Firing freed the entry: the key is stale, and removing it is a no-op.
        assert!(wheel.is_fired(b));
        assert!(wheel.slab.is_empty());
        wheel.remove(b);
        check_invariants(&wheel);
        let c = wheel.insert(20, counter().1).unwrap();
        assert_eq!(c.index, b.index);
        assert!(c != a && c != b, "an index pushed again after dropping off the end gets a new generation");
        assert!(wheel.is_fired(a) && wheel.is_fired(b) && !wheel.is_fired(c));
    }

    #[test]
    fn lowest_free_entry_is_reused_first_and_the_slab_shrinks() {
        let mut wheel = Wheel::new();
        let keys: Vec<_> = (0..10).map(|i| wheel.insert(100 + i, counter().1).unwrap()).collect();
        // Free 7, 2 and 5, in that order: the next inserts take 2, 5, 7, then grow the slab.
        for i in [7, 2, 5] {
            wheel.remove(keys[i]);
        }
        check_invariants(&wheel);
        let reused: Vec<u32> = (0..4).map(|_| wheel.insert(50, counter().1).unwrap().index).collect();
        assert_eq!(reused, [2, 5, 7, 10]);
        assert_eq!(wheel.slab.len(), 11);
        // Freeing from the end drops entries off the slab, through every free one below.
        wheel.remove(keys[8]);
        wheel.remove(keys[9]);
        assert_eq!(wheel.slab.len(), 11);
        assert_eq!(advance_all(&mut wheel, 50), 4);
        check_invariants(&wheel);
        // Keys 0, 1, 3, 4 and 6 are still pending at 100..=106; nothing above index 6 is left.
        assert_eq!(wheel.slab.len(), 7);
        assert_eq!(wheel.len(), 5);

        // A burst grows the slab's capacity; once it has fired, the capacity is given back.
        let burst = if cfg!(miri) { 5_000 } else { 100_000 };
        let mut big = Wheel::new();
        for i in 0..burst {
            big.insert(1 + i % 50, counter().1).unwrap();
        }
        assert!(big.slab.capacity() >= burst as usize);
        advance_all(&mut big, 50);
        assert!(big.slab.is_empty());
        assert!(big.slab.capacity() <= 1024, "capacity {} after every timer fired", big.slab.capacity());
        assert!(big.free.lowest().is_none());
    }

    #[test]
    fn a_level_2_slot_is_sorted_ahead_not_cascaded_in_one_advance() {
        // Timers 8-12 s ahead, registered at once (a million connections setting their timeouts):
        // they share one level-2 slot. Stepping as an idle driver does, to each `next_expiration`, no
        // single `advance` (one hold of the wheel's lock) may re-file more than a batch of them; a
        // cascade of the whole slot when time reaches it held the lock for hundreds of milliseconds
        // at a million timers, and every timer due meanwhile fired that late.
        let n = if cfg!(miri) { 1_000 } else { 100_000 };
        let mut wheel = Wheel::new();
        let mut rng = Rng(7);
        let mut deadlines: Vec<u64> = (0..n).map(|_| 8192 + rng.below(4096)).collect();
        let keys: Vec<_> = deadlines.iter().map(|&d| wheel.insert(d, counter().1).unwrap()).collect();
        // And a few timers inserted while the slot is the next one, straight into the ahead bank.
        let mut most = 0;
        let mut fired = 0;
        let mut steps = 0;
        while let Some(next) = wheel.next_expiration() {
            if next > 4200 && deadlines.len() == n {
                for d in [8192, 8250, 12_000] {
                    deadlines.push(d);
                    wheel.insert(d, counter().1).unwrap();
                }
            }
            let links = wheel.links;
            let mut wakers = Vec::new();
            assert!(wheel.advance(next, &mut wakers, usize::MAX));
            most = most.max(wheel.links - links);
            fired += wakers.len();
            if steps % 512 == 0 {
                for (&key, &deadline) in keys.iter().zip(&deadlines) {
                    assert_eq!(wheel.is_fired(key), deadline <= next, "timer due at {deadline}, now {next}");
                }
            }
            if steps % 64 == 0 {
                assert_eq!(fired, deadlines.iter().filter(|&&d| d <= next).count(), "at {next}");
                check_invariants(&wheel);
            }
            steps += 1;
        }
        assert_eq!(fired, n + 3);
        assert!(most <= SORT_AHEAD_BATCH + n / 32, "{most} timers re-filed in one advance");
    }

    #[test]
    fn a_slot_of_any_level_is_sorted_ahead_not_cascaded_in_one_advance() {
        // A server re-arming 10 s timeouts all the time: in the 10 s before a boundary of level 3
        // (one every 4.4 min) or higher, a 10 s deadline differs from `elapsed` at that level, so the
        // timers set then all share that level's next slot. Stepping as an idle driver does, no
        // single `advance` may re-file more than a batch of them: a cascade of the whole slot when
        // time reaches the boundary re-filed them all under one hold of the wheel's lock.
        let n = if cfg!(miri) { 300 } else { 20_000 };
        for boundary in [1 << 18, 1 << 24, 1 << 30, 1 << 36, 3 << 36] {
            let mut wheel = Wheel::new();
            let (count, waker) = counter();
            // Small steps, as a driver woken by timers all the time takes them.
            let step = if cfg!(miri) { 97 } else { 7 };
            let mut now = boundary - 10_000;
            advance_all(&mut wheel, now);
            let mut deadlines = Vec::new();
            let mut keys = Vec::new();
            let mut most = 0;
            let mut steps = 0;
            // Re-armed over the 10 s before the boundary, then left to fire.
            while now < boundary + 10_000 {
                while now < boundary && (deadlines.len() as u64) < n * (now + 10_000 - boundary) / 10_000 {
                    deadlines.push(now + 10_000);
                    keys.push(wheel.insert(now + 10_000, waker.clone()).unwrap());
                }
                now = match wheel.next_expiration() {
                    Some(next) if now >= boundary => next,
                    next => next.unwrap_or(u64::MAX).min(now + step),
                };
                let links = wheel.links;
                let mut wakers = Vec::new();
                assert!(wheel.advance(now, &mut wakers, usize::MAX));
                most = most.max(wheel.links - links);
                wakers.into_iter().for_each(Waker::wake);
                if steps % 256 == 0 {
                    check_invariants(&wheel);
                    for (&key, &deadline) in keys.iter().zip(&deadlines) {
                        assert_eq!(
                            wheel.is_fired(key),
                            deadline <= now,
                            "timer due at {deadline}, now {now}"
                        );
                    }
                }
                steps += 1;
            }
            assert!(wheel.is_empty());
            assert_eq!(count.get(), deadlines.len());
            assert!(most <= SORT_AHEAD_BATCH + n as usize / 64, "{most} timers re-filed in one advance");
        }
    }

    #[test]
    fn remove_clears_the_slot_bit() {
        let mut wheel = Wheel::new();
        let keys: Vec<_> = EDGES.iter().map(|&d| wheel.insert(d, counter().1).unwrap()).collect();
        for key in keys {
            wheel.remove(key);
            check_invariants(&wheel);
        }
        assert_eq!(wheel.occupied, [0; BANKS]);
        assert_eq!(wheel.next_expiration(), None);
    }

    #[test]
    fn reset_earlier_and_later() {
        let mut wheel = Wheel::new();
        let (count, waker) = counter();

        // Earlier: from level 1 to level 0.
        let key = wheel.insert(1000, waker.clone()).unwrap();
        assert!(wheel.reset(key, 10));
        check_invariants(&wheel);
        assert_eq!(wheel.next_expiration(), Some(10));
        // Later, then later again, keeping the same entry and waker.
        assert!(wheel.reset(key, 5000));
        assert!(wheel.reset(key, 70_000));
        assert_eq!(wheel.deadline(key), 70_000);
        assert_eq!(wheel.len(), 1);
        check_invariants(&wheel);
        assert_eq!(advance_all(&mut wheel, 69_999), 0);
        assert_eq!(advance_all(&mut wheel, 70_000), 1);
        assert_eq!(count.get(), 1);

        // Fired: the key is stale, so a reset refuses and changes nothing; the owner registers anew.
        assert!(!wheel.reset(key, 80_000));
        assert!(wheel.is_empty());
        assert_eq!(wheel.next_expiration(), None);

        // Into the past while pending: freed at once, and nothing is woken.
        let key = wheel.insert(80_000, waker).unwrap();
        assert!(!wheel.reset(key, 70_000));
        assert!(wheel.is_fired(key));
        assert!(wheel.is_empty());
        assert!(wheel.slab.is_empty());
        assert_eq!(wheel.next_expiration(), None);
        assert_eq!(advance_all(&mut wheel, 100_000), 0);
        assert_eq!(count.get(), 1);
    }

    #[test]
    fn set_waker_keeps_a_waker_that_wakes_the_same_task() {
        let mut wheel = Wheel::new();
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let key = wheel.insert(5, first_waker.clone()).unwrap();
        wheel.set_waker(key, &first_waker);
        wheel.set_waker(key, &second_waker);
        advance_all(&mut wheel, 5);
        assert_eq!((first.get(), second.get()), (0, 1));
        // Fired: a new waker is not stored (there is nothing to wake it for).
        wheel.set_waker(key, &first_waker);
        assert!(wheel.slab.is_empty());
        assert_eq!(Arc::strong_count(&first), 2, "only the test's own waker holds the counter");
    }

    #[test]
    fn deadlines_beyond_the_horizon_fire_at_their_deadline() {
        for start in [0, 777, (1 << 36) - 1, 5 << 36] {
            let mut wheel = Wheel::new();
            advance_all(&mut wheel, start);
            let max = start + Wheel::MAX_DURATION;
            let never = wheel.insert(u64::MAX, counter().1).unwrap();
            let deadlines = [max + 1, start + (1 << 40), max + 1_000_000, max + (1 << 30) + 3];
            let mut keys: Vec<_> =
                deadlines[..3].iter().map(|&d| wheel.insert(d, counter().1).unwrap()).collect();
            // And one moved past the horizon by `reset`.
            let moved = wheel.insert(start + 10, counter().1).unwrap();
            assert!(wheel.reset(moved, deadlines[3]));
            keys.push(moved);
            for (&key, &deadline) in keys.iter().zip(&deadlines) {
                assert_eq!(wheel.deadline(key), deadline, "the deadline is kept, not clamped");
            }
            assert_eq!(wheel.deadline(never), u64::MAX);
            check_invariants(&wheel);

            // Stepping only to the ticks `next_expiration` names, each timer fires exactly at its
            // deadline: it waits at the horizon and is filed again from there, never fired early.
            let mut steps = 0;
            while keys.iter().any(|&k| !wheel.is_fired(k)) {
                let next = wheel.next_expiration().unwrap();
                let mut wakers = Vec::new();
                assert!(wheel.advance(next, &mut wakers, usize::MAX));
                check_invariants(&wheel);
                for (&key, &deadline) in keys.iter().zip(&deadlines) {
                    assert_eq!(wheel.is_fired(key), deadline <= next, "timer due at {deadline}, now {next}");
                }
                steps += 1;
                assert!(steps < 1000, "stuck at {next}");
            }
            assert!(!wheel.is_fired(never));
            assert_eq!(wheel.len(), 1);
        }
    }

    #[test]
    fn top_level_wraps_around() {
        // Just before a turn of level 5: deadlines after the turn land in slots "behind" `elapsed`.
        let start = (3 << 36) - 100;
        let mut wheel = Wheel::new();
        advance_all(&mut wheel, start);
        let deadlines =
            [start + 50, 3 << 36, (3 << 36) + 5, (3 << 36) + (1 << 30) + 7, start + Wheel::MAX_DURATION];
        let keys: Vec<_> = deadlines.iter().map(|&d| wheel.insert(d, counter().1).unwrap()).collect();
        check_invariants(&wheel);
        for (key, &deadline) in keys.iter().zip(&deadlines) {
            assert_eq!(advance_all(&mut wheel, deadline - 1), 0);
            check_invariants(&wheel);
            assert_eq!(advance_all(&mut wheel, deadline), 1);
            assert!(wheel.is_fired(*key));
        }
    }

    #[test]
    fn drain_fires_everything() {
        let mut wheel = Wheel::new();
        let (count, waker) = counter();
        let keys: Vec<_> = EDGES.iter().map(|&d| wheel.insert(d, waker.clone()).unwrap()).collect();
        // Leave part of a slot in the processing list too.
        for _ in 0..10 {
            wheel.insert(64, waker.clone()).unwrap();
        }
        let mut wakers = Vec::new();
        // Fires 1, 2 and 63, then stops with the slot at 64 in the processing list.
        assert!(!wheel.advance(64, &mut wakers, 3));
        assert_eq!(wakers.len(), 3);
        wakers.clear();
        assert!(wheel.heads[PROCESSING as usize] != NIL);

        wheel.drain(&mut wakers);
        assert_eq!(wakers.len(), EDGES.len() + 10 - 3);
        wakers.into_iter().for_each(Waker::wake);
        assert!(keys.iter().all(|&k| wheel.is_fired(k)));
        assert!(wheel.is_empty());
        assert!(wheel.slab.is_empty(), "drain frees every entry");
        assert_eq!(wheel.next_expiration(), None);
        check_invariants(&wheel);
        assert_eq!(count.get(), EDGES.len() + 10 - 3);
        assert_eq!(Arc::strong_count(&count), 2, "no waker is left in the wheel");
    }

    #[test]
    fn next_expiration_matches_brute_force() {
        let mut rng = Rng(42);
        let mut wheel = Wheel::new();
        let mut keys = Vec::new();
        let rounds = if cfg!(miri) { 200 } else { 5_000 };
        for _ in 0..rounds {
            match rng.below(4) {
                0 | 1 => {
                    let level = rng.below(6) as u32;
                    let offset = 1 + rng.below(1 << (6 * (level + 1)));
                    keys.push(wheel.insert(wheel.elapsed() + offset, counter().1).unwrap());
                }
                2 if !keys.is_empty() => {
                    let key = keys.swap_remove(rng.below(keys.len() as u64) as usize);
                    wheel.remove(key);
                }
                _ => {
                    let level = rng.below(4);
                    let now = wheel.elapsed() + rng.below(1 << (6 * (level + 1)));
                    advance_all(&mut wheel, now);
                }
            }
            assert_eq!(wheel.next_expiration(), brute_next_expiration(&wheel));
        }
    }

    /// One timer of the reference model.
    struct Model {
        key: TimerKey,
        deadline: u64,
        fired: bool,
        wakes: usize,
        count: Arc<Counter>,
        waker: Waker,
    }

    fn random_offset(rng: &mut Rng) -> u64 {
        match rng.below(10) {
            0..=3 => rng.below(70),
            4 | 5 => rng.below(5_000),
            6 | 7 => rng.below(300_000),
            8 => rng.below(1 << 31),
            // Past `MAX_DURATION` about half the time: filed at the horizon, filed again there.
            _ => rng.below(1 << 37),
        }
    }

    fn random_operations(seed: u64, start: u64) {
        let ops = if cfg!(miri) { 200 } else { 20_000 };
        let mut rng = Rng(seed);
        let mut wheel = Wheel::new();
        advance_all(&mut wheel, start);
        let mut model: Vec<Model> = Vec::new();
        let mut wakers = Vec::new();

        for _ in 0..ops {
            let elapsed = wheel.elapsed();
            match rng.below(20) {
                // insert
                0..=6 => {
                    let deadline = elapsed + random_offset(&mut rng);
                    let (count, waker) = counter();
                    match wheel.insert(deadline, waker.clone()) {
                        Ok(key) => {
                            assert!(deadline > elapsed);
                            model.push(Model { key, deadline, fired: false, wakes: 0, count, waker });
                        }
                        Err(InsertError::Elapsed) => assert!(deadline <= elapsed),
                    }
                }
                // remove
                7..=9 if !model.is_empty() => {
                    let timer = model.swap_remove(rng.below(model.len() as u64) as usize);
                    wheel.remove(timer.key);
                    assert!(wheel.is_fired(timer.key), "a removed key reads as fired");
                }
                // reset; a timer that is not in the wheel any more registers anew, as a `Sleep` would
                10..=12 if !model.is_empty() => {
                    let i = rng.below(model.len() as u64) as usize;
                    let timer = &mut model[i];
                    let deadline = (elapsed + random_offset(&mut rng)).saturating_sub(rng.below(3) * 40);
                    if timer.fired {
                        assert!(!wheel.reset(timer.key, deadline), "reset of a fired timer");
                        if let Ok(key) = wheel.insert(deadline, timer.waker.clone()) {
                            (timer.key, timer.deadline, timer.fired) = (key, deadline, false);
                        }
                    } else if wheel.reset(timer.key, deadline) {
                        assert!(deadline > elapsed);
                        timer.deadline = deadline;
                    } else {
                        assert!(deadline <= elapsed);
                        timer.fired = true;
                    }
                }
                // advance, by a random step or to exactly the next expiration, sometimes in small batches
                _ => {
                    let now = match rng.below(4) {
                        0 => wheel.next_expiration().unwrap_or(elapsed),
                        1 => elapsed + rng.below(64),
                        _ => elapsed + random_offset(&mut rng) / 4,
                    };
                    let limit = if rng.below(3) == 0 { 1 + rng.below(8) as usize } else { usize::MAX };
                    let mut pushed = 0;
                    while !wheel.advance(now, &mut wakers, limit) {
                        assert!(wheel.elapsed() <= now);
                        assert!(wakers.len() <= limit);
                        check_invariants(&wheel);
                        pushed += wakers.len();
                        wakers.drain(..).for_each(Waker::wake);
                    }
                    pushed += wakers.len();
                    wakers.drain(..).for_each(Waker::wake);
                    assert_eq!(wheel.elapsed(), now);

                    let mut newly_fired = 0;
                    for timer in model.iter_mut().filter(|t| !t.fired && t.deadline <= now) {
                        timer.fired = true;
                        timer.wakes += 1;
                        newly_fired += 1;
                    }
                    assert_eq!(pushed, newly_fired);
                    for timer in &model {
                        assert_eq!(timer.count.get(), timer.wakes, "woken at the wrong advance");
                        assert_eq!(wheel.is_fired(timer.key), timer.fired);
                    }
                }
            }

            check_invariants(&wheel);
            let pending: Vec<u64> = model.iter().filter(|t| !t.fired).map(|t| t.deadline).collect();
            assert_eq!(wheel.len(), pending.len());
            match (wheel.next_expiration(), pending.iter().min()) {
                (None, None) => {}
                (Some(next), Some(&earliest)) => assert!(wheel.elapsed() < next && next <= earliest),
                other => panic!("next_expiration disagrees with the model: {other:?}"),
            }
            for timer in model.iter().filter(|t| !t.fired) {
                assert_eq!(wheel.deadline(timer.key), timer.deadline);
            }
        }
    }

    #[test]
    fn random_operations_match_model() {
        random_operations(0x2545_f491_4f6c_dd1d, 0);
    }

    #[test]
    fn random_operations_match_model_across_top_level_turn() {
        random_operations(0xdead_beef_cafe_f00d, (1 << 36) - 1_000_000);
    }
}
