//! Compile-fail tests for `#[glasswing::main]`, `#[glasswing::test]`, and
//! `select!`, `join!` and `try_join!` (`ui/select_*`, `ui/join_*`,
//! `ui/try_join_*`): each mistake must be refused with an error whose span is on
//! the token at fault.
//!
//! The expected compiler output lives next to each case in `tests/ui/*.stderr`.
//! After changing a message, regenerate with
//! `TRYBUILD=overwrite cargo test -p glasswing --test macros_ui` and read the
//! diff: the carets are the point of these tests.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
