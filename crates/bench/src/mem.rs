//! Memory per idle task and per pending timer, measured with a counting global allocator.
//!
//! The allocator wraps `std::alloc::System`. It only counts while a measurement window is
//! open; outside it, each allocation pays one relaxed load of a flag (the same for every
//! runtime). Inside the window it adds each allocation's size to, and subtracts each
//! free's size from, one counter, so the counter's change over the window is exactly the
//! change in live heap bytes (a block freed in the window counts even if it was allocated
//! before it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use crate::rt::Rt;
use crate::workloads::poll_once;

/// Idle tasks spawned per measurement.
pub const NUM_IDLE: usize = 10_000;
/// Idle tasks are spawned in batches of this many.
const BATCH: usize = 100;
/// Pending timers held per timer measurement.
pub const NUM_PENDING_TIMERS: usize = 100_000;
/// Duration of the held timers: none fires during the measurement.
const TIMER_HOLD: Duration = Duration::from_secs(60);

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

/// `System`, plus live-byte and allocation counts while a window is open.
pub struct CountingAlloc;

// SAFETY: every method forwards its arguments unchanged to `System` and returns what `System`
// returns, so `System`'s guarantees are ours; the bookkeeping around it only touches atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
}

/// Result of one idle-task measurement.
#[derive(Clone, Copy, Debug)]
pub struct IdleTaskMem {
    /// Live heap bytes added per idle task.
    pub bytes_per_task: f64,
    /// Allocator calls per spawned task.
    pub allocs_per_task: f64,
}

/// Counter for "this idle task has been polled as often as it will be before it parks"; a
/// static so the task's future captures nothing but its poll count.
static POLLED: AtomicUsize = AtomicUsize::new(0);

/// An idle task's future: polled `polls` times (it yields `polls - 1` times, counts itself in
/// `POLLED`, then waits forever, as an idle connection waits for its socket). The same future for
/// every row, so that the rows differ only in what the runtime keeps for a task polled that often.
async fn idle_task<R: Rt>(polls: u32, busy: Duration) {
    for _ in 1..polls {
        spin(busy);
        R::yield_now().await;
    }
    spin(busy);
    POLLED.fetch_add(1, Ordering::Relaxed);
    Idle(None).await
}

/// Keeps the thread busy for `d` (a poll that does work: glasswing's workers then time every poll).
fn spin(d: Duration) {
    if d.is_zero() {
        return;
    }
    let start = std::time::Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// Pending forever, with its waker kept (in itself), as a socket or a channel would keep it: a
/// future that keeps none is a lost waker to glasswing's diagnostics, whose reports would be
/// counted in the window.
struct Idle(Option<Waker>);

impl Future for Idle {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0 = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Spawns `NUM_IDLE` tasks (from inside the runtime) that each are polled `polls` times (at least
/// once), each poll busy for `busy`, and then park forever on a future holding nothing, waits until all have parked, and
/// reports the live-heap delta and allocator calls per task. The caller drops the runtime
/// afterwards, which frees the tasks.
pub fn idle_task_mem<R: Rt>(rt: &R, polls: u32, busy: Duration) -> IdleTaskMem {
    // Warm-up outside the window: spawn and finish one batch of trivial tasks so one-time
    // setup (thread-locals, first-use initialisation, run queues sized for a batch) is not
    // counted. It is deliberately small: side tables that grow with the number of live
    // tasks (slabs, registries) are part of the per-task cost and must grow in the window.
    let mut handles: Vec<R::Join<()>> = Vec::with_capacity(NUM_IDLE);
    rt.block_on(async {
        for _ in 0..BATCH {
            handles.push(R::spawn(async {}));
        }
        for h in handles.drain(..) {
            h.await;
        }
    });

    // Spawn in batches, waiting for each batch to be polled, the way idle connections
    // arrive over time; spawning all 10,000 at once would also count run-queue capacity
    // grown to hold 10,000 runnable tasks, which is a transient, not a per-task cost.
    POLLED.store(0, Ordering::SeqCst);
    let live0 = LIVE.load(Ordering::SeqCst);
    let allocs0 = ALLOCS.load(Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for batch in 1..=NUM_IDLE / BATCH {
            for _ in 0..BATCH {
                handles.push(R::spawn(idle_task::<R>(polls.max(1), busy)));
            }
            while POLLED.load(Ordering::Acquire) < batch * BATCH {
                R::yield_now().await;
            }
        }
    });
    COUNTING.store(false, Ordering::SeqCst);
    let live = LIVE.load(Ordering::SeqCst) - live0;
    let allocs = ALLOCS.load(Ordering::SeqCst) - allocs0;
    // Drop the handles outside the window (detaches on glasswing/tokio, cancels on smol);
    // the runtime's drop frees whatever is left.
    drop(handles);
    IdleTaskMem {
        bytes_per_task: live as f64 / NUM_IDLE as f64,
        allocs_per_task: allocs as f64 / NUM_IDLE as f64,
    }
}

/// As `idle_task_mem`, for tasks never polled: spawned from outside the runtime (`spawn_remote`)
/// and measured before anything runs them. Only meaningful on a current-thread runtime, where no
/// thread polls a task until `block_on` runs (a multi-thread runtime's workers would poll them).
pub fn unpolled_task_mem<R: Rt>(rt: &R) -> IdleTaskMem {
    // The same warm-up as `idle_task_mem`.
    let mut handles: Vec<R::Join<()>> = Vec::with_capacity(NUM_IDLE);
    rt.block_on(async {
        for _ in 0..BATCH {
            handles.push(R::spawn(async {}));
        }
        for h in handles.drain(..) {
            h.await;
        }
    });
    let ((), live, allocs) = counted(|| {
        for _ in 0..NUM_IDLE {
            handles.push(rt.spawn_remote(idle_task::<R>(1, Duration::ZERO)));
        }
    });
    // Dropped unpolled: the runtime's drop frees them.
    drop(handles);
    IdleTaskMem {
        bytes_per_task: live as f64 / NUM_IDLE as f64,
        allocs_per_task: allocs as f64 / NUM_IDLE as f64,
    }
}

/// Result of one pending-timer measurement.
#[derive(Clone, Copy, Debug)]
pub struct TimerMem {
    /// Heap bytes per pending timer when its sleep future is boxed:
    /// `runtime_bytes_per_timer + future_size`.
    pub bytes_per_timer: f64,
    /// Of which the runtime's own heap per timer (wheel slab, reactor map, ...): the live
    /// heap delta minus the boxes.
    pub runtime_bytes_per_timer: f64,
    /// Allocator calls per timer, the box not counted.
    pub runtime_allocs_per_timer: f64,
    /// `size_of` the runtime's sleep future (glasswing's `Sleep`, tokio's `Sleep`,
    /// async-io's `Timer`).
    pub future_size: usize,
}

/// Creates `NUM_PENDING_TIMERS` 60 s sleeps inside the runtime (in the `block_on` future),
/// each `Box::pin`ned (tokio's `Sleep` is `!Unpin`; the others are boxed too, so all three
/// are measured the same way), polled once so it registers with the timer driver, and kept
/// in a `Vec` allocated before the window. Reports the live-heap delta per timer, with and
/// without the boxes (each box is exactly `size_of` the future and one allocator call).
/// The timers are dropped (cancelled) after the window.
pub fn pending_timer_mem<R: Rt>(rt: &R) -> TimerMem {
    let mut held = Vec::with_capacity(NUM_PENDING_TIMERS);
    // Warm-up outside the window: one small batch of timers registered and cancelled, so
    // the driver's one-time setup (and async-io's global reactor and its thread) is not
    // counted, then one short sleep that fires: async-io applies cancellations lazily, on
    // its reactor thread, and this makes it apply the earlier ones before the window opens.
    rt.block_on(async {
        for _ in 0..BATCH {
            let mut sleep = Box::pin(R::sleep(TIMER_HOLD));
            assert!(poll_once(sleep.as_mut()).await, "a 60 s sleep completed");
            held.push(sleep);
        }
        held.clear();
        R::sleep(Duration::from_millis(1)).await;
    });

    let live0 = LIVE.load(Ordering::SeqCst);
    let allocs0 = ALLOCS.load(Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for _ in 0..NUM_PENDING_TIMERS {
            let mut sleep = Box::pin(R::sleep(TIMER_HOLD));
            assert!(poll_once(sleep.as_mut()).await, "a 60 s sleep completed");
            held.push(sleep);
        }
    });
    // async-io queues registrations for its reactor thread (up to 1,000 at a time) and
    // wakes it; give it time to move the last ones into its timer map.
    thread::sleep(Duration::from_millis(20));
    COUNTING.store(false, Ordering::SeqCst);
    let live = LIVE.load(Ordering::SeqCst) - live0;
    let allocs = ALLOCS.load(Ordering::SeqCst) - allocs0;

    let future_size = std::mem::size_of_val(&*held[0]);
    drop(held);
    let n = NUM_PENDING_TIMERS as f64;
    let runtime_bytes_per_timer = (live as f64 - (NUM_PENDING_TIMERS * future_size) as f64) / n;
    TimerMem {
        bytes_per_timer: runtime_bytes_per_timer + future_size as f64,
        runtime_bytes_per_timer,
        runtime_allocs_per_timer: (allocs as f64 - n) / n,
        future_size,
    }
}

/// Runs `f` with the counting window open; returns its result, the change in live heap bytes and
/// the allocator calls made meanwhile (by any thread).
pub fn counted<T>(f: impl FnOnce() -> T) -> (T, isize, usize) {
    let live0 = LIVE.load(Ordering::SeqCst);
    let allocs0 = ALLOCS.load(Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let out = f();
    COUNTING.store(false, Ordering::SeqCst);
    (out, LIVE.load(Ordering::SeqCst) - live0, ALLOCS.load(Ordering::SeqCst) - allocs0)
}

/// A counting window opened and closed at two points of one flow (where `counted` cannot wrap it:
/// inside a `block_on` future that goes on after the reading).
pub struct Window {
    live0: isize,
}

impl Window {
    pub fn open() -> Window {
        let live0 = LIVE.load(Ordering::SeqCst);
        COUNTING.store(true, Ordering::SeqCst);
        Window { live0 }
    }

    /// Closes the window: the change in live heap bytes since `open`.
    pub fn close(self) -> isize {
        COUNTING.store(false, Ordering::SeqCst);
        LIVE.load(Ordering::SeqCst) - self.live0
    }
}
