//! `glasswing::select!` as a user writes it: Tokio's grammar and semantics (random start, `biased;`,
//! `else`, preconditions, patterns), cancellation of the losing branches, handlers that use `?`,
//! `return`, `break` and `continue`, and the coop budget. Every test runs on both flavors.
//!
//! The mistakes `select!` must refuse at compile time are in `macros_ui.rs` (tests/ui/select_*.rs).

mod support;

use glasswing::sync::mpsc;
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use support::DropCounter;

/// Each test, as a `#[glasswing::test]` on the current-thread flavor and on the multi-thread one.
macro_rules! on_both_flavors {
    ($( $(#[$meta:meta])* async fn $name:ident() $body:block )*) => {
        mod current_thread {
            #[allow(unused_imports)]
            use super::*;
            $( $(#[$meta])* #[glasswing::test(flavor = "current_thread")] async fn $name() $body )*
        }
        mod multi_thread {
            #[allow(unused_imports)]
            use super::*;
            $( $(#[$meta])* #[glasswing::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() $body )*
        }
    };
}

/// Pending until polled `n` times (waking itself each time), then ready with `value`.
fn ready_after<T: Unpin>(n: usize, value: T) -> impl Future<Output = T> {
    let mut value = Some(value);
    let mut polls = 0;
    poll_fn(move |cx| {
        if polls == n {
            Poll::Ready(value.take().expect("polled after completion"))
        } else {
            polls += 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// A future that fails the test if it is ever polled.
struct MustNotBePolled;

impl Future for MustNotBePolled {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        panic!("a disabled branch's future was polled")
    }
}

/// Never ready; holds a tracked value so that its drop is counted.
fn pending_holding(counter: &DropCounter) -> impl Future<Output = ()> {
    let held = counter.track();
    async move {
        std::future::pending::<()>().await;
        drop(held);
    }
}

async fn parse_in_handler(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n = glasswing::select! {
        s = async { s } => s.parse::<u32>()?,
    };
    Ok(n + 1)
}

async fn return_from_handler(early: bool) -> &'static str {
    glasswing::select! {
        biased;
        _ = async {}, if early => return "returned early",
        _ = async {} => {}
    }
    "went on"
}

async fn sixty_four_branches(wanted: u32) -> u32 {
    glasswing::select! {
        v = async { 0u32 }, if wanted == 0 => v,
        v = async { 1u32 }, if wanted == 1 => v,
        v = async { 2u32 }, if wanted == 2 => v,
        v = async { 3u32 }, if wanted == 3 => v,
        v = async { 4u32 }, if wanted == 4 => v,
        v = async { 5u32 }, if wanted == 5 => v,
        v = async { 6u32 }, if wanted == 6 => v,
        v = async { 7u32 }, if wanted == 7 => v,
        v = async { 8u32 }, if wanted == 8 => v,
        v = async { 9u32 }, if wanted == 9 => v,
        v = async { 10u32 }, if wanted == 10 => v,
        v = async { 11u32 }, if wanted == 11 => v,
        v = async { 12u32 }, if wanted == 12 => v,
        v = async { 13u32 }, if wanted == 13 => v,
        v = async { 14u32 }, if wanted == 14 => v,
        v = async { 15u32 }, if wanted == 15 => v,
        v = async { 16u32 }, if wanted == 16 => v,
        v = async { 17u32 }, if wanted == 17 => v,
        v = async { 18u32 }, if wanted == 18 => v,
        v = async { 19u32 }, if wanted == 19 => v,
        v = async { 20u32 }, if wanted == 20 => v,
        v = async { 21u32 }, if wanted == 21 => v,
        v = async { 22u32 }, if wanted == 22 => v,
        v = async { 23u32 }, if wanted == 23 => v,
        v = async { 24u32 }, if wanted == 24 => v,
        v = async { 25u32 }, if wanted == 25 => v,
        v = async { 26u32 }, if wanted == 26 => v,
        v = async { 27u32 }, if wanted == 27 => v,
        v = async { 28u32 }, if wanted == 28 => v,
        v = async { 29u32 }, if wanted == 29 => v,
        v = async { 30u32 }, if wanted == 30 => v,
        v = async { 31u32 }, if wanted == 31 => v,
        v = async { 32u32 }, if wanted == 32 => v,
        v = async { 33u32 }, if wanted == 33 => v,
        v = async { 34u32 }, if wanted == 34 => v,
        v = async { 35u32 }, if wanted == 35 => v,
        v = async { 36u32 }, if wanted == 36 => v,
        v = async { 37u32 }, if wanted == 37 => v,
        v = async { 38u32 }, if wanted == 38 => v,
        v = async { 39u32 }, if wanted == 39 => v,
        v = async { 40u32 }, if wanted == 40 => v,
        v = async { 41u32 }, if wanted == 41 => v,
        v = async { 42u32 }, if wanted == 42 => v,
        v = async { 43u32 }, if wanted == 43 => v,
        v = async { 44u32 }, if wanted == 44 => v,
        v = async { 45u32 }, if wanted == 45 => v,
        v = async { 46u32 }, if wanted == 46 => v,
        v = async { 47u32 }, if wanted == 47 => v,
        v = async { 48u32 }, if wanted == 48 => v,
        v = async { 49u32 }, if wanted == 49 => v,
        v = async { 50u32 }, if wanted == 50 => v,
        v = async { 51u32 }, if wanted == 51 => v,
        v = async { 52u32 }, if wanted == 52 => v,
        v = async { 53u32 }, if wanted == 53 => v,
        v = async { 54u32 }, if wanted == 54 => v,
        v = async { 55u32 }, if wanted == 55 => v,
        v = async { 56u32 }, if wanted == 56 => v,
        v = async { 57u32 }, if wanted == 57 => v,
        v = async { 58u32 }, if wanted == 58 => v,
        v = async { 59u32 }, if wanted == 59 => v,
        v = async { 60u32 }, if wanted == 60 => v,
        v = async { 61u32 }, if wanted == 61 => v,
        v = async { 62u32 }, if wanted == 62 => v,
        v = async { 63u32 }, if wanted == 63 => v,
        else => u32::MAX,
    }
}

/// A user's macro around `select!` that forwards `block` handlers without commas after them, as
/// Tokio's `select!` accepts (its `$h:block` rule matches a forwarded block).
macro_rules! select_two_blocks {
    ($p1:pat = $e1:expr => $h1:block $p2:pat = $e2:expr => $h2:block) => {
        glasswing::select! { biased; $p1 = $e1 => $h1 $p2 = $e2 => $h2 }
    };
}

on_both_flavors! {
    async fn returns_the_handler_value() {
        let v = glasswing::select! {
            v = async { 7 } => v * 2,
        };
        assert_eq!(v, 14);
    }

    async fn random_start_picks_both_of_two_always_ready_branches() {
        let mut first = 0;
        for _ in 0..1000 {
            glasswing::select! {
                _ = async {} => first += 1,
                _ = async {} => {}
            }
        }
        assert!(first > 0 && first < 1000, "the first branch won {first} of 1000");
    }

    async fn random_start_picks_each_always_ready_branch() {
        // Without `biased;` the first branch polled is drawn at each poll: over 1000 selects of
        // always-ready branches every branch wins some (each misses all 1000 with probability
        // (2/3)^1000 for three branches).
        let mut wins = [0u32; 3];
        for _ in 0..1000 {
            let i = glasswing::select! {
                _ = async {} => 0,
                _ = async {} => 1,
                _ = std::future::ready(()) => 2,
            };
            wins[i] += 1;
        }
        assert!(wins.iter().all(|&w| w > 0), "wins per branch: {wins:?}");
    }

    async fn biased_polls_in_order() {
        for _ in 0..1000 {
            let i = glasswing::select! {
                biased;
                _ = async {} => 0,
                _ = async {} => 1,
                _ = async {} => 2,
            };
            assert_eq!(i, 0);
        }
        // The first branch that is ready, in the written order, wins.
        let polled = Cell::new(Vec::new());
        let record = |i: u32, ready: bool| {
            let polled = &polled;
            poll_fn(move |_| {
                let mut v = polled.take();
                v.push(i);
                polled.set(v);
                if ready { Poll::Ready(i) } else { Poll::Pending }
            })
        };
        let won = glasswing::select! {
            biased;
            v = record(0, false) => v,
            v = record(1, true) => v,
            v = record(2, true) => v,
        };
        assert_eq!(won, 1);
        assert_eq!(polled.take(), [0, 1], "stops at the first ready branch");
    }

    async fn biased_with_preconditions_runs_each_branch_once() {
        let mut count = 0;
        loop {
            glasswing::select! {
                biased;
                _ = async {}, if count < 1 => { count += 1; assert_eq!(count, 1); }
                _ = async {}, if count < 2 => { count += 1; assert_eq!(count, 2); }
                _ = async {}, if count < 3 => { count += 1; assert_eq!(count, 3); }
                else => break,
            }
        }
        assert_eq!(count, 3);
    }

    async fn waits_for_the_first_to_complete() {
        let v = glasswing::select! {
            v = ready_after(5, "slow") => v,
            v = ready_after(2, "fast") => v,
            v = std::future::pending::<&str>() => v,
        };
        assert_eq!(v, "fast");
    }

    async fn losing_futures_are_dropped_once_before_the_handler_runs() {
        let counter = DropCounter::new();
        for _ in 0..10 {
            let dropped_before = counter.dropped();
            glasswing::select! {
                _ = pending_holding(&counter) => unreachable!(),
                _ = pending_holding(&counter) => unreachable!(),
                _ = ready_after(1, ()) => {
                    assert_eq!(counter.dropped(), dropped_before + 2, "losers dropped before the handler");
                }
            }
        }
        assert_eq!(counter.created(), 20);
        counter.assert_all_dropped_once();
    }

    async fn winner_and_losers_in_a_spawned_task() {
        let counter = DropCounter::new();
        let c = counter.clone();
        let v = glasswing::spawn(async move {
            glasswing::select! {
                _ = pending_holding(&c) => 0,
                v = async move { 3 } => v,
            }
        })
        .await
        .unwrap();
        assert_eq!(v, 3);
        counter.assert_all_dropped_once();
    }

    async fn handler_may_use_what_the_futures_borrowed() {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        tx.send(1).await.unwrap();
        glasswing::select! {
            v = rx.recv() => {
                // `rx.recv()` borrowed `rx` mutably: it is gone by now.
                rx.close();
                assert_eq!(v, Some(1));
            }
        }
        assert!(tx.send(2).await.is_err());
    }

    async fn dropped_recv_branch_loses_no_message() {
        // `recv` is cancel safe: a `recv` dropped after registering its wait, because another
        // branch won, takes nothing with it. The receiver yields often, so a yield branch wins
        // over a waiting `recv` many times, on both flavors.
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let sender = glasswing::spawn(async move {
            for i in 0..2000 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        let mut cancelled = 0;
        loop {
            glasswing::select! {
                v = rx.recv() => match v {
                    Some(v) => got.push(v),
                    None => break,
                },
                _ = glasswing::task::yield_now() => cancelled += 1,
            }
        }
        sender.await.unwrap();
        assert_eq!(got, (0..2000).collect::<Vec<_>>());
        assert!(cancelled > 0);
    }

    async fn a_waiting_recv_dropped_before_the_send_loses_nothing() {
        let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
        for i in 0..100 {
            // `recv` is polled first (so it waits), then the second branch wins and drops it.
            glasswing::select! {
                biased;
                _ = rx.recv() => panic!("nothing was sent yet"),
                _ = async {} => {}
            }
            tx.send(i).unwrap();
            assert_eq!(rx.recv().await, Some(i));
        }
    }

    async fn else_runs_when_every_precondition_is_false() {
        let v = glasswing::select! {
            _ = MustNotBePolled, if false => 1,
            _ = MustNotBePolled, if 1 + 1 == 3 => 2,
            else => 3,
        };
        assert_eq!(v, 3);
    }

    async fn else_runs_when_no_output_matches() {
        let v = glasswing::select! {
            Some(v) = async { None::<u32> } => v,
            Ok(v) = async { Err::<u32, ()>(()) } => v,
            else => 99,
        };
        assert_eq!(v, 99);
    }

    async fn else_alone() {
        assert_eq!(glasswing::select! { else => 5 }, 5);
        assert_eq!(glasswing::select! { biased; else => 6, }, 6);
    }

    async fn disabled_branch_is_evaluated_but_not_polled() {
        let evaluated = Cell::new(0);
        let make = || {
            evaluated.set(evaluated.get() + 1);
            MustNotBePolled
        };
        let v = glasswing::select! {
            _ = make(), if false => 0,
            v = ready_after(3, 1) => v,
        };
        assert_eq!(v, 1);
        assert_eq!(evaluated.get(), 1, "disabled branches' expressions are still evaluated");
    }

    async fn expressions_are_evaluated_once_each_in_order() {
        let order = Cell::new(Vec::new());
        let make = |i: u32, polls: usize| {
            let mut v = order.take();
            v.push(i);
            order.set(v);
            ready_after(polls, i)
        };
        let v = glasswing::select! {
            v = make(0, 10) => v,
            v = make(1, 3) => v,
            v = make(2, 20) => v,
        };
        assert_eq!(v, 1);
        assert_eq!(order.take(), [0, 1, 2]);
    }

    async fn preconditions_are_evaluated_before_the_expressions() {
        let log = Cell::new(Vec::new());
        let note = |what: &'static str| {
            let mut v = log.take();
            v.push(what);
            log.set(v);
        };
        glasswing::select! {
            _ = async { note("expression 0") }, if { note("precondition 0"); true } => {}
            _ = async { note("expression 1") }, if { note("precondition 1"); false } => {}
        }
        // The async blocks only run when polled; what is logged is their creation order.
        let log = log.take();
        assert_eq!(&log[..2], ["precondition 0", "precondition 1"]);
    }

    async fn a_pattern_mismatch_disables_only_that_branch() {
        for _ in 0..100 {
            // The first branch completes at once with `None`; it must not win, and must not be
            // polled again (an `async` block panics if polled after completing).
            let v = glasswing::select! {
                Some(v) = async { None::<u32> } => v,
                v = ready_after(2, 8) => v,
            };
            assert_eq!(v, 8);
        }
    }

    async fn patterns_with_mut_ref_and_or() {
        let v = glasswing::select! {
            mut v = async { vec![1] } => { v.push(2); v }
        };
        assert_eq!(v, [1, 2]);
        let v = glasswing::select! {
            Some(mut s) = async { Some(String::from("a")) } => { s.push('b'); s }
        };
        assert_eq!(v, "ab");
        let v = glasswing::select! {
            (ref a, _) = async { (String::from("x"), 1) } => a.clone(),
        };
        assert_eq!(v, "x");
        // `ref mut` binds into the output the handler matches on (Tokio's `mut_ref_patterns`).
        let v = glasswing::select! {
            Some(ref mut s) = async { Some(String::from("c")) } => { s.push('d'); s.clone() }
        };
        assert_eq!(v, "cd");
        let x = 5;
        let v = glasswing::select! {
            Some(&0) = async { Some(&x) } => 0,
            Some(&n) = async { Some(&x) } => n,
        };
        assert_eq!(v, 5, "`Some(&0)` does not match `Some(&5)`");
        let v = glasswing::select! {
            Ok(v) | Err(v) = async { Err::<u32, u32>(4) } => v,
        };
        assert_eq!(v, 4);
        let v = glasswing::select! {
            1..=3 = async { 5 } => "small",
            n @ 4.. = async { 5 } => if n > 4 { "big" } else { "four" }
        };
        assert_eq!(v, "big");
    }

    async fn question_mark_in_a_handler() {
        assert_eq!(parse_in_handler("41").await, Ok(42));
        assert!(parse_in_handler("x").await.is_err());
    }

    async fn return_in_a_handler() {
        assert_eq!(return_from_handler(true).await, "returned early");
        assert_eq!(return_from_handler(false).await, "went on");
    }

    async fn break_and_continue_in_handlers() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        for i in 0..10 {
            tx.send(i).unwrap();
        }
        let mut odd = Vec::new();
        loop {
            glasswing::select! {
                Some(v) = rx.recv() => {
                    if v % 2 == 0 {
                        continue;
                    }
                    if v == 7 {
                        break;
                    }
                    odd.push(v);
                }
            }
        }
        assert_eq!(odd, [1, 3, 5]);
        let found = 'outer: loop {
            for i in 0.. {
                glasswing::select! {
                    _ = async {}, if i == 3 => break 'outer i,
                    else => continue,
                }
            }
        };
        assert_eq!(found, 3);
    }

    async fn in_an_async_block_and_nested() {
        let v = async {
            glasswing::select! {
                v = async {
                    glasswing::select! {
                        biased;
                        v = async { 1 } => v + 10,
                        v = async { 2 } => v + 20,
                    }
                } => v * 2,
            }
        }
        .await;
        assert_eq!(v, 22);
    }

    async fn async_move_expressions_and_references_to_futures() {
        let owned = String::from("moved");
        let v = glasswing::select! {
            v = async move { owned } => v,
        };
        assert_eq!(v, "moved");

        // A future kept across selects, polled through `&mut`.
        let slow = ready_after(5, "slow");
        glasswing::pin!(slow);
        let mut rounds = 0;
        let v = loop {
            rounds += 1;
            glasswing::select! {
                v = &mut slow => break v,
                _ = async {} => {}
            }
        };
        assert_eq!(v, "slow");
        assert!(rounds > 1);
    }

    async fn temporaries_in_an_expression_live_as_long_as_its_future() {
        // Tokio's `temporary_lifetime_extension`: the temporary a branch borrows must outlive the
        // polling, as it would in `let f = (&mut temporary(),);`.
        let v = glasswing::select! {
            () = &mut std::future::ready(()) => 1,
        };
        assert_eq!(v, 1);
        let v = glasswing::select! {
            biased;
            v = &mut ready_after(3, 2) => v,
            v = &mut ready_after(1, 3) => v,
        };
        assert_eq!(v, 3);
    }

    async fn forwarded_fragments_from_a_user_macro() {
        let v = select_two_blocks!(Some(x) = async { Some(1) } => { x } y = async { 2 } => { y });
        assert_eq!(v, 1);
        let v = select_two_blocks!(Some(x) = async { None } => { x } y = async { 2 } => { y });
        assert_eq!(v, 2);
    }

    async fn user_names_like_the_expansions_own_do_not_clash() {
        // Tokio's internal names and glasswing's: the expansions' locals are hygienic.
        let (futures, output, disabled, cx, is_pending) = (1, 2, 3, 4, 5);
        let (__tokio_select_util, __disabled, __output, __futures, __fut0) = (6, 7, 8, 9, 10);
        let (start, branch, mask, out, value, next_first) = (11, 12, 13, 14, 15, 16);
        let v = glasswing::select! {
            biased;
            Some(cx) = async { None::<i32> } => cx,
            out = async { futures + output + disabled + cx + is_pending }, if mask == 13 => {
                out + __tokio_select_util + __disabled + __output + __futures + __fut0
            }
            _ = async {} => start + branch + mask + out + value + next_first,
        };
        assert_eq!(v, 15 + 40);
        let (a, b) = glasswing::join!(async { cx + out }, async { value + next_first });
        assert_eq!((a, b), (18, 31));
        let r: Result<_, ()> = glasswing::try_join!(async { Ok(futures) }, async { Ok(disabled) });
        assert_eq!(r, Ok((1, 3)));
    }

    async fn outputs_that_are_not_unpin_or_send() {
        let v = glasswing::select! {
            v = async { std::rc::Rc::new(3) } => *v,
            _ = async { std::marker::PhantomPinned } => 0,
        };
        assert!(v == 3 || v == 0);
    }

    async fn sixty_four_branches_work() {
        for wanted in [0, 1, 31, 32, 62, 63] {
            assert_eq!(sixty_four_branches(wanted).await, wanted);
        }
        assert_eq!(sixty_four_branches(64).await, u32::MAX);
    }

    #[should_panic(expected = "all branches are disabled and there is no else branch")]
    async fn panics_when_all_disabled_without_else() {
        let _: u32 = glasswing::select! {
            v = async { 1 }, if false => v,
            Some(v) = async { None } => v,
        };
    }
}

/// A `select!` in a loop whose branches stay ready only while the coop budget lasts (an mpsc
/// `recv` charges it) next to one that ignores the budget: once the budget is spent, the
/// `select!` must yield rather than keep picking the always-ready branch, or the other task on
/// the same single thread never runs.
#[test]
fn select_yields_when_the_budget_is_spent() {
    let rt = support::current_thread();
    rt.block_on(async {
        let other_ran = Arc::new(AtomicBool::new(false));
        let o = other_ran.clone();
        let spinner = glasswing::spawn(async move {
            let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
            for i in 0..10_000 {
                tx.send(i).unwrap();
            }
            let mut iterations = 0usize;
            while !o.load(Ordering::SeqCst) && iterations < 10_000 {
                iterations += 1;
                glasswing::select! {
                    Some(_) = rx.recv() => {}
                    _ = std::future::ready(()) => {}
                }
            }
            iterations
        });
        let o = other_ran.clone();
        let other = glasswing::spawn(async move { o.store(true, Ordering::SeqCst) });
        other.await.unwrap();
        let iterations = spinner.await.unwrap();
        assert!(other_ran.load(Ordering::SeqCst));
        assert!(iterations < 10_000, "the spinner never yielded");
    });
    assert!(rt.metrics().budget_forced_yield_count() > 0);
}

#[test]
fn many_selects_from_many_tasks_lose_nothing() {
    // Several receivers, each in its own task, racing a shared timer-free "tick" channel against
    // its own data channel: every message sent is received exactly once.
    for (flavor, rt) in support::runtimes() {
        let total = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut tasks = Vec::new();
            for t in 0..4u32 {
                let (tx, mut rx) = mpsc::channel::<u32>(2);
                let (tick_tx, mut tick_rx) = mpsc::unbounded_channel::<()>();
                let total = total.clone();
                tasks.push(glasswing::spawn(async move {
                    let mut sum = 0u64;
                    let mut ticks = 0;
                    loop {
                        glasswing::select! {
                            v = rx.recv() => match v {
                                Some(v) => sum += u64::from(v),
                                None => break,
                            },
                            Some(()) = tick_rx.recv() => ticks += 1,
                        }
                        total.fetch_add(1, Ordering::Relaxed);
                    }
                    (sum, ticks)
                }));
                tasks.push(glasswing::spawn(async move {
                    for i in 0..500 {
                        tx.send(t * 1000 + i).await.unwrap();
                        let _ = tick_tx.send(());
                    }
                    (0, 0)
                }));
            }
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap().0;
            }
            let expected: u64 = (0..4u64).map(|t| (0..500).map(|i| t * 1000 + i).sum::<u64>()).sum();
            assert_eq!(sum, expected, "{flavor}");
        });
    }
}
