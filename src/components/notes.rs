//! A record's Notes (Salesforce's enhanced notes, or the classic ones where the org keeps
//! those): the count, the notes newest first (title, then the text when opened), *Add note* (a
//! title, which Salesforce requires, and the text), and each note's title and text edited in
//! place. The person's and the Account's notes come with the panel's data; an Opportunity's,
//! and any card's after a note is edited there, are read (`GET /api/notes`) only while the
//! panel is seen. A note added is shown from the add's answer, without reading them again.

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{
    NOTE_OBJECTS, NOTE_TITLE_MAX, NewNote, Note, NoteEdit, NoteKind, Notes as NoteList,
    title_problem, with_added,
};

use super::on_demand::{load, shown_inline};
use super::records_kept::use_shown;
use super::state::use_records_state;
use crate::PanelError;
use crate::api::{Api, endpoints, use_api};
use crate::hooks::use_async;
use crate::split::{answered, on_demand};

/// Whether a card of `object` shows Notes.
pub fn has_notes(object: &str) -> bool {
    NOTE_OBJECTS.contains(&object)
}

/// The longest title a note with `id` keeps (its kind's), or, without an id, Salesforce's
/// longest (the proxy checks a new note against the org's kind).
fn title_max(id: Option<&str>) -> usize {
    id.and_then(NoteKind::of_id)
        .map_or(NOTE_TITLE_MAX, NoteKind::title_max)
}

/// A key for one note being added: a retried save sends it again, and the proxy answers the
/// note the first save made.
fn new_key() -> String {
    format!(
        "{:x}-{:x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * f64::from(u32::MAX)) as u64
    )
}

on_demand! {
    /// Reads the notes of record `id` of `object` (its own module: `crate::split`; the panel's
    /// data brings the person's and the Account's).
    pub(super) fn notes_read(
        api: Api,
        object: String,
        id: String
    ) -> LocalBoxFuture<'static, Result<NoteList, PanelError>>, prefetch prefetch_notes, {
        async move { endpoints::notes(api, &object, &id).await }.boxed_local()
    }
}

/// The Notes of record `id` of `object`.
#[component]
pub fn NotesSection(
    /// The record's object.
    object: String,
    /// The record.
    id: String,
    /// Its notes, when the panel's data brought them: shown without a request.
    #[prop(optional_no_strip)]
    notes: Option<Vec<Note>>,
    /// Salesforce refused to read them (an org without enhanced notes): said, not listed.
    #[prop(optional)]
    unavailable: bool,
) -> impl IntoView {
    if unavailable {
        return view! {
            <section class="related notes" data-testid="notes">
                <h3>"Notes"</h3>
                <p class="empty" data-testid="notes-unavailable">"Notes are not available in this org."</p>
            </section>
        }
        .into_any();
    }
    let given = notes;
    let (records, api) = (use_records_state(), use_api());
    let reload = RwSignal::new(0u32);
    let (object_key, id_key) = (object.clone(), id.clone());
    // Read while the panel is seen and these notes are in the document; kept while hidden.
    let in_document = use_shown();
    let key = Memo::new(move |last: Option<&Option<(String, String, u32, u32)>>| {
        if !api.active().get() || !in_document.get() {
            return last.cloned().flatten();
        }
        Some((
            object_key.clone(),
            id_key.clone(),
            reload.get(),
            records.reload.get(),
        ))
    });
    let notes = use_async(move || {
        let wanted = key.get();
        let given = given.clone();
        async move {
            let (object, id, written, _) = wanted?;
            // Until a note is written here, the notes the panel brought are current.
            match given.filter(|_| written == 0) {
                Some(notes) => Some(Ok(NoteList { notes })),
                None => Some(answered(notes_read(api, object, id)).await),
            }
        }
    });
    let adding = RwSignal::new(false);
    // Notes added here, newest first, shown from the adds' answers.
    let added = RwSignal::new(Vec::<Note>::new());
    let shown = move || {
        notes
            .get()
            .flatten()
            .map(|read| read.map(|list| with_added(&added.get(), list.notes)))
    };
    let list = move || {
        match shown() {
        None => view! { <p class="empty" data-testid="notes-loading">"Loading notes…"</p> }.into_any(),
        Some(Err(err)) if err.is_pause() => view! { <p class="empty">"Paused."</p> }.into_any(),
        Some(Err(err)) => view! {
            <p class="field-error" role="alert" data-testid="notes-error">{format!("The notes could not be read: {err}")}</p>
        }
        .into_any(),
        Some(Ok(notes)) if notes.is_empty() => {
            view! { <p class="empty" data-testid="notes-empty">"None."</p> }.into_any()
        }
        Some(Ok(notes)) => view! {
            <ul>
                {notes.into_iter().map(|n| view! { <NoteRow note=n reload=reload /> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    let count = move || match shown() {
        Some(Ok(list)) => list.len().to_string(),
        _ => "…".to_owned(),
    };
    // The kind of the notes shown tells the longest title a new one may have (read when the
    // form opens, not followed: the form is not redrawn under the agent's typing).
    let new_title_max = move || match untrack(shown) {
        Some(Ok(list)) => title_max(list.first().map(|n| n.id.as_str())),
        _ => NOTE_TITLE_MAX,
    };
    let (object_add, id_add) = (object.clone(), id.clone());
    // Made here, not where the form is shown: the form's `Suspense` may outlive that spot's run
    // (`on_demand`).
    let close_add = Callback::new(move |()| adding.set(false));
    view! {
        <section class="related notes" data-testid="notes" data-count=count>
            <h3>"Notes " <span class="count">{move || format!("({})", count())}</span>
                <button type="button" class="button small add-note" data-testid="add-note"
                    on:click=move |_| adding.set(true) hidden=move || adding.get()>"Add note"</button>
            </h3>
            {move || adding.get().then(|| {
                let args = AddNoteArgs {
                    object: object_add.clone(), id: id_add.clone(), adding, reload, added, title_max: new_title_max(),
                };
                shown_inline(load(move || add_note_view(args.clone())), Some(close_add))
            })}
            {move || list()}
        </section>
    }
    .into_any()
}

/// What the add-note form is given.
#[derive(Debug, Clone)]
pub(super) struct AddNoteArgs {
    /// The record's object.
    pub object: String,
    /// The record.
    pub id: String,
    /// Whether the form is open.
    pub adding: RwSignal<bool>,
    /// Bumped to read the notes again.
    pub reload: RwSignal<u32>,
    /// Notes added here.
    pub added: RwSignal<Vec<Note>>,
    /// The longest title.
    pub title_max: usize,
}

on_demand! {
    /// The add-note form (its own module: `crate::split`).
    pub(super) fn add_note_view(args: AddNoteArgs), prefetch prefetch_add_note, { add_note(args) }
}

on_demand! {
    /// A note's edit form (its own module: `crate::split`).
    pub(super) fn note_edit_view(args: NoteEditArgs), prefetch prefetch_note_edit, { note_edit(args) }
}

/// The add-note form.
fn add_note(args: AddNoteArgs) -> AnyView {
    let AddNoteArgs {
        object,
        id,
        adding,
        reload,
        added,
        title_max,
    } = args;
    view! { <AddNote object=object id=id adding=adding reload=reload added=added title_max=title_max /> }.into_any()
}

/// The form that adds a note; what was typed stays until it is saved.
#[component]
fn AddNote(
    object: String,
    id: String,
    adding: RwSignal<bool>,
    reload: RwSignal<u32>,
    added: RwSignal<Vec<Note>>,
    title_max: usize,
) -> impl IntoView {
    let api = use_api();
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    // One key for this note, whatever the number of tries.
    let key = StoredValue::new(new_key());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        if let Some(problem) = title_problem(&title.get_untracked(), title_max) {
            error.set(Some(problem));
            return;
        }
        let note = NewNote {
            object: object.clone(),
            record_id: id.clone(),
            title: title.get_untracked(),
            body: body.get_untracked(),
            key: key.get_value(),
        };
        saving.set(true);
        spawn_local(async move {
            let result = endpoints::add_note(api, &note).await;
            saving.try_set(false);
            match result {
                Ok(created) => {
                    adding.try_set(false);
                    match created.note {
                        // Shown from the answer: no read.
                        Some(note) => {
                            added.try_update(|list| list.insert(0, note));
                        }
                        // A retry answered the note an earlier save made: read them.
                        None => {
                            reload.try_update(|n| *n += 1);
                        }
                    }
                }
                Err(err) => {
                    error.try_set(Some(format!("The note was not saved: {err}")));
                }
            }
        });
    };
    view! {
        <form class="note-form" data-testid="note-form" on:submit=save>
            <label class="field-label" for="note-title">"Title"
                <span class="required" aria-label="required" data-testid="required-mark">"*"</span></label>
            <input id="note-title" class="input" type="text" maxlength=title_max.to_string() required=true data-testid="note-title"
                prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
            <label class="field-label" for="note-body">"Note"</label>
            <textarea id="note-body" class="input" rows="4" data-testid="note-body"
                prop:value=body on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            {move || error.get().map(|m| view! { <p class="field-error" role="alert" data-testid="note-error">{m}</p> }.into_any())}
            <div class="form-actions">
                <button type="submit" class="button small" data-testid="save-note" disabled=saving>"Save note"</button>
                <button type="button" class="button small secondary" data-testid="cancel-note"
                    on:click=move |_| adding.set(false)>"Cancel"</button>
            </div>
        </form>
    }
}

/// One note: its title and, opened, its text; the pencil edits both in place, the text read
/// whole first (`GET /api/notes/{id}/text`: the list has only Salesforce's 255-character
/// preview, and saving that would cut the note).
#[component]
fn NoteRow(note: Note, reload: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let editing = RwSignal::new(false);
    let shown_title = RwSignal::new(note.title.clone());
    let shown_text = RwSignal::new(note.preview.clone());
    let title = RwSignal::new(note.title.clone());
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // The whole text, once read: until then only the title is edited.
    let whole = RwSignal::new(None::<String>);
    let reading = RwSignal::new(false);
    let id = note.id.clone();
    let read_id = note.id.clone();
    let max = title_max(Some(&note.id));
    let start_edit = move |_| {
        editing.set(true);
        if whole.get_untracked().is_some() || reading.get_untracked() {
            return;
        }
        reading.set(true);
        let id = read_id.clone();
        spawn_local(async move {
            match endpoints::note_text(api, &id).await {
                Ok(read) => {
                    body.try_set(read.text.clone());
                    whole.try_set(Some(read.text));
                }
                Err(err) => {
                    error.try_set(Some(format!("The note's text could not be read: {err}")));
                }
            }
            reading.try_set(false);
        });
    };
    // Made here, not where the form is shown (`on_demand`).
    let close_edit = Callback::new(move |()| editing.set(false));
    view! {
        <li class="related-row note" data-testid="note" data-id=note.id.clone()>
            {move || if editing.get() {
                shown_inline(load({
                    let args = NoteEditArgs {
                        id: id.clone(), max, editing, title, body, whole, reading, error, shown_title, shown_text, reload,
                    };
                    move || note_edit_view(args.clone())
                }), Some(close_edit))
            } else {
                view! {
                    <details>
                        <summary>
                            <span class="note-title" data-testid="note-title-text">{move || shown_title.get()}</span>
                            <span class="summary">{move || shown_text.get()}</span>
                        </summary>
                        <div class="field-value note-text">
                            <span class="value-text" data-testid="note-text">{move || shown_text.get()}</span>
                            <button type="button" class="pencil" data-testid="note-pencil" aria-label="Edit note" title="Edit"
                                on:click=start_edit.clone()>"✎"</button>
                        </div>
                    </details>
                }
                .into_any()
            }}
            {move || error.get().map(|m| view! { <p class="field-error" role="alert" data-testid="note-error">{m}</p> }.into_any())}
        </li>
    }
}

/// What a note's edit form is given: the note, and its row's state.
#[derive(Debug, Clone)]
pub(super) struct NoteEditArgs {
    /// The note.
    pub id: String,
    /// The longest title it may have.
    pub max: usize,
    /// Whether the form is open.
    pub editing: RwSignal<bool>,
    /// The title typed.
    pub title: RwSignal<String>,
    /// The text typed.
    pub body: RwSignal<String>,
    /// The whole text, once read (until then only the title is edited).
    pub whole: RwSignal<Option<String>>,
    /// The whole text is being read.
    pub reading: RwSignal<bool>,
    /// What went wrong.
    pub error: RwSignal<Option<String>>,
    /// The title shown.
    pub shown_title: RwSignal<String>,
    /// The text shown.
    pub shown_text: RwSignal<String>,
    /// Bumped to read the notes again.
    pub reload: RwSignal<u32>,
}

/// A note's title and text edited in place; saved, it is shown at once and rolled back with
/// the reason if Salesforce refuses.
fn note_edit(args: NoteEditArgs) -> AnyView {
    let NoteEditArgs {
        id,
        max,
        editing,
        title,
        body,
        whole,
        reading,
        error,
        shown_title,
        shown_text,
        reload,
    } = args;
    let api = use_api();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(problem) = title_problem(&title.get_untracked(), max) {
            error.set(Some(problem));
            return;
        }
        let text_editable = whole.get_untracked().is_some();
        let edit = NoteEdit {
            title: Some(title.get_untracked()),
            body: text_editable.then(|| body.get_untracked()),
        };
        let (old_title, old_text, old_whole) = (
            shown_title.get_untracked(),
            shown_text.get_untracked(),
            whole.get_untracked(),
        );
        // Shown at once; rolled back with the reason if Salesforce refuses.
        shown_title.set(title.get_untracked());
        if text_editable {
            shown_text.set(body.get_untracked());
            whole.set(Some(body.get_untracked()));
        }
        editing.set(false);
        let id = id.clone();
        spawn_local(async move {
            match endpoints::edit_note(api, &id, &edit).await {
                Ok(()) => {
                    error.try_set(None);
                    reload.try_update(|n| *n += 1);
                }
                Err(err) => {
                    shown_title.try_set(old_title);
                    shown_text.try_set(old_text);
                    whole.try_set(old_whole);
                    error.try_set(Some(format!("The note was not saved: {err}")));
                }
            }
        });
    };
    let cancel = move |_| {
        title.set(shown_title.get_untracked());
        body.set(whole.get_untracked().unwrap_or_default());
        editing.set(false);
    };
    view! {
        <form class="note-form" data-testid="note-edit" on:submit=save
            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { cancel(()) }>
            <label class="field-label" for="note-edit-title">"Title"
                <span class="required" aria-label="required">"*"</span></label>
            <input id="note-edit-title" class="input" type="text" maxlength=max.to_string() required=true
                data-testid="note-edit-title" prop:value=title autofocus=true
                on:input=move |ev| title.set(event_target_value(&ev)) />
            {move || reading.get().then(|| view! {
                <p class="muted" data-testid="note-reading">"Reading the note…"</p>
            }.into_any())}
            {move || whole.get().is_some().then(|| view! {
                <label class="field-label" for="note-edit-body">"Note"</label>
                <textarea id="note-edit-body" class="input" rows="4" data-testid="note-edit-body"
                    prop:value=body on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            }.into_any())}
            <div class="form-actions">
                <button type="submit" class="button small" data-testid="save-note-edit">"Save"</button>
                <button type="button" class="button small secondary" on:click=move |_| cancel(())>"Cancel"</button>
            </div>
        </form>
    }
    .into_any()
}
