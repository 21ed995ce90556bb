//! Custom fields from configuration (`OrgSettings::custom_fields`), added to the standard
//! objects like standard fields: a `__c` name, a describe made from a recorded field of the
//! same type.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::templates::{Templates, field_like, picklist};
use super::{FieldDef, ObjectDef};
use crate::SandboxError;

/// The type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldType {
    /// Text.
    String,
    /// Long text.
    Textarea,
    /// Email.
    Email,
    /// Phone.
    Phone,
    /// URL.
    Url,
    /// Picklist.
    Picklist,
    /// Checkbox.
    Boolean,
    /// Number.
    Double,
    /// Currency.
    Currency,
    /// Percent.
    Percent,
    /// Date.
    Date,
    /// Date and time.
    Datetime,
}

/// A custom field added by configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomField {
    /// The object (`Contact`).
    pub object: String,
    /// API name, ending in `__c`.
    pub name: String,
    /// Label.
    pub label: String,
    /// Type.
    #[serde(rename = "type")]
    pub kind: CustomFieldType,
    /// Text length (text types).
    #[serde(default)]
    pub length: Option<u32>,
    /// Picklist values (picklists).
    #[serde(default)]
    pub values: Vec<String>,
    /// Required on create and update.
    #[serde(default)]
    pub required: bool,
    /// An External ID: indexed, so an equality finds it at once (as in Salesforce).
    #[serde(default)]
    pub external_id: bool,
}

/// Adds the `custom` fields to their `objects`; refuses a name without `__c`, an unknown
/// object and a field the object has already.
pub(super) fn add(
    objects: &mut [ObjectDef],
    custom: &[CustomField],
    t: &Templates,
) -> Result<(), SandboxError> {
    for field in custom {
        if !field.name.ends_with("__c") {
            return Err(SandboxError::Schema(format!(
                "custom field {} must end in __c",
                field.name
            )));
        }
        let Some(object) = objects
            .iter_mut()
            .find(|o| o.name.eq_ignore_ascii_case(&field.object))
        else {
            return Err(SandboxError::Schema(format!(
                "custom field on unknown object {}",
                field.object
            )));
        };
        if object.field(&field.name).is_some() {
            return Err(SandboxError::Schema(format!(
                "{}.{} exists already",
                object.name, field.name
            )));
        }
        object.add_field(describe(t, field)?);
    }
    Ok(())
}

/// The describe of `field`, made from the template of its type.
fn describe(t: &Templates, field: &CustomField) -> Result<FieldDef, SandboxError> {
    let (template, extra) = match field.kind {
        CustomFieldType::String => (&t.string, json!({"length": field.length.unwrap_or(255)})),
        CustomFieldType::Textarea => (
            &t.textarea,
            json!({"length": field.length.unwrap_or(32000)}),
        ),
        CustomFieldType::Email => (&t.email, json!({})),
        CustomFieldType::Phone => (&t.phone, json!({})),
        CustomFieldType::Url => (&t.url, json!({})),
        CustomFieldType::Picklist => (
            &t.picklist,
            json!({"picklistValues": picklist(&field.values.iter().map(String::as_str).collect::<Vec<_>>(), None), "restrictedPicklist": true}),
        ),
        CustomFieldType::Boolean => (&t.boolean, json!({"defaultValue": false})),
        CustomFieldType::Double => (&t.double, json!({})),
        CustomFieldType::Currency => (&t.currency, json!({})),
        CustomFieldType::Percent => (&t.percent, json!({})),
        CustomFieldType::Date => (&t.date, json!({})),
        CustomFieldType::Datetime => (&t.datetime, json!({})),
    };
    let mut changes = json!({
        "name": field.name, "label": field.label, "custom": true, "createable": true,
        "updateable": true, "calculated": false, "nillable": !field.required,
        "defaultedOnCreate": field.kind == CustomFieldType::Boolean, "nameField": false,
        "unique": false, "externalId": field.external_id, "idLookup": field.external_id,
    });
    if let (Some(c), Value::Object(extra)) = (changes.as_object_mut(), extra) {
        c.extend(extra);
    }
    field_like(template, changes)
}
