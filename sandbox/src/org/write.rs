//! The org's writes: create, update and delete one record, each checked as Salesforce checks
//! it (fields the user may set, values, required fields, duplicate rules) and completed with
//! what Salesforce fills (system fields, defaults, derived values, lookup keys).

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::error::{ApiError, storage};
use crate::id::SfId;
use crate::keys::lookup_keys;
use crate::org::{Org, User};
use crate::records::{check_value, complete, json_error};
use crate::schema::{FieldType, ObjectDef};
use crate::store::Record;
use crate::time::{datetime, now_ms};

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// A create.
    Create,
    /// An update.
    Update,
}

impl Org {
    /// Checks a create or update body and returns the values to store.
    fn checked_body(
        &self,
        user: &User,
        object: &ObjectDef,
        body: &Value,
        write: Write,
    ) -> Result<Map<String, Value>, ApiError> {
        let Value::Object(body) = body else {
            return Err(json_error(
                "Cannot deserialize instance of sobject from a value that is not an object".into(),
            ));
        };
        let mut out = Map::new();
        let mut refused = Vec::new();
        for (key, value) in body {
            if key == "attributes" {
                continue;
            }
            if key.eq_ignore_ascii_case("Id") {
                if write == Write::Create {
                    return Err(ApiError::fields(
                        "INVALID_FIELD",
                        "The Id field should not be specified in the sobject data.",
                        vec![],
                    ));
                }
                continue;
            }
            let Some(field) = object.field(key) else {
                return Err(ApiError::fields(
                    "INVALID_FIELD",
                    format!("No such column '{key}' on sobject of type {}", object.name),
                    vec![],
                ));
            };
            let allowed = match write {
                Write::Create => field.createable,
                Write::Update => field.updateable,
            } && !self.read_only_for(user, &object.name, &field.name);
            if !allowed {
                refused.push(field.name.clone());
                continue;
            }
            out.insert(
                field.name.clone(),
                check_value(&self.schema, &self.store, field, value)?,
            );
        }
        if !refused.is_empty() {
            return Err(ApiError::fields(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                    refused.join(", ")
                ),
                refused,
            ));
        }
        Ok(out)
    }

    fn missing_required(object: &ObjectDef, fields: &Map<String, Value>) -> Result<(), ApiError> {
        let missing: Vec<String> = object
            .fields
            .iter()
            .filter(|f| {
                (f.required_on_create()
                    || (!f.nillable && f.custom && f.field_type() != FieldType::Boolean))
                    && f.createable
            })
            .filter(|f| {
                fields
                    .get(&f.name)
                    .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
            })
            .map(|f| f.name.clone())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", missing.join(", ")),
                missing,
            ))
        }
    }

    /// The next Case number. `CaseNumber` is an auto-number ("Autonumber" in Case, Object
    /// Reference:
    /// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_case.htm);
    /// the display format of a new org's Case Number, eight digits from 00001000, is not in
    /// the documentation: it is what new orgs show.
    pub(crate) fn next_case_number(&self) -> Result<String, crate::SandboxError> {
        let n = self.store.next_number("CaseNumber")?;
        Ok(format!("{:08}", 999 + n))
    }

    /// An activity's `AccountId`: its What when that is an Account, else its Who's Account.
    fn derive_activity_account(&self, object: &ObjectDef, fields: &mut Map<String, Value>) {
        if !matches!(object.name.as_str(), "Task" | "Event") {
            return;
        }
        let id_of = |key: &str| {
            fields
                .get(key)
                .and_then(Value::as_str)
                .and_then(|s| SfId::parse(s).ok())
        };
        let account = match (id_of("WhatId"), id_of("WhoId")) {
            (Some(what), _) if what.key_prefix() == "001" => Some(what),
            (_, Some(who)) if who.key_prefix() == "003" => {
                self.store.get(&who).ok().flatten().and_then(|c| {
                    c.fields
                        .get("AccountId")
                        .and_then(Value::as_str)
                        .and_then(|s| SfId::parse(s).ok())
                })
            }
            _ => None,
        };
        fields.insert(
            "AccountId".into(),
            account.map_or(Value::Null, |a| Value::String(a.to_string())),
        );
    }

    /// Creates a record; answers its id.
    pub fn create(
        &self,
        user: &User,
        object_name: &str,
        body: &Value,
        allow_duplicates: bool,
    ) -> Result<SfId, ApiError> {
        let object = self.object_named(object_name)?;
        let prefix = match (&object.key_prefix, object.flag("createable")) {
            (Some(prefix), true) => prefix.clone(),
            _ => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_TYPE_FOR_OPERATION",
                    format!("entity type {} does not support insert", object.name),
                ));
            }
        };
        let mut fields = self.checked_body(user, object, body, Write::Create)?;
        let given = fields.clone();
        for field in &object.fields {
            if fields.contains_key(&field.name) {
                continue;
            }
            if field.field_type() == FieldType::Boolean && field.createable {
                fields.insert(field.name.clone(), Value::Bool(field.bool_default()));
            } else if field.createable
                && let Some(default) = field
                    .picklist_values
                    .iter()
                    .find(|p| p.default_value && p.active)
            {
                fields.insert(field.name.clone(), Value::String(default.value.clone()));
            }
        }
        if object.field("OwnerId").is_some() && !fields.contains_key("OwnerId") {
            fields.insert("OwnerId".into(), Value::String(user.id.to_string()));
        }
        Self::missing_required(object, &fields)?;
        if !allow_duplicates {
            self.duplicates(object, None, &fields)?;
        }
        let id = self.store.next_id(&prefix).map_err(storage)?;
        let now = now_ms();
        fields.insert("Id".into(), Value::String(id.to_string()));
        for (k, v) in [
            ("CreatedDate", Value::String(datetime(now))),
            ("LastModifiedDate", Value::String(datetime(now))),
            ("SystemModstamp", Value::String(datetime(now))),
            ("CreatedById", Value::String(user.id.to_string())),
            ("LastModifiedById", Value::String(user.id.to_string())),
            ("IsDeleted", Value::Bool(false)),
        ] {
            if object.field(k).is_some() {
                fields.insert(k.into(), v);
            }
        }
        if object.name == "Case" && !fields.contains_key("CaseNumber") {
            fields.insert(
                "CaseNumber".into(),
                Value::String(self.next_case_number().map_err(storage)?),
            );
        }
        complete(object, &mut fields, Some(&given));
        self.derive_activity_account(object, &mut fields);
        let record = Record {
            id: id.clone(),
            object: object.name.clone(),
            deleted: false,
            modified_ms: now,
            fields: fields.into(),
        };
        self.store
            .put(&record, lookup_keys(object, &record.fields))
            .map_err(storage)?;
        Ok(id)
    }

    /// Updates a record; `unmodified_since` (ms) refuses with 412 when it changed after.
    pub fn update(
        &self,
        user: &User,
        object_name: &str,
        id: &str,
        body: &Value,
        unmodified_since: Option<i64>,
        allow_duplicates: bool,
    ) -> Result<(), ApiError> {
        let object = self.object_named(object_name)?;
        let mut record = self.live(object, id)?;
        if object.name == "Lead"
            && record.fields.get("IsConverted").and_then(Value::as_bool) == Some(true)
        {
            return Err(ApiError::fields(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                vec![],
            ));
        }
        if let Some(since) = unmodified_since {
            // HTTP dates have second precision.
            if record.modified_ms / 1000 > since / 1000 {
                return Err(ApiError::new(
                    StatusCode::PRECONDITION_FAILED,
                    "PRECONDITION_FAILED",
                    "The requested resource has been modified since the given date",
                ));
            }
        }
        let changes = self.checked_body(user, object, body, Write::Update)?;
        let mut fields = serde_json::Map::clone(&record.fields);
        for (k, v) in &changes {
            fields.insert(k.clone(), v.clone());
        }
        let cleared: Vec<String> = object
            .fields
            .iter()
            .filter(|f| {
                !f.nillable
                    && f.updateable
                    && f.field_type() != FieldType::Boolean
                    && fields.get(&f.name).is_some_and(Value::is_null)
            })
            .map(|f| f.name.clone())
            .collect();
        if !cleared.is_empty() {
            return Err(ApiError::fields(
                "REQUIRED_FIELD_MISSING",
                format!("Required fields are missing: [{}]", cleared.join(", ")),
                cleared,
            ));
        }
        if !allow_duplicates {
            self.duplicates(object, Some(&record.id), &fields)?;
        }
        let now = now_ms().max(record.modified_ms + 1);
        for (k, v) in [
            ("LastModifiedDate", Value::String(datetime(now))),
            ("SystemModstamp", Value::String(datetime(now))),
            ("LastModifiedById", Value::String(user.id.to_string())),
        ] {
            if object.field(k).is_some() {
                fields.insert(k.into(), v);
            }
        }
        complete(object, &mut fields, Some(&changes));
        self.derive_activity_account(object, &mut fields);
        record.fields = fields.into();
        record.modified_ms = now;
        self.store
            .put(&record, lookup_keys(object, &record.fields))
            .map_err(storage)
    }

    /// Deletes a record (it stays visible to `queryAll`).
    pub fn delete(&self, object_name: &str, id: &str) -> Result<(), ApiError> {
        let object = self.object_named(object_name)?;
        if !object.flag("deletable") {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_TYPE_FOR_OPERATION",
                format!("entity type {} does not support delete", object.name),
            ));
        }
        let mut record = self.live(object, id)?;
        record.deleted = true;
        record.modified_ms = now_ms().max(record.modified_ms + 1);
        record
            .fields_mut()
            .insert("IsDeleted".into(), Value::Bool(true));
        self.store
            .put(&record, lookup_keys(object, &record.fields))
            .map_err(storage)
    }
}
