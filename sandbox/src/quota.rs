//! The org's daily API allowance, counted the way Salesforce counts it, and a log of the
//! counted requests (the latest [`LOG_CAP`], with totals per client) so tests can assert what a
//! scenario cost.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// One counted request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// The connected app's client id.
    pub client_id: String,
    /// Method.
    pub method: String,
    /// Path (no query string).
    pub path: String,
    /// It asked `If-Modified-Since` (a revalidation).
    #[serde(default)]
    pub revalidation: bool,
    /// The caller's `X-Request-Id`, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// How many requests the log keeps (the oldest go first): a long-running org must not grow.
pub const LOG_CAP: usize = 10_000;

#[derive(Debug, Default)]
struct Log {
    recent: VecDeque<LoggedRequest>,
    total: u64,
    per_client: HashMap<String, u64>,
}

/// The allowance and its use.
#[derive(Debug)]
pub struct Quota {
    max: AtomicU64,
    used: AtomicU64,
    /// The UTC day (days since the epoch) the usage counts for; a new day starts afresh.
    day: AtomicU64,
    log: Mutex<Log>,
}

fn today() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs / 86_400
}

impl Quota {
    /// An allowance of `max` requests a day.
    pub fn new(max: u64) -> Quota {
        Quota {
            max: AtomicU64::new(max),
            used: AtomicU64::new(0),
            day: AtomicU64::new(today()),
            log: Mutex::new(Log::default()),
        }
    }

    /// Counts one request; `false` when the allowance is spent (then nothing is counted).
    pub fn take(&self, request: LoggedRequest) -> bool {
        self.roll_over(today());
        let max = self.max.load(Ordering::SeqCst);
        let taken = self
            .used
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
                (used < max).then_some(used + 1)
            })
            .is_ok();
        if taken {
            let mut log = self.log_lock();
            log.total += 1;
            *log.per_client.entry(request.client_id.clone()).or_insert(0) += 1;
            if log.recent.len() == LOG_CAP {
                log.recent.pop_front();
            }
            log.recent.push_back(request);
        }
        taken
    }

    /// Starts the allowance afresh when `day` is a later day than the one counted.
    pub fn roll_over(&self, day: u64) {
        let counted = self.day.load(Ordering::SeqCst);
        if day > counted
            && self
                .day
                .compare_exchange(counted, day, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            self.used.store(0, Ordering::SeqCst);
        }
    }

    /// `(used, max)`.
    pub fn usage(&self) -> (u64, u64) {
        (
            self.used.load(Ordering::SeqCst),
            self.max.load(Ordering::SeqCst),
        )
    }

    /// Sets the allowance and, when given, what is used of it.
    pub fn set(&self, max: u64, used: Option<u64>) {
        self.max.store(max, Ordering::SeqCst);
        if let Some(used) = used {
            self.used.store(used, Ordering::SeqCst);
        }
    }

    fn log_lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The latest counted requests (at most [`LOG_CAP`]), oldest first.
    pub fn log(&self) -> Vec<LoggedRequest> {
        self.log_lock().recent.iter().cloned().collect()
    }

    /// Every request counted since the log was last cleared.
    pub fn count(&self) -> u64 {
        self.log_lock().total
    }

    /// Counted requests per client id, since the log was last cleared.
    pub fn per_client(&self) -> HashMap<String, u64> {
        self.log_lock().per_client.clone()
    }

    /// Forgets the log (the usage stays).
    pub fn clear_log(&self) {
        *self.log_lock() = Log::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(client: &str) -> LoggedRequest {
        LoggedRequest {
            client_id: client.into(),
            method: "GET".into(),
            path: "/services/data/v59.0/limits".into(),
            revalidation: false,
            request_id: None,
        }
    }

    #[test]
    fn counts_until_spent() {
        let quota = Quota::new(2);
        assert!(quota.take(req("a")));
        assert!(quota.take(req("b")));
        assert!(!quota.take(req("a")));
        assert_eq!(quota.usage(), (2, 2));
        assert_eq!(quota.per_client()["a"], 1);
        quota.set(10, Some(0));
        assert!(quota.take(req("a")));
        assert_eq!(quota.log().len(), 3);
        quota.clear_log();
        assert!(quota.log().is_empty());
    }

    #[test]
    fn the_log_keeps_the_latest_and_counts_them_all() {
        let quota = Quota::new(u64::MAX);
        for _ in 0..LOG_CAP + 5 {
            assert!(quota.take(req("a")));
        }
        assert!(quota.take(req("b")));
        assert_eq!(quota.log().len(), LOG_CAP);
        assert_eq!(quota.log().last().map(|r| r.client_id.as_str()), Some("b"));
        assert_eq!(quota.count(), LOG_CAP as u64 + 6);
        assert_eq!(quota.per_client()["a"], LOG_CAP as u64 + 5);
        quota.clear_log();
        assert_eq!(quota.count(), 0);
        assert!(quota.per_client().is_empty());
    }

    #[test]
    fn a_new_day_starts_afresh() {
        let quota = Quota::new(1);
        assert!(quota.take(req("a")));
        assert!(!quota.take(req("a")));
        quota.roll_over(today());
        assert!(!quota.take(req("a")), "same day, still spent");
        quota.roll_over(today() + 1);
        assert_eq!(quota.usage(), (0, 1));
        quota.day.store(today(), Ordering::SeqCst);
        assert!(quota.take(req("a")));
    }
}
