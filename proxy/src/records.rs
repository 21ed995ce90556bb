//! Record writes for the panel: `PATCH /api/records/{object}/{id}` updates fields, refused
//! with 409 and the current values if the record changed in Salesforce since it was loaded.
//! Every write forgets the org's cached panels.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::patch;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::oauth::Agent;
use crate::panel::{client_for, salesforce_error};
use crate::{AppState, ProxyError};

/// The record routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/records/{object}/{id}", patch(update))
}

#[derive(Debug, Deserialize)]
struct UpdateBody {
    /// The changed fields.
    fields: Map<String, Value>,
    /// When the agent loaded the record (an HTTP date, e.g. its `Last-Modified`).
    #[serde(default)]
    loaded_at: Option<String>,
}

fn api_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

async fn update(
    State(state): State<AppState>,
    agent: Agent,
    Path((object, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, ProxyError> {
    if !api_name(&object)
        || !(id.len() == 15 || id.len() == 18)
        || !id.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(ProxyError::BadRequest(
            "not an object name and record id".into(),
        ));
    }
    let body: UpdateBody = serde_json::from_slice(&body)
        .map_err(|e| ProxyError::BadRequest(format!("The body is not what was expected: {e}")))?;
    if body.fields.is_empty() || !body.fields.keys().all(|k| api_name(k)) {
        return Err(ProxyError::BadRequest(
            "fields must name at least one field".into(),
        ));
    }
    let client = client_for(&state, &agent)?;
    let result = client
        .update(
            &object,
            &id,
            &Value::Object(body.fields),
            body.loaded_at.as_deref(),
        )
        .await;
    state.panel_cache.forget_org(&agent.link.org_id);
    match result {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(err) if err.status() == Some(412) => {
            let current = client
                .get(&format!("/sobjects/{object}/{id}"))
                .await
                .map_err(|e| salesforce_error(&e))?;
            Err(ProxyError::Conflict { current })
        }
        Err(pane_salesforce::Error::Api {
            status: 400,
            errors,
        }) => {
            let first = errors.first();
            Err(ProxyError::Rejected {
                message: first.map_or_else(
                    || "Salesforce refused the change.".to_owned(),
                    |e| e.message.clone(),
                ),
                fields: errors.iter().flat_map(|e| e.fields.clone()).collect(),
            })
        }
        Err(pane_salesforce::Error::Api { status: 404, .. }) => {
            Err(ProxyError::NotFound(format!("{object} {id}")))
        }
        Err(err) => Err(salesforce_error(&err)),
    }
}
