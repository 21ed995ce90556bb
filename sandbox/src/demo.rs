//! The demo org: two users with different profiles, a few custom fields, and deterministic
//! records (Salesforce's classic demo companies) including the senders of the dev inbox's
//! sample conversations, with phones stored in mixed formats.

use serde_json::{Value, json};

use crate::SandboxError;
use crate::id::SfId;
use crate::keys::lookup_keys;
use crate::org::{DemoUser, Org, OrgSettings, Profile, User};
use crate::schema::{CustomField, CustomFieldType};
use crate::store::Record;
use crate::time::{datetime, now_ms};

/// The demo org's settings: in memory, the demo's custom fields and users, the duplicate rules.
pub fn settings() -> OrgSettings {
    OrgSettings {
        custom_fields: custom_fields(),
        users: users(),
        ..OrgSettings::default()
    }
}

/// The settings of the `n`th demo org served side by side ([`crate::orgs`]; 0 is
/// [`settings`]): its own id block, and the demo users under `@org{n+1}.example` (Ana and Ben
/// of the second org are `ana@org2.example` and `ben@org2.example`, same passwords).
pub fn nth_settings(n: u64) -> OrgSettings {
    let mut settings = settings();
    if n == 0 {
        return settings;
    }
    settings.id_block = n;
    let domain = format!("@org{}.example", n + 1);
    for user in &mut settings.users {
        for name in [&mut user.username, &mut user.email] {
            *name = name.replace("@pane-support.example", &domain);
        }
    }
    settings
}

/// Opens the org of `settings` seeded with the demo data ([`seed`]): what the sandbox serves.
pub fn open(settings: OrgSettings) -> Result<Org, SandboxError> {
    Org::open_with(settings, seed)
}

/// The demo users: an administrator, and an agent whose profile makes some fields read-only.
pub fn users() -> Vec<DemoUser> {
    vec![
        DemoUser {
            username: "ana@pane-support.example".into(),
            password: "demo-ana-1".into(),
            first_name: "Ana".into(),
            last_name: "Agent".into(),
            email: "ana@pane-support.example".into(),
            profile: Profile {
                name: "System Administrator".into(),
                read_only: vec![],
                modify_all_data: true,
            },
        },
        DemoUser {
            username: "ben@pane-support.example".into(),
            password: "demo-ben-1".into(),
            first_name: "Ben".into(),
            last_name: "Bauer".into(),
            email: "ben@pane-support.example".into(),
            profile: Profile {
                name: "Standard User".into(),
                read_only: vec![
                    ("Account".into(), "AnnualRevenue".into()),
                    ("Contact".into(), "LeadSource".into()),
                    ("Opportunity".into(), "Amount".into()),
                ],
                modify_all_data: false,
            },
        },
    ]
}

/// The demo custom fields.
pub fn custom_fields() -> Vec<CustomField> {
    let field = |object: &str, name: &str, label: &str, kind, values: &[&str]| CustomField {
        object: object.into(),
        name: name.into(),
        label: label.into(),
        kind,
        length: None,
        values: values.iter().map(|v| (*v).to_owned()).collect(),
        required: false,
        external_id: false,
    };
    vec![
        field(
            "Contact",
            "Customer_Tier__c",
            "Customer Tier",
            CustomFieldType::Picklist,
            &["Gold", "Silver", "Bronze"],
        ),
        field(
            "Contact",
            "Preferred_Channel__c",
            "Preferred Channel",
            CustomFieldType::String,
            &[],
        ),
        field(
            "Account",
            "Support_Plan__c",
            "Support Plan",
            CustomFieldType::Picklist,
            &["Standard", "Premier"],
        ),
        field(
            "Lead",
            "Newsletter__c",
            "Newsletter",
            CustomFieldType::Boolean,
            &[],
        ),
        // Salesforce Pane's marker on the activities its rules log (the message's id), so a
        // retried job finds what an earlier attempt wrote.
        CustomField {
            external_id: true,
            ..field(
                "Task",
                "Pane_Message_Id__c",
                "Front Message Id",
                CustomFieldType::String,
                &[],
            )
        },
    ]
}

fn system_record(
    org: &Org,
    object: &str,
    prefix: &str,
    fields: Value,
) -> Result<Record, SandboxError> {
    let id = org.store.next_id(prefix)?;
    let now = now_ms();
    let mut map = fields.as_object().cloned().unwrap_or_default();
    map.insert("Id".into(), Value::from(id.as_str()));
    map.insert("CreatedDate".into(), Value::from(datetime(now)));
    map.insert("LastModifiedDate".into(), Value::from(datetime(now)));
    map.insert("SystemModstamp".into(), Value::from(datetime(now)));
    Ok(Record {
        id,
        object: object.into(),
        fields: map.into(),
        deleted: false,
        modified_ms: now,
    })
}

/// Seeds the org once (users, lead statuses, the organization, demo records), then loads
/// its users.
pub fn seed(org: &mut Org) -> Result<(), SandboxError> {
    if org.store.meta("seeded")?.is_none() {
        seed_system(org)?;
        load_users(org)?;
        seed_records(org)?;
        org.store.set_meta("seeded", "1")?;
    }
    load_users(org)
}

fn seed_system(org: &Org) -> Result<(), SandboxError> {
    let mut batch = Vec::new();
    let user_object = org
        .schema
        .object("User")
        .ok_or_else(|| SandboxError::Schema("no User".into()))?;
    for (i, u) in org.settings.users.iter().enumerate() {
        let alias: String = format!(
            "{}{}",
            &u.first_name.chars().next().unwrap_or('u'),
            u.last_name
        )
        .chars()
        .take(8)
        .collect();
        let record = system_record(
            org,
            "User",
            "005",
            json!({
                "Username": u.username, "FirstName": u.first_name, "LastName": u.last_name,
                "Name": format!("{} {}", u.first_name, u.last_name), "Email": u.email, "Alias": alias.to_lowercase(),
                "IsActive": true, "Title": if i == 0 { "Support Lead" } else { "Support Agent" },
                "CompanyName": "Pane Support", "ProfileName": u.profile.name,
            }),
        )?;
        let keys = lookup_keys(user_object, &record.fields);
        batch.push((record, keys));
    }
    for (order, (label, default, converted)) in [
        ("Open - Not Contacted", true, false),
        ("Working - Contacted", false, false),
        ("Closed - Converted", false, true),
        ("Closed - Not Converted", false, false),
    ]
    .into_iter()
    .enumerate()
    {
        let record = system_record(
            org,
            "LeadStatus",
            "01J",
            json!({
                "MasterLabel": label, "ApiName": label, "SortOrder": order + 1, "IsDefault": default, "IsConverted": converted,
            }),
        )?;
        batch.push((record, vec![]));
    }
    let org_record = system_record(
        org,
        "Organization",
        "00D",
        json!({
            "Name": "Salesforce Pane Sandbox", "Country": "US", "DefaultLocaleSidKey": "en_US",
            "TimeZoneSidKey": "America/Los_Angeles", "LanguageLocaleKey": "en_US", "OrganizationType": "Developer Edition",
            "IsSandbox": true, "InstanceName": "PANE1", "DefaultCurrencyIsoCode": "USD",
        }),
    )?;
    batch.push((org_record, vec![]));
    org.store.put_many(&batch)
}

fn load_users(org: &mut Org) -> Result<(), SandboxError> {
    let records = org.store.scan("User", false)?;
    let users = org
        .settings
        .users
        .iter()
        .filter_map(|u| {
            let record = records.iter().find(|r| {
                r.fields.get("Username").and_then(Value::as_str) == Some(u.username.as_str())
            })?;
            Some(User {
                id: record.id.clone(),
                username: u.username.clone(),
                profile: u.profile.clone(),
            })
        })
        .collect();
    org.set_users(users);
    Ok(())
}

fn seed_records(org: &Org) -> Result<(), SandboxError> {
    // The review is a week after the seeding day, at 15:00 UTC: an open activity (an Event is
    // one until it ends) whenever the demo org is opened.
    const DAY_MS: i64 = 86_400_000;
    let review_ms = now_ms().div_euclid(DAY_MS) * DAY_MS + 7 * DAY_MS + 15 * 3_600_000;
    let (review_start, review_end) = (datetime(review_ms), datetime(review_ms + 3_600_000));
    let Some(admin) = org.users().first().cloned() else {
        return Ok(());
    };
    let create = |object: &str, body: Value| -> Result<SfId, SandboxError> {
        org.create(&admin, object, &body, true)
            .map_err(|e| SandboxError::Schema(format!("seeding {object} {body}: {}", e.message)))
    };
    // The records nothing later refers to, in the order given.
    let create_each = |rows: &[(&str, Value)]| -> Result<(), SandboxError> {
        for (object, body) in rows {
            create(object, body.clone())?;
        }
        Ok(())
    };
    let edge = create(
        "Account",
        json!({"Name": "Edge Communications", "Website": "www.edge.com", "Phone": "(512) 757-6000", "Industry": "Electronics", "Type": "Customer - Direct", "BillingCity": "Austin", "BillingState": "TX", "BillingCountry": "USA", "AnnualRevenue": 139000000, "NumberOfEmployees": 1000, "Support_Plan__c": "Premier"}),
    )?;
    let burlington = create(
        "Account",
        json!({"Name": "Burlington Textiles Corp of America", "Website": "https://www.burlington.com", "Phone": "+1 336 222 7000", "Industry": "Apparel", "Type": "Customer - Direct", "BillingCity": "Burlington", "BillingState": "NC", "BillingCountry": "USA", "Support_Plan__c": "Standard"}),
    )?;
    let pyramid = create(
        "Account",
        json!({"Name": "Pyramid Construction Inc.", "Website": "www.pyramid.com", "Phone": "(014) 427-4427", "Industry": "Construction", "BillingCity": "Paris", "BillingCountry": "France"}),
    )?;
    let grand = create(
        "Account",
        json!({"Name": "Grand Hotels & Resorts Ltd", "Website": "www.grandhotels.com", "Phone": "(312) 596-1000", "Industry": "Hospitality", "BillingCity": "Chicago", "BillingState": "IL"}),
    )?;
    create(
        "Account",
        json!({"Name": "United Oil & Gas Corp.", "Website": "http://www.uos.com", "Phone": "(212) 842-5500", "Industry": "Energy"}),
    )?;

    let rose = create(
        "Contact",
        json!({"FirstName": "Rose", "LastName": "Gonzalez", "Email": "rose@edge.com", "Phone": "(512) 757-6000", "MobilePhone": "+1 512 757 9340", "Title": "SVP, Procurement", "AccountId": edge, "LeadSource": "Trade Show", "Customer_Tier__c": "Gold", "Preferred_Channel__c": "Email"}),
    )?;
    let sean = create(
        "Contact",
        json!({"FirstName": "Sean", "LastName": "Forbes", "Email": "sean@edge.com", "Phone": "512.757.6001", "Title": "CFO", "AccountId": edge, "Customer_Tier__c": "Gold"}),
    )?;
    let jack = create(
        "Contact",
        json!({"FirstName": "Jack", "LastName": "Rogers", "Email": "jrogers@burlington.com", "Phone": "3362227000", "Title": "VP, Facilities", "AccountId": burlington, "Customer_Tier__c": "Silver"}),
    )?;
    create_each(&[
        (
            "Contact",
            json!({"FirstName": "Pat", "LastName": "Stumuller", "Email": "pat@pyramid.net", "Phone": "(014) 427-4428", "Title": "SVP, Administration and Finance", "AccountId": pyramid}),
        ),
        (
            "Contact",
            json!({"FirstName": "Tim", "LastName": "Rogers", "Email": "trogers@grandhotels.com", "Phone": "+1-312-596-1001", "AccountId": grand}),
        ),
        (
            "Lead",
            json!({"FirstName": "Bertha", "LastName": "Boxer", "Company": "Farmers Coop. of Florida", "Email": "bertha@fcof.net", "Phone": "(850) 644-4200", "Status": "Working - Contacted", "LeadSource": "Web"}),
        ),
        (
            "Lead",
            json!({"FirstName": "Phyllis", "LastName": "Cotton", "Company": "Abbott Insurance", "Email": "pcotton@abbottins.net", "Phone": "703 757 1000", "Status": "Open - Not Contacted", "Newsletter__c": true}),
        ),
        (
            "Lead",
            json!({"FirstName": "Kathy", "LastName": "Snyder", "Company": "TNR Corp.", "Email": "ksynder@tnr.net", "Phone": "+18605465000", "Status": "Closed - Not Converted"}),
        ),
    ])?;
    // A lead converted long ago into Pyramid's Pat Stumuller.
    let converted = create(
        "Lead",
        json!({"FirstName": "Pat", "LastName": "Stumuller", "Company": "Pyramid Construction Inc.", "Email": "pat.s@pyramid.net", "Phone": "(014) 427-4429", "Status": "Working - Contacted"}),
    )?;
    let pat = org
        .store
        .by_key("Contact", "email:pat@pyramid.net", false)?
        .pop();
    if let (Some(mut lead), Some(pat)) = (org.store.get(&converted)?, pat) {
        for (k, v) in [
            ("IsConverted", json!(true)),
            ("Status", json!("Closed - Converted")),
            ("ConvertedDate", json!("2025-03-14")),
            ("ConvertedAccountId", json!(pyramid)),
            ("ConvertedContactId", json!(pat.id)),
        ] {
            lead.fields_mut().insert(k.into(), v);
        }
        let lead_def = org
            .schema
            .object("Lead")
            .ok_or_else(|| SandboxError::Schema("no Lead".into()))?;
        let keys = lookup_keys(lead_def, &lead.fields);
        org.store.put(&lead, keys)?;
    }

    let generator = create(
        "Opportunity",
        json!({"Name": "Edge Emergency Generator", "AccountId": edge, "StageName": "Closed Won", "CloseDate": "2026-06-30", "Amount": 75000}),
    )?;
    create_each(&[
        (
            "Opportunity",
            json!({"Name": "Edge Installation", "AccountId": edge, "StageName": "Proposal/Price Quote", "CloseDate": "2027-01-31", "Amount": 50000, "Probability": 50}),
        ),
        (
            "Opportunity",
            json!({"Name": "Burlington Textiles Weaving Plant Generator", "AccountId": burlington, "StageName": "Negotiation/Review", "CloseDate": "2026-12-15", "Amount": 235000}),
        ),
        (
            "OpportunityContactRole",
            json!({"OpportunityId": generator, "ContactId": rose, "Role": "Decision Maker", "IsPrimary": true}),
        ),
        (
            "Case",
            json!({"Subject": "Invoice 4471 charged twice", "ContactId": rose, "AccountId": edge, "Status": "New", "Priority": "High", "Origin": "Email"}),
        ),
        (
            "Case",
            json!({"Subject": "Generator starts late after outage", "ContactId": sean, "AccountId": edge, "Status": "Working", "Priority": "Medium", "Origin": "Phone"}),
        ),
        (
            "Case",
            json!({"Subject": "Seeking guidance on electrical wiring", "ContactId": jack, "AccountId": burlington, "Status": "Closed", "Priority": "Low", "Origin": "Web"}),
        ),
        (
            "Task",
            json!({"Subject": "Call Rose back about the invoice", "WhoId": rose, "WhatId": edge, "Status": "Not Started", "Priority": "High", "ActivityDate": "2026-11-26"}),
        ),
        (
            "Task",
            json!({"Subject": "Email: Renewal quote", "WhoId": sean, "WhatId": edge, "Status": "Completed", "TaskSubtype": "Email", "ActivityDate": "2026-11-10", "Description": "Sent the renewal quote for two years."}),
        ),
        (
            "Task",
            json!({"Subject": "Call: Weaving plant follow-up", "WhoId": jack, "WhatId": burlington, "Status": "Completed", "TaskSubtype": "Call", "CallType": "Outbound", "CallDurationInSeconds": 420, "ActivityDate": "2026-11-05"}),
        ),
        (
            "Event",
            json!({"Subject": "Quarterly review", "WhoId": rose, "WhatId": edge, "StartDateTime": review_start, "EndDateTime": review_end, "DurationInMinutes": 60, "ActivityDateTime": review_start}),
        ),
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_demo_org_seeds_once_and_finds_its_people() {
        let org = super::open(super::settings()).unwrap();
        assert_eq!(org.users().len(), 2);
        assert_eq!(org.store.count("Account").unwrap(), 5);
        assert_eq!(org.store.count("Contact").unwrap(), 5);
        let rose = org
            .store
            .by_key("Contact", "email:rose@edge.com", false)
            .unwrap();
        assert_eq!(rose[0].fields["Name"], "Rose Gonzalez");
        // Phones match by digits whatever the stored format.
        assert_eq!(
            org.store
                .by_key("Contact", "phone:5127579340", false)
                .unwrap()[0]
                .id,
            rose[0].id
        );
        assert_eq!(
            org.store
                .by_key("Contact", "phone:3362227000", false)
                .unwrap()[0]
                .fields["LastName"],
            "Rogers"
        );
        assert_eq!(
            org.store
                .by_key("Account", "domain:burlington.com", false)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(org.store.count("LeadStatus").unwrap(), 4);
        let converted = org
            .query(
                "SELECT Name, ConvertedContact.Name FROM Lead WHERE IsConverted = true",
                false,
                "59.0",
            )
            .unwrap();
        assert_eq!(
            converted.records[0]["ConvertedContact"]["Name"],
            "Pat Stumuller"
        );
    }
}

/// Formats a phone number the way a given record's owner typed it (mixed on purpose).
fn mixed_phone(n: u64) -> String {
    let area = 200 + n % 700;
    let mid = 200 + (n / 7) % 700;
    let last = n % 10_000;
    match n % 5 {
        0 => format!("({area}) {mid}-{last:04}"),
        1 => format!("+1 {area} {mid} {last:04}"),
        2 => format!("{area}.{mid}.{last:04}"),
        3 => format!("+1{area}{mid}{last:04}"),
        _ => format!("{area}-{mid}-{last:04}"),
    }
}

/// Seeds `n` more records for load work (accounts, contacts, leads), in batches, straight
/// into the store with their lookup keys. Deterministic: the same `n` gives the same records.
pub fn seed_scale(org: &Org, n: u64) -> Result<(), SandboxError> {
    let Some(owner) = org.users().first().map(|u| u.id.to_string()) else {
        return Ok(());
    };
    let account_def = org
        .schema
        .object("Account")
        .ok_or_else(|| SandboxError::Schema("no Account".into()))?;
    let contact_def = org
        .schema
        .object("Contact")
        .ok_or_else(|| SandboxError::Schema("no Contact".into()))?;
    let lead_def = org
        .schema
        .object("Lead")
        .ok_or_else(|| SandboxError::Schema("no Lead".into()))?;
    let now = now_ms();
    let stamp = datetime(now);
    let accounts = (n / 10).max(1);
    let mut batch: Vec<(Record, Vec<String>)> = Vec::with_capacity(10_000);
    let flush = |batch: &mut Vec<(Record, Vec<String>)>| -> Result<(), SandboxError> {
        org.store.put_many(batch)?;
        batch.clear();
        Ok(())
    };
    let mut account_ids = Vec::with_capacity(usize::try_from(accounts).unwrap_or(0));
    for i in 0..n {
        let (object, def) = if i < accounts {
            ("Account", account_def)
        } else if i % 3 == 0 {
            ("Lead", lead_def)
        } else {
            ("Contact", contact_def)
        };
        let id = org
            .store
            .next_id(def.key_prefix.as_deref().unwrap_or("000"))?;
        let company = i % accounts;
        let mut fields = serde_json::Map::new();
        fields.insert("Id".into(), Value::from(id.as_str()));
        fields.insert("OwnerId".into(), Value::from(owner.as_str()));
        fields.insert("CreatedDate".into(), Value::from(stamp.as_str()));
        fields.insert("LastModifiedDate".into(), Value::from(stamp.as_str()));
        fields.insert("SystemModstamp".into(), Value::from(stamp.as_str()));
        fields.insert("IsDeleted".into(), Value::Bool(false));
        fields.insert("Phone".into(), Value::from(mixed_phone(i)));
        match object {
            "Account" => {
                fields.insert(
                    "Name".into(),
                    Value::from(format!("Scale Company {company}")),
                );
                fields.insert(
                    "Website".into(),
                    Value::from(format!("www.company{company}.example")),
                );
                account_ids.push(id.to_string());
            }
            _ => {
                fields.insert("FirstName".into(), Value::from(format!("Person{i}")));
                fields.insert("LastName".into(), Value::from(format!("Scale{i}")));
                fields.insert("Name".into(), Value::from(format!("Person{i} Scale{i}")));
                fields.insert(
                    "Email".into(),
                    Value::from(format!("person{i}@company{company}.example")),
                );
                if object == "Lead" {
                    fields.insert(
                        "Company".into(),
                        Value::from(format!("Scale Company {company}")),
                    );
                    fields.insert("Status".into(), Value::from("Open - Not Contacted"));
                    fields.insert("IsConverted".into(), Value::Bool(false));
                } else if let Some(account) = account_ids.get(usize::try_from(company).unwrap_or(0))
                {
                    fields.insert("AccountId".into(), Value::from(account.as_str()));
                }
            }
        }
        let keys = lookup_keys(def, &fields);
        batch.push((
            Record {
                id,
                object: object.into(),
                fields: fields.into(),
                deleted: false,
                modified_ms: now,
            },
            keys,
        ));
        if batch.len() == 10_000 {
            flush(&mut batch)?;
        }
    }
    flush(&mut batch)
}

#[cfg(test)]
mod scale_tests {
    use super::*;

    #[test]
    fn scale_seeding_is_indexed_and_findable() {
        let org = super::open(super::settings()).unwrap();
        seed_scale(&org, 1_000).unwrap();
        assert_eq!(org.store.count("Account").unwrap(), 5 + 100);
        let person = org.query("SELECT Id, Name, Account.Name FROM Contact WHERE Email = 'person101@company1.example'", false, "59.0").unwrap();
        assert_eq!(person.records[0]["Name"], "Person101 Scale101");
        assert_eq!(person.records[0]["Account"]["Name"], "Scale Company 1");
        // Stored as "+1 301 214 0101"... found by any format of the same digits.
        let stored = mixed_phone(101);
        let digits: String = stored.chars().filter(char::is_ascii_digit).collect();
        let found = org
            .search(
                &format!(
                    "FIND {{{}}} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id)",
                    &digits[digits.len() - 10..]
                ),
                "59.0",
            )
            .unwrap();
        assert!(!found.is_empty(), "{stored}");
        assert_eq!(mixed_phone(0), "(200) 200-0000");
    }

    /// A filter over more records than one scan chunk (500) reads them all, each once, and
    /// relationship paths still resolve while it reads.
    #[test]
    fn a_filtered_scan_over_many_chunks_finds_every_match_once() {
        let org = super::open(super::settings()).unwrap();
        seed_scale(&org, 3_000).unwrap();
        // Not an indexed key: a scan. Contacts are 300..3000 except multiples of 3.
        let all = org
            .query(
                "SELECT Id FROM Contact WHERE LastName LIKE 'Scale%'",
                false,
                "59.0",
            )
            .unwrap();
        let want = (300..3_000).filter(|i| i % 3 != 0).count();
        assert_eq!(all.records.len(), want);
        let ids: std::collections::HashSet<_> =
            all.records.iter().map(|r| r["Id"].to_string()).collect();
        assert_eq!(ids.len(), want, "each once");
        let related = org
            .query(
                "SELECT Id FROM Contact WHERE Account.Name = 'Scale Company 7' AND LastName LIKE 'Scale%'",
                false,
                "59.0",
            )
            .unwrap();
        let want = (300..3_000).filter(|i| i % 3 != 0 && i % 300 == 7).count();
        assert_eq!(related.records.len(), want);
    }
}
