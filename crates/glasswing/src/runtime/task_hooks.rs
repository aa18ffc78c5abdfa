//! Task lifecycle hooks (`Builder::on_task_spawn`, `Builder::on_task_terminate`): user code the
//! runtime calls when a task is spawned and when it terminates, for bookkeeping or monitoring, as
//! Tokio's hooks of the same names.
//!
//! They cost nothing when unset: each is an `Option` read where the runtime already holds its
//! configuration (the spawn path, the task's completion), one branch. Hooks around each poll, which
//! Tokio also has as unstable API, are not offered: they would add that branch to every poll.

use crate::task::Id;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

/// What a task hook is told about the task: its id and where it was spawned.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// let ids = Arc::new(Mutex::new(Vec::new()));
/// let seen = ids.clone();
/// let rt = glasswing::runtime::Builder::new_current_thread()
///     .on_task_spawn(move |meta: &glasswing::runtime::TaskMeta<'_>| seen.lock().unwrap().push(meta.id()))
///     .build()
///     .unwrap();
/// let task = rt.spawn(async {});
/// assert_eq!(*ids.lock().unwrap(), [task.id()]);
/// ```
pub struct TaskMeta<'a> {
    pub(crate) id: Id,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) _not_static: PhantomData<&'a ()>,
}

impl TaskMeta<'_> {
    /// The task's id, as [`task::id()`](crate::task::id) says inside it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let last = Arc::new(Mutex::new(None));
    /// let seen = last.clone();
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .on_task_terminate(move |meta| *seen.lock().unwrap() = Some(meta.id()))
    ///     .build()
    ///     .unwrap();
    /// let task = rt.spawn(async {});
    /// let id = task.id();
    /// rt.block_on(task).unwrap();
    /// assert_eq!(*last.lock().unwrap(), Some(id));
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// The source line that spawned the task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let where_ = Arc::new(Mutex::new(String::new()));
    /// let seen = where_.clone();
    /// let rt = glasswing::runtime::Builder::new_current_thread()
    ///     .on_task_spawn(move |meta| *seen.lock().unwrap() = meta.spawned_at().file().to_owned())
    ///     .build()
    ///     .unwrap();
    /// rt.spawn(async {});
    /// // The file of the `spawn` call: this example's.
    /// assert!(where_.lock().unwrap().ends_with(".rs"));
    /// ```
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }
}

impl std::fmt::Debug for TaskMeta<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskMeta").field("id", &self.id).field("spawned_at", &self.spawned_at).finish()
    }
}

pub(crate) type TaskCallback = Arc<dyn Fn(&TaskMeta<'_>) + Send + Sync>;

/// The hooks a runtime was built with.
#[derive(Clone, Default)]
pub(crate) struct TaskHooks {
    pub(crate) spawn: Option<TaskCallback>,
    pub(crate) terminate: Option<TaskCallback>,
}

impl TaskHooks {
    #[inline(always)]
    pub(crate) fn spawned(&self, id: Id, spawned_at: &'static Location<'static>) {
        if let Some(f) = &self.spawn {
            call_spawn(f, id, spawned_at);
        }
    }

    #[inline]
    pub(crate) fn terminated(&self, id: Id, spawned_at: &'static Location<'static>) {
        if let Some(f) = &self.terminate {
            call_terminate(f, id, spawned_at);
        }
    }
}

/// Out of line: the spawn path stays as small as without hooks.
#[inline(never)]
fn call_spawn(f: &TaskCallback, id: Id, spawned_at: &'static Location<'static>) {
    f(&TaskMeta { id, spawned_at, _not_static: PhantomData });
}

/// Out of line: the completion path stays as small as without hooks. A panic in the hook is
/// contained, as Tokio does, so that the task's completion always finishes.
#[inline(never)]
fn call_terminate(f: &TaskCallback, id: Id, spawned_at: &'static Location<'static>) {
    let meta = TaskMeta { id, spawned_at, _not_static: PhantomData };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&meta)));
}
