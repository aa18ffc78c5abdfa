//! `ScheduledIo`: what the reactor knows about one registered resource (a socket, a pipe, any fd):
//! which readiness it has seen and which tasks wait for more.
//!
//! **The readiness word.** Readiness bits (readable, writable, read closed, write closed, error) and a
//! 16-bit *tick* share one `AtomicUsize`. The reactor ORs in the bits of each event and bumps the tick.
//! A task that reads until `WouldBlock` clears the readable bit, but only if the tick is still the one
//! it saw when it checked readiness (`clear_readiness`): with edge-triggered epoll an event that
//! arrived after that check will not be reported again, so clearing it would lose it and the task
//! would wait forever on data already there.
//!
//! **Waiters.** One reader and one writer waker, behind a mutex that only a task about to wait and the
//! reactor dispatching an event take. A task checks readiness, and only if it must wait stores its
//! waker and checks again under the lock, which the reactor also holds when it takes the wakers: an
//! event between the first check and the store is never missed. One slot per direction is Tokio's
//! `poll_read_ready` contract too: a stream read by one task and written by another (the split
//! halves) works; two tasks reading the same socket at once would steal each other's wakeups.

use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use std::task::{Context, Poll, Waker};

/// Readiness bits of the word; the tick sits above them.
const READABLE: usize = 0b0_0001;
const WRITABLE: usize = 0b0_0010;
const READ_CLOSED: usize = 0b0_0100;
const WRITE_CLOSED: usize = 0b0_1000;
const ERROR: usize = 0b1_0000;
const READY_MASK: usize = 0b1_1111;
/// Set once at runtime shutdown: every wait ends with an error from then on.
const SHUTDOWN: usize = 1 << 5;
const TICK_SHIFT: u32 = 16;
const TICK_MASK: usize = 0xffff << TICK_SHIFT;

/// What a task waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(usize);

impl Interest {
    /// Data to read, or the read side closed.
    pub const READABLE: Interest = Interest(READABLE | READ_CLOSED | ERROR);
    /// Room to write, or the write side closed.
    pub const WRITABLE: Interest = Interest(WRITABLE | WRITE_CLOSED | ERROR);

    /// Both.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    pub fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    pub fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }
}

/// Readiness the reactor has seen for a resource.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Ready(usize);

impl Ready {
    pub const EMPTY: Ready = Ready(0);
    pub const READABLE: Ready = Ready(READABLE);
    pub const WRITABLE: Ready = Ready(WRITABLE);
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);
    pub const ERROR: Ready = Ready(ERROR);

    pub(crate) fn from_event(event: &mio::event::Event) -> Ready {
        let mut bits = 0;
        if event.is_readable() {
            bits |= READABLE;
        }
        if event.is_writable() {
            bits |= WRITABLE;
        }
        if event.is_read_closed() {
            bits |= READ_CLOSED;
        }
        if event.is_write_closed() {
            bits |= WRITE_CLOSED;
        }
        if event.is_error() {
            bits |= ERROR;
        }
        Ready(bits)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    fn intersection(self, interest: Interest) -> Ready {
        Ready(self.0 & interest.0)
    }
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (READ_CLOSED, "READ_CLOSED"),
            (WRITE_CLOSED, "WRITE_CLOSED"),
            (ERROR, "ERROR"),
        ];
        let set: Vec<&str> = names.iter().filter(|(bit, _)| self.0 & bit != 0).map(|(_, n)| *n).collect();
        write!(f, "Ready({})", if set.is_empty() { "EMPTY".to_string() } else { set.join(" | ") })
    }
}

/// Readiness as observed by one check, with the tick to clear it against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadyEvent {
    pub(crate) ready: Ready,
    tick: usize,
}

#[derive(Default)]
struct Waiters {
    reader: Option<Waker>,
    writer: Option<Waker>,
}

pub(crate) struct ScheduledIo {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

impl ScheduledIo {
    pub(crate) fn new() -> ScheduledIo {
        ScheduledIo { readiness: AtomicUsize::new(0), waiters: Mutex::new(Waiters::default()) }
    }

    /// The reactor saw `ready`: record it with a new tick and collect the wakers it concerns into
    /// `wakers` (woken by the caller, outside every lock).
    pub(crate) fn set_readiness(&self, ready: Ready, wakers: &mut Vec<Waker>) {
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
            let tick = ((current & TICK_MASK) >> TICK_SHIFT).wrapping_add(1) & 0xffff;
            Some((current & !TICK_MASK) | ready.0 | (tick << TICK_SHIFT))
        });
        let mut waiters = self.waiters.lock();
        if ready.intersection(Interest::READABLE).0 != 0 {
            wakers.extend(waiters.reader.take());
        }
        if ready.intersection(Interest::WRITABLE).0 != 0 {
            wakers.extend(waiters.writer.take());
        }
    }

    /// Runtime shutdown: every present and future wait on this resource ends with an error.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut waiters = self.waiters.lock();
        wakers.extend(waiters.reader.take());
        wakers.extend(waiters.writer.take());
    }

    /// Readiness for `interest`, or `Pending` after storing the task's waker. `Err` once the runtime is
    /// shutting down. Does not touch the coop budget; callers do.
    pub(crate) fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
    ) -> Poll<std::io::Result<ReadyEvent>> {
        if let Some(ready) = self.ready_now(interest) {
            return Poll::Ready(ready);
        }
        let mut waiters = self.waiters.lock();
        let waiters = &mut *waiters;
        // Both slots for a wait on both directions (`ready(READABLE.add(WRITABLE))`).
        for (wanted, slot) in
            [(interest.is_readable(), &mut waiters.reader), (interest.is_writable(), &mut waiters.writer)]
        {
            if !wanted {
                continue;
            }
            match slot {
                Some(stored) if stored.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
        }
        // Checked again under the lock that `set_readiness` takes before it takes the wakers.
        match self.ready_now(interest) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// In a task dump's trace poll (see `diag/dump`): records the wait on this resource, described
    /// by `describe`, and waits as `poll_ready` does but returns `Pending` whatever it finds (marking
    /// the task woken if it is ready). Returns false, doing nothing, outside a trace poll.
    pub(crate) fn trace_wait(
        &self,
        cx: &Context<'_>,
        interest: Interest,
        describe: impl FnOnce() -> String,
    ) -> bool {
        let Some(waker) = crate::diag::dump::leaf(crate::diag::LeafKind::Io, cx.waker(), describe) else {
            return false;
        };
        if self.poll_ready(&mut Context::from_waker(&waker), interest).is_ready() {
            waker.ready();
        }
        true
    }

    /// Readiness seen so far for `interest`, without waiting: `None` if there is none.
    pub(crate) fn ready_now(&self, interest: Interest) -> Option<std::io::Result<ReadyEvent>> {
        let current = self.readiness.load(Ordering::Acquire);
        if current & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = Ready(current & READY_MASK).intersection(interest);
        (!ready.is_empty()).then_some(Ok(ReadyEvent { ready, tick: current & TICK_MASK }))
    }

    /// A read or write hit `WouldBlock`: forget the readiness `event` reported, unless an event came in
    /// since (its tick moved). Closed and error bits stay: they are final.
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready.0 & (READABLE | WRITABLE);
        let _ = self.readiness.fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
            (current & TICK_MASK == event.tick).then_some(current & !clear)
        });
    }
}

pub(crate) fn shutdown_error() -> std::io::Error {
    std::io::Error::other("glasswing: the runtime is shutting down, so its I/O driver is gone")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize as Count;
    use std::sync::Arc;
    use std::task::Wake;

    struct Counter(Count);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(Count::new(0)));
        (c.clone(), Waker::from(c))
    }

    #[test]
    fn an_older_would_block_never_clears_a_newer_event() {
        let io = ScheduledIo::new();
        let (_, waker) = counter();
        let mut cx = Context::from_waker(&waker);
        let mut wakers = Vec::new();
        io.set_readiness(Ready::READABLE, &mut wakers);
        let Poll::Ready(Ok(seen)) = io.poll_ready(&mut cx, Interest::READABLE) else { panic!("not ready") };
        // A new edge arrives between the check and the WouldBlock of the read that followed it.
        io.set_readiness(Ready::READABLE, &mut wakers);
        io.clear_readiness(seen);
        assert!(io.poll_ready(&mut cx, Interest::READABLE).is_ready(), "the newer event was lost");
        // Cleared against the current tick, it goes.
        let Poll::Ready(Ok(now)) = io.poll_ready(&mut cx, Interest::READABLE) else { panic!() };
        io.clear_readiness(now);
        assert!(io.poll_ready(&mut cx, Interest::READABLE).is_pending());
    }

    #[test]
    fn reader_and_writer_are_woken_separately() {
        let io = ScheduledIo::new();
        let (reads, reader) = counter();
        let (writes, writer) = counter();
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_pending());
        assert!(io.poll_ready(&mut Context::from_waker(&writer), Interest::WRITABLE).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::WRITABLE, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!((reads.0.load(Ordering::SeqCst), writes.0.load(Ordering::SeqCst)), (0, 1));
        io.set_readiness(Ready::READ_CLOSED, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!((reads.0.load(Ordering::SeqCst), writes.0.load(Ordering::SeqCst)), (1, 1));
        // Closed is final: a WouldBlock does not clear it.
        let Poll::Ready(Ok(ev)) = io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE) else {
            panic!()
        };
        io.clear_readiness(ev);
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_ready());
    }

    #[test]
    fn a_wait_on_both_directions_wakes_on_either() {
        let io = ScheduledIo::new();
        let (count, waker) = counter();
        let both = Interest::READABLE.add(Interest::WRITABLE);
        assert!(io.poll_ready(&mut Context::from_waker(&waker), both).is_pending());
        let mut wakers = Vec::new();
        io.set_readiness(Ready::WRITABLE, &mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        let Poll::Ready(Ok(event)) = io.poll_ready(&mut Context::from_waker(&waker), both) else { panic!() };
        assert!(event.ready.is_writable() && !event.ready.is_readable());
    }

    #[test]
    fn shutdown_wakes_waiters_with_an_error() {
        let io = ScheduledIo::new();
        let (reads, reader) = counter();
        assert!(io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE).is_pending());
        let mut wakers = Vec::new();
        io.shutdown(&mut wakers);
        wakers.drain(..).for_each(Waker::wake);
        assert_eq!(reads.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            io.poll_ready(&mut Context::from_waker(&reader), Interest::READABLE),
            Poll::Ready(Err(_))
        ));
    }
}

/// Loom models of the two races in this file: a task registering its waker while the reactor records
/// an event (the wakeup must not be lost), and a `WouldBlock` clearing readiness while a new event
/// arrives (the new event must survive).
///
/// ```text
/// RUSTFLAGS="--cfg loom" cargo test -p glasswing --release --lib --target-dir target/loom -- loom
/// ```
#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::atomic::AtomicBool;
    use loom::sync::Arc;
    use loom::thread;
    use std::task::Wake;

    struct Flag(AtomicBool);

    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn loom_event_during_waiter_registration_is_never_lost() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let reactor = {
                let io = io.clone();
                thread::spawn(move || {
                    let mut wakers = Vec::new();
                    io.set_readiness(Ready::READABLE, &mut wakers);
                    wakers.into_iter().for_each(Waker::wake);
                })
            };
            let flag = std::sync::Arc::new(Flag(AtomicBool::new(false)));
            let waker = Waker::from(flag.clone());
            let ready_now = io.poll_ready(&mut Context::from_waker(&waker), Interest::READABLE).is_ready();
            reactor.join().unwrap();
            // Either the poll saw the event, or the event found the waker.
            assert!(ready_now || flag.0.load(Ordering::SeqCst), "the wakeup was lost");
        });
    }

    #[test]
    fn loom_would_block_never_clears_a_concurrent_event() {
        loom::model(|| {
            let io = Arc::new(ScheduledIo::new());
            let mut wakers = Vec::new();
            io.set_readiness(Ready::READABLE, &mut wakers);
            let seen = io.ready_now(Interest::READABLE).unwrap().unwrap();
            let reactor = {
                let io = io.clone();
                thread::spawn(move || {
                    let mut wakers = Vec::new();
                    io.set_readiness(Ready::READABLE, &mut wakers);
                })
            };
            // The read that followed `seen` hit WouldBlock.
            io.clear_readiness(seen);
            reactor.join().unwrap();
            assert!(io.ready_now(Interest::READABLE).is_some(), "the newer event was cleared");
        });
    }
}
