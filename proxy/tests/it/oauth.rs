//! Linking an agent through the sandbox org's login page, over real sockets.

use pane_proxy::Config;
use serde_json::Value;
use tokio::net::TcpListener;

#[tokio::test]
async fn an_agent_links_salesforce_and_gets_a_session() {
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
        .get(format!("{origin}/api/oauth/start"))
        .query(&[("origin", "https://evil.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400);

    let start: Value = http
        .get(format!("{origin}/api/oauth/start"))
        .query(&[("origin", origin.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let authorize = start["authorize_url"].as_str().unwrap();
    assert!(
        authorize.contains("code_challenge=")
            && authorize.contains("code_challenge_method=S256")
            && authorize.contains("state="),
        "{authorize}"
    );

    // The agent logs in on the org's own page.
    let res = crate::helpers::login_on_page(&http, authorize).await;
    assert_eq!(res.status(), 303);
    let callback = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        callback.starts_with(&format!("{origin}/oauth/callback?code=")),
        "{callback}"
    );

    let res = http.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("}}, \"{origin}\");")),
        "posted to the panel's exact origin: {html}"
    );
    let session = html
        .split("\"session\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(session.len() >= 40);

    // The same callback again: the state was used.
    assert_eq!(http.get(&callback).send().await.unwrap().status(), 400);

    let me: Value = http
        .get(format!("{origin}/api/me"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "ana@pane-support.example");
    assert!(me["user_id"].as_str().unwrap().starts_with("005"));
    let res = http.get(format!("{origin}/api/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "unauthorized");
    assert_eq!(
        http.get(format!("{origin}/api/me"))
            .bearer_auth("not-a-session")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let res = http
        .post(format!("{origin}/api/oauth/unlink"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        http.get(format!("{origin}/api/me"))
            .bearer_auth(&session)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let logs = logs.text();
    assert!(logs.contains("Salesforce linked"), "{logs}");
    assert!(!logs.contains(&session), "the session reached the logs");
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
