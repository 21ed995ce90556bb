//! Not linked yet: the button that links the agent's Salesforce login (a popup; the session
//! comes back by `postMessage`).

use leptos::prelude::*;

use crate::session::use_session;

/// Asks the agent to link Salesforce.
#[component]
pub fn LinkPrompt() -> impl IntoView {
    let session = use_session();
    let bridge = crate::bridge::use_bridge();
    let linker = crate::link::use_linker();
    view! {
        <div class="state-message" data-testid="link-prompt">
            {move || session.ended().get().map(|reason| view! {
                <p class="error" data-testid="link-reason">{reason}</p>
            }.into_any())}
            <p>"Link your Salesforce account to see and edit this sender's records. You sign in to Salesforce in a small window; the panel never sees your password."</p>
            <button type="button" class="button" data-testid="link-salesforce"
                on:click=move |_| linker.link("agent", bridge.clone())>"Link Salesforce"</button>
        </div>
    }
}
