//! `GET /api/describe/{object}`: a Salesforce describe trimmed to what the panel needs
//! (types, required-on-create, what this user may change, active picklist values, lengths,
//! references), with the org's extra mandatory fields marked required. Cached per org, user
//! and object; after `--describe-fresh-secs` it is revalidated with `If-Modified-Since` (a 304
//! keeps it).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pane_wire::api::{FieldSpec, ObjectSpec, PicklistOption};
use serde_json::Value;

use crate::cache::{CachedDescribe, PanelCache};
use crate::gateway::{Gateway, Salesforce};
use crate::org::org_settings;
use crate::session::Agent;
use crate::validate::panel_object;
use crate::{AppState, ProxyError};

/// The describe route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/describe/{object}", get(describe))
}

async fn describe(
    State(gateway): State<Gateway>,
    State(panel_cache): State<PanelCache>,
    agent: Agent,
    Path(object): Path<String>,
) -> Result<Response, ProxyError> {
    panel_object(&object, "describes")?;
    let key = (
        agent.link.org_id.clone(),
        agent.link.user_id.clone(),
        object.clone(),
    );
    let cache = &panel_cache.describes;
    let cached = cache.get(&key);
    let current = match cached {
        Some(hit) if hit.checked.elapsed() < panel_cache.describe_fresh_for => hit,
        _ => {
            let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
            let since: Vec<(&str, &str)> = cached
                .as_ref()
                .and_then(|c| c.last_modified.as_deref())
                .map(|d| ("If-Modified-Since", d))
                .into_iter()
                .collect();
            let answer = salesforce
                .call(salesforce.client.send(
                    Method::GET,
                    &format!("/sobjects/{object}/describe"),
                    &[],
                    None,
                    &since,
                ))
                .await?;
            let fresh = match cached {
                Some(old) if answer.status == 304 => CachedDescribe {
                    checked: Instant::now(),
                    ..old
                },
                _ => CachedDescribe {
                    spec: Arc::new(trim(&answer.body)),
                    last_modified: answer
                        .headers
                        .get(header::LAST_MODIFIED)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned),
                    checked: Instant::now(),
                },
            };
            cache.insert(key, fresh.clone());
            fresh
        }
    };
    let mut spec = current.spec.as_ref().clone();
    let settings = org_settings(&gateway, &agent.link.org_id).await?;
    if let Some(extra) = settings.mandatory_fields.get(&object) {
        for field in spec.fields.iter_mut().filter(|f| extra.contains(&f.name)) {
            field.required = true;
        }
    }
    let mut response = Json(spec).into_response();
    if let Some(date) = current
        .last_modified
        .as_deref()
        .and_then(|d| HeaderValue::from_str(d).ok())
    {
        response.headers_mut().insert(header::LAST_MODIFIED, date);
    }
    Ok(response)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn number(v: &Value, key: &str) -> Option<u32> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

/// One field of a describe, or `None` for a hidden or deprecated one.
fn field(f: &Value) -> Option<FieldSpec> {
    if flag(f, "deprecatedAndHidden") {
        return None;
    }
    let kind = text(f, "type");
    let createable = flag(f, "createable");
    let textual = matches!(
        kind.as_str(),
        "string"
            | "email"
            | "phone"
            | "url"
            | "textarea"
            | "picklist"
            | "multipicklist"
            | "combobox"
    );
    let numeric = matches!(kind.as_str(), "double" | "currency" | "percent");
    Some(FieldSpec {
        name: text(f, "name"),
        label: text(f, "label"),
        required: createable
            && !flag(f, "nillable")
            && !flag(f, "defaultedOnCreate")
            && kind != "boolean",
        createable,
        updateable: flag(f, "updateable"),
        length: if textual { number(f, "length") } else { None },
        scale: if numeric {
            f.get("scale")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        } else {
            None
        },
        picklist: f
            .get("picklistValues")
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter(|p| flag(p, "active"))
                    .map(|p| PicklistOption {
                        value: text(p, "value"),
                        label: p
                            .get("label")
                            .and_then(Value::as_str)
                            .map_or_else(|| text(p, "value"), str::to_owned),
                        default: flag(p, "defaultValue"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        restricted: flag(f, "restrictedPicklist"),
        reference_to: f
            .get("referenceTo")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        custom: flag(f, "custom"),
        name_field: flag(f, "nameField"),
        kind,
    })
}

/// Trims a describe (as Salesforce sent it, for the requesting user).
pub fn trim(describe: &Value) -> ObjectSpec {
    ObjectSpec {
        name: text(describe, "name"),
        label: text(describe, "label"),
        label_plural: text(describe, "labelPlural"),
        createable: flag(describe, "createable"),
        updateable: flag(describe, "updateable"),
        fields: describe
            .get("fields")
            .and_then(Value::as_array)
            .map(|fields| fields.iter().filter_map(field).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(object: &str) -> Value {
        let path = format!(
            "{}/../sandbox/fixtures/describe-{object}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn recorded_lead_describe() {
        let lead = trim(&recorded("Lead"));
        assert_eq!(
            (lead.name.as_str(), lead.label_plural.as_str()),
            ("Lead", "Leads")
        );
        let field = |name: &str| lead.fields.iter().find(|f| f.name == name).unwrap().clone();
        assert!(field("LastName").required);
        assert!(field("Company").required);
        assert!(!field("Status").required, "defaulted on create");
        assert!(
            !field("IsUnreadByOwner").required,
            "booleans always have a value"
        );
        assert!(!field("Name").createable && !field("Name").updateable);
        assert!(field("Name").name_field);
        assert_eq!(field("Email").kind, "email");
        assert_eq!(field("Email").length, Some(80));
        let status = field("Status");
        assert!(
            status
                .picklist
                .iter()
                .any(|p| p.value == "Open - Not Contacted" && p.default)
        );
        assert_eq!(field("OwnerId").reference_to, ["Group", "User"]);
        assert_eq!(field("AnnualRevenue").scale, Some(0));
    }

    #[test]
    fn hidden_fields_and_inactive_values_are_left_out() {
        let describe = serde_json::json!({"name": "X", "label": "X", "labelPlural": "Xs", "createable": true, "updateable": true, "fields": [
            {"name": "Old", "type": "string", "deprecatedAndHidden": true},
            {"name": "Pick", "label": "Pick", "type": "picklist", "createable": true, "updateable": true, "nillable": true, "picklistValues": [
                {"value": "A", "label": "A", "active": true, "defaultValue": false},
                {"value": "B", "label": null, "active": true, "defaultValue": false},
                {"value": "C", "label": "C", "active": false, "defaultValue": false}
            ]}
        ]});
        let spec = trim(&describe);
        assert_eq!(spec.fields.len(), 1);
        let values: Vec<(&str, &str)> = spec.fields[0]
            .picklist
            .iter()
            .map(|p| (p.value.as_str(), p.label.as_str()))
            .collect();
        assert_eq!(values, [("A", "A"), ("B", "B")]);
    }
}
