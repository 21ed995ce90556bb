//! Salesforce's standard duplicate rules for Contacts and Leads: a write whose email or phone
//! another live record has is refused with `DUPLICATES_DETECTED` and the matches.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, storage};
use crate::id::SfId;
use crate::keys::phone_key;
use crate::org::Org;
use crate::schema::ObjectDef;
use crate::store::Record;

impl Org {
    /// Refuses a Contact or Lead (when the settings keep the duplicate rules) whose email or
    /// phone another live record has; `id` is the record being updated.
    pub(crate) fn duplicates(
        &self,
        object: &ObjectDef,
        id: Option<&SfId>,
        fields: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        if !self.settings.duplicate_rules || !matches!(object.name.as_str(), "Contact" | "Lead") {
            return Ok(());
        }
        let mut keys: Vec<String> = Vec::new();
        if let Some(email) = fields.get("Email").and_then(Value::as_str) {
            keys.push(format!("email:{}", email.trim().to_ascii_lowercase()));
        }
        for phone in ["Phone", "MobilePhone"] {
            if let Some(p) = fields
                .get(phone)
                .and_then(Value::as_str)
                .and_then(phone_key)
            {
                keys.push(format!("phone:{p}"));
            }
        }
        let mut matches: Vec<Record> = Vec::new();
        for key in keys {
            for record in self
                .store
                .by_key(&object.name, &key, false)
                .map_err(storage)?
            {
                if Some(&record.id) != id && !matches.iter().any(|m| m.id == record.id) {
                    matches.push(record);
                }
            }
        }
        if matches.is_empty() {
            return Ok(());
        }
        let rule = if object.name == "Contact" {
            "Standard_Contact_Duplicate_Rule"
        } else {
            "Standard_Lead_Duplicate_Rule"
        };
        let records: Vec<Value> = matches
            .iter()
            .map(|r| json!({"additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0, "record": {"attributes": {"type": object.name, "url": format!("/services/data/v59.0/sobjects/{}/{}", object.name, r.id)}, "Id": r.id.as_str()}}))
            .collect();
        Err(ApiError {
            extra: Some(Box::new(json!({"duplicateResult": {
                "allowSave": false, "duplicateRule": rule, "duplicateRuleEntityType": object.name,
                "errorMessage": "Use one of these records?",
                "matchResults": [{"entityType": object.name, "errors": [], "matchEngine": "ExactMatchEngine", "matchRecords": records, "rule": format!("{}_Matching_Rule", object.name), "size": matches.len(), "success": true}]
            }}))),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "DUPLICATES_DETECTED",
                "Use one of these records?",
            )
        })
    }
}
