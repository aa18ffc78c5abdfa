//! Helpers shared by the integration tests: drop counters, runtimes of both flavors, a watchdog for
//! tests whose failure is a hang, and temporary directories.

#![allow(dead_code)]

use glasswing::runtime::{Builder, Runtime};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counts how many values it handed out were dropped; a value dropped twice is counted twice, so
/// "created == dropped" proves exactly-once.
#[derive(Clone, Default)]
pub struct DropCounter {
    created: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

pub struct Tracked {
    dropped: Arc<AtomicUsize>,
    armed: bool,
}

impl DropCounter {
    pub fn new() -> DropCounter {
        DropCounter::default()
    }

    pub fn track(&self) -> Tracked {
        self.created.fetch_add(1, Ordering::SeqCst);
        Tracked { dropped: self.dropped.clone(), armed: true }
    }

    pub fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Every tracked value was dropped exactly once.
    pub fn assert_all_dropped_once(&self) {
        assert_eq!(
            self.dropped(),
            self.created(),
            "created {} values, dropped {}",
            self.created(),
            self.dropped()
        );
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(self.armed, "dropped twice");
        self.armed = false;
        self.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

pub fn multi_thread() -> Runtime {
    multi_thread_with(2)
}

pub fn multi_thread_with(workers: usize) -> Runtime {
    Builder::new_multi_thread().worker_threads(workers).build().unwrap()
}

/// The message of a panic payload (`panic!("literal")` or `panic!("{formatted}")`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .expect("panic payload is a string")
}

/// Both flavors, for tests that must hold on each.
pub fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![("current_thread", current_thread()), ("multi_thread", multi_thread())]
}

/// A flavor's name and how to build a runtime of it.
pub type Flavor = (&'static str, fn() -> Runtime);

/// Both flavors, unbuilt: for a test that builds each runtime on a thread of its own.
pub fn flavors() -> [Flavor; 2] {
    [("current_thread", current_thread), ("multi_thread", multi_thread)]
}

/// Generous bound for "returns promptly": only a call that hangs exceeds it.
pub const BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `shutdown` on a helper thread and reports whether it returned within `BOUND`. Afterwards
/// `release` runs in any case, so that whatever is stuck can finish and the helper can be joined: a
/// regression fails the test instead of hanging it.
pub fn returns_within_bound(shutdown: impl FnOnce() + Send + 'static, release: impl FnOnce()) -> bool {
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let helper = std::thread::spawn(move || {
        shutdown();
        let _ = done_tx.send(());
    });
    let returned = done_rx.recv_timeout(BOUND).is_ok();
    release();
    helper.join().unwrap();
    returned
}

/// Runs `f` on its own thread and fails if it has not returned after `bound`: for scenarios whose
/// failure is a hang (a lost wakeup), so that it fails the test instead of hanging CI.
pub fn within(bound: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(bound) {
        Ok(()) => worker.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            // The scenario panicked: surface its panic.
            worker.join().unwrap();
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("scenario still running after {bound:?}: a wakeup was probably lost")
        }
    }
}

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("glasswing-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Tasks that each wait for one thing (a connection, a datagram) and keep it until every one of them
/// has its own: the shape in which tasks sharing a socket must each be woken, since none of them
/// returns to wait again and so none can pick up a wakeup meant for another.
pub struct Holders<T> {
    tasks: Vec<glasswing::task::JoinHandle<T>>,
    got: futures::channel::mpsc::UnboundedReceiver<()>,
    go: futures::channel::oneshot::Sender<()>,
}

impl<T: Send + 'static> Holders<T> {
    /// Spawns one task per future; each keeps what its future returned until `release`.
    pub fn spawn<F>(waits: impl IntoIterator<Item = F>) -> Holders<T>
    where
        F: std::future::Future<Output = T> + Send + 'static,
    {
        use futures::FutureExt;
        let (got_tx, got) = futures::channel::mpsc::unbounded();
        let (go, go_rx) = futures::channel::oneshot::channel::<()>();
        let go_rx = go_rx.shared();
        let tasks = waits
            .into_iter()
            .map(|wait| {
                let (got_tx, go_rx) = (got_tx.clone(), go_rx.clone());
                glasswing::spawn(async move {
                    let value = wait.await;
                    got_tx.unbounded_send(()).unwrap();
                    let _ = go_rx.await;
                    value
                })
            })
            .collect();
        Holders { tasks, got, go }
    }

    /// Yields until every task waits (idle after its first poll), so that what the caller does next
    /// finds all of them waiting at once.
    pub async fn until_waiting(&self) {
        let handle = glasswing::runtime::Handle::current();
        loop {
            let snapshot = handle.diagnostics().snapshot();
            let waiting = self.tasks.iter().all(|task| {
                snapshot
                    .task(task.id())
                    .is_some_and(|t| t.state == glasswing::diag::TaskState::Idle && t.polls > 0)
            });
            if waiting {
                return;
            }
            glasswing::task::yield_now().await;
        }
    }

    /// Waits until every task has what it waited for, then lets them all finish; returns what each
    /// got, in the order they were spawned.
    pub async fn release(mut self) -> Vec<T> {
        use futures::StreamExt;
        for _ in 0..self.tasks.len() {
            self.got.next().await.unwrap();
        }
        let _ = self.go.send(());
        let mut values = Vec::new();
        for task in self.tasks {
            values.push(task.await.unwrap());
        }
        values
    }
}
