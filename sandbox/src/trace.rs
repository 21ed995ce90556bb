//! Each request's span names the request id its client sent (`X-Request-Id`), and the request
//! log keeps it ([`crate::quota::LoggedRequest::request_id`]), so a test can follow a caller's
//! call into the requests it made. A test aid, not an emulated Salesforce rule.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The longest request id kept; a longer one is cut.
const MAX_LEN: usize = 128;

/// The request id a request carries, if it is printable text.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    let id = headers.get("x-request-id")?.to_str().ok()?;
    Some(id.chars().take(MAX_LEN).collect())
}

/// Runs the request inside a span with its method, path and request id, and logs its status
/// there (at debug level).
pub async fn span(request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id(request.headers()).as_deref().unwrap_or(""),
    );
    async move {
        let response = next.run(request).await;
        tracing::debug!(status = response.status().as_u16(), "sandbox org answered");
        response
    }
    .instrument(span)
    .await
}
