//! The rule jobs for admins, each seeing their own org's only: `GET /api/admin/rules` lists the
//! recent ones with their outcome, the record they touched and the requests they cost;
//! `POST /api/admin/rules/{id}/retry` runs a failed one again. `GET /api/rules/logged?ids=msg_1,msg_2`
//! says which of the agent's org's messages are logged (the panel marks them).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use pane_wire::api::{Logged, LoggedQuery, RuleJobs, message_ids};

use crate::session::{Admin, Agent};
use crate::{AppState, ProxyError};

/// The audit routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/rules", get(list))
        .route("/api/admin/rules/{id}/retry", post(retry))
        .route("/api/rules/logged", get(logged))
}

async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<RuleJobs>, ProxyError> {
    let jobs = state
        .services
        .db
        .recent_jobs(&admin.link.org_id, 100)
        .await?;
    Ok(Json(RuleJobs { jobs }))
}

async fn retry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ProxyError> {
    if state.services.db.retry_job(&admin.link.org_id, &id).await? {
        state.rules.wake.notify_waiters();
        Ok(StatusCode::ACCEPTED)
    } else {
        Err(ProxyError::NotFound(format!("no finished rule job {id}")))
    }
}

async fn logged(
    State(state): State<AppState>,
    agent: Agent,
    Query(q): Query<LoggedQuery>,
) -> Result<Json<Logged>, ProxyError> {
    let ids = message_ids(&q.ids);
    let logged = state
        .services
        .db
        .logged_messages(&agent.link.org_id, &ids)
        .await?;
    Ok(Json(Logged { logged }))
}
