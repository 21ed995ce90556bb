//! `GET /metrics`: what an operator watches, in the OpenMetrics text format Prometheus scrapes.
//!
//! Salesforce requests by kind and outcome, the API requests each org has left, panel cache
//! lookups, the rule queue's depth and age, finished rule jobs, and the proxy's request
//! latency. Labels are bounded sets (kinds, outcomes, route templates) and org ids: never a
//! secret, an email, a handle or a record id.
//!
//! The page tells which orgs the proxy serves and how busy they are, so it is served only
//! when `PANE_METRICS_TOKEN` is set, to a scraper that presents that token as a bearer token:
//! 404 without the setting, 401 without the token.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pane_salesforce::trace::{Kind, Observer, Outcome};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::config::Secret;
use crate::store::QueueStats;

/// The header the panel route tells a cache lookup's result in (`hit`, `shared`, `miss`,
/// `stale`).
pub const CACHE_HEADER: &str = "x-pane-cache";

/// The OpenMetrics text format's media type.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SalesforceLabels {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OrgLabels {
    org_id: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    state: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

/// The proxy's metrics (cheap to clone: one registry shared by every clone).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    token: Option<Secret>,
    salesforce: Family<SalesforceLabels, Counter>,
    api_remaining: Family<OrgLabels, Gauge>,
    cache: Family<ResultLabels, Counter>,
    queue: Family<StateLabels, Gauge>,
    queue_oldest: Gauge<f64, AtomicU64>,
    jobs: Family<JobLabels, Counter>,
    latency: Family<HttpLabels, Histogram>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Request latency buckets: 5 ms to about 20 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

impl Metrics {
    /// Empty metrics, served to a scraper presenting `token` (none: not served).
    pub fn new(token: Option<Secret>) -> Metrics {
        let mut registry = Registry::with_prefix("pane");
        let salesforce = Family::default();
        registry.register(
            "salesforce_requests",
            "Salesforce API requests sent (retries included), by kind and outcome",
            salesforce.clone(),
        );
        let api_remaining = Family::default();
        registry.register(
            "salesforce_api_remaining",
            "API requests the org has left in its rolling 24 hours, as Salesforce last reported",
            api_remaining.clone(),
        );
        let cache = Family::default();
        registry.register(
            "panel_cache_lookups",
            "Panel lookups by cache result: hit (this replica's memory), shared (the cache replicas share), miss (read from Salesforce), stale (served at the quota's last reserve)",
            cache.clone(),
        );
        let queue = Family::default();
        registry.register(
            "rule_jobs_pending",
            "Rule jobs not finished, by state (queued, retry, running)",
            queue.clone(),
        );
        let queue_oldest = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "rule_queue_oldest_age_seconds",
            "Age of the oldest rule job waiting to run (queued or retry), 0 when none waits",
            queue_oldest.clone(),
        );
        let jobs = Family::default();
        registry.register(
            "rule_jobs_finished",
            "Rule job attempts recorded, by the state they left the job in and its outcome",
            jobs.clone(),
        );
        let latency = Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by method, route template and status class",
            latency.clone(),
        );
        Metrics(Arc::new(Inner {
            registry,
            token,
            salesforce,
            api_remaining,
            cache,
            queue,
            queue_oldest,
            jobs,
            latency,
        }))
    }

    /// Counts the Salesforce requests of the clients it is given to.
    pub fn salesforce_observer(&self) -> Observer {
        let salesforce = self.0.salesforce.clone();
        Observer::new(move |kind: Kind, outcome: Outcome| {
            salesforce
                .get_or_create(&SalesforceLabels {
                    kind: kind.as_str(),
                    outcome: outcome.as_str(),
                })
                .inc();
        })
    }

    /// Records what Salesforce last reported of `org_id`'s allowance.
    pub fn api_remaining(&self, org_id: &str, remaining: u64) {
        self.0
            .api_remaining
            .get_or_create(&OrgLabels {
                org_id: org_id.to_owned(),
            })
            .set(i64::try_from(remaining).unwrap_or(i64::MAX));
    }

    /// Counts a rule job's attempt, recorded as `state` with `outcome`.
    pub fn job_finished(&self, state: &str, outcome: &str) {
        let labels = JobLabels {
            state: job_state(state),
            outcome: job_outcome(outcome),
        };
        self.0.jobs.get_or_create(&labels).inc();
    }

    fn queue(&self, stats: &QueueStats, now_ms: i64) {
        for (state, n) in [
            ("queued", stats.queued),
            ("retry", stats.retry),
            ("running", stats.running),
        ] {
            self.0.queue.get_or_create(&StateLabels { state }).set(n);
        }
        let age_ms = stats
            .oldest_waiting_ms
            .map_or(0, |at| now_ms.saturating_sub(at).max(0));
        // Milliseconds of a queue's age fit an f64 exactly.
        #[allow(clippy::cast_precision_loss)]
        self.0.queue_oldest.set(age_ms as f64 / 1000.0);
    }

    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.0.registry)?;
        Ok(text)
    }
}

/// A job state's label (the states the worker writes; anything else is `other`).
fn job_state(state: &str) -> &'static str {
    match state {
        "done" => "done",
        "retry" => "retry",
        "dead" => "dead",
        _ => "other",
    }
}

/// A job outcome's label (the outcomes the worker writes; none is `none`, anything else
/// `other`).
fn job_outcome(outcome: &str) -> &'static str {
    match outcome {
        "" => "none",
        "logged" => "logged",
        "skipped" => "skipped",
        "failed" => "failed",
        _ => "other",
    }
}

/// A cache result's label.
fn cache_result(value: &HeaderValue) -> &'static str {
    match value.as_bytes() {
        b"hit" => "hit",
        b"shared" => "shared",
        b"miss" => "miss",
        b"stale" => "stale",
        _ => "other",
    }
}

/// A method's label (the methods the proxy routes; anything else is `other`).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// A status's class: `2xx`...
fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Times every request (by its route's template, never its path: paths carry ids) and counts
/// the panel route's cache results.
pub async fn observe(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    if let Some(result) = response.headers().get(CACHE_HEADER) {
        metrics
            .0
            .cache
            .get_or_create(&ResultLabels {
                result: cache_result(result),
            })
            .inc();
    }
    let labels = HttpLabels {
        method,
        route,
        status: status_class(response.status()),
    };
    metrics
        .0
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The metrics route.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(scrape))
}

/// Whether `headers` present `token` as their bearer token (compared in constant time).
fn presents(headers: &HeaderMap, token: &Secret) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    given.as_bytes().ct_eq(token.expose().as_bytes()).into()
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let metrics = &state.metrics;
    let Some(token) = &metrics.0.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !presents(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
        )
            .into_response();
    }
    match state.services.db.queue_stats().await {
        Ok(stats) => metrics.queue(&stats, crate::clock::now_ms()),
        Err(err) => tracing::warn!(%err, "reading the rule queue for /metrics failed"),
    }
    match metrics.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(err) => {
            tracing::error!(%err, "encoding the metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded() {
        let header = HeaderValue::from_static;
        let cases = [
            (job_state("done"), "done"),
            (job_state("running"), "other"),
            (job_outcome(""), "none"),
            (job_outcome("logged"), "logged"),
            (job_outcome("rose@edge.com"), "other"),
            (cache_result(&header("hit")), "hit"),
            (cache_result(&header("shared")), "shared"),
            (cache_result(&header("003x")), "other"),
            (method_label(&Method::PATCH), "PATCH"),
            (method_label(&Method::CONNECT), "other"),
            (status_class(StatusCode::NOT_MODIFIED), "3xx"),
            (status_class(StatusCode::GATEWAY_TIMEOUT), "5xx"),
        ];
        for (row, (label, wanted)) in cases.into_iter().enumerate() {
            assert_eq!(label, wanted, "row {row}");
        }
    }

    #[test]
    fn the_queue_s_age_is_its_oldest_waiting_job_s() {
        let metrics = Metrics::new(None);
        let stats = QueueStats {
            queued: 2,
            retry: 1,
            running: 0,
            oldest_waiting_ms: Some(1_000),
        };
        metrics.queue(&stats, 4_500);
        let text = metrics.encode().unwrap();
        assert!(
            text.contains("pane_rule_queue_oldest_age_seconds 3.5"),
            "{text}"
        );
        assert!(
            text.contains("pane_rule_jobs_pending{state=\"queued\"} 2"),
            "{text}"
        );
        metrics.queue(&QueueStats::default(), 4_500);
        let text = metrics.encode().unwrap();
        assert!(
            text.contains("pane_rule_queue_oldest_age_seconds 0.0"),
            "{text}"
        );
    }
}
