//! Turns the `async fn` under the attribute into a plain `fn` that builds a
//! runtime and blocks on the original body.
//!
//! The function is read only down to its signature: the body stays an opaque
//! token stream that is moved, untouched, into an `async move` block. That
//! keeps the macro fast, keeps every span in the body the user's own, and lets
//! a half-written body (as an editor sees it mid-keystroke) still expand, so
//! completion inside `#[glasswing::main]` keeps working.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::{braced, token, AttrStyle, Attribute, Ident, ReturnType, Signature, Type, Visibility};

use crate::config::{self, Config, Dialect, Errors, Flavor, Kind};

/// A function item, parsed no further than the opening brace of its body.
struct ItemFn {
    attrs: Vec<Attribute>,
    vis: Visibility,
    sig: Signature,
    brace: token::Brace,
    /// The body's statements, without the braces and without inner
    /// attributes (those are in `attrs`).
    body: TokenStream,
}

impl Parse for ItemFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let content;
        let brace = braced!(content in input);
        // An inner attribute (`#![allow(..)]` at the top of the body) cannot
        // stay where it is: the body becomes an `async` block, and blocks do
        // not take inner attributes. On the function it means the same thing.
        for mut attr in content.call(Attribute::parse_inner)? {
            attr.style = AttrStyle::Outer;
            attrs.push(attr);
        }
        let body = content.parse()?;
        Ok(ItemFn { attrs, vis, sig, brace, body })
    }
}

/// The whole macro: parse, check, expand, and append any errors.
pub(crate) fn expand(args: TokenStream, item: TokenStream, kind: Kind, dialect: Dialect) -> TokenStream {
    let mut item: ItemFn = match syn::parse2(item.clone()) {
        Ok(item) => item,
        // Not a function at all: there is nothing sensible to expand, so hand
        // the item back unchanged next to the error.
        Err(e) => {
            let mut tokens = item;
            tokens.extend(e.into_compile_error());
            return tokens;
        }
    };

    let (config, args_error) = config::parse(args, kind, dialect);
    let mut errors = Errors::default();
    if let Some(e) = args_error {
        errors.push_error(e);
    }

    if item.sig.asyncness.is_none() {
        // Expanded anyway below: wrapping a synchronous body in `async move`
        // still compiles, so this stays the only error.
        errors.push(item.sig.fn_token.span, "the `async` keyword is missing from the function declaration");
    }

    // Whether to put `#[test]` on the result: not on a test that cannot be
    // one, or rustc would repeat our error in its own words.
    let mut mark_as_test = kind == Kind::Test;
    match kind {
        // `#[glasswing::main]` on a helper like `async fn run(n: u32)` is
        // fine (the body simply captures `n`); only the real `main` must not
        // take arguments. rustc will add its own "`main` function has wrong
        // type"; dropping the arguments to avoid that would only trade it for
        // "cannot find value" errors inside the body.
        Kind::Main if item.sig.ident == "main" && !item.sig.inputs.is_empty() => {
            errors.push_error(syn::Error::new_spanned(
                &item.sig.inputs,
                "the `main` function cannot take arguments",
            ));
        }
        Kind::Test if !item.sig.inputs.is_empty() => {
            errors.push_error(syn::Error::new_spanned(
                &item.sig.inputs,
                "a test function cannot take arguments",
            ));
            mark_as_test = false;
        }
        _ => {}
    }
    if kind == Kind::Test {
        if let Some(attr) = item.attrs.iter().find(|a| is_test_attribute(a)) {
            errors.push_error(syn::Error::new_spanned(
                attr,
                format!("`#[{}]` already makes this a test; remove this `#[test]`", kind.attribute(dialect)),
            ));
            mark_as_test = false;
        }
    }

    item.sig.asyncness = None;
    let mut tokens = write_fn(item, &config, mark_as_test);
    if let Some(e) = errors.into_inner() {
        tokens.extend(e.into_compile_error());
    }
    tokens
}

fn write_fn(item: ItemFn, config: &Config, mark_as_test: bool) -> TokenStream {
    let ItemFn { attrs, vis, sig, brace, body } = item;

    // Mixed-site hygiene: the user's body cannot name these by accident.
    let body_ident = Ident::new("body", Span::mixed_site());
    let output = Ident::new("_output", Span::mixed_site());

    // The user's own braces, so "expected `()`, found ..." about an empty or
    // unfinished body points at the body they wrote.
    let mut user_block = TokenStream::new();
    brace.surround(&mut user_block, |tokens| tokens.extend(body));

    // An `async` block cannot name its output type, so rustc types it from
    // the body alone and only then compares it with the function's: a wrong
    // tail expression is reported at the attribute instead of at the
    // expression. Passing the body through a `let` of the declared return
    // type puts the expected type on the body itself. The binding is then
    // `return`ed rather than left as the block's tail so that a body which
    // never finishes (`loop {}`, `panic!()`, a server's accept loop) does
    // not earn an "unreachable expression" warning for code it never wrote;
    // the leading underscore keeps it from being "unused" for the same reason.
    // Clippy reads a diverging body inside the `let` as a diverging
    // sub-expression, which it is only because of us. Skipped where the type
    // cannot be written in a `let`.
    let ty = match &sig.output {
        ReturnType::Type(_, ty) if !can_be_let_type(ty) => None,
        ReturnType::Type(_, ty) => Some(ty.to_token_stream()),
        ReturnType::Default => Some(quote! { () }),
    };
    let future = match ty {
        None => quote! { async move #user_block },
        Some(ty) => quote! {
            async move {
                #[allow(clippy::diverging_sub_expression)]
                let #output: #ty = #user_block;
                #[allow(unreachable_code)]
                return #output;
            }
        },
    };

    let test_attr = if mark_as_test {
        // Spelled out in full so that a user's own `test` item in scope
        // cannot shadow it.
        quote! { #[::core::prelude::v1::test] }
    } else {
        TokenStream::new()
    };
    let runtime = runtime_builder(config);
    let krate = &config.krate;
    let build = match config.flavor {
        Flavor::Local => quote! { build_local(#krate::runtime::LocalOptions::default()) },
        _ => quote! { build() },
    };

    let mut tokens = quote! {
        #(#attrs)*
        #test_attr
        #vis #sig
    };
    brace.surround(&mut tokens, |tokens| {
        tokens.extend(quote! {
            let #body_ident = #future;
            #runtime
                .#build
                .expect("failed to build the glasswing runtime")
                .block_on(#body_ident)
        });
    });
    tokens
}

/// `Builder::new_*()` plus one call per configured knob. Uses only the
/// public builder, so the expansion is code a user could have written.
fn runtime_builder(config: &Config) -> TokenStream {
    let krate = &config.krate;
    let mut builder = match config.flavor {
        Flavor::CurrentThread | Flavor::Local => quote! { #krate::runtime::Builder::new_current_thread() },
        Flavor::MultiThread => quote! { #krate::runtime::Builder::new_multi_thread() },
    };
    if let Some(name) = &config.name {
        builder.extend(quote! { .name(#name) });
    }
    if let Some(n) = config.worker_threads {
        builder.extend(quote! { .worker_threads(#n) });
    }
    if let Some(paused) = config.start_paused {
        builder.extend(quote! { .start_paused(#paused) });
    }
    if let Some(verbosity) = &config.diagnostics {
        builder.extend(quote! { .diagnostics_verbosity(#krate::diag::Verbosity::#verbosity) });
    }
    if config.shutdown_on_panic {
        builder.extend(quote! { .unhandled_panic(#krate::runtime::UnhandledPanic::ShutdownRuntime) });
    }
    builder
}

/// `impl Trait` is not allowed in a `let` type, and `!` only on nightly.
fn can_be_let_type(ty: &Type) -> bool {
    fn mentions_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(i) => i == "impl",
            TokenTree::Group(g) => mentions_impl(g.stream()),
            _ => false,
        })
    }
    !matches!(ty, Type::Never(_)) && !mentions_impl(ty.to_token_stream())
}

/// `#[test]`, or the same attribute through its full path
/// (`#[core::prelude::v1::test]`, `#[::std::prelude::rust_2021::test]`...).
fn is_test_attribute(attr: &Attribute) -> bool {
    let syn::Meta::Path(path) = &attr.meta else {
        return false;
    };
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segments.as_slice() {
        [test] => path.leading_colon.is_none() && test == "test",
        [krate, prelude, _, test] => {
            (krate == "core" || krate == "std") && prelude == "prelude" && test == "test"
        }
        _ => false,
    }
}
