//! The client's one error enum, and the one place error answers are read.

use serde::{Deserialize, Serialize};

/// One item of Salesforce's REST error array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorItem {
    /// `errorCode` (REST) or `statusCode` (collections, SOAP).
    #[serde(rename = "errorCode", alias = "statusCode")]
    pub error_code: String,
    /// `message`.
    pub message: String,
    /// `fields`, when given.
    #[serde(default)]
    pub fields: Vec<String>,
    /// `duplicateResult`, on `DUPLICATES_DETECTED`: the records the duplicate rule matched.
    #[serde(
        default,
        rename = "duplicateResult",
        skip_serializing_if = "Option::is_none"
    )]
    pub duplicate_result: Option<serde_json::Value>,
}

/// Everything a Salesforce call can end with instead of a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Salesforce answered with an error status and its error array.
    #[error("Salesforce answered {status}: {}", .errors.first().map_or("", |e| e.message.as_str()))]
    Api {
        /// HTTP status.
        status: u16,
        /// The errors, as Salesforce worded them.
        errors: Vec<ApiErrorItem>,
    },
    /// The OAuth endpoints answered `{error, error_description}`.
    #[error("Salesforce refused the token request: {error}: {description}")]
    OAuth {
        /// HTTP status.
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// No answer, and the request may have reached Salesforce: the connection dropped or timed
    /// out after it was sent. A write may have happened.
    #[error("Salesforce could not be reached: {0}")]
    Transport(String),
    /// The request never left: no connection could be made (refused, no route, DNS, TLS
    /// handshake). Nothing happened at Salesforce.
    #[error("Salesforce could not be reached: {0}")]
    Unreachable(String),
    /// The request never left: Salesforce's certificate (or a TLS-inspecting proxy's) is not
    /// trusted. Only the configuration fixes it, so it is not retried.
    #[error("the certificate of {origin} is not trusted ({why})")]
    Untrusted {
        /// Whose certificate: the origin called.
        origin: String,
        /// What rustls said.
        why: String,
    },
    /// An answer that is not what Salesforce sends (malformed JSON, unexpected shape).
    #[error("Salesforce sent an answer that cannot be read ({status}): {detail}")]
    Malformed {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        detail: String,
    },
    /// A SOAP fault.
    #[error("Salesforce SOAP fault {code}: {message}")]
    Fault {
        /// `faultcode` without its prefix.
        code: String,
        /// `faultstring`.
        message: String,
    },
}

/// An API error answer of one item, `status` and `code` without a message or fields: what
/// decision tables about errors are written with.
pub fn api(status: u16, code: &str) -> Error {
    Error::Api {
        status,
        errors: vec![ApiErrorItem {
            error_code: code.into(),
            message: String::new(),
            fields: vec![],
            duplicate_result: None,
        }],
    }
}

impl Error {
    /// The first error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { errors, .. } => errors.first().map(|e| e.error_code.as_str()),
            Error::Fault { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::OAuth { status, .. }
            | Error::Malformed { status, .. } => Some(*status),
            Error::Fault { .. } => Some(500),
            Error::Transport(_) | Error::Unreachable(_) | Error::Untrusted { .. } => None,
        }
    }
}

/// A failed send: [`Error::Untrusted`] when the server's certificate is not trusted,
/// [`Error::Unreachable`] when no connection was made, else [`Error::Transport`] (the request
/// may have been sent). reqwest's own text names only the URL, so its causes follow it.
pub fn from_reqwest(err: &reqwest::Error) -> Error {
    if let Some(why) = untrusted_certificate(err) {
        let origin = err.url().map_or_else(
            || "Salesforce".to_owned(),
            |u| u.origin().ascii_serialization(),
        );
        return Error::Untrusted { origin, why };
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if err.is_connect() || err.is_builder() {
        Error::Unreachable(text)
    } else {
        Error::Transport(text)
    }
}

/// What rustls said when `err` failed because the server's certificate is not trusted (an
/// unknown issuer, a name it was not made for, expired...).
fn untrusted_certificate(err: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(mut cause) = source {
        // rustls's error rides inside `io::Error`s (nested, from hyper's connector), whose
        // `source()` skips the error they wrap.
        while let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            cause = inner;
        }
        if let Some(
            tls @ (rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType),
        ) = cause.downcast_ref::<rustls::Error>()
        {
            return Some(tls.to_string());
        }
        source = cause.source();
    }
    None
}

/// Reads an error answer's body, whatever shape Salesforce used.
pub fn from_response(status: u16, body: &[u8]) -> Error {
    if let Ok(errors) = serde_json::from_slice::<Vec<ApiErrorItem>>(body) {
        return Error::Api { status, errors };
    }
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: String,
    }
    if let Ok(e) = serde_json::from_slice::<OAuthError>(body) {
        return Error::OAuth {
            status,
            error: e.error,
            description: e.error_description,
        };
    }
    let text = String::from_utf8_lossy(body);
    let detail: String = text.chars().take(200).collect();
    Error::Malformed {
        status,
        detail: if detail.is_empty() {
            "an empty body".into()
        } else {
            detail
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_shape_is_read() {
        let e = from_response(
            401,
            br#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        );
        assert_eq!(e.code(), Some("INVALID_SESSION_ID"));
        assert_eq!(
            e.to_string(),
            "Salesforce answered 401: Session expired or invalid"
        );
        let e = from_response(400, br#"[{"errorCode":"REQUIRED_FIELD_MISSING","message":"Required fields are missing: [Company]","fields":["Company"]}]"#);
        assert!(matches!(&e, Error::Api { errors, .. } if errors[0].fields == ["Company"]));
        let e = from_response(400, br#"[{"statusCode":"DUPLICATES_DETECTED","message":"Use one of these records?","fields":[]}]"#);
        assert_eq!(e.code(), Some("DUPLICATES_DETECTED"));
        let e = from_response(
            400,
            br#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#,
        );
        assert!(matches!(e, Error::OAuth { ref error, .. } if error == "invalid_grant"));
        let e = from_response(503, b"<html>Service Unavailable</html>");
        assert_eq!(e.status(), Some(503));
        assert!(matches!(e, Error::Malformed { .. }));
        assert_eq!(
            from_response(502, b"").to_string(),
            "Salesforce sent an answer that cannot be read (502): an empty body"
        );
    }
}
