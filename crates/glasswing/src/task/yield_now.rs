//! `yield_now`: give other tasks a turn.

use crate::scheduler::coop;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once to the scheduler: the task is woken at once and goes to the back of the run queue, so
/// every task that was ready runs before it continues.
///
/// It counts against the coop budget like any other leaf.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let ran = Arc::new(AtomicBool::new(false));
/// let flag = ran.clone();
/// glasswing::spawn(async move { flag.store(true, Ordering::SeqCst) });
/// // The spawned task runs while this one yields.
/// glasswing::task::yield_now().await;
/// assert!(ran.load(Ordering::SeqCst));
/// # }
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        coop::consume_one();
        // A wake during our own poll only marks the task; once this poll returns, the scheduler sees
        // the yield and runs everything else that is ready first (see `Schedule::reschedule`).
        crate::probe::poll::set_yielded();
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
