//! What every handler of the sandbox org reaches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::SandboxError;
use crate::org::{Org, OrgSettings};
use crate::quota::Quota;
use crate::session::{Auth, ConnectedApp};

/// The newest API version; `latest` means it.
pub const LATEST_VERSION: u32 = 66;
/// The oldest API version served.
pub const OLDEST_VERSION: u32 = 31;

/// Everything the sandbox org is told at startup.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The org's records and settings.
    pub org: OrgSettings,
    /// Connected apps.
    pub apps: Vec<ConnectedApp>,
    /// How long access tokens last.
    pub token_ttl: Duration,
    /// The daily API allowance.
    pub daily_requests: u64,
    /// Serve HTTPS with this certificate, as Salesforce is served; plain HTTP when `None`.
    pub tls: Option<crate::tls::TlsIdentity>,
    /// Answer as a My Domain org does: the login URL on `127.0.0.1`, the token answer's
    /// `instance_url` (the REST and SOAP APIs) on `localhost`, the identity URL (`id`) on the
    /// login host. Both names reach the one listener; the APIs refuse the login host.
    pub split_hosts: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            org: crate::demo::settings(),
            apps: vec![demo_app()],
            token_ttl: Duration::from_secs(2 * 60 * 60),
            daily_requests: 15_000,
            tls: None,
            split_hosts: false,
        }
    }
}

/// The demo connected app, also printed at start and in the README.
pub fn demo_app() -> ConnectedApp {
    ConnectedApp {
        client_id: "pane-sandbox-demo-client".into(),
        client_secret: "pane-sandbox-demo-secret".into(),
        redirect_uris: vec![
            "http://127.0.0.1:*/oauth/callback".into(),
            "http://localhost:*/oauth/callback".into(),
            "http://127.0.0.1:*/oauth2/callback".into(),
            "http://localhost:*/oauth2/callback".into(),
            // A proxy serving HTTPS itself on loopback (`--tls-cert`, `--public-url
            // https://localhost:PORT`).
            "https://127.0.0.1:*/oauth/callback".into(),
            "https://localhost:*/oauth/callback".into(),
        ],
    }
}

/// Faults injected through the control path, for tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every API answer, in ms.
    pub latency_ms: u64,
    /// The next this-many API requests answer `fail_status`.
    pub fail_next: u32,
    /// The status of those failures (503 if unset).
    pub fail_status: Option<u16>,
    /// The next this-many API requests have their connection dropped mid-answer.
    pub drop_next: u32,
    /// The next this-many API requests answer 200 with a body that is not JSON.
    pub malformed_next: u32,
    /// The next this-many API requests (of `after_method` when set) are carried out, then
    /// their connection is dropped before the answer: the write happened, the client never
    /// hears of it.
    pub drop_after_next: u32,
    /// The next this-many API requests (of `after_method` when set) are carried out, then
    /// their answer waits `hang_ms` (a client timing out after sending).
    pub hang_after_next: u32,
    /// How long a hung answer waits, in ms (60 s if unset).
    pub hang_ms: Option<u64>,
    /// Only requests with this method (`POST`, `PATCH`) take `drop_after_next`/`hang_after_next`.
    pub after_method: Option<String>,
    /// Only requests whose path holds this (`/sobjects/Lead`, `/services/Soap`) take them.
    pub after_path: Option<String>,
    /// How many requests the latency was added to since the faults were set (read back).
    #[serde(skip)]
    pub delayed: u64,
}

/// How long unread pages of a query wait for their `nextRecordsUrl` (Salesforce: 15 minutes).
const CURSOR_TTL: Duration = Duration::from_secs(15 * 60);

/// A query's rows kept behind its locator, with the batch size it was asked with.
#[derive(Debug, Clone)]
pub struct Cursor {
    /// Every row of the query, in order.
    pub rows: std::sync::Arc<Vec<Value>>,
    /// The batch size of its first page.
    pub batch: usize,
}

/// Query cursors for `nextRecordsUrl`: a locator names one query's rows, which stay until
/// nobody read them for [`CURSOR_TTL`]. A page is read by its row offset, so asking the same
/// `nextRecordsUrl` twice answers the same rows (a client retrying a page skips none).
#[derive(Debug, Default)]
pub struct Cursors(HashMap<String, (std::time::Instant, Cursor)>);

impl Cursors {
    /// Keeps `rows` behind `locator`, dropping cursors nobody read in time.
    pub fn insert(&mut self, locator: String, rows: Vec<Value>, batch: usize) {
        let now = std::time::Instant::now();
        self.0
            .retain(|_, (at, _)| now.duration_since(*at) < CURSOR_TTL);
        self.0.insert(
            locator,
            (
                now,
                Cursor {
                    rows: std::sync::Arc::new(rows),
                    batch,
                },
            ),
        );
    }

    /// The cursor behind `locator`, its time renewed; `None` once expired or unknown.
    pub fn get(&mut self, locator: &str) -> Option<Cursor> {
        let now = std::time::Instant::now();
        let (at, cursor) = self.0.get_mut(locator)?;
        if now.duration_since(*at) >= CURSOR_TTL {
            self.0.remove(locator);
            return None;
        }
        *at = now;
        Some(cursor.clone())
    }
}

/// The shared state.
#[derive(Debug)]
pub struct Inner {
    /// The org.
    pub org: Org,
    /// Tokens.
    pub auth: Auth,
    /// The allowance.
    pub quota: Quota,
    /// Query cursors.
    pub cursors: Mutex<Cursors>,
    /// Injected faults.
    pub faults: Mutex<Faults>,
    /// The base URL clients reach this org's APIs at (`instance_url`).
    pub base_url: Mutex<String>,
    /// The login URL (OAuth, the identity URL): the base URL unless the hosts are split.
    pub login_url: Mutex<String>,
    /// The org's own routes, for composite subrequests.
    pub router: std::sync::OnceLock<axum::Router>,
    /// The requests refused by a strictness rule ([`crate::strict`]).
    pub refusals: Arc<crate::refusals::Refusals>,
    /// Held by an upsert from its match to its write: two upserts of one External ID value
    /// never both create (see `rest::rows::upsert`).
    pub upserts: tokio::sync::Mutex<()>,
}

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct SandboxState(pub Arc<Inner>);

impl std::ops::Deref for SandboxState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl SandboxState {
    /// Opens the org seeded with the demo data (`demo::open`) and sets up tokens and the
    /// allowance.
    pub fn new(config: SandboxConfig) -> Result<SandboxState, SandboxError> {
        let org = crate::demo::open(config.org)?;
        let org_id = org.org_id();
        Ok(SandboxState(Arc::new(Inner {
            auth: Auth::new(config.apps, config.token_ttl, &org_id),
            quota: Quota::new(config.daily_requests),
            cursors: Mutex::new(Cursors::default()),
            faults: Mutex::new(Faults::default()),
            base_url: Mutex::new("http://127.0.0.1".into()),
            login_url: Mutex::new("http://127.0.0.1".into()),
            router: std::sync::OnceLock::new(),
            refusals: Arc::default(),
            upserts: tokio::sync::Mutex::new(()),
            org,
        })))
    }

    /// The base URL (`instance_url`).
    pub fn base_url(&self) -> String {
        self.base_url.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// The login URL: the base URL, or the login host of a My Domain split.
    pub fn login_url(&self) -> String {
        self.login_url.lock().map(|b| b.clone()).unwrap_or_default()
    }

    /// The identity URL of a user, on the login host (as a My Domain org's token answer gives
    /// `https://login.salesforce.com/id/...` beside its own `instance_url`).
    pub fn identity_url(&self, user_id: &str) -> String {
        format!("{}/id/{}/{user_id}", self.login_url(), self.org.org_id())
    }
}

/// Reads `v59.0` or `latest` into `59.0`; `None` for a version this org does not serve.
pub fn api_version(text: &str) -> Option<String> {
    if text == "latest" {
        return Some(format!("{LATEST_VERSION}.0"));
    }
    let number = text
        .strip_prefix('v')?
        .strip_suffix(".0")?
        .parse::<u32>()
        .ok()?;
    (OLDEST_VERSION..=LATEST_VERSION)
        .contains(&number)
        .then(|| format!("{number}.0"))
}

/// The versions list of `GET /services/data/`.
pub fn versions() -> Vec<Value> {
    (OLDEST_VERSION..=LATEST_VERSION)
        .map(|v| {
            let n = v - OLDEST_VERSION;
            let season = ["Summer", "Winter", "Spring"][(n % 3) as usize];
            let year = 14 + n.div_ceil(3);
            serde_json::json!({"label": format!("{season} '{year}"), "url": format!("/services/data/v{v}.0"), "version": format!("{v}.0")})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_their_labels() {
        let all = versions();
        assert_eq!(
            all[0],
            serde_json::json!({"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"})
        );
        assert_eq!(all[1]["label"], "Winter '15");
        let v59 = all.iter().find(|v| v["version"] == "59.0").unwrap();
        assert_eq!(v59["label"], "Winter '24");
        let v66 = all.iter().find(|v| v["version"] == "66.0").unwrap();
        assert_eq!(v66["label"], "Spring '26");
        assert_eq!(api_version("v59.0").as_deref(), Some("59.0"));
        assert_eq!(api_version("latest").as_deref(), Some("66.0"));
        assert_eq!(api_version("v20.0"), None);
        assert_eq!(api_version("59.0"), None);
    }
}
