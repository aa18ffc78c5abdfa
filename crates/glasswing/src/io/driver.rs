//! The I/O driver (the reactor): one `mio::Poll` per runtime, the resources registered with it, and
//! how a parked thread sleeps in it.
//!
//! **Registration.** Each resource is registered once, for reading and writing, edge-triggered (mio's
//! only mode). Its `ScheduledIo` lives in a slab; the mio token is the slab index with a generation in
//! the high bits. Deregistering removes the slab entry and bumps the generation, so an event that the
//! kernel reported for the old resource, and that the driver is dispatching at the same moment, finds
//! either the old entry (harmless: nobody waits on it any more) or no entry with that generation
//! (ignored). It can never reach a new resource that reused the index.
//!
//! **Who polls.** The thread that holds the time driver's token (see `time/driver.rs`) parks *in* the
//! reactor: `epoll_wait` with the timeout to the next timer, instead of a condvar. Other parked threads
//! sleep on their condvars. Unparking the thread in the reactor writes to mio's `Waker` (an eventfd on
//! Linux). Busy workers poll with a zero timeout at their maintenance ticks, if no one else is polling
//! (`try_lock`), so I/O events are not left waiting while every worker is busy. Events are dispatched
//! in one pass: the slab lock is taken once, each event's readiness is recorded and its wakers
//! collected, and the wakes happen after every lock is released.

use super::scheduled_io::{shutdown_error, Ready, ScheduledIo};
use crate::probe::RuntimeProbes;
use crate::task::waker::wake_all;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::task::Waker;
use std::time::Duration;

/// The token of mio's `Waker`; resource tokens are slab index + generation, which never reach it.
const WAKE_TOKEN: mio::Token = mio::Token(usize::MAX);

/// The token of the process's signal pipe (`signal/unix.rs`), registered once in each runtime that
/// listens for a signal. Like `WAKE_TOKEN` it has the top bit set, which resource tokens never have.
#[cfg(unix)]
const SIGNAL_TOKEN: mio::Token = mio::Token(usize::MAX - 1);

/// Events read per `epoll_wait` (`Builder::max_io_events_per_tick`'s default, as in Tokio).
pub(crate) const EVENTS: usize = 1024;

/// How a panicking waker's report names this driver.
const DRIVER: &str = "I/O driver";

/// Slab indices use the low bits of a token (32 on 64-bit targets, 24 on 32-bit ones), generations the
/// rest but the top bit, which stays clear so that no token equals `WAKE_TOKEN`.
const INDEX_BITS: u32 = if usize::BITS >= 64 { 32 } else { 24 };
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
const GENERATION_MASK: usize = (1 << (usize::BITS - INDEX_BITS - 1)) - 1;

pub(crate) struct IoHandle {
    registry: mio::Registry,
    waker: mio::Waker,
    /// The poller and its event buffer; locked by whoever polls (the parked token holder, or a busy
    /// worker's zero-timeout poll).
    poll: Mutex<Poller>,
    registrations: Mutex<Registrations>,
    /// How many resources are registered, readable without a lock: a busy thread's zero-timeout poll
    /// is skipped while nothing is registered (a syscall every maintenance tick would cost a runtime that does no
    /// I/O several percent on message-passing workloads).
    registered: AtomicUsize,
    is_shutdown: AtomicBool,
    /// Readiness events dispatched so far (diagnostics; one add per poll of the driver).
    events: AtomicU64,
    /// The runtime's probes: a waker that panics is reported there (`task::waker::wake_all`).
    probes: Arc<RuntimeProbes>,
    /// This runtime's duplicate of the read end of the process's signal pipe, once a signal listener
    /// or a child process of this runtime needed it (`watch_signals`).
    #[cfg(unix)]
    signal_pipe: Mutex<Option<std::os::fd::OwnedFd>>,
}

struct Poller {
    poll: mio::Poll,
    events: mio::Events,
    /// A smaller buffer for the zero-timeout polls of a busy thread, if
    /// `Builder::max_io_events_per_busy_tick` asked for one: the rest of the events stay in the
    /// kernel until the next poll, rather than flood the busy thread's queue.
    busy_events: Option<mio::Events>,
}

#[derive(Default)]
struct Registrations {
    entries: Vec<Slot>,
    free: Vec<u32>,
}

struct Slot {
    generation: usize,
    io: Option<Arc<ScheduledIo>>,
}

impl std::fmt::Debug for IoHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IoHandle").finish_non_exhaustive()
    }
}

impl IoHandle {
    #[cfg(test)]
    pub(crate) fn new(probes: Arc<RuntimeProbes>) -> io::Result<IoHandle> {
        IoHandle::with_capacity(probes, EVENTS, None)
    }

    /// `events`: most events a poll dispatches; `busy_events`: most a busy thread's zero-timeout
    /// poll does (`None`: as many as `events`).
    pub(crate) fn with_capacity(
        probes: Arc<RuntimeProbes>,
        events: usize,
        busy_events: Option<usize>,
    ) -> io::Result<IoHandle> {
        let poll = mio::Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = mio::Waker::new(&registry, WAKE_TOKEN)?;
        Ok(IoHandle {
            registry,
            waker,
            poll: Mutex::new(Poller {
                poll,
                events: mio::Events::with_capacity(events),
                busy_events: busy_events.map(mio::Events::with_capacity),
            }),
            registrations: Mutex::new(Registrations::default()),
            registered: AtomicUsize::new(0),
            is_shutdown: AtomicBool::new(false),
            events: AtomicU64::new(0),
            probes,
            #[cfg(unix)]
            signal_pipe: Mutex::new(None),
        })
    }

    /// Registers `source` for reading and writing. The returned token deregisters it.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<(Arc<ScheduledIo>, mio::Token)> {
        self.register_with(source, mio::Interest::READABLE | mio::Interest::WRITABLE)
    }

    /// Registers `source` for `interest` (`AsyncFd::register_with_interest`).
    pub(crate) fn register_with(
        &self,
        source: &mut impl mio::event::Source,
        interest: mio::Interest,
    ) -> io::Result<(Arc<ScheduledIo>, mio::Token)> {
        let io = Arc::new(ScheduledIo::new());
        let token = {
            let mut regs = lock(&self.registrations);
            // Checked under the lock that `shutdown` takes after setting the flag: either this sees the
            // flag, or shutdown sees this registration and marks it.
            if self.is_shutdown.load(Ordering::Acquire) {
                return Err(shutdown_error());
            }
            let index = match regs.free.pop() {
                Some(index) => index,
                None => {
                    regs.entries.push(Slot { generation: 0, io: None });
                    u32::try_from(regs.entries.len() - 1)
                        .ok()
                        .filter(|&i| (i as usize) <= INDEX_MASK)
                        .expect("too many I/O resources")
                }
            };
            let slot = &mut regs.entries[index as usize];
            slot.io = Some(io.clone());
            let token = mio::Token(index as usize | (slot.generation << INDEX_BITS));
            self.registered.fetch_add(1, Ordering::Relaxed);
            token
        };
        if let Err(e) = self.registry.register(source, token, interest) {
            self.release(token);
            return Err(e);
        }
        Ok((io, token))
    }

    /// Deregisters `source` and frees its token. An event for it already read by the poller is
    /// dropped at dispatch (see the module documentation).
    pub(crate) fn deregister(
        &self,
        source: &mut impl mio::event::Source,
        token: mio::Token,
    ) -> io::Result<()> {
        let result = self.registry.deregister(source);
        self.release(token);
        result
    }

    fn release(&self, token: mio::Token) {
        let index = token.0 & INDEX_MASK;
        let mut regs = lock(&self.registrations);
        let slot = &mut regs.entries[index];
        if slot.io.take().is_some() {
            slot.generation = (slot.generation + 1) & GENERATION_MASK;
            regs.free.push(index as u32);
            self.registered.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Registered resources right now.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn registered(&self) -> usize {
        self.registered.load(Ordering::Relaxed)
    }

    /// Watches the process's signal pipe (`signal/unix.rs`) from this runtime's reactor, if it does
    /// not already: a duplicate of `read_end` registered under `SIGNAL_TOKEN`, so that a signal wakes
    /// the thread parked here and `signal::unix::dispatch` runs. Once per runtime, whatever the number
    /// of listeners; it stays until the runtime is dropped.
    #[cfg(unix)]
    pub(crate) fn watch_signals(&self, read_end: std::os::fd::BorrowedFd<'_>) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let mut pipe = lock(&self.signal_pipe);
        if pipe.is_some() {
            return Ok(());
        }
        if self.is_shutdown.load(Ordering::Acquire) {
            return Err(shutdown_error());
        }
        let dup = read_end.try_clone_to_owned()?;
        self.registry.register(
            &mut mio::unix::SourceFd(&dup.as_raw_fd()),
            SIGNAL_TOKEN,
            mio::Interest::READABLE,
        )?;
        // Counted as a resource, so that busy threads' zero-timeout polls see signals too.
        self.registered.fetch_add(1, Ordering::Relaxed);
        *pipe = Some(dup);
        Ok(())
    }

    /// Whether the runtime has shut its reactor down.
    #[cfg(unix)]
    pub(crate) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    /// Wakes the thread parked in `turn`, if any; if none is, the next `turn` returns at once.
    pub(crate) fn unpark(&self) {
        // mio resets a full eventfd itself; an error here would mean the waker's fd is gone, and then
        // there is no poll left to wake.
        let _ = self.waker.wake();
    }

    /// Polls for events, up to `timeout` (`None`: until one arrives or `unpark`), and wakes the tasks
    /// they concern. For the thread parking with the driver token.
    pub(crate) fn turn(&self, timeout: Option<Duration>) {
        let mut poller = lock(&self.poll);
        let wakers = self.poll_and_collect(&mut poller, timeout, timeout == Some(Duration::ZERO));
        drop(poller);
        wake_all(&self.probes, DRIVER, wakers);
    }

    /// A zero-timeout poll for a busy thread; skipped if another thread is polling, or if nothing is
    /// registered.
    pub(crate) fn poll_now(&self) {
        if self.registered.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mut poller = match self.poll.try_lock() {
            Ok(poller) => poller,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        };
        let wakers = self.poll_and_collect(&mut poller, Some(Duration::ZERO), true);
        drop(poller);
        wake_all(&self.probes, DRIVER, wakers);
    }

    /// One `epoll_wait`, then every event's readiness recorded; returns the wakers to wake. `busy`:
    /// the poll does not wait (the thread has work), so it takes at most the busy batch.
    fn poll_and_collect(&self, poller: &mut Poller, timeout: Option<Duration>, busy: bool) -> Vec<Waker> {
        let Poller { poll, events, busy_events } = poller;
        let events = match busy_events {
            Some(busy_events) if busy => busy_events,
            _ => events,
        };
        let mut wakers: Vec<Waker> = Vec::new();
        if let Err(e) = poll.poll(events, timeout) {
            // Interrupted by a signal: a spurious wakeup, as the caller allows. Anything else would mean
            // the epoll instance itself is broken.
            assert_eq!(e.kind(), io::ErrorKind::Interrupted, "glasswing: the I/O driver failed to poll: {e}");
            return wakers;
        }
        if events.is_empty() {
            // The common zero-timeout poll of a busy thread: no lock to take.
            return wakers;
        }
        let dispatched = events.iter().filter(|e| e.token() != WAKE_TOKEN).count();
        if dispatched > 0 {
            self.events.fetch_add(dispatched as u64, Ordering::Relaxed);
        }
        #[cfg(unix)]
        let mut signalled = false;
        {
            let regs = lock(&self.registrations);
            for event in events.iter() {
                let token = event.token();
                if token == WAKE_TOKEN {
                    continue;
                }
                #[cfg(unix)]
                if token == SIGNAL_TOKEN {
                    signalled = true;
                    continue;
                }
                let index = token.0 & INDEX_MASK;
                let generation = token.0 >> INDEX_BITS;
                let Some(slot) = regs.entries.get(index) else { continue };
                if slot.generation != generation {
                    continue;
                }
                if let Some(io) = &slot.io {
                    io.set_readiness(Ready::from_event(event), &mut wakers);
                }
            }
        }
        #[cfg(unix)]
        if signalled {
            crate::signal::unix::dispatch(&mut wakers);
        }
        wakers
    }

    /// Readiness events dispatched so far.
    pub(crate) fn events_total(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Runtime shutdown: every resource's waiters wake and get an error, and new registrations fail.
    /// (A waiter may be a task of this runtime, being cancelled, whose wake is then a no-op, or a
    /// future some other executor polls, which must not wait forever.)
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        let mut wakers = Vec::new();
        {
            let regs = lock(&self.registrations);
            for io in regs.entries.iter().filter_map(|slot| slot.io.as_ref()) {
                io.shutdown(&mut wakers);
            }
        }
        // Signal listeners wait in the process-wide table: they look at their runtime's flag when
        // woken.
        #[cfg(unix)]
        if lock(&self.signal_pipe).is_some() {
            crate::signal::unix::wake_all(&mut wakers);
        }
        wake_all(&self.probes, DRIVER, wakers);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::{Context, Poll, Wake};

    fn test_probes() -> Arc<RuntimeProbes> {
        crate::probe::for_tests(1)
    }

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_reused_slot_gets_a_new_generation_and_old_events_are_dropped() {
        let driver = IoHandle::new(test_probes()).unwrap();
        let mut first = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (old_io, old_token) = driver.register(&mut first).unwrap();
        assert_eq!(driver.registered(), 1);
        driver.deregister(&mut first, old_token).unwrap();
        assert_eq!(driver.registered(), 0);

        let mut second = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let (new_io, new_token) = driver.register(&mut second).unwrap();
        assert_eq!(new_token.0 & INDEX_MASK, old_token.0 & INDEX_MASK, "the slot is reused");
        assert_ne!(new_token, old_token);

        // The new socket is writable at once: its event reaches it, and only it.
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let _ = old_io.poll_ready(&mut cx, super::super::Interest::WRITABLE);
        driver.turn(Some(Duration::from_secs(5)));
        assert!(matches!(new_io.poll_ready(&mut cx, super::super::Interest::WRITABLE), Poll::Ready(Ok(_))));
        assert!(old_io.poll_ready(&mut cx, super::super::Interest::WRITABLE).is_pending());
        assert_eq!(count.0.load(Ordering::SeqCst), 0, "an event for the freed token reached its old owner");
        driver.deregister(&mut second, new_token).unwrap();
    }

    #[test]
    fn unpark_ends_a_turn_and_shutdown_fails_registration() {
        let driver = Arc::new(IoHandle::new(test_probes()).unwrap());
        let waker = {
            let driver = driver.clone();
            std::thread::spawn(move || driver.unpark())
        };
        // No timeout: only the unpark (before or during the poll) can end it.
        driver.turn(None);
        waker.join().unwrap();
        driver.shutdown();
        let mut socket = mio::net::UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert!(driver.register(&mut socket).is_err());
    }
}
