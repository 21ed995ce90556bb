//! Sessions as Salesforce issues them: connected apps, authorization codes with PKCE,
//! access tokens that expire, refresh tokens, revocation. The OAuth routes are `oauth.rs`; the
//! session store they and every API route read is `session.rs` at the crate's root (the org's
//! state holds it).

mod oauth;

pub use crate::session::{Auth, ConnectedApp, Session, TokenGrant};
pub use oauth::router;
pub(crate) use oauth::sid_cookie;
