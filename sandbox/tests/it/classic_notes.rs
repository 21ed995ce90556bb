//! The classic Note (002) as a real org keeps it: Title required and at most 80 characters,
//! a Body, ParentId one of the records that have Notes, the records' `Notes` relationship; and
//! what an org without enhanced notes describes.

use serde_json::{Value, json};

use crate::helpers::{Org, org};

async fn contact(org: &Org) -> String {
    org.first_id("SELECT Id FROM Contact ORDER BY LastName LIMIT 1")
        .await
}

fn error_of(status: u16, err: &Value) -> (u16, String, Value) {
    (
        status,
        err[0]["errorCode"].as_str().unwrap_or_default().to_owned(),
        err[0]["fields"].clone(),
    )
}

#[tokio::test]
async fn a_classic_note_is_a_002_record_on_its_parent() {
    let org = org().await;
    let contact = contact(&org).await;
    let id = org
        .create(
            "Note",
            json!({"ParentId": contact, "Title": "Call", "Body": "Line one\nLine two"}),
        )
        .await;
    assert!(id.starts_with("002"), "{id}");
    let (status, read) = org
        .get_json(&org.data(&format!("/sobjects/Note/{id}")))
        .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["Title"], "Call");
    assert_eq!(
        read["Body"], "Line one\nLine two",
        "a classic note keeps its lines"
    );
    assert_eq!(read["IsPrivate"], false, "defaulted on create");
    assert!(
        read["OwnerId"].as_str().unwrap().starts_with("005"),
        "{read}"
    );
    assert!(read["CreatedDate"].is_string());
    let rows = org
        .query(&format!(
            "SELECT Id, Title FROM Note WHERE ParentId = '{contact}'"
        ))
        .await;
    assert_eq!(rows["totalSize"], 1, "{rows}");
    assert_eq!(rows["records"][0]["Id"], id.as_str());
}

#[tokio::test]
async fn a_records_notes_relationship_lists_its_classic_notes() {
    let org = org().await;
    let contact = contact(&org).await;
    for title in ["First", "Second"] {
        org.create(
            "Note",
            json!({"ParentId": contact, "Title": title, "Body": title}),
        )
        .await;
    }
    let rows = org
        .query(&format!(
            "SELECT Id, (SELECT Id, Title, Body, LastModifiedDate FROM Notes ORDER BY Title DESC) FROM Contact WHERE Id = '{contact}'"
        ))
        .await;
    let notes = &rows["records"][0]["Notes"];
    assert_eq!(notes["totalSize"], 2, "{rows}");
    assert_eq!(notes["records"][0]["Title"], "Second");
    assert_eq!(notes["records"][1]["Body"], "First");
    let (status, related) = org
        .get_json(&org.data(&format!(
            "/sobjects/Contact/{contact}/Notes?fields=Id,Title"
        )))
        .await;
    assert_eq!(
        (status, related["totalSize"].clone()),
        (200, json!(2)),
        "{related}"
    );
}

#[tokio::test]
async fn a_classic_note_needs_a_title_of_at_most_80_characters() {
    let org = org().await;
    let contact = contact(&org).await;
    let path = org.data("/sobjects/Note");
    let (status, err) = org
        .send_json("POST", &path, &json!({"ParentId": contact, "Body": "x"}))
        .await;
    assert_eq!(
        error_of(status, &err),
        (400, "REQUIRED_FIELD_MISSING".into(), json!(["Title"])),
        "{err}"
    );
    let (status, err) = org
        .send_json(
            "POST",
            &path,
            &json!({"ParentId": contact, "Title": "x".repeat(81)}),
        )
        .await;
    assert_eq!(
        error_of(status, &err),
        (400, "STRING_TOO_LONG".into(), json!(["Title"])),
        "{err}"
    );
    let (status, _) = org
        .send_json(
            "POST",
            &path,
            &json!({"ParentId": contact, "Title": "é".repeat(80)}),
        )
        .await;
    assert_eq!(status, 201, "80 characters are kept");
}

#[tokio::test]
async fn a_classic_note_needs_a_parent_that_has_notes() {
    let org = org().await;
    let path = org.data("/sobjects/Note");
    let (status, err) = org
        .send_json("POST", &path, &json!({"Title": "Orphan"}))
        .await;
    assert_eq!(
        error_of(status, &err),
        (400, "REQUIRED_FIELD_MISSING".into(), json!(["ParentId"])),
        "{err}"
    );
    let task = org.create("Task", json!({"Subject": "Call"})).await;
    let (status, err) = org
        .send_json(
            "POST",
            &path,
            &json!({"Title": "On a task", "ParentId": task}),
        )
        .await;
    assert_eq!(
        error_of(status, &err),
        (400, "MALFORMED_ID".into(), json!(["ParentId"])),
        "{err}"
    );
}

#[tokio::test]
async fn a_classic_note_updates_title_and_body_but_not_its_parent() {
    let org = org().await;
    let contact = contact(&org).await;
    let id = org
        .create("Note", json!({"ParentId": contact, "Title": "Old"}))
        .await;
    let path = org.data(&format!("/sobjects/Note/{id}"));
    let (status, _) = org
        .send_json("PATCH", &path, &json!({"Title": "New", "Body": "text"}))
        .await;
    assert_eq!(status, 204);
    let (_, read) = org.get_json(&path).await;
    assert_eq!(
        (read["Title"].clone(), read["Body"].clone()),
        (json!("New"), json!("text"))
    );
    let (status, err) = org
        .send_json("PATCH", &path, &json!({"ParentId": contact}))
        .await;
    assert_eq!(
        error_of(status, &err).1,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "{err}"
    );
}

fn relationships(described: &Value) -> Vec<String> {
    described["childRelationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["relationshipName"].as_str().map(str::to_owned))
        .collect()
}

fn global_names(global: &Value) -> Vec<String> {
    global["sobjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn without_enhanced_notes_describes_drop_content_notes_and_keep_notes() {
    let org = org().await;
    let describe = org.data("/sobjects/Contact/describe");
    let (_, on) = org.get_json(&describe).await;
    assert!(relationships(&on).contains(&"AttachedContentNotes".to_owned()));
    assert!(relationships(&on).contains(&"Notes".to_owned()));
    let (_, global) = org.get_json(&org.data("/sobjects")).await;
    for name in ["ContentNote", "Note"] {
        assert!(global_names(&global).contains(&name.to_owned()), "{name}");
    }

    org.control("notes", &json!({"enhanced": false})).await;
    let (_, off) = org.get_json(&describe).await;
    assert!(
        !relationships(&off).contains(&"AttachedContentNotes".to_owned()),
        "{:?}",
        relationships(&off)
    );
    assert!(relationships(&off).contains(&"Notes".to_owned()));
    let (_, global) = org.get_json(&org.data("/sobjects")).await;
    let names = global_names(&global);
    assert!(!names.contains(&"ContentNote".to_owned()), "{names:?}");
    assert!(
        !names.contains(&"AttachedContentNote".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"Note".to_owned()), "{names:?}");
    let (status, _) = org.get_json(&org.data("/sobjects/ContentNote")).await;
    assert_eq!(status, 404);
    let (status, _) = org.get_json(&org.data("/sobjects/Note")).await;
    assert_eq!(status, 200);
}
