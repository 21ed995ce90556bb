//! Running one subrequest through the org's own routes.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use crate::state::SandboxState;
use crate::subrequest::{BatchSubrequest, Subrequest};

/// Runs one subrequest through the org's own routes; a batch's (`counted`) is an API call of
/// its own, a composite's is not.
pub(super) async fn dispatch(
    state: &SandboxState,
    auth: &HeaderValue,
    method: Method,
    url: &str,
    headers: &Map<String, Value>,
    body: Option<&Value>,
    counted: bool,
) -> (StatusCode, Map<String, Value>, Value) {
    let Some(router) = state.router.get().cloned() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Map::new(), Value::Null);
    };
    // Recorded subrequest URLs carry raw spaces; encode what a URI cannot hold.
    let url = url.replace(' ', "%20").replace('"', "%22");
    let mut request = Request::builder()
        .method(method)
        .uri(url)
        .header(header::AUTHORIZATION, auth.clone());
    for (k, v) in headers {
        if let Some(v) = v.as_str() {
            request = request.header(k.as_str(), v);
        }
    }
    let body = match body {
        Some(b) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    let Ok(mut request) = request.body(body) else {
        return (
            StatusCode::BAD_REQUEST,
            Map::new(),
            json!([{"errorCode": "INVALID_URL", "message": "The subrequest's url is not valid."}]),
        );
    };
    if counted {
        request.extensions_mut().insert(BatchSubrequest);
    } else {
        request.extensions_mut().insert(Subrequest);
    }
    let Ok(response) = router.oneshot(request).await;
    let status = response.status();
    let mut out_headers = Map::new();
    for name in [header::LOCATION, header::LAST_MODIFIED, header::ETAG] {
        if let Some(v) = response.headers().get(&name).and_then(|v| v.to_str().ok()) {
            let key = match name.as_str() {
                "location" => "Location",
                "last-modified" => "Last-Modified",
                _ => "ETag",
            };
            out_headers.insert(key.into(), Value::from(v));
        }
    }
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    (status, out_headers, body)
}
