//! In-process requests through `app()`.

use axum::http::StatusCode;
use pane_proxy::security::inline_script_hashes;
use pane_wire::api::{ApiError, Backend, Health};

use crate::helpers::{
    PANEL_HTML, PANEL_JS, body_text, get_accepting, header, test_app, test_config,
};

#[tokio::test]
async fn health_reports_ok_version_and_backend() {
    let app = test_app().await;
    let res = app.get("/api/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert_eq!(
        header(&res, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
    let health: Health = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(health.backend, Backend::Sandbox);
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404() {
    let app = test_app().await;
    let res = app.get("/api/nope?auth_secret=x").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(header(&res, "content-type").starts_with("application/json"));
    let err: ApiError = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(err.code, "not_found");
    assert_eq!(err.message, "no such API route: /api/nope");
}

#[tokio::test]
async fn panel_page_has_a_csp_with_its_script_hash_and_frame_ancestors() {
    let app = test_app().await;
    let res = app.get("/plugin/?auth_secret=abc").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = header(&res, "content-security-policy").to_owned();
    let hash = &inline_script_hashes(PANEL_HTML)[0];
    assert!(
        csp.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {hash}")),
        "{csp}"
    );
    assert!(
        csp.contains(
            "frame-ancestors https://*.frontapp.com https://*.frontapplication.com \
             http://127.0.0.1:8080 http://localhost:8080"
        ),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        res.headers().get("x-frame-options").is_none(),
        "the panel must be frameable"
    );
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "referrer-policy"), "no-referrer");
    assert_eq!(body_text(res).await, PANEL_HTML);
}

#[tokio::test]
async fn plugin_without_slash_redirects_keeping_the_query() {
    let app = test_app().await;
    let res = app.get("/plugin?auth_secret=abc").await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&res, "location"), "/plugin/?auth_secret=abc");
}

#[tokio::test]
async fn panel_assets_are_served_and_missing_ones_are_404() {
    let app = test_app().await;
    let res = app.get("/plugin/panel.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").contains("javascript"));
    assert!(header(&res, "content-security-policy").contains("frame-ancestors"));
    let res = app.get("/plugin/missing.wasm").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// The bundle goes out gzipped to browsers that accept it (the wasm is 950 kB raw).
#[tokio::test]
async fn panel_assets_are_gzipped_when_the_browser_accepts_it() {
    let app = test_app().await;
    let asked = |encoding| get_accepting(&app.router, "/plugin/panel.js", encoding);
    let res = asked(Some("gzip, deflate, br")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert!(header(&res, "content-security-policy").contains("frame-ancestors"));
    let res = asked(None).await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(body_text(res).await, PANEL_JS);
}

#[tokio::test]
async fn dev_inbox_is_served_at_root_and_only_frames_itself() {
    let app = test_app().await;
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-frame-options"), "SAMEORIGIN");
    let csp = header(&res, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(
        csp.contains("frame-src 'self' http://localhost:* http://127.0.0.1:*"),
        "{csp}"
    );
    assert!(body_text(res).await.contains("Dev inbox"));
}

#[tokio::test]
async fn unbuilt_panel_says_how_to_build_it() {
    let dirs = tempfile::tempdir().unwrap();
    let config = test_config(dirs.path());
    let app = crate::helpers::test_router(&config).await;
    let res = crate::helpers::get(&app, "/plugin/").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(body_text(res).await.contains("scripts/run"));
}

#[tokio::test]
async fn a_host_origin_that_would_break_the_csp_is_refused() {
    let dirs = tempfile::tempdir().unwrap();
    let mut config = test_config(dirs.path());
    config.host_origins = vec![
        "https://ok.example".into(),
        "https://x.example; script-src *".into(),
    ];
    let err = crate::helpers::test_state(&config, 1, Backend::Sandbox)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid host origin"), "{err}");
}

#[tokio::test]
async fn with_a_host_secret_the_panel_opens_only_for_the_host() {
    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let mut config = test_config(dirs.path());
    config.host_secret = Some("front-shared-secret".parse().unwrap());
    let app = crate::helpers::test_router(&config).await;
    for (uri, status) in [
        ("/plugin/", StatusCode::FORBIDDEN),
        ("/plugin/?auth_secret=wrong", StatusCode::FORBIDDEN),
        (
            "/plugin/?auth_secret=front-shared-secre",
            StatusCode::FORBIDDEN,
        ),
        ("/plugin/?auth_secret=front-shared-secret", StatusCode::OK),
        (
            "/plugin/index.html?auth_secret=front-shared-secret&refresh_ms=500",
            StatusCode::OK,
        ),
    ] {
        assert_eq!(
            crate::helpers::get(&app, uri).await.status(),
            status,
            "{uri}"
        );
    }
    // Without a configured secret (the dev setup), no check.
    assert_eq!(
        test_app().await.get("/plugin/").await.status(),
        StatusCode::OK
    );
}

/// A built asset's precompressed twins (`.br`, `.gz`, written at build) are what goes out:
/// brotli to a browser that accepts it, else gzip, else the file itself.
#[tokio::test]
async fn panel_assets_are_served_from_their_precompressed_twins() {
    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let dist = dirs.path().join("dist");
    std::fs::write(dist.join("panel.wasm"), "the raw wasm").unwrap();
    std::fs::write(dist.join("panel.wasm.br"), "the brotli twin").unwrap();
    std::fs::write(dist.join("panel.wasm.gz"), "the gzip twin").unwrap();
    let app = crate::helpers::test_router(&test_config(dirs.path())).await;
    let asked = |encoding| get_accepting(&app, "/plugin/panel.wasm", encoding);
    let res = asked(Some("gzip, deflate, br")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(header(&res, "content-type"), "application/wasm");
    assert!(header(&res, "content-security-policy").contains("frame-ancestors"));
    assert_eq!(body_text(res).await, "the brotli twin");
    let res = asked(Some("gzip")).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    assert_eq!(body_text(res).await, "the gzip twin");
    let res = asked(None).await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(body_text(res).await, "the raw wasm");
}
