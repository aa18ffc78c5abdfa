//! `#[glasswing::main]` and `#[glasswing::test]` as a user writes them: each
//! flavor, each argument, and the signatures Tokio users bring along
//! (`Result` returns, `?`, helpers that are not `main`).
//!
//! The mistakes these attributes must reject are in `macros_ui.rs`.

use std::num::ParseIntError;

#[glasswing::test]
async fn default_flavor_runs_the_body() {
    let n = async { 1 + 1 }.await;
    assert_eq!(n, 2);
}

#[glasswing::test]
async fn spawn_works_on_the_default_flavor() {
    assert_eq!(glasswing::spawn(async { 1 }).await.unwrap(), 1);
}

#[glasswing::test(flavor = "current_thread")]
async fn explicit_current_thread() {
    assert_eq!(glasswing::spawn(async { 2 }).await.unwrap(), 2);
}

#[glasswing::test(flavor = "multi_thread")]
async fn multi_thread_with_default_worker_count() {
    assert_eq!(glasswing::spawn(async { 3 }).await.unwrap(), 3);
}

#[glasswing::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread_with_two_workers() {
    let handles: Vec<_> = (0..8u32).map(|i| glasswing::spawn(async move { i * 10 })).collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    assert_eq!(sum, 280);
}

// The order of the arguments must not matter.
#[glasswing::test(worker_threads = 1, flavor = "multi_thread")]
async fn worker_threads_before_flavor() {
    assert_eq!(glasswing::spawn(async { 4 }).await.unwrap(), 4);
}

#[glasswing::test(crate = "glasswing")]
async fn explicit_crate_path() {
    assert_eq!(glasswing::spawn(async { 5 }).await.unwrap(), 5);
}

mod renamed {
    // What a crate that re-exports glasswing under another name looks like.
    pub use glasswing as rt;
}

#[glasswing::test(crate = "crate::renamed::rt")]
async fn crate_path_through_a_re_export() {
    assert_eq!(glasswing::spawn(async { 6 }).await.unwrap(), 6);
}

// `?` needs the body's error type, which comes from the declared return type.
#[glasswing::test]
async fn returning_result_with_question_mark() -> Result<(), ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    Ok(())
}

#[glasswing::test]
async fn returning_boxed_error() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "7".parse()?;
    assert_eq!(glasswing::spawn(async move { n }).await.unwrap(), 7);
    Ok(())
}

// An early `return` leaves the body, not the test: the test still passes.
#[glasswing::test]
async fn early_return_from_the_body() {
    let stop = std::hint::black_box(true);
    if stop {
        return;
    }
    unreachable!("the early return above ends the body");
}

#[glasswing::test]
#[should_panic(expected = "boom")]
async fn panics_reach_the_test_harness() {
    panic!("boom");
}

#[glasswing::test]
async fn inner_attributes_are_kept() {
    #![allow(clippy::eq_op)]
    assert_eq!(1, 1);
}

// `#[glasswing::main]` is not only for `main`: any function becomes a
// blocking entry point to async code.
#[glasswing::main]
async fn run() -> u32 {
    glasswing::spawn(async { 7 }).await.unwrap()
}

#[glasswing::main(flavor = "current_thread")]
async fn run_current_thread() -> u32 {
    glasswing::spawn(async { 8 }).await.unwrap()
}

#[glasswing::main(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_args(a: u32, b: String) -> usize {
    // Arguments move into the body.
    a as usize + b.len()
}

#[glasswing::main]
async fn run_fallible(input: &str) -> Result<u32, ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(n * 2)
}

// Return types that cannot be spelled in a `let` take a plainer expansion.
#[glasswing::main(flavor = "current_thread")]
async fn run_opaque() -> impl std::fmt::Display {
    glasswing::spawn(async { 9 }).await.unwrap()
}

#[glasswing::main(flavor = "current_thread")]
async fn run_generic<T: Default + Send + 'static>() -> T {
    T::default()
}

#[test]
fn main_macro_on_a_helper() {
    assert_eq!(run(), 7);
    assert_eq!(run_current_thread(), 8);
    assert_eq!(run_with_args(2, "abc".to_string()), 5);
    assert_eq!(run_fallible("21"), Ok(42));
    assert!(run_fallible("x").is_err());
    assert_eq!(run_opaque().to_string(), "9");
    assert_eq!(run_generic::<String>(), "");
}

// Each call builds and drops its own runtime, so calling twice is fine.
#[test]
fn main_macro_can_run_twice() {
    assert_eq!(run(), 7);
    assert_eq!(run(), 7);
}

#[glasswing::test(start_paused = true)]
async fn start_paused_runs_an_hour_of_timers_at_once() {
    let start = glasswing::time::Instant::now();
    glasswing::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert!(start.elapsed() >= std::time::Duration::from_secs(3600));
}

#[glasswing::test(flavor = "current_thread", start_paused = false)]
async fn start_paused_false_keeps_real_time() {
    let start = glasswing::time::Instant::now();
    glasswing::time::sleep(std::time::Duration::from_millis(1)).await;
    assert!(start.elapsed() < std::time::Duration::from_secs(3600));
}

#[glasswing::test(diagnostics = "verbose")]
async fn diagnostics_sets_what_the_runtime_says_on_its_own() {
    // The setting reaches the runtime the attribute builds (GLASSWING_DIAG would win over it).
    if std::env::var_os("GLASSWING_DIAG").is_none() {
        let handle = glasswing::runtime::Handle::current();
        assert_eq!(handle.diagnostics().verbosity(), glasswing::diag::Verbosity::Verbose);
    }
}
