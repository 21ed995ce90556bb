//! The embedded sandbox org: a Salesforce-compatible server on a loopback port.
//!
//! It speaks the subset of Salesforce's APIs the product uses (REST, SOQL and SOSL subsets,
//! describes, OAuth, limits), as Salesforce speaks it, over records kept in SQLite. [`app`]
//! is its router (tested in-process); [`spawn`] binds it to a port and serves it in the
//! background until the returned [`Sandbox`] is shut down or dropped. The proxy uses it as
//! its default backend, and every test runs against it over real HTTP.

pub mod auth;
pub mod control;
pub mod demo;
pub mod engine;
pub mod error;
pub mod id;
pub mod keys;
pub mod notes;
pub mod org;
pub mod orgs;
pub mod pages;
pub mod quota;
pub mod records;
pub mod refusals;
pub mod rest;
pub mod schema;
pub mod semijoin;
pub mod session;
pub mod soap;
pub mod soql;
pub mod state;
pub mod store;
pub mod strict;
pub mod subrequest;
pub mod time;
pub mod tls;
pub mod trace;

use std::net::SocketAddr;

use axum::{Json, Router, middleware, routing::get};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

pub use orgs::{Orgs, spawn_orgs};
pub use state::{SandboxConfig, SandboxState};

/// The sandbox org's errors.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The record store failed (SQLite).
    #[error("storage: {0}")]
    Storage(String),
    /// The built-in schema or a custom field's configuration is invalid.
    #[error("schema: {0}")]
    Schema(String),
    /// The listening socket could not be bound or read (the proxy reports it at startup).
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// HTTPS cannot be served: the certificate or key (which, and why), or the host split on
    /// an address that is not loopback.
    #[error("TLS: {0}")]
    Tls(String),
}

/// `GET /health`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `"ok"`.
    pub status: String,
    /// What this server is: `"sandbox-org"`.
    pub kind: String,
}

/// The sandbox org's routes over `state`.
pub fn app(state: SandboxState) -> Router {
    let router = Router::new()
        .route("/health", get(health))
        .merge(pages::router())
        .merge(rest::router())
        .merge(auth::router())
        .merge(control::router())
        .merge(soap::router())
        .fallback(rest::unknown_resource)
        .method_not_allowed_fallback(rest::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rest::limit_info,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), rest::faults))
        .layer(middleware::from_fn(strict::uri_length))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            strict::api_on_instance,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            strict::record,
        ))
        .layer(middleware::from_fn(trace::span))
        .with_state(state.clone());
    // Composite subrequests run through the same routes (set once per state).
    let _ = state.router.set(router.clone());
    router
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        kind: "sandbox-org".into(),
    })
}

/// A running sandbox org. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    login_url: String,
    instance_url: String,
    state: SandboxState,
    /// Dropped with the handle, which stops the server.
    _stop: oneshot::Sender<()>,
}

impl Sandbox {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, where clients start: `http://127.0.0.1:41234`, `https://...` when it
    /// serves TLS. With the host split this is the login URL (see [`Sandbox::instance_url`]).
    pub fn base_url(&self) -> String {
        self.login_url.clone()
    }

    /// Where its REST and SOAP APIs answer (`instance_url`): the base URL, or
    /// `http(s)://localhost:<port>` with the host split.
    pub fn instance_url(&self) -> String {
        self.instance_url.clone()
    }

    /// Its state (the org, tokens, allowance), for tests and tools in the same process.
    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// Stops the server (in-flight requests finish first), as dropping it does.
    pub fn shutdown(self) {}
}

/// Binds `addr` (port 0 picks a free one) and serves a sandbox org set up by `config` in the
/// background: over HTTPS when `config.tls` is set, on two host names when
/// `config.split_hosts` is (which needs a loopback or unspecified `addr`).
pub async fn spawn(addr: SocketAddr, config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    let tls = config
        .tls
        .as_ref()
        .map(tls::TlsIdentity::server_config)
        .transpose()?;
    if config.split_hosts && !(addr.ip().is_loopback() || addr.ip().is_unspecified()) {
        return Err(SandboxError::Tls(format!(
            "the host split names the org 127.0.0.1 and localhost, which {} is not: bind a loopback address",
            addr.ip()
        )));
    }
    let (listener, addr) = tls::bind(addr).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (login_url, instance_url) = if config.split_hosts {
        (
            format!("{scheme}://127.0.0.1:{}", addr.port()),
            format!("{scheme}://localhost:{}", addr.port()),
        )
    } else {
        (format!("{scheme}://{addr}"), format!("{scheme}://{addr}"))
    };
    let state = SandboxState::new(config)?;
    if let (Ok(mut base), Ok(mut login)) = (state.base_url.lock(), state.login_url.lock()) {
        base.clone_from(&instance_url);
        login.clone_from(&login_url);
    }
    strict::register(&state);
    let router = app(state.clone());
    let stop = tls::serve_in_background(listener, addr, tls, router, "sandbox org");
    tracing::info!(%addr, login = %login_url, instance = %instance_url, "sandbox org listening");
    Ok(Sandbox {
        addr,
        login_url,
        instance_url,
        state,
        _stop: stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// `GET path` on a new default org, in process: the status and the body.
    async fn get(path: &str) -> (StatusCode, Vec<u8>) {
        let res = app(SandboxState::new(SandboxConfig::default()).unwrap())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, body.to_vec())
    }

    #[tokio::test]
    async fn health_answers_in_process() {
        let (status, body) = get("/health").await;
        assert_eq!(status, StatusCode::OK);
        let health: Health = serde_json::from_slice(&body).unwrap();
        assert_eq!(health.status, "ok");
        assert_eq!(health.kind, "sandbox-org");
    }

    #[tokio::test]
    async fn home_page_names_the_org() {
        let (status, body) = get("/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&body).contains("sandbox org"));
    }

    #[tokio::test]
    async fn unknown_path_is_404() {
        assert_eq!(get("/nope").await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn binding_a_taken_port_is_a_clear_error() {
        let first = spawn("127.0.0.1:0".parse().unwrap(), SandboxConfig::default())
            .await
            .unwrap();
        let err = spawn(first.addr(), SandboxConfig::default())
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("could not listen on"), "{err}");
    }
}
