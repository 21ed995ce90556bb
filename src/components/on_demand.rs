//! The views that are not on the panel's first paint, loaded when first shown (issue 18: the
//! bundle). In the release build (feature `split`, scripts/build-panel) each is cut out of the
//! panel's wasm into a module of its own by `wasm-split-cli`, which the browser fetches the first
//! time the view opens (or in the background, once the panel has been seen: `prefetch_when_seen`);
//! elsewhere (the browser tests, debug builds, native clippy) each is an ordinary function behind
//! the same `async` signature, so every caller runs the same code either way.
//!
//! A module that cannot be fetched shows why, a Retry (the network dropped: a retry fetches it
//! again) and a Reload (a deploy replaced the panel's files: the page still running the old
//! build asks for modules the proxy no longer has, and only a reload gets the new ones); the
//! rest of the panel goes on working: the split is `fallible`, so a failed load is an `Err`
//! here and not a panic.

use std::sync::Arc;

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use pane_wire::api::RecordView;

use super::admin::SettingsView;
use super::chooser::FieldChooser;
use super::convert::ConvertForm;
use super::form::CreateForm;
use super::view::Creating;

/// A view function whose body goes into its own wasm module under `split` (the module is named
/// after the function), and a function that fetches that module without showing the view. Its
/// arguments must be owned (they cross into the other module).
macro_rules! on_demand {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*), prefetch $prefetch:ident, $body:block) => {
        $(#[$doc])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $name,
            wasm_split_path = ::leptos::wasm_split,
            preload($prefetch),
            fallible
        )]
        fn $name($($arg: $ty),*) -> Result<AnyView, SplitLoaderError> {
            let view: AnyView = $body;
            Ok(view)
        }

        $(#[$doc])*
        #[cfg(not(feature = "split"))]
        async fn $name($($arg: $ty),*) -> Result<AnyView, SplitLoaderError> {
            let view: AnyView = $body;
            Ok(view)
        }

        /// Nothing to fetch: the view is in the panel's module.
        #[cfg(not(feature = "split"))]
        async fn $prefetch() -> Result<(), SplitLoaderError> {
            Ok(())
        }
    };
}

on_demand! {
    /// The field chooser (the cog).
    fn fields_view(), prefetch prefetch_fields, { view! { <FieldChooser /> }.into_any() }
}

on_demand! {
    /// Settings: the agent's link, the org's settings.
    fn settings_view(), prefetch prefetch_settings, { view! { <SettingsView /> }.into_any() }
}

on_demand! {
    /// A create form.
    fn create_view(creating: Creating), prefetch prefetch_create, {
        view! { <CreateForm creating=creating /> }.into_any()
    }
}

on_demand! {
    /// Converting a Lead.
    fn convert_view(lead: RecordView), prefetch prefetch_convert, {
        view! { <ConvertForm lead=lead /> }.into_any()
    }
}

/// Fetches the views' modules in the background `after_ms` after the panel is first seen (its
/// records painted by then), so that opening a view later does not wait for the network. Once
/// per page; a module that fails here is fetched again when its view opens.
pub fn prefetch_when_seen(active: Signal<bool>, after_ms: u32) {
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if !active.get() || started.get_value() {
            return;
        }
        started.set_value(true);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(after_ms).await;
            // Each failure is the loader's to report (the console); the view retries on open.
            let _ = futures::join!(
                prefetch_fields(),
                prefetch_settings(),
                prefetch_create(),
                prefetch_convert()
            );
        });
    });
}

/// A view's load: its module fetched (the first time), then the view.
type Load =
    Arc<dyn Fn() -> LocalBoxFuture<'static, Result<AnyView, SplitLoaderError>> + Send + Sync>;

/// The field chooser, once its module is in.
pub fn fields() -> AnyView {
    shown(Arc::new(|| fields_view().boxed_local()))
}

/// Settings, once their module is in.
pub fn settings() -> AnyView {
    shown(Arc::new(|| settings_view().boxed_local()))
}

/// A create form, once its module is in.
pub fn create(creating: Creating) -> AnyView {
    shown(Arc::new(move || {
        create_view(creating.clone()).boxed_local()
    }))
}

/// The Lead's conversion form, once its module is in.
pub fn convert(lead: RecordView) -> AnyView {
    shown(Arc::new(move || convert_view(lead.clone()).boxed_local()))
}

/// `load`'s view when it resolves: until then a line saying it is loading; if it fails, why,
/// and a Retry that loads it again. (One function for every view, not one per view: `load` is
/// a trait object.)
fn shown(load: Load) -> AnyView {
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
                        <p class="error">"This view could not be loaded. Check the connection and retry; if Salesforce Pane was just updated, reload it."</p>
                        <button type="button" class="button" data-testid="on-demand-retry" on:click=move |_| attempt.update(|n| *n += 1)>"Retry"</button>
                        <button type="button" class="button secondary" data-testid="on-demand-reload" on:click=|_| reload()>"Reload"</button>
                    </div>
                }
                .into_any(),
            }
        })
    };
    view! {
        <Suspense fallback=|| view! { <p class="lookup-message" data-testid="on-demand-loading">"Loading…"</p> }>
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
