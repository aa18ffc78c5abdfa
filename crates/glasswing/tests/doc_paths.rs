//! Every repository path that the docs cite must exist, and every `file:line` must point inside its
//! file: a chapter that names `scheduler/multi_thread/worker.rs` is read side by side with that
//! file, and a renamed or moved file must take its citations along.
//!
//! Scanned: `README.md`, `BENCHMARKS.md` and every `.md` file under `docs/`, subfolders included.
//!
//! What counts as a citation:
//! - an inline code span (`` `...` ``) that is a path: only letters, digits and `._-/`, at least one
//!   `/`, optionally followed by `:line`, `:line:column` or `:first-last`; and that either ends in a
//!   known file extension (`.rs`, `.md`, `.toml`, ...), starts with a folder of the repository
//!   (`crates/`, `src/`, `docs/`, `examples/`, `compat/`, `tests/`, `.ci/`), or ends in `/` (a
//!   folder);
//! - a Markdown link's target that is not a URL or an anchor (`[x](fs.md)`, `[y](../README.md)`),
//!   resolved as a browser would, against the folder of the document;
//! - outside code spans, and in fenced blocks too (the real output of the examples names their
//!   lines), a word that starts with `crates/`, `compat/`, `docs/`, `examples/` or `.ci/`.
//!
//! How a short form resolves: the docs write paths relative to the crate they are about
//! (`src/task/raw.rs`, `task/raw.rs`, `tests/fairness.rs`), so a code span is looked up against the
//! repository root, the document's folder, each crate's folder (`crates/*/`, `compat/*/`) and each
//! crate's `src/`; it is a good citation if one of these has it.
//!
//! Not checked: absolute paths (`/proc/self/fd`, the console's `/api/tasks`), placeholders
//! (`crate-x.y.z/`, `.../registry/src/`), build outputs (a `target/` component), and files of other
//! projects, named by their first folder (`tokio/src/...`, std's `library/`).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// File extensions that make a code span a file citation.
const EXTENSIONS: &[&str] = &[
    "rs", "md", "toml", "sh", "py", "json", "png", "yml", "yaml", "txt", "lock", "html", "js", "css", "c",
    "h", "proto", "svg",
];

/// First folders that make a code span a path even without an extension.
const ROOTS: &[&str] = &["crates", "compat", "docs", "examples", "src", "tests", "benches", ".ci"];

/// First folders of bare words (outside code spans) taken as citations: only those that name
/// this repository unambiguously.
const BARE_ROOTS: &[&str] = &["crates/", "compat/", "docs/", "examples/", ".ci/"];

/// First folders of paths into other projects' sources, cited as such ("Tokio keeps it in
/// `tokio/src/runtime/io/scheduled_io.rs`").
const EXTERNAL: &[&str] = &["tokio", "mio", "library", "std", "core", "alloc"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An inline code span.
    Code,
    /// A Markdown link's target.
    Link,
    /// A word in prose or in a fenced block.
    Bare,
}

#[derive(Debug, PartialEq, Eq)]
struct Citation {
    line: usize,
    kind: Kind,
    /// The path as written, without `:line`.
    path: String,
    /// The last line the citation needs: `file:12` needs 12, `file:10-20` needs 20.
    needs_line: Option<usize>,
    /// As written in the document, for the message.
    written: String,
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the repository root")
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// Splits `path:12`, `path:12:5` or `path:10-20` into the path and the last line it needs.
/// `None` if what follows the first `:` is not one of these shapes (then it is not a citation).
fn split_line(s: &str) -> Option<(&str, Option<usize>)> {
    let Some((path, rest)) = s.split_once(':') else {
        return Some((s, None));
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (lines, column) = match rest.split_once(':') {
        Some((l, c)) => (l, Some(c)),
        None => (rest, None),
    };
    if column.is_some_and(|c| !digits(c)) {
        return None;
    }
    let last = match lines.split_once('-') {
        Some((a, b)) if digits(a) && digits(b) => b,
        None if digits(lines) => lines,
        _ => return None,
    };
    Some((path, Some(last.parse().ok()?)))
}

fn path_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
}

/// Whether a code span or bare word (its path part) names a file or folder of this repository.
fn looks_like_repo_path(path: &str) -> bool {
    if !path.contains('/') || !path_chars(path) || path.starts_with('/') || path.starts_with("..") {
        return false;
    }
    let first = path.split('/').next().unwrap_or("");
    if EXTERNAL.contains(&first) || path.split('/').any(|c| c == "target" || c.contains("x.y.z")) {
        return false;
    }
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let has_extension =
        last.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext));
    has_extension || ROOTS.contains(&first) || path.ends_with('/')
}

fn code_citation(line: usize, span: &str, kind: Kind) -> Option<Citation> {
    let (path, needs_line) = split_line(span)?;
    looks_like_repo_path(path).then(|| Citation {
        line,
        kind,
        path: path.to_string(),
        needs_line,
        written: span.to_string(),
    })
}

fn link_citation(line: usize, target: &str) -> Option<Citation> {
    if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
        return None;
    }
    let path = target.split('#').next().unwrap_or("");
    if path.is_empty() || path.starts_with('/') {
        return None;
    }
    Some(Citation {
        line,
        kind: Kind::Link,
        path: path.to_string(),
        needs_line: None,
        written: target.to_string(),
    })
}

/// Bare words starting with one of `BARE_ROOTS`, with their `:line` if any.
fn bare_citations(line: usize, text: &str, out: &mut Vec<Citation>) {
    let bytes = text.as_bytes();
    let word_byte = |b: u8| b.is_ascii_alphanumeric() || b"._-/:".contains(&b);
    let mut i = 0;
    while i < bytes.len() {
        let starts = (i == 0 || !word_byte(bytes[i - 1]))
            && BARE_ROOTS.iter().any(|r| bytes[i..].starts_with(r.as_bytes()));
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && word_byte(bytes[end]) {
            end += 1;
        }
        // A sentence's full stop, a colon before a list, a closing slash: not part of the path.
        let word = text[i..end].trim_end_matches(['.', ':', '-']);
        if let Some(c) = code_citation(line, word, Kind::Bare) {
            out.push(c);
        }
        i = end;
    }
}

/// Every citation in a Markdown document, with its line number (1-based).
fn citations(doc: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    // The lines of the current paragraph: a code span may wrap onto the next line.
    let mut paragraph: Vec<&str> = Vec::new();
    let mut first_line = 1;
    for (index, text) in doc.lines().enumerate() {
        let line = index + 1;
        let trimmed = text.trim_start();
        let is_fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        if fence.is_some() || is_fence || trimmed.is_empty() {
            prose_citations(first_line, &paragraph.join("\n"), &mut out);
            paragraph.clear();
            if is_fence {
                let marker = &trimmed[..3];
                fence = match fence {
                    None => Some(marker),
                    Some(open) if open == marker => None,
                    other => other,
                };
            }
            if fence.is_some() || is_fence {
                bare_citations(line, text, &mut out);
            }
            continue;
        }
        if paragraph.is_empty() {
            first_line = line;
        }
        paragraph.push(text);
    }
    prose_citations(first_line, &paragraph.join("\n"), &mut out);
    out.sort_by_key(|c| c.line);
    out
}

/// The citations of one paragraph that starts at `first_line`: code spans first (over the whole
/// paragraph, since a span may wrap), then, line by line, links and bare words in what is left.
fn prose_citations(first_line: usize, paragraph: &str, out: &mut Vec<Citation>) {
    let line_of = |offset: usize| first_line + paragraph[..offset].matches('\n').count();
    // The paragraph with each code span replaced by a space and the line breaks it held, so that
    // the lines of `prose` keep their numbers.
    let mut prose = String::new();
    let mut rest = paragraph;
    let mut offset = 0;
    while let Some(open) = rest.find('`') {
        prose.push_str(&rest[..open]);
        let ticks = rest[open..].bytes().take_while(|&b| b == b'`').count();
        let delimiter = &rest[open..open + ticks];
        let after = &rest[open + ticks..];
        match after.find(delimiter) {
            Some(close) => {
                let span = &after[..close];
                // A span that wraps reads as one line, its break a space (CommonMark's rule).
                let content = span.replace('\n', " ");
                if let Some(c) = code_citation(line_of(offset + open), content.trim(), Kind::Code) {
                    out.push(c);
                }
                prose.push(' ');
                prose.extend(std::iter::repeat_n('\n', span.matches('\n').count()));
                let consumed = open + ticks + close + ticks;
                rest = &rest[consumed..];
                offset += consumed;
            }
            None => {
                prose.push_str(delimiter);
                rest = after;
                offset += open + ticks;
            }
        }
    }
    prose.push_str(rest);
    for (index, text) in prose.split('\n').enumerate() {
        let line = first_line + index;
        let mut without_links = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("](") {
            without_links.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let close = after.find(')').unwrap_or(after.len());
            if let Some(c) = link_citation(line, after[..close].trim()) {
                out.push(c);
            }
            rest = after.get(close + 1..).unwrap_or("");
        }
        without_links.push_str(rest);
        bare_citations(line, &without_links, out);
    }
}

fn line_count(path: &Path) -> usize {
    let text = fs::read(path).unwrap_or_default();
    let newlines = text.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(text.last().is_some_and(|&b| b != b'\n'))
}

/// The folders a code span or bare word is looked up in besides the repository root and the
/// document's folder: each crate's folder and its `src/`. Read once for all the docs.
fn crate_bases(root: &Path) -> Vec<PathBuf> {
    let mut bases = Vec::new();
    for parent in ["crates", "compat"] {
        let mut crates: Vec<_> = fs::read_dir(root.join(parent))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        crates.sort();
        for krate in crates {
            if krate.join("Cargo.toml").is_file() {
                bases.push(krate.join("src"));
                bases.push(krate);
            }
        }
    }
    bases
}

/// Why the citation is wrong, or `None` if it is good.
fn check(citation: &Citation, root: &Path, doc_dir: &Path, crate_bases: &[PathBuf]) -> Option<String> {
    let candidates = match citation.kind {
        Kind::Link => vec![doc_dir.join(&citation.path)],
        Kind::Code | Kind::Bare => [root, doc_dir]
            .into_iter()
            .chain(crate_bases.iter().map(PathBuf::as_path))
            .map(|b| b.join(&citation.path))
            .collect(),
    };
    let mut too_short = None;
    for candidate in candidates {
        if !candidate.exists() {
            continue;
        }
        match citation.needs_line {
            Some(needed) if candidate.is_file() => {
                let lines = line_count(&candidate);
                if lines >= needed {
                    return None;
                }
                too_short = Some(format!(
                    "{} has {lines} lines, the citation needs line {needed}",
                    candidate.strip_prefix(root).unwrap_or(&candidate).display()
                ));
            }
            _ => return None,
        }
    }
    Some(too_short.unwrap_or_else(|| {
        match citation.kind {
            Kind::Link => "no such file, relative to the document's folder".to_string(),
            _ => "no such file or folder under the repository root, the document's folder, \
              crates/*/, compat/*/ or their src/"
                .to_string(),
        }
    }))
}

#[test]
fn every_path_the_docs_cite_exists() {
    let root = repo_root();
    let mut docs = vec![root.join("README.md"), root.join("BENCHMARKS.md")];
    markdown_files(&root.join("docs"), &mut docs);
    let crate_bases = crate_bases(&root);
    let mut problems = String::new();
    let mut count = 0;
    for doc in &docs {
        let Ok(text) = fs::read_to_string(doc) else {
            continue;
        };
        let doc_dir = doc.parent().unwrap();
        let shown = doc.strip_prefix(&root).unwrap_or(doc).display();
        for citation in citations(&text) {
            count += 1;
            if let Some(why) = check(&citation, &root, doc_dir, &crate_bases) {
                let _ = writeln!(problems, "  {shown}:{}: `{}`: {why}", citation.line, citation.written);
            }
        }
    }
    assert!(count > 100, "found only {count} citations: is the scanner broken?");
    assert!(
        problems.is_empty(),
        "the docs cite paths that do not exist (write the path relative to the repository root, \
         or to the crate's folder or its src/ as `src/task/raw.rs` or `task/raw.rs`; a link, \
         relative to the document):\n{problems}"
    );
}

#[test]
fn what_counts_as_a_citation() {
    let doc = "\
See `crates/glasswing/src/task/raw.rs`, `task/state.rs:12`, `src/io/` and `examples/a.rs:3:9`.
Not paths: `mt/timer_fire`, `/api/tasks`, `tokio/src/lib.rs`, `crate-x.y.z/`, `a b/c.rs`, `x::y`.
A [link](fs.md#section), [another](../README.md), [web](https://example.com/a.rs), [anchor](#x).
In prose: compat/tokio and examples/dump.rs:85. A span that `wraps
onto the next line`, then `crates/glasswing/src/io/driver.rs`.
```text
  load_config at examples/blocking.rs:16 and futures-channel-0.3.34/src/oneshot.rs:267
```
";
    let found: Vec<_> = citations(doc).into_iter().map(|c| (c.line, c.kind, c.path, c.needs_line)).collect();
    let expected = vec![
        (1, Kind::Code, "crates/glasswing/src/task/raw.rs".into(), None),
        (1, Kind::Code, "task/state.rs".into(), Some(12)),
        (1, Kind::Code, "src/io/".into(), None),
        (1, Kind::Code, "examples/a.rs".into(), Some(3)),
        (3, Kind::Link, "fs.md".into(), None),
        (3, Kind::Link, "../README.md".into(), None),
        (4, Kind::Bare, "compat/tokio".into(), None),
        (4, Kind::Bare, "examples/dump.rs".into(), Some(85)),
        (5, Kind::Code, "crates/glasswing/src/io/driver.rs".into(), None),
        (7, Kind::Bare, "examples/blocking.rs".into(), Some(16)),
    ];
    assert_eq!(found, expected);
    assert_eq!(split_line("a.rs:10-20"), Some(("a.rs", Some(20))));
    assert_eq!(split_line("a.rs:x"), None);
}
