//! A multi-producer, single-consumer channel for sending values between tasks, with Tokio's API and
//! semantics (`tokio::sync::mpsc`): a bounded flavour ([`channel`]), whose senders wait for room,
//! and an unbounded one ([`unbounded_channel`]).
//!
//! ```
//! # glasswing::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let (tx, mut rx) = glasswing::sync::mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     glasswing::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(i) = rx.recv().await {
//!     got.push(i);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```
//!
//! # Why it is shaped so
//!
//! - **The queue** is a lock-free list of fixed-size blocks (`sync/mpsc/list.rs`, `block.rs`): a send is one
//!   `fetch_add` to claim a slot, a write, and one `fetch_or` to mark it ready; senders never contend
//!   on a lock, and blocks the receiver has finished with are recycled at the tail.
//! - **Capacity** (bounded flavour) is the permits of a batch semaphore (`sync/batch_semaphore.rs`):
//!   waiting senders queue in FIFO order, a dropped `send`/`reserve` future gives its place back, and
//!   `reserve` separates getting a place from sending (so a value is never lost to cancellation).
//! - **The receiver** parks its waker in a lock-free slot that each send wakes, and it takes part in
//!   the coop budget, so a busy channel cannot starve its task's neighbours.
//! - Every value is dropped exactly once: by the receiver, by the receiver's drop (values queued
//!   then), or by the channel's drop (values sent through a permit after the receiver left).
//!
//! Shaped after Tokio's `sync/mpsc`.
//!
//! **Diagnostics.** The channel is one resource (`probe/resource.rs`), shared by its queue and its
//! capacity semaphore: a receiver that waits registers its wait, a sender waiting for room or for
//! `closed()` too, and each sender is counted in the task it was last used in (a send), so that the
//! deadlock search can tell when every sender lives in a task that waits on the receiver.

mod block;
mod bounded;
mod chan;
pub mod error;
mod list;
mod unbounded;

pub use bounded::{channel, OwnedPermit, Permit, PermitIterator, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

/// Panics (at the caller) if this thread drives a runtime, where blocking would stall its tasks.
#[track_caller]
fn assert_not_in_runtime(what: &str) {
    if crate::runtime::context::is_runtime_entered() {
        panic!(
            "glasswing: `mpsc::{what}` was called on a thread that drives a glasswing runtime (inside a \
             task, or inside a block_on). Cannot block the current thread from within a runtime: it \
             would stall every task scheduled on it. Use `.await` instead, or call it from \
             `glasswing::task::spawn_blocking`."
        );
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
