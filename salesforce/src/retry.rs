//! Whether to try a failed call again: a pure function of what happened and the attempt.

use std::time::Duration;

use crate::Error;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait, then try again.
    Retry(Duration),
    /// Refresh the access token, then try again at once.
    RefreshThenRetry,
    /// The error is final.
    GiveUp,
}

/// How many attempts a call gets in all.
pub const MAX_ATTEMPTS: u32 = 3;

const BASE_DELAY_MS: u64 = 200;

/// Decides after attempt `attempt` (0-based) failed with `error`. `jitter` in `[0, 1)` spreads
/// the waits (exponential backoff, up to half again as long).
///
/// Retryable: no answer (transport), 5xx, malformed answers to GETs' 5xx... (server trouble),
/// `UNABLE_TO_LOCK_ROW`, `SERVER_UNAVAILABLE`. An expired session refreshes once. Final:
/// every other 4xx, `REQUEST_LIMIT_EXCEEDED` (the quota is spent: retrying only spends more),
/// OAuth refusals, SOAP faults other than an expired session.
pub fn decide(error: &Error, attempt: u32, jitter: f64) -> Decision {
    let backoff = || {
        let base = BASE_DELAY_MS.saturating_mul(1 << attempt.min(10));
        // jitter is in [0, 1): at most half the base again.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "small positive milliseconds"
        )]
        let extra = (base as f64 * 0.5 * jitter.clamp(0.0, 1.0)) as u64;
        Decision::Retry(Duration::from_millis(base + extra))
    };
    let last = attempt + 1 >= MAX_ATTEMPTS;
    match error {
        Error::Api { status: 401, .. } | Error::Fault { .. }
            if error.code() == Some("INVALID_SESSION_ID") =>
        {
            if attempt == 0 {
                Decision::RefreshThenRetry
            } else {
                Decision::GiveUp
            }
        }
        _ if last => Decision::GiveUp,
        Error::Transport(_) => backoff(),
        Error::Api { status, .. } | Error::Malformed { status, .. } if *status >= 500 => backoff(),
        Error::Api { .. }
            if matches!(
                error.code(),
                Some("UNABLE_TO_LOCK_ROW" | "SERVER_UNAVAILABLE")
            ) =>
        {
            backoff()
        }
        _ => Decision::GiveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiErrorItem;

    fn api(status: u16, code: &str) -> Error {
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

    #[test]
    fn decisions() {
        let ms = |n| Decision::Retry(Duration::from_millis(n));
        let cases: Vec<(&str, Error, u32, f64, Decision)> = vec![
            (
                "expired session, first time",
                api(401, "INVALID_SESSION_ID"),
                0,
                0.0,
                Decision::RefreshThenRetry,
            ),
            (
                "expired session again",
                api(401, "INVALID_SESSION_ID"),
                1,
                0.0,
                Decision::GiveUp,
            ),
            (
                "SOAP expired session",
                Error::Fault {
                    code: "INVALID_SESSION_ID".into(),
                    message: String::new(),
                },
                0,
                0.0,
                Decision::RefreshThenRetry,
            ),
            ("503", api(503, "SERVER_UNAVAILABLE"), 0, 0.0, ms(200)),
            (
                "503 with jitter",
                api(503, "SERVER_UNAVAILABLE"),
                0,
                0.5,
                ms(250),
            ),
            (
                "503 second attempt",
                api(503, "SERVER_UNAVAILABLE"),
                1,
                0.0,
                ms(400),
            ),
            (
                "503 last attempt",
                api(503, "SERVER_UNAVAILABLE"),
                2,
                0.0,
                Decision::GiveUp,
            ),
            (
                "dropped connection",
                Error::Transport("reset".into()),
                0,
                0.99,
                ms(299),
            ),
            (
                "malformed 502",
                Error::Malformed {
                    status: 502,
                    detail: String::new(),
                },
                0,
                0.0,
                ms(200),
            ),
            (
                "malformed 200",
                Error::Malformed {
                    status: 200,
                    detail: String::new(),
                },
                0,
                0.0,
                Decision::GiveUp,
            ),
            ("row lock", api(400, "UNABLE_TO_LOCK_ROW"), 0, 0.0, ms(200)),
            (
                "quota spent",
                api(403, "REQUEST_LIMIT_EXCEEDED"),
                0,
                0.0,
                Decision::GiveUp,
            ),
            (
                "validation",
                api(400, "REQUIRED_FIELD_MISSING"),
                0,
                0.0,
                Decision::GiveUp,
            ),
            ("not found", api(404, "NOT_FOUND"), 0, 0.0, Decision::GiveUp),
            (
                "bad refresh token",
                Error::OAuth {
                    status: 400,
                    error: "invalid_grant".into(),
                    description: String::new(),
                },
                0,
                0.0,
                Decision::GiveUp,
            ),
            (
                "other fault",
                Error::Fault {
                    code: "INVALID_FIELD".into(),
                    message: String::new(),
                },
                0,
                0.0,
                Decision::GiveUp,
            ),
        ];
        for (name, error, attempt, jitter, expected) in cases {
            assert_eq!(decide(&error, attempt, jitter), expected, "{name}");
        }
    }
}
