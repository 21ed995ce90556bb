//! Notes in an org without enhanced notes (the sandbox's `/__sandbox/notes {"enhanced":
//! false}`): the classic Note, learned once per org, listed, added and edited as ContentNotes
//! are, and what each costs in Salesforce requests.

use reqwest::Method;
use serde_json::{Value, json};

use crate::notes::titles;
use crate::running::{Running, linked};

impl Running {
    /// A running proxy linked to an org without enhanced notes.
    async fn classic() -> Running {
        let proxy = linked().await;
        proxy.control("notes", json!({"enhanced": false})).await;
        proxy
    }

    /// Rose's Contact id, found by a search (which reads no notes, so the org's kind of notes
    /// is still unknown).
    async fn rose_searched(&self) -> String {
        let (status, found, _) = self.get_counting("/api/search?q=Rose").await;
        assert_eq!(status, 200, "{found}");
        found["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["object"] == "Contact")
            .and_then(|r| r["id"].as_str())
            .unwrap()
            .to_owned()
    }

    /// `POST /api/notes`: status, answer and the Salesforce requests it made.
    async fn add_classic(&self, record: &str, title: &str, body: &str) -> (u16, Value, u64) {
        let before = self.salesforce_calls().await;
        let (status, answer) = self
            .send_as(
                &self.session,
                Method::POST,
                "/api/notes",
                json!({"object": "Contact", "record_id": record, "title": title, "body": body, "key": title}),
            )
            .await;
        (status, answer, self.salesforce_calls().await - before)
    }

    /// The titles of `record`'s notes (`GET /api/notes`), newest first.
    async fn titles_of(&self, record: &str) -> Vec<String> {
        let (status, listed, _) = self
            .get_counting(&format!("/api/notes?object=Contact&id={record}"))
            .await;
        assert_eq!(status, 200, "{listed}");
        titles(&listed["notes"])
    }
}

#[tokio::test]
async fn a_classic_org_is_learned_by_its_first_panel_and_later_panels_cost_one() {
    let proxy = Running::classic().await;
    let (_, rose, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        cost, 2,
        "the enhanced notes refused, then the classic ones: {rose}"
    );
    assert_eq!(rose["person"]["fields"]["Name"], "Rose Gonzalez", "{rose}");
    assert_eq!(
        rose["open_activities"]["records"][0]["fields"]["Subject"],
        "Call Rose back about the invoice"
    );
    for card in ["person", "account"] {
        assert_eq!(rose[card]["notes"], json!([]), "{card}: {rose}");
        assert_ne!(rose[card]["notes_unavailable"], true, "{card}: {rose}");
    }
    let (_, _, cost) = proxy.panel("email", "sean@edge.com").await;
    assert_eq!(cost, 1, "the org's kind is remembered");
    proxy.stop().await;
}

#[tokio::test]
async fn a_classic_note_is_added_listed_read_whole_and_edited() {
    let proxy = Running::classic().await;
    let rose = proxy.rose().await;
    let (status, made, cost) = proxy
        .add_classic(&rose, "Call", "Asked for <b>pricing</b>\nCall back Monday")
        .await;
    assert_eq!((status, cost), (201, 1), "one composite: {made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("002"), "a classic Note: {id}");
    assert_eq!(
        made["note"]["id"],
        id.as_str(),
        "the answer carries the note: {made}"
    );
    assert_eq!(made["note"]["title"], "Call");
    assert_eq!(
        made["note"]["preview"], "Asked for <b>pricing</b> Call back Monday",
        "plain text, as typed"
    );

    let (cache, panel, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!((cache.as_str(), cost), ("miss", 1), "{panel}");
    assert_eq!(titles(&panel["person"]["notes"]), ["Call"]);
    let (status, listed, cost) = proxy
        .get_counting(&format!("/api/notes?object=Contact&id={rose}"))
        .await;
    assert_eq!((status, cost), (200, 1), "{listed}");
    assert_eq!(titles(&listed["notes"]), ["Call"]);

    let (status, whole, cost) = proxy.get_counting(&format!("/api/notes/{id}/text")).await;
    assert_eq!((status, cost), (200, 1), "{whole}");
    assert_eq!(whole["text"], "Asked for <b>pricing</b>\nCall back Monday");

    let (status, _, cost) = proxy
        .edit_note(&id, json!({"title": "Called", "body": "Done\nthanks"}))
        .await;
    assert_eq!((status, cost), (204, 1));
    let (_, whole, _) = proxy.get_counting(&format!("/api/notes/{id}/text")).await;
    assert_eq!(whole["text"], "Done\nthanks");
    assert_eq!(proxy.titles_of(&rose).await, ["Called"]);
    proxy.stop().await;
}

#[tokio::test]
async fn a_classic_title_over_80_characters_is_refused_before_salesforce_is_asked() {
    let proxy = Running::classic().await;
    let rose = proxy.rose().await;
    let (status, err, cost) = proxy.add_classic(&rose, &"x".repeat(81), "").await;
    assert_eq!((status, cost), (400, 0), "{err}");
    assert_eq!(err["code"], "rejected");
    assert_eq!(err["fields"], json!(["title"]));
    assert_eq!(err["message"], "Title: at most 80 characters.", "{err}");
    let (status, made, _) = proxy.add_classic(&rose, &"x".repeat(80), "").await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap();
    let (status, err, cost) = proxy.edit_note(id, json!({"title": "y".repeat(81)})).await;
    assert_eq!(
        (status, cost, &err["fields"]),
        (400, 0, &json!(["title"])),
        "{err}"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn an_enhanced_note_is_not_written_in_an_org_known_to_keep_classic_ones() {
    let proxy = Running::classic().await;
    proxy.rose().await;
    for (method, path, body) in [
        (
            Method::PATCH,
            "/api/notes/069000000000001AAA",
            json!({"title": "T"}),
        ),
        (
            Method::GET,
            "/api/notes/069000000000001AAA/text",
            Value::Null,
        ),
    ] {
        let before = proxy.salesforce_calls().await;
        let (status, err) = proxy.send_as(&proxy.session, method, path, body).await;
        assert_eq!(
            (status, err["code"].as_str()),
            (409, Some("notes_unavailable")),
            "{path}: {err}"
        );
        assert_eq!(proxy.salesforce_calls().await, before, "{path}");
    }
    proxy.stop().await;
}

#[tokio::test]
async fn a_classic_orgs_first_list_learns_its_kind() {
    let proxy = Running::classic().await;
    let rose = proxy.rose_searched().await;
    let path = format!("/api/notes?object=Contact&id={rose}");
    let (status, listed, cost) = proxy.get_counting(&path).await;
    assert_eq!((status, cost), (200, 2), "{listed}");
    assert_eq!(listed["notes"], json!([]));
    let (status, _, cost) = proxy.get_counting(&path).await;
    assert_eq!((status, cost), (200, 1));
    proxy.stop().await;
}

#[tokio::test]
async fn a_classic_orgs_first_add_learns_its_kind_and_makes_one_note() {
    let proxy = Running::classic().await;
    let rose = proxy.rose_searched().await;
    let (status, made, cost) = proxy.add_classic(&rose, "First", "x").await;
    assert_eq!(
        (status, cost),
        (201, 2),
        "the ContentNote refused (nothing made), then the Note: {made}"
    );
    assert!(made["id"].as_str().unwrap().starts_with("002"), "{made}");
    assert_eq!(proxy.titles_of(&rose).await, ["First"]);
    proxy.stop().await;
}

#[tokio::test]
async fn a_pinned_contact_in_a_classic_org_shows_its_classic_notes() {
    let proxy = Running::classic().await;
    let rose = proxy.rose_searched().await;
    let (status, _, _) = proxy.add_classic(&rose, "Pinned", "").await;
    assert_eq!(status, 201);
    let status = proxy
        .api(Method::PUT, "/api/pins", &proxy.session)
        .query(&[("kind", "email"), ("handle", "zoe@gmail.com")])
        .json(&json!({"object": "Contact", "id": rose}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    let (_, panel, cost) = proxy.panel("email", "zoe@gmail.com").await;
    assert_eq!(cost, 1, "the kind was learned by the add: {panel}");
    assert_eq!(panel["reason"], "pinned", "{panel}");
    assert_eq!(titles(&panel["person"]["notes"]), ["Pinned"]);
    proxy.stop().await;
}
