//! `GET`/`POST /api/leads/{id}/convert`: the converted statuses to choose from, and a Lead's
//! conversion (SOAP `convertLead`), read back from the Lead when its answer was lost.

use axum::Json;
use axum::extract::{Path, State};
use pane_salesforce::soap::LeadConvert;
use pane_salesforce::{Filter, Select};
use pane_wire::api::{ConvertAnswer, ConvertOptions, ConvertRequest};
use serde_json::Value;

use crate::ProxyError;
use crate::cache::PanelCache;
use crate::gateway::{Gateway, Salesforce};
use crate::json::ApiJson;
use crate::session::Agent;
use crate::validate::record_id;

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

/// The Lead's converted statuses, the default first (one Salesforce request, then cached).
async fn converted_statuses(
    cache: &PanelCache,
    salesforce: &Salesforce,
    org_id: &str,
) -> Result<Vec<String>, ProxyError> {
    if let Some(hit) = cache.converted_statuses.get(org_id) {
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
    cache
        .converted_statuses
        .insert(org_id.to_owned(), statuses.clone());
    Ok(statuses)
}

/// `GET /api/leads/{id}/convert`: the converted statuses to choose from.
pub(super) async fn convert_options(
    State(gateway): State<Gateway>,
    State(cache): State<PanelCache>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<Json<ConvertOptions>, ProxyError> {
    if !record_id(&id) {
        return Err(ProxyError::BadRequest("not a record id".into()));
    }
    let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
    let statuses = converted_statuses(&cache, &salesforce, &agent.link.org_id).await?;
    Ok(Json(ConvertOptions { statuses }))
}

/// `POST /api/leads/{id}/convert`: converts the Lead into a Contact with an Account (SOAP
/// `convertLead`).
pub(super) async fn convert(
    State(gateway): State<Gateway>,
    State(cache): State<PanelCache>,
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
    let salesforce = Salesforce::for_agent(&gateway, &agent).await?;
    let statuses = converted_statuses(&cache, &salesforce, &agent.link.org_id).await?;
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
    let version = gateway.services.salesforce.version.clone();
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
    cache.forget_org(&agent.link.org_id).await;
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
