//! Versions, resources, limits, query (with paging) and search.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::Api;
use crate::error::ApiError;
use crate::org::User;
use crate::soql::{FieldPath, Returning, Scope, Search, escape_term};
use crate::state::{SandboxState, versions as all_versions};

/// The major number of an API version (`59.0` is 59).
pub(crate) fn version_number(version: &str) -> u32 {
    version
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(crate::state::LATEST_VERSION)
}

/// `GET /services/data/`: no auth, not counted.
pub async fn versions() -> Json<Value> {
    Json(Value::Array(all_versions()))
}

/// `GET /services/data/vNN.N/`.
pub async fn resources(Api(state, v, user): Api) -> Json<Value> {
    let base = format!("/services/data/v{v}");
    let mut map = serde_json::Map::new();
    for name in [
        "sobjects",
        "query",
        "queryAll",
        "search",
        "parameterizedSearch",
        "composite",
        "limits",
        "recent",
        "tooling",
    ] {
        map.insert(name.into(), Value::from(format!("{base}/{name}")));
    }
    map.insert(
        "identity".into(),
        Value::from(state.identity_url(user.id.as_str())),
    );
    Json(Value::Object(map))
}

/// `GET /limits`.
pub async fn limits(Api(state, _, _): Api) -> Json<Value> {
    let (used, max) = state.quota.usage();
    let remaining = max.saturating_sub(used);
    Json(json!({
        "DailyApiRequests": {"Max": max, "Remaining": remaining},
        "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
        "DataStorageMB": {"Max": 5, "Remaining": 5},
        "FileStorageMB": {"Max": 20, "Remaining": 20},
        "HourlyPublishedPlatformEvents": {"Max": 50000, "Remaining": 50000},
        "SingleEmail": {"Max": 15, "Remaining": 15},
    }))
}

/// The batch size asked in `Sforce-Query-Options: batchSize=N` (200 to 2000; 2000 default).
fn batch_size(headers: &HeaderMap) -> usize {
    headers
        .get("sforce-query-options")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().strip_prefix("batchSize="))
        })
        .and_then(|n| n.trim().parse::<usize>().ok())
        .map_or(2000, |n| n.clamp(200, 2000))
}

/// One page of a query's rows from row `offset`, with `nextRecordsUrl` naming the locator and
/// the next page's row offset (`/query/01gXX...-2000`) while rows are left. "If the initial
/// query returns only part of the results, the end of the response contains a field called
/// nextRecordsUrl ... the query locator" and `totalSize` is the whole result's size (Execute
/// a SOQL Query, REST API Developer Guide:
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm).
/// That the number after `-` is the row offset of the next page is what the examples show
/// (`01gD0000002HU6KIAW-2000` after a first batch of 2000); the guide does not spell it out.
fn page_at(
    version: &str,
    endpoint: &str,
    locator: &str,
    rows: &[Value],
    offset: usize,
    batch: usize,
) -> Value {
    let total = rows.len();
    let end = offset.saturating_add(batch).min(total);
    let records = rows
        .get(offset.min(total)..end)
        .unwrap_or_default()
        .to_vec();
    if end >= total {
        return json!({"totalSize": total, "done": true, "records": records});
    }
    let next = format!("/services/data/v{version}/{endpoint}/{locator}-{end}");
    json!({"totalSize": total, "done": false, "nextRecordsUrl": next, "records": records})
}

/// The first page of `records`, keeping them all behind a new locator when there are more.
fn page(
    state: &SandboxState,
    version: &str,
    total: usize,
    records: Vec<Value>,
    batch: usize,
    endpoint: &str,
) -> Value {
    if records.len() <= batch {
        return json!({"totalSize": total, "done": true, "records": records});
    }
    let locator = format!(
        "01g{}",
        crate::id::SfId::mint("01g", rand_u64())
            .short()
            .get(3..)
            .unwrap_or_default()
    );
    let first = page_at(version, endpoint, &locator, &records, 0, batch);
    if let Ok(mut cursors) = state.cursors.lock() {
        cursors.insert(locator, records, batch);
    }
    first
}

fn rand_u64() -> u64 {
    use rand::Rng;
    rand::rng().random_range(0..62u64.pow(9))
}

/// `SELECT PermissionsModifyAllData FROM UserPermissionAccess`: the requesting user's
/// permissions, one row, as Salesforce answers it.
fn permission_access(soql: &str, user: &User) -> Option<Value> {
    let query = crate::soql::parse(soql).ok()?;
    if !query.from.eq_ignore_ascii_case("UserPermissionAccess") {
        return None;
    }
    let mut row = serde_json::Map::new();
    row.insert("attributes".into(), json!({"type": "UserPermissionAccess"}));
    for item in &query.select {
        if let crate::soql::SelectItem::Field(path) = item {
            let name = path.to_string();
            let granted = match name.to_ascii_lowercase().as_str() {
                "permissionsmodifyalldata" | "permissionsviewalldata" => {
                    user.profile.modify_all_data
                }
                _ => false,
            };
            row.insert(name, Value::Bool(granted));
        }
    }
    Some(json!({"totalSize": 1, "done": true, "records": [row]}))
}

async fn run_query(
    state: &SandboxState,
    version: &str,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    all: bool,
    user: &User,
) -> Result<Json<Value>, ApiError> {
    let soql = params
        .get("q")
        .ok_or_else(|| ApiError::query("MALFORMED_QUERY", "A query string has to be specified"))?;
    if let Some(answer) = permission_access(soql, user) {
        return Ok(Json(answer));
    }
    crate::strict::check_query(soql, user)?;
    let out = state.org.query(soql, all, version)?;
    // "In REST API, queries that include a GROUP BY clause can't use the query locator to get
    // more results" (Considerations for GROUP BY,
    // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_group_by_considerations.htm):
    // every group in one answer.
    if out.aggregate {
        return Ok(Json(
            json!({"totalSize": out.total_size, "done": true, "records": out.records}),
        ));
    }
    let endpoint = if all { "queryAll" } else { "query" };
    Ok(Json(page(
        state,
        version,
        out.total_size,
        out.records,
        batch_size(headers),
        endpoint,
    )))
}

/// `GET /query?q=` (`ALL` false) and `GET /queryAll?q=` (`ALL` true: deleted rows too).
pub async fn query<const ALL: bool>(
    Api(state, v, user): Api,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    run_query(&state, &v, &headers, &params, ALL, &user).await
}

/// `GET /query/{locator}-{offset}`: the page of the query's rows from that offset. The same
/// URL read twice answers the same rows.
pub async fn next_page(
    Api(state, v, _): Api,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(params): Path<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let raw = params.get("locator").cloned().unwrap_or_default();
    let (locator, offset) = match raw.split_once('-') {
        Some((locator, offset)) => (locator, offset.parse::<usize>().ok()),
        None => (raw.as_str(), Some(0)),
    };
    let expired = || ApiError::query("INVALID_QUERY_LOCATOR", "invalid query locator");
    let offset = offset.ok_or_else(expired)?;
    let cursor = state
        .cursors
        .lock()
        .map_err(|_| expired())?
        .get(locator)
        .ok_or_else(expired)?;
    if offset > cursor.rows.len() {
        return Err(expired());
    }
    let batch = if headers.contains_key("sforce-query-options") {
        batch_size(&headers)
    } else {
        cursor.batch
    };
    let endpoint = if uri.path().contains("/queryAll/") {
        "queryAll"
    } else {
        "query"
    };
    Ok(Json(page_at(
        &v,
        endpoint,
        locator,
        &cursor.rows,
        offset,
        batch,
    )))
}

/// `GET /search?q=` (SOSL).
pub async fn search(
    Api(state, v, _): Api,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let sosl = super::param(&params, "q");
    crate::strict::check_search(sosl)?;
    let records = state.org.search(sosl, &v)?;
    // "New searchRecords wrapper in response body: A new searchRecords tag surrounds the
    // content in responses" — a REST API change of Summer '16, i.e. API version 37.0
    // (https://releasenotes.docs.salesforce.com/en-us/summer16/release-notes/rn_api_rest.htm);
    // earlier versions answer the bare array of records (the Search resource page,
    // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search.htm,
    // shows only the wrapped shape).
    if version_number(&v) < 37 {
        return Ok(Json(Value::Array(records)));
    }
    Ok(Json(json!({"searchRecords": records})))
}

/// `GET /parameterizedSearch?q=term&sobject=Contact&Contact.fields=Id,Name&Contact.limit=5&in=EMAIL&overallLimit=20`.
pub async fn parameterized_search(
    Api(state, v, _): Api,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<Value>, ApiError> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let term = get("q")
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::query("MALFORMED_SEARCH", "No search term found."))?;
    let scope = match get("in").map(|s| s.to_ascii_uppercase()).as_deref() {
        None | Some("ALL") => Scope::All,
        Some("NAME") => Scope::Name,
        Some("EMAIL") => Scope::Email,
        Some("PHONE") => Scope::Phone,
        Some(other) => {
            return Err(ApiError::query(
                "INVALID_SEARCH_SCOPE",
                format!("Invalid search scope: {other}"),
            ));
        }
    };
    let number = |s: Option<String>| s.and_then(|n| n.parse::<u64>().ok());
    let returning = pairs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("sobject"))
        .map(|(_, object)| Returning {
            object: object.clone(),
            fields: get(&format!("{object}.fields"))
                .map(|f| {
                    f.split(',')
                        .map(|f| FieldPath::new(f.trim().split('.').map(str::to_owned).collect()))
                        .collect()
                })
                .unwrap_or_default(),
            filter: None,
            order_by: vec![],
            limit: number(get(&format!("{object}.limit"))),
        })
        .collect();
    let search = Search {
        term: escape_term(&term),
        scope,
        returning,
        limit: number(get("overallLimit")),
    };
    let records = crate::engine::search_records(&state.org, &search, &v)?;
    Ok(Json(json!({"searchRecords": records})))
}
