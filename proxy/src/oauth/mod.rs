//! Linking an agent's Salesforce login: the web-server flow with PKCE and `state`, bound at
//! both ends so a link yields a session only to the panel that started it, in the browser
//! that completed it.
//!
//! 1. The panel starts a link (`POST /api/oauth/start`, [`start`]): it gets the link's id `tx`,
//!    a redeem secret it keeps in memory, and the URL of `/oauth/begin?tx=…`.
//! 2. The host opens that URL in a popup. `/oauth/begin` binds the link to this browser (an
//!    `HttpOnly` cookie; a link is begun once) and redirects to Salesforce.
//! 3. Salesforce redirects to `/oauth/callback` ([`callback`]). The callback refuses a browser
//!    without the link's binding cookie, exchanges the code, stores the sealed tokens, makes a
//!    session, and posts a one-time code to the panel-origin frames of the window that opened
//!    the popup. It also keeps the session in its own (first-party) cookie.
//! 4. The panel redeems (`POST /api/oauth/redeem`, [`redeem`]) with its secret and the code:
//!    the answer sets the session cookie (`HttpOnly`, `Partitioned`). Whoever started a link
//!    another browser completed holds the secret but never the code: they get nothing.
//!
//! Every route acting for a browser refuses requests that are not the panel's own
//! (`session::guard`).

mod callback;
mod redeem;
mod start;

use axum::Router;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::AppState;

/// How long a panel session lasts, in seconds (30 days).
pub const SESSION_TTL_SECS: i64 = 30 * 24 * 3600;

/// The OAuth and identity routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/oauth/start", post(start::start))
        .route("/oauth/begin", get(start::begin))
        .route("/oauth/callback", get(callback::callback))
        .route("/api/oauth/redeem", post(redeem::redeem))
        .route("/api/oauth/status", post(redeem::status))
        .route("/api/me", get(redeem::me))
        .route("/api/oauth/unlink", post(redeem::unlink))
        .route(
            "/api/admin/integration",
            get(redeem::integration).delete(redeem::unlink_integration),
        )
}

/// `bytes` random bytes, base64url.
fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}
