//! The rule worker: takes queued jobs with a lease (so replicas sharing a database never run
//! one twice at once, and a job whose worker died is taken again), does the Salesforce work in
//! as few requests as possible, and records the outcome. A retried *Send to Salesforce* first
//! looks for the marker an earlier attempt may have written (`Pane_Message_Id__c` on the
//! Task) and writes the Task as an upsert on it, so a crash between Salesforce's commit and ours,
//! or two attempts racing, never logs a message twice; a retried
//! *Create lead* finds the Lead it made.

use pane_salesforce::{
    Composite, CompositeAnswer, CompositeError, Filter, Order, Ref, Request, Scope, Search, Select,
    inert, reference_value,
};
use pane_wire::api::Budget;
use serde_json::{Value, json};

use super::event::{
    Counterpart, Decision, Event, Message, body_text, counterpart, is_call, lead_names,
};
use super::retry::{Next, decide};
use crate::clock::now_ms;
use crate::gateway::Salesforce;
use crate::store::jobs::{Finish, Job, LINK_REFUSED, NO_INTEGRATION};
use crate::{AppState, ProxyError};

/// How long rule work waits when the quota budget pauses it.
pub const PAUSE_MS: i64 = 10 * 60 * 1000;
pub use super::plan::MARKER_FIELD;

fn jitter() -> f64 {
    f64::from(rand::random::<u32>()) / f64::from(u32::MAX)
}

fn done(
    outcome: &str,
    detail: impl Into<String>,
    record: Option<(String, String)>,
    requests: i64,
) -> Finish {
    Finish {
        state: "done",
        outcome: outcome.to_owned(),
        detail: detail.into(),
        record,
        requests,
        next_at: 0,
        refund_attempt: false,
    }
}

/// What one attempt ended with, before it is written.
#[derive(Clone)]
pub(super) enum Attempt {
    Finished(Finish),
    Failed {
        error: pane_salesforce::Error,
        requests: i64,
    },
    /// Waits (its attempt refunded) for what stopped it to pass: `why`, after `requests`.
    Paused {
        why: String,
        requests: i64,
    },
}

/// Runs one job on its own and records how it ended.
pub(super) async fn run(state: &AppState, job: Job) {
    let attempt = attempt(state, &job).await;
    settle(state, &job, attempt).await;
}

/// Records how an attempt at `job` ended: done, dead, or waiting for its retry.
pub(super) async fn settle(state: &AppState, job: &Job, attempt: Attempt) {
    settle_all(state, vec![(job, attempt)]).await;
}

/// Records how the attempts at jobs one lease holds ended, with one commit.
pub(super) async fn settle_all(state: &AppState, ends: Vec<(&Job, Attempt)>) {
    let Some(lease) = ends.first().map(|(job, _)| job.lease.clone()) else {
        return;
    };
    let finishes: Vec<(&Job, Finish)> = ends
        .into_iter()
        .map(|(job, attempt)| (job, ending(job, attempt)))
        .collect();
    let rows: Vec<(&str, &Finish)> = finishes
        .iter()
        .map(|(job, f)| (job.view.id.as_str(), f))
        .collect();
    match state.services.db.finish_all(&lease, &rows).await {
        Ok(held) => {
            for ((job, finish), held) in finishes.iter().zip(held) {
                if held {
                    state.metrics.job_finished(finish.state, &finish.outcome);
                    tracing::info!(job = %job.view.id, action = %job.view.action, state = finish.state, outcome = %finish.outcome, "rule job");
                } else {
                    tracing::warn!(job = %job.view.id, "a rule job's lease ran out before it finished");
                }
            }
        }
        Err(err) => {
            tracing::error!(%err, jobs = finishes.len(), "recording rule jobs failed; they will run again")
        }
    }
    // A Task or Lead a job wrote shows in its person's panel: the org's cached panels are
    // stale now, on every replica.
    let mut wrote: Vec<&str> = finishes
        .iter()
        .filter(|(_, f)| f.record.is_some())
        .map(|(job, _)| job.org_id.as_str())
        .collect();
    wrote.dedup();
    for org in wrote {
        state.panel_cache.forget_org(org).await;
    }
}

/// How an attempt at `job` is written: done, dead, or waiting for its retry.
fn ending(job: &Job, attempt: Attempt) -> Finish {
    let attempt = match attempt {
        // The integration user's link is gone: nothing can succeed until an admin links it
        // again, which resumes the job at once. Nothing is dead-lettered for it.
        Attempt::Failed {
            error:
                pane_salesforce::Error::OAuth {
                    error, description, ..
                },
            ..
        } if error == "invalid_grant" => Attempt::Paused {
            why: format!("{LINK_REFUSED} ({description}); an admin links it again in Settings"),
            requests: 0,
        },
        other => other,
    };
    match attempt {
        Attempt::Finished(f) => f,
        Attempt::Paused { why, requests } => Finish {
            state: "retry",
            outcome: String::new(),
            detail: why,
            record: None,
            requests,
            next_at: now_ms() + PAUSE_MS,
            refund_attempt: true,
        },
        Attempt::Failed { error, requests } => match decide(&error, job.view.attempts, jitter()) {
            Next::Retry(ms) => Finish {
                state: "retry",
                outcome: String::new(),
                detail: format!("will retry: {error}"),
                record: None,
                requests,
                next_at: now_ms() + ms,
                refund_attempt: false,
            },
            Next::Dead => Finish {
                state: "dead",
                outcome: "failed".into(),
                detail: error.to_string(),
                record: None,
                requests,
                next_at: 0,
                refund_attempt: false,
            },
        },
    }
}

/// A job that cannot succeed, whatever is tried again.
pub(super) fn dead(detail: String) -> Attempt {
    dead_after(detail, 0)
}

/// [`dead`], after `requests` were made.
pub(super) fn dead_after(detail: String, requests: i64) -> Attempt {
    Attempt::Finished(Finish {
        state: "dead",
        outcome: "failed".into(),
        ..done("", detail, None, requests)
    })
}

/// Why rule work waits for the quota.
const QUOTA_LOW: &str = "paused: the API quota budget is low; resumes when it resets";

/// A request the gateway did not send (`err`), after `requests` were: the quota at its last
/// reserve pauses the job, as a low budget does before it starts; the proxy's own failure
/// (its database) ends it, as it does before the first request. Neither is retried as a
/// network failure.
pub(super) fn not_sent(err: ProxyError, requests: i64) -> Attempt {
    match err {
        ProxyError::QuotaReserve => Attempt::Paused {
            why: QUOTA_LOW.into(),
            requests,
        },
        ProxyError::Upstream(error) => Attempt::Failed { error, requests },
        other => dead_after(other.to_string(), requests),
    }
}

/// What a job runs with: the integration user's org's settings and its Salesforce, once the
/// integration is on and the quota allows work; else how the attempt ends.
pub(super) async fn prepare(
    state: &AppState,
    org_id: &str,
) -> Result<(crate::store::Link, pane_wire::api::OrgSettings, Salesforce), Attempt> {
    let db = &state.services.db;
    // The org's own integration user, never another org's: without one the job is held (not
    // dead) until an admin of that org links one, which resumes it.
    let link = match db.integration(org_id).await {
        Ok(Some(link)) => link,
        Ok(None) => {
            return Err(Attempt::Paused {
                why: format!("{NO_INTEGRATION}; an admin links one in Settings"),
                requests: 0,
            });
        }
        Err(err) => return Err(dead(err.to_string())),
    };
    let settings = match crate::org::org_settings(state, &link.org_id).await {
        Ok(s) => s,
        Err(err) => return Err(dead(err.to_string())),
    };
    if !settings.enabled {
        return Err(Attempt::Paused {
            why: "paused: the integration is turned off".into(),
            requests: 0,
        });
    }
    let salesforce = match Salesforce::for_link(state, &link) {
        Ok(s) => s,
        Err(err) => return Err(dead(err.to_string())),
    };
    match salesforce.budget().await {
        Ok(Budget::Normal) => Ok((link, settings, salesforce)),
        Ok(_) => Err(Attempt::Paused {
            why: QUOTA_LOW.into(),
            requests: 0,
        }),
        Err(err) => Err(dead(err.to_string())),
    }
}

async fn attempt(state: &AppState, job: &Job) -> Attempt {
    let event: Event = match serde_json::from_str(&job.payload) {
        Ok(e) => e,
        Err(e) => return dead(format!("the stored event cannot be read: {e}")),
    };
    let (link, settings, salesforce) = match prepare(state, &job.org_id).await {
        Ok(ready) => ready,
        Err(ended) => return ended,
    };
    let message = &event.target.data;
    let person = match counterpart(message, &settings.never_log) {
        Decision::Act(p) => p,
        Decision::Skip(why) => return Attempt::Finished(done("skipped", why, None, 0)),
    };
    match job.view.action.as_str() {
        "send_to_salesforce" => send(state, &salesforce, message, &person).await,
        "create_lead" => create_lead(state, &salesforce, &link.user_id, job, &person).await,
        other => dead(format!("unknown action {other}")),
    }
}

const CONTACTS: Ref = Ref::named("contacts");
const LEADS: Ref = Ref::named("leads");
const OWNER: Ref = Ref::named("owner");

/// The person a message is about: `(object, id, account, created by)`.
type Found = (String, String, Option<String>, Option<String>);

fn recent() -> [Order; 1] {
    [Order::desc("LastModifiedDate")]
}

/// The queries that find the person by email: the newest Contact, the newest open Lead.
fn person_queries(c: &mut Composite, email: &str) -> Result<(), CompositeError> {
    c.add(
        CONTACTS,
        Request::Query(
            Select::from("Contact")
                .fields(["AccountId"])
                .filter(Filter::eq("Email", email))
                .order(recent())
                .limit(1),
        ),
    )?;
    c.add(
        LEADS,
        Request::Query(
            Select::from("Lead")
                .fields(["CreatedById"])
                .filter(Filter::And(vec![
                    Filter::eq("Email", email),
                    Filter::eq("IsConverted", false),
                ]))
                .order(recent())
                .limit(1),
        ),
    )?;
    Ok(())
}

/// The search that finds the person by phone, in any format (a composite cannot hold it).
fn person_search(phone: &str) -> Search {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    Search::find(&digits, Scope::Phone)
        .returning(
            Select::from("Contact")
                .fields(["AccountId"])
                .order(recent())
                .limit(1),
        )
        .returning(
            Select::from("Lead")
                .fields(["CreatedById"])
                .filter(Filter::eq("IsConverted", false))
                .order(recent())
                .limit(1),
        )
}

/// The first row that is a person, Contacts first.
fn first_person<'a>(rows: impl IntoIterator<Item = &'a Value>) -> Option<Found> {
    let text = |row: &Value, k: &str| row.get(k).and_then(Value::as_str).map(str::to_owned);
    rows.into_iter().find_map(|row| {
        let object = row.pointer("/attributes/type")?.as_str()?.to_owned();
        Some((
            object,
            text(row, "Id")?,
            text(row, "AccountId"),
            text(row, "CreatedById"),
        ))
    })
}

/// The person in the answer to [`person_queries`].
fn person_in(answer: &CompositeAnswer) -> Option<Found> {
    first_person(answer.records(CONTACTS).iter().chain(answer.records(LEADS)))
}

/// A composite that Salesforce would refuse is a bug, not a reason to retry.
fn unbuildable(err: &CompositeError) -> Attempt {
    dead(format!("the request could not be built: {err}"))
}

/// One composite, the `spent`-th request of the job so far; a failure of it, or of any
/// subrequest with a 5xx, is the attempt's failure.
pub(super) async fn lookup(
    salesforce: &Salesforce,
    composite: &Composite,
    spent: i64,
) -> Result<CompositeAnswer, Attempt> {
    let answered = match salesforce
        .call_raw(salesforce.client.composite(composite))
        .await
    {
        Ok(Ok(c)) => c,
        Ok(Err(error)) => {
            return Err(Attempt::Failed {
                error,
                requests: spent + 1,
            });
        }
        Err(err) => return Err(not_sent(err, spent)),
    };
    match answered.server_error() {
        Some(error) => Err(Attempt::Failed {
            error,
            requests: spent + 1,
        }),
        None => Ok(answered),
    }
}

/// The person with a phone number, by one search.
async fn search_person(
    salesforce: &Salesforce,
    phone: &str,
    spent: i64,
) -> Result<Option<Found>, Attempt> {
    match salesforce
        .call_raw(salesforce.client.search(&person_search(phone)))
        .await
    {
        Ok(Ok(rows)) => Ok(first_person(&rows)),
        Ok(Err(error)) => Err(Attempt::Failed {
            error,
            requests: spent + 1,
        }),
        Err(err) => Err(not_sent(err, spent)),
    }
}

/// The Task for `message`, without its person and owner.
fn task_fields(message: &Message) -> serde_json::Map<String, Value> {
    let call = is_call(message);
    let subject = match (&message.subject, call) {
        (_, true) => "Call".to_owned(),
        (Some(s), false) if !s.trim().is_empty() => format!("Email: {}", s.trim()),
        _ => "Email".to_owned(),
    };
    #[allow(clippy::cast_possible_truncation, reason = "seconds since the epoch")]
    let day = crate::gateway::budget::utc_day(message.created_at as i64);
    let task = json!({
        // Text from the message goes into a composite's body: made inert so Salesforce never
        // reads it as a reference.
        "Subject": inert(&subject.chars().take(255).collect::<String>()),
        "ActivityDate": day,
        "Status": "Completed",
        "TaskSubtype": if call { "Call" } else { "Email" },
        "Description": inert(&body_text(message)),
    });
    match task {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// The upsert of `message`'s Task on its marker, for the person `who` and the owner `owner`
/// (ids or references). Salesforce relates it to a Contact's Account itself (Task.AccountId).
fn upsert_task(message: &Message, who: Value, owner: Option<Value>) -> Request {
    Request::Upsert {
        object: "Task".into(),
        field: MARKER_FIELD.into(),
        value: message.id.clone(),
        body: task_body(message, who, owner),
    }
}

/// The Task's fields with its person and, when known, its owner.
pub(super) fn task_body(message: &Message, who: Value, owner: Option<Value>) -> Value {
    let mut body = task_fields(message);
    body.insert("WhoId".into(), who);
    if let Some(owner) = owner {
        body.insert("OwnerId".into(), owner);
    }
    Value::Object(body)
}

/// The query for the teammate who wrote the message, as a Salesforce user.
fn owner_query(teammate: &str) -> Request {
    Request::Query(
        Select::from("User")
            .filter(Filter::And(vec![
                Filter::eq("Email", teammate),
                Filter::eq("IsActive", true),
            ]))
            .limit(1),
    )
}

const MARKER: Ref = Ref::named("marker");
const BY_LEAD: Ref = Ref::named("byLead");
const BY_CONTACT: Ref = Ref::named("byContact");
const TASK: Ref = Ref::named("task");

/// How a logged message ended, from the upserts' answers: the Task's id and whether an
/// earlier attempt had made it.
fn upserted(answer: &CompositeAnswer, refs: &[Ref]) -> Option<(String, bool)> {
    refs.iter().rev().find_map(|r| {
        let body = answer.ok(*r)?;
        let id = body.get("id")?.as_str()?.to_owned();
        let created = body.get("created").and_then(Value::as_bool).unwrap_or(true);
        Some((id, created))
    })
}

pub(super) fn logged(task: (String, bool), on: &str, requests: i64) -> Attempt {
    let (id, created) = task;
    let detail = if created {
        format!("on {on}")
    } else {
        format!("on {on} (already logged by an earlier attempt)")
    };
    Attempt::Finished(done("logged", detail, Some(("Task".into(), id)), requests))
}

/// *Send to Salesforce*. By email, one composite finds the person (and the teammate who wrote
/// it, and a Task an earlier attempt made) and upserts the Task on its marker through
/// references, a Contact's upsert before a Lead's. By phone, a
/// search first (a composite cannot hold one), then the upsert. The upsert makes a retry,
/// after a lost answer or a crash, update the Task it made instead of making another.
async fn send(
    state: &AppState,
    salesforce: &Salesforce,
    message: &Message,
    person: &Counterpart,
) -> Attempt {
    let version = state.services.salesforce.version.clone();
    let teammate = message
        .author
        .as_ref()
        .map(|a| a.email.trim())
        .filter(|e| !e.is_empty());
    let owner_ref = teammate.map(|_| reference_value(&OWNER.first("Id")));
    let mut spent = 0;
    let mut c = Composite::new(&version);
    let built = (|| {
        // A Task an earlier attempt made (its answer lost): its upsert would be an update,
        // which Salesforce refuses for TaskSubtype (create-only), so it is found first.
        c.add(
            MARKER,
            Request::Query(
                Select::from("Task")
                    .filter(Filter::eq(MARKER_FIELD, message.id.as_str()))
                    .limit(1),
            ),
        )?;
        if let Some(teammate) = teammate {
            c.add(OWNER, owner_query(teammate))?;
        }
        if person.is_phone {
            return Ok::<(), CompositeError>(());
        }
        person_queries(&mut c, &person.handle)?;
        // A Contact's upsert first: when a Lead has the address too, its upsert would update
        // that Task, which Salesforce refuses (TaskSubtype is create-only), so the Contact wins.
        for (r, source) in [(BY_CONTACT, CONTACTS), (BY_LEAD, LEADS)] {
            let who = reference_value(&source.first("Id"));
            c.add(r, upsert_task(message, who, owner_ref.clone()))?;
        }
        Ok(())
    })();
    if let Err(err) = built {
        return unbuildable(&err);
    }
    let found = if person.is_phone {
        let found = match search_person(salesforce, &person.handle, spent).await {
            Ok(found) => found,
            Err(failed) => return failed,
        };
        spent += 1;
        let Some(found) = found else {
            return no_match(person, spent);
        };
        // The upsert, with the teammate's user found in the same request.
        if let Err(err) = c.add(
            TASK,
            upsert_task(message, Value::from(found.1.clone()), owner_ref.clone()),
        ) {
            return unbuildable(&err);
        }
        Some(found)
    } else {
        None
    };
    let answer = match lookup(salesforce, &c, spent).await {
        Ok(a) => a,
        Err(failed) => return failed,
    };
    spent += 1;
    let Some((object, who, ..)) = found.or_else(|| person_in(&answer)) else {
        return no_match(person, spent);
    };
    let on = format!("{object} {who}");
    if let Some(marker) = answer
        .records(MARKER)
        .first()
        .and_then(|m| m.get("Id"))
        .and_then(Value::as_str)
    {
        return logged((marker.to_owned(), false), &on, spent);
    }
    if let Some(task) = upserted(&answer, &[BY_LEAD, BY_CONTACT, TASK]) {
        return logged(task, &on, spent);
    }
    if teammate.is_some() && answer.records(OWNER).is_empty() {
        // The teammate is no Salesforce user: the Task is the integration user's.
        let task = task_body(message, Value::from(who.clone()), None);
        let upsert = salesforce
            .client
            .upsert("Task", MARKER_FIELD, &message.id, &task);
        return match salesforce.call_raw(upsert).await {
            Ok(Ok(task)) => logged(task, &on, spent + 1),
            Ok(Err(error)) => Attempt::Failed {
                error,
                requests: spent + 1,
            },
            Err(err) => not_sent(err, spent),
        };
    }
    // Another attempt made the Task meanwhile (its update was refused): it is logged.
    if [BY_CONTACT, BY_LEAD, TASK].iter().any(|r| {
        answer
            .error(*r)
            .is_some_and(|e| e.code() == Some("INVALID_FIELD_FOR_INSERT_UPDATE"))
    }) {
        let marker = Select::from("Task")
            .filter(Filter::eq(MARKER_FIELD, message.id.as_str()))
            .limit(1);
        if let Ok(Ok(page)) = salesforce
            .call_raw(salesforce.client.query(&marker.to_string()))
            .await
            && let Some(id) = page
                .records
                .first()
                .and_then(|r| r.get("Id"))
                .and_then(Value::as_str)
        {
            return logged((id.to_owned(), false), &on, spent + 1);
        }
    }
    // The person was found but the upsert failed: its error is the attempt's.
    let error = [BY_CONTACT, BY_LEAD, TASK]
        .iter()
        .find_map(|r| answer.error(*r))
        .unwrap_or_else(|| pane_salesforce::Error::Malformed {
            status: 200,
            detail: "the composite answered no upsert".into(),
        });
    Attempt::Failed {
        error,
        requests: spent,
    }
}

pub(super) fn no_match(person: &Counterpart, requests: i64) -> Attempt {
    Attempt::Finished(done(
        "no_match",
        format!("no Contact or Lead has {}", person.handle),
        None,
        requests,
    ))
}

/// *Create lead*. The person is looked for first, on every attempt: a Lead an earlier attempt
/// made, whose answer was lost, is found and reported as made (it was made by the integration
/// user after this job's first attempt), never made twice; the create itself is never sent
/// twice by the client. A duplicate rule's match is the Lead that exists.
async fn create_lead(
    state: &AppState,
    salesforce: &Salesforce,
    integration_user: &str,
    job: &Job,
    person: &Counterpart,
) -> Attempt {
    let version = state.services.salesforce.version.clone();
    let found = if person.is_phone {
        search_person(salesforce, &person.handle, 0).await
    } else {
        let mut c = Composite::new(&version);
        if let Err(err) = person_queries(&mut c, &person.handle) {
            return unbuildable(&err);
        }
        lookup(salesforce, &c, 0).await.map(|a| person_in(&a))
    };
    let found = match found {
        Ok(found) => found,
        Err(failed) => return failed,
    };
    if let Some((object, id, _, created_by)) = found {
        let ours = job.view.attempts > 0
            && object == "Lead"
            && created_by.as_deref() == Some(integration_user);
        return Attempt::Finished(if ours {
            done(
                "created",
                format!(
                    "Lead for {} (found after an earlier attempt's answer was lost)",
                    person.handle
                ),
                Some((object, id)),
                1,
            )
        } else {
            done(
                "existed",
                format!("a {object} with {} exists", person.handle),
                Some((object, id)),
                1,
            )
        });
    }
    let (first, last, company) = lead_names(person);
    let mut lead = json!({"LastName": last, "Company": company});
    if let Some(map) = lead.as_object_mut() {
        if !first.is_empty() {
            map.insert("FirstName".into(), Value::from(first));
        }
        map.insert(
            if person.is_phone { "Phone" } else { "Email" }.into(),
            Value::from(person.handle.clone()),
        );
    }
    match salesforce
        .call_raw(salesforce.client.create("Lead", &lead))
        .await
    {
        Ok(Ok(id)) => Attempt::Finished(done(
            "created",
            format!("Lead for {}", person.handle),
            Some(("Lead".into(), id)),
            2,
        )),
        Ok(Err(error)) => match duplicate_of(&error) {
            Some((object, id)) => Attempt::Finished(done(
                "existed",
                format!(
                    "Salesforce's duplicate rule matched a {object} like {}",
                    person.handle
                ),
                Some((object, id)),
                2,
            )),
            None => Attempt::Failed { error, requests: 2 },
        },
        Err(err) => not_sent(err, 1),
    }
}

/// The record a `DUPLICATES_DETECTED` refusal names first.
fn duplicate_of(error: &pane_salesforce::Error) -> Option<(String, String)> {
    let pane_salesforce::Error::Api { errors, .. } = error else {
        return None;
    };
    errors
        .iter()
        .filter(|e| e.error_code == "DUPLICATES_DETECTED")
        .filter_map(|e| e.duplicate_result.as_ref())
        .find_map(|d| {
            let record = d.pointer("/matchResults/0/matchRecords/0/record")?;
            Some((
                record.pointer("/attributes/type")?.as_str()?.to_owned(),
                record.get("Id")?.as_str()?.to_owned(),
            ))
        })
}
