//! Settings: the org's (admins: integration on or off, default and extra mandatory fields per
//! object, the API share) and each agent's own field layout (the cog).
//!
//! `GET /api/settings`, `PUT /api/settings/org` (admins), `PUT /api/settings/layout`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, put};
use axum::{Json, Router};
use pane_wire::api::{FieldsByObject, OrgSettings, Settings};

use crate::lookup::plan::Layout;
use crate::records::api_name;
use crate::session::{Admin, Agent};
use crate::{AppState, ProxyError};

/// The objects whose fields can be picked, and the fields the panel always reads for them.
pub const OBJECTS: &[(&str, &[&str])] = &[
    (
        "Contact",
        &["Name", "Email", "AccountId", "LastModifiedDate"],
    ),
    ("Lead", &["Name", "Email", "Company", "LastModifiedDate"]),
    ("Account", &["Name", "Website", "LastModifiedDate"]),
    ("Opportunity", &["Name", "LastModifiedDate"]),
    ("Case", &["CaseNumber", "Subject", "LastModifiedDate"]),
    ("Task", &["Subject", "ActivityDate", "IsTask"]),
];

/// How many fields an object may show.
pub const MAX_FIELDS: usize = 40;

/// How long a replica trusts its copy of an org's settings.
pub const SETTINGS_TTL: Duration = Duration::from_secs(30);

/// The settings routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/settings", get(read))
        .route("/api/settings/org", put(write_org))
        .route("/api/settings/layout", put(write_layout))
}

/// A settings cache: org settings by org id.
pub type SettingsCache = moka::sync::Cache<String, OrgSettings>;

/// A new settings cache.
pub fn cache() -> SettingsCache {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(SETTINGS_TTL)
        .build()
}

/// The org's settings (defaults until an admin saves some).
pub async fn org_settings(state: &AppState, org_id: &str) -> Result<OrgSettings, ProxyError> {
    if let Some(hit) = state.settings_cache.get(org_id) {
        return Ok(hit);
    }
    let settings = match state.services.db.org_settings(org_id).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ProxyError::Database(format!("stored settings: {e}")))?,
        None => OrgSettings::default(),
    };
    state
        .settings_cache
        .insert(org_id.to_owned(), settings.clone());
    Ok(settings)
}

/// The agent's own layout (empty until they pick fields).
pub async fn agent_layout(state: &AppState, user_id: &str) -> Result<FieldsByObject, ProxyError> {
    match state.services.db.layout(user_id).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ProxyError::Database(format!("stored layout: {e}"))),
        None => Ok(FieldsByObject::new()),
    }
}

/// The fields the panel reads: the agent's, else the org's defaults, else the built-in ones;
/// always with the fields the panel itself needs.
pub fn effective_layout(org: &OrgSettings, agent: &FieldsByObject) -> Layout {
    let base = Layout::default();
    let pick = |object: &str, builtin: &[String]| -> Vec<String> {
        let chosen = agent
            .get(object)
            .filter(|f| !f.is_empty())
            .or_else(|| org.default_fields.get(object).filter(|f| !f.is_empty()))
            .cloned()
            .unwrap_or_else(|| builtin.to_vec());
        let mut fields: Vec<String> = OBJECTS
            .iter()
            .find(|(o, _)| *o == object)
            .map(|(_, needed)| needed.iter().map(|f| (*f).to_owned()).collect())
            .unwrap_or_default();
        for field in chosen {
            if api_name(&field) && !fields.iter().any(|f| f.eq_ignore_ascii_case(&field)) {
                fields.push(field);
            }
        }
        fields
    };
    Layout {
        contact: pick("Contact", &base.contact),
        lead: pick("Lead", &base.lead),
        account: pick("Account", &base.account),
        opportunity: pick("Opportunity", &base.opportunity),
        case: pick("Case", &base.case),
        activity: pick("Task", &base.activity),
    }
}

/// Checks fields per object: known objects, API names, not too many.
pub fn check_fields(fields: &FieldsByObject) -> Result<(), ProxyError> {
    for (object, names) in fields {
        if !OBJECTS.iter().any(|(o, _)| o == object) {
            return Err(ProxyError::BadRequest(format!(
                "{object:?} is not one of {}",
                OBJECTS
                    .iter()
                    .map(|(o, _)| *o)
                    .collect::<Vec<_>>()
                    .join(", ")
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

fn body<T: serde::de::DeserializeOwned>(bytes: &Bytes) -> Result<T, ProxyError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ProxyError::BadRequest(format!("The body is not what was expected: {e}")))
}

fn json(value: &impl serde::Serialize) -> Result<String, ProxyError> {
    serde_json::to_string(value).map_err(|e| ProxyError::Database(e.to_string()))
}

async fn read(State(state): State<AppState>, agent: Agent) -> Result<Json<Settings>, ProxyError> {
    let org = org_settings(&state, &agent.link.org_id).await?;
    let layout = agent_layout(&state, &agent.link.user_id).await?;
    let integration = state.services.db.integration(&agent.link.org_id).await?;
    Ok(Json(Settings {
        org,
        layout,
        is_admin: agent.is_admin(&state),
        integration_user: integration.map(|l| l.username),
    }))
}

async fn write_org(
    State(state): State<AppState>,
    Admin(agent): Admin,
    bytes: Bytes,
) -> Result<Json<OrgSettings>, ProxyError> {
    let settings: OrgSettings = body(&bytes)?;
    check_fields(&settings.default_fields)?;
    check_fields(&settings.mandatory_fields)?;
    if settings.api_share_percent > 100 {
        return Err(ProxyError::BadRequest(
            "api_share_percent is a percentage, 0 to 100".into(),
        ));
    }
    let org_id = &agent.link.org_id;
    state
        .services
        .db
        .put_org_settings(org_id, &json(&settings)?)
        .await?;
    state.settings_cache.invalidate(org_id);
    state.panel_cache.forget_org(org_id);
    tracing::info!(org = %org_id, user = %agent.link.user_id, "org settings saved");
    Ok(Json(settings))
}

async fn write_layout(
    State(state): State<AppState>,
    agent: Agent,
    bytes: Bytes,
) -> Result<Json<FieldsByObject>, ProxyError> {
    let layout: FieldsByObject = body(&bytes)?;
    check_fields(&layout)?;
    state
        .services
        .db
        .put_layout(&agent.link.user_id, &json(&layout)?)
        .await?;
    state.panel_cache.forget_panels_of(&agent.link.user_id);
    Ok(Json(layout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &[&str])]) -> FieldsByObject {
        pairs
            .iter()
            .map(|(o, f)| ((*o).to_owned(), f.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    }

    #[test]
    fn the_agent_wins_then_the_org_then_the_builtin_and_needed_fields_stay() {
        let org = OrgSettings {
            default_fields: fields(&[
                ("Contact", &["Title", "Tier__c"]),
                ("Account", &["Industry"]),
            ]),
            ..OrgSettings::default()
        };
        let agent = fields(&[("Contact", &["Phone"])]);
        let layout = effective_layout(&org, &agent);
        assert_eq!(
            layout.contact,
            ["Name", "Email", "AccountId", "LastModifiedDate", "Phone"]
        );
        assert_eq!(
            layout.account,
            ["Name", "Website", "LastModifiedDate", "Industry"]
        );
        assert_eq!(
            layout.lead,
            effective_layout(&org, &FieldsByObject::new()).lead
        );
        assert!(layout.lead.contains(&"Company".to_owned()), "built-in");
        let none = effective_layout(&OrgSettings::default(), &FieldsByObject::new());
        assert!(none.contact.contains(&"AccountId".to_owned()));
    }

    #[test]
    fn hostile_names_never_reach_a_query() {
        let org = OrgSettings {
            default_fields: fields(&[("Contact", &["Name FROM User --", "Email"])]),
            ..OrgSettings::default()
        };
        let layout = effective_layout(&org, &FieldsByObject::new());
        assert!(
            layout.contact.iter().all(|f| api_name(f)),
            "{:?}",
            layout.contact
        );
    }

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
