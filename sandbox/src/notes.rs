//! Notes (ContentNote) as Salesforce keeps them: what it derives from a note's Content, and
//! its refusal of a ContentDocumentLink query that names no document or record.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::soql::{CmpOp, Expr, FieldPath, Query, Value as Lit};

/// The longest TextPreview (AttachedContentNote's `TextPreview`, string(255): field reference
/// https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-attachedcontentnote.html).
pub const PREVIEW_LENGTH: usize = 255;

/// The message Salesforce answers a ContentDocumentLink query without such a filter. The Object
/// Reference gives the rule ("turn on the Query All Files permission to query without a filter
/// on id, LinkedEntityId, and documentID fields", ContentDocumentLink,
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm),
/// not the words: these are Salesforce's own, as orgs answer them.
pub const LINK_FILTER_MESSAGE: &str = "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.";

/// Whether `filter` names documents or records among its top-level ANDs: `Id`,
/// `ContentDocumentId` or `LinkedEntityId` `= '…'` or `IN ('…', …)`.
fn names_ids(filter: &Expr) -> bool {
    let keyed = |path: &FieldPath| {
        let last = path.parts.last().map(String::as_str).unwrap_or_default();
        path.parts.len() <= 2
            && ["Id", "ContentDocumentId", "LinkedEntityId"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(last))
            && (path.parts.len() == 1 || path.parts[0].eq_ignore_ascii_case("ContentDocumentLink"))
    };
    match filter {
        Expr::And(a, b) => names_ids(a) || names_ids(b),
        Expr::Cmp {
            field,
            op: CmpOp::Eq,
            value: Lit::String(_),
        } => keyed(field),
        Expr::In {
            field,
            negated: false,
            values,
        } => keyed(field) && !values.is_empty(),
        _ => false,
    }
}

/// Rule `soql.content-document-link-filter`: a query FROM ContentDocumentLink must filter on
/// the link, document or record ids (the API user has no "Query All Files").
pub fn check_link_query(query: &Query) -> Result<(), ApiError> {
    if !query.from.eq_ignore_ascii_case("ContentDocumentLink")
        || query.filter.as_ref().is_some_and(names_ids)
    {
        return Ok(());
    }
    Err(ApiError::query("MALFORMED_QUERY", LINK_FILTER_MESSAGE)
        .rule("soql.content-document-link-filter"))
}

/// The text of a note's HTML: tags dropped, the HTML 4 entities `escapeHtml4` writes decoded,
/// white space collapsed, at most [`PREVIEW_LENGTH`] characters.
pub fn text_preview(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(PREVIEW_LENGTH)
        .collect()
}

/// Whether `value` is base64 Salesforce takes (standard alphabet, padded).
pub fn is_base64(value: &str) -> bool {
    STANDARD.decode(value).is_ok()
}

/// What Salesforce keeps of a note's Content and derives from it: new lines stripped ("If the
/// input contains unsafe HTML characters or new lines, we automatically strip them out before
/// saving the content", ContentNote,
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentnote.htm),
/// `TextPreview`, `ContentSize` in bytes, `FileType` SNOTE ("All notes have a file type of
/// SNOTE") and its extension.
pub fn derive_note(fields: &mut Map<String, Value>) {
    let html = fields
        .get("Content")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).replace(['\r', '\n'], ""))
        .unwrap_or_default();
    if fields.get("Content").is_some_and(|c| !c.is_null()) {
        fields.insert("Content".into(), Value::String(STANDARD.encode(&html)));
    }
    fields.insert("TextPreview".into(), Value::String(text_preview(&html)));
    fields.insert("ContentSize".into(), Value::from(html.len()));
    fields.insert("FileType".into(), Value::from("SNOTE"));
    fields.insert("FileExtension".into(), Value::from("snote"));
}

/// A note's Content, decoded: the body `GET /sobjects/ContentNote/{id}/Content` answers.
pub fn content_bytes(fields: &Map<String, Value>) -> Vec<u8> {
    fields
        .get("Content")
        .and_then(Value::as_str)
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_the_text_of_the_html() {
        for (html, preview) in [
            ("<p>Hello <b>there</b></p>", "Hello there"),
            ("Tom &amp; Jerry &lt;3", "Tom & Jerry <3"),
            ("  a\n\n b  ", "a b"),
            ("", ""),
        ] {
            assert_eq!(text_preview(html), preview, "{html}");
        }
        assert_eq!(text_preview(&"x".repeat(300)).len(), PREVIEW_LENGTH);
    }

    #[test]
    fn link_queries_need_an_id_filter() {
        for (soql, ok) in [
            ("SELECT Id FROM ContentDocumentLink", false),
            (
                "SELECT Id FROM ContentDocumentLink WHERE ShareType = 'V'",
                false,
            ),
            (
                "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '003000000000001AAA'",
                true,
            ),
            (
                "SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId IN ('069000000000001AAA') AND ShareType = 'V'",
                true,
            ),
            (
                "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '003000000000001AAA' OR ShareType = 'V'",
                false,
            ),
            ("SELECT Id FROM Contact", true),
        ] {
            let query = crate::soql::parse(soql).unwrap();
            assert_eq!(check_link_query(&query).is_ok(), ok, "{soql}");
        }
    }
}
