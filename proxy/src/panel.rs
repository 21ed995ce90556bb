//! `GET /api/panel?kind=email|phone&handle=...`: everything the panel shows for a sender, in
//! one Salesforce request, and none for a sender seen in the last few minutes (cached per org,
//! user and handle). A record the team pinned for the sender wins over matching. At the
//! quota's last reserve the panel is served from cache alone, saying how old it is.
//! `PUT`/`DELETE /api/pins?kind&handle` pin and unpin a record for a sender.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header::HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use pane_salesforce::{Client, Credentials, Token, Tokens};
use pane_wire::api::{Budget, MatchReason, ObjectSpec, PanelData, Staleness};
use pane_wire::bridge::{Handle, HandleKind, Recipient};
use serde::Deserialize;

use crate::lookup::answer::{answer, phone_candidates};
use crate::lookup::plan::{phone_search, plan, plan_pinned};
use crate::quota::{Quota, budget};
use crate::session::Agent;
use crate::settings::{agent_layout, effective_layout, org_settings};
use crate::{AppState, ProxyError};

/// How long a panel is kept for the quota's last reserve.
pub const STALE_TTL: Duration = Duration::from_secs(24 * 3600);

/// A panel and when it was read from Salesforce.
#[derive(Debug, Clone)]
struct Cached {
    data: Arc<PanelData>,
    at: Instant,
}

/// A describe and its `Last-Modified`, per org, user and object.
#[derive(Debug, Clone)]
pub struct CachedDescribe {
    /// The trimmed describe.
    pub spec: Arc<ObjectSpec>,
    /// Salesforce's `Last-Modified`, for revalidation.
    pub last_modified: Option<String>,
    /// When it was last checked.
    pub checked: Instant,
}

/// Per-agent clients (one token single-flight per agent), the panel cache and describes.
#[derive(Debug, Clone)]
pub struct PanelCache {
    /// How long a panel is served from cache.
    pub fresh_for: Duration,
    /// How long a describe is used before it is revalidated.
    pub describe_fresh_for: Duration,
    clients: moka::sync::Cache<String, Client>,
    panels: moka::sync::Cache<(String, String, String), Cached>,
    /// Describes, by `(org, user, object)`.
    pub describes: moka::sync::Cache<(String, String, String), CachedDescribe>,
    /// Converted Lead statuses, by org.
    pub converted_statuses: moka::sync::Cache<String, Vec<String>>,
}

impl PanelCache {
    /// Caches serving panels for `fresh_for` and describes for `describe_fresh_for`.
    pub fn new(fresh_for: Duration, describe_fresh_for: Duration) -> Self {
        PanelCache {
            fresh_for,
            describe_fresh_for,
            clients: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            panels: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(STALE_TTL)
                .build(),
            describes: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
            converted_statuses: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        }
    }
}

impl PanelCache {
    /// Forgets every cached panel of an org (after a write through the proxy: every agent
    /// of the org may show that record). Kept for the last reserve, but never fresh again.
    pub fn forget_org(&self, org_id: &str) {
        self.age_out(|key| key.0 == org_id);
    }

    fn age_out(&self, matches: impl Fn(&(String, String, String)) -> bool) {
        // A scan of the keys: exact, and cheap next to a Salesforce request.
        for (key, cached) in self.panels.iter() {
            if matches(&key) {
                let old = Instant::now()
                    .checked_sub(self.fresh_for)
                    .unwrap_or(cached.at)
                    .min(cached.at);
                self.panels.insert(
                    key.as_ref().clone(),
                    Cached {
                        data: cached.data.clone(),
                        at: old,
                    },
                );
            }
        }
    }

    /// Forgets an agent's cached panels (their layout changed).
    pub fn forget_panels_of(&self, user_id: &str) {
        self.age_out(|key| key.1 == user_id);
    }

    /// Forgets the agent's client (their tokens changed).
    pub fn forget_client(&self, user_id: &str) {
        self.clients.invalidate(user_id);
    }

    /// Forgets everything cached for `user_id` (after an unlink).
    pub fn forget_user(&self, user_id: &str) {
        for (key, _) in self.panels.iter() {
            if key.1 == user_id {
                self.panels.invalidate(key.as_ref());
            }
        }
        for (key, _) in self.describes.iter() {
            if key.1 == user_id {
                self.describes.invalidate(key.as_ref());
            }
        }
        self.clients.invalidate(user_id);
    }
}

/// The panel routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/panel", get(panel))
        .route("/api/pins", put(pin).delete(unpin))
}

/// The agent's Salesforce client, kept per agent so token refreshes are single-flight.
pub fn client_for(state: &AppState, agent: &Agent) -> Result<Client, ProxyError> {
    client_for_link(state, &agent.link)
}

/// The Salesforce client of a linked user (an agent, or the integration user rules act as).
pub fn client_for_link(state: &AppState, link: &crate::store::Link) -> Result<Client, ProxyError> {
    if let Some(client) = state.panel_cache.clients.get(&link.user_id) {
        return Ok(client);
    }
    let services = &state.services;
    let sf = &services.salesforce;
    let credentials = Credentials::RefreshToken {
        token_url: format!("{}/services/oauth2/token", sf.login_url),
        client_id: sf.client_id.clone(),
        client_secret: sf.client_secret.clone(),
        refresh_token: services.sealer.open(&link.refresh_token_sealed)?,
    };
    let initial = Token {
        access_token: services.sealer.open(&link.access_token_sealed)?,
        instance_url: link.instance_url.clone(),
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
        .insert(link.user_id.clone(), client.clone());
    Ok(client)
}

/// An agent's way to Salesforce: their client, with every request checked against the
/// org's budget first and counted after.
#[derive(Debug, Clone)]
pub struct Salesforce {
    /// The agent's client.
    pub client: Client,
    state: AppState,
    org_id: String,
}

impl Salesforce {
    /// The agent's, refused when an admin turned the integration off.
    pub async fn for_agent(state: &AppState, agent: &Agent) -> Result<Salesforce, ProxyError> {
        if !org_settings(state, &agent.link.org_id).await?.enabled {
            return Err(ProxyError::Disabled);
        }
        Ok(Salesforce {
            client: client_for(state, agent)?,
            state: state.clone(),
            org_id: agent.link.org_id.clone(),
        })
    }

    /// The integration user's, for rule work (the budget is checked by the worker).
    pub fn for_link(state: &AppState, link: &crate::store::Link) -> Result<Salesforce, ProxyError> {
        Ok(Salesforce {
            client: client_for_link(state, link)?,
            state: state.clone(),
            org_id: link.org_id.clone(),
        })
    }

    /// What the budget allows now.
    pub async fn budget(&self) -> Result<Budget, ProxyError> {
        let share = org_settings(&self.state, &self.org_id)
            .await?
            .api_share_percent;
        let today = Quota::today(&self.state.services.db, &self.org_id).await?;
        Ok(match budget(today, share) {
            // An old figure may be stale: one request learns the usage again.
            Budget::CacheOnly
                if crate::quota::may_probe(
                    today,
                    crate::store::jobs::now_ms(),
                    self.state.quota_probe_ms,
                ) =>
            {
                Budget::Normal
            }
            other => other,
        })
    }

    /// Makes one Salesforce request (`call`), unless the quota is at its last reserve;
    /// counts it. The outer error is the proxy's, the inner one Salesforce's answer.
    pub async fn call_raw<T>(
        &self,
        call: impl Future<Output = Result<T, pane_salesforce::Error>>,
    ) -> Result<Result<T, pane_salesforce::Error>, ProxyError> {
        if self.budget().await? == Budget::CacheOnly {
            return Err(ProxyError::QuotaReserve);
        }
        let result = call.await;
        if let Err(err) =
            Quota::count(&self.state.services.db, &self.org_id, self.client.usage()).await
        {
            tracing::warn!(%err, "counting a Salesforce request failed");
        }
        Ok(result)
    }

    /// [`Salesforce::call_raw`], Salesforce's errors mapped to the panel's answer.
    pub async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, pane_salesforce::Error>>,
    ) -> Result<T, ProxyError> {
        self.call_raw(call).await?.map_err(|e| salesforce_error(&e))
    }
}

/// The key a sender is known by: the email lower-cased, or a phone's digits.
pub fn handle_key(handle: &Handle) -> String {
    match handle.kind {
        HandleKind::Email => format!("email:{}", handle.value.to_lowercase()),
        HandleKind::Phone => format!(
            "phone:{}",
            handle
                .value
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
        ),
    }
}

#[derive(Debug, Deserialize)]
struct HandleQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    handle: String,
}

fn parse_handle(query: &HandleQuery) -> Result<Handle, ProxyError> {
    let recipient = Recipient {
        handle: query.handle.clone(),
        name: None,
        kind: query.kind.clone(),
    };
    Handle::from_recipient(&recipient)
        .filter(|_| matches!(recipient.kind.as_str(), "email" | "phone"))
        .filter(|h| h.kind == HandleKind::Email || handle_key(h).len() > "phone:".len() + 3)
        .ok_or_else(|| {
            ProxyError::BadRequest("kind must be email or phone, with a handle of that kind".into())
        })
}

fn with_cache_header(data: &PanelData, value: &'static str) -> Response {
    let mut response = Json(data).into_response();
    response.headers_mut().insert(
        HeaderName::from_static("x-pane-cache"),
        HeaderValue::from_static(value),
    );
    response
}

async fn panel(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<HandleQuery>,
) -> Result<Response, ProxyError> {
    let handle = parse_handle(&query)?;
    let key = (
        agent.link.org_id.clone(),
        agent.link.user_id.clone(),
        handle_key(&handle),
    );
    let cached = state.panel_cache.panels.get(&key);
    if let Some(hit) = cached
        .as_ref()
        .filter(|c| c.at.elapsed() < state.panel_cache.fresh_for)
    {
        if !org_settings(&state, &agent.link.org_id).await?.enabled {
            return Err(ProxyError::Disabled);
        }
        return Ok(with_cache_header(&hit.data, "hit"));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    match read_panel(&state, &agent, &salesforce, &handle).await {
        Ok(data) => {
            state.panel_cache.panels.insert(
                key,
                Cached {
                    data: Arc::new(data.clone()),
                    at: Instant::now(),
                },
            );
            Ok(with_cache_header(&data, "miss"))
        }
        Err(ProxyError::QuotaReserve) => {
            let old = cached.ok_or(ProxyError::QuotaReserve)?;
            let mut data = old.data.as_ref().clone();
            data.stale = Some(Staleness {
                age_secs: old.at.elapsed().as_secs(),
                reason: ProxyError::QuotaReserve.to_string(),
            });
            Ok(with_cache_header(&data, "stale"))
        }
        Err(err) => Err(err),
    }
}

/// Reads a sender's panel: the pinned record, else matching. An email, or a pinned record,
/// costs one Salesforce request (two if the pinned record was deleted in Salesforce, which
/// unpins it); a phone one search, and one more read when the search found someone.
async fn read_panel(
    state: &AppState,
    agent: &Agent,
    salesforce: &Salesforce,
    handle: &Handle,
) -> Result<PanelData, ProxyError> {
    let org = org_settings(state, &agent.link.org_id).await?;
    let layout = effective_layout(&org, &agent_layout(state, &agent.link.user_id).await?);
    let version = &state.services.salesforce.version;
    let db = &state.services.db;
    let pin_key = handle_key(handle);
    if let Some((object, id)) = db.pin(&agent.link.org_id, &pin_key).await?
        && let Some(composite) = plan_pinned(&object, &id, &layout, version)
    {
        let answered = salesforce
            .call(salesforce.client.composite(&composite))
            .await?;
        let mut data = answer(handle, &answered);
        if data.person.is_some() || data.account.is_some() {
            data.reason = MatchReason::Pinned;
            data.candidates.clear();
            return Ok(data);
        }
        tracing::info!(%object, %id, "the pinned record is gone; unpinned");
        db.remove_pin(&agent.link.org_id, &pin_key).await?;
    }
    match handle.kind {
        HandleKind::Email => {
            let composite = plan(handle, &layout, version).map_err(plan_error)?;
            let answered = salesforce
                .call(salesforce.client.composite(&composite))
                .await?;
            Ok(answer(handle, &answered))
        }
        HandleKind::Phone => {
            let rows = salesforce
                .call(salesforce.client.search(&phone_search(handle)))
                .await?;
            // Contacts first: the search returns them before Leads.
            let first = rows.iter().find_map(|row| {
                let object = row.pointer("/attributes/type")?.as_str()?;
                Some((object.to_owned(), row.get("Id")?.as_str()?.to_owned()))
            });
            let Some((object, id)) = first else {
                return Ok(answer(handle, &Default::default()));
            };
            let composite = plan_pinned(&object, &id, &layout, version)
                .ok_or_else(|| ProxyError::Upstream(format!("search found {object} {id}")))?;
            let answered = salesforce
                .call(salesforce.client.composite(&composite))
                .await?;
            let mut data = answer(handle, &answered);
            data.candidates = phone_candidates(&rows);
            Ok(data)
        }
    }
}

/// A plan Salesforce would refuse: a field in the layout that is not an API name.
fn plan_error(err: pane_salesforce::CompositeError) -> ProxyError {
    ProxyError::BadRequest(format!("the panel's fields cannot be read: {err}"))
}

#[derive(Debug, Deserialize)]
struct PinBody {
    object: String,
    id: String,
}

/// `PUT /api/pins?kind&handle` `{"object": "Contact", "id": "003..."}`: pins the record for
/// the sender, for the whole team.
async fn pin(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<HandleQuery>,
    bytes: Bytes,
) -> Result<StatusCode, ProxyError> {
    let handle = parse_handle(&query)?;
    let body: PinBody = serde_json::from_slice(&bytes)
        .map_err(|e| ProxyError::BadRequest(format!("The body is not what was expected: {e}")))?;
    if !matches!(body.object.as_str(), "Contact" | "Lead" | "Account")
        || plan_pinned(&body.object, &body.id, &Default::default(), "59.0").is_none()
    {
        return Err(ProxyError::BadRequest(
            "a Contact, Lead or Account id can be pinned".into(),
        ));
    }
    state
        .services
        .db
        .put_pin(
            &agent.link.org_id,
            &handle_key(&handle),
            &body.object,
            &body.id,
            &agent.link.user_id,
        )
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id);
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/pins?kind&handle`: back to matching.
async fn unpin(
    State(state): State<AppState>,
    agent: Agent,
    Query(query): Query<HandleQuery>,
) -> Result<StatusCode, ProxyError> {
    let handle = parse_handle(&query)?;
    state
        .services
        .db
        .remove_pin(&agent.link.org_id, &handle_key(&handle))
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id);
    Ok(StatusCode::NO_CONTENT)
}

/// Maps a Salesforce failure to the panel's answer.
pub fn salesforce_error(err: &pane_salesforce::Error) -> ProxyError {
    match err {
        pane_salesforce::Error::OAuth {
            error, description, ..
        } if error == "invalid_grant" => ProxyError::Relink(if description.is_empty() {
            "the refresh token was refused".into()
        } else {
            description.clone()
        }),
        _ => match err.code() {
            Some("REQUEST_LIMIT_EXCEEDED") => ProxyError::QuotaSpent,
            Some("INVALID_SESSION_ID" | "INVALID_GRANT" | "invalid_grant") => {
                ProxyError::Unauthorized
            }
            _ => ProxyError::Upstream(err.to_string()),
        },
    }
}
