//! Notes on a record, of the kind the org keeps (`note_kinds.rs`): Salesforce's enhanced notes
//! (ContentNote, linked to records by ContentDocumentLink) or the classic Note (on one record,
//! its `ParentId`). `GET /api/notes?object=&id=` reads a record's notes, newest first, in one
//! query (`list.rs`); `POST /api/notes` makes a note in one composite with `allOrNone`, once
//! per key the panel sends, and answers it (`create.rs`); `PATCH /api/notes/{id}` changes a
//! note's title or text and `GET /api/notes/{id}/text` reads its whole text, the id telling
//! the kind (`edit.rs`). The panel's person and Account come with their notes (the lookup
//! reads them too), so a write forgets the org's cached panels.

mod create;
mod edit;
mod list;

use axum::Router;
use axum::routing::{get, patch};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use pane_salesforce::composite::inert;
use pane_wire::api::{NOTE_OBJECTS, NoteKind, note_html, title_problem};
use serde_json::{Map, Value};

use crate::validate::record_id;
use crate::{AppState, ProxyError};

/// The note routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/notes", get(list::list).post(create::create))
        .route("/api/notes/{id}", patch(edit::edit))
        .route("/api/notes/{id}/text", get(edit::text))
}

fn note_object(object: &str) -> Result<(), ProxyError> {
    if NOTE_OBJECTS.contains(&object) {
        Ok(())
    } else {
        Err(ProxyError::BadRequest(format!(
            "notes are on {}",
            NOTE_OBJECTS.join(", ")
        )))
    }
}

/// A note's id, and the kind it tells: a record id of a ContentDocument (`069`) or a Note
/// (`002`).
fn note_id(id: &str) -> Result<NoteKind, ProxyError> {
    NoteKind::of_id(id)
        .filter(|_| record_id(id))
        .ok_or_else(|| ProxyError::BadRequest("not a note id".into()))
}

/// The title to send for a note of `kind`: trimmed and inert, or why it cannot be saved,
/// before Salesforce is asked (at most 80 characters for a classic note, 255 for a
/// ContentNote).
fn title_checked(title: &str, kind: NoteKind) -> Result<String, ProxyError> {
    match title_problem(title, kind.title_max()) {
        Some(message) => Err(ProxyError::Rejected {
            message,
            fields: vec!["title".into()],
        }),
        None => Ok(inert(title.trim())),
    }
}

/// The fields a note of `kind` is written with: its title (checked) and its text, a
/// ContentNote's as base64 HTML (`Content`), a classic note's as typed (`Body`, plain text).
fn note_fields(
    kind: NoteKind,
    title: Option<&str>,
    text: Option<&str>,
) -> Result<Map<String, Value>, ProxyError> {
    let mut fields = Map::new();
    if let Some(title) = title {
        fields.insert("Title".into(), Value::String(title_checked(title, kind)?));
    }
    if let Some(text) = text {
        let (name, value) = match kind {
            NoteKind::Enhanced => ("Content", STANDARD.encode(note_html(text))),
            NoteKind::Classic => ("Body", inert(text)),
        };
        fields.insert(name.into(), Value::String(value));
    }
    Ok(fields)
}

/// `err`, or [`ProxyError::NotesUnavailable`] when Salesforce refused the notes' object or
/// relationship as unknown: an org without them, or an agent who cannot read them, answers
/// `INVALID_TYPE` ("Notes must be enabled", ContentNote, Object Reference:
/// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_contentnote.htm).
fn unavailable(err: pane_salesforce::Error) -> ProxyError {
    match crate::note_kinds::NotesAnswer::of_error(&err) {
        crate::note_kinds::NotesAnswer::Unknown => ProxyError::NotesUnavailable,
        _ => err.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_tell_the_kind_and_objects_are_checked() {
        assert_eq!(note_id("002000000000001AAA").ok(), Some(NoteKind::Classic));
        assert!(note_id("003000000000001AAA").is_err(), "a Contact's id");
        assert!(note_id("069' OR Id != '").is_err(), "not a record id");
        for (object, ok) in [("Contact", true), ("Opportunity", true), ("Case", false)] {
            assert_eq!(note_object(object).is_ok(), ok, "{object}");
        }
    }

    #[test]
    fn a_classic_title_over_80_is_refused_naming_the_field() {
        let long = "x".repeat(81);
        assert!(title_checked(&long, NoteKind::Enhanced).is_ok());
        match title_checked(&long, NoteKind::Classic) {
            Err(ProxyError::Rejected { message, fields }) => {
                assert_eq!(message, "Title: at most 80 characters.");
                assert_eq!(fields, ["title"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_kind_is_written_with_its_fields() {
        let enhanced = note_fields(NoteKind::Enhanced, Some(" Call "), Some("a\nb")).unwrap();
        assert_eq!(enhanced["Title"], "Call");
        assert_eq!(enhanced["Content"], STANDARD.encode("<p>a</p><p>b</p>"));
        let classic = note_fields(NoteKind::Classic, None, Some("a\n<b>")).unwrap();
        assert_eq!(classic["Body"], "a\n<b>", "a classic note is plain text");
        assert!(!classic.contains_key("Title"));
    }
}
