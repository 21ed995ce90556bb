//! `POST /api/records/{object}`: a create, after looking for a Contact or Lead with the same
//! email or phone; Salesforce's duplicate-rule matches are surfaced, and a create whose answer
//! was lost is looked for rather than made twice.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pane_salesforce::{Composite, Filter, Literal, Order, Ref, Request, Scope, Search, Select};
use pane_wire::api::{CreateAnswer, CreateRequest, RecordView};
use serde_json::{Map, Value};

use super::{is_blank, mandatory_filled, named_fields};
use crate::ProxyError;
use crate::cache::PanelCache;
use crate::gateway::{Gateway, Salesforce, refused};
use crate::json::ApiJson;
use crate::lookup::answer::record;
use crate::org::org_settings;
use crate::session::Agent;
use crate::validate::panel_object;

fn conflict(answer: &CreateAnswer) -> Response {
    (StatusCode::CONFLICT, Json(answer)).into_response()
}

const SAME_EMAIL: Ref = Ref::named("contacts");
const SAME_EMAIL_LEADS: Ref = Ref::named("leads");

/// What finds Contacts and Leads with the email or phone of a new record: a composite of two
/// queries for the email, a search for the phone (Composite cannot hold a search).
fn existing_plan(
    fields: &Map<String, Value>,
    version: &str,
) -> Result<(Option<Composite>, Option<Search>), ProxyError> {
    let text = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let composite = match text("Email") {
        Some(email) => {
            let email = email.to_lowercase();
            let mut c = Composite::new(version);
            c.add(
                SAME_EMAIL,
                Request::Query(
                    Select::from("Contact")
                        .fields(["Name", "Email", "Phone"])
                        .filter(Filter::eq("Email", email.as_str()))
                        .limit(5),
                ),
            )
            .and_then(|c| {
                c.add(
                    SAME_EMAIL_LEADS,
                    Request::Query(
                        Select::from("Lead")
                            .fields(["Name", "Company", "Email", "Phone"])
                            .filter(Filter::And(vec![
                                Filter::eq("Email", email.as_str()),
                                Filter::eq("IsConverted", false),
                            ]))
                            .limit(5),
                    ),
                )
            })
            .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
            Some(c)
        }
        None => None,
    };
    let digits: String = ["Phone", "MobilePhone"]
        .iter()
        .find_map(|k| text(k))
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let search = (digits.len() >= 4).then(|| {
        Search::find(&digits, Scope::Phone)
            .returning(
                Select::from("Contact")
                    .fields(["Name", "Email", "Phone"])
                    .limit(5),
            )
            .returning(
                Select::from("Lead")
                    .fields(["Name", "Company", "Email", "Phone"])
                    .filter(Filter::eq("IsConverted", false))
                    .limit(5),
            )
    });
    Ok((composite, search))
}

/// Contacts and Leads with the email or phone of a new record, once each: one Salesforce
/// request for an email or a phone, two for both.
async fn existing_records(
    salesforce: &Salesforce,
    fields: &Map<String, Value>,
    version: &str,
) -> Result<Vec<RecordView>, ProxyError> {
    let (composite, search) = existing_plan(fields, version)?;
    let mut rows: Vec<Value> = Vec::new();
    if let Some(c) = composite {
        let answered = salesforce.call(salesforce.client.composite(&c)).await?;
        rows.extend(answered.records(SAME_EMAIL).iter().cloned());
        rows.extend(answered.records(SAME_EMAIL_LEADS).iter().cloned());
    }
    if let Some(search) = search {
        rows.extend(salesforce.call(salesforce.client.search(&search)).await?);
    }
    let mut out: Vec<RecordView> = Vec::new();
    for view in rows.iter().filter_map(record) {
        if !out.iter().any(|r| r.id == view.id) {
            out.push(view);
        }
    }
    Ok(out)
}

/// The field that names a record of `object`, as the panel's forms always fill it.
fn naming_field(object: &str) -> &'static str {
    match object {
        "Contact" | "Lead" => "LastName",
        "Account" | "Opportunity" => "Name",
        _ => "Subject",
    }
}

/// The record this user created since `since` (epoch seconds) with the naming field's value
/// of `fields`: what a create whose answer was lost made, if it was made.
async fn find_created(
    salesforce: &Salesforce,
    object: &str,
    fields: &Value,
    user_id: &str,
    since: i64,
) -> Result<Option<String>, ProxyError> {
    let mut filters = vec![
        Filter::eq("CreatedById", user_id),
        Filter::ge("CreatedDate", Literal::date_time(since)),
    ];
    let key = naming_field(object);
    if let Some(value) = fields.get(key).and_then(Value::as_str) {
        filters.push(Filter::eq(key, value));
    }
    let select = Select::from(object)
        .filter(Filter::And(filters))
        .order([Order::desc("CreatedDate")])
        .limit(1);
    salesforce.first_string(&select, "/Id").await
}

/// The records a `DUPLICATES_DETECTED` error names.
fn duplicate_matches(errors: &[pane_salesforce::error::ApiErrorItem]) -> Vec<RecordView> {
    errors
        .iter()
        .filter_map(|e| e.duplicate_result.as_ref())
        .flat_map(|d| {
            d.get("matchResults")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|m| {
            m.get("matchRecords")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|m| m.get("record").and_then(record))
        .collect()
}

/// `POST /api/records/{object}` `{"fields": {...}, "force": false}`: 201 with the new id;
/// 409 with the existing records (same email or phone) or Salesforce's duplicate-rule
/// matches; 400 with the fields to fill.
pub(super) async fn create(
    State(gateway): State<Gateway>,
    State(cache): State<PanelCache>,
    agent: Agent,
    Path(object): Path<String>,
    ApiJson(body): ApiJson<CreateRequest>,
) -> Result<Response, ProxyError> {
    panel_object(&object, "creates")?;
    named_fields(&body.fields)?;
    let settings = org_settings(&gateway, &agent.link.org_id).await?;
    mandatory_filled(&settings, &object, |f| is_blank(body.fields.get(f)))?;
    let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
    let version = &gateway.services.salesforce.version;
    if matches!(object.as_str(), "Contact" | "Lead") && !body.force {
        let existing = existing_records(&salesforce, &body.fields, version).await?;
        if !existing.is_empty() {
            return Ok(conflict(&CreateAnswer {
                id: None,
                existing,
                duplicates: vec![],
            }));
        }
    }
    let fields = Value::Object(body.fields);
    let sent_at = crate::clock::now_secs();
    let created = salesforce
        .call_raw(salesforce.client.send(
            http::Method::POST,
            &format!("/sobjects/{object}"),
            &[],
            Some(&fields),
            &[],
        ))
        .await?;
    let created = match created {
        // No answer after sending: the record may exist. Look for it rather than let the
        // agent make it twice.
        Err(err @ pane_salesforce::Error::Transport(_)) => {
            // Ten minutes back: longer than any call may take.
            let since = sent_at - 600;
            match find_created(&salesforce, &object, &fields, &agent.link.user_id, since).await? {
                Some(id) => {
                    tracing::warn!(%object, %id, "a create's answer was lost; found the record it made");
                    Ok(pane_salesforce::client::Answer {
                        status: 201,
                        headers: Default::default(),
                        body: serde_json::json!({ "id": id }),
                    })
                }
                None => Err(err),
            }
        }
        other => other,
    };
    match created {
        Ok(answer) => {
            cache.forget_org(&agent.link.org_id).await;
            let id = answer
                .body
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned);
            tracing::info!(%object, user = %agent.link.user_id, "record created");
            Ok((
                StatusCode::CREATED,
                Json(CreateAnswer {
                    id,
                    existing: vec![],
                    duplicates: vec![],
                }),
            )
                .into_response())
        }
        Err(pane_salesforce::Error::Api {
            status: 400,
            errors,
        }) if errors.iter().any(|e| e.error_code == "DUPLICATES_DETECTED") => {
            Ok(conflict(&CreateAnswer {
                id: None,
                existing: vec![],
                duplicates: duplicate_matches(&errors),
            }))
        }
        Err(err) => Err(refused(&err, None)),
    }
}
