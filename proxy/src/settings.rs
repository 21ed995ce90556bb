//! Settings: the org's (admins: integration on or off, default and extra mandatory fields per
//! object, the API share) and each agent's own field layout (the cog).
//!
//! `GET /api/settings`, `PUT /api/settings/org` (admins), `PUT /api/settings/layout`.

use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use pane_wire::api::{FieldsByObject, OrgSettings, Settings};
use pane_wire::objects::{pickable, sobject};

use crate::cache::PanelCache;
use crate::json::ApiJson;
use crate::org::{Org, agent_layout, org_settings};
use crate::session::{Admin, Agent};
use crate::store::Db;
use crate::validate::api_name;
use crate::{AppState, ProxyError};

/// How many fields an object may show.
pub const MAX_FIELDS: usize = 40;

/// The settings routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/settings", get(read))
        .route("/api/settings/org", put(write_org))
        .route("/api/settings/layout", put(write_layout))
}

/// Checks fields per object: known objects, API names, not too many.
pub fn check_fields(fields: &FieldsByObject) -> Result<(), ProxyError> {
    for (object, names) in fields {
        if !sobject(object).is_some_and(|o| o.pickable) {
            return Err(ProxyError::BadRequest(format!(
                "{object:?} is not one of {}",
                pickable().collect::<Vec<_>>().join(", ")
            )));
        }
        if names.len() > MAX_FIELDS {
            return Err(ProxyError::BadRequest(format!(
                "{object} shows at most {MAX_FIELDS} fields"
            )));
        }
        if let Some(bad) = names.iter().find(|n| !api_name(n)) {
            return Err(ProxyError::BadRequest(format!(
                "{bad:?} is not a field's API name"
            )));
        }
    }
    Ok(())
}

fn json(value: &impl serde::Serialize) -> Result<String, ProxyError> {
    serde_json::to_string(value).map_err(|e| ProxyError::Database(e.to_string()))
}

async fn read(State(state): State<AppState>, agent: Agent) -> Result<Json<Settings>, ProxyError> {
    let org = org_settings(&state, &agent.link.org_id).await?;
    let layout = agent_layout(&state.services.db, &agent.link.user_id).await?;
    let integration = state.services.db.integration(&agent.link.org_id).await?;
    Ok(Json(Settings {
        org,
        layout,
        is_admin: agent.is_admin(&state),
        integration_user: integration.map(|l| l.username),
    }))
}

async fn write_org(
    State(org): State<Org>,
    State(panel_cache): State<PanelCache>,
    Admin(agent): Admin,
    ApiJson(settings): ApiJson<OrgSettings>,
) -> Result<Json<OrgSettings>, ProxyError> {
    check_fields(&settings.default_fields)?;
    check_fields(&settings.mandatory_fields)?;
    if settings.api_share_percent > 100 {
        return Err(ProxyError::BadRequest(
            "api_share_percent is a percentage, 0 to 100".into(),
        ));
    }
    let org_id = &agent.link.org_id;
    org.db.put_org_settings(org_id, &json(&settings)?).await?;
    org.cache.invalidate(org_id);
    panel_cache.forget_org(org_id).await;
    tracing::info!(org = %org_id, user = %agent.link.user_id, "org settings saved");
    Ok(Json(settings))
}

async fn write_layout(
    State(db): State<Db>,
    State(panel_cache): State<PanelCache>,
    agent: Agent,
    ApiJson(layout): ApiJson<FieldsByObject>,
) -> Result<Json<FieldsByObject>, ProxyError> {
    check_fields(&layout)?;
    db.put_layout(&agent.link.user_id, &json(&layout)?).await?;
    panel_cache
        .forget_panels_of(&agent.link.org_id, &agent.link.user_id)
        .await;
    Ok(Json(layout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::tests::fields;

    #[test]
    fn checks() {
        assert!(check_fields(&fields(&[("Contact", &["Name", "Tier__c"])])).is_ok());
        for bad in [
            fields(&[("User", &["Name"])]),
            fields(&[("Contact", &["Name, (SELECT Id FROM Cases)"])]),
            fields(&[("Contact", &[""])]),
        ] {
            assert!(check_fields(&bad).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..=MAX_FIELDS).map(|i| format!("F{i}__c")).collect();
        let mut too_many = FieldsByObject::new();
        too_many.insert("Contact".into(), many);
        assert!(check_fields(&too_many).is_err());
    }
}
