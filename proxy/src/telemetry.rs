//! Structured logs (tracing), request spans that never record a query string, and each
//! request's id: made here (a random UUID: nothing a client sends names a request), in the
//! request's span so every log line of it carries it, sent to Salesforce on every request the
//! call makes (`X-Request-Id`), and returned in the response's `x-request-id`.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Span;
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use crate::config::LogFormat;

/// The header a request's id is returned in (and a client's correlation id read from).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Installs the global subscriber: `RUST_LOG` filters (default `info`), in the chosen format.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// A request's id, and the id its client gave it, if that was a UUID (a correlation hint
/// only: logged, never used as the request's id).
#[derive(Debug, Clone)]
pub struct RequestId {
    /// Made by the proxy.
    pub id: Arc<str>,
    /// The client's `x-request-id`, when it is a UUID.
    pub client: Option<String>,
}

impl RequestId {
    /// A new id.
    pub fn new() -> RequestId {
        RequestId {
            id: Uuid::new_v4().to_string().into(),
            client: None,
        }
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

/// The client's `x-request-id`, when it is a UUID (written the one canonical way).
pub fn client_request_id(headers: &HeaderMap) -> Option<String> {
    let given = headers.get(&REQUEST_ID)?.to_str().ok()?;
    Uuid::try_parse(given)
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// Gives the request its id (read by [`request_span`]), makes it the id of the Salesforce
/// requests the call sends, and returns it in the response.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let ids = RequestId {
        client: client_request_id(request.headers()),
        ..RequestId::new()
    };
    let id = ids.id.clone();
    request.extensions_mut().insert(ids);
    let mut response = pane_salesforce::trace::with_request_id(id.clone(), next.run(request)).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The span of one request: its id, method and path only. Query strings carry secrets
/// (Front's `auth_secret`, OAuth codes), so they are never logged.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let ids = request.extensions().get::<RequestId>();
    tracing::info_span!(
        "request",
        request_id = %ids.map_or("", |r| &*r.id),
        client_request_id = %ids.and_then(|r| r.client.as_deref()).unwrap_or(""),
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Runs rule work (a job's attempt) with a new request id, in a span that names it and the
/// job, so its log lines and Salesforce requests can be followed like a panel call's.
pub async fn job_scope<F: std::future::Future>(job: &str, work: F) -> F::Output {
    use tracing::Instrument;
    let id = RequestId::new().id;
    let span = tracing::info_span!("rule_job", request_id = %id, job = %job);
    pane_salesforce::trace::with_request_id(id, work)
        .instrument(span)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_uuid_is_taken_as_the_client_s_request_id() {
        let cases = [
            (
                "8D5A4C1E-0B7A-4F0E-9C3B-2A1D6E5F4B3C",
                Some("8d5a4c1e-0b7a-4f0e-9c3b-2a1d6e5f4b3c"),
            ),
            (
                "8d5a4c1e-0b7a-4f0e-9c3b-2a1d6e5f4b3c",
                Some("8d5a4c1e-0b7a-4f0e-9c3b-2a1d6e5f4b3c"),
            ),
            ("rose@edge.com", None),
            ("abc\nfake log line", None),
            ("", None),
        ];
        for (given, want) in cases {
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(given) {
                headers.insert(REQUEST_ID, value);
            }
            assert_eq!(client_request_id(&headers).as_deref(), want, "{given:?}");
        }
    }
}
