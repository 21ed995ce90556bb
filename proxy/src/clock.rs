//! The proxy's one clock: the wall time, as the database and Salesforce count it.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch (0 before it).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Seconds since the epoch (0 before it).
pub fn now_secs() -> i64 {
    now_ms() / 1000
}
