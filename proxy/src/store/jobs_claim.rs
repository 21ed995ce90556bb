//! Leases on rule jobs, one statement each: a claim is one `UPDATE ... RETURNING` (on Postgres
//! the rows it picks are locked with `FOR UPDATE SKIP LOCKED`, so replicas claiming at once take
//! different rows instead of queueing on the same ones), and the settlement of a batch's
//! outcomes one `UPDATE ... FROM (VALUES ...)`, written only where the lease still holds.

use std::collections::HashSet;

use sqlx::Arguments;

use super::Db;
use super::jobs::{COLUMNS, Finish, Job};
use super::statement::{Args, args, rows};
use crate::ProxyError;
use crate::clock::now_ms;

/// The rows ready to take at `$3` (now): queued or due for their retry, or running under a
/// lease that ran out.
const READY: &str = "((state IN ('queued', 'retry') AND next_at <= $3) OR (state = 'running' AND locked_until < $3))";

/// The claim, as one statement: `$1` the lease, `$2` until when, `$3` now; `filter` adds
/// conditions (on parameters from `$4`), `limit` bounds the rows. The rows are picked once
/// (a materialized `WITH`: a subselect the update rescans would pick again, and on Postgres
/// take more rows than `limit`); on Postgres the pick skips rows another claim has locked;
/// the update re-checks each row as it takes it (SQLite runs one writer at a time). It
/// answers the rows it took.
fn claim_sql(postgres: bool, filter: &str, limit: &str) -> String {
    let lock = if postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    format!(
        "WITH picked AS MATERIALIZED (SELECT id FROM rule_jobs WHERE {READY}{filter} ORDER BY next_at, id LIMIT {limit}{lock})
         UPDATE rule_jobs SET state = 'running', lease = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE id IN (SELECT id FROM picked) AND {READY}
         RETURNING {COLUMNS}"
    )
}

/// The condition that leaves out `action`'s jobs (`$4`) of `orgs` orgs (`$5`...): the orgs
/// another worker of this process is gathering.
fn except_orgs(orgs: usize) -> String {
    if orgs == 0 {
        return String::new();
    }
    let params: Vec<String> = (5..5 + orgs).map(|i| format!("${i}")).collect();
    format!(
        " AND NOT (action = $4 AND org_id IN ({}))",
        params.join(", ")
    )
}

/// The parameters of each settled job, after the lease (`$1`) and the time (`$2`).
const FINISH_PARAMS: usize = 9;

/// The settlement of `n` jobs, one statement: each row of the `VALUES` list is a job's id,
/// state, outcome, detail, record object and id (empty: unchanged), requests to add, next
/// time, and the attempt to give back. Columns of a `VALUES` list are `column1`... on both
/// SQLite and Postgres. It answers the ids the lease still held.
fn finish_sql(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let params: Vec<String> = (0..FINISH_PARAMS)
                .map(|k| format!("${}", 3 + FINISH_PARAMS * i + k))
                .collect();
            format!("({})", params.join(", "))
        })
        .collect();
    format!(
        "UPDATE rule_jobs SET state = v.column2, outcome = v.column3, detail = v.column4,
             record_object = CASE WHEN v.column5 = '' THEN rule_jobs.record_object ELSE v.column5 END,
             record_id = CASE WHEN v.column6 = '' THEN rule_jobs.record_id ELSE v.column6 END,
             requests = rule_jobs.requests + v.column7, next_at = v.column8, lease = '', locked_until = 0,
             updated_at = $2, attempts = rule_jobs.attempts - v.column9
         FROM (VALUES {}) AS v
         WHERE rule_jobs.id = v.column1 AND rule_jobs.lease = $1
         RETURNING rule_jobs.id",
        rows.join(", ")
    )
}

/// Claimed rows in the order they became ready.
fn in_order(mut jobs: Vec<Job>) -> Vec<Job> {
    jobs.sort_by(|a, b| (a.ready_at, &a.view.id).cmp(&(b.ready_at, &b.view.id)));
    jobs
}

impl Db {
    /// Takes the next ready job (or one whose worker's lease ran out) for `lease_ms`.
    /// Safe across replicas: one worker wins each row.
    pub async fn claim(&self, lease: &str, lease_ms: i64) -> Result<Option<Job>, ProxyError> {
        self.claim_next(lease, lease_ms, "", &[]).await
    }

    /// [`Db::claim`], leaving out `action`'s jobs of the orgs `gathering` (their gatherers
    /// take them).
    pub async fn claim_next(
        &self,
        lease: &str,
        lease_ms: i64,
        action: &str,
        gathering: &[String],
    ) -> Result<Option<Job>, ProxyError> {
        let t = now_ms();
        let sql = claim_sql(self.is_shared(), &except_orgs(gathering.len()), "1");
        let args = (|| -> Args {
            let mut args = args![lease, t + lease_ms, t]?;
            if !gathering.is_empty() {
                args.add(action)?;
                for org in gathering {
                    args.add(org.as_str())?;
                }
            }
            Ok(args)
        })();
        let claimed: Vec<Job> = rows(&self.pool, sqlx::AssertSqlSafe(sql), args).await?;
        Ok(claimed.into_iter().next())
    }

    /// Takes up to `limit` more ready jobs of `org_id` and `action` under `lease` (which holds one already,
    /// so they run together): the jobs taken now, the earliest first.
    pub async fn claim_more(
        &self,
        lease: &str,
        lease_ms: i64,
        org_id: &str,
        action: &str,
        limit: usize,
    ) -> Result<Vec<Job>, ProxyError> {
        let t = now_ms();
        let sql = claim_sql(self.is_shared(), " AND org_id = $4 AND action = $5", "$6");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let args = args![lease, t + lease_ms, t, org_id, action, limit];
        Ok(in_order(
            rows(&self.pool, sqlx::AssertSqlSafe(sql), args).await?,
        ))
    }

    /// How many of `org_id`'s `action` jobs are ready now, counting no further than
    /// `at_most`, and when the newest of those counted became ready (ms; 0 when none is): what
    /// a gatherer weighs. A gatherer takes its batch once `at_most` are ready, whichever they
    /// are, so the count stops there instead of walking a burst's every ready job.
    pub async fn ready_of(
        &self,
        org_id: &str,
        action: &str,
        at_most: usize,
    ) -> Result<(usize, i64), ProxyError> {
        let at_most = i64::try_from(at_most).unwrap_or(i64::MAX);
        let found: Option<(i64, i64)> = super::statement::row(
            &self.pool,
            "SELECT COUNT(*), COALESCE(MAX(next_at), 0) FROM (SELECT next_at FROM rule_jobs
             WHERE org_id = $1 AND action = $2 AND state IN ('queued', 'retry') AND next_at <= $3
             LIMIT $4) AS ready",
            args![org_id, action, now_ms(), at_most],
        )
        .await?;
        let (count, newest) = found.unwrap_or_default();
        Ok((usize::try_from(count).unwrap_or(0), newest))
    }

    /// Ends an attempt, if `lease` still holds the job (a worker whose lease ran out and was
    /// taken over changes nothing).
    pub async fn finish(&self, id: &str, lease: &str, f: &Finish) -> Result<bool, ProxyError> {
        let held = self.finish_all(lease, &[(id, f)]).await?;
        Ok(held.first().copied().unwrap_or(false))
    }

    /// Ends the attempts of jobs `lease` holds, in one statement (a batch's jobs, written
    /// with one commit): for each, whether the lease still held it.
    pub async fn finish_all(
        &self,
        lease: &str,
        ends: &[(&str, &Finish)],
    ) -> Result<Vec<bool>, ProxyError> {
        if ends.is_empty() {
            return Ok(Vec::new());
        }
        let args = (|| -> Args {
            let mut args = args![lease, now_ms()]?;
            for (id, f) in ends {
                let (object, record) = f.record.clone().unwrap_or_default();
                args.add(*id)?;
                args.add(f.state)?;
                args.add(f.outcome.as_str())?;
                args.add(f.detail.as_str())?;
                args.add(object)?;
                args.add(record)?;
                args.add(f.requests)?;
                args.add(f.next_at)?;
                args.add(i64::from(f.refund_attempt))?;
            }
            Ok(args)
        })();
        let sql = finish_sql(ends.len());
        let held: Vec<(String,)> = rows(&self.pool, sqlx::AssertSqlSafe(sql), args).await?;
        let held: HashSet<String> = held.into_iter().map(|(id,)| id).collect();
        Ok(ends.iter().map(|(id, _)| held.contains(*id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_is_one_statement_that_skips_locked_rows_on_postgres_only() {
        // (postgres, filter, limit, wanted, unwanted)
        let table = [
            (false, "", "1", "LIMIT 1)\n", "FOR UPDATE"),
            (true, "", "1", "LIMIT 1 FOR UPDATE SKIP LOCKED)\n", "$4"),
            (
                true,
                " AND org_id = $4",
                "$6",
                "org_id = $4 ORDER BY next_at, id LIMIT $6 FOR UPDATE SKIP LOCKED",
                "NOT (",
            ),
        ];
        for (postgres, filter, limit, wanted, unwanted) in table {
            let sql = claim_sql(postgres, filter, limit);
            assert!(sql.contains(wanted) && !sql.contains(unwanted), "{sql}");
            assert!(
                sql.starts_with("WITH picked AS MATERIALIZED")
                    && sql.ends_with(&format!("RETURNING {COLUMNS}")),
                "{sql}"
            );
        }
    }

    #[test]
    fn gathering_orgs_are_left_out_of_a_claim_by_parameter() {
        assert_eq!(except_orgs(0), "");
        assert_eq!(
            except_orgs(2),
            " AND NOT (action = $4 AND org_id IN ($5, $6))"
        );
    }

    #[test]
    fn a_settlement_numbers_each_jobs_row_after_the_lease_and_time() {
        let sql = finish_sql(2);
        assert!(
            sql.contains("FROM (VALUES ($3, $4, $5, $6, $7, $8, $9, $10, $11), ($12, $13, $14, $15, $16, $17, $18, $19, $20)) AS v"),
            "{sql}"
        );
        assert!(sql.contains("rule_jobs.lease = $1"), "{sql}");
    }

    fn ended(outcome: &str) -> Finish {
        Finish {
            state: "done",
            outcome: outcome.into(),
            detail: format!("{outcome} detail"),
            record: Some(("Task".into(), format!("00T{outcome}"))),
            requests: 2,
            next_at: 0,
            refund_attempt: false,
        }
    }

    async fn claims_and_settles(db: &Db) {
        for (org, event) in [
            ("00DA", "e1"),
            ("00DA", "e2"),
            ("00DA", "e3"),
            ("00DB", "e4"),
        ] {
            assert!(
                db.enqueue(org, event, "send_to_salesforce", event, "{}")
                    .await
                    .unwrap()
            );
        }
        let gathering = ["00DA".to_owned()];
        let other = db
            .claim_next("b", 60_000, "send_to_salesforce", &gathering)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            other.org_id, "00DB",
            "the gathered org's jobs are left to its gatherer"
        );
        let first = db.claim("a", 60_000).await.unwrap().unwrap();
        assert_eq!(
            db.ready_of("00DA", "send_to_salesforce", 10)
                .await
                .unwrap()
                .0,
            2
        );
        assert_eq!(
            db.ready_of("00DA", "send_to_salesforce", 1)
                .await
                .unwrap()
                .0,
            1,
            "the count stops at the batch size"
        );
        let more = db
            .claim_more("a", 60_000, "00DA", "send_to_salesforce", 10)
            .await
            .unwrap();
        let mut events: Vec<&str> = more.iter().map(|j| j.view.event_id.as_str()).collect();
        events.push(first.view.event_id.as_str());
        events.sort_unstable();
        assert_eq!(events, ["e1", "e2", "e3"]);
        assert!(
            more.iter()
                .all(|j| j.lease == "a" && j.view.state == "running" && j.view.attempts == 1)
        );
        assert_eq!(
            db.ready_of("00DA", "send_to_salesforce", 10).await.unwrap(),
            (0, 0)
        );
        // One statement settles lease a's jobs; b's job is not a's to settle.
        let (logged, none) = (ended("logged"), ended("no_match"));
        let held = db
            .finish_all(
                "a",
                &[
                    (first.view.id.as_str(), &logged),
                    (other.view.id.as_str(), &logged),
                    (more[0].view.id.as_str(), &none),
                ],
            )
            .await
            .unwrap();
        assert_eq!(held, [true, false, true]);
        let jobs = db.all_jobs().await.unwrap();
        let job = |id: &str| jobs.iter().find(|j| j.id == id).unwrap().clone();
        let done = job(&first.view.id);
        assert_eq!(
            (
                done.state.as_str(),
                done.outcome.as_str(),
                done.requests,
                done.record_id.as_str()
            ),
            ("done", "logged", 2, "00Tlogged")
        );
        assert_eq!(job(&more[0].view.id).outcome, "no_match");
        assert_eq!(job(&other.view.id).state, "running", "b still holds it");
        assert_eq!(db.finish_all("a", &[]).await.unwrap(), Vec::<bool>::new());
    }

    #[tokio::test]
    async fn a_batch_is_claimed_and_settled_in_one_statement_each() {
        claims_and_settles(&Db::connect("sqlite::memory:").await.unwrap()).await;
        if let Some(url) = crate::store::tests::postgres().await {
            claims_and_settles(&Db::connect(&url).await.unwrap()).await;
        }
    }
}
