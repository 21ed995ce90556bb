//! OAuth 2.0: the web-server flow with PKCE, refresh, revoke, identity, expiry.

use base64::Engine;
use pane_sandbox::state::demo_app;
use serde_json::Value;
use sha2::{Digest, Sha256};

use reqwest::Response;

use crate::helpers::{Org, answer, code_in, json, location, org, password_login};

#[tokio::test]
async fn web_server_flow_with_pkce_then_refresh_and_revoke() {
    let org = org().await;
    let app = demo_app();
    let redirect = "http://127.0.0.1:9999/oauth/callback";
    let verifier = "a-very-long-random-code-verifier-0123456789-abcdefghij";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    let query = [
        ("response_type", "code"),
        ("client_id", app.client_id.as_str()),
        ("redirect_uri", redirect),
        ("state", "xyz-123"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let page = org
        .http
        .get(org.url("/services/oauth2/authorize"))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Log in and allow"));

    // A wrong password shows the page again.
    let mut form: Vec<(&str, &str)> = query.to_vec();
    form.extend([
        ("username", "ana@pane-support.example"),
        ("password", "nope"),
    ]);
    assert_eq!(authorize(&org, &form).await.status(), 401);

    form.pop();
    form.push(("password", "demo-ana-1"));
    let res = authorize(&org, &form).await;
    assert_eq!(res.status(), 303);
    let callback = location(&res);
    assert!(
        callback.starts_with(&format!("{redirect}?code=")),
        "{callback}"
    );
    assert!(callback.ends_with("&state=xyz-123"), "{callback}");
    let code = code_in(&callback);

    let token_form = |verifier: &'static str, code: String| {
        vec![
            ("grant_type", "authorization_code".to_owned()),
            ("client_id", app.client_id.clone()),
            ("redirect_uri", redirect.to_owned()),
            ("code", code),
            ("code_verifier", verifier.to_owned()),
        ]
    };
    let bad: Value = token(&org, &token_form("wrong-verifier", code.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bad["error"], "invalid_grant");

    // The code was spent by the failed attempt, as a real org does: log in again.
    let code = code_in(&location(&authorize(&org, &form).await));
    let res = token(&org, &token_form(verifier, code)).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
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
    let access = tokens["access_token"].as_str().unwrap();

    // The identity URL says who this is.
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

    // Expired: 401 INVALID_SESSION_ID; the refresh token gets a new one.
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
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let renewed = org.refresh(refresh).await;
    let renewed_access = renewed["access_token"].as_str().unwrap();
    assert_eq!(org.alive(renewed_access).await, 200);

    // Revoking the refresh token ends it and its sessions.
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

/// Posts the authorize page's login form.
async fn authorize(org: &Org, form: &[(&str, &str)]) -> Response {
    org.http
        .post(org.url("/services/oauth2/authorize"))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Posts `form` to the token endpoint.
async fn token<T: serde::Serialize + ?Sized>(org: &Org, form: &T) -> Response {
    org.http
        .post(org.url("/services/oauth2/token"))
        .form(form)
        .send()
        .await
        .unwrap()
}
