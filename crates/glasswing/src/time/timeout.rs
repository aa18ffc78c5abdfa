//! `timeout`: race a future against a deadline.

use super::error::Elapsed;
use super::{sleep_until, Instant, Sleep};
use crate::scheduler::coop;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Requires `future` to complete within `duration`; otherwise it is dropped and `Err(Elapsed)` is
/// returned. The future is polled before the deadline is checked, so `timeout(Duration::ZERO, ready)`
/// is `Ok`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep, timeout, Duration};
///
/// // Finishes in time: its output, in `Ok`.
/// assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///
/// // Too slow: dropped, and `Err(Elapsed)`.
/// let slow = sleep(Duration::from_secs(10));
/// assert!(timeout(Duration::from_secs(1), slow).await.is_err());
/// # }
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(Instant::now().saturating_add(duration), future)
}

/// Requires `future` to complete before `deadline`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{sleep, timeout_at, Duration, Instant};
///
/// // One deadline shared by two steps.
/// let deadline = Instant::now() + Duration::from_secs(5);
/// assert!(timeout_at(deadline, sleep(Duration::from_secs(3))).await.is_ok());
/// assert!(timeout_at(deadline, sleep(Duration::from_secs(3))).await.is_err());
/// # }
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout { value: future, delay: sleep_until(deadline) }
}

/// Future returned by [`timeout`] and [`timeout_at`].
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::time::{timeout, Duration, Timeout};
///
/// let t: Timeout<_> = timeout(Duration::from_secs(1), async { "done" });
/// assert_eq!(t.await.unwrap(), "done");
/// # }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Timeout<F> {
    value: F,
    delay: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{timeout, Duration};
    ///
    /// let task = glasswing::spawn(async { 3 });
    /// let t = timeout(Duration::from_secs(1), task);
    /// // On a current-thread runtime the task has not run yet: this task has not yielded.
    /// assert!(!t.get_ref().is_finished());
    /// assert_eq!(t.await.unwrap().unwrap(), 3);
    /// # }
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The wrapped future, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{timeout, Duration};
    ///
    /// let task = glasswing::spawn(std::future::pending::<()>());
    /// let mut t = timeout(Duration::from_secs(1), task);
    /// t.get_mut().abort();
    /// // The inner join handle completed (cancelled) before the deadline.
    /// assert!(t.await.unwrap().unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// Unwraps the future, dropping the deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::time::{timeout, Duration};
    ///
    /// let t = timeout(Duration::from_secs(1), async { 5 });
    /// // Awaited without the deadline.
    /// assert_eq!(t.into_inner().await, 5);
    /// # }
    /// ```
    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `value` is structurally pinned: it is never moved out while pinned (`into_inner`
        // takes `self` by value, which a pinned `Timeout` cannot give), and `Timeout` has no `Drop`
        // impl that could move it. `delay` likewise.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let value = unsafe { Pin::new_unchecked(&mut this.value) };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // If the inner future spent the last of the budget, the deadline must still be checked, or
        // a busy future could outlive its timeout.
        // SAFETY: see above.
        let mut delay = unsafe { Pin::new_unchecked(&mut this.delay) };
        let mut poll_delay = || delay.as_mut().poll(cx).map(|()| Err(Elapsed::new()));
        if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}
