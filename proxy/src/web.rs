//! Static files: the built panel at `/plugin/`, the dev inbox at `/`, each with its CSP.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::AppState;
use crate::security::{DEV_INBOX_CSP, DEV_INBOX_CSP_PUBLIC, inline_script_hashes, panel_csp};

/// The panel and the dev inbox.
pub fn router(state: &AppState) -> Router<AppState> {
    let assets_csp = header_value(&panel_csp(&[], &state.frame_ancestors));
    // The build writes each asset's brotli and gzip twins (`.br`, `.gz`: scripts/compress.mjs);
    // a browser gets the smallest one it accepts, with no compression per request.
    let assets = ServeDir::new(&*state.dist_dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    let plugin = Router::new()
        .route("/", get(plugin_index))
        .route("/index.html", get(plugin_index))
        .fallback_service(assets)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            assets_csp,
        ))
        // What has no precompressed twin (the panel's page, a debug build's assets) is gzipped
        // here for every browser that asks; a response already encoded is left alone.
        .layer(CompressionLayer::new().gzip(true));
    let dev_inbox = Router::new()
        .fallback_service(ServeDir::new(&*state.www_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if state.public_url.is_some() {
                DEV_INBOX_CSP_PUBLIC
            } else {
                DEV_INBOX_CSP
            }),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        ));
    let roots = Roots {
        dist: state.dist_dir.clone(),
        www: state.www_dir.clone(),
    };
    Router::new()
        .route("/plugin", get(redirect_to_plugin))
        .nest("/plugin/", plugin)
        .merge(dev_inbox)
        .layer(axum::middleware::from_fn_with_state(roots, canonical_only))
}

/// The two folders static files come from.
#[derive(Clone)]
struct Roots {
    dist: std::sync::Arc<std::path::Path>,
    www: std::sync::Arc<std::path::Path>,
}

/// One path per file: every other spelling of it is 404 before `ServeDir` or the panel's
/// page (and its host-secret gate) sees it. Refused: empty, `.` and `..` segments; escapes of
/// characters that need none (`%69`, `%2e`) or of `/`, `\` and control characters; names longer
/// than a file system takes; a trailing `/` after a file; anything that resolves, through a
/// symlink, outside its folder. A folder asked without its `/` is redirected here, to a
/// path (never `//host`), so `ServeDir` never builds a redirect from what it was sent.
async fn canonical_only(
    State(roots): State<Roots>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if path == "/plugin" {
        return next.run(request).await;
    }
    let (root, rel) = match path.strip_prefix("/plugin/") {
        Some(rel) => (&*roots.dist, rel),
        None => (&*roots.www, path.strip_prefix('/').unwrap_or(&path)),
    };
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let Some(segments) = canonical_segments(rel) else {
        return not_found();
    };
    // The panel's page answers even before it is built (503, saying so): its route checks
    // the host's secret; the spelling is already the one the route matches.
    if root == &*roots.dist && matches!(rel, "" | "index.html") {
        return next.run(request).await;
    }
    let mut file = root.to_path_buf();
    file.extend(&segments);
    let (Ok(root), Ok(real)) = (
        tokio::fs::canonicalize(root).await,
        tokio::fs::canonicalize(&file).await,
    ) else {
        return not_found();
    };
    if !real.starts_with(&root) {
        return not_found();
    }
    let Ok(meta) = tokio::fs::metadata(&real).await else {
        return not_found();
    };
    let asked_folder = rel.is_empty() || rel.ends_with('/');
    match (meta.is_dir(), asked_folder) {
        (false, true) => not_found(),
        (true, false) => {
            // `path` has no empty segment, so it starts with exactly one `/`.
            let location = match request.uri().query() {
                Some(q) => format!("{path}/?{q}"),
                None => format!("{path}/"),
            };
            Redirect::permanent(&location).into_response()
        }
        _ => next.run(request).await,
    }
}

/// The decoded segments of a path below a folder, or `None` when it is not spelled the one
/// canonical way.
fn canonical_segments(rel: &str) -> Option<Vec<String>> {
    // Linux and macOS take names up to 255 bytes.
    const NAME_MAX: usize = 255;
    let body = rel.strip_suffix('/').unwrap_or(rel);
    if body.is_empty() {
        return if rel.is_empty() {
            Some(Vec::new())
        } else {
            None
        };
    }
    body.split('/')
        .map(|raw| {
            let name = decode_segment(raw)?;
            let ok = !name.is_empty() && name != "." && name != ".." && name.len() <= NAME_MAX;
            ok.then_some(name)
        })
        .collect()
}

/// Percent-decodes one segment, refusing escapes a canonical spelling would not use.
fn decode_segment(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            let decoded = u8::from_str_radix(hex, 16).ok()?;
            let needless = decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded);
            if needless || decoded == b'/' || decoded == b'\\' || decoded.is_ascii_control() {
                return None;
            }
            out.push(decoded);
            i += 3;
        } else {
            if byte == b'\\' {
                return None;
            }
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `/plugin` → `/plugin/`, keeping the query (the host's `auth_secret` rides on it). The
/// location is a path: the browser keeps the origin it asked, never one a header named.
async fn redirect_to_plugin(RawQuery(query): RawQuery) -> Redirect {
    match query {
        Some(q) => Redirect::permanent(&format!("/plugin/?{q}")),
        None => Redirect::permanent("/plugin/"),
    }
}

/// The panel's page, with a CSP that allows exactly its inline start-up script.
/// Compares two secrets in time that depends only on their lengths.
fn same_secret(given: &str, expected: &str) -> bool {
    given.as_bytes().ct_eq(expected.as_bytes()).into()
}

async fn plugin_index(
    State(state): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(expected) = &state.host_secret {
        let given = query
            .get("auth_secret")
            .map(String::as_str)
            .unwrap_or_default();
        if !same_secret(given, expected.expose()) {
            return (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_SECURITY_POLICY, header_value(&panel_csp(&[], &state.frame_ancestors)))],
                Html("<!doctype html><meta charset=utf-8><title>Salesforce Pane</title><p>Open Salesforce Pane from your inbox app.</p>"),
            )
                .into_response();
        }
    }
    let path = state.dist_dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => {
            let csp = panel_csp(&inline_script_hashes(&html), &state.frame_ancestors);
            (
                [
                    (header::CONTENT_SECURITY_POLICY, header_value(&csp)),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                Html(html),
            )
                .into_response()
        }
        Err(err) => {
            tracing::warn!(path = %path.display(), %err, "the panel is not built");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "The panel is not built yet: run `bash scripts/run` (or `bash scripts/build-panel`).",
            )
                .into_response()
        }
    }
}

/// A header value from text we built ourselves from validated parts.
fn header_value(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|err| {
        // Origins are validated at startup, so this only guards against a future bug:
        // refuse to be framed rather than send a broken policy.
        tracing::error!(%err, "invalid header value; falling back to a closed policy");
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")
    })
}

/// Headers every response carries.
pub fn common_headers() -> [(HeaderName, HeaderValue); 4] {
    [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin-allow-popups"),
        ),
    ]
}
