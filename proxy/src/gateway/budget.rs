//! The API quota budget: how much of the org's daily Salesforce allowance this integration
//! may spend, and what stops first as it runs out. [`budget`] is the pure decision;
//! [`Quota`] counts every request the proxy makes (in the database, so replicas share it).

use pane_wire::api::Budget;

use crate::ProxyError;
use crate::clock::now_secs as now;
use crate::store::{DayUsage, Db};

/// Below this share of the integration's allowance left, rule work waits for the reset.
pub const RULES_PAUSE_PERCENT: u64 = 20;
/// Below this share left (the last reserve), the panel is served from cache alone.
pub const RESERVE_PERCENT: u64 = 5;

/// The requests this integration may still make today: what is left of its share, and never
/// more than the org has left. `None` until Salesforce reported the org's allowance.
pub fn remaining(usage: DayUsage, share_percent: u8) -> Option<u64> {
    if usage.org_max == 0 {
        return None;
    }
    let allowance = usage.org_max * u64::from(share_percent.min(100)) / 100;
    Some(
        allowance
            .saturating_sub(usage.requests)
            .min(usage.org_max.saturating_sub(usage.org_used)),
    )
}

/// What runs, given today's usage and the admin's share.
pub fn budget(usage: DayUsage, share_percent: u8) -> Budget {
    let Some(left) = remaining(usage, share_percent) else {
        return Budget::Normal;
    };
    let allowance = usage.org_max * u64::from(share_percent.min(100)) / 100;
    if left == 0 || left * 100 <= allowance * RESERVE_PERCENT {
        Budget::CacheOnly
    } else if left * 100 <= allowance * RULES_PAUSE_PERCENT {
        Budget::RulesPaused
    } else {
        Budget::Normal
    }
}

/// Whether a proxy at its last reserve may make one request anyway, to learn the org's usage
/// again: Salesforce's allowance is a rolling window, and a figure older than `probe_ms` may
/// be stale (others' usage ages out, an admin raises the allowance).
pub fn may_probe(usage: DayUsage, now_ms: i64, probe_ms: i64) -> bool {
    now_ms.saturating_sub(usage.reported_at) >= probe_ms
}

/// A UTC day, `YYYY-MM-DD`, from seconds since the epoch (the day the org's usage is kept
/// under, and a Task's `ActivityDate`).
pub fn utc_day(epoch_secs: i64) -> String {
    pane_salesforce::soql::utc_date(epoch_secs)
}

/// Counting and checking the org's spend.
#[derive(Debug, Clone, Copy)]
pub struct Quota;

impl Quota {
    /// Today's usage for `org_id`.
    pub async fn today(db: &Db, org_id: &str) -> Result<DayUsage, ProxyError> {
        db.usage(org_id, &utc_day(now())).await
    }

    /// Counts one request made for `org_id`, with the usage Salesforce reported on it.
    pub async fn count(
        db: &Db,
        org_id: &str,
        reported: Option<pane_salesforce::usage::Usage>,
    ) -> Result<(), ProxyError> {
        db.add_usage(
            org_id,
            &utc_day(now()),
            1,
            reported.map(|u| (u.used, u.max)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(requests: u64, org_used: u64, org_max: u64) -> DayUsage {
        DayUsage {
            requests,
            org_used,
            org_max,
            reported_at: 0,
        }
    }

    #[test]
    fn a_stale_reserve_is_probed() {
        let at = |reported_at| DayUsage {
            reported_at,
            ..day(10, 10, 10)
        };
        assert!(
            !may_probe(at(1_000), 1_000 + 59_999, 60_000),
            "fresh: trust it"
        );
        assert!(
            may_probe(at(1_000), 1_000 + 60_000, 60_000),
            "a minute old: ask again"
        );
        assert!(may_probe(at(1_000), 1_000, 0), "probing every time");
    }

    #[test]
    fn budget_table() {
        let cases = [
            // (requests by us, org used, org max, share %) -> budget
            ((0, 0, 0, 50), Budget::Normal), // never reported: nothing to go by
            ((0, 100, 15_000, 50), Budget::Normal),
            ((5_000, 5_100, 15_000, 50), Budget::Normal), // 2,500 of 7,500 left: 33 %
            ((6_000, 6_100, 15_000, 50), Budget::RulesPaused), // 1,500 left: 20 %
            ((7_125, 7_200, 15_000, 50), Budget::CacheOnly), // 375 left: 5 %
            ((7_500, 7_500, 15_000, 50), Budget::CacheOnly), // share spent
            ((10, 14_990, 15_000, 50), Budget::CacheOnly), // others spent the org's allowance
            ((10, 14_000, 15_000, 50), Budget::RulesPaused), // 1,000 left in the org
            ((0, 0, 15_000, 0), Budget::CacheOnly),       // a share of nothing
            ((14_000, 14_000, 15_000, 100), Budget::RulesPaused),
            ((14_999, 14_999, 15_000, 200), Budget::CacheOnly), // a share over 100 % is 100 %
        ];
        for ((requests, used, max, share), want) in cases {
            assert_eq!(
                budget(day(requests, used, max), share),
                want,
                "{requests} by us, {used}/{max} in the org, share {share} %"
            );
        }
    }

    #[test]
    fn remaining_is_the_smaller_of_share_and_org() {
        assert_eq!(remaining(day(0, 0, 0), 50), None);
        assert_eq!(remaining(day(100, 200, 1000), 50), Some(400));
        assert_eq!(remaining(day(100, 900, 1000), 50), Some(100));
        assert_eq!(remaining(day(600, 600, 1000), 50), Some(0));
    }

    #[test]
    fn utc_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(951_782_400), "2000-02-29");
        assert_eq!(utc_day(1_795_996_800 - 1), "2026-11-29");
        assert_eq!(utc_day(1_795_996_800), "2026-11-30");
        assert_eq!(utc_day(-1), "1969-12-31");
    }
}
