//! The log of the requests a strictness rule refused (`strict.rs`, `sandbox/RULES.md`): one per
//! org, the latest [`REFUSALS_CAP`], and the logs of the orgs this process serves by base URL
//! ([`refusals_at`]), for harnesses that reach an org only by its URL.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use axum::http::Method;
use serde::Serialize;

use crate::error::ApiError;

/// One refused request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The rule's name.
    pub rule: String,
    /// The request's method.
    pub method: String,
    /// The request's path and query (the first 2,000 characters).
    pub url: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The `errorCode` answered (empty when none).
    pub error_code: String,
    /// The message answered.
    pub message: String,
}

/// How many refusals an org keeps (the oldest go first).
pub const REFUSALS_CAP: usize = 1_000;

/// The refusals of one org, oldest first.
#[derive(Debug, Default)]
pub struct Refusals(Mutex<VecDeque<Refusal>>);

impl Refusals {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Refusal>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers one refusal.
    pub fn push(&self, refusal: Refusal) {
        tracing::info!(rule = %refusal.rule, method = %refusal.method, url = %refusal.url, "refused by a strictness rule");
        let mut log = self.lock();
        if log.len() == REFUSALS_CAP {
            log.pop_front();
        }
        log.push_back(refusal);
    }

    /// Remembers that `rule` refused `method url` with `error`.
    pub fn refuse(&self, method: &Method, url: &str, error: &ApiError, rule: &'static str) {
        self.push(Refusal {
            rule: rule.into(),
            method: method.to_string(),
            url: url.chars().take(2_000).collect(),
            status: error.status.as_u16(),
            error_code: error.code.into(),
            message: error.message.clone(),
        });
    }

    /// Every refusal kept, oldest first.
    pub fn list(&self) -> Vec<Refusal> {
        self.lock().iter().cloned().collect()
    }

    /// Forgets them.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// The refusal logs of the orgs this process serves, by base URL (weak: an org that is gone and
/// whose log nobody holds is dropped from the list).
static LIVE: Mutex<Vec<(String, Weak<Refusals>)>> = Mutex::new(Vec::new());

/// Lists `log` under the org's `base_url` and, when it differs (split hosts), its `login_url`,
/// for [`refusals_at`].
pub fn register(log: &Arc<Refusals>, base_url: &str, login_url: &str) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|(_, log)| log.strong_count() > 0);
    live.push((base_url.to_owned(), Arc::downgrade(log)));
    if login_url != base_url {
        // Split hosts: a harness may know the org by either URL.
        live.push((login_url.to_owned(), Arc::downgrade(log)));
    }
}

/// The refusal log of the org at `base_url` (`http://127.0.0.1:41234`) served by this process:
/// for test harnesses that run the org inside another server (the proxy's embedded org) and
/// can reach it only by its URL. Holding the log keeps it readable after the org stops.
pub fn refusals_at(base_url: &str) -> Option<Arc<Refusals>> {
    let base_url = base_url.trim_end_matches('/');
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(url, _)| url == base_url)
        .and_then(|(_, log)| log.upgrade())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_kept_latest_first_out() {
        let log = Refusals::default();
        let error = ApiError::query("MALFORMED_QUERY", "m");
        for i in 0..REFUSALS_CAP + 3 {
            log.refuse(&Method::GET, &format!("/q{i}"), &error, "r");
        }
        let list = log.list();
        assert_eq!(list.len(), REFUSALS_CAP);
        assert_eq!(list[0].url, "/q3");
        log.clear();
        assert!(log.list().is_empty());
    }
}
