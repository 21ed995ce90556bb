//! The org as the proxy knows it: its settings (cached briefly, so replicas see an admin's
//! change within [`SETTINGS_TTL`]), each agent's own layout, and the fields the panel reads
//! for an agent ([`effective_layout`]).

use std::time::Duration;

use axum::extract::FromRef;
use pane_wire::api::{FieldsByObject, OrgSettings, layout_fields};
use pane_wire::objects::sobject;

use crate::lookup::plan::Layout;
use crate::store::Db;
use crate::validate::api_name;
use crate::{AppState, ProxyError};

/// How long a replica trusts its copy of an org's settings.
pub const SETTINGS_TTL: Duration = Duration::from_secs(30);

/// A settings cache: org settings by org id.
pub type SettingsCache = moka::sync::Cache<String, OrgSettings>;

/// A new settings cache.
pub fn cache() -> SettingsCache {
    moka::sync::Cache::builder()
        .max_capacity(10_000)
        .time_to_live(SETTINGS_TTL)
        .build()
}

/// What the org's settings and the agents' layouts are read from (a handler's sub-state).
#[derive(Debug, Clone)]
pub struct Org {
    /// The database.
    pub db: Db,
    /// Settings, briefly.
    pub cache: SettingsCache,
}

impl FromRef<AppState> for Org {
    fn from_ref(state: &AppState) -> Org {
        Org {
            db: state.services.db.clone(),
            cache: state.settings_cache.clone(),
        }
    }
}

/// The org's settings (defaults until an admin saves some), from any state holding an [`Org`].
pub async fn org_settings<S>(state: &S, org_id: &str) -> Result<OrgSettings, ProxyError>
where
    Org: FromRef<S>,
{
    let org = Org::from_ref(state);
    if let Some(hit) = org.cache.get(org_id) {
        return Ok(hit);
    }
    let settings = match org.db.org_settings(org_id).await? {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ProxyError::Database(format!("stored settings: {e}")))?,
        None => OrgSettings::default(),
    };
    org.cache.insert(org_id.to_owned(), settings.clone());
    Ok(settings)
}

/// The agent's own layout (empty until they pick fields).
pub async fn agent_layout(db: &Db, user_id: &str) -> Result<FieldsByObject, ProxyError> {
    match db.layout(user_id).await? {
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
        let chosen = layout_fields(agent, org, object, builtin);
        let mut fields: Vec<String> = sobject(object)
            .map(|o| o.needed.iter().map(|f| (*f).to_owned()).collect())
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
        notes: base.notes,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Fields by object, from `(object, fields)` pairs.
    pub(crate) fn fields(pairs: &[(&str, &[&str])]) -> FieldsByObject {
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
}
