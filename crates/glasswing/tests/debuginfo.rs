//! The diagnostics name the program's functions at every debug-information level a user builds
//! with: `debug = 0`, `"line-tables-only"`, `1` and `2` in the release profile, and the dev
//! profile. Each build of `crates/debuginfo-example` (a task blocked in `spin_parse_config`, a
//! chain of async fns waiting in a sleep) is run, and its long-poll headline, task dump and report
//! are checked.
//!
//! Slow (a build per level), so it is left out of `cargo test` and run by `.ci/run`:
//! `cargo test -p glasswing --test debuginfo -- --ignored`. The levels share one target directory
//! (`target/debuginfo`); glasswing and the example are built at each level, their dependencies
//! once (`profile.release.package.<name>.debug`: no frame of theirs is on the stacks checked), so
//! that a level costs two crates. At level 0 the binary's debug information is stripped, as Cargo
//! does by default when no crate has any, so std's goes too.

use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = "glasswing-debuginfo-example";

/// What no report may show at any level: closures, hashed toolchain paths, the runtime's and the
/// stack capture's own machinery.
const NOISE: [&str; 10] = [
    "{{closure}}",
    "{closure#",
    "{async_fn",
    "{async_block",
    "/rustc/",
    "harness.rs",
    "core.rs",
    "catch_unwind",
    "backtrace",
    "signal_hook",
];

const NO_LINES: &str = "(these stacks have no file:line";

fn build_and_run(workspace: &Path, level: Option<&str>) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = Command::new(cargo);
    build.current_dir(workspace).args([
        "build",
        "--quiet",
        "-j2",
        "-p",
        EXAMPLE,
        "--target-dir",
        "target/debuginfo",
    ]);
    if let Some(level) = level {
        build.arg("--release");
        for package in ["glasswing", EXAMPLE] {
            build.args(["--config", &format!("profile.release.package.{package}.debug={level}")]);
        }
        if level == "0" {
            // What Cargo does by default where nothing has debug information: std's goes too.
            build.args(["--config", "profile.release.strip=\"debuginfo\""]);
        }
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "the example builds at debug = {level:?}");
    let binary = workspace
        .join("target/debuginfo")
        .join(if level.is_some() { "release" } else { "debug" })
        .join(EXAMPLE);
    let output = Command::new(binary).current_dir(workspace).output().expect("the example runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "debug = {level:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `text` has each of `parts`, in this order.
fn in_order(text: &str, parts: &[&str]) -> bool {
    let mut rest = text;
    parts.iter().all(|part| match rest.find(part) {
        Some(at) => {
            rest = &rest[at + part.len()..];
            true
        }
        None => false,
    })
}

#[test]
#[ignore = "builds a program at five debug-information levels; .ci/run runs it"]
fn reports_name_the_programs_functions_at_every_debuginfo_level() {
    // The headlines it checks name frames of the stack the watchdog captures: Linux with glibc only.
    if !cfg!(stack_capture) {
        return;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let at = |line: &str| format!("{line} at crates/debuginfo-example/src/main.rs:");
    for level in [Some("0"), Some("\"line-tables-only\""), Some("1"), Some("2"), None] {
        let out = build_and_run(&workspace, level);
        let headline = out.lines().find(|l| l.starts_with("headline: ")).unwrap_or_else(|| panic!("{out}"));
        let (dump, report) = out.split_once("glasswing diagnostics:").unwrap_or_else(|| panic!("{out}"));
        let context = format!("debug = {level:?}:\n{out}");
        for noise in NOISE {
            assert!(!out.contains(noise), "{noise:?} at {context}");
        }
        assert!(headline.contains("long poll: task 2 \"reload\" has been blocking worker "), "{context}");
        assert!(report.contains("  - long poll: task 2 \"reload\" blocked worker "), "{context}");
        assert!(
            in_order(
                dump,
                &[
                    "task 2 \"reload\", running for ",
                    "reload_config",
                    "spin_parse_config",
                    "blocking its worker in "
                ]
            ),
            "{context}"
        );
        assert!(
            in_order(dump, &["task 1 \"sleeper\", idle for ", "outer_level", "waits on: sleep, "]),
            "{context}"
        );
        if level == Some("0") {
            // No file:line: functions by name where they kept a frame of their own, and once per
            // report, how to get file:line.
            // Nothing after the function's name but, on an overloaded host, the clause on the
            // worker's time waiting for a CPU.
            let after = headline.split_once(", in reload_config → spin_parse_config").map(|(_, after)| after);
            assert!(after.is_some_and(|a| a.is_empty() || a.starts_with("; ")), "{context}");
            assert!(report.contains("\n      spin_parse_config\n"), "{context}");
            assert_eq!(
                (dump.matches(NO_LINES).count(), report.matches(NO_LINES).count()),
                (1, 1),
                "{context}"
            );
            continue;
        }
        // Every function of the chains by name, with file and line relative to the working
        // directory; the runtime's, std's and libc's frames folded into counts.
        assert!(headline.contains(&format!(", in reload_config → {}", at("spin_parse_config"))), "{context}");
        assert!(
            in_order(
                dump,
                &[
                    &at("└─ reload_config"),
                    &at("└─ spin_parse_config"),
                    " frames of std and libc; stack captured by the watchdog)"
                ]
            ),
            "{context}"
        );
        assert!(
            in_order(
                dump,
                &[
                    &at("└─ outer_level"),
                    &at("└─ middle_level"),
                    &at("└─ inner_sleep_forever"),
                    "└─ waits on: sleep, "
                ]
            ),
            "{context}"
        );
        assert!(
            in_order(
                report,
                &[
                    " frames of std and libc, in ",
                    &at("\n      spin_parse_config"),
                    &at("\n      reload_config"),
                    " frames of std, glasswing and libc\n"
                ]
            ),
            "{context}"
        );
        assert!(!out.contains(NO_LINES), "{context}");
    }
}
