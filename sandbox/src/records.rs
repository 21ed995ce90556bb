//! Writes and reads of single records, validated as Salesforce validates them.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::id::SfId;
use crate::org::{Org, User};
use crate::schema::{FieldDef, ObjectDef};
use crate::store::Record;

/// Salesforce's datetime format: `2024-01-02T03:04:05.000+0000`.
pub fn datetime(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The digits a phone number is matched on: the last ten, whatever the stored format.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    Some(digits[digits.len().saturating_sub(10)..].to_owned())
}

/// The host of a website or the domain of an email, lower-cased, without `www.`.
pub fn domain_of(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let host = match text.rsplit_once('@') {
        Some((_, domain)) => domain.to_owned(),
        None => {
            let rest = text.split("://").last().unwrap_or_default();
            rest.split(['/', '?', '#', ':'])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    host.contains('.').then_some(host)
}

/// The lookup keys of a record: its emails, their domains, its phones' digits, its website.
pub fn lookup_keys(object: &ObjectDef, fields: &Map<String, Value>) -> Vec<String> {
    let mut keys = Vec::new();
    for field in &object.fields {
        let Some(value) = fields.get(&field.name).and_then(Value::as_str) else {
            continue;
        };
        if field.external_id {
            keys.push(external_key(&field.name, value));
        }
        match field.kind.as_str() {
            "email" => {
                keys.push(format!("email:{}", value.trim().to_ascii_lowercase()));
                keys.extend(domain_of(value).map(|d| format!("domain:{d}")));
                keys.extend(email_domain_key(&field.name, value));
            }
            "phone" => keys.extend(phone_key(value).map(|p| format!("phone:{p}"))),
            "url" => {
                if field.name == "Website" {
                    keys.extend(domain_of(value).map(|d| format!("domain:{d}")));
                }
                keys.push(url_key(&field.name, value));
            }
            // Children are found through their parents' ids.
            "reference" => keys.push(format!("ref:{value}")),
            _ => {}
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Text lower-cased a character at a time, as SOQL's `LIKE` compares it.
pub fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The lookup key of an email's domain, for `field LIKE '%@domain'`: what follows its last `@`,
/// lower-cased as `LIKE` compares (`None` without an `@`).
pub fn email_domain_key(field: &str, value: &str) -> Option<String> {
    let (_, domain) = value.rsplit_once('@')?;
    Some(format!("at:{field}:{}", lower(domain)))
}

/// The lookup key of a URL field's whole text, lower-cased as `LIKE` compares, for
/// `field LIKE '%text%'` (matched with GLOB over a range of keys).
pub fn url_key(field: &str, value: &str) -> String {
    format!("url:{field}:{}", lower(value))
}

/// The lookup key of an External ID's value.
pub fn external_key(field: &str, value: &str) -> String {
    format!("ext:{field}:{value}")
}

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

fn json_error(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", message)
}

/// Checks one value against its field; returns the value to store.
fn check_value(org: &Org, field: &FieldDef, value: &Value) -> Result<Value, ApiError> {
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
    match field.kind.as_str() {
        "boolean" => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
            _ => Err(type_error("boolean")),
        },
        "int" | "double" | "currency" | "percent" => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .ok_or_else(|| type_error(if field.kind == "int" { "int" } else { "double" }))?;
            if field.kind == "int" {
                if n.fract() != 0.0 {
                    return Err(type_error("int"));
                }
                // An int field's value is integral and within i64 here.
                #[allow(clippy::cast_possible_truncation, reason = "checked integral above")]
                return Ok(json!(n as i64));
            }
            Ok(json!(n))
        }
        "date" => {
            let s = text()?;
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(|_| Value::String(s.clone()))
                .map_err(|_| type_error("date"))
        }
        "datetime" => {
            let s = text()?;
            parse_datetime(&s)
                .map(|ms| Value::String(datetime(ms)))
                .ok_or_else(|| type_error("datetime"))
        }
        "reference" | "id" => {
            let s = text()?;
            let bad = || {
                ApiError::fields(
                    "MALFORMED_ID",
                    format!("{}: id value of incorrect type: {s}", field.label),
                    vec![field.name.clone()],
                )
            };
            let id = SfId::parse(&s).map_err(|_| bad())?;
            let target = org
                .schema
                .object_for_prefix(id.key_prefix())
                .ok_or_else(bad)?;
            if !field.reference_to.is_empty()
                && !field.reference_to.iter().any(|r| r == &target.name)
            {
                return Err(bad());
            }
            match org.store.get(&id) {
                Ok(Some(r)) if !r.deleted => Ok(Value::String(id.to_string())),
                _ => Err(ApiError::fields(
                    "INVALID_CROSS_REFERENCE_KEY",
                    "invalid cross reference id".to_owned(),
                    vec![field.name.clone()],
                )),
            }
        }
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
            if field.kind == "email" && !s.is_empty() && !looks_like_email(&s) {
                return Err(ApiError::fields(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {s}", field.label),
                    vec![field.name.clone()],
                ));
            }
            if field.kind == "picklist"
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

/// Reads a datetime as Salesforce accepts it, in ms since the epoch.
pub fn parse_datetime(s: &str) -> Option<i64> {
    // Salesforce writes offsets without a colon (`+0000`); RFC 3339 wants one.
    let bytes = s.as_bytes();
    let fixed = match bytes.len().checked_sub(5) {
        Some(i)
            if matches!(bytes[i], b'+' | b'-') && bytes[i + 1..].iter().all(u8::is_ascii_digit) =>
        {
            // Only ASCII from `i` on: the slices are on character boundaries.
            format!("{}:{}", &s[..i + 3], &s[i + 3..])
        }
        _ => s.to_owned(),
    };
    chrono::DateTime::parse_from_rfc3339(&fixed)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// The values derived from others (Name from first and last names...).
fn derive(
    object: &ObjectDef,
    fields: &mut Map<String, Value>,
    changes: Option<&Map<String, Value>>,
) {
    let text =
        |f: &Map<String, Value>, k: &str| f.get(k).and_then(Value::as_str).map(str::to_owned);
    if object.field("FirstName").is_some() && object.field("Name").is_some_and(|f| !f.createable) {
        let name = [text(fields, "FirstName"), text(fields, "LastName")]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        fields.insert("Name".into(), Value::String(name));
    }
    match object.name.as_str() {
        "Task" => {
            let closed = text(fields, "Status").as_deref() == Some("Completed");
            fields.insert("IsClosed".into(), Value::Bool(closed));
            let high = text(fields, "Priority").as_deref() == Some("High");
            fields.insert("IsHighPriority".into(), Value::Bool(high));
        }
        "Opportunity" => {
            let stage = text(fields, "StageName").unwrap_or_default();
            fields.insert("IsClosed".into(), Value::Bool(stage.starts_with("Closed")));
            fields.insert("IsWon".into(), Value::Bool(stage == "Closed Won"));
            // Probability and ForecastCategoryName follow the stage unless the write set
            // them: "Probability ... is implied, but not directly controlled, by the
            // StageName field" (Opportunity, Object Reference:
            // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm);
            // each OpportunityStage carries a DefaultProbability and ForecastCategoryName
            // (https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitystage.html).
            let stage_changed = changes.is_some_and(|c| c.contains_key("StageName"));
            if let Some((probability, category)) = stage_defaults(&stage) {
                let set_by_write =
                    |k: &str| changes.is_some_and(|c| c.get(k).is_some_and(|v| !v.is_null()));
                if stage_changed && !set_by_write("Probability")
                    || fields.get("Probability").is_none_or(Value::is_null)
                {
                    fields.insert("Probability".into(), json!(f64::from(probability)));
                }
                if stage_changed && !set_by_write("ForecastCategoryName")
                    || fields
                        .get("ForecastCategoryName")
                        .is_none_or(Value::is_null)
                {
                    fields.insert("ForecastCategoryName".into(), json!(category));
                }
            }
            // ForecastCategory is ForecastCategoryName's API value (the picklists' values in
            // the recorded Opportunity describe: "Best Case" is `BestCase`, "Commit" is
            // `Forecast`).
            let category = match text(fields, "ForecastCategoryName").as_deref() {
                Some("Best Case") => Some("BestCase"),
                Some("Commit") => Some("Forecast"),
                Some("Omitted") => Some("Omitted"),
                Some("Pipeline") => Some("Pipeline"),
                Some("Closed") => Some("Closed"),
                _ => None,
            };
            if let Some(category) = category {
                fields.insert("ForecastCategory".into(), json!(category));
            }
        }
        // "IsClosed: Indicates whether the case is closed (true) or open (false)" — set from
        // the Status's CaseStatus.IsClosed; of this org's statuses only `Closed` is a closed
        // one (Case, Object Reference:
        // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_case.htm).
        "Case" => {
            let closed = text(fields, "Status").as_deref() == Some("Closed");
            fields.insert("IsClosed".into(), Value::Bool(closed));
        }
        _ => {}
    }
}

/// A stage's default probability and forecast category: the stages a new org has, with the
/// values Salesforce sets them up with (Setup > Opportunity Stages; the documentation lists
/// the mechanism, OpportunityStage.DefaultProbability/ForecastCategoryName, not the default
/// table, so the figures are those of a new Developer Edition org).
fn stage_defaults(stage: &str) -> Option<(u32, &'static str)> {
    Some(match stage {
        "Prospecting" | "Qualification" => (10, "Pipeline"),
        "Needs Analysis" => (20, "Pipeline"),
        "Value Proposition" => (50, "Pipeline"),
        "Id. Decision Makers" => (60, "Pipeline"),
        "Perception Analysis" => (70, "Pipeline"),
        "Proposal/Price Quote" => (75, "Pipeline"),
        "Negotiation/Review" => (90, "Pipeline"),
        "Closed Won" => (100, "Closed"),
        "Closed Lost" => (0, "Omitted"),
        _ => return None,
    })
}

/// Fills what Salesforce fills on every record: a value for every boolean (checkboxes are
/// never null: "Boolean fields have a default value of false", Field Types, Object Reference:
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/field_types.htm)
/// and the derived values. Used on writes and to complete records stored before.
pub(crate) fn complete(
    object: &ObjectDef,
    fields: &mut Map<String, Value>,
    changes: Option<&Map<String, Value>>,
) {
    for field in &object.fields {
        if field.kind == "boolean" && fields.get(&field.name).is_none_or(Value::is_null) {
            let default = field
                .default_value
                .as_ref()
                .and_then(Value::as_bool)
                .unwrap_or(false);
            fields.insert(field.name.clone(), Value::Bool(default));
        }
    }
    derive(object, fields, changes);
}

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// A create.
    Create,
    /// An update.
    Update,
}

impl Org {
    /// The object named in a URL, or 404.
    pub fn object_named(&self, name: &str) -> Result<&ObjectDef, ApiError> {
        self.schema.object(name).ok_or_else(ApiError::not_found)
    }

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
            out.insert(field.name.clone(), check_value(self, field, value)?);
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
                (f.required_on_create() || (!f.nillable && f.custom && f.kind != "boolean"))
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

    fn duplicates(
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
            if field.kind == "boolean" && field.createable {
                let default = field
                    .default_value
                    .as_ref()
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                fields.insert(field.name.clone(), Value::Bool(default));
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
            fields,
        };
        self.store
            .put(&record, lookup_keys(object, &record.fields))
            .map_err(storage)?;
        Ok(id)
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
        let mut fields = record.fields.clone();
        for (k, v) in &changes {
            fields.insert(k.clone(), v.clone());
        }
        let cleared: Vec<String> = object
            .fields
            .iter()
            .filter(|f| {
                !f.nillable
                    && f.updateable
                    && f.kind != "boolean"
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
        record.fields = fields;
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
        record.fields.insert("IsDeleted".into(), Value::Bool(true));
        self.store
            .put(&record, lookup_keys(object, &record.fields))
            .map_err(storage)
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
            let value = if field.kind == "address" {
                address(field, &record.fields)
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

/// A storage failure, answered as Salesforce's 500.
pub fn storage(err: crate::SandboxError) -> ApiError {
    tracing::error!(%err, "sandbox org storage failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::OrgSettings;

    fn org() -> Org {
        Org::open(OrgSettings::default()).unwrap()
    }

    #[test]
    fn writes_are_validated_as_salesforce_does() {
        let org = org();
        let admin = org.users()[0].clone();
        let too_long = format!(
            "Last Name: data value too large: {} (max length=80)",
            "K".repeat(81)
        );
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            (
                "Lead",
                json!({"LastName": "Kim"}),
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [Company]",
            ),
            (
                "Lead",
                json!({"Company": "X"}),
                "REQUIRED_FIELD_MISSING",
                "Required fields are missing: [LastName]",
            ),
            (
                "Lead",
                json!({"LastName": "Kim", "Company": "X", "Email": "not an email"}),
                "INVALID_EMAIL_ADDRESS",
                "Email: invalid email address: not an email",
            ),
            (
                "Lead",
                json!({"LastName": "Kim", "Company": "X", "Foo": 1}),
                "INVALID_FIELD",
                "No such column 'Foo' on sobject of type Lead",
            ),
            (
                "Lead",
                json!({"Id": "00QPa0000000001", "LastName": "Kim", "Company": "X"}),
                "INVALID_FIELD",
                "The Id field should not be specified in the sobject data.",
            ),
            (
                "Lead",
                json!({"LastName": "Kim", "Company": "X", "Name": "Kim"}),
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "Unable to create/update fields: Name. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
            ),
            (
                "Lead",
                json!({"LastName": "K".repeat(81), "Company": "X"}),
                "STRING_TOO_LONG",
                &too_long,
            ),
            (
                "Task",
                json!({"Subject": "x", "Status": "Sleeping"}),
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "Status: bad value for restricted picklist field: Sleeping",
            ),
            (
                "Contact",
                json!({"LastName": "Kim", "AccountId": "003000000000000"}),
                "MALFORMED_ID",
                "Account ID: id value of incorrect type: 003000000000000",
            ),
            (
                "Contact",
                json!({"LastName": "Kim", "AccountId": "001Pa0000000999"}),
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
            ),
            (
                "Contact",
                json!({"LastName": "Kim", "Birthdate": "yesterday"}),
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of date from VALUE_STRING value \"yesterday\" or request may be missing a required field",
            ),
            (
                "Lead",
                json!({"LastName": "Kim", "Company": "X", "IsUnreadByOwner": "maybe"}),
                "JSON_PARSER_ERROR",
                "Cannot deserialize instance of boolean from VALUE_STRING value \"maybe\" or request may be missing a required field",
            ),
            (
                "Contact",
                json!({"LastName": "Again", "Email": "ROSE@edge.com"}),
                "DUPLICATES_DETECTED",
                "Use one of these records?",
            ),
            (
                "Lead",
                json!({"LastName": "Again", "Company": "X", "Phone": "+1 (850) 644-4200"}),
                "DUPLICATES_DETECTED",
                "Use one of these records?",
            ),
            (
                "ActivityHistory",
                json!({"Subject": "x"}),
                "INVALID_TYPE_FOR_OPERATION",
                "entity type ActivityHistory does not support insert",
            ),
        ];
        for (object, body, code, message) in cases {
            let err = org
                .create(&admin, object, &body, false)
                .expect_err(&body.to_string());
            assert_eq!(
                (err.code, err.message.as_str()),
                (code, message),
                "{object} {body}"
            );
        }
        assert_eq!(
            org.create(&admin, "Nope", &json!({}), false)
                .unwrap_err()
                .code,
            "NOT_FOUND"
        );
    }

    #[test]
    fn create_read_update_delete() {
        let org = org();
        let admin = org.users()[0].clone();
        let id = org.create(&admin, "Lead", &json!({"FirstName": "Mia", "LastName": "Kim", "Company": "Kites", "Email": "mia@kites.example"}), false).unwrap();
        let lead = org.schema.object("Lead").unwrap();
        let record = org.live(lead, id.as_str()).unwrap();
        assert_eq!(record.fields["Name"], "Mia Kim");
        assert_eq!(
            record.fields["Status"], "Open - Not Contacted",
            "picklist default"
        );
        assert_eq!(record.fields["OwnerId"], admin.id.as_str());
        let json = org.record_json(lead, &record, None, "59.0").unwrap();
        assert_eq!(
            json["attributes"]["url"],
            format!("/services/data/v59.0/sobjects/Lead/{id}")
        );
        assert!(
            json.as_object().unwrap().contains_key("Fax"),
            "every field, nulls included"
        );
        let some = org
            .record_json(
                lead,
                &record,
                Some(&["Email".into(), "name".into()]),
                "59.0",
            )
            .unwrap();
        assert_eq!(some.as_object().unwrap().len(), 3);

        org.update(
            &admin,
            "Lead",
            &id.as_str()[..15],
            &json!({"LastName": "Kimura"}),
            None,
            false,
        )
        .unwrap();
        assert_eq!(
            org.live(lead, id.as_str()).unwrap().fields["Name"],
            "Mia Kimura"
        );
        let err = org
            .update(
                &admin,
                "Lead",
                id.as_str(),
                &json!({"Title": "x"}),
                Some(0),
                false,
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::PRECONDITION_FAILED);
        let err = org
            .update(
                &admin,
                "Lead",
                id.as_str(),
                &json!({"Company": null}),
                None,
                false,
            )
            .unwrap_err();
        assert_eq!(err.message, "Required fields are missing: [Company]");

        org.delete("Lead", id.as_str()).unwrap();
        assert_eq!(
            org.live(lead, id.as_str()).unwrap_err().code,
            "ENTITY_IS_DELETED"
        );
        assert_eq!(
            org.delete("Lead", id.as_str()).unwrap_err().code,
            "ENTITY_IS_DELETED"
        );
        assert_eq!(
            org.live(lead, "23foo").unwrap_err().message,
            "Provided external ID field does not exist or is not accessible: 23foo"
        );
    }

    #[test]
    fn a_restricted_profile_cannot_change_its_read_only_fields() {
        let org = org();
        let ben = org.users()[1].clone();
        let account = org.store.scan("Account", false).unwrap().remove(0);
        let err = org
            .update(
                &ben,
                "Account",
                account.id.as_str(),
                &json!({"AnnualRevenue": 1}),
                None,
                false,
            )
            .unwrap_err();
        assert_eq!(err.code, "INVALID_FIELD_FOR_INSERT_UPDATE");
        assert_eq!(err.fields, Some(vec!["AnnualRevenue".to_owned()]));
        org.update(
            &ben,
            "Account",
            account.id.as_str(),
            &json!({"Phone": "555 0100"}),
            None,
            false,
        )
        .unwrap();
    }

    #[test]
    fn keys_and_formats() {
        assert_eq!(
            phone_key("+1 (512) 757-9340").as_deref(),
            Some("5127579340")
        );
        assert_eq!(phone_key("512.757.9340").as_deref(), Some("5127579340"));
        assert_eq!(phone_key("12"), None);
        assert_eq!(
            domain_of("https://www.Burlington.com/about").as_deref(),
            Some("burlington.com")
        );
        assert_eq!(domain_of("Rose@Edge.com").as_deref(), Some("edge.com"));
        assert_eq!(domain_of("localhost"), None);
        assert_eq!(
            parse_datetime("2024-01-02T03:04:05.000+0000"),
            Some(1_704_164_645_000)
        );
        assert_eq!(
            parse_datetime("2024-01-02T03:04:05Z"),
            Some(1_704_164_645_000)
        );
        assert_eq!(datetime(1_704_164_645_000), "2024-01-02T03:04:05.000+0000");
    }
}
