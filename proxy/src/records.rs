//! Record writes for the panel. `POST /api/records/{object}` creates (after looking for a
//! Contact or Lead with the same email or phone; Salesforce's duplicate-rule matches are
//! surfaced), `PATCH /api/records/{object}/{id}` updates fields, refused with 409 and the
//! current values if the record changed in Salesforce since it was loaded,
//! `GET`/`POST /api/leads/{id}/convert` convert a Lead. Every write forgets the org's cached
//! panels.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use pane_salesforce::soap::LeadConvert;
use pane_salesforce::{Composite, Filter, Literal, Order, Ref, Request, Scope, Search, Select};
use pane_wire::api::{
    ConvertAnswer, ConvertOptions, ConvertRequest, CreateAnswer, CreateRequest, RecordView,
    UpdateRequest,
};
use pane_wire::objects::{SOBJECTS, sobject};
use serde_json::{Map, Value};

use crate::gateway::{Salesforce, refused};
use crate::json::ApiJson;
use crate::lookup::answer::record;
use crate::org::org_settings;
use crate::session::Agent;
use crate::validate::{api_name, record_id};
use crate::{AppState, ProxyError};

/// The record routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/records/{object}", post(create))
        .route("/api/records/{object}/{id}", patch(update))
        .route(
            "/api/leads/{id}/convert",
            get(convert_options).post(convert),
        )
}

fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

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

/// What a conversion made, read from the Lead: `None` when it is not converted.
async fn converted(
    salesforce: &Salesforce,
    lead: &str,
) -> Result<Option<pane_salesforce::soap::LeadConvertResult>, ProxyError> {
    let select = Select::from("Lead")
        .fields([
            "IsConverted",
            "ConvertedContactId",
            "ConvertedAccountId",
            "ConvertedOpportunityId",
        ])
        .filter(Filter::eq("Id", lead));
    let page = salesforce
        .call(salesforce.client.query(&select.to_string()))
        .await?;
    let Some(row) = page.records.first() else {
        return Ok(None);
    };
    if row.get("IsConverted").and_then(Value::as_bool) != Some(true) {
        return Ok(None);
    }
    let id = |k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(Some(pane_salesforce::soap::LeadConvertResult {
        success: true,
        contact_id: id("ConvertedContactId"),
        account_id: id("ConvertedAccountId"),
        opportunity_id: id("ConvertedOpportunityId"),
        errors: vec![],
    }))
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
    select
        .validate()
        .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
    let page = salesforce
        .call(salesforce.client.query(&select.to_string()))
        .await?;
    Ok(page
        .records
        .first()
        .and_then(|r| r.get("Id"))
        .and_then(Value::as_str)
        .map(str::to_owned))
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
async fn create(
    State(state): State<AppState>,
    agent: Agent,
    Path(object): Path<String>,
    ApiJson(body): ApiJson<CreateRequest>,
) -> Result<Response, ProxyError> {
    if sobject(&object).is_none() {
        return Err(ProxyError::BadRequest(format!(
            "the panel creates {}",
            SOBJECTS
                .iter()
                .map(|o| o.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if body.fields.is_empty() || !body.fields.keys().all(|k| api_name(k)) {
        return Err(ProxyError::BadRequest(
            "fields must name at least one field".into(),
        ));
    }
    let settings = org_settings(&state, &agent.link.org_id).await?;
    let missing: Vec<String> = settings
        .mandatory_fields
        .get(&object)
        .map(|m| {
            m.iter()
                .filter(|f| is_blank(body.fields.get(f.as_str())))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !missing.is_empty() {
        return Err(ProxyError::Rejected {
            message: format!("Required fields are missing: [{}]", missing.join(", ")),
            fields: missing,
        });
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let version = &state.services.salesforce.version;
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
            state.panel_cache.forget_org(&agent.link.org_id);
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

async fn update(
    State(state): State<AppState>,
    agent: Agent,
    Path((object, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateRequest>,
) -> Result<StatusCode, ProxyError> {
    if !api_name(&object) || !record_id(&id) {
        return Err(ProxyError::BadRequest(
            "not an object name and record id".into(),
        ));
    }
    if body.fields.is_empty() || !body.fields.keys().all(|k| api_name(k)) {
        return Err(ProxyError::BadRequest(
            "fields must name at least one field".into(),
        ));
    }
    let settings = org_settings(&state, &agent.link.org_id).await?;
    let emptied: Vec<String> = settings
        .mandatory_fields
        .get(&object)
        .map(|m| {
            m.iter()
                .filter(|f| {
                    body.fields.contains_key(f.as_str()) && is_blank(body.fields.get(f.as_str()))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if !emptied.is_empty() {
        return Err(ProxyError::Rejected {
            message: format!("Required fields are missing: [{}]", emptied.join(", ")),
            fields: emptied,
        });
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let result = salesforce
        .call_raw(salesforce.client.update(
            &object,
            &id,
            &Value::Object(body.fields),
            body.loaded_at.as_deref(),
        ))
        .await?;
    state.panel_cache.forget_org(&agent.link.org_id);
    match result {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(err) if err.status() == Some(412) => {
            let current = salesforce
                .call(salesforce.client.get(&format!("/sobjects/{object}/{id}")))
                .await?;
            Err(ProxyError::Conflict { current })
        }
        Err(err) => Err(refused(&err, Some(&format!("{object} {id}")))),
    }
}

/// The Lead's converted statuses, the default first (one Salesforce request, then cached).
async fn converted_statuses(
    state: &AppState,
    salesforce: &Salesforce,
    org_id: &str,
) -> Result<Vec<String>, ProxyError> {
    if let Some(hit) = state.panel_cache.converted_statuses.get(org_id) {
        return Ok(hit);
    }
    let rows = salesforce
        .call(salesforce.client.query_all(
            "SELECT ApiName, MasterLabel, IsDefault FROM LeadStatus WHERE IsConverted = true ORDER BY SortOrder",
        ))
        .await?;
    let mut statuses: Vec<(bool, String)> = rows
        .iter()
        .filter_map(|r| {
            let name = r
                .get("ApiName")
                .or_else(|| r.get("MasterLabel"))
                .and_then(Value::as_str)?;
            Some((
                r.get("IsDefault").and_then(Value::as_bool).unwrap_or(false),
                name.to_owned(),
            ))
        })
        .collect();
    // The default first, the rest in Salesforce's order (a stable sort keeps it).
    statuses.sort_by_key(|(default, _)| !*default);
    let statuses: Vec<String> = statuses.into_iter().map(|(_, s)| s).collect();
    state
        .panel_cache
        .converted_statuses
        .insert(org_id.to_owned(), statuses.clone());
    Ok(statuses)
}

/// `GET /api/leads/{id}/convert`: the converted statuses to choose from.
async fn convert_options(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<ConvertOptions>, ProxyError> {
    if !record_id(&id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let statuses = converted_statuses(&state, &salesforce, &agent.link.org_id).await?;
    Ok(Json(ConvertOptions { statuses }))
}

/// `POST /api/leads/{id}/convert`: converts the Lead into a Contact with an Account (SOAP
/// `convertLead`).
async fn convert(
    State(state): State<AppState>,
    agent: Agent,
    Path(id): Path<String>,
    body: Option<ApiJson<ConvertRequest>>,
) -> Result<Json<ConvertAnswer>, ProxyError> {
    if !record_id(&id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    // No body: the default status, no Account, no Opportunity.
    let request = body.map(|ApiJson(r)| r).unwrap_or_default();
    if request.account_id.as_deref().is_some_and(|a| !record_id(a)) {
        return Err(ProxyError::BadRequest(
            "account_id is not a record id".into(),
        ));
    }
    let salesforce = Salesforce::for_agent(&state, &agent).await?;
    let statuses = converted_statuses(&state, &salesforce, &agent.link.org_id).await?;
    let status = if request.converted_status.is_empty() {
        statuses
            .first()
            .cloned()
            .ok_or_else(|| ProxyError::Rejected {
                message: "The org has no converted Lead status.".into(),
                fields: vec!["converted_status".into()],
            })?
    } else if statuses.contains(&request.converted_status) {
        request.converted_status.clone()
    } else {
        return Err(ProxyError::Rejected {
            message: format!(
                "{:?} is not a converted status; pick one of {}",
                request.converted_status,
                statuses.join(", ")
            ),
            fields: vec!["converted_status".into()],
        });
    };
    let convert = LeadConvert {
        lead_id: id.clone(),
        converted_status: status,
        account_id: request.account_id.clone(),
        contact_id: None,
        opportunity_name: request
            .opportunity_name
            .clone()
            .filter(|n| !n.trim().is_empty()),
    };
    let version = state.services.salesforce.version.clone();
    let result = match salesforce
        .call_raw(salesforce.client.convert_lead(&convert, &version))
        .await?
    {
        Ok(result) => result,
        // No answer after sending: the Lead may be converted. Read it rather than tell the
        // agent it failed (a second conversion would be refused anyway).
        Err(err @ pane_salesforce::Error::Transport(_)) => {
            match converted(&salesforce, &id).await? {
                Some(result) => {
                    tracing::warn!(lead = %id, "a conversion's answer was lost; the Lead is converted");
                    result
                }
                None => return Err(err.into()),
            }
        }
        Err(err) => return Err(err.into()),
    };
    state.panel_cache.forget_org(&agent.link.org_id);
    match (result.success, result.contact_id, result.account_id) {
        (true, Some(contact_id), Some(account_id)) => {
            tracing::info!(lead = %id, "lead converted");
            Ok(Json(ConvertAnswer {
                contact_id,
                account_id,
                opportunity_id: result.opportunity_id,
            }))
        }
        _ => Err(ProxyError::Rejected {
            message: result.errors.first().map_or_else(
                || "Salesforce did not convert the Lead.".to_owned(),
                |(code, message)| format!("{code}: {message}"),
            ),
            fields: vec![],
        }),
    }
}
