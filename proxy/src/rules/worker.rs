//! The rule worker: takes queued jobs with a lease (so replicas sharing a database never run
//! one twice at once, and a job whose worker died is taken again), does the Salesforce work in
//! as few requests as possible, and records the outcome. A retried *Send to Salesforce* first
//! looks for the marker an earlier attempt may have written (`Pane_Message_Id__c` on the
//! Task), so a crash between Salesforce's commit and ours never logs a message twice; a retried
//! *Create lead* finds the Lead it made.

use std::time::Duration;

use pane_salesforce::escape::{soql_string, sosl_term};
use pane_wire::api::Budget;
use serde_json::{Map, Value, json};

use super::event::{
    Counterpart, Decision, Event, Message, body_text, counterpart, is_call, lead_names,
};
use super::retry::{Next, decide};
use crate::AppState;
use crate::panel::Salesforce;
use crate::store::jobs::{Finish, Job, now_ms};

/// How long rule work waits when the quota budget pauses it.
pub const PAUSE_MS: i64 = 10 * 60 * 1000;
/// The marker field on logged Tasks.
pub const MARKER_FIELD: &str = "Pane_Message_Id__c";

/// Starts `count` workers on the runtime, each holding a job for `lease_ms` at most.
pub fn spawn(state: &AppState, count: usize, lease_ms: i64) {
    for n in 0..count {
        let state = state.clone();
        tokio::spawn(async move {
            let lease = format!("{:016x}-{n}", rand::random::<u64>());
            loop {
                match state.services.db.claim(&lease, lease_ms).await {
                    Ok(Some(job)) => run(&state, job).await,
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
enum Attempt {
    Finished(Finish),
    Failed {
        error: pane_salesforce::Error,
        requests: i64,
    },
    Paused(&'static str),
}

async fn run(state: &AppState, job: Job) {
    let attempt = attempt(state, &job).await;
    let finish = match attempt {
        Attempt::Finished(f) => f,
        Attempt::Paused(why) => Finish {
            state: "retry",
            outcome: String::new(),
            detail: why.to_owned(),
            record: None,
            requests: 0,
            next_at: now_ms() + PAUSE_MS,
            refund_attempt: true,
        },
        Attempt::Failed { error, requests } => match decide(&error, job.attempts, jitter()) {
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
    };
    match state.services.db.finish(&job.id, &job.lease, &finish).await {
        Ok(true) => {
            tracing::info!(job = %job.id, action = %job.action, state = finish.state, outcome = %finish.outcome, "rule job")
        }
        Ok(false) => tracing::warn!(job = %job.id, "a rule job's lease ran out before it finished"),
        Err(err) => {
            tracing::error!(%err, job = %job.id, "recording a rule job failed; it will run again")
        }
    }
}

async fn attempt(state: &AppState, job: &Job) -> Attempt {
    let dead = |detail: String| {
        Attempt::Finished(Finish {
            state: "dead",
            outcome: "failed".into(),
            ..done("", detail, None, 0)
        })
    };
    let event: Event = match serde_json::from_str(&job.payload) {
        Ok(e) => e,
        Err(e) => return dead(format!("the stored event cannot be read: {e}")),
    };
    let db = &state.services.db;
    let link = match db.first_integration().await {
        Ok(Some(link)) => link,
        Ok(None) => {
            return dead(
                "no integration user is linked: an admin links one in the settings".into(),
            );
        }
        Err(err) => return dead(err.to_string()),
    };
    let settings = match crate::settings::org_settings(state, &link.org_id).await {
        Ok(s) => s,
        Err(err) => return dead(err.to_string()),
    };
    if !settings.enabled {
        return Attempt::Paused("paused: the integration is turned off");
    }
    let salesforce = match Salesforce::for_link(state, &link) {
        Ok(s) => s,
        Err(err) => return dead(err.to_string()),
    };
    match salesforce.budget().await {
        Ok(Budget::Normal) => {}
        Ok(_) => {
            return Attempt::Paused("paused: the API quota budget is low; resumes when it resets");
        }
        Err(err) => return dead(err.to_string()),
    }
    let message = &event.target.data;
    let person = match counterpart(message, &settings.never_log) {
        Decision::Act(p) => p,
        Decision::Skip(why) => return Attempt::Finished(done("skipped", why, None, 0)),
    };
    match job.action.as_str() {
        "send_to_salesforce" => send(state, &salesforce, &link.user_id, message, &person).await,
        "create_lead" => create_lead(state, &salesforce, &person).await,
        other => dead(format!("unknown action {other}")),
    }
}

fn query(reference: &str, version: &str, soql: &str) -> Value {
    json!({"method": "GET", "referenceId": reference,
           "url": format!("/services/data/v{version}/query?q={}", crate::url::percent_encode(soql))})
}

/// The subrequests that find the person: `contacts`/`leads` by email, or `phones` by digits.
fn find_person(person: &Counterpart, version: &str) -> Vec<Value> {
    if person.is_phone {
        let digits: String = person.handle.chars().filter(char::is_ascii_digit).collect();
        let sosl = format!(
            "FIND {{{}}} IN PHONE FIELDS RETURNING Contact(Id, AccountId ORDER BY LastModifiedDate DESC LIMIT 1), Lead(Id WHERE IsConverted = false ORDER BY LastModifiedDate DESC LIMIT 1)",
            sosl_term(&digits)
        );
        vec![json!({"method": "GET", "referenceId": "phones",
            "url": format!("/services/data/v{version}/search?q={}", crate::url::percent_encode(&sosl))})]
    } else {
        let email = soql_string(&person.handle);
        vec![
            query(
                "contacts",
                version,
                &format!(
                    "SELECT Id, AccountId FROM Contact WHERE Email = {email} ORDER BY LastModifiedDate DESC LIMIT 1"
                ),
            ),
            query(
                "leads",
                version,
                &format!(
                    "SELECT Id FROM Lead WHERE Email = {email} AND IsConverted = false ORDER BY LastModifiedDate DESC LIMIT 1"
                ),
            ),
        ]
    }
}

fn rows(composite: &Value, reference: &str) -> Vec<Map<String, Value>> {
    composite
        .get("compositeResponse")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| r.get("referenceId").and_then(Value::as_str) == Some(reference))
        .filter_map(|r| r.get("body"))
        .flat_map(|b| {
            b.get("records")
                .or_else(|| b.get("searchRecords"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|r| r.as_object().cloned())
        .collect()
}

/// The first failed subrequest's error, as the client would report it.
fn failed_part(composite: &Value) -> Option<pane_salesforce::Error> {
    composite
        .get("compositeResponse")?
        .as_array()?
        .iter()
        .find(|r| {
            r.get("httpStatusCode")
                .and_then(Value::as_u64)
                .unwrap_or(200)
                >= 500
        })
        .map(|r| {
            let status = r
                .get("httpStatusCode")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(500);
            pane_salesforce::error::from_response(
                status,
                r.get("body")
                    .map(Value::to_string)
                    .unwrap_or_default()
                    .as_bytes(),
            )
        })
}

/// The person found: `(object, id, account)`, Contacts first.
fn person_found(composite: &Value) -> Option<(String, String, Option<String>)> {
    let text =
        |m: &Map<String, Value>, k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
    for reference in ["contacts", "leads", "phones"] {
        for row in rows(composite, reference) {
            let object = row
                .get("attributes")
                .and_then(|a| a.get("type"))
                .and_then(Value::as_str)
                .unwrap_or(if reference == "leads" {
                    "Lead"
                } else {
                    "Contact"
                })
                .to_owned();
            if let Some(id) = text(&row, "Id") {
                return Some((object, id, text(&row, "AccountId")));
            }
        }
    }
    None
}

/// The first request of a job: one composite; a failure of it, or of any subrequest with a
/// 5xx, is the attempt's failure.
async fn lookup(salesforce: &Salesforce, body: &Value) -> Result<Value, Attempt> {
    let composite = match salesforce.call_raw(salesforce.client.composite(body)).await {
        Ok(Ok(c)) => c,
        Ok(Err(error)) => return Err(Attempt::Failed { error, requests: 1 }),
        Err(err) => {
            return Err(Attempt::Failed {
                error: pane_salesforce::Error::Transport(err.to_string()),
                requests: 0,
            });
        }
    };
    match failed_part(&composite) {
        Some(error) => Err(Attempt::Failed { error, requests: 1 }),
        None => Ok(composite),
    }
}

async fn send(
    state: &AppState,
    salesforce: &Salesforce,
    integration_user: &str,
    message: &Message,
    person: &Counterpart,
) -> Attempt {
    let version = state.services.salesforce.version.clone();
    let mut requests = find_person(person, &version);
    requests.push(query(
        "marker",
        &version,
        &format!(
            "SELECT Id FROM Task WHERE {MARKER_FIELD} = {} LIMIT 1",
            soql_string(&message.id)
        ),
    ));
    if let Some(teammate) = message
        .author
        .as_ref()
        .map(|a| a.email.trim())
        .filter(|e| !e.is_empty())
    {
        requests.push(query(
            "owner",
            &version,
            &format!(
                "SELECT Id FROM User WHERE Email = {} AND IsActive = true LIMIT 1",
                soql_string(teammate)
            ),
        ));
    }
    let body = json!({"allOrNone": false, "compositeRequest": requests});
    let composite = match lookup(salesforce, &body).await {
        Ok(c) => c,
        Err(failed) => return failed,
    };
    if let Some(marker) = rows(&composite, "marker")
        .first()
        .and_then(|m| m.get("Id"))
        .and_then(Value::as_str)
    {
        return Attempt::Finished(done(
            "logged",
            "already logged by an earlier attempt",
            Some(("Task".into(), marker.to_owned())),
            1,
        ));
    }
    let Some((object, who, account)) = person_found(&composite) else {
        return Attempt::Finished(done(
            "no_match",
            format!("no Contact or Lead has {}", person.handle),
            None,
            1,
        ));
    };
    let owner = rows(&composite, "owner")
        .first()
        .and_then(|m| m.get("Id"))
        .and_then(Value::as_str)
        .map_or_else(|| integration_user.to_owned(), str::to_owned);
    let call = is_call(message);
    let subject = match (&message.subject, call) {
        (_, true) => "Call".to_owned(),
        (Some(s), false) if !s.trim().is_empty() => format!("Email: {}", s.trim()),
        _ => "Email".to_owned(),
    };
    #[allow(clippy::cast_possible_truncation, reason = "seconds since the epoch")]
    let day = crate::quota::utc_day(message.created_at as i64);
    let mut task = json!({
        "Subject": subject.chars().take(255).collect::<String>(),
        "ActivityDate": day,
        "Status": "Completed",
        "TaskSubtype": if call { "Call" } else { "Email" },
        "Description": body_text(message),
        "WhoId": who,
        "OwnerId": owner,
        MARKER_FIELD: message.id,
    });
    if object == "Contact"
        && let (Some(account), Some(map)) = (account, task.as_object_mut())
    {
        map.insert("WhatId".into(), Value::from(account));
    }
    match salesforce
        .call_raw(salesforce.client.create("Task", &task))
        .await
    {
        Ok(Ok(id)) => Attempt::Finished(done(
            "logged",
            format!("on {object} {who}"),
            Some(("Task".into(), id)),
            2,
        )),
        Ok(Err(error)) => Attempt::Failed { error, requests: 2 },
        Err(err) => Attempt::Failed {
            error: pane_salesforce::Error::Transport(err.to_string()),
            requests: 1,
        },
    }
}

async fn create_lead(state: &AppState, salesforce: &Salesforce, person: &Counterpart) -> Attempt {
    let version = state.services.salesforce.version.clone();
    let body = json!({"allOrNone": false, "compositeRequest": find_person(person, &version)});
    let composite = match lookup(salesforce, &body).await {
        Ok(c) => c,
        Err(failed) => return failed,
    };
    if let Some((object, id, _)) = person_found(&composite) {
        return Attempt::Finished(done(
            "existed",
            format!("a {object} with {} exists", person.handle),
            Some((object, id)),
            1,
        ));
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
        Ok(Err(error)) => Attempt::Failed { error, requests: 2 },
        Err(err) => Attempt::Failed {
            error: pane_salesforce::Error::Transport(err.to_string()),
            requests: 1,
        },
    }
}
