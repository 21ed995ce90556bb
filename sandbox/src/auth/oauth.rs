//! OAuth 2.0 as Salesforce speaks it: `/services/oauth2/authorize` (a login and consent page
//! for the demo users, skipped for a logged-in user who approved the app), `/token` (authorization code with PKCE, refresh token, password),
//! `/revoke`, `/userinfo`, and the identity URL `/id/{orgId}/{userId}`.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::session::{Auth, Session, TokenGrant};
use crate::state::SandboxState;

/// The OAuth routes.
pub fn router() -> Router<SandboxState> {
    let mut r = Router::new();
    for (path, route) in [
        (
            "/services/oauth2/authorize",
            get(authorize_page).post(authorize_submit),
        ),
        ("/services/oauth2/token", post(token)),
        ("/services/oauth2/revoke", post(revoke).get(revoke_get)),
        ("/services/oauth2/userinfo", get(userinfo)),
    ] {
        r = crate::rest::both(r, path, route);
    }
    r.route("/id/{org}/{user}", get(identity))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Text and attribute values in a page: `& < > " ' /` escaped (the html-escape crate).
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_safe(s)
}

/// The `sid` cookie: the login host's session, set by a successful login on the authorize page.
const SID: &str = "sid";

/// The `sid` cookie's value in the request's `Cookie` headers, if any.
pub(crate) fn sid_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SID)
        .map(|(_, value)| value.trim().to_owned())
}

/// The user logged in on the login host (a valid `sid` cookie), if any.
fn logged_in_user(state: &SandboxState, headers: &HeaderMap) -> Option<crate::id::SfId> {
    state.auth.logged_in(&sid_cookie(headers)?)
}

/// `redirect_uri` with `pairs` added to its query (URL-encoded).
fn with_query(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut target = redirect_uri.to_owned();
    let mut sep = if redirect_uri.contains('?') { '&' } else { '?' };
    for (k, v) in pairs {
        target.push(sep);
        target.push_str(k);
        target.push('=');
        target.push_str(&urlencode(v));
        sep = '&';
    }
    target
}

/// A 302 to `target`, as Salesforce's authorize endpoint answers when it does not prompt.
fn found(target: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, target.to_owned())]).into_response()
}

/// Makes an authorization code for `user` of `client_id` (with the request's PKCE
/// `code_challenge`, which must be S256) and answers where to send it: `redirect_uri` with
/// `code` and, when asked with one, `state`. Shared by the login form, the consent form and
/// the no-prompt answer to a logged-in user who approved the app. Refused: the
/// `invalid_request` description.
fn code_redirect(
    state: &SandboxState,
    client_id: &str,
    user: crate::id::SfId,
    params: &HashMap<String, String>,
) -> Result<String, &'static str> {
    let challenge = params
        .get("code_challenge")
        .filter(|c| !c.is_empty())
        .cloned();
    if challenge.is_some()
        && params
            .get("code_challenge_method")
            .is_some_and(|m| m != "S256")
    {
        return Err("code_challenge_method must be S256");
    }
    let redirect_uri = params
        .get("redirect_uri")
        .map(String::as_str)
        .unwrap_or_default();
    let code = state.auth.code(
        Session {
            user_id: user,
            client_id: client_id.to_owned(),
        },
        redirect_uri,
        challenge,
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = params.get("state") {
        pairs.push(("state", s.as_str()));
    }
    Ok(with_query(redirect_uri, &pairs))
}

/// Whether the space-separated `prompt` parameter holds `value`.
fn prompts(params: &HashMap<String, String>, value: &str) -> bool {
    params
        .get("prompt")
        .is_some_and(|p| p.split_ascii_whitespace().any(|v| v == value))
}

/// The connected app an authorize request names (`client_id`), if its `redirect_uri` is one
/// the app allows; else Salesforce's `invalid_client_id` or `redirect_uri_mismatch` answer.
fn connected_app<'s>(
    state: &'s SandboxState,
    params: &HashMap<String, String>,
) -> Result<&'s crate::session::ConnectedApp, Box<Response>> {
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    let refused =
        |error, description| Box::new(oauth_error(StatusCode::BAD_REQUEST, error, description));
    let app = state
        .auth
        .app(get("client_id"))
        .ok_or_else(|| refused("invalid_client_id", "client identifier invalid"))?;
    if !app.allows_redirect(get("redirect_uri")) {
        return Err(refused(
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
        ));
    }
    Ok(app)
}

/// `GET /services/oauth2/authorize`: the login page, the consent page, or no page at all.
///
/// As Salesforce's web server flow does
/// (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_understanding_web_server_oauth_flow.htm,
/// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm):
/// a user logged in on the login host (the `sid` cookie) who already approved the connected
/// app is sent straight back to the callback with a code, no prompt. The parameters:
/// - `prompt` (space-separated): `login` "must prompt the user for reauthentication" (the
///   login form, whatever the cookie says); `consent` "must prompt the user for reapproval"
///   (the consent page for a logged-in user).
/// - `immediate=true`: when the user is logged in and approved the app, the approval step is
///   skipped; when not, the flow "immediately terminates with the `immediate_unsuccessful`
///   error code" (sent to the callback, with `state`). As `immediate` forbids any prompt, a
///   `prompt` asking for one with it ends the same way (the sandbox's reading; the page does
///   not combine the two).
async fn authorize_page(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "response type not supported",
        );
    }
    let app = match connected_app(&state, &params) {
        Ok(app) => app,
        Err(refused) => return *refused,
    };
    let redirect_uri = get("redirect_uri");
    let prompt_login = prompts(&params, "login");
    let prompt_consent = prompts(&params, "consent");
    let user = logged_in_user(&state, &headers);
    let approved = user
        .as_ref()
        .is_some_and(|u| state.auth.approved(u, &app.client_id));
    let immediate = get("immediate").eq_ignore_ascii_case("true");
    if immediate && !(approved && !prompt_login && !prompt_consent) {
        let mut pairs = vec![("error", "immediate_unsuccessful")];
        if let Some(s) = params.get("state") {
            pairs.push(("state", s.as_str()));
        }
        return found(&with_query(&redirect_uri, &pairs));
    }
    if prompt_login {
        return Html(login_page(&params, None)).into_response();
    }
    match user {
        Some(user) if approved && !prompt_consent => {
            match code_redirect(&state, &app.client_id, user, &params) {
                Ok(target) => found(&target),
                Err(why) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
            }
        }
        Some(user) => Html(consent_page(&state, &headers, &params, &user, None)).into_response(),
        None => Html(login_page(&params, None)).into_response(),
    }
}

/// The authorize page around `body` (the form's inputs), with the request's parameters as
/// hidden fields and a submit button `#allow` labelled `button`.
fn authorize_form(
    params: &HashMap<String, String>,
    intro: &str,
    error: Option<&str>,
    body: &str,
    button: &str,
) -> String {
    let hidden: String = [
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .filter_map(|k| {
        params.get(*k).map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
    })
    .collect();
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\"><title>Log in to the sandbox org</title>\
         <style>body{{font:15px system-ui,sans-serif;max-width:360px;margin:60px auto;color:#1f2430}}label{{display:block;margin:12px 0 4px}}\
         input[type=text],input[type=password]{{width:100%;padding:8px;box-sizing:border-box}}button{{margin-top:16px;padding:8px 16px}}.error{{color:#c4320a}}</style></head>\
         <body><h1>Sandbox org</h1><p>{intro}</p>{error}\
         <form method=\"post\">{hidden}{body}\
         <button type=\"submit\" id=\"allow\">{button}</button></form></body></html>"
    )
}

/// The login form: username and password, then allow.
fn login_page(params: &HashMap<String, String>, error: Option<&str>) -> String {
    authorize_form(
        params,
        "Log in, then allow access to your records.",
        error,
        "<label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\">\
         <label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\">",
        "Log in and allow",
    )
}

/// The anti-forgery field of the consent form, checked against the login session's token.
const FORM_TOKEN: &str = "confirmation_token";

/// The consent page for the logged-in `user`: no password, only "Allow", and the login
/// session's anti-forgery token.
fn consent_page(
    state: &SandboxState,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    user: &crate::id::SfId,
    error: Option<&str>,
) -> String {
    let username = state
        .org
        .user_by_id(user)
        .map(|u| u.username.clone())
        .unwrap_or_else(|| user.as_str().to_owned());
    let token = sid_cookie(headers)
        .and_then(|sid| state.auth.form_token(&sid))
        .unwrap_or_default();
    authorize_form(
        params,
        &format!(
            "Allow Salesforce Pane to access your records as {}?",
            escape(&username)
        ),
        error,
        &format!(
            "<input type=\"hidden\" name=\"{FORM_TOKEN}\" value=\"{}\">",
            escape(&token)
        ),
        "Allow",
    )
}

/// `POST /services/oauth2/authorize`: the login form (checks the user, starts a login
/// session: the `sid` cookie) or the consent form (no username nor password, a valid `sid`
/// and its anti-forgery token, else 403: the "Allow" click of a logged-in user). Either
/// records the user's approval of the app and redirects with a code.
async fn authorize_submit(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let app = match connected_app(&state, &params) {
        Ok(app) => app,
        Err(refused) => return *refused,
    };
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let consent_only = get("username").is_empty() && get("password").is_empty();
    let (user, logged_in_now) = match logged_in_user(&state, &headers).filter(|_| consent_only) {
        // "Allow" counts only with the login session's anti-forgery token: another site can
        // post this form with the user's cookie, but cannot read the page that holds it.
        Some(user)
            if !sid_cookie(&headers)
                .is_some_and(|sid| state.auth.form_token_matches(&sid, &get(FORM_TOKEN))) =>
        {
            return (
                StatusCode::FORBIDDEN,
                Html(consent_page(
                    &state,
                    &headers,
                    &params,
                    &user,
                    Some("This approval did not come from this page. Allow again if you meant it."),
                )),
            )
                .into_response();
        }
        Some(user) => (user, false),
        None => match check_login(&state, &get("username"), &get("password")) {
            Some(user) => (user, true),
            None => {
                return (
                    StatusCode::UNAUTHORIZED,
                    Html(login_page(
                        &params,
                        Some("Please check your username and password."),
                    )),
                )
                    .into_response();
            }
        },
    };
    let target = match code_redirect(&state, &app.client_id, user.clone(), &params) {
        Ok(target) => target,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
    };
    state.auth.approve(&user, &app.client_id);
    let mut res = Redirect::to(&target).into_response();
    if logged_in_now {
        let sid = state.auth.login(user);
        // Secure, and SameSite=None so that the cookie rides along when the app sends the
        // browser here from its own site; Chromium takes Secure cookies on http://127.0.0.1
        // and http://localhost. `sid` is URL-safe base64: always a valid header value.
        if let Ok(value) = header::HeaderValue::from_str(&format!(
            "{SID}={sid}; Path=/; HttpOnly; Secure; SameSite=None"
        )) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    res
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn check_login(state: &SandboxState, username: &str, password: &str) -> Option<crate::id::SfId> {
    let demo = state
        .org
        .settings
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))?;
    // Demo passwords, compared in constant time all the same.
    let same = demo.password.len() == password.len()
        && demo
            .password
            .bytes()
            .zip(password.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| state.org.user(username).map(|u| u.id.clone()))
        .flatten()
}

fn grant_json(state: &SandboxState, grant: &TokenGrant, secret: &str) -> Value {
    let id = state.identity_url(grant.session.user_id.as_str());
    let issued_at = grant.issued_at.to_string();
    let mut out = json!({
        "access_token": grant.access_token,
        "signature": Auth::signature(secret, &id, &issued_at),
        "scope": "api refresh_token id",
        "instance_url": state.base_url(),
        "id": id,
        "token_type": "Bearer",
        "issued_at": issued_at,
    });
    if let (Some(r), Some(map)) = (&grant.refresh_token, out.as_object_mut()) {
        map.insert("refresh_token".into(), Value::from(r.as_str()));
    }
    out
}

/// `POST /services/oauth2/token`.
async fn token(
    State(state): State<SandboxState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let Some(app) = state.auth.app(&get("client_id")).cloned() else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_id",
            "client identifier invalid",
        );
    };
    // A secret, when sent, must be right; PKCE flows may leave it out.
    if params.contains_key("client_secret") && get("client_secret") != app.client_secret {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client credentials",
        );
    }
    let grant = match get("grant_type").as_str() {
        "authorization_code" => {
            if !params.contains_key("client_secret") && !params.contains_key("code_verifier") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "invalid client credentials",
                );
            }
            match state.auth.redeem(
                &get("code"),
                &app.client_id,
                &get("redirect_uri"),
                params.get("code_verifier").map(String::as_str),
            ) {
                Ok(session) => state.auth.issue(session, true),
                Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why),
            }
        }
        "refresh_token" => match state.auth.refresh(&get("refresh_token"), &app.client_id) {
            Some(grant) => grant,
            None => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "expired access/refresh token",
                );
            }
        },
        "password" => {
            if get("client_secret") != app.client_secret {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "invalid client credentials",
                );
            }
            match check_login(&state, &get("username"), &get("password")) {
                Some(user) => state.auth.issue(
                    Session {
                        user_id: user,
                        client_id: app.client_id.clone(),
                    },
                    false,
                ),
                None => {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "authentication failure",
                    );
                }
            }
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant type not supported",
            );
        }
    };
    Json(grant_json(&state, &grant, &app.client_secret)).into_response()
}

/// `POST /services/oauth2/revoke` (`token=`): 200, or 400 `invalid_token`.
async fn revoke(
    State(state): State<SandboxState>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    revoked(&state, crate::rest::param(&params, "token"))
}

async fn revoke_get(
    State(state): State<SandboxState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    revoked(&state, crate::rest::param(&params, "token"))
}

fn revoked(state: &SandboxState, token: &str) -> Response {
    if state.auth.revoke(token) {
        StatusCode::OK.into_response()
    } else {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "invalid token")
    }
}

fn bearer(
    state: &SandboxState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Option<Session> {
    let token = crate::session::bearer_token(headers)
        .or_else(|| query.get("oauth_token").map(String::as_str))?;
    state.auth.session(token.trim())
}

fn user_fields(state: &SandboxState, session: &Session) -> Option<HashMap<&'static str, Value>> {
    let record = state.org.store.get(&session.user_id).ok().flatten()?;
    let field = |k: &str| record.fields.get(k).cloned().unwrap_or(Value::Null);
    Some(HashMap::from([
        ("user_id", Value::from(session.user_id.as_str())),
        ("username", field("Username")),
        ("email", field("Email")),
        ("first_name", field("FirstName")),
        ("last_name", field("LastName")),
        ("display_name", field("Name")),
        ("nick_name", field("Alias")),
        ("profile_name", field("ProfileName")),
    ]))
}

/// `GET /services/oauth2/userinfo` (OpenID Connect claims).
async fn userinfo(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(session) = bearer(&state, &headers, &query) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let Some(u) = user_fields(&state, &session) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    let org_id = state.org.org_id();
    Json(json!({
        "sub": state.identity_url(session.user_id.as_str()), "user_id": u["user_id"], "organization_id": org_id,
        "preferred_username": u["username"], "nickname": u["nick_name"], "name": u["display_name"],
        "email": u["email"], "email_verified": true, "given_name": u["first_name"], "family_name": u["last_name"],
        "zoneinfo": "America/Los_Angeles", "locale": "en_US", "active": true, "user_type": "STANDARD",
        "profile_name": u["profile_name"],
        "urls": identity_urls(&state),
    }))
    .into_response()
}

fn identity_urls(state: &SandboxState) -> Value {
    let base = state.base_url();
    json!({
        "enterprise": format!("{base}/services/Soap/c/{{version}}"), "partner": format!("{base}/services/Soap/u/{{version}}"),
        "rest": format!("{base}/services/data/v{{version}}/"), "sobjects": format!("{base}/services/data/v{{version}}/sobjects/"),
        "search": format!("{base}/services/data/v{{version}}/search/"), "query": format!("{base}/services/data/v{{version}}/query/"),
        "profile": format!("{base}/"),
    })
}

/// The identity URL: who the token belongs to.
async fn identity(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    Path((org, user)): Path<(String, String)>,
) -> Response {
    let Some(session) = bearer(&state, &headers, &query) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    if org != state.org.org_id() || user != session.user_id.as_str() {
        return (StatusCode::FORBIDDEN, "Bad_Id").into_response();
    }
    let Some(u) = user_fields(&state, &session) else {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    };
    Json(json!({
        "id": state.identity_url(&user), "asserted_user": true, "user_id": user, "organization_id": org,
        "username": u["username"], "nick_name": u["nick_name"], "display_name": u["display_name"], "email": u["email"],
        "email_verified": true, "first_name": u["first_name"], "last_name": u["last_name"], "timezone": "America/Los_Angeles",
        "active": true, "user_type": "STANDARD", "language": "en_US", "locale": "en_US", "utcOffset": -28_800_000,
        "last_modified_date": "2026-01-01T00:00:00Z", "is_app_installed": true, "profile_name": u["profile_name"],
        "urls": identity_urls(&state),
    }))
    .into_response()
}
