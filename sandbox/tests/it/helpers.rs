//! A running sandbox org and a logged-in client.

use pane_sandbox::state::demo_app;
use pane_sandbox::{Sandbox, SandboxConfig, spawn};
use reqwest::{Client, RequestBuilder};
use serde_json::Value;

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
    let token = password_login(
        &http,
        &sandbox.base_url(),
        "ana@pane-support.example",
        "demo-ana-1",
    )
    .await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    Org {
        sandbox,
        http,
        token,
    }
}

pub async fn password_login(http: &Client, base: &str, user: &str, password: &str) -> Value {
    let app = demo_app();
    http.post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

impl Org {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(&self.token)
    }

    pub fn data(&self, path: &str) -> String {
        format!("/services/data/{V}{path}")
    }
}
