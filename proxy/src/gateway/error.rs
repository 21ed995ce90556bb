//! The one mapping from Salesforce's failures to the proxy's answers.

use pane_salesforce::Error;

use crate::ProxyError;

/// A Salesforce failure as the panel's answer: a refused refresh token asks for a new link,
/// a spent allowance says so, anything else is Salesforce being unavailable.
impl From<&Error> for ProxyError {
    fn from(err: &Error) -> Self {
        match err {
            Error::OAuth {
                error, description, ..
            } if error == "invalid_grant" => ProxyError::Relink(if description.is_empty() {
                "the refresh token was refused".into()
            } else {
                description.clone()
            }),
            // Only the proxy's configuration fixes it: the agent is told what to set.
            Error::Untrusted { .. } => ProxyError::Untrusted(format!(
                "{err}; set SSL_CERT_FILE (or --salesforce-ca-file) to the PEM file of its CA \
                 for a private CA or a TLS-inspecting proxy"
            )),
            _ => match err.code() {
                Some("REQUEST_LIMIT_EXCEEDED") => ProxyError::QuotaSpent,
                Some("INVALID_SESSION_ID" | "INVALID_GRANT" | "invalid_grant") => {
                    ProxyError::Unauthorized
                }
                _ => ProxyError::Upstream(err.clone()),
            },
        }
    }
}

impl From<Error> for ProxyError {
    fn from(err: Error) -> Self {
        ProxyError::from(&err)
    }
}

/// A write Salesforce refused: its validation errors (400) as the panel's 400 with the
/// fields to fix; a 404 as `not_found` naming `record`, when the write was to one record;
/// anything else as [`From<&Error>`].
pub fn refused(err: &Error, record: Option<&str>) -> ProxyError {
    match (err, record) {
        (
            Error::Api {
                status: 400,
                errors,
            },
            _,
        ) => ProxyError::Rejected {
            message: errors.first().map_or_else(
                || "Salesforce refused the change.".to_owned(),
                |e| e.message.clone(),
            ),
            fields: errors.iter().flat_map(|e| e.fields.clone()).collect(),
        },
        (Error::Api { status: 404, .. }, Some(record)) => ProxyError::NotFound(record.to_owned()),
        _ => ProxyError::from(err),
    }
}
