//! `GET /api/usage`: the org's API usage today, and what the budget
//! ([`crate::gateway::budget`]) lets this integration spend.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use pane_wire::api::{OrgSettings, Usage};

use crate::clock::now_secs;
use crate::gateway::budget::{Quota, budget, remaining, utc_day};
use crate::org::{Org, org_settings};
use crate::session::Agent;
use crate::{AppState, ProxyError};

/// The usage route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/usage", get(usage))
}

/// `GET /api/usage`: today's API usage and what is left.
async fn usage(State(org): State<Org>, agent: Agent) -> Result<Json<Usage>, ProxyError> {
    let settings: OrgSettings = org_settings(&org, &agent.link.org_id).await?;
    let today = Quota::today(&org.db, &agent.link.org_id).await?;
    let known = |n: u64| (today.org_max > 0).then_some(n);
    Ok(Json(Usage {
        day: utc_day(now_secs()),
        requests_today: today.requests,
        org_used: known(today.org_used),
        org_max: known(today.org_max),
        share_percent: settings.api_share_percent,
        remaining: remaining(today, settings.api_share_percent),
        budget: budget(today, settings.api_share_percent),
    }))
}
