//! Matching against the sandbox org over HTTP: each lookup is exactly one Salesforce request.

use std::sync::Arc;

use pane_proxy::lookup::answer::answer;
use pane_proxy::lookup::plan::{Company, Layout, phone_search, plan, plan_pinned};
use pane_salesforce::{Client, Credentials, Tokens};
use pane_sandbox::state::demo_app;
use pane_sandbox::{Sandbox, SandboxConfig, spawn};
use pane_wire::api::{MatchReason, PanelData};
use pane_wire::bridge::HandleKind::{Email, Phone};
use pane_wire::bridge::{Handle, HandleKind};
use serde_json::json;

use crate::running::{ANA, BEN};

async fn setup() -> (Sandbox, Client) {
    let sandbox = spawn("127.0.0.1:0".parse().unwrap(), SandboxConfig::default())
        .await
        .unwrap();
    let client = client_as(&sandbox, ANA);
    (sandbox, client)
}

/// A Salesforce client on `sandbox` for `user` (username, password), by the password grant.
fn client_as(sandbox: &Sandbox, user: (&str, &str)) -> Client {
    let app = demo_app();
    let http = reqwest::Client::new();
    let credentials = Credentials::password(
        &sandbox.base_url(),
        (app.client_id, app.client_secret),
        user,
    );
    Client::new(
        http.clone(),
        Arc::new(Tokens::new(http, credentials, None)),
        "59.0",
    )
}

async fn calls(sandbox: &Sandbox) -> u64 {
    crate::login::sandbox_requests(&reqwest::Client::new(), &sandbox.base_url()).await
}

/// Looks `value` up as the panel does: an email in one composite; a phone by one search, then
/// one composite for the first record it found. Asserts that cost.
async fn look_up(sandbox: &Sandbox, client: &Client, kind: HandleKind, value: &str) -> PanelData {
    let handle = Handle {
        kind,
        value: value.into(),
        name: None,
    };
    let layout = Layout::default();
    let before = calls(sandbox).await;
    let (data, cost) = match kind {
        HandleKind::Email => {
            let composite = client
                .composite(&plan(&handle, &layout, "59.0", Company::Ask).unwrap())
                .await
                .unwrap();
            (answer(&handle, &composite), 1)
        }
        HandleKind::Phone => {
            let rows = client.search(&phone_search(&handle)).await.unwrap();
            match rows.first() {
                None => (answer(&handle, &Default::default()), 1),
                Some(row) => {
                    let object = row["attributes"]["type"].as_str().unwrap();
                    let id = row["Id"].as_str().unwrap();
                    let composite = client
                        .composite(&plan_pinned(object, id, &layout, "59.0").unwrap())
                        .await
                        .unwrap();
                    (answer(&handle, &composite), 2)
                }
            }
        }
    };
    assert_eq!(
        calls(sandbox).await - before,
        cost,
        "{value}: {cost} Salesforce request(s)"
    );
    assert_eq!(
        sandbox.state().refusals.list(),
        [],
        "{value}: nothing Salesforce would refuse (sandbox/RULES.md)"
    );
    data
}

/// The Name of the person a lookup found.
fn person_name(d: &PanelData) -> Option<&str> {
    d.person.as_ref()?.fields.get("Name")?.as_str()
}

/// The Name of the Account a lookup found.
fn account_name(d: &PanelData) -> Option<&str> {
    d.account.as_ref()?.fields.get("Name")?.as_str()
}

/// Asserts that lookup `d` found Rose Gonzalez of Edge Communications, for `reason`.
fn assert_found_rose(d: &PanelData, reason: MatchReason) {
    let found = (d.reason, person_name(d), account_name(d));
    let rose = (reason, Some("Rose Gonzalez"), Some("Edge Communications"));
    assert_eq!(found, rose, "{}", d.handle);
}

/// Looks `value` up as Ana on a fresh sandbox org (asserting it costs what it must).
async fn look_up_once(kind: HandleKind, value: &str) -> PanelData {
    let (sandbox, client) = setup().await;
    look_up(&sandbox, &client, kind, value).await
}

#[tokio::test]
async fn an_email_finds_the_contact_with_its_account_cases_activities_and_opportunities() {
    let rose = look_up_once(Email, "rose@edge.com").await;
    assert_found_rose(&rose, MatchReason::Email);
    assert_eq!(rose.cases.total, 1);
    assert_eq!(
        rose.open_activities.records[0].fields["Subject"],
        "Call Rose back about the invoice"
    );
    assert_eq!(rose.opportunities.total, 2);
}

#[tokio::test]
async fn the_case_of_an_email_does_not_matter() {
    let upper = look_up_once(Email, "ROSE@Edge.COM").await;
    assert_eq!(person_name(&upper), Some("Rose Gonzalez"));
}

#[tokio::test]
async fn an_email_finds_a_lead() {
    let lead = look_up_once(Email, "bertha@fcof.net").await;
    assert_eq!(
        (lead.reason, lead.person.as_ref().unwrap().object.as_str()),
        (MatchReason::Email, "Lead")
    );
}

#[tokio::test]
async fn a_stranger_at_a_known_domain_gets_the_company_its_contacts_and_its_lists() {
    let (sandbox, client) = setup().await;
    let domain = look_up(&sandbox, &client, Email, "tim.barr@burlington.com").await;
    assert_eq!(
        (domain.reason, account_name(&domain)),
        (
            MatchReason::Domain,
            Some("Burlington Textiles Corp of America")
        )
    );
    assert_eq!(
        domain.account_contacts.records[0].fields["Name"],
        "Jack Rogers"
    );
    // The company's own lists, as the org holds them (they showed "(0) None.").
    let burlington = domain.account.as_ref().unwrap().id.clone();
    for (object, list) in [
        ("Opportunity", &domain.opportunities),
        ("Case", &domain.cases),
    ] {
        let held = client
            .query(&format!(
                "SELECT Id FROM {object} WHERE AccountId = '{burlington}'"
            ))
            .await
            .unwrap()
            .total_size;
        assert!(held > 0, "the demo org has {object}s at Burlington");
        assert_eq!(list.total, held, "the domain Account's {object}s");
        assert_eq!(list.records.len() as u64, held.min(10));
    }
}

/// A company with more Contacts than the panel shows: its lists are read with a LIMIT one
/// over what is shown (they were read whole by id, every Contact of the Account, and cut here).
#[tokio::test]
async fn a_big_company_is_read_ten_and_more_not_whole() {
    let (sandbox, client) = setup().await;
    let account = client
        .create(
            "Account",
            &json!({"Name": "Bulk Co", "Website": "https://www.bulk.example"}),
        )
        .await
        .unwrap();
    for i in (0..25).rev() {
        client
            .create(
                "Contact",
                &json!({"LastName": format!("Bulk {i:02}"), "Email": format!("c{i}@bulk.example"), "AccountId": account}),
            )
            .await
            .unwrap();
    }
    let domain = look_up(&sandbox, &client, Email, "new.person@bulk.example").await;
    assert_eq!(
        (domain.reason, account_name(&domain)),
        (MatchReason::Domain, Some("Bulk Co"))
    );
    let contacts = &domain.account_contacts;
    assert_eq!((contacts.total, contacts.more), (10, true), "ten, and more");
    let names: Vec<&str> = contacts
        .records
        .iter()
        .map(|r| r.fields["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..3], ["Bulk 00", "Bulk 01", "Bulk 02"], "by name");
}

#[tokio::test]
async fn an_address_no_record_holds_finds_its_company_unless_free_mail_or_unknown() {
    let converted = "a converted lead is not shown; its company is";
    for (handle, reason, why) in [
        ("pat.s@pyramid.net", MatchReason::Domain, converted),
        (
            "someone@gmail.com",
            MatchReason::None,
            "no domain fallback for free mail",
        ),
        (
            "zoe@quintessential-kites.example",
            MatchReason::None,
            "nobody",
        ),
    ] {
        let found = look_up_once(Email, handle).await;
        assert_eq!(found.reason, reason, "{handle}: {why}");
        if reason == MatchReason::None {
            let nothing = found.person.is_none() && found.account.is_none();
            assert!(nothing, "{handle}: no person, no Account");
        }
    }
}

#[tokio::test]
async fn a_phone_finds_the_contact_with_its_account() {
    let sms = look_up_once(Phone, "+15127579340").await;
    assert_found_rose(&sms, MatchReason::Phone);
    let call = look_up_once(Phone, "+13362227000").await;
    assert_eq!(person_name(&call), Some("Jack Rogers"));
}

#[tokio::test]
async fn phones_match_in_six_stored_formats() {
    let (sandbox, client) = setup().await;
    let admin = sandbox.state().org.users()[0].clone();
    let formats = [
        "(415) 555-0101",
        "415-555-0102",
        "415.555.0103",
        "+1 415 555 0104",
        "+14155550105",
        "4155550106",
    ];
    for (i, phone) in formats.iter().enumerate() {
        sandbox
            .state()
            .org
            .create(
                &admin,
                "Contact",
                &json!({"LastName": format!("Format{i}"), "Phone": phone}),
                false,
            )
            .unwrap();
    }
    for i in 0..formats.len() {
        let e164 = format!("+1415555010{}", i + 1);
        let data = look_up(&sandbox, &client, HandleKind::Phone, &e164).await;
        assert_eq!(data.reason, MatchReason::Phone, "{e164}");
        assert_eq!(
            data.person.unwrap().fields["Name"],
            format!("Format{i}"),
            "{e164}"
        );
    }
}

#[tokio::test]
async fn several_matches_are_offered_as_candidates() {
    let (sandbox, client) = setup().await;
    let admin = sandbox.state().org.users()[0].clone();
    // The same email on a Contact and a Lead (duplicates allowed, as an admin may).
    sandbox
        .state()
        .org
        .create(
            &admin,
            "Lead",
            &json!({"LastName": "Gonzalez", "Company": "Edge", "Email": "rose@edge.com"}),
            true,
        )
        .unwrap();
    let data = look_up(&sandbox, &client, HandleKind::Email, "rose@edge.com").await;
    assert_eq!(data.person.unwrap().object, "Contact");
    let kinds: Vec<&str> = data.candidates.iter().map(|c| c.object.as_str()).collect();
    assert_eq!(kinds, ["Contact", "Lead"]);
}

#[tokio::test]
async fn a_trimmed_describe_says_what_this_user_may_change() {
    let (sandbox, _) = setup().await;
    let client = client_as(&sandbox, BEN);
    let spec = pane_proxy::describe::trim(&client.get("/sobjects/Account/describe").await.unwrap());
    let field = |name: &str| spec.fields.iter().find(|f| f.name == name).unwrap().clone();
    assert!(
        !field("AnnualRevenue").updateable,
        "read-only for Ben's profile"
    );
    assert!(field("Phone").updateable);
    assert!(field("Name").required);
    let plan = field("Support_Plan__c");
    assert!(plan.custom && plan.restricted);
    assert_eq!(
        plan.picklist
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>(),
        ["Standard", "Premier"]
    );
}
