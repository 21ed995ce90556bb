//! One value checked against its field, as Salesforce checks a write: types, lengths, emails,
//! restricted picklists and the ids a reference may point to.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::id::SfId;
use crate::schema::{FieldDef, FieldType, Schema};
use crate::store::Store;
use crate::time::{datetime, parse_datetime};

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// A body that is not what a record's JSON is: Salesforce's `JSON_PARSER_ERROR`.
pub(crate) fn json_error(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message)
}

/// Checks one value against its field; returns the value to store. A reference is checked
/// against `schema` (its key prefix) and `store` (a live record).
pub(crate) fn check_value(
    schema: &Schema,
    store: &Store,
    field: &FieldDef,
    value: &Value,
) -> Result<Value, ApiError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let type_error = |what: &str| {
        json_error(format!(
            "Cannot deserialize instance of {what} from {} value {value} or request may be missing a required field",
            match value {
                Value::String(_) => "VALUE_STRING",
                Value::Bool(_) => "VALUE_BOOLEAN",
                Value::Number(_) => "VALUE_NUMBER",
                Value::Array(_) => "START_ARRAY",
                _ => "START_OBJECT",
            }
        ))
    };
    let text = || -> Result<String, ApiError> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(type_error("string")),
        }
    };
    let kind = field.field_type();
    match kind {
        FieldType::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(type_error("boolean")),
        },
        FieldType::Int | FieldType::Double | FieldType::Currency | FieldType::Percent => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| {
                type_error(if kind == FieldType::Int {
                    "int"
                } else {
                    "double"
                })
            })?;
            if kind == FieldType::Int {
                if n.fract() != 0.0 {
                    return Err(type_error("int"));
                }
                // An int field's value is integral and within i64 here.
                #[allow(clippy::cast_possible_truncation, reason = "checked integral above")]
                return Ok(json!(n as i64));
            }
            Ok(json!(n))
        }
        FieldType::Date => {
            let s = text()?;
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(|_| Value::String(s.clone()))
                .map_err(|_| type_error("date"))
        }
        FieldType::DateTime => {
            let s = text()?;
            parse_datetime(&s)
                .map(|ms| Value::String(datetime(ms)))
                .ok_or_else(|| type_error("datetime"))
        }
        FieldType::Reference | FieldType::Id => {
            let s = text()?;
            let bad = || {
                ApiError::fields(
                    "MALFORMED_ID",
                    format!("{}: id value of incorrect type: {s}", field.label),
                    vec![field.name.clone()],
                )
            };
            let id = SfId::parse(&s).map_err(|_| bad())?;
            let target = schema.object_for_prefix(id.key_prefix()).ok_or_else(bad)?;
            if !field.reference_to.is_empty()
                && !field.reference_to.iter().any(|r| r == &target.name)
            {
                return Err(bad());
            }
            match store.get(&id) {
                Ok(Some(r)) if !r.deleted => Ok(Value::String(id.to_string())),
                _ => Err(ApiError::fields(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id".to_owned(),
                    vec![field.name.clone()],
                )),
            }
        }
        // A base64 field (ContentNote's Content) takes base64 text (the words are the
        // deserializer's, as for the other types: docs silent).
        FieldType::Other if field.kind == "base64" => match value {
            Value::String(s) if crate::notes::is_base64(s) => Ok(value.clone()),
            _ => Err(type_error("base64")),
        },
        _ => {
            let s = text()?;
            let length = usize::try_from(field.length).unwrap_or(usize::MAX);
            if field.length > 0 && s.chars().count() > length {
                return Err(ApiError::fields(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {s} (max length={})",
                        field.label, field.length
                    ),
                    vec![field.name.clone()],
                ));
            }
            if kind == FieldType::Email && !s.is_empty() && !looks_like_email(&s) {
                return Err(ApiError::fields(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {s}", field.label),
                    vec![field.name.clone()],
                ));
            }
            if kind == FieldType::Picklist
                && field.restricted_picklist
                && !field
                    .picklist_values
                    .iter()
                    .any(|p| p.active && p.value == s)
            {
                return Err(ApiError::fields(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!(
                        "{}: bad value for restricted picklist field: {s}",
                        field.label
                    ),
                    vec![field.name.clone()],
                ));
            }
            Ok(Value::String(s))
        }
    }
}
