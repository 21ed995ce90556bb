//! Reading the composite's answer into what the panel shows.

use pane_salesforce::{CompositeAnswer, Ref};
use pane_wire::api::{MatchReason, PanelData, RecordView, RelatedList};
use pane_wire::bridge::{Handle, HandleKind};
use serde_json::{Map, Value};

use super::notes::{ATTACHED_NOTES, CLASSIC_NOTES, notes_in};
use super::plan::{
    ACCOUNT, ACCOUNT_NOTES, CONTACT_ACTIVITIES, CONTACT_NOTES, CONTACTS, DOMAIN_ACCOUNT,
    DOMAIN_NOTES, LEAD_ACTIVITIES, LEAD_NOTES, LEADS, LIST_SIZE, OPPORTUNITIES, list_order,
};

/// The child relationships read as related lists, not fields.
const LISTS: &[&str] = &[
    "Cases",
    "OpenActivities",
    "ActivityHistories",
    "Opportunities",
    "Contacts",
    ATTACHED_NOTES,
    CLASSIC_NOTES,
];

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
    Some(RecordView {
        object,
        id,
        fields,
        notes: None,
        notes_unavailable: false,
    })
}

/// A list's rows and its `totalSize`, from `{"totalSize", "records"}`.
fn rows_of(value: Option<&Value>) -> Option<(Vec<RecordView>, u64)> {
    let value = value.filter(|v| v.is_object())?;
    let records: Vec<RecordView> = rows(Some(value), "records")
        .iter()
        .filter_map(record)
        .collect();
    let total = value
        .get("totalSize")
        .and_then(Value::as_u64)
        .unwrap_or(records.len() as u64);
    Some((records, total))
}

/// `records` cut to [`LIST_SIZE`]. A subquery (`limited`) reads [`super::plan::LIST_READ`]
/// rows, so a row over says there are more than are shown; a related-records read's `total`
/// counts them all.
fn cut((mut records, total): (Vec<RecordView>, u64), limited: bool) -> RelatedList {
    let more = limited && records.len() > LIST_SIZE as usize;
    records.truncate(LIST_SIZE as usize);
    RelatedList {
        total: if more { LIST_SIZE.into() } else { total },
        more,
        records,
    }
}

/// A subquery's list on `row`.
fn list(row: Option<&Value>, relationship: &str) -> Option<RelatedList> {
    rows_of(row.and_then(|r| r.get(relationship))).map(|rows| cut(rows, true))
}

/// A related-records read (no ORDER BY or LIMIT there): sorted as the panel shows it, then cut
/// to [`LIST_SIZE`].
fn related(composite: &CompositeAnswer, reference: Ref, relationship: &str) -> Option<RelatedList> {
    let (mut records, total) = rows_of(composite.ok(reference))?;
    let (field, newest_first) = list_order(relationship);
    let key = |r: &RecordView| {
        r.fields
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    records.sort_by(|a, b| {
        let (a, b) = (key(a), key(b));
        // Blanks last either way.
        match (a, b) {
            (Some(a), Some(b)) if newest_first => b.cmp(&a),
            (Some(a), Some(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
            (a, b) => a.is_none().cmp(&b.is_none()),
        }
    });
    Some(cut((records, total), false))
}

/// The one record a subrequest read: a query's first row, or a read by id.
fn one(composite: &CompositeAnswer, reference: Ref) -> Option<&Value> {
    let body = composite.ok(reference)?;
    match body.get("records") {
        Some(records) => records.as_array()?.first(),
        None => body.get("attributes").map(|_| body),
    }
}

/// `record` with its notes: in `row` when they were read with it, else read by id beside it
/// as `notes`, or marked unavailable when Salesforce refused that read (an org without
/// enhanced notes, or an agent who cannot read them).
fn with_notes(
    mut record: RecordView,
    row: Option<&Value>,
    composite: &CompositeAnswer,
    notes: Ref,
) -> RecordView {
    record.notes = notes_in(
        row.and_then(|row| row.get(ATTACHED_NOTES).or_else(|| row.get(CLASSIC_NOTES)))
            .or_else(|| composite.ok(notes)),
    );
    record.notes_unavailable = record.notes.is_none() && composite.error(notes).is_some();
    record
}

/// What the panel shows for `handle`, from the answer to [`super::plan::plan`] or
/// [`super::plan::plan_pinned`].
pub fn answer(handle: &Handle, composite: &CompositeAnswer) -> PanelData {
    let contacts = composite.records(CONTACTS);
    let leads = composite.records(LEADS);
    let (person_row, activities, person_notes) = match (contacts.first(), leads.first()) {
        (Some(contact), _) => (
            Some(contact),
            one(composite, CONTACT_ACTIVITIES),
            CONTACT_NOTES,
        ),
        (None, Some(lead)) => (Some(lead), one(composite, LEAD_ACTIVITIES), LEAD_NOTES),
        (None, None) => (None, None, LEAD_NOTES),
    };
    // The lists come with the person when it was read by id, else in their own subrequest.
    let activities = activities.or(person_row);
    let person = person_row
        .and_then(record)
        .map(|person| with_notes(person, activities, composite, person_notes));
    let mut candidates: Vec<RecordView> = contacts.iter().chain(leads).filter_map(record).collect();
    if candidates.len() < 2 {
        candidates.clear();
    }
    let Some(person) = person else {
        return PanelData {
            candidates,
            ..company(handle, composite)
        };
    };
    let reason = if handle.kind == HandleKind::Email {
        MatchReason::Email
    } else {
        MatchReason::Phone
    };
    let account_row = (!contacts.is_empty())
        .then(|| one(composite, ACCOUNT))
        .flatten();
    let account = account_row
        .and_then(record)
        .map(|account| with_notes(account, account_row, composite, ACCOUNT_NOTES));
    PanelData {
        handle: handle.value.clone(),
        reason,
        person: Some(person),
        account,
        opportunities: related(composite, OPPORTUNITIES, "Opportunities").unwrap_or_default(),
        cases: list(person_row, "Cases").unwrap_or_default(),
        open_activities: list(activities, "OpenActivities").unwrap_or_default(),
        history: list(activities, "ActivityHistories").unwrap_or_default(),
        account_contacts: RelatedList::default(),
        candidates,
        stale: None,
    }
}

/// What the panel shows for `handle` when nobody has it: the company's Account that the
/// composite's domain query found, with its Contacts, Opportunities, Cases and notes (the
/// domain match), else nothing (no match). It depends on the domain alone, so the proxy keeps
/// it for the next stranger at that domain ([`crate::cache::PanelCache::company`]).
pub fn company(handle: &Handle, composite: &CompositeAnswer) -> PanelData {
    let row = one(composite, DOMAIN_ACCOUNT);
    let account = row
        .and_then(record)
        .map(|account| with_notes(account, row, composite, DOMAIN_NOTES));
    PanelData {
        handle: handle.value.clone(),
        reason: if row.is_some() {
            MatchReason::Domain
        } else {
            MatchReason::None
        },
        person: None,
        account,
        opportunities: list(row, "Opportunities").unwrap_or_default(),
        cases: list(row, "Cases").unwrap_or_default(),
        open_activities: RelatedList::default(),
        history: RelatedList::default(),
        account_contacts: list(row, "Contacts").unwrap_or_default(),
        candidates: Vec::new(),
        stale: None,
    }
}

/// [`company`], when the composite asked for it and Salesforce answered: what may be kept for
/// the next stranger at the domain (a refused or unrun query says nothing of the company).
pub fn answered_company(handle: &Handle, composite: &CompositeAnswer) -> Option<PanelData> {
    composite
        .ok(DOMAIN_ACCOUNT)
        .map(|_| company(handle, composite))
}

/// `data` (an answer read without the domain query) for `handle`, with the company of its
/// domain as kept from an earlier answer: the person when someone has the handle, else the
/// company.
pub fn with_company(data: PanelData, company: &PanelData) -> PanelData {
    if data.person.is_some() {
        return data;
    }
    PanelData {
        handle: data.handle,
        candidates: data.candidates,
        ..company.clone()
    }
}

/// The records a phone search found, as the candidates to choose from (when several).
pub fn phone_candidates(rows: &[Value]) -> Vec<RecordView> {
    let all: Vec<RecordView> = rows.iter().filter_map(record).collect();
    if all.len() < 2 { Vec::new() } else { all }
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

    fn found(rows: Vec<Value>) -> Value {
        json!({"totalSize": rows.len(), "done": true, "records": rows})
    }

    fn halted(reference: &str) -> Value {
        sub(
            reference,
            400,
            json!([{"errorCode": "PROCESSING_HALTED", "message": "..."}]),
        )
    }

    /// No Contact, no Lead (so no account by the person), then `rest`.
    fn nobody_then(rest: Vec<Value>) -> Vec<Value> {
        let mut parts = vec![
            sub("contacts", 200, found(vec![])),
            sub("leads", 200, found(vec![])),
            halted("account"),
        ];
        parts.extend(rest);
        parts
    }

    fn composite(parts: Vec<Value>) -> CompositeAnswer {
        CompositeAnswer::from_value(json!({ "compositeResponse": parts })).unwrap()
    }

    #[test]
    fn a_contact_with_its_account_and_lists() {
        let cases = json!({"totalSize": 3, "done": true, "records": [row("Case", "500A", json!({"Subject": "S"}))]});
        let history = found(vec![row("Task", "00TA", json!({"Subject": "Call"}))]);
        let opportunity =
            |id: &str, close: Value| row("Opportunity", id, json!({"CloseDate": close}));
        let note = |id: &str, at: &str| {
            row(
                "AttachedContentNote",
                id,
                json!({"ContentDocumentId": id, "Title": "T", "LastModifiedDate": at}),
            )
        };
        let c = composite(vec![
            sub(
                "contacts",
                200,
                found(vec![row(
                    "Contact",
                    "003A",
                    json!({"Name": "Rose", "Cases": cases}),
                )]),
            ),
            sub("leads", 200, found(vec![])),
            sub(
                "contactActivities",
                200,
                found(vec![row(
                    "Contact",
                    "003A",
                    json!({"OpenActivities": null, "ActivityHistories": history, "AttachedContentNotes": null}),
                )]),
            ),
            halted("leadActivities"),
            sub(
                "account",
                200,
                row("Account", "001A", json!({"Name": "Edge"})),
            ),
            sub(
                "accountNotes",
                200,
                found(vec![
                    note("069A", "2026-01-01T00:00:00.000+0000"),
                    note("069B", "2026-03-01T00:00:00.000+0000"),
                ]),
            ),
            sub(
                "opportunities",
                200,
                found(vec![
                    opportunity("006A", json!("2026-01-01")),
                    opportunity("006B", Value::Null),
                    opportunity("006C", json!("2026-06-01")),
                ]),
            ),
            sub("domainAccount", 200, row("Account", "001Z", json!({}))),
        ]);
        let data = answer(&handle("rose@edge.com"), &c);
        assert_eq!(data.reason, MatchReason::Email);
        assert_eq!(data.person.as_ref().unwrap().fields["Name"], "Rose");
        assert!(
            !data.person.as_ref().unwrap().fields.contains_key("Cases"),
            "lists are not fields"
        );
        assert_eq!(data.account.as_ref().unwrap().id, "001A");
        let person = data.person.as_ref().unwrap();
        assert_eq!(person.notes, Some(vec![]), "none, but read");
        assert!(!person.fields.contains_key("AttachedContentNotes"));
        let notes: Vec<&str> = data
            .account
            .as_ref()
            .unwrap()
            .notes
            .as_ref()
            .unwrap()
            .iter()
            .map(|n| n.id.as_str())
            .collect();
        assert_eq!(notes, ["069B", "069A"], "the Account's, newest first");
        assert_eq!(data.cases.total, 3);
        assert_eq!(data.cases.records.len(), 1);
        assert_eq!(data.history.records[0].fields["Subject"], "Call");
        let ids: Vec<&str> = data
            .opportunities
            .records
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["006C", "006A", "006B"],
            "newest close first, blanks last"
        );
        assert_eq!(data.open_activities, RelatedList::default());
        assert!(
            data.account_contacts.records.is_empty(),
            "only for a domain match"
        );
        assert!(data.candidates.is_empty(), "one match, no choice");
    }

    #[test]
    fn notes_not_read_are_none_for_the_card_to_read() {
        let unread = composite(vec![sub(
            "leads",
            200,
            found(vec![row("Lead", "00QA", json!({}))]),
        )]);
        let data = answer(&handle("bertha@fcof.net"), &unread);
        assert_eq!(data.person.unwrap().notes, None);
    }

    #[test]
    fn a_lead_when_no_contact() {
        let open = found(vec![row("Task", "00TB", json!({"Subject": "Follow up"}))]);
        let c = composite(vec![
            sub("contacts", 200, found(vec![])),
            sub(
                "leads",
                200,
                found(vec![row("Lead", "00QA", json!({"Name": "Bertha"}))]),
            ),
            halted("contactActivities"),
            sub(
                "leadActivities",
                200,
                found(vec![row(
                    "Lead",
                    "00QA",
                    json!({"OpenActivities": open, "ActivityHistories": null}),
                )]),
            ),
            halted("account"),
        ]);
        let data = answer(&handle("bertha@fcof.net"), &c);
        assert_eq!(data.reason, MatchReason::Email);
        assert_eq!(data.person.unwrap().object, "Lead");
        assert_eq!(data.open_activities.records[0].id, "00TB");
        assert_eq!(data.account, None);
    }

    #[test]
    fn the_domain_account_when_no_person() {
        let contacts: Vec<Value> = (0..11)
            .map(|i| {
                row(
                    "Contact",
                    &format!("003{i:02}"),
                    json!({"Name": format!("C{i:02}")}),
                )
            })
            .collect();
        let cases = found(vec![row("Case", "500A", json!({"Subject": "S"}))]);
        let c = composite(nobody_then(vec![sub(
            "domainAccount",
            200,
            found(vec![row(
                "Account",
                "001B",
                json!({"Name": "Burlington", "Contacts": found(contacts), "Cases": cases}),
            )]),
        )]));
        let data = answer(&handle("tim.barr@burlington.com"), &c);
        assert_eq!(data.reason, MatchReason::Domain);
        assert_eq!(data.person, None);
        let account = data.account.unwrap();
        assert_eq!(account.fields["Name"], "Burlington");
        assert!(
            !account.fields.contains_key("Contacts"),
            "lists are not fields"
        );
        // Eleven read with LIMIT 11: ten shown, and "more".
        assert_eq!(
            (
                data.account_contacts.records.len(),
                data.account_contacts.total,
                data.account_contacts.more
            ),
            (10, 10, true)
        );
        assert_eq!(
            data.account_contacts.records[0].fields["Name"], "C00",
            "in Salesforce's order"
        );
        assert_eq!((data.cases.total, data.cases.more), (1, false));
        assert_eq!(
            data.opportunities,
            RelatedList::default(),
            "none read, none shown"
        );
    }

    #[test]
    fn a_company_kept_answers_a_stranger_and_only_a_stranger() {
        let at_burlington = composite(nobody_then(vec![sub(
            "domainAccount",
            200,
            found(vec![row("Account", "001B", json!({"Name": "Burlington"}))]),
        )]));
        let tim = handle("tim.barr@burlington.com");
        let kept = answered_company(&tim, &at_burlington).unwrap();
        assert_eq!(
            kept,
            answer(&tim, &at_burlington),
            "a stranger's answer is the company"
        );
        let unrun = composite(nobody_then(vec![halted("domainAccount")]));
        assert_eq!(
            answered_company(&tim, &unrun),
            None,
            "an unrun query is not kept"
        );
        assert_eq!(
            answered_company(&tim, &composite(nobody_then(vec![]))),
            None,
            "nor one not asked"
        );

        // Read without the company's query: nobody, then someone.
        let ann = handle("ann@burlington.com");
        let stranger = with_company(answer(&ann, &composite(nobody_then(vec![]))), &kept);
        assert_eq!(
            (stranger.handle.as_str(), stranger.reason),
            ("ann@burlington.com", MatchReason::Domain)
        );
        assert_eq!(stranger.account, kept.account);
        let jack = composite(vec![sub(
            "contacts",
            200,
            found(vec![row("Contact", "003J", json!({"Name": "Jack"}))]),
        )]);
        let someone = answer(&handle("jrogers@burlington.com"), &jack);
        assert_eq!(with_company(someone.clone(), &kept), someone);
    }

    #[test]
    fn a_list_read_by_id_is_sorted_here_and_counted_whole() {
        let opportunities: Vec<Value> = (0..12)
            .map(|i| {
                row(
                    "Opportunity",
                    &format!("006{i:02}"),
                    json!({"CloseDate": format!("2026-01-{:02}", i + 1)}),
                )
            })
            .collect();
        let c = composite(vec![
            sub(
                "contacts",
                200,
                found(vec![row("Contact", "003A", json!({"AccountId": "001A"}))]),
            ),
            sub("account", 200, row("Account", "001A", json!({"Name": "A"}))),
            sub("opportunities", 200, found(opportunities)),
        ]);
        let data = answer(&handle("a@a.example"), &c);
        assert_eq!(
            (data.opportunities.total, data.opportunities.more),
            (12, false)
        );
        assert_eq!(data.opportunities.records.len(), 10);
        assert_eq!(
            data.opportunities.records[0].id, "00611",
            "latest close date first"
        );
    }

    #[test]
    fn a_pinned_account_brings_its_contacts() {
        let contacts = found(vec![row("Contact", "003J", json!({"Name": "Jack"}))]);
        let c = composite(vec![sub(
            "domainAccount",
            200,
            found(vec![row(
                "Account",
                "001B",
                json!({"Name": "B", "Contacts": contacts}),
            )]),
        )]);
        let data = answer(&handle("x@b.example"), &c);
        assert_eq!(data.reason, MatchReason::Domain);
        assert_eq!(data.account_contacts.records[0].id, "003J");
    }

    #[test]
    fn nothing_and_several() {
        let c = composite(nobody_then(vec![halted("domainAccount")]));
        let data = answer(&handle("zoe@nowhere.example"), &c);
        assert_eq!(
            (data.reason, data.person, data.account),
            (MatchReason::None, None, None)
        );

        let two = composite(vec![
            sub(
                "contacts",
                200,
                found(vec![row("Contact", "003A", json!({}))]),
            ),
            sub("leads", 200, found(vec![row("Lead", "00QA", json!({}))])),
        ]);
        let data = answer(&handle("shared@edge.com"), &two);
        assert_eq!(
            data.person.unwrap().object,
            "Contact",
            "a Contact wins over a Lead"
        );
        assert_eq!(data.candidates.len(), 2);
        assert_eq!(
            answer(&handle("x@y.z"), &CompositeAnswer::default()).reason,
            MatchReason::None
        );
    }
}
