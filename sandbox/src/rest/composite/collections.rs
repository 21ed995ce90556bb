//! sObject Collections (`/composite/sobjects`): up to 200 records created, updated or
//! deleted in one API call, all rolled back on a failure when `allOrNone`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::undo::{Undo, restore, rollback, snapshot_id};
use crate::error::ApiError;
use crate::id::SfId;
use crate::rest::rows::{Upsert, Upserted, external_id_field, upsert_one};
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

/// `PATCH /composite/sobjects/{Type}/{ExternalIdField}`: upserts up to 200 records of `Type`
/// on the External ID, in order, each answered by an UpsertResult (`id`, `success`, `errors`,
/// `created`) in the same order; all rolled back on a failure when `allOrNone` ("Upsert
/// Records Using sObject Collections",
/// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html:
/// "The list can contain objects only of the type indicated in the request URI", "Each object
/// in the request body must contain an attributes map. The map must contain a value for
/// type", "Only external ids are supported. Don't use record ids"; API version 46 and later).
/// A record whose value matches several records fails alone with `DUPLICATE_EXTERNAL_ID`
/// (StatusCode, SOAP API Developer Guide: "A user-specified external ID matches more than one
/// record during an upsert").
pub async fn upsert_many(
    Api(state, v, user): Api,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (all_or_none, records) = records_of(&json_body(&body)?)?;
    let param = |k: &str| params.get(k).map_or("", String::as_str);
    let object = state.org.object_named(param("object"))?;
    let field = external_id_field(object, param("field"))?;
    if field.kind == "id" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_FIELD",
            "sObject Collections upsert takes an External ID field, not the record id",
        )
        .rule("collections.upsert-external-id"));
    }
    if let Some(wrong) = records
        .iter()
        .map(object_type)
        .find(|t| !t.eq_ignore_ascii_case(&object.name))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            format!(
                "each record's attributes.type must be {}, not '{wrong}'",
                object.name
            ),
        )
        .rule("collections.upsert-one-type"));
    }
    let how = Upsert {
        object,
        field,
        duplicates_allowed: false,
        update_only: false,
    };
    let mut results = Vec::with_capacity(records.len());
    for record in records {
        let mut fields = record.as_object().cloned().unwrap_or_default();
        fields.remove("attributes");
        let value = match fields.remove(&field.name) {
            Some(Value::String(s)) if !s.is_empty() => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                results.push(Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "REQUIRED_FIELD_MISSING",
                    format!("Required fields are missing: [{}]", field.name),
                )));
                continue;
            }
        };
        let done = upsert_one(&state, &user, &how, &value, Value::Object(fields), &v).await;
        results.push(done.and_then(|u| match u {
            Upserted::Created(id) => Ok((upserted(&id.to_string(), true), Some(Undo::Remove(id)))),
            Upserted::Updated(before) => {
                let id = before.id.to_string();
                Ok((upserted(&id, false), restore(&state, before)))
            }
            Upserted::Several(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "DUPLICATE_EXTERNAL_ID",
                format!(
                    "{}: more than one record found for external id field",
                    field.name
                ),
            )),
        }));
    }
    Ok(finish(&state, all_or_none, results))
}

fn upserted(id: &str, created: bool) -> Value {
    json!({"id": id, "success": true, "errors": [], "created": created})
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
