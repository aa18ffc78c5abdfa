//! The sync primitives every sync workload is written against ([`SyncPrims`]), and their three
//! implementations: `glasswing::sync` on glasswing, `tokio::sync` on tokio, and smol's family of
//! crates (`async-channel`, `async-lock`, `async-broadcast`) on smol's executor.
//!
//! Each runtime's [`Rt::Sync`](crate::rt::Rt::Sync) names its set, so a workload generic over
//! `R: Rt` reaches them as `S::<R>::channel(..)` and runs the same code on all three. Every
//! message and every protected value is a `u64`: the payload is not what is measured, and one fixed
//! type keeps the trait free of generic associated types.
//!
//! glasswing's and tokio's sets are the same macro ([`tokio_shaped!`]) expanded over the two
//! crates: their APIs are the same by design (glasswing's is Tokio's, names and signatures), so the
//! two sides are literally the same code with a different crate path. Each method is one call to
//! the native API, wrapped the same way on all three (an `async move` block where the native call
//! returns a `Result` to unwrap), so no side pays for a wrapper the others don't.
//!
//! smol has no set of its own beyond channels and locks; what stands in for each primitive:
//! - mpsc, bounded and unbounded: `async_channel::{bounded, unbounded}` (an MPMC channel; smol's
//!   own `smol::channel` is this crate);
//! - oneshot: `async_channel::bounded(1)` (the smol family has no oneshot type);
//! - Mutex, Semaphore: `async_lock::{Mutex, Semaphore}` (`smol::lock`);
//! - broadcast: `async_broadcast::broadcast` (every receiver sees every message, as tokio's);
//! - watch: `async_broadcast` with capacity 1 and overflow on: a new value replaces an unseen one,
//!   so a receiver only ever sees the latest value, as `watch` receivers do; `changed()` is its
//!   `recv()`. The family has no watch type; this is the closest shape.
//!
//! Futures are the non-boxing ones where a crate offers both (`async_broadcast`'s
//! `broadcast_direct` / `recv_direct`).

use std::future::Future;
use std::ops::DerefMut;

/// One runtime's sync primitives, as the sync workloads use them.
pub trait SyncPrims: 'static {
    /// Sending half of a bounded mpsc channel.
    type Tx: Clone + Send + Sync + 'static;
    /// Receiving half of a bounded mpsc channel.
    type Rx: Send + 'static;
    /// A bounded mpsc channel with room for `capacity` messages.
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// Sends `value`, waiting for room. Panics if the receiver is gone.
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// The next message, or `None` once every sender is gone and the channel is empty.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;

    /// Sending half of an unbounded mpsc channel.
    type UnboundedTx: Clone + Send + Sync + 'static;
    /// Receiving half of an unbounded mpsc channel.
    type UnboundedRx: Send + 'static;
    /// An unbounded mpsc channel.
    fn unbounded_channel() -> (Self::UnboundedTx, Self::UnboundedRx);
    /// Sends `value` (never waits). Panics if the receiver is gone.
    fn send_unbounded(tx: &Self::UnboundedTx, value: u64);
    /// The next message, or `None` once every sender is gone and the channel is empty.
    fn recv_unbounded(rx: &mut Self::UnboundedRx) -> impl Future<Output = Option<u64>> + Send + '_;

    /// Sending half of a oneshot.
    type OneshotTx: Send + 'static;
    /// Receiving half of a oneshot.
    type OneshotRx: Send + 'static;
    /// A oneshot channel.
    fn oneshot() -> (Self::OneshotTx, Self::OneshotRx);
    /// Sends `value`. Panics if the receiver is gone.
    fn send_oneshot(tx: Self::OneshotTx, value: u64);
    /// The value. Panics if the sender was dropped without sending.
    fn recv_oneshot(rx: Self::OneshotRx) -> impl Future<Output = u64> + Send;

    /// An async Mutex around a `u64`.
    type Mutex: Send + Sync + 'static;
    /// A Mutex holding `value`.
    fn mutex(value: u64) -> Self::Mutex;
    /// Locks `mutex`, waiting for it; the guard unlocks on drop.
    fn lock(mutex: &Self::Mutex)
        -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_;

    /// An async counting Semaphore.
    type Semaphore: Send + Sync + 'static;
    /// A Semaphore with `permits` permits.
    fn semaphore(permits: usize) -> Self::Semaphore;
    /// Acquires one permit, waiting for it; the permit is released on drop.
    fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Send + '_> + Send + '_;

    /// Sending half of a broadcast channel.
    type BroadcastTx: Send + Sync + 'static;
    /// Receiving half of a broadcast channel.
    type BroadcastRx: Send + 'static;
    /// A broadcast channel keeping up to `capacity` messages, and its first receiver.
    fn broadcast(capacity: usize) -> (Self::BroadcastTx, Self::BroadcastRx);
    /// A new receiver, which sees every message sent from now on.
    fn subscribe(tx: &Self::BroadcastTx) -> Self::BroadcastRx;
    /// Sends `value` to every receiver. Panics if there is none.
    fn send_broadcast(tx: &Self::BroadcastTx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// The next message, or `None` once the sender is gone. Panics if the receiver lagged.
    fn recv_broadcast(rx: &mut Self::BroadcastRx) -> impl Future<Output = Option<u64>> + Send + '_;

    /// Sending half of a watch channel.
    type WatchTx: Send + Sync + 'static;
    /// Receiving half of a watch channel.
    type WatchRx: Send + 'static;
    /// A watch channel whose value starts at `initial` (seen by its receivers), and its first
    /// receiver.
    fn watch(initial: u64) -> (Self::WatchTx, Self::WatchRx);
    /// A new receiver; the current value counts as seen.
    fn subscribe_watch(tx: &Self::WatchTx) -> Self::WatchRx;
    /// Replaces the value and notifies the receivers.
    fn send_watch(tx: &Self::WatchTx, value: u64);
    /// Waits for a value not seen yet and returns it (marking it seen); `None` once the sender is
    /// gone.
    fn changed(rx: &mut Self::WatchRx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// `glasswing::sync`.
pub struct GlasswingSync;
/// `tokio::sync`.
pub struct TokioSync;
/// `async-channel`, `async-lock` and `async-broadcast`.
pub struct SmolSync;

/// Implements [`SyncPrims`] for `$name` with a Tokio-shaped `sync` module: `$krate::sync`, where
/// `$krate` is named per primitive.
macro_rules! tokio_shaped {
    ($name:ident, $krate:ident) => {
        impl SyncPrims for $name {
            type Tx = $krate::sync::mpsc::Sender<u64>;
            type Rx = $krate::sync::mpsc::Receiver<u64>;

            #[inline]
            fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
                $krate::sync::mpsc::channel(capacity)
            }

            #[inline]
            fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_ {
                async move { tx.send(value).await.expect("mpsc send: receiver gone") }
            }

            #[inline]
            fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
                rx.recv()
            }

            type UnboundedTx = $krate::sync::mpsc::UnboundedSender<u64>;
            type UnboundedRx = $krate::sync::mpsc::UnboundedReceiver<u64>;

            #[inline]
            fn unbounded_channel() -> (Self::UnboundedTx, Self::UnboundedRx) {
                $krate::sync::mpsc::unbounded_channel()
            }

            #[inline]
            fn send_unbounded(tx: &Self::UnboundedTx, value: u64) {
                tx.send(value).expect("mpsc send: receiver gone");
            }

            #[inline]
            fn recv_unbounded(rx: &mut Self::UnboundedRx) -> impl Future<Output = Option<u64>> + Send + '_ {
                rx.recv()
            }

            type OneshotTx = $krate::sync::oneshot::Sender<u64>;
            type OneshotRx = $krate::sync::oneshot::Receiver<u64>;

            #[inline]
            fn oneshot() -> (Self::OneshotTx, Self::OneshotRx) {
                $krate::sync::oneshot::channel()
            }

            #[inline]
            fn send_oneshot(tx: Self::OneshotTx, value: u64) {
                tx.send(value).expect("oneshot send: receiver gone");
            }

            #[inline]
            fn recv_oneshot(rx: Self::OneshotRx) -> impl Future<Output = u64> + Send {
                async move { rx.await.expect("oneshot recv: sender gone") }
            }

            type Mutex = $krate::sync::Mutex<u64>;

            #[inline]
            fn mutex(value: u64) -> Self::Mutex {
                $krate::sync::Mutex::new(value)
            }

            #[inline]
            fn lock(
                mutex: &Self::Mutex,
            ) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_ {
                mutex.lock()
            }

            type Semaphore = $krate::sync::Semaphore;

            #[inline]
            fn semaphore(permits: usize) -> Self::Semaphore {
                $krate::sync::Semaphore::new(permits)
            }

            #[inline]
            fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Send + '_> + Send + '_ {
                async move { semaphore.acquire().await.expect("semaphore closed") }
            }

            type BroadcastTx = $krate::sync::broadcast::Sender<u64>;
            type BroadcastRx = $krate::sync::broadcast::Receiver<u64>;

            #[inline]
            fn broadcast(capacity: usize) -> (Self::BroadcastTx, Self::BroadcastRx) {
                $krate::sync::broadcast::channel(capacity)
            }

            #[inline]
            fn subscribe(tx: &Self::BroadcastTx) -> Self::BroadcastRx {
                tx.subscribe()
            }

            /// Tokio's `send` never waits; the `async` block gives it the trait's shape.
            #[inline]
            fn send_broadcast(tx: &Self::BroadcastTx, value: u64) -> impl Future<Output = ()> + Send + '_ {
                async move {
                    tx.send(value).expect("broadcast send: no receiver");
                }
            }

            #[inline]
            fn recv_broadcast(rx: &mut Self::BroadcastRx) -> impl Future<Output = Option<u64>> + Send + '_ {
                async move {
                    match rx.recv().await {
                        Ok(value) => Some(value),
                        Err($krate::sync::broadcast::error::RecvError::Closed) => None,
                        Err(e) => panic!("broadcast recv: {e}"),
                    }
                }
            }

            type WatchTx = $krate::sync::watch::Sender<u64>;
            type WatchRx = $krate::sync::watch::Receiver<u64>;

            #[inline]
            fn watch(initial: u64) -> (Self::WatchTx, Self::WatchRx) {
                $krate::sync::watch::channel(initial)
            }

            #[inline]
            fn subscribe_watch(tx: &Self::WatchTx) -> Self::WatchRx {
                tx.subscribe()
            }

            #[inline]
            fn send_watch(tx: &Self::WatchTx, value: u64) {
                tx.send(value).expect("watch send: no receiver");
            }

            #[inline]
            fn changed(rx: &mut Self::WatchRx) -> impl Future<Output = Option<u64>> + Send + '_ {
                async move {
                    rx.changed().await.ok()?;
                    let value = *rx.borrow_and_update();
                    Some(value)
                }
            }
        }
    };
}

tokio_shaped!(TokioSync, tokio);
tokio_shaped!(GlasswingSync, glasswing);

// Written out as `async move` blocks, the same shape as the Tokio-shaped impls (where `async fn` would
// not fit the macro's `impl Future + Send` signatures either).
#[allow(clippy::manual_async_fn)]
impl SyncPrims for SmolSync {
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;

    #[inline]
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }

    #[inline]
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_ {
        async move { tx.send(value).await.expect("mpsc send: receiver gone") }
    }

    #[inline]
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_ {
        async move { rx.recv().await.ok() }
    }

    type UnboundedTx = async_channel::Sender<u64>;
    type UnboundedRx = async_channel::Receiver<u64>;

    #[inline]
    fn unbounded_channel() -> (Self::UnboundedTx, Self::UnboundedRx) {
        async_channel::unbounded()
    }

    #[inline]
    fn send_unbounded(tx: &Self::UnboundedTx, value: u64) {
        tx.try_send(value).expect("mpsc send: receiver gone");
    }

    #[inline]
    fn recv_unbounded(rx: &mut Self::UnboundedRx) -> impl Future<Output = Option<u64>> + Send + '_ {
        async move { rx.recv().await.ok() }
    }

    type OneshotTx = async_channel::Sender<u64>;
    type OneshotRx = async_channel::Receiver<u64>;

    #[inline]
    fn oneshot() -> (Self::OneshotTx, Self::OneshotRx) {
        async_channel::bounded(1)
    }

    #[inline]
    fn send_oneshot(tx: Self::OneshotTx, value: u64) {
        tx.try_send(value).expect("oneshot send: receiver gone");
    }

    #[inline]
    fn recv_oneshot(rx: Self::OneshotRx) -> impl Future<Output = u64> + Send {
        async move { rx.recv().await.expect("oneshot recv: sender gone") }
    }

    type Mutex = async_lock::Mutex<u64>;

    #[inline]
    fn mutex(value: u64) -> Self::Mutex {
        async_lock::Mutex::new(value)
    }

    #[inline]
    fn lock(
        mutex: &Self::Mutex,
    ) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_ {
        mutex.lock()
    }

    type Semaphore = async_lock::Semaphore;

    #[inline]
    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }

    #[inline]
    fn acquire(semaphore: &Self::Semaphore) -> impl Future<Output = impl Send + '_> + Send + '_ {
        semaphore.acquire()
    }

    type BroadcastTx = async_broadcast::Sender<u64>;
    type BroadcastRx = async_broadcast::Receiver<u64>;

    #[inline]
    fn broadcast(capacity: usize) -> (Self::BroadcastTx, Self::BroadcastRx) {
        async_broadcast::broadcast(capacity)
    }

    #[inline]
    fn subscribe(tx: &Self::BroadcastTx) -> Self::BroadcastRx {
        tx.new_receiver()
    }

    #[inline]
    fn send_broadcast(tx: &Self::BroadcastTx, value: u64) -> impl Future<Output = ()> + Send + '_ {
        async move {
            tx.broadcast_direct(value).await.expect("broadcast send: no receiver");
        }
    }

    #[inline]
    fn recv_broadcast(rx: &mut Self::BroadcastRx) -> impl Future<Output = Option<u64>> + Send + '_ {
        async move {
            match rx.recv_direct().await {
                Ok(value) => Some(value),
                Err(async_broadcast::RecvError::Closed) => None,
                Err(e) => panic!("broadcast recv: {e}"),
            }
        }
    }

    type WatchTx = async_broadcast::Sender<u64>;
    type WatchRx = async_broadcast::Receiver<u64>;

    /// Capacity 1 with overflow on: the latest value replaces an unseen one (see the module doc).
    /// The channel starts empty: the initial value counts as seen by every receiver, as a new watch
    /// receiver's does.
    #[inline]
    fn watch(_initial: u64) -> (Self::WatchTx, Self::WatchRx) {
        let (mut tx, rx) = async_broadcast::broadcast(1);
        tx.set_overflow(true);
        (tx, rx)
    }

    #[inline]
    fn subscribe_watch(tx: &Self::WatchTx) -> Self::WatchRx {
        tx.new_receiver()
    }

    #[inline]
    fn send_watch(tx: &Self::WatchTx, value: u64) {
        tx.try_broadcast(value).expect("watch send: no receiver");
    }

    #[inline]
    fn changed(rx: &mut Self::WatchRx) -> impl Future<Output = Option<u64>> + Send + '_ {
        async move {
            match rx.recv_direct().await {
                Ok(value) => Some(value),
                Err(async_broadcast::RecvError::Closed) => None,
                // Overflow only drops values nobody needs: the latest is still there.
                Err(async_broadcast::RecvError::Overflowed(_)) => rx.recv_direct().await.ok(),
            }
        }
    }
}
