//! Front's two webhook signatures, checked over the raw body before anything else:
//! application webhooks (base64 HMAC-SHA256 of `"<timestamp ms>:" + body`, with a 5-minute
//! replay window) and rule webhooks (base64 HMAC-SHA1 of the body). Constant-time comparisons.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};

/// How old an application webhook's timestamp may be.
pub const REPLAY_WINDOW_MS: i64 = 5 * 60 * 1000;

/// Why a webhook is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature header.
    Missing,
    /// The signature does not match.
    Wrong,
    /// The timestamp is not a number, or outside the replay window.
    Stale,
}

impl Refusal {
    /// What the sender is told.
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => "the webhook is not signed",
            Refusal::Wrong => "the webhook's signature does not match",
            Refusal::Stale => "the webhook's timestamp is missing or older than 5 minutes",
        }
    }
}

fn decode(signature: &str) -> Result<Vec<u8>, Refusal> {
    STANDARD
        .decode(signature.trim())
        .map_err(|_| Refusal::Wrong)
}

/// Checks an application webhook: `timestamp` (ms) within the window of `now_ms`, and the
/// signature over `"<timestamp>:" + body`.
pub fn verify_application(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let stamp = timestamp.ok_or(Refusal::Stale)?.trim();
    let millis: i64 = stamp.parse().map_err(|_| Refusal::Stale)?;
    if (now_ms - millis).abs() > REPLAY_WINDOW_MS {
        return Err(Refusal::Stale);
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).map_err(|_| Refusal::Wrong)?;
    mac.update(stamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| Refusal::Wrong)
}

/// Checks a rule webhook: the signature over the body.
pub fn verify_rule(secret: &[u8], signature: Option<&str>, body: &[u8]) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::Missing)?;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).map_err(|_| Refusal::Wrong)?;
    mac.update(body);
    mac.verify_slice(&decode(signature)?)
        .map_err(|_| Refusal::Wrong)
}

/// Signs like Front: an application webhook's signature (tests and the dev inbox's rules).
pub fn sign_application(secret: &[u8], timestamp_ms: i64, body: &[u8]) -> String {
    // Any key length is accepted by HMAC.
    #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(format!("{timestamp_ms}:").as_bytes());
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs like Front: a rule webhook's signature.
pub fn sign_rule(secret: &[u8], body: &[u8]) -> String {
    #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("any key length");
    mac.update(body);
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;

    #[test]
    fn application_webhooks() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign_application(b"app-secret", NOW - 1000, body);
        let stamp = (NOW - 1000).to_string();
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            &'a [u8],
            Result<(), Refusal>,
        );
        let cases: Vec<Case<'_>> = vec![
            ("good", Some(&stamp), Some(&good), body, Ok(())),
            (
                "no signature",
                Some(&stamp),
                None,
                body,
                Err(Refusal::Missing),
            ),
            ("no timestamp", None, Some(&good), body, Err(Refusal::Stale)),
            (
                "not base64",
                Some(&stamp),
                Some("%%%"),
                body,
                Err(Refusal::Wrong),
            ),
            (
                "other body",
                Some(&stamp),
                Some(&good),
                br#"{"id":"evt_2"}"#,
                Err(Refusal::Wrong),
            ),
            (
                "other timestamp",
                Some("1795000000001"),
                Some(&good),
                body,
                Err(Refusal::Wrong),
            ),
        ];
        for (name, ts, sig, body, want) in cases {
            assert_eq!(
                verify_application(b"app-secret", ts, sig, body, NOW),
                want,
                "{name}"
            );
        }
        let old = sign_application(b"app-secret", NOW - REPLAY_WINDOW_MS - 1, body);
        let old_stamp = (NOW - REPLAY_WINDOW_MS - 1).to_string();
        assert_eq!(
            verify_application(b"app-secret", Some(&old_stamp), Some(&old), body, NOW),
            Err(Refusal::Stale),
            "a replay after 5 minutes"
        );
        assert_eq!(
            verify_application(b"other-secret", Some(&stamp), Some(&good), body, NOW),
            Err(Refusal::Wrong)
        );
    }

    #[test]
    fn rule_webhooks() {
        let body = br#"{"id":"evt_1"}"#;
        let good = sign_rule(b"api-secret", body);
        assert_eq!(verify_rule(b"api-secret", Some(&good), body), Ok(()));
        assert_eq!(
            verify_rule(b"api-secret", None, body),
            Err(Refusal::Missing)
        );
        assert_eq!(
            verify_rule(b"api-secret", Some(&good), b"{}"),
            Err(Refusal::Wrong)
        );
        assert_eq!(
            verify_rule(b"other", Some(&good), body),
            Err(Refusal::Wrong)
        );
        // A known vector: HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog").
        assert_eq!(
            sign_rule(b"key", b"The quick brown fox jumps over the lazy dog"),
            "3nybhbi3iqa8ino29wqQcBydtNk="
        );
    }
}
