//! `/api/panel` over real sockets: one Salesforce request for a new email sender, two for a
//! phone (a search, then the records it found: Composite cannot hold a search), none when
//! cached.

use crate::login::{AsAgent, sent};
use pane_wire::api::ApiError;
use reqwest::Method;
use serde_json::{Value, json};

use crate::running::{Running, linked};

#[tokio::test]
async fn a_new_sender_costs_one_request_and_a_revisit_none() {
    let proxy = linked().await;
    let (cache, rose, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!((cache.as_str(), cost), ("miss", 1));
    assert_eq!(rose["reason"], "email");
    assert_eq!(rose["person"]["fields"]["Name"], "Rose Gonzalez");
    assert_eq!(rose["account"]["fields"]["Name"], "Edge Communications");

    let (cache, again, cost) = proxy.panel("email", "Rose@Edge.com").await;
    assert_eq!(
        (cache.as_str(), cost),
        ("hit", 0),
        "same sender, any case: from cache"
    );
    assert_eq!(again, rose);

    let (_, tim, cost) = proxy.panel("email", "tim.barr@burlington.com").await;
    assert_eq!((tim["reason"].as_str(), cost), (Some("domain"), 1));
    let (_, call, cost) = proxy.panel("phone", "+13362227000").await;
    assert_eq!(
        (call["person"]["fields"]["Name"].as_str(), cost),
        (Some("Jack Rogers"), 2)
    );
    let (_, nobody, cost) = proxy.panel("phone", "+19995550100").await;
    assert_eq!(
        (nobody["reason"].as_str(), cost),
        (Some("none"), 1),
        "a number nobody has: the search alone"
    );

    // Bad input: a clear 400, nothing sent to Salesforce.
    let before = proxy.salesforce_calls().await;
    for (kind, handle) in [
        ("email", "not an email"),
        ("twitter", "@rose"),
        ("phone", "call me"),
    ] {
        let res = sent(proxy.panel_request(&proxy.session, kind, handle)).await;
        assert_eq!(res.status(), 400, "{kind} {handle}");
    }
    assert_eq!(proxy.salesforce_calls().await, before);
    let res = proxy
        .anonymous(Method::GET, "/api/panel")
        .query(&[("kind", "email"), ("handle", "rose@edge.com")]);
    assert_eq!(sent(res).await.status(), 401, "no session");
    proxy.stop().await;
}

#[tokio::test]
async fn an_expired_salesforce_session_is_refreshed_and_a_spent_quota_is_said() {
    let proxy = linked().await;
    proxy.control("expire-tokens", json!({})).await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        rose["person"]["fields"]["Name"], "Rose Gonzalez",
        "refreshed with the stored refresh token"
    );

    proxy.control("quota", json!({"max": 5, "used": 5})).await;
    let res = sent(proxy.panel_request(&proxy.session, "email", "sean@edge.com")).await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "quota_spent");
    proxy.stop().await;
}

/// Ana linked, with Rose's Contact: the proxy, Rose's id and her record's URL at the proxy.
async fn rose_to_edit() -> (Running, String, String) {
    let proxy = linked().await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    let id = rose["person"]["id"].as_str().unwrap().to_owned();
    let url = format!("{}/api/records/Contact/{id}", proxy.origin);
    (proxy, id, url)
}

impl Running {
    /// PATCHes `body` to `url` as Ana: the answer.
    async fn edit(&self, url: &str, body: Value) -> reqwest::Response {
        sent(self.http.patch(url).agent(&self.session).json(&body)).await
    }

    /// Sets Rose's Title to "Chief Buyer", loaded now.
    async fn make_rose_chief_buyer(&self, url: &str) {
        let edit = json!({"fields": {"Title": "Chief Buyer"}, "loaded_at": chrono_like_now()});
        assert_eq!(self.edit(url, edit).await.status(), 204);
    }
}

/// An error answer with `status`.
async fn refusal(res: reqwest::Response, status: u16) -> ApiError {
    assert_eq!(res.status(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn an_edit_saves_and_forgets_the_cached_panel() {
    let (proxy, _, url) = rose_to_edit().await;
    proxy.make_rose_chief_buyer(&url).await;
    let (cache, after, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        (cache.as_str(), cost),
        ("miss", 1),
        "a write forgets the cached panel"
    );
    assert_eq!(after["person"]["fields"]["Title"], "Chief Buyer");
    proxy.stop().await;
}

#[tokio::test]
async fn an_edit_loaded_before_the_record_last_changed_is_refused_with_the_current_values() {
    let (proxy, _, url) = rose_to_edit().await;
    proxy.make_rose_chief_buyer(&url).await;
    let stale =
        json!({"fields": {"Title": "Old view"}, "loaded_at": "Mon, 30 Nov 2020 08:34:54 GMT"});
    let conflict = refusal(proxy.edit(&url, stale).await, 409).await;
    assert_eq!(conflict.code, "conflict");
    assert_eq!(conflict.current.unwrap()["Title"], "Chief Buyer");
    proxy.stop().await;
}

#[tokio::test]
async fn salesforces_validation_of_an_edit_is_answered_beside_the_field() {
    let (proxy, _, url) = rose_to_edit().await;
    let bad_email = json!({"fields": {"Email": "not an email"}});
    let rejected = refusal(proxy.edit(&url, bad_email).await, 400).await;
    assert_eq!(
        (rejected.code.as_str(), rejected.fields[0].as_str()),
        ("rejected", "Email")
    );
    assert_eq!(
        rejected.message,
        "Email: invalid email address: not an email"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn bad_edits_never_reach_salesforce() {
    let (proxy, id, url) = rose_to_edit().await;
    let before = proxy.salesforce_calls().await;
    for (path, body) in [
        (
            format!("{}/api/records/Con%20tact/{id}", proxy.origin),
            "{\"fields\": {\"Title\": \"x\"}}".to_owned(),
        ),
        (
            format!("{}/api/records/Contact/not-an-id", proxy.origin),
            "{\"fields\": {\"Title\": \"x\"}}".to_owned(),
        ),
        (url.clone(), "{\"fields\": ".to_owned()),
        (url.clone(), "{\"fields\": {}}".to_owned()),
        (
            url.clone(),
            "{\"fields\": {\"Title) FROM User --\": \"x\"}}".to_owned(),
        ),
    ] {
        let res = proxy
            .http
            .patch(&path)
            .agent(&proxy.session)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{path} {body}");
    }
    assert_eq!(proxy.salesforce_calls().await, before);
    proxy.stop().await;
}

/// Now as an HTTP date, a second ahead so a record changed this second counts as loaded.
fn chrono_like_now() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(1))
}

#[tokio::test]
async fn a_stranger_at_a_company_answered_recently_costs_no_company_query() {
    let (proxy, _, rose_url) = rose_to_edit().await;
    let (_, tim, cost) = proxy.panel("email", "tim.barr@burlington.com").await;
    assert_eq!((tim["reason"].as_str(), cost), (Some("domain"), 1));
    let burlington = tim["account"]["id"].as_str().unwrap().to_owned();
    let name = |panel: &Value| {
        panel["account"]["fields"]["Name"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(name(&tim), "Burlington Textiles Corp of America");

    // The company renamed in Salesforce, not through the proxy: only a company query sees it.
    let token = crate::login::sandbox_token(&proxy.http, &proxy.sandbox).await;
    let renamed = proxy
        .http
        .patch(format!(
            "{}/services/data/v59.0/sobjects/Account/{burlington}",
            proxy.sandbox
        ))
        .bearer_auth(&token)
        .json(&json!({"Name": "Burlington Renamed"}));
    assert_eq!(sent(renamed).await.status(), 204);

    // Another stranger there: one request, which did not ask for the company again.
    let (cache, ann, cost) = proxy.panel("email", "ann.new@Burlington.com").await;
    assert_eq!((cache.as_str(), cost), ("miss", 1));
    assert_eq!(ann["handle"], "ann.new@burlington.com");
    assert_eq!(ann["reason"], "domain");
    assert_eq!(ann["person"], Value::Null);
    assert_eq!(name(&ann), "Burlington Textiles Corp of America");
    for list in ["account_contacts", "opportunities", "cases"] {
        assert_eq!(ann[list], tim[list], "{list}: the company's, as kept");
    }
    // Someone who has the address is still read whole, their Account by id.
    let (_, jack, _) = proxy.panel("email", "jrogers@burlington.com").await;
    assert_eq!(jack["reason"], "email");
    assert_eq!(name(&jack), "Burlington Renamed");

    // A write through the proxy forgets the company with the org's panels.
    proxy.make_rose_chief_buyer(&rose_url).await;
    let (_, bea, cost) = proxy.panel("email", "bea.new@burlington.com").await;
    assert_eq!((bea["reason"].as_str(), cost), (Some("domain"), 1));
    assert_eq!(name(&bea), "Burlington Renamed");
    proxy.stop().await;
}
