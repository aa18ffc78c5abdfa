//! `select!`, `join!`, `try_join!` and `pin!`: waiting on several futures at once inside one task.
//!
//! All four are Tokio's, with Tokio's grammar and semantics, so that code written against
//! `tokio::select!` and friends moves over by renaming the path. None spawns: the futures are
//! polled by the task that runs the macro, and all of them live on that task's stack.
//!
//! # How they are built
//!
//! Each public macro is a one-rule `macro_rules!` that hands its tokens, prefixed with `($crate)`,
//! to a procedural macro in `glasswing-macros` (`select_internal`, `join_internal`,
//! `try_join_internal`). Tokio instead normalizes the branches with a long chain of
//! `macro_rules!` rules and uses a procedural macro only for the output enum. A full parser was
//! chosen here for the errors: it can say "expected `=>` after the async expression of this
//! select! branch" with a span on the token at fault, where a `macro_rules!` parser can only say
//! "no rules expected this token". Forwarding `$crate` keeps the expansion pointing at this crate
//! however it is renamed or re-exported, so users depend on glasswing alone.
//!
//! The expansions use no `unsafe`. Each future is pinned on the stack on its own with
//! `core::pin::pin!`, rather than all of them in a tuple that would need an unsafe projection to
//! reach its fields; `join!` keeps each future in a pinned `Option` that `Pin::set` empties (and
//! so drops the future) once it is done, with the output kept beside it. Internal names are
//! `Span::mixed_site()`, hygienic like a `macro_rules!` local, so they cannot clash with the
//! user's variables.
//!
//! # `select!`
//!
//! In order: the preconditions are evaluated and a branch whose precondition is false is disabled;
//! every async expression is evaluated, disabled branches' too (Tokio's order), and turned into a
//! future with `IntoFuture`; then one `poll_fn` polls the enabled branches, starting at a random one
//! (`support::thread_rng_n`, a new draw at each poll) unless `biased;` says to go in order. A
//! future that completes disables its branch; if its output does not match the branch's pattern,
//! the poll goes on with the other branches. When one matches, the poll returns an enum variant
//! carrying the output, and the futures' block ends, dropping (cancelling) every future, so that
//! the handler runs after all of them are gone, outside any closure: `?`, `return`, `break` and
//! `continue` in it act on the code around the `select!`. When every branch is disabled, the
//! `else` handler runs, or, without one, `select!` panics.
//!
//! The poll first asks the coop budget (`scheduler::coop`) whether the task may go on, as Tokio
//! 1.4x does: when it is spent, the budget-aware branches would all say `Pending`, and choosing
//! among the others (an always-ready future that ignores the budget) would let a `select!` in a
//! loop keep the task from ever yielding.
//!
//! The pattern is checked inside the poll against a reference to the output, and bound for real
//! afterwards, from the owned output, in the `match` that runs the handler. For the check, `ref`,
//! `mut` and `&` are stripped from it: under the by-reference binding mode the reference sets,
//! `mut x` would move out of it and Rust 2024 refuses `&p` (`p` alone, auto-dereferencing, matches
//! the same values). Tokio strips `ref` and `mut` only, so there `Some(&n) = ...` fails to compile
//! in a 2024 crate; here it works.
//!
//! The output enum holds one variant per branch and is declared inside the expansion's block
//! (Tokio's lives in a `mod` the macro declares, for `macro_rules!` hygiene reasons that do not
//! apply to a procedural macro).
//!
//! # `join!` and `try_join!`
//!
//! Every poll polls every future that is not done yet, starting one further on each time (Tokio's
//! rotation, so a future that spends the budget cannot starve the ones after it), or always from
//! the first with `biased;`. `try_join!` returns at the first `Err`, dropping the others.

mod join;
mod pin;
mod select;

/// What the expansions name through `$crate::macros::support`. Not a public API.
#[doc(hidden)]
pub mod support {
    pub use glasswing_macros::{join_internal, select_internal, try_join_internal};
    pub use std::future::{poll_fn, Future, IntoFuture};
    pub use std::option::Option;
    pub use std::pin::{pin, Pin};
    pub use std::result::Result;
    pub use std::task::{Context, Poll};

    /// A number in `0..n` from the thread's fast generator (not for cryptography): the branch a
    /// `select!` polls first. On a runtime's threads it follows `Builder::rng_seed`, as Tokio's does;
    /// elsewhere it is seeded per thread (`runtime/rand.rs`).
    #[doc(hidden)]
    #[inline]
    pub fn thread_rng_n(n: u32) -> u32 {
        crate::runtime::rand::thread_rng_n(n)
    }

    /// `Ready` while the running task has coop budget left; see the module's doc.
    #[doc(hidden)]
    #[inline]
    pub fn poll_budget_available(cx: &mut Context<'_>) -> Poll<()> {
        crate::scheduler::coop::poll_budget_available(cx)
    }

    /// Implemented by `Result` only: the output a `try_join!` future must have. A trait so that
    /// anything else is refused with a message that says what `try_join!` needs, at the future.
    #[diagnostic::on_unimplemented(
        message = "`try_join!` needs futures whose output is a `Result`, but this one's is `{Self}`",
        label = "this future's output is `{Self}`, not a `Result`"
    )]
    pub trait TryJoinOutput {}

    impl<T, E> TryJoinOutput for Result<T, E> {}

    /// Checks, where the user wrote it, that a `try_join!` expression is a future whose output is
    /// a `Result`.
    #[inline]
    pub fn try_join_future<F>(future: F) -> F
    where
        F: IntoFuture,
        F::Output: TryJoinOutput,
    {
        future
    }

    /// Checks, where the user wrote it, that a `select!` expression is a future. A struct rather
    /// than a function: a struct literal's fields extend the life of the temporaries they borrow,
    /// as the tuple of Tokio's expansion does, where a call's arguments would not.
    #[doc(hidden)]
    #[allow(missing_debug_implementations)]
    pub struct MustBeFuture<F: IntoFuture> {
        pub future: F,
    }

    /// `select!` found every branch disabled and has no `else`.
    #[doc(hidden)]
    #[track_caller]
    #[cold]
    pub fn all_branches_disabled() -> ! {
        panic!("all branches are disabled and there is no else branch")
    }

    /// An arm the expansions never reach (they produce only the values they match).
    #[doc(hidden)]
    #[track_caller]
    #[cold]
    pub fn unreachable_branch() -> ! {
        unreachable!("glasswing's select!/join! reached a branch that does not exist: a bug in glasswing")
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::support::thread_rng_n;

    #[test]
    fn thread_rng_n_stays_in_range_and_covers_it() {
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let r = thread_rng_n(7);
            assert!(r < 7);
            seen[r as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 0), "{seen:?}");
        assert_eq!(thread_rng_n(1), 0);
    }
}
