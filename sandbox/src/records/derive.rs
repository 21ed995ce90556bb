//! The values Salesforce fills or derives on every record: booleans never null, Name from the
//! first and last names, Task, Opportunity and Case flags, an Opportunity stage's defaults.

use serde_json::{Map, Value, json};

use crate::schema::{FieldType, ObjectDef};

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
        "ContentNote" => crate::notes::derive_note(fields),
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
        if field.field_type() == FieldType::Boolean
            && fields.get(&field.name).is_none_or(Value::is_null)
        {
            fields.insert(field.name.clone(), Value::Bool(field.bool_default()));
        }
    }
    derive(object, fields, changes);
}
