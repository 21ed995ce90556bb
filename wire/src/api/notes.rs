//! Notes on a record (Salesforce's enhanced notes, ContentNote): `GET /api/notes`,
//! `POST /api/notes`, `PATCH /api/notes/{id}`, and how a typed note becomes a note's HTML.

use serde::{Deserialize, Serialize};

/// The objects whose cards show Notes.
pub const NOTE_OBJECTS: &[&str] = &["Contact", "Lead", "Account", "Opportunity"];

/// The longest title Salesforce keeps (ContentNote's `Title`, string(255)).
pub const NOTE_TITLE_MAX: usize = 255;

/// The most notes a card reads.
pub const NOTES_SHOWN: u32 = 50;

/// One note, as a card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's id (its ContentDocument's, `069…`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The start of its text (Salesforce's `TextPreview`, at most 255 characters).
    pub preview: String,
    /// When it last changed (Salesforce's datetime).
    pub last_modified: String,
}

/// `GET /api/notes?object=&id=`: the record's notes, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    /// The notes.
    pub notes: Vec<Note>,
}

/// `GET /api/notes` query: the record whose notes to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotesQuery {
    /// Its object (one of [`NOTE_OBJECTS`]).
    pub object: String,
    /// Its id.
    pub id: String,
}

/// `POST /api/notes`: a new note on a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNote {
    /// The record's object (one of [`NOTE_OBJECTS`]).
    pub object: String,
    /// The record.
    pub record_id: String,
    /// The title (required by Salesforce).
    pub title: String,
    /// The text, as typed (plain text; lines kept).
    #[serde(default)]
    pub body: String,
    /// Chosen by the panel once per note: a retried create with the same key answers the
    /// note the first one made instead of making another.
    pub key: String,
}

/// `POST /api/notes` answer: the note's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteCreated {
    /// The note's id.
    pub id: String,
}

/// `PATCH /api/notes/{id}`: what changes (at least one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteEdit {
    /// A new title.
    #[serde(default)]
    pub title: Option<String>,
    /// A new text, as typed.
    #[serde(default)]
    pub body: Option<String>,
}

/// A note's HTML from typed text: HTML-escaped as Salesforce asks (`escapeHtml4`: `&`, `<`,
/// `>` and `"`), each line a paragraph (Salesforce strips raw new lines from a note).
pub fn note_html(text: &str) -> String {
    text.lines()
        .map(|line| {
            format!(
                "<p>{}</p>",
                html_escape::encode_double_quoted_attribute(line)
            )
        })
        .collect()
}

/// Why a title cannot be saved, if it cannot: empty, or longer than Salesforce keeps.
pub fn title_problem(title: &str) -> Option<String> {
    let chars = title.trim().chars().count();
    if chars == 0 {
        Some("A note needs a title.".into())
    } else if chars > NOTE_TITLE_MAX {
        Some(format!("A title has at most {NOTE_TITLE_MAX} characters."))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_escaped_paragraphs() {
        for (text, html) in [
            ("", ""),
            ("hi", "<p>hi</p>"),
            ("a\nb", "<p>a</p><p>b</p>"),
            ("a\r\nb", "<p>a</p><p>b</p>"),
            (
                "<script>x</script> & 'q' \"d\"",
                "<p>&lt;script&gt;x&lt;/script&gt; &amp; 'q' &quot;d&quot;</p>",
            ),
            ("a\n\nb", "<p>a</p><p></p><p>b</p>"),
        ] {
            assert_eq!(note_html(text), html, "{text:?}");
        }
    }

    #[test]
    fn titles_are_required_and_bounded() {
        for (title, ok) in [
            ("Call", true),
            ("", false),
            ("   ", false),
            (&"é".repeat(255), true),
            (&"x".repeat(256), false),
        ] {
            assert_eq!(title_problem(title).is_none(), ok, "{title:?}");
        }
    }
}
