//! Capturing another thread's stack while it runs (Linux): the watchdog sends the worker a signal,
//! and the worker's handler walks its own stack into a preallocated buffer.
//!
//! Why a signal: only the thread itself can walk its stack safely while it keeps running. What the
//! handler does is async-signal-safe: it writes instruction pointers into static memory, using
//! `backtrace::trace_unsynchronized` (libgcc's unwinder; with glibc 2.35 and later it finds unwind
//! tables through `_dl_find_object`, which takes no lock), and allocates nothing. Symbolizing (file,
//! line, function) happens afterwards on the watchdog thread.
//!
//! One capture runs at a time in the whole process (they are rare: one per long poll). A request is
//! a sequence number; the handler claims it with a compare-and-swap, so a handler that runs late,
//! after the watchdog gave up waiting, finds nothing to do and cannot scribble over a newer capture.
//!
//! The signal is SIGURG, as Go's runtime uses for preemption: ignored by default and in practice
//! unused by programs (it reports out-of-band TCP data only to a process that asked for it). The
//! handler is registered through `signal-hook-registry`, which chains any handler the program has.
//! A system call the signal interrupts is restarted (SA_RESTART), or returns EINTR where the kernel
//! never restarts it (`nanosleep`, which `std::thread::sleep` resumes by itself).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const MAX_FRAMES: usize = 96;
const SIGNAL: libc::c_int = libc::SIGURG;

// `state` = sequence << 2 | phase.
const IDLE: u64 = 0;
const REQUESTED: u64 = 1;
const CAPTURING: u64 = 2;
const DONE: u64 = 3;

struct Capture {
    state: AtomicU64,
    target: AtomicU64,
    len: AtomicUsize,
    frames: [AtomicUsize; MAX_FRAMES],
}

static CAPTURE: Capture = Capture {
    state: AtomicU64::new(IDLE),
    target: AtomicU64::new(0),
    len: AtomicUsize::new(0),
    frames: [const { AtomicUsize::new(0) }; MAX_FRAMES],
};

/// Serializes captures (several runtimes may each have a watchdog).
static ONE_AT_A_TIME: Mutex<u64> = Mutex::new(0);

fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: the action only touches atomics in static memory and walks the stack with
        // `trace_unsynchronized`, which is async-signal-safe as the module comment explains.
        unsafe { signal_hook_registry::register_sigaction(SIGNAL, |_| on_signal()) }.is_ok()
    })
}

fn on_signal() {
    let state = CAPTURE.state.load(Acquire);
    if state & 3 != REQUESTED {
        return;
    }
    // SAFETY: pthread_self has no preconditions and is async-signal-safe.
    #[allow(clippy::unnecessary_cast)]
    let me = unsafe { libc::pthread_self() } as u64;
    if CAPTURE.target.load(Relaxed) != me {
        return;
    }
    let seq = state >> 2;
    if CAPTURE.state.compare_exchange(state, seq << 2 | CAPTURING, Acquire, Relaxed).is_err() {
        return;
    }
    let mut n = 0;
    // SAFETY: no other thread walks a stack through this unsynchronized entry point in a way that
    // could interleave with ours: the capture is exclusive (ONE_AT_A_TIME) and claimed above.
    unsafe {
        backtrace::trace_unsynchronized(|frame| {
            CAPTURE.frames[n].store(frame.ip() as usize, Relaxed);
            n += 1;
            n < MAX_FRAMES
        });
    }
    CAPTURE.len.store(n, Relaxed);
    CAPTURE.state.store(seq << 2 | DONE, Release);
}

/// The instruction pointers of `thread`'s stack right now, innermost first; `None` if the thread did
/// not answer within `timeout`. `thread` must be alive for the duration of the call.
pub(crate) fn capture(thread: libc::pthread_t, timeout: Duration) -> Option<Vec<usize>> {
    if !install() {
        return None;
    }
    let mut seq = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    *seq += 1;
    // `pthread_t` is an integer of the platform's word size.
    #[allow(clippy::unnecessary_cast)]
    CAPTURE.target.store(thread as u64, Relaxed);
    CAPTURE.state.store(*seq << 2 | REQUESTED, Release);
    // SAFETY: the caller guarantees the thread is alive.
    if unsafe { libc::pthread_kill(thread, SIGNAL) } != 0 {
        CAPTURE.state.store(IDLE, Release);
        return None;
    }
    let deadline = Instant::now() + timeout;
    loop {
        let state = CAPTURE.state.load(Acquire);
        match state & 3 {
            DONE => break,
            // Claimed: the walk is bounded, wait for it whatever the deadline.
            CAPTURING => {}
            _ if Instant::now() >= deadline => {
                // Not claimed in time: withdraw it, unless the handler claims it right now.
                if CAPTURE.state.compare_exchange(state, IDLE, AcqRel, Acquire).is_ok() {
                    return None;
                }
                continue;
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    let len = CAPTURE.len.load(Relaxed);
    let frames = (0..len).map(|i| CAPTURE.frames[i].load(Relaxed)).collect();
    CAPTURE.state.store(IDLE, Release);
    Some(frames)
}

/// Symbolizes captured instruction pointers, dropping the frames of the signal handler itself.
pub(crate) fn symbolize(ips: &[usize]) -> Vec<super::StackFrame> {
    let mut frames = Vec::new();
    for &ip in ips {
        let resolved = super::StackFrame::resolve(ip);
        if resolved.is_empty() {
            frames.push(super::StackFrame { function: None, file: None, line: None });
        }
        frames.extend(resolved);
    }
    // The innermost frames are the handler's own machinery, down to the kernel's signal trampoline
    // (`__restore_rt`, where it has a symbol): drop them.
    let handler_frames = frames
        .iter()
        .take(32)
        .rposition(|f| f.function.as_deref().is_some_and(is_handler_frame))
        .map_or(0, |i| i + 1);
    frames.drain(..handler_frames);
    let unnamed = frames.iter().take_while(|f| f.function.is_none()).count();
    frames.drain(..unnamed);
    frames
}

fn is_handler_frame(name: &str) -> bool {
    name.starts_with("backtrace::")
        || name.starts_with("signal_hook_registry::")
        || name.starts_with("glasswing::diag::stack::")
        || name.contains("__restore_rt")
        || name.starts_with("<F as signal_hook_registry")
}
