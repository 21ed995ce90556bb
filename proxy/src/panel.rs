//! `GET /api/panel?kind=email|phone&handle=...`: everything the panel shows for a sender, in
//! one Salesforce request, and none for a sender seen in the last few minutes (cached per org,
//! user and handle).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header::HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pane_salesforce::{Client, Credentials, Token, Tokens};
use pane_wire::api::PanelData;
use pane_wire::bridge::{Handle, Recipient};

use crate::lookup::answer::answer;
use crate::lookup::plan::{Layout, plan};
use crate::oauth::Agent;
use crate::{AppState, ProxyError};

/// How long a sender's panel is served from cache.
pub const CACHE_TTL: Duration = Duration::from_secs(5 * 60);

/// Per-agent Salesforce clients (one token single-flight per agent) and the panel cache.
#[derive(Debug, Clone)]
pub struct PanelCache {
    clients: moka::sync::Cache<String, Client>,
    panels: moka::sync::Cache<(String, String, String), Arc<PanelData>>,
}

impl Default for PanelCache {
    fn default() -> Self {
        PanelCache {
            clients: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            panels: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(CACHE_TTL)
                .build(),
        }
    }
}

impl PanelCache {
    /// Forgets every cached panel of an org (after a write through the proxy: every agent
    /// of the org may show that record).
    pub fn forget_org(&self, org_id: &str) {
        for (key, _) in self.panels.iter() {
            if key.0 == org_id {
                self.panels.invalidate(key.as_ref());
            }
        }
    }

    /// Forgets everything cached for `user_id` (after an unlink).
    pub fn forget_user(&self, user_id: &str) {
        // A scan of the keys: exact, and cheap next to a Salesforce request.
        for (key, _) in self.panels.iter() {
            if key.1 == user_id {
                self.panels.invalidate(key.as_ref());
            }
        }
        self.clients.invalidate(user_id);
    }
}

/// The panel routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/panel", get(panel))
}

/// The agent's Salesforce client, kept per agent so token refreshes are single-flight.
pub fn client_for(state: &AppState, agent: &Agent) -> Result<Client, ProxyError> {
    if let Some(client) = state.panel_cache.clients.get(&agent.link.user_id) {
        return Ok(client);
    }
    let services = &state.services;
    let sf = &services.salesforce;
    let credentials = Credentials::RefreshToken {
        token_url: format!("{}/services/oauth2/token", sf.login_url),
        client_id: sf.client_id.clone(),
        client_secret: sf.client_secret.clone(),
        refresh_token: services.sealer.open(&agent.link.refresh_token_sealed)?,
    };
    let initial = Token {
        access_token: services.sealer.open(&agent.link.access_token_sealed)?,
        instance_url: agent.link.instance_url.clone(),
    };
    let client = Client::new(
        services.http.clone(),
        Arc::new(Tokens::new(
            services.http.clone(),
            credentials,
            Some(initial),
        )),
        &sf.version,
    );
    state
        .panel_cache
        .clients
        .insert(agent.link.user_id.clone(), client.clone());
    Ok(client)
}

/// Maps a Salesforce failure to the panel's answer.
pub fn salesforce_error(err: &pane_salesforce::Error) -> ProxyError {
    match err.code() {
        Some("REQUEST_LIMIT_EXCEEDED") => ProxyError::QuotaSpent,
        Some("INVALID_SESSION_ID") => ProxyError::Unauthorized,
        _ => ProxyError::Upstream(err.to_string()),
    }
}

async fn panel(
    State(state): State<AppState>,
    agent: Agent,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ProxyError> {
    let recipient = Recipient {
        handle: params.get("handle").cloned().unwrap_or_default(),
        name: None,
        kind: params.get("kind").cloned().unwrap_or_default(),
    };
    let handle = Handle::from_recipient(&recipient)
        .filter(|_| matches!(recipient.kind.as_str(), "email" | "phone"))
        .ok_or_else(|| {
            ProxyError::BadRequest("kind must be email or phone, with a handle of that kind".into())
        })?;
    let key = (
        agent.link.org_id.clone(),
        agent.link.user_id.clone(),
        format!("{:?}:{}", handle.kind, handle.value),
    );
    let cache_header = HeaderName::from_static("x-pane-cache");
    if let Some(hit) = state.panel_cache.panels.get(&key) {
        let mut response = Json(hit.as_ref().clone()).into_response();
        response
            .headers_mut()
            .insert(cache_header, HeaderValue::from_static("hit"));
        return Ok(response);
    }
    let client = client_for(&state, &agent)?;
    let composite = client
        .composite(&plan(
            &handle,
            &Layout::default(),
            &state.services.salesforce.version,
        ))
        .await
        .map_err(|e| salesforce_error(&e))?;
    let data = answer(&handle, &composite);
    state.panel_cache.panels.insert(key, Arc::new(data.clone()));
    let mut response = Json(data).into_response();
    response
        .headers_mut()
        .insert(cache_header, HeaderValue::from_static("miss"));
    Ok(response)
}
