//! Notes through the proxy, against the embedded sandbox org: view, add, edit, a retried add,
//! and what each costs in Salesforce requests.

use reqwest::Method;
use serde_json::{Value, json};

use crate::running::{Running, linked, linked_with};

impl Running {
    /// `GET /api/notes` of a record: status, answer and the Salesforce requests it made.
    async fn notes_of(&self, object: &str, id: &str) -> (u16, Value, u64) {
        self.get_counting(&format!("/api/notes?object={object}&id={id}"))
            .await
    }

    /// `POST /api/notes`: status, answer and the Salesforce requests it made.
    async fn add_note(&self, body: Value) -> (u16, Value, u64) {
        let before = self.salesforce_calls().await;
        let (status, answer) = self
            .send_as(&self.session, Method::POST, "/api/notes", body)
            .await;
        (status, answer, self.salesforce_calls().await - before)
    }

    /// `PATCH /api/notes/{id}`: status, answer and the Salesforce requests it made.
    pub async fn edit_note(&self, id: &str, edit: Value) -> (u16, Value, u64) {
        let before = self.salesforce_calls().await;
        let (status, answer) = self
            .send_as(
                &self.session,
                Method::PATCH,
                &format!("/api/notes/{id}"),
                edit,
            )
            .await;
        (status, answer, self.salesforce_calls().await - before)
    }
}

/// The titles of a list of notes (as the proxy answers them).
pub fn titles(notes: &Value) -> Vec<String> {
    notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_note_added_to_a_contact_is_listed_newest_first_with_its_text() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let (status, empty, cost) = proxy.notes_of("Contact", &rose).await;
    assert_eq!((status, cost), (200, 1), "{empty}");
    assert_eq!(empty["notes"], json!([]));

    let (status, first, cost) = proxy
        .add_note(json!({"object": "Contact", "record_id": rose, "title": "Call", "body": "Asked for <b>pricing</b> & terms\nCall back Monday", "key": "k-1"}))
        .await;
    assert_eq!((status, cost), (201, 1), "one composite: {first}");
    assert_eq!(
        first["note"]["id"], first["id"],
        "the answer carries the note: {first}"
    );
    assert_eq!(first["note"]["title"], "Call");
    assert_eq!(
        first["note"]["preview"],
        "Asked for <b>pricing</b> & terms Call back Monday"
    );
    let first = first["id"].as_str().unwrap().to_owned();
    assert!(first.starts_with("069"), "{first}");
    let (_, second, _) = proxy
        .add_note(json!({"object": "Contact", "record_id": rose, "title": "Renewal", "body": "", "key": "k-2"}))
        .await;

    let (status, listed, cost) = proxy.notes_of("Contact", &rose).await;
    assert_eq!((status, cost), (200, 1), "{listed}");
    let notes = listed["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{listed}");
    assert_eq!(notes[0]["id"], second["id"], "newest first");
    assert_eq!(notes[1]["title"], "Call");
    assert_eq!(
        notes[1]["preview"], "Asked for <b>pricing</b> & terms Call back Monday",
        "the typed text, escaped for Salesforce and read back as text"
    );
    assert!(!notes[1]["last_modified"].as_str().unwrap().is_empty());
    proxy.stop().await;
}

#[tokio::test]
async fn a_retried_add_with_the_same_key_makes_one_note() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let body = json!({"object": "Contact", "record_id": rose, "title": "Once", "body": "x", "key": "retry-me"});
    let (status, made, cost) = proxy.add_note(body.clone()).await;
    assert_eq!((status, cost), (201, 1));
    let (status, again, cost) = proxy.add_note(body).await;
    assert_eq!(
        (status, cost),
        (201, 0),
        "the retry asks Salesforce nothing"
    );
    assert_eq!(again["id"], made["id"]);
    let (_, listed, _) = proxy.notes_of("Contact", &rose).await;
    assert_eq!(listed["notes"].as_array().unwrap().len(), 1, "{listed}");
    proxy.stop().await;
}

#[tokio::test]
async fn the_same_key_sent_to_two_proxies_on_one_database_makes_one_note() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::sqlite_file(dir.path());
    let one = linked_with(|c| c.database_url = url.clone()).await;
    // Ana links again through the second proxy: her link (shared) is now its org's, so both
    // proxies write her notes there.
    let two = linked_with(|c| c.database_url = url.clone()).await;
    let rose = two.rose().await;
    let body = json!({"object": "Contact", "record_id": rose, "title": "Both", "body": "x", "key": "twice"});
    let ((first, made), (second, again)) = tokio::join!(
        one.send_as(&two.session, Method::POST, "/api/notes", body.clone()),
        two.send_as(&two.session, Method::POST, "/api/notes", body.clone()),
    );
    assert_eq!((first, second), (201, 201), "{made} {again}");
    assert_eq!(made["id"], again["id"]);
    let (status, later) = one
        .send_as(&two.session, Method::POST, "/api/notes", body)
        .await;
    assert_eq!((status, &later["id"]), (201, &made["id"]));
    let (_, listed, _) = two.notes_of("Contact", &rose).await;
    assert_eq!(listed["notes"].as_array().unwrap().len(), 1, "{listed}");
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn a_key_claimed_by_a_proxy_that_died_is_taken_over_and_makes_one_note() {
    use pane_proxy::store::{Db, NoteClaim, NoteKey};
    let dir = tempfile::tempdir().unwrap();
    let url = crate::database::sqlite_file(dir.path());
    let proxy = linked_with(|c| {
        c.database_url = url.clone();
        c.salesforce_timeout_secs = 1;
    })
    .await;
    let rose = proxy.rose().await;
    let db = Db::connect(&url).await.unwrap();
    let ana = db.session_link(&proxy.session).await.unwrap().unwrap();
    let key = NoteKey {
        org_id: &ana.org_id,
        user_id: &ana.user_id,
        key: "orphan",
    };
    // Claimed a minute ago by a proxy that died before writing: past its lease.
    let long_ago = pane_proxy::clock::now_secs() - 60;
    assert_eq!(db.claim_note(key, long_ago).await.unwrap(), NoteClaim::Mine);
    let body = json!({"object": "Contact", "record_id": rose, "title": "Orphan", "body": "x", "key": "orphan"});
    let (status, made, cost) = proxy.add_note(body.clone()).await;
    assert_eq!(
        (status, cost),
        (201, 2),
        "a look for a note the dead proxy made, then the note: {made}"
    );
    let (status, again, cost) = proxy.add_note(body).await;
    assert_eq!((status, cost, &again["id"]), (201, 0, &made["id"]));
    let (_, listed, _) = proxy.notes_of("Contact", &rose).await;
    assert_eq!(listed["notes"].as_array().unwrap().len(), 1, "{listed}");
    proxy.stop().await;
}

#[tokio::test]
async fn a_note_is_edited_in_place() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let (_, made, _) = proxy
        .add_note(json!({"object": "Contact", "record_id": rose, "title": "Draft", "body": "old", "key": "e-1"}))
        .await;
    let id = made["id"].as_str().unwrap();
    let (status, _, cost) = proxy
        .edit_note(id, json!({"title": "Final", "body": "new & improved"}))
        .await;
    assert_eq!((status, cost), (204, 1));
    let (_, listed, _) = proxy.notes_of("Contact", &rose).await;
    assert_eq!(listed["notes"][0]["title"], "Final");
    assert_eq!(listed["notes"][0]["preview"], "new & improved");
    proxy.stop().await;
}

#[tokio::test]
async fn a_note_longer_than_its_preview_is_read_whole_to_edit_and_saved_whole() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let long = format!(
        "{}\n\nSecond part & <more>\n{}",
        "first part ".repeat(30),
        "the end ".repeat(20)
    );
    assert!(long.chars().count() > 255);
    let (_, made, _) = proxy
        .add_note(json!({"object": "Contact", "record_id": rose, "title": "Long", "body": long, "key": "long-1"}))
        .await;
    let id = made["id"].as_str().unwrap();
    let (_, listed, _) = proxy.notes_of("Contact", &rose).await;
    let preview = listed["notes"][0]["preview"].as_str().unwrap();
    assert_eq!(preview.chars().count(), 255, "Salesforce's preview is cut");

    let (status, whole, cost) = proxy.get_counting(&format!("/api/notes/{id}/text")).await;
    assert_eq!(
        (status, cost),
        (200, 1),
        "one request, its Content: {whole}"
    );
    assert_eq!(whole["text"], long);

    let edited = format!("{long}\nadded at the end");
    let (status, _, _) = proxy.edit_note(id, json!({"body": edited})).await;
    assert_eq!(status, 204);
    let (_, whole, _) = proxy.get_counting(&format!("/api/notes/{id}/text")).await;
    assert_eq!(whole["text"], edited, "saved whole, not cut to the preview");
    let (status, _, cost) = proxy
        .get_counting("/api/notes/003000000000001AAA/text")
        .await;
    assert_eq!((status, cost), (400, 0), "not a note id");
    proxy.stop().await;
}

#[tokio::test]
async fn notes_refuse_bad_input_without_asking_salesforce() {
    let proxy = linked().await;
    let rose = proxy.rose().await;
    let before = proxy.salesforce_calls().await;
    let (status, err, _) = proxy
        .add_note(
            json!({"object": "Contact", "record_id": rose, "title": "  ", "body": "x", "key": "t"}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("rejected")),
        "{err}"
    );
    assert_eq!(err["fields"], json!(["title"]));
    let (status, _, _) = proxy
        .add_note(
            json!({"object": "Case", "record_id": rose, "title": "T", "body": "x", "key": "t"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = proxy.notes_of("Contact", "003' OR Id != '").await;
    assert_eq!(status, 400);
    let (status, _) = proxy
        .send_as(
            &proxy.session,
            Method::PATCH,
            &format!("/api/notes/{rose}"),
            json!({"title": "T"}),
        )
        .await;
    assert_eq!(status, 400, "a Contact id is not a note id");
    assert_eq!(proxy.salesforce_calls().await, before);
    proxy.stop().await;
}

#[tokio::test]
async fn the_panel_brings_the_person_and_account_notes_in_its_one_request() {
    let proxy = linked().await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(rose["person"]["notes"], json!([]), "read, none yet: {rose}");
    assert_eq!(rose["account"]["notes"], json!([]));
    for (object, record, title) in [
        ("Contact", &rose["person"]["id"], "Call"),
        ("Account", &rose["account"]["id"], "Edge"),
    ] {
        let (status, _, _) = proxy
            .add_note(json!({"object": object, "record_id": record, "title": title, "body": "", "key": title}))
            .await;
        assert_eq!(status, 201);
    }
    let (cache, rose, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        (cache.as_str(), cost),
        ("miss", 1),
        "a note forgets the cached panel; the notes come in its composite"
    );
    assert_eq!(
        titles(&rose["person"]["notes"]),
        ["Call"],
        "a note is on the record it was added to"
    );
    assert_eq!(titles(&rose["account"]["notes"]), ["Edge"]);
    proxy.stop().await;
}

#[tokio::test]
async fn an_opportunitys_notes_are_read_on_their_own() {
    let proxy = linked().await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    let deal = rose["opportunities"]["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        rose["opportunities"]["records"][0].get("notes").is_none(),
        "not read with the panel: {rose}"
    );
    let (status, _, _) = proxy
        .add_note(json!({"object": "Opportunity", "record_id": deal, "title": "Deal", "body": "", "key": "o-1"}))
        .await;
    assert_eq!(status, 201);
    let (status, listed, cost) = proxy.notes_of("Opportunity", &deal).await;
    assert_eq!((status, cost), (200, 1), "{listed}");
    assert_eq!(listed["notes"][0]["title"], "Deal");
    proxy.stop().await;
}

#[tokio::test]
async fn an_add_whose_answer_is_lost_answers_the_note_it_made_and_makes_one() {
    // Dropped after the commit, or later than the proxy waits.
    for fault in [
        json!({"drop_after_next": 1, "after_path": "/composite"}),
        json!({"hang_after_next": 1, "hang_ms": 2_500, "after_path": "/composite"}),
    ] {
        let proxy = linked_with(|c| c.salesforce_timeout_secs = 1).await;
        let rose = proxy.rose().await;
        proxy.control("faults", fault.clone()).await;
        let body = json!({"object": "Contact", "record_id": rose, "title": "Lost", "body": "x", "key": "lost-1"});
        let (status, made, _) = proxy.add_note(body.clone()).await;
        assert_eq!(status, 201, "{fault}: {made}");
        let (status, again, cost) = proxy.add_note(body).await;
        assert_eq!(
            (status, cost, &again["id"]),
            (201, 0, &made["id"]),
            "{fault}"
        );
        let (_, listed, _) = proxy.notes_of("Contact", &rose).await;
        let notes = listed["notes"].as_array().unwrap();
        assert_eq!(notes.len(), 1, "{fault}: {listed}");
        assert_eq!(notes[0]["id"], made["id"]);
        proxy.stop().await;
    }
}
