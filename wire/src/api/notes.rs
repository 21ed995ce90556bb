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
