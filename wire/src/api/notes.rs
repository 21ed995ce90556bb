//! Notes on a record (Salesforce's enhanced notes, ContentNote, or the classic Note where the
//! org has no enhanced notes): `GET /api/notes`, `POST /api/notes`, `PATCH /api/notes/{id}`,
//! which kind a note is, and how a typed note becomes a ContentNote's HTML.

use serde::{Deserialize, Serialize};

/// The objects whose cards show Notes.
pub const NOTE_OBJECTS: &[&str] = &["Contact", "Lead", "Account", "Opportunity"];

/// The longest title Salesforce keeps (ContentNote's `Title`, string(255)).
pub const NOTE_TITLE_MAX: usize = 255;

/// The longest title of a classic note (Note's `Title`, string(80): Note, Object Reference,
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_note.htm).
pub const CLASSIC_NOTE_TITLE_MAX: usize = 80;

/// Which kind of note: an org keeps its notes as one or the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Enhanced notes: ContentNote (a ContentDocument, `069…`), HTML, linked by
    /// ContentDocumentLink.
    Enhanced,
    /// The classic Note (`002…`): plain text on one record, its `ParentId`.
    Classic,
}

impl NoteKind {
    /// The kind a note's id tells: `069` ContentNote, `002` Note.
    pub fn of_id(id: &str) -> Option<NoteKind> {
        match id.get(..3) {
            Some("069") => Some(NoteKind::Enhanced),
            Some("002") => Some(NoteKind::Classic),
            _ => None,
        }
    }

    /// Its Salesforce object.
    pub fn object(self) -> &'static str {
        match self {
            NoteKind::Enhanced => "ContentNote",
            NoteKind::Classic => "Note",
        }
    }

    /// The longest title it keeps.
    pub fn title_max(self) -> usize {
        match self {
            NoteKind::Enhanced => NOTE_TITLE_MAX,
            NoteKind::Classic => CLASSIC_NOTE_TITLE_MAX,
        }
    }
}

/// The most notes a card reads.
pub const NOTES_SHOWN: u32 = 50;

/// One note, as a card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The note's id: a ContentNote's (its ContentDocument's, `069…`) or a classic Note's
    /// (`002…`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The start of its text (Salesforce's `TextPreview`, or a classic note's `Body`; at most
    /// 255 characters).
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

/// `POST /api/notes` answer: the note's id and the note as the card lists it, so the panel
/// shows it without reading the notes again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteCreated {
    /// The note's id.
    pub id: String,
    /// The note, as Salesforce answered it; `None` when a retried create answers the note an
    /// earlier attempt made (the panel then reads the notes again).
    #[serde(default)]
    pub note: Option<Note>,
}

/// `GET /api/notes/{id}/text`: a note's whole text, as typed (its `Content`, not the
/// 255-character preview), to edit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteText {
    /// The text, a line per paragraph.
    pub text: String,
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

/// A note's typed text from its HTML, the inverse of [`note_html`]: a line per paragraph
/// (`<p>`, `<div>`, `<li>`) or line break (`<br>`), other tags dropped, entities decoded.
pub fn note_text(html: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    // Whether a block (a paragraph) is open: its end ends the line.
    let mut open = false;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        line.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + len];
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match name.as_str() {
            "br" => lines.push(std::mem::take(&mut line)),
            "p" | "div" | "li" | "h1" | "h2" | "h3" | "blockquote" | "pre" => {
                if closing {
                    lines.push(std::mem::take(&mut line));
                    open = false;
                } else {
                    if open || !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    open = true;
                }
            }
            _ => {}
        }
        rest = &rest[start + len + 1..];
    }
    line.push_str(rest);
    if open || !line.is_empty() {
        lines.push(line);
    }
    html_escape::decode_html_entities(&lines.join("\n")).into_owned()
}

/// The notes a card shows: those `added` there (newest first) that its list, `read` before
/// them, does not have yet, then the `read` ones (a note read again is shown as read: it may
/// have been edited since it was added).
pub fn with_added(added: &[Note], read: Vec<Note>) -> Vec<Note> {
    let mut shown: Vec<Note> = added
        .iter()
        .filter(|a| !read.iter().any(|n| n.id == a.id))
        .cloned()
        .collect();
    shown.extend(read);
    shown
}

/// Why a title cannot be saved, if it cannot: empty, or longer than `max` characters (what the
/// note's kind keeps, [`NoteKind::title_max`]).
pub fn title_problem(title: &str, max: usize) -> Option<String> {
    let chars = title.trim().chars().count();
    if chars == 0 {
        Some("A note needs a title.".into())
    } else if chars > max {
        Some(format!("Title: at most {max} characters."))
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
    fn a_notes_html_becomes_its_typed_text_again() {
        for (html, text) in [
            ("", ""),
            ("<p>one</p>", "one"),
            (
                "<p>a &amp; b &lt;c&gt; &quot;d&quot;</p><p></p><p>after a blank</p>",
                "a & b <c> \"d\"\n\nafter a blank",
            ),
            ("<p>bold <b>word</b></p>", "bold word"),
            ("first<br>second<br/>third", "first\nsecond\nthird"),
            ("<div>x</div><ul><li>y</li></ul>", "x\ny"),
            ("plain text", "plain text"),
        ] {
            assert_eq!(note_text(html), text, "{html}");
        }
        for typed in [
            "one line",
            "two\nlines",
            "a\n\nblank & <tags> \"quoted\"",
            &"long ".repeat(100),
        ] {
            assert_eq!(
                note_text(&note_html(typed)),
                typed.trim_end_matches('\n'),
                "{typed}"
            );
        }
    }

    #[test]
    fn titles_are_required_and_bounded_by_the_kind() {
        for (title, kind, ok) in [
            ("Call", NoteKind::Enhanced, true),
            ("", NoteKind::Enhanced, false),
            ("   ", NoteKind::Classic, false),
            (&"é".repeat(255), NoteKind::Enhanced, true),
            (&"x".repeat(256), NoteKind::Enhanced, false),
            (&"é".repeat(80), NoteKind::Classic, true),
            (&"x".repeat(81), NoteKind::Classic, false),
        ] {
            assert_eq!(
                title_problem(title, kind.title_max()).is_none(),
                ok,
                "{title:?} {kind:?}"
            );
        }
        assert_eq!(
            title_problem(&"x".repeat(81), CLASSIC_NOTE_TITLE_MAX).as_deref(),
            Some("Title: at most 80 characters.")
        );
    }

    #[test]
    fn added_notes_come_first_and_once() {
        let note = |id: &str| Note {
            id: id.into(),
            title: id.into(),
            preview: String::new(),
            last_modified: String::new(),
        };
        let ids = |notes: Vec<Note>| notes.into_iter().map(|n| n.id).collect::<Vec<_>>();
        for (added, read, shown) in [
            (vec![], vec!["a", "b"], vec!["a", "b"]),
            (vec!["n"], vec!["a"], vec!["n", "a"]),
            (vec!["n2", "n1"], vec!["n1", "a"], vec!["n2", "n1", "a"]),
        ] {
            let added: Vec<Note> = added.into_iter().map(note).collect();
            let read: Vec<Note> = read.into_iter().map(note).collect();
            assert_eq!(ids(with_added(&added, read)), shown);
        }
        let mut edited = note("n");
        edited.title = "edited".into();
        assert_eq!(
            with_added(&[note("n")], vec![edited.clone()]),
            [edited],
            "read again, a note is shown as read"
        );
    }

    #[test]
    fn a_notes_id_tells_its_kind() {
        for (id, kind) in [
            ("069000000000001AAA", Some(NoteKind::Enhanced)),
            ("002000000000001AAA", Some(NoteKind::Classic)),
            ("003000000000001AAA", None),
            ("06", None),
        ] {
            assert_eq!(NoteKind::of_id(id), kind, "{id}");
        }
    }
}
