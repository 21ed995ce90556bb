//! The workers' loop, and batches: a worker that takes a *Send to Salesforce* job gathers the
//! others of its org still arriving ([`super::gatherer`]), takes them with it (up to
//! [`MAX_BATCH`]), finds all their people in one
//! composite and writes all their Tasks in one sObject Collections upsert on the marker
//! (`Pane_Message_Id__c`, so a retry after a lost answer updates, never makes a second Task).
//! Each job still ends on its own (logged, no match, skipped, failed) from its own row; a job
//! a batch cannot hold (by phone, skipped, unreadable) runs alone as before. The batch's
//! requests are charged to its first job, so the jobs' sum is what Salesforce saw.

use std::sync::Arc;
use std::time::Duration;

use pane_salesforce::Error;
use pane_salesforce::error::ApiErrorItem;
use serde_json::{Value, json};

use super::event::{Counterpart, Decision, Event, Message, counterpart};
use super::gather::Window;
use super::gatherer::gather;
pub use super::plan::MAX_BATCH;
use super::plan::{self, CONTACTS, Found, Item, LEADS, MARKER_FIELD, MARKERS, OWNERS, Step};
use super::worker::{
    Attempt, dead_after, logged, lookup, no_match, not_sent, prepare, run, settle_all, task_body,
};
use crate::AppState;
use crate::store::jobs::Job;

/// The action batches hold.
const SEND: &str = "send_to_salesforce";

/// Starts `count` workers on the runtime, each holding its jobs for `lease_ms` at most; an
/// org's burst is gathered for up to `window` before it is taken ([`super::gatherer`]).
pub fn spawn(state: &AppState, count: usize, lease_ms: i64, window: Window) {
    for n in 0..count {
        let state = state.clone();
        let gatherers = Arc::clone(&state.rules.gatherers);
        tokio::spawn(async move {
            let lease = format!("{:016x}-{n}", rand::random::<u64>());
            let db = &state.services.db;
            loop {
                match gatherers.claim(db, &lease, lease_ms, SEND, window).await {
                    Ok(Some((job, mut gathering))) if job.view.action == SEND => {
                        if gathering.is_some() {
                            gather(db, &job, SEND, window, MAX_BATCH).await;
                        }
                        let more = db
                            .claim_more(&lease, lease_ms, &job.org_id, SEND, MAX_BATCH - 1)
                            .await
                            .unwrap_or_else(|err| {
                                tracing::warn!(%err, "taking more rule jobs failed");
                                Vec::new()
                            });
                        // The batch is taken: the org's next gatherer may start, on what
                        // arrived since (a worker that skipped the org waits to be woken).
                        if gathering.take().is_some() {
                            state.rules.wake.notify_waiters();
                        }
                        let first = job.view.id.clone();
                        let mut jobs = vec![job];
                        jobs.extend(more.into_iter().filter(|j| j.view.id != first));
                        Box::pin(crate::telemetry::job_scope(&first, run_batch(&state, jobs)))
                            .await;
                    }
                    Ok(Some((job, _))) => {
                        let id = job.view.id.clone();
                        Box::pin(crate::telemetry::job_scope(&id, run(&state, job))).await;
                    }
                    Ok(None) => {
                        // Woken by the intake, or every half second for retries and leases.
                        let _ = tokio::time::timeout(
                            Duration::from_millis(500),
                            state.rules.wake.notified(),
                        )
                        .await;
                    }
                    Err(err) => {
                        tracing::warn!(%err, "taking a rule job failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
    }
}

/// A job the batch logs by email: its message and person.
struct Batched {
    job: Job,
    message: Message,
    person: Counterpart,
}

/// Runs `jobs` (all *Send to Salesforce*, of one org): one alone as before; more as a batch.
async fn run_batch(state: &AppState, jobs: Vec<Job>) {
    if jobs.len() == 1 {
        for job in jobs {
            run(state, job).await;
        }
        return;
    }
    let org = jobs.first().map(|j| j.org_id.clone()).unwrap_or_default();
    let Ok((_, settings, salesforce)) = prepare(state, &org).await else {
        // Paused, or nothing can run: each job ends as it would alone.
        for job in jobs {
            run(state, job).await;
        }
        return;
    };
    let mut batch = Vec::new();
    for job in jobs {
        let by_email = serde_json::from_str::<Event>(&job.payload)
            .ok()
            .and_then(|e| match counterpart(&e.target.data, &settings.never_log) {
                Decision::Act(person) if !person.is_phone => Some((e.target.data, person)),
                _ => None,
            });
        match by_email {
            Some((message, person)) => batch.push(Batched {
                job,
                message,
                person,
            }),
            None => run(state, job).await,
        }
    }
    if batch.is_empty() {
        return;
    }
    let ends = attempts(state, &salesforce, &batch).await;
    let ends = batch
        .iter()
        .zip(ends)
        .enumerate()
        .map(|(n, (b, end))| (&b.job, charged(end, n == 0)))
        .collect();
    settle_all(state, ends).await;
}

/// `attempt` with its requests when it is the batch's first job, else with none.
fn charged(attempt: Attempt, first: bool) -> Attempt {
    if first {
        return attempt;
    }
    match attempt {
        Attempt::Finished(f) => Attempt::Finished(crate::store::jobs::Finish { requests: 0, ..f }),
        Attempt::Failed { error, .. } => Attempt::Failed { error, requests: 0 },
        Attempt::Paused { why, .. } => Attempt::Paused { why, requests: 0 },
    }
}

/// Every job's attempt, in order, each carrying all the requests the batch made.
async fn attempts(
    state: &AppState,
    salesforce: &crate::gateway::Salesforce,
    batch: &[Batched],
) -> Vec<Attempt> {
    let all = |a: Attempt| vec![a; batch.len()];
    let items: Vec<Item<'_>> = batch
        .iter()
        .map(|b| Item {
            message_id: &b.message.id,
            email: &b.person.handle,
            teammate: b
                .message
                .author
                .as_ref()
                .map(|a| a.email.trim())
                .filter(|e| !e.is_empty()),
        })
        .collect();
    let version = state.services.salesforce.version.clone();
    let composite = match plan::lookup(&version, &items) {
        Ok(c) => c,
        Err(err) => {
            return all(dead_after(
                format!("the request could not be built: {err}"),
                0,
            ));
        }
    };
    let answer = match lookup(salesforce, &composite, 0).await {
        Ok(a) => a,
        Err(failed) => return all(failed),
    };
    let steps = plan::plan(
        &items,
        Found {
            markers: answer.records(MARKERS),
            contacts: answer.records(CONTACTS),
            leads: answer.records(LEADS),
            owners: answer.records(OWNERS),
        },
    );
    let records: Vec<Value> = batch
        .iter()
        .zip(&steps)
        .filter_map(|(b, step)| match step {
            Step::Write { who, owner, .. } => {
                let mut task = task_body(
                    &b.message,
                    Value::from(who.clone()),
                    owner.clone().map(Value::from),
                );
                task["attributes"] = json!({"type": "Task"});
                task[MARKER_FIELD] = Value::from(b.message.id.clone());
                Some(task)
            }
            _ => None,
        })
        .collect();
    let spent = if records.is_empty() { 1 } else { 2 };
    let mut rows = if records.is_empty() {
        Vec::new().into_iter()
    } else {
        let upsert = salesforce
            .client
            .upsert_many("Task", MARKER_FIELD, records, false);
        match salesforce.call_raw(upsert).await {
            Ok(Ok(rows)) => rows.into_iter(),
            Ok(Err(error)) => {
                return all(Attempt::Failed { error, requests: 2 });
            }
            Err(err) => return all(not_sent(err, 1)),
        }
    };
    batch
        .iter()
        .zip(steps)
        .map(|(b, step)| match step {
            Step::Logged { task } => logged((task, false), "its Task", spent),
            Step::NoMatch => no_match(&b.person, spent),
            Step::Write { object, who, .. } => {
                let on = format!("{object} {who}");
                match rows.next().map(|row| plan::upsert_result(&row)) {
                    Some(Ok(task)) => logged(task, &on, spent),
                    Some(Err((code, message))) => Attempt::Failed {
                        error: Error::Api {
                            status: 400,
                            errors: serde_json::from_value::<Vec<ApiErrorItem>>(
                                json!([{"errorCode": code, "message": message}]),
                            )
                            .unwrap_or_default(),
                        },
                        requests: spent,
                    },
                    None => Attempt::Failed {
                        error: Error::Malformed {
                            status: 200,
                            detail: "the upsert answered fewer rows than records".into(),
                        },
                        requests: spent,
                    },
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_job_carries_the_batchs_requests() {
        let logged = || logged(("00T1".into(), true), "Contact 003", 2);
        let requests = |a: Attempt| match a {
            Attempt::Finished(f) => f.requests,
            Attempt::Failed { requests, .. } | Attempt::Paused { requests, .. } => requests,
        };
        assert_eq!(
            [
                requests(charged(logged(), true)),
                requests(charged(logged(), false))
            ],
            [2, 0]
        );
    }
}
