//! The rule job queue: durable intake, leased claims that several replicas can share, and the
//! outcome of each job.

use std::collections::HashSet;

use pane_wire::api::RuleJob;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use crate::ProxyError;
use crate::clock::now_ms;

/// How the detail of a job paused for a refused integration link starts.
pub const LINK_REFUSED: &str = "paused: Salesforce refused the integration user's link";

/// How the detail of a job held because its org has no integration user starts.
pub const NO_INTEGRATION: &str = "held: no integration user linked for this org";

/// How many message ids one [`Db::logged_messages`] looks at.
pub const LOGGED_MAX: usize = 100;

/// The query for [`Db::logged_messages`] with `n` ids: the org `$1`, the ids `$2` to `$n+1`
/// (SQLite and Postgres both number them so).
fn logged_query(n: usize) -> String {
    let params: Vec<String> = (2..=n + 1).map(|i| format!("${i}")).collect();
    format!(
        "SELECT DISTINCT message_id FROM rule_jobs WHERE org_id = $1 AND message_id IN ({}) AND action = 'send_to_salesforce' AND outcome = 'logged'",
        params.join(", ")
    )
}

/// A job as the worker sees it (a `rule_jobs` row): the audit view's row and what only the
/// worker reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Everything the audit view shows.
    pub view: RuleJob,
    /// The event, as received.
    pub payload: String,
    /// The lease of the worker running it.
    pub lease: String,
    /// The org it is for: the worker acts as that org's integration user only.
    pub org_id: String,
    /// When it became ready (ms): queued, or due for its retry.
    pub ready_at: i64,
}

impl<'r> sqlx::FromRow<'r, AnyRow> for Job {
    fn from_row(row: &'r AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Job {
            view: RuleJob {
                id: row.try_get("id")?,
                event_id: row.try_get("event_id")?,
                action: row.try_get("action")?,
                message_id: row.try_get("message_id")?,
                state: row.try_get("state")?,
                outcome: row.try_get("outcome")?,
                detail: row.try_get("detail")?,
                record_object: row.try_get("record_object")?,
                record_id: row.try_get("record_id")?,
                attempts: row.try_get("attempts")?,
                requests: row.try_get("requests")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            },
            payload: row.try_get("payload")?,
            lease: row.try_get("lease")?,
            org_id: row.try_get("org_id")?,
            ready_at: row.try_get("next_at")?,
        })
    }
}

pub(super) const COLUMNS: &str = "id, event_id, action, message_id, payload, state, outcome, detail, record_object, record_id, attempts, requests, created_at, updated_at, lease, org_id, next_at";

/// How a finished attempt ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    /// The new state (`done`, `retry`, `dead`).
    pub state: &'static str,
    /// The outcome.
    pub outcome: String,
    /// Why.
    pub detail: String,
    /// The record touched: `(object, id)`.
    pub record: Option<(String, String)>,
    /// Salesforce requests this attempt cost.
    pub requests: i64,
    /// For `retry`: when (ms).
    pub next_at: i64,
    /// Give the attempt back (a pause for the quota is not a failure).
    pub refund_attempt: bool,
}

impl Db {
    /// Queues `(event_id, action)` for `org_id` once: `false` when it was already queued (a
    /// redelivery). Answers once the job is committed, in a group commit with the jobs queued
    /// beside it ([`super::job_writer`]).
    pub async fn enqueue(
        &self,
        org_id: &str,
        event_id: &str,
        action: &str,
        message_id: &str,
        payload: &str,
    ) -> Result<bool, ProxyError> {
        self.job_writer
            .enqueue(super::NewJob {
                org_id: org_id.to_owned(),
                event_id: event_id.to_owned(),
                action: action.to_owned(),
                message_id: message_id.to_owned(),
                payload: payload.to_owned(),
            })
            .await
    }

    /// The org's most recent jobs, newest first.
    pub async fn recent_jobs(&self, org_id: &str, limit: i64) -> Result<Vec<RuleJob>, ProxyError> {
        let jobs: Vec<Job> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM rule_jobs WHERE org_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        )))
        .bind(org_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(jobs.into_iter().map(|job| job.view).collect())
    }

    /// Every job (tests and the crash check).
    pub async fn all_jobs(&self) -> Result<Vec<RuleJob>, ProxyError> {
        let jobs: Vec<Job> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM rule_jobs ORDER BY created_at, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(jobs.into_iter().map(|job| job.view).collect())
    }

    /// Queues a dead or finished job of the org again (the admin's retry): `false` if it is
    /// not one.
    pub async fn retry_job(&self, org_id: &str, id: &str) -> Result<bool, ProxyError> {
        let t = now_ms();
        let done = sqlx::query(
            "UPDATE rule_jobs SET state = 'queued', attempts = 0, next_at = $2, updated_at = $2, detail = 'retried by an admin'
             WHERE id = $1 AND org_id = $3 AND state IN ('dead', 'done')",
        )
        .bind(id)
        .bind(t)
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The org's jobs paused because its integration user's link was refused, or held
    /// because it had none, run again now (an admin linked one); answers how many.
    pub async fn resume_paused(&self, org_id: &str) -> Result<u64, ProxyError> {
        let t = now_ms();
        let done = sqlx::query(
            "UPDATE rule_jobs SET next_at = $1, updated_at = $1
             WHERE org_id = $4 AND state = 'retry' AND (detail LIKE $2 OR detail LIKE $3)",
        )
        .bind(t)
        .bind(format!("{LINK_REFUSED}%"))
        .bind(format!("{NO_INTEGRATION}%"))
        .bind(org_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Why the org's rule work waits for an admin, if it does: the pause of a job whose
    /// integration link Salesforce refused.
    pub async fn link_refused(&self, org_id: &str) -> Result<Option<String>, ProxyError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT detail FROM rule_jobs WHERE org_id = $2 AND state = 'retry' AND detail LIKE $1 ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(format!("{LINK_REFUSED}%"))
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    /// Which of `ids` (the first [`LOGGED_MAX`]) the org's rules logged to Salesforce (the
    /// panel shows it), in their order: one query.
    pub async fn logged_messages(
        &self,
        org_id: &str,
        ids: &[String],
    ) -> Result<Vec<String>, ProxyError> {
        let ids = &ids[..ids.len().min(LOGGED_MAX)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query =
            sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(logged_query(ids.len())))
                .bind(org_id);
        for id in ids {
            query = query.bind(id);
        }
        let logged: HashSet<String> = query
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(m,)| m)
            .collect();
        Ok(ids
            .iter()
            .filter(|id| logged.contains(*id))
            .cloned()
            .collect())
    }
}

/// The jobs not finished, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// Waiting for their first run.
    pub queued: i64,
    /// Waiting to run again.
    pub retry: i64,
    /// Held by a worker.
    pub running: i64,
    /// When the oldest job waiting (queued or retry) was received (ms).
    pub oldest_waiting_ms: Option<i64>,
}

impl Db {
    /// How many jobs wait or run, and since when the oldest waits.
    pub async fn queue_stats(&self) -> Result<QueueStats, ProxyError> {
        let rows = sqlx::query(
            "SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM rule_jobs
             WHERE state IN ('queued', 'retry', 'running') GROUP BY state",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut stats = QueueStats::default();
        for row in rows {
            let state: String = row.try_get("state")?;
            let n: i64 = row.try_get("n")?;
            let oldest: i64 = row.try_get("oldest")?;
            match state.as_str() {
                "queued" => stats.queued = n,
                "retry" => stats.retry = n,
                _ => {
                    stats.running = n;
                    continue;
                }
            }
            let before = stats.oldest_waiting_ms.unwrap_or(oldest);
            stats.oldest_waiting_ms = Some(before.min(oldest));
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_for_every_id() {
        assert_eq!(logged_query(1).matches("IN ($2)").count(), 1);
        let q = logged_query(3);
        assert!(
            q.contains("org_id = $1 AND message_id IN ($2, $3, $4)"),
            "{q}"
        );
    }

    async fn job(db: &Db, org: &str, message: &str, action: &str, outcome: &str) {
        sqlx::query(
            "INSERT INTO rule_jobs (id, event_id, action, message_id, payload, state, outcome, next_at, created_at, updated_at, org_id)
             VALUES ($1, $1, $2, $3, '{}', 'done', $4, 0, 0, 0, $5)",
        )
        .bind(format!("{org}-{message}-{action}-{outcome}"))
        .bind(action)
        .bind(message)
        .bind(outcome)
        .bind(org)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn logged_messages_in_the_asked_order() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        job(&db, "00DA", "m1", "send_to_salesforce", "logged").await;
        job(&db, "00DA", "m2", "send_to_salesforce", "failed").await;
        job(&db, "00DA", "m3", "create_lead", "logged").await;
        job(&db, "00DA", "m4", "send_to_salesforce", "logged").await;
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            db.logged_messages("00DA", &ids(&["m4", "m2", "m3", "m1", "m9", "m4"]))
                .await
                .unwrap(),
            ["m4", "m1", "m4"]
        );
        assert!(db.logged_messages("00DA", &[]).await.unwrap().is_empty());
        // Only the first hundred ids are looked at.
        let mut many: Vec<String> = (0..LOGGED_MAX).map(|i| format!("x{i}")).collect();
        many.push("m1".into());
        assert!(db.logged_messages("00DA", &many).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_orgs_jobs_are_listed_retried_and_marked_logged_for_it_alone() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        job(&db, "00DA", "m1", "send_to_salesforce", "logged").await;
        job(&db, "00DB", "m2", "send_to_salesforce", "logged").await;
        let listed = |org: &'static str| {
            let db = db.clone();
            async move {
                let jobs = db.recent_jobs(org, 10).await.unwrap();
                jobs.into_iter().map(|j| j.message_id).collect::<Vec<_>>()
            }
        };
        assert_eq!(listed("00DA").await, ["m1"]);
        assert_eq!(listed("00DB").await, ["m2"]);
        let both = ["m1".to_owned(), "m2".to_owned()];
        assert_eq!(db.logged_messages("00DB", &both).await.unwrap(), ["m2"]);
        let b_job = "00DB-m2-send_to_salesforce-logged";
        assert!(!db.retry_job("00DA", b_job).await.unwrap(), "A retries B's");
        assert!(db.retry_job("00DB", b_job).await.unwrap());
    }

    #[tokio::test]
    async fn a_link_resumes_the_held_jobs_of_its_own_org_only() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        for (org, event) in [("00DA", "e1"), ("00DB", "e2")] {
            assert!(
                db.enqueue(org, event, "send_to_salesforce", "m", "{}")
                    .await
                    .unwrap()
            );
        }
        let far = now_ms() + 3_600_000;
        sqlx::query("UPDATE rule_jobs SET state = 'retry', next_at = $1, detail = $2")
            .bind(far)
            .bind(format!("{NO_INTEGRATION}; an admin links one in Settings"))
            .execute(&db.pool)
            .await
            .unwrap();
        assert_eq!(db.resume_paused("00DA").await.unwrap(), 1);
        let job = db.claim("lease", 1000).await.unwrap().unwrap();
        assert_eq!(
            (job.org_id.as_str(), job.view.event_id.as_str()),
            ("00DA", "e1")
        );
        assert_eq!(db.claim("lease-2", 1000).await.unwrap(), None, "B's waits");
    }

    #[tokio::test]
    async fn jobs_queued_before_tenancy_belong_to_the_org_they_would_have_run_as() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = before
            .migrations
            .iter()
            .filter(|m| m.version < 9)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&pool).await.unwrap();
        for (user, org, at) in [("005A", "00DA", 1), ("005B", "00DB", 2)] {
            sqlx::query(
                "INSERT INTO links (user_id, org_id, username, email, instance_url, refresh_token_sealed, access_token_sealed, created_at, updated_at)
                 VALUES ($1, $2, $1, $1, 'https://x', '', '', 0, 0)",
            )
            .bind(user)
            .bind(org)
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("INSERT INTO integrations (org_id, user_id, linked_by, updated_at) VALUES ($1, $2, $2, $3)")
                .bind(org)
                .bind(user)
                .bind(at)
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query(
            "INSERT INTO rule_jobs (id, event_id, action, message_id, payload, state, next_at, created_at, updated_at)
             VALUES ('j1', 'e1', 'send_to_salesforce', 'm1', '{}', 'queued', 0, 0, 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::migrate!("./migrations").run(&pool).await.unwrap();
        let db = Db {
            job_writer: crate::store::JobWriter::spawn(pool.clone()),
            pool,
            shared: false,
            _memory_keeper: None,
        };
        let job = db.claim("lease", 1000).await.unwrap().unwrap();
        assert_eq!(
            job.org_id, "00DB",
            "the most recently linked integration's org"
        );
    }

    #[tokio::test]
    async fn queue_stats_count_unfinished_jobs_and_date_the_oldest_waiting() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        assert_eq!(db.queue_stats().await.unwrap(), QueueStats::default());
        for (id, state, created) in [
            ("a", "queued", 500),
            ("b", "queued", 300),
            ("c", "retry", 400),
            ("d", "running", 100),
            ("e", "done", 50),
            ("f", "dead", 60),
        ] {
            sqlx::query(
                "INSERT INTO rule_jobs (id, event_id, action, message_id, payload, state, next_at, created_at, updated_at)
                 VALUES ($1, $1, 'create_lead', 'm', '{}', $2, 0, $3, $3)",
            )
            .bind(id)
            .bind(state)
            .bind(created)
            .execute(&db.pool)
            .await
            .unwrap();
        }
        assert_eq!(
            db.queue_stats().await.unwrap(),
            QueueStats {
                queued: 2,
                retry: 1,
                running: 1,
                oldest_waiting_ms: Some(300),
            }
        );
    }
}
