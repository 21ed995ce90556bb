//! The requests that find everything the panel shows for a handle, under Salesforce's rules:
//!
//! - a composite holds at most 5 query subrequests and no Search
//!   (<https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html>);
//!   reads by id (`/sobjects/{Type}/{id}` and its related lists,
//!   <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-sobject-relationships-get.html>)
//!   are sObject resources and do not count;
//! - for users without View All Data, `OpenActivities`/`ActivityHistories` subqueries need a
//!   main query on one record, no WHERE, a LIMIT of 500 at most, and ORDER BY `ActivityDate`
//!   (ASC for open activities, DESC for history) then `LastModifiedDate DESC`
//!   (<https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_activityhistory.htm>,
//!   <https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_openactivity.htm>);
//! - a semi-join cannot sit beside `OR` in the main WHERE, but its subquery may hold one
//!   ("Comparison Operators", semi-joins and anti-joins,
//!   <https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm>):
//!   the company's Account is the one with a Contact at the email's domain or a website on
//!   it, read with its lists in one query;
//! - a list subquery takes an ORDER BY and a LIMIT, a related-records read by id neither: a
//!   company's lists are subqueries, one row more than the panel shows (the extra row says
//!   "more"), never the Account's thousands of Contacts.
//!
//! An email costs one composite: 4 queries (Contacts, Leads, and the activities of the first
//! of each), plus a 5th for a company domain (its Account with its lists), and reads by id for
//! the Contact's Account and its Opportunities. Every record's notes are a read by id of their own: an org without enhanced notes
//! (or an agent who cannot read them) refuses that subrequest alone, and since the composite is
//! not all-or-none and nothing references a notes subrequest, the rest of the panel still comes.
//! A phone needs SOSL, which a composite cannot hold: one search, then (only when it found
//! someone) the pinned plan for the first match.

use pane_salesforce::{Composite, CompositeError, Filter, LikeAt, Order, RecordId, Ref};
use pane_salesforce::{Request, Scope, Search, Select};
use pane_wire::bridge::{Handle, email_domain, is_free_mail};

use pane_wire::api::NoteKind;

use super::notes::{note_fields, relationship};

/// Contacts with the email (or the pinned Contact, with its lists).
pub const CONTACTS: Ref = Ref::named("contacts");
/// Leads with the email (or the pinned Lead, with its lists).
pub const LEADS: Ref = Ref::named("leads");
/// The first Contact's notes (their own subrequest: an org without enhanced notes refuses
/// them, and nothing else may be lost with them).
pub const CONTACT_NOTES: Ref = Ref::named("contactNotes");
/// The first Lead's notes.
pub const LEAD_NOTES: Ref = Ref::named("leadNotes");
/// The first Contact's open activities and history.
pub const CONTACT_ACTIVITIES: Ref = Ref::named("contactActivities");
/// The first Lead's open activities and history.
pub const LEAD_ACTIVITIES: Ref = Ref::named("leadActivities");
/// The first Contact's Account.
pub const ACCOUNT: Ref = Ref::named("account");
/// That Account's notes.
pub const ACCOUNT_NOTES: Ref = Ref::named("accountNotes");
/// That Account's Opportunities.
pub const OPPORTUNITIES: Ref = Ref::named("opportunities");
/// The company's Account, with its Contacts, Opportunities and Cases (or the pinned Account).
pub const DOMAIN_ACCOUNT: Ref = Ref::named("domainAccount");
/// The company Account's notes.
pub const DOMAIN_NOTES: Ref = Ref::named("domainNotes");
/// Every notes subrequest a plan may hold.
pub const NOTE_PARTS: [Ref; 4] = [CONTACT_NOTES, LEAD_NOTES, ACCOUNT_NOTES, DOMAIN_NOTES];

/// Fields read for each object (the agent's layout decides these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Contact fields.
    pub contact: Vec<String>,
    /// Lead fields.
    pub lead: Vec<String>,
    /// Account fields.
    pub account: Vec<String>,
    /// Opportunity fields.
    pub opportunity: Vec<String>,
    /// Case fields.
    pub case: Vec<String>,
    /// Activity fields (Tasks and Events).
    pub activity: Vec<String>,
    /// The kind of notes the org keeps (enhanced until it is known otherwise).
    pub notes: NoteKind,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            contact: names(&[
                "Name",
                "Title",
                "Email",
                "Phone",
                "MobilePhone",
                "AccountId",
                "OwnerId",
            ]),
            lead: names(&[
                "Name", "Title", "Company", "Email", "Phone", "Status", "OwnerId",
            ]),
            account: names(&["Name", "Website", "Phone", "Industry", "Type"]),
            opportunity: names(&["Name", "StageName", "Amount", "CloseDate"]),
            case: names(&["CaseNumber", "Subject", "Status", "Priority", "CreatedDate"]),
            // An Event's date is its StartDateTime (its ActivityDate is empty unless all day).
            activity: names(&[
                "Subject",
                "ActivityDate",
                "StartDateTime",
                "Status",
                "IsTask",
            ]),
            notes: NoteKind::Enhanced,
        }
    }
}

/// How many rows each related list shows.
pub const LIST_SIZE: u32 = 10;

/// How many rows a list subquery reads: one more than it shows, which tells the panel there
/// are more ("10+") without counting them in a query of its own (a composite holds 5).
pub const LIST_READ: u32 = LIST_SIZE + 1;

/// How a list read by id ([`Request::Related`], which has no ORDER BY) is sorted: the field,
/// and whether newest (largest) first.
pub fn list_order(relationship: &str) -> (&'static str, bool) {
    match relationship {
        "Opportunities" => ("CloseDate", true),
        "Cases" => ("CreatedDate", true),
        _ => ("Name", false),
    }
}

fn with_id(fields: &[String]) -> Vec<String> {
    let mut all = vec!["Id".to_owned()];
    all.extend(
        fields
            .iter()
            .filter(|f| !f.eq_ignore_ascii_case("Id"))
            .cloned(),
    );
    all
}

/// The two activity lists, as Salesforce allows them for users without View All Data. Open
/// activities soonest first, past ones latest first.
fn activity_lists(select: Select, layout: &Layout) -> Select {
    let list = |relationship: &str, by_date: Order| {
        Select::from(relationship)
            .fields(&layout.activity)
            .order([by_date.nulls_last(), Order::desc("LastModifiedDate")])
            .limit(LIST_READ)
    };
    select
        .child(list("OpenActivities", Order::asc("ActivityDate")))
        .child(list("ActivityHistories", Order::desc("ActivityDate")))
}

/// A record's notes of `kind`, read by id in their own subrequest: when Salesforce refuses them
/// (enhanced notes asked of an org without them), the record and its other lists still come.
fn notes_of(object: &str, id: RecordId, kind: NoteKind) -> Request {
    related(object, id, relationship(kind), &names(note_fields(kind)))
}

fn cases(layout: &Layout) -> Select {
    Select::from("Cases")
        .fields(&layout.case)
        .order([Order::desc("CreatedDate")])
        .limit(LIST_READ)
}

/// An Account with its Contacts, Opportunities and Cases, each sorted as the panel shows it.
fn account_with_lists(layout: &Layout) -> Select {
    Select::from("Account")
        .fields(&layout.account)
        .child(
            Select::from("Contacts")
                .fields(&layout.contact)
                .order([Order::asc("Name")])
                .limit(LIST_READ),
        )
        .child(
            Select::from("Opportunities")
                .fields(&layout.opportunity)
                .order([Order::desc("CloseDate")])
                .limit(LIST_READ),
        )
        .child(cases(layout))
}

fn related(object: &str, id: RecordId, relationship: &str, fields: &[String]) -> Request {
    Request::Related {
        object: object.into(),
        id,
        relationship: relationship.into(),
        fields: with_id(fields),
    }
}

fn retrieve(object: &str, id: RecordId, fields: &[String]) -> Request {
    Request::Retrieve {
        object: object.into(),
        id,
        fields: with_id(fields),
    }
}

/// A Contact's Account, its notes and its Opportunities, read by the id in `source`'s first
/// row (reads by id: the composite's 5 queries are spent on finding the person).
fn account_of(c: &mut Composite, source: Ref, layout: &Layout) -> Result<(), CompositeError> {
    let id = || RecordId::from(source.first("AccountId"));
    c.add(ACCOUNT, retrieve("Account", id(), &layout.account))?;
    c.add(ACCOUNT_NOTES, notes_of("Account", id(), layout.notes))?;
    c.add(
        OPPORTUNITIES,
        related("Account", id(), "Opportunities", &layout.opportunity),
    )?;
    Ok(())
}

/// Whether an email's composite asks for the company of the email's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Company {
    /// Ask: the domain's company is not known (or the domain is free mail, which has none).
    Ask,
    /// Known from an earlier answer ([`super::answer::company`]): not asked again.
    Known,
}

/// The company domain of an email handle: its domain, lowercased, unless free mail.
pub fn company_domain(handle: &Handle) -> Option<String> {
    email_domain(&handle.value).filter(|d| !is_free_mail(d))
}

/// The composite for an email handle; with the query for its domain's company unless
/// `company` is already known.
pub fn plan(
    handle: &Handle,
    layout: &Layout,
    version: &str,
    company: Company,
) -> Result<Composite, CompositeError> {
    let email = handle.value.to_lowercase();
    let mut c = Composite::new(version);
    let recent = || [Order::desc("LastModifiedDate")];
    c.add(
        CONTACTS,
        Request::Query(
            Select::from("Contact")
                .fields(&layout.contact)
                .child(cases(layout))
                .filter(Filter::eq("Email", email.as_str()))
                .order(recent())
                .limit(5),
        ),
    )?;
    c.add(
        LEADS,
        Request::Query(
            Select::from("Lead")
                .fields(&layout.lead)
                .filter(Filter::And(vec![
                    Filter::eq("Email", email.as_str()),
                    Filter::eq("IsConverted", false),
                ]))
                .order(recent())
                .limit(5),
        ),
    )?;
    for (reference, notes, source, object) in [
        (CONTACT_ACTIVITIES, CONTACT_NOTES, CONTACTS, "Contact"),
        (LEAD_ACTIVITIES, LEAD_NOTES, LEADS, "Lead"),
    ] {
        c.add(
            reference,
            Request::Query(activity_lists(
                Select::from(object).filter(Filter::eq("Id", source.first("Id"))),
                layout,
            )),
        )?;
        c.add(
            notes,
            notes_of(object, RecordId::from(source.first("Id")), layout.notes),
        )?;
    }
    account_of(&mut c, CONTACTS, layout)?;
    if let Some(domain) = company_domain(handle).filter(|_| company == Company::Ask) {
        // The company's Account: one with a Contact at the email's domain, or with the domain
        // in its website (reached through one of its Contacts); the latest changed first.
        c.add(
            DOMAIN_ACCOUNT,
            Request::Query(
                account_with_lists(layout)
                    .filter(Filter::in_select(
                        "Id",
                        Select::column("Contact", "AccountId").filter(Filter::Or(vec![
                            Filter::like("Email", &format!("@{domain}"), LikeAt::End),
                            Filter::like("Account.Website", &domain, LikeAt::Anywhere),
                        ])),
                    ))
                    .order(recent())
                    .limit(1),
            ),
        )?;
        c.add(
            DOMAIN_NOTES,
            notes_of(
                "Account",
                RecordId::from(DOMAIN_ACCOUNT.first("Id")),
                layout.notes,
            ),
        )?;
    }
    Ok(c)
}

/// The search for a phone handle: Contacts and Leads with the number in any format.
pub fn phone_search(handle: &Handle) -> Search {
    let digits: String = handle.value.chars().filter(char::is_ascii_digit).collect();
    returning_people(
        Search::find(&digits, Scope::Phone),
        &["Name", "Email", "Phone", "LastModifiedDate"],
        &["Name", "Company", "Email", "Phone", "LastModifiedDate"],
        5,
    )
}

/// `search` returning Contacts (their `contact` fields) and Leads not converted (their `lead`
/// fields), at most `limit` of each, the most recently changed first.
pub fn returning_people(search: Search, contact: &[&str], lead: &[&str], limit: u32) -> Search {
    let recent = || [Order::desc("LastModifiedDate")];
    search
        .returning(
            Select::from("Contact")
                .fields(contact)
                .order(recent())
                .limit(limit),
        )
        .returning(
            Select::from("Lead")
                .fields(lead)
                .filter(Filter::eq("IsConverted", false))
                .order(recent())
                .limit(limit),
        )
}

/// The composite for one record (pinned for a sender, or the one a phone search found), under
/// the same references as [`plan`]: `contacts` (with its lists), `account` and
/// `opportunities`; `leads`; or `domainAccount` (with its Contacts, Opportunities and Cases)
/// for an Account. `None` for
/// an object that cannot be shown or an id that is not one.
pub fn plan_pinned(object: &str, id: &str, layout: &Layout, version: &str) -> Option<Composite> {
    // A literal, but only a well-formed id: anything else is no record.
    let record = RecordId::parse(id)?;
    let by_id = |object: &str| Select::from(object).filter(Filter::eq("Id", id));
    let mut c = Composite::new(version);
    let built = match object {
        "Contact" => c
            .add(
                CONTACTS,
                Request::Query(activity_lists(
                    by_id("Contact")
                        .fields(&layout.contact)
                        .child(cases(layout)),
                    layout,
                )),
            )
            .and_then(|c| c.add(CONTACT_NOTES, notes_of("Contact", record, layout.notes)))
            .and_then(|c| account_of(c, CONTACTS, layout)),
        "Lead" => c
            .add(
                LEADS,
                Request::Query(activity_lists(by_id("Lead").fields(&layout.lead), layout)),
            )
            .and_then(|c| c.add(LEAD_NOTES, notes_of("Lead", record, layout.notes)))
            .map(drop),
        "Account" => c
            .add(
                DOMAIN_ACCOUNT,
                Request::Query(account_with_lists(layout).filter(Filter::eq("Id", id))),
            )
            .and_then(|c| c.add(DOMAIN_NOTES, notes_of("Account", record, layout.notes)))
            .map(drop),
        _ => return None,
    };
    built.ok().map(|()| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pane_wire::bridge::HandleKind;

    fn handle(kind: HandleKind, value: &str) -> Handle {
        Handle {
            kind,
            value: value.into(),
            name: None,
        }
    }

    fn refs(c: &Composite) -> Vec<&'static str> {
        c.requests().map(|(r, _)| r.name()).collect()
    }

    /// The plan for an email, with the built-in layout.
    fn email_plan(address: &str) -> Composite {
        plan(
            &handle(HandleKind::Email, address),
            &Layout::default(),
            "59.0",
            Company::Ask,
        )
        .unwrap()
    }

    fn soql(c: &Composite, reference: Ref) -> String {
        match c.requests().find(|(r, _)| *r == reference).unwrap().1 {
            Request::Query(s) => s.to_string(),
            other => other.path(),
        }
    }

    #[test]
    fn a_company_email_is_one_composite_within_salesforce_limits() {
        let c = email_plan("Rose@Edge.com");
        assert_eq!(
            refs(&c),
            [
                "contacts",
                "leads",
                "contactActivities",
                "contactNotes",
                "leadActivities",
                "leadNotes",
                "account",
                "accountNotes",
                "opportunities",
                "domainAccount",
                "domainNotes"
            ]
        );
        assert_eq!(c.queries(), 5);
        assert!(soql(&c, CONTACTS).contains("WHERE Email = 'rose@edge.com'"));
        for (reference, wanted) in [
            (
                CONTACT_ACTIVITIES,
                "SELECT Id, (SELECT Id, Subject, ActivityDate, StartDateTime, Status, IsTask FROM OpenActivities ORDER BY ActivityDate ASC NULLS LAST, LastModifiedDate DESC LIMIT 11), (SELECT Id, Subject, ActivityDate, StartDateTime, Status, IsTask FROM ActivityHistories ORDER BY ActivityDate DESC NULLS LAST, LastModifiedDate DESC LIMIT 11) FROM Contact WHERE Id = '@{contacts.records[0].Id}'",
            ),
            (
                DOMAIN_ACCOUNT,
                "SELECT Id, Name, Website, Phone, Industry, Type, (SELECT Id, Name, Title, Email, Phone, MobilePhone, AccountId, OwnerId FROM Contacts ORDER BY Name ASC LIMIT 11), (SELECT Id, Name, StageName, Amount, CloseDate FROM Opportunities ORDER BY CloseDate DESC LIMIT 11), (SELECT Id, CaseNumber, Subject, Status, Priority, CreatedDate FROM Cases ORDER BY CreatedDate DESC LIMIT 11) FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@edge.com' OR Account.Website LIKE '%edge.com%') ORDER BY LastModifiedDate DESC LIMIT 1",
            ),
            (
                DOMAIN_NOTES,
                "/sobjects/Account/@{domainAccount.records[0].Id}/AttachedContentNotes?fields=Id%2CContentDocumentId%2CTitle%2CTextPreview%2CLastModifiedDate",
            ),
            (
                OPPORTUNITIES,
                "/sobjects/Account/@{contacts.records[0].AccountId}/Opportunities?fields=Id%2CName%2CStageName%2CAmount%2CCloseDate",
            ),
            (
                ACCOUNT_NOTES,
                "/sobjects/Account/@{contacts.records[0].AccountId}/AttachedContentNotes?fields=Id%2CContentDocumentId%2CTitle%2CTextPreview%2CLastModifiedDate",
            ),
        ] {
            assert_eq!(soql(&c, reference), wanted);
        }
    }

    #[test]
    fn free_mail_has_no_domain_fallback() {
        let c = email_plan("zoe@gmail.com");
        assert_eq!(c.len(), 9);
        assert_eq!(c.queries(), 4);
    }

    #[test]
    fn a_known_company_is_not_asked_again() {
        let rose = handle(HandleKind::Email, "Rose@Edge.COM");
        assert_eq!(company_domain(&rose).as_deref(), Some("edge.com"));
        assert_eq!(
            company_domain(&handle(HandleKind::Email, "zoe@gmail.com")),
            None
        );
        let known = plan(&rose, &Layout::default(), "59.0", Company::Known).unwrap();
        // Free mail's composite: the person, their lists and their Account, no company.
        assert_eq!(refs(&known), refs(&email_plan("zoe@gmail.com")));
        assert_eq!(
            known.len() + 2,
            email_plan("rose@edge.com").len(),
            "the company's query and its notes"
        );
    }

    #[test]
    fn phones_search_by_digits() {
        let s = phone_search(&handle(HandleKind::Phone, "+1 (512) 757-9340"));
        assert!(
            s.to_string()
                .starts_with("FIND {15127579340} IN PHONE FIELDS RETURNING Contact(Id, Name"),
            "{s}"
        );
    }

    #[test]
    fn pinned_records_are_read_by_id() {
        let layout = Layout::default();
        let contact = plan_pinned("Contact", "003000000000001AAA", &layout, "59.0").unwrap();
        assert_eq!(
            refs(&contact),
            [
                "contacts",
                "contactNotes",
                "account",
                "accountNotes",
                "opportunities"
            ]
        );
        let q = soql(&contact, CONTACTS);
        assert!(
            q.ends_with("FROM Contact WHERE Id = '003000000000001AAA'"),
            "{q}"
        );
        assert!(q.contains("ActivityHistories"), "the lists come too");
        assert!(
            !q.contains("AttachedContentNotes"),
            "the notes are read apart: {q}"
        );
        assert_eq!(
            soql(&contact, CONTACT_NOTES),
            "/sobjects/Contact/003000000000001AAA/AttachedContentNotes?fields=Id%2CContentDocumentId%2CTitle%2CTextPreview%2CLastModifiedDate"
        );
        let account = plan_pinned("Account", "001000000000001AAA", &layout, "59.0").unwrap();
        assert_eq!(refs(&account), ["domainAccount", "domainNotes"]);
        assert!(!soql(&account, DOMAIN_ACCOUNT).contains("AttachedContentNotes"));
        assert!(plan_pinned("Lead", "00Q000000000001AAA", &layout, "59.0").is_some());
        assert!(plan_pinned("User", "005000000000001AAA", &layout, "59.0").is_none());
        assert!(plan_pinned("Contact", "003' OR Name != '", &layout, "59.0").is_none());
    }

    #[test]
    fn hostile_emails_stay_literals() {
        let c = email_plan("x'or'1'='1@{evil}.example");
        assert!(soql(&c, CONTACTS).contains("Email = 'x\\'or\\'1\\'=\\'1@{evil}.example'"));
        let body = c.body().to_string();
        assert!(
            !body.contains("@{evil}"),
            "user text never passes for a reference: {body}"
        );
    }

    #[test]
    fn an_org_with_classic_notes_reads_its_records_notes() {
        let layout = Layout {
            notes: NoteKind::Classic,
            ..Layout::default()
        };
        let contact = plan_pinned("Contact", "003000000000001AAA", &layout, "59.0").unwrap();
        assert_eq!(
            soql(&contact, CONTACT_NOTES),
            "/sobjects/Contact/003000000000001AAA/Notes?fields=Id%2CTitle%2CBody%2CLastModifiedDate"
        );
        assert_eq!(
            soql(&contact, ACCOUNT_NOTES),
            "/sobjects/Account/@{contacts.records[0].AccountId}/Notes?fields=Id%2CTitle%2CBody%2CLastModifiedDate"
        );
    }

    #[test]
    fn a_bad_layout_field_is_refused_not_sent() {
        let layout = Layout {
            contact: vec!["Name FROM User WHERE".into()],
            ..Layout::default()
        };
        assert!(
            plan(
                &handle(HandleKind::Email, "a@b.example"),
                &layout,
                "59.0",
                Company::Ask
            )
            .is_err()
        );
    }
}
