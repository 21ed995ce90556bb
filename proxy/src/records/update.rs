//! `PATCH /api/records/{object}/{id}`: an update, refused with 409 and the current values if
//! the record changed in Salesforce since it was loaded.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use pane_wire::api::UpdateRequest;
use serde_json::Value;

use super::{is_blank, mandatory_filled, named_fields};
use crate::ProxyError;
use crate::cache::PanelCache;
use crate::gateway::{Gateway, Salesforce, refused};
use crate::json::ApiJson;
use crate::org::org_settings;
use crate::session::Agent;
use crate::validate::{api_name, record_id};

/// `PATCH /api/records/{object}/{id}` `{"fields": {...}, "loaded_at"}`: 204; 409 with the
/// record as it is now when it changed since `loaded_at`; 400 with the fields to fill.
pub(super) async fn update(
    State(gateway): State<Gateway>,
    State(cache): State<PanelCache>,
    agent: Agent,
    Path((object, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> Result<StatusCode, ProxyError> {
    if !api_name(&object) || !record_id(&id) {
        return Err(ProxyError::BadRequest(
            "not an object name and record id".into(),
        ));
    }
    named_fields(&body.fields)?;
    let settings = org_settings(&gateway, &agent.link.org_id).await?;
    // Only the fields sent: a mandatory field left out keeps its value.
    mandatory_filled(&settings, &object, |f| {
        body.fields.contains_key(f) && is_blank(body.fields.get(f))
    })?;
    let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
    let result = salesforce
        .call_raw(salesforce.client.update(
            &object,
            &id,
            &Value::Object(body.fields),
            body.loaded_at.as_deref(),
        ))
        .await?;
    cache.forget_org(&agent.link.org_id).await;
    match result {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(err) if err.status() == Some(412) => {
            let current = salesforce
                .call(salesforce.client.get(&format!("/sobjects/{object}/{id}")))
                .await?;
            Err(ProxyError::Conflict { current })
        }
        Err(err) => Err(refused(&err, Some(&format!("{object} {id}")))),
    }
}
