//! Builds a proxy over temporary `dist/` and `www/` folders.

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use pane_proxy::services::Services;
use pane_proxy::{AppState, Config, StartupError, app};
use pane_salesforce::oauth::ConnectedApp;
use pane_wire::api::Backend;
use tower::ServiceExt;

/// A Trunk-like `index.html`, with one inline start-up script.
pub const PANEL_HTML: &str = "<!doctype html><html><head>\
<script type=\"module\">import init from '/plugin/panel.js';await init();</script>\
</head><body></body></html>";

/// Temporary folders that live as long as the test.
pub struct TestApp {
    pub router: Router,
    _dirs: tempfile::TempDir,
}

pub fn test_config(root: &std::path::Path) -> Config {
    Config::for_dirs(root.join("dist"), root.join("www"))
}

/// Services over an in-memory database, for a Salesforce at `login_url`.
pub async fn test_services(config: &Config, login_url: &str) -> Services {
    let demo = pane_sandbox::state::demo_app();
    let app = ConnectedApp {
        login_url: login_url.into(),
        client_id: demo.client_id,
        client_secret: pane_salesforce::oauth::Secret::new(demo.client_secret),
        version: "59.0".into(),
    };
    Services::new(config, app).await.unwrap()
}

/// The proxy's state over `config` on `port`, its org at `http://127.0.0.1:4000/` and its
/// Salesforce login nowhere: what `AppState::new` makes of that config.
pub async fn test_state(
    config: &Config,
    port: u16,
    backend: Backend,
) -> Result<AppState, StartupError> {
    let services = test_services(config, "http://127.0.0.1:1").await;
    AppState::new(config, port, backend, "http://127.0.0.1:4000/", services)
}

/// The proxy's app over `config` on port 1 with the sandbox org.
pub async fn test_router(config: &Config) -> Router {
    app(test_state(config, 1, Backend::Sandbox).await.unwrap())
}

/// The panel's script in the test sites (long enough to be worth compressing).
pub const PANEL_JS: &str =
    "export default function init() { return 'Salesforce Pane, a panel for the inbox'; }";

/// A proxy app whose `dist/` holds a panel and whose `www/` holds a dev inbox page.
pub async fn test_app() -> TestApp {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let config = test_config(dirs.path());
    let state = test_state(&config, 8080, Backend::Sandbox).await.unwrap();
    TestApp {
        router: app(state),
        _dirs: dirs,
    }
}

/// [`test_app`] with one org's rule intake, as the org's first link makes it (the dev inbox
/// fires rules for that org).
pub async fn test_app_with_org() -> TestApp {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let config = test_config(dirs.path());
    let state = test_state(&config, 8080, Backend::Sandbox).await.unwrap();
    pane_proxy::rules::tenant::ensure(&state.services, "00DPa0000000001AAA")
        .await
        .unwrap();
    TestApp {
        router: app(state),
        _dirs: dirs,
    }
}

pub fn write_sites(root: &std::path::Path) {
    let dist: PathBuf = root.join("dist");
    let www: PathBuf = root.join("www");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(dist.join("index.html"), PANEL_HTML).unwrap();
    std::fs::write(dist.join("panel.js"), PANEL_JS).unwrap();
    std::fs::write(
        www.join("index.html"),
        "<!doctype html><title>Dev inbox</title>",
    )
    .unwrap();
}

impl TestApp {
    pub async fn get(&self, uri: &str) -> Response<Body> {
        get(&self.router, uri).await
    }
}

/// `GET uri` from `router`, in-process.
pub async fn get(router: &Router, uri: &str) -> Response<Body> {
    get_accepting(router, uri, None).await
}

/// `GET uri` from `router`, in-process, from a browser that accepts `encoding` (`None`: that
/// says nothing of it).
pub async fn get_accepting(router: &Router, uri: &str, encoding: Option<&str>) -> Response<Body> {
    let mut request = Request::get(uri);
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    let request = request.body(Body::empty()).unwrap();
    router.clone().oneshot(request).await.unwrap()
}

pub async fn body_text(res: Response<Body>) -> String {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

pub fn header<'a>(res: &'a Response<Body>, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

pub use crate::login::login_on_page;

/// Sends every log line of this test binary (debug and up) to one buffer, installed once as
/// the global subscriber: lines from every thread and task are kept (a per-thread subscriber
/// missed lines whose callsites another thread had cached as uninteresting). Assertions that a
/// secret is absent are stricter over everything; the guard is kept for the callers' shape.
pub fn capture_logs() -> (Logs, ()) {
    static LOGS: std::sync::OnceLock<Logs> = std::sync::OnceLock::new();
    let logs = LOGS
        .get_or_init(|| {
            let logs = Logs::default();
            let writer = logs.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            logs
        })
        .clone();
    (logs, ())
}

/// Collects log output in memory, to assert on what was (and was not) logged.
#[derive(Clone, Default)]
pub struct Logs(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Fails the test when it ends if the sandbox org it watches refused a request by one of
/// Salesforce's documented rules (`sandbox/RULES.md`): whatever the proxy sends must be what
/// Salesforce would take. Watches the org at a base URL (the proxy's embedded one); a guard
/// that watches nothing checks nothing.
#[derive(Default)]
pub struct StrictCheck(Option<std::sync::Arc<pane_sandbox::strict::Refusals>>);

impl StrictCheck {
    /// Watches the org served by this process at `base_url`.
    pub fn watch(base_url: &str) -> StrictCheck {
        StrictCheck(pane_sandbox::strict::refusals_at(base_url))
    }

    /// Whether it watches an org yet.
    pub fn is_watching(&self) -> bool {
        self.0.is_some()
    }
}

impl Drop for StrictCheck {
    fn drop(&mut self) {
        // A test already failing says why itself.
        if std::thread::panicking() {
            return;
        }
        let Some(log) = &self.0 else { return };
        let refused = log.list();
        let lines: Vec<String> = refused
            .iter()
            .map(|r| {
                format!(
                    "  {} {} {} -> {} {} {}",
                    r.rule, r.method, r.url, r.status, r.error_code, r.message
                )
            })
            .collect();
        assert!(
            refused.is_empty(),
            "the sandbox org refused {} request(s) the proxy sent, as Salesforce would (sandbox/RULES.md):\n{}",
            refused.len(),
            lines.join("\n")
        );
    }
}

/// An answer's status and JSON body (`null` when it has none).
pub async fn json_of(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}
