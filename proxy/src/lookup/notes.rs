//! A record's notes as the lookup and `GET /api/notes` read them: the `AttachedContentNotes`
//! subquery (or relationship read by id) and its rows as the panel's [`Note`]s.

use pane_salesforce::{Order, Select};
use pane_wire::api::{NOTES_SHOWN, Note};
use serde_json::Value;

/// A record's notes as a subquery (or the relationship read by id): its
/// `AttachedContentNotes`, newest first. The lookup reads them with the person and the Account.
pub fn attached_notes() -> Select {
    Select::from("AttachedContentNotes")
        .fields(NOTE_FIELDS)
        .order([Order::desc("LastModifiedDate")])
        .limit(NOTES_SHOWN)
}

/// The fields of a note row.
pub const NOTE_FIELDS: [&str; 4] = [
    "ContentDocumentId",
    "Title",
    "TextPreview",
    "LastModifiedDate",
];

fn note_row(row: &Value) -> Option<Note> {
    let text = |k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Some(Note {
        id: row
            .get("ContentDocumentId")
            .and_then(Value::as_str)?
            .to_owned(),
        title: text("Title"),
        preview: text("TextPreview"),
        last_modified: text("LastModifiedDate"),
    })
}

/// The notes in `list`: a record's `AttachedContentNotes` (a subquery's, which Salesforce
/// answers `null` when there are none, or the relationship's read by id), newest first and at
/// most [`NOTES_SHOWN`]. `None` when `list` is absent (the notes were not read).
pub fn notes_in(list: Option<&Value>) -> Option<Vec<Note>> {
    let list = list?;
    let mut notes: Vec<Note> = list
        .get("records")
        .and_then(Value::as_array)
        .map(|rows| rows.iter().filter_map(note_row).collect())
        .unwrap_or_default();
    // A read by id has no ORDER BY or LIMIT.
    notes.sort_by(|a, b| b.last_modified.cmp(&a.last_modified));
    notes.truncate(NOTES_SHOWN as usize);
    Some(notes)
}
