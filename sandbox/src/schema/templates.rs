//! Recorded fields used as templates: a field the recording lacks (Task's own, User's, custom
//! ones...) is made from a recorded field of the same type with a few keys changed, so its
//! describe has every key a real one has.

use serde_json::{Value, json};

use super::{FieldDef, ObjectDef};
use crate::SandboxError;

/// A field's describe, made from `template` (a recorded field of the same type) with `changes`.
pub(super) fn field_like(template: &FieldDef, changes: Value) -> Result<FieldDef, SandboxError> {
    let mut raw = template.raw.clone();
    if let (Some(target), Value::Object(changes)) = (raw.as_object_mut(), changes) {
        for (k, v) in changes {
            target.insert(k, v);
        }
    }
    FieldDef::from_raw(raw)
}

/// A picklist's `picklistValues`: every value active, `default` the default one.
pub(super) fn picklist(values: &[&str], default: Option<&str>) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| json!({"active": true, "defaultValue": Some(*v) == default, "label": v, "validFor": null, "value": v}))
            .collect(),
    )
}

/// The recorded fields used as templates, by type.
pub(super) struct Templates {
    pub(super) id: FieldDef,
    pub(super) string: FieldDef,
    pub(super) textarea: FieldDef,
    pub(super) email: FieldDef,
    pub(super) phone: FieldDef,
    pub(super) url: FieldDef,
    pub(super) picklist: FieldDef,
    pub(super) boolean: FieldDef,
    pub(super) int: FieldDef,
    pub(super) double: FieldDef,
    pub(super) currency: FieldDef,
    pub(super) percent: FieldDef,
    pub(super) date: FieldDef,
    pub(super) datetime: FieldDef,
    pub(super) reference: FieldDef,
}

impl Templates {
    /// The templates, from the recorded `objects`.
    pub(super) fn new(objects: &[ObjectDef]) -> Result<Templates, SandboxError> {
        let get = |object: &str, field: &str| -> Result<FieldDef, SandboxError> {
            objects
                .iter()
                .find(|o| o.name == object)
                .and_then(|o| o.field(field))
                .cloned()
                .ok_or_else(|| SandboxError::Schema(format!("no template field {object}.{field}")))
        };
        Ok(Templates {
            id: get("Lead", "Id")?,
            string: get("Lead", "Title")?,
            textarea: get("Lead", "Description")?,
            email: get("Lead", "Email")?,
            phone: get("Lead", "Phone")?,
            url: get("Lead", "Website")?,
            picklist: get("Lead", "Rating")?,
            boolean: get("Lead", "IsConverted")?,
            int: get("Lead", "NumberOfEmployees")?,
            double: get("Opportunity", "TotalOpportunityQuantity")?,
            currency: get("Opportunity", "Amount")?,
            percent: get("Opportunity", "Probability")?,
            date: get("Lead", "ConvertedDate")?,
            datetime: get("Lead", "CreatedDate")?,
            reference: get("Contact", "AccountId")?,
        })
    }
}
