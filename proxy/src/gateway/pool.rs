//! The client pool: one Salesforce client per linked user, kept so that token refreshes are
//! single-flight per user.

use std::sync::Arc;
use std::time::Duration;

use pane_salesforce::trace::Observer;
use pane_salesforce::{Client, Token, Tokens};

use crate::ProxyError;
use crate::services::Services;
use crate::store::Link;

/// Clients by user id, each telling the observer, if any, of its requests.
#[derive(Debug, Clone)]
pub struct ClientPool {
    clients: moka::sync::Cache<String, Client>,
    observer: Option<Observer>,
}

impl Default for ClientPool {
    fn default() -> Self {
        ClientPool {
            clients: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(3600))
                .build(),
            observer: None,
        }
    }
}

impl ClientPool {
    /// This pool, its clients telling `observer` of every request they send (metrics).
    #[must_use]
    pub fn observed(mut self, observer: Observer) -> ClientPool {
        self.observer = Some(observer);
        self
    }

    /// The Salesforce client of a linked user (an agent, or the integration user rules act
    /// as).
    pub fn client(&self, services: &Services, link: &Link) -> Result<Client, ProxyError> {
        if let Some(client) = self.clients.get(&link.user_id) {
            return Ok(client);
        }
        let sf = &services.salesforce;
        let credentials = sf.refresh_credentials(services.sealer.open(&link.refresh_token_sealed)?);
        let initial = Token {
            access_token: services.sealer.open(&link.access_token_sealed)?,
            instance_url: link.instance_url.clone(),
        };
        let mut client = Client::new(
            services.http.clone(),
            Arc::new(Tokens::new(
                services.http.clone(),
                credentials,
                Some(initial),
            )),
            &sf.version,
        );
        if let Some(observer) = &self.observer {
            client = client.observed(observer.clone());
        }
        self.clients.insert(link.user_id.clone(), client.clone());
        Ok(client)
    }

    /// Forgets the user's client (their tokens changed, or they unlinked).
    pub fn forget(&self, user_id: &str) {
        self.clients.invalidate(user_id);
    }
}
