//! The panel's root: connects the bridge, watches visibility, lays out the shell.

use leptos::prelude::*;

use super::coming_soon::ComingSoon;
use super::header::Header;
use super::lookup::Lookup;
use super::status_bar::StatusBar;
use super::view::{View, provide_view_context};
use crate::api::provide_api;
use crate::bridge::Bridge;
use crate::hooks::use_panel_active;
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
    provide_api(visibility.active);
    let view_ctx = provide_view_context();
    let problem = bridge.problem();
    view! {
        <div class="panel" node_ref=root data-testid="panel">
            <Header />
            <main class="body">
                {move || problem.get().map(|p| view! { <p class="error" data-testid="bridge-problem">{p}</p> })}
                {move || match view_ctx.0.get() {
                    View::Records => view! { <Lookup /> }.into_any(),
                    View::Search(q) => view! {
                        <ComingSoon
                            what="Search"
                            detail=format!("Contacts, Leads and Accounts matching “{q}” will be listed here.")
                        />
                    }
                    .into_any(),
                    View::Fields => view! {
                        <ComingSoon
                            what="The field chooser"
                            detail="Pick and order the fields shown for each object, custom fields included.".to_owned()
                        />
                    }
                    .into_any(),
                }}
            </main>
            <StatusBar visibility=visibility refresh_ms=settings.refresh_ms />
        </div>
    }
}
