//! The way to Salesforce every feature takes: [`Salesforce`], a linked user's client (from
//! the [`ClientPool`]) with every request checked against the org's budget first and counted
//! after; the budget itself ([`budget`]); and the one mapping of Salesforce's failures to the
//! proxy's answers ([`error`]).

pub mod budget;
pub mod error;
mod pool;

use axum::extract::FromRef;
use pane_salesforce::{Client, Select};
use pane_wire::api::Budget;
use serde_json::Value;

pub use error::refused;
pub use pool::ClientPool;

use self::budget::{Quota, may_probe};
use crate::org::{Org, org_settings};
use crate::services::Services;
use crate::session::Agent;
use crate::store::Link;
use crate::{AppState, ProxyError};

/// What the way to Salesforce needs (a handler's sub-state): the services, the client pool,
/// the org's settings (for the share and whether the integration is on), and how stale a
/// usage figure at the last reserve may be.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Database, sealer, connected app, outgoing HTTP.
    pub services: Services,
    /// Per-agent Salesforce clients.
    pub clients: ClientPool,
    /// Org settings.
    pub org: Org,
    /// See [`AppState::quota_probe_ms`].
    pub quota_probe_ms: i64,
    /// Where the org's remaining allowance is shown.
    pub metrics: crate::metrics::Metrics,
}

impl FromRef<AppState> for Gateway {
    fn from_ref(state: &AppState) -> Gateway {
        Gateway {
            services: state.services.clone(),
            clients: state.clients.clone(),
            org: Org::from_ref(state),
            quota_probe_ms: state.quota_probe_ms,
            metrics: state.metrics.clone(),
        }
    }
}

impl FromRef<Gateway> for Org {
    fn from_ref(gateway: &Gateway) -> Org {
        gateway.org.clone()
    }
}

/// An agent's way to Salesforce: their client, with every request checked against the
/// org's budget first and counted after.
#[derive(Debug, Clone)]
pub struct Salesforce {
    /// The agent's client.
    pub client: Client,
    gateway: Gateway,
    org_id: String,
}

impl Salesforce {
    /// The agent's, refused when an admin turned the integration off.
    pub async fn for_agent<S>(state: &S, agent: &Agent) -> Result<Salesforce, ProxyError>
    where
        Gateway: FromRef<S>,
    {
        let gateway = Gateway::from_ref(state);
        if !org_settings(&gateway, &agent.link.org_id).await?.enabled {
            return Err(ProxyError::Disabled);
        }
        Salesforce::through(gateway, &agent.link)
    }

    /// The integration user's, for rule work (the budget is checked by the worker).
    pub fn for_link<S>(state: &S, link: &Link) -> Result<Salesforce, ProxyError>
    where
        Gateway: FromRef<S>,
    {
        Salesforce::through(Gateway::from_ref(state), link)
    }

    fn through(gateway: Gateway, link: &Link) -> Result<Salesforce, ProxyError> {
        Ok(Salesforce {
            client: gateway.clients.client(&gateway.services, link)?,
            gateway,
            org_id: link.org_id.clone(),
        })
    }

    /// What the budget allows now.
    pub async fn budget(&self) -> Result<Budget, ProxyError> {
        let share = org_settings(&self.gateway, &self.org_id)
            .await?
            .api_share_percent;
        let today = Quota::today(&self.gateway.services.db, &self.org_id).await?;
        Ok(match budget::budget(today, share) {
            // An old figure may be stale: one request learns the usage again.
            Budget::CacheOnly
                if may_probe(today, crate::clock::now_ms(), self.gateway.quota_probe_ms) =>
            {
                Budget::Normal
            }
            other => other,
        })
    }

    /// Makes one Salesforce request (`call`), unless the quota is at its last reserve;
    /// counts it. The outer error is the proxy's, the inner one Salesforce's answer.
    pub async fn call_raw<T>(
        &self,
        call: impl Future<Output = Result<T, pane_salesforce::Error>>,
    ) -> Result<Result<T, pane_salesforce::Error>, ProxyError> {
        if self.budget().await? == Budget::CacheOnly {
            return Err(ProxyError::QuotaReserve);
        }
        let result = call.await;
        let usage = self.client.usage();
        if let Some(usage) = usage {
            let left = usage.max.saturating_sub(usage.used);
            self.gateway.metrics.api_remaining(&self.org_id, left);
        }
        if let Err(err) = Quota::count(&self.gateway.services.db, &self.org_id, usage).await {
            tracing::warn!(%err, "counting a Salesforce request failed");
        }
        Ok(result)
    }

    /// [`Salesforce::call_raw`], Salesforce's errors mapped to the panel's answer.
    pub async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, pane_salesforce::Error>>,
    ) -> Result<T, ProxyError> {
        Ok(self.call_raw(call).await??)
    }

    /// The string at `pointer` (a JSON pointer) in the first record `select` finds, if any.
    /// A select that does not validate is the caller's bad request and costs no request.
    pub async fn first_string(
        &self,
        select: &Select,
        pointer: &str,
    ) -> Result<Option<String>, ProxyError> {
        select
            .validate()
            .map_err(|e| ProxyError::BadRequest(e.to_string()))?;
        let page = self.call(self.client.query(&select.to_string())).await?;
        Ok(page
            .records
            .first()
            .and_then(|r| r.pointer(pointer))
            .and_then(Value::as_str)
            .map(str::to_owned))
    }
}
