//! `/composite` (subrequests with `@{ref.path}` references and `allOrNone`), sObject
//! collections (`/composite/sobjects`), each one API call, and Composite Batch
//! (`/composite/batch`), one call per subrequest. Salesforce's limits on them are enforced
//! here, each beside the page it comes from.

use std::collections::HashMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

use super::sobjects::json_body;
use super::{ApiUser, Version};
use crate::error::ApiError;
use crate::id::SfId;
use crate::state::SandboxState;
use crate::store::Record;
use crate::subrequest::{BatchSubrequest, Subrequest};

// COMPOSITE_DOC: Send Multiple Requests Using Composite,
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html
// (with its Composite Request Body and Composite Subrequest sections).

/// "You can have up to 25 subrequests in a single call." (COMPOSITE_DOC) The page gives no
/// error for more; the answer is a 400 with the sandbox's wording.
const MAX_SUBREQUESTS: usize = 25;

/// "Up to 5 of these subrequests can be sObject Collections or query operations, including
/// Query and QueryAll requests." (COMPOSITE_DOC; "Query More" requests count too, in the
/// page's older versions.) The page gives no error; a 400 with the sandbox's wording.
const MAX_QUERY_SUBREQUESTS: usize = 5;

/// What a composite subrequest's `url` asks, as Composite supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    /// `/sobjects/...`: "All sObject resources (/services/data/vXX.X/sobjects/), including
    /// sObject Rows by External ID and excluding sObject Blob Get" (the org has no blob fields).
    SObject,
    /// `/query`, `/queryAll` and their next pages.
    Query,
    /// `/composite/sobjects`: "The sObject Collections resource ... Available in API version
    /// 43.0 and later."
    Collections,
}

/// The resource a composite subrequest `url` names, or `None` when Composite does not support
/// it (COMPOSITE_DOC: only sObject resources, Query, QueryAll and sObject Collections;
/// "The URL must start with /services/data/vXX.X/"). Search, parameterizedSearch, limits and
/// composite itself are not among them (Composite Batch takes search and limits).
fn composite_resource(url: &str) -> Option<Resource> {
    let rest = url.strip_prefix("/services/data/v")?;
    let (version, rest) = rest.split_once('/')?;
    crate::state::api_version(&format!("v{version}"))?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    let first = path.split('/').next().unwrap_or_default();
    match first {
        "sobjects" => Some(Resource::SObject),
        "query" | "queryAll" => Some(Resource::Query),
        "composite" if path == "composite/sobjects" || path.starts_with("composite/sobjects/") => {
            Some(Resource::Collections)
        }
        _ => None,
    }
}

/// A referenceId as Composite takes it: "The referenceId must start with a letter or a number.
/// The referenceId must not contain anything besides letters, numbers, or underscores"
/// (COMPOSITE_DOC, Composite Subrequest).
fn valid_reference_id(reference: &str) -> bool {
    reference
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Salesforce's refusals of a whole composite request, before any subrequest runs.
fn check_composite(version: &str, requests: &[Value]) -> Result<(), ApiError> {
    let bad_request = |code: &'static str, message: String, rule: &'static str| {
        ApiError::new(StatusCode::BAD_REQUEST, code, message).rule(rule)
    };
    if requests.len() > MAX_SUBREQUESTS {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!("Exceeded max limit of subrequests allowed ({MAX_SUBREQUESTS})"),
            "composite.max-subrequests",
        ));
    }
    let queries = requests
        .iter()
        .filter_map(|r| r.get("url").and_then(Value::as_str))
        .filter(|url| {
            matches!(
                composite_resource(url),
                Some(Resource::Query | Resource::Collections)
            )
        })
        .count();
    if queries > MAX_QUERY_SUBREQUESTS {
        return Err(bad_request(
            "LIMIT_EXCEEDED",
            format!(
                "Exceeded max limit of query and sObject Collections subrequests allowed ({MAX_QUERY_SUBREQUESTS})"
            ),
            "composite.max-query-subrequests",
        ));
    }
    // "In API version 52.0 and later, any illegal characters in reference IDs cause the whole
    // request to fail." (Composite Subrequest Result,
    // https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-subrequest-result.html).
    // The page's example answer is not rendered; the message is the one it shows for the same
    // fault in version 51.0 ("Provided referenceId ('...') must start with a letter or a
    // number, and it can contain only letters, numbers and underscores ('_')."), with its code.
    // Earlier versions fail only the subrequests that use the reference, as the sandbox always
    // did.
    let v52 = super::data::version_number(version) >= 52;
    let mut seen = std::collections::HashSet::new();
    for r in requests {
        let reference = r
            .get("referenceId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if v52 && !valid_reference_id(reference) {
            return Err(bad_request(
                "PROCESSING_HALTED",
                format!(
                    "Invalid reference specified. Provided referenceId ('{reference}') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_')."
                ),
                "composite.reference-id-characters",
            ));
        }
        // A referenceId "maps to the subrequest's response" (COMPOSITE_DOC), so two
        // subrequests cannot share one; the page gives no error for it.
        if !seen.insert(reference) {
            return Err(bad_request(
                "INVALID_INPUT",
                format!("Duplicate referenceId provided in the request: {reference}"),
                "composite.reference-id-unique",
            ));
        }
    }
    Ok(())
}

/// What to do to undo one write.
enum Undo {
    Remove(SfId),
    Restore(Record, Vec<String>),
}

fn halted() -> Value {
    json!([{"errorCode": "PROCESSING_HALTED", "message": "The transaction was rolled back since another operation in the same transaction failed."}])
}

/// Resolves `@{ref.path[0].x}` against earlier results; `Err` names the missing reference.
fn substitute(text: &str, results: &HashMap<String, Value>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| after.to_owned())?;
        let reference = &after[..end];
        out.push_str(&lookup(reference, results).ok_or_else(|| reference.to_owned())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value `reference` (`ref.records[0].Id`) names in the earlier results, as text: the
/// referenceId's result, then the path translated into a JSON Pointer (`/records/0/Id`).
fn lookup(reference: &str, results: &HashMap<String, Value>) -> Option<String> {
    let (id, path) = reference.split_once('.').unwrap_or((reference, ""));
    let value = results.get(id)?.pointer(&pointer(path)?)?;
    Some(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A reference's path (`records[0].Id`, after the referenceId) as a JSON Pointer
/// (`/records/0/Id`); `None` when an index is not a number.
fn pointer(path: &str) -> Option<String> {
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push('/');
            out.push_str(&name.replace('~', "~0").replace('/', "~1"));
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index.trim_end_matches(']').parse().ok()?;
            out.push('/');
            out.push_str(&index.to_string());
        }
    }
    Some(out)
}

fn substitute_json(value: &Value, results: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(substitute(s, results)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_json(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_json(v, results)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Runs one subrequest through the org's own routes; a batch's (`counted`) is an API call of
/// its own, a composite's is not.
async fn dispatch(
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

fn rollback(state: &SandboxState, undo: Vec<Undo>) {
    for step in undo.into_iter().rev() {
        let done = match step {
            Undo::Remove(id) => state.org.store.remove(&id),
            Undo::Restore(record, keys) => state.org.store.put(&record, keys),
        };
        if let Err(err) = done {
            tracing::error!(%err, "rolling back a composite failed");
        }
    }
}

/// The record a write subrequest touches (`/sobjects/{Type}/{Id}`), before it runs.
fn snapshot(state: &SandboxState, url: &str) -> Option<Undo> {
    let path = url.split('?').next()?;
    let id = path.trim_end_matches('/').rsplit('/').next()?;
    let id = SfId::parse(id).ok()?;
    let record = state.org.store.get(&id).ok()??;
    let object = state.org.schema.object(&record.object)?;
    let keys = crate::keys::lookup_keys(object, &record.fields);
    Some(Undo::Restore(record, keys))
}

/// `POST /composite`.
pub async fn composite(
    State(state): State<SandboxState>,
    Version(v): Version,
    _api: ApiUser,
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
            None
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
            match (&method, &out_body) {
                (&Method::POST, Value::Object(b))
                    if b.contains_key("id") && url.contains("/sobjects/") =>
                {
                    if let Some(id) = b
                        .get("id")
                        .and_then(Value::as_str)
                        .and_then(|s| SfId::parse(s).ok())
                    {
                        undo.push(Undo::Remove(id));
                    }
                }
                _ => undo.extend(before),
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
        .map(|v| super::data::version_number(&v))
        .ok_or_else(|| format!("{url}: unknown API version {version}"))?;
    if number < 34 || number > super::data::version_number(batch_version) {
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
    Version(v): Version,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .cloned()
        .ok_or_else(ApiError::session)?;
    let token = auth
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("OAuth "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::session)?;
    state.auth.session(token).ok_or_else(ApiError::session)?;
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

fn save_error(err: &ApiError) -> Value {
    json!({"statusCode": err.code, "message": err.message, "fields": err.fields.clone().unwrap_or_default()})
}

fn rolled_back() -> Value {
    json!({"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]})
}

/// sObject Collections take "up to 200 records" to create or update and "A list of up to 200
/// IDs" to delete (Create/Update/Delete Records Using sObject Collections,
/// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-create.html,
/// .../resources-composite-sobjects-collections-update.html,
/// .../resources-composite-sobjects-collections-delete.html: "If the request isn't well
/// formed, the API returns a 400 Bad Request"). The pages give no words; these are the ones
/// the sandbox always answered, with Salesforce's `EXCEEDED_ID_LIMIT`.
const MAX_COLLECTION_RECORDS: usize = 200;

fn too_many_records() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )
    .rule("collections.max-records")
}

fn records_of(body: &Value) -> Result<(bool, Vec<Value>), ApiError> {
    let records = body
        .get("records")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "JSON_PARSER_ERROR",
                "records is required",
            )
        })?;
    if records.len() > MAX_COLLECTION_RECORDS {
        return Err(too_many_records());
    }
    Ok((
        body.get("allOrNone")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        records,
    ))
}

/// Applies `results` to a collection answer, rolling back when `all_or_none` and one failed.
fn finish(
    state: &SandboxState,
    all_or_none: bool,
    results: Vec<Result<(Value, Option<Undo>), ApiError>>,
) -> Json<Value> {
    let rollback_all = all_or_none && results.iter().any(Result::is_err);
    let mut undo = Vec::new();
    let answers = results
        .into_iter()
        .map(|r| match r {
            Ok((_, u)) if rollback_all => {
                undo.extend(u);
                rolled_back()
            }
            Ok((v, _)) => v,
            Err(e) => json!({"success": false, "errors": [save_error(&e)]}),
        })
        .collect();
    if rollback_all {
        rollback(state, undo);
    }
    Json(Value::Array(answers))
}

fn object_type(record: &Value) -> String {
    record
        .pointer("/attributes/type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A collection request's records, each saved by `save` from its type and its fields (without
/// `attributes`), answered together: all rolled back on a failure when `allOrNone`.
fn save_each(
    state: &SandboxState,
    body: &Bytes,
    save: impl Fn(&str, Map<String, Value>) -> Result<(Value, Option<Undo>), ApiError>,
) -> Result<Json<Value>, ApiError> {
    let (all_or_none, records) = records_of(&json_body(body)?)?;
    let results = records
        .iter()
        .map(|r| {
            let mut fields = r.as_object().cloned().unwrap_or_default();
            fields.remove("attributes");
            save(&object_type(r), fields)
        })
        .collect();
    Ok(finish(state, all_or_none, results))
}

/// `POST /composite/sobjects`: creates up to 200 records.
pub async fn create_many(
    State(state): State<SandboxState>,
    Version(_v): Version,
    api: ApiUser,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    save_each(&state, &body, |object, fields| {
        state
            .org
            .create(&api.user, object, &Value::Object(fields), false)
            .map(|id| (super::saved(&id), Some(Undo::Remove(id))))
    })
}

/// `PATCH /composite/sobjects`: updates up to 200 records (each with its `id`).
pub async fn update_many(
    State(state): State<SandboxState>,
    Version(_v): Version,
    api: ApiUser,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    save_each(&state, &body, |object, mut fields| {
        let id = fields
            .remove("id")
            .or_else(|| fields.remove("Id"))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let before = snapshot(&state, &format!("/x/{id}"));
        state
            .org
            .update(&api.user, object, &id, &Value::Object(fields), None, false)
            .map(|()| {
                let shown = SfId::parse(&id).map(|i| i.to_string()).unwrap_or(id);
                (super::saved(shown), before)
            })
    })
}

/// `DELETE /composite/sobjects?ids=a,b&allOrNone=true`.
pub async fn delete_many(
    State(state): State<SandboxState>,
    Version(_v): Version,
    _api: ApiUser,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let ids: Vec<String> = params
        .get("ids")
        .map(|s| s.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    if ids.len() > MAX_COLLECTION_RECORDS {
        return Err(too_many_records());
    }
    let all_or_none = params.get("allOrNone").is_some_and(|v| v == "true");
    let results = ids
        .iter()
        .map(|id| {
            let before = snapshot(&state, &format!("/x/{id}"));
            let object = SfId::parse(id)
                .ok()
                .and_then(|i| {
                    state
                        .org
                        .schema
                        .object_for_prefix(i.key_prefix())
                        .map(|o| o.name.clone())
                })
                .unwrap_or_default();
            state
                .org
                .delete(&object, id)
                .map(|()| (super::saved(id), before))
        })
        .collect();
    Ok(finish(&state, all_or_none, results))
}

fn retrieve(
    state: &SandboxState,
    version: &str,
    object: &str,
    ids: &[String],
    fields: &[String],
) -> Result<Json<Value>, ApiError> {
    let def = state.org.object_named(object)?;
    let rows = ids
        .iter()
        .map(|id| match state.org.live(def, id) {
            Ok(record) => state.org.record_json(def, &record, Some(fields), version),
            Err(_) => Ok(Value::Null),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Value::Array(rows)))
}

/// `GET /composite/sobjects/{Type}?ids=...&fields=...`.
pub async fn retrieve_many(
    State(state): State<SandboxState>,
    Version(v): Version,
    _api: ApiUser,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let split = |k: &str| {
        query
            .get(k)
            .map(|s| s.split(',').map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    retrieve(
        &state,
        &v,
        super::param(&params, "object"),
        &split("ids"),
        &split("fields"),
    )
}

/// `POST /composite/sobjects/{Type}` with `{"ids": [...], "fields": [...]}` (as jsforce sends).
pub async fn retrieve_many_post(
    State(state): State<SandboxState>,
    Version(v): Version,
    _api: ApiUser,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let list = |k: &str| {
        body.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    retrieve(
        &state,
        &v,
        super::param(&params, "object"),
        &list("ids"),
        &list("fields"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_json_pointers_into_earlier_results() {
        assert_eq!(pointer("records[0].Id").as_deref(), Some("/records/0/Id"));
        assert_eq!(pointer("a[1][2].b/c~").as_deref(), Some("/a/1/2/b~1c~0"));
        assert_eq!(pointer("").as_deref(), Some(""));
        assert_eq!(pointer("records[x].Id"), None);
        let results = HashMap::from([
            (
                "contacts".to_owned(),
                json!({"totalSize": 1, "records": [{"Id": "003A", "Account": {"Name": "Edge"}}]}),
            ),
            ("new".to_owned(), json!({"id": "001B", "success": true})),
        ]);
        let found = |r: &str| lookup(r, &results);
        assert_eq!(found("contacts.records[0].Id").as_deref(), Some("003A"));
        assert_eq!(
            found("contacts.records[0].Account.Name").as_deref(),
            Some("Edge")
        );
        assert_eq!(found("contacts.totalSize").as_deref(), Some("1"));
        assert_eq!(found("new.id").as_deref(), Some("001B"));
        assert_eq!(found("contacts.records[1].Id"), None);
        assert_eq!(found("nobody.id"), None);
    }

    #[test]
    fn resources_composite_and_batch_take() {
        for (url, resource) in [
            (
                "/services/data/v59.0/sobjects/Account",
                Some(Resource::SObject),
            ),
            (
                "/services/data/v59.0/sobjects/Account/Ext__c/x",
                Some(Resource::SObject),
            ),
            (
                "/services/data/v59.0/query?q=SELECT Id FROM Account",
                Some(Resource::Query),
            ),
            ("/services/data/v59.0/query/?q=x", Some(Resource::Query)),
            ("/services/data/v59.0/queryAll?q=x", Some(Resource::Query)),
            (
                "/services/data/v59.0/query/01gx-2000",
                Some(Resource::Query),
            ),
            (
                "/services/data/v59.0/composite/sobjects",
                Some(Resource::Collections),
            ),
            (
                "/services/data/v59.0/composite/sobjects/Account?ids=x",
                Some(Resource::Collections),
            ),
            ("/services/data/v59.0/search?q=FIND {x}", None),
            ("/services/data/v59.0/parameterizedSearch?q=x", None),
            ("/services/data/v59.0/limits", None),
            ("/services/data/v59.0/composite", None),
            ("/services/data/v59.0/composite/batch", None),
            ("/services/data/v20.0/sobjects/Account", None),
            ("/sobjects/Account", None),
            ("v59.0/sobjects/Account", None),
        ] {
            assert_eq!(composite_resource(url), resource, "{url}");
        }
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
        for (id, ok) in [
            ("refAccount", true),
            ("0ref_1", true),
            ("_x", false),
            ("a.b", false),
            ("a[1]", false),
            ("", false),
        ] {
            assert_eq!(valid_reference_id(id), ok, "{id}");
        }
    }

    #[test]
    fn references_walk_fields_and_indexes() {
        let results = HashMap::from([
            ("refAccount".to_owned(), json!({"id": "001Pa0000000001IAA"})),
            (
                "refQuery".to_owned(),
                json!({"records": [{"Id": "003Pa0000000001IAA", "n": 3}]}),
            ),
        ]);
        assert_eq!(
            substitute("/sobjects/Account/@{refAccount.id}", &results).unwrap(),
            "/sobjects/Account/001Pa0000000001IAA"
        );
        assert_eq!(
            substitute(
                "@{refQuery.records[0].Id}-@{refQuery.records[0].n}",
                &results
            )
            .unwrap(),
            "003Pa0000000001IAA-3"
        );
        assert_eq!(substitute("@{nope.id}", &results).unwrap_err(), "nope.id");
        assert_eq!(
            substitute("@{refAccount.missing}", &results).unwrap_err(),
            "refAccount.missing"
        );
        assert_eq!(substitute("no refs", &results).unwrap(), "no refs");
    }
}
