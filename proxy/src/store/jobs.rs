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

/// How many message ids one [`Db::logged_messages`] looks at.
pub const LOGGED_MAX: usize = 100;

/// The query for [`Db::logged_messages`] with `n` ids: `$1` to `$n` (SQLite and Postgres
/// both number them so).
fn logged_query(n: usize) -> String {
    let params: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    format!(
        "SELECT DISTINCT message_id FROM rule_jobs WHERE message_id IN ({}) AND action = 'send_to_salesforce' AND outcome = 'logged'",
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
        })
    }
}

const COLUMNS: &str = "id, event_id, action, message_id, payload, state, outcome, detail, record_object, record_id, attempts, requests, created_at, updated_at, lease";

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
    /// Queues `(event_id, action)` once: `false` when it was already queued (a redelivery).
    /// Answers once the job is committed, in a group commit with the jobs queued beside it
    /// ([`super::job_writer`]).
    pub async fn enqueue(
        &self,
        event_id: &str,
        action: &str,
        message_id: &str,
        payload: &str,
    ) -> Result<bool, ProxyError> {
        self.job_writer
            .enqueue(super::NewJob {
                event_id: event_id.to_owned(),
                action: action.to_owned(),
                message_id: message_id.to_owned(),
                payload: payload.to_owned(),
            })
            .await
    }

    /// Takes the next ready job (or one whose worker's lease ran out) for `lease_ms`.
    /// Safe across replicas: the update re-checks the row's state, so one worker wins it.
    pub async fn claim(&self, lease: &str, lease_ms: i64) -> Result<Option<Job>, ProxyError> {
        let t = now_ms();
        let ready = "((state IN ('queued', 'retry') AND next_at <= $3) OR (state = 'running' AND locked_until < $3))";
        let sql = format!(
            "UPDATE rule_jobs SET state = 'running', lease = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
             WHERE id = (SELECT id FROM rule_jobs WHERE {ready} ORDER BY next_at, id LIMIT 1) AND {ready}"
        );
        let claimed = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lease)
            .bind(t + lease_ms)
            .bind(t)
            .execute(&self.pool)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM rule_jobs WHERE lease = $1 AND state = 'running'"
        )))
        .bind(lease)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Ends an attempt, if `lease` still holds the job (a worker whose lease ran out and was
    /// taken over changes nothing).
    pub async fn finish(&self, id: &str, lease: &str, f: &Finish) -> Result<bool, ProxyError> {
        let (object, record) = f.record.clone().unwrap_or_default();
        let done = sqlx::query(
            "UPDATE rule_jobs SET state = $3, outcome = $4, detail = $5,
                 record_object = CASE WHEN $6 = '' THEN record_object ELSE $6 END,
                 record_id = CASE WHEN $7 = '' THEN record_id ELSE $7 END,
                 requests = requests + $8, next_at = $9, lease = '', locked_until = 0, updated_at = $10,
                 attempts = attempts - $11
             WHERE id = $1 AND lease = $2",
        )
        .bind(id)
        .bind(lease)
        .bind(f.state)
        .bind(&f.outcome)
        .bind(&f.detail)
        .bind(&object)
        .bind(&record)
        .bind(f.requests)
        .bind(f.next_at)
        .bind(now_ms())
        .bind(i64::from(f.refund_attempt))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The most recent jobs, newest first.
    pub async fn recent_jobs(&self, limit: i64) -> Result<Vec<RuleJob>, ProxyError> {
        let jobs: Vec<Job> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM rule_jobs ORDER BY created_at DESC, id DESC LIMIT $1"
        )))
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

    /// Queues a dead or finished job again (the admin's retry): `false` if it is not one.
    pub async fn retry_job(&self, id: &str) -> Result<bool, ProxyError> {
        let t = now_ms();
        let done = sqlx::query(
            "UPDATE rule_jobs SET state = 'queued', attempts = 0, next_at = $2, updated_at = $2, detail = 'retried by an admin'
             WHERE id = $1 AND state IN ('dead', 'done')",
        )
        .bind(id)
        .bind(t)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Jobs paused because the integration user's link was refused run again now (an admin
    /// linked it again); answers how many.
    pub async fn resume_paused(&self) -> Result<u64, ProxyError> {
        let t = now_ms();
        let done = sqlx::query(
            "UPDATE rule_jobs SET next_at = $1, updated_at = $1 WHERE state = 'retry' AND detail LIKE $2",
        )
        .bind(t)
        .bind(format!("{LINK_REFUSED}%"))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Why rule work waits for an admin, if it does: the pause of a job whose integration
    /// link Salesforce refused.
    pub async fn link_refused(&self) -> Result<Option<String>, ProxyError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT detail FROM rule_jobs WHERE state = 'retry' AND detail LIKE $1 ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(format!("{LINK_REFUSED}%"))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(d,)| d))
    }

    /// Which of `ids` (the first [`LOGGED_MAX`]) were logged to Salesforce (the panel shows
    /// it), in their order: one query.
    pub async fn logged_messages(&self, ids: &[String]) -> Result<Vec<String>, ProxyError> {
        let ids = &ids[..ids.len().min(LOGGED_MAX)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query =
            sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(logged_query(ids.len())));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_for_every_id() {
        assert_eq!(logged_query(1).matches("IN ($1)").count(), 1);
        let q = logged_query(3);
        assert!(q.contains("IN ($1, $2, $3)"), "{q}");
    }

    async fn job(db: &Db, message: &str, action: &str, outcome: &str) {
        sqlx::query(
            "INSERT INTO rule_jobs (id, event_id, action, message_id, payload, state, outcome, next_at, created_at, updated_at)
             VALUES ($1, $1, $2, $3, '{}', 'done', $4, 0, 0, 0)",
        )
        .bind(format!("{message}-{action}-{outcome}"))
        .bind(action)
        .bind(message)
        .bind(outcome)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn logged_messages_in_the_asked_order() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        job(&db, "m1", "send_to_salesforce", "logged").await;
        job(&db, "m2", "send_to_salesforce", "failed").await;
        job(&db, "m3", "create_lead", "logged").await;
        job(&db, "m4", "send_to_salesforce", "logged").await;
        let ids = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            db.logged_messages(&ids(&["m4", "m2", "m3", "m1", "m9", "m4"]))
                .await
                .unwrap(),
            ["m4", "m1", "m4"]
        );
        assert!(db.logged_messages(&[]).await.unwrap().is_empty());
        // Only the first hundred ids are looked at.
        let mut many: Vec<String> = (0..LOGGED_MAX).map(|i| format!("x{i}")).collect();
        many.push("m1".into());
        assert!(db.logged_messages(&many).await.unwrap().is_empty());
    }
}
