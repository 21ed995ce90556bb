//! The way to Salesforce every feature takes: [`Salesforce`], a linked user's client (from
//! the [`ClientPool`]) with every request checked against the org's budget first and counted
//! after; the budget itself ([`budget`]); and the one mapping of Salesforce's failures to the
//! proxy's answers ([`error`]).

pub mod budget;
pub mod error;
mod pool;

use pane_salesforce::Client;
use pane_wire::api::Budget;

pub use error::refused;
pub use pool::ClientPool;

use self::budget::{Quota, may_probe};
use crate::org::org_settings;
use crate::session::Agent;
use crate::store::Link;
use crate::{AppState, ProxyError};

/// An agent's way to Salesforce: their client, with every request checked against the
/// org's budget first and counted after.
#[derive(Debug, Clone)]
pub struct Salesforce {
    /// The agent's client.
    pub client: Client,
    state: AppState,
    org_id: String,
}

impl Salesforce {
    /// The agent's, refused when an admin turned the integration off.
    pub async fn for_agent(state: &AppState, agent: &Agent) -> Result<Salesforce, ProxyError> {
        if !org_settings(state, &agent.link.org_id).await?.enabled {
            return Err(ProxyError::Disabled);
        }
        Salesforce::for_link(state, &agent.link)
    }

    /// The integration user's, for rule work (the budget is checked by the worker).
    pub fn for_link(state: &AppState, link: &Link) -> Result<Salesforce, ProxyError> {
        Ok(Salesforce {
            client: state.clients.client(&state.services, link)?,
            state: state.clone(),
            org_id: link.org_id.clone(),
        })
    }

    /// What the budget allows now.
    pub async fn budget(&self) -> Result<Budget, ProxyError> {
        let share = org_settings(&self.state, &self.org_id)
            .await?
            .api_share_percent;
        let today = Quota::today(&self.state.services.db, &self.org_id).await?;
        Ok(match budget::budget(today, share) {
            // An old figure may be stale: one request learns the usage again.
            Budget::CacheOnly
                if may_probe(today, crate::clock::now_ms(), self.state.quota_probe_ms) =>
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
        if let Err(err) =
            Quota::count(&self.state.services.db, &self.org_id, self.client.usage()).await
        {
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
}
