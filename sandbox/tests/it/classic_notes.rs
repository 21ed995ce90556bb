//! The classic Note (002) as a real org keeps it: Title required and at most 80 characters,
//! a Body, ParentId one of the records that have Notes, the records' `Notes` relationship; and
//! what an org without enhanced notes describes.

use serde_json::{Value, json};

use crate::helpers::{Org, org, strings};

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
    let rows = org
        .query(&format!(
            "SELECT Title, Body, IsPrivate, OwnerId, CreatedDate FROM Note WHERE Id = '{id}'"
        ))
        .await;
    let read = &rows["records"][0];
    assert_eq!(read["Title"], "Call", "{rows}");
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
    for (title, want) in [
        (Value::Null, (400, "REQUIRED_FIELD_MISSING")),
        (json!("x".repeat(81)), (400, "STRING_TOO_LONG")),
        (json!("é".repeat(80)), (201, "")),
    ] {
        let (status, err) = org
            .send_json(
                "POST",
                &path,
                &json!({"ParentId": contact, "Title": title, "Body": "x"}),
            )
            .await;
        let (status, code, fields) = error_of(status, &err);
        assert_eq!((status, code.as_str()), want, "{title}: {err}");
        if status == 400 {
            assert_eq!(fields, json!(["Title"]), "{err}");
        }
    }
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
    let changes = [
        (json!({"Title": "New", "Body": "text"}), 204),
        (json!({"ParentId": contact}), 400),
    ];
    let mut answers = Vec::new();
    for (change, _) in &changes {
        answers.push(org.send_json("PATCH", &path, change).await);
    }
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, changes.map(|(_, status)| status));
    assert_eq!(
        answers[1].1[0]["errorCode"],
        "INVALID_FIELD_FOR_INSERT_UPDATE"
    );
    let read = org
        .query(&format!(
            "SELECT Title, Body, ParentId FROM Note WHERE Id = '{id}'"
        ))
        .await;
    assert_eq!(
        [
            &read["records"][0]["Title"],
            &read["records"][0]["Body"],
            &read["records"][0]["ParentId"]
        ],
        [&json!("New"), &json!("text"), &json!(contact)]
    );
}

fn relationships(described: &Value) -> Vec<String> {
    strings(&described["childRelationships"], "relationshipName")
}

fn global_names(global: &Value) -> Vec<String> {
    strings(&global["sobjects"], "name")
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
