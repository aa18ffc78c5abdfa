//! Frames of a captured stack: symbolized, classified by whose code they are, named, and folded for
//! people to read. The watchdog's stacks (`probe/stack.rs`) and the dump's chains (`dump/trace.rs`) both
//! come through here.
//!
//! Why classify by file first: the debug information users ship differs. With `debug = 1` or `2`
//! every frame has a qualified name (`app::config::reload`), but with `debug = "line-tables-only"`,
//! the setting that gives file:line for the least size, DWARF keeps only the last part of a name
//! (`{async_fn#0}`, `poll<T>`), and with `debug = 0` there is no DWARF: names come from the symbol
//! table, and functions inlined into others are gone. The file of a frame says whose code it is at
//! every level that has files: the toolchain's sources are under `/rustc/<hash>/library/`, the
//! registry's under `.../registry/src/`, and the runtime's own under its source directory, known
//! here at compile time. Without a file, the qualified name from the symbol table says it.
//!
//! Names: where DWARF has only a short name for a function that was not inlined, the symbol table
//! has the qualified one (`symtab.rs`). What is left unnamed is an async fn or a closure inlined
//! into its caller at `line-tables-only`: it is named after the `fn` that encloses its line in the
//! source file, when that file can be read, else after the task's future type where the runtime's
//! frames around it name that type.

use serde::Serialize;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// One frame of a captured stack.
///
/// # Examples
///
/// Frames come in a [`LongPoll`](crate::diag::LongPoll)'s `stack`; here one made by hand:
///
/// ```
/// use glasswing::diag::{FrameOrigin, StackFrame};
///
/// let frame = StackFrame {
///     function: Some("app::store::Cache::load".to_string()),
///     file: Some("src/store.rs".to_string()),
///     line: Some(42),
///     origin: FrameOrigin::Program,
/// };
/// assert_eq!(frame.short_name(), "Cache::load");
/// assert_eq!(frame.to_string(), "app::store::Cache::load at src/store.rs:42");
/// ```
#[derive(Clone, Debug, Serialize, PartialEq, Eq, Hash)]
pub struct StackFrame {
    /// The function: its qualified name where the debug information or the symbol table has it
    /// (`app::config::reload`; an async fn's body is shown as the fn), else the short name debug
    /// information has (`poll<T>`), or the name of the `fn` around its line in the source.
    pub function: Option<String>,
    /// The source file, as the debug information has it (an absolute path, as a rule).
    pub file: Option<String>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// Whose code it is.
    pub origin: FrameOrigin,
}

/// Whose code a frame is in.
///
/// # Examples
///
/// ```
/// use glasswing::diag::FrameOrigin;
///
/// // A report shows the frames of the program and of its dependencies, and folds the others.
/// assert!(FrameOrigin::Program.is_shown());
/// assert!(FrameOrigin::Dependency.is_shown());
/// assert!(!FrameOrigin::Std.is_shown());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameOrigin {
    /// The program's own code (anything that is none of the others, so a vendored or path
    /// dependency counts here too).
    Program,
    /// A dependency from a registry or a git source.
    Dependency,
    /// Glasswing itself.
    Runtime,
    /// Rust's standard library (std, core, alloc).
    Std,
    /// Code without Rust source: the C library, the kernel's signal trampoline, or a frame with no
    /// symbol at all.
    System,
}

impl FrameOrigin {
    /// Frames a text report shows; the others fold into a count.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::FrameOrigin;
    ///
    /// assert!(FrameOrigin::Program.is_shown());
    /// assert!(!FrameOrigin::Runtime.is_shown());
    /// ```
    pub fn is_shown(self) -> bool {
        matches!(self, FrameOrigin::Program | FrameOrigin::Dependency)
    }

    fn word(self) -> &'static str {
        match self {
            FrameOrigin::Program => "the program",
            FrameOrigin::Dependency => "dependencies",
            FrameOrigin::Runtime => "glasswing",
            FrameOrigin::Std => "std",
            FrameOrigin::System => "libc",
        }
    }
}

impl StackFrame {
    /// The frames at instruction pointer `ip` (a return address, or the exact address of a frame a
    /// signal interrupted): several where functions were inlined there, the innermost first; one
    /// without a name if it has no symbol.
    pub(crate) fn resolve(ip: usize) -> Vec<StackFrame> {
        resolve_all(&[ip]).pop().expect("one address, one entry")
    }

    fn from_resolved(resolved: super::symtab::Resolved) -> Vec<StackFrame> {
        let mut frames: Vec<StackFrame> =
            resolved.frames.into_iter().map(|f| StackFrame::new(f.function, f.file, f.line)).collect();
        if frames.is_empty() {
            frames.push(StackFrame::new(resolved.symbol.clone(), None, None));
        }
        // The outermost record at an address is the function the code belongs to, which the symbol
        // table names in full where DWARF (at `line-tables-only`) has only its last part.
        let outermost = frames.last_mut().expect("one frame at least");
        if !outermost.function.as_deref().is_some_and(is_qualified) {
            if let Some(name) = resolved.symbol {
                outermost.function = Some(name);
                outermost.origin = classify(outermost.function.as_deref(), outermost.file.as_deref());
            }
        }
        for frame in &mut frames {
            frame.name_from_source();
            frame.function = frame.function.as_deref().map(tidy);
        }
        frames
    }

    fn new(function: Option<String>, file: Option<String>, line: Option<u32>) -> StackFrame {
        let origin = classify(function.as_deref(), file.as_deref());
        StackFrame { function, file, line, origin }
    }

    /// An async fn or closure body with no name but its own (`{async_fn#0}`): named after the `fn`
    /// that encloses its line in the source, if the file can be read.
    fn name_from_source(&mut self) {
        if !self.origin.is_shown() || !self.function.as_deref().is_none_or(is_anonymous) {
            return;
        }
        let (Some(file), Some(line)) = (&self.file, self.line) else { return };
        if let Some(name) = enclosing_fn(Path::new(file), line) {
            self.function = Some(name);
        }
    }

    /// The function's name for people: the last part of its path (with its type, for a method),
    /// without generic arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::{FrameOrigin, StackFrame};
    ///
    /// let frame = StackFrame {
    ///     function: Some("app::net::serve".to_string()),
    ///     file: None,
    ///     line: None,
    ///     origin: FrameOrigin::Program,
    /// };
    /// assert_eq!(frame.short_name(), "serve");
    /// ```
    pub fn short_name(&self) -> String {
        match self.function.as_deref() {
            Some(name) if is_anonymous(name) => {
                if name.starts_with("{async") {
                    "async fn".into()
                } else {
                    "closure".into()
                }
            }
            Some(name) => short(name),
            None => "<unknown>".into(),
        }
    }

    /// `function at file:line`, the function by its short name and the file relative to the working
    /// directory (a registry crate's from `crate-x.y.z/` on, std's from `library/` on).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::{FrameOrigin, StackFrame};
    ///
    /// let frame = StackFrame {
    ///     function: Some("app::net::serve".to_string()),
    ///     file: Some("src/net.rs".to_string()),
    ///     line: Some(7),
    ///     origin: FrameOrigin::Program,
    /// };
    /// assert_eq!(frame.label(), "serve at src/net.rs:7");
    /// ```
    pub fn label(&self) -> String {
        let name = self.short_name();
        match (&self.file, self.line) {
            (Some(file), Some(line)) => format!("{name} at {}:{line}", relative_path(file)),
            _ => name,
        }
    }
}

/// `function at file:line`, with the full name and path: what the JSON has too.
impl fmt::Display for StackFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.function.as_deref().unwrap_or("<unknown>"))?;
        if let (Some(file), Some(line)) = (&self.file, self.line) {
            write!(f, " at {file}:{line}")?;
        }
        Ok(())
    }
}

/// Symbolizes a captured stack, innermost first; names what is left unnamed with the help of the
/// frames around it. (Only `probe/stack.rs` captures stacks of bare addresses; elsewhere the
/// watchdog never has one to give `symbolizer.rs`.)
pub(crate) fn symbolize(ips: &[usize]) -> Vec<StackFrame> {
    let mut frames: Vec<StackFrame> = resolve_all(ips).into_iter().flatten().collect();
    name_task_futures(&mut frames);
    frames
}

/// The frames at each of `ips` (`StackFrame::resolve`), read in one pass over the binary's
/// debug information (`symtab.rs`).
///
/// What an address resolved to is kept in a bounded cache (`RESOLVED`), so that dumps taken one
/// after another, which see the same few hundred addresses, read the debug information only for
/// addresses not seen before: reading it is milliseconds per unit in a release build and far more
/// in a debug one.
pub(crate) fn resolve_all(ips: &[usize]) -> Vec<Vec<StackFrame>> {
    let mut out: Vec<Option<Vec<StackFrame>>> = Vec::with_capacity(ips.len());
    let mut missing: Vec<usize> = Vec::new();
    {
        let cache = RESOLVED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for &ip in ips {
            let found = cache.as_ref().and_then(|c| c.get(&ip)).cloned();
            if found.is_none() {
                missing.push(ip);
            }
            out.push(found);
        }
    }
    if !missing.is_empty() {
        missing.sort_unstable();
        missing.dedup();
        // A return address is looked up at the byte before it: the call, not what follows it.
        let lookups: Vec<usize> = missing.iter().map(|ip| ip.wrapping_sub(1)).collect();
        let resolved: Vec<Vec<StackFrame>> =
            super::symtab::resolve(&lookups).into_iter().map(StackFrame::from_resolved).collect();
        for (ip, frames) in ips.iter().zip(&mut out) {
            if frames.is_none() {
                let k = missing.binary_search(ip).expect("every missing address was resolved");
                *frames = Some(resolved[k].clone());
            }
        }
        let mut cache = RESOLVED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let cache = cache.get_or_insert_with(HashMap::new);
        // Bounded: emptied when full rather than kept in use order, which a dump's working set of
        // addresses, far under the bound, does not need.
        if cache.len() + missing.len() > RESOLVED_AT_MOST {
            cache.clear();
        }
        for (ip, frames) in missing.into_iter().zip(resolved).take(RESOLVED_AT_MOST) {
            cache.insert(ip, frames);
        }
    }
    out.into_iter().map(|f| f.expect("resolved")).collect()
}

/// At most this many addresses are kept resolved: a few hundred bytes each (names and paths), so
/// about a megabyte at most, and in practice the few hundred addresses of a program's stacks.
const RESOLVED_AT_MOST: usize = 4096;

/// Instruction pointer (as captured) -> its frames.
static RESOLVED: std::sync::Mutex<Option<HashMap<usize, Vec<StackFrame>>>> = std::sync::Mutex::new(None);

/// An anonymous body called straight from the runtime's poll of a task is the task's future: at
/// `line-tables-only` the runtime's generic frames around it name its type
/// (`{closure#0}<app::serve::{async_fn_env#0}, ...>`). `frames` is innermost first.
pub(crate) fn name_task_futures(frames: &mut [StackFrame]) {
    for i in 0..frames.len().saturating_sub(1) {
        let anonymous =
            frames[i].origin.is_shown() && frames[i].function.as_deref().is_some_and(is_anonymous);
        let caller = &frames[i + 1];
        if !anonymous || caller.origin != FrameOrigin::Runtime {
            continue;
        }
        let Some(arg) = caller.function.as_deref().and_then(first_generic_arg) else { continue };
        let ty = tidy(arg);
        if is_qualified(&ty) && ty != arg {
            frames[i].function = Some(ty);
        }
    }
}

/// Whose code a frame is: by its file where it has one, else by its name.
fn classify(function: Option<&str>, file: Option<&str>) -> FrameOrigin {
    match file {
        Some(file) if !file.ends_with(".rs") => FrameOrigin::System,
        Some(file) if file.contains("/rustc/") || file.contains("/lib/rustlib/src/rust/library/") => {
            FrameOrigin::Std
        }
        Some(file) if is_runtime_file(file) => FrameOrigin::Runtime,
        Some(file) if file.contains("/registry/src/") || file.contains("/git/checkouts/") => {
            FrameOrigin::Dependency
        }
        Some(_) => FrameOrigin::Program,
        None => match function.and_then(crate_of) {
            None => FrameOrigin::System,
            Some("std" | "core" | "alloc") => FrameOrigin::Std,
            Some("glasswing") => FrameOrigin::Runtime,
            // Without a file a dependency cannot be told from the program, but for these two: the
            // stack capture's own machinery.
            Some("backtrace" | "signal_hook_registry") => FrameOrigin::Dependency,
            Some(_) => FrameOrigin::Program,
        },
    }
}

/// Whether `file` is one of glasswing's own sources. Its source directory is known at compile
/// time, as an absolute path (`CARGO_MANIFEST_DIR`) and as the compiler wrote paths into debug
/// information (`file!()`, relative to the workspace for a workspace member, and remapped the same
/// way under `--remap-path-prefix`).
fn is_runtime_file(file: &str) -> bool {
    const MANIFEST_SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/");
    if file.starts_with(MANIFEST_SRC) {
        return true;
    }
    let src_dir = file!().strip_suffix("diag/frame.rs").unwrap_or(MANIFEST_SRC);
    if Path::new(src_dir).is_absolute() || src_dir.starts_with('.') {
        file.starts_with(src_dir)
    } else {
        file.starts_with(src_dir) || file.split_once(&format!("/{src_dir}")).is_some()
    }
}

/// The crate a qualified function name belongs to: the first part of its path, or for a trait
/// method (`<T as Trait>::f`) the type's crate, or the trait's where the type is not a path
/// (`<&mut F as core::future::Future>::poll`). `None` for a name that is no Rust path (`clone3`).
fn crate_of(name: &str) -> Option<&str> {
    let mut name = name.trim_start_matches('<');
    if let Some((ty, rest)) = split_as(name) {
        name = if ty.contains("::") { ty } else { rest };
    }
    let name =
        name.trim_start_matches(['&', '*', '<']).trim_start_matches("mut ").trim_start_matches("const ");
    let end = name.find("::")?;
    let krate = &name[..end];
    (!krate.is_empty() && krate.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(krate)
}

/// `T as Trait>::f` split at ` as ` at the top level of `<...>`: (`T`, `Trait>::f`).
fn split_as(name: &str) -> Option<(&str, &str)> {
    let mut depth = 0;
    for (i, c) in name.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ' ' if depth == 0 && name[i..].starts_with(" as ") => return Some((&name[..i], &name[i + 4..])),
            _ => {}
        }
    }
    None
}

/// Whether a name has a path outside its generic arguments (`a::b`, `<a::B as c::D>::f`), as
/// opposed to DWARF's short names at `line-tables-only` (`{closure#0}<a::B>`, `poll<a::B>`).
fn is_qualified(name: &str) -> bool {
    without_generics(name).contains("::")
}

/// `{async_fn#0}`, `{closure#1}`, `{async_block#0}`: a body DWARF names by its kind only.
fn is_anonymous(name: &str) -> bool {
    without_generics(name).starts_with('{')
}

/// The name with every `<...>` removed, except a leading one (`<T as Trait>::f` keeps it, minus
/// what is inside the type's and the trait's own generic arguments).
fn without_generics(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut depth = 0usize;
    let mut qualified_self = name.starts_with('<');
    for c in name.chars() {
        match c {
            '<' if qualified_self && depth == 0 => {
                qualified_self = false;
                out.push(c);
                // Counts as a level that `>` below does not close: the `as` form ends in `>::`.
                depth = usize::MAX / 2;
            }
            '<' => depth += 1,
            '>' if depth == usize::MAX / 2 => {
                out.push(c);
                depth = 0;
            }
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 || depth == usize::MAX / 2 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The first generic argument of a name (`f<a::B, C>` gives `a::B`).
fn first_generic_arg(name: &str) -> Option<&str> {
    let start = name.find('<')? + 1;
    let mut depth = 0;
    for (i, c) in name[start..].char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => return Some(&name[start..start + i]),
            '>' => depth -= 1,
            ',' if depth == 0 => return Some(&name[start..start + i]),
            _ => {}
        }
    }
    None
}

/// An async fn's or a closure's body as the fn it is in: `path::to::f::{{closure}}` (legacy
/// symbol names), `path::to::f::{closure#0}` or `{async_fn#0}` (v0 names, DWARF), and the future's
/// type, `path::to::f::{async_fn_env#0}`, all become `path::to::f`; `as core::future::future::Future>`
/// becomes `as Future>`.
pub(crate) fn tidy(name: &str) -> String {
    let mut name = name;
    loop {
        if let Some(outer) = name.strip_suffix("::{{closure}}") {
            name = outer;
        } else if let Some((outer, _)) = name.rsplit_once("::{").filter(|(outer, n)| {
            !outer.is_empty() && n.ends_with('}') && !n.contains("::") && n.contains('#')
        }) {
            name = outer;
        } else {
            break;
        }
    }
    name.replace(" as core::future::future::Future>", " as Future>")
}

/// The last part of a qualified name, with its type for a method (`Receiver::poll`, `reload`).
pub(crate) fn short(name: &str) -> String {
    let name = tidy(name);
    let plain = without_generics(&name);
    // `<a::T as b::Trait>::f`: `T::f`.
    let plain = match plain.strip_prefix('<').and_then(split_as) {
        Some((ty, rest)) => {
            let method = rest.rsplit("::").next().unwrap_or(rest);
            format!("{}::{method}", ty.rsplit("::").next().unwrap_or(ty))
        }
        None => plain,
    };
    let mut parts = plain.rsplit("::");
    let last = parts.next().unwrap_or(&plain).to_string();
    match parts.next() {
        Some(ty) if ty.starts_with(|c: char| c.is_ascii_uppercase()) => format!("{ty}::{last}"),
        _ => last,
    }
}

/// A path as a report shows it: relative to the working directory; a registry crate's from its
/// `crate-x.y.z/` on; std's from `library/` on (no `/rustc/<hash>/`); else as it is.
pub(crate) fn relative_path(file: &str) -> String {
    if let Some(rest) =
        std::env::current_dir().ok().and_then(|d| file.strip_prefix(&*d.to_string_lossy()).map(str::to_owned))
    {
        if let Some(rest) = rest.strip_prefix('/') {
            return rest.to_string();
        }
    }
    if let Some(at) = file.find("/registry/src/") {
        // `.../registry/src/<index>/<crate>-<version>/src/...`
        let rest = &file[at + "/registry/src/".len()..];
        return rest.split_once('/').map_or(rest, |(_, crate_path)| crate_path).to_string();
    }
    if let Some(at) = file.find("/library/").filter(|_| file.contains("/rustc/")) {
        return file[at + 1..].to_string();
    }
    file.to_string()
}

/// The name of the `fn` whose body holds line `line` of `file`: the nearest `fn` declaration at
/// or above it that is indented less than the line (or is on that line). The file is read where
/// debug info says it is: an absolute path, or for the workspace's own crates a path relative to
/// the workspace, which is looked up from the working directory (a binary run elsewhere finds no
/// file there, and keeps the name it had).
fn enclosing_fn(file: &Path, line: u32) -> Option<String> {
    let text = source_text(file)?;
    let lines: Vec<&str> = text.lines().take(line as usize).collect();
    let target = lines.last()?;
    let indent = |l: &str| l.len() - l.trim_start().len();
    let target_indent = indent(target);
    for (i, l) in lines.iter().enumerate().rev() {
        let on_the_line = i + 1 == lines.len();
        if !(on_the_line || (!l.trim().is_empty() && indent(l) < target_indent)) {
            continue;
        }
        if let Some(name) = fn_declared(l) {
            return Some(name.to_string());
        }
    }
    None
}

/// The text of a source file, read once per process (a dump names many frames of the same files).
fn source_text(file: &Path) -> Option<std::sync::Arc<str>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    /// Files kept at most: a program's own sources, as stacks show them.
    const KEPT: usize = 256;
    static SOURCES: Mutex<Option<HashMap<std::path::PathBuf, Option<Arc<str>>>>> = Mutex::new(None);
    let mut sources = SOURCES.lock().unwrap_or_else(|e| e.into_inner());
    let sources = sources.get_or_insert_with(HashMap::new);
    if let Some(text) = sources.get(file) {
        return text.clone();
    }
    if sources.len() >= KEPT {
        sources.clear();
    }
    let text: Option<Arc<str>> = std::fs::read_to_string(file).ok().map(Arc::from);
    sources.insert(file.to_path_buf(), text.clone());
    text
}

/// `name` if `line` declares `fn name` (after `pub`, `async`, `unsafe`, `const`, `extern "C"`).
fn fn_declared(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    loop {
        let before = rest;
        for prefix in ["pub(crate) ", "pub(super) ", "pub ", "async ", "unsafe ", "const ", "extern \"C\" "] {
            if let Some(r) = rest.strip_prefix(prefix) {
                rest = r.trim_start();
            }
        }
        if rest.starts_with("pub(") {
            rest = rest.split_once(") ").map_or(rest, |(_, r)| r.trim_start());
        }
        if rest == before {
            break;
        }
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// A stack as a text report shows it: the frames that are shown, and a count in place of each run
/// of frames that are not.
pub(crate) enum Line<'a> {
    Frame(&'a StackFrame),
    Folded(Folded<'a>),
}

/// A run of frames of std, the runtime and the C library, shown as one line.
pub(crate) struct Folded<'a> {
    pub(crate) frames: &'a [StackFrame],
}

impl Folded<'_> {
    /// `14 frames of std and glasswing`.
    pub(crate) fn count(&self) -> String {
        let mut origins: Vec<FrameOrigin> = Vec::new();
        for frame in self.frames {
            if !origins.contains(&frame.origin) {
                origins.push(frame.origin);
            }
        }
        // A fixed order, so that identical runs read the same.
        origins.sort_by_key(|o| {
            [FrameOrigin::Std, FrameOrigin::Runtime, FrameOrigin::System].iter().position(|x| x == o)
        });
        let words: Vec<&str> = origins.iter().map(|o| o.word()).collect();
        let words = match words.as_slice() {
            [] => String::new(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        let n = self.frames.len();
        format!("{n} frame{} of {words}", if n == 1 { "" } else { "s" })
    }

    /// The outermost frame of the run, by name: the call the program made into it (for the run at
    /// the innermost end of a stack, what the thread was doing).
    pub(crate) fn entry(&self, innermost_first: bool) -> Option<String> {
        let frame = if innermost_first { self.frames.last() } else { self.frames.first() }?;
        let name = frame.function.as_deref()?;
        Some(if is_qualified(name) { without_generics(&tidy(name)) } else { short(name) })
    }
}

impl fmt::Display for Folded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "… {}", self.count())
    }
}

/// The frames a report shows and, in place of each run of the others, one `Folded`.
pub(crate) fn fold(frames: &[StackFrame]) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut run_start = None;
    for (i, frame) in frames.iter().enumerate() {
        if frame.origin.is_shown() {
            if let Some(start) = run_start.take() {
                lines.push(Line::Folded(Folded { frames: &frames[start..i] }));
            }
            lines.push(Line::Frame(frame));
        } else if run_start.is_none() {
            run_start = Some(i);
        }
    }
    if let Some(start) = run_start {
        lines.push(Line::Folded(Folded { frames: &frames[start..] }));
    }
    lines
}

/// The note a report adds once when its stacks have no file:line.
pub(crate) const NO_LINES_NOTE: &str =
    "(these stacks have no file:line: the binary has no debug information; \
     `debug = \"line-tables-only\"` in [profile.release] gives it at little cost in size)";

/// Whether stacks with Rust frames have no file:line in any of them (a build with `debug = 0`).
pub(crate) fn lacks_lines<'a>(frames: impl IntoIterator<Item = &'a StackFrame>) -> bool {
    let mut any = false;
    // The C library may have debug information of its own (a distribution's debug package).
    for frame in frames.into_iter().filter(|f| f.origin != FrameOrigin::System) {
        if frame.line.is_some() {
            return false;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, file: Option<&str>) -> StackFrame {
        StackFrame::new(Some(function.to_string()), file.map(str::to_string), file.map(|_| 7))
    }

    #[test]
    fn an_async_fn_body_is_shown_as_the_fn() {
        assert_eq!(tidy("app::serve::{{closure}}::{{closure}}"), "app::serve");
        assert_eq!(tidy("app::serve::{closure#0}"), "app::serve");
        assert_eq!(tidy("app::serve::{async_fn#0}"), "app::serve");
        assert_eq!(tidy("app::serve::{async_fn_env#0}"), "app::serve");
        assert_eq!(tidy("<app::Recv as core::future::future::Future>::poll"), "<app::Recv as Future>::poll");
        assert_eq!(tidy("{async_fn#0}"), "{async_fn#0}");
    }

    #[test]
    fn short_names_drop_the_path_and_generics_but_keep_a_method_type() {
        assert_eq!(short("app::config::reload_config::{{closure}}"), "reload_config");
        assert_eq!(
            short("<futures_channel::oneshot::Receiver<T> as core::future::future::Future>::poll"),
            "Receiver::poll"
        );
        assert_eq!(short("futures_channel::oneshot::Inner<T>::recv"), "Inner::recv");
        assert_eq!(short("poll<dump::Config>"), "poll");
        assert_eq!(frame("{async_fn#0}", Some("/x/src/a.rs")).short_name(), "async fn");
    }

    #[test]
    fn frames_are_classified_by_file_and_without_one_by_name() {
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/src/task/core.rs");
        let std = "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panic.rs";
        let registry =
            "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/futures-util-0.3.31/src/io/read.rs";
        // At `line-tables-only` names are short: the file decides.
        assert_eq!(frame("{closure#0}<app::f::{async_fn_env#0}>", Some(here)).origin, FrameOrigin::Runtime);
        assert_eq!(frame("catch_unwind<R, F>", Some(std)).origin, FrameOrigin::Std);
        assert_eq!(frame("poll<T>", Some(registry)).origin, FrameOrigin::Dependency);
        assert_eq!(frame("{async_fn#0}", Some("/home/u/app/src/main.rs")).origin, FrameOrigin::Program);
        assert_eq!(
            frame("__GI___clock_nanosleep", Some("./time/../clock_nanosleep.c")).origin,
            FrameOrigin::System
        );
        // The same source as the compiler names it for a workspace member, or remapped.
        let relative = concat!("/elsewhere/", file!());
        assert_eq!(frame("f", Some(relative)).origin, FrameOrigin::Runtime);
        // At `debug = 0`: the symbol table's qualified names.
        assert_eq!(
            frame("glasswing::task::core::Core<T,S>::poll::{{closure}}", None).origin,
            FrameOrigin::Runtime
        );
        assert_eq!(
            frame("<alloc::boxed::Box<F,A> as core::future::future::Future>::poll", None).origin,
            FrameOrigin::Std
        );
        assert_eq!(frame("<&mut F as core::future::future::Future>::poll", None).origin, FrameOrigin::Std);
        assert_eq!(
            frame("<glasswing::time::Sleep as core::future::future::Future>::poll", None).origin,
            FrameOrigin::Runtime
        );
        assert_eq!(frame("app::reload_config::{{closure}}", None).origin, FrameOrigin::Program);
        assert_eq!(frame("clone3", None).origin, FrameOrigin::System);
        assert_eq!(StackFrame::new(None, None, None).origin, FrameOrigin::System);
    }

    #[test]
    fn the_task_future_names_an_anonymous_body_from_the_runtime_frame_around_it() {
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/src/task/core.rs");
        let mut frames = vec![
            frame("{async_fn#0}", Some("/nonexistent/app/src/main.rs")),
            frame("{closure#0}<app::reload_config::{async_fn_env#0}, alloc::sync::Arc<H>>", Some(here)),
        ];
        name_task_futures(&mut frames);
        assert_eq!(frames[0].function.as_deref(), Some("app::reload_config"));
        assert_eq!(frames[0].label(), "reload_config at /nonexistent/app/src/main.rs:7");
    }

    #[test]
    fn an_anonymous_body_is_named_after_the_fn_around_its_line() {
        // This file, at a line in the body of `fn enclosing_fn`.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/diag/frame.rs");
        let text = std::fs::read_to_string(path).unwrap();
        let body = text.lines().position(|l| l.contains("let target_indent = indent(target);")).unwrap();
        assert_eq!(enclosing_fn(Path::new(path), body as u32 + 1).as_deref(), Some("enclosing_fn"));
        assert_eq!(fn_declared("    pub(crate) async fn reload_config() {"), Some("reload_config"));
        assert_eq!(fn_declared("pub(in crate::a) unsafe fn f<T>()"), Some("f"));
        assert_eq!(fn_declared("    let f = || 1;"), None);
    }

    #[test]
    fn paths_are_relative_to_the_working_directory_or_a_crate_or_the_library() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(relative_path(&format!("{}/src/config.rs", cwd.display())), "src/config.rs");
        assert_eq!(
            relative_path(
                "/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/hyper-1.5.0/src/proto/h1/io.rs"
            ),
            "hyper-1.5.0/src/proto/h1/io.rs"
        );
        assert_eq!(
            relative_path("/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/thread/mod.rs"),
            "library/std/src/thread/mod.rs"
        );
        assert_eq!(relative_path("/elsewhere/src/lib.rs"), "/elsewhere/src/lib.rs");
    }

    #[test]
    fn runs_of_std_runtime_and_libc_frames_fold_into_one_line() {
        let std = "/rustc/0123/library/std/src/thread/functions.rs";
        let here = concat!(env!("CARGO_MANIFEST_DIR"), "/src/task/harness.rs");
        let frames = vec![
            frame("__GI___clock_nanosleep", None),
            frame("std::thread::functions::sleep", Some(std)),
            frame("app::spin_parse_config", Some("/app/src/config.rs")),
            frame("app::reload_config::{{closure}}", Some("/app/src/config.rs")),
            frame("glasswing::task::harness::Harness<T,S>::poll", Some(here)),
            frame("std::panicking::catch_unwind", Some(std)),
            frame("start_thread", None),
        ];
        let lines = fold(&frames);
        let text: Vec<String> = lines
            .iter()
            .map(|l| match l {
                Line::Frame(f) => f.short_name(),
                Line::Folded(run) => format!("{run} ({})", run.entry(true).unwrap()),
            })
            .collect();
        assert_eq!(
            text,
            [
                "… 2 frames of std and libc (std::thread::functions::sleep)",
                "spin_parse_config",
                "reload_config",
                "… 3 frames of std, glasswing and libc (start_thread)",
            ]
        );
        assert!(!lacks_lines(&frames));
        assert!(lacks_lines(&[frame("app::f", None)]));
    }
}
