//! The status bar: whether the panel is live or paused, the requests it has made, and the
//! backend it is connected to: as the proxy's answer to who is linked carried it at load
//! (`GET /api/me`), then refreshed (`GET /api/health`) while visible, never while hidden.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::Health;

use crate::PanelError;
use crate::api::{endpoints, use_api};
use crate::bridge::use_bridge;
use crate::hooks::{UsePanelActiveReturn, use_refresh};
use crate::session::use_session;

/// The status bar at the bottom of the panel.
#[component]
pub fn StatusBar(
    /// Whether the panel can be seen, and why.
    visibility: UsePanelActiveReturn,
    /// How often to refresh the backend's status while visible, in ms.
    refresh_ms: u32,
) -> impl IntoView {
    let active = visibility.active;
    let api = use_api();
    let bridge = use_bridge();
    let heard = use_session().health();
    // The bar's own refreshes; before the first, what came with who is linked.
    let refreshed = RwSignal::new(None::<Result<Health, PanelError>>);
    let health = Signal::derive(move || refreshed.get().or_else(|| heard.get()));
    // Whether the bar asked (or would have) already.
    let asked = StoredValue::new(false);
    let refresh = use_refresh(active, refresh_ms, move || async move {
        // At load the proxy's answer to who is linked (`GET /api/me`) brings the health: the
        // bar asks for it itself from its next refresh on.
        let first = !asked.get_value();
        asked.set_value(true);
        if first && heard.get_untracked().is_none() {
            return false;
        }
        match endpoints::health(api).await {
            Ok(h) => {
                refreshed.set(Some(Ok(h)));
                true
            }
            // Not fetched: stays stale, refreshed when the panel is seen again.
            Err(PanelError::Suspended | PanelError::Aborted) => false,
            Err(err) => {
                refreshed.set(Some(Err(err)));
                false
            }
        }
    });
    // What came with who is linked is newer than the bar's last refresh, and as fresh.
    Effect::new(move |_| {
        let Some(answered) = heard.with(|h| h.as_ref().map(Result::is_ok)) else {
            return;
        };
        refreshed.set(None);
        if answered {
            refresh.got_fresh.run(());
        }
    });
    let open_org = move |_| {
        let Some(Ok(h)) = health.get_untracked() else {
            return;
        };
        let bridge = bridge.clone();
        spawn_local(async move {
            if let Err(err) = bridge.open_url(&h.org_url).await {
                leptos::logging::warn!("openUrl failed: {err}");
            }
        });
    };
    let backend = move || {
        match health.get() {
        None => view! { <span data-testid="backend" data-state="unknown">"Connecting…"</span> }.into_any(),
        Some(Ok(h)) => view! {
            <button type="button" class="link" data-testid="backend" data-state="ok" title=h.org_url.clone() on:click=open_org.clone()>
                {format!("Connected to the {}", h.backend.label())}
            </button>
        }
        .into_any(),
        Some(Err(err)) => view! { <span data-testid="backend" data-state="error" class="error">{err.to_string()}</span> }.into_any(),
    }
    };
    view! {
        <footer class="status-bar">
            {backend}
            <span class="spacer"></span>
            <span
                class="live"
                data-testid="panel-active"
                data-active=move || active.get().to_string()
                data-document-visible=move || visibility.document_visible.get().to_string()
                data-in-view=move || visibility.in_view.get().to_string()
                data-has-size=move || visibility.has_size.get().to_string()
                title="The panel makes requests only while it can be seen"
            >
                {move || if active.get() { "Live" } else { "Paused" }}
            </span>
            <span class="requests" title="Requests the panel has made">
                "Requests: " <span data-testid="request-count">{move || api.requests().get()}</span>
            </span>
        </footer>
    }
}
