//! The flight recorder: a fixed-size ring of events per worker (poll, wake, spawn, park, unpark,
//! steal, queue depths), kept always, so that the seconds before an incident can be exported as a
//! timeline (`timeline.rs`) after the fact.
//!
//! Only the worker writes its ring: an event is one to four relaxed stores of a word and a release
//! store of the count, with no lock, no allocation and no clock read of its own. Timestamps are the
//! ones the worker has anyway: a timed poll's start and end, the clock reads of a park and an
//! unpark. A poll the worker does not time (see `worker.rs`), the most common event, is one word:
//! its task, its result, nothing else; the export places it between its timed neighbours.
//!
//! **Why words, not fixed slots.** The ring is written on every poll, so what it costs is mostly
//! the cache lines it takes over: with 32-byte slots, the events of one request/response pair of
//! `ping_pong` filled about five lines, each a write miss. An event's first word (its header) has
//! the top bit set and every other word has it clear (times, counts and addresses all stay below
//! 2^63), so a reader that starts anywhere in the ring finds the next event.
//!
//! Readers copy the ring while it is written and keep only the words that cannot have been
//! overwritten during the copy (see `read`), so a copy is consistent without stopping the worker.

use super::clock::Ticks;
use crate::loom::sync::atomic::{fence, AtomicU64, Ordering::*};
use std::marker::PhantomData;
use std::panic::Location;

/// Events per worker unless `Builder::flight_recorder_capacity` says otherwise. The ring has two
/// words (16 bytes) per event: an event is one word to four, the common ones one or two.
pub(crate) const DEFAULT_CAPACITY: usize = 8192;

/// Words of the ring per event of the capacity asked for.
const WORDS_PER_EVENT: usize = 2;

/// The longest event, in words.
const MAX_EVENT: u64 = 4;

/// A header word: this bit, then (from the bottom) the kind in 4 bits, flags in 4, and an argument
/// (a task id, a count) in the 55 above them.
const HEADER: u64 = 1 << 63;
const ARG_MASK: u64 = (1 << 55) - 1;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A poll, recorded when it ends: task id, result in flags; if timed (`TIMED`), three words
    /// more: start, end, spawn location.
    Poll = 1,
    /// A wake that scheduled a task: its id; flag `IN_POLL` if it came from inside a poll (the
    /// next `Poll` event of the ring); `AT`: a word more, the time.
    Wake = 2,
    /// A task spawned: its id; flags as for `Wake`; a word more, the spawn location.
    Spawn = 3,
    /// A word more: the time.
    Park = 4,
    /// A word more: the time.
    Unpark = 5,
    /// Tasks stolen (argument); a word more: the worker they came from.
    Steal = 6,
    /// Queue depths: local (argument); a word more: global.
    Queues = 7,
    /// A task (argument) started (flags 0) or ended (`WAIT_ENDED`) a wait on a contended `sync`
    /// primitive; three words more: the time, the primitive's creation location, and its kind and
    /// the operation (`probe::resource::pack`).
    Wait = 8,
}

/// A `Wait` event's flag: the wait ended (served, or its future dropped).
pub(crate) const WAIT_ENDED: u64 = 1;

/// How a poll ended, in a `Poll` event's flags.
pub(crate) const POLL_PENDING: u64 = 0;
pub(crate) const POLL_READY: u64 = 1;
pub(crate) const POLL_PANICKED: u64 = 2;
/// A `Poll` event's flag: it was timed.
const TIMED: u64 = 0b1000;
/// A `Wake` or `Spawn` event's flag: from inside a poll.
pub(crate) const IN_POLL: u64 = 0b0001;
/// A `Wake` or `Spawn` event's flag: its time follows.
const AT: u64 = 0b0010;

/// One event as a reader copied it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    pub(crate) kind: EventKind,
    /// A poll's result; `IN_POLL` for a wake or a spawn.
    pub(crate) flags: u64,
    pub(crate) arg: u64,
    /// The event's time (a poll's start), 0 if not measured.
    pub(crate) at: Ticks,
    /// A poll's end; a steal's victim; the global queue's depth.
    pub(crate) extra: u64,
    /// A timed poll's or a spawn's spawn location.
    pub(crate) location: Option<&'static Location<'static>>,
}

pub(crate) struct FlightRecorder {
    /// The ring; for a recorder of capacity 0, `MAX_EVENT` words that writers write and readers
    /// never read, so that a write has no branch on whether the recorder is on.
    words: Box<[AtomicU64]>,
    /// `words.len() - 1`.
    mask: u64,
    /// Words written so far; the next goes to `written & mask`.
    written: AtomicU64,
    /// The capacity is 0: `read` finds nothing.
    off: bool,
}

impl Default for FlightRecorder {
    fn default() -> FlightRecorder {
        FlightRecorder::new(0)
    }
}

impl FlightRecorder {
    /// A ring for about `events` events (rounded up to a power of two); 0 records nothing.
    pub(crate) fn new(events: usize) -> FlightRecorder {
        let len =
            if events == 0 { MAX_EVENT as usize } else { (events * WORDS_PER_EVENT).next_power_of_two() };
        FlightRecorder {
            words: (0..len).map(|_| AtomicU64::new(0)).collect(),
            mask: len as u64 - 1,
            written: AtomicU64::new(0),
            off: events == 0,
        }
    }

    #[inline(always)]
    fn word(&self, index: u64) -> &AtomicU64 {
        // SAFETY: `mask` is the slice's length minus one (a power of two), so the index is in bounds.
        unsafe { self.words.get_unchecked((index & self.mask) as usize) }
    }

    /// The events in the ring, oldest first, copied while the worker may be writing.
    ///
    /// A word `i` is kept only if it cannot have been overwritten while it was copied: the event
    /// that reuses its place (word `i + len`) starts at most `MAX_EVENT - 1` words before, and its
    /// writer first saw `written` at that start; the release fence before its stores makes that
    /// visible to our acquire fence if we read any of them. So after the copy, every word from
    /// `written + MAX_EVENT - len` on is intact. The first event is the first header word from there.
    pub(crate) fn read(&self) -> Vec<Event> {
        let len = self.words.len() as u64;
        if self.off {
            return Vec::new();
        }
        let end = self.written.load(Acquire);
        let start = end.saturating_sub(len);
        let words: Vec<u64> = (start..end).map(|i| self.word(i).load(Relaxed)).collect();
        fence(Acquire);
        let now_written = self.written.load(Relaxed);
        let first_intact = (now_written + MAX_EVENT).saturating_sub(len).max(start);
        let intact = words.get((first_intact - start) as usize..).unwrap_or_default();
        let first_event = intact.iter().position(|w| w & HEADER != 0).unwrap_or(intact.len());
        decode(&intact[first_event..])
    }
}

/// The right to write a ring: its one writer, the thread that runs its worker, holds it
/// (`worker::Writer::recorder`), and it cannot leave that thread. A reader trusts a location word
/// only because a single writer wrote the event whole (`read`); two writers could interleave an
/// event's words, and a time read back as an address would be an invalid reference.
#[derive(Clone, Copy)]
pub(crate) struct RecorderWriter<'a> {
    ring: &'a FlightRecorder,
    _not_send: PhantomData<*const ()>,
}

impl<'a> RecorderWriter<'a> {
    /// # Safety
    /// No other thread writes `ring` while this writer, or a copy of it, is used.
    #[inline(always)]
    pub(crate) unsafe fn new(ring: &'a FlightRecorder) -> RecorderWriter<'a> {
        RecorderWriter { ring, _not_send: PhantomData }
    }

    /// Writes one event: a header word, then the words of `more`.
    #[inline(always)]
    fn push<const N: usize>(&self, kind: EventKind, flags: u64, arg: u64, more: [u64; N]) {
        debug_assert!(more.iter().all(|w| w & HEADER == 0), "only a header word has the top bit");
        let n = self.ring.written.load(Relaxed);
        // Pairs with the reader's acquire fence: a reader that copied any of the stores below knows
        // that `written` had reached `n` (see `read`). A compiler barrier only, on x86.
        fence(Release);
        self.ring.word(n).store(HEADER | (arg & ARG_MASK) << 8 | flags << 4 | kind as u64, Relaxed);
        for (i, word) in more.into_iter().enumerate() {
            self.ring.word(n + 1 + i as u64).store(word, Relaxed);
        }
        self.ring.written.store(n + 1 + N as u64, Release);
    }

    /// A poll ended: untimed (`start` is 0), one word; timed, four.
    #[inline(always)]
    pub(crate) fn poll(
        &self,
        task: u64,
        location: &'static Location<'static>,
        result: u64,
        start: Ticks,
        end: Ticks,
    ) {
        if start == 0 {
            self.push(EventKind::Poll, result, task, []);
        } else {
            let location = location as *const _ as u64;
            self.push(EventKind::Poll, result | TIMED, task, [start, end, location]);
        }
    }

    /// A wake that scheduled `task`, at `at` if known (else 0).
    #[inline]
    pub(crate) fn wake(&self, task: u64, in_poll: bool, at: Ticks) {
        let flags = if in_poll { IN_POLL } else { 0 };
        if at == 0 {
            self.push(EventKind::Wake, flags, task, []);
        } else {
            self.push(EventKind::Wake, flags | AT, task, [at]);
        }
    }

    #[inline]
    pub(crate) fn spawn(&self, task: u64, location: &'static Location<'static>, in_poll: bool, at: Ticks) {
        let location = location as *const _ as u64;
        let flags = if in_poll { IN_POLL } else { 0 };
        self.push(EventKind::Spawn, flags | AT, task, [at, location]);
    }

    pub(crate) fn park(&self, at: Ticks) {
        self.push(EventKind::Park, 0, 0, [at]);
    }

    pub(crate) fn unpark(&self, at: Ticks) {
        self.push(EventKind::Unpark, 0, 0, [at]);
    }

    pub(crate) fn steal(&self, tasks: u64, victim: usize) {
        self.push(EventKind::Steal, 0, tasks, [victim as u64]);
    }

    pub(crate) fn queues(&self, local: usize, global: usize) {
        self.push(EventKind::Queues, 0, local as u64, [global as u64]);
    }

    #[cold]
    pub(crate) fn wait(
        &self,
        task: u64,
        ended: bool,
        at: Ticks,
        created_at: &'static Location<'static>,
        what: u64,
    ) {
        let flags = if ended { WAIT_ENDED } else { 0 };
        self.push(EventKind::Wait, flags, task, [at, created_at as *const _ as u64, what]);
    }
}

/// The events in `words`, which start with a header word and end with a whole event.
fn decode(mut words: &[u64]) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some((&header, rest)) = words.split_first() {
        let flags = (header >> 4) & 0xf;
        let arg = (header >> 8) & ARG_MASK;
        let kind = match header & 0xf {
            1 => EventKind::Poll,
            2 => EventKind::Wake,
            3 => EventKind::Spawn,
            4 => EventKind::Park,
            5 => EventKind::Unpark,
            6 => EventKind::Steal,
            7 => EventKind::Queues,
            8 => EventKind::Wait,
            _ => break,
        };
        let more = match kind {
            EventKind::Poll if flags & TIMED != 0 => 3,
            EventKind::Poll => 0,
            EventKind::Wake if flags & AT != 0 => 1,
            EventKind::Wake => 0,
            EventKind::Spawn => 2,
            EventKind::Wait => 3,
            _ => 1,
        };
        let Some(more_words) = rest.get(..more) else { break };
        let word = |i: usize| more_words.get(i).copied().unwrap_or(0);
        let mut event = Event { kind, flags: flags & !(TIMED | AT), arg, at: 0, extra: 0, location: None };
        match kind {
            EventKind::Poll => {
                (event.at, event.extra, event.location) = (word(0), word(1), location(word(2)))
            }
            EventKind::Spawn => (event.at, event.location) = (word(0), location(word(1))),
            EventKind::Wait => {
                (event.at, event.location, event.extra) = (word(0), location(word(1)), word(2))
            }
            EventKind::Wake | EventKind::Park | EventKind::Unpark => event.at = word(0),
            EventKind::Steal | EventKind::Queues => event.extra = word(0),
        }
        events.push(event);
        words = &rest[more..];
    }
    events
}

fn location(word: u64) -> Option<&'static Location<'static>> {
    // SAFETY: only `&'static Location`s are written to a timed `Poll` event's, a `Spawn` event's and
    // a `Wait` event's location word, and `read` hands out only events written whole.
    (word != 0).then(|| unsafe { &*(word as *const Location<'static>) })
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;

    /// A reader copying the ring while the worker writes, wraps and overwrites never hands out an
    /// event with words of two different events. Each timed poll's words are a function of its
    /// task id, so a torn one shows.
    #[test]
    fn loom_a_reader_never_sees_a_torn_event() {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(3);
        }
        builder.check(|| {
            let ring = Arc::new(FlightRecorder::new(4));
            // The reader starts once the writer has: loom then tries every interleaving of the
            // copy with the writes (without it, it found none to try).
            let started = Arc::new(AtomicU64::new(0));
            assert_eq!(ring.words.len(), 8);
            let location = Location::caller();
            let writer = {
                let (ring, started) = (ring.clone(), started.clone());
                loom::thread::spawn(move || {
                    started.store(1, Release);
                    // Four words each: the third overwrites the first, word by word, while the
                    // reader may be copying it.
                    // SAFETY: this thread is the ring's one writer.
                    let writer = unsafe { RecorderWriter::new(&ring) };
                    for n in 1..=3 {
                        writer.poll(n, location, POLL_READY, n * 10, n * 10 + 1);
                    }
                })
            };
            while started.load(Acquire) == 0 {
                loom::thread::yield_now();
            }
            let events = ring.read();
            for event in &events {
                let n = event.arg;
                assert_eq!((event.at, event.extra, event.flags), (n * 10, n * 10 + 1, POLL_READY));
                assert!(std::ptr::eq(event.location.unwrap(), location));
            }
            let ids: Vec<u64> = events.iter().map(|e| e.arg).collect();
            assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "in order, none missing between: {ids:?}");
            writer.join().unwrap();
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_last_events_whole_and_in_order_as_it_wraps() {
        let ring = FlightRecorder::new(6);
        assert_eq!(ring.words.len(), 16);
        let location = Location::caller();
        // SAFETY: this thread is the ring's one writer.
        let writer = unsafe { RecorderWriter::new(&ring) };
        // One word, four, two, three, one... so that events straddle the end of the ring.
        for i in 1..=40u64 {
            match i % 4 {
                0 => writer.poll(i, location, POLL_PENDING, 0, 0),
                1 => writer.poll(i, location, POLL_READY, i * 10, i * 10 + 5),
                2 => writer.wake(i, true, i),
                _ => writer.spawn(i, location, false, i),
            }
            let events = ring.read();
            let ids: Vec<u64> = events.iter().map(|e| e.arg).collect();
            let first = ids.first().copied().unwrap_or(i + 1);
            assert_eq!(ids, (first..=i).collect::<Vec<_>>(), "the newest events, none torn");
            // Kept: what fits in the ring but the words a writer may be overwriting (and the
            // tail of an event cut by them).
            let size = |j: u64| [1, 4, 2, 3][(j % 4) as usize];
            let words: u64 = (first..=i).map(size).sum();
            let written: u64 = (1..=i).map(size).sum();
            assert!(words == written || words > 16 - 2 * MAX_EVENT, "only {words} words kept");
        }
        let events = ring.read();
        let last = events.last().unwrap();
        assert_eq!((last.kind, last.flags, last.at, last.extra), (EventKind::Poll, POLL_PENDING, 0, 0));
        let timed = events.iter().find(|e| e.kind == EventKind::Poll && e.at != 0).unwrap();
        assert_eq!((timed.flags, timed.extra - timed.at), (POLL_READY, 5));
        assert!(std::ptr::eq(timed.location.unwrap(), location));
        let spawn = events.iter().find(|e| e.kind == EventKind::Spawn).unwrap();
        assert_eq!((spawn.at, spawn.flags), (spawn.arg, 0));
        let wake = events.iter().find(|e| e.kind == EventKind::Wake).unwrap();
        assert_eq!((wake.at, wake.flags), (wake.arg, IN_POLL));
    }

    #[test]
    fn a_wait_event_keeps_its_task_time_location_and_what() {
        use crate::probe::resource::{pack, unpack, ResourceKind, WaitOp};
        let ring = FlightRecorder::new(16);
        let created = Location::caller();
        // SAFETY: this thread is the ring's one writer.
        let writer = unsafe { RecorderWriter::new(&ring) };
        writer.wait(7, false, 100, created, pack(ResourceKind::Mutex, WaitOp::Lock));
        writer.wait(7, true, 200, created, pack(ResourceKind::Mutex, WaitOp::Lock));
        let events = ring.read();
        assert_eq!(events.len(), 2);
        for (event, (flags, at)) in events.iter().zip([(0, 100), (WAIT_ENDED, 200)]) {
            assert_eq!((event.kind, event.flags, event.arg, event.at), (EventKind::Wait, flags, 7, at));
            assert!(event.location.is_some_and(|l| std::ptr::eq(l, created)));
            assert_eq!(unpack(event.extra), Some((ResourceKind::Mutex, WaitOp::Lock)));
        }
    }

    #[test]
    fn a_ring_of_capacity_zero_records_nothing() {
        let ring = FlightRecorder::new(0);
        // SAFETY: this thread is the ring's one writer.
        unsafe { RecorderWriter::new(&ring) }.park(1);
        assert!(ring.read().is_empty());
    }
}
