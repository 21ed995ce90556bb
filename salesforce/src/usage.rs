//! API usage from `Sforce-Limit-Info: api-usage=N/M`, read on every answer.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// The org's API usage as last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Requests used in the last 24 hours.
    pub used: u64,
    /// The daily allowance.
    pub max: u64,
}

/// Reads the header's value (`api-usage=18/5000`, maybe with other parts).
pub fn parse(header: &str) -> Option<Usage> {
    let part = header
        .split([',', ';', ' '])
        .find_map(|p| p.trim().strip_prefix("api-usage="))?;
    let (used, max) = part.split_once('/')?;
    Some(Usage {
        used: used.trim().parse().ok()?,
        max: max.trim().parse().ok()?,
    })
}

/// The last usage seen, shared by every request.
#[derive(Debug, Default)]
pub struct UsageCell {
    used: AtomicU64,
    max: AtomicU64,
}

impl UsageCell {
    /// Records a header's usage.
    pub fn record(&self, usage: Usage) {
        self.used.store(usage.used, Ordering::Relaxed);
        self.max.store(usage.max, Ordering::Relaxed);
    }

    /// The last usage seen, if any.
    pub fn get(&self) -> Option<Usage> {
        let max = self.max.load(Ordering::Relaxed);
        (max > 0).then(|| Usage {
            used: self.used.load(Ordering::Relaxed),
            max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        assert_eq!(
            parse("api-usage=18/5000"),
            Some(Usage {
                used: 18,
                max: 5000
            })
        );
        assert_eq!(
            parse("api-usage=7/15000, per-app-api-usage=17/250(appName=x)"),
            Some(Usage {
                used: 7,
                max: 15000
            })
        );
        assert_eq!(parse("per-app-api-usage=17/250(appName=x)"), None);
        assert_eq!(parse("api-usage=x/5000"), None);
        let cell = UsageCell::default();
        assert_eq!(cell.get(), None);
        cell.record(Usage { used: 1, max: 2 });
        assert_eq!(cell.get(), Some(Usage { used: 1, max: 2 }));
    }
}
