//! `select!`: the public `macro_rules!` wrapper around `glasswing_macros::select_internal`.

/// Waits on several async expressions at once and runs the handler of the first to complete,
/// cancelling (dropping) the others.
///
/// Tokio's `select!`, with the same grammar and semantics. It must be used inside an `async fn`
/// or an `async` block. Each branch is
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// ```
///
/// followed, optionally, by one last branch `else => <expression>`. The comma after a handler may
/// be left out when the handler is a block, as in a `match`. `biased;` before the first branch
/// makes the branches be polled in the order written (see *Fairness*).
///
/// What happens, in order:
///
/// 1. Every precondition is evaluated; a branch whose precondition is `false` is disabled for
///    this `select!` (a loop around it starts afresh each time).
/// 2. Every async expression is evaluated, disabled branches' included, once, and turned into a
///    future (anything that implements [`IntoFuture`](std::future::IntoFuture)). The futures are
///    pinned on the task's stack: `select!` spawns nothing, and its branches run concurrently, not
///    in parallel.
/// 3. The enabled futures are polled. When one completes, its branch is disabled and its output
///    is matched against the branch's pattern: if it matches, every future is dropped and the
///    handler runs with the pattern's bindings; if not, `select!` goes on waiting on the others.
/// 4. Once every branch is disabled, the `else` expression runs; without an `else`, `select!`
///    panics with "all branches are disabled and there is no else branch".
///
/// The value of the `select!` is the value of the handler (or `else`) that ran; all of them must
/// have the same type. Handlers run in the surrounding code, after the futures are gone, so `?`,
/// `return`, `break` and `continue` in a handler act as they would around the `select!`, and a
/// handler may use what the futures borrowed.
///
/// Up to 64 branches.
///
/// # Fairness
///
/// By default each poll starts at a randomly chosen branch, so that in a loop a branch that is
/// always ready does not starve the others. With `biased;` the branches are polled from the top:
/// cheaper, and predictable when the order matters (a shutdown signal first), but it is then up
/// to the order to be fair.
///
/// `select!` also respects the task's cooperative budget: when the task has used it up, the
/// `select!` yields to the scheduler before polling any branch.
///
/// # Cancellation
///
/// The futures of the branches that did not win are dropped, wherever they were. In a loop,
/// that is only harmless if dropping an unfinished future loses nothing, and then creating it
/// again carries on where it stopped: so use operations that are *cancel safe*. Receiving from a
/// channel ([`mpsc::Receiver::recv`](crate::sync::mpsc::Receiver::recv), `broadcast`'s
/// `recv`, `watch`'s `changed`), accepting a connection or reading into a buffer are; waiting in
/// a queue (a `Mutex::lock`, `Semaphore::acquire`, `Notify::notified`) loses its place, and
/// reading or writing an exact amount loses the part already done. A future that must not be
/// cancelled can be created once before the loop, pinned (see [`pin!`](crate::pin!)), and passed
/// by `&mut` to each `select!`.
///
/// # Panics
///
/// When every branch is disabled (by its precondition, or because its output did not match its
/// pattern) and there is no `else` branch.
///
/// # Examples
///
/// The first of two to finish:
///
/// ```
/// use std::time::Duration;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel::<&str>(1);
/// glasswing::spawn(async move { tx.send("hello").await.unwrap() });
///
/// let got = glasswing::select! {
///     msg = rx.recv() => msg,
///     _ = glasswing::time::sleep(Duration::from_secs(60)) => None,
/// };
/// assert_eq!(got, Some("hello"));
/// # }
/// ```
///
/// Draining two channels: a closed channel's `recv` returns `None`, which does not match
/// `Some(v)`, so its branch is disabled; once both are, `else` breaks the loop.
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx1, mut rx1) = glasswing::sync::mpsc::unbounded_channel();
/// let (tx2, mut rx2) = glasswing::sync::mpsc::unbounded_channel();
/// for i in 0..3 {
///     tx1.send(i).unwrap();
///     tx2.send(10 + i).unwrap();
/// }
/// drop((tx1, tx2));
///
/// let mut all = Vec::new();
/// loop {
///     glasswing::select! {
///         Some(v) = rx1.recv() => all.push(v),
///         Some(v) = rx2.recv() => all.push(v),
///         else => break,
///     }
/// }
/// all.sort();
/// assert_eq!(all, [0, 1, 2, 10, 11, 12]);
/// # }
/// ```
///
/// Preconditions, a future kept across iterations, and `biased;`:
///
/// ```
/// use glasswing::sync::oneshot;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx1, mut rx1) = oneshot::channel();
/// let (tx2, mut rx2) = oneshot::channel();
/// tx1.send("first").unwrap();
/// tx2.send("second").unwrap();
///
/// let (mut a, mut b) = (None, None);
/// while a.is_none() || b.is_none() {
///     glasswing::select! {
///         biased;
///         v = &mut rx1, if a.is_none() => a = Some(v.unwrap()),
///         v = &mut rx2, if b.is_none() => b = Some(v.unwrap()),
///     }
/// }
/// assert_eq!((a, b), (Some("first"), Some("second")));
/// # }
/// ```
///
/// `?` in a handler returns from the enclosing function:
///
/// ```
/// async fn first_number(a: &str, b: &str) -> Result<u32, std::num::ParseIntError> {
///     glasswing::select! {
///         biased;
///         s = async { a } => Ok(s.parse::<u32>()?),
///         s = async { b } => Ok(s.parse::<u32>()? * 2),
///     }
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(first_number("7", "x").await, Ok(7));
/// assert!(first_number("x", "7").await.is_err());
/// # }
/// ```
#[cfg(doc)]
#[macro_export]
macro_rules! select {
    {
        $(biased;)?
        $( $pattern:pat = $async_expression:expr $(, if $precondition:expr)? => $handler:expr, )*
        $( else => $else:expr $(,)? )?
    } => {
        unimplemented!()
    };
}

#[cfg(not(doc))]
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::macros::support::select_internal! { ($crate) $($tokens)* }
    };
}
