//! What a batch of *Send to Salesforce* jobs of one org does, decided without I/O: one
//! composite finds every message's person (`Email IN (...)`), its teammate as a Salesforce
//! user and a Task an earlier attempt made; then each job is already logged, has nobody to log
//! on, or has a Task to write, all written by one sObject Collections upsert on the marker
//! (`Pane_Message_Id__c`), each job's outcome read from its own result row.

use std::collections::HashMap;

use pane_salesforce::{Composite, CompositeError, Filter, Order, Ref, Request, Select};
use serde_json::Value;

/// The marker field on logged Tasks.
pub const MARKER_FIELD: &str = "Pane_Message_Id__c";

/// The most jobs one batch takes: an sObject Collections upsert takes "up to 200 records"
/// (Upsert Records Using sObject Collections,
/// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html).
/// The lookup's queries go in a composite's body, not a URI (so the 16,384-byte URI limit does
/// not bound them, https://help.salesforce.com/s/articleView?id=000386264): 200 ids and
/// addresses of at most 80 characters stay far inside a SOQL statement's 100,000 characters
/// (SOQL and SOSL Limits for Search Queries,
/// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
pub const MAX_BATCH: usize = 200;

/// The lookup's subrequests.
pub const MARKERS: Ref = Ref::named("markers");
/// The Contacts with the messages' addresses.
pub const CONTACTS: Ref = Ref::named("contacts");
/// The open Leads with the messages' addresses.
pub const LEADS: Ref = Ref::named("leads");
/// The teammates who wrote the messages, as active Salesforce users.
pub const OWNERS: Ref = Ref::named("owners");

/// One queued message logged by email, as a batch sees it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// The message's id: the Task's marker.
    pub message_id: &'a str,
    /// The person's address.
    pub email: &'a str,
    /// The teammate who wrote it, if one did.
    pub teammate: Option<&'a str>,
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim().to_lowercase();
        if !v.is_empty() && !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// The one composite that finds, for all `items`, the Tasks already made, the newest Contact
/// and the newest open Lead of each address, and the teammates as users.
pub fn lookup(version: &str, items: &[Item<'_>]) -> Result<Composite, CompositeError> {
    let mut c = Composite::new(version);
    let markers: Vec<&str> = items.iter().map(|i| i.message_id).collect();
    let emails = distinct(items.iter().map(|i| i.email));
    let recent = || [Order::desc("LastModifiedDate")];
    c.add(
        MARKERS,
        Request::Query(
            Select::from("Task")
                .fields([MARKER_FIELD])
                .filter(Filter::is_in(MARKER_FIELD, markers)),
        ),
    )?;
    c.add(
        CONTACTS,
        Request::Query(
            Select::from("Contact")
                .fields(["Email", "AccountId"])
                .filter(Filter::is_in("Email", emails.clone()))
                .order(recent()),
        ),
    )?;
    c.add(
        LEADS,
        Request::Query(
            Select::from("Lead")
                .fields(["Email"])
                .filter(Filter::And(vec![
                    Filter::is_in("Email", emails),
                    Filter::eq("IsConverted", false),
                ]))
                .order(recent()),
        ),
    )?;
    let teammates = distinct(items.iter().filter_map(|i| i.teammate));
    if !teammates.is_empty() {
        c.add(
            OWNERS,
            Request::Query(
                Select::from("User")
                    .fields(["Email"])
                    .filter(Filter::And(vec![
                        Filter::is_in("Email", teammates),
                        Filter::eq("IsActive", true),
                    ])),
            ),
        )?;
    }
    Ok(c)
}

/// The rows the lookup answered.
#[derive(Debug, Default, Clone, Copy)]
pub struct Found<'a> {
    /// Tasks with one of the markers.
    pub markers: &'a [Value],
    /// Contacts, newest first.
    pub contacts: &'a [Value],
    /// Open Leads, newest first.
    pub leads: &'a [Value],
    /// Active users.
    pub owners: &'a [Value],
}

/// What one job of the batch does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An earlier attempt made its Task (`task`): it is logged, and nothing is written (an
    /// update would be refused: TaskSubtype is create-only).
    Logged {
        /// The Task.
        task: String,
    },
    /// No Contact or Lead has the address.
    NoMatch,
    /// Its Task is written on `who` (`object`), owned by `owner` when the teammate is a user.
    Write {
        /// `Contact` or `Lead`.
        object: String,
        /// The person.
        who: String,
        /// The teammate's user.
        owner: Option<String>,
    },
}

fn text<'v>(row: &'v Value, key: &str) -> Option<&'v str> {
    row.get(key).and_then(Value::as_str)
}

/// The first row of `rows` per lowercased `key` (rows come newest first): its id.
fn first_by(rows: &[Value], key: &str) -> HashMap<String, String> {
    let mut by = HashMap::new();
    for row in rows {
        if let (Some(k), Some(id)) = (text(row, key), text(row, "Id")) {
            by.entry(k.to_lowercase()).or_insert_with(|| id.to_owned());
        }
    }
    by
}

/// Each item's step, in order: a Task already made wins, then the newest Contact, then the
/// newest open Lead (as one message's own composite decides).
pub fn plan(items: &[Item<'_>], found: Found<'_>) -> Vec<Step> {
    let markers = first_by(found.markers, MARKER_FIELD);
    let contacts = first_by(found.contacts, "Email");
    let leads = first_by(found.leads, "Email");
    let owners = first_by(found.owners, "Email");
    items
        .iter()
        .map(|item| {
            if let Some(task) = markers.get(&item.message_id.to_lowercase()) {
                return Step::Logged { task: task.clone() };
            }
            let email = item.email.trim().to_lowercase();
            let person = contacts
                .get(&email)
                .map(|id| ("Contact", id))
                .or_else(|| leads.get(&email).map(|id| ("Lead", id)));
            match person {
                None => Step::NoMatch,
                Some((object, who)) => Step::Write {
                    object: object.to_owned(),
                    who: who.clone(),
                    owner: item
                        .teammate
                        .and_then(|t| owners.get(&t.trim().to_lowercase()).cloned()),
                },
            }
        })
        .collect()
}

/// One row of an sObject Collections upsert's answer: the Task's id and whether it was
/// created, or the first error's code and message.
pub fn upsert_result(row: &Value) -> Result<(String, bool), (String, String)> {
    if row.get("success").and_then(Value::as_bool) == Some(true)
        && let Some(id) = text(row, "id")
    {
        let created = row.get("created").and_then(Value::as_bool).unwrap_or(true);
        return Ok((id.to_owned(), created));
    }
    let error = row.pointer("/errors/0");
    let field = |k: &str| {
        error
            .and_then(|e| text(e, k))
            .unwrap_or_default()
            .to_owned()
    };
    Err((field("statusCode"), field("message")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item<'a>(message_id: &'a str, email: &'a str, teammate: Option<&'a str>) -> Item<'a> {
        Item {
            message_id,
            email,
            teammate,
        }
    }

    fn write(object: &str, who: &str, owner: Option<&str>) -> Step {
        Step::Write {
            object: object.into(),
            who: who.into(),
            owner: owner.map(Into::into),
        }
    }

    #[test]
    fn each_job_gets_its_own_step_from_the_shared_answer() {
        let markers = [json!({"Id": "00T1", "Pane_Message_Id__c": "msg_done"})];
        let contacts = [
            json!({"Id": "003new", "Email": "Rose@Edge.com"}),
            json!({"Id": "003old", "Email": "rose@edge.com"}),
        ];
        let leads = [
            json!({"Id": "00Qrose", "Email": "rose@edge.com"}),
            json!({"Id": "00Qlee", "Email": "lee@lead.example"}),
        ];
        let owners = [json!({"Id": "005ben", "Email": "ben@pane-support.example"})];
        let found = Found {
            markers: &markers,
            contacts: &contacts,
            leads: &leads,
            owners: &owners,
        };
        let table = [
            // (item, step, why)
            (
                item("msg_done", "rose@edge.com", None),
                Step::Logged {
                    task: "00T1".into(),
                },
                "a Task an earlier attempt made",
            ),
            (
                item("m1", " ROSE@edge.com", None),
                write("Contact", "003new", None),
                "the newest Contact, whatever the case, before a Lead",
            ),
            (
                item("m2", "lee@lead.example", Some("Ben@pane-support.example")),
                write("Lead", "00Qlee", Some("005ben")),
                "an open Lead, owned by the teammate's user",
            ),
            (
                item(
                    "m3",
                    "lee@lead.example",
                    Some("intern@pane-support.example"),
                ),
                write("Lead", "00Qlee", None),
                "a teammate who is no user: the integration user's Task",
            ),
            (
                item("m4", "nobody@nowhere.example", None),
                Step::NoMatch,
                "nobody has the address",
            ),
        ];
        let items: Vec<Item<'_>> = table.iter().map(|(i, ..)| *i).collect();
        let steps = plan(&items, found);
        for ((_, want, why), got) in table.iter().zip(&steps) {
            assert_eq!(got, want, "{why}");
        }
    }

    #[test]
    fn upsert_rows_give_each_job_its_task_or_its_error() {
        let table = [
            (
                json!({"id": "00T1", "success": true, "errors": [], "created": true}),
                Ok(("00T1".to_owned(), true)),
            ),
            (
                json!({"id": "00T2", "success": true, "errors": [], "created": false}),
                Ok(("00T2".to_owned(), false)),
            ),
            (
                json!({"success": false, "errors": [{"statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "message": "no", "fields": []}]}),
                Err((
                    "INVALID_FIELD_FOR_INSERT_UPDATE".to_owned(),
                    "no".to_owned(),
                )),
            ),
            (json!({}), Err((String::new(), String::new()))),
        ];
        for (row, want) in table {
            assert_eq!(upsert_result(&row), want, "{row}");
        }
    }

    #[test]
    fn the_lookup_is_one_composite_of_distinct_addresses() {
        let items = [
            item("m1", "Rose@Edge.com", Some("ben@pane-support.example")),
            item("m2", "rose@edge.com", None),
            item("m3", "o'brien@x.example", None),
        ];
        let body = serde_json::to_string(&lookup("62.0", &items).unwrap().body()).unwrap();
        assert!(
            body.contains(
                "Email%20IN%20%28%27rose%40edge.com%27%2C%20%27o%5C%27brien%40x.example%27%29"
            ),
            "each address once, lowercased, escaped: {body}"
        );
        assert!(body.contains("\"referenceId\":\"owners\""), "{body}");
        let none = serde_json::to_string(&lookup("62.0", &items[1..]).unwrap().body()).unwrap();
        assert!(
            !none.contains("owners"),
            "no teammate, no user query: {none}"
        );
    }
}
