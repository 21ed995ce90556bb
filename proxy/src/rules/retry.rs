//! What a failed rule job does next, as a pure decision: transient failures are retried with
//! exponential backoff and jitter (a spent quota waits for it to return, however long), and
//! permanent ones go to the dead letters with their reason.

use pane_salesforce::Error;

/// How many attempts a job gets for transient failures before it is dead.
pub const MAX_ATTEMPTS: i64 = 8;
/// The first retry's delay.
pub const BASE_DELAY_MS: i64 = 2_000;
/// The longest delay between attempts.
pub const MAX_DELAY_MS: i64 = 10 * 60 * 1000;
/// How long a spent quota is waited on before trying again.
pub const QUOTA_WAIT_MS: i64 = 15 * 60 * 1000;

/// What happens to a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again after this many ms.
    Retry(i64),
    /// Give up.
    Dead,
}

/// The delay before attempt `attempts + 1`, jitter in `[0, 1)` spreading it by ±20 %.
pub fn backoff(attempts: i64, jitter: f64) -> i64 {
    let exp = BASE_DELAY_MS.saturating_mul(1_i64 << attempts.clamp(1, 20).saturating_sub(1));
    let capped = exp.min(MAX_DELAY_MS);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_precision_loss,
        reason = "delays in ms"
    )]
    let spread = (capped as f64 * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))) as i64;
    spread.max(1)
}

/// After `attempts` attempts failed with `error`.
pub fn decide(error: &Error, attempts: i64, jitter: f64) -> Next {
    let transient = match error {
        // A certificate not trusted waits for the proxy's configuration to be fixed.
        Error::Transport(_) | Error::Unreachable(_) | Error::Untrusted { .. } => true,
        Error::Malformed { status, .. } => *status >= 500,
        Error::Api { status, errors } => {
            let code = errors.first().map_or("", |e| e.error_code.as_str());
            if code == "REQUEST_LIMIT_EXCEEDED" {
                return Next::Retry(QUOTA_WAIT_MS);
            }
            *status >= 500
                || *status == 429
                || matches!(
                    code,
                    "UNABLE_TO_LOCK_ROW" | "INVALID_SESSION_ID" | "SERVER_UNAVAILABLE"
                )
        }
        Error::OAuth { status, .. } => *status >= 500,
        Error::Fault { code, .. } => {
            matches!(code.as_str(), "INVALID_SESSION_ID" | "SERVER_UNAVAILABLE")
        }
    };
    if transient && attempts < MAX_ATTEMPTS {
        Next::Retry(backoff(attempts, jitter))
    } else {
        Next::Dead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pane_salesforce::error::api;

    #[test]
    fn transient_failures_are_retried_and_the_rest_are_dead() {
        let cases = [
            (
                "dropped connection",
                Error::Transport("reset".into()),
                1,
                Next::Retry(2_000),
            ),
            ("503", api(503, "SERVER_UNAVAILABLE"), 2, Next::Retry(4_000)),
            (
                "a certificate not trusted, until the configuration is fixed",
                Error::Untrusted {
                    origin: "https://login.example".into(),
                    why: "unknown issuer".into(),
                },
                1,
                Next::Retry(2_000),
            ),
            (
                "quota, early",
                api(403, "REQUEST_LIMIT_EXCEEDED"),
                1,
                Next::Retry(QUOTA_WAIT_MS),
            ),
            (
                "quota, however late",
                api(403, "REQUEST_LIMIT_EXCEEDED"),
                50,
                Next::Retry(QUOTA_WAIT_MS),
            ),
            (
                "expired after the refresh",
                api(401, "INVALID_SESSION_ID"),
                1,
                Next::Retry(2_000),
            ),
            (
                "row lock",
                api(400, "UNABLE_TO_LOCK_ROW"),
                3,
                Next::Retry(8_000),
            ),
            (
                "malformed 502",
                Error::Malformed {
                    status: 502,
                    detail: "html".into(),
                },
                1,
                Next::Retry(2_000),
            ),
            (
                "validation",
                api(400, "REQUIRED_FIELD_MISSING"),
                1,
                Next::Dead,
            ),
            ("no such field", api(400, "INVALID_FIELD"), 1, Next::Dead),
            (
                "refresh token revoked",
                Error::OAuth {
                    status: 400,
                    error: "invalid_grant".into(),
                    description: String::new(),
                },
                1,
                Next::Dead,
            ),
            (
                "transient, too often",
                api(503, "SERVER_UNAVAILABLE"),
                MAX_ATTEMPTS,
                Next::Dead,
            ),
        ];
        for (name, error, attempts, want) in cases {
            assert_eq!(decide(&error, attempts, 0.5), want, "{name}");
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_spread() {
        assert_eq!(backoff(1, 0.5), 2_000);
        assert_eq!(backoff(4, 0.5), 16_000);
        assert_eq!(backoff(30, 0.5), MAX_DELAY_MS);
        assert_eq!(backoff(1, 0.0), 1_600);
        assert_eq!(backoff(1, 1.0), 2_400);
    }
}
