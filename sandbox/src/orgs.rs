//! Several sandbox orgs behind one login host, as Salesforce serves every org: one login
//! server (`login.salesforce.com`) where any org's user logs in, each org's APIs on its own
//! instance (`instance_url` in the token answer), and the identity URL
//! `{login host}/id/{orgId}/{userId}` naming the org ("Using Identity URLs":
//! https://developer.salesforce.com/docs/atlas.en-us.mobile_sdk.meta/chatterapi/oauth_using_identity_urls.htm;
//! "OAuth 2.0 Username-Password Flow", `instance_url`: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_username_password_oauth_flow.htm).
//!
//! Each org is a whole [`Sandbox`] on its own port (its records, users, tokens and allowance);
//! [`spawn_orgs`] puts a login host in front that hands each request to the org it belongs to:
//! a login or password grant to the org owning the username, a login session (`sid`) to the
//! org that started it, `/id/{orgId}/...` to that org, and anything else (an authorization
//! code, a refresh token, a token to revoke, a bearer token) to the first org that accepts it.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::{Sandbox, SandboxConfig, SandboxError, SandboxState};

/// The largest request body the login host reads (OAuth forms are small).
const MAX_BODY: usize = 64 * 1024;

/// Orgs behind one login host. Dropping it stops them all.
#[derive(Debug)]
pub struct Orgs {
    login_url: String,
    orgs: Vec<Sandbox>,
    /// Dropped with the handle, which stops the login host (and `orgs` stop with theirs).
    _stop: oneshot::Sender<()>,
}

impl Orgs {
    /// The login host every org's users log in at (`http://127.0.0.1:41234`).
    pub fn login_url(&self) -> String {
        self.login_url.clone()
    }

    /// The orgs, in the order their configurations were given.
    pub fn orgs(&self) -> &[Sandbox] {
        &self.orgs
    }

    /// Stops the login host and every org, as dropping it does.
    pub fn shutdown(self) {}
}

/// Serves one org per configuration, each on its own free port of `addr`'s address, and
/// their shared login host on `addr` (port 0 picks a free one). The orgs' token answers name
/// the login host in their identity URL and their own instance in `instance_url`.
pub async fn spawn_orgs(
    addr: SocketAddr,
    configs: Vec<SandboxConfig>,
) -> Result<Orgs, SandboxError> {
    let (listener, local) = crate::tls::bind(addr).await?;
    let mut orgs = Vec::with_capacity(configs.len());
    let mut tls = None;
    for config in configs {
        if tls.is_none() {
            tls = config
                .tls
                .as_ref()
                .map(crate::tls::TlsIdentity::server_config)
                .transpose()?;
        }
        orgs.push(crate::spawn(SocketAddr::new(addr.ip(), 0), config).await?);
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    let login_url = format!("{scheme}://{local}");
    for org in &orgs {
        if let Ok(mut login) = org.state().login_url.lock() {
            login.clone_from(&login_url);
        }
        crate::strict::register(org.state());
    }
    let states: Vec<SandboxState> = orgs.iter().map(|o| o.state().clone()).collect();
    let router = Router::new().fallback(dispatch).with_state(states);
    let stop =
        crate::tls::serve_in_background(listener, local, tls, router, "the orgs' login host");
    tracing::info!(login = %login_url, orgs = orgs.len(), "sandbox orgs listening");
    Ok(Orgs {
        login_url,
        orgs,
        _stop: stop,
    })
}

/// Which org a login-host request belongs to, when the request names it.
fn owner(states: &[SandboxState], path: &str, headers: &HeaderMap, body: &[u8]) -> Option<usize> {
    if let Some(org_id) = path.strip_prefix("/id/").and_then(|r| r.split('/').next()) {
        return states.iter().position(|s| s.org.org_id() == org_id);
    }
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    if let Some(username) = form.get("username").filter(|u| !u.is_empty()) {
        return states.iter().position(|s| {
            s.org
                .settings
                .users
                .iter()
                .any(|u| u.username.eq_ignore_ascii_case(username))
        });
    }
    let sid = crate::auth::sid_cookie(headers)?;
    states.iter().position(|s| s.auth.logged_in(&sid).is_some())
}

/// Hands the request to its org (see the module's documentation).
async fn dispatch(State(states): State<Vec<SandboxState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form: &[u8] = if is_form { &body } else { &[] };
    let order: Vec<usize> = match owner(&states, parts.uri.path(), &parts.headers, form) {
        Some(i) => vec![i],
        None => (0..states.len()).collect(),
    };
    let mut first = None;
    for i in order {
        let Some(router) = states.get(i).and_then(|s| s.router.get()).cloned() else {
            continue;
        };
        let request = Request::from_parts(parts.clone(), Body::from(Bytes::clone(&body)));
        let answer = match router.oneshot(request).await {
            Ok(answer) => answer,
            Err(never) => match never {},
        };
        if answer.status().as_u16() < 400 {
            return answer;
        }
        first.get_or_insert(answer);
    }
    first.unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}
