//! The objects the recording lacks, made consistent with the recorded ones: Task (Event's
//! activity fields without the calendar ones, plus its own), the read-only ActivityHistory and
//! OpenActivity views, User, LeadStatus and Organization. One function each.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::recorded::Global;
use super::templates::{Templates, field_like, picklist};
use super::{FieldDef, ObjectDef};
use crate::SandboxError;

/// Event's fields Task does not have (the calendar ones).
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

pub(super) fn synthetic(
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

/// Task: Event's activity fields without the calendar ones, plus Task's own.
pub(super) fn task(event: &ObjectDef, t: &Templates) -> Result<ObjectDef, SandboxError> {
    let mut task = synthetic("Task", Some("00T"), "Task", "Tasks", event, json!({}));
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
    Ok(task)
}

/// Event's calendar fields the activity views carry too (an Event's row has its start there;
/// its `ActivityDate` is empty unless it lasts all day). Salesforce's ActivityHistory and
/// OpenActivity field lists:
/// <https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_openactivity.htm>
const VIEW_EVENT_FIELDS: &[&str] = &[
    "StartDateTime",
    "EndDateTime",
    "IsAllDayEvent",
    "DurationInMinutes",
];

/// The read-only activity views (ActivityHistory, OpenActivity): Task's fields, Event's
/// calendar ones ([`VIEW_EVENT_FIELDS`]) and IsTask.
pub(super) fn activity_views(
    task: &ObjectDef,
    event: &ObjectDef,
    t: &Templates,
) -> Result<Vec<ObjectDef>, SandboxError> {
    let view_flags = json!({"createable": false, "updateable": false, "deletable": false, "queryable": true, "searchable": false});
    let mut views = Vec::new();
    for (name, label, plural) in [
        ("ActivityHistory", "Activity History", "Activity Histories"),
        ("OpenActivity", "Open Activity", "Open Activities"),
    ] {
        let mut view = synthetic(name, None, label, plural, task, view_flags.clone());
        for f in &task.fields {
            view.add_field(field_like(
                f,
                json!({"createable": false, "updateable": false}),
            )?);
        }
        for f in event
            .fields
            .iter()
            .filter(|f| VIEW_EVENT_FIELDS.contains(&f.name.as_str()))
        {
            view.add_field(field_like(
                f,
                json!({"createable": false, "updateable": false}),
            )?);
        }
        view.add_field(field_like(
            &t.boolean,
            json!({"name": "IsTask", "label": "Task", "createable": false, "updateable": false}),
        )?);
        views.push(view);
    }
    Ok(views)
}

/// The system fields of `object` (CreatedDate, CreatedById, LastModifiedDate...), as recorded.
pub(super) fn system_fields(object: &ObjectDef) -> Vec<FieldDef> {
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
}

/// User, shaped `like` a recorded object, with Event's system fields.
pub(super) fn user(
    like: &ObjectDef,
    event: &ObjectDef,
    global: &Global,
    t: &Templates,
) -> Result<ObjectDef, SandboxError> {
    let mut user = synthetic(
        "User",
        Some("005"),
        "User",
        "Users",
        like,
        json!({"deletable": false}),
    );
    user.global = global.entry("User");
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
    for f in system_fields(event) {
        user.add_field(f);
    }
    Ok(user)
}

/// LeadStatus (the Lead Status picklist's values as records), read-only.
pub(super) fn lead_status(
    like: &ObjectDef,
    event: &ObjectDef,
    t: &Templates,
) -> Result<ObjectDef, SandboxError> {
    let read_only = json!({"createable": false, "updateable": false});
    let mut lead_status = synthetic(
        "LeadStatus",
        Some("01J"),
        "Lead Status Value",
        "Lead Status Values",
        like,
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
        f = field_like(&f, read_only.clone())?;
        lead_status.add_field(f);
    }
    for f in system_fields(event) {
        lead_status.add_field(f);
    }
    Ok(lead_status)
}

/// Organization: a field for each key of the recorded Organization record (`body`).
pub(super) fn organization(
    like: &ObjectDef,
    body: &Map<String, Value>,
    global: &Global,
    t: &Templates,
) -> Result<ObjectDef, SandboxError> {
    let mut organization = synthetic(
        "Organization",
        Some("00D"),
        "Organization",
        "Organizations",
        like,
        json!({"createable": false, "deletable": false}),
    );
    organization.global = global.entry("Organization");
    for (name, value) in body.iter().filter(|(k, _)| *k != "attributes") {
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
    // Not in the recording (a multi-currency org's), but every single-currency org has it:
    // Organization.DefaultCurrencyIsoCode, the org's currency (Object Reference, Organization:
    // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm).
    organization.add_field(field_like(
        &t.picklist,
        json!({"name": "DefaultCurrencyIsoCode", "label": "Currency", "nillable": true, "createable": false, "updateable": false, "restrictedPicklist": true, "picklistValues": picklist(super::ORG_CURRENCIES, Some("USD"))}),
    )?);
    Ok(organization)
}
