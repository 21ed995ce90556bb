//! Record writes for the panel, a file per job: [`create`] (`POST /api/records/{object}`,
//! after looking for a Contact or Lead with the same email or phone; Salesforce's
//! duplicate-rule matches are surfaced), [`update`] (`PATCH /api/records/{object}/{id}`,
//! refused with 409 and the current values if the record changed in Salesforce since it was
//! loaded), [`convert`] (`GET`/`POST /api/leads/{id}/convert`). Every write forgets the org's
//! cached panels. Here: the routes and the checks the writes share.

mod convert;
mod create;
mod update;

use axum::Router;
use axum::routing::{get, patch, post};
use pane_wire::api::OrgSettings;
use serde_json::{Map, Value};

use crate::validate::api_name;
use crate::{AppState, ProxyError};

/// The record routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/records/{object}", post(create::create))
        .route("/api/records/{object}/{id}", patch(update::update))
        .route(
            "/api/leads/{id}/convert",
            get(convert::convert_options).post(convert::convert),
        )
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// A write's fields: at least one, each an API name.
fn named_fields(fields: &Map<String, Value>) -> Result<(), ProxyError> {
    if fields.is_empty() || !fields.keys().all(|k| api_name(k)) {
        return Err(ProxyError::BadRequest(
            "fields must name at least one field".into(),
        ));
    }
    Ok(())
}

/// Refuses a write that leaves `blank` a field the org makes mandatory for `object`, naming
/// them all.
fn mandatory_filled(
    settings: &OrgSettings,
    object: &str,
    blank: impl Fn(&str) -> bool,
) -> Result<(), ProxyError> {
    let missing: Vec<String> = settings
        .mandatory_fields
        .get(object)
        .map(|m| m.iter().filter(|f| blank(f)).cloned().collect())
        .unwrap_or_default();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ProxyError::Rejected {
        message: format!("Required fields are missing: [{}]", missing.join(", ")),
        fields: missing,
    })
}
