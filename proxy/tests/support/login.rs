//! Logging in on the sandbox org's login page as a person would: shared by the proxy's
//! integration tests and its benchmarks (included with `#[path]`).

#![allow(
    dead_code,
    reason = "shared by the tests and the benchmarks; each uses a part"
)]

use std::collections::HashMap;

fn hidden_inputs(html: &str) -> HashMap<String, String> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((
                name.to_owned(),
                value
                    .replace("&amp;", "&")
                    .replace("&#39;", "'")
                    .replace("&quot;", "\""),
            ))
        })
        .collect()
}

/// Logs in as the demo admin on the Salesforce login page at `authorize` (the sandbox org's),
/// as a person would, and answers the redirect back to the proxy.
pub async fn login_on_page(http: &reqwest::Client, authorize: &str) -> reqwest::Response {
    login_on_page_as(http, authorize, "ana@pane-support.example", "demo-ana-1").await
}

/// [`login_on_page`] as `user`.
pub async fn login_on_page_as(
    http: &reqwest::Client,
    authorize: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let page = http
        .get(authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_inputs(&page);
    form.insert("username".into(), user.into());
    form.insert("password".into(), password.into());
    let login = authorize.split('?').next().unwrap();
    http.post(login).form(&form).send().await.unwrap()
}

/// Links Ana as an agent of the proxy at `origin`, through its login page; her panel session.
pub async fn link_agent(http: &reqwest::Client, origin: &str) -> String {
    let page = link_through(http, origin, "agent", None).await;
    page.split("\"session\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Links Ana as the integration user rules act as (asked by `session`, an admin's).
pub async fn link_integration(http: &reqwest::Client, origin: &str, session: &str) {
    let page = link_through(http, origin, "integration", Some(session)).await;
    assert!(page.contains("salesforce-pane-integration"), "{page}");
}

/// Starts a link at the proxy, logs in on the sandbox org's page, follows the callback;
/// answers the callback page.
async fn link_through(
    http: &reqwest::Client,
    origin: &str,
    purpose: &str,
    session: Option<&str>,
) -> String {
    let mut start = http
        .get(format!("{origin}/api/oauth/start"))
        .query(&[("origin", origin), ("purpose", purpose)]);
    if let Some(s) = session {
        start = start.bearer_auth(s);
    }
    let answer: serde_json::Value = start.send().await.unwrap().json().await.unwrap();
    let res = login_on_page(http, answer["authorize_url"].as_str().unwrap()).await;
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    http.get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// An access token for Ana from the sandbox org at `base` (the password grant), to read back
/// what it holds.
pub async fn sandbox_token(http: &reqwest::Client, base: &str) -> String {
    let app = pane_sandbox::state::demo_app();
    let answer: serde_json::Value = http
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("username", "ana@pane-support.example"),
            ("password", "demo-ana-1"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}
