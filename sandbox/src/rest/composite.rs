//! `/composite` (subrequests with `@{ref.path}` references and `allOrNone`) and sObject
//! collections (`/composite/sobjects`). Each counts as one API call.

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

/// Marks a request run inside a composite (not counted again).
#[derive(Debug, Clone, Copy)]
pub struct Subrequest;

const MAX_SUBREQUESTS: usize = 25;

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

fn lookup(reference: &str, results: &HashMap<String, Value>) -> Option<String> {
    let mut parts = reference.split('.');
    let mut value = results.get(parts.next()?)?;
    for part in parts {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            value = value.get(name)?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            value = value.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
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

/// Runs one subrequest through the org's own routes.
async fn dispatch(
    state: &SandboxState,
    auth: &HeaderValue,
    method: Method,
    url: &str,
    headers: &Map<String, Value>,
    body: Option<&Value>,
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
    request.extensions_mut().insert(Subrequest);
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
    let keys = crate::records::lookup_keys(object, &record.fields);
    Some(Undo::Restore(record, keys))
}

/// `POST /composite`.
pub async fn composite(
    State(state): State<SandboxState>,
    Version(_v): Version,
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
    if requests.len() > MAX_SUBREQUESTS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "LIMIT_EXCEEDED",
            format!("Exceeded max limit of subrequests allowed ({MAX_SUBREQUESTS})"),
        ));
    }
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
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_HEADER_TYPE",
                "Accept, Authorization and Content-Type cannot be set in a subrequest's httpHeaders",
            ));
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

fn save_error(err: &ApiError) -> Value {
    json!({"statusCode": err.code, "message": err.message, "fields": err.fields.clone().unwrap_or_default()})
}

fn rolled_back() -> Value {
    json!({"success": false, "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all records were valid and the request was using AllOrNone header", "fields": []}]})
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
    if records.len() > 200 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
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

/// `POST /composite/sobjects`: creates up to 200 records.
pub async fn create_many(
    State(state): State<SandboxState>,
    Version(_v): Version,
    api: ApiUser,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (all_or_none, records) = records_of(&json_body(&body)?)?;
    let results = records
        .iter()
        .map(|r| {
            let mut fields = r.as_object().cloned().unwrap_or_default();
            fields.remove("attributes");
            state
                .org
                .create(&api.user, &object_type(r), &Value::Object(fields), false)
                .map(|id| {
                    (
                        json!({"id": id, "success": true, "errors": []}),
                        Some(Undo::Remove(id)),
                    )
                })
        })
        .collect();
    Ok(finish(&state, all_or_none, results))
}

/// `PATCH /composite/sobjects`: updates up to 200 records (each with its `id`).
pub async fn update_many(
    State(state): State<SandboxState>,
    Version(_v): Version,
    api: ApiUser,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (all_or_none, records) = records_of(&json_body(&body)?)?;
    let results = records
        .iter()
        .map(|r| {
            let mut fields = r.as_object().cloned().unwrap_or_default();
            fields.remove("attributes");
            let id = fields.remove("id").or_else(|| fields.remove("Id")).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let before = snapshot(&state, &format!("/x/{id}"));
            state.org.update(&api.user, &object_type(r), &id, &Value::Object(fields), None, false).map(|()| {
                (json!({"id": SfId::parse(&id).map(|i| i.to_string()).unwrap_or(id.clone()), "success": true, "errors": []}), before)
            })
        })
        .collect();
    Ok(finish(&state, all_or_none, results))
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
                .map(|()| (json!({"id": id, "success": true, "errors": []}), before))
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
        params.get("object").map(String::as_str).unwrap_or_default(),
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
        params.get("object").map(String::as_str).unwrap_or_default(),
        &list("ids"),
        &list("fields"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
