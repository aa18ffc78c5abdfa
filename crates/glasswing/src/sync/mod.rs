//! Synchronization primitives for asynchronous code, shaped like `tokio::sync`: being built for
//! issue 16, one primitive at a time. So far there is [`oneshot`], the channel that carries one
//! value from one task (or thread) to another.
//!
//! Each primitive is a leaf of the runtime: it takes part in the coop budget
//! (`scheduler::coop`) when it makes progress, and its lock-free state machines have loom models
//! next to them (`#[cfg(all(test, loom))]`).
//!
//! TODO(issue 16 item 3): diagnostics integration (the primitives as resources in snapshots, and
//! task dumps naming what a task waits on) is not done yet.

pub mod oneshot;
