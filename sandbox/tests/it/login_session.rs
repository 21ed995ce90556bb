//! The login host's session: a user logged in (the `sid` cookie) who approved the connected
//! app is sent straight back with a code; `prompt`, `immediate`, revoking and a bad cookie.

use reqwest::Response;
use serde_json::Value;

use crate::helpers::{self, Org, REDIRECT, json, location, org};

const VERIFIER: &str = "another-long-random-code-verifier-0123456789-klmnopqrst";

/// The authorize request's parameters (PKCE S256), plus `extra`.
fn authorize_query(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let mut query = helpers::authorize_query(VERIFIER, "st-42");
    query.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    query
}

/// `GET /services/oauth2/authorize` with `extra` parameters and, when given, the `sid` cookie.
async fn authorize(
    org: &Org,
    extra: &[(&'static str, &'static str)],
    sid: Option<&str>,
) -> Response {
    let mut req = org
        .http
        .get(org.url("/services/oauth2/authorize"))
        .query(&authorize_query(extra));
    if let Some(sid) = sid {
        req = req.header("cookie", format!("other=1; sid={sid}"));
    }
    req.send().await.unwrap()
}

/// Logs ana in with her password on the authorize page: answers the redirect's `Location`
/// and the `sid` cookie it set.
async fn password_login(org: &Org) -> (String, String) {
    let mut form = authorize_query(&[]);
    form.push(("username", "ana@pane-support.example".to_owned()));
    form.push(("password", "demo-ana-1".to_owned()));
    let res = org
        .http
        .post(org.url("/services/oauth2/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("; Path=/; HttpOnly; Secure; SameSite=None"),
        "{cookie}"
    );
    let sid = cookie
        .strip_prefix("sid=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(!sid.is_empty());
    (location(&res), sid)
}

/// The `code` in a callback URL (which must carry `state=st-42`).
fn code_in(location: &str) -> String {
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert!(location.ends_with("&state=st-42"), "{location}");
    helpers::code_in(location)
}

/// Redeems `code` with the PKCE verifier: the token answer.
async fn redeem(org: &Org, code: &str) -> Value {
    let (code, tokens) = org.redeem(code, VERIFIER).await;
    assert_eq!(code, 200);
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    tokens
}

/// `res` redirects (with `status`) to the callback with a code: redeems it, the token answer.
async fn redeem_redirect(org: &Org, res: &Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    redeem(org, &code_in(&location(res))).await
}

/// The page is the login form (username and password).
async fn assert_login_form(res: Response) {
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("name=\"password\""), "{page}");
    assert!(page.contains("Log in and allow"), "{page}");
}

/// The page is the consent page ("Allow", no password): its text.
async fn consent_page(res: Response) -> String {
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"allow\""), "{page}");
    assert!(!page.contains("name=\"password\""), "{page}");
    page
}

/// The consent page's anti-forgery token.
fn form_token(page: &str) -> String {
    let (_, rest) = page
        .split_once("name=\"confirmation_token\" value=\"")
        .unwrap_or_else(|| panic!("no token in {page}"));
    rest.split('"').next().unwrap().to_owned()
}

/// Posts the consent form ("Allow") with the `sid` cookie and, when given, a token.
async fn allow(org: &Org, sid: &str, token: Option<&str>) -> Response {
    let mut form = authorize_query(&[]);
    if let Some(token) = token {
        form.push(("confirmation_token", token.to_owned()));
    }
    org.http
        .post(org.url("/services/oauth2/authorize"))
        .header("cookie", format!("sid={sid}"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_logged_in_user_who_approved_the_app_gets_a_code_without_a_prompt() {
    let org = org().await;
    let (first, sid) = password_login(&org).await;
    redeem(&org, &code_in(&first)).await;

    let res = authorize(&org, &[], Some(&sid)).await;
    let tokens = redeem_redirect(&org, &res, 302).await;
    let id = json(
        org.http
            .get(tokens["id"].as_str().unwrap())
            .bearer_auth(tokens["access_token"].as_str().unwrap()),
    )
    .await;
    assert_eq!(id["username"], "ana@pane-support.example");

    // immediate=true: the same code redirect.
    let res = authorize(&org, &[("immediate", "true")], Some(&sid)).await;
    redeem_redirect(&org, &res, 302).await;
}

#[tokio::test]
async fn prompt_login_shows_the_login_form_despite_the_session() {
    let org = org().await;
    let (_, sid) = password_login(&org).await;
    assert_login_form(authorize(&org, &[("prompt", "login")], Some(&sid)).await).await;
    assert_login_form(authorize(&org, &[("prompt", "consent login")], Some(&sid)).await).await;
    // prompt=consent: the consent page, even though ana approved the app.
    consent_page(authorize(&org, &[("prompt", "consent")], Some(&sid)).await).await;
}

#[tokio::test]
async fn after_revoking_the_user_approves_again_without_a_password() {
    let org = org().await;
    let (_, sid) = password_login(&org).await;
    let res = org
        .http
        .post(org.url("/__sandbox/revoke-user"))
        .json(&serde_json::json!({"username": "ana@pane-support.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let page = consent_page(authorize(&org, &[], Some(&sid)).await).await;
    assert!(
        page.contains("Allow Salesforce Pane to access your records as ana@pane-support.example?"),
        "{page}"
    );
    // Not approved any more: immediate=true may not prompt, so it fails.
    let res = authorize(&org, &[("immediate", "true")], Some(&sid)).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        location(&res),
        format!("{REDIRECT}?error=immediate_unsuccessful&state=st-42")
    );

    // The consent form without the cookie is a failed login.
    let res = org
        .http
        .post(org.url("/services/oauth2/authorize"))
        .form(&authorize_query(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // "Allow" with the cookie and the page's token: a code, and the approval is remembered
    // again.
    let res = allow(&org, &sid, Some(&form_token(&page))).await;
    redeem_redirect(&org, &res, 303).await;
    assert!(res.headers().get("set-cookie").is_none());
    let res = authorize(&org, &[], Some(&sid)).await;
    redeem_redirect(&org, &res, 302).await;
}

/// Finding: the consent form had no anti-forgery token, so another site could post "Allow"
/// with a logged-in user's cookie and get the app approved.
#[tokio::test]
async fn allow_without_the_login_sessions_form_token_is_refused() {
    let org = org().await;
    let (_, sid) = password_login(&org).await;
    let (_, other_sid) = password_login(&org).await;
    let res = authorize(&org, &[("prompt", "consent")], Some(&other_sid)).await;
    let other_token = form_token(&res.text().await.unwrap());
    org.http
        .post(org.url("/__sandbox/revoke-user"))
        .json(&serde_json::json!({"username": "ana@pane-support.example"}))
        .send()
        .await
        .unwrap();
    let res = authorize(&org, &[], Some(&sid)).await;
    let token = form_token(&res.text().await.unwrap());
    assert_ne!(token, other_token);

    for forged in [None, Some(""), Some(other_token.as_str())] {
        let res = allow(&org, &sid, forged).await;
        assert_eq!(res.status(), 403, "{forged:?}");
        assert!(res.headers().get("location").is_none());
        let page = res.text().await.unwrap();
        assert!(page.contains("did not come from this page"), "{page}");
        assert_eq!(form_token(&page), token, "the page to allow again");
    }
    // Nothing was approved: the authorize page still asks.
    let res = authorize(&org, &[("immediate", "true")], Some(&sid)).await;
    assert_eq!(
        location(&res),
        format!("{REDIRECT}?error=immediate_unsuccessful&state=st-42")
    );

    let res = allow(&org, &sid, Some(&token)).await;
    redeem_redirect(&org, &res, 303).await;
}

#[tokio::test]
async fn immediate_without_a_session_answers_immediate_unsuccessful() {
    let org = org().await;
    let res = authorize(&org, &[("immediate", "true")], None).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        location(&res),
        format!("{REDIRECT}?error=immediate_unsuccessful&state=st-42")
    );
}

#[tokio::test]
async fn a_bogus_session_cookie_shows_the_login_form() {
    let org = org().await;
    assert_login_form(authorize(&org, &[], Some("not-a-session")).await).await;
    assert_login_form(authorize(&org, &[], None).await).await;
}
