//! The panel's root: connects the bridge, watches visibility, lays out the shell.

use leptos::prelude::*;

use super::describes::provide_describes;
use super::header::Header;
use super::lookup::Lookup;
use super::notices::provide_notices;
use super::records_read::provide_records_read;
use super::search::search_results;
use super::split_views;
use super::state::provide_records_state;
use super::status_bar::StatusBar;
use super::view::{View, provide_view_context};
use crate::api::provide_api;
use crate::bridge::Bridge;
use crate::hooks::use_panel_active;
use crate::identity::provide_identity;
use crate::link::provide_linker;
use crate::session::provide_session;
use crate::settings::Settings;

/// The whole panel, connected to the host in the parent window.
#[component]
pub fn App() -> impl IntoView {
    match Bridge::connect() {
        Ok(bridge) => {
            view! { <Panel bridge=bridge settings=Settings::from_location() /> }.into_any()
        }
        Err(err) => view! {
            <main class="panel">
                <p class="lookup-message" data-testid="bridge-error">
                    {format!("Salesforce Pane runs inside an inbox app: {err}")}
                </p>
            </main>
        }
        .into_any(),
    }
}

/// The panel over a connected bridge (tests connect one to a port they play the host on).
#[component]
pub fn Panel(
    /// The bridge to the host; provided to the components below.
    bridge: Bridge,
    /// URL settings.
    settings: Settings,
) -> impl IntoView {
    provide_context(bridge.clone());
    let root = NodeRef::<leptos::html::Div>::new();
    let visibility = use_panel_active(root);
    let session = provide_session();
    let api = provide_api(visibility.active, Some(session.auth()));
    let identity = provide_identity(api, session);
    provide_linker(session, api, identity);
    provide_describes(api);
    let records = provide_records_state();
    // Listening to the bridge from now on: a context's records are read as it arrives.
    provide_records_read(&bridge, api, session, records);
    let notices = provide_notices(records.current_handle.into());
    let view_ctx = provide_view_context();
    split_views::prefetch_when_seen(visibility.active, settings.prefetch_ms);
    let problem = bridge.problem();
    let query = Signal::derive(move || match view_ctx.0.get() {
        View::Search(q) => q,
        _ => String::new(),
    });
    let is_search = Memo::new(move |_| matches!(view_ctx.0.get(), View::Search(_)));
    view! {
        <div class="panel" node_ref=root data-testid="panel">
            <Header />
            {move || notices.current().map(|n| view! {
                <div class="notice" role="status" data-testid="notice">
                    <span>{n}</span>
                    <button type="button" class="icon" aria-label="Dismiss" on:click=move |_| notices.dismiss()>"✕"</button>
                </div>
            }.into_any())}
            <main class="body">
                {move || problem.get().map(|p| view! { <p class="error" data-testid="bridge-problem">{p}</p> }.into_any())}
                // The search view stays mounted while typing, so its debounce survives keystrokes.
                <Show when=move || is_search.get()>
                    {search_results(query)}
                </Show>
                {move || match view_ctx.0.get() {
                    View::Records => view! { <Lookup /> }.into_any(),
                    View::Search(_) => ().into_any(),
                    // Not on the first paint: loaded when first shown.
                    View::Fields => split_views::fields(),
                    View::Settings => split_views::settings(),
                    View::Create(creating) => split_views::create(creating),
                    View::Convert(lead) => split_views::convert(lead),
                }}
            </main>
            <StatusBar visibility=visibility refresh_ms=settings.refresh_ms />
        </div>
    }
}
