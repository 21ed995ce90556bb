//! The proxy's JSON API, as the panel reads it.

use serde::{Deserialize, Serialize};

/// `GET /api/health`: the proxy is up, and which Salesforce backend it talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the proxy answers.
    pub status: String,
    /// The proxy's version (its crate version).
    pub version: String,
    /// The Salesforce backend in use.
    pub backend: Backend,
    /// Where the org opens in a browser (records open under it).
    pub org_url: String,
}

/// Which Salesforce the proxy forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// The embedded sandbox org, started in-process on a loopback port.
    Sandbox,
    /// A real Salesforce org, configured by instance URL.
    Salesforce,
}

impl Backend {
    /// How the panel names the backend to an agent.
    pub fn label(self) -> &'static str {
        match self {
            Backend::Sandbox => "sandbox org",
            Backend::Salesforce => "Salesforce",
        }
    }
}

/// The one error shape every proxy endpoint answers with (any 4xx or 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable, machine-readable code, `snake_case` (`not_found`, `bad_request`...).
    pub code: String,
    /// A sentence for a person; never carries upstream details or secrets.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_round_trips_with_wire_names() {
        let health = Health {
            status: "ok".into(),
            version: "0.1.0".into(),
            backend: Backend::Sandbox,
            org_url: "http://127.0.0.1:4000/".into(),
        };
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "version": "0.1.0", "backend": "sandbox",
                               "org_url": "http://127.0.0.1:4000/"})
        );
        assert_eq!(serde_json::from_value::<Health>(json).unwrap(), health);
    }

    #[test]
    fn api_error_round_trips() {
        let err = ApiError {
            code: "not_found".into(),
            message: "No such route.".into(),
        };
        let json = serde_json::to_string(&err).unwrap();
        assert_eq!(json, r#"{"code":"not_found","message":"No such route."}"#);
        assert_eq!(serde_json::from_str::<ApiError>(&json).unwrap(), err);
    }
}
