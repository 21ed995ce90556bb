//! `POST /api/rules/{send-to-salesforce|create-lead}`: Front's webhook. The signature is
//! checked over the raw body first (application webhooks with a timestamp, or rule webhooks);
//! then the event is queued in one statement, once per event and action, and the answer goes
//! back at once (Front waits 5 seconds and does not retry rule webhooks).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::ACTIONS;
use super::event::Event;
use super::signature::{verify_application, verify_rule};
use crate::store::jobs::now_ms;
use crate::{AppState, ProxyError};

/// The intake routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/rules/{action}", post(intake))
}

/// `POST /__dev/rules/{action}`: the dev inbox's rules. The dev inbox sends the event it
/// built; the proxy signs it as Front would (the secret stays here) and sends it to its own
/// intake. Only with the embedded sandbox org.
pub fn dev_router(state: &AppState) -> Router<AppState> {
    if state.backend != pane_wire::api::Backend::Sandbox {
        return Router::new();
    }
    Router::new().route("/__dev/rules/{action}", post(dev_fire))
}

async fn dev_fire(
    State(state): State<AppState>,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<Response, ProxyError> {
    let secret = state
        .rules
        .app_secret
        .clone()
        .ok_or(ProxyError::NotConfigured("no application webhook secret"))?;
    let stamp = now_ms();
    let signature = super::signature::sign_application(secret.expose().as_bytes(), stamp, &body);
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
    intake(State(state), Path(action), headers, body).await
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Checks the signature with the scheme the headers say.
fn verify(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), ProxyError> {
    let signature = header_str(headers, "x-front-signature");
    let refused = |r: super::signature::Refusal| ProxyError::BadSignature(r.message());
    match header_str(headers, "x-front-request-timestamp") {
        Some(stamp) => {
            let secret = state
                .rules
                .app_secret
                .as_ref()
                .ok_or(ProxyError::NotConfigured(
                    "no application webhook secret is configured (--rules-app-secret)",
                ))?;
            verify_application(
                secret.expose().as_bytes(),
                Some(stamp),
                signature,
                body,
                now_ms(),
            )
            .map_err(refused)
        }
        None => {
            let secret = state
                .rules
                .webhook_secret
                .as_ref()
                .ok_or(ProxyError::NotConfigured(
                    "no rule webhook secret is configured (--rules-webhook-secret)",
                ))?;
            verify_rule(secret.expose().as_bytes(), signature, body).map_err(refused)
        }
    }
}

async fn intake(
    State(state): State<AppState>,
    Path(action): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ProxyError> {
    let Some((_, action)) = ACTIONS.iter().find(|(path, _)| *path == action) else {
        return Err(ProxyError::NotFound(format!("/api/rules/{action}")));
    };
    verify(&state, &headers, &body)?;
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
        .enqueue(&event.id, action, &event.target.data.id, &payload)
        .await?;
    if queued {
        state.rules.wake.notify_waiters();
    }
    // The id is the sender's text (the dev inbox's is a browser's): logged escaped.
    tracing::info!(event = ?event.id, %action, queued, "rule webhook accepted");
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"accepted": true, "queued": queued, "duplicate": !queued})),
    )
        .into_response())
}
