//! One field of a record: its label and value, and inline editing (`model::edit`). Hovering an
//! editable field shows a pencil; the pencil or Enter opens the input; Enter or blur saves,
//! Escape cancels; the value shows at once; a save Salesforce refuses opens the input again with
//! what was typed and why (the field named by its label);
//! a record changed in Salesforce meanwhile offers to overwrite or keep its value. An open edit
//! is kept in the records' state: a row drawn again (the records read again) opens it again,
//! focused, with what was typed.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;
use pane_wire::api::{FieldSpec, PicklistOption};
use serde_json::Value;

use super::field_save::{Save, save_field};
use super::on_demand::{load, shown_inline};
use super::state::use_records_state;
use crate::api::use_api;
use crate::intl::AgentFormats;
use crate::model::display::{url_pieces, value_text};
use crate::model::edit::{EditCommand, EditEvent, EditState, FieldKey, OpenEdit};
use crate::model::form::{InputKind, input_kind, to_input};
use crate::split::on_demand;

/// The input for a field, bound to `value` (text as the input holds it).
#[component]
pub fn FieldInput(
    /// The field.
    field: FieldSpec,
    /// What is typed.
    value: RwSignal<String>,
    /// Its element id, for the label.
    id: String,
    /// Keys pressed in it (inline edit's Enter and Escape).
    #[prop(optional)]
    on_key: Option<Callback<web_sys::KeyboardEvent>>,
    /// Focus left it (not when it left because the input was taken out of the document).
    #[prop(optional)]
    on_blur: Option<Callback<()>>,
    /// Focus it when shown.
    #[prop(optional)]
    autofocus: bool,
    /// Marked invalid.
    #[prop(optional, into)]
    invalid: Signal<bool>,
) -> impl IntoView {
    let kind = input_kind(&field);
    let testid = format!("input-{}", field.name);
    if autofocus {
        // `autofocus` is ignored in a cross-origin frame (the panel in the inbox): focus the
        // input once it is in the document, so the agent can type at once.
        let id = id.clone();
        Effect::new(move |_| focus_when_shown(id.clone(), FOCUS_FRAMES));
    }
    let key = move |ev: web_sys::KeyboardEvent| {
        if let Some(cb) = on_key {
            cb.run(ev);
        }
    };
    let blur = move |ev: web_sys::FocusEvent| {
        let (Some(cb), Some(input)) = (
            on_blur,
            ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()),
        ) else {
            return;
        };
        // An input taken out of the document while focused (its row drawn again) may get a
        // blur on the way out: only one it is still in, once the removal is done, is the
        // agent's.
        queue_microtask(move || {
            if input.is_connected() {
                cb.run(());
            }
        });
    };
    let required = field.required;
    let max = field.length.map(|l| l.to_string());
    let invalid_attr = move || invalid.get().to_string();
    match kind {
        InputKind::TextArea => view! {
            <textarea id=id class="input" data-testid=testid rows="3" maxlength=max required=required
                aria-invalid=invalid_attr autofocus=autofocus
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:keydown=key on:blur=blur></textarea>
        }
        .into_any(),
        InputKind::Checkbox => view! {
            <input id=id class="checkbox" type="checkbox" data-testid=testid autofocus=autofocus
                prop:checked=move || value.get() == "true"
                on:change=move |ev| value.set(event_target_checked(&ev).to_string())
                on:keydown=key on:blur=blur />
        }
        .into_any(),
        InputKind::Picklist => {
            let options: Vec<PicklistOption> = field.picklist.clone();
            view! {
                <select id=id class="input" data-testid=testid required=required aria-invalid=invalid_attr
                    autofocus=autofocus
                    prop:value=move || value.get()
                    on:change=move |ev| value.set(event_target_value(&ev))
                    on:keydown=key on:blur=blur>
                    <option value="">"—"</option>
                    {options.into_iter().map(|o| {
                        let v = o.value.clone();
                        let selected = move || value.get() == v;
                        view! { <option value=o.value.clone() selected=selected>{o.label}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        InputKind::Lookup if super::lookup_input::searchable(&field) => view! {
            <super::lookup_input::LookupInput field=field.clone() value=value id=id />
        }
        .into_any(),
        InputKind::Combobox => {
            let list = format!("{id}-values");
            let options: Vec<PicklistOption> = field.picklist.clone();
            view! {
                <input id=id class="input" type="text" list=list.clone() data-testid=testid
                    maxlength=max required=required aria-invalid=invalid_attr autofocus=autofocus
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:keydown=key on:blur=blur />
                <datalist id=list>
                    {options.into_iter().map(|o| view! { <option value=o.value.clone()>{o.label}</option> }).collect_view()}
                </datalist>
            }
            .into_any()
        }
        _ => {
            let html_type = match kind {
                InputKind::Email => "email",
                InputKind::Phone => "tel",
                InputKind::Url => "url",
                InputKind::Number => "text",
                InputKind::Date => "date",
                InputKind::DateTime => "datetime-local",
                _ => "text",
            };
            let mode = (kind == InputKind::Number).then_some("decimal");
            let placeholder = (kind == InputKind::Lookup).then_some("Record id (search to find one)");
            view! {
                <input id=id class="input" type=html_type inputmode=mode data-testid=testid
                    maxlength=max required=required aria-invalid=invalid_attr autofocus=autofocus
                    placeholder=placeholder
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:keydown=key on:blur=blur />
            }
            .into_any()
        }
    }
}

/// How many frames [`focus_when_shown`] waits for its input.
const FOCUS_FRAMES: u8 = 10;

/// Focuses the element with id `id` once it is in the document: now, or before one of the next
/// `frames` paints. An input loaded on demand (`on_demand`) is built before its `Suspense`
/// puts it in; a frame callback still runs before the paint that first shows it.
fn focus_when_shown(id: String, frames: u8) {
    match document()
        .get_element_by_id(&id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        Some(el) => {
            let _ = el.focus();
        }
        None if frames > 0 => request_animation_frame(move || focus_when_shown(id, frames - 1)),
        None => {}
    }
}

/// What a field's in-place input is drawn with (it crosses into its own module: `crate::split`).
#[derive(Clone)]
pub(super) struct FieldEditArgs {
    field: FieldSpec,
    draft: RwSignal<String>,
    id: String,
    on_key: Callback<web_sys::KeyboardEvent>,
    on_blur: Callback<()>,
    invalid: Signal<bool>,
}

on_demand! {
    /// A field's in-place input (its own module: `crate::split`), focused as it is shown.
    pub(super) fn field_edit_view(args: FieldEditArgs), prefetch prefetch_field_edit, {
        let FieldEditArgs { field, draft, id, on_key, on_blur, invalid } = args;
        view! {
            <FieldInput field=field value=draft id=id on_key=on_key on_blur=on_blur autofocus=true invalid=invalid />
        }
        .into_any()
    }
}

/// What a conflict is shown with (it crosses into its own module: `crate::split`).
#[derive(Debug, Clone)]
pub(super) struct ConflictArgs {
    /// Salesforce's value, as shown.
    theirs_text: String,
    /// What the agent typed.
    mine: String,
    /// Salesforce's value.
    theirs: Value,
    /// Saves the agent's value over `theirs`.
    overwrite: Callback<Value>,
    /// Keeps `theirs`.
    keep: Callback<Value>,
}

on_demand! {
    /// A save refused because the record changed in Salesforce meanwhile: its value and the
    /// agent's, and the choice (its own module: `crate::split`).
    pub(super) fn conflict_view(args: ConflictArgs), prefetch prefetch_conflict, {
        let ConflictArgs { theirs_text, mine, theirs, overwrite, keep } = args;
        let theirs_again = theirs.clone();
        view! {
            <div class="conflict" role="alert" data-testid="conflict">
                <p>"This record changed in Salesforce since it was loaded. It now says "
                    <strong data-testid="conflict-theirs">{theirs_text}</strong>"; you typed "
                    <strong>{mine}</strong>"."</p>
                <button type="button" class="button" data-testid="conflict-overwrite"
                    on:click=move |_| overwrite.run(theirs_again.clone())>"Save mine"</button>
                <button type="button" class="button secondary" data-testid="conflict-keep"
                    on:click=move |_| keep.run(theirs.clone())>"Keep Salesforce's"</button>
            </div>
        }
        .into_any()
    }
}

/// A field of a record with inline editing.
#[component]
pub fn FieldRow(
    /// The record's object.
    object: String,
    /// The record's id.
    id: String,
    /// The field's describe.
    field: FieldSpec,
    /// Its value as loaded.
    value: Value,
    /// When the record was loaded (an HTTP date), for the conflict check.
    loaded_at: Option<String>,
    /// The currency the record's amounts are in (ISO 4217).
    currency: String,
) -> impl IntoView {
    let state = use_records_state();
    let api = use_api();
    let at = FieldKey {
        object: object.clone(),
        id: id.clone(),
        field: field.name.clone(),
    };
    // The edit open in this field before the row was drawn again, as it was.
    let resumed = state
        .open_edit
        .with_value(|open| EditState::resumed(open.as_ref(), &at));
    let draft = RwSignal::new(match &resumed {
        EditState::Editing { draft, .. } => draft.clone(),
        _ => String::new(),
    });
    let edit = RwSignal::new(resumed);
    // Keeps this field's open edit, and what is typed, beside the records; forgets it once it
    // is closed.
    Effect::new(move |_| {
        let open = edit.with(|e| draft.with(|d| OpenEdit::of(e, &at, d)));
        state.open_edit.update_value(|kept| match open {
            Some(open) => *kept = Some(open),
            None if kept.as_ref().is_some_and(|k| k.at == at) => *kept = None,
            None => {}
        });
    });
    let shown_value = RwSignal::new(value.clone());
    let name = field.name.clone();
    let label = field.label.clone();
    let kind = field.kind.clone();
    let editable = field.updateable && input_kind(&field) != InputKind::ReadOnly;
    let field_for_save = field.clone();
    let field_for_text = field.clone();

    let dispatch = {
        let object = object.clone();
        let id = id.clone();
        move |event: EditEvent| {
            // The row may be gone (a blur on removal): then there is nothing to do.
            let Some(current) = edit.try_get_untracked() else {
                return;
            };
            let (next, effect) = current.next(event);
            edit.set(next);
            if let EditCommand::Save { draft: text, force } = effect {
                let save = Save {
                    api,
                    object: object.clone(),
                    id: id.clone(),
                    field: field_for_save.clone(),
                    text,
                    loaded_at: if force { None } else { loaded_at.clone() },
                };
                spawn_local(async move {
                    let event = match save_field(save).await {
                        Ok(saving) => {
                            let (event, typed) = saving.await;
                            if event == EditEvent::Saved {
                                shown_value.set(typed);
                                state.changed();
                            }
                            event
                        }
                        // The input opens again with what was typed, and why.
                        Err(_) => EditEvent::Failed(crate::PanelError::NotLoaded.to_string()),
                    };
                    // The row may have been replaced while the proxy answered.
                    if let Some(current) = edit.try_get_untracked() {
                        let next = current.next(event).0;
                        // Refused: the input opens again with what was saved.
                        if let EditState::Editing { draft: typed, .. } = &next {
                            draft.set(typed.clone());
                        }
                        edit.set(next);
                    }
                });
            }
        }
    };
    let start = {
        let dispatch = dispatch.clone();
        let field = field_for_text.clone();
        move || {
            // Only a value shown opens (not one being saved: its draft is kept).
            let (Some(EditState::Viewing), Some(value)) =
                (edit.try_get_untracked(), shown_value.try_get_untracked())
            else {
                return;
            };
            let text = to_input(&field, &value);
            draft.set(text.clone());
            dispatch(EditEvent::Start { current: text });
        }
    };
    let commit = {
        let dispatch = dispatch.clone();
        let field = field_for_text.clone();
        move || {
            let (Some(typed), Some(previous)) =
                (draft.try_get_untracked(), shown_value.try_get_untracked())
            else {
                return;
            };
            dispatch(EditEvent::Type(typed));
            dispatch(EditEvent::Commit {
                previous_text: to_input(&field, &previous),
                previous,
            });
        }
    };
    let currency_theirs = currency.clone();
    let shown_text = {
        let kind = kind.clone();
        move || {
            let state = edit.get();
            match state.optimistic() {
                Some(d) if !d.trim().is_empty() => d.to_owned(),
                Some(_) => "—".to_owned(),
                None => value_text(
                    &kind,
                    &shown_value.get(),
                    &currency,
                    &AgentFormats::browser(),
                )
                .unwrap_or_else(|| "—".to_owned()),
            }
        }
    };
    let input_id = format!("edit-{object}-{id}-{name}");
    let row_testid = format!("field-{name}");
    let on_key = {
        let commit = commit.clone();
        let dispatch = dispatch.clone();
        Callback::new(move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
            "Enter" if !ev.shift_key() => {
                ev.prevent_default();
                commit();
            }
            "Escape" => {
                ev.prevent_default();
                dispatch(EditEvent::Cancel);
            }
            _ => {}
        })
    };
    let on_blur = {
        let commit = commit.clone();
        Callback::new(move |()| commit())
    };
    let start_click = start.clone();
    let start_key = start.clone();
    // A conflict's choices (made here, with the row: `on_demand`).
    let keep = {
        let keep = dispatch.clone();
        Callback::new(move |theirs: Value| {
            shown_value.set(theirs);
            keep(EditEvent::KeepTheirs);
            state.changed();
        })
    };
    let overwrite = {
        let overwrite = dispatch.clone();
        Callback::new(move |theirs: Value| overwrite(EditEvent::Overwrite { previous: theirs }))
    };
    // What the in-place input is drawn with is made here, with the row, not where it is shown:
    // the input, built by its `Suspense` (`on_demand`), may outlive that spot's run (a read of
    // a disposed signal traps).
    let invalid = Signal::derive(move || edit.with(|e| e.refusal().is_some()));
    // An input that never came (its module): Close gives the value back, as a cancelled edit.
    let close = {
        let cancel = dispatch.clone();
        Callback::new(move |()| cancel(EditEvent::Cancel))
    };
    let kind_theirs = kind.clone();
    let kind_url = kind.clone();
    view! {
        <div class="field" data-testid=row_testid data-kind=kind.clone() data-editable=editable.to_string()
            data-state=move || match edit.get() {
                EditState::Viewing => "viewing",
                EditState::Editing { .. } => "editing",
                EditState::Saving { .. } => "saving",
                EditState::Conflict { .. } => "conflict",
            }>
            <label class="field-label" for=input_id.clone()>{label.clone()}</label>
            {move || match edit.get() {
                EditState::Editing { .. } => {
                    let args = FieldEditArgs {
                        field: field.clone(),
                        draft,
                        id: input_id.clone(),
                        on_key,
                        on_blur,
                        invalid,
                    };
                    view! {
                        <div class="field-edit">
                            {shown_inline(load(move || field_edit_view(args.clone())), Some(close))}
                        </div>
                    }
                    .into_any()
                }
                EditState::Conflict { mine, theirs } => {
                    let args = ConflictArgs {
                        theirs_text: value_text(&kind_theirs, &theirs, &currency_theirs, &AgentFormats::browser())
                            .unwrap_or_else(|| "—".to_owned()),
                        mine,
                        theirs,
                        overwrite,
                        keep,
                    };
                    // A conflict that never came: Close leaves the value as it is (a cancel).
                    shown_inline(load(move || conflict_view(args.clone())), Some(close))
                }
                _ => {
                    let start_click = start_click.clone();
                    let start_key = start_key.clone();
                    view! {
                        <div class="field-value" tabindex=editable.then_some("0")
                            data-testid="field-value"
                            on:keydown=move |ev: web_sys::KeyboardEvent| {
                                // Pressed on the value, not the Enter that closed the input, handed on
                                // here as the input made way for the value.
                                let on_value = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()).is_some_and(|n| n.is_connected());
                                if editable && on_value && ev.key() == "Enter" { ev.prevent_default(); start_key(); }
                            }>
                            <span class="value-text">{
                                let shown_text = shown_text.clone();
                                let is_url = kind_url == "url";
                                move || {
                                    let text = shown_text();
                                    if is_url {
                                        url_pieces(&text).into_iter().map(|p| view! { {p.to_owned()}<wbr/> }).collect_view().into_any()
                                    } else {
                                        text.into_any()
                                    }
                                }
                            }</span>
                            {editable.then(|| view! {
                                <button type="button" class="pencil" data-testid="pencil"
                                    aria-label=format!("Edit {}", label) title="Edit"
                                    on:click=move |_| start_click()>"✎"</button>
                            })}
                        </div>
                    }
                    .into_any()
                }
            }}
            {move || edit.with(|e| e.refusal().map(str::to_owned)).map(|m| view! {
                <p class="field-error" role="alert" data-testid="field-error">{m}</p>
            }.into_any())}
        </div>
    }
}
