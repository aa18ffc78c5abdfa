//! `pin!`: Tokio's stack pinning macro, on top of `core::pin::pin!`.
//!
//! Tokio's spells out `Pin::new_unchecked` on a shadowed binding; `core::pin::pin!` (stable since
//! Rust 1.68) does the same thing without `unsafe` here: the value moves into a temporary that
//! lives as long as the enclosing block and can no longer be named, so it can never move again.

/// Pins values on the stack, shadowing each variable with a `Pin<&mut T>` to it.
///
/// Tokio's `pin!`, in its two forms: `pin!(a, b)` pins existing variables (they are moved, and
/// the names now stand for the pinned references), and `pin! { let a = expr; let b = expr; }`
/// pins new ones. A pinned future can be polled through `&mut` many times, for instance across
/// the iterations of a loop around [`select!`](crate::select!), where a fresh future each time
/// would lose its progress.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let deadline = glasswing::time::sleep(Duration::from_secs(1));
/// glasswing::pin!(deadline);
///
/// let (tx, mut rx) = glasswing::sync::mpsc::unbounded_channel();
/// for i in 0..3 {
///     tx.send(i).unwrap();
/// }
/// let mut got = Vec::new();
/// loop {
///     glasswing::select! {
///         Some(v) = rx.recv() => got.push(v),
///         _ = &mut deadline => break,
///     }
/// }
/// assert_eq!(got, [0, 1, 2]);
///
/// glasswing::pin! {
///     let a = async { 1 };
///     let b = async { 2 };
/// }
/// assert_eq!(a.as_mut().await + b.as_mut().await, 3);
/// # }
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = $crate::macros::support::pin!($x);
    )* };
    ($(
        let $x:ident = $init:expr;
    )*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}
