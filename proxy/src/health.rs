//! `GET /api/health`: the proxy is up, and which backend it talks to.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use pane_wire::api::Health;

use crate::AppState;

/// The health route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        backend: state.backend,
        org_url: state.org_url.to_string(),
    })
}
