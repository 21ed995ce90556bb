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
use crate::store::Link;
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
}

fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /api/oauth/start?origin=<panel origin>` → `{"authorize_url": ...}`.
async fn start(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ProxyError> {
    let origin = params.get("origin").cloned().unwrap_or_default();
    if !state.panel_origins.contains(&origin) {
        return Err(ProxyError::BadRequest(format!(
            "{origin:?} is not this panel's origin"
        )));
    }
    let services = &state.services;
    let link_state = random(24);
    let verifier = random(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    services
        .db
        .put_state(&link_state, &verifier, &origin)
        .await?;
    let sf = &services.salesforce;
    let url = format!(
        "{}/services/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256&scope={}",
        sf.login_url,
        encode(&sf.client_id),
        encode(&format!("{origin}/oauth/callback")),
        encode(&link_state),
        encode(&challenge),
        encode("api refresh_token id"),
    );
    Ok(Json(json!({"authorize_url": url})))
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
    response
}

/// `GET /oauth/callback?code&state`: links the agent and hands the panel its session.
async fn callback(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match link(&state, &params).await {
        Ok((session, origin)) => {
            // Values go into the script as JSON strings, `</` broken so they cannot end it.
            let message = json!({"type": "salesforce-pane-session", "session": session})
                .to_string()
                .replace("</", "<\\/");
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
            page(
                StatusCode::BAD_REQUEST,
                "Salesforce could not be linked. Close this window and try again from the panel.",
                None,
            )
        }
    }
}

async fn link(
    state: &AppState,
    params: &HashMap<String, String>,
) -> Result<(String, String), ProxyError> {
    if let Some(error) = params.get("error") {
        return Err(ProxyError::BadRequest(format!(
            "Salesforce refused: {error}"
        )));
    }
    let services = &state.services;
    let (verifier, origin) = services
        .db
        .take_state(params.get("state").map(String::as_str).unwrap_or_default())
        .await?
        .ok_or_else(|| ProxyError::BadRequest("unknown or expired state".into()))?;
    let sf = &services.salesforce;
    let redirect_uri = format!("{origin}/oauth/callback");
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
    let upstream = |e: reqwest::Error| ProxyError::Upstream(e.to_string());
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
    services
        .db
        .put_link(&Link {
            user_id: identity.user_id.clone(),
            org_id: identity.organization_id,
            username: identity.username,
            email: identity.email,
            instance_url: tokens.instance_url,
            refresh_token_sealed: services.sealer.seal(&refresh)?,
            access_token_sealed: services.sealer.seal(&tokens.access_token)?,
        })
        .await?;
    let session = random(32);
    services
        .db
        .put_session(&session, &identity.user_id, SESSION_TTL_SECS)
        .await?;
    tracing::info!(user = %identity.user_id, "Salesforce linked");
    Ok((session, origin))
}

/// The agent behind a request's `Authorization: Bearer <session>`.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their link.
    pub link: Link,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = ProxyError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
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
}

/// `GET /api/me`: who the session belongs to.
async fn me(agent: Agent) -> Json<Value> {
    let l = agent.link;
    Json(
        json!({"user_id": l.user_id, "username": l.username, "email": l.email, "org_id": l.org_id}),
    )
}

/// `POST /api/oauth/unlink`: revokes the token at Salesforce and forgets the link.
async fn unlink(State(state): State<AppState>, agent: Agent) -> Result<StatusCode, ProxyError> {
    let services = &state.services;
    let refresh = services.sealer.open(&agent.link.refresh_token_sealed)?;
    let revoked = services
        .http
        .post(format!(
            "{}/services/oauth2/revoke",
            services.salesforce.login_url
        ))
        .form(&[("token", refresh.as_str())])
        .send()
        .await;
    if let Err(err) = &revoked {
        // Forget the link all the same: the agent asked to be unlinked.
        tracing::warn!(%err, "revoking at Salesforce failed");
    }
    services.db.remove_link(&agent.link.user_id).await?;
    state.panel_cache.forget_user(&agent.link.user_id);
    Ok(StatusCode::NO_CONTENT)
}
