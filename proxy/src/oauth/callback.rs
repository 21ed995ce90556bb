//! Step 3 of a link: Salesforce's redirect back (see the module's doc).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use pane_salesforce::oauth;
use pane_wire::api::LinkMessage;
use serde_json::Value;

use super::{SESSION_TTL_SECS, random};
use crate::security::inline_script_hashes;
use crate::session::cookie;
use crate::store::{ClaimedLink, Link, token_hash};
use crate::{AppState, ProxyError};

/// A page of the link's popup: `body` (plain text, escaped here) and an optional inline
/// script (allowed by its hash alone). Never framed, never cached.
pub(super) fn page(status: StatusCode, body: &str, script: Option<String>) -> Response {
    let body = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
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
    // in a new browsing context group and sever `window.opener`, and the code would never
    // reach the panel.
    headers.insert(
        axum::http::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("unsafe-none"),
    );
    response
}

/// The popup's script: posts `message` to every frame of the window that opened the popup
/// (and their frames, four levels down) whose origin is `origin` (the browser drops it for
/// every other origin), then closes the popup. The panel is one of those frames whether the
/// host opened the popup (Front's `openUrlInPopup`) or the panel did.
fn deliver(message: &LinkMessage, origin: &str) -> String {
    // Values go into the script as JSON, `</` broken so they cannot end it. A message is
    // strings only: serializing it cannot fail.
    let message = serde_json::to_string(message)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let origin = Value::from(origin).to_string().replace("</", "<\\/");
    format!(
        "(function () {{ var m = {message}, o = {origin}; \
         function send(w, depth) {{ try {{ w.postMessage(m, o); }} catch (e) {{}} \
         if (depth > 3) return; var n = 0; try {{ n = w.frames.length; }} catch (e) {{}} \
         for (var i = 0; i < n; i++) {{ try {{ send(w.frames[i], depth + 1); }} catch (e) {{}} }} }} \
         if (window.opener) {{ send(window.opener, 0); window.close(); }} }})();"
    )
}

/// `GET /oauth/callback?code&state`: finishes the link begun in this browser and hands the
/// panel a one-time code.
pub(super) async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let claimed = match claim(&state, &headers, &params).await {
        Ok(claimed) => claimed,
        Err(err) => return refused(&err),
    };
    let tx = claimed.tx.clone();
    let origin = claimed.panel_origin.clone();
    let code = params.get("code").map(String::as_str).unwrap_or_default();
    let outcome = link(&state, &claimed, code).await;
    let db = &state.services.db;
    let ended = match &outcome {
        Ok(Linked::Agent {
            code_hash, sealed, ..
        }) => db.end_link(&tx, Ok((code_hash, sealed))).await,
        Ok(Linked::Integration { .. }) => db.end_link(&tx, Ok(("", ""))).await,
        Err(_) => db.end_link(&tx, Err(())).await,
    };
    let linked = match (outcome, ended) {
        (Ok(linked), Ok(())) => linked,
        (Err(err), _) | (Ok(_), Err(err)) => {
            let mut response = refused(&err);
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie::end_binding(&tx));
            return response;
        }
    };
    let (message, session) = match linked {
        Linked::Agent { code, session, .. } => (
            LinkMessage::Linked {
                tx: tx.clone(),
                code,
            },
            Some(session),
        ),
        Linked::Integration { username } => (
            LinkMessage::Integration {
                tx: tx.clone(),
                username,
            },
            None,
        ),
    };
    let mut response = page(
        StatusCode::OK,
        "Salesforce is linked. Go back to the panel; you can close this window.",
        Some(deliver(&message, &origin)),
    );
    let set = response.headers_mut();
    set.append(header::SET_COOKIE, cookie::end_binding(&tx));
    if let Some(session) = session {
        // This browser's own (first-party) copy: a panel granted storage access reads it.
        set.append(
            header::SET_COOKIE,
            cookie::session(&session, SESSION_TTL_SECS, false),
        );
    }
    response
}

/// The popup's page for a link that failed: why, when only the proxy's configuration or the
/// agent's browser can fix it; else to try again.
fn refused(err: &ProxyError) -> Response {
    tracing::warn!(%err, "linking Salesforce failed");
    let text = match err {
        // Only the proxy's configuration fixes it: say so, and what to set.
        ProxyError::Untrusted(why) => format!(
            "Linking Salesforce failed: {why}. Tell whoever runs the proxy; trying again will not help."
        ),
        ProxyError::CrossSite(why) => (*why).to_owned(),
        _ => "Salesforce could not be linked. Close this window and try again from the panel."
            .to_owned(),
    };
    page(StatusCode::BAD_REQUEST, &text, None)
}

/// The link this callback finishes, if this browser began it.
async fn claim(
    state: &AppState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<ClaimedLink, ProxyError> {
    // The callback's query is the client's to spell: like every query string, never logged,
    // and `error` not even echoed (it could carry line breaks and terminal escapes).
    if params.contains_key("error") {
        return Err(ProxyError::BadRequest(
            "Salesforce refused the link (the callback carried an error)".into(),
        ));
    }
    let oauth_state = params.get("state").map(String::as_str).unwrap_or_default();
    let claimed = state
        .services
        .db
        .claim_link(oauth_state)
        .await?
        .ok_or_else(|| ProxyError::BadRequest("unknown, expired or used state".into()))?;
    let bound = cookie::bound(headers, &claimed.tx).map(|secret| token_hash(&secret));
    if bound.as_deref() != Some(claimed.binding_hash.as_str()) {
        state.services.db.end_link(&claimed.tx, Err(())).await?;
        return Err(ProxyError::CrossSite(
            "This link was started in another browser, so it was not completed here. Link Salesforce from your own panel.",
        ));
    }
    Ok(claimed)
}

/// What a finished link produced.
enum Linked {
    /// An agent's session, the one-time code that redeems it, and their hash and seal.
    Agent {
        session: String,
        code: String,
        code_hash: String,
        sealed: String,
    },
    /// The org's integration user.
    Integration { username: String },
}

/// Exchanges Salesforce's `code` for tokens, stores the link, and makes what the link was for:
/// an agent's session (and the one-time code that redeems it), or the org's integration user.
async fn link(state: &AppState, pending: &ClaimedLink, code: &str) -> Result<Linked, ProxyError> {
    let services = &state.services;
    let (http, sf) = (&services.http, &services.salesforce);
    let redirect_uri = state.redirect_uri(&pending.panel_origin);
    let tokens = sf
        .exchange_code(http, code, &redirect_uri, &pending.verifier)
        .await?;
    let identity = oauth::identity(http, &tokens).await?;
    let refresh = tokens.refresh_token.clone().ok_or_else(|| {
        ProxyError::Upstream(pane_salesforce::Error::Malformed {
            status: 200,
            detail: "no refresh token (is the refresh_token scope allowed?)".into(),
        })
    })?;
    if pending.purpose == "integration" && pending.org_id != identity.organization_id {
        return Err(ProxyError::BadRequest(
            "the integration user must belong to the admin's own org".into(),
        ));
    }
    // One request: "Modify All Data" and the org's currency, in one composite.
    let facts = oauth::link_facts(http, &tokens, &sf.version)
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(%err, "reading the user's permissions and the org's currency failed");
            oauth::LinkFacts::default()
        });
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
            is_admin: facts.modify_all_data,
            currency: facts.currency.unwrap_or_default(),
        })
        .await?;
    state.clients.forget(&identity.user_id);
    // The org's rule intake exists from its first link: an admin finds it in Settings.
    crate::rules::tenant::ensure(services, &identity.organization_id).await?;
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
        let resumed = services.db.resume_paused(&identity.organization_id).await?;
        if resumed > 0 {
            tracing::info!(resumed, "rule jobs paused for the integration link resume");
            state.rules.wake.notify_waiters();
        }
        return Ok(Linked::Integration {
            username: identity.username,
        });
    }
    let session = random(32);
    services
        .db
        .put_session(&session, &identity.user_id, SESSION_TTL_SECS)
        .await?;
    let code = random(32);
    tracing::info!(user = %identity.user_id, "Salesforce linked");
    Ok(Linked::Agent {
        code_hash: token_hash(&code),
        sealed: services.sealer.seal(&session)?,
        session,
        code,
    })
}
