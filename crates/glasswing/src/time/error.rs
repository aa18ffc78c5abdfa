//! Time errors.

use std::fmt;

/// A timer error, as Tokio's `time::error::Error`: Glasswing's timers never fail (the wheel has no
/// capacity limit, a deadline too far away is clamped, and using a timer outside a runtime panics
/// with a message saying so), so no Glasswing API returns one. It exists for code that names it,
/// such as error conversions written for Tokio.
///
/// # Examples
///
/// ```
/// use glasswing::time::error::Error;
///
/// let err = Error::shutdown();
/// assert!(err.is_shutdown());
/// assert!(!err.is_at_capacity());
/// ```
#[derive(Debug, Copy, Clone)]
pub struct Error(Kind);

#[derive(Debug, Clone, Copy, Eq, PartialEq)]
enum Kind {
    Shutdown,
    AtCapacity,
    Invalid,
}

impl Error {
    /// The timer is shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(Error::shutdown().is_shutdown());
    /// ```
    pub fn shutdown() -> Error {
        Error(Kind::Shutdown)
    }

    /// Whether the timer is shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(!Error::invalid().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.0 == Kind::Shutdown
    }

    /// The timer holds as many entries as it can.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(Error::at_capacity().is_at_capacity());
    /// ```
    pub fn at_capacity() -> Error {
        Error(Kind::AtCapacity)
    }

    /// Whether the timer was at capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(!Error::shutdown().is_at_capacity());
    /// ```
    pub fn is_at_capacity(&self) -> bool {
        self.0 == Kind::AtCapacity
    }

    /// The duration is longer than the timer can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(Error::invalid().is_invalid());
    /// ```
    pub fn invalid() -> Error {
        Error(Kind::Invalid)
    }

    /// Whether the duration was invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::time::error::Error;
    ///
    /// assert!(!Error::at_capacity().is_invalid());
    /// ```
    pub fn is_invalid(&self) -> bool {
        self.0 == Kind::Invalid
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Shutdown => "the timer is shut down: it must be used from within a runtime",
            Kind::AtCapacity => "the timer is at capacity and cannot create a new entry",
            Kind::Invalid => "the timer's duration exceeds the maximum duration",
        })
    }
}

impl std::error::Error for Error {}

/// The deadline of a [`timeout`](crate::time::timeout) passed before the future completed.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use glasswing::time::{error::Elapsed, timeout, Duration};
///
/// let res: Result<(), Elapsed> = timeout(Duration::from_secs(1), std::future::pending()).await;
/// let err = res.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// // It converts to an `io::Error` of kind `TimedOut`, so `?` works in io code.
/// assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::TimedOut);
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}
