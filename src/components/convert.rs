//! Converting a Lead into a Contact with a new or existing Account (one suggested from the
//! Lead's company or email domain), optionally an Opportunity, with a converted status from
//! the org's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{ConvertRequest, RecordView};
use pane_wire::bridge::{email_domain, is_free_mail};
use serde_json::Value;

use super::notices::use_notices;
use super::state::use_records_state;
use super::view::{View, use_view_context};
use crate::api::{endpoints, use_api};
use crate::model::display::title;

/// The conversion form for `lead`.
#[component]
pub fn ConvertForm(
    /// The Lead.
    lead: RecordView,
) -> impl IntoView {
    let (state, api, notices) = (use_records_state(), use_api(), use_notices());
    let view_ctx = use_view_context();
    let text = |k: &str| {
        lead.fields
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let company = text("Company");
    let domain = email_domain(&text("Email")).filter(|d| !is_free_mail(d));
    let statuses = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(String::new());
    let accounts = RwSignal::new(Vec::<RecordView>::new());
    let account = RwSignal::new(String::new());
    let with_opportunity = RwSignal::new(false);
    let opportunity = RwSignal::new(format!("{company} -"));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let id = lead.id.clone();
    {
        let id = id.clone();
        let query = domain.clone().unwrap_or_else(|| company.clone());
        spawn_local(async move {
            match endpoints::convert_options(api, &id).await {
                Ok(o) => {
                    status.set(o.statuses.first().cloned().unwrap_or_default());
                    statuses.set(o.statuses);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
            if query.chars().filter(|c| c.is_alphanumeric()).count() >= 2
                && let Ok(found) = endpoints::search(api, &query).await
            {
                let found: Vec<RecordView> = found
                    .records
                    .into_iter()
                    .filter(|r| r.object == "Account")
                    .collect();
                if let Some(first) = found.first() {
                    account.set(first.id.clone());
                }
                accounts.set(found);
            }
        });
    }
    let convert = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = ConvertRequest {
            converted_status: status.get_untracked(),
            account_id: Some(account.get_untracked()).filter(|a| !a.is_empty()),
            opportunity_name: with_opportunity
                .get_untracked()
                .then(|| opportunity.get_untracked()),
        };
        let id = id.clone();
        busy.set(true);
        spawn_local(async move {
            let answer = endpoints::convert(api, &id, &request).await;
            busy.set(false);
            match answer {
                Ok(_) => {
                    notices.say("The Lead is now a Contact.");
                    state.changed();
                    view_ctx.0.set(View::Records);
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <section class="form-view" data-testid="convert-form">
            <h2>{format!("Convert {}", title(&lead))}</h2>
            <form class="record-form" on:submit=convert>
                <div class="form-field">
                    <label for="convert-status">"Converted status" <span class="required">"*"</span></label>
                    <select id="convert-status" class="input" data-testid="convert-status"
                        on:change=move |ev| status.set(event_target_value(&ev))>
                        {move || statuses.get().into_iter().map(|s| {
                            let selected = s == status.get_untracked();
                            view! { <option value=s.clone() selected=selected>{s.clone()}</option> }.into_any()
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="form-field">
                    <legend>"Account"</legend>
                    <label class="choice">
                        <input type="radio" name="convert-account" value="" data-testid="convert-new-account"
                            prop:checked=move || account.get().is_empty() on:change=move |_| account.set(String::new()) />
                        {format!("A new Account: {company}")}
                    </label>
                    {move || accounts.get().into_iter().map(|a| {
                        let id = a.id.clone();
                        let id2 = a.id.clone();
                        view! {
                            <label class="choice">
                                <input type="radio" name="convert-account" value=a.id.clone() data-testid="convert-existing-account"
                                    prop:checked=move || account.get() == id on:change=move |_| account.set(id2.clone()) />
                                {format!("Existing: {}", title(&a))}
                            </label>
                        }.into_any()
                    }).collect_view()}
                </fieldset>
                <div class="form-field">
                    <label class="choice">
                        <input type="checkbox" data-testid="convert-with-opportunity"
                            prop:checked=move || with_opportunity.get()
                            on:change=move |ev| with_opportunity.set(event_target_checked(&ev)) />
                        "Also create an Opportunity"
                    </label>
                    <Show when=move || with_opportunity.get()>
                        <input class="input" aria-label="Opportunity name" data-testid="convert-opportunity-name"
                            prop:value=move || opportunity.get() on:input=move |ev| opportunity.set(event_target_value(&ev)) />
                    </Show>
                </div>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="form-error">{e}</p> }.into_any())}
                <div class="form-actions">
                    <button type="submit" class="button" data-testid="convert"
                        disabled=move || busy.get() || statuses.with(Vec::is_empty)>"Convert"</button>
                    <button type="button" class="button secondary" data-testid="cancel"
                        on:click=move |_| view_ctx.0.set(View::Records)>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}
