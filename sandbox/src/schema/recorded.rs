//! The recorded describes (`fixtures/`): what a Developer Edition org answered for Account,
//! Contact, Lead, Case, Opportunity, OpportunityContactRole and Event, its describe global and
//! its Organization record, read into [`ObjectDef`]s as they are.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{ChildRelationship, FieldDef, OBJECTS, ObjectDef};
use crate::SandboxError;

pub(super) const RECORDED: &[(&str, &str)] = &[
    (
        "Account",
        include_str!("../../fixtures/describe-Account.json"),
    ),
    (
        "Contact",
        include_str!("../../fixtures/describe-Contact.json"),
    ),
    ("Lead", include_str!("../../fixtures/describe-Lead.json")),
    ("Case", include_str!("../../fixtures/describe-Case.json")),
    (
        "Opportunity",
        include_str!("../../fixtures/describe-Opportunity.json"),
    ),
    (
        "OpportunityContactRole",
        include_str!("../../fixtures/describe-OpportunityContactRole.json"),
    ),
    ("Event", include_str!("../../fixtures/describe-Event.json")),
];
const RECORDED_GLOBAL: &str = include_str!("../../fixtures/describe-global.json");
const RECORDED_ORGANIZATION: &str = include_str!("../../fixtures/get-organization.json");

/// The recorded describe global.
pub(super) struct Global(Value);

impl Global {
    /// Reads the recording.
    pub(super) fn load() -> Result<Global, SandboxError> {
        parse_json("describe-global", RECORDED_GLOBAL).map(Global)
    }

    /// Its keys but `sobjects` (`encoding`, `maxBatchSize`), served as recorded.
    pub(super) fn encoding_and_batch(&self) -> Map<String, Value> {
        match &self.0 {
            Value::Object(g) => g
                .iter()
                .filter(|(k, _)| *k != "sobjects")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Map::new(),
        }
    }

    /// The entry of the object `name` (null when the recording has none).
    pub(super) fn entry(&self, name: &str) -> Value {
        self.0
            .get("sobjects")
            .and_then(Value::as_array)
            .and_then(|all| {
                all.iter()
                    .find(|s| s.get("name").and_then(Value::as_str) == Some(name))
            })
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// The recorded objects, in the recording's order, each with its describe-global entry.
pub(super) fn objects(global: &Global) -> Result<Vec<ObjectDef>, SandboxError> {
    RECORDED
        .iter()
        .map(|(name, text)| object_from_describe(parse_json(name, text)?, global.entry(name)))
        .collect()
}

/// The recorded Organization record's fields (`GET /sobjects/Organization/{Id}`'s body).
pub(super) fn organization() -> Result<Map<String, Value>, SandboxError> {
    let record = parse_json("get-organization", RECORDED_ORGANIZATION)?;
    Ok(record
        .pointer("/0/response/body")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default())
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
