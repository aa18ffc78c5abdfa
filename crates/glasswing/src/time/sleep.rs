//! `Sleep`: a future that completes at a deadline.
//!
//! It touches the timer wheel only once polled: creating a `Sleep` and dropping it unpolled (the
//! common fate of a `timeout` whose future finished at once) costs no lock and no wheel work. The
//! wheel entry lives in the driver's slab, not inside the future, so nothing points into a `Sleep`;
//! it is still `!Unpin`, as Tokio's, so that code written for Glasswing pins it as Tokio's needs
//! (`tokio::pin!`, `Box::pin`) and builds against Tokio too.

use super::driver::{TimeHandle, TimerEntry};
use super::Instant;
use crate::probe::trace::LeafKind;
use crate::scheduler::coop;
use crate::task::trace as dump;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Waits until `duration` has passed.
///
/// The wait is at least `duration`, rounded up to the timer wheel's 1 ms resolution. A duration too
/// large to add to the current instant (`Duration::MAX`) waits about 30 years instead of panicking.
///
/// Unlike Tokio's, it may be made outside a runtime: the timer joins the runtime it is first polled
/// in (so `runtime.block_on(sleep(d))` works).
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep, Duration, Instant};
///
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// // Time is paused here, so the sleep lasted exactly its duration.
/// assert_eq!(start.elapsed(), Duration::from_millis(10));
/// # }
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now().saturating_add(duration))
}

/// Waits until `deadline`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep_until, Duration, Instant};
///
/// let deadline = Instant::now() + Duration::from_millis(250);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # }
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// Future returned by [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// A `Sleep` is `!Unpin`: pin it to poll it by reference, for example in a `select!` loop.
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep, Duration};
///
/// let timer = sleep(Duration::from_secs(1));
/// glasswing::pin!(timer);
/// (&mut timer).await;
/// assert!(timer.is_elapsed());
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    deadline: Instant,
    state: State,
    /// `!Unpin` as Tokio's `Sleep` (see the module doc); no field relies on it.
    _pin: PhantomPinned,
}

enum State {
    /// Not polled since creation or the last `reset`.
    Unregistered,
    /// `tick` is the deadline in the wheel's ticks, for the lock-free check.
    Registered { handle: Arc<TimeHandle>, entry: TimerEntry, tick: u64 },
    /// The deadline had passed when it was first polled.
    Elapsed,
}

impl Sleep {
    pub(crate) fn new(deadline: Instant) -> Sleep {
        Sleep { deadline, state: State::Unregistered, _pin: PhantomPinned }
    }

    /// The instant at which this sleep completes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{sleep_until, Duration, Instant};
    ///
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(sleep_until(at).deadline(), at);
    /// # }
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the timer has fired. A `Sleep` registers its timer when polled: the first time, and after
    /// a `reset` that had no pending timer to move. Until then it is not elapsed, whatever its deadline
    /// (as in Tokio, where only a fired timer is elapsed).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{sleep, Duration};
    ///
    /// let timer = sleep(Duration::ZERO);
    /// glasswing::pin!(timer);
    /// // Not polled yet: not elapsed, even with a deadline of now.
    /// assert!(!timer.is_elapsed());
    /// (&mut timer).await;
    /// assert!(timer.is_elapsed());
    /// # }
    /// ```
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Unregistered => false,
            State::Registered { handle, entry, tick } => handle.is_fired(*entry, *tick),
            State::Elapsed => true,
        }
    }

    /// Moves the deadline, earlier or later; a completed `Sleep` becomes pending again. A pending one
    /// keeps its wheel entry (one lock); a completed one registers again when next polled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use glasswing::time::{sleep, Duration, Instant};
    ///
    /// let start = Instant::now();
    /// let timer = sleep(Duration::from_secs(10));
    /// glasswing::pin!(timer);
    /// timer.as_mut().reset(start + Duration::from_secs(1));
    /// timer.await;
    /// assert_eq!(start.elapsed(), Duration::from_secs(1));
    /// # }
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        // SAFETY: nothing in a `Sleep` is structurally pinned (its timer lives in the wheel's slab,
        // not in the future), so handing out `&mut Sleep` moves nothing that relies on pinning.
        let this = unsafe { self.get_unchecked_mut() };
        this.deadline = deadline;
        if let State::Registered { handle, entry, tick } = &mut this.state {
            let new_tick = handle.clock.deadline_to_tick(deadline.into_std());
            if handle.reset(*entry, *tick, new_tick) {
                *tick = new_tick;
                return;
            }
        }
        this.state = State::Unregistered;
    }

    /// Whether it waits in the wheel with the waker of its last poll, its timer not fired: what a
    /// task dump's poll asks, touching nothing.
    fn is_waiting(&self) -> bool {
        match &self.state {
            State::Registered { handle, entry, tick } => !handle.is_fired(*entry, *tick),
            State::Unregistered | State::Elapsed => false,
        }
    }

    /// Waits for the deadline with `waker` (registering it on the first poll); true if it passed.
    fn wait(&mut self, waker: &Waker) -> bool {
        match &self.state {
            State::Unregistered => self.register(waker),
            State::Registered { handle, entry, tick } => handle.poll_fired(*entry, *tick, waker),
            State::Elapsed => true,
        }
    }

    /// Registers with the current runtime's wheel; returns true if the deadline already passed.
    fn register(&mut self, waker: &Waker) -> bool {
        let handle = crate::runtime::context::with_current(|h| h.map(|h| h.time().clone()))
            .unwrap_or_else(|| crate::runtime::no_runtime("time::Sleep::poll"));
        let tick = handle.clock.deadline_to_tick(self.deadline.into_std());
        match handle.insert(tick, waker) {
            Ok(entry) => {
                self.state = State::Registered { handle, entry, tick };
                false
            }
            Err(_) => {
                self.state = State::Elapsed;
                true
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: as in `reset`: nothing in a `Sleep` is structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let deadline = this.deadline;
        if let Some(leaf) = dump::leaf(LeafKind::Sleep, cx.waker(), || {
            let left = deadline.saturating_duration_since(Instant::now());
            format!("sleep, {} left", crate::probe::clock::fmt_duration(left))
        }) {
            return leaf.pending(this.is_waiting());
        }
        let restore = std::task::ready!(coop::poll_proceed(cx));
        if this.wait(cx.waker()) {
            restore.made_progress();
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered { handle, entry, tick } = &self.state {
            handle.remove(*entry, *tick);
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline).finish_non_exhaustive()
    }
}
