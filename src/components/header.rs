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
            <ViewToggle to=View::Fields icon="⚙" title="Choose the fields shown" testid="cog" />
            <ViewToggle to=View::Settings icon="☰" title="Settings" testid="settings-button" />
        </header>
    }
}

/// A header button that opens view `to`, and goes back to the records when it is open.
#[component]
fn ViewToggle(
    /// The view it opens.
    to: View,
    /// Its icon.
    icon: &'static str,
    /// Its title and label.
    title: &'static str,
    /// Its test id.
    testid: &'static str,
) -> impl IntoView {
    let ViewContext(view) = use_view_context();
    let open = StoredValue::new(to);
    let is_open = move || open.with_value(|to| view.with(|v| v == to));
    view! {
        <button
            class="cog"
            type="button"
            title=title
            aria-label=title
            data-testid=testid
            aria-pressed=move || is_open().to_string()
            on:click=move |_| {
                let next = if is_open() { View::Records } else { open.get_value() };
                view.set(next);
            }
        >
            {icon}
        </button>
    }
}
