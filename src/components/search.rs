//! Search Salesforce: Contacts, Leads and Accounts by name, email or phone as the agent types
//! (debounced; a newer search makes an older answer irrelevant). Choosing a result shows it for
//! the conversation the search was made in and remembers it for its sender (a team pin): never
//! for a conversation the host opened meanwhile.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::RecordView;
use pane_wire::bridge::Handle;
use serde_json::Value;

use super::notices::use_notices;
use super::on_demand::{load, shown_inline};
use super::records_read::use_records_read;
use super::state::use_records_state;
use super::view::{View, use_view_context};
use crate::api::{endpoints, use_api};
use crate::hooks::use_debounce;
use crate::model::display::title;
use crate::split::on_demand;

on_demand! {
    /// The results (their own module: `crate::split`).
    pub(super) fn search_view(query: Signal<String>), prefetch prefetch_search, {
        view! { <SearchView query=query /> }.into_any()
    }
}

/// The results of the text typed in the header, once their module is in (nothing while it
/// loads).
pub fn search_results(query: Signal<String>) -> AnyView {
    // Nothing to close: clearing the search box leaves the results.
    shown_inline(load(move || search_view(query)), None)
}

/// The results of the text typed in the header.
#[component]
pub fn SearchView(
    /// The text typed.
    query: Signal<String>,
) -> impl IntoView {
    let (state, read) = (use_records_state(), use_records_read());
    let (api, notices) = (use_api(), use_notices());
    let view_ctx = use_view_context();
    let results = RwSignal::new(None::<Result<Vec<RecordView>, String>>);
    // The conversation the results shown were searched in (its context id) and its sender.
    let made_in = StoredValue::new(None::<(Option<String>, Handle)>);
    let debounce = use_debounce();
    Effect::new(move |_| {
        let text = query.get();
        let Some(current) = debounce.restart() else {
            return;
        };
        if text.trim().chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            results.set(None);
            return;
        }
        spawn_local(async move {
            if !debounce.settled(current).await {
                return;
            }
            let origin = state
                .current_handle
                .get_untracked()
                .map(|h| (read.context_id().get_untracked(), h));
            let answer = endpoints::search(api, &text).await;
            if !debounce.is_current(current) {
                return;
            }
            made_in.try_set_value(origin);
            results.set(Some(answer.map(|r| r.records).map_err(|e| e.to_string())));
        });
    });
    move || {
        match results.get() {
        None => view! { <p class="hint" data-testid="search-hint">"Type a name, an email or a phone number."</p> }.into_any(),
        Some(Err(e)) => view! { <p class="error" role="alert" data-testid="search-error">{e}</p> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! { <p class="hint" data-testid="search-empty">"No Contact, Lead or Account matches."</p> }.into_any(),
        Some(Ok(list)) => view! {
            <ul class="search-results" data-testid="search-results" aria-label="Search results">
                {list.into_iter().map(|r| {
                    let detail = ["Email", "Company", "Website", "Phone"].iter()
                        .find_map(|k| r.fields.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
                        .unwrap_or_default();
                    let chosen = r.clone();
                    view! {
                        <li>
                            <button type="button" class="search-result" data-testid="search-result"
                                data-object=r.object.clone() data-id=r.id.clone()
                                on:click=move |_| {
                                    if let Some((context, h)) = made_in.get_value() {
                                        state.pin(api, notices, &h, &chosen);
                                        // Filtered by the context: another conversation's
                                        // sender is never pinned by a search made here.
                                        if context != read.context_id().get_untracked() {
                                            notices.say(format!("Chosen for {}, the sender of the conversation the search was made in.", h.value));
                                        }
                                    }
                                    view_ctx.0.set(View::Records);
                                }>
                                <span class="object-badge">{r.object.clone()}</span>
                                <span class="result-title">{title(&r)}</span>
                                <span class="result-detail">{detail}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    }
}
