//! Capturing another thread's stack while it runs (Linux, x86_64 and aarch64), in two halves: a
//! signal handler on the worker copies its registers and the top of its stack, and the watchdog
//! walks that copy afterwards, on its own thread (`unwind.rs`).
//!
//! Why a signal: only the thread itself can read its registers while it keeps running.
//!
//! Why the handler only copies: a signal can stop the thread anywhere, inside `malloc`, holding the
//! dynamic loader's lock, or inside the unwinder itself. Walking the stack in the handler
//! (`_Unwind_Backtrace`, as this module used to) finds the unwind tables through
//! `dl_iterate_phdr` and the loader's lock wherever glibc is older than 2.35, libgcc does not use
//! `_dl_find_object`, or the C library is musl: a thread stopped while holding that lock would wait
//! for itself forever (gperftools#1583 is that deadlock), and an unwinder stopped mid-walk would be
//! re-entered. So the handler does only this:
//!
//! - it reads the registers the kernel saved for the interrupted code (the `ucontext` it is given):
//!   program counter, stack pointer, frame pointer, and on aarch64 the link register;
//! - it copies at most `STACK_COPY` bytes of the stack, from that stack pointer up towards the
//!   stack's base, with `memcpy` (which POSIX lists as async-signal-safe), into a static buffer;
//! - it publishes both with atomic stores, and compares its thread's id (`pthread_self`, a read of
//!   the thread pointer) with the one the request names.
//!
//! It allocates nothing, takes no lock and calls nothing else, so it cannot block, whatever the
//! thread was doing. The copy stays inside the thread's stack: the watchdog finds the stack's bounds
//! beforehand (`pthread_getattr_np`, on its own thread, once per worker thread) and hands them over
//! with the request; a stack pointer outside them (a thread interrupted on an alternate signal stack
//! or on a coroutine's own stack) copies nothing, and the walk then has the interrupted frame only.
//! The copy is bounded, so a very deep stack loses its outermost frames (its start, as a rule).
//! Where the handler does not run at all (the thread blocks the signal, or is stopped), the watchdog
//! stops waiting at a deadline and the report says the stack could not be captured.
//!
//! One capture runs at a time in the whole process (they are rare: one per long poll), in one static
//! buffer. The slot's state is a sequence number and a phase in one atomic: the watchdog claims the
//! slot, names its target, and signals; the handler claims the request with a compare-and-swap, so a
//! handler that runs late, after the watchdog withdrew its request, finds nothing to do and cannot
//! scribble over a newer capture; and a watchdog that stops waiting while a handler copies leaves the
//! slot to that handler, which frees it when done. Every wait has a deadline; no lock is held across
//! one.
//!
//! The signal is SIGURG, as Go's runtime uses for preemption: ignored by default and in practice
//! unused by programs (it reports out-of-band TCP data only to a process that asked for it). The
//! handler is installed with `sigaction` (it needs the `ucontext`, which `signal-hook-registry`'s
//! actions are not given), with `SA_RESTART`, and calls whatever handler the program had installed
//! before it, for every SIGURG. (A SIGURG arriving while the handler is being installed, a window
//! of two system calls, misses that earlier handler.)
//!
//! `SA_RESTART` makes the kernel restart most system calls the signal interrupts: `read` and `write`
//! on a pipe, a terminal or a socket, `accept`, `connect`, `recv`, `send`, `wait`, `flock`, a
//! futex wait (so a `Mutex`, a `Condvar`, a channel's `recv`), `getrandom`. What remains are the
//! calls signal(7) lists as never restarted after a handler, whatever the flags: `epoll_wait`,
//! `poll`, `select` and their variants; `nanosleep`, `clock_nanosleep` and `usleep`; socket calls on
//! a socket with a timeout (`SO_RCVTIMEO`, `SO_SNDTIMEO`); `pause`, `sigsuspend`, `sigtimedwait`;
//! System V IPC (`msgrcv`, `msgsnd`, `semop`); `io_getevents`. A long poll blocked in one of those
//! returns `EINTR` when its stack is captured, as it would on any other signal, and must retry;
//! `std::thread::sleep` goes back to sleep for the time left by itself.

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SIGNAL: libc::c_int = libc::SIGURG;

/// How much of the interrupted stack the handler copies. An async worker's stack at a long poll is
/// shallow: the runtime's loop, the task's poll, and the futures it awaits, each a frame (the
/// futures' state lives in the task, not on the stack).
pub(crate) const STACK_COPY: usize = 64 * 1024;

// `state` = sequence << 3 | phase. The slot is free when `state` is `IDLE`.
const PHASE: u64 = 7;
const IDLE: u64 = 0;
/// A watchdog holds the slot and is naming its target.
const PREPARING: u64 = 1;
/// The target is named and signalled; its handler has not claimed the request yet.
const REQUESTED: u64 = 2;
/// The handler is copying.
const CAPTURING: u64 = 3;
/// The copy is ready for the watchdog that asked.
const DONE: u64 = 4;
/// The watchdog stopped waiting while the handler copied: the handler frees the slot when done.
const ABANDONED: u64 = 5;

struct Slot {
    state: AtomicU64,
    /// The thread to capture (`pthread_t`, as an integer) and the bounds of its stack.
    target: AtomicUsize,
    stack_low: AtomicUsize,
    stack_high: AtomicUsize,
    /// What the handler found: the registers, and how many bytes of the stack it copied to `COPY`.
    regs: [AtomicUsize; 4],
    copied: AtomicUsize,
}

static SLOT: Slot = Slot {
    state: AtomicU64::new(IDLE),
    target: AtomicUsize::new(0),
    stack_low: AtomicUsize::new(0),
    stack_high: AtomicUsize::new(0),
    regs: [const { AtomicUsize::new(0) }; 4],
    copied: AtomicUsize::new(0),
};

/// The copy of the stack's top, written by the handler that holds the request (`CAPTURING`), read
/// by the watchdog that made it once the handler is done (`DONE`), and by nobody in other phases.
struct Copy(UnsafeCell<[u64; STACK_COPY / 8]>);

// SAFETY: the slot's phases give the buffer one user at a time (see `Copy`): the handler's writes
// are published by its `Release` store of `DONE` (or `IDLE`), which the reader, or the next
// request's owner, reads with `Acquire` before touching the buffer.
unsafe impl Sync for Copy {}

static COPY: Copy = Copy(UnsafeCell::new([0; STACK_COPY / 8]));

static NEXT_SEQ: AtomicU64 = AtomicU64::new(1);

/// The registers a walk starts from, as the interrupted code had them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    pub(crate) pc: usize,
    pub(crate) sp: usize,
    /// The frame pointer (`rbp`, `x29`).
    pub(crate) fp: usize,
    /// The link register (`x30`; 0 on x86_64, which has none).
    pub(crate) lr: usize,
}

/// A captured stack: the interrupted registers, and the top of the stack from `regs.sp` on.
pub(crate) struct Captured {
    pub(crate) regs: Regs,
    pub(crate) stack: Vec<u8>,
}

impl Captured {
    /// The word of the stack at `addr`, if the copy has it.
    pub(crate) fn word_at(&self, addr: u64) -> Option<u64> {
        let at = usize::try_from(addr.checked_sub(self.regs.sp as u64)?).ok()?;
        let bytes = self.stack.get(at..at.checked_add(8)?)?;
        Some(u64::from_ne_bytes(bytes.try_into().ok()?))
    }
}

/// Why a stack was not captured: what the report says in its place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotCaptured {
    /// The signal handler could not be installed.
    NoHandler,
    /// Another capture held the process's one slot until the deadline.
    Busy,
    /// The thread left before it was signalled.
    Gone,
    /// The bounds of the thread's stack could not be read.
    NoBounds,
    /// The thread did not answer by the deadline (it blocks the signal, or is stopped).
    NoAnswer,
}

impl fmt::Display for NotCaptured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotCaptured::NoHandler => "the stack-capture signal handler could not be installed",
            NotCaptured::Busy => "another stack capture was in progress",
            NotCaptured::Gone => "the worker's thread had left",
            NotCaptured::NoBounds => "the bounds of the worker thread's stack could not be read",
            NotCaptured::NoAnswer => "the worker did not answer the stack-capture signal (SIGURG) in time",
        })
    }
}

/// The lowest and highest address of `thread`'s stack. Not for a signal handler: it may allocate
/// and read files (the main thread's is found in `/proc/self/maps`).
///
/// # Safety
/// `thread` is alive for the duration of the call.
pub(crate) unsafe fn stack_of(thread: libc::pthread_t) -> Option<(usize, usize)> {
    let mut attr = std::mem::MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: the caller keeps `thread` alive; `attr` is written by the call when it succeeds.
    if unsafe { libc::pthread_getattr_np(thread, attr.as_mut_ptr()) } != 0 {
        return None;
    }
    let (mut low, mut size) = (std::ptr::null_mut(), 0);
    // SAFETY: `attr` was initialized above, and is destroyed once, after its last use.
    let ok = unsafe {
        let ok = libc::pthread_attr_getstack(attr.as_ptr(), &mut low, &mut size) == 0;
        libc::pthread_attr_destroy(attr.as_mut_ptr());
        ok
    };
    (ok && size > 0).then(|| (low as usize, low as usize + size))
}

/// The process's one capture slot, held by one watchdog from its claim until its request is answered
/// or withdrawn.
pub(crate) struct Claim {
    seq: u64,
}

impl Claim {
    /// Waits, until `deadline` at most, for the slot to be free, and claims it.
    pub(crate) fn new(deadline: Instant) -> Result<Claim, NotCaptured> {
        if !install() {
            return Err(NotCaptured::NoHandler);
        }
        let seq = NEXT_SEQ.fetch_add(1, Relaxed) & (u64::MAX >> 3);
        let claimed = || SLOT.state.compare_exchange(IDLE, seq << 3 | PREPARING, Acquire, Relaxed).is_ok();
        if wait_until(deadline, claimed) {
            Ok(Claim { seq })
        } else {
            Err(NotCaptured::Busy)
        }
    }

    /// Asks `thread`, whose stack spans `stack` (`stack_of`), for its stack.
    ///
    /// # Safety
    /// `thread` is alive for the duration of the call.
    pub(crate) unsafe fn signal(
        self,
        thread: libc::pthread_t,
        stack: (usize, usize),
    ) -> Result<Request, NotCaptured> {
        let seq = self.seq;
        // Ours to write until the store below publishes them.
        #[allow(clippy::unnecessary_cast)]
        SLOT.target.store(thread as usize, Relaxed);
        SLOT.stack_low.store(stack.0, Relaxed);
        SLOT.stack_high.store(stack.1, Relaxed);
        std::mem::forget(self);
        SLOT.state.store(seq << 3 | REQUESTED, Release);
        // SAFETY: the caller keeps the thread alive.
        if unsafe { libc::pthread_kill(thread, SIGNAL) } != 0 {
            // Unless a SIGURG from elsewhere reached the thread meanwhile, and its handler took the
            // request: then it is answered as any other.
            if SLOT.state.compare_exchange(seq << 3 | REQUESTED, IDLE, Release, Relaxed).is_ok() {
                return Err(NotCaptured::Gone);
            }
        }
        Ok(Request { seq })
    }
}

impl Drop for Claim {
    /// Claimed, but nothing was asked (the thread had left): the slot is free again.
    fn drop(&mut self) {
        SLOT.state.store(IDLE, Release);
    }
}

/// A signalled request.
pub(crate) struct Request {
    seq: u64,
}

impl Request {
    /// Waits until `deadline` at most for the thread's answer.
    pub(crate) fn wait(self, deadline: Instant) -> Result<Captured, NotCaptured> {
        let seq = self.seq;
        let mut state = 0;
        let answered = || {
            state = SLOT.state.load(Acquire);
            state == seq << 3 | DONE
        };
        if !wait_until(deadline, answered) {
            // Withdrawn, unless the handler claims it now; if it is copying, it frees the slot once
            // done, and nothing waits for that.
            let withdraw =
                |from: u64, to: u64| SLOT.state.compare_exchange(seq << 3 | from, to, Acquire, Acquire);
            state = match withdraw(REQUESTED, IDLE).or_else(|_| withdraw(CAPTURING, seq << 3 | ABANDONED)) {
                Ok(_) => return Err(NotCaptured::NoAnswer),
                // It became `DONE` meanwhile.
                Err(now) => now,
            };
        }
        debug_assert_eq!(state, seq << 3 | DONE, "a request is answered, or withdrawn");
        let regs = [0, 1, 2, 3].map(|i| SLOT.regs[i].load(Relaxed));
        let copied = SLOT.copied.load(Relaxed).min(STACK_COPY);
        let mut stack = vec![0u8; copied];
        // SAFETY: `DONE` for our sequence number, read with `Acquire`: the handler wrote `copied`
        // bytes to the buffer before its `Release` store of it, and nobody writes the buffer until
        // the slot is free, below.
        unsafe { std::ptr::copy_nonoverlapping(COPY.0.get().cast::<u8>(), stack.as_mut_ptr(), copied) };
        SLOT.state.store(IDLE, Release);
        Ok(Captured { regs: Regs { pc: regs[0], sp: regs[1], fp: regs[2], lr: regs[3] }, stack })
    }
}

/// Checks `done` until it says true or `deadline` passes; returns whether it did. Answers take tens
/// of microseconds (a signal's delivery): a few yields, then short sleeps.
fn wait_until(deadline: Instant, mut done: impl FnMut() -> bool) -> bool {
    for round in 0u32.. {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        if round < 64 {
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
    false
}

/// The handler of the program for SIGURG before ours, which ours calls.
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: a zeroed `sigaction` is a valid value (no handler, no flags, an empty mask).
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
        action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART | libc::SA_ONSTACK;
        // SAFETY: zeroed is a valid value too.
        let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
        // SAFETY: both point at valid `sigaction`s; the handler is async-signal-safe, as the module
        // doc explains.
        if unsafe { libc::sigaction(SIGNAL, &action, &mut previous) } != 0 {
            return false;
        }
        let _ = PREVIOUS.set(previous);
        true
    })
}

/// The handler. It takes the request if there is one for this thread, then calls the program's
/// handler, if it had one.
extern "C" fn on_signal(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel passes the interrupted context to a handler installed with SA_SIGINFO.
    unsafe { take_request(context.cast()) };
    let Some(previous) = PREVIOUS.get() else { return };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        return;
    }
    // SAFETY: the program installed `handler` for this signal, of the type its flags say; it gets
    // the arguments the kernel gave ours.
    unsafe {
        if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler as *const ());
            handler(signal, info, context);
        } else {
            let handler: extern "C" fn(libc::c_int) = std::mem::transmute(handler as *const ());
            handler(signal);
        }
    }
}

/// In the handler: atomics, `pthread_self` and one `memcpy`, nothing else (see the module doc).
///
/// # Safety
/// `context` is the `ucontext_t` the kernel passed to the handler running on this thread.
unsafe fn take_request(context: *const libc::ucontext_t) {
    let state = SLOT.state.load(Acquire);
    if state & PHASE != REQUESTED {
        return;
    }
    // SAFETY: pthread_self has no preconditions and reads the thread pointer only.
    #[allow(clippy::unnecessary_cast)]
    let me = unsafe { libc::pthread_self() } as usize;
    if SLOT.target.load(Relaxed) != me {
        return;
    }
    let seq = state >> 3;
    if SLOT.state.compare_exchange(state, seq << 3 | CAPTURING, Acquire, Relaxed).is_err() {
        return;
    }
    // SAFETY: the caller passes the kernel's context for this thread.
    let regs = unsafe { registers(context) };
    let (low, high) = (SLOT.stack_low.load(Relaxed), SLOT.stack_high.load(Relaxed));
    let copied = if (low..high).contains(&regs.sp) { (high - regs.sp).min(STACK_COPY) } else { 0 };
    // SAFETY: `[sp, sp + copied)` lies inside this thread's stack, below its base (the bounds were
    // read while the thread ran, and a thread's stack does not move), so it is mapped and readable;
    // the buffer is `STACK_COPY` bytes and ours alone while the slot is `CAPTURING` for our
    // request. `libc::memcpy`, opaque to the compiler, copies machine words as they are.
    unsafe { libc::memcpy(COPY.0.get().cast(), regs.sp as *const libc::c_void, copied) };
    for (slot, value) in SLOT.regs.iter().zip([regs.pc, regs.sp, regs.fp, regs.lr]) {
        slot.store(value, Relaxed);
    }
    SLOT.copied.store(copied, Relaxed);
    copied_for(seq);
}

/// The handler copied for request `seq`: the copy is the watchdog's, or, if it stopped waiting
/// (`ABANDONED`), the slot is free again.
fn copied_for(seq: u64) {
    if SLOT.state.compare_exchange(seq << 3 | CAPTURING, seq << 3 | DONE, Release, Relaxed).is_err() {
        SLOT.state.store(IDLE, Release);
    }
}

/// The interrupted code's registers, from the context the kernel saved.
///
/// # Safety
/// `context` points at a valid `ucontext_t`.
#[cfg(target_arch = "x86_64")]
unsafe fn registers(context: *const libc::ucontext_t) -> Regs {
    // SAFETY: the caller's.
    let gregs = unsafe { &(*context).uc_mcontext.gregs };
    let reg = |r: libc::c_int| gregs[r as usize] as usize;
    Regs { pc: reg(libc::REG_RIP), sp: reg(libc::REG_RSP), fp: reg(libc::REG_RBP), lr: 0 }
}

/// The interrupted code's registers, from the context the kernel saved.
///
/// # Safety
/// `context` points at a valid `ucontext_t`.
#[cfg(target_arch = "aarch64")]
unsafe fn registers(context: *const libc::ucontext_t) -> Regs {
    // SAFETY: the caller's.
    let m = unsafe { &(*context).uc_mcontext };
    Regs { pc: m.pc as usize, sp: m.sp as usize, fp: m.regs[29] as usize, lr: m.regs[30] as usize }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread::JoinHandle;

    /// A thread that blocks the capture signal until `hear()`, so that no handler runs on it: then
    /// it lets the signal in (one that is pending is delivered then) and waits to be dropped.
    pub(crate) struct Deaf {
        pub(crate) pthread: libc::pthread_t,
        hear: Option<mpsc::Sender<()>>,
        end: Option<mpsc::Sender<()>>,
        thread: Option<JoinHandle<()>>,
    }

    impl Deaf {
        /// Runs `body` on the thread, with the signal blocked until `hear()`; `body` calls the
        /// function it is given to wait for that and then for the drop. Returns once it does.
        pub(crate) fn spawn(body: impl FnOnce(&dyn Fn()) + Send + 'static) -> Deaf {
            let (pthread_tx, pthread) = mpsc::channel();
            let (hear, heard) = mpsc::channel::<()>();
            let (end, ended) = mpsc::channel::<()>();
            let thread = std::thread::spawn(move || {
                let set = signal_set();
                // SAFETY: `set` is a valid signal set; the old mask is not asked for.
                unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
                body(&|| {
                    // SAFETY: pthread_self has no preconditions.
                    let _ = pthread_tx.send(unsafe { libc::pthread_self() } as usize);
                    let _ = heard.recv();
                    // SAFETY: as above.
                    unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
                    let _ = ended.recv();
                });
            });
            let pthread = pthread.recv().unwrap() as libc::pthread_t;
            Deaf { pthread, hear: Some(hear), end: Some(end), thread: Some(thread) }
        }

        /// Lets the signal in.
        pub(crate) fn hear(&mut self) {
            self.hear.take();
        }
    }

    impl Drop for Deaf {
        fn drop(&mut self) {
            drop((self.hear.take(), self.end.take()));
            if let Some(thread) = self.thread.take() {
                thread.join().unwrap();
            }
        }
    }

    /// Whether a request for `thread` waits for its answer.
    pub(crate) fn waits_on(thread: libc::pthread_t) -> bool {
        #[allow(clippy::unnecessary_cast)]
        let thread = thread as usize;
        SLOT.state.load(Acquire) & PHASE == REQUESTED && SLOT.target.load(Relaxed) == thread
    }

    fn signal_set() -> libc::sigset_t {
        // SAFETY: a zeroed set is valid memory for sigemptyset to initialize.
        let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is valid for both calls.
        unsafe {
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, SIGNAL);
        }
        set
    }

    /// Each capture here serializes with the process's other captures through the slot, so tests
    /// running beside this one see it busy at most for the deadlines below.
    #[test]
    fn every_wait_has_a_deadline_even_while_a_handler_copies() {
        let mut deaf = Deaf::spawn(|wait| wait());
        let soon = || Instant::now() + Duration::from_millis(20);
        // SAFETY: the thread lives until `deaf` is dropped, at the end.
        let (thread, stack) = (deaf.pthread, unsafe { stack_of(deaf.pthread) }.unwrap());
        // SAFETY: as above.
        let request = || unsafe { Claim::new(soon()).unwrap().signal(thread, stack) }.unwrap();

        // The thread blocks the signal, so no handler answers: withdrawn at the deadline.
        assert_eq!(request().wait(soon()).err(), Some(NotCaptured::NoAnswer));

        // A handler that took the request and does not finish (the test plays it): the watchdog
        // stops waiting at the deadline all the same, and the slot stays the handler's until it
        // is done, so a new capture finds it busy meanwhile.
        let pending = request();
        let state = SLOT.state.load(Acquire);
        assert_eq!(state & PHASE, REQUESTED);
        let seq = state >> 3;
        SLOT.state.compare_exchange(state, seq << 3 | CAPTURING, Acquire, Relaxed).unwrap();
        assert_eq!(pending.wait(soon()).err(), Some(NotCaptured::NoAnswer));
        assert_eq!(SLOT.state.load(Acquire), seq << 3 | ABANDONED);
        assert_eq!(Claim::new(soon()).err(), Some(NotCaptured::Busy));
        copied_for(seq);
        assert_eq!(SLOT.state.load(Acquire), IDLE);

        // Once the thread hears the signal (the pending one finds no request to take), it answers.
        deaf.hear();
        let captured = request().wait(Instant::now() + Duration::from_secs(10)).expect("captured");
        assert!(!captured.stack.is_empty());
        assert!(crate::diag::unwind::addresses(&captured).len() > 3);
    }

    #[inline(never)]
    fn block_in(depth: usize, release: &mpsc::Receiver<()>) {
        if depth == 0 {
            let _ = release.recv();
        } else {
            block_in(depth - 1, release);
        }
        std::hint::black_box(());
    }

    /// The stack of `thread`, and how long the capture (the signal's round trip and the copy) and
    /// the walk took.
    fn capture_and_unwind(thread: libc::pthread_t) -> (Vec<usize>, Duration, Duration) {
        let start = Instant::now();
        let deadline = start + Duration::from_secs(1);
        // SAFETY: the thread lives until the test joins it, after its last capture.
        let request = unsafe {
            let stack = stack_of(thread).expect("the thread's stack");
            Claim::new(deadline).unwrap().signal(thread, stack).unwrap()
        };
        let captured = request.wait(deadline).expect("captured");
        let copied = Instant::now();
        let addresses = crate::diag::unwind::addresses(&captured);
        (addresses, copied - start, copied.elapsed())
    }

    #[test]
    #[ignore = "a measurement, not a check: prints the time one capture takes"]
    fn time_to_capture_and_unwind_one_stack() {
        let (thread_tx, thread) = mpsc::channel();
        let (release_tx, release) = mpsc::channel();
        let worker = std::thread::spawn(move || {
            // SAFETY: pthread_self has no preconditions.
            thread_tx.send(unsafe { libc::pthread_self() } as usize).unwrap();
            block_in(20, &release);
        });
        let thread = thread.recv().unwrap() as libc::pthread_t;
        let _ = capture_and_unwind(thread);
        let (mut captures, mut walks, mut frames) = (Vec::new(), Vec::new(), 0);
        for _ in 0..200 {
            let (addresses, capture, walk) = capture_and_unwind(thread);
            frames = addresses.len();
            captures.push(capture);
            walks.push(walk);
        }
        release_tx.send(()).unwrap();
        worker.join().unwrap();
        let median = |times: &mut Vec<Duration>| {
            times.sort();
            times[times.len() / 2]
        };
        println!(
            "{frames} frames: capture (signal, copy) median {:?}, walk median {:?}",
            median(&mut captures),
            median(&mut walks)
        );
    }
}
