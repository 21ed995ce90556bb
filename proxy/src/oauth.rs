//! Linking an agent's Salesforce login: the web-server flow with PKCE and `state`. The panel
//! asks for an authorize URL and opens it in a popup; the callback stores the agent's sealed
//! tokens and hands the panel a proxy session (an opaque bearer token, stored hashed) through
//! `postMessage` to the panel's exact origin. No cookies.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::security::inline_script_hashes;
use crate::store::{Link, PendingLink};
use crate::{AppState, ProxyError};

/// How long a panel session lasts, in seconds (30 days).
pub const SESSION_TTL_SECS: i64 = 30 * 24 * 3600;

/// The OAuth and identity routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/oauth/start", get(start))
        .route("/oauth/callback", get(callback))
        .route("/api/me", get(me))
        .route("/api/oauth/unlink", post(unlink))
        .route("/api/oauth/poll", get(poll))
        .route(
            "/api/admin/integration",
            get(integration).delete(unlink_integration),
        )
}

fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn encode(s: &str) -> String {
    pane_salesforce::percent(s)
}

/// `GET /api/oauth/start?origin=<panel origin>[&purpose=integration]` →
/// `{"authorize_url": ...}`. Linking the org's integration user is for admins (their session
/// in `Authorization`).
async fn start(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ProxyError> {
    let origin = params.get("origin").cloned().unwrap_or_default();
    if !state.panel_origins.contains(&origin) {
        return Err(ProxyError::BadRequest(format!(
            "{origin:?} is not this panel's origin"
        )));
    }
    let (purpose, org_id, requested_by) = match params.get("purpose").map(String::as_str) {
        None | Some("agent") => ("agent", String::new(), String::new()),
        Some("integration") => {
            let agent = Agent::from_headers(&state, &headers).await?;
            if !agent.is_admin(&state) {
                return Err(ProxyError::Forbidden);
            }
            ("integration", agent.link.org_id, agent.link.user_id)
        }
        Some(other) => {
            return Err(ProxyError::BadRequest(format!(
                "purpose {other:?} is neither agent nor integration"
            )));
        }
    };
    let services = &state.services;
    let link_state = random(24);
    let verifier = random(32);
    let poll = random(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    services
        .db
        .put_state(
            &link_state,
            &PendingLink {
                verifier,
                panel_origin: origin.clone(),
                purpose: purpose.to_owned(),
                org_id,
                requested_by,
                poll_hash: crate::store::token_hash(&poll),
            },
        )
        .await?;
    let sf = &services.salesforce;
    let url = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256&scope={}",
        sf.login_url,
        encode(&sf.client_id),
        encode(&state.redirect_uri(&origin)),
        encode(&link_state),
        encode(&challenge),
        encode("api refresh_token id"),
    );
    Ok(Json(json!({"authorize_url": url, "poll": poll})))
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    instance_url: String,
    id: String,
}

#[derive(Deserialize)]
struct Identity {
    user_id: String,
    organization_id: String,
    username: String,
    #[serde(default)]
    email: String,
}

fn page(status: StatusCode, body: &str, script: Option<String>) -> Response {
    let script_tag = script
        .map(|s| format!("<script>{s}</script>"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Salesforce Pane</title><p>{body}</p>{script_tag}</html>"
    );
    let hashes = inline_script_hashes(&html).join(" ");
    let csp = format!(
        "default-src 'none'; script-src {}; frame-ancestors 'none'",
        if hashes.is_empty() {
            "'none'".to_owned()
        } else {
            hashes
        }
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The popup went through Salesforce's origin; any other opener policy here would put it
    // in a new browsing context group and sever `window.opener`, and the session would never
    // reach the panel.
    headers.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("unsafe-none"),
    );
    response
}

/// `GET /oauth/callback?code&state`: links the agent and hands the panel its session.
async fn callback(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match link(&state, &params).await {
        Ok((linked, origin)) => {
            let message = match linked {
                Linked::Agent { session } => {
                    json!({"type": "salesforce-pane-session", "session": session})
                }
                Linked::Integration { username } => {
                    json!({"type": "salesforce-pane-integration", "username": username})
                }
            };
            // Values go into the script as JSON strings, `</` broken so they cannot end it.
            let message = message.to_string().replace("</", "<\\/");
            let target = Value::from(origin).to_string().replace("</", "<\\/");
            page(
                StatusCode::OK,
                "Salesforce is linked. You can close this window.",
                Some(format!(
                    "if (window.opener) {{ window.opener.postMessage({message}, {target}); }} window.close();"
                )),
            )
        }
        Err(err) => {
            tracing::warn!(%err, "linking Salesforce failed");
            let text = match &err {
                // Only the proxy's configuration fixes it: say so, and what to set.
                ProxyError::Untrusted(why) => format!(
                    "Linking Salesforce failed: {}. Tell whoever runs the proxy; trying again will not help.",
                    why.replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                ),
                _ => "Salesforce could not be linked. Close this window and try again from the panel."
                    .to_owned(),
            };
            page(StatusCode::BAD_REQUEST, &text, None)
        }
    }
}

/// What a finished link produced.
enum Linked {
    /// An agent's panel session.
    Agent { session: String },
    /// The org's integration user.
    Integration { username: String },
}

/// Whether the user behind `access_token` holds "Modify All Data" (one API request).
async fn modify_all_data(state: &AppState, instance_url: &str, access_token: &str) -> bool {
    let services = &state.services;
    let url = format!(
        "{instance_url}/services/data/v{}/query",
        services.salesforce.version
    );
    let answer = services
        .http
        .get(url)
        .bearer_auth(access_token)
        .query(&[(
            "q",
            "SELECT PermissionsModifyAllData FROM UserPermissionAccess",
        )])
        .send()
        .await;
    let body: Option<Value> = match answer {
        Ok(res) if res.status().is_success() => res.json().await.ok(),
        Ok(res) => {
            tracing::warn!(status = %res.status(), "reading the user's permissions failed");
            None
        }
        Err(err) => {
            tracing::warn!(%err, "reading the user's permissions failed");
            None
        }
    };
    body.and_then(|b| {
        b.pointer("/records/0/PermissionsModifyAllData")
            .and_then(Value::as_bool)
    })
    .unwrap_or(false)
}

async fn link(
    state: &AppState,
    params: &HashMap<String, String>,
) -> Result<(Linked, String), ProxyError> {
    // The callback's query is the client's to spell: like every query string, never logged,
    // and `error` not even echoed (it could carry line breaks and terminal escapes).
    if params.contains_key("error") {
        return Err(ProxyError::BadRequest(
            "Salesforce refused the link (the callback carried an error)".into(),
        ));
    }
    let services = &state.services;
    let pending = services
        .db
        .take_state(params.get("state").map(String::as_str).unwrap_or_default())
        .await?
        .ok_or_else(|| ProxyError::BadRequest("unknown or expired state".into()))?;
    let (verifier, origin) = (pending.verifier.clone(), pending.panel_origin.clone());
    let sf = &services.salesforce;
    let redirect_uri = state.redirect_uri(&origin);
    let form = [
        ("grant_type", "authorization_code"),
        (
            "code",
            params.get("code").map(String::as_str).unwrap_or_default(),
        ),
        ("client_id", sf.client_id.as_str()),
        ("client_secret", sf.client_secret.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let upstream = |e: reqwest::Error| crate::services::send_error(&e);
    let res = services
        .http
        .post(format!("{}/services/oauth2/token", sf.login_url))
        .form(&form)
        .send()
        .await
        .map_err(upstream)?;
    if !res.status().is_success() {
        return Err(ProxyError::Upstream(format!(
            "token exchange answered {}",
            res.status()
        )));
    }
    let tokens: TokenAnswer = res.json().await.map_err(upstream)?;
    let identity: Identity = services
        .http
        .get(&tokens.id)
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .map_err(upstream)?
        .error_for_status()
        .map_err(upstream)?
        .json()
        .await
        .map_err(upstream)?;
    let refresh = tokens.refresh_token.ok_or_else(|| {
        ProxyError::Upstream("no refresh token (is the refresh_token scope allowed?)".into())
    })?;
    if pending.purpose == "integration" && pending.org_id != identity.organization_id {
        return Err(ProxyError::BadRequest(
            "the integration user must belong to the admin's own org".into(),
        ));
    }
    let is_admin = modify_all_data(state, &tokens.instance_url, &tokens.access_token).await;
    services
        .db
        .put_link(&Link {
            user_id: identity.user_id.clone(),
            org_id: identity.organization_id.clone(),
            username: identity.username.clone(),
            email: identity.email,
            instance_url: tokens.instance_url,
            refresh_token_sealed: services.sealer.seal(&refresh)?,
            access_token_sealed: services.sealer.seal(&tokens.access_token)?,
            is_admin,
        })
        .await?;
    state.panel_cache.forget_client(&identity.user_id);
    if pending.purpose == "integration" {
        services
            .db
            .set_integration(
                &identity.organization_id,
                &identity.user_id,
                &pending.requested_by,
            )
            .await?;
        tracing::info!(user = %identity.user_id, org = %identity.organization_id, "integration user linked");
        let resumed = services.db.resume_paused().await?;
        if resumed > 0 {
            tracing::info!(resumed, "rule jobs paused for the integration link resume");
            state.rules.wake.notify_waiters();
        }
        return Ok((
            Linked::Integration {
                username: identity.username,
            },
            origin,
        ));
    }
    let session = random(32);
    services
        .db
        .put_session(&session, &identity.user_id, SESSION_TTL_SECS)
        .await?;
    if !pending.poll_hash.is_empty() {
        services
            .db
            .put_pending_session(&pending.poll_hash, &services.sealer.seal(&session)?)
            .await?;
    }
    tracing::info!(user = %identity.user_id, "Salesforce linked");
    Ok((Linked::Agent { session }, origin))
}

/// `GET /api/oauth/poll?token=<poll>`: the session of a link started with that poll token,
/// once it is done (200 `{"session"}`, then never again); 202 `{"pending": true}` before.
/// For hosts that open the login popup themselves (Front's `openUrlInPopup`): the callback
/// cannot post to the panel then.
async fn poll(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ProxyError> {
    let token = params.get("token").map(String::as_str).unwrap_or_default();
    if token.len() < 32 {
        return Err(ProxyError::BadRequest(
            "token is the poll token /api/oauth/start gave".into(),
        ));
    }
    let services = &state.services;
    match services
        .db
        .take_pending_session(&crate::store::token_hash(token))
        .await?
    {
        Some(sealed) => {
            let session = services.sealer.open(&sealed)?;
            Ok(Json(json!({"session": session})).into_response())
        }
        None => Ok((StatusCode::ACCEPTED, Json(json!({"pending": true}))).into_response()),
    }
}

/// The agent behind a request's `Authorization: Bearer <session>`.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their link.
    pub link: Link,
}

impl Agent {
    /// The agent behind `headers`' bearer session.
    pub async fn from_headers(
        state: &AppState,
        headers: &axum::http::HeaderMap,
    ) -> Result<Agent, ProxyError> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ProxyError::Unauthorized)?;
        let link = state
            .services
            .db
            .session_link(token.trim())
            .await?
            .ok_or(ProxyError::Unauthorized)?;
        Ok(Agent { link })
    }

    /// An admin: in the configured list (by login or email), or holding "Modify All Data".
    pub fn is_admin(&self, state: &AppState) -> bool {
        self.link.is_admin
            || state.admins.iter().any(|a| {
                a.eq_ignore_ascii_case(&self.link.username)
                    || a.eq_ignore_ascii_case(&self.link.email)
            })
    }
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ProxyError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Agent::from_headers(state, &parts.headers).await
    }
}

/// An agent who is an admin; everyone else is refused with 403.
#[derive(Debug, Clone)]
pub struct Admin(pub Agent);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ProxyError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let agent = Agent::from_headers(state, &parts.headers).await?;
        if agent.is_admin(state) {
            Ok(Admin(agent))
        } else {
            Err(ProxyError::Forbidden)
        }
    }
}

/// `GET /api/me`: who the session belongs to.
async fn me(State(state): State<AppState>, agent: Agent) -> Json<pane_wire::api::Me> {
    let is_admin = agent.is_admin(&state);
    let l = agent.link;
    Json(pane_wire::api::Me {
        user_id: l.user_id,
        username: l.username,
        email: l.email,
        org_id: l.org_id,
        is_admin,
        instance_url: l.instance_url,
    })
}

/// `GET /api/admin/integration`: the org's integration user (admins).
async fn integration(
    State(state): State<AppState>,
    Admin(agent): Admin,
) -> Result<Json<Value>, ProxyError> {
    let link = state.services.db.integration(&agent.link.org_id).await?;
    let problem = state.services.db.link_refused().await?;
    Ok(Json(
        json!({"username": link.as_ref().map(|l| l.username.clone()), "user_id": link.map(|l| l.user_id), "problem": problem}),
    ))
}

/// Revokes `link`'s refresh token at Salesforce and forgets the link.
async fn revoke_and_forget(state: &AppState, link: &Link) -> Result<(), ProxyError> {
    let services = &state.services;
    let refresh = services.sealer.open(&link.refresh_token_sealed)?;
    let revoked = services
        .http
        .post(format!(
            "{}/services/oauth2/revoke",
            services.salesforce.login_url
        ))
        .form(&[("token", refresh.as_str())])
        .send()
        .await;
    match revoked {
        Ok(res) if res.status().is_success() => {}
        // Forget the link all the same: the user asked to be unlinked.
        Ok(res) => tracing::warn!(status = %res.status(), "revoking at Salesforce was refused"),
        Err(err) => {
            let err = crate::services::send_error(&err);
            tracing::warn!(%err, "revoking at Salesforce failed");
        }
    }
    services.db.remove_link(&link.user_id).await?;
    state.panel_cache.forget_user(&link.user_id);
    Ok(())
}

/// `DELETE /api/admin/integration`: unlinks the org's integration user (admins).
async fn unlink_integration(
    State(state): State<AppState>,
    Admin(agent): Admin,
) -> Result<StatusCode, ProxyError> {
    if let Some(link) = state.services.db.integration(&agent.link.org_id).await? {
        revoke_and_forget(&state, &link).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/oauth/unlink`: revokes the token at Salesforce and forgets the link.
async fn unlink(State(state): State<AppState>, agent: Agent) -> Result<StatusCode, ProxyError> {
    revoke_and_forget(&state, &agent.link).await?;
    Ok(StatusCode::NO_CONTENT)
}
