//! The field chooser (the cog): per object, pick and order the fields shown, custom fields
//! included, from the describe. Saved per agent; "Reset" goes back to the admin's default.

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::FieldsByObject;

use super::describes::use_describes;
use super::records::default_fields;
use super::state::use_records_state;
use super::view::{View, ViewContext, use_view_context};
use crate::api::{endpoints, use_api};
use crate::identity::use_identity;

/// Fields the chooser never offers (the panel reads them for itself).
const NOT_OFFERED: &[&str] = &[
    "Id",
    "IsDeleted",
    "LastModifiedDate",
    "SystemModstamp",
    "MasterRecordId",
];

/// The cog's view.
#[component]
pub fn FieldChooser() -> impl IntoView {
    let (identity, describes, records, api) = (
        use_identity(),
        use_describes(),
        use_records_state(),
        use_api(),
    );
    let ViewContext(view) = use_view_context();
    // Closing goes back to the records and gives the focus back to the cog that opened this.
    let close = move || {
        view.set(View::Records);
        if let Some(cog) = document()
            .query_selector("[data-testid=cog]")
            .ok()
            .flatten()
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = cog.focus();
        }
    };
    let object = RwSignal::new("Contact".to_owned());
    let chosen = RwSignal::new(Vec::<String>::new());
    let saved = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        // Only a new object resets the list (a save updates the settings too).
        let o = object.get();
        chosen.set(untrack(|| identity.shown_fields(&o, default_fields(&o))));
        saved.set(None);
    });
    let spec = Memo::new(move |_| describes.describe(&object.get()));
    let label = move |name: &str| {
        spec.with(|s| {
            s.as_ref()
                .and_then(|s| s.fields.iter().find(|f| f.name == name))
                .map_or_else(|| name.to_owned(), |f| f.label.clone())
        })
    };
    let save = move |layout_for_object: Vec<String>| {
        let mut layout: FieldsByObject = identity
            .settings
            .with_untracked(|s| s.as_ref().map(|s| s.layout.clone()).unwrap_or_default());
        layout.insert(object.get_untracked(), layout_for_object);
        layout.retain(|_, v| !v.is_empty());
        spawn_local(async move {
            match endpoints::save_layout(api, &layout).await {
                Ok(layout) => {
                    identity.amend(|s| s.layout = layout);
                    let Some(o) = object.try_get_untracked() else {
                        return;
                    };
                    chosen.set(identity.shown_fields(&o, default_fields(&o)));
                    saved.set(Some("Saved.".into()));
                    records.changed();
                }
                Err(err) => saved.set(Some(err.to_string())),
            }
        });
    };
    let move_field = move |i: usize, up: bool| {
        chosen.update(|c| {
            let j = if up {
                i.checked_sub(1)
            } else {
                Some(i + 1).filter(|j| *j < c.len())
            };
            if let Some(j) = j {
                c.swap(i, j);
            }
        });
    };
    view! {
        <section class="chooser" data-testid="field-chooser"
            on:keydown=move |ev| if ev.key() == "Escape" { ev.prevent_default(); close(); }>
            <div class="chooser-head">
                <h2>"Fields shown"</h2>
                <button type="button" class="icon" aria-label="Close the field chooser" title="Close"
                    data-testid="close-chooser" on:click=move |_| close()>"✕"</button>
            </div>
            <div class="tabs" role="tablist">
                {pane_wire::objects::pickable().map(|o| {
                    let o = o.to_owned();
                    let o2 = o.clone();
                    let o3 = o.clone();
                    view! {
                        <button type="button" role="tab" class="tab" data-testid=format!("chooser-{o}")
                            aria-selected=move || (object.get() == o2).to_string()
                            on:click=move |_| object.set(o3.clone())>{o.clone()}</button>
                    }
                }).collect_view()}
            </div>
            <ol class="chosen" data-testid="chosen-fields">
                {move || chosen.get().into_iter().enumerate().map(|(i, name)| {
                    let text = label(&name);
                    let name2 = name.clone();
                    view! {
                        <li data-testid="chosen-field" data-field=name.clone()>
                            <span>{text.clone()}</span>
                            <button type="button" class="icon" aria-label=format!("Move {text} up") on:click=move |_| move_field(i, true)>"↑"</button>
                            <button type="button" class="icon" aria-label=format!("Move {text} down") on:click=move |_| move_field(i, false)>"↓"</button>
                            <button type="button" class="icon" aria-label=format!("Remove {text}") data-testid="remove-field"
                                on:click=move |_| chosen.update(|c| c.retain(|n| *n != name2))>"✕"</button>
                        </li>
                    }.into_any()
                }).collect_view()}
            </ol>
            <label for="add-field">"Add a field"</label>
            <select id="add-field" class="input" data-testid="add-field"
                on:change=move |ev| {
                    let name = event_target_value(&ev);
                    if !name.is_empty() {
                        chosen.update(|c| if !c.contains(&name) { c.push(name) });
                    }
                    // Back to the placeholder once the options are drawn again without the
                    // field just added: the next option is not picked for the agent.
                    if let Some(select) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok()) {
                        select.set_value("");
                        request_animation_frame(move || select.set_value(""));
                    }
                }>
                <option value="">"—"</option>
                {move || spec.get().map(|s| {
                    let picked = chosen.get();
                    s.fields.into_iter()
                        .filter(|f| !NOT_OFFERED.contains(&f.name.as_str()) && !picked.contains(&f.name) && f.kind != "address")
                        .map(|f| view! { <option value=f.name.clone()>{format!("{}{}", f.label, if f.custom { " (custom)" } else { "" })}</option> }.into_any())
                        .collect_view()
                })}
            </select>
            <div class="form-actions">
                <button type="button" class="button" data-testid="save-fields" on:click=move |_| save(chosen.get_untracked())>"Save"</button>
                <button type="button" class="button secondary" data-testid="reset-fields" on:click=move |_| save(Vec::new())>"Reset to default"</button>
            </div>
            {move || saved.get().map(|m| view! { <p class="hint" role="status" data-testid="chooser-status">{m}</p> }.into_any())}
        </section>
    }
}
