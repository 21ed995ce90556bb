//! What an operator watches: `/metrics` (guarded by its token, and counting what a scenario
//! caused), liveness and readiness, and the request id that follows a panel call into the
//! Salesforce requests it made.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::Request;
use reqwest::Method;
use serde_json::Value;
use tower::ServiceExt;

use crate::helpers::{body_text, get, test_config, test_router, write_sites};
use crate::login::sent;
use crate::running::{Running, linked_with};

const TOKEN: &str = "scrape-token-for-tests";

/// One scrape: each sample (`name{labels}`) and its value.
type Samples = HashMap<String, f64>;

/// Reads the text format's samples (comments and `# EOF` skipped).
fn samples(text: &str) -> Samples {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

/// The change of `name` between two scrapes (0 for a sample in neither).
fn delta(before: &Samples, after: &Samples, name: &str) -> f64 {
    after.get(name).copied().unwrap_or(0.0) - before.get(name).copied().unwrap_or(0.0)
}

/// The sum of every sample of the metric `family` (any labels).
fn total(samples: &Samples, family: &str) -> f64 {
    samples
        .iter()
        .filter(|(name, _)| name.split('{').next() == Some(family))
        .map(|(_, v)| v)
        .sum()
}

impl Running {
    async fn scrape(&self) -> Samples {
        let res = sent(self.anonymous(Method::GET, "/metrics").bearer_auth(TOKEN)).await;
        assert_eq!(res.status(), 200);
        samples(&res.text().await.unwrap())
    }
}

async fn watched() -> Running {
    linked_with(|c| c.metrics_token = Some(TOKEN.parse().unwrap())).await
}

#[tokio::test]
async fn metrics_scraped_around_a_scenario_show_the_counts_it_caused() {
    let proxy = watched().await;
    proxy.link_integration().await;
    let before = proxy.scrape().await;
    let calls_before = proxy.salesforce_calls().await;

    let (cache, _, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(cache, "miss", "a new sender");
    let (cache, _, revisit) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!((cache.as_str(), revisit), ("hit", 0), "a revisit");
    let (status, _) = proxy
        .fire_inbound("evt_m1", "msg_m1", ("rose@edge.com", "Rose Gonzalez"))
        .await;
    assert_eq!(status, 202, "queued");
    let jobs = proxy.settled().await;
    assert_eq!(jobs[0].outcome, "logged");

    let after = proxy.scrape().await;
    let calls = proxy.salesforce_calls().await - calls_before;
    assert!(calls >= 2, "the panel and the rule each asked Salesforce");
    #[allow(clippy::cast_precision_loss)]
    let counted = calls as f64;
    assert_eq!(
        total(&after, "pane_salesforce_requests_total")
            - total(&before, "pane_salesforce_requests_total"),
        counted,
        "every request the org counted, and no other: {after:?}"
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "pane_panel_cache_lookups_total{result=\"miss\"}"
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "pane_panel_cache_lookups_total{result=\"hit\"}"
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "pane_rule_jobs_finished_total{state=\"done\",outcome=\"logged\"}"
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "pane_http_request_duration_seconds_count{method=\"GET\",route=\"/api/panel\",status=\"2xx\"}"
        ),
        2.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "pane_http_request_duration_seconds_count{method=\"POST\",route=\"/api/rules/{key}/{action}\",status=\"2xx\"}"
        ),
        1.0,
        "routes by their template: {after:?}"
    );
    assert_eq!(after["pane_rule_jobs_pending{state=\"queued\"}"], 0.0);
    assert_eq!(after["pane_rule_queue_oldest_age_seconds"], 0.0);

    let log = proxy.sandbox_log().await;
    let (used, max) = (log["used"].as_f64().unwrap(), log["max"].as_f64().unwrap());
    let remaining: Vec<(&String, &f64)> = after
        .iter()
        .filter(|(name, _)| name.starts_with("pane_salesforce_api_remaining{org_id=\"00D"))
        .collect();
    assert_eq!(
        remaining.len(),
        1,
        "one org, named by its id: {remaining:?}"
    );
    assert_eq!(*remaining[0].1, max - used, "as the org last reported");
    proxy.stop().await;
}

#[tokio::test]
async fn metrics_are_served_only_to_the_configured_bearer_token() {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let mut config = test_config(dirs.path());
    assert_eq!(
        get(&test_router(&config).await, "/metrics").await.status(),
        404,
        "no token configured: no metrics"
    );
    config.metrics_token = Some(TOKEN.parse().unwrap());
    let router = test_router(&config).await;
    let scrape = |auth: Option<&str>| {
        let mut req = Request::get("/metrics");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        router.clone().oneshot(req.body(Body::empty()).unwrap())
    };
    for refused in [
        None,
        Some("Bearer wrong-token"),
        Some("Basic c2NyYXBlLXRva2VuLWZvci10ZXN0cw=="),
        Some(TOKEN),
    ] {
        let res = scrape(refused).await.unwrap();
        assert_eq!(res.status(), 401, "{refused:?}");
        assert_eq!(
            res.headers()["www-authenticate"],
            "Bearer realm=\"metrics\""
        );
    }
    let res = scrape(Some(&format!("Bearer {TOKEN}"))).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = body_text(res).await;
    assert!(
        text.contains("# TYPE pane_rule_jobs_pending gauge"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[tokio::test]
async fn liveness_answers_and_readiness_says_salesforce_is_unreachable() {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    // The test state's Salesforce login host is port 1 of loopback, where nothing listens.
    let router = test_router(&test_config(dirs.path())).await;
    let live = get(&router, "/api/health/live").await;
    assert_eq!(live.status(), 200);
    let live: Value = serde_json::from_str(&body_text(live).await).unwrap();
    assert_eq!(live, serde_json::json!({"status": "ok"}));
    let ready = get(&router, "/api/health/ready").await;
    assert_eq!(ready.status(), 503);
    let ready: Value = serde_json::from_str(&body_text(ready).await).unwrap();
    assert_eq!(
        ready,
        serde_json::json!({"status": "unavailable", "database": "ok", "salesforce": "unavailable"})
    );
    let health = get(&router, "/api/health").await;
    assert_eq!(health.status(), 200, "the panel's health is unchanged");
}

#[tokio::test]
async fn readiness_is_ok_when_the_database_and_the_org_answer_and_costs_no_api_request() {
    let proxy = watched().await;
    let before = proxy.salesforce_calls().await;
    let res = sent(proxy.anonymous(Method::GET, "/api/health/ready")).await;
    assert_eq!(res.status(), 200);
    let ready: Value = res.json().await.unwrap();
    assert_eq!(
        ready,
        serde_json::json!({"status": "ok", "database": "ok", "salesforce": "ok"})
    );
    assert_eq!(proxy.salesforce_calls().await, before, "no API quota spent");
    proxy.stop().await;
}

#[tokio::test]
async fn a_panel_call_s_request_id_follows_it_into_its_salesforce_requests() {
    let (logs, _guard) = crate::helpers::capture_logs();
    let proxy = watched().await;
    let before = proxy.sandbox_log().await["log"].as_array().unwrap().len();
    let client_id = "8d5a4c1e-0b7a-4f0e-9c3b-2a1d6e5f4b3c";
    let res = proxy
        .panel_request(&proxy.session, "email", "rose@edge.com")
        .header("x-request-id", client_id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let id = crate::login::header_of(&res, "x-request-id");
    assert!(uuid_like(&id), "{id}");
    assert_ne!(
        id, client_id,
        "the client's id is a hint, never the request's id"
    );
    let log = proxy.sandbox_log().await;
    let sent = &log["log"].as_array().unwrap()[before..];
    assert!(!sent.is_empty(), "a new sender costs requests");
    for request in sent {
        assert_eq!(request["request_id"], id.as_str(), "{request}");
    }
    let text = logs.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(&format!("request_id={id}")))
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("path=/api/panel")),
        "the proxy's log lines of the call carry its id: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("path=/services/data/") && l.contains("sandbox org answered")),
        "so do the org's, for the requests the call made: {lines:?}"
    );
    // Another call has another id.
    let res = proxy
        .panel_request(&proxy.session, "email", "tim.barr@burlington.com")
        .send()
        .await
        .unwrap();
    let other = crate::login::header_of(&res, "x-request-id");
    assert!(uuid_like(&other) && other != id, "{other}");
    proxy.stop().await;
}

/// A UUID, written the canonical way.
fn uuid_like(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok_and(|u| u.hyphenated().to_string() == id)
}

/// A proxy whose rule workers run elsewhere (none here), with a job queued: what `/metrics`
/// says of the queue.
async fn queue_seen_with(database_url: Option<String>) -> Samples {
    let proxy = linked_with(|c| {
        c.metrics_token = Some(TOKEN.parse().unwrap());
        c.rule_workers = 0;
        if let Some(url) = database_url {
            c.database_url = url;
        }
    })
    .await;
    let empty = proxy.scrape().await;
    assert_eq!(empty["pane_rule_jobs_pending{state=\"queued\"}"], 0.0);
    assert_eq!(empty["pane_rule_queue_oldest_age_seconds"], 0.0);
    let (status, _) = proxy
        .fire_inbound("evt_q1", "msg_q1", ("rose@edge.com", "Rose Gonzalez"))
        .await;
    assert_eq!(status, 202);
    let seen = proxy.scrape().await;
    proxy.stop().await;
    seen
}

#[tokio::test]
async fn the_rule_queue_depth_counts_a_job_no_worker_took() {
    let seen = queue_seen_with(None).await;
    assert_eq!(seen["pane_rule_jobs_pending{state=\"queued\"}"], 1.0);
    assert_eq!(seen["pane_rule_jobs_pending{state=\"running\"}"], 0.0);
}

#[tokio::test]
async fn metrics_and_readiness_read_postgres_too() {
    let Some(url) = crate::database::postgres_database().await else {
        return;
    };
    let seen = queue_seen_with(Some(url.clone())).await;
    assert_eq!(seen["pane_rule_jobs_pending{state=\"queued\"}"], 1.0);
    let proxy = linked_with(|c| c.database_url = url).await;
    let ready = sent(proxy.anonymous(Method::GET, "/api/health/ready")).await;
    let (status, ready) = crate::helpers::json_of(ready).await;
    assert_eq!((status, &ready["database"]), (200, &Value::from("ok")));
    proxy.stop().await;
}
