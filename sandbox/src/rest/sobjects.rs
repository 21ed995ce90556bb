//! Describes and rows: `/sobjects`, `/sobjects/{Type}`, `/describe`, `/{Id}`.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Api;
use crate::error::ApiError;

/// When the schema last changed: the process start (describes are built then).
fn schema_modified() -> i64 {
    static STARTED: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    // Whole seconds, as HTTP dates carry.
    *STARTED.get_or_init(|| crate::time::now_ms() / 1000 * 1000)
}

fn http_date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Reads `If-Modified-Since` / `If-Unmodified-Since` as Salesforce accepts them
/// (`EEE, dd MMM yyyy HH:mm:ss z`, any zone name or offset); `Err` for a malformed one.
fn header_date(headers: &HeaderMap, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let bad = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_HEADER_TYPE",
            format!("{name}: invalid date format: {text}"),
        )
    };
    if let Ok(d) = chrono::DateTime::parse_from_rfc2822(text) {
        return Ok(Some(d.timestamp_millis()));
    }
    // Zone abbreviations other than GMT/UT (e.g. MST): read the time, then the zone's offset.
    let (stamp, zone) = text.rsplit_once(' ').ok_or_else(bad)?;
    let offset = match zone {
        "EST" => "-0500",
        "EDT" => "-0400",
        "CST" => "-0600",
        "CDT" => "-0500",
        "MST" => "-0700",
        "MDT" => "-0600",
        "PST" => "-0800",
        "PDT" => "-0700",
        "UTC" | "GMT" | "Z" => "+0000",
        _ => return Err(bad()),
    };
    chrono::DateTime::parse_from_rfc2822(&format!("{stamp} {offset}"))
        .map(|d| Some(d.timestamp_millis()))
        .map_err(|_| bad())
}

fn not_modified_since(headers: &HeaderMap, modified: i64) -> Result<bool, ApiError> {
    Ok(header_date(headers, "if-modified-since")?.is_some_and(|since| modified <= since))
}

/// A describe answer, with the schema's Last-Modified: 304 without a body when the
/// request's If-Modified-Since is not older than the schema, else 200 with `body()`.
fn schema_answer(headers: &HeaderMap, body: impl FnOnce() -> Value) -> Result<Response, ApiError> {
    let modified = schema_modified();
    let last_modified = [(header::LAST_MODIFIED, http_date(modified))];
    if not_modified_since(headers, modified)? {
        return Ok((StatusCode::NOT_MODIFIED, last_modified).into_response());
    }
    Ok((last_modified, Json(body())).into_response())
}

/// `GET /sobjects`.
pub async fn describe_global(
    Api(state, v, _): Api,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    schema_answer(&headers, || state.org.schema.describe_global(&v))
}

/// `GET /sobjects/{Type}/describe`, with the user's read-only fields marked.
pub async fn describe(
    Api(state, v, user): Api,
    headers: HeaderMap,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = state.org.object_named(super::param(&params, "object"))?;
    schema_answer(&headers, || {
        let mut described = state.org.schema.describe(object, &v);
        if let Some(fields) = described.get_mut("fields").and_then(Value::as_array_mut) {
            for field in fields {
                let name = field
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if state.org.read_only_for(&user, &object.name, &name)
                    && let Some(map) = field.as_object_mut()
                {
                    map.insert("updateable".into(), Value::Bool(false));
                    map.insert("createable".into(), Value::Bool(false));
                }
            }
        }
        described
    })
}

/// `GET /sobjects/{Type}`: basic information.
pub async fn info(
    Api(state, v, _): Api,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let object = state.org.object_named(super::param(&params, "object"))?;
    // `recentItems` are the user's most recently used records; this org keeps no MRU list,
    // so it is empty (the documentation describes the list, not when it is filled).
    Ok(Json(
        json!({"objectDescribe": object.global_entry(&v), "recentItems": []}),
    ))
}

/// Parses a JSON body, or Salesforce's `JSON_PARSER_ERROR`.
pub fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        // The byte at the error's column (1-based), as Jackson names it: the character and its
        // code; a blank and 0 past the end.
        let byte = body.get(e.column().saturating_sub(1)).copied();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "JSON_PARSER_ERROR",
            format!(
                "Unexpected character ('{}' (code {})): was expecting double-quote to start field name at [line:{}, column:{}]",
                byte.map_or(' ', char::from),
                byte.unwrap_or(0),
                e.line(),
                e.column()
            ),
        )
    })
}

pub(crate) fn allow_duplicates(headers: &HeaderMap) -> bool {
    headers
        .get("sforce-duplicate-rule-header")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.replace(' ', "")
                .to_ascii_lowercase()
                .contains("allowsave=true")
        })
}

/// A record to create: its JSON body (or Salesforce's `JSON_PARSER_ERROR`) and whether the
/// request's duplicate rule header allows saving a duplicate. As an extractor it reads the body.
#[derive(Debug)]
pub struct NewRecord {
    /// The fields.
    pub body: Value,
    /// `Sforce-Duplicate-Rule-Header: allowSave=true`.
    pub allow_duplicates: bool,
}

impl<S: Send + Sync> FromRequest<S> for NewRecord {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let allow_duplicates = allow_duplicates(req.headers());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let body = json_body(&bytes).map_err(IntoResponse::into_response)?;
        Ok(NewRecord {
            body,
            allow_duplicates,
        })
    }
}

/// `POST /sobjects/{Type}`: 201 `{id, success, errors}`.
pub async fn create(
    Api(state, v, user): Api,
    Path(params): Path<HashMap<String, String>>,
    new: NewRecord,
) -> Result<Response, ApiError> {
    let object = params.get("object").cloned().unwrap_or_default();
    let id = state
        .org
        .create(&user, &object, &new.body, new.allow_duplicates)?;
    let name = state.org.object_named(&object)?.name.clone();
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/services/data/v{v}/sobjects/{name}/{id}"),
        )],
        Json(super::saved(&id)),
    )
        .into_response())
}

/// `POST /sobjects/{Type}/Id`: a create. "As a special case, in API version 37.0 and later,
/// you can create a record by POSTing to /vXX.X/sobjects/SObjectName/Id. This pattern
/// represents the use of Id as the specified external ID field and null as the value"
/// (sObject Rows by External ID,
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert.htm).
pub async fn create_by_id_field(
    api: Api,
    Path(params): Path<HashMap<String, String>>,
    request: Request,
) -> Response {
    let id_field = params
        .get("id")
        .is_some_and(|f| f.eq_ignore_ascii_case("Id"));
    if !id_field || super::data::version_number(&api.1) < 37 {
        return ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "HTTP Method 'POST' not allowed. Allowed are HEAD,GET,PATCH,DELETE",
        )
        .into_response();
    }
    // The body is read only once the route is known to create (405 comes first).
    match NewRecord::from_request(request, &()).await {
        Ok(new) => create(api, Path(params), new).await.into_response(),
        Err(rejection) => rejection,
    }
}

/// `GET /sobjects/{Type}/{Id}[?fields=A,B]`.
pub async fn read(
    Api(state, v, _): Api,
    headers: HeaderMap,
    Path(params): Path<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let object = state.org.object_named(super::param(&params, "object"))?;
    let record = state.org.live(object, super::param(&params, "id"))?;
    if not_modified_since(&headers, record.modified_ms)? {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::LAST_MODIFIED, http_date(record.modified_ms))],
        )
            .into_response());
    }
    let fields: Option<Vec<String>> = query
        .get("fields")
        .map(|f| f.split(',').map(str::to_owned).collect());
    let json = state
        .org
        .record_json(object, &record, fields.as_deref(), &v)?;
    Ok((
        [(header::LAST_MODIFIED, http_date(record.modified_ms))],
        Json(json),
    )
        .into_response())
}

/// `PATCH /sobjects/{Type}/{Id}`: 204.
pub async fn update(
    Api(state, _, user): Api,
    headers: HeaderMap,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let since = header_date(&headers, "if-unmodified-since")?;
    let body = json_body(&body)?;
    state.org.update(
        &user,
        super::param(&params, "object"),
        super::param(&params, "id"),
        &body,
        since,
        allow_duplicates(&headers),
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /sobjects/{Type}/{Id}`: 204.
pub async fn delete(
    Api(state, _, _): Api,
    Path(params): Path<HashMap<String, String>>,
) -> Result<StatusCode, ApiError> {
    state
        .org
        .delete(super::param(&params, "object"), super::param(&params, "id"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_as_salesforce_takes_them() {
        let mut headers = HeaderMap::new();
        for (date, ms) in [
            ("Mon, 30 Nov 2020 08:34:54 MST", 1_606_750_494_000),
            ("Thu, 03 Sep 2020 21:35:07 GMT", 1_599_168_907_000),
        ] {
            headers.insert("if-modified-since", date.parse().unwrap());
            let read = header_date(&headers, "if-modified-since").unwrap();
            assert_eq!(read, Some(ms), "{date}");
        }
        headers.insert("if-modified-since", "yesterday".parse().unwrap());
        assert_eq!(
            header_date(&headers, "if-modified-since")
                .unwrap_err()
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            http_date(1_599_168_907_000),
            "Thu, 03 Sep 2020 21:35:07 GMT"
        );
    }
}
