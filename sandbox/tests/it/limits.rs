//! The allowance, its headers, the request log, and injected faults.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{json, org, status};

#[tokio::test]
async fn every_counted_request_shows_its_usage_until_the_allowance_is_spent() {
    let org = org().await;
    org.control("quota", &json!({"max": 3, "used": 0})).await;
    org.clear_log().await;
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
    assert_eq!(status(org.http.get(org.url("/services/data"))).await, 200);
    let log = org.log().await;
    assert_eq!(log["count"], 3);
    assert_eq!(log["per_client"]["pane-sandbox-demo-client"], 3);
    assert_eq!(log["log"][0]["path"], "/services/data/v59.0/limits");
}

#[tokio::test]
async fn injected_faults() {
    let org = org().await;
    let limits = || status(org.get(&org.data("/limits")));

    org.control("faults", &json!({"fail_next": 1, "fail_status": 503}))
        .await;
    let res = org.get(&org.data("/limits")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(limits().await, 200, "only the next one fails");

    org.control("faults", &json!({"malformed_next": 1})).await;
    let res = org.get(&org.data("/limits")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.is_err(), "not JSON");

    org.control("faults", &json!({"drop_next": 1})).await;
    let dropped = async { org.get(&org.data("/limits")).send().await?.bytes().await }.await;
    assert!(dropped.is_err(), "the connection was dropped");

    org.control("faults", &json!({"latency_ms": 150})).await;
    let started = Instant::now();
    assert_eq!(limits().await, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
    org.control("faults", &json!({})).await;
}

#[tokio::test]
async fn a_restricted_user_sees_read_only_fields_in_describe() {
    let org = org().await;
    let describe = json(
        org.http
            .get(org.url(&org.data("/sobjects/Account/describe")))
            .bearer_auth(org.ben().await),
    )
    .await;
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
    let admin = json(org.get(&org.data("/sobjects/Account/describe"))).await;
    assert_eq!(field(&admin, "AnnualRevenue")["updateable"], true);
}

/// Latency is added once to each request that reaches the org, not to each of a composite's
/// subrequests (a real org's composite costs one round trip; four subrequests paid it five
/// times before).
#[tokio::test]
async fn latency_is_added_once_per_request_not_per_subrequest() {
    let org = org().await;
    org.control("faults", &json!({"latency_ms": 1})).await;
    let sub =
        |r: &str| json!({"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": r});
    let body = json!({"compositeRequest": [sub("a"), sub("b"), sub("c"), sub("d")]});
    let (status, _) = org.post_data("/composite", &body).await;
    assert_eq!(status, 200);
    let faults = org.inspect("faults").await;
    assert_eq!(faults["delayed"], 1, "{faults}");
}
