//! The proxy's long-lived dependencies: its database, its sealer, the Salesforce connected app.

use std::sync::Arc;

use crate::ProxyError;
use crate::config::Config;
use crate::secrets::Sealer;
use crate::store::Db;

/// The connected app the proxy links agents through, and where.
#[derive(Clone)]
pub struct SalesforceApp {
    /// The login host: `https://login.salesforce.com`, or the sandbox org's base URL.
    pub login_url: String,
    /// Consumer key.
    pub client_id: String,
    /// Consumer secret.
    pub client_secret: String,
    /// API version, e.g. `59.0`.
    pub version: String,
}

impl std::fmt::Debug for SalesforceApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never prints.
        f.debug_struct("SalesforceApp")
            .field("login_url", &self.login_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// What handlers reach besides configuration.
#[derive(Debug, Clone)]
pub struct Services {
    /// The database.
    pub db: Db,
    /// Seals tokens at rest.
    pub sealer: Arc<Sealer>,
    /// The connected app.
    pub salesforce: SalesforceApp,
    /// Outgoing HTTP.
    pub http: reqwest::Client,
}

impl Services {
    /// Opens the database and the key named by `config`, for `salesforce`.
    pub async fn new(config: &Config, salesforce: SalesforceApp) -> Result<Services, ProxyError> {
        if let Some(path) = config
            .database_url
            .strip_prefix("sqlite://")
            .map(|p| p.split('?').next().unwrap_or(p))
            && let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(ProxyError::Folder)?;
        }
        let sealer = match &config.encryption_key {
            Some(key) => Sealer::from_base64(key.expose())?,
            None => Sealer::from_key_file(&config.key_file)?,
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ProxyError::Secret(format!("HTTP client: {e}")))?;
        Ok(Services {
            db: Db::connect(&config.database_url).await?,
            sealer: Arc::new(sealer),
            salesforce,
            http,
        })
    }
}
