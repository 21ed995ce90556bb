//! `GET /api/panel?kind=email|phone&handle=...`: everything the panel shows for a sender, in
//! one Salesforce request, and none for a sender seen in the last few minutes (cached per org,
//! user and handle; through any replica sharing a Postgres database, see `cache.rs`). A record the team pinned for the sender wins over matching. At the
//! quota's last reserve the panel is served from cache alone, saying how old it is. The
//! records' notes are asked as the org keeps them (`note_kinds.rs`): an org's first panel may
//! cost one more request, when it teaches that the org keeps classic notes.
//! `PUT`/`DELETE /api/pins?kind&handle` pin and unpin a record for a sender.

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header::HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use pane_salesforce::{Composite, CompositeAnswer};
use pane_wire::api::{HandleQuery, MatchReason, NoteKind, PanelData, PinRequest, Staleness};
use pane_wire::bridge::{Handle, HandleKind, Recipient};

use crate::cache::{Lookup, PanelKey};
use crate::gateway::Salesforce;
use crate::json::ApiJson;
use crate::lookup::answer::{answer, answered_company, phone_candidates, with_company};
use crate::lookup::plan::{
    Company, Layout, NOTE_PARTS, company_domain, phone_search, plan, plan_pinned,
};
use crate::note_kinds::NotesAnswer;
use crate::org::{agent_layout, effective_layout, org_settings};
use crate::session::Agent;
use crate::{AppState, ProxyError};

/// The panel routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/panel", get(panel))
        .route("/api/pins", put(pin).delete(unpin))
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

/// The key a domain's company is kept under, beside the senders' ([`handle_key`]), which it
/// cannot equal.
fn company_key(agent: &Agent, domain: &str) -> PanelKey {
    (
        agent.link.org_id.clone(),
        agent.link.user_id.clone(),
        format!("company:{domain}"),
    )
}

/// The sender a request is about (`?kind&handle`), checked: the query's own refusal, or a 400
/// when it names no email or phone.
#[derive(Debug)]
pub struct Sender(pub Handle);

impl<S: Send + Sync> FromRequestParts<S> for Sender {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Query(query) = Query::<HandleQuery>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_handle(&query)
            .map(Sender)
            .map_err(IntoResponse::into_response)
    }
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
    Sender(handle): Sender,
) -> Result<Response, ProxyError> {
    let key = (
        agent.link.org_id.clone(),
        agent.link.user_id.clone(),
        handle_key(&handle),
    );
    let (generation, old) = match state.panel_cache.lookup(&key).await? {
        Lookup::Fresh(hit, from) => {
            if !org_settings(&state, &agent.link.org_id).await?.enabled {
                return Err(ProxyError::Disabled);
            }
            return Ok(with_cache_header(&hit.data, from.as_str()));
        }
        Lookup::Miss { generation, old } => (generation, old),
    };
    if state.panel_cache.is_shared() {
        // Another replica may have saved the org's settings (its write made this a miss):
        // read them afresh, or this panel would be read, and shared, with the old fields.
        state.settings_cache.invalidate(&agent.link.org_id);
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    match read_panel(&state, &agent, &salesforce, &handle, generation).await {
        Ok(data) => {
            let data = state.panel_cache.keep(key, data, generation).await;
            Ok(with_cache_header(&data, "miss"))
        }
        Err(ProxyError::QuotaReserve) => {
            let old = old.ok_or(ProxyError::QuotaReserve)?;
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
/// unpins it); a phone one search, and one more read when the search found someone. An
/// email's request asks for the company of its domain only when no request of the panels'
/// cache period asked for it there (its answer is kept, under the org's `generation`).
async fn read_panel(
    state: &AppState,
    agent: &Agent,
    salesforce: &Salesforce,
    handle: &Handle,
    generation: i64,
) -> Result<PanelData, ProxyError> {
    let org = org_settings(state, &agent.link.org_id).await?;
    let layout = effective_layout(
        &org,
        &agent_layout(&state.services.db, &agent.link.user_id).await?,
    );
    let version = &state.services.salesforce.version;
    let db = &state.services.db;
    let pin_key = handle_key(handle);
    if let Some((object, id)) = db.pin(&agent.link.org_id, &pin_key).await?
        && plan_pinned(&object, &id, &layout, version).is_some()
    {
        let answered = send(state, agent, salesforce, &layout, |layout| {
            plan_pinned(&object, &id, layout, version).ok_or_else(|| not_planned(&object, &id))
        })
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
            let cache = &state.panel_cache;
            let company_at = company_domain(handle).map(|d| company_key(agent, &d));
            let known = company_at
                .as_ref()
                .and_then(|k| cache.company(k, generation));
            let ask = if known.is_some() {
                Company::Known
            } else {
                Company::Ask
            };
            let answered = send(state, agent, salesforce, &layout, |layout| {
                plan(handle, layout, version, ask).map_err(plan_error)
            })
            .await?;
            let data = answer(handle, &answered);
            if let Some(company) = known {
                return Ok(with_company(data, &company));
            }
            if let (Some(key), Some(company)) = (company_at, answered_company(handle, &answered)) {
                cache.keep_company(key, company, generation);
            }
            Ok(data)
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
            let answered = send(state, agent, salesforce, &layout, |layout| {
                plan_pinned(&object, &id, layout, version).ok_or_else(|| not_planned(&object, &id))
            })
            .await?;
            let mut data = answer(handle, &answered);
            data.candidates = phone_candidates(&rows);
            Ok(data)
        }
    }
}

/// A record found (by a search or a pin) that has no pinned plan.
fn not_planned(object: &str, id: &str) -> ProxyError {
    ProxyError::Upstream(pane_salesforce::Error::Malformed {
        status: 200,
        detail: format!("found {object} {id}"),
    })
}

/// Sends the composite `build` makes, the records' notes asked as the org keeps them; when
/// that was not known and the org answered that it has no enhanced notes, remembers that it
/// keeps classic ones and sends it again asking those.
async fn send(
    state: &AppState,
    agent: &Agent,
    salesforce: &Salesforce,
    layout: &Layout,
    build: impl Fn(&Layout) -> Result<Composite, ProxyError>,
) -> Result<CompositeAnswer, ProxyError> {
    let ask = |kind: NoteKind| {
        let mut layout = layout.clone();
        layout.notes = kind;
        let composite = build(&layout);
        async move {
            let answered = match composite {
                Ok(composite) => {
                    salesforce
                        .call(salesforce.client.composite(&composite))
                        .await
                }
                Err(err) => Err(err),
            };
            let answers = answered.as_ref().map_or_else(
                |_| Vec::new(),
                |answered| {
                    NOTE_PARTS
                        .iter()
                        .map(|part| NotesAnswer::of_part(answered, *part))
                        .collect()
                },
            );
            (answered, answers)
        }
    };
    state.note_kinds.asking(&agent.link.org_id, ask).await
}

/// A plan Salesforce would refuse: a field in the layout that is not an API name.
fn plan_error(err: pane_salesforce::CompositeError) -> ProxyError {
    ProxyError::BadRequest(format!("the panel's fields cannot be read: {err}"))
}

/// `PUT /api/pins?kind&handle` `{"object": "Contact", "id": "003..."}`: pins the record for
/// the sender, for the whole team.
async fn pin(
    State(state): State<AppState>,
    agent: Agent,
    Sender(handle): Sender,
    ApiJson(body): ApiJson<PinRequest>,
) -> Result<StatusCode, ProxyError> {
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
    state.panel_cache.forget_org(&agent.link.org_id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/pins?kind&handle`: back to matching.
async fn unpin(
    State(state): State<AppState>,
    agent: Agent,
    Sender(handle): Sender,
) -> Result<StatusCode, ProxyError> {
    state
        .services
        .db
        .remove_pin(&agent.link.org_id, &handle_key(&handle))
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id).await;
    Ok(StatusCode::NO_CONTENT)
}
