//! `POST /composite/batch`: independent subrequests, one API call each.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Map, Value, json};

use super::dispatch::dispatch;
use crate::error::ApiError;
use crate::rest::data::version_number;
use crate::rest::param;
use crate::rest::sobjects::json_body;
use crate::session::bearer_token;
use crate::state::{SandboxState, api_version};

// BATCH_DOC: Composite Batch,
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-batch.html
// (with its Batch Request Body and Batch Response Body sections).

/// "Executes up to 25 subrequests in a single request." (BATCH_DOC)
const MAX_BATCH_SUBREQUESTS: usize = 25;

/// A batch subrequest's `url` as Composite Batch takes it: relative to `/services/data/`
/// (`v62.0/sobjects/...`; the full path is taken too), of version 34.0 or later and no later
/// than the batch's ("The API version of the resource accessed in each subrequest must be no
/// earlier than 34.0 and no later than the Batch version in the top-level request"), naming a
/// resource Batch supports: "Limits, sObject resources (except sObject Blob Retrieve and
/// sObject Rich Text Image Retrieve), Query, QueryAll, Search, Connect resources, Chatter
/// resources" and, from 35.0, "Actions" (BATCH_DOC); of these the org serves limits,
/// sObjects, query, queryAll and search (parameterizedSearch is not listed). Answers the full
/// path, or why not.
fn batch_url(url: &str, batch_version: &str) -> Result<String, String> {
    let relative = url
        .strip_prefix("/services/data/")
        .or_else(|| url.strip_prefix("/"))
        .unwrap_or(url);
    let (version, rest) = relative
        .split_once('/')
        .ok_or_else(|| format!("{url}: no API version"))?;
    let number = crate::state::api_version(version)
        .map(|v| version_number(&v))
        .ok_or_else(|| format!("{url}: unknown API version {version}"))?;
    if number < 34 || number > version_number(batch_version) {
        return Err(format!(
            "{url}: the API version must be 34.0 to {batch_version} (the batch's)"
        ));
    }
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let first = path
        .trim_end_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if !matches!(
        first,
        "limits" | "sobjects" | "query" | "queryAll" | "search"
    ) {
        return Err(format!("{url}: not a resource Composite Batch supports"));
    }
    Ok(format!("/services/data/{relative}"))
}

/// `POST /composite/batch`: up to 25 independent subrequests run in order, each committed and
/// each counted as an API call (the batch itself is not one: "Each subrequest counts against
/// rate limits", BATCH_DOC). `haltOnError` stops at the first 400 or 500 answer: "It
/// returns an HTTP 412 status code and a BATCH_PROCESSING_HALTED error message for each
/// subsequent subrequest." A subrequest with an invalid method or url fails the whole batch
/// with 400 before any runs ("If an error is detected during deserialization, such as a syntax
/// error in the Subrequest request data, Salesforce returns an HTTP 400 Bad Request error
/// without processing any subrequests ... An example where this could occur is if a subrequest
/// has an invalid method or url field."); the page gives neither its code nor its words: the
/// code is Salesforce's `INVALID_BATCH_REQUEST`, the words the sandbox's.
pub async fn batch(
    State(state): State<SandboxState>,
    Path(params): Path<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let v = api_version(param(&params, "version")).ok_or_else(ApiError::not_found)?;
    let token = bearer_token(&headers).ok_or_else(ApiError::session)?;
    state.auth.session(token).ok_or_else(ApiError::session)?;
    let auth = headers
        .get(header::AUTHORIZATION)
        .cloned()
        .ok_or_else(ApiError::session)?;
    let body = json_body(&body)?;
    let invalid = |message: String, rule: &'static str| {
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_BATCH_REQUEST", message).rule(rule)
    };
    let requests = body
        .get("batchRequests")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                "batchRequests is required",
            )
        })?;
    if requests.len() > MAX_BATCH_SUBREQUESTS {
        return Err(invalid(
            format!("A batch can have at most {MAX_BATCH_SUBREQUESTS} subrequests"),
            "batch.max-subrequests",
        ));
    }
    let halt_on_error = body
        .get("haltOnError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut planned = Vec::with_capacity(requests.len());
    for r in requests {
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .filter(|m| ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"].contains(m))
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .ok_or_else(|| {
                invalid(
                    format!(
                        "Invalid method in a subrequest: {}",
                        r.get("method").unwrap_or(&Value::Null)
                    ),
                    "batch.subrequest-method",
                )
            })?;
        let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
        let url = batch_url(url, &v).map_err(|why| {
            invalid(
                format!("Invalid url in a subrequest: {why}"),
                "batch.supported-resources",
            )
        })?;
        planned.push((method, url, r.get("richInput")));
    }
    let mut results = Vec::with_capacity(planned.len());
    let mut halted = false;
    let mut has_errors = false;
    for (method, url, rich_input) in planned {
        if halted {
            results.push(json!({"statusCode": 412, "result": [{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}]}));
            continue;
        }
        // "You cannot apply headers at the subrequest level." (BATCH_DOC)
        let (status, _, result) =
            dispatch(&state, &auth, method, &url, &Map::new(), rich_input, true).await;
        if status.as_u16() >= 400 {
            has_errors = true;
            halted = halt_on_error;
        }
        results.push(json!({"statusCode": status.as_u16(), "result": result}));
    }
    Ok(Json(
        json!({"hasErrors": has_errors || halted, "results": results}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_takes_versions_34_to_its_own_and_its_resources() {
        assert_eq!(
            batch_url("v59.0/search?q=x", "59.0").as_deref(),
            Ok("/services/data/v59.0/search?q=x")
        );
        assert_eq!(
            batch_url("/services/data/v34.0/limits", "59.0").as_deref(),
            Ok("/services/data/v34.0/limits")
        );
        assert!(
            batch_url("v60.0/limits", "59.0").is_err(),
            "later than the batch"
        );
        assert!(batch_url("v33.0/limits", "59.0").is_err(), "before 34.0");
        assert!(batch_url("v59.0/composite", "59.0").is_err());
        assert!(batch_url("v59.0/parameterizedSearch?q=x", "59.0").is_err());
    }
}
