//! `join!` and `try_join!`: read the futures and write the code that polls them all in the calling
//! task. Input as for `select!`: `(<path to glasswing>) (biased;)? <future>, <future>, ...`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Join,
    TryJoin,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Join => "join!",
            Kind::TryJoin => "try_join!",
        }
    }
}

struct Join {
    biased: bool,
    futures: Vec<Expr>,
}

pub(crate) fn expand(input: TokenStream, kind: Kind) -> TokenStream {
    let (krate, rest) = match crate::select::split_crate(input) {
        Ok(parts) => parts,
        Err(e) => return e.into_compile_error(),
    };
    let parser = |input: ParseStream<'_>| parse_join(input, kind);
    match parser.parse2(rest) {
        Ok(join) => write(&krate, join, kind),
        Err(e) => e.into_compile_error(),
    }
}

fn parse_join(input: ParseStream<'_>, kind: Kind) -> syn::Result<Join> {
    let mut biased = false;
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let ident: syn::Ident = input.fork().parse()?;
        if ident == "biased" {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![;]>()?;
            biased = true;
        }
    }
    let mut futures = Punctuated::<Expr, Token![,]>::new();
    while !input.is_empty() {
        futures.push_value(input.parse()?);
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error(format!(
                "expected `,` between the futures of {}: it takes `(biased;)? <future>, <future>, ...`",
                kind.name()
            )));
        }
        futures.push_punct(input.parse()?);
    }
    Ok(Join { biased, futures: futures.into_iter().collect() })
}

fn write(krate: &TokenStream, join: Join, kind: Kind) -> TokenStream {
    let ms = Span::mixed_site();
    let support = quote_spanned!(ms=> #krate::macros::support);
    let n = join.futures.len();
    if n == 0 {
        // Tokio's expansion for an empty join: a future that is ready at once.
        return match kind {
            Kind::Join => quote_spanned!(ms=> async {}.await),
            Kind::TryJoin => quote_spanned!(ms=> async { #support::Result::Ok(()) }.await),
        };
    }
    let count = n as u32;
    let futs: Vec<_> = (0..n).map(|i| format_ident!("__fut{}", i, span = ms)).collect();
    let outs: Vec<_> = (0..n).map(|i| format_ident!("__out{}", i, span = ms)).collect();

    // Each future sits pinned in an `Option` that is emptied (dropping the future) once it is
    // done; its output waits in a plain `Option` beside it.
    let pin = join.futures.iter().zip(futs.iter().zip(&outs)).map(|(expr, (fut, out))| {
        // The user's tokens are the argument of the first call, so that a type error about them
        // ("`u8` is not a future", "`try_join!` needs futures whose output is a `Result`") points
        // at them rather than at the whole macro.
        let into_future = match kind {
            Kind::Join => quote_spanned!(ms=> #support::IntoFuture::into_future(#expr)),
            Kind::TryJoin => {
                quote_spanned!(ms=> #support::IntoFuture::into_future(#support::try_join_future(#expr)))
            }
        };
        quote_spanned! {ms=>
            let mut #fut = #support::pin!(#support::Option::Some(#into_future));
            let mut #out = #support::Option::None;
        }
    });
    let poll_arms = futs.iter().zip(&outs).enumerate().map(|(i, (fut, out))| {
        let index = i as u32;
        let ready = match kind {
            Kind::Join => quote_spanned!(ms=> #out = #support::Option::Some(value);),
            Kind::TryJoin => {
                // Matching `Ok`/`Err` here (rather than through `TryJoinOutput`) also tells type
                // inference that the output is a `Result`: a future whose output nothing else
                // fixes (a generic `pending::<T>()`) still type-checks.
                quote_spanned! {ms=>
                    match value {
                        #support::Result::Ok(value) => #out = #support::Option::Some(value),
                        // Short-circuit: the other futures are dropped as the join returns.
                        #support::Result::Err(e) => return #support::Poll::Ready(#support::Result::Err(e)),
                    }
                }
            }
        };
        quote_spanned! {ms=>
            #[allow(unreachable_code)]
            #index => {
                if let #support::Option::Some(fut) = #fut.as_mut().as_pin_mut() {
                    match #support::Future::poll(fut, cx) {
                        #support::Poll::Ready(value) => {
                            #fut.set(#support::Option::None);
                            #ready
                        }
                        #support::Poll::Pending => is_pending = true,
                    }
                }
            }
        }
    });
    let (rotation, first) = if join.biased {
        (TokenStream::new(), quote_spanned!(ms=> 0u32))
    } else {
        // Tokio's rotation: each poll starts one future further on, so a future that spends the
        // task's coop budget cannot starve the ones after it.
        let first = quote_spanned! {ms=>
            {
                let first = next_first;
                next_first += 1;
                if next_first == #count {
                    next_first = 0;
                }
                first
            }
        };
        (quote_spanned!(ms=> let mut next_first: u32 = 0;), first)
    };
    let take = outs
        .iter()
        .map(|out| quote_spanned!(ms=> #out.take().expect("a joined future's output was taken twice"),));
    let done = match kind {
        Kind::Join => quote_spanned!(ms=> (#(#take)*)),
        Kind::TryJoin => quote_spanned!(ms=> #support::Result::Ok((#(#take)*))),
    };

    quote_spanned! {ms=>
        {
            #(#pin)*
            #rotation
            #support::poll_fn(|cx| {
                let mut is_pending = false;
                let mut index: u32 = #first;
                for _ in 0..#count {
                    match index {
                        #(#poll_arms)*
                        _ => #support::unreachable_branch(),
                    }
                    index += 1;
                    if index == #count {
                        index = 0;
                    }
                }
                if is_pending {
                    #support::Poll::Pending
                } else {
                    // Unreachable where an output type is uninhabited.
                    #[allow(unreachable_code)]
                    {
                        #support::Poll::Ready(#done)
                    }
                }
            })
            .await
        }
    }
}
