//! `task::Builder`: spawn a task with a name, which diagnostics and errors then show.

use super::JoinHandle;
use crate::runtime::Handle;
use std::future::Future;
use std::io;

/// Configures a task before spawning it.
///
/// ```
/// # glasswing::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = glasswing::task::Builder::new()
///     .name("fetch-config")
///     .spawn(async { 42 })
///     .unwrap();
/// assert_eq!(handle.await.unwrap(), 42);
/// # });
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// The task's name, shown by `JoinError`, diagnostics and dumps.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns on the current runtime.
    ///
    /// # Panics
    /// Outside of a runtime, like [`crate::spawn`]. The `io::Result` is for Tokio compatibility.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(Handle::current_for("task::Builder::spawn").spawn_named(future, self.name))
    }

    /// Spawns on the given runtime.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.spawn_named(future, self.name))
    }

    /// Spawns a `!Send` task onto the current [`LocalSet`](super::LocalSet).
    ///
    /// # Panics
    /// Outside a `LocalSet`, like [`crate::task::spawn_local`].
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(super::local_set::spawn_local_named(future, self.name, "task::Builder::spawn_local"))
    }

    /// Spawns a `!Send` task onto `local_set`.
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &super::LocalSet,
    ) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(local_set.spawn_named(future, self.name))
    }

    /// Runs a blocking function on the runtime's blocking pool, named.
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Ok(Handle::current_for("task::Builder::spawn_blocking").spawn_blocking_named(f, self.name))
    }
}
