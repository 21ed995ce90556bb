//! The REST API under `/services/data`: versions, resources, describes, rows, query, search,
//! limits. Every path answers with and without a trailing slash.

mod composite;
mod data;
pub(crate) mod rows;
mod sobjects;

pub use crate::subrequest::{BatchSubrequest, Subrequest};

use axum::Router;
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use crate::error::ApiError;
use crate::org::User;
use crate::quota::LoggedRequest;
use crate::state::{SandboxState, api_version};

/// Adds `path` and `path/` to `router`.
///
/// Not `tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash()`: as a Router
/// layer it runs after routing and changes nothing; wrapped around the whole router it runs
/// before the strictness layers, so `rest.uri-too-long` would measure, and the refusal log
/// record, a URI other than the one sent, and it would also accept a trailing slash on every
/// other route (`/health/`, pages, SOAP, `/__sandbox/...`: 404 today) and several trailing
/// slashes (`/limits//`: 404 today).
pub(crate) fn both(
    router: Router<SandboxState>,
    path: &str,
    route: MethodRouter<SandboxState>,
) -> Router<SandboxState> {
    router
        .route(path, route.clone())
        .route(&format!("{path}/"), route)
}

/// A path or query parameter by name, `""` when absent (the handlers then answer as
/// Salesforce does for an empty name or id).
pub(crate) fn param<'a>(
    params: &'a std::collections::HashMap<String, String>,
    name: &str,
) -> &'a str {
    params.get(name).map(String::as_str).unwrap_or_default()
}

/// The body Salesforce answers for a record saved (created, updated or deleted):
/// `{"id": id, "success": true, "errors": []}`.
pub(crate) fn saved(id: impl serde::Serialize) -> serde_json::Value {
    serde_json::json!({"id": id, "success": true, "errors": []})
}

/// The REST routes.
pub fn router() -> Router<SandboxState> {
    let mut r = Router::new();
    r = r
        .route("/services/data", get(data::versions))
        .route("/services/data/", get(data::versions));
    let routes: [(&str, MethodRouter<SandboxState>); 18] = [
        ("", get(data::resources)),
        ("/limits", get(data::limits)),
        ("/query", get(data::query::<false>)),
        ("/queryAll", get(data::query::<true>)),
        ("/query/{locator}", get(data::next_page)),
        ("/queryAll/{locator}", get(data::next_page)),
        ("/search", get(data::search)),
        ("/parameterizedSearch", get(data::parameterized_search)),
        ("/composite", axum::routing::post(composite::composite)),
        ("/composite/batch", axum::routing::post(composite::batch)),
        (
            "/composite/sobjects",
            axum::routing::post(composite::create_many)
                .patch(composite::update_many)
                .delete(composite::delete_many),
        ),
        (
            "/composite/sobjects/{object}",
            get(composite::retrieve_many).post(composite::retrieve_many_post),
        ),
        (
            "/composite/sobjects/{object}/{field}",
            axum::routing::patch(composite::upsert_many),
        ),
        ("/sobjects", get(sobjects::describe_global)),
        (
            "/sobjects/{object}",
            get(sobjects::info).post(sobjects::create),
        ),
        ("/sobjects/{object}/describe", get(sobjects::describe)),
        (
            "/sobjects/{object}/{id}",
            get(sobjects::read)
                .post(sobjects::create_by_id_field)
                .patch(sobjects::update)
                .delete(sobjects::delete),
        ),
        (
            "/sobjects/{object}/{key}/{value}",
            get(rows::get).patch(rows::upsert).delete(rows::delete),
        ),
    ];
    for (suffix, route) in routes {
        r = both(r, &format!("/services/data/{{version}}{suffix}"), route);
    }
    r
}

/// Any path the org has no route for. Under `/services/` Salesforce answers 404 with its error
/// array: "404 — The requested resource couldn't be found. Check the URI for errors" (Status
/// Codes and Error Responses,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm),
/// with the body of the recorded `GET /sobjects/Foo` answer
/// (`[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]`).
pub async fn unknown_resource(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/services/") {
        ApiError::not_found().into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// A known resource asked with a method it does not take: "405 — The method specified in the
/// Request-Line isn't allowed for the resource specified in the URI" (Status Codes and Error
/// Responses, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
/// The error code and message wording are not in the documentation.
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/services/") {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed."),
        )
        .into_response()
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    }
}

/// The API version of a request's path (`59.0`), or 404.
async fn path_version(parts: &mut Parts, state: &SandboxState) -> Result<String, ApiError> {
    let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::not_found())?;
    let version = params
        .iter()
        .find(|(k, _)| k == "version")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    api_version(version).ok_or_else(ApiError::not_found)
}

/// What an API handler starts from, extracted in this order: the org; the API version of the request's path (`59.0`,
/// 404 for an unknown one); the user behind its bearer token, the request counted against the
/// allowance. A handler names them `Api(state, v, user): Api`.
#[derive(Clone)]
pub struct Api(pub SandboxState, pub String, pub User);

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("version", &self.1)
            .field("user", &self.2)
            .finish_non_exhaustive()
    }
}

impl FromRequestParts<SandboxState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SandboxState,
    ) -> Result<Self, Self::Rejection> {
        let version = path_version(parts, state).await?;
        let token = crate::session::bearer_token(&parts.headers).ok_or_else(ApiError::session)?;
        let session = state.auth.session(token).ok_or_else(ApiError::session)?;
        let user = state
            .org
            .user_by_id(&session.user_id)
            .cloned()
            .ok_or_else(ApiError::session)?;
        // A composite's subrequests were counted with the composite, as one call.
        let counted = parts
            .extensions
            .get::<crate::subrequest::Subrequest>()
            .is_some()
            || state.quota.take(LoggedRequest {
                client_id: session.client_id.clone(),
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                revalidation: parts
                    .headers
                    .contains_key(axum::http::header::IF_MODIFIED_SINCE),
                request_id: crate::trace::request_id(&parts.headers),
            });
        if !counted {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "REQUEST_LIMIT_EXCEEDED",
                "TotalRequests Limit exceeded.",
            ));
        }
        Ok(Api(state.clone(), version, user))
    }
}

/// `Sforce-Limit-Info: api-usage=N/M` on every API answer but the versions list.
pub async fn limit_info(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().trim_end_matches('/').to_owned();
    let mut response = next.run(request).await;
    if path.starts_with("/services/data/") {
        let (used, max) = state.quota.usage();
        if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{max}")) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("sforce-limit-info"), value);
        }
    }
    response
}

/// Applies the faults set through the control path to API requests: once per request that
/// reaches the org, never to a composite's subrequests (a real composite is one round trip).
pub async fn faults(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/services/") || crate::subrequest::is_subrequest(&request)
    {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let (latency, fail, drop, malformed, after) = {
        let Ok(mut f) = state.faults.lock() else {
            return next.run(request).await;
        };
        let takes_after = f
            .after_method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&method))
            && f.after_path.as_deref().is_none_or(|p| path.contains(p));
        let after = if takes_after && f.drop_after_next > 0 {
            f.drop_after_next -= 1;
            Some(None)
        } else if takes_after && f.hang_after_next > 0 {
            f.hang_after_next -= 1;
            Some(Some(f.hang_ms.unwrap_or(60_000)))
        } else {
            None
        };
        let fail = (f.fail_next > 0).then(|| {
            f.fail_next -= 1;
            f.fail_status.unwrap_or(503)
        });
        let drop = f.drop_next > 0;
        if drop {
            f.drop_next -= 1;
        }
        let malformed = !drop && fail.is_none() && f.malformed_next > 0;
        if malformed {
            f.malformed_next -= 1;
        }
        if f.latency_ms > 0 {
            f.delayed += 1;
        }
        (f.latency_ms, fail, drop, malformed, after)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    if let Some(status) = fail {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return ApiError::new(
            status,
            "SERVER_UNAVAILABLE",
            "The server is temporarily unavailable. Try again later.",
        )
        .into_response();
    }
    if drop {
        // A body that fails mid-stream makes the server abort the connection.
        let failing = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("dropped"))
        });
        return Response::new(axum::body::Body::from_stream(failing));
    }
    if let Some(hang) = after {
        // Carried out first: the write is committed whatever the client hears.
        let response = next.run(request).await;
        return match hang {
            None => {
                let failing = futures_util::stream::once(async {
                    Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("dropped"))
                });
                let mut dropped = Response::new(axum::body::Body::from_stream(failing));
                *dropped.status_mut() = response.status();
                dropped
            }
            Some(ms) => {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                response
            }
        };
    }
    if malformed {
        return (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/json;charset=UTF-8",
            )],
            "{\"records\": [",
        )
            .into_response();
    }
    next.run(request).await
}
