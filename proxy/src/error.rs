//! The proxy's errors: [`ProxyError`], what a request can end with, answered in one JSON
//! shape; and [`StartupError`], why the proxy could not start (or stopped serving).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pane_wire::api::ApiError;

/// Everything that can go wrong in the proxy.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// 404: no such API route.
    #[error("no such API route: {0}")]
    NotFound(String),
    /// 410: a URL that no longer serves; says which does.
    #[error("{0}")]
    Gone(&'static str),
    /// 400: the request cannot be answered as asked.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid panel session.
    #[error("Sign in to Salesforce from the panel.")]
    Unauthorized,
    /// 401 `relink`: Salesforce refused the link's refresh token (revoked, expired, the user
    /// deactivated): the agent links again. Says why.
    #[error("Salesforce ended this link ({0}). Link Salesforce again.")]
    Relink(String),
    /// 401: a webhook's signature or timestamp is wrong.
    #[error("{0}")]
    BadSignature(&'static str),
    /// 503: a feature is not configured.
    #[error("{0}")]
    NotConfigured(&'static str),
    /// 403: the call is for admins.
    #[error("Only an admin can do this.")]
    Forbidden,
    /// 403: a browser request that is not the panel's own (another site's form, image or
    /// `no-cors` fetch; see `session::guard`).
    #[error("{0}")]
    CrossSite(&'static str),
    /// 403: an admin turned the integration off.
    #[error("The Salesforce integration is turned off in the settings.")]
    Disabled,
    /// 429: the API quota is at its last reserve and this sender is not cached.
    #[error(
        "Salesforce's API allowance is at its last reserve: only records already seen are shown until it resets."
    )]
    QuotaReserve,
    /// 400: Salesforce refused the data (validation); `fields` names what to fix.
    #[error("{message}")]
    Rejected {
        /// Salesforce's message.
        message: String,
        /// The fields it is about.
        fields: Vec<String>,
    },
    /// 409: the record changed in Salesforce since it was loaded.
    #[error("The record changed in Salesforce since it was loaded.")]
    Conflict {
        /// The record as it is now.
        current: serde_json::Value,
    },
    /// 409: the org has no enhanced notes (ContentNote), or the agent cannot read them.
    #[error("Notes are not available in this org.")]
    NotesUnavailable,
    /// 429: the org's daily API allowance is spent.
    #[error("Salesforce's daily API allowance is spent; records show again when it resets.")]
    QuotaSpent,
    /// 502: Salesforce could not be reached or refused (its own words are logged, never sent).
    #[error("Salesforce: {0}")]
    Upstream(#[source] pane_salesforce::Error),
    /// 502: Salesforce's TLS certificate is not trusted (whose, why, and what to set): said to
    /// the agent as it is, since only configuration fixes it.
    #[error("{0}")]
    Untrusted(String),
    /// 500: the proxy's database failed.
    #[error("database: {0}")]
    Database(String),
    /// 500: a database query failed (`?` on any sqlx call).
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// 500: a secret could not be sealed or opened, or the key is unusable.
    #[error("secret store: {0}")]
    Secret(String),
}

/// Why the proxy could not start, or stopped serving: for `main` (and tests that start it),
/// never a request's answer.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A host origin in the configuration cannot go into a CSP.
    #[error(
        "invalid host origin {0:?}: expected scheme://host[:port], '*.' allowed at the start of the host"
    )]
    BadOrigin(String),
    /// The listening socket.
    #[error("could not listen: {0}")]
    Listen(#[source] std::io::Error),
    /// A folder (the database's, the embedded sandbox org's) could not be made.
    #[error("could not prepare the sandbox org's folder: {0}")]
    Folder(#[source] std::io::Error),
    /// The embedded sandbox org.
    #[error(transparent)]
    Sandbox(#[from] pane_sandbox::SandboxError),
    /// Serving stopped with an I/O error.
    #[error("server error: {0}")]
    Serve(#[source] std::io::Error),
    /// `--tls-cert`/`--tls-key`, or the CA store for calls to Salesforce, cannot be used
    /// (which file, and why).
    #[error("TLS: {0}")]
    Tls(String),
    /// The database or the encryption key.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
}

impl ProxyError {
    fn status(&self) -> StatusCode {
        match self {
            ProxyError::NotFound(_) => StatusCode::NOT_FOUND,
            ProxyError::Gone(_) => StatusCode::GONE,
            ProxyError::BadRequest(_) | ProxyError::Rejected { .. } => StatusCode::BAD_REQUEST,
            ProxyError::Conflict { .. } | ProxyError::NotesUnavailable => StatusCode::CONFLICT,
            ProxyError::Unauthorized | ProxyError::Relink(_) | ProxyError::BadSignature(_) => {
                StatusCode::UNAUTHORIZED
            }
            ProxyError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::Forbidden | ProxyError::Disabled | ProxyError::CrossSite(_) => {
                StatusCode::FORBIDDEN
            }
            ProxyError::QuotaReserve => StatusCode::TOO_MANY_REQUESTS,
            ProxyError::QuotaSpent => StatusCode::TOO_MANY_REQUESTS,
            ProxyError::Upstream(_) | ProxyError::Untrusted(_) => StatusCode::BAD_GATEWAY,
            ProxyError::Secret(_) | ProxyError::Database(_) | ProxyError::Sql(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ProxyError::NotFound(_) => "not_found",
            ProxyError::Gone(_) => "gone",
            ProxyError::BadRequest(_) => "bad_request",
            ProxyError::Rejected { .. } => "rejected",
            ProxyError::Conflict { .. } => "conflict",
            ProxyError::NotesUnavailable => "notes_unavailable",
            ProxyError::Unauthorized => "unauthorized",
            ProxyError::Relink(_) => "relink",
            ProxyError::BadSignature(_) => "bad_signature",
            ProxyError::NotConfigured(_) => "not_configured",
            ProxyError::Forbidden => "forbidden",
            ProxyError::Disabled => "disabled",
            ProxyError::CrossSite(_) => "cross_site",
            ProxyError::QuotaReserve => "quota_reserve",
            ProxyError::QuotaSpent => "quota_spent",
            ProxyError::Upstream(_) => "salesforce_unavailable",
            ProxyError::Untrusted(_) => "salesforce_untrusted",
            ProxyError::Secret(_) | ProxyError::Database(_) | ProxyError::Sql(_) => "internal",
        }
    }
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let status = self.status();
        // Server-side failures are logged in full and answered without details.
        let message = if let ProxyError::Upstream(detail) = &self {
            // Salesforce's own words may carry URLs or ids: logged, and the agent told plainly
            // whose fault it is.
            tracing::warn!(%detail, "Salesforce could not answer");
            "Salesforce could not be reached or did not answer properly; try again in a moment."
                .to_owned()
        } else if let ProxyError::Untrusted(detail) = &self {
            tracing::warn!(%detail, "Salesforce's certificate is not trusted");
            format!("Salesforce could not be reached: {detail}.")
        } else if status.is_server_error() && !matches!(self, ProxyError::NotConfigured(_)) {
            tracing::error!(err = %self, "request failed");
            "The proxy could not answer; try again.".to_owned()
        } else {
            self.to_string()
        };
        let code = self.code().to_owned();
        let (fields, current) = match self {
            ProxyError::Rejected { fields, .. } => (fields, None),
            ProxyError::Conflict { current } => (Vec::new(), Some(current)),
            _ => (Vec::new(), None),
        };
        let body = ApiError {
            code,
            message,
            fields,
            current,
        };
        (status, Json(body)).into_response()
    }
}
