//! A proxy over real sockets, with its embedded sandbox org, and agents linked through the
//! sandbox's login page.

use crate::login::AsAgent;
use serde_json::Value;
use tokio::net::TcpListener;

pub const ANA: (&str, &str) = ("ana@pane-support.example", "demo-ana-1");
pub const BEN: (&str, &str) = ("ben@pane-support.example", "demo-ben-1");

pub struct Running {
    pub origin: String,
    pub sandbox: String,
    pub session: String,
    pub http: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<Result<(), pane_proxy::StartupError>>,
    /// Fails the test if the embedded org refused anything the proxy sent.
    strict: crate::helpers::StrictCheck,
    _dirs: tempfile::TempDir,
}

/// A proxy (with its embedded sandbox org) and Ana, an admin, linked through the login page.
pub async fn linked() -> Running {
    linked_with(|_| {}).await
}

/// [`linked`], with the configuration changed by `edit`.
pub async fn linked_with(edit: impl FnOnce(&mut pane_proxy::Config)) -> Running {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    linked_with_client(edit, http).await
}

/// [`linked_with`], the test speaking to the proxy and the org through `http` (which must not
/// follow redirects): one that trusts an org served over HTTPS.
pub async fn linked_with_client(
    edit: impl FnOnce(&mut pane_proxy::Config),
    http: reqwest::Client,
) -> Running {
    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let mut config =
        pane_proxy::Config::for_dirs(dirs.path().join("dist"), dirs.path().join("www"));
    edit(&mut config);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(listener, config, async {
        let _ = stopped.await;
    }));
    let sandbox = String::new();
    let mut running = Running {
        origin,
        sandbox,
        session: String::new(),
        http,
        stop,
        server,
        strict: crate::helpers::StrictCheck::default(),
        _dirs: dirs,
    };
    running.session = running.link_as(ANA).await;
    running
}

impl Running {
    /// Links `user` through the login page; answers their panel session.
    pub async fn link_as(&mut self, user: (&str, &str)) -> String {
        let started = crate::login::start_link(&self.http, &self.origin, "agent", None).await;
        let popup = crate::login::begin(&self.http, &started.begin_url).await;
        let login = popup.authorize.split('?').next().unwrap().to_owned();
        self.sandbox = login.split("/services/").next().unwrap().to_owned();
        if !self.strict.is_watching() {
            self.strict = crate::helpers::StrictCheck::watch(&self.sandbox);
        }
        let res =
            crate::login::finish(&self.http, &popup.authorize, user, Some(&popup.binding)).await;
        let html = res.text().await.unwrap();
        let code = crate::login::posted_code(&html).unwrap_or_else(|| panic!("{html}"));
        let res = crate::login::redeem(&self.http, &self.origin, &started, &code).await;
        crate::login::session_cookie(&res).expect("the session cookie")
    }

    /// A request to the proxy without a session, as anyone could send it.
    pub fn anonymous(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.origin))
    }

    /// A request to the proxy's API as `session`.
    pub fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
    ) -> reqwest::RequestBuilder {
        self.anonymous(method, path).agent(session)
    }

    /// A request to the proxy's API as `session`, without a body: its status and JSON answer.
    pub async fn call(&self, method: reqwest::Method, path: &str, session: &str) -> (u16, Value) {
        crate::helpers::json_of(self.api(method, path, session).send().await.unwrap()).await
    }

    /// A request to the proxy's API as `session`, without a body, that must answer 200: its
    /// answer read as the wire type `T`.
    pub async fn read_as<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
    ) -> T {
        let res = self.api(method, path, session).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.unwrap()
    }

    /// A request to the proxy's API as `session` with a JSON `body`: its status and JSON answer.
    pub async fn send_as(
        &self,
        session: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let res = self.api(method, path, session).json(&body).send().await;
        crate::helpers::json_of(res.unwrap()).await
    }

    /// `GET /api/panel` for a `kind` of handle, as `session`.
    pub fn panel_request(
        &self,
        session: &str,
        kind: &str,
        handle: &str,
    ) -> reqwest::RequestBuilder {
        self.api(reqwest::Method::GET, "/api/panel", session)
            .query(&[("kind", kind), ("handle", handle)])
    }

    /// Tells the sandbox org's control API something.
    pub async fn control(&self, path: &str, body: Value) {
        let res = self
            .http
            .post(format!("{}/__sandbox/{path}", self.sandbox))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }

    /// A counter in the sandbox org's request log (`refreshes`, `revocations`...).
    pub async fn sandbox_count(&self, counter: &str) -> u64 {
        self.sandbox_log().await[counter].as_u64().unwrap()
    }

    /// The sandbox org's request log.
    pub async fn sandbox_log(&self) -> Value {
        crate::login::sandbox_log(&self.http, &self.sandbox).await
    }
}
impl Running {
    pub async fn salesforce_calls(&self) -> u64 {
        crate::login::sandbox_requests(&self.http, &self.sandbox).await
    }

    pub async fn panel(&self, kind: &str, handle: &str) -> (String, Value, u64) {
        let before = self.salesforce_calls().await;
        let res = crate::login::sent(self.panel_request(&self.session, kind, handle)).await;
        assert_eq!(res.status(), 200, "{handle}");
        let cache = crate::login::header_of(&res, "x-pane-cache");
        let body: Value = res.json().await.unwrap();
        (cache, body, self.salesforce_calls().await - before)
    }

    /// `GET path` as the linked agent: the status, the answer and the Salesforce requests it made.
    pub async fn get_counting(&self, path: &str) -> (u16, Value, u64) {
        let before = self.salesforce_calls().await;
        let (status, body) = self.call(reqwest::Method::GET, path, &self.session).await;
        (status, body, self.salesforce_calls().await - before)
    }

    /// Rose's Contact id, from her panel.
    pub async fn rose(&self) -> String {
        let (_, rose, _) = self.panel("email", "rose@edge.com").await;
        rose["person"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn stop(self) {
        self.stop.send(()).unwrap();
        self.server.await.unwrap().unwrap();
    }
}

/// The guard every `Running` holds fails the test when the embedded org refused a request by
/// one of Salesforce's rules (here one sent straight to the org, as a proxy bug would).
#[tokio::test]
#[should_panic(expected = "the sandbox org refused 1 request(s) the proxy sent")]
async fn a_request_salesforce_would_refuse_fails_the_test() {
    let proxy = linked().await;
    let token = crate::login::sandbox_token(&proxy.http, &proxy.sandbox).await;
    let res = proxy
        .http
        .get(format!("{}/services/data/v59.0/query", proxy.sandbox))
        .bearer_auth(token)
        .query(&[("q", "SELECT Id FROM Contact LIMIT 1 OFFSET 2001")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    drop(proxy);
}
