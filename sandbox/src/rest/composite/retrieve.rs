//! sObject Collections' retrieve: `GET` or `POST /composite/sobjects/{Type}`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use serde_json::Value;

use crate::error::ApiError;
use crate::rest::sobjects::json_body;
use crate::rest::{Api, param};
use crate::state::SandboxState;

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
    Api(state, v, _): Api,
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
        param(&params, "object"),
        &split("ids"),
        &split("fields"),
    )
}

/// `POST /composite/sobjects/{Type}` with `{"ids": [...], "fields": [...]}` (as jsforce sends).
pub async fn retrieve_many_post(
    Api(state, v, _): Api,
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
        param(&params, "object"),
        &list("ids"),
        &list("fields"),
    )
}
