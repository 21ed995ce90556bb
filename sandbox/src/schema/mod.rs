//! The org's objects and fields: describes built from real recorded ones (Account, Contact,
//! Lead, Case, Opportunity, OpportunityContactRole, Event; `recorded.rs`), and, consistent with
//! them, Task, User, LeadStatus, Organization and the read-only ActivityHistory and
//! OpenActivity views (`synthetic.rs`, from recorded fields used as templates, `templates.rs`),
//! and the notes' objects (`notes.rs`: the enhanced notes; `classic_note.rs`: Note).
//! Custom fields from configuration are added like standard ones (`custom.rs`).

mod classic_note;
mod custom;
mod field_type;
mod notes;
mod recorded;
mod synthetic;
mod templates;

/// The ISO 4217 codes the org's currency (`Organization.DefaultCurrencyIsoCode`) may be.
pub const ORG_CURRENCIES: &[&str] = &["AUD", "CAD", "CHF", "EUR", "GBP", "JPY", "USD"];

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::SandboxError;

pub use custom::{CustomField, CustomFieldType};
pub use field_type::FieldType;
pub use notes::NOTE_PARENTS;

/// The objects this org has.
pub const OBJECTS: &[&str] = &[
    "Account",
    "Contact",
    "Lead",
    "Opportunity",
    "OpportunityContactRole",
    "Case",
    "Task",
    "Event",
    "User",
    "LeadStatus",
    "Organization",
    "ActivityHistory",
    "OpenActivity",
    "ContentDocument",
    "ContentNote",
    "ContentDocumentLink",
    "AttachedContentNote",
    "Note",
];

/// One picklist value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    /// Active.
    pub active: bool,
    /// The default.
    pub default_value: bool,
    /// Label.
    pub label: Option<String>,
    /// The API value.
    pub value: String,
}

/// A field, as its describe says.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldDef {
    /// API name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `string`, `email`, `picklist`, `reference`, `boolean`, `date`...
    #[serde(rename = "type")]
    pub kind: String,
    /// Maximum length of text.
    #[serde(default)]
    pub length: u32,
    /// May be null.
    pub nillable: bool,
    /// May be set on create.
    pub createable: bool,
    /// May be set on update.
    pub updateable: bool,
    /// Salesforce fills it when not given.
    #[serde(default)]
    pub defaulted_on_create: bool,
    /// Its default value.
    #[serde(default)]
    pub default_value: Option<Value>,
    /// A formula or roll-up.
    #[serde(default)]
    pub calculated: bool,
    /// A custom (`__c`) field.
    #[serde(default)]
    pub custom: bool,
    /// An External ID (indexed).
    #[serde(default)]
    pub external_id: bool,
    /// The record's name field.
    #[serde(default)]
    pub name_field: bool,
    /// Only listed values are accepted.
    #[serde(default)]
    pub restricted_picklist: bool,
    /// Picklist values.
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
    /// Referenced objects.
    #[serde(default)]
    pub reference_to: Vec<String>,
    /// The parent relationship's name (`Account` for `AccountId`).
    #[serde(default)]
    pub relationship_name: Option<String>,
    /// Decimal digits (numbers).
    #[serde(default)]
    pub precision: u32,
    /// Digits after the point.
    #[serde(default)]
    pub scale: u32,
    /// The field's whole describe entry, as served.
    #[serde(skip)]
    pub raw: Value,
}

impl FieldDef {
    /// A checkbox's value when none is given: its describe's `defaultValue`, else false.
    pub fn bool_default(&self) -> bool {
        self.default_value
            .as_ref()
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// Its type, from its describe's `type`.
    pub fn field_type(&self) -> FieldType {
        FieldType::parse(&self.kind)
    }

    /// Required when creating: not nillable, settable, with no default (booleans always have one).
    pub fn required_on_create(&self) -> bool {
        self.createable
            && !self.nillable
            && !self.defaulted_on_create
            && self.field_type() != FieldType::Boolean
    }

    fn from_raw(raw: Value) -> Result<FieldDef, SandboxError> {
        let mut field: FieldDef = serde_json::from_value(raw.clone())
            .map_err(|e| SandboxError::Schema(format!("a field describe: {e}")))?;
        field.raw = raw;
        Ok(field)
    }
}

/// A child relationship (`Contacts` on Account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRelationship {
    /// Its name, used in subqueries.
    pub name: String,
    /// The child object.
    pub child: String,
    /// The child's field pointing at the parent.
    pub field: String,
}

/// An object, as its describe says.
#[derive(Debug, Clone)]
pub struct ObjectDef {
    /// API name.
    pub name: String,
    /// Key prefix of its ids (none for the activity views).
    pub key_prefix: Option<String>,
    /// Its fields, in describe order.
    pub fields: Vec<FieldDef>,
    field_index: HashMap<String, usize>,
    /// Child relationships to objects of this org.
    pub children: Vec<ChildRelationship>,
    /// The describe's other keys, as served.
    pub raw: Map<String, Value>,
    /// Its describe-global entry.
    pub global: Value,
}

impl ObjectDef {
    /// A field by name, without case.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.field_index
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.fields[i])
    }

    /// A parent relationship by name (`Account`, `Owner`, `Who`), without case: its field.
    pub fn parent(&self, relationship: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| {
            f.relationship_name
                .as_deref()
                .is_some_and(|r| r.eq_ignore_ascii_case(relationship))
        })
    }

    /// A child relationship by name, without case.
    pub fn child(&self, relationship: &str) -> Option<&ChildRelationship> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(relationship))
    }

    /// A flag of the describe (`createable`, `queryable`...).
    pub fn flag(&self, key: &str) -> bool {
        self.raw.get(key).and_then(Value::as_bool).unwrap_or(false)
    }

    /// The describe as served for API `version` (`59.0`).
    pub fn describe(&self, version: &str) -> Value {
        let mut out = self.raw.clone();
        out.insert(
            "fields".into(),
            Value::Array(self.fields.iter().map(|f| f.raw.clone()).collect()),
        );
        out.insert(
            "childRelationships".into(),
            Value::Array(self.children.iter().map(child_json).collect()),
        );
        out.insert(
            "urls".into(),
            urls(&self.name, self.key_prefix.as_deref(), version),
        );
        Value::Object(out)
    }

    /// Its describe-global entry for API `version`: the recorded entry with this org's key
    /// prefix and URLs of the version asked (the recording's were v52.0 whatever the
    /// request). The same entry is `objectDescribe` in `GET /sobjects/{Type}` ("sObject Basic
    /// Information":
    /// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_basic_info.htm).
    pub fn global_entry(&self, version: &str) -> Value {
        let mut entry = self.global.as_object().cloned().unwrap_or_default();
        entry.insert(
            "keyPrefix".into(),
            self.key_prefix.clone().map_or(Value::Null, Value::from),
        );
        let urls = urls(&self.name, self.key_prefix.as_deref(), version);
        let pick = |k: &str| urls.get(k).cloned().unwrap_or(Value::Null);
        entry.insert(
            "urls".into(),
            json!({"rowTemplate": pick("rowTemplate"), "describe": pick("describe"), "sobject": pick("sobject")}),
        );
        Value::Object(entry)
    }

    fn add_field(&mut self, field: FieldDef) {
        self.field_index
            .insert(field.name.to_ascii_lowercase(), self.fields.len());
        self.fields.push(field);
    }

    fn reindex(&mut self) {
        self.field_index = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
    }
}

fn child_json(c: &ChildRelationship) -> Value {
    json!({
        "cascadeDelete": false, "childSObject": c.child, "deprecatedAndHidden": false,
        "field": c.field, "junctionIdListNames": [], "junctionReferenceTo": [],
        "relationshipName": c.name, "restrictedDelete": false,
    })
}

fn urls(object: &str, prefix: Option<&str>, version: &str) -> Value {
    let base = format!("/services/data/v{version}/sobjects/{object}");
    let mut urls = json!({
        "compactLayouts": format!("{base}/describe/compactLayouts"),
        "rowTemplate": format!("{base}/{{ID}}"),
        "approvalLayouts": format!("{base}/describe/approvalLayouts"),
        "uiDetailTemplate": format!("/lightning/r/{object}/{{ID}}/view"),
        "uiEditTemplate": format!("/lightning/r/{object}/{{ID}}/edit"),
        "listviews": format!("{base}/listviews"),
        "describe": format!("{base}/describe"),
        "quickActions": format!("{base}/quickActions"),
        "layouts": format!("{base}/describe/layouts"),
        "sobject": base,
    });
    if let (Some(prefix), Some(map)) = (prefix, urls.as_object_mut()) {
        map.insert(
            "uiNewRecord".into(),
            Value::from(format!("/lightning/o/{object}/new?prefix={prefix}")),
        );
    }
    urls
}

/// Every object of the org.
#[derive(Debug, Clone)]
pub struct Schema {
    objects: Vec<ObjectDef>,
    by_name: HashMap<String, usize>,
    encoding_and_batch: Map<String, Value>,
    /// Whether the org runs without enhanced notes (`/__sandbox/notes`): then ContentNote and
    /// AttachedContentNote are not among its objects.
    notes_off: Arc<AtomicBool>,
}

/// The objects an org without enhanced notes lacks ("Notes must be enabled": ContentNote
/// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_contentnote.htm,
/// AttachedContentNote https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-attachedcontentnote.html).
const ENHANCED_NOTES: [&str; 2] = ["contentnote", "attachedcontentnote"];

impl Schema {
    /// The org's schema, with `custom` fields added.
    pub fn new(custom: &[CustomField]) -> Result<Schema, SandboxError> {
        let global = recorded::Global::load()?;
        let mut objects = recorded::objects(&global)?;
        let t = templates::Templates::new(&objects)?;
        let (Some(first), Some(event)) = (
            objects.first().cloned(),
            objects.iter().find(|o| o.name == "Event").cloned(),
        ) else {
            return Err(SandboxError::Schema("no Event describe".into()));
        };
        let task = synthetic::task(&event, &t)?;
        let views = synthetic::activity_views(&task, &event, &t)?;
        let user = synthetic::user(&first, &event, &global, &t)?;
        let lead_status = synthetic::lead_status(&first, &event, &t)?;
        let organization =
            synthetic::organization(&first, &recorded::organization()?, &global, &t)?;
        objects.push(task);
        objects.extend(views);
        objects.push(user);
        objects.push(lead_status);
        objects.push(organization);
        // ContentDocument first: a 069 id's object is the ContentDocument a note is.
        objects.push(notes::content_document(&event, &t)?);
        objects.push(notes::content_note(&event, &t)?);
        objects.push(notes::content_document_link(&event, &t)?);
        objects.push(notes::attached_content_note(&event, &t)?);
        notes::relate(&mut objects);
        objects.push(classic_note::classic_note(&event, &t)?);
        custom::add(&mut objects, custom, &t)?;
        let by_name = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.to_ascii_lowercase(), i))
            .collect();
        Ok(Schema {
            objects,
            by_name,
            encoding_and_batch: global.encoding_and_batch(),
            notes_off: Arc::default(),
        })
    }

    /// Turns the org's enhanced notes on or off, as an admin does in Setup (Notes Settings).
    pub fn set_enhanced_notes(&self, on: bool) {
        self.notes_off.store(!on, Ordering::Relaxed);
    }

    /// An object by name, without case.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        let name = name.to_ascii_lowercase();
        if self.notes_off.load(Ordering::Relaxed) && ENHANCED_NOTES.contains(&name.as_str()) {
            return None;
        }
        self.by_name.get(&name).map(|&i| &self.objects[i])
    }

    /// The object whose ids start with `prefix`.
    pub fn object_for_prefix(&self, prefix: &str) -> Option<&ObjectDef> {
        self.objects
            .iter()
            .find(|o| o.key_prefix.as_deref() == Some(prefix))
    }

    /// Every object.
    pub fn objects(&self) -> &[ObjectDef] {
        &self.objects
    }

    /// `object`'s describe for API `version`, without the child relationships to objects the
    /// org lacks (an org without enhanced notes lists no `AttachedContentNotes`).
    pub fn describe(&self, object: &ObjectDef, version: &str) -> Value {
        let mut described = object.describe(version);
        if let Some(children) = described
            .get_mut("childRelationships")
            .and_then(Value::as_array_mut)
        {
            children.retain(|c| {
                c.get("childSObject")
                    .and_then(Value::as_str)
                    .is_some_and(|child| self.object(child).is_some())
            });
        }
        described
    }

    /// Describe global for API `version`: the objects the org has (without enhanced notes, no
    /// ContentNote nor AttachedContentNote).
    pub fn describe_global(&self, version: &str) -> Value {
        let mut out = self.encoding_and_batch.clone();
        let entries = self
            .objects
            .iter()
            .filter(|o| self.object(&o.name).is_some())
            .map(|o| o.global_entry(version))
            .collect();
        out.insert("sobjects".into(), Value::Array(entries));
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::new(&[CustomField {
            object: "Contact".into(),
            name: "Customer_Tier__c".into(),
            label: "Customer Tier".into(),
            kind: CustomFieldType::Picklist,
            length: None,
            values: vec!["Gold".into(), "Silver".into()],
            required: false,
            external_id: false,
        }])
        .unwrap()
    }

    #[test]
    fn every_object_is_there_and_found_by_its_prefix() {
        // The prefixes themselves are checked as served, in the integration test
        // `basic_information_has_the_key_prefix_and_the_version_asked`.
        let s = schema();
        for name in OBJECTS {
            let object = s.object(name).unwrap_or_else(|| panic!("{name}"));
            let Some(prefix) = object.key_prefix.as_deref() else {
                continue;
            };
            // A prefix two objects share (ContentNote's is ContentDocument's, as in
            // Salesforce) finds the first.
            let with_it = s
                .objects()
                .iter()
                .filter(|o| o.key_prefix.as_deref() == Some(prefix));
            if with_it.count() == 1 {
                assert_eq!(s.object_for_prefix(prefix).unwrap().name, *name);
            }
        }
        assert!(s.object("lead").is_some(), "names without case");
        assert!(s.object("Xyzzy").is_none());
    }

    #[test]
    fn recorded_fields_keep_their_shape() {
        let s = schema();
        let lead = s.object("Lead").unwrap();
        let status = lead.field("status").unwrap();
        assert_eq!(status.kind, "picklist");
        assert!(status.defaulted_on_create);
        assert!(!status.required_on_create());
        assert!(lead.field("LastName").unwrap().required_on_create());
        assert!(lead.field("Company").unwrap().required_on_create());
        assert!(!lead.field("Email").unwrap().required_on_create());
        assert_eq!(lead.parent("Owner").unwrap().name, "OwnerId");
        let recorded: Value = serde_json::from_str(recorded::RECORDED[2].1).unwrap();
        let described = lead.describe("59.0");
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&described), keys(&recorded), "top-level describe keys");
        assert_eq!(
            keys(&described["fields"][0]),
            keys(&recorded["fields"][0]),
            "field keys"
        );
    }

    #[test]
    fn relationships_cover_the_product() {
        let s = schema();
        let account = s.object("Account").unwrap();
        for rel in [
            "Contacts",
            "Opportunities",
            "Cases",
            "Tasks",
            "Events",
            "OpenActivities",
            "ActivityHistories",
        ] {
            assert!(account.child(rel).is_some(), "Account.{rel}");
        }
        let contact = s.object("Contact").unwrap();
        assert_eq!(
            contact.child("opportunitycontactroles").unwrap().child,
            "OpportunityContactRole"
        );
        let task = s.object("Task").unwrap();
        assert_eq!(
            task.parent("Who").unwrap().reference_to,
            ["Contact", "Lead"]
        );
        assert!(task.field("StartDateTime").is_none());
        assert_eq!(
            task.field("Status").unwrap().default_value,
            Some(Value::from("Not Started"))
        );
        let history = s.object("ActivityHistory").unwrap();
        assert!(!history.flag("createable"));
        assert!(!history.field("Subject").unwrap().createable);
    }

    #[test]
    fn custom_fields_are_fields() {
        let s = schema();
        let tier = s
            .object("Contact")
            .unwrap()
            .field("customer_tier__c")
            .unwrap();
        assert!(tier.custom && tier.restricted_picklist);
        assert_eq!(tier.picklist_values.len(), 2);
        let bad = Schema::new(&[CustomField {
            object: "Contact".into(),
            name: "Tier".into(),
            label: "T".into(),
            kind: CustomFieldType::String,
            length: None,
            values: vec![],
            required: false,
            external_id: false,
        }]);
        assert!(bad.unwrap_err().to_string().contains("must end in __c"));
    }

    #[test]
    fn describe_global_lists_every_object() {
        let s = schema();
        let g = s.describe_global("59.0");
        assert_eq!(g["maxBatchSize"], 200);
        let names: Vec<&str> = g["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        for name in OBJECTS {
            assert!(names.contains(name), "{name}");
        }
        // Regression: the recorded global listed Lead and Event without a key prefix.
        let lead = g["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Lead")
            .unwrap();
        assert_eq!(lead["keyPrefix"], "00Q");
        assert_eq!(
            g["sobjects"][0]["urls"]["describe"],
            "/services/data/v59.0/sobjects/Account/describe"
        );
    }
}
