//! Views that are not on the panel's first paint, shown once their module is in (issue 18: the
//! bundle). Each is declared with `crate::split::on_demand!` (its body a wasm module of its own
//! in the release build, fetched the first time it is shown or in the background once the panel
//! has been seen: `split_views::prefetch_when_seen`).
//!
//! A module that cannot be fetched shows why, a Retry (the network dropped: a retry fetches it
//! again) and a Reload (a deploy replaced the panel's files: the page still running the old
//! build asks for modules the proxy no longer has, and only a reload gets the new ones); the
//! rest of the panel goes on working: the split is `fallible`, so a failed load is an `Err`
//! here and not a panic.
//!
//! What is split: the views (`split_views`: the field chooser, settings, the create and convert
//! forms, with a "Loading…" line while one loads) and pieces inside the records (the search
//! results, the add-note form, a note's edit form, a field's in-place input and a conflict, the
//! participants' list: nothing while one loads). A piece is drawn by its `Suspense`, which may outlive the run of the closure that
//! showed it: what it is given (signals, callbacks) is made outside that closure, where the
//! piece's owner lives. Not split, measured and left in the first load: the link prompt (the
//! first paint of an agent not yet linked). What is split and shows nothing of its own (an
//! action's flow, the reads after the records' paint) calls its module directly (`crate::split`).

use std::sync::Arc;

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// A view's load: its module fetched (the first time), then the view.
pub type Load =
    Arc<dyn Fn() -> LocalBoxFuture<'static, Result<AnyView, SplitLoaderError>> + Send + Sync>;

/// The [`Load`] of an `on_demand!` function's call.
pub fn load<F>(call: impl Fn() -> F + Send + Sync + 'static) -> Load
where
    F: Future<Output = Result<AnyView, SplitLoaderError>> + 'static,
{
    Arc::new(move || call().boxed_local())
}

/// A view, once its module is in: until then a line saying it is loading; if it fails, why, a
/// Retry that loads it again and a Reload (the header's buttons leave it).
pub fn shown(load: Load) -> AnyView {
    shown_with(load, true, None)
}

/// [`shown`], for a piece inside a view: nothing while it loads; if it fails, a Close (`close`
/// puts back what the piece replaced: a form that never came cannot be cancelled) beside Retry
/// and Reload.
pub fn shown_inline(load: Load, close: Option<Callback<()>>) -> AnyView {
    shown_with(load, false, close)
}

/// One function for every view, not one per view: `load` is a trait object.
fn shown_with(load: Load, loading_line: bool, close: Option<Callback<()>>) -> AnyView {
    let attempt = RwSignal::new(0u32);
    let body = move || {
        attempt.track();
        // The loader's future is not `Send` (it holds a `SplitLoaderError`); the panel runs on
        // the browser's one thread, so it never leaves it.
        let loading = send_wrapper::SendWrapper::new(load());
        Suspend::new(async move {
            match loading.await {
                Ok(view) => view,
                // What failed is the loader's to say (the browser's console); the agent is told
                // what to do.
                Err(_) => view! {
                    <div class="on-demand-error" role="alert" data-testid="on-demand-error">
                        <p class="error">"This could not be loaded. Check the connection and retry; if Salesforce Pane was just updated, reload it."</p>
                        <button type="button" class="button" data-testid="on-demand-retry" on:click=move |_| attempt.update(|n| *n += 1)>"Retry"</button>
                        <button type="button" class="button secondary" data-testid="on-demand-reload" on:click=|_| reload()>"Reload"</button>
                        {close.map(|close| view! {
                            <button type="button" class="button secondary" data-testid="on-demand-close" on:click=move |_| close.run(())>"Close"</button>
                        })}
                    </div>
                }
                .into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=move || loading_line.then(|| view! { <p class="lookup-message" data-testid="on-demand-loading">"Loading…"</p> })>
            {body}
        </Suspense>
    }
    .into_any()
}

/// Loads the panel's page again (its newest build).
fn reload() {
    if let Some(window) = web_sys::window() {
        // Nothing to do if the browser refuses: the button stays for another try.
        let _ = window.location().reload();
    }
}
