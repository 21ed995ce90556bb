//! The proxy's JSON API, as the panel reads it.

use serde::{Deserialize, Serialize};

/// `GET /api/health`: the proxy is up, and which Salesforce backend it talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the proxy answers.
    pub status: String,
    /// The proxy's version (its crate version).
    pub version: String,
    /// The Salesforce backend in use.
    pub backend: Backend,
    /// Where the org opens in a browser (records open under it).
    pub org_url: String,
}

/// Which Salesforce the proxy forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The embedded sandbox org, started in-process on a loopback port.
    Sandbox,
    /// A real Salesforce org, configured by instance URL.
    Salesforce,
}

impl Backend {
    /// How the panel names the backend to an agent.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sandbox => "sandbox org",
            Backend::Salesforce => "Salesforce",
        }
    }
}

/// Why the panel shows what it shows for a handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// A Contact or Lead with exactly this email.
    Email,
    /// A Contact or Lead with this phone number, whatever its stored format.
    Phone,
    /// No person, but the Account at the email's domain.
    Domain,
    /// The record pinned for this sender.
    Pinned,
    /// Nothing matched.
    None,
}

/// A Salesforce record as the panel shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    /// `Contact`, `Lead`, `Account`...
    pub object: String,
    /// The 18-character id.
    pub id: String,
    /// Its fields, by API name (parents nested as Salesforce answers them).
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A related list: the first rows and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RelatedList {
    /// Rows in all.
    pub total: u64,
    /// The first rows, newest first.
    pub records: Vec<RecordView>,
}

/// What the panel shows for one handle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelData {
    /// The handle looked up.
    pub handle: String,
    /// Why these records.
    pub reason: MatchReason,
    /// The Contact or Lead.
    pub person: Option<RecordView>,
    /// Its Account, or the Account at the email's domain.
    pub account: Option<RecordView>,
    /// The Account's Opportunities.
    pub opportunities: RelatedList,
    /// The person's Cases.
    pub cases: RelatedList,
    /// The person's open Tasks and Events.
    pub open_activities: RelatedList,
    /// The person's activity history.
    pub history: RelatedList,
    /// For a domain match: the Account's Contacts.
    pub account_contacts: RelatedList,
    /// Every record that matched, when several did (the agent picks one).
    pub candidates: Vec<RecordView>,
}

/// One value of a picklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PicklistOption {
    /// The API value.
    pub value: String,
    /// What the agent sees.
    pub label: String,
    /// Selected by default.
    pub default: bool,
}

/// A field, as the panel needs it to show, edit and validate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Salesforce's type: `string`, `email`, `phone`, `url`, `textarea`, `picklist`,
    /// `boolean`, `date`, `datetime`, `int`, `double`, `currency`, `percent`, `reference`...
    pub kind: String,
    /// Must be given on create (red `*`).
    pub required: bool,
    /// This user may set it on create.
    pub createable: bool,
    /// This user may change it (a pencil).
    pub updateable: bool,
    /// Maximum length of text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
    /// Digits after the point, for numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Picklist values (active ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub picklist: Vec<PicklistOption>,
    /// Only picklist values are accepted.
    #[serde(default)]
    pub restricted: bool,
    /// For lookups: the objects it may point at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_to: Vec<String>,
    /// A custom (`__c`) field.
    #[serde(default)]
    pub custom: bool,
    /// The record's name field.
    #[serde(default)]
    pub name_field: bool,
}

/// An object, as the panel needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectSpec {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// This user may create records.
    pub createable: bool,
    /// This user may update records.
    pub updateable: bool,
    /// Its fields, in describe order.
    pub fields: Vec<FieldSpec>,
}

/// The one error shape every proxy endpoint answers with (any 4xx or 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable, machine-readable code, `snake_case` (`not_found`, `bad_request`...).
    pub code: String,
    /// A sentence for a person; never carries upstream details or secrets.
    pub message: String,
    /// The fields the error is about (Salesforce's validation errors), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// For a conflict: the record as it is now in Salesforce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips_with_wire_names() {
        let health = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            backend: Backend::Sandbox,
            org_url: "http://127.0.0.1:4000/".into(),
        };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "version": "0.1.0", "backend": "sandbox",
                               "org_url": "http://127.0.0.1:4000/"})
        );
        assert_eq!(serde_json::from_value::<Health>(json).unwrap(), health);
    }

    #[test]
    fn panel_data_round_trips() {
        let mut fields = serde_json::Map::new();
        fields.insert("Name".into(), serde_json::json!("Rose Gonzalez"));
        let rose = RecordView {
            object: "Contact".into(),
            id: "003Pa0000000001IAA".into(),
            fields,
        };
        let data = PanelData {
            handle: "rose@edge.com".into(),
            reason: MatchReason::Email,
            person: Some(rose.clone()),
            account: None,
            opportunities: RelatedList::default(),
            cases: RelatedList {
                total: 1,
                records: vec![rose],
            },
            open_activities: RelatedList::default(),
            history: RelatedList::default(),
            account_contacts: RelatedList::default(),
            candidates: vec![],
        };
        let json = serde_json::to_value(&data).unwrap();
        assert_eq!(json["reason"], "email");
        assert_eq!(json["person"]["fields"]["Name"], "Rose Gonzalez");
        assert_eq!(serde_json::from_value::<PanelData>(json).unwrap(), data);
    }

    #[test]
    fn api_error_round_trips() {
        let err = ApiError {
            code: "not_found".into(),
            message: "No such route.".into(),
            fields: vec![],
            current: None,
        };
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"code":"not_found","message":"No such route."}"#);
        assert_eq!(serde_json::from_str::<ApiError>(&json).unwrap(), err);
    }
}
