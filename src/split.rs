//! Code that is not on the panel's first paint, in wasm modules of its own in the release build
//! (issue 18: the bundle): the declaration. Under the cargo feature `split` (scripts/build-panel)
//! each function declared with [`on_demand!`] is cut out of the panel's wasm into a module of its
//! own by `wasm-split-cli`, which the browser fetches the first time the function is called (or
//! in the background: `components::split_views::prefetch_when_seen`); elsewhere (the browser
//! tests, debug builds, native clippy) each is an ordinary `async fn` with the same signature,
//! so every caller runs the same code either way. Views show theirs with
//! `components::on_demand`; the link flow (`link`) calls its own.

use crate::PanelError;

/// Declares `$name`, a function whose body goes into its own wasm module under `split` (the
/// module is named after the function), and `$prefetch`, which fetches that module without
/// calling it. Its arguments must be owned (they cross into the other module). Written
/// `fn name(args) -> T, prefetch p, { body }`, or without `-> T` for a view (`AnyView`); a flow
/// that goes on after its call returns a boxed future, whose code is in the module too.
macro_rules! on_demand {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty, prefetch $prefetch:ident, $body:block) => {
        $(#[$doc])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $name,
            wasm_split_path = ::leptos::wasm_split,
            preload($prefetch),
            fallible
        )]
        $vis fn $name($($arg: $ty),*) -> Result<$ret, ::leptos::wasm_split::SplitLoaderError> {
            let value: $ret = $body;
            Ok(value)
        }

        $(#[$doc])*
        #[cfg(not(feature = "split"))]
        $vis async fn $name($($arg: $ty),*) -> Result<$ret, ::leptos::wasm_split::SplitLoaderError> {
            let value: $ret = $body;
            Ok(value)
        }

        /// Nothing to fetch: it is in the panel's module.
        #[cfg(not(feature = "split"))]
        $vis async fn $prefetch() -> Result<(), ::leptos::wasm_split::SplitLoaderError> {
            Ok(())
        }
    };
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*), prefetch $prefetch:ident, $body:block) => {
        $crate::split::on_demand! {
            $(#[$doc])* $vis fn $name($($arg: $ty),*) -> ::leptos::prelude::AnyView, prefetch $prefetch, $body
        }
    };
}
pub(crate) use on_demand;

/// What an on-demand read answers: the future its module returned, awaited; or
/// [`PanelError::NotLoaded`] when the module could not be fetched. One place for every read
/// declared with [`on_demand!`] whose flow ends in a `Result<T, PanelError>`.
pub async fn answered<T>(
    call: impl Future<
        Output = Result<
            futures::future::LocalBoxFuture<'static, Result<T, PanelError>>,
            leptos::wasm_split::SplitLoaderError,
        >,
    >,
) -> Result<T, PanelError> {
    match call.await {
        Ok(reading) => reading.await,
        Err(_) => Err(PanelError::NotLoaded),
    }
}
