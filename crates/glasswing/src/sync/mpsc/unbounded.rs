//! The unbounded channel: `send` never waits. The channel's "semaphore" only counts the messages in
//! flight (and carries the closed bit), so that the receiver can tell when a closed channel is idle.

use super::chan::{self, UnboundedSemaphore};
use super::error::{SendError, TryRecvError};
use crate::loom::sync::atomic::AtomicUsize;
use crate::loom::sync::Arc;
use crate::probe::resource::{Resource, ResourceKind};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::task::{Context, Poll};

type Chan<T> = chan::Chan<T, UnboundedSemaphore>;

/// Sends values to the paired [`UnboundedReceiver`] without waiting. Clone it for more senders.
/// Created by [`unbounded_channel`].
pub struct UnboundedSender<T> {
    chan: chan::Tx<T, UnboundedSemaphore>,
}

/// An unbounded sender that does not keep the channel open: [`upgrade`](Self::upgrade) it to send.
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives the values sent by the [`UnboundedSender`]s, in order. Created by
/// [`unbounded_channel`].
pub struct UnboundedReceiver<T> {
    chan: chan::Rx<T, UnboundedSemaphore>,
}

/// Creates an unbounded channel: sends never wait, and memory grows with the messages in flight.
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) =
        chan::channel(UnboundedSemaphore(AtomicUsize::new(0)), Resource::new(ResourceKind::UnboundedMpsc));
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

impl<T> UnboundedReceiver<T> {
    /// Names the channel in diagnostics (task dumps, snapshots, deadlock reports): `let rx = rx.named("events")`.
    pub fn named(self, name: impl Into<String>) -> Self {
        self.chan.inner.resource.set_name(name);
        self
    }
    /// Where the channel was created (for diagnostics).
    #[allow(dead_code)] // read by the diagnostics (issue 16 item 3) and the tests
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.chan.inner.resource.created_at()
    }

    /// Receives the next message, waiting for one: `None` once every sender is gone (or the channel
    /// was closed) and nothing is left. Cancel safe: a dropped future took no message.
    #[track_caller]
    pub fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        // `!Unpin`, as Tokio's (an `async fn` there).
        crate::not_unpin::NotUnpin::new(chan::Recv { rx: &mut self.chan })
    }

    /// Receives up to `limit` messages into `buffer` (appended), waiting for at least one: how many
    /// (0 once the channel is closed and drained, or if `limit` is 0). Cancel safe, as `recv`.
    #[track_caller]
    pub fn recv_many<'a>(
        &'a mut self,
        buffer: &'a mut Vec<T>,
        limit: usize,
    ) -> impl Future<Output = usize> + 'a {
        chan::RecvMany { rx: &mut self.chan, buffer, limit }
    }

    /// Takes the next message if there is one, without waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// `recv`, blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime (inside a task, or a `block_on`).
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        super::assert_not_in_runtime("UnboundedReceiver::blocking_recv");
        crate::runtime::park::block_on(self.recv())
    }

    /// `recv_many`, blocking this thread: for synchronous code.
    ///
    /// # Panics
    /// If called on a thread that drives a runtime.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        super::assert_not_in_runtime("UnboundedReceiver::blocking_recv_many");
        crate::runtime::park::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel for sending, without dropping the receiver; messages already sent can
    /// still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: by `close`, or because every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether no message is ready to be received now.
    pub fn is_empty(&self) -> bool {
        self.chan.is_empty()
    }

    /// How many messages are queued (including ones a sender is writing right now).
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Polls for the next message (`recv` as a poll function). Only the waker of the latest poll
    /// is woken.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.recv(cx)
    }

    /// Polls for up to `limit` messages (`recv_many` as a poll function).
    pub fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        self.chan.recv_many(cx, buffer, limit)
    }

    /// How many `UnboundedSender`s are alive.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

impl<T> UnboundedSender<T> {
    /// Where the channel was created (for diagnostics).
    #[allow(dead_code)] // read by the diagnostics (issue 16 item 3) and the tests
    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.chan.inner.resource.created_at()
    }

    /// Sends `value` without waiting. Fails (handing the value back) if the receiver is gone or
    /// closed the channel.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.chan.inner.semaphore.try_add_message() {
            return Err(SendError(value));
        }
        self.chan.send(value);
        Ok(())
    }

    /// Waits until the receiver is dropped or closes the channel.
    #[track_caller]
    pub fn closed(&self) -> impl Future<Output = ()> + '_ {
        self.chan.closed()
    }

    /// Whether the receiver is gone or closed the channel.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel, which does not keep it open.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender { chan: self.chan.downgrade() }
    }

    /// How many `UnboundedSender`s are alive.
    pub fn strong_count(&self) -> usize {
        self.chan.inner.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    pub fn weak_count(&self) -> usize {
        self.chan.inner.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An `UnboundedSender`, unless every one is gone already.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        chan::Tx::upgrade(self.chan.clone()).map(|chan| UnboundedSender { chan })
    }

    /// How many `UnboundedSender`s are alive.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.increment_weak_count();
        WeakUnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.decrement_weak_count();
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").field("chan", &*self.chan.inner).finish()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").field("chan", &*self.chan.inner).finish()
    }
}
