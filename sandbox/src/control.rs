//! The control path (`/__sandbox/...`), outside `/services`, for tests and benchmarks:
//! inject faults, expire tokens, set the allowance, read what the API was asked and what a
//! strictness rule refused.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{Faults, SandboxState};

/// The control routes.
pub fn router() -> Router<SandboxState> {
    Router::new()
        .route("/__sandbox/faults", post(set_faults).get(get_faults))
        .route("/__sandbox/expire-tokens", post(expire_tokens))
        .route("/__sandbox/revoke-user", post(revoke_user))
        .route("/__sandbox/quota", post(set_quota))
        .route("/__sandbox/currency", post(set_currency))
        .route("/__sandbox/notes", post(set_notes))
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route("/__sandbox/refusals", get(refusals).delete(clear_refusals))
}

async fn set_faults(State(state): State<SandboxState>, Json(faults): Json<Faults>) -> StatusCode {
    if let Ok(mut f) = state.faults.lock() {
        *f = faults;
    }
    StatusCode::NO_CONTENT
}

async fn get_faults(State(state): State<SandboxState>) -> Json<Value> {
    let f = state.faults.lock().map(|f| f.clone()).unwrap_or_default();
    Json(
        json!({"latency_ms": f.latency_ms, "delayed": f.delayed, "fail_next": f.fail_next, "fail_status": f.fail_status, "drop_next": f.drop_next, "malformed_next": f.malformed_next, "drop_after_next": f.drop_after_next, "hang_after_next": f.hang_after_next, "hang_ms": f.hang_ms, "after_method": f.after_method, "after_path": f.after_path}),
    )
}

async fn expire_tokens(State(state): State<SandboxState>) -> StatusCode {
    state.auth.expire_all();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct RevokeUser {
    username: String,
}

/// Revokes every refresh token of a user (`{"username": ...}`), as an admin revoking the
/// connected app for them does: their next refresh is refused with `invalid_grant`.
async fn revoke_user(
    State(state): State<SandboxState>,
    Json(body): Json<RevokeUser>,
) -> Result<Json<Value>, StatusCode> {
    let user = state
        .org
        .user(&body.username)
        .ok_or(StatusCode::NOT_FOUND)?;
    let revoked = state.auth.revoke_user(&user.id);
    Ok(Json(json!({ "revoked": revoked })))
}

#[derive(Debug, Deserialize)]
struct CurrencyBody {
    iso_code: String,
}

/// Sets the org's currency (`{"iso_code": "EUR"}`); 400 for a code the org does not offer.
async fn set_currency(
    State(state): State<SandboxState>,
    Json(body): Json<CurrencyBody>,
) -> StatusCode {
    match state.org.set_currency(&body.iso_code) {
        Ok(true) => StatusCode::NO_CONTENT,
        Ok(false) => StatusCode::BAD_REQUEST,
        Err(err) => {
            tracing::warn!(%err, "setting the org's currency failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

#[derive(Debug, Deserialize)]
struct NotesBody {
    enhanced: bool,
}

/// Turns the org's enhanced notes on or off (`{"enhanced": false}`): off, ContentNote and
/// AttachedContentNote(s) answer as in an org without them (sandbox/RULES.md).
async fn set_notes(State(state): State<SandboxState>, Json(body): Json<NotesBody>) -> StatusCode {
    state.org.schema.set_enhanced_notes(body.enhanced);
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct QuotaBody {
    max: u64,
    used: Option<u64>,
}

async fn set_quota(State(state): State<SandboxState>, Json(body): Json<QuotaBody>) -> StatusCode {
    state.quota.set(body.max, body.used);
    StatusCode::NO_CONTENT
}

async fn requests(State(state): State<SandboxState>) -> Json<Value> {
    let log = state.quota.log();
    let (used, max) = state.quota.usage();
    Json(
        json!({"count": state.quota.count(), "used": used, "max": max, "per_client": state.quota.per_client(), "refreshes": state.auth.refreshes(), "revocations": state.auth.revocations(), "log": log}),
    )
}

async fn clear_requests(State(state): State<SandboxState>) -> StatusCode {
    state.quota.clear_log();
    StatusCode::NO_CONTENT
}

/// The requests a strictness rule refused (`crate::strict`), oldest first.
async fn refusals(State(state): State<SandboxState>) -> Json<Value> {
    let refusals = state.refusals.list();
    Json(json!({"count": refusals.len(), "refusals": refusals}))
}

async fn clear_refusals(State(state): State<SandboxState>) -> StatusCode {
    state.refusals.clear();
    StatusCode::NO_CONTENT
}
