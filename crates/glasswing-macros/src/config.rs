//! Reads the arguments of `#[glasswing::main(...)]` / `#[glasswing::test(...)]`.
//!
//! Parsing never gives up at the first mistake: every argument is checked, the
//! valid ones are kept, and all errors come back together. The caller expands
//! the function with whatever was valid, so a bad `flavor` does not also turn
//! a custom `crate` path back into `::glasswing` and add unrelated errors.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Lit, Path, Token};

/// Which attribute is being expanded: they differ only in the default flavor,
/// in the `#[test]` they add and in what they allow in the signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

/// Whose attribute it is: glasswing's own, or the drop-in `tokio` crate's (compat/tokio), which
/// differs only in the default crate path (`::tokio`, as the user's code names it) and in taking
/// Tokio's `unhandled_panic` argument.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Glasswing,
    Tokio,
}

impl Kind {
    pub(crate) fn attribute(self, dialect: Dialect) -> &'static str {
        match (self, dialect) {
            (Kind::Main, Dialect::Glasswing) => "glasswing::main",
            (Kind::Test, Dialect::Glasswing) => "glasswing::test",
            (Kind::Main, Dialect::Tokio) => "tokio::main",
            (Kind::Test, Dialect::Tokio) => "tokio::test",
        }
    }

    /// `main` gets every core by default, as a server would want; a test gets
    /// one thread, because tests are small and one thread keeps them
    /// repeatable. Both match Tokio, so nothing changes for someone moving over.
    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
    /// A `LocalRuntime` (`Builder::build_local`): current-thread, and `spawn_local` works anywhere
    /// in it.
    Local,
}

/// What the expansion needs. Always complete: anything missing or invalid in
/// the arguments is replaced by its default.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    /// Build the runtime with its clock paused (current-thread only, as paused time needs every task
    /// on one thread).
    pub(crate) start_paused: Option<bool>,
    /// What the diagnostics say on their own: `Verbosity`'s variant name (`Off`, `Warn`, `Verbose`).
    pub(crate) diagnostics: Option<Ident>,
    /// The path the generated code uses to reach the runtime.
    pub(crate) krate: Path,
    /// Tokio's `unhandled_panic = "shutdown_runtime"`: a panicking task shuts the runtime down.
    pub(crate) shutdown_on_panic: bool,
    /// `name = "..."`: the runtime's name (`Builder::name`).
    pub(crate) name: Option<syn::LitStr>,
}

/// The arguments we accept, in the order we list them in errors.
///
const ACCEPTED: &[&str] = &["flavor", "worker_threads", "start_paused", "diagnostics", "name", "crate"];
/// The drop-in `tokio` crate's attributes take Tokio's `unhandled_panic` as well.
const ACCEPTED_TOKIO: &[&str] =
    &["flavor", "worker_threads", "start_paused", "diagnostics", "name", "crate", "unhandled_panic"];

fn accepted(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Glasswing => ACCEPTED,
        Dialect::Tokio => ACCEPTED_TOKIO,
    }
}

/// One `name = value` (or a bare `name`, which is always an error, but one we
/// want to report by name rather than as "expected `=`").
struct Arg {
    name: Ident,
    value: Option<Expr>,
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `parse_any` because `crate` is a keyword.
        let name = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Arg { name, value })
    }
}

/// Reads the attribute's arguments. Returns a usable config in every case,
/// plus the errors found, if any.
pub(crate) fn parse(args: TokenStream, kind: Kind, dialect: Dialect) -> (Config, Option<syn::Error>) {
    let mut config = Config {
        flavor: kind.default_flavor(),
        worker_threads: None,
        start_paused: None,
        diagnostics: None,
        krate: match dialect {
            Dialect::Glasswing => syn::parse_quote!(::glasswing),
            Dialect::Tokio => syn::parse_quote!(::tokio),
        },
        shutdown_on_panic: false,
        name: None,
    };
    let mut errors = Errors::default();

    let args = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args) {
        Ok(args) => args,
        Err(e) => return (config, Some(e)),
    };

    let mut flavor: Option<(Flavor, Span)> = None;
    let mut worker_threads: Option<(usize, Span)> = None;
    let mut start_paused: Option<(bool, Span)> = None;
    let mut krate: Option<Path> = None;
    let mut seen: Vec<String> = Vec::new();

    for Arg { name, value } in args {
        let key = name.unraw().to_string();
        if !accepted(dialect).contains(&key.as_str()) {
            errors.push(name.span(), unknown_argument(&key, kind, dialect));
            continue;
        }
        if seen.contains(&key) {
            errors.push(name.span(), format!("`{key}` is given more than once"));
            continue;
        }
        seen.push(key.clone());
        let Some(value) = value else {
            errors.push(name.span(), format!("`{key}` needs a value: {}", example(&key)));
            continue;
        };

        let parsed = match key.as_str() {
            "flavor" => parse_flavor(&value).map(|f| flavor = Some((f, name.span()))),
            "worker_threads" => parse_worker_threads(&value).map(|n| worker_threads = Some((n, name.span()))),
            "start_paused" => {
                parse_bool(&value, "start_paused").map(|b| start_paused = Some((b, name.span())))
            }
            "diagnostics" => parse_diagnostics(&value).map(|v| config.diagnostics = Some(v)),
            "crate" => parse_crate(&value).map(|p| krate = Some(p)),
            "name" => parse_name(&value).map(|n| config.name = Some(n)),
            "unhandled_panic" => parse_unhandled_panic(&value).map(|s| config.shutdown_on_panic = s),
            _ => unreachable!("every name in ACCEPTED has an arm"),
        };
        if let Err(e) = parsed {
            errors.push_error(e);
        }
    }

    if let Some(f) = flavor {
        config.flavor = f.0;
    }
    if let Some(p) = krate {
        config.krate = p;
    }
    // Checked after the loop, not as we go, so the order the arguments are
    // written in does not matter.
    if let Some((n, span)) = worker_threads {
        match config.flavor {
            Flavor::MultiThread => config.worker_threads = Some(n),
            Flavor::CurrentThread | Flavor::Local => {
                let why = match flavor {
                    Some((Flavor::Local, _)) => "the `local` flavor runs everything on the calling thread",
                    Some(_) => "the `current_thread` flavor runs everything on the calling thread",
                    None => "this attribute defaults to the `current_thread` flavor",
                };
                errors.push(
                    span,
                    format!(
                        "`worker_threads` needs the `multi_thread` flavor ({why}); \
                         use `#[{}(flavor = \"multi_thread\", worker_threads = {n})]`",
                        kind.attribute(dialect),
                    ),
                );
            }
        }
    }

    if let Some((paused, span)) = start_paused {
        match config.flavor {
            Flavor::CurrentThread | Flavor::Local => config.start_paused = Some(paused),
            Flavor::MultiThread => errors.push(
                span,
                "`start_paused` needs the `current_thread` flavor: paused time requires every task to run \
                 on one thread",
            ),
        }
    }

    (config, errors.into_inner())
}

fn unknown_argument(key: &str, kind: Kind, dialect: Dialect) -> String {
    let accepted = accepted(dialect).iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    format!(
        "unknown argument `{key}` for `#[{}]`; the accepted arguments are {accepted}",
        kind.attribute(dialect)
    )
}

fn example(key: &str) -> &'static str {
    match key {
        "flavor" => "`flavor = \"multi_thread\"`, `flavor = \"current_thread\"` or `flavor = \"local\"`",
        "name" => "`name = \"my-runtime\"`",
        "worker_threads" => "`worker_threads = 4`",
        "start_paused" => "`start_paused = true`",
        "diagnostics" => "`diagnostics = \"verbose\"` (or \"warn\", the default, or \"off\")",
        "crate" => "`crate = \"path::to::glasswing\"`",
        "unhandled_panic" => "`unhandled_panic = \"shutdown_runtime\"` (or \"ignore\", the default)",
        _ => unreachable!("every name in ACCEPTED has an example"),
    }
}

fn parse_flavor(value: &Expr) -> syn::Result<Flavor> {
    let s = string_literal(value, "flavor")?;
    match s.value().as_str() {
        "current_thread" => Ok(Flavor::CurrentThread),
        "multi_thread" => Ok(Flavor::MultiThread),
        "local" => Ok(Flavor::Local),
        other => Err(syn::Error::new(
            s.span(),
            format!("unknown flavor `{other}`; the flavors are `current_thread`, `local` and `multi_thread`"),
        )),
    }
}

fn parse_name(value: &Expr) -> syn::Result<syn::LitStr> {
    let s = string_literal(value, "name")?;
    if s.value().trim().is_empty() {
        return Err(syn::Error::new(
            s.span(),
            "`name` must not be empty (a runtime's name names it in logs)",
        ));
    }
    Ok(s.clone())
}

fn parse_unhandled_panic(value: &Expr) -> syn::Result<bool> {
    let s = string_literal(value, "unhandled_panic")?;
    match s.value().as_str() {
        "ignore" => Ok(false),
        "shutdown_runtime" => Ok(true),
        other => Err(syn::Error::new(
            s.span(),
            format!("unknown `unhandled_panic` behavior `{other}`; it is `ignore` or `shutdown_runtime`"),
        )),
    }
}

fn parse_diagnostics(value: &Expr) -> syn::Result<Ident> {
    let s = string_literal(value, "diagnostics")?;
    let variant = match s.value().as_str() {
        "off" => "Off",
        "warn" => "Warn",
        "verbose" => "Verbose",
        other => {
            return Err(syn::Error::new(
                s.span(),
                format!("unknown diagnostics verbosity `{other}`; it is one of `off`, `warn` and `verbose`"),
            ))
        }
    };
    Ok(Ident::new(variant, s.span()))
}

fn parse_worker_threads(value: &Expr) -> syn::Result<usize> {
    let not_an_int = || {
        syn::Error::new_spanned(
            value,
            format!("`worker_threads` takes a positive integer literal, as in {}", example("worker_threads"),),
        )
    };
    let Expr::Lit(syn::ExprLit { lit: Lit::Int(int), .. }) = value else {
        return Err(not_an_int());
    };
    match int.base10_parse::<usize>() {
        Ok(0) => Err(syn::Error::new(
            int.span(),
            "`worker_threads` must be at least 1: a runtime with no workers never runs anything",
        )),
        Ok(n) => Ok(n),
        Err(e) => {
            Err(syn::Error::new(int.span(), format!("`worker_threads` does not fit in a `usize`: {e}")))
        }
    }
}

fn parse_bool(value: &Expr, key: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(syn::ExprLit { lit: Lit::Bool(b), .. }) => Ok(b.value),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` takes `true` or `false`, as in {}", example(key)),
        )),
    }
}

fn parse_crate(value: &Expr) -> syn::Result<Path> {
    let s = string_literal(value, "crate")?;
    // The path's tokens take the literal's span, so "unresolved crate" errors
    // later on point at the string the user wrote.
    s.parse::<Path>().map_err(|_| {
        syn::Error::new(s.span(), format!("`{}` is not a path, as in {}", s.value(), example("crate")))
    })
}

fn string_literal<'a>(value: &'a Expr, key: &str) -> syn::Result<&'a syn::LitStr> {
    match value {
        Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => Ok(s),
        _ => Err(syn::Error::new_spanned(value, format!("`{key}` takes a string, as in {}", example(key)))),
    }
}

/// Collects errors so that all of them are reported in one compile.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push_error(syn::Error::new(span, message));
    }

    pub(crate) fn push_error(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn into_inner(self) -> Option<syn::Error> {
        self.0
    }
}
