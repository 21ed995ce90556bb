//! Steps 1 and 2 of a link: the panel starts it, the popup begins it (see the module's doc).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pane_wire::api::{StartRequest, Started};
use sha2::{Digest, Sha256};

use super::callback::page;
use super::random;
use crate::session::{Agent, Own, cookie};
use crate::store::{NewLink, token_hash};
use crate::{AppState, ProxyError};

/// `POST /api/oauth/start {"purpose"}` → `{"tx", "redeem", "begin_url"}`: a new link for the
/// panel whose origin the request carries. `redeem` is the panel's secret: it is not stored,
/// only its hash. Linking the org's integration user is for admins.
pub(super) async fn start(
    State(state): State<AppState>,
    _: Own,
    headers: HeaderMap,
    Json(request): Json<StartRequest>,
) -> Result<Json<Started>, ProxyError> {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(request.origin)
        .unwrap_or_default();
    if !state.panel_origins.contains(&origin) {
        return Err(ProxyError::BadRequest(format!(
            "{origin:?} is not this panel's origin"
        )));
    }
    let (purpose, org_id, requested_by) = match request.purpose.as_deref() {
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
    let (tx, redeem) = (random(24), random(32));
    state
        .services
        .db
        .start_link(
            &tx,
            &NewLink {
                oauth_state: random(24),
                verifier: random(32),
                panel_origin: origin.clone(),
                purpose: purpose.to_owned(),
                org_id,
                requested_by,
                redeem_hash: token_hash(&redeem),
            },
        )
        .await?;
    // The popup begins where Salesforce will send it back: the binding cookie must be there.
    let callback = state.redirect_uri(&origin);
    let base = callback.trim_end_matches("/oauth/callback");
    let begin_url = format!("{base}/oauth/begin?tx={tx}");
    Ok(Json(Started {
        tx,
        redeem,
        begin_url,
    }))
}

/// `GET /oauth/begin?tx=…` (the popup): binds the link to this browser with a cookie, once,
/// and redirects to Salesforce's authorize page. No `prompt`: an agent signed in to Salesforce
/// who approved the app before comes straight back.
pub(super) async fn begin(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let tx = params.get("tx").map(String::as_str).unwrap_or_default();
    let secret = random(32);
    let begun = if tx.len() == 32 {
        state.services.db.begin_link(tx, &token_hash(&secret)).await
    } else {
        Ok(None)
    };
    let (oauth_state, verifier, panel_origin) = match begun {
        Ok(Some(found)) => found,
        Ok(None) => {
            return page(
                StatusCode::BAD_REQUEST,
                "This link expired or was already opened. Close this window and link Salesforce again from the panel.",
                None,
            );
        }
        Err(err) => return err.into_response(),
    };
    let sf = &state.services.salesforce;
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect_uri = state.redirect_uri(&panel_origin);
    let url = sf.authorize_url(&redirect_uri, &oauth_state, &challenge);
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response();
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie::binding(tx, &secret));
    // Browsers apply an opener policy at every redirect: the proxy's usual one would sever the
    // popup from the window that opened it here, and the callback's code could not reach the
    // panel (see `callback::page`).
    headers.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        axum::http::HeaderValue::from_static("unsafe-none"),
    );
    response
}
