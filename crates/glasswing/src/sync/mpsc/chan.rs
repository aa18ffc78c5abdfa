//! The channel state shared by the bounded and the unbounded flavours: the block list, the
//! receiver's waker, the sender counts, and a [`Semaphore`] that is a real (batch) semaphore for the
//! bounded channel and a message counter for the unbounded one.
//!
//! The receiver is done (`recv` returns `None`) when the close marker is read (every sender is
//! gone), or when it closed the channel itself and no message nor permit is outstanding any more
//! (`Semaphore::is_idle`): a sender holding a permit may still send after a close, and that message
//! is still delivered, as in Tokio.
//!
//! `Sender::closed` waits on a second batch semaphore with no permits, which the receiver closes:
//! its FIFO waiter list, cancel safety and coop budget come for free.
//!
//! Shaped after Tokio's `sync/mpsc/chan.rs`.

use super::block::Read;
use super::list::{self, TryPop};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Arc;
use crate::probe::resource::{Resource, SenderPlace, WaitOp, Waiting};
use crate::probe::trace::LeafKind;
use crate::scheduler::coop;
use crate::sync::batch_semaphore;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// What a channel flavour counts with.
pub(crate) trait Semaphore {
    /// No message is queued and no permit is held: nothing more can arrive once closed.
    fn is_idle(&self) -> bool;
    /// One message was received (or a permit dropped unused).
    fn add_permit(&self);
    fn add_permits(&self, n: usize);
    fn close(&self);
    fn is_closed(&self) -> bool;
}

/// The bounded channel's semaphore: `bound` permits, one per message in flight.
pub(crate) struct BoundedSemaphore {
    pub(crate) semaphore: batch_semaphore::Semaphore,
    pub(crate) bound: usize,
}

impl Semaphore for BoundedSemaphore {
    fn is_idle(&self) -> bool {
        self.semaphore.available_permits() == self.bound
    }
    fn add_permit(&self) {
        self.semaphore.release(1);
    }
    fn add_permits(&self, n: usize) {
        self.semaphore.release(n);
    }
    fn close(&self) {
        self.semaphore.close();
    }
    fn is_closed(&self) -> bool {
        self.semaphore.is_closed()
    }
}

/// The unbounded channel's counter: `messages << 1 | closed`.
pub(crate) struct UnboundedSemaphore(pub(crate) AtomicUsize);

impl UnboundedSemaphore {
    /// Counts one more message; false if the receiver closed the channel.
    pub(crate) fn try_add_message(&self) -> bool {
        let mut curr = self.0.load(Ordering::Acquire);
        loop {
            if curr & 1 == 1 {
                return false;
            }
            if curr == usize::MAX ^ 1 {
                // Overflowing the count would break `is_idle`; as Tokio, treat it as unrecoverable.
                std::process::abort();
            }
            match self.0.compare_exchange(curr, curr + 2, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(actual) => curr = actual,
            }
        }
    }
}

impl Semaphore for UnboundedSemaphore {
    fn is_idle(&self) -> bool {
        self.0.load(Ordering::Acquire) >> 1 == 0
    }
    fn add_permit(&self) {
        self.0.fetch_sub(2, Ordering::AcqRel);
    }
    fn add_permits(&self, n: usize) {
        self.0.fetch_sub(n << 1, Ordering::AcqRel);
    }
    fn close(&self) {
        self.0.fetch_or(1, Ordering::Release);
    }
    fn is_closed(&self) -> bool {
        self.0.load(Ordering::Acquire) & 1 == 1
    }
}

/// A slot for the receiver's waker that senders wake without a lock (the classic `AtomicWaker`
/// protocol: `REGISTERING` while the receiver writes the slot, `WAKING` while a sender takes it; a
/// wake that lands during a registration is handed to the registrar, which wakes itself; a
/// registration that meets a wake in progress waits the few instructions it takes).
struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

const WAITING: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

impl AtomicWaker {
    fn new() -> Self {
        AtomicWaker { state: AtomicUsize::new(WAITING), waker: UnsafeCell::new(None) }
    }

    /// Stores `waker` to be woken by the next `wake`. Called only by the receiver.
    fn register_by_ref(&self, waker: &Waker) {
        loop {
            match self.state.compare_exchange(WAITING, REGISTERING, Ordering::Acquire, Ordering::Acquire) {
                Ok(_) => break,
                Err(actual) => {
                    // A sender is taking the old waker out (a few instructions): wait for it to be
                    // done, then store ours. (`futures`' `AtomicWaker` wakes the registrar instead,
                    // which makes its task spin through polls for as long.)
                    debug_assert_eq!(actual, WAKING, "one registrar only");
                    #[cfg(loom)]
                    loom::thread::yield_now();
                    #[cfg(not(loom))]
                    std::hint::spin_loop();
                }
            }
        }
        // SAFETY: `REGISTERING` is ours: a sender sets `WAKING` but then leaves the slot alone, and
        // there is one registrar (the receiver).
        self.waker.with_mut(|slot| unsafe {
            match &*slot {
                Some(old) if old.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        });
        if let Err(actual) =
            self.state.compare_exchange(REGISTERING, WAITING, Ordering::AcqRel, Ordering::Acquire)
        {
            // A sender woke meanwhile and left the waking to us.
            debug_assert_eq!(actual, REGISTERING | WAKING);
            // SAFETY: still `REGISTERING`: the slot is ours.
            let woken = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            self.state.swap(WAITING, Ordering::AcqRel);
            if let Some(woken) = woken {
                woken.wake();
            }
        }
    }

    /// Wakes the registered waker, if any.
    fn wake(&self) {
        if let Some(woken) = self.take() {
            woken.wake();
        }
    }

    /// Takes the registered waker out, as `wake` does, without waking it: the receiver's drop lets
    /// go of its task's waker at once (a waker keeps its task's memory alive), as Tokio's does.
    fn take(&self) -> Option<Waker> {
        if self.state.fetch_or(WAKING, Ordering::AcqRel) == WAITING {
            // SAFETY: we moved the state from `WAITING` to `WAKING`: the slot is ours until we clear
            // the bit (a registrar that comes meanwhile sees `WAKING` and does not touch it).
            let taken = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            self.state.fetch_and(!WAKING, Ordering::Release);
            taken
        } else {
            None
        }
    }
}

/// The state every handle of one channel shares.
pub(crate) struct Chan<T, S> {
    tx: list::Tx<T>,
    pub(crate) semaphore: S,
    rx_waker: AtomicWaker,
    /// No permits; closed when the receiver closes, which is what `Sender::closed` waits for.
    rx_closed_notify: batch_semaphore::Semaphore,
    /// Strong senders; the channel is closed for the receiver when it drops to zero.
    tx_count: AtomicUsize,
    tx_weak_count: AtomicUsize,
    /// Touched only by the receiver (and by the drop of the last handle).
    rx_fields: UnsafeCell<RxFields<T>>,
    /// The channel as the diagnostics know it: where it was created, the tasks its senders live
    /// in, its receiver's wait (the bounded channel's capacity semaphore shares it).
    pub(crate) resource: Resource,
}

struct RxFields<T> {
    list: list::Rx<T>,
    /// The receiver called `close` (or dropped).
    rx_closed: bool,
}

// SAFETY: `rx_fields` is accessed only by the receiver, which is one handle; everything else is
// atomics, the `Sync` semaphores, and the block list, whose `Send`/`Sync` need `T: Send`.
unsafe impl<T: Send, S: Send> Send for Chan<T, S> {}
// SAFETY: as above.
unsafe impl<T: Send, S: Sync> Sync for Chan<T, S> {}
// As Tokio's channel: a panic while a handle is borrowed cannot leave the channel broken, since
// every operation on the shared state completes (or is undone) before user code runs again, so the
// handles are unwind safe whatever `T` is.
impl<T, S> std::panic::RefUnwindSafe for Chan<T, S> {}
impl<T, S> std::panic::UnwindSafe for Chan<T, S> {}

/// A strong sender's handle (counts in `tx_count`).
pub(crate) struct Tx<T, S> {
    pub(crate) inner: Arc<Chan<T, S>>,
    /// The task this sender was last used in, for the channel's count of senders per task.
    place: SenderPlace,
}

/// The receiver's handle.
pub(crate) struct Rx<T, S: Semaphore> {
    pub(crate) inner: Arc<Chan<T, S>>,
    /// The receiver's wait as the diagnostics see it, while a `recv` is pending.
    waiting: Option<Waiting>,
}

pub(crate) fn channel<T, S: Semaphore>(semaphore: S, resource: Resource) -> (Tx<T, S>, Rx<T, S>) {
    let (tx, rx) = list::channel();
    let chan = Arc::new(Chan {
        tx,
        semaphore,
        rx_waker: AtomicWaker::new(),
        rx_closed_notify: batch_semaphore::Semaphore::with_resource(0, resource.share()),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        rx_fields: UnsafeCell::new(RxFields { list: rx, rx_closed: false }),
        resource,
    });
    let place = chan.resource.record().add_sender();
    (Tx { inner: chan.clone(), place }, Rx { inner: chan, waiting: None })
}

impl<T, S> Chan<T, S> {
    fn send(&self, value: T) {
        self.tx.push(value);
        self.rx_waker.wake();
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.tx_count.load(Ordering::Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.tx_weak_count.load(Ordering::Relaxed)
    }

    pub(crate) fn decrement_weak_count(&self) {
        self.tx_weak_count.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn increment_weak_count(&self) {
        self.tx_weak_count.fetch_add(1, Ordering::Relaxed);
    }
}

impl<T, S: Semaphore> Chan<T, S> {
    /// Wakes the receiver so that it sees an idle closed channel.
    pub(crate) fn wake_rx_if_idle_closed(&self) {
        if self.semaphore.is_closed() && self.semaphore.is_idle() {
            self.rx_waker.wake();
        }
    }
}

impl<T, S> Drop for Chan<T, S> {
    fn drop(&mut self) {
        let tx = &self.tx;
        // SAFETY: the last handle is gone: we alone touch the receiver's fields and the list.
        self.rx_fields.with_mut(|fields| unsafe {
            let fields = &mut *fields;
            // Messages sent after the receiver dropped (through permits) are dropped here, once.
            while let Some(Read::Value(_)) = fields.list.pop(tx) {}
            fields.list.free_blocks();
        });
    }
}

impl<T, S: Semaphore> Tx<T, S> {
    pub(crate) fn send(&self, value: T) {
        self.inner.resource.record().sender_used(&self.place);
        self.inner.send(value);
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.inner.semaphore.is_closed()
    }

    /// Waits until the receiver closes or drops.
    pub(crate) async fn closed(&self) {
        // Never acquires (no permits): completes with `AcquireError` when the receiver closes it.
        let _ = self.inner.rx_closed_notify.acquire_as(1, WaitOp::Closed).await;
    }

    pub(crate) fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn downgrade(&self) -> Arc<Chan<T, S>> {
        self.inner.increment_weak_count();
        self.inner.clone()
    }

    /// A strong handle from a weak one, unless every strong one is gone already.
    pub(crate) fn upgrade(chan: Arc<Chan<T, S>>) -> Option<Self> {
        let mut count = chan.tx_count.load(Ordering::Acquire);
        loop {
            if count == 0 {
                return None;
            }
            match chan.tx_count.compare_exchange_weak(count, count + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => {
                    let place = chan.resource.record().add_sender();
                    return Some(Tx { inner: chan, place });
                }
                Err(actual) => count = actual,
            }
        }
    }
}

impl<T, S> Clone for Tx<T, S> {
    fn clone(&self) -> Self {
        // Relaxed: a clone comes from a live handle, which keeps the count above zero.
        self.inner.tx_count.fetch_add(1, Ordering::Relaxed);
        Tx { inner: self.inner.clone(), place: self.inner.resource.record().add_sender() }
    }
}

impl<T, S> Drop for Tx<T, S> {
    fn drop(&mut self) {
        self.inner.resource.record().remove_sender(&self.place);
        if self.inner.tx_count.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        // The last sender: push the close marker and wake the receiver to read it.
        self.inner.tx.close();
        self.inner.rx_waker.wake();
    }
}

impl<T, S: Semaphore> Rx<T, S> {
    pub(crate) fn close(&mut self) {
        // SAFETY: the receiver (`&mut self`) alone touches its fields.
        let already = self
            .inner
            .rx_fields
            .with_mut(|fields| unsafe { std::mem::replace(&mut (*fields).rx_closed, true) });
        if already {
            return;
        }
        self.inner.semaphore.close();
        self.inner.rx_closed_notify.close();
    }

    /// Closed for receiving: by `close`, or because every sender is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.semaphore.is_closed() || self.inner.tx_count.load(Ordering::Acquire) == 0
    }

    pub(crate) fn is_empty(&self) -> bool {
        // SAFETY: the receiver alone touches its fields.
        self.inner.rx_fields.with(|fields| unsafe { (*fields).list.is_empty(&self.inner.tx) })
    }

    pub(crate) fn len(&self) -> usize {
        // SAFETY: the receiver alone touches its fields.
        self.inner.rx_fields.with(|fields| unsafe { (*fields).list.len(&self.inner.tx) })
    }

    /// What a task dump says of a receiver waiting: `recv on mpsc (created at ...): 0 queued, 2
    /// senders alive in tasks 3, 9`.
    fn describe_wait(&self) -> String {
        let record = self.inner.resource.record();
        format!("recv on {}: {} queued, {}", record.title(), self.len(), record.senders_clause())
    }

    /// Keeps the diagnostics' record of the receiver's wait: registered while a poll leaves it
    /// pending, ended when it is ready (or its future is dropped: `stop_waiting`).
    fn waits<R>(&mut self, poll: Poll<R>) -> Poll<R> {
        match poll {
            Poll::Pending if self.waiting.is_none() => {
                self.waiting = Some(self.inner.resource.wait(WaitOp::Recv));
            }
            Poll::Pending => {}
            Poll::Ready(_) => self.waiting = None,
        }
        poll
    }

    /// A `recv` future was dropped: the receiver no longer waits.
    pub(crate) fn stop_waiting(&mut self) {
        self.waiting = None;
    }

    /// Polls for the next message: `Some` with it, `None` once no more can come.
    pub(crate) fn recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), || self.describe_wait()) {
            return leaf.pending(self.waiting.is_some());
        }
        let poll = self.poll_recv(cx);
        self.waits(poll)
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let restore = std::task::ready!(coop::poll_proceed(cx));
        let inner = &*self.inner;
        // SAFETY: the receiver (`&mut self`) alone touches its fields.
        inner.rx_fields.with_mut(|fields| {
            let fields = unsafe { &mut *fields };
            macro_rules! try_recv {
                () => {
                    match fields.list.pop(&inner.tx) {
                        Some(Read::Value(value)) => {
                            inner.semaphore.add_permit();
                            restore.made_progress();
                            return Poll::Ready(Some(value));
                        }
                        Some(Read::Closed) => {
                            debug_assert!(inner.semaphore.is_idle());
                            restore.made_progress();
                            return Poll::Ready(None);
                        }
                        None => {}
                    }
                };
            }
            try_recv!();
            inner.rx_waker.register_by_ref(cx.waker());
            // Again, now that a sender that pushes from here on will wake us.
            try_recv!();
            if fields.rx_closed && inner.semaphore.is_idle() {
                restore.made_progress();
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        })
    }

    /// Polls for up to `limit` messages, appended to `buffer`: how many (0 once no more can come, or
    /// if `limit` is 0).
    pub(crate) fn recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if let Some(leaf) = crate::task::trace::leaf(LeafKind::Sync, cx.waker(), || self.describe_wait()) {
            return leaf.pending(self.waiting.is_some());
        }
        let poll = self.poll_recv_many(cx, buffer, limit);
        self.waits(poll)
    }

    fn poll_recv_many(&mut self, cx: &mut Context<'_>, buffer: &mut Vec<T>, limit: usize) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let restore = std::task::ready!(coop::poll_proceed(cx));
        let inner = &*self.inner;
        // SAFETY: the receiver (`&mut self`) alone touches its fields.
        inner.rx_fields.with_mut(|fields| {
            let fields = unsafe { &mut *fields };
            let mut remaining = limit;
            let initial_len = buffer.len();
            macro_rules! try_recv {
                () => {
                    let mut closed = false;
                    while remaining > 0 {
                        match fields.list.pop(&inner.tx) {
                            Some(Read::Value(value)) => {
                                buffer.push(value);
                                remaining -= 1;
                            }
                            Some(Read::Closed) => {
                                closed = true;
                                break;
                            }
                            None => break,
                        }
                    }
                    let received = buffer.len() - initial_len;
                    if received > 0 {
                        inner.semaphore.add_permits(received);
                        restore.made_progress();
                        return Poll::Ready(received);
                    }
                    if closed {
                        restore.made_progress();
                        return Poll::Ready(0);
                    }
                };
            }
            try_recv!();
            inner.rx_waker.register_by_ref(cx.waker());
            try_recv!();
            if fields.rx_closed && inner.semaphore.is_idle() {
                restore.made_progress();
                Poll::Ready(0)
            } else {
                Poll::Pending
            }
        })
    }

    /// Takes a message if one is there, without registering for a wakeup. If a sender is in the
    /// middle of writing the next one, waits (briefly) for it, as Tokio does.
    pub(crate) fn try_recv(&mut self) -> Result<T, super::error::TryRecvError> {
        use super::error::TryRecvError;
        let inner = &*self.inner;
        // SAFETY: the receiver (`&mut self`) alone touches its fields.
        inner.rx_fields.with_mut(|fields| {
            let fields = unsafe { &mut *fields };
            loop {
                match fields.list.try_pop(&inner.tx) {
                    TryPop::Value(value) => {
                        inner.semaphore.add_permit();
                        return Ok(value);
                    }
                    TryPop::Closed => return Err(TryRecvError::Disconnected),
                    TryPop::Empty => {
                        return if fields.rx_closed && inner.semaphore.is_idle() {
                            Err(TryRecvError::Disconnected)
                        } else {
                            Err(TryRecvError::Empty)
                        };
                    }
                    TryPop::Busy => {
                        // The sender claimed its slot and is writing it: a few instructions away.
                        #[cfg(loom)]
                        loom::thread::yield_now();
                        #[cfg(not(loom))]
                        std::thread::yield_now();
                    }
                }
            }
        })
    }
}

impl<T, S: Semaphore> Drop for Rx<T, S> {
    fn drop(&mut self) {
        self.close();
        let inner = &*self.inner;
        // SAFETY: the receiver alone touches its fields.
        inner.rx_fields.with_mut(|fields| {
            let fields = unsafe { &mut *fields };
            // Drop what is queued now (and give the places back); later sends are dropped with the
            // channel. A value whose drop panics does not keep the others queued (alive, and their
            // places taken) until the channel goes: the guard drains on through the unwinding, as
            // Tokio's receiver does (a second panic there aborts).
            struct Drain<'a, T, S: Semaphore> {
                list: &'a mut list::Rx<T>,
                inner: &'a Chan<T, S>,
            }
            impl<T, S: Semaphore> Drain<'_, T, S> {
                fn drain(&mut self) {
                    while let Some(Read::Value(_)) = self.list.pop(&self.inner.tx) {
                        self.inner.semaphore.add_permit();
                    }
                }
            }
            impl<T, S: Semaphore> Drop for Drain<'_, T, S> {
                fn drop(&mut self) {
                    self.drain();
                }
            }
            Drain { list: &mut fields.list, inner }.drain();
        });
        drop(inner.rx_waker.take());
    }
}

impl<T, S> fmt::Debug for Chan<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("tx_count", &self.tx_count.load(Ordering::Relaxed))
            .field("tx_weak_count", &self.tx_weak_count.load(Ordering::Relaxed))
            .field("location", &self.resource.created_at())
            .finish_non_exhaustive()
    }
}

/// The future of `recv`: polls the receiver, and ends its wait if dropped while pending.
pub(crate) struct Recv<'a, T, S: Semaphore> {
    pub(crate) rx: &'a mut Rx<T, S>,
}

impl<T, S: Semaphore> Future for Recv<'_, T, S> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().rx.recv(cx)
    }
}

impl<T, S: Semaphore> Drop for Recv<'_, T, S> {
    fn drop(&mut self) {
        self.rx.stop_waiting();
    }
}

/// The future of `recv_many`: as [`Recv`].
pub(crate) struct RecvMany<'a, T, S: Semaphore> {
    pub(crate) rx: &'a mut Rx<T, S>,
    pub(crate) buffer: &'a mut Vec<T>,
    pub(crate) limit: usize,
}

impl<T, S: Semaphore> Future for RecvMany<'_, T, S> {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let this = self.get_mut();
        this.rx.recv_many(cx, this.buffer, this.limit)
    }
}

impl<T, S: Semaphore> Drop for RecvMany<'_, T, S> {
    fn drop(&mut self) {
        self.rx.stop_waiting();
    }
}
