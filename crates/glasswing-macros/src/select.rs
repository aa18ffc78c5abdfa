//! `select!`: reads the branches and writes the polling code.
//!
//! The input is `(<path to glasswing>) <what the user wrote>`: the public
//! `macro_rules! select` in glasswing forwards everything it is given after
//! its own `$crate`, so the expansion names glasswing's support items by a
//! path that works however the crate is renamed or re-exported.
//!
//! What a branch is, and what the expansion does with it, is in the doc
//! comment of `glasswing::macros`; this file holds the grammar and the
//! mistakes it names.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Pat, Token};

/// Tokio's limit: the set of disabled branches is one `u64`.
const MAX_BRANCHES: usize = 64;

const GRAMMAR: &str = "each branch is `<pattern> = <async expression> (, if <precondition>)? => <handler>,`";

struct Branch {
    pat: Pat,
    fut: Expr,
    cond: Option<Expr>,
    handler: Expr,
}

struct Select {
    biased: bool,
    branches: Vec<Branch>,
    else_handler: Option<Expr>,
}

/// Splits `(<crate path>) rest` into its two parts.
pub(crate) fn split_crate(input: TokenStream) -> syn::Result<(TokenStream, TokenStream)> {
    let mut iter = input.into_iter();
    match iter.next() {
        Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis => {
            Ok((g.stream(), iter.collect()))
        }
        _ => Err(syn::Error::new(
            Span::call_site(),
            "this macro is glasswing's internal helper: use `glasswing::select!`, `glasswing::join!` or `glasswing::try_join!`",
        )),
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let (krate, rest) = match split_crate(input) {
        Ok(parts) => parts,
        Err(e) => return e.into_compile_error(),
    };
    match parse_select.parse2(rest) {
        Ok(select) => write(&krate, select),
        Err(e) => e.into_compile_error(),
    }
}

/// Whether a handler may end without a comma, as a match arm may: the block-like expressions.
fn ends_like_a_block(expr: &Expr) -> bool {
    // A `block` fragment forwarded by the user's own `macro_rules!` arrives in invisible
    // delimiters; Tokio's `$h:block` rule accepts it without a comma, so this does too.
    if let Expr::Group(group) = expr {
        return ends_like_a_block(&group.expr);
    }
    matches!(
        expr,
        Expr::Block(_)
            | Expr::If(_)
            | Expr::Match(_)
            | Expr::Unsafe(_)
            | Expr::While(_)
            | Expr::Loop(_)
            | Expr::ForLoop(_)
            | Expr::TryBlock(_)
            | Expr::Const(_)
    )
}

/// `=> <handler>` and the comma after it, which only a block-like handler or the last one may leave out.
fn parse_handler(input: ParseStream<'_>) -> syn::Result<Expr> {
    let handler = Expr::parse_with_earlier_boundary_rule(input)?;
    if input.is_empty() {
        return Ok(handler);
    }
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !ends_like_a_block(&handler) {
        return Err(syn::Error::new(
            handler.span(),
            "expected `,` after this handler: in select!, a handler that is not a block is followed by a comma",
        ));
    }
    Ok(handler)
}

fn parse_select(input: ParseStream<'_>) -> syn::Result<Select> {
    let mut select = Select { biased: false, branches: Vec::new(), else_handler: None };
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let fork = input.fork();
        let ident: syn::Ident = fork.parse()?;
        if ident == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
        }
        select.biased = ident == "biased";
    }
    let mut else_span: Option<Span> = None;
    while !input.is_empty() {
        if input.peek(Token![else]) {
            let else_token: Token![else] = input.parse()?;
            if else_span.is_some() {
                return Err(syn::Error::new(else_token.span, "select! takes at most one `else` branch"));
            }
            else_span = Some(else_token.span);
            if !input.peek(Token![=>]) {
                return Err(input.error("expected `=>` after `else`: the branch is `else => <handler>`"));
            }
            input.parse::<Token![=>]>()?;
            select.else_handler = Some(parse_handler(input)?);
            continue;
        }
        if else_span.is_some() {
            return Err(input
                .error("the `else` branch must be the last branch of select!; move this branch above it"));
        }
        if input.peek(syn::Ident) && input.peek2(Token![;]) {
            let ident: syn::Ident = input.fork().parse()?;
            if ident == "biased" {
                return Err(input.error("`biased;` must come first in select!, before every branch"));
            }
        }
        let pat = Pat::parse_multi_with_leading_vert(input).map_err(|e| {
            syn::Error::new(e.span(), format!("expected the pattern of a select! branch: {GRAMMAR}"))
        })?;
        if !input.peek(Token![=]) || input.peek(Token![=>]) || input.peek(Token![==]) {
            return Err(
                input.error(format!("expected `=` after the pattern of this select! branch: {GRAMMAR}"))
            );
        }
        input.parse::<Token![=]>()?;
        if input.is_empty() || input.peek(Token![=>]) || input.peek(Token![,]) {
            return Err(input.error(format!(
                "expected the async expression of this select! branch after `=`: {GRAMMAR}"
            )));
        }
        let fut: Expr = input.parse()?;
        let mut cond = None;
        if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            cond = Some(input.parse::<Expr>()?);
        }
        if !input.peek(Token![=>]) {
            let what = if cond.is_some() { "precondition" } else { "async expression" };
            return Err(
                input.error(format!("expected `=>` after the {what} of this select! branch: {GRAMMAR}"))
            );
        }
        input.parse::<Token![=>]>()?;
        let handler = parse_handler(input)?;
        if select.branches.len() == MAX_BRANCHES {
            return Err(syn::Error::new(
                pat.span(),
                format!("select! takes at most {MAX_BRANCHES} branches; this is branch {}", MAX_BRANCHES + 1),
            ));
        }
        select.branches.push(Branch { pat, fut, cond, handler });
    }
    if select.branches.is_empty() && select.else_handler.is_none() {
        return Err(syn::Error::new(
            Span::call_site(),
            format!("select! requires at least one branch: {GRAMMAR}"),
        ));
    }
    Ok(select)
}

/// The pattern as the poll checks it against a reference to the output: without `ref`, `mut` and
/// `&`, which would either move out of the reference or be refused under a by-reference binding
/// mode.
/// Only whether it matches counts there; the bindings are made later, from the owned output.
fn clean_pattern(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                clean_pattern(sub);
            }
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(clean_pattern),
        Pat::Paren(paren) => clean_pattern(&mut paren.pat),
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(clean_pattern),
        Pat::Struct(s) => s.fields.iter_mut().for_each(|f| clean_pattern(&mut f.pat)),
        Pat::Tuple(t) => t.elems.iter_mut().for_each(clean_pattern),
        Pat::TupleStruct(t) => t.elems.iter_mut().for_each(clean_pattern),
        // `&p` goes too, leaving `p`: against a reference, `p` auto-dereferences and matches
        // exactly when `&p` would, and Rust 2024 refuses `&` under a by-reference binding mode.
        // (Tokio's select! keeps it, so `Some(&n) = ...` does not compile there in 2024.)
        Pat::Reference(r) => {
            let mut inner = (*r.pat).clone();
            clean_pattern(&mut inner);
            *pat = inner;
        }
        Pat::Type(t) => clean_pattern(&mut t.pat),
        _ => {}
    }
}

fn write(krate: &TokenStream, select: Select) -> TokenStream {
    let ms = Span::mixed_site();
    let support = quote_spanned!(ms=> #krate::macros::support);
    let else_handler = match select.else_handler {
        Some(handler) => quote!(#handler),
        None => quote_spanned!(ms=> #support::all_branches_disabled()),
    };
    if select.branches.is_empty() {
        return quote_spanned!(ms=> { #else_handler });
    }

    let n = select.branches.len();
    let count = n as u32;
    let output_enum = format_ident!("__GlasswingSelectOutput", span = ms);
    let type_params: Vec<_> = (0..n).map(|i| format_ident!("T{}", i, span = ms)).collect();
    let variants: Vec<_> = (0..n).map(|i| format_ident!("Branch{}", i, span = ms)).collect();
    let inits: Vec<_> = (0..n).map(|i| format_ident!("__init{}", i, span = ms)).collect();
    let futs: Vec<_> = (0..n).map(|i| format_ident!("__fut{}", i, span = ms)).collect();
    let disabled = format_ident!("__disabled", span = ms);
    let output = format_ident!("__output", span = ms);

    let preconditions = select.branches.iter().enumerate().filter_map(|(i, b)| {
        let cond = b.cond.as_ref()?;
        let i = i as u32;
        Some(quote_spanned!(ms=> if !(#cond) { #disabled |= 1u64 << #i; }))
    });
    // All the expressions are evaluated in one tuple, as Tokio does: a tuple's fields are an
    // extending context, and so are a struct literal's, so a temporary in an expression
    // (`&mut std::future::ready(())`) lives as long as the futures; as the argument of a call it
    // would be dropped at once. The struct checks that each is a future, and its field holds the
    // user's own tokens, so "`u32` is not a future" points at them.
    let tuple = format_ident!("__futures", span = ms);
    let exprs = select.branches.iter().map(|b| {
        let fut = &b.fut;
        quote_spanned!(ms=> #support::MustBeFuture { future: #fut })
    });
    let evaluate_all = quote_spanned!(ms=> let #tuple = (#(#exprs,)*););
    let evaluate = inits.iter().enumerate().map(|(i, init)| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        quote_spanned!(ms=> let #init = #tuple.#i.future;)
    });
    let pin = inits.iter().zip(&futs).map(|(init, fut)| {
        quote_spanned!(ms=> let mut #fut = #support::pin!(#support::IntoFuture::into_future(#init));)
    });
    let poll_arms = select.branches.iter().enumerate().map(|(i, b)| {
        let fut = &futs[i];
        let variant = &variants[i];
        let index = i as u32;
        let mut check = b.pat.clone();
        clean_pattern(&mut check);
        quote_spanned! {ms=>
            #[allow(unreachable_code)]
            #index => {
                let mask = 1u64 << #index;
                if #disabled & mask != 0 {
                    continue;
                }
                let out = match #support::Future::poll(#fut.as_mut(), cx) {
                    #support::Poll::Ready(out) => out,
                    #support::Poll::Pending => {
                        is_pending = true;
                        continue;
                    }
                };
                // Done, whether its pattern matches or not: a completed future is not polled again.
                #disabled |= mask;
                #[allow(unused_variables, unused_mut, unreachable_patterns)]
                match &out {
                    #check => {}
                    _ => continue,
                }
                return #support::Poll::Ready(#output_enum::#variant(out));
            }
        }
    });
    let start = if select.biased {
        quote_spanned!(ms=> 0u32)
    } else {
        quote_spanned!(ms=> #support::thread_rng_n(#count))
    };
    let handler_arms = select.branches.iter().zip(&variants).map(|(b, variant)| {
        let pat = &b.pat;
        let handler = &b.handler;
        quote_spanned!(ms=> #output_enum::#variant(#pat) => #handler,)
    });

    quote_spanned! {ms=>
        {
            #[allow(non_camel_case_types, clippy::large_enum_variant)]
            enum #output_enum<#(#type_params),*> {
                #(#variants(#type_params),)*
                Disabled,
            }

            let mut #disabled: u64 = 0;
            #(#preconditions)*

            // The futures live in this block only: the losing ones are dropped (cancelled) before
            // the winning handler runs, so the handler may use what they borrowed. `mut`: a
            // `ref mut` in a pattern binds into it.
            #[allow(unused_mut)]
            let mut #output = {
                #evaluate_all
                #(#evaluate)*
                #(#pin)*
                #support::poll_fn(|cx| {
                    if #support::poll_budget_available(cx).is_pending() {
                        return #support::Poll::Pending;
                    }
                    let mut is_pending = false;
                    let start: u32 = #start;
                    let mut branch = start;
                    for _ in 0..#count {
                        let this = branch;
                        branch += 1;
                        if branch == #count {
                            branch = 0;
                        }
                        match this {
                            #(#poll_arms)*
                            _ => #support::unreachable_branch(),
                        }
                    }
                    if is_pending {
                        #support::Poll::Pending
                    } else {
                        #support::Poll::Ready(#output_enum::Disabled)
                    }
                })
                .await
            };

            match #output {
                #(#handler_arms)*
                #output_enum::Disabled => #else_handler,
                #[allow(unreachable_patterns)]
                _ => #support::unreachable_branch(),
            }
        }
    }
}
