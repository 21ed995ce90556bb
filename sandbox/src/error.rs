//! Salesforce's REST error answers: a status and `[{message, errorCode, fields}]`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One REST error answer, worded and coded as Salesforce does.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `errorCode`.
    pub code: &'static str,
    /// `message`.
    pub message: String,
    /// `fields`, when the error is about fields.
    pub fields: Option<Vec<String>>,
    /// Extra keys of the error object (`duplicateResult`).
    pub extra: Option<Box<Value>>,
    /// The strictness rule that refused the request, when one did (see [`crate::strict`]):
    /// the answer carries it so the org can remember what it refused.
    pub rule: Option<&'static str>,
}

impl ApiError {
    /// An error without fields.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: None,
            extra: None,
            rule: None,
        }
    }

    /// The same error, marked as the refusal of the strictness rule `rule`.
    #[must_use]
    pub fn rule(mut self, rule: &'static str) -> ApiError {
        self.rule = Some(rule);
        self
    }

    /// A 400 about `fields`.
    pub fn fields(code: &'static str, message: impl Into<String>, fields: Vec<String>) -> ApiError {
        ApiError {
            fields: Some(fields),
            ..ApiError::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    /// 404 `NOT_FOUND`: the requested resource does not exist.
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 404 `ENTITY_IS_DELETED`.
    pub fn deleted() -> ApiError {
        ApiError {
            fields: Some(vec![]),
            ..ApiError::new(
                StatusCode::NOT_FOUND,
                "ENTITY_IS_DELETED",
                "entity is deleted",
            )
        }
    }

    /// 401 `INVALID_SESSION_ID`.
    pub fn session() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 400 `MALFORMED_QUERY` / `INVALID_FIELD`... for a query.
    pub fn query(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The error object inside the array.
    pub fn body_item(&self) -> Value {
        let mut item = json!({"message": self.message, "errorCode": self.code});
        if let (Some(fields), Some(map)) = (&self.fields, item.as_object_mut()) {
            map.insert("fields".into(), json!(fields));
        }
        if let (Some(extra), Some(map)) = (&self.extra, item.as_object_mut())
            && let Value::Object(extra) = extra.as_ref()
        {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        item
    }
}

/// On a response: the rule that refused the request.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The rule's name (`composite.max-subrequests`...).
    pub rule: &'static str,
    /// The `errorCode` answered (empty when the answer has no error body).
    pub code: &'static str,
    /// The message answered.
    pub message: String,
}

/// A storage failure, answered as Salesforce's 500.
pub fn storage(err: crate::SandboxError) -> ApiError {
    tracing::error!(%err, "sandbox org storage failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support.",
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(Value::Array(vec![self.body_item()]))).into_response();
        if let Some(rule) = self.rule {
            response.extensions_mut().insert(Refused {
                rule,
                code: self.code,
                message: self.message,
            });
        }
        response
    }
}
