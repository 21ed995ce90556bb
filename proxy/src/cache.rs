//! What the proxy keeps of Salesforce's answers for the features: panels (also served stale
//! at the quota's last reserve), describes and converted Lead statuses; and forgetting them
//! when a write, a settings change or an unlink makes them wrong.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pane_wire::api::{ObjectSpec, PanelData};

/// How long a panel is kept for the quota's last reserve.
pub const STALE_TTL: Duration = Duration::from_secs(24 * 3600);

/// A panel and when it was read from Salesforce.
#[derive(Debug, Clone)]
pub struct CachedPanel {
    /// The panel.
    pub data: Arc<PanelData>,
    /// When it was read.
    pub at: Instant,
}

/// A describe and its `Last-Modified`, per org, user and object.
#[derive(Debug, Clone)]
pub struct CachedDescribe {
    /// The trimmed describe.
    pub spec: Arc<ObjectSpec>,
    /// Salesforce's `Last-Modified`, for revalidation.
    pub last_modified: Option<String>,
    /// When it was last checked.
    pub checked: Instant,
}

/// The panel cache, describes and converted Lead statuses.
#[derive(Debug, Clone)]
pub struct PanelCache {
    /// How long a panel is served from cache.
    pub fresh_for: Duration,
    /// How long a describe is used before it is revalidated.
    pub describe_fresh_for: Duration,
    /// Panels, by `(org, user, handle key)`.
    pub panels: moka::sync::Cache<(String, String, String), CachedPanel>,
    /// Describes, by `(org, user, object)`.
    pub describes: moka::sync::Cache<(String, String, String), CachedDescribe>,
    /// Converted Lead statuses, by org.
    pub converted_statuses: moka::sync::Cache<String, Vec<String>>,
}

impl PanelCache {
    /// Caches serving panels for `fresh_for` and describes for `describe_fresh_for`.
    pub fn new(fresh_for: Duration, describe_fresh_for: Duration) -> Self {
        PanelCache {
            fresh_for,
            describe_fresh_for,
            panels: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(STALE_TTL)
                .build(),
            describes: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_idle(Duration::from_secs(24 * 3600))
                .build(),
            converted_statuses: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
        }
    }
}

impl PanelCache {
    /// Forgets every cached panel of an org (after a write through the proxy: every agent
    /// of the org may show that record). Kept for the last reserve, but never fresh again.
    pub fn forget_org(&self, org_id: &str) {
        self.age_out(|key| key.0 == org_id);
    }

    fn age_out(&self, matches: impl Fn(&(String, String, String)) -> bool) {
        // A scan of the keys: exact, and cheap next to a Salesforce request.
        for (key, cached) in self.panels.iter() {
            if matches(&key) {
                let old = Instant::now()
                    .checked_sub(self.fresh_for)
                    .unwrap_or(cached.at)
                    .min(cached.at);
                self.panels.insert(
                    key.as_ref().clone(),
                    CachedPanel {
                        data: cached.data.clone(),
                        at: old,
                    },
                );
            }
        }
    }

    /// Forgets an agent's cached panels (their layout changed).
    pub fn forget_panels_of(&self, user_id: &str) {
        self.age_out(|key| key.1 == user_id);
    }

    /// Forgets every panel and describe cached for `user_id` (after an unlink).
    pub fn forget_user(&self, user_id: &str) {
        for (key, _) in self.panels.iter() {
            if key.1 == user_id {
                self.panels.invalidate(key.as_ref());
            }
        }
        for (key, _) in self.describes.iter() {
            if key.1 == user_id {
                self.describes.invalidate(key.as_ref());
            }
        }
    }
}
