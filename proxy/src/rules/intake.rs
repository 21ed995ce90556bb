//! `POST /api/rules/{intake key}/{send-to-salesforce|create-lead}`: Front's webhook, addressed
//! to one org by its intake key (see [`super::tenant`]). The signature is checked over the raw
//! body first with that org's secrets (application webhooks with a timestamp, or rule
//! webhooks); then the event is queued for that org in one statement, once per event and
//! action, and the answer goes back at once (Front waits 5 seconds and does not retry rule
//! webhooks). The old URL without a key, `POST /api/rules/{action}`, is gone (410): nothing in
//! a webhook's body may say which org it is for.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::ACTIONS;
use super::event::Event;
use super::signature::{verify_application, verify_rule};
use super::tenant;
use crate::clock::now_ms;
use crate::session::{guard, provenance};
use crate::store::org_intakes::Intake;
use crate::{AppState, ProxyError};

/// The intake routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/rules/{key}/{action}", post(intake))
        .route("/api/rules/{action}", post(gone))
}

/// The URL every org shared: refused, naming the org's own.
async fn gone(Path(action): Path<String>) -> ProxyError {
    if ACTIONS.iter().all(|(path, _)| *path != action) {
        return ProxyError::NotFound(format!("/api/rules/{action}"));
    }
    ProxyError::Gone(
        "Rule webhooks go to each org's own intake URL, /api/rules/<intake key>/<action>, signed with that org's secret: an admin finds both in Settings.",
    )
}

/// `POST /__dev/rules/{action}`: the dev inbox's rules. The dev inbox sends the event it
/// built; the proxy signs it as Front would (the secret stays here) and hands it to its own
/// intake in-process. Only with the embedded sandbox org (404 otherwise), and only for the dev
/// inbox's own page: see [`same_origin_dev_inbox`].
pub fn dev_router(state: &AppState) -> Router<AppState> {
    if state.backend != pane_wire::api::Backend::Sandbox {
        return Router::new();
    }
    Router::new().route("/__dev/rules/{action}", post(dev_fire))
}

/// The header the dev inbox's page sends with every rule. A cross-site page cannot send it:
/// a form cannot set headers, a `no-cors` fetch only safelisted ones, and a CORS fetch would
/// need a preflight the proxy never allows.
pub const DEV_INBOX_HEADER: &str = "x-pane-dev-inbox";

/// Whether a dev rule request comes from the dev inbox's own page. The dev inbox cannot hold
/// an agent's session: the session belongs to the panel's origin, which is cross-site to the
/// dev inbox (as Front is to the panel), and the panel never hands it out. So the route asks
/// what only a same-origin script can do: a JSON body and [`DEV_INBOX_HEADER`]; and refuses
/// whatever a browser marks as coming from elsewhere: the panel's own guard
/// ([`guard::check`]), with the dev inbox's origin and header.
fn same_origin_dev_inbox(
    headers: &HeaderMap,
    public_origin: Option<&str>,
) -> Result<(), &'static str> {
    // The public URL's origin, or (on loopback, or behind nothing) the host the browser itself
    // addressed: a page elsewhere cannot make a browser send either.
    let host = header_str(headers, "host").filter(|h| !h.is_empty());
    let own: Vec<String> = public_origin
        .map(str::to_owned)
        .into_iter()
        .chain(
            host.into_iter()
                .flat_map(|h| [format!("http://{h}"), format!("https://{h}")]),
        )
        .collect();
    guard::check(provenance(headers, DEV_INBOX_HEADER), &own)
        .map_err(|_| "only the dev inbox's own page may fire its rules")?;
    let json = header_str(headers, "content-type")
        .and_then(|t| t.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err("the dev inbox's rules are sent as JSON with its own header");
    }
    Ok(())
}

/// A request from the dev inbox's own page (see [`same_origin_dev_inbox`]). As an extractor it
/// runs before the body is read.
#[derive(Debug, Clone, Copy)]
struct DevInbox;

impl FromRequestParts<AppState> for DevInbox {
    type Rejection = ProxyError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ProxyError> {
        let public_origin = state.public_url.as_ref().map(|u| u.origin());
        same_origin_dev_inbox(&parts.headers, public_origin)
            .map(|()| DevInbox)
            .map_err(ProxyError::CrossSite)
    }
}

async fn dev_fire(
    _: DevInbox,
    State(state): State<AppState>,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<Response, ProxyError> {
    // The embedded sandbox org is the one org linked here; with none or several, the dev
    // inbox does not choose.
    let intakes = state.services.db.intakes().await?;
    let [only] = intakes.as_slice() else {
        return Err(ProxyError::NotConfigured(
            "the dev inbox fires rules for the one org linked here: link it first",
        ));
    };
    let secret = state.services.sealer.open(&only.secret_sealed)?;
    let stamp = now_ms();
    let signature = super::signature::sign_application(secret.as_bytes(), stamp, &body);
    // Handed to the intake in-process, signed as Front would sign it: no request is sent, so
    // no `Host` a browser named decides where the signed event goes.
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let signed = [
        ("x-front-request-timestamp", stamp.to_string()),
        ("x-front-signature", signature),
    ];
    for (name, value) in signed {
        let value = HeaderValue::from_str(&value)
            .map_err(|e| ProxyError::BadRequest(format!("cannot sign the event: {e}")))?;
        headers.insert(name, value);
    }
    let key = only.key.clone();
    intake(State(state), Path((key, action)), headers, body).await
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the signature with the scheme the headers say, against the org's secrets.
fn verify(
    state: &AppState,
    intake: &Intake,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), ProxyError> {
    let signature = header_str(headers, "x-front-signature");
    let now = now_ms();
    let secrets = tenant::secrets(&state.services.sealer, intake, now)?;
    let checked = match header_str(headers, "x-front-request-timestamp") {
        Some(stamp) => tenant::any_secret(&secrets, |secret| {
            verify_application(secret, Some(stamp), signature, body, now)
        }),
        None => tenant::any_secret(&secrets, |secret| verify_rule(secret, signature, body)),
    };
    checked.map_err(|r| ProxyError::BadSignature(r.message()))
}

/// The intake `key` names, once one of its secrets verifies `body`. This process's copy is
/// used when it has one ([`tenant::INTAKE_TTL`]); a copy that refuses the signature may predate
/// a rotation, so the stored intake is read and asked again.
async fn verified_intake(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Intake, ProxyError> {
    if let Some(intake) = state.rules.intakes.get(key)
        && verify(state, &intake, headers, body).is_ok()
    {
        return Ok(intake);
    }
    let Some(intake) = state.services.db.intake_by_key(key).await? else {
        return Err(ProxyError::NotFound("no rule intake has this key".into()));
    };
    verify(state, &intake, headers, body)?;
    state.rules.intakes.insert(key.to_owned(), intake.clone());
    Ok(intake)
}

async fn intake(
    State(state): State<AppState>,
    Path((key, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ProxyError> {
    let Some((_, action)) = ACTIONS.iter().find(|(path, _)| *path == action) else {
        return Err(ProxyError::NotFound(format!("/api/rules/.../{action}")));
    };
    // The org is the URL's, and only once its own secret verifies the body.
    let intake = verified_intake(&state, &key, &headers, &body).await?;
    // Front validates an application webhook when it is saved: echo its challenge.
    if let Some(challenge) = header_str(&headers, "x-front-challenge") {
        let mut response = (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            challenge.to_owned(),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(challenge) {
            response.headers_mut().insert("x-front-challenge", v);
        }
        return Ok(response);
    }
    let event: Event = serde_json::from_slice(&body).map_err(|e| {
        ProxyError::BadRequest(format!(
            "The body is not a Front event with full event data: {e}"
        ))
    })?;
    if event.id.trim().is_empty() || event.target.data.id.trim().is_empty() {
        return Err(ProxyError::BadRequest(
            "The event has no id, or its message has none.".into(),
        ));
    }
    let payload = String::from_utf8_lossy(&body);
    let queued = state
        .services
        .db
        .enqueue(
            &intake.org_id,
            &event.id,
            action,
            &event.target.data.id,
            &payload,
        )
        .await?;
    // A job its org's gatherer will take wakes no other worker: they would only claim nothing.
    if queued && !state.rules.gatherers.gathering(&intake.org_id, action) {
        state.rules.wake.notify_waiters();
    }
    // The id is the sender's text (the dev inbox's is a browser's): logged escaped.
    tracing::info!(event = ?event.id, org = %intake.org_id, %action, queued, "rule webhook accepted");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"accepted": true, "queued": queued, "duplicate": !queued})),
    )
        .into_response())
}
