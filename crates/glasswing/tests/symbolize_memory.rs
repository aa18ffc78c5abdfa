//! Symbolizing a long poll's stack leaves the process's resident memory about where it was: the
//! debug information read for it is unmapped and nothing parsed is kept (`diag/symtab.rs`). With
//! `backtrace`'s symbolizer the first stack kept the whole binary's parsed debug information for
//! the life of the process (72 MB in a release hyper server).
//!
//! The only test of its binary, so that the process is its own: what it measures is the
//! symbolization and not another test's runtime. Only where stacks are captured (build.rs's
//! `stack_capture`: not on musl): elsewhere no long poll carries a stack to symbolize.
#![cfg(all(stack_capture, target_pointer_width = "64"))]

use glasswing::diag::StackFrame;
use std::sync::mpsc;
use std::time::Duration;

/// The resident memory of this process, in kB.
fn resident_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).expect("VmRSS in /proc/self/status");
    line.trim().trim_end_matches(" kB").parse().unwrap()
}

/// Blocks its worker until the long poll it is has been reported with its stack.
#[inline(never)]
fn blocked_until_reported(reported: &mpsc::Receiver<Vec<StackFrame>>) -> Vec<StackFrame> {
    reported.recv_timeout(Duration::from_secs(120)).expect("the long poll is reported with its stack")
}

#[test]
fn symbolizing_a_stack_keeps_no_debug_information_in_memory() {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let rt = glasswing::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .diagnostics_verbosity(glasswing::diag::Verbosity::Off)
        .on_long_poll(move |report| {
            if !report.finished && !report.stack.is_empty() {
                let _ = tx.lock().unwrap().send(report.stack.clone());
            }
        })
        .build()
        .unwrap();
    // The runtime's threads and buffers in place before the measure.
    rt.block_on(async { glasswing::spawn(async {}).await.unwrap() });
    let before = resident_kb();
    let stack = rt
        .block_on(async move { glasswing::spawn(async move { blocked_until_reported(&rx) }).await.unwrap() });
    let after = resident_kb();
    let here =
        stack.iter().find(|f| f.file.as_deref().is_some_and(|p| p.ends_with("tests/symbolize_memory.rs")));
    let here = here.unwrap_or_else(|| panic!("a frame of this file in the stack: {stack:#?}"));
    assert!(here.line.is_some() && here.function.is_some(), "{here:?}");
    assert!(
        after.saturating_sub(before) <= 5 * 1024,
        "symbolizing a stack grew the resident memory by {} kB ({before} kB to {after} kB)",
        after.saturating_sub(before)
    );
}
