//! A lookup field's input: the agent types a name, email or phone, picks one of the records
//! found (Contacts, Leads, Accounts, as the field allows), and the field gets its id.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{FieldSpec, RecordView};

use crate::api::{Api, endpoints};
use crate::hooks::use_debounce;
use crate::model::display::title;

/// The objects the Search Salesforce box finds.
const FINDABLE: &[&str] = &["Contact", "Lead", "Account"];

/// The names of the records a form's lookups are prefilled with, `(id, name)`, provided by the
/// form: a prefilled lookup shows the record's name rather than its id.
#[derive(Debug, Clone, Default)]
pub struct LinkedNames(pub Vec<(String, String)>);

/// Whether a lookup field points at records the search finds.
pub fn searchable(field: &FieldSpec) -> bool {
    field
        .reference_to
        .iter()
        .any(|o| FINDABLE.contains(&o.as_str()))
}

/// The input.
#[component]
pub fn LookupInput(
    /// The lookup field.
    field: FieldSpec,
    /// The chosen record's id.
    value: RwSignal<String>,
    /// The element id, for the label.
    id: String,
) -> impl IntoView {
    let api = use_context::<Api>();
    let linked = use_context::<LinkedNames>().unwrap_or_default();
    let text = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let results = RwSignal::new(Vec::<RecordView>::new());
    let debounce = use_debounce();
    let targets = field.reference_to.clone();
    let testid = format!("input-{}", field.name);
    let search = move |typed: String| {
        text.set(typed.clone());
        let Some(api) = api else { return };
        let Some(current) = debounce.restart() else {
            return;
        };
        if typed.chars().filter(|c| c.is_alphanumeric()).count() < 2 {
            results.set(Vec::new());
            return;
        }
        let targets = targets.clone();
        spawn_local(async move {
            if !debounce.settled(current).await {
                return;
            }
            if let Ok(found) = endpoints::search(api, &typed).await
                && debounce.is_current(current)
            {
                results.set(
                    found
                        .records
                        .into_iter()
                        .filter(|r| targets.contains(&r.object))
                        .collect(),
                );
            }
        });
    };
    view! {
        <div class="lookup-input">
            {move || {
                let id_now = value.get();
                (!id_now.is_empty()).then(|| view! {
                    <p class="chosen-record" data-testid="lookup-chosen">
                        {chosen.get()
                            .or_else(|| linked.0.iter().find(|(id, _)| *id == id_now).map(|(_, name)| name.clone()))
                            .unwrap_or_else(|| format!("Record {id_now}"))}
                        " "
                        <button type="button" class="link" on:click=move |_| { value.set(String::new()); chosen.set(None); }>"change"</button>
                    </p>
                }.into_any())
            }}
            <input id=id class="input" type="search" data-testid=testid autocomplete="off"
                placeholder="Search by name, email or phone" aria-autocomplete="list"
                prop:value=move || text.get()
                on:input=move |ev| search(event_target_value(&ev)) />
            <ul class="lookup-results" data-testid="lookup-results">
                {move || results.get().into_iter().map(|r| {
                    let label = format!("{} · {}", title(&r), r.object);
                    let (rid, name) = (r.id.clone(), title(&r));
                    view! {
                        <li>
                            <button type="button" class="search-result" data-testid="lookup-result"
                                on:click=move |_| {
                                    value.set(rid.clone());
                                    chosen.set(Some(name.clone()));
                                    results.set(Vec::new());
                                    text.set(String::new());
                                }>{label}</button>
                        </li>
                    }.into_any()
                }).collect_view()}
            </ul>
        </div>
    }
}
