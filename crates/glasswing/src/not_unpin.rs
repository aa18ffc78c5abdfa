//! `NotUnpin`: wraps a future to make it `!Unpin`, for the futures that Tokio's API returns as
//! `!Unpin` (its `async fn`s, such as `mpsc::Receiver::recv` and `Barrier::wait`) where Glasswing's
//! own future needs no pinning. Keeping the same auto traits as Tokio means a program written against
//! Glasswing pins these futures where Tokio requires it, and builds against Tokio too (Tokio's own
//! test of its types' auto traits, `tests/async_send_sync.rs`, checks them).

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// `F`, made `!Unpin`; polls `F` in place.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub(crate) struct NotUnpin<F> {
    future: F,
    _pin: PhantomPinned,
}

impl<F> NotUnpin<F> {
    pub(crate) fn new(future: F) -> Self {
        NotUnpin { future, _pin: PhantomPinned }
    }
}

impl<F: Future> Future for NotUnpin<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out, and `NotUnpin` has no
        // `Drop` impl.
        unsafe { self.map_unchecked_mut(|this| &mut this.future) }.poll(cx)
    }
}
