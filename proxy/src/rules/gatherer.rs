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

/// The orgs this process's workers are gathering, each with the action gathered.
#[derive(Debug, Default)]
pub struct Gatherers {
    /// Claims one at a time, so a claim sees every gatherer the ones before it made.
    claims: tokio::sync::Mutex<()>,
    orgs: Mutex<HashSet<(String, String)>>,
}

/// A worker's turn as its org's gatherer; it ends when dropped.
#[derive(Debug)]
pub struct Gathering {
    /// The org and the action gathered.
    of_org: (String, String),
    of: Arc<Gatherers>,
}

impl Drop for Gathering {
    fn drop(&mut self) {
        self.of.orgs().remove(&self.of_org);
    }
}

impl Gatherers {
    fn orgs(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        // The set stays whole whatever panicked while it was held (inserts and removes only).
        self.orgs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a worker here is gathering `org`'s `action` jobs: one that arrives now is taken
    /// by that gatherer (it looks until its window closes, and wakes the other workers once it
    /// has taken its batch), so no other worker needs waking for it.
    pub fn gathering(&self, org: &str, action: &str) -> bool {
        self.orgs().iter().any(|(o, a)| o == org && a == action)
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
        let busy: Vec<String> = self
            .orgs()
            .iter()
            .filter(|(_, a)| a == action)
            .map(|(org, _)| org.clone())
            .collect();
        let Some(job) = db.claim_next(lease, lease_ms, action, &busy).await? else {
            return Ok(None);
        };
        let gathering = (job.view.action == action && window.window_ms > 0).then(|| {
            let of_org = (job.org_id.clone(), action.to_owned());
            self.orgs().insert(of_org.clone());
            Gathering {
                of_org,
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
        let (ready, newest) = match db.ready_of(&first.org_id, action, max_batch).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    const SEND: &str = "send_to_salesforce";

    #[tokio::test]
    async fn a_claimed_job_makes_its_org_and_action_gathered_until_the_turn_ends() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        assert!(
            db.enqueue("00DA", "e1", SEND, "m1", "{}").await.unwrap(),
            "queued"
        );
        let gatherers = Arc::new(Gatherers::default());
        assert!(!gatherers.gathering("00DA", SEND));
        let window = Window::from_ms(100, 25);
        let (_, turn) = gatherers
            .claim(&db, "lease", 60_000, SEND, window)
            .await
            .unwrap()
            .expect("the job is ready");
        let turn = turn.expect("a gathered action's job starts a turn");
        assert!(gatherers.gathering("00DA", SEND));
        assert!(
            !gatherers.gathering("00DA", "create_lead"),
            "another action"
        );
        assert!(!gatherers.gathering("00DB", SEND), "another org");
        drop(turn);
        assert!(!gatherers.gathering("00DA", SEND), "the turn ended");
    }
}
