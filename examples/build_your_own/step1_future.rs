//! Step 1 of docs/build-your-own/: a future by hand, and a `block_on` to run it.
//!
//! A future is a value with a `poll` method. This file writes one by hand, polls it by hand, writes the
//! state machine an `async fn` compiles to, and runs futures with a `block_on` that parks the thread
//! while they wait.
//!
//! Run it with `cargo run -p glasswing-examples --example step1_future`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Returns `Pending` `remaining` times, waking its task each time, then `Ready` with how many polls it
/// took.
struct Countdown {
    remaining: u32,
    polls: u32,
}

impl Countdown {
    fn new(remaining: u32) -> Countdown {
        Countdown { remaining, polls: 0 }
    }
}

impl Future for Countdown {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        self.polls += 1;
        if self.remaining == 0 {
            return Poll::Ready(self.polls);
        }
        self.remaining -= 1;
        // Nothing else will wake this task, so the future does it: "poll me again".
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A waker that only counts how often it is woken.
#[derive(Default)]
struct CountingWaker {
    wakes: AtomicU32,
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::Relaxed);
    }
}

/// Wakes the thread that is parked in `block_on`.
struct ThreadWaker {
    thread: Thread,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.thread.unpark();
    }
}

/// Runs a future to completion on this thread, parking the thread while the future is pending.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker { thread: thread::current() }));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            // If the waker already ran, `park` returns at once: `unpark` left a token for it.
            Poll::Pending => thread::park(),
        }
    }
}

/// Two countdowns in a row. `a` and `b` are alive across the `.await`s.
async fn two_countdowns(a: u32, b: u32) -> u32 {
    let first = Countdown::new(a).await;
    let second = Countdown::new(b).await;
    first + second
}

/// What the compiler makes of `two_countdowns`, written by hand: one variant per place the function
/// can be suspended, holding what is alive there.
enum TwoCountdowns {
    Start { a: u32, b: u32 },
    First { countdown: Countdown, b: u32 },
    Second { first: u32, countdown: Countdown },
    Done,
}

impl Future for TwoCountdowns {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // `Countdown` is `Unpin`, so this enum is too, and `Pin` hands out `&mut` freely.
        let this = &mut *self;
        loop {
            match this {
                TwoCountdowns::Start { a, b } => {
                    *this = TwoCountdowns::First { countdown: Countdown::new(*a), b: *b };
                }
                TwoCountdowns::First { countdown, b } => match Pin::new(countdown).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(first) => {
                        *this = TwoCountdowns::Second { first, countdown: Countdown::new(*b) };
                    }
                },
                TwoCountdowns::Second { first, countdown } => match Pin::new(countdown).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(second) => {
                        let sum = *first + second;
                        *this = TwoCountdowns::Done;
                        return Poll::Ready(sum);
                    }
                },
                TwoCountdowns::Done => panic!("polled after it returned Ready"),
            }
        }
    }
}

/// Borrows its own local across an `.await`: the future points into itself, so it must not move.
async fn sum_with_a_pause() -> u32 {
    let numbers = [1, 2, 3, 4];
    let tail = &numbers[2..];
    Countdown::new(1).await;
    numbers[0] + numbers[1] + tail.iter().sum::<u32>()
}

fn main() {
    // Polling by hand: `poll` is a method call, and the waker is whatever the caller passes.
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut countdown = Countdown::new(2);
    assert_eq!(Pin::new(&mut countdown).poll(&mut cx), Poll::Pending);
    assert_eq!(Pin::new(&mut countdown).poll(&mut cx), Poll::Pending);
    assert_eq!(Pin::new(&mut countdown).poll(&mut cx), Poll::Ready(3));
    assert_eq!(counter.wakes.load(Ordering::Relaxed), 2);
    println!("by hand: Pending, Pending, Ready(3), woken twice");

    let polls = block_on(Countdown::new(3));
    println!("block_on(Countdown::new(3)) = {polls}");
    assert_eq!(polls, 4);

    let by_compiler = block_on(two_countdowns(2, 3));
    let by_hand = block_on(TwoCountdowns::Start { a: 2, b: 3 });
    println!("two_countdowns(2, 3) = {by_compiler}, TwoCountdowns by hand = {by_hand}");
    assert_eq!(by_compiler, 3 + 4);
    assert_eq!(by_hand, by_compiler);

    let sum = block_on(sum_with_a_pause());
    println!("sum_with_a_pause() = {sum}");
    assert_eq!(sum, 10);
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
