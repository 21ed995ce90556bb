//! Logging in on the sandbox org's login page as a person would: shared by the proxy's
//! integration tests and its benchmarks (included with `#[path]`).

#![allow(
    dead_code,
    reason = "shared by the tests and the benchmarks; each uses a part"
)]

use std::collections::HashMap;

use reqwest::{RequestBuilder, Response};

/// Sends `req`, which must reach the server: its answer, whatever its status.
pub async fn sent(req: RequestBuilder) -> Response {
    req.send().await.unwrap()
}

/// Sends `req`: its answer's body as text.
pub async fn text_of(req: RequestBuilder) -> String {
    sent(req).await.text().await.unwrap()
}

/// Sends `req`: its answer's body read as JSON into `T`.
pub async fn json_from<T: serde::de::DeserializeOwned>(req: RequestBuilder) -> T {
    sent(req).await.json().await.unwrap()
}

/// A header of answer `res`, which it must have, as text.
pub fn header_of(res: &Response, name: &str) -> String {
    res.headers()[name].to_str().unwrap().to_owned()
}

fn hidden_inputs(html: &str) -> HashMap<String, String> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            // Every character reference, as a browser reads an attribute.
            Some((
                name.to_owned(),
                html_escape::decode_html_entities(value).into_owned(),
            ))
        })
        .collect()
}

/// Logs in as the demo admin on the Salesforce login page at `authorize` (the sandbox org's),
/// as a person would, and answers the redirect back to the proxy.
pub async fn login_on_page(http: &reqwest::Client, authorize: &str) -> reqwest::Response {
    let ana = ("ana@pane-support.example", "demo-ana-1");
    login_on_page_as(http, authorize, ana).await
}

/// [`login_on_page`] as `user`.
pub async fn login_on_page_as(
    http: &reqwest::Client,
    authorize: &str,
    user: (&str, &str),
) -> Response {
    let (user, password) = user;
    let page = text_of(http.get(authorize)).await;
    let mut form = hidden_inputs(&page);
    form.insert("username".into(), user.into());
    form.insert("password".into(), password.into());
    let login = authorize.split('?').next().unwrap();
    http.post(login).form(&form).send().await.unwrap()
}

/// A request to the proxy as the panel sends it: the session cookie, and the header that
/// marks it as the panel's own.
pub trait AsAgent {
    /// This request, as the agent whose session is `session`.
    fn agent(self, session: &str) -> Self;
    /// This request, marked as the panel's own, with no session.
    fn panel(self) -> Self;
}

impl AsAgent for reqwest::RequestBuilder {
    fn agent(self, session: &str) -> Self {
        self.header("cookie", format!("pane_session={session}"))
            .header("x-pane-request", "1")
    }

    fn panel(self) -> Self {
        self.header("x-pane-request", "1")
    }
}

/// A link a panel started: `POST /api/oauth/start`'s answer.
pub use pane_wire::api::Started;

/// Starts a link at the proxy at `origin` as its panel would (`session` for an integration
/// link); the raw answer.
pub async fn start_link_raw(
    http: &reqwest::Client,
    origin: &str,
    purpose: &str,
    session: Option<&str>,
) -> reqwest::Response {
    let req = http
        .post(format!("{origin}/api/oauth/start"))
        .json(&pane_wire::api::StartRequest {
            purpose: Some(purpose.to_owned()),
            origin: Some(origin.to_owned()),
        });
    let req = match session {
        Some(s) => req.agent(s),
        None => req.panel(),
    };
    req.send().await.unwrap()
}

/// [`start_link_raw`], answered.
pub async fn start_link(
    http: &reqwest::Client,
    origin: &str,
    purpose: &str,
    session: Option<&str>,
) -> Started {
    let res = start_link_raw(http, origin, purpose, session).await;
    assert_eq!(res.status(), 200, "starting a link");
    res.json::<Started>().await.unwrap()
}

/// What one browser sees of a link's popup.
#[derive(Debug, Clone)]
pub struct Popup {
    /// The binding cookie `/oauth/begin` set (`name=value`).
    pub binding: String,
    /// Salesforce's authorize URL it was sent to.
    pub authorize: String,
}

/// Opens `begin_url` as the popup does (a browser that keeps no cookies but the one it is
/// given): the binding cookie and where it goes next.
pub async fn begin(http: &reqwest::Client, begin_url: &str) -> Popup {
    Popup::of(&http.get(begin_url).send().await.unwrap())
}

impl Popup {
    /// What `/oauth/begin`'s answer gave the popup.
    pub fn of(res: &reqwest::Response) -> Popup {
        assert_eq!(res.status(), 303, "beginning a link");
        let binding = res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let authorize = header_of(res, "location");
        Popup { binding, authorize }
    }
}

/// Logs in as `user` on Salesforce's page, follows the redirect to the proxy's callback with
/// `binding` (the popup's cookie, or none: another browser); the callback's answer.
pub async fn finish(
    http: &reqwest::Client,
    authorize: &str,
    user: (&str, &str),
    binding: Option<&str>,
) -> reqwest::Response {
    let res = login_on_page_as(http, authorize, user).await;
    let callback = header_of(&res, "location");
    let req = http.get(&callback);
    let req = match binding {
        Some(b) => req.header("cookie", b),
        None => req,
    };
    req.send().await.unwrap()
}

/// The one-time code a callback page posts to the panel.
pub fn posted_code(html: &str) -> Option<String> {
    Some(
        html.split("\"code\":\"")
            .nth(1)?
            .split('"')
            .next()?
            .to_owned(),
    )
}

/// The session cookie an answer sets, if any.
pub fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("pane_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .find(|v| !v.is_empty())
}

/// Redeems link `started` with `code` as its panel does; the raw answer.
pub async fn redeem(
    http: &reqwest::Client,
    origin: &str,
    started: &Started,
    code: &str,
) -> reqwest::Response {
    http.post(format!("{origin}/api/oauth/redeem"))
        .panel()
        .json(&serde_json::json!({"tx": started.tx, "redeem": started.redeem, "code": code}))
        .send()
        .await
        .unwrap()
}

/// Links `user` as an agent of the proxy at `origin`, the whole way (start, popup, login,
/// callback, redeem); their panel session.
pub async fn link_agent_as(http: &reqwest::Client, origin: &str, user: (&str, &str)) -> String {
    let started = start_link(http, origin, "agent", None).await;
    let popup = begin(http, &started.begin_url).await;
    let res = finish(http, &popup.authorize, user, Some(&popup.binding)).await;
    assert_eq!(res.status(), 200, "the callback");
    let html = res.text().await.unwrap();
    let code = posted_code(&html).unwrap_or_else(|| panic!("no code posted: {html}"));
    let res = redeem(http, origin, &started, &code).await;
    assert_eq!(res.status(), 200, "redeeming");
    session_cookie(&res).expect("the redeem sets the session cookie")
}

/// Links Ana as an agent of the proxy at `origin`, through its login page; her panel session.
pub async fn link_agent(http: &reqwest::Client, origin: &str) -> String {
    link_agent_as(http, origin, ("ana@pane-support.example", "demo-ana-1")).await
}

/// Links `user` as the integration user rules act as (asked by `session`, an admin's); the
/// callback page.
pub async fn link_integration_as(
    http: &reqwest::Client,
    origin: &str,
    session: &str,
    user: (&str, &str),
) -> String {
    let started = start_link(http, origin, "integration", Some(session)).await;
    let popup = begin(http, &started.begin_url).await;
    let res = finish(http, &popup.authorize, user, Some(&popup.binding)).await;
    res.text().await.unwrap()
}

/// Links Ana as the integration user rules act as (asked by `session`, an admin's).
pub async fn link_integration(http: &reqwest::Client, origin: &str, session: &str) {
    let page = link_integration_as(
        http,
        origin,
        session,
        ("ana@pane-support.example", "demo-ana-1"),
    )
    .await;
    assert!(page.contains("salesforce-pane-integration"), "{page}");
}

/// An access token for Ana from the sandbox org at `base` (the password grant), to read back
/// what it holds.
pub async fn sandbox_token(http: &reqwest::Client, base: &str) -> String {
    let app = pane_sandbox::state::demo_app();
    let login = http.post(format!("{base}/services/oauth2/token")).form(&[
        ("grant_type", "password"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_str()),
        ("username", "ana@pane-support.example"),
        ("password", "demo-ana-1"),
    ]);
    let answer: serde_json::Value = json_from(login).await;
    answer["access_token"].as_str().unwrap().to_owned()
}

/// How many Salesforce requests the sandbox org at `base` has answered (its request log's
/// `count`).
pub async fn sandbox_requests(http: &reqwest::Client, base: &str) -> u64 {
    sandbox_log(http, base).await["count"].as_u64().unwrap()
}

/// The sandbox org's request log at `base`.
pub async fn sandbox_log(http: &reqwest::Client, base: &str) -> serde_json::Value {
    json_from(http.get(format!("{base}/__sandbox/requests"))).await
}

/// The records a SOQL query finds at the sandbox org's `instance` (one page), for Ana with a
/// token from its login host `login`.
pub async fn sandbox_soql(
    http: &reqwest::Client,
    login: &str,
    instance: &str,
    q: &str,
) -> Vec<serde_json::Value> {
    let token = sandbox_token(http, login).await;
    let query = http
        .get(format!("{instance}/services/data/v59.0/query"))
        .bearer_auth(&token)
        .query(&[("q", q)]);
    let answer: serde_json::Value = json_from(query).await;
    answer["records"].as_array().cloned().unwrap_or_default()
}

/// The org's rule intake (URL and secret), as its admin (`session`) reads it in Settings.
pub async fn rule_intake(
    http: &reqwest::Client,
    origin: &str,
    session: &str,
) -> pane_wire::api::RuleIntake {
    let req = http
        .get(format!("{origin}/api/admin/rules/intake"))
        .agent(session);
    json_from(req).await
}

/// The path of the org's rule intake for `action` (`/api/rules/{key}/{action}`): the same on
/// every replica.
pub fn rule_path(intake: &pane_wire::api::RuleIntake, action: &str) -> String {
    let key = intake.url.rsplit('/').next().unwrap_or_default();
    format!("/api/rules/{key}/{action}")
}
