//! One name for "this target captures a blocked worker's stack" (`cfg(stack_capture)`), so the
//! condition is written once: Linux with glibc, on x86_64 or aarch64 (docs/diagnostics.md, "Per
//! platform", says why). The code adds `not(miri)` where Miri cannot run the capture.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(stack_capture)");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let arch = var("CARGO_CFG_TARGET_ARCH");
    if var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && (arch == "x86_64" || arch == "aarch64")
    {
        println!("cargo::rustc-cfg=stack_capture");
    }
}
