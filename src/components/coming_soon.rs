//! A placeholder view for what later versions bring, with a way back.

use leptos::prelude::*;

use super::view::{View, use_view_context};

/// Says `what` is coming, and offers the way back to the records.
#[component]
pub fn ComingSoon(
    /// What is coming, e.g. "Search".
    what: &'static str,
    /// One sentence on what it will do.
    detail: String,
) -> impl IntoView {
    let view = use_view_context().0;
    view! {
        <section class="coming-soon" data-testid="coming-soon">
            <h2>{what} " is coming soon"</h2>
            <p>{detail}</p>
            <button type="button" data-testid="back" on:click=move |_| view.set(View::Records)>
                "Back to the conversation"
            </button>
        </section>
    }
}
