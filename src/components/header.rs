//! The header: the Search Salesforce box and the cog.

use leptos::prelude::*;

use super::view::{View, ViewContext, use_view_context};

/// The panel's header.
#[component]
pub fn Header() -> impl IntoView {
    let ViewContext(view) = use_view_context();
    let query = move || match view.get() {
        View::Search(q) => q,
        _ => String::new(),
    };
    view! {
        <header class="header">
            <input
                class="search"
                type="search"
                placeholder="Search Salesforce"
                aria-label="Search Salesforce"
                data-testid="search"
                prop:value=query
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    view.set(if text.is_empty() { View::Records } else { View::Search(text) });
                }
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        view.set(View::Records);
                    }
                }
            />
            <button
                class="cog"
                type="button"
                title="Choose the fields shown"
                aria-label="Choose the fields shown"
                data-testid="cog"
                aria-pressed=move || (view.get() == View::Fields).to_string()
                on:click=move |_| {
                    view.update(|v| *v = if *v == View::Fields { View::Records } else { View::Fields });
                }
            >
                "⚙"
            </button>
            <button
                class="cog"
                type="button"
                title="Settings"
                aria-label="Settings"
                data-testid="settings-button"
                aria-pressed=move || (view.get() == View::Settings).to_string()
                on:click=move |_| {
                    view.update(|v| *v = if *v == View::Settings { View::Records } else { View::Settings });
                }
            >
                "☰"
            </button>
        </header>
    }
}
