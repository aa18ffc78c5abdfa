//! A bug diagnostics find: a future that returns `Pending` without keeping the waker.
//!
//! `Ready` checks a flag and, when it is not set yet, returns `Pending`, but never stores
//! `cx.waker()` where the code that sets the flag could wake it. The task then waits forever: no
//! error, no panic, nothing in the logs. The runtime counts every task's live wakers, so it knows
//! that nothing can ever wake this one, and says so, with where the task was spawned.
//!
//! `cargo run --example lost_waker`

use glasswing::diag::TaskState;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Resolves once `flag` is set... or would, if it kept the waker.
struct Ready {
    flag: Arc<AtomicBool>,
}

impl Future for Ready {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            // BUG: returns Pending without storing `_cx.waker()` anywhere.
            Poll::Pending
        }
    }
}

#[glasswing::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let flag = Arc::new(AtomicBool::new(false));
    let waiter = {
        let flag = flag.clone();
        glasswing::task::Builder::new()
            .name("waits-for-flag")
            .spawn(async move {
                Ready { flag }.await;
                println!("flag seen (never printed)");
            })
            .unwrap()
    };
    // A healthy neighbour, waiting on a timer: it holds a waker, so it is not reported.
    let _sleeper = glasswing::spawn(glasswing::time::sleep(Duration::from_secs(3600)));

    // Once both tasks have run and wait, set the flag. Nobody tells the waiting task.
    let diagnostics = glasswing::runtime::Handle::current().diagnostics();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let snapshot = diagnostics.snapshot();
        if snapshot.tasks.len() == 2
            && snapshot.tasks.iter().all(|t| t.state == TaskState::Idle && t.polls > 0)
        {
            break;
        }
        glasswing::task::yield_now().await;
    }
    flag.store(true, Ordering::Release);

    let snapshot = diagnostics.snapshot();
    println!("{}", snapshot.report());
    waiter.abort();
}
