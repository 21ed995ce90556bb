//! [`ApiJson`]: a JSON request body, refused with the proxy's own error shape (400
//! `bad_request`) when it is not what the handler expects. A body that cannot be read at all
//! (over axum's size limit) keeps axum's own answer.

use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::ProxyError;

/// A JSON body of type `T`. Any content type is read as JSON, as the panel's calls always
/// were; `Option<ApiJson<T>>` is `None` for an empty body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

fn parse<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ProxyError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ProxyError::BadRequest(format!("The body is not what was expected: {e}")))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse(&bytes)
            .map(ApiJson)
            .map_err(IntoResponse::into_response)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if bytes.is_empty() {
            return Ok(None);
        }
        parse(&bytes)
            .map(|t| Some(ApiJson(t)))
            .map_err(IntoResponse::into_response)
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn answer(body: &'static str) -> (StatusCode, String) {
        let app = Router::new()
            .route(
                "/one",
                post(|ApiJson(n): ApiJson<u8>| async move { n.to_string() }),
            )
            .route(
                "/maybe",
                post(|n: Option<ApiJson<u8>>| async move { format!("{:?}", n.map(|n| n.0)) }),
            );
        let path = if body.starts_with('?') {
            "/maybe"
        } else {
            "/one"
        };
        let request = axum::http::Request::post(path)
            .body(Body::from(body.trim_start_matches('?')))
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn bodies_are_json_whatever_their_type_and_refused_in_the_api_shape() {
        assert_eq!(answer("7").await, (StatusCode::OK, "7".into()));
        let (status, text) = answer("seven").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let error: pane_wire::api::ApiError = serde_json::from_str(&text).unwrap();
        assert_eq!(error.code, "bad_request");
        assert!(
            error
                .message
                .starts_with("The body is not what was expected")
        );
        assert_eq!(answer("?").await, (StatusCode::OK, "None".into()));
        assert_eq!(answer("?7").await, (StatusCode::OK, "Some(7)".into()));
        assert_eq!(answer("?x").await.0, StatusCode::BAD_REQUEST);
    }
}
