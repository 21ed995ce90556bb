//! Linking an agent through the sandbox org's login page, over real sockets: the session goes
//! only to the panel that started the link, in the browser that completed it, in a cookie no
//! script reads; and no other site's request can act with it.

use pane_proxy::Config;
use pane_wire::api::{LinkStatus, StatusRequest};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::login::{
    AsAgent, begin, finish, posted_code, redeem, sent, session_cookie, start_link, text_of,
};
use crate::running::{ANA, BEN, linked};

/// Every `Set-Cookie` of `res`.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `POST /api/oauth/status` for `started`, as its panel asks.
/// `GET /api/me` as `session`: the status and the answer (null when it is not JSON).
async fn me_as(http: &reqwest::Client, origin: &str, session: &str) -> (u16, Value) {
    let res = http.get(format!("{origin}/api/me")).agent(session).send();
    crate::helpers::json_of(res.await.unwrap()).await
}

async fn status(http: &reqwest::Client, origin: &str, started: &crate::login::Started) -> String {
    let request = StatusRequest {
        tx: started.tx.clone(),
        redeem: started.redeem.clone(),
    };
    http.post(format!("{origin}/api/oauth/status"))
        .panel()
        .json(&request)
        .send()
        .await
        .unwrap()
        .json::<LinkStatus>()
        .await
        .unwrap()
        .status
}

/// Asserts that `text` (cookies) holds each of `parts`.
fn assert_has_all(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}

#[tokio::test]
async fn an_agent_links_salesforce_and_gets_a_session_cookie() {
    let (logs, _guard) = crate::helpers::capture_logs();

    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let config = Config::for_dirs(dirs.path().join("dist"), dirs.path().join("www"));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(listener, config, async {
        let _ = stopped.await;
    }));
    let origin = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let foreign = http
        .post(format!("{origin}/api/oauth/start"))
        .panel()
        .json(&json!({"origin": "https://evil.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400, "a link for another origin");

    let started = start_link(&http, &origin, "agent", None).await;
    assert!(
        started
            .begin_url
            .starts_with(&format!("{origin}/oauth/begin?tx="))
    );
    let res = http.get(&started.begin_url).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["cross-origin-opener-policy"],
        "unsafe-none",
        "the popup keeps its opener through the redirect"
    );
    let binding = set_cookies(&res).join("\n");
    let link_cookie = ["pane_link_", "HttpOnly", "Secure", "SameSite=Lax"];
    assert_has_all(&binding, &link_cookie);
    assert_has_all(&binding, &["Path=/oauth/"]);
    let authorize = crate::login::header_of(&res, "location");
    assert!(
        authorize.contains("code_challenge=")
            && authorize.contains("code_challenge_method=S256")
            && authorize.contains("state=")
            && !authorize.contains("prompt="),
        "{authorize}"
    );
    // A link is begun once: a second popup (another browser) gets nothing to log in to.
    assert_eq!(
        http.get(&started.begin_url).send().await.unwrap().status(),
        400
    );
    let binding = binding.split(';').next().unwrap().to_owned();

    // The agent logs in on the org's own page.
    let res = crate::helpers::login_on_page(&http, &authorize).await;
    assert_eq!(res.status(), 303);
    let callback = crate::login::header_of(&res, "location");
    assert!(
        callback.starts_with(&format!("{origin}/oauth/callback?code=")),
        "{callback}"
    );
    let visit_callback = || sent(http.get(&callback).header("cookie", &binding));
    let res = visit_callback().await;
    assert_eq!(res.status(), 200);
    let csp = crate::login::header_of(&res, "content-security-policy");
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-"),
        "{csp}"
    );
    let first_party = set_cookies(&res)
        .into_iter()
        .find(|c| c.starts_with("pane_session="))
        .expect("the popup keeps the session in its own cookie");
    assert!(
        first_party.contains("HttpOnly") && !first_party.contains("Partitioned"),
        "{first_party}"
    );
    let session_value = session_cookie(&res).unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("o = \"{origin}\";")),
        "posted to the panel's exact origin: {html}"
    );
    let code = posted_code(&html).unwrap();
    assert!(
        !html.contains(&session_value),
        "the page's script never sees the session"
    );

    // The same callback again: the state was used.
    assert_eq!(visit_callback().await.status(), 400);

    assert_eq!(status(&http, &origin, &started).await, "done");
    // The panel redeems: the answer sets the partitioned cookie and says nothing more.
    let res = redeem(&http, &origin, &started, &code).await;
    assert_eq!(res.status(), 200);
    let cookies = set_cookies(&res).join("\n");
    let session_cookie_parts = ["HttpOnly", "Secure", "SameSite=None", "Partitioned"];
    assert_has_all(&cookies, &session_cookie_parts);
    assert_has_all(&cookies, &["Path=/"]);
    let session = session_cookie(&res).unwrap();
    assert_eq!(session, session_value);
    assert!(!res.text().await.unwrap().contains(&session));
    assert_eq!(
        redeem(&http, &origin, &started, &code).await.status(),
        400,
        "once"
    );
    assert_eq!(status(&http, &origin, &started).await, "gone");

    let (status_code, me) = me_as(&http, &origin, &session).await;
    assert_eq!(status_code, 200, "{me}");
    assert_eq!(me["username"], "ana@pane-support.example");
    assert!(me["user_id"].as_str().unwrap().starts_with("005"));
    assert_eq!(me["linked"], true, "{me}");
    // A browser without a linked session is told so, with the proxy's health, in one answer:
    // without a cookie, with one no link holds, with a bearer token (not a session any more).
    let health = http.get(format!("{origin}/api/health")).send();
    let (_, health) = crate::helpers::json_of(health.await.unwrap()).await;
    let unlinked = json!({"linked": false, "health": health});
    let no_cookie = http.get(format!("{origin}/api/me")).send();
    assert_eq!(
        crate::helpers::json_of(no_cookie.await.unwrap()).await,
        (200, unlinked.clone())
    );
    assert_eq!(
        me_as(&http, &origin, "not-a-session").await,
        (200, unlinked.clone())
    );
    let bearer = http
        .get(format!("{origin}/api/me"))
        .bearer_auth(&session)
        .header("x-pane-request", "1")
        .send();
    assert_eq!(
        crate::helpers::json_of(bearer.await.unwrap()).await,
        (200, unlinked.clone())
    );
    // Every other route still refuses a browser without a session.
    let res = http
        .get(format!("{origin}/api/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");

    let res = http
        .post(format!("{origin}/api/oauth/unlink"))
        .agent(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let cleared = set_cookies(&res).join("\n");
    assert_eq!(cleared.matches("pane_session=;").count(), 2, "{cleared}");
    assert_eq!(me_as(&http, &origin, &session).await, (200, unlinked));

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let logs = logs.text();
    assert!(logs.contains("Salesforce linked"), "{logs}");
    for secret in [&session, &code, &started.redeem] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
    }
    let code = callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(
        !logs.contains(code),
        "the authorization code reached the logs"
    );
}

/// The takeover the probe found: Mallory starts a link and gets Ben to complete it (the begin
/// URL in a message; Salesforce lets a signed-in user who approved the app straight through).
/// Mallory holds the link's redeem secret, but the code went only to Ben's browser: she gets
/// nothing, and Ben is linked as himself, in his own browser only.
#[tokio::test]
async fn a_link_completed_in_another_browser_gives_its_starter_nothing() {
    let proxy = linked().await;
    let (http, origin) = (&proxy.http, proxy.origin.as_str());
    let mallory = start_link(http, origin, "agent", None).await;

    // Ben's browser opens the begin URL and logs in.
    let bens_popup = begin(http, &mallory.begin_url).await;
    let res = finish(http, &bens_popup.authorize, BEN, Some(&bens_popup.binding)).await;
    assert_eq!(res.status(), 200);
    let bens_session = session_cookie(&res).expect("his popup keeps his session");
    let bens_code = posted_code(&res.text().await.unwrap()).unwrap();

    // Mallory sees the link finish, and can redeem nothing with what she holds.
    assert_eq!(status(http, origin, &mallory).await, "done");
    for code in ["", "guess", mallory.redeem.as_str(), mallory.tx.as_str()] {
        let res = redeem(http, origin, &mallory, code).await;
        assert_eq!(res.status(), 400, "{code:?}");
        assert_eq!(session_cookie(&res), None);
    }
    // Nor with Ben's code and a secret of her own (another link of hers).
    let other = start_link(http, origin, "agent", None).await;
    let forged = crate::login::Started {
        tx: mallory.tx.clone(),
        redeem: other.redeem.clone(),
        begin_url: String::new(),
    };
    assert_eq!(
        redeem(http, origin, &forged, &bens_code).await.status(),
        400
    );
    // Polling tells her no more than the status.
    let poll = http
        .post(format!("{origin}/api/oauth/status"))
        .panel()
        .json(&json!({"tx": mallory.tx, "redeem": mallory.redeem}));
    let polled = text_of(poll).await;
    assert_eq!(polled, r#"{"status":"done"}"#);

    // Ben is linked as himself, in his own browser (the cookie his popup kept).
    let (status_code, me) = me_as(http, origin, &bens_session).await;
    assert_eq!((status_code, me["username"].as_str()), (200, Some(BEN.0)));
    proxy.stop().await;
}

/// The other way round: Mallory begins a link in her own browser and has Ben's browser land
/// on its callback (the authorize URL in a message, or a login CSRF with her own account).
/// Ben's browser has no binding cookie for it: the callback refuses, stores nothing, and
/// says why; nobody gets a session.
#[tokio::test]
async fn a_callback_in_a_browser_that_did_not_begin_the_link_is_refused() {
    let proxy = linked().await;
    let (http, origin) = (&proxy.http, proxy.origin.as_str());
    /// The cookie Ben's browser sends, given the one her popup got.
    type Binding = fn(&str) -> Option<String>;
    let cases: [(&str, Binding); 3] = [
        ("no cookie", |_| None),
        ("another link's cookie", |_| {
            Some("pane_link_x=y".to_owned())
        }),
        ("her cookie's name with another value", |hers| {
            Some(format!("{hers}x"))
        }),
    ];
    let mut last = None;
    for (who, binding) in cases {
        let mallory = start_link(http, origin, "agent", None).await;
        let her_popup = begin(http, &mallory.begin_url).await;
        let binding = binding(&her_popup.binding);
        let res = finish(http, &her_popup.authorize, BEN, binding.as_deref()).await;
        assert_eq!(res.status(), 400, "{who}");
        assert!(
            set_cookies(&res)
                .iter()
                .all(|c| !c.starts_with("pane_session=")),
            "{who}: no session"
        );
        let page = res.text().await.unwrap();
        assert!(page.contains("started in another browser"), "{who}: {page}");
        assert!(posted_code(&page).is_none(), "{who}");
        assert_eq!(status(http, origin, &mallory).await, "failed", "{who}");
        last = Some((mallory, her_popup));
    }
    let (mallory, her_popup) = last.unwrap();
    // The first refusal ended the link: even her own browser cannot finish it now.
    let res = finish(http, &her_popup.authorize, ANA, Some(&her_popup.binding)).await;
    assert_eq!(res.status(), 400);
    assert!(posted_code(&res.text().await.unwrap()).is_none());
    assert_eq!(status(http, origin, &mallory).await, "failed");
    proxy.stop().await;
}

/// Every route that changes something, or spends the org's API quota, as another site's page
/// could send it to a linked agent's browser (which adds the `SameSite=None` session cookie):
/// a form post, a `no-cors` fetch, and, for defence in depth, requests a browser marks as
/// cross-site or same-site even with the panel's header. All refused with 403 `cross_site`;
/// nothing reaches Salesforce and the agent stays linked.
#[tokio::test]
async fn cross_site_requests_to_every_state_changing_route_are_refused() {
    let proxy = linked().await;
    let (http, origin) = (&proxy.http, proxy.origin.as_str());
    let session = proxy.session.clone();
    let loopback_twin = origin.replace("127.0.0.1", "localhost");
    let contact = "003000000000001AAA";
    let routes: Vec<(Method, String)> = vec![
        (Method::POST, "/api/oauth/start".into()),
        (Method::POST, "/api/oauth/redeem".into()),
        (Method::POST, "/api/oauth/status".into()),
        (Method::POST, "/api/oauth/unlink".into()),
        (Method::POST, "/api/records/Contact".into()),
        (Method::PATCH, format!("/api/records/Contact/{contact}")),
        (Method::POST, "/api/leads/00Q000000000001AAA/convert".into()),
        (Method::PUT, "/api/settings/org".into()),
        (Method::PUT, "/api/settings/layout".into()),
        (Method::PUT, "/api/pins".into()),
        (Method::DELETE, "/api/pins".into()),
        (Method::POST, "/api/admin/rules/1/retry".into()),
        (Method::DELETE, "/api/admin/integration".into()),
        // Reads that spend the org's quota.
        (
            Method::GET,
            "/api/panel?kind=email&handle=rose%40edge.com".into(),
        ),
        (Method::GET, "/api/search?q=Rose".into()),
    ];
    let evil = "http://evil.example";
    let variants: [(&str, Vec<(&str, &str)>); 5] = [
        (
            "a form post",
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", evil),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        ),
        (
            "a no-cors fetch",
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", evil),
                ("content-type", "text/plain"),
            ],
        ),
        (
            "cross-site with the panel's header",
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", evil),
                ("x-pane-request", "1"),
                ("content-type", "application/json"),
            ],
        ),
        (
            "the other loopback name (same-site)",
            vec![
                ("sec-fetch-site", "same-site"),
                ("origin", &loopback_twin),
                ("x-pane-request", "1"),
                ("content-type", "application/json"),
            ],
        ),
        (
            "an old browser on another site",
            vec![
                ("origin", evil),
                ("x-pane-request", "1"),
                ("content-type", "application/json"),
            ],
        ),
    ];
    let before = proxy.salesforce_calls().await;
    for (method, path) in &routes {
        for (what, headers) in &variants {
            let mut req = http
                .request(method.clone(), format!("{origin}{path}"))
                .header("cookie", format!("pane_session={session}"))
                .body(r#"{"fields":{"LastName":"Forged"}}"#);
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            let (status, body) = crate::helpers::json_of(req.send().await.unwrap()).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (403, Some("cross_site")),
                "{method} {path}, {what}: {body}"
            );
        }
    }
    assert_eq!(
        proxy.salesforce_calls().await,
        before,
        "nothing reached Salesforce"
    );
    let (status, me) = proxy.call(Method::GET, "/api/me", &session).await;
    assert_eq!(
        (status, me["username"].as_str()),
        (200, Some(ANA.0)),
        "still linked"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn me_answers_the_org_currency_read_when_the_agent_linked() {
    let mut proxy = linked().await;
    let me: pane_wire::api::Me = proxy.read_as(Method::GET, "/api/me", &proxy.session).await;
    assert_eq!(
        me.currency.as_deref(),
        Some("USD"),
        "the demo org's currency"
    );
    proxy.control("currency", json!({"iso_code": "EUR"})).await;
    let ben = proxy.link_as(BEN).await;
    let me: pane_wire::api::Me = proxy.read_as(Method::GET, "/api/me", &ben).await;
    assert_eq!(me.currency.as_deref(), Some("EUR"), "a euro org's agent");
    proxy.stop().await;
}
