//! One gatherer per org in this process: a worker that claims an org's *Send to Salesforce*
//! job becomes the org's gatherer and waits, as [`super::gather`] decides, for the jobs still
//! arriving before it takes them all; meanwhile the other workers' claims leave that org's
//! jobs to it, so no two workers race for one burst. Once it has taken its batch the next
//! gatherer of the org may start while the batch runs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::gather::{Gather, Window};
use crate::ProxyError;
use crate::clock::now_ms;
use crate::store::Db;
use crate::store::jobs::Job;

/// The orgs this process's workers are gathering.
#[derive(Debug, Default)]
pub struct Gatherers {
    /// Claims one at a time, so a claim sees every gatherer the ones before it made.
    claims: tokio::sync::Mutex<()>,
    orgs: Mutex<HashSet<String>>,
}

/// A worker's turn as its org's gatherer; it ends when dropped.
#[derive(Debug)]
pub struct Gathering {
    org: String,
    of: Arc<Gatherers>,
}

impl Drop for Gathering {
    fn drop(&mut self) {
        self.of.orgs().remove(&self.org);
    }
}

impl Gatherers {
    fn orgs(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // The set stays whole whatever panicked while it was held (inserts and removes only).
        self.orgs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a worker here is gathering `org`'s jobs: a job of its gathered action that
    /// arrives now is taken by that gatherer (it looks until its window closes, and wakes the
    /// other workers once it has taken its batch).
    pub fn gathering(&self, org: &str) -> bool {
        self.orgs().contains(org)
    }

    /// Claims the next ready job for `lease`, leaving out `action`'s jobs of the orgs being
    /// gathered; a claimed `action` job makes its worker the org's gatherer (when `window`
    /// gathers at all).
    pub async fn claim(
        self: &Arc<Self>,
        db: &Db,
        lease: &str,
        lease_ms: i64,
        action: &str,
        window: Window,
    ) -> Result<Option<(Job, Option<Gathering>)>, ProxyError> {
        let _turn = self.claims.lock().await;
        let busy: Vec<String> = self.orgs().iter().cloned().collect();
        let Some(job) = db.claim_next(lease, lease_ms, action, &busy).await? else {
            return Ok(None);
        };
        let gathering = (job.view.action == action && window.window_ms > 0).then(|| {
            self.orgs().insert(job.org_id.clone());
            Gathering {
                org: job.org_id.clone(),
                of: Arc::clone(self),
            }
        });
        Ok(Some((job, gathering)))
    }
}

/// Waits, as `window` decides, while `first`'s org's `action` jobs keep arriving, up to
/// `max_batch` of them ready; a failing look ends the wait (the batch is taken as it is). A
/// job arrives when a look first sees it: its row's time is when its commit began, and a
/// group commit becomes visible only once its fsync is done, which can take longer than the
/// quiet gap, so that time would end every wait early.
pub async fn gather(db: &Db, first: &Job, action: &str, window: Window, max_batch: usize) {
    let mut newest_seen = None;
    let mut arrived = first.ready_at;
    loop {
        let (ready, newest) = match db.ready_of(&first.org_id, action).await {
            Ok(found) => found,
            Err(err) => {
                tracing::warn!(%err, "counting an org's ready rule jobs failed");
                return;
            }
        };
        let now = now_ms();
        if ready > 0 && newest_seen.is_none_or(|seen| newest > seen) {
            arrived = now;
        }
        newest_seen = Some(newest);
        match window.decide(now, first.ready_at, arrived, ready + 1, max_batch) {
            Gather::Take => return,
            Gather::WaitUntil(at) => {
                let wait = u64::try_from(at.saturating_sub(now)).unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
        }
    }
}
