//! Each chapter of docs/build-your-own/ walks through its step's program by quoting it, piece by
//! piece, in order. This test keeps the two from drifting apart: the chapter's ```rust blocks, read in
//! order, must be the whole step file, with nothing between them but blank lines. Edit the program
//! and the chapter together.

use std::path::Path;

const STEPS: [(&str, &str); 6] = [
    ("01-a-future-by-hand.md", "step1_future.rs"),
    ("02-a-minimal-executor.md", "step2_executor.rs"),
    ("03-a-timer.md", "step3_timer.rs"),
    ("04-a-reactor.md", "step4_reactor.rs"),
    ("05-work-stealing.md", "step5_workers.rs"),
    ("06-instrumenting.md", "step6_instrument.rs"),
];

/// The bodies of the chapter's ```rust blocks, in order.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_end() == "```rust" => current = Some(String::new()),
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "a ```rust block is never closed");
    blocks
}

/// Where the chapter's quotes and the file part, or `None` when they agree.
fn first_difference(blocks: &[String], source: &str) -> Option<String> {
    let mut rest = source;
    for (i, block) in blocks.iter().enumerate() {
        let skipped = rest.len() - rest.trim_start_matches('\n').len();
        rest = &rest[skipped..];
        if !rest.starts_with(block.as_str()) {
            let line = source[..source.len() - rest.len()].lines().count() + 1;
            return Some(format!(
                "rust block {} of the chapter is not the file's text at line {line}; the block starts \
                 with {:?}",
                i + 1,
                block.lines().next().unwrap_or("")
            ));
        }
        rest = &rest[block.len()..];
    }
    if rest.trim().is_empty() {
        None
    } else {
        Some(format!(
            "the chapter stops quoting before the end of the file; unquoted: {:?}",
            rest.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
        ))
    }
}

#[test]
fn each_chapter_quotes_its_whole_step_in_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut failures = Vec::new();
    for (chapter, step) in STEPS {
        let chapter_path = root.join("docs/build-your-own").join(chapter);
        let step_path = root.join("examples/build_your_own").join(step);
        let markdown = std::fs::read_to_string(&chapter_path).unwrap();
        let source = std::fs::read_to_string(&step_path).unwrap();
        let blocks = rust_blocks(&markdown);
        assert!(!blocks.is_empty(), "{chapter} quotes no code");
        if let Some(difference) = first_difference(&blocks, &source) {
            failures.push(format!(
                "docs/build-your-own/{chapter} against examples/build_your_own/{step}: {difference}"
            ));
        }
    }
    assert!(failures.is_empty(), "chapters and programs disagree:\n{}", failures.join("\n"));
}

#[test]
fn a_changed_line_is_found() {
    let source = "fn a() {}\n\nfn b() {}\n";
    let quoted = ["fn a() {}\n".to_string(), "fn b() {}\n".to_string()];
    assert_eq!(first_difference(&quoted, source), None);
    let stale = ["fn a() {}\n".to_string(), "fn c() {}\n".to_string()];
    assert!(first_difference(&stale, source).unwrap().contains("block 2"));
    assert!(first_difference(&quoted[..1], source).unwrap().contains("stops quoting"));
}
