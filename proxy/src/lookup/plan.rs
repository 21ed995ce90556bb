//! The one composite request that finds everything the panel shows for a handle.

use pane_salesforce::escape::{soql_string, sosl_term};
use pane_wire::bridge::{Handle, HandleKind, email_domain, is_free_mail};
use serde_json::{Value, json};

/// Fields read for each object (the agent's layout decides these later).
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
            activity: names(&["Subject", "ActivityDate", "Status", "IsTask"]),
        }
    }
}

/// How many rows each related list shows.
pub const LIST_SIZE: u32 = 10;

fn select(fields: &[String]) -> String {
    let mut all = vec!["Id".to_owned()];
    all.extend(
        fields
            .iter()
            .filter(|f| !f.eq_ignore_ascii_case("Id"))
            .cloned(),
    );
    all.join(", ")
}

fn subquery(fields: &[String], relationship: &str, order: &str) -> String {
    format!(
        "(SELECT {} FROM {relationship} ORDER BY {order} LIMIT {LIST_SIZE})",
        select(fields)
    )
}

fn query(reference: &str, version: &str, soql: &str) -> Value {
    json!({"method": "GET", "referenceId": reference, "url": format!("/services/data/v{version}/query?q={}", encode(soql))})
}

fn search(reference: &str, version: &str, sosl: &str) -> Value {
    json!({"method": "GET", "referenceId": reference, "url": format!("/services/data/v{version}/search?q={}", encode(sosl))})
}

/// Percent-encodes a query string value, leaving `@{...}` references for the composite to fill.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&encode_plain(&rest[..start]));
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out.push_str(&encode_plain(rest));
    out
}

fn encode_plain(text: &str) -> String {
    crate::url::percent_encode(text)
}

/// The composite body for `handle`.
pub fn plan(handle: &Handle, layout: &Layout, version: &str) -> Value {
    let person_lists = |fields: &[String], with_cases: bool| {
        let mut parts = vec![select(fields)];
        if with_cases {
            parts.push(subquery(&layout.case, "Cases", "CreatedDate DESC"));
        }
        parts.push(subquery(
            &layout.activity,
            "OpenActivities",
            "ActivityDate ASC NULLS LAST",
        ));
        parts.push(subquery(
            &layout.activity,
            "ActivityHistories",
            "ActivityDate DESC NULLS LAST",
        ));
        parts.join(", ")
    };
    let contact_select = person_lists(&layout.contact, true);
    let lead_select = person_lists(&layout.lead, false);
    let account_select = format!(
        "{}, {}",
        select(&layout.account),
        subquery(&layout.opportunity, "Opportunities", "CloseDate DESC")
    );
    let mut requests = Vec::new();
    match handle.kind {
        HandleKind::Email => {
            let email = soql_string(&handle.value);
            requests.push(query("contacts", version, &format!("SELECT {contact_select} FROM Contact WHERE Email = {email} ORDER BY LastModifiedDate DESC LIMIT 5")));
            requests.push(query("leads", version, &format!("SELECT {lead_select} FROM Lead WHERE Email = {email} AND IsConverted = false ORDER BY LastModifiedDate DESC LIMIT 5")));
            requests.push(query("account", version, &format!("SELECT {account_select} FROM Account WHERE Id = '@{{contacts.records[0].AccountId}}'")));
            if let Some(domain) = email_domain(&handle.value).filter(|d| !is_free_mail(d)) {
                // The Account at the domain: by its website, else through its contacts' emails.
                let term = sosl_term(&domain);
                let with_contacts = format!(
                    "{}, {}",
                    select(&layout.account),
                    subquery(&layout.contact, "Contacts", "Name")
                );
                requests.push(search(
                    "domain",
                    version,
                    &format!(
                        "FIND {{{term}}} IN ALL FIELDS RETURNING Account(Id ORDER BY Name LIMIT 5)"
                    ),
                ));
                requests.push(search("domainPeople", version, &format!("FIND {{{term}}} IN EMAIL FIELDS RETURNING Contact(Id, AccountId WHERE AccountId != null LIMIT 1)")));
                requests.push(query("domainAccount", version, &format!("SELECT {with_contacts} FROM Account WHERE Id = '@{{domain.searchRecords[0].Id}}'")));
                requests.push(query("peopleAccount", version, &format!("SELECT {with_contacts} FROM Account WHERE Id = '@{{domainPeople.searchRecords[0].AccountId}}'")));
            }
        }
        HandleKind::Phone => {
            let digits: String = handle.value.chars().filter(char::is_ascii_digit).collect();
            requests.push(search("phone", version, &format!("FIND {{{}}} IN PHONE FIELDS RETURNING Contact(Id, Name, Email, Phone, LastModifiedDate ORDER BY LastModifiedDate DESC LIMIT 5), Lead(Id, Name, Company, Email, Phone, LastModifiedDate WHERE IsConverted = false ORDER BY LastModifiedDate DESC LIMIT 5)", sosl_term(&digits))));
            requests.push(query("contacts", version, &format!("SELECT {contact_select} FROM Contact WHERE Id = '@{{phone.searchRecords[0].Id}}'")));
            requests.push(query(
                "leads",
                version,
                &format!(
                    "SELECT {lead_select} FROM Lead WHERE Id = '@{{phone.searchRecords[0].Id}}'"
                ),
            ));
            requests.push(query("account", version, &format!("SELECT {account_select} FROM Account WHERE Id = '@{{contacts.records[0].AccountId}}'")));
        }
    }
    json!({"allOrNone": false, "compositeRequest": requests})
}

/// The composite body for a record pinned for a sender: the same references as [`plan`]
/// (`contacts`, `leads`, `account`, or `domainAccount` for an Account), read by id.
/// `None` for an object that cannot be pinned or an id that is not one.
pub fn plan_pinned(object: &str, id: &str, layout: &Layout, version: &str) -> Option<Value> {
    if !(id.len() == 15 || id.len() == 18) || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let body = plan(
        &Handle {
            kind: HandleKind::Email,
            value: "pinned@invalid".into(),
            name: None,
        },
        layout,
        version,
    );
    let requests = body.get("compositeRequest")?.as_array()?;
    let by_id = |reference: &str, object: &str| -> Option<Value> {
        let original = requests
            .iter()
            .find(|r| r.get("referenceId").and_then(Value::as_str) == Some(reference))?;
        let url = original.get("url")?.as_str()?;
        let (_, q) = url.split_once("?q=")?;
        // The SELECT list as planned, with the WHERE clause replaced by the id.
        let select_end = q.find(&format!("%20FROM%20{object}%20"))?;
        let soql_head = &q[..select_end];
        Some(
            json!({"method": "GET", "referenceId": reference, "url": format!(
                "/services/data/v{version}/query?q={soql_head}%20FROM%20{object}%20WHERE%20Id%20%3D%20%27{id}%27"
            )}),
        )
    };
    let requests = match object {
        "Contact" => vec![
            by_id("contacts", "Contact")?,
            requests
                .iter()
                .find(|r| r.get("referenceId").and_then(Value::as_str) == Some("account"))?
                .clone(),
        ],
        "Lead" => vec![by_id("leads", "Lead")?],
        "Account" => {
            let with_contacts = format!(
                "{}, {}",
                select(&layout.account),
                subquery(&layout.contact, "Contacts", "Name")
            );
            vec![query(
                "domainAccount",
                version,
                &format!("SELECT {with_contacts} FROM Account WHERE Id = '{id}'"),
            )]
        }
        _ => return None,
    };
    Some(json!({"allOrNone": false, "compositeRequest": requests}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(kind: HandleKind, value: &str) -> Handle {
        Handle {
            kind,
            value: value.into(),
            name: None,
        }
    }

    fn urls(body: &Value) -> Vec<String> {
        body["compositeRequest"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["url"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn email_plans_people_account_and_domain() {
        let body = plan(
            &handle(HandleKind::Email, "rose@edge.com"),
            &Layout::default(),
            "59.0",
        );
        let refs: Vec<&str> = body["compositeRequest"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["referenceId"].as_str().unwrap())
            .collect();
        assert_eq!(
            refs,
            [
                "contacts",
                "leads",
                "account",
                "domain",
                "domainPeople",
                "domainAccount",
                "peopleAccount"
            ]
        );
        let urls = urls(&body);
        assert!(
            urls[0].contains("Email%20%3D%20%27rose%40edge.com%27"),
            "{}",
            urls[0]
        );
        assert!(
            urls[2].contains("@{contacts.records[0].AccountId}"),
            "references stay readable: {}",
            urls[2]
        );
        assert!(urls[3].contains("FIND%20%7Bedge.com%7D"), "{}", urls[3]);
    }

    #[test]
    fn free_mail_has_no_domain_fallback() {
        let body = plan(
            &handle(HandleKind::Email, "zoe@gmail.com"),
            &Layout::default(),
            "59.0",
        );
        assert_eq!(body["compositeRequest"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn phones_search_by_digits() {
        let body = plan(
            &handle(HandleKind::Phone, "+1 (512) 757-9340"),
            &Layout::default(),
            "59.0",
        );
        let urls = urls(&body);
        assert!(
            urls[0].contains("FIND%20%7B15127579340%7D%20IN%20PHONE%20FIELDS"),
            "{}",
            urls[0]
        );
    }

    #[test]
    fn pinned_records_are_read_by_id() {
        let layout = Layout::default();
        let contact = plan_pinned("Contact", "003000000000001AAA", &layout, "59.0").unwrap();
        let urls = urls(&contact);
        assert_eq!(urls.len(), 2);
        assert!(
            urls[0].ends_with("FROM%20Contact%20WHERE%20Id%20%3D%20%27003000000000001AAA%27"),
            "{}",
            urls[0]
        );
        assert!(urls[0].contains("ActivityHistories"), "the lists come too");
        assert!(urls[1].contains("@{contacts.records[0].AccountId}"));
        let account = plan_pinned("Account", "001000000000001AAA", &layout, "59.0").unwrap();
        assert_eq!(
            account["compositeRequest"][0]["referenceId"],
            "domainAccount"
        );
        assert!(plan_pinned("Lead", "00Q000000000001AAA", &layout, "59.0").is_some());
        assert!(plan_pinned("User", "005000000000001AAA", &layout, "59.0").is_none());
        assert!(plan_pinned("Contact", "003' OR Name != '", &layout, "59.0").is_none());
    }

    #[test]
    fn hostile_emails_stay_literals() {
        let body = plan(
            &handle(HandleKind::Email, "x'or'1'='1@evil.example"),
            &Layout::default(),
            "59.0",
        );
        let url = &urls(&body)[0];
        assert!(
            url.contains("%27x%5C%27or%5C%271%5C%27%3D%5C%271%40evil.example%27"),
            "{url}"
        );
    }
}
