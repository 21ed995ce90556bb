//! Reading the composite's answer into what the panel shows.

use pane_wire::api::{MatchReason, PanelData, RecordView, RelatedList};
use pane_wire::bridge::{Handle, HandleKind};
use serde_json::{Map, Value};

/// The child relationships read as related lists, not fields.
const LISTS: &[&str] = &[
    "Cases",
    "OpenActivities",
    "ActivityHistories",
    "Opportunities",
    "Contacts",
];

/// The body of subrequest `reference`, when it succeeded.
fn part<'a>(composite: &'a Value, reference: &str) -> Option<&'a Value> {
    composite
        .get("compositeResponse")?
        .as_array()?
        .iter()
        .find(|r| r.get("referenceId").and_then(Value::as_str) == Some(reference))
        .filter(|r| r.get("httpStatusCode").and_then(Value::as_u64) == Some(200))
        .and_then(|r| r.get("body"))
}

fn rows<'a>(body: Option<&'a Value>, key: &str) -> &'a [Value] {
    body.and_then(|b| b.get(key))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A record from a query row: its type, id and fields (related lists left out).
pub fn record(row: &Value) -> Option<RecordView> {
    let object = row.pointer("/attributes/type")?.as_str()?.to_owned();
    let id = row.get("Id")?.as_str()?.to_owned();
    let fields: Map<String, Value> = row
        .as_object()?
        .iter()
        .filter(|(k, _)| *k != "attributes" && !LISTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(RecordView { object, id, fields })
}

fn list(row: Option<&Value>, relationship: &str) -> RelatedList {
    let Some(value) = row
        .and_then(|r| r.get(relationship))
        .filter(|v| !v.is_null())
    else {
        return RelatedList::default();
    };
    let records: Vec<RecordView> = rows(Some(value), "records")
        .iter()
        .filter_map(record)
        .collect();
    RelatedList {
        total: value
            .get("totalSize")
            .and_then(Value::as_u64)
            .unwrap_or(records.len() as u64),
        records,
    }
}

/// What the panel shows for `handle`, from the answer to [`super::plan::plan`].
pub fn answer(handle: &Handle, composite: &Value) -> PanelData {
    let contacts = rows(part(composite, "contacts"), "records");
    let leads = rows(part(composite, "leads"), "records");
    let person_row = contacts.first().or_else(|| leads.first());
    let person = person_row.and_then(record);
    let mut candidates: Vec<RecordView> = match handle.kind {
        HandleKind::Email => contacts.iter().chain(leads).filter_map(record).collect(),
        HandleKind::Phone => rows(part(composite, "phone"), "searchRecords")
            .iter()
            .filter_map(record)
            .collect(),
    };
    if candidates.len() < 2 {
        candidates.clear();
    }
    let account_row = if contacts.is_empty() {
        None
    } else {
        rows(part(composite, "account"), "records").first()
    };
    let domain_row = rows(part(composite, "domainAccount"), "records")
        .first()
        .or_else(|| rows(part(composite, "peopleAccount"), "records").first());
    let (reason, account_row) = match (&person, account_row, domain_row) {
        (Some(_), account, _) => (
            if handle.kind == HandleKind::Email {
                MatchReason::Email
            } else {
                MatchReason::Phone
            },
            account,
        ),
        (None, _, Some(domain)) => (MatchReason::Domain, Some(domain)),
        (None, _, None) => (MatchReason::None, None),
    };
    let account_contacts = if reason == MatchReason::Domain {
        list(account_row, "Contacts")
    } else {
        RelatedList::default()
    };
    PanelData {
        handle: handle.value.clone(),
        reason,
        person,
        account: account_row.and_then(record),
        opportunities: list(account_row, "Opportunities"),
        cases: list(person_row, "Cases"),
        open_activities: list(person_row, "OpenActivities"),
        history: list(person_row, "ActivityHistories"),
        account_contacts,
        candidates,
        stale: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn handle(value: &str) -> Handle {
        Handle {
            kind: HandleKind::Email,
            value: value.into(),
            name: None,
        }
    }

    fn sub(reference: &str, status: u64, body: Value) -> Value {
        json!({"referenceId": reference, "httpStatusCode": status, "httpHeaders": {}, "body": body})
    }

    fn row(object: &str, id: &str, extra: Value) -> Value {
        let mut r = json!({"attributes": {"type": object, "url": format!("/x/{id}")}, "Id": id});
        if let (Some(map), Value::Object(extra)) = (r.as_object_mut(), extra) {
            map.extend(extra);
        }
        r
    }

    fn halted(reference: &str) -> Value {
        sub(
            reference,
            400,
            json!([{"errorCode": "PROCESSING_HALTED", "message": "..."}]),
        )
    }

    #[test]
    fn a_contact_with_its_account_and_lists() {
        let cases = json!({"totalSize": 3, "done": true, "records": [row("Case", "500A", json!({"Subject": "S"}))]});
        let composite = json!({"compositeResponse": [
            sub("contacts", 200, json!({"totalSize": 1, "done": true, "records": [row("Contact", "003A", json!({"Name": "Rose", "Cases": cases, "OpenActivities": null, "ActivityHistories": null}))]})),
            sub("leads", 200, json!({"totalSize": 0, "done": true, "records": []})),
            sub("account", 200, json!({"totalSize": 1, "done": true, "records": [row("Account", "001A", json!({"Name": "Edge", "Opportunities": {"totalSize": 1, "done": true, "records": [row("Opportunity", "006A", json!({}))]}}))]})),
            sub("domainAccount", 200, json!({"totalSize": 1, "done": true, "records": [row("Account", "001A", json!({}))]})),
        ]});
        let data = answer(&handle("rose@edge.com"), &composite);
        assert_eq!(data.reason, MatchReason::Email);
        assert_eq!(data.person.as_ref().unwrap().fields["Name"], "Rose");
        assert!(
            !data.person.as_ref().unwrap().fields.contains_key("Cases"),
            "lists are not fields"
        );
        assert_eq!(data.account.as_ref().unwrap().id, "001A");
        assert_eq!(data.cases.total, 3);
        assert_eq!(data.cases.records.len(), 1);
        assert_eq!(data.opportunities.total, 1);
        assert_eq!(data.open_activities, RelatedList::default());
        assert!(
            data.account_contacts.records.is_empty(),
            "only for a domain match"
        );
        assert!(data.candidates.is_empty(), "one match, no choice");
    }

    #[test]
    fn a_lead_when_no_contact() {
        let composite = json!({"compositeResponse": [
            sub("contacts", 200, json!({"totalSize": 0, "done": true, "records": []})),
            sub("leads", 200, json!({"totalSize": 1, "done": true, "records": [row("Lead", "00QA", json!({"Name": "Bertha"}))]})),
            halted("account"),
        ]});
        let data = answer(&handle("bertha@fcof.net"), &composite);
        assert_eq!(data.reason, MatchReason::Email);
        assert_eq!(data.person.unwrap().object, "Lead");
        assert_eq!(data.account, None);
    }

    #[test]
    fn the_domain_account_when_no_person() {
        let composite = json!({"compositeResponse": [
            sub("contacts", 200, json!({"totalSize": 0, "done": true, "records": []})),
            sub("leads", 200, json!({"totalSize": 0, "done": true, "records": []})),
            halted("account"),
            halted("domainAccount"),
            sub("peopleAccount", 200, json!({"totalSize": 1, "done": true, "records": [row("Account", "001B", json!({"Name": "Burlington", "Contacts": {"totalSize": 1, "done": true, "records": [row("Contact", "003J", json!({"Name": "Jack"}))]}}))]})),
        ]});
        let data = answer(&handle("tim.barr@burlington.com"), &composite);
        assert_eq!(data.reason, MatchReason::Domain);
        assert_eq!(data.person, None);
        assert_eq!(data.account.unwrap().fields["Name"], "Burlington");
        assert_eq!(data.account_contacts.records[0].fields["Name"], "Jack");
    }

    #[test]
    fn nothing_and_several() {
        let composite = json!({"compositeResponse": [
            sub("contacts", 200, json!({"totalSize": 0, "done": true, "records": []})),
            sub("leads", 200, json!({"totalSize": 0, "done": true, "records": []})),
            halted("account"),
            halted("domainAccount"),
            halted("peopleAccount"),
        ]});
        let data = answer(&handle("zoe@nowhere.example"), &composite);
        assert_eq!(
            (data.reason, data.person, data.account),
            (MatchReason::None, None, None)
        );

        let two = json!({"compositeResponse": [
            sub("contacts", 200, json!({"totalSize": 1, "done": true, "records": [row("Contact", "003A", json!({}))]})),
            sub("leads", 200, json!({"totalSize": 1, "done": true, "records": [row("Lead", "00QA", json!({}))]})),
        ]});
        let data = answer(&handle("shared@edge.com"), &two);
        assert_eq!(
            data.person.unwrap().object,
            "Contact",
            "a Contact wins over a Lead"
        );
        assert_eq!(data.candidates.len(), 2);
        assert_eq!(
            answer(&handle("x@y.z"), &json!({"unexpected": true})).reason,
            MatchReason::None
        );
    }
}
