//! Health: `GET /api/health` (the proxy is up, and which backend it talks to: the panel's
//! status bar), `GET /api/health/live` (the process answers; no I/O) and
//! `GET /api/health/ready` (it can serve: the database answers a query and Salesforce's host
//! answers HTTP).
//!
//! Readiness never spends API quota: it asks the login host (the embedded org's base URL, or
//! a real org's login host) for its page, not the REST API, and keeps the answer for
//! [`SALESFORCE_CHECK_FRESH`] so a probe every second costs one request every few seconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use pane_wire::api::Health;
use serde::Serialize;

use crate::AppState;

/// How long a Salesforce reachability check is trusted.
pub const SALESFORCE_CHECK_FRESH: Duration = Duration::from_secs(5);

/// How long readiness waits for the database.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

/// How long readiness waits for Salesforce's login host.
const SALESFORCE_WAIT: Duration = Duration::from_secs(3);

/// The health routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/health/live", get(live))
        .route("/api/health/ready", get(ready))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(state.health())
}

/// `live` and `ready`'s answer.
#[derive(Debug, Clone, Serialize)]
struct Check {
    /// `ok`, or `unavailable`.
    status: &'static str,
    /// The database: `ok` or `unavailable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<&'static str>,
    /// Salesforce's host: `ok` or `unavailable`.
    #[serde(skip_serializing_if = "Option::is_none")]
    salesforce: Option<&'static str>,
}

fn word(ok: bool) -> &'static str {
    if ok { "ok" } else { "unavailable" }
}

async fn live() -> Json<Check> {
    Json(Check {
        status: "ok",
        database: None,
        salesforce: None,
    })
}

async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Check>) {
    let database = match tokio::time::timeout(DATABASE_WAIT, state.services.db.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(%err, "readiness: the database does not answer");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            false
        }
    };
    let salesforce = state.readiness.salesforce_reachable(&state).await;
    let status = if database && salesforce {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Check {
            status: word(database && salesforce),
            database: Some(word(database)),
            salesforce: Some(word(salesforce)),
        }),
    )
}

/// The last Salesforce reachability check, shared by the clones of the state (one check at a
/// time).
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    last: Arc<tokio::sync::Mutex<Option<(Instant, bool)>>>,
}

impl Readiness {
    /// Whether Salesforce's login host answered HTTP (any status) lately, asking it again
    /// when the last answer is older than [`SALESFORCE_CHECK_FRESH`].
    async fn salesforce_reachable(&self, state: &AppState) -> bool {
        let mut last = self.last.lock().await;
        if let Some((at, reachable)) = *last
            && at.elapsed() < SALESFORCE_CHECK_FRESH
        {
            return reachable;
        }
        let url = &state.services.salesforce.login_url;
        let asked = state.services.http.get(url).timeout(SALESFORCE_WAIT).send();
        let reachable = match asked.await {
            Ok(_) => true,
            Err(err) => {
                tracing::warn!(%err, %url, "readiness: Salesforce's login host does not answer");
                false
            }
        };
        *last = Some((Instant::now(), reachable));
        reachable
    }
}
