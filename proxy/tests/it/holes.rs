//! Issue 14's outside-probe findings (points 2 to 4), one test each: the dev rules route, log
//! forging, and the static files' one-path-per-file rule.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use pane_wire::api::Backend;
use tower::ServiceExt;

use crate::helpers::{
    PANEL_HTML, TestApp, body_text, capture_logs, get, test_app, test_app_with_org, test_config,
    write_sites,
};

/// An app whose panel needs the host's secret, its folders kept for the test's life.
async fn gated_app(dirs: &tempfile::TempDir) -> axum::Router {
    write_sites(dirs.path());
    let mut config = test_config(dirs.path());
    config.host_secret = Some("front-shared-secret".parse().unwrap());
    crate::helpers::test_router(&config).await
}

#[tokio::test]
async fn the_panel_page_has_one_path_and_the_gate_sees_it() {
    let dirs = tempfile::tempdir().unwrap();
    let app = gated_app(&dirs).await;
    for uri in [
        "/plugin/%69ndex.html",
        "/plugin/index%2ehtml",
        "/plugin/index%2Ehtml",
        "/plugin/./index.html",
        "/plugin/../plugin/index.html",
        "/plugin//index.html",
        "/plugin/index.html/",
        "/plugin/%2e/index.html",
        "/plugin/.%2findex.html",
    ] {
        let res = get(&app, uri).await;
        let status = res.status();
        let body = body_text(res).await;
        assert!(
            status.is_client_error() || status.is_redirection(),
            "{uri}: {status}"
        );
        assert_ne!(body, PANEL_HTML, "{uri} served the panel around the gate");
    }
    // The canonical spelling: the page with the host's secret, the gate without it.
    let res = get(&app, "/plugin/index.html?auth_secret=front-shared-secret").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_text(res).await, PANEL_HTML);
    for (uri, status) in [
        ("/plugin/index.html", StatusCode::FORBIDDEN),
        // Other files still serve under their one name.
        ("/plugin/panel.js", StatusCode::OK),
        ("/plugin/panel.js/", StatusCode::NOT_FOUND),
    ] {
        assert_eq!(get(&app, uri).await.status(), status, "{uri}");
    }
}

#[tokio::test]
async fn an_over_long_file_name_is_a_404_not_a_500() {
    let (logs, _guard) = capture_logs();
    let app = test_app().await;
    let name = "a".repeat(300);
    for uri in [
        format!("/plugin/{name}.js"),
        format!("/{name}"),
        format!("/js/{name}"),
    ] {
        let status = app.get(&uri).await.status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    assert!(
        !logs.text().contains("File name too long"),
        "an over-long name is logged as an error: {}",
        logs.text()
    );
}

#[tokio::test]
async fn redirects_are_same_origin_paths() {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    std::fs::create_dir_all(dirs.path().join("www/js")).unwrap();
    std::fs::write(dirs.path().join("www/js/inbox.js"), "1").unwrap();
    std::fs::create_dir_all(dirs.path().join("dist/assets")).unwrap();
    std::fs::write(dirs.path().join("dist/assets/a.css"), "a{}").unwrap();
    let app = gated_app(&dirs).await;
    for uri in ["//js", "//js/", "///js", "/\\js", "/%2fjs", "/%5cjs"] {
        let res = get(&app, uri).await;
        if let Some(location) = res.headers().get("location") {
            let location = location.to_str().unwrap();
            assert!(
                location.starts_with('/') && !location.starts_with("//"),
                "{uri} redirects to {location}"
            );
        }
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
    }
    // A folder without its `/` redirects to the folder, with the full path (also under
    // `/plugin/`, where a nested service would lose the prefix).
    let res = get(&app, "/js").await;
    assert!(res.status().is_redirection());
    assert_eq!(crate::helpers::header(&res, "location"), "/js/");
    let res = get(&app, "/plugin/assets").await;
    assert!(res.status().is_redirection());
    assert_eq!(crate::helpers::header(&res, "location"), "/plugin/assets/");
    assert_eq!(get(&app, "/js/inbox.js").await.status(), StatusCode::OK);
    assert_eq!(
        get(&app, "/plugin/assets/a.css").await.status(),
        StatusCode::OK
    );
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_do_not_lead_out_of_the_folders() {
    let dirs = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside the folder").unwrap();
    write_sites(dirs.path());
    let app = gated_app(&dirs).await;
    for site in ["dist", "www"] {
        let folder = dirs.path().join(site);
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), folder.join("leak.txt"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), folder.join("out")).unwrap();
        // A symlink that stays inside is followed.
        std::os::unix::fs::symlink(folder.join("index.html"), folder.join("inside.html")).unwrap();
    }
    for uri in [
        "/plugin/leak.txt",
        "/plugin/out/secret.txt",
        "/leak.txt",
        "/out/secret.txt",
        "/out",
    ] {
        let res = get(&app, uri).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !body_text(res).await.contains("outside the folder"),
            "{uri}"
        );
    }
    for uri in ["/inside.html", "/plugin/inside.html"] {
        assert_eq!(get(&app, uri).await.status(), StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn nothing_a_client_sends_forges_a_log_line() {
    let (logs, _guard) = capture_logs();
    let app = test_app_with_org().await;
    // An OAuth callback's `error`, with a line break, a forged line and terminal escapes.
    let res = app
        .get("/oauth/callback?error=%0D%0A2030-01-01T00:00:00Z%20INFO%20forged-callback-line%1B%5B31m&state=x")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // An event id from the dev inbox (a browser's text), through the dev rules route.
    let event = crate::rules::event(
        "evt_forge\r\n2030-01-01T00:00:00Z INFO forged-event-line\u{1b}[31m",
        "msg_forge_1",
        true,
        None,
        ("someone@example.com", "Someone"),
        "email",
    );
    let res = fire_dev(&app, &event).await;
    assert_eq!(
        res.status(),
        StatusCode::ACCEPTED,
        "{}",
        body_text(res).await
    );
    let text = logs.text();
    assert!(
        !text.contains("forged-callback-line"),
        "the callback's error was logged: {text}"
    );
    let forged_event = text
        .lines()
        .any(|line| line.starts_with("2030-01-01T00:00:00Z INFO forged-event-line"));
    assert!(!forged_event, "an event id forged a log line: {text}");
    assert!(
        !text.contains('\u{1b}'),
        "a terminal escape reached the log"
    );
    assert!(!text.contains('\r'), "a carriage return reached the log");
}

/// Fires `event` through the dev inbox's rules route, as its page does.
async fn fire_dev(app: &TestApp, event: &serde_json::Value) -> axum::response::Response {
    let router = app.router.clone();
    router.oneshot(dev_rule_request(event)).await.unwrap()
}

/// The dev inbox's rule request, as its page sends it.
fn dev_rule_request(event: &serde_json::Value) -> Request<Body> {
    Request::post("/__dev/rules/send-to-salesforce")
        .header("content-type", "application/json")
        .header("x-pane-dev-inbox", "1")
        .body(Body::from(serde_json::to_vec(event).unwrap()))
        .unwrap()
}

#[tokio::test]
async fn the_dev_rules_route_takes_only_the_dev_inbox_page() {
    let app = test_app_with_org().await;
    let event = |id: &str| {
        serde_json::to_vec(&crate::rules::event(
            id,
            &format!("msg_{id}"),
            true,
            None,
            ("someone@example.com", "Someone"),
            "email",
        ))
        .unwrap()
    };
    let send = |headers: Vec<(&'static str, &'static str)>, body: Vec<u8>| {
        let mut request = Request::post("/__dev/rules/send-to-salesforce");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(Body::from(body)).unwrap();
        let app = app.router.clone();
        async move { app.oneshot(request).await.unwrap().status() }
    };
    let host = ("host", "localhost:8080");
    // A cross-site form (text/plain, no preflight), a no-cors fetch, a cross-site fetch that
    // somehow carried the header, and a same-origin request without the header: refused.
    let refused = [
        vec![
            host,
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("content-type", "text/plain"),
        ],
        vec![
            host,
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
        ],
        vec![
            host,
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("content-type", "application/json"),
            ("x-pane-dev-inbox", "1"),
        ],
        vec![
            host,
            ("origin", "http://localhost:8080.evil.example"),
            ("content-type", "application/json"),
            ("x-pane-dev-inbox", "1"),
        ],
        vec![
            host,
            ("origin", "null"),
            ("content-type", "application/json"),
            ("x-pane-dev-inbox", "1"),
        ],
        vec![
            host,
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-site"),
            ("content-type", "application/json"),
            ("x-pane-dev-inbox", "1"),
        ],
        vec![
            host,
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-origin"),
            ("content-type", "application/json"),
        ],
        vec![
            host,
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-origin"),
            ("content-type", "text/plain"),
            ("x-pane-dev-inbox", "1"),
        ],
    ];
    for (i, headers) in refused.into_iter().enumerate() {
        let status = send(headers.clone(), event(&format!("evt_refused_{i}"))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    // The dev inbox's own page.
    let status = send(
        vec![
            host,
            ("origin", "http://localhost:8080"),
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-mode", "cors"),
            ("content-type", "application/json"),
            ("x-pane-dev-inbox", "1"),
        ],
        event("evt_same_origin"),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn the_dev_rules_route_waits_for_its_org_to_be_linked() {
    let app = test_app().await;
    let event = crate::rules::inbound_email("evt_early", "msg_early", crate::rules::ROSE);
    let res = fire_dev(&app, &event).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body_text(res).await.contains("link it first"));
}

#[tokio::test]
async fn the_dev_rules_route_exists_only_with_the_sandbox_org() {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let config = test_config(dirs.path());
    let state = crate::helpers::test_state(&config, 1, Backend::Salesforce)
        .await
        .unwrap();
    let app = pane_proxy::app(state);
    let res = app
        .oneshot(dev_rule_request(&serde_json::json!({"id": "evt_x"})))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
