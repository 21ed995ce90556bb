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
