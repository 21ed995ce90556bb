//! A running sandbox org and a logged-in client.

use base64::Engine;
use pane_sandbox::state::demo_app;
use pane_sandbox::{Sandbox, SandboxConfig, spawn};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const V: &str = "v59.0";

pub struct Org {
    pub sandbox: Sandbox,
    pub http: Client,
    pub token: String,
}

pub async fn org() -> Org {
    let sandbox = spawn("127.0.0.1:0".parse().unwrap(), SandboxConfig::default())
        .await
        .unwrap();
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = access_token(
        &http,
        &sandbox.base_url(),
        "ana@pane-support.example",
        "demo-ana-1",
    )
    .await;
    Org {
        sandbox,
        http,
        token,
    }
}

pub async fn password_login(http: &Client, base: &str, user: &str, password: &str) -> Value {
    let app = demo_app();
    json(http.post(format!("{base}/services/oauth2/token")).form(&[
        ("grant_type", "password"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("username", user),
        ("password", password),
    ]))
    .await
}

/// The access token of a password login that must succeed.
pub async fn access_token(http: &Client, base: &str, user: &str, password: &str) -> String {
    password_login(http, base, user, password).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

impl Org {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(&self.token)
    }

    /// A GET of `path` with no token, as a browser or a script without a session sends it.
    pub fn get_anonymous(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path))
    }

    pub fn data(&self, path: &str) -> String {
        format!("/services/data/{V}{path}")
    }
}

/// Whether `url` stops answering (its listener closed) within about a second of asking.
pub async fn stops_answering(http: &Client, url: &str) -> bool {
    for _ in 0..50 {
        if http.get(url).send().await.is_err() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// Sends `request`: the answer's status.
pub async fn status(request: RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

/// Sends `request`: the answer's status and its body as JSON (null when it is not JSON).
pub async fn answer(request: RequestBuilder) -> (u16, Value) {
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The `key` of each item of the JSON array `list`, a string.
pub fn strings(list: &Value, key: &str) -> Vec<String> {
    let items = list.as_array().unwrap();
    items
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `request` and reads the answer as JSON.
pub async fn json(request: RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

impl Org {
    /// POSTs `body` as JSON, as it is, to `path` (from the org's root) with the logged-in
    /// user's token: the answer.
    pub async fn post_body(&self, path: &str, body: impl Into<reqwest::Body>) -> Response {
        let req = self.authed(Method::POST, path);
        let req = req.header("content-type", "application/json").body(body);
        req.send().await.unwrap()
    }

    /// A request to `path` (from the org's root) with the logged-in user's token.
    pub fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// Runs `soql` through the REST query endpoint; the answer as JSON.
    pub async fn query(&self, soql: &str) -> Value {
        json(self.get(&self.data("/query")).query(&[("q", soql)])).await
    }

    /// Runs `soql` through the REST query endpoint (`/query/`): the status and the answer.
    pub async fn query_answer(&self, soql: &str) -> (u16, Value) {
        answer(self.get(&self.data("/query/")).query(&[("q", soql)])).await
    }

    /// The `Id` of the first row `soql` answers.
    pub async fn first_id(&self, soql: &str) -> String {
        self.query(soql).await["records"][0]["Id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The `Id` of the `object` record (a demo Contact or Lead) whose Email is `email`.
    pub async fn id_by_email(&self, object: &str, email: &str) -> String {
        let soql = format!("SELECT Id FROM {object} WHERE Email = '{email}'");
        self.first_id(&soql).await
    }

    /// `totalSize` of a `SELECT COUNT()` query.
    pub async fn count(&self, soql: &str) -> Value {
        self.query(soql).await["totalSize"].clone()
    }

    /// Forgets the sandbox's request log (`/__sandbox/requests`).
    pub async fn clear_log(&self) {
        self.forget("requests").await;
    }

    /// DELETEs the sandbox's control endpoint `/__sandbox/{what}` (the request log, refusals).
    pub async fn forget(&self, what: &str) {
        self.http
            .delete(self.url(&format!("/__sandbox/{what}")))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    /// Ben's token: a standard user, the demo's restricted profile.
    pub async fn ben(&self) -> String {
        access_token(
            &self.http,
            &self.sandbox.base_url(),
            "ben@pane-support.example",
            "demo-ben-1",
        )
        .await
    }

    /// Revokes `token` (an access or a refresh token): the status.
    pub async fn revoke(&self, token: &str) -> u16 {
        status(
            self.http
                .post(self.url("/services/oauth2/revoke"))
                .form(&[("token", token)]),
        )
        .await
    }

    /// The status of a limits call with `access`: 200 while that session works.
    pub async fn alive(&self, access: &str) -> u16 {
        status(
            self.http
                .get(self.url(&self.data("/limits")))
                .bearer_auth(access),
        )
        .await
    }

    /// The demo app's refresh-token grant with `refresh_token`: the token answer.
    pub async fn refresh(&self, refresh_token: &str) -> Value {
        let app = demo_app();
        json(self.http.post(self.url("/services/oauth2/token")).form(&[
            ("grant_type", "refresh_token"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("refresh_token", refresh_token),
        ]))
        .await
    }

    /// Creates `n` Tasks as the admin straight in the org's state, subjects
    /// `"{prefix} task 000"` and on.
    pub fn seed_tasks(&self, prefix: &str, n: usize) {
        let state = self.sandbox.state();
        let admin = state.org.users()[0].clone();
        for i in 0..n {
            let task = serde_json::json!({"Subject": format!("{prefix} task {i:03}")});
            state.org.create(&admin, "Task", &task, false).unwrap();
        }
    }

    /// POSTs `body` to the sandbox's control endpoint `/__sandbox/{what}` (quota, faults, …).
    pub async fn control(&self, what: &str, body: &Value) {
        self.http
            .post(self.url(&format!("/__sandbox/{what}")))
            .json(body)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    /// GETs the sandbox's control endpoint `/__sandbox/{what}` as JSON.
    pub async fn inspect(&self, what: &str) -> Value {
        json(self.http.get(self.url(&format!("/__sandbox/{what}")))).await
    }

    /// The sandbox's request log (`/__sandbox/requests`).
    pub async fn log(&self) -> Value {
        self.inspect("requests").await
    }
}

impl Org {
    /// GETs `path` with the token: the status and the body as JSON (null when it is not).
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        answer(self.get(path)).await
    }

    /// Sends `body` as JSON with `method` and the token: the status and the answer.
    pub async fn send_json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        answer(self.authed(method, path).json(body)).await
    }

    /// POSTs `body` as JSON to the REST API's `path` (under `/services/data/v59.0`) with the
    /// token: the status and the answer.
    pub async fn post_data(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send_json("POST", &self.data(path), body).await
    }

    /// Creates an `object` record from `body` (asserting 201): its id.
    pub async fn create(&self, object: &str, body: Value) -> String {
        let (status, created) = self.post_data(&format!("/sobjects/{object}"), &body).await;
        assert_eq!(status, 201, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }
}

/// A redirect's `Location`.
pub fn location(res: &Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The `code` parameter of an OAuth callback URL.
pub fn code_in(location: &str) -> String {
    location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

/// Where the demo app's web-server flow sends its codes.
pub const REDIRECT: &str = "http://127.0.0.1:9999/oauth/callback";

/// The authorize request's parameters for the demo app: PKCE S256 of `verifier`, `state`.
pub fn authorize_query(verifier: &str, state: &str) -> Vec<(&'static str, String)> {
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    vec![
        ("response_type", "code".to_owned()),
        ("client_id", demo_app().client_id),
        ("redirect_uri", REDIRECT.to_owned()),
        ("state", state.to_owned()),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256".to_owned()),
    ]
}

impl Org {
    /// Redeems `code` with the PKCE `verifier`: the status and the token answer.
    pub async fn redeem(&self, code: &str, verifier: &str) -> (u16, Value) {
        let app = demo_app();
        answer(self.http.post(self.url("/services/oauth2/token")).form(&[
            ("grant_type", "authorization_code"),
            ("client_id", app.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("code", code),
            ("code_verifier", verifier),
        ]))
        .await
    }
}
