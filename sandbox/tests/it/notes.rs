//! Notes as a real org keeps them: ContentNote (Title, base64 Content, the blob, TextPreview),
//! ContentDocumentLink (and its refusal of an unfiltered query), AttachedContentNotes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::helpers::{Org, org};

async fn contact(org: &Org) -> String {
    org.first_id("SELECT Id FROM Contact ORDER BY LastName LIMIT 1")
        .await
}

async fn note(org: &Org, title: &str, html: &str) -> String {
    org.create(
        "ContentNote",
        json!({"Title": title, "Content": STANDARD.encode(html)}),
    )
    .await
}

async fn link(org: &Org, note: &str, record: &str) -> (u16, Value) {
    org.send_json(
        "POST",
        &org.data("/sobjects/ContentDocumentLink"),
        &json!({"ContentDocumentId": note, "LinkedEntityId": record, "ShareType": "V"}),
    )
    .await
}

#[tokio::test]
async fn a_content_note_is_a_069_document_whose_content_reads_back_as_a_blob() {
    let org = org().await;
    let id = note(&org, "Call", "<p>Tom &amp; Jerry</p>\n").await;
    assert!(id.starts_with("069"), "{id}");
    let (status, read) = org
        .get_json(&org.data(&format!("/sobjects/ContentNote/{id}")))
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["Title"], "Call");
    assert_eq!(read["FileType"], "SNOTE");
    assert_eq!(read["TextPreview"], "Tom & Jerry");
    let url = read["Content"].as_str().unwrap();
    assert_eq!(
        url,
        org.data(&format!("/sobjects/ContentNote/{id}/Content"))
    );
    let blob = org.get(url).send().await.unwrap();
    assert_eq!(blob.status().as_u16(), 200);
    assert_eq!(
        blob.text().await.unwrap(),
        "<p>Tom &amp; Jerry</p>",
        "new lines stripped"
    );
}

#[tokio::test]
async fn a_content_note_needs_a_title_and_base64_content() {
    let org = org().await;
    let path = org.data("/sobjects/ContentNote");
    let (status, err) = org
        .send_json("POST", &path, &json!({"Content": STANDARD.encode("x")}))
        .await;
    assert_error(status, &err, 400, "REQUIRED_FIELD_MISSING");
    assert_eq!(err[0]["fields"], json!(["Title"]));
    let (status, err) = org
        .send_json(
            "POST",
            &path,
            &json!({"Title": "T", "Content": "not base64!"}),
        )
        .await;
    assert_error(status, &err, 400, "JSON_PARSER_ERROR");
}

#[tokio::test]
async fn a_content_note_updates_title_and_content_only() {
    let org = org().await;
    let id = note(&org, "Old", "old").await;
    let path = org.data(&format!("/sobjects/ContentNote/{id}"));
    let (status, _) = org
        .send_json(
            "PATCH",
            &path,
            &json!({"Title": "New", "Content": STANDARD.encode("new &lt;b&gt;")}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, read) = org.get_json(&path).await;
    assert_eq!(
        (read["Title"].clone(), read["TextPreview"].clone()),
        (json!("New"), json!("new <b>"))
    );
    let (status, err) = org
        .send_json("PATCH", &path, &json!({"FileType": "PDF"}))
        .await;
    assert_error(status, &err, 400, "INVALID_FIELD_FOR_INSERT_UPDATE");
}

#[tokio::test]
async fn links_share_a_note_with_a_record_and_its_attached_notes_list_it() {
    let org = org().await;
    let contact = contact(&org).await;
    let first = note(&org, "First", "one").await;
    let second = note(&org, "Second", "<b>two</b>").await;
    for id in [&first, &second] {
        let (status, created) = link(&org, id, &contact).await;
        assert_eq!(status, 201, "{created}");
        assert!(created["id"].as_str().unwrap().starts_with("06A"));
    }
    let soql = format!(
        "SELECT Id, (SELECT ContentDocumentId, Title, TextPreview, LastModifiedDate FROM AttachedContentNotes ORDER BY LastModifiedDate DESC, Title DESC) FROM Contact WHERE Id = '{contact}'"
    );
    let rows = org.query(&soql).await;
    let notes = &rows["records"][0]["AttachedContentNotes"];
    assert_eq!(notes["totalSize"], 2, "{rows}");
    assert_eq!(notes["records"][0]["ContentDocumentId"], second.as_str());
    assert_eq!(notes["records"][0]["TextPreview"], "two");
    assert_eq!(notes["records"][1]["Title"], "First");
    let links = org
        .query(&format!(
            "SELECT ContentDocumentId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '{contact}' ORDER BY ContentDocument.Title"
        ))
        .await;
    assert_eq!(
        links["records"][0]["ContentDocument"]["Title"], "First",
        "{links}"
    );
}

#[tokio::test]
async fn a_link_needs_a_known_document_and_a_valid_share_type() {
    let org = org().await;
    let contact = contact(&org).await;
    let id = note(&org, "N", "n").await;
    let (status, err) = org
        .send_json(
            "POST",
            &org.data("/sobjects/ContentDocumentLink"),
            &json!({"ContentDocumentId": id, "LinkedEntityId": contact, "ShareType": "X"}),
        )
        .await;
    assert_error(status, &err, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    let (status, err) = link(&org, &contact, &contact).await;
    assert_error(status, &err, 400, "MALFORMED_ID");
}

#[tokio::test]
async fn content_document_link_queries_need_a_document_or_record_filter() {
    let org = org().await;
    let (status, err) = org
        .query_answer("SELECT Id, LinkedEntityId FROM ContentDocumentLink")
        .await;
    assert_eq!(status, 400);
    assert_eq!(err[0]["errorCode"], "MALFORMED_QUERY");
    assert_eq!(
        err[0]["message"],
        "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator."
    );
    let refusals = org.inspect("refusals").await;
    assert_eq!(
        refusals["refusals"][0]["rule"], "soql.content-document-link-filter",
        "{refusals}"
    );
}

#[tokio::test]
async fn attached_content_notes_are_not_queried_directly() {
    let org = org().await;
    let (status, err) = org.query_answer("SELECT Id FROM AttachedContentNote").await;
    assert_error(status, &err, 400, "INVALID_TYPE_FOR_OPERATION");
}

/// `status` and the first error's code are `want` and `code` (Salesforce's error array).
fn assert_error(status: u16, err: &Value, want: u16, code: &str) {
    assert_eq!(
        (status, err[0]["errorCode"].as_str()),
        (want, Some(code)),
        "{err}"
    );
}
