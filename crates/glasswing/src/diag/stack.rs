//! Capturing another thread's stack while it runs (Linux): the watchdog sends the worker a signal,
//! and the worker's handler walks its own stack into a preallocated buffer.
//!
//! Why a signal: only the thread itself can walk its stack safely while it keeps running. What the
//! handler does is async-signal-safe: it writes instruction pointers into static memory, walking
//! with the unwinder's `_Unwind_Backtrace` (libgcc's; with glibc 2.35 and later it finds unwind
//! tables through `_dl_find_object`, which takes no lock), and allocates nothing. Symbolizing (file,
//! line, function) happens afterwards on the watchdog thread (`frame.rs`).
//!
//! The walk starts in the handler, so its first frames are the handler's own, down to the kernel's
//! signal trampoline. The unwinder marks the frame the signal interrupted (`_Unwind_GetIPInfo`
//! says its address is exact, not a return address): the capture starts there, whatever names
//! the debug information has or lacks. (This is why the handler calls the unwinder itself rather
//! than through the `backtrace` crate, whose frames do not carry that mark.)
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
    /// The index of the frame the signal interrupted (`NONE` if the unwinder marked none).
    interrupted: AtomicUsize,
    frames: [AtomicUsize; MAX_FRAMES],
}

const NONE: usize = usize::MAX;

static CAPTURE: Capture = Capture {
    state: AtomicU64::new(IDLE),
    target: AtomicU64::new(0),
    len: AtomicUsize::new(0),
    interrupted: AtomicUsize::new(NONE),
    frames: [const { AtomicUsize::new(0) }; MAX_FRAMES],
};

/// Serializes captures (several runtimes may each have a watchdog).
static ONE_AT_A_TIME: Mutex<u64> = Mutex::new(0);

fn install() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: the action only touches atomics in static memory and walks the stack with
        // `_Unwind_Backtrace`, which is async-signal-safe as the module comment explains.
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
    let mut walk = Walk { len: 0, interrupted: NONE };
    // SAFETY: `record` is called only during this call, with `walk`, which outlives it.
    unsafe { unwind::_Unwind_Backtrace(record, (&raw mut walk).cast()) };
    CAPTURE.len.store(walk.len, Relaxed);
    CAPTURE.interrupted.store(walk.interrupted, Relaxed);
    CAPTURE.state.store(seq << 2 | DONE, Release);
}

/// The walk in progress: frames written to `CAPTURE.frames` so far.
struct Walk {
    len: usize,
    interrupted: usize,
}

/// Called by the unwinder for each frame, innermost first.
///
/// # Safety
/// `arg` points to the `Walk` of the walk in progress, and `ctx` is the unwinder's context for this
/// call: only `_Unwind_Backtrace`, as `on_signal` starts it, calls this.
unsafe extern "C" fn record(ctx: *mut unwind::Context, arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the `Walk` that `on_signal` passed, alive for the whole walk.
    let walk = unsafe { &mut *arg.cast::<Walk>() };
    let mut exact: libc::c_int = 0;
    // SAFETY: the unwinder passes a context valid for this call.
    let mut ip = unsafe { unwind::_Unwind_GetIPInfo(ctx, &mut exact) };
    if exact != 0 && walk.interrupted == NONE {
        walk.interrupted = walk.len;
        // Symbolizing looks up the byte before an address, as return addresses need; this one is
        // where the thread stood (perhaps a function's first byte), so it goes one byte further.
        ip += 1;
    }
    CAPTURE.frames[walk.len].store(ip, Relaxed);
    walk.len += 1;
    if walk.len < MAX_FRAMES {
        unwind::NO_REASON
    } else {
        unwind::STOP
    }
}

/// The unwinder's interface (the Itanium C++ ABI's, which libgcc_s and LLVM's libunwind both
/// export; std links one of them).
#[allow(non_snake_case)]
mod unwind {
    #[repr(C)]
    pub(super) struct Context {
        _opaque: [u8; 0],
    }
    pub(super) const NO_REASON: libc::c_int = 0;
    /// `_URC_FAILURE`: any code but `_URC_NO_REASON` ends the walk.
    pub(super) const STOP: libc::c_int = 9;
    extern "C" {
        pub(super) fn _Unwind_Backtrace(
            trace: unsafe extern "C" fn(*mut Context, *mut libc::c_void) -> libc::c_int,
            arg: *mut libc::c_void,
        ) -> libc::c_int;
        pub(super) fn _Unwind_GetIPInfo(ctx: *mut Context, ip_before_insn: *mut libc::c_int) -> usize;
    }
}

/// The instruction pointers of `thread`'s stack right now, innermost first; `None` if the thread did
/// not answer within `timeout`. `thread` must be alive for the duration of the call.
pub(crate) fn capture(thread: libc::pthread_t, timeout: Duration) -> Option<Captured> {
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
    let interrupted = CAPTURE.interrupted.load(Relaxed);
    let frames: Vec<usize> = (0..len).map(|i| CAPTURE.frames[i].load(Relaxed)).collect();
    CAPTURE.state.store(IDLE, Release);
    Some(Captured { frames, interrupted: (interrupted != NONE).then_some(interrupted) })
}

/// A captured stack: the handler's frames, then the thread's.
pub(crate) struct Captured {
    frames: Vec<usize>,
    /// Where the thread's own frames start, if the unwinder marked it.
    interrupted: Option<usize>,
}

/// Symbolizes a captured stack, from the frame the signal interrupted on.
pub(crate) fn symbolize(captured: &Captured) -> Vec<super::StackFrame> {
    let Some(start) = captured.interrupted else { return without_handler(captured) };
    super::frame::symbolize(&captured.frames[start..])
}

/// Where the unwinder marked no frame as interrupted: the handler's frames are dropped by what they
/// are, the capture's own code and crates, down to the signal trampoline (a frame with no symbol,
/// or `__restore_rt`).
fn without_handler(captured: &Captured) -> Vec<super::StackFrame> {
    let mut frames = super::frame::symbolize(&captured.frames);
    let handler_frames = frames.iter().take(32).rposition(is_handler_frame).map_or(0, |i| i + 1);
    frames.drain(..handler_frames);
    let unnamed = frames.iter().take_while(|f| f.function.is_none()).count();
    frames.drain(..unnamed);
    frames
}

fn is_handler_frame(frame: &super::StackFrame) -> bool {
    let in_file = |part: &str| frame.file.as_deref().is_some_and(|f| f.contains(part));
    let named = |part: &str| frame.function.as_deref().is_some_and(|f| f.contains(part));
    in_file("/backtrace-")
        || in_file("/signal-hook-registry-")
        || in_file("diag/stack.rs")
        || named("backtrace::")
        || named("signal_hook_registry")
        || named("diag::stack::")
        || named("__restore_rt")
}

#[cfg(all(test, target_os = "linux", not(miri)))]
mod tests {
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    #[inline(never)]
    fn block_in(depth: usize, release: &mpsc::Receiver<()>) {
        if depth == 0 {
            let _ = release.recv();
        } else {
            block_in(depth - 1, release);
        }
        std::hint::black_box(());
    }

    fn capture_and_unwind(thread: libc::pthread_t) -> Vec<usize> {
        let captured = super::capture(thread, Duration::from_secs(1)).expect("captured");
        captured.frames[captured.interrupted.unwrap_or(0)..].to_vec()
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
        let mut times = Vec::new();
        let mut frames = 0;
        for _ in 0..200 {
            let start = Instant::now();
            frames = capture_and_unwind(thread).len();
            times.push(start.elapsed());
        }
        release_tx.send(()).unwrap();
        worker.join().unwrap();
        times.sort();
        println!(
            "capture+unwind of {frames} frames: median {:?}, min {:?}, p90 {:?}",
            times[times.len() / 2],
            times[0],
            times[times.len() * 9 / 10]
        );
    }
}
