//! What the proxy keeps of Salesforce's answers for the features: panels (also served stale
//! at the quota's last reserve), describes and converted Lead statuses; and forgetting them
//! when a write, a settings change or an unlink makes them wrong.
//!
//! Panels are kept in memory. On Postgres, where several replicas may share the database,
//! they are also kept in it ([`Db::shared_panel`]) so a sender seen through one replica costs
//! nothing through another, and every write through any replica bumps its org's cache
//! generation there: a panel, in memory or shared, is fresh only while it carries its org's
//! current generation, read with each panel request. So a write through one replica is seen
//! through every other at their next request, with nothing to deliver or miss in between.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pane_wire::api::{ObjectSpec, PanelData};

use crate::ProxyError;
use crate::clock::now_ms;
use crate::secrets::Sealer;
use crate::store::Db;
use crate::store::panel_cache::SharedPanel;

/// How long a panel is kept for the quota's last reserve.
pub const STALE_TTL: Duration = Duration::from_secs(24 * 3600);

/// A panel and when it was read from Salesforce.
#[derive(Debug, Clone)]
pub struct CachedPanel {
    /// The panel.
    pub data: Arc<PanelData>,
    /// When it was read.
    pub at: Instant,
    /// Its org's cache generation when the read began (0 without a shared database).
    pub generation: i64,
}

pub use crate::store::panel_cache::PanelKey;

/// Where a fresh panel came from: what `x-pane-cache` says, and what a hit counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// This replica's memory.
    Memory,
    /// The database replicas share: another replica (or this one, before a restart) read it.
    Shared,
}

impl Hit {
    /// The `x-pane-cache` header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Hit::Memory => "hit",
            Hit::Shared => "shared",
        }
    }
}

/// What the cache holds for a panel.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A fresh panel: served without asking Salesforce.
    Fresh(CachedPanel, Hit),
    /// Nothing fresh: read from Salesforce under `generation` (kept with what is read); `old`
    /// is what the quota's last reserve may serve.
    Miss {
        /// The org's cache generation now, before the read.
        generation: i64,
        /// The last panel read, however old.
        old: Option<CachedPanel>,
    },
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
    pub panels: moka::sync::Cache<PanelKey, CachedPanel>,
    /// Describes, by `(org, user, object)`.
    pub describes: moka::sync::Cache<(String, String, String), CachedDescribe>,
    /// Converted Lead statuses, by org.
    pub converted_statuses: moka::sync::Cache<String, Vec<String>>,
    /// The database replicas share, when they may (Postgres): panels and generations.
    shared: Option<Shared>,
}

/// Where replicas' panels meet: the database, and the key panels are sealed with there (they
/// hold the org's records; every replica has the same key).
#[derive(Debug, Clone)]
struct Shared {
    db: Db,
    sealer: Arc<Sealer>,
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
            shared: None,
        }
    }

    /// These caches, agreeing with other replicas through `db` when it may be shared
    /// ([`Db::is_shared`]), the panels stored there sealed by `sealer`; unchanged on a
    /// database of one process.
    pub fn shared_through(mut self, db: &Db, sealer: &Arc<Sealer>) -> Self {
        self.shared = db.is_shared().then(|| Shared {
            db: db.clone(),
            sealer: sealer.clone(),
        });
        self
    }

    /// Whether these caches agree with other replicas through a shared database.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// What is cached for `key`: a fresh panel from memory, else from the shared database,
    /// else a miss with the last panel read.
    pub async fn lookup(&self, key: &PanelKey) -> Result<Lookup, ProxyError> {
        let generation = match &self.shared {
            Some(shared) => shared.db.cache_generation(&key.0).await?,
            None => 0,
        };
        let fresh =
            |c: &CachedPanel| is_fresh(c.at.elapsed(), self.fresh_for, c.generation, generation);
        let in_memory = self.panels.get(key);
        if let Some(hit) = in_memory.as_ref().filter(|c| fresh(c)) {
            return Ok(Lookup::Fresh(hit.clone(), Hit::Memory));
        }
        let Some(shared) = &self.shared else {
            return Ok(Lookup::Miss {
                generation,
                old: in_memory,
            });
        };
        let stored = shared
            .db
            .shared_panel(key)
            .await?
            .and_then(|row| from_shared(&row, &shared.sealer));
        if let Some(hit) = stored.as_ref().filter(|c| fresh(c)) {
            self.panels.insert(key.clone(), hit.clone());
            return Ok(Lookup::Fresh(hit.clone(), Hit::Shared));
        }
        // The later of the two for the last reserve.
        let old = match (in_memory, stored) {
            (Some(m), Some(s)) => Some(if s.at > m.at { s } else { m }),
            (m, s) => m.or(s),
        };
        Ok(Lookup::Miss { generation, old })
    }

    /// Keeps a panel just read from Salesforce under `generation` (what [`Lookup::Miss`]
    /// said), in memory and, when shared, in the database. A failure to share it is logged:
    /// the panel was read, and the next replica only reads it again.
    pub async fn keep(&self, key: PanelKey, data: PanelData, generation: i64) -> Arc<PanelData> {
        let data = Arc::new(data);
        if let Some(shared) = &self.shared {
            let sealed = serde_json::to_string(data.as_ref())
                .map_err(|e| ProxyError::Database(format!("a panel as JSON: {e}")))
                .and_then(|json| shared.sealer.seal(&json));
            let stored = match sealed {
                Ok(json) => {
                    let row = SharedPanel {
                        json,
                        generation,
                        read_at: now_ms(),
                    };
                    shared.db.put_shared_panel(&key, &row).await
                }
                Err(err) => Err(err),
            };
            if let Err(err) = stored {
                tracing::warn!(%err, "the panel could not be shared with other replicas");
            }
        }
        self.remember(key, data.clone(), generation);
        data
    }

    /// Keeps `data` in this replica's memory, read now under `generation`.
    fn remember(&self, key: PanelKey, data: Arc<PanelData>, generation: i64) {
        self.panels.insert(
            key,
            CachedPanel {
                data,
                at: Instant::now(),
                generation,
            },
        );
    }

    /// The company of a domain kept under `key` (`(org, user, "company:<domain>")`), if it is
    /// fresh while the org is at `generation`: what a stranger at that domain is shown.
    pub fn company(&self, key: &PanelKey, generation: i64) -> Option<Arc<PanelData>> {
        self.panels
            .get(key)
            .filter(|c| is_fresh(c.at.elapsed(), self.fresh_for, c.generation, generation))
            .map(|c| c.data)
    }

    /// Keeps a domain's company, read under `generation`, beside the panels: forgotten with
    /// them (a write, a layout change, an unlink) and fresh as long. In this replica's memory
    /// only: another replica asks for it once.
    pub fn keep_company(&self, key: PanelKey, data: PanelData, generation: i64) {
        self.remember(key, Arc::new(data), generation);
    }
}

/// Whether a panel `age` old, read under `generation`, may be served while the org is at
/// `current`: younger than `fresh_for`, and no write through any replica since its read began.
fn is_fresh(age: Duration, fresh_for: Duration, generation: i64, current: i64) -> bool {
    age < fresh_for && generation == current
}

/// A panel another replica stored, as if read here as long ago as it was there (none when it
/// no longer opens or reads as a panel: it is read again).
fn from_shared(row: &SharedPanel, sealer: &Sealer) -> Option<CachedPanel> {
    let data: PanelData = serde_json::from_str(&sealer.open(&row.json).ok()?).ok()?;
    let age = Duration::from_millis(u64::try_from(now_ms() - row.read_at).unwrap_or(0));
    Some(CachedPanel {
        data: Arc::new(data),
        at: Instant::now().checked_sub(age).unwrap_or_else(Instant::now),
        generation: row.generation,
    })
}

impl PanelCache {
    /// Forgets every cached panel of an org (after a write through the proxy: every agent
    /// of the org may show that record), on every replica when shared. Kept for the last
    /// reserve, but never fresh again.
    pub async fn forget_org(&self, org_id: &str) {
        self.age_out(|key| key.0 == org_id);
        self.bump(org_id).await;
    }

    /// Bumps the org's generation in the shared database: every replica's panels of the org
    /// stop being fresh. The write it follows is done: a failure is logged, not answered, and
    /// other replicas may then serve the org's panels as they were for up to `fresh_for`.
    async fn bump(&self, org_id: &str) {
        let Some(shared) = &self.shared else { return };
        let kept_since = now_ms() - i64::try_from(STALE_TTL.as_millis()).unwrap_or(i64::MAX);
        if let Err(err) = shared.db.bump_cache_generation(org_id, kept_since).await {
            tracing::error!(%err, org = %org_id, "other replicas were not told of a write: their cached panels of the org may be stale until they expire");
        }
    }

    fn age_out(&self, matches: impl Fn(&PanelKey) -> bool) {
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
                        generation: cached.generation,
                    },
                );
            }
        }
    }

    /// Forgets an agent's cached panels (their layout changed): on other replicas through the
    /// org's generation (the whole org's: layouts change rarely).
    pub async fn forget_panels_of(&self, org_id: &str, user_id: &str) {
        self.age_out(|key| key.1 == user_id);
        self.bump(org_id).await;
    }

    /// Forgets every panel and describe cached for `user_id` of `org_id` (after an unlink),
    /// with the panels stored for them in the shared database.
    pub async fn forget_user(&self, org_id: &str, user_id: &str) {
        if let Some(shared) = &self.shared
            && let Err(err) = shared.db.forget_shared_panels_of(user_id).await
        {
            tracing::error!(%err, "the unlinked user's shared panels were not dropped");
        }
        self.bump(org_id).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panel_is_fresh_while_young_and_of_the_current_generation() {
        let five_min = Duration::from_secs(300);
        let secs = Duration::from_secs;
        // (age, read under, current generation, fresh)
        let table = [
            (secs(0), 0, 0, true),
            (secs(299), 3, 3, true),
            (secs(300), 3, 3, false),
            (secs(1), 2, 3, false),
            (secs(1), 4, 3, false),
            (secs(900), 2, 3, false),
        ];
        for (age, generation, current, fresh) in table {
            assert_eq!(
                is_fresh(age, five_min, generation, current),
                fresh,
                "{age:?} {generation} {current}"
            );
        }
    }
}
