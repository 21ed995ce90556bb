//! sObject Collections (`/composite/sobjects`): up to 200 records created, updated or
//! deleted in one API call, all rolled back on a failure when `allOrNone`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::undo::{Undo, rollback, snapshot_id};
use crate::error::ApiError;
use crate::id::SfId;
use crate::rest::sobjects::json_body;
use crate::rest::{Api, saved};
use crate::state::SandboxState;

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
pub async fn create_many(Api(state, _, user): Api, body: Bytes) -> Result<Json<Value>, ApiError> {
    save_each(&state, &body, |object, fields| {
        state
            .org
            .create(&user, object, &Value::Object(fields), false)
            .map(|id| (saved(&id), Some(Undo::Remove(id))))
    })
}

/// `PATCH /composite/sobjects`: updates up to 200 records (each with its `id`).
pub async fn update_many(Api(state, _, user): Api, body: Bytes) -> Result<Json<Value>, ApiError> {
    save_each(&state, &body, |object, mut fields| {
        let id = fields
            .remove("id")
            .or_else(|| fields.remove("Id"))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let before = snapshot_id(&state, &id);
        state
            .org
            .update(&user, object, &id, &Value::Object(fields), None, false)
            .map(|()| {
                let shown = SfId::parse(&id).map(|i| i.to_string()).unwrap_or(id);
                (saved(shown), before)
            })
    })
}

/// `DELETE /composite/sobjects?ids=a,b&allOrNone=true`.
pub async fn delete_many(
    Api(state, _, _): Api,
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
            let before = snapshot_id(&state, id);
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
            state.org.delete(&object, id).map(|()| (saved(id), before))
        })
        .collect();
    Ok(finish(&state, all_or_none, results))
}
