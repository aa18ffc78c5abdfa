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
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(Instant::now().saturating_add(duration), future)
}

/// Requires `future` to complete before `deadline`.
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout { value: future, delay: sleep_until(deadline) }
}

/// Future returned by [`timeout`] and [`timeout_at`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Timeout<F> {
    value: F,
    delay: Sleep,
}

impl<F> Timeout<F> {
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `value` is structurally pinned: it is never moved out while pinned (`into_inner`
        // takes `self` by value, which a pinned `Timeout` cannot give), and `Timeout` has no `Drop`
        // impl that could move it. `delay` is `Unpin` and not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above.
        let value = unsafe { Pin::new_unchecked(&mut this.value) };
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(out) = value.poll(cx) {
            return Poll::Ready(Ok(out));
        }
        // If the inner future spent the last of the budget, the deadline must still be checked, or
        // a busy future could outlive its timeout.
        let mut poll_delay = || Pin::new(&mut this.delay).poll(cx).map(|()| Err(Elapsed::new()));
        if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        }
    }
}
