//! `/api/panel` over real sockets: one Salesforce request for a new email sender, two for a
//! phone (a search, then the records it found: Composite cannot hold a search), none when
//! cached.

use crate::login::{AsAgent, sent};
use serde_json::Value;

use crate::running::linked;

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
        .http
        .get(format!("{}/api/panel", proxy.origin))
        .query(&[("kind", "email"), ("handle", "rose@edge.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no session");
    proxy.stop().await;
}

#[tokio::test]
async fn an_expired_salesforce_session_is_refreshed_and_a_spent_quota_is_said() {
    let proxy = linked().await;
    proxy
        .http
        .post(format!("{}/__sandbox/expire-tokens", proxy.sandbox))
        .send()
        .await
        .unwrap();
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        rose["person"]["fields"]["Name"], "Rose Gonzalez",
        "refreshed with the stored refresh token"
    );

    proxy
        .http
        .post(format!("{}/__sandbox/quota", proxy.sandbox))
        .json(&serde_json::json!({"max": 5, "used": 5}))
        .send()
        .await
        .unwrap();
    let res = proxy
        .http
        .get(format!("{}/api/panel", proxy.origin))
        .query(&[("kind", "email"), ("handle", "sean@edge.com")])
        .agent(&proxy.session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "quota_spent");
    proxy.stop().await;
}

#[tokio::test]
async fn edits_save_refuse_stale_writes_with_current_values_and_refresh_the_cache() {
    let proxy = linked().await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    let id = rose["person"]["id"].as_str().unwrap().to_owned();
    let url = format!("{}/api/records/Contact/{id}", proxy.origin);
    let now = chrono_like_now();

    let res = proxy
        .http
        .patch(&url)
        .agent(&proxy.session)
        .json(&serde_json::json!({"fields": {"Title": "Chief Buyer"}, "loaded_at": now}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (cache, after, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        (cache.as_str(), cost),
        ("miss", 1),
        "a write forgets the cached panel"
    );
    assert_eq!(after["person"]["fields"]["Title"], "Chief Buyer");

    // Loaded before the record last changed: refused, with what Salesforce has now.
    let res = proxy.http.patch(&url).agent(&proxy.session).json(&serde_json::json!({"fields": {"Title": "Old view"}, "loaded_at": "Mon, 30 Nov 2020 08:34:54 GMT"})).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "conflict");
    assert_eq!(body["current"]["Title"], "Chief Buyer");

    // Salesforce's validation, beside the field.
    let res = proxy
        .http
        .patch(&url)
        .agent(&proxy.session)
        .json(&serde_json::json!({"fields": {"Email": "not an email"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["fields"][0].as_str()),
        (Some("rejected"), Some("Email"))
    );
    assert_eq!(
        body["message"],
        "Email: invalid email address: not an email"
    );

    // Bad input never reaches Salesforce.
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
