//! Rows named by something else than their id, on the three-segment path
//! `/sobjects/{Type}/{A}/{B}`:
//!
//! - **sObject Rows by External ID** when `A` is a field of `{Type}` that can name a record
//!   (an External ID or another `idLookup` field, `Id` included) and `B` its value: GET,
//!   PATCH (upsert), DELETE ("sObject Rows by External ID",
//!   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert.htm;
//!   "Insert or Update (Upsert) a Record Using an External ID",
//!   https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html);
//! - **sObject Relationships** when `A` is a record id and `B` a relationship name: GET
//!   ("Get Records Using sObject Relationships",
//!   https://developer.salesforce.com/docs/platform/api-rest/guide/resources-sobject-relationships-get.html).
//!
//! A field name and a record id cannot be mistaken for one another (an id is 15 or 18
//! letters and digits starting with the object's key prefix, and no field of a standard
//! object has such a name), so `A` is read as a field first, then as an id; anything else is
//! Salesforce's 404 `NOT_FOUND`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::Api;
use super::data::version_number;
use super::sobjects::{allow_duplicates, json_body};
use crate::error::ApiError;
use crate::id::SfId;
use crate::org::User;
use crate::schema::{FieldDef, ObjectDef};
use crate::state::SandboxState;
use crate::store::Record;

/// Whether `field` can name a record in this resource: "the name of the field on this object
/// with the external ID field attribute" or an `idLookup` field ("Can be used to specify a
/// record in an upsert call", DescribeSObjectResult Field, SOAP API Developer Guide:
/// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
fn names_records(field: &FieldDef) -> bool {
    field.external_id
        || field
            .raw
            .get("idLookup")
            .and_then(Value::as_bool)
            .unwrap_or(false)
}

/// What `{A}` of `/sobjects/{Type}/{A}/{B}` is.
enum Target<'o> {
    /// `{A}` is a field that names records, `{B}` its value.
    ExternalId(&'o FieldDef),
    /// `{A}` is a record id, `{B}` a relationship.
    Relationship(SfId),
}

/// Reads `{A}`: a field of the object (one that names records, or 404 as the documentation's
/// "Incorrect external ID field" example answers), else a record id, else 404.
fn target<'o>(object: &'o ObjectDef, key: &str) -> Result<Target<'o>, ApiError> {
    if let Some(field) = object.field(key) {
        return if names_records(field) {
            Ok(Target::ExternalId(field))
        } else {
            Err(ApiError::not_found())
        };
    }
    match SfId::parse(key) {
        Ok(id) if object.key_prefix.as_deref() == Some(id.key_prefix()) => {
            Ok(Target::Relationship(id))
        }
        _ => Err(ApiError::not_found()),
    }
}

/// The live records of `object` whose `field` equals `value` (through the query engine, so
/// External IDs and emails use their index).
fn matching(
    state: &SandboxState,
    object: &ObjectDef,
    field: &FieldDef,
    value: &str,
    version: &str,
) -> Result<Vec<Record>, ApiError> {
    if field.kind == "id" {
        // By record id: one record or Salesforce's 404s (an upsert by an id that names no
        // record creates nothing).
        return state.org.live(object, value).map(|record| vec![record]);
    }
    let literal = match field.kind.as_str() {
        "int" | "double" | "currency" | "percent" if value.parse::<f64>().is_ok() => {
            crate::soql::Value::Number(value.to_owned())
        }
        _ => crate::soql::Value::String(value.to_owned()),
    };
    let soql = format!(
        "SELECT Id FROM {} WHERE {} = {literal}",
        object.name, field.name
    );
    let rows = state.org.query(&soql, false, version)?;
    let mut records = Vec::new();
    for row in rows.records {
        let Some(id) = row.get("Id").and_then(Value::as_str) else {
            continue;
        };
        records.push(state.org.live(object, id)?);
    }
    Ok(records)
}

/// The live records `/sobjects/{object}/{key}/{value}` names when `key` is a field that names
/// records (an External ID or another `idLookup` field): what an upsert or a delete there
/// would touch.
pub(crate) fn records_named(
    state: &SandboxState,
    object: &str,
    key: &str,
    value: &str,
    version: &str,
) -> Result<Vec<Record>, ApiError> {
    let object = state.org.object_named(object)?;
    match target(object, key)? {
        Target::ExternalId(field) => matching(state, object, field, value, version),
        Target::Relationship(_) => Ok(Vec::new()),
    }
}

/// "If the external ID is matched multiple times, then a 300 error is reported" with "the
/// list of matching records" (dome-upsert): their URLs.
fn multiple_choices(object: &ObjectDef, records: &[Record], version: &str) -> Response {
    let urls: Vec<Value> = records
        .iter()
        .map(|r| {
            Value::from(format!(
                "/services/data/v{version}/sobjects/{}/{}",
                object.name, r.id
            ))
        })
        .collect();
    (StatusCode::MULTIPLE_CHOICES, Json(Value::Array(urls))).into_response()
}

fn param<'p>(params: &'p HashMap<String, String>, key: &str) -> &'p str {
    params.get(key).map(String::as_str).unwrap_or_default()
}

fn fields_param(query: &HashMap<String, String>) -> Option<Vec<String>> {
    query.get("fields").map(|f| {
        f.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// `GET /sobjects/{Type}/{Field}/{value}` (a record by External ID) or
/// `GET /sobjects/{Type}/{Id}/{relationship}`.
pub async fn get(
    Api(state, v, _): Api,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = state.org.object_named(param(&params, "object"))?;
    let fields = fields_param(&query);
    match target(object, param(&params, "key"))? {
        Target::ExternalId(field) => {
            let records = matching(&state, object, field, param(&params, "value"), &v)?;
            match records.as_slice() {
                // The documentation gives no wording for a value nothing matches; this is the
                // 404 of any record that does not exist.
                [] => Err(ApiError::not_found()),
                [record] => Ok(Json(state.org.record_json(
                    object,
                    record,
                    fields.as_deref(),
                    &v,
                )?)
                .into_response()),
                _ => Ok(multiple_choices(object, &records, &v)),
            }
        }
        Target::Relationship(id) => {
            relationship(&state, object, &id, param(&params, "value"), fields, &v)
        }
    }
}

/// The sObject Relationships GET: a child relationship answers a query result ("If the
/// relationship field normally resolves to multiple records and no relationship set exists,
/// a 200 response is returned": an empty one), a parent relationship the parent record ("If
/// there's no record associated with a relationship field, a 404 error response is
/// returned"); `fields` naming fields that don't exist is a 400.
fn relationship(
    state: &SandboxState,
    object: &ObjectDef,
    id: &SfId,
    name: &str,
    fields: Option<Vec<String>>,
    version: &str,
) -> Result<Response, ApiError> {
    let record = state.org.live(object, id.as_str())?;
    if object.field(name).is_some_and(|f| f.kind == "base64") {
        // A blob: the decoded bytes ("Get Blob Data",
        // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_blob_retrieve.htm).
        let bytes = crate::notes::content_bytes(&record.fields);
        return Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response());
    }
    if let Some(rel) = object.child(name) {
        let child = state.org.object_named(&rel.child)?;
        let fields = fields.unwrap_or_else(|| {
            child
                .fields
                .iter()
                .filter(|f| f.kind != "address")
                .map(|f| f.name.clone())
                .collect()
        });
        if fields.is_empty() {
            return Err(ApiError::query(
                "MALFORMED_QUERY",
                "The fields parameter names no field",
            ));
        }
        // The parent's subquery reads the relationship as a query does (activities included).
        let soql = format!(
            "SELECT Id, (SELECT {} FROM {}) FROM {} WHERE Id = '{}'",
            fields.join(", "),
            rel.name,
            object.name,
            record.id
        );
        let out = state.org.query(&soql, false, version)?;
        let rows = out
            .records
            .first()
            .and_then(|r| r.get(&rel.name))
            .cloned()
            .unwrap_or(Value::Null);
        let rows = if rows.is_null() {
            json!({"totalSize": 0, "done": true, "records": []})
        } else {
            rows
        };
        return Ok(Json(rows).into_response());
    }
    if let Some(reference) = object.parent(name) {
        let parent_id = record
            .fields
            .get(&reference.name)
            .and_then(Value::as_str)
            .and_then(|s| SfId::parse(s).ok())
            .ok_or_else(ApiError::not_found)?;
        let parent_object = state
            .org
            .schema
            .object_for_prefix(parent_id.key_prefix())
            .ok_or_else(ApiError::not_found)?;
        let parent = state.org.live(parent_object, parent_id.as_str())?;
        let json = state
            .org
            .record_json(parent_object, &parent, fields.as_deref(), version)?;
        return Ok(Json(json).into_response());
    }
    Err(ApiError::not_found())
}

/// `PATCH /sobjects/{Type}/{Field}/{value}`: the upsert. No match creates (201), one match
/// updates (200 with the result from API 46.0, 204 before), several answer 300;
/// `?updateOnly=true` refuses to create (404). "The created parameter is present in the
/// response in API version 46.0 and later. It doesn't appear in earlier versions"
/// (dome-upsert).
pub async fn upsert(
    Api(state, v, user): Api,
    headers: HeaderMap,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let object = state.org.object_named(param(&params, "object"))?;
    let Target::ExternalId(field) = target(object, param(&params, "key"))? else {
        // PATCH through a relationship is not served here.
        return Err(ApiError::not_found());
    };
    let value = param(&params, "value");
    let body = json_body(&body)?;
    let with_created = version_number(&v) >= 46;
    let how = Upsert {
        object,
        field,
        duplicates_allowed: allow_duplicates(&headers),
        update_only: query
            .get("updateOnly")
            .is_some_and(|u| u.eq_ignore_ascii_case("true")),
    };
    match upsert_one(&state, &user, &how, value, body, &v).await? {
        Upserted::Created(id) => {
            let mut result = super::saved(&id);
            if with_created {
                result["created"] = Value::Bool(true);
            }
            Ok((
                StatusCode::CREATED,
                [(
                    header::LOCATION,
                    format!("/services/data/v{v}/sobjects/{}/{id}", object.name),
                )],
                Json(result),
            )
                .into_response())
        }
        Upserted::Updated(record) => {
            if !with_created {
                return Ok(StatusCode::NO_CONTENT.into_response());
            }
            Ok(
                Json(json!({"id": record.id, "success": true, "errors": [], "created": false}))
                    .into_response(),
            )
        }
        Upserted::Several(records) => Ok(multiple_choices(object, &records, &v)),
    }
}

/// What an upsert by External ID writes to: the object, its field, whether duplicate rules
/// are bypassed, and whether it may only update (`updateOnly`: 404 when nothing matches).
pub(crate) struct Upsert<'o> {
    pub object: &'o ObjectDef,
    pub field: &'o FieldDef,
    pub duplicates_allowed: bool,
    pub update_only: bool,
}

/// What one upsert by External ID did.
pub(crate) enum Upserted {
    /// No record had the value: one was made.
    Created(SfId),
    /// The one record with the value, as it was before it was updated.
    Updated(Record),
    /// Several records have the value: nothing was written.
    Several(Vec<Record>),
}

/// Creates or updates the record of `how.object` whose `how.field` is `value`, with `body`'s
/// fields: the rule of sObject Rows by External ID, shared by sObject Collections' upsert.
pub(crate) async fn upsert_one(
    state: &SandboxState,
    user: &User,
    how: &Upsert<'_>,
    value: &str,
    body: Value,
    version: &str,
) -> Result<Upserted, ApiError> {
    let (object, field) = (how.object, how.field);
    // One upsert at a time: two upserts of one External ID value never both create. Salesforce
    // keeps a unique External ID unique with its index (a field marked Unique refuses a second
    // record with DUPLICATE_VALUE); the docs do not say how concurrent upserts of a non-unique
    // one behave, and the sandbox serializes them rather than guess.
    let _one_at_a_time = state.upserts.lock().await;
    let mut records = matching(state, object, field, value, version)?;
    match records.len() {
        0 if how.update_only => Err(ApiError::not_found()),
        0 => {
            let mut fields = match body {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            if field.kind != "id" {
                fields.insert(field.name.clone(), Value::from(value));
            }
            let id = state.org.create(
                user,
                &object.name,
                &Value::Object(fields),
                how.duplicates_allowed,
            )?;
            Ok(Upserted::Created(id))
        }
        1 => {
            let record = records.remove(0);
            state.org.update(
                user,
                &object.name,
                record.id.as_str(),
                &body,
                None,
                how.duplicates_allowed,
            )?;
            Ok(Upserted::Updated(record))
        }
        _ => Ok(Upserted::Several(records)),
    }
}

/// The field of `object` named `key` that can name records in an upsert, or Salesforce's 404.
pub(crate) fn external_id_field<'o>(
    object: &'o ObjectDef,
    key: &str,
) -> Result<&'o FieldDef, ApiError> {
    match target(object, key)? {
        Target::ExternalId(field) => Ok(field),
        Target::Relationship(_) => Err(ApiError::not_found()),
    }
}

/// `DELETE /sobjects/{Type}/{Field}/{value}`: 204, 404 when nothing matches, 300 when
/// several do.
pub async fn delete(
    Api(state, v, _): Api,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = state.org.object_named(param(&params, "object"))?;
    let Target::ExternalId(field) = target(object, param(&params, "key"))? else {
        return Err(ApiError::not_found());
    };
    let records = matching(&state, object, field, param(&params, "value"), &v)?;
    match records.as_slice() {
        [] => Err(ApiError::not_found()),
        [record] => {
            state.org.delete(&object.name, record.id.as_str())?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Ok(multiple_choices(object, &records, &v)),
    }
}
