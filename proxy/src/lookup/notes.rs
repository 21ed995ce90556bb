//! A record's notes as the lookup and `GET /api/notes` read them, of either kind: enhanced notes
//! through the record's `AttachedContentNotes` (AttachedContentNote, Object Reference:
//! https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_attachedcontentnote.htm),
//! classic ones through its `Notes` (Note's `ParentId`, Object Reference:
//! https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_note.htm);
//! and their rows as the panel's [`Note`]s.

use pane_salesforce::{Order, Select};
use pane_wire::api::{NOTES_SHOWN, Note, NoteKind};
use serde_json::Value;

/// The relationship of enhanced notes.
pub const ATTACHED_NOTES: &str = "AttachedContentNotes";
/// The relationship of classic notes.
pub const CLASSIC_NOTES: &str = "Notes";

/// The longest preview of a note (AttachedContentNote's `TextPreview` is string(255)).
const PREVIEW_MAX: usize = 255;

/// The child relationship of a record's notes of `kind`.
pub fn relationship(kind: NoteKind) -> &'static str {
    match kind {
        NoteKind::Enhanced => ATTACHED_NOTES,
        NoteKind::Classic => CLASSIC_NOTES,
    }
}

/// The fields of a note row of `kind`.
pub fn note_fields(kind: NoteKind) -> &'static [&'static str] {
    match kind {
        NoteKind::Enhanced => &[
            "ContentDocumentId",
            "Title",
            "TextPreview",
            "LastModifiedDate",
        ],
        NoteKind::Classic => &["Title", "Body", "LastModifiedDate"],
    }
}

/// A record's notes of `kind` as a subquery (or the relationship read by id), newest first.
pub fn notes_select(kind: NoteKind) -> Select {
    Select::from(relationship(kind))
        .fields(note_fields(kind).iter().copied())
        .order([Order::desc("LastModifiedDate")])
        .limit(NOTES_SHOWN)
}

/// A classic note's preview: its Body's text, white space collapsed, at most 255 characters
/// (what a ContentNote's `TextPreview` is).
pub fn classic_preview(body: &str) -> String {
    body.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(PREVIEW_MAX)
        .collect()
}

/// A note row of either kind: an AttachedContentNote's (its note is its `ContentDocumentId`),
/// a ContentNote's (its `Id`, its `TextPreview`) or a Note's (its `Id`, its text its `Body`).
pub fn note_row(row: &Value) -> Option<Note> {
    let text = |k: &str| {
        row.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let id = match row.get("ContentDocumentId").and_then(Value::as_str) {
        Some(document) => document,
        None => row.get("Id").and_then(Value::as_str)?,
    };
    let preview = match row.get("TextPreview").and_then(Value::as_str) {
        Some(preview) => preview.to_owned(),
        None => classic_preview(&text("Body")),
    };
    Some(Note {
        id: id.to_owned(),
        title: text("Title"),
        preview,
        last_modified: text("LastModifiedDate"),
    })
}

/// The notes in `list`: a record's notes (a subquery's, which Salesforce answers `null` when
/// there are none, or the relationship's read by id), newest first and at most
/// [`NOTES_SHOWN`]. `None` when `list` is absent (the notes were not read).
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_of_either_kind_are_notes() {
        let enhanced = json!({"Id": "0BA000000000001AAA", "ContentDocumentId": "069000000000001AAA", "Title": "Call", "TextPreview": "Said yes", "LastModifiedDate": "2026-01-01T00:00:00.000+0000"});
        let classic = json!({"Id": "002000000000001AAA", "Title": "Old", "Body": "line one\nline   two", "LastModifiedDate": "2026-02-01T00:00:00.000+0000"});
        assert_eq!(
            note_row(&enhanced).map(|n| (n.id, n.preview)),
            Some(("069000000000001AAA".into(), "Said yes".into()))
        );
        assert_eq!(
            note_row(&classic).map(|n| (n.id, n.preview)),
            Some(("002000000000001AAA".into(), "line one line two".into()))
        );
        let content_note = json!({"Id": "069000000000002AAA", "Title": "Read back", "TextPreview": "Hi", "LastModifiedDate": "2026-03-01T00:00:00.000+0000"});
        assert_eq!(
            note_row(&content_note).map(|n| (n.id, n.preview)),
            Some(("069000000000002AAA".into(), "Hi".into()))
        );
        assert_eq!(classic_preview(&"x".repeat(300)).len(), 255);
    }

    #[test]
    fn each_kind_reads_its_relationship() {
        assert_eq!(
            notes_select(NoteKind::Classic).to_string(),
            "SELECT Id, Title, Body, LastModifiedDate FROM Notes ORDER BY LastModifiedDate DESC LIMIT 50"
        );
        assert_eq!(relationship(NoteKind::Enhanced), "AttachedContentNotes");
    }
}
