//! Step 4 of a link (the panel redeems it), and what a session then does: who it is, unlinking,
//! the org's integration user.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pane_wire::api::{
    IntegrationUser, LinkStatus, Me, RedeemRequest, Redeemed, StatusRequest, Whoami,
};

use super::SESSION_TTL_SECS;
use crate::session::{Admin, Agent, Own, cookie};
use crate::store::{Link, token_hash};
use crate::{AppState, ProxyError};

/// `POST /api/oauth/redeem {"tx", "redeem", "code"}`: the session of a finished link, for the
/// panel that started it (`redeem`) in the browser that completed it (`code`, which only the
/// callback in that browser gave out), once. Answers 200 `{"linked": true}` with the session
/// in an `HttpOnly`, `Partitioned` cookie; the session is never in the body.
pub(super) async fn redeem(
    State(state): State<AppState>,
    _: Own,
    Json(request): Json<RedeemRequest>,
) -> Result<Response, ProxyError> {
    let services = &state.services;
    let sealed = services
        .db
        .redeem_link(
            &request.tx,
            &token_hash(&request.redeem),
            &token_hash(&request.code),
        )
        .await?
        .ok_or_else(|| {
            ProxyError::BadRequest("This link is unknown, unfinished, expired or used.".into())
        })?;
    let session = services.sealer.open(&sealed)?;
    let mut response = Json(Redeemed { linked: true }).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie::session(&session, SESSION_TTL_SECS, true),
    );
    Ok(response)
}

/// `POST /api/oauth/status {"tx", "redeem"}` → `{"status"}`: where a link stands (`started`,
/// `begun`, `exchanging`, `done`, `failed`, or `gone` once redeemed or expired), for the panel
/// that started it. Never the session: a panel that polls sees a link finish, and redeems it
/// only with the code the popup posted.
pub(super) async fn status(
    State(state): State<AppState>,
    _: Own,
    Json(request): Json<StatusRequest>,
) -> Result<Json<LinkStatus>, ProxyError> {
    let status = state
        .services
        .db
        .link_status(&request.tx, &token_hash(&request.redeem))
        .await?;
    Ok(Json(LinkStatus {
        status: status.unwrap_or_else(|| "gone".to_owned()),
    }))
}

/// `GET /api/me`: whether the browser's panel is linked, who to, and the proxy's health (what
/// `GET /api/health` says): 200 `{"linked": false, "health"}` without a linked session, so a
/// panel that is not linked learns both in one request at load.
pub(super) async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Whoami>, ProxyError> {
    let health = state.health();
    let Some(agent) = Agent::linked(&state, &headers).await? else {
        return Ok(Json(Whoami::unlinked(health)));
    };
    let is_admin = agent.is_admin(&state);
    let l = agent.link;
    let me = Me {
        user_id: l.user_id,
        username: l.username,
        email: l.email,
        org_id: l.org_id,
        is_admin,
        instance_url: l.instance_url,
        currency: Some(l.currency).filter(|c| !c.is_empty()),
    };
    Ok(Json(Whoami::linked(me, health)))
}

/// `GET /api/admin/integration`: the org's integration user (admins).
pub(super) async fn integration(
    State(state): State<AppState>,
    Admin(agent): Admin,
) -> Result<Json<IntegrationUser>, ProxyError> {
    let link = state.services.db.integration(&agent.link.org_id).await?;
    let problem = state.services.db.link_refused(&agent.link.org_id).await?;
    let (username, user_id) = link.map(|l| (l.username, l.user_id)).unzip();
    Ok(Json(IntegrationUser {
        username,
        user_id,
        problem,
    }))
}

/// Revokes `link`'s refresh token at Salesforce and forgets the link.
async fn revoke_and_forget(state: &AppState, link: &Link) -> Result<(), ProxyError> {
    let services = &state.services;
    let refresh = services.sealer.open(&link.refresh_token_sealed)?;
    // Forget the link all the same when Salesforce refuses: the user asked to be unlinked.
    if let Err(err) = services.salesforce.revoke(&services.http, &refresh).await {
        tracing::warn!(%err, "revoking at Salesforce failed");
    }
    services.db.remove_link(&link.user_id).await?;
    state
        .panel_cache
        .forget_user(&link.org_id, &link.user_id)
        .await;
    state.clients.forget(&link.user_id);
    Ok(())
}

/// `DELETE /api/admin/integration`: unlinks the org's integration user (admins).
pub(super) async fn unlink_integration(
    State(state): State<AppState>,
    Admin(agent): Admin,
) -> Result<StatusCode, ProxyError> {
    if let Some(link) = state.services.db.integration(&agent.link.org_id).await? {
        revoke_and_forget(&state, &link).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/oauth/unlink`: revokes the token at Salesforce, forgets the link (and every
/// session of it), and clears the session cookie.
pub(super) async fn unlink(
    State(state): State<AppState>,
    agent: Agent,
) -> Result<Response, ProxyError> {
    revoke_and_forget(&state, &agent.link).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    for ended in cookie::end_session() {
        response.headers_mut().append(header::SET_COOKIE, ended);
    }
    Ok(response)
}
