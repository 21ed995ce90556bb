//! Sessions as Salesforce issues them: connected apps, authorization codes with PKCE,
//! access tokens that expire, refresh tokens, revocation.

mod oauth;
mod session;

pub use oauth::router;
pub use session::{Auth, ConnectedApp, Session, TokenGrant};
