//! The flight recorder: a fixed-size ring of events per worker (poll, wake, spawn, park, unpark,
//! steal, queue depths), kept always, so that the seconds before an incident can be exported as a
//! timeline (`timeline.rs`) after the fact.
//!
//! Only the worker writes its ring: an event is four relaxed stores and a release store of the
//! count, with no lock, no allocation and no clock read of its own. Timestamps are the ones the
//! worker has anyway: a timed poll's start and end, the clock reads of a park and an unpark. A poll
//! the worker does not time (see `worker.rs`) is recorded with none, and the export places it
//! between its timed neighbours.
//!
//! Readers copy the ring while it is written and keep only the events that cannot have been
//! overwritten during the copy (see `read`), so a copy is consistent without stopping the worker.

use super::clock::Ticks;
use crate::task::Id;
use std::panic::Location;
use std::sync::atomic::{fence, AtomicU64, Ordering::*};

/// Events per worker unless `Builder::flight_recorder_capacity` says otherwise: 32 bytes each,
/// 256 KiB per worker.
pub(crate) const DEFAULT_CAPACITY: usize = 8192;

/// What happened. The kind sits in the low 4 bits of an event's first word, flags in the next 4,
/// and an argument (a task id, a count) above them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A poll, recorded when it ends: task id, result in flags; if timed, start, end and spawn
    /// location.
    Poll = 1,
    /// A wake that scheduled a task: its id; flags 1 if from inside a poll (the next `Poll` event
    /// of the ring); time if known.
    Wake = 2,
    /// A task spawned: its id; flags and time as for `Wake`; spawn location.
    Spawn = 3,
    Park = 4,
    Unpark = 5,
    /// Tasks stolen (argument) from a worker (third word).
    Steal = 6,
    /// Queue depths: local (argument) and global (third word).
    Queues = 7,
}

/// How a poll ended, in a `Poll` event's flags.
pub(crate) const POLL_PENDING: u64 = 0;
pub(crate) const POLL_READY: u64 = 1;
pub(crate) const POLL_PANICKED: u64 = 2;

/// One event as a reader copied it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub(crate) kind: EventKind,
    pub(crate) flags: u64,
    pub(crate) arg: u64,
    /// The event's time (a poll's start), 0 if not measured.
    pub(crate) at: Ticks,
    /// A poll's end; a steal's victim; the global queue's depth.
    pub(crate) extra: u64,
    /// A timed poll's or a spawn's spawn location.
    pub(crate) location: Option<&'static Location<'static>>,
}

/// A `Poll` event's flag: it was timed (its start and end are in the second and third words, which
/// an untimed poll leaves as they were).
const TIMED: u64 = 0b1000;

pub(crate) struct FlightRecorder {
    slots: Box<[[AtomicU64; 4]]>,
    /// `capacity - 1`; `OFF` for a recorder of capacity 0.
    mask: u64,
    /// Events written so far; the next goes to `written & mask`.
    written: AtomicU64,
}

const OFF: u64 = u64::MAX;

impl Default for FlightRecorder {
    fn default() -> FlightRecorder {
        FlightRecorder::new(0)
    }
}

impl FlightRecorder {
    /// A ring of `capacity` events, rounded up to a power of two; 0 records nothing.
    pub(crate) fn new(capacity: usize) -> FlightRecorder {
        let capacity = if capacity == 0 { 0 } else { capacity.next_power_of_two() };
        FlightRecorder {
            slots: (0..capacity).map(|_| Default::default()).collect(),
            mask: if capacity == 0 { OFF } else { capacity as u64 - 1 },
            written: AtomicU64::new(0),
        }
    }

    /// Writes the next event: its first word and, of the other three, those `write` stores. Only
    /// the worker that owns the recorder calls it.
    #[inline(always)]
    fn push(&self, first: u64, write: impl FnOnce(&[AtomicU64; 4])) {
        if self.mask == OFF {
            return;
        }
        let n = self.written.load(Relaxed);
        // SAFETY: `mask` is the slice's length minus one (a power of two), so the index is in bounds.
        let slot = unsafe { self.slots.get_unchecked((n & self.mask) as usize) };
        // Pairs with the reader's acquire fence: a reader that copied any of the stores below knows
        // that `written` had reached `n` (see `read`). A compiler barrier only, on x86.
        fence(Release);
        slot[0].store(first, Relaxed);
        write(slot);
        self.written.store(n + 1, Release);
    }

    #[inline(always)]
    fn event(&self, kind: EventKind, flags: u64, arg: u64, at: Ticks, extra: u64) {
        self.push(arg << 8 | flags << 4 | kind as u64, |slot| {
            slot[1].store(at, Relaxed);
            slot[2].store(extra, Relaxed);
        });
    }

    /// A poll ended. Untimed (`start` is 0), it stores two words (its first and the count); timed,
    /// five. The export finds an untimed poll's task name or location by its id.
    #[inline(always)]
    pub(crate) fn poll(
        &self,
        task: Id,
        location: &'static Location<'static>,
        result: u64,
        start: Ticks,
        end: Ticks,
    ) {
        let timed = if start != 0 { TIMED } else { 0 };
        self.push(task.as_u64() << 8 | (result | timed) << 4 | EventKind::Poll as u64, |slot| {
            if start != 0 {
                slot[1].store(start, Relaxed);
                slot[2].store(end, Relaxed);
                slot[3].store(location as *const _ as u64, Relaxed);
            }
        });
    }

    #[inline]
    pub(crate) fn wake(&self, task: Id, in_poll: bool, at: Ticks) {
        self.event(EventKind::Wake, u64::from(in_poll), task.as_u64(), at, 0);
    }

    #[inline]
    pub(crate) fn spawn(&self, task: Id, location: &'static Location<'static>, in_poll: bool, at: Ticks) {
        self.push(task.as_u64() << 8 | u64::from(in_poll) << 4 | EventKind::Spawn as u64, |slot| {
            slot[1].store(at, Relaxed);
            slot[3].store(location as *const _ as u64, Relaxed);
        });
    }

    pub(crate) fn park(&self, at: Ticks) {
        self.event(EventKind::Park, 0, 0, at, 0);
    }

    pub(crate) fn unpark(&self, at: Ticks) {
        self.event(EventKind::Unpark, 0, 0, at, 0);
    }

    pub(crate) fn steal(&self, tasks: u64, victim: usize) {
        self.event(EventKind::Steal, 0, tasks, 0, victim as u64);
    }

    pub(crate) fn queues(&self, local: usize, global: usize) {
        self.event(EventKind::Queues, 0, local as u64, 0, global as u64);
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The events in the ring, oldest first, copied while the worker may be writing.
    ///
    /// An event `i` is kept only if it cannot have been overwritten while it was copied: the
    /// writer of event `i + capacity` (which reuses its slot) first saw `written == i + capacity`,
    /// and the release fence before its stores makes that visible to our acquire fence if we read
    /// any of them; so after the copy, every `i > written - capacity` is intact.
    pub(crate) fn read(&self) -> Vec<Event> {
        let capacity = self.slots.len() as u64;
        if capacity == 0 {
            return Vec::new();
        }
        let end = self.written.load(Acquire);
        let start = end.saturating_sub(capacity);
        let words: Vec<[u64; 4]> = (start..end)
            .map(|i| self.slots[(i % capacity) as usize].each_ref().map(|w| w.load(Relaxed)))
            .collect();
        fence(Acquire);
        let now_written = self.written.load(Relaxed);
        let first_intact = (now_written + 1).saturating_sub(capacity);
        (start..end).zip(words).filter(|(i, _)| *i >= first_intact).filter_map(|(_, w)| decode(w)).collect()
    }
}

fn decode([word, at, extra, location]: [u64; 4]) -> Option<Event> {
    let kind = match word & 0xf {
        1 => EventKind::Poll,
        2 => EventKind::Wake,
        3 => EventKind::Spawn,
        4 => EventKind::Park,
        5 => EventKind::Unpark,
        6 => EventKind::Steal,
        7 => EventKind::Queues,
        _ => return None,
    };
    let mut flags = (word >> 4) & 0xf;
    let (mut at, mut extra, mut location) = (at, extra, location);
    match kind {
        // An untimed poll left the other words as an older event wrote them.
        EventKind::Poll if flags & TIMED == 0 => (at, extra, location) = (0, 0, 0),
        EventKind::Poll | EventKind::Spawn => {}
        _ => location = 0,
    }
    flags &= !TIMED;
    // SAFETY: only `&'static Location`s are written to a timed `Poll` event's and a `Spawn` event's
    // fourth word, and the acquire/fence protocol of `read` hands out only events written whole.
    let location = (location != 0).then(|| unsafe { &*(location as *const Location<'static>) });
    Some(Event { kind, flags, arg: word >> 8, at, extra, location })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_last_capacity_events_in_order() {
        let ring = FlightRecorder::new(6);
        assert_eq!(ring.capacity(), 8);
        let location = Location::caller();
        for i in 1..=20u64 {
            ring.poll(Id::from_u64(i), location, POLL_READY, i * 10, i * 10 + 5);
        }
        let events = ring.read();
        // The oldest slot may be being overwritten by the next write: it is not handed out.
        assert_eq!(events.len(), 7);
        let ids: Vec<u64> = events.iter().map(|e| e.arg).collect();
        assert_eq!(ids, (14..=20).collect::<Vec<_>>());
        let last = events.last().unwrap();
        assert_eq!((last.kind, last.flags, last.at, last.extra), (EventKind::Poll, POLL_READY, 200, 205));
        assert!(std::ptr::eq(last.location.unwrap(), location));
    }

    #[test]
    fn a_ring_of_capacity_zero_records_nothing() {
        let ring = FlightRecorder::new(0);
        ring.park(1);
        assert!(ring.read().is_empty());
    }
}
