//! Plain HTML pages: the org's home, and record pages at `/lightning/r/{Object}/{Id}/view`
//! so deep links from the panel open something real.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::state::SandboxState;

/// The page routes.
pub fn router() -> Router<SandboxState> {
    Router::new()
        .route("/", get(home))
        .route("/lightning/r/{object}/{id}/view", get(record_page))
}

/// Text and attribute values in a page: `& < > " ' /` escaped (the html-escape crate).
fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    html_escape::encode_safe(s)
}

const STYLE: &str = "<style>body{font:14px system-ui,sans-serif;max-width:760px;margin:40px auto;color:#1f2430}table{border-collapse:collapse;width:100%}td{border-top:1px solid #e4e7ec;padding:6px 8px;vertical-align:top}td:first-child{color:#667085;width:35%}</style>";

async fn home() -> Html<String> {
    Html(format!(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Sandbox org</title>{STYLE}\
         <h1>Salesforce Pane sandbox org</h1>\
         <p>An embedded, Salesforce-compatible org for trying the product and for its tests.</p>"
    ))
}

async fn record_page(
    State(state): State<SandboxState>,
    Path(params): Path<HashMap<String, String>>,
) -> Response {
    let object_name = crate::rest::param(&params, "object");
    let Ok(object) = state.org.object_named(object_name) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>No such object</h1>".to_owned()),
        )
            .into_response();
    };
    let record =
        match state.org.live(object, crate::rest::param(&params, "id")) {
            Ok(r) => r,
            Err(e) => return (
                e.status,
                Html(format!(
                    "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>Not found</title>{STYLE}<h1>{}</h1>",
                    escape(&e.message)
                )),
            )
                .into_response(),
        };
    let title = ["Name", "Subject", "CaseNumber"]
        .iter()
        .find_map(|k| record.fields.get(*k).and_then(Value::as_str))
        .unwrap_or(record.id.as_str())
        .to_owned();
    let rows: String = object
        .fields
        .iter()
        .filter_map(|f| {
            let value = record.fields.get(&f.name)?;
            let text = match value {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some(format!(
                "<tr><td>{}</td><td data-field=\"{}\">{}</td></tr>",
                escape(&f.label),
                escape(&f.name),
                escape(&text)
            ))
        })
        .collect();
    Html(format!(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>{t} | {o}</title>{STYLE}<p>{o}</p><h1>{t}</h1><table>{rows}</table>",
        t = escape(&title),
        o = escape(&object.name)
    ))
    .into_response()
}
