//! `POST /composite`: subrequests with `@{ref.path}` references and `allOrNone`, one API call.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::{Map, Value, json};

use super::checks::{check_composite, composite_resource};
use super::dispatch::dispatch;
use super::references::{substitute, substitute_json};
use super::undo::{Undo, rollback, snapshot};
use crate::error::ApiError;
use crate::id::SfId;
use crate::rest::Api;
use crate::rest::sobjects::json_body;

// COMPOSITE_DOC: Send Multiple Requests Using Composite,
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html

fn halted() -> Value {
    json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}])
}

/// `POST /composite`.
pub async fn composite(
    Api(state, v, _): Api,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let bad = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", m.to_owned());
    let requests = body
        .get("compositeRequest")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("compositeRequest is required"))?;
    check_composite(&v, requests)?;
    let all_or_none = body
        .get("allOrNone")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for r in requests {
        if let Some(h) = r.get("httpHeaders").and_then(Value::as_object)
            && h.keys().any(|k| {
                ["accept", "authorization", "content-type"]
                    .contains(&k.to_ascii_lowercase().as_str())
            })
        {
            // "Don't specify these headers in a subrequest. If you do, the top-level request
            // fails and returns an HTTP 400 response." (COMPOSITE_DOC, Composite
            // Subrequest; the error's code and words are not documented.)
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_HEADER_TYPE",
                "Accept, Authorization and Content-Type cannot be set in a subrequest's httpHeaders",
            )
            .rule("composite.subrequest-headers"));
        }
        if r.get("referenceId").and_then(Value::as_str).is_none()
            || r.get("url").and_then(Value::as_str).is_none()
        {
            return Err(bad("each subrequest needs a url and a referenceId"));
        }
    }
    let auth = headers
        .get(header::AUTHORIZATION)
        .cloned()
        .ok_or_else(ApiError::session)?;
    let mut results: HashMap<String, Value> = HashMap::new();
    let mut responses: Vec<Value> = Vec::new();
    let mut undo: Vec<Undo> = Vec::new();
    let mut failed = false;
    for r in requests {
        let reference = r["referenceId"].as_str().unwrap_or_default().to_owned();
        if failed && all_or_none {
            responses.push(json!({"body": halted(), "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference}));
            continue;
        }
        let method = Method::from_bytes(
            r.get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .as_bytes(),
        )
        .unwrap_or(Method::GET);
        let url = r["url"].as_str().unwrap_or_default();
        let resolved = substitute(url, &results).and_then(|url| {
            r.get("body")
                .map(|b| substitute_json(b, &results))
                .transpose()
                .map(|body| (url, body))
        });
        let (url, sub_body) = match resolved {
            Ok(x) => x,
            Err(missing) => {
                failed = true;
                responses.push(json!({"body": [{"errorCode": "PROCESSING_HALTED", "message": format!("Invalid reference specified. No value for {missing} found in {reference}. Provided referenceId ({}) ...", missing.split('.').next().unwrap_or_default())}], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference}));
                continue;
            }
        };
        if composite_resource(&url).is_none() {
            // Not a resource Composite supports: it is not run. The page names no answer for
            // it; this is the answer Salesforce gives a url it has no resource for (the
            // recorded `GET /sobjects/Foo` subrequest, composite-errors.json).
            let error = ApiError::not_found();
            state.refusals.refuse(
                &method,
                &url,
                &ApiError {
                    message: format!(
                        "{}: Composite supports sObject resources, Query, QueryAll and sObject Collections only",
                        error.message
                    ),
                    ..error.clone()
                },
                "composite.supported-resources",
            );
            failed = true;
            responses.push(json!({"body": [error.body_item()], "httpHeaders": {}, "httpStatusCode": 404, "referenceId": reference}));
            continue;
        }
        let before = if matches!(method, Method::PATCH | Method::DELETE | Method::PUT) {
            snapshot(&state, &url)
        } else {
            Vec::new()
        };
        let empty = Map::new();
        let sub_headers = r
            .get("httpHeaders")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (status, out_headers, out_body) = dispatch(
            &state,
            &auth,
            method.clone(),
            &url,
            sub_headers,
            sub_body.as_ref(),
            false,
        )
        .await;
        if status.is_success() {
            // A 201 made a record (a create, or an upsert that matched nothing): undone by
            // removing it; any other write is undone by restoring what it touched.
            let created = (status == StatusCode::CREATED && url.contains("/sobjects/"))
                .then(|| out_body.get("id").and_then(Value::as_str))
                .flatten()
                .and_then(|s| SfId::parse(s).ok());
            match created {
                Some(id) => undo.push(Undo::Remove(id)),
                None => undo.extend(before),
            }
        } else if status.as_u16() >= 400 {
            failed = true;
        }
        results.insert(reference.clone(), out_body.clone());
        responses.push(json!({"body": out_body, "httpHeaders": out_headers, "httpStatusCode": status.as_u16(), "referenceId": reference}));
    }
    if failed && all_or_none {
        rollback(&state, undo);
        for response in &mut responses {
            let status = response["httpStatusCode"].as_u64().unwrap_or(0);
            if status < 400 {
                *response = json!({"body": halted(), "httpHeaders": {}, "httpStatusCode": 400, "referenceId": response["referenceId"]});
            }
        }
    }
    Ok(Json(json!({"compositeResponse": responses})))
}
