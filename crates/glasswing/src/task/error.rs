//! `JoinError`: why a task produced no output — it was cancelled, or it panicked — and which task that
//! was, so the message alone is enough to find it.
//!
//! It is `Send + Sync`, as Tokio's is, so that `?` turns it into `Box<dyn Error + Send + Sync>` and
//! the error types built on it. A panic payload is only `Send`; `Payload` makes it `Sync` by never
//! letting a shared reference reach it, except as a type that is itself `Sync`.

use super::Id;
use std::any::Any;
use std::fmt;
use std::panic::Location;

/// The task failed to complete: it was cancelled (aborted, or its runtime shut down) or it panicked.
///
/// One pointer wide: it sits inside every task's output slot, so a small error keeps small tasks
/// small; the allocation happens only on the rare failure path.
///
/// # Examples
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = glasswing::spawn(async { panic!("boom") });
/// let err = handle.await.unwrap_err();
/// assert!(err.is_panic());
/// // The message names the task and where it was spawned.
/// assert!(err.to_string().ends_with("panicked with message \"boom\""));
/// # }
/// ```
pub struct JoinError(Box<Inner>);

struct Inner {
    repr: Repr,
    id: Id,
    spawned_at: &'static Location<'static>,
    name: Option<Box<str>>,
}

enum Repr {
    Cancelled,
    Panic(Payload),
}

/// A panic payload that can sit in a `Sync` value. Through `&Payload` one can only downcast to a
/// `Sync` type; the payload itself comes out by value.
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: `Sync` lets other threads hold `&Payload` at once. Through it they can reach the payload only
// with `downcast_ref_sync`, which calls `type_id` (a function of the type, touching no data) and gives
// out a reference only to a `T: Sync`, which threads may share. The box, the only way to the `dyn Any`
// itself, leaves by value (`into_inner`), which takes the payload out of every shared borrow.
unsafe impl Sync for Payload {}

impl Payload {
    fn into_inner(self) -> Box<dyn Any + Send + 'static> {
        self.0
    }

    fn downcast_ref_sync<T: Any + Sync>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl JoinError {
    pub(crate) fn new_cancelled(
        id: Id,
        spawned_at: &'static Location<'static>,
        name: Option<&str>,
    ) -> JoinError {
        JoinError(Box::new(Inner { repr: Repr::Cancelled, id, spawned_at, name: name.map(Into::into) }))
    }

    pub(crate) fn new_panic(
        id: Id,
        spawned_at: &'static Location<'static>,
        name: Option<&str>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> JoinError {
        JoinError(Box::new(Inner {
            repr: Repr::Panic(Payload(payload)),
            id,
            spawned_at,
            name: name.map(Into::into),
        }))
    }

    /// The task was cancelled: aborted, or dropped by its runtime's shutdown.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0.repr, Repr::Cancelled)
    }

    /// The task panicked.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = glasswing::spawn(async { panic!("bad input") }).await.unwrap_err();
    /// assert!(err.is_panic());
    /// assert!(!err.is_cancelled());
    /// # }
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.0.repr, Repr::Panic(_))
    }

    /// The panic payload, to resume the panic with [`std::panic::resume_unwind`].
    ///
    /// # Panics
    /// If the task was cancelled; see [`try_into_panic`](Self::try_into_panic).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let err = glasswing::spawn(async { std::panic::panic_any(17u8) }).await.unwrap_err();
    /// let payload = err.into_panic();
    /// assert_eq!(payload.downcast_ref::<u8>(), Some(&17));
    /// // Or hand the panic on to this task: std::panic::resume_unwind(payload);
    /// # }
    /// ```
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("JoinError::into_panic() called on a cancelled task; check is_panic() first")
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// let err = handle.await.unwrap_err();
    /// // Cancelled, not panicked: the error comes back.
    /// assert!(err.try_into_panic().unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn try_into_panic(mut self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.0.repr {
            Repr::Panic(_) => match std::mem::replace(&mut self.0.repr, Repr::Cancelled) {
                Repr::Panic(payload) => Ok(payload.into_inner()),
                Repr::Cancelled => unreachable!(),
            },
            Repr::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::spawn(async { panic!("oops") });
    /// let id = handle.id();
    /// assert_eq!(handle.await.unwrap_err().id(), id);
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.0.id
    }

    fn panic_message(&self) -> Option<&str> {
        match &self.0.repr {
            Repr::Panic(payload) => payload
                .downcast_ref_sync::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref_sync::<String>().map(String::as_str)),
            Repr::Cancelled => None,
        }
    }

    fn fmt_task(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.0.id)?;
        if let Some(name) = &self.0.name {
            write!(f, " ({name:?})")?;
        }
        write!(f, " spawned at {}", self.0.spawned_at)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_task(f)?;
        match (&self.0.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, " was cancelled"),
            (Repr::Panic(_), Some(msg)) => write!(f, " panicked with message {msg:?}"),
            (Repr::Panic(_), None) => write!(f, " panicked"),
        }
    }
}

/// Tokio's shape, which programs' tests match: `JoinError::Cancelled(Id(7))`,
/// `JoinError::Panic(Id(7), "message", ...)`, or `JoinError::Panic(Id(7), ...)` for a payload that
/// is not a string. `Display` says more (the task's name and spawn location).
impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.0.repr, self.panic_message()) {
            (Repr::Cancelled, _) => write!(f, "JoinError::Cancelled({:?})", self.0.id),
            (Repr::Panic(_), Some(msg)) => write!(f, "JoinError::Panic({:?}, {msg:?}, ...)", self.0.id),
            (Repr::Panic(_), None) => write!(f, "JoinError::Panic({:?}, ...)", self.0.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    /// Kind `Other`, with the `JoinError` inside (`get_ref`, `into_inner`): the message is its own.
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err)
    }
}
