//! `task::Builder`: spawn a task with a name, which diagnostics and errors then show.

use super::JoinHandle;
use crate::runtime::Handle;
use std::future::Future;
use std::io;

/// Configures a task before spawning it.
///
/// # Examples
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
    /// A builder with no name set.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::task::Builder::new().spawn(async { 1 }).unwrap();
    /// assert_eq!(handle.await.unwrap(), 1);
    /// # }
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// The task's name, shown by `JoinError`, diagnostics and dumps.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = glasswing::task::Builder::new().name("worker-7").spawn(async { "ok" }).unwrap();
    /// assert_eq!(handle.await.unwrap(), "ok");
    /// # }
    /// ```
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns on the current runtime.
    ///
    /// # Panics
    /// Outside of a runtime, like [`crate::spawn`]. The `io::Result` is for Tokio compatibility.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::Builder;
    ///
    /// let handle = Builder::new().name("adder").spawn(async { 40 + 2 }).unwrap();
    /// assert_eq!(handle.await.unwrap(), 42);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(Handle::current_for("task::Builder::spawn").spawn_named(future, self.name))
    }

    /// Spawns on the given runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::runtime::Runtime;
    /// use glasswing::task::Builder;
    ///
    /// let rt = Runtime::new().unwrap();
    /// // No runtime is entered here: the handle says where the task goes.
    /// let task = Builder::new().name("on-handle").spawn_on(async { 5 }, rt.handle()).unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{Builder, LocalSet};
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// let out = local
    ///     .run_until(async {
    ///         let shared = Rc::new(3); // not `Send`
    ///         Builder::new().name("local").spawn_local(async move { *shared * 2 }).unwrap().await
    ///     })
    ///     .await;
    /// assert_eq!(out.unwrap(), 6);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(super::local_set::spawn_local_named(future, self.name, "task::Builder::spawn_local"))
    }

    /// Spawns a `!Send` task onto `local_set`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::{Builder, LocalSet};
    /// use std::rc::Rc;
    ///
    /// let local = LocalSet::new();
    /// let value = Rc::new("not Send");
    /// let task = Builder::new().spawn_local_on(async move { value.len() }, &local).unwrap();
    /// // The task runs once the set is driven.
    /// assert_eq!(local.run_until(task).await.unwrap(), 8);
    /// # }
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use glasswing::task::Builder;
    ///
    /// let task = Builder::new().name("hash").spawn_blocking(|| "abc".bytes().map(u32::from).sum::<u32>()).unwrap();
    /// assert_eq!(task.await.unwrap(), 294);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Ok(Handle::current_for("task::Builder::spawn_blocking").spawn_blocking_named(f, self.name))
    }
}
