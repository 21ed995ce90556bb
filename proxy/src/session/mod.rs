//! Who a request acts for: the agent behind the panel's session cookie, and only when the
//! request is the panel's own ([`guard`]). The session itself is made by the OAuth link
//! (`crate::oauth`) and kept as [`cookie`] describes.

pub mod cookie;
pub mod guard;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::store::Link;
use crate::{AppState, ProxyError};

/// What `headers` say about where a request came from, its marker in the header `marker`. An
/// `Origin` that is not text is kept (as one no page has), so it never passes for absent.
pub fn provenance<'a>(headers: &'a HeaderMap, marker: &str) -> guard::Provenance<'a> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    guard::Provenance {
        fetch_site: text("sec-fetch-site"),
        origin: headers
            .get(header::ORIGIN)
            .map(|v| v.to_str().unwrap_or_default()),
        marker: text(marker),
    }
}

/// Refuses a browser request that is not the panel's own (see [`guard::check`]).
pub fn own_request(state: &AppState, headers: &HeaderMap) -> Result<(), ProxyError> {
    guard::check(provenance(headers, guard::MARKER), &state.panel_origins)
        .map_err(ProxyError::CrossSite)
}

/// A request that is the panel's own (see [`guard::check`]), for routes that act for a
/// browser before anyone is signed in. As an extractor it runs before the body is read.
#[derive(Debug, Clone, Copy)]
pub struct Own;

impl FromRequestParts<AppState> for Own {
    type Rejection = ProxyError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        own_request(state, &parts.headers).map(|()| Own)
    }
}

/// The agent behind a request's session cookie.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their link.
    pub link: Link,
}

impl Agent {
    /// The agent behind `headers`' session cookie, for a request that is the panel's own.
    /// A request without a session cookie is simply not signed in (401); one with it must be
    /// the panel's own (403 otherwise), since a browser attaches the cookie to any site's
    /// requests.
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> Result<Agent, ProxyError> {
        let tokens = cookie::sessions(headers);
        if tokens.is_empty() {
            return Err(ProxyError::Unauthorized);
        }
        own_request(state, headers)?;
        for token in tokens {
            if let Some(link) = state.services.db.session_link(&token).await? {
                return Ok(Agent { link });
            }
        }
        Err(ProxyError::Unauthorized)
    }

    /// The agent behind `headers`' session cookie, if the browser has a linked session: `None`
    /// without one (no cookie, or one no link holds any more), refused as
    /// [`Agent::from_headers`] refuses a cookie on a request that is not the panel's own. For
    /// `GET /api/me`, which answers a browser that is not linked too.
    pub async fn linked(
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<Option<Agent>, ProxyError> {
        match Agent::from_headers(state, headers).await {
            Ok(agent) => Ok(Some(agent)),
            Err(ProxyError::Unauthorized) => Ok(None),
            Err(err) => Err(err),
        }
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
