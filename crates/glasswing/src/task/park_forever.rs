//! `park_forever`: wait forever, on purpose, without being reported.
//!
//! `std::future::pending()` returns `Pending` without keeping the waker, so a task whose only wait
//! is on it has no waker alive, which is exactly what a lost wakeup looks like: the diagnostics
//! cannot tell the two apart (nothing of `Pending` runs that they could see). `park_forever` keeps
//! the task's waker, so the task is not lost, and it is a dump leaf of its own kind, so a dump says
//! it waits forever on purpose and the idle/stalled lints leave it alone.

use crate::probe::trace::LeafKind;
use crate::task::trace as dump;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Waits forever, like [`std::future::pending`], but says so to the diagnostics: the task is
/// neither reported as a lost waker nor as stalled, and a dump shows it "parked forever".
///
/// # Examples
///
/// ```
/// # glasswing::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let keep_alive = glasswing::spawn(async {
///     // ... set things up that live as long as this task ...
///     glasswing::task::park_forever::<()>().await
/// });
/// keep_alive.abort();
/// # });
/// ```
pub fn park_forever<T>() -> ParkForever<T> {
    ParkForever { waker: None, _output: PhantomData }
}

/// The future [`park_forever`] returns.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::task::{park_forever, ParkForever};
///
/// let never: ParkForever<u8> = park_forever();
/// let task = glasswing::spawn(never);
/// task.abort();
/// assert!(task.await.unwrap_err().is_cancelled());
/// # }
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct ParkForever<T> {
    /// Kept, never woken: a task with a waker alive is not lost.
    waker: Option<Waker>,
    _output: PhantomData<fn() -> T>,
}

impl<T> ParkForever<T> {
    fn keep(&mut self, waker: &Waker) {
        if !self.waker.as_ref().is_some_and(|kept| kept.will_wake(waker)) {
            self.waker = Some(waker.clone());
        }
    }
}

impl<T> Future for ParkForever<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if let Some(leaf) = dump::leaf(LeafKind::Forever, cx.waker(), || "parked forever, on purpose".into())
        {
            return leaf.pending(this.waker.is_some());
        }
        this.keep(cx.waker());
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for ParkForever<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParkForever").finish_non_exhaustive()
    }
}
