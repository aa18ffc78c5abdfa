//! `join!` and `try_join!`: the public `macro_rules!` wrappers around
//! `glasswing_macros::{join_internal, try_join_internal}`.

/// Waits on several async expressions at once, in the calling task, and returns all their
/// outputs as a tuple.
///
/// Tokio's `join!`: it must be used inside an `async fn` or an `async` block, and takes
/// expressions that implement [`IntoFuture`](std::future::IntoFuture), separated by commas. The
/// futures run concurrently on the current task, not in parallel: for parallelism, spawn them and
/// join the [`JoinHandle`](crate::task::JoinHandle)s. The result is a tuple with one element per
/// expression, in the order written (`join!(a)` gives a one-element tuple, `join!()` gives `()`).
///
/// Each poll of the `join!` polls every future that has not finished, starting one further along
/// each time, so that a future that uses up the task's cooperative budget cannot starve the ones
/// after it. With `biased;` before the first expression they are always polled from the first,
/// in the order written. A future is dropped as soon as it finishes; its output is kept until
/// all are done.
///
/// To stop at the first error, see [`try_join!`](crate::try_join!).
///
/// # Examples
///
/// ```
/// async fn double(n: u32) -> u32 {
///     n * 2
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (a, b, c) = glasswing::join!(double(1), double(2), async { "three" });
/// assert_eq!((a, b, c), (2, 4, "three"));
///
/// // Two tasks talking to each other can only finish when both are polled.
/// let (tx, mut rx) = glasswing::sync::mpsc::channel(1);
/// let (sent, received) = glasswing::join!(
///     biased;
///     async move {
///         for i in 0..10 {
///             tx.send(i).await.unwrap();
///         }
///     },
///     async {
///         let mut sum = 0;
///         while let Some(i) = rx.recv().await {
///             sum += i;
///         }
///         sum
///     },
/// );
/// assert_eq!((sent, received), ((), 45));
/// # }
/// ```
#[cfg(doc)]
#[macro_export]
macro_rules! join {
    ($(biased;)? $($future:expr),* $(,)?) => {
        unimplemented!()
    };
}

#[cfg(not(doc))]
#[macro_export]
macro_rules! join {
    ($($tokens:tt)*) => {
        $crate::macros::support::join_internal! { ($crate) $($tokens)* }
    };
}

/// Waits on several async expressions that return `Result`s at once, in the calling task, and
/// returns `Ok` with all their values as a tuple, or the first `Err`.
///
/// Tokio's `try_join!`: like [`join!`](crate::join!) (same polling order, same `biased;`), but
/// every expression's output must be a `Result` with the same error type. As soon as one returns
/// `Err`, `try_join!` returns that error and drops (cancels) the futures that had not finished.
/// `try_join!()` gives `Ok(())`.
///
/// # Examples
///
/// ```
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let both = glasswing::try_join!(parse("1"), parse("2"));
/// assert_eq!(both, Ok((1, 2)));
///
/// // The error comes back at once, though the other future never finishes.
/// let failed = glasswing::try_join!(parse("x"), async {
///     std::future::pending::<()>().await;
///     Ok(0)
/// });
/// assert!(failed.is_err());
/// # }
/// ```
#[cfg(doc)]
#[macro_export]
macro_rules! try_join {
    ($(biased;)? $($future:expr),* $(,)?) => {
        unimplemented!()
    };
}

#[cfg(not(doc))]
#[macro_export]
macro_rules! try_join {
    ($($tokens:tt)*) => {
        $crate::macros::support::try_join_internal! { ($crate) $($tokens)* }
    };
}
