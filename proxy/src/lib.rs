//! The Salesforce Pane proxy.
//!
//! It serves the built panel at `/plugin/` and the dev inbox at `/`, answers the panel's JSON
//! API under `/api/`, and talks to Salesforce for it: the embedded sandbox org by default
//! (started in-process on a loopback port), or a real org. [`app`] builds the whole router
//! with its layers, for [`run`] and for in-process tests.

pub mod cache;
pub mod clock;
pub mod config;
pub mod conversation;
pub mod describe;
mod error;
pub mod gateway;
pub mod health;
pub mod json;
pub mod lookup;
pub mod metrics;
pub mod note_kinds;
pub mod notes;
pub mod oauth;
pub mod org;
pub mod panel;
pub mod quota;
pub mod records;
pub mod rules;
pub mod search;
pub mod secrets;
pub mod security;
pub mod services;
pub mod session;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod validate;
mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use pane_wire::api::{Backend, Health};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use error::{ProxyError, StartupError};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Which Salesforce the proxy talks to.
    pub backend: Backend,
    /// Where the org opens in a browser.
    pub org_url: Arc<str>,
    /// Origins allowed to frame the panel: the configured hosts and this proxy's dev inbox.
    pub frame_ancestors: Arc<[String]>,
    /// The built panel.
    pub dist_dir: Arc<Path>,
    /// The dev inbox.
    pub www_dir: Arc<Path>,
    /// Front's `auth_secret`, when configured.
    pub host_secret: Option<config::Secret>,
    /// This proxy's own origins, where the panel runs: the public URL's, else its loopback
    /// names.
    pub panel_origins: Arc<[String]>,
    /// `--public-url`: the base of the OAuth callback and every link the proxy makes.
    pub public_url: Option<config::PublicUrl>,
    /// Database, sealer, connected app.
    pub services: services::Services,
    /// Per-agent Salesforce clients (one token single-flight per agent).
    pub clients: gateway::ClientPool,
    /// Panels, describes and converted statuses.
    pub panel_cache: cache::PanelCache,
    /// Configured admins (logins or emails).
    pub admins: Arc<[String]>,
    /// Org settings, briefly.
    pub settings_cache: org::SettingsCache,
    /// The rule workers' wake-up call.
    pub rules: RulesState,
    /// At the quota's last reserve, how old the org's usage may be before one request asks
    /// again (ms).
    pub quota_probe_ms: i64,
    /// How long a note create's claim is held before another attempt of its key takes it
    /// over (seconds): longer than a Salesforce call may take.
    pub note_lease_secs: i64,
    /// Which kind of notes each org keeps, as learned.
    pub note_kinds: note_kinds::NoteKinds,
    /// What `/metrics` serves.
    pub metrics: metrics::Metrics,
    /// The last check of Salesforce's reachability (`/api/health/ready`).
    pub readiness: health::Readiness,
}

/// What the rule intake and worker share (each org's webhook secrets are in the database:
/// see `rules::tenant`).
#[derive(Debug, Clone)]
pub struct RulesState {
    /// Wakes the workers when a job is queued.
    pub wake: Arc<tokio::sync::Notify>,
    /// The orgs this process's workers are gathering (a job one of them will take needs no
    /// other worker woken).
    pub gatherers: Arc<rules::gatherer::Gatherers>,
    /// The intakes read lately, by key (see `rules::tenant::INTAKE_TTL`).
    pub intakes: rules::tenant::IntakeCache,
}

impl AppState {
    /// The state for `config`, once the proxy knows the `port` it listens on.
    pub fn new(
        config: &Config,
        port: u16,
        backend: Backend,
        org_url: &str,
        services: services::Services,
    ) -> Result<AppState, StartupError> {
        let mut ancestors = config
            .host_origins
            .iter()
            .map(|o| security::validate_origin(o.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        // The dev inbox is served from here: at the public URL when there is one (never from a
        // name a request says), else under either loopback name.
        let scheme = if config.tls_cert.is_some() {
            "https"
        } else {
            "http"
        };
        let own = match &config.public_url {
            Some(public) => vec![public.origin().to_owned()],
            None => vec![
                format!("{scheme}://127.0.0.1:{port}"),
                format!("{scheme}://localhost:{port}"),
            ],
        };
        ancestors.extend(own.iter().cloned());
        let panel_cache = cache::PanelCache::new(
            Duration::from_secs(config.panel_cache_secs),
            Duration::from_secs(config.describe_fresh_secs),
        )
        .shared_through(&services.db, &services.sealer);
        let metrics = metrics::Metrics::new(config.metrics_token.clone());
        Ok(AppState {
            backend,
            org_url: org_url.into(),
            frame_ancestors: ancestors.into(),
            dist_dir: config.dist_dir.clone().into(),
            www_dir: config.www_dir.clone().into(),
            host_secret: config.host_secret.clone(),
            panel_origins: own.into(),
            public_url: config.public_url.clone(),
            services,
            clients: gateway::ClientPool::default().observed(metrics.salesforce_observer()),
            panel_cache,
            admins: config.admins.clone().into(),
            settings_cache: org::cache(),
            quota_probe_ms: i64::try_from(config.quota_probe_secs.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            rules: RulesState {
                wake: Arc::new(tokio::sync::Notify::new()),
                gatherers: Arc::default(),
                intakes: rules::tenant::intake_cache(),
            },
            note_lease_secs: i64::try_from(config.salesforce_timeout_secs)
                .unwrap_or(i64::MAX / 2)
                .saturating_add(5),
            note_kinds: note_kinds::NoteKinds::default(),
            metrics,
            readiness: health::Readiness::default(),
        })
    }
}

/// The database, for handlers that need nothing else of the state.
impl axum::extract::FromRef<AppState> for store::Db {
    fn from_ref(state: &AppState) -> store::Db {
        state.services.db.clone()
    }
}

/// The cached panels, describes and converted statuses.
impl axum::extract::FromRef<AppState> for cache::PanelCache {
    fn from_ref(state: &AppState) -> cache::PanelCache {
        state.panel_cache.clone()
    }
}

impl AppState {
    /// The proxy's health as `GET /api/health` answers it (and `GET /api/me` beside who is
    /// linked): it is up, its version, and the Salesforce it talks to.
    pub fn health(&self) -> Health {
        Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            backend: self.backend,
            org_url: self.org_url.to_string(),
        }
    }

    /// The OAuth `redirect_uri` for a link started by the panel at `panel_origin` (one of
    /// [`AppState::panel_origins`]): the public URL's callback, else the panel's own loopback
    /// name's, so the popup comes back where the panel is.
    pub fn redirect_uri(&self, panel_origin: &str) -> String {
        match &self.public_url {
            Some(public) => format!("{}/oauth/callback", public.origin()),
            None => format!("{panel_origin}/oauth/callback"),
        }
    }
}

/// The whole proxy: every feature's routes and the layers around them.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(oauth::router())
        .merge(panel::router())
        .merge(records::router())
        .merge(conversation::router())
        .merge(notes::router())
        .merge(settings::router())
        .merge(describe::router())
        .merge(search::router())
        .merge(quota::router())
        .merge(rules::intake::router())
        .merge(rules::audit::router())
        .merge(rules::tenant::router())
        .merge(rules::intake::dev_router(&state))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(security::API_CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let https = state
        .public_url
        .as_ref()
        .is_some_and(config::PublicUrl::is_https);
    let observed = state.metrics.clone();
    let mut router = api
        .merge(metrics::router())
        .merge(web::router(&state))
        .with_state(state);
    // `if_not_present`: a page may set its own (the OAuth callback keeps its opener).
    for (name, value) in web::common_headers() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    if https {
        // Browsers reach the proxy only over https: they keep to it.
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn_with_state(
            observed,
            metrics::observe,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(axum::middleware::from_fn(telemetry::request_id))
}

async fn api_not_found(uri: axum::http::Uri) -> impl IntoResponse {
    ProxyError::NotFound(uri.path().to_owned())
}

/// Starts the embedded sandbox org, binds the proxy, and serves until `shutdown` resolves.
/// Logs the dev inbox's URL once listening.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let listener = TcpListener::bind(SocketAddr::new(config.bind, config.port))
        .await
        .map_err(StartupError::Listen)?;
    serve(listener, config, shutdown).await
}

/// Serves on an already-bound listener (tests bind port 0 and read the address first): plain
/// HTTP, or HTTPS with `--tls-cert`/`--tls-key`.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let addr = listener.local_addr().map_err(StartupError::Listen)?;
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        (None, None) => None,
        _ => {
            return Err(StartupError::Tls(
                "--tls-cert and --tls-key go together: give both or neither".into(),
            ));
        }
    };
    if tls.is_some()
        && let Some(public) = config.public_url.as_ref().filter(|p| !p.is_https())
    {
        return Err(StartupError::Tls(format!(
            "--public-url {public} is http:// but --tls-cert makes the proxy serve https://"
        )));
    }
    let (sandbox, connected_app, backend) = match (
        &config.salesforce_login_url,
        &config.salesforce_client_id,
        &config.salesforce_client_secret,
    ) {
        (Some(login_url), Some(client_id), Some(client_secret)) => (
            None,
            pane_salesforce::oauth::ConnectedApp {
                login_url: login_url.trim_end_matches('/').to_owned(),
                client_id: client_id.clone(),
                client_secret: pane_salesforce::oauth::Secret::new(client_secret.expose()),
                version: config.salesforce_api_version.clone(),
            },
            Backend::Salesforce,
        ),
        _ => {
            let sandbox = start_sandbox(&config).await?;
            let demo = pane_sandbox::state::demo_app();
            let demo_app = pane_salesforce::oauth::ConnectedApp {
                login_url: sandbox.base_url(),
                client_id: demo.client_id,
                client_secret: pane_salesforce::oauth::Secret::new(demo.client_secret),
                version: config.salesforce_api_version.clone(),
            };
            (Some(sandbox), demo_app, Backend::Sandbox)
        }
    };
    let org_url = format!("{}/", connected_app.login_url);
    let services = services::Services::new(&config, connected_app).await?;
    let state = AppState::new(&config, addr.port(), backend, &org_url, services)?;
    rules::batch::spawn(
        &state,
        config.rule_workers,
        i64::try_from(config.rule_lease_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
        rules::gather::Window::from_ms(config.rule_gather_ms, config.rule_gather_quiet_ms),
    );
    let base = match &config.public_url {
        Some(public) => public.origin().to_owned(),
        None if tls.is_some() => format!("https://{addr}"),
        None => format!("http://{addr}"),
    };
    tracing::info!(
        url = %format!("{base}/"),
        panel = %format!("{base}/plugin/"),
        listening = %addr,
        tls = tls.is_some(),
        "Salesforce Pane proxy listening; open the dev inbox at the url"
    );
    let app = app(state);
    pane_sandbox::tls::serve(listener, addr, tls, app, shutdown)
        .await
        .map_err(StartupError::Serve)?;
    if let Some(sandbox) = sandbox {
        sandbox.shutdown();
    }
    tracing::info!("proxy stopped");
    Ok(())
}

/// Starts the embedded sandbox org on a loopback port.
async fn start_sandbox(config: &Config) -> Result<pane_sandbox::Sandbox, StartupError> {
    let mut sandbox_config = pane_sandbox::SandboxConfig::default();
    if !config.sandbox_memory {
        if let Some(dir) = config
            .sandbox_database
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(StartupError::Folder)?;
        }
        sandbox_config.org.database = Some(config.sandbox_database.clone());
    }
    if let Some(public) = &config.public_url {
        // Its connected app takes the public callback too, as a real org's would be told.
        let callback = format!("{}/oauth/callback", public.origin());
        for app in &mut sandbox_config.apps {
            app.redirect_uris.push(callback.clone());
        }
    }
    let sandbox =
        pane_sandbox::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), sandbox_config).await?;
    tracing::info!(url = %sandbox.base_url(), "embedded sandbox org started");
    Ok(sandbox)
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before the proxy exits.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
