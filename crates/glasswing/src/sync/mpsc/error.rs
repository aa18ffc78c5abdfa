//! The errors of the channel's operations (Tokio's `tokio::sync::mpsc::error`).

use std::fmt;

/// The receiver is gone or closed the channel: the value comes back. Returned by `send`.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::mpsc::{self, error::SendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// drop(rx);
/// assert_eq!(tx.send("job").await, Err(SendError("job"))); // the value comes back
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(fmt, "channel closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why `try_send` (or `try_reserve`) failed; the value comes back.
///
/// # Examples
///
/// ```
/// use glasswing::sync::mpsc::{self, error::TrySendError};
///
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
/// rx.close();
/// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is full: no permit is free now.
    Full(T),
    /// The receiver is gone or closed the channel.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel(1);
    /// tx.try_send(String::from("first")).unwrap();
    /// let err = tx.try_send(String::from("second")).unwrap_err();
    /// assert_eq!(err.into_inner(), "second");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }

    /// Whether the channel was full.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = glasswing::sync::mpsc::channel(1);
    /// tx.try_send(()).unwrap();
    /// assert!(tx.try_send(()).unwrap_err().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySendError::Full(_))
    }

    /// Whether the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = glasswing::sync::mpsc::channel(1);
    /// drop(rx);
    /// assert!(tx.try_send(()).unwrap_err().is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => write!(fmt, "no available capacity"),
            TrySendError::Closed(_) => write!(fmt, "channel closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(src: SendError<T>) -> TrySendError<T> {
        TrySendError::Closed(src.0)
    }
}

/// Why `try_recv` found nothing.
///
/// # Examples
///
/// ```
/// use glasswing::sync::mpsc::{self, error::TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// No message now; more may come.
    Empty,
    /// No message now and none can come: every sender is gone, or the receiver closed the channel
    /// and nothing is in flight.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => "receiving on an empty channel".fmt(fmt),
            TryRecvError::Disconnected => "receiving on a closed channel".fmt(fmt),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// Error returned by a receive on a closed channel (kept for Tokio's API; `recv` returns `None`).
///
/// # Examples
///
/// No method of these channels returns it: a closed channel's `recv` says so with `None`.
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = glasswing::sync::mpsc::channel::<u8>(1);
/// drop(tx);
/// assert_eq!(rx.recv().await, None);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecvError(pub(crate) ());

impl fmt::Display for RecvError {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(fmt, "channel closed")
    }
}

impl std::error::Error for RecvError {}

/// Why `send_timeout` failed; the value comes back.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::sync::mpsc::{self, error::SendTimeoutError};
/// use std::time::Duration;
///
/// let (tx, mut rx) = mpsc::channel(1);
/// tx.send(1).await.unwrap();
/// // Full, and nobody receives: the send gives up.
/// let err = tx.send_timeout(2, Duration::from_millis(5)).await.unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(2));
/// rx.close();
/// let err = tx.send_timeout(3, Duration::from_millis(5)).await.unwrap_err();
/// assert_eq!(err, SendTimeoutError::Closed(3));
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No permit became free before the timeout.
    Timeout(T),
    /// The receiver is gone or closed the channel.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = glasswing::sync::mpsc::channel(1);
    /// tx.send("a").await.unwrap();
    /// let err = tx.send_timeout("b", Duration::from_millis(1)).await.unwrap_err();
    /// assert_eq!(err.into_inner(), "b");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }

    /// Whether the send timed out.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = glasswing::sync::mpsc::channel(1);
    /// tx.send(()).await.unwrap();
    /// assert!(tx.send_timeout((), Duration::from_millis(1)).await.unwrap_err().is_timeout());
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, SendTimeoutError::Timeout(_))
    }

    /// Whether the channel was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::time::Duration;
    ///
    /// let (tx, rx) = glasswing::sync::mpsc::channel(1);
    /// drop(rx);
    /// assert!(tx.send_timeout((), Duration::from_secs(1)).await.unwrap_err().is_closed());
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendTimeoutError::Closed(_))
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, fmt: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => write!(fmt, "timed out waiting on send operation"),
            SendTimeoutError::Closed(_) => write!(fmt, "channel closed"),
        }
    }
}

impl<T> std::error::Error for SendTimeoutError<T> {}
