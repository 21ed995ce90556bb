//! The org's reads of one record: the object a URL names, a live record, and a record's JSON
//! as `GET /sobjects/{Type}/{Id}` answers it.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::error::{ApiError, storage};
use crate::id::SfId;
use crate::org::Org;
use crate::schema::{FieldDef, FieldType, ObjectDef};
use crate::store::Record;

impl Org {
    /// The object named in a URL, or 404.
    pub fn object_named(&self, name: &str) -> Result<&ObjectDef, ApiError> {
        self.schema.object(name).ok_or_else(ApiError::not_found)
    }

    /// The live record `id` of `object`, or Salesforce's 404s.
    pub fn live(&self, object: &ObjectDef, id: &str) -> Result<Record, ApiError> {
        let malformed = || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {id}"),
            )
        };
        let id = SfId::parse(id).map_err(|_| malformed())?;
        if object.key_prefix.as_deref() != Some(id.key_prefix()) {
            return Err(malformed());
        }
        match self.store.get(&id).map_err(storage)? {
            None => Err(ApiError::not_found()),
            Some(r) if r.deleted => Err(ApiError::deleted()),
            Some(r) => Ok(r),
        }
    }

    /// A record as `GET /sobjects/{Type}/{Id}` answers it: `attributes`, then every field
    /// (or the `fields` asked for), nulls included, compound addresses built.
    pub fn record_json(
        &self,
        object: &ObjectDef,
        record: &Record,
        fields: Option<&[String]>,
        version: &str,
    ) -> Result<Value, ApiError> {
        let mut out = Map::new();
        out.insert("attributes".into(), json!({"type": object.name, "url": format!("/services/data/v{version}/sobjects/{}/{}", object.name, record.id)}));
        let chosen: Vec<&FieldDef> = match fields {
            None => object.fields.iter().collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    object.field(n.trim()).ok_or_else(|| {
                        ApiError::query("INVALID_FIELD", format!("No such column '{}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", n.trim(), object.name))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        for field in chosen {
            let value = if field.field_type() == FieldType::Address {
                address(field, &record.fields)
            } else if field.kind == "base64" {
                blob_url(object, record, field, version)
            } else {
                record
                    .fields
                    .get(&field.name)
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            out.insert(field.name.clone(), value);
        }
        Ok(Value::Object(out))
    }
}

/// A base64 field as a record answers it: the URL of its blob, null when empty ("Get Blob Data"
/// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_blob_retrieve.htm).
fn blob_url(object: &ObjectDef, record: &Record, field: &FieldDef, version: &str) -> Value {
    match record.fields.get(&field.name) {
        Some(Value::String(_)) => Value::String(format!(
            "/services/data/v{version}/sobjects/{}/{}/{}",
            object.name, record.id, field.name
        )),
        _ => Value::Null,
    }
}

/// A compound address from its parts (`BillingStreet`... for `BillingAddress`).
fn address(field: &FieldDef, fields: &Map<String, Value>) -> Value {
    let prefix = field.name.trim_end_matches("Address");
    let part = |p: &str| {
        fields
            .get(&format!("{prefix}{p}"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let parts = ["Street", "City", "State", "PostalCode", "Country"];
    if parts.iter().all(|p| part(p).is_null()) {
        return Value::Null;
    }
    json!({"city": part("City"), "country": part("Country"), "geocodeAccuracy": part("GeocodeAccuracy"), "latitude": part("Latitude"), "longitude": part("Longitude"), "postalCode": part("PostalCode"), "state": part("State"), "street": part("Street")})
}
