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

/// Whether a request may be sent again when its outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads, updates, upserts, deletes: sending it twice does what sending it once does.
    Idempotent,
    /// Creates and conversions: sent twice, it may happen twice.
    Once,
}

/// How many attempts a call gets in all.
pub const MAX_ATTEMPTS: u32 = 3;

const BASE_DELAY_MS: u64 = 200;

/// Decides after attempt `attempt` (0-based) failed with `error`. `jitter` in `[0, 1)` spreads
/// the waits (exponential backoff, up to half again as long).
///
/// Retryable: a request that never left ([`Error::Unreachable`]); for idempotent requests, no
/// answer ([`Error::Transport`]), any 5xx and a malformed 5xx answer; for every request,
/// Salesforce's own word that nothing was done: 500 ("the request couldn't be completed"), 503
/// (`SERVER_UNAVAILABLE`), `UNABLE_TO_LOCK_ROW`
/// (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm>).
/// A request that must happen [`Safety::Once`] is never sent again once it may have reached
/// Salesforce (a reset or timeout after sending, a gateway's 502/504, an unreadable answer): its
/// caller looks for what it made instead. An expired session refreshes once. Final: every other
/// 4xx, `REQUEST_LIMIT_EXCEEDED` (the quota is spent: retrying only spends more), OAuth
/// refusals, SOAP faults other than an expired session.
pub fn decide(error: &Error, attempt: u32, jitter: f64, safety: Safety) -> Decision {
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
        Error::Unreachable(_) => backoff(),
        Error::Transport(_) if safety == Safety::Idempotent => backoff(),
        Error::Api { status, .. } | Error::Malformed { status, .. }
            if *status >= 500 && safety == Safety::Idempotent =>
        {
            backoff()
        }
        Error::Api {
            status: 500 | 503, ..
        } => backoff(),
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
    use crate::error::api;

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
            assert_eq!(
                decide(&error, attempt, jitter, Safety::Idempotent),
                expected,
                "{name}"
            );
        }
    }

    /// A create or a conversion is sent again only when Salesforce says nothing was done.
    #[test]
    fn what_must_happen_once_is_not_sent_again_once_it_may_have_arrived() {
        let ms = |n| Decision::Retry(Duration::from_millis(n));
        let malformed = |status| Error::Malformed {
            status,
            detail: String::new(),
        };
        let cases: Vec<(&str, Error, Decision, Decision)> = vec![
            (
                "reset or timeout after sending",
                Error::Transport("reset".into()),
                ms(200),
                Decision::GiveUp,
            ),
            (
                "never connected",
                Error::Unreachable("refused".into()),
                ms(200),
                ms(200),
            ),
            (
                "Salesforce: could not be completed",
                api(500, "UNKNOWN_EXCEPTION"),
                ms(200),
                ms(200),
            ),
            (
                "Salesforce: unavailable",
                api(503, "SERVER_UNAVAILABLE"),
                ms(200),
                ms(200),
            ),
            ("a gateway's 502", malformed(502), ms(200), Decision::GiveUp),
            (
                "a gateway's 504",
                api(504, "TIMEOUT"),
                ms(200),
                Decision::GiveUp,
            ),
            ("row lock", api(400, "UNABLE_TO_LOCK_ROW"), ms(200), ms(200)),
            (
                "a certificate not trusted",
                Error::Untrusted {
                    origin: "https://login.example".into(),
                    why: "unknown issuer".into(),
                },
                Decision::GiveUp,
                Decision::GiveUp,
            ),
            (
                "expired session",
                api(401, "INVALID_SESSION_ID"),
                Decision::RefreshThenRetry,
                Decision::RefreshThenRetry,
            ),
        ];
        for (name, error, idempotent, once) in cases {
            assert_eq!(
                decide(&error, 0, 0.0, Safety::Idempotent),
                idempotent,
                "{name}"
            );
            assert_eq!(decide(&error, 0, 0.0, Safety::Once), once, "{name}");
        }
    }
}
