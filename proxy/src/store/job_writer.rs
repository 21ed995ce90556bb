//! Group commit for the rule intake: one writer task owns the `rule_jobs` inserts. Webhook
//! handlers hand it their job and wait; it takes everything that arrived while its last commit
//! ran (up to [`BATCH_MAX`]), inserts it in one statement, commits (one fsync for the lot),
//! and only then answers each handler. An answer is never given for a job that is not
//! committed: a failed commit answers every waiter of its batch with an error (the sender
//! retries), after each job was tried once more on its own so that one bad row cannot fail
//! the others.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::ProxyError;
use crate::clock::now_ms;

/// The most jobs one commit takes.
pub const BATCH_MAX: usize = 256;

/// How many jobs may wait for the writer before handlers wait to hand theirs over.
const QUEUE_MAX: usize = 4 * BATCH_MAX;

/// A rule job to queue: once per `(org_id, event_id, action)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The Salesforce org the webhook was addressed to (its intake URL's).
    pub org_id: String,
    /// Front's event id.
    pub event_id: String,
    /// The action (`send_to_salesforce`, `create_lead`).
    pub action: String,
    /// The message the event is about.
    pub message_id: String,
    /// The event, as received.
    pub payload: String,
}

/// What a waiter hears: `Ok(true)` queued, `Ok(false)` already queued (a redelivery), or why
/// its batch was not committed.
type Answer = Result<bool, String>;

type Waiter = (NewJob, oneshot::Sender<Answer>);

/// The handle to the writer task. Cloned with the database; the task ends when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub struct JobWriter {
    jobs: mpsc::Sender<Waiter>,
}

impl JobWriter {
    /// Starts the writer over `pool` (on the current tokio runtime).
    pub fn spawn(pool: AnyPool) -> JobWriter {
        let (jobs, waiting) = mpsc::channel(QUEUE_MAX);
        // The commit count is for the tests that drive `run` themselves.
        tokio::spawn(run(pool, waiting, Arc::default()));
        JobWriter { jobs }
    }

    /// Queues `job` once, answering after its commit: `false` when it was already queued.
    pub async fn enqueue(&self, job: NewJob) -> Result<bool, ProxyError> {
        let (answer, answered) = oneshot::channel();
        let stopped = || ProxyError::Database("the rule job writer has stopped".into());
        self.jobs.send((job, answer)).await.map_err(|_| stopped())?;
        answered
            .await
            .map_err(|_| stopped())?
            .map_err(ProxyError::Database)
    }
}

/// The writer: a batch of whatever is waiting, one transaction, then the answers.
async fn run(pool: AnyPool, mut waiting: mpsc::Receiver<Waiter>, commits: Arc<AtomicU64>) {
    let mut batch: Vec<Waiter> = Vec::with_capacity(BATCH_MAX);
    while waiting.recv_many(&mut batch, BATCH_MAX).await > 0 {
        let jobs: Vec<&NewJob> = batch.iter().map(|(job, _)| job).collect();
        let answers = match insert(&pool, &jobs).await {
            Ok(queued) => {
                commits.fetch_add(1, Ordering::Relaxed);
                queued.into_iter().map(Ok).collect()
            }
            Err(e) => {
                tracing::warn!(error = %e, jobs = jobs.len(), "a rule intake batch failed: each job is tried alone");
                let mut answers = Vec::with_capacity(jobs.len());
                for job in &jobs {
                    let answer = insert(&pool, &[job]).await;
                    if answer.is_ok() {
                        commits.fetch_add(1, Ordering::Relaxed);
                    }
                    answers.push(answer.map(|q| q.first() == Some(&true)));
                }
                answers
            }
        };
        for ((_, waiter), answer) in batch.drain(..).zip(answers) {
            // A handler that stopped waiting (its client left) needs no answer: its job is
            // committed, and a redelivery is answered as a duplicate.
            let _ = waiter.send(answer);
        }
    }
}

/// The insert of `n` jobs, one statement (so one transaction, and one round trip): `$1` is the
/// time, then six parameters a job (id, event, action, message, payload, org). It answers the ids
/// of the rows it made.
fn insert_query(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let p = |k: usize| format!("${}", 2 + 6 * i + k);
            format!(
                "({}, {}, {}, {}, {}, 'queued', $1, $1, $1, {})",
                p(0),
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )
        })
        .collect();
    format!(
        "INSERT INTO rule_jobs (id, event_id, action, message_id, payload, state, next_at, created_at, updated_at, org_id)
         VALUES {}
         ON CONFLICT (org_id, event_id, action) DO NOTHING RETURNING id",
        rows.join(", ")
    )
}

/// Inserts `jobs` in one statement: for each, whether it was new. A job already queued (in an
/// earlier commit, or earlier in this batch: rows go in in order) is left as it is, as a single
/// insert would.
async fn insert(pool: &AnyPool, jobs: &[&NewJob]) -> Result<Vec<bool>, String> {
    let t = now_ms();
    let ids: Vec<String> = jobs
        .iter()
        .map(|_| format!("job_{t:x}_{:016x}", rand::random::<u64>()))
        .collect();
    let sql = insert_query(jobs.len());
    let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)).bind(t);
    for (job, id) in jobs.iter().zip(&ids) {
        query = query
            .bind(id)
            .bind(&job.event_id)
            .bind(&job.action)
            .bind(&job.message_id)
            .bind(&job.payload)
            .bind(&job.org_id);
    }
    let made: HashSet<String> = query
        .fetch_all(pool)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(id,)| id)
        .collect();
    Ok(ids.iter().map(|id| made.contains(id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;

    fn job(event: &str) -> NewJob {
        NewJob {
            org_id: "00DA".into(),
            event_id: event.into(),
            action: "send_to_salesforce".into(),
            message_id: format!("msg_{event}"),
            payload: "{}".into(),
        }
    }

    async fn rows(db: &Db) -> Vec<String> {
        sqlx::query_as::<_, (String,)>("SELECT event_id FROM rule_jobs ORDER BY event_id")
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(e,)| e)
            .collect()
    }

    /// Runs the writer over `jobs`, all queued before it starts (as if they arrived while a
    /// commit ran), until they are answered: their answers, and how many commits it took.
    async fn write_queued(db: &Db, jobs: Vec<NewJob>) -> (Vec<Answer>, u64) {
        let (sender, waiting) = mpsc::channel(jobs.len());
        let mut answers = Vec::new();
        for job in jobs {
            let (answer, answered) = oneshot::channel();
            sender.try_send((job, answer)).unwrap();
            answers.push(answered);
        }
        drop(sender);
        let commits = Arc::new(AtomicU64::new(0));
        run(db.pool.clone(), waiting, Arc::clone(&commits)).await;
        let mut answered = Vec::new();
        for answer in answers {
            answered.push(answer.await.unwrap());
        }
        (answered, commits.load(Ordering::Relaxed))
    }

    #[test]
    fn one_statement_numbers_each_jobs_parameters() {
        let q = insert_query(2);
        assert!(
            q.contains("VALUES ($2, $3, $4, $5, $6, 'queued', $1, $1, $1, $7), ($8, $9, $10, $11, $12, 'queued', $1, $1, $1, $13)"),
            "{q}"
        );
    }

    #[tokio::test]
    async fn what_waits_for_the_writer_goes_in_one_commit_up_to_the_bound() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        let jobs: Vec<NewJob> = (0..BATCH_MAX + 10)
            .map(|i| job(&format!("e{i:03}")))
            .collect();
        let (answers, commits) = write_queued(&db, jobs).await;
        assert!(answers.iter().all(|a| a == &Ok(true)), "{answers:?}");
        assert_eq!(commits, 2, "one full batch, then the rest");
        assert_eq!(rows(&db).await.len(), BATCH_MAX + 10);
    }

    async fn duplicates(db: &Db) {
        // Twice in one batch: the first is queued, the second answered as a redelivery.
        let (answers, commits) = write_queued(db, vec![job("a"), job("b"), job("a")]).await;
        assert_eq!(answers, [Ok(true), Ok(true), Ok(false)]);
        assert_eq!(commits, 1);
        // Again in a later batch, and through the database's own writer.
        let (answers, _) = write_queued(db, vec![job("b"), job("c")]).await;
        assert_eq!(answers, [Ok(false), Ok(true)]);
        assert!(
            !db.enqueue("00DA", "a", "send_to_salesforce", "msg_a", "{}")
                .await
                .unwrap()
        );
        assert!(
            db.enqueue("00DA", "a", "create_lead", "msg_a", "{}")
                .await
                .unwrap()
        );
        // Another org's event of the same id is its own, not a redelivery.
        assert!(
            db.enqueue("00DB", "a", "send_to_salesforce", "msg_a", "{}")
                .await
                .unwrap()
        );
        assert_eq!(rows(db).await, ["a", "a", "a", "b", "c"]);
    }

    #[tokio::test]
    async fn a_redelivery_is_a_duplicate_in_the_same_batch_or_a_later_one() {
        duplicates(&Db::connect("sqlite::memory:").await.unwrap()).await;
        if let Some(url) = crate::store::tests::postgres().await {
            duplicates(&Db::connect(&url).await.unwrap()).await;
        }
    }

    #[tokio::test]
    async fn a_failed_batch_acknowledges_only_what_was_committed() {
        let db = Db::connect("sqlite::memory:").await.unwrap();
        sqlx::query(
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON rule_jobs WHEN NEW.event_id = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let (answers, commits) =
            write_queued(&db, vec![job("good"), job("bad"), job("fine")]).await;
        assert_eq!(answers[0], Ok(true));
        assert!(
            answers[1].as_ref().is_err_and(|e| e.contains("refused")),
            "{answers:?}"
        );
        assert_eq!(answers[2], Ok(true));
        assert_eq!(
            commits, 2,
            "the batch failed; the good jobs were committed alone"
        );
        assert_eq!(rows(&db).await, ["fine", "good"]);
        // Through the handlers' path, the refusal is an error (a 500 the sender retries).
        assert!(
            db.enqueue("00DA", "bad", "send_to_salesforce", "m", "{}")
                .await
                .is_err()
        );
        assert_eq!(rows(&db).await, ["fine", "good"]);
    }
}
