//! The allowance, its headers, the request log, and injected faults.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::org;

#[tokio::test]
async fn every_counted_request_shows_its_usage_until_the_allowance_is_spent() {
    let org = org().await;
    org.http
        .post(org.url("/__sandbox/quota"))
        .json(&json!({"max": 3, "used": 0}))
        .send()
        .await
        .unwrap();
    org.http
        .delete(org.url("/__sandbox/requests"))
        .send()
        .await
        .unwrap();
    for n in 1..=3 {
        let res = org.get(&org.data("/limits")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["sforce-limit-info"],
            format!("api-usage={n}/3").as_str()
        );
        if n == 3 {
            let limits: Value = res.json().await.unwrap();
            assert_eq!(
                limits["DailyApiRequests"],
                json!({"Max": 3, "Remaining": 0})
            );
        }
    }
    let res = org.get(&org.data("/limits")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    // The versions list costs nothing, even then.
    assert_eq!(
        org.http
            .get(org.url("/services/data"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let log: Value = org
        .http
        .get(org.url("/__sandbox/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log["count"], 3);
    assert_eq!(log["per_client"]["pane-sandbox-demo-client"], 3);
    assert_eq!(log["log"][0]["path"], "/services/data/v59.0/limits");
}

#[tokio::test]
async fn injected_faults() {
    let org = org().await;
    let set = |faults: Value| {
        org.http
            .post(org.url("/__sandbox/faults"))
            .json(&faults)
            .send()
    };

    set(json!({"fail_next": 1, "fail_status": 503}))
        .await
        .unwrap();
    let res = org.get(&org.data("/limits")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        org.get(&org.data("/limits")).send().await.unwrap().status(),
        200,
        "only the next one fails"
    );

    set(json!({"malformed_next": 1})).await.unwrap();
    let res = org.get(&org.data("/limits")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.is_err(), "not JSON");

    set(json!({"drop_next": 1})).await.unwrap();
    let dropped = async { org.get(&org.data("/limits")).send().await?.bytes().await }.await;
    assert!(dropped.is_err(), "the connection was dropped");

    set(json!({"latency_ms": 150})).await.unwrap();
    let started = Instant::now();
    assert_eq!(
        org.get(&org.data("/limits")).send().await.unwrap().status(),
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
    set(json!({})).await.unwrap();
}

#[tokio::test]
async fn a_restricted_user_sees_read_only_fields_in_describe() {
    let org = org().await;
    let ben = crate::helpers::password_login(
        &org.http,
        &org.sandbox.base_url(),
        "ben@pane-support.example",
        "demo-ben-1",
    )
    .await;
    let token = ben["access_token"].as_str().unwrap();
    let describe: Value = org
        .http
        .get(org.url(&org.data("/sobjects/Account/describe")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let field = |d: &Value, name: &str| {
        d["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(field(&describe, "AnnualRevenue")["updateable"], false);
    assert_eq!(field(&describe, "Phone")["updateable"], true);
    let admin: Value = org
        .get(&org.data("/sobjects/Account/describe"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(field(&admin, "AnnualRevenue")["updateable"], true);
}

/// Latency is added once to each request that reaches the org, not to each of a composite's
/// subrequests (a real org's composite costs one round trip; four subrequests paid it five
/// times before).
#[tokio::test]
async fn latency_is_added_once_per_request_not_per_subrequest() {
    let org = org().await;
    org.http
        .post(org.url("/__sandbox/faults"))
        .json(&json!({"latency_ms": 1}))
        .send()
        .await
        .unwrap();
    let sub =
        |r: &str| json!({"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": r});
    let body = json!({"compositeRequest": [sub("a"), sub("b"), sub("c"), sub("d")]});
    let res = org
        .http
        .post(org.url("/services/data/v59.0/composite"))
        .bearer_auth(&org.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let faults: Value = org
        .http
        .get(org.url("/__sandbox/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["delayed"], 1, "{faults}");
}
