//! OAuth 2.0: the web-server flow with PKCE, refresh, revoke, identity, expiry; one test a
//! step of the flow, each from a fresh login.

use pane_sandbox::state::demo_app;
use serde_json::Value;

use reqwest::Response;

use crate::helpers::{self, Org, REDIRECT, answer, code_in, json, location, org, password_login};

const VERIFIER: &str = "a-very-long-random-code-verifier-0123456789-abcdefghij";

/// The authorize request's parameters: the demo app, PKCE S256, `state=xyz-123`.
fn authorize_query() -> Vec<(&'static str, String)> {
    helpers::authorize_query(VERIFIER, "xyz-123")
}

/// The authorize page's login form, filled in as ana with `password`.
fn login_form(password: &str) -> Vec<(&'static str, String)> {
    let mut form = authorize_query();
    form.push(("username", "ana@pane-support.example".to_owned()));
    form.push(("password", password.to_owned()));
    form
}

/// Ana logs in on the authorize page: the code in the redirect.
async fn login_code(org: &Org) -> String {
    let res = authorize(org, &login_form("demo-ana-1")).await;
    assert_eq!(res.status(), 303);
    code_in(&location(&res))
}

/// Ana's tokens through the whole web-server flow with PKCE.
async fn web_server_tokens(org: &Org) -> Value {
    let (status, tokens) = org.redeem(&login_code(org).await, VERIFIER).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

#[tokio::test]
async fn the_authorize_page_asks_to_log_in_and_a_wrong_password_shows_it_again() {
    let org = org().await;
    let page = org
        .get_anonymous("/services/oauth2/authorize")
        .query(&authorize_query())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Log in and allow"));
    assert_eq!(authorize(&org, &login_form("nope")).await.status(), 401);
}

#[tokio::test]
async fn a_login_redirects_to_the_callback_with_a_code_and_the_state() {
    let org = org().await;
    let res = authorize(&org, &login_form("demo-ana-1")).await;
    assert_eq!(res.status(), 303);
    let callback = location(&res);
    assert!(
        callback.starts_with(&format!("{REDIRECT}?code=")),
        "{callback}"
    );
    assert!(callback.ends_with("&state=xyz-123"), "{callback}");
}

#[tokio::test]
async fn a_code_redeemed_with_the_wrong_verifier_is_an_invalid_grant() {
    let org = org().await;
    let (_, bad) = org.redeem(&login_code(&org).await, "wrong-verifier").await;
    assert_eq!(bad["error"], "invalid_grant");
}

#[tokio::test]
async fn the_code_grant_answers_every_token_field() {
    let org = org().await;
    let tokens = web_server_tokens(&org).await;
    for key in [
        "access_token",
        "refresh_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    ] {
        assert!(tokens.get(key).is_some(), "{key} in {tokens}");
    }
    assert_eq!(tokens["instance_url"], org.sandbox.base_url());
    assert!(
        tokens["issued_at"].is_string(),
        "issued_at is a string of ms"
    );
}

#[tokio::test]
async fn the_identity_url_and_userinfo_say_who_logged_in() {
    let org = org().await;
    let tokens = web_server_tokens(&org).await;
    let access = tokens["access_token"].as_str().unwrap();
    let id = json(
        org.http
            .get(tokens["id"].as_str().unwrap())
            .bearer_auth(access),
    )
    .await;
    assert_eq!(id["username"], "ana@pane-support.example");
    let info = json(
        org.http
            .get(org.url("/services/oauth2/userinfo"))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(info["email"], "ana@pane-support.example");
}

#[tokio::test]
async fn an_expired_session_is_refused_and_the_refresh_token_renews_it() {
    let org = org().await;
    let tokens = web_server_tokens(&org).await;
    let access = tokens["access_token"].as_str().unwrap();
    org.http
        .post(org.url("/__sandbox/expire-tokens"))
        .send()
        .await
        .unwrap();
    let (code, body) = answer(
        org.http
            .get(org.url(&org.data("/limits")))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(code, 401);
    assert_eq!(
        body,
        serde_json::json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    let renewed = org.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        org.alive(renewed["access_token"].as_str().unwrap()).await,
        200
    );
}

#[tokio::test]
async fn revoking_the_refresh_token_ends_its_sessions_once() {
    let org = org().await;
    let tokens = web_server_tokens(&org).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let renewed = org.refresh(refresh).await;
    let renewed_access = renewed["access_token"].as_str().unwrap();
    assert_eq!(org.alive(renewed_access).await, 200);
    assert_eq!(org.revoke(refresh).await, 200);
    assert_eq!(org.alive(renewed_access).await, 401);
    assert_eq!(org.revoke(refresh).await, 400, "revoked twice");
}

#[tokio::test]
async fn bad_clients_and_logins_get_oauth_errors() {
    let org = org().await;
    let base = org.sandbox.base_url();
    let bad = password_login(&org.http, &base, "ana@pane-support.example", "wrong").await;
    assert_eq!(
        bad,
        serde_json::json!({"error": "invalid_grant", "error_description": "authentication failure"})
    );
    let app = demo_app();
    let cases: [(&str, &str, &str); 2] = [
        (
            "nope",
            "http://127.0.0.1:1/oauth/callback",
            "invalid_client_id",
        ),
        (
            app.client_id.as_str(),
            "https://evil.example/cb",
            "redirect_uri_mismatch",
        ),
    ];
    for (client_id, redirect_uri, error) in cases {
        let res = json(org.http.get(org.url("/services/oauth2/authorize")).query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
        ]))
        .await;
        assert_eq!(res["error"], error, "{client_id} to {redirect_uri}");
    }
    let res = token(
        &org,
        &[
            ("grant_type", "magic"),
            ("client_id", app.client_id.as_str()),
        ],
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

/// Posts `form` to `path` (from the org's root).
async fn post_form<T: serde::Serialize + ?Sized>(org: &Org, path: &str, form: &T) -> Response {
    let req = org.http.post(org.url(path)).form(form);
    req.send().await.unwrap()
}

/// Posts the authorize page's login form.
async fn authorize<T: serde::Serialize + ?Sized>(org: &Org, form: &T) -> Response {
    post_form(org, "/services/oauth2/authorize", form).await
}

/// Posts `form` to the token endpoint.
async fn token<T: serde::Serialize + ?Sized>(org: &Org, form: &T) -> Response {
    post_form(org, "/services/oauth2/token", form).await
}
