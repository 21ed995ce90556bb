//! The org's objects and fields: describes built from real recorded ones (Account, Contact,
//! Lead, Case, Opportunity, OpportunityContactRole, Event), and, consistent with them, Task,
//! User, LeadStatus, Organization and the read-only ActivityHistory and OpenActivity views.
//! Custom fields from configuration are added like standard ones.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::SandboxError;

const RECORDED: &[(&str, &str)] = &[
    ("Account", include_str!("../fixtures/describe-Account.json")),
    ("Contact", include_str!("../fixtures/describe-Contact.json")),
    ("Lead", include_str!("../fixtures/describe-Lead.json")),
    ("Case", include_str!("../fixtures/describe-Case.json")),
    (
        "Opportunity",
        include_str!("../fixtures/describe-Opportunity.json"),
    ),
    (
        "OpportunityContactRole",
        include_str!("../fixtures/describe-OpportunityContactRole.json"),
    ),
    ("Event", include_str!("../fixtures/describe-Event.json")),
];
const RECORDED_GLOBAL: &str = include_str!("../fixtures/describe-global.json");
const RECORDED_ORGANIZATION: &str = include_str!("../fixtures/get-organization.json");

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

/// A field's type, as its describe's `type` names it (`FieldDef::kind`), for the types the
/// sandbox treats apart; every other type (`textarea`, `combobox`, `base64`...) is [`FieldType::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `string`.
    String,
    /// `boolean`: a checkbox, never null.
    Boolean,
    /// `int`.
    Int,
    /// `double`.
    Double,
    /// `currency`.
    Currency,
    /// `percent`.
    Percent,
    /// `date`: `YYYY-MM-DD`.
    Date,
    /// `datetime`.
    DateTime,
    /// `id`: the record's own id.
    Id,
    /// `reference`: another record's id.
    Reference,
    /// `email`.
    Email,
    /// `phone`.
    Phone,
    /// `url`.
    Url,
    /// `picklist`.
    Picklist,
    /// `address`: a compound of its parts.
    Address,
    /// Any other type.
    Other,
}

impl FieldType {
    /// The type a describe's `type` names.
    pub fn parse(kind: &str) -> FieldType {
        match kind {
            "string" => FieldType::String,
            "boolean" => FieldType::Boolean,
            "int" => FieldType::Int,
            "double" => FieldType::Double,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "id" => FieldType::Id,
            "reference" => FieldType::Reference,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "url" => FieldType::Url,
            "picklist" => FieldType::Picklist,
            "address" => FieldType::Address,
            _ => FieldType::Other,
        }
    }
}

impl FieldDef {
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

/// Every object of the org.
#[derive(Debug, Clone)]
pub struct Schema {
    objects: Vec<ObjectDef>,
    by_name: HashMap<String, usize>,
    encoding_and_batch: Map<String, Value>,
}

fn parse_json(what: &str, text: &str) -> Result<Value, SandboxError> {
    serde_json::from_str(text).map_err(|e| SandboxError::Schema(format!("{what}: {e}")))
}

fn object_from_describe(describe: Value, global: Value) -> Result<ObjectDef, SandboxError> {
    let Value::Object(raw) = describe else {
        return Err(SandboxError::Schema("a describe is not an object".into()));
    };
    // Keys are read, not removed, so the describe keeps the recorded key order.
    let fields = match raw.get("fields").cloned() {
        Some(Value::Array(fields)) => fields
            .into_iter()
            .map(FieldDef::from_raw)
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let children = match raw.get("childRelationships") {
        Some(Value::Array(children)) => children
            .iter()
            .filter_map(|c| {
                let child = c.get("childSObject")?.as_str()?;
                let name = c.get("relationshipName")?.as_str()?;
                OBJECTS.contains(&child).then(|| ChildRelationship {
                    name: name.to_owned(),
                    child: child.to_owned(),
                    field: c
                        .get("field")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let key_prefix = raw
        .get("keyPrefix")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut object = ObjectDef {
        name,
        key_prefix,
        fields,
        field_index: HashMap::new(),
        children,
        raw,
        global,
    };
    object.reindex();
    Ok(object)
}

/// A field's describe, made from `template` (a recorded field of the same type) with `changes`.
fn field_like(template: &FieldDef, changes: Value) -> Result<FieldDef, SandboxError> {
    let mut raw = template.raw.clone();
    if let (Some(target), Value::Object(changes)) = (raw.as_object_mut(), changes) {
        for (k, v) in changes {
            target.insert(k, v);
        }
    }
    FieldDef::from_raw(raw)
}

fn picklist(values: &[&str], default: Option<&str>) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| json!({"active": true, "defaultValue": Some(*v) == default, "label": v, "validFor": null, "value": v}))
            .collect(),
    )
}

/// The recorded fields used as templates, by type.
struct Templates {
    id: FieldDef,
    string: FieldDef,
    textarea: FieldDef,
    email: FieldDef,
    phone: FieldDef,
    url: FieldDef,
    picklist: FieldDef,
    boolean: FieldDef,
    int: FieldDef,
    double: FieldDef,
    currency: FieldDef,
    percent: FieldDef,
    date: FieldDef,
    datetime: FieldDef,
    reference: FieldDef,
}

impl Templates {
    fn new(objects: &[ObjectDef]) -> Result<Templates, SandboxError> {
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

    fn custom(&self, field: &CustomField) -> Result<FieldDef, SandboxError> {
        let (template, extra) = match field.kind {
            CustomFieldType::String => {
                (&self.string, json!({"length": field.length.unwrap_or(255)}))
            }
            CustomFieldType::Textarea => (
                &self.textarea,
                json!({"length": field.length.unwrap_or(32000)}),
            ),
            CustomFieldType::Email => (&self.email, json!({})),
            CustomFieldType::Phone => (&self.phone, json!({})),
            CustomFieldType::Url => (&self.url, json!({})),
            CustomFieldType::Picklist => (
                &self.picklist,
                json!({"picklistValues": picklist(&field.values.iter().map(String::as_str).collect::<Vec<_>>(), None), "restrictedPicklist": true}),
            ),
            CustomFieldType::Boolean => (&self.boolean, json!({"defaultValue": false})),
            CustomFieldType::Double => (&self.double, json!({})),
            CustomFieldType::Currency => (&self.currency, json!({})),
            CustomFieldType::Percent => (&self.percent, json!({})),
            CustomFieldType::Date => (&self.date, json!({})),
            CustomFieldType::Datetime => (&self.datetime, json!({})),
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
}

const EVENT_ONLY: &[&str] = &[
    "Location",
    "IsAllDayEvent",
    "ActivityDateTime",
    "DurationInMinutes",
    "StartDateTime",
    "EndDateTime",
    "EndDate",
    "IsPrivate",
    "ShowAs",
    "IsChild",
    "IsGroupEvent",
    "GroupEventType",
    "EventSubtype",
    "RecurrenceActivityId",
    "IsRecurrence",
    "RecurrenceStartDateTime",
    "RecurrenceEndDateOnly",
    "RecurrenceTimeZoneSidKey",
    "RecurrenceType",
    "RecurrenceInterval",
    "RecurrenceDayOfWeekMask",
    "RecurrenceDayOfMonth",
    "RecurrenceInstance",
    "RecurrenceMonthOfYear",
    "IsRecurrence2Exclusion",
    "Recurrence2PatternText",
    "Recurrence2PatternVersion",
    "IsRecurrence2",
    "IsRecurrence2Exception",
    "Recurrence2PatternStartDate",
    "Recurrence2PatternTimeZone",
];

fn synthetic(
    name: &str,
    prefix: Option<&str>,
    label: &str,
    plural: &str,
    like: &ObjectDef,
    flags: Value,
) -> ObjectDef {
    let mut raw = like.raw.clone();
    raw.insert("name".into(), Value::from(name));
    raw.insert("label".into(), Value::from(label));
    raw.insert("labelPlural".into(), Value::from(plural));
    raw.insert("keyPrefix".into(), prefix.map_or(Value::Null, Value::from));
    if let Value::Object(flags) = flags {
        raw.extend(flags);
    }
    let mut global = like.global.clone();
    if let Some(g) = global.as_object_mut() {
        for key in [
            "name",
            "label",
            "labelPlural",
            "keyPrefix",
            "createable",
            "updateable",
            "deletable",
            "queryable",
            "searchable",
        ] {
            if let Some(v) = raw.get(key) {
                g.insert(key.into(), v.clone());
            }
        }
    }
    ObjectDef {
        name: name.to_owned(),
        key_prefix: prefix.map(str::to_owned),
        fields: Vec::new(),
        field_index: HashMap::new(),
        children: Vec::new(),
        raw,
        global,
    }
}

impl Schema {
    /// The org's schema, with `custom` fields added.
    pub fn new(custom: &[CustomField]) -> Result<Schema, SandboxError> {
        let global = parse_json("describe-global", RECORDED_GLOBAL)?;
        let encoding_and_batch = match &global {
            Value::Object(g) => g
                .iter()
                .filter(|(k, _)| *k != "sobjects")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Map::new(),
        };
        let global_entry = |name: &str| -> Value {
            global
                .get("sobjects")
                .and_then(Value::as_array)
                .and_then(|all| {
                    all.iter()
                        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
                })
                .cloned()
                .unwrap_or(Value::Null)
        };
        let mut objects = RECORDED
            .iter()
            .map(|(name, text)| object_from_describe(parse_json(name, text)?, global_entry(name)))
            .collect::<Result<Vec<_>, _>>()?;
        let t = Templates::new(&objects)?;
        let find = |objects: &[ObjectDef], name: &str| objects.iter().position(|o| o.name == name);
        let Some(event_at) = find(&objects, "Event") else {
            return Err(SandboxError::Schema("no Event describe".into()));
        };
        let event = objects[event_at].clone();

        // Task: Event's activity fields without the calendar ones, plus Task's own.
        let mut task = synthetic("Task", Some("00T"), "Task", "Tasks", &event, json!({}));
        for f in event
            .fields
            .iter()
            .filter(|f| !EVENT_ONLY.contains(&f.name.as_str()))
        {
            task.add_field(f.clone());
        }
        let task_fields = [
            field_like(
                &t.picklist,
                json!({"name": "Status", "label": "Status", "nillable": false, "defaultedOnCreate": true, "defaultValue": "Not Started", "restrictedPicklist": true, "picklistValues": picklist(&["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"], Some("Not Started"))}),
            )?,
            field_like(
                &t.picklist,
                json!({"name": "Priority", "label": "Priority", "nillable": false, "defaultedOnCreate": true, "defaultValue": "Normal", "restrictedPicklist": true, "picklistValues": picklist(&["High", "Normal", "Low"], Some("Normal"))}),
            )?,
            field_like(
                &t.picklist,
                json!({"name": "TaskSubtype", "label": "Task Subtype", "createable": true, "updateable": false, "restrictedPicklist": true, "picklistValues": picklist(&["Task", "Email", "ListEmail", "Cadence", "Call"], None)}),
            )?,
            field_like(
                &t.picklist,
                json!({"name": "CallType", "label": "Call Type", "restrictedPicklist": true, "picklistValues": picklist(&["Internal", "Inbound", "Outbound"], None)}),
            )?,
            field_like(
                &t.int,
                json!({"name": "CallDurationInSeconds", "label": "Call Duration"}),
            )?,
            field_like(
                &t.string,
                json!({"name": "CallDisposition", "label": "Call Result", "length": 255}),
            )?,
            field_like(
                &t.boolean,
                json!({"name": "IsClosed", "label": "Closed", "createable": false, "updateable": false, "calculated": false}),
            )?,
            field_like(
                &t.boolean,
                json!({"name": "IsHighPriority", "label": "High Priority", "createable": false, "updateable": false}),
            )?,
        ];
        for f in task_fields {
            task.add_field(f);
        }

        // The read-only activity views: Task's fields plus IsTask.
        let view_flags = json!({"createable": false, "updateable": false, "deletable": false, "queryable": true, "searchable": false});
        let mut views = Vec::new();
        for (name, label, plural) in [
            ("ActivityHistory", "Activity History", "Activity Histories"),
            ("OpenActivity", "Open Activity", "Open Activities"),
        ] {
            let mut view = synthetic(name, None, label, plural, &task, view_flags.clone());
            for f in &task.fields {
                view.add_field(field_like(
                    f,
                    json!({"createable": false, "updateable": false}),
                )?);
            }
            view.add_field(field_like(&t.boolean, json!({"name": "IsTask", "label": "Task", "createable": false, "updateable": false}))?);
            views.push(view);
        }

        // User, LeadStatus and Organization, from recorded field shapes.
        let system = |object: &ObjectDef| -> Vec<FieldDef> {
            [
                "CreatedDate",
                "CreatedById",
                "LastModifiedDate",
                "LastModifiedById",
                "SystemModstamp",
            ]
            .iter()
            .filter_map(|n| object.field(n).cloned())
            .collect()
        };
        let ro = json!({"createable": false, "updateable": false});
        let mut user = synthetic(
            "User",
            Some("005"),
            "User",
            "Users",
            &objects[0],
            json!({"deletable": false}),
        );
        user.global = global_entry("User");
        user.add_field(field_like(&t.id, json!({"label": "User ID"}))?);
        for (name, label, tpl, extra) in [
            (
                "Username",
                "Username",
                &t.string,
                json!({"length": 80, "nillable": false, "unique": true}),
            ),
            (
                "LastName",
                "Last Name",
                &t.string,
                json!({"length": 80, "nillable": false}),
            ),
            ("FirstName", "First Name", &t.string, json!({"length": 40})),
            (
                "Name",
                "Full Name",
                &t.string,
                json!({"length": 121, "nillable": false, "createable": false, "updateable": false, "nameField": true}),
            ),
            ("Email", "Email", &t.email, json!({"nillable": false})),
            (
                "Alias",
                "Alias",
                &t.string,
                json!({"length": 8, "nillable": false}),
            ),
            ("Title", "Title", &t.string, json!({"length": 80})),
            ("Phone", "Phone", &t.phone, json!({})),
            (
                "CompanyName",
                "Company Name",
                &t.string,
                json!({"length": 80}),
            ),
            (
                "IsActive",
                "Active",
                &t.boolean,
                json!({"createable": true, "updateable": true}),
            ),
            (
                "ProfileName",
                "Profile",
                &t.string,
                json!({"length": 80, "createable": false, "updateable": false}),
            ),
        ] {
            let mut changes = json!({"name": name, "label": label});
            if let (Some(c), Value::Object(extra)) = (changes.as_object_mut(), extra) {
                c.extend(extra);
            }
            user.add_field(field_like(tpl, changes)?);
        }
        for f in system(&event) {
            user.add_field(f);
        }

        let mut lead_status = synthetic(
            "LeadStatus",
            Some("01J"),
            "Lead Status Value",
            "Lead Status Values",
            &objects[0],
            json!({"createable": false, "updateable": false, "deletable": false, "searchable": false}),
        );
        lead_status.add_field(field_like(&t.id, json!({"label": "Lead Status Value ID"}))?);
        for (name, label, tpl) in [
            ("MasterLabel", "Master Label", &t.string),
            ("ApiName", "Api Name", &t.string),
            ("SortOrder", "Sort Order", &t.int),
            ("IsDefault", "Is Default", &t.boolean),
            ("IsConverted", "Is Converted", &t.boolean),
        ] {
            let mut f = field_like(tpl, json!({"name": name, "label": label}))?;
            f = field_like(&f, ro.clone())?;
            lead_status.add_field(f);
        }
        for f in system(&event) {
            lead_status.add_field(f);
        }

        let org_record = parse_json("get-organization", RECORDED_ORGANIZATION)?;
        let org_body = org_record
            .pointer("/0/response/body")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut organization = synthetic(
            "Organization",
            Some("00D"),
            "Organization",
            "Organizations",
            &objects[0],
            json!({"createable": false, "deletable": false}),
        );
        organization.global = global_entry("Organization");
        for (name, value) in org_body.iter().filter(|(k, _)| *k != "attributes") {
            let tpl = match value {
                _ if name == "Id" => &t.id,
                Value::Bool(_) => &t.boolean,
                Value::Number(n) if n.is_i64() => &t.int,
                Value::Number(_) => &t.double,
                _ if name.ends_with("Date") || name == "SystemModstamp" => &t.datetime,
                _ if name.ends_with("ById") => &t.reference,
                _ => &t.string,
            };
            let mut changes = Map::new();
            changes.insert("name".into(), Value::from(name.as_str()));
            changes.insert("label".into(), Value::from(name.as_str()));
            changes.insert("createable".into(), Value::Bool(false));
            changes.insert("updateable".into(), Value::Bool(false));
            changes.insert("custom".into(), Value::Bool(false));
            if name.ends_with("ById") {
                changes.insert("referenceTo".into(), json!(["User"]));
                changes.insert(
                    "relationshipName".into(),
                    Value::from(name.trim_end_matches("Id")),
                );
            }
            if matches!(value, Value::Object(_)) {
                changes.insert("type".into(), Value::from("address"));
                changes.insert("soapType".into(), Value::from("urn:address"));
            }
            let changes = Value::Object(changes);
            organization.add_field(field_like(tpl, changes)?);
        }

        objects.push(task);
        objects.extend(views);
        objects.push(user);
        objects.push(lead_status);
        objects.push(organization);

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
            object.add_field(t.custom(field)?);
        }

        let by_name = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.to_ascii_lowercase(), i))
            .collect();
        Ok(Schema {
            objects,
            by_name,
            encoding_and_batch,
        })
    }

    /// An object by name, without case.
    pub fn object(&self, name: &str) -> Option<&ObjectDef> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.objects[i])
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

    /// Describe global for API `version`.
    pub fn describe_global(&self, version: &str) -> Value {
        let mut out = self.encoding_and_batch.clone();
        let entries = self
            .objects
            .iter()
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
    fn every_object_is_there_with_its_prefix() {
        let s = schema();
        for name in OBJECTS {
            assert!(s.object(name).is_some(), "{name}");
        }
        for (name, prefix) in [
            ("Account", "001"),
            ("Contact", "003"),
            ("Lead", "00Q"),
            ("Opportunity", "006"),
            ("Case", "500"),
            ("Task", "00T"),
            ("Event", "00U"),
            ("User", "005"),
            ("Organization", "00D"),
        ] {
            assert_eq!(
                s.object(name).unwrap().key_prefix.as_deref(),
                Some(prefix),
                "{name}"
            );
            assert_eq!(s.object_for_prefix(prefix).unwrap().name, name);
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
        let recorded: Value = serde_json::from_str(RECORDED[2].1).unwrap();
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
