//! The proxy's cookies, as pure functions: the agent's session and a link's binding.
//!
//! - **`pane_session`**: the agent's proxy session (an opaque random token, stored hashed).
//!   `HttpOnly` (no script reads it), `Secure`, `SameSite=None` (the panel is a cross-site
//!   frame in the inbox) and `Partitioned` (CHIPS: kept per top-level site, so it works where
//!   third-party cookies are blocked, and a copy set inside Front is sent only inside Front).
//!   The OAuth callback also sets an unpartitioned copy in its own top-level window: a panel
//!   granted storage access (the Storage Access API, for browsers that refuse partitioned
//!   cookies) reads that one.
//! - **`pane_link_<tx>`**: binds a link in progress to the browser that began it. Set when the
//!   popup opens `/oauth/begin`, checked (and cleared) by `/oauth/callback`: a callback in any
//!   other browser is refused. `SameSite=Lax`, so it comes back on Salesforce's redirect.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

/// The session cookie's name.
pub const SESSION: &str = "pane_session";

/// The binding cookie's name for link `tx`.
fn binding_name(tx: &str) -> String {
    format!("pane_link_{tx}")
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // Names and values are base64url and fixed words: always a valid header value.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// `Set-Cookie` for the session `token`, valid `max_age_secs`; `partitioned` for the copy the
/// panel's frame keeps.
pub fn session(token: &str, max_age_secs: i64, partitioned: bool) -> HeaderValue {
    header_value(
        &Cookie::build((SESSION, token.to_owned()))
            .path("/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::None)
            .partitioned(partitioned)
            .max_age(Duration::seconds(max_age_secs))
            .build(),
    )
}

/// `Set-Cookie` headers that end the session cookie, both copies.
pub fn end_session() -> [HeaderValue; 2] {
    [session("", 0, true), session("", 0, false)]
}

/// `Set-Cookie` binding link `tx` to this browser with `secret`, for ten minutes, sent back
/// only to `/oauth/`.
pub fn binding(tx: &str, secret: &str) -> HeaderValue {
    binding_for(tx, secret, 600)
}

/// `Set-Cookie` clearing link `tx`'s binding.
pub fn end_binding(tx: &str) -> HeaderValue {
    binding_for(tx, "", 0)
}

fn binding_for(tx: &str, secret: &str, max_age_secs: i64) -> HeaderValue {
    header_value(
        &Cookie::build((binding_name(tx), secret.to_owned()))
            .path("/oauth/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Lax)
            .max_age(Duration::seconds(max_age_secs))
            .build(),
    )
}

/// Every value the request's cookies hold under `name` (a browser may send two copies of
/// the session: the partitioned one and, with storage access, the unpartitioned one).
fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(|c| c.name() == name && !c.value().is_empty())
        .map(|c| c.value().to_owned())
        .collect()
}

/// The session tokens the request carries.
pub fn sessions(headers: &HeaderMap) -> Vec<String> {
    values(headers, SESSION)
}

/// The binding secret the request carries for link `tx`.
pub fn bound(headers: &HeaderMap, tx: &str) -> Option<String> {
    values(headers, &binding_name(tx)).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_all(set: &HeaderValue, parts: &[&str]) {
        let set = set.to_str().unwrap();
        for part in parts {
            assert!(set.contains(part), "{part} missing from {set}");
        }
    }

    #[test]
    fn the_session_cookie_is_out_of_scripts_reach_and_partitioned() {
        has_all(
            &session("tok", 60, true),
            &[
                "pane_session=tok",
                "HttpOnly",
                "Secure",
                "SameSite=None",
                "Partitioned",
                "Path=/",
                "Max-Age=60",
            ],
        );
        let top = session("tok", 60, false);
        assert!(!top.to_str().unwrap().contains("Partitioned"));
        for ended in end_session() {
            assert!(ended.to_str().unwrap().contains("Max-Age=0"));
        }
    }

    #[test]
    fn the_binding_cookie_is_lax_and_scoped_to_the_callback() {
        has_all(
            &binding("T1", "secret"),
            &[
                "pane_link_T1=secret",
                "HttpOnly",
                "Secure",
                "SameSite=Lax",
                "Path=/oauth/",
            ],
        );
    }

    #[test]
    fn reads_every_copy_and_only_its_own_names() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; pane_session=one; pane_link_T1=b1"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("pane_session=two; pane_session=; pane_link_T2=b2"),
        );
        assert_eq!(sessions(&headers), ["one", "two"]);
        assert_eq!(bound(&headers, "T1").as_deref(), Some("b1"));
        assert_eq!(bound(&headers, "T3"), None);
        assert!(sessions(&HeaderMap::new()).is_empty());
    }
}
