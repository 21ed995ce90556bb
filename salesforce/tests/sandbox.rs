//! The client against the sandbox org over HTTP.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use pane_salesforce::soap::LeadConvert;
use pane_salesforce::{
    Client, Composite, Credentials, Error, Filter, Ref, Request, Scope, Search, Select, Tokens,
};
use pane_sandbox::state::demo_app;
use pane_sandbox::{Sandbox, SandboxConfig, spawn};
use serde_json::{Value, json};

async fn setup() -> (Sandbox, Client) {
    let sandbox = spawn("127.0.0.1:0".parse().unwrap(), SandboxConfig::default())
        .await
        .unwrap();
    let app = demo_app();
    let http = reqwest::Client::new();
    let credentials = Credentials::password(
        &sandbox.base_url(),
        (app.client_id, app.client_secret),
        ("ana@pane-support.example", "demo-ana-1"),
    );
    let tokens = Arc::new(Tokens::new(http.clone(), credentials, None));
    (sandbox, Client::new(http, tokens, "59.0"))
}

async fn control(sandbox: &Sandbox, path: &str, body: Value) {
    reqwest::Client::new()
        .post(format!("{}{path}", sandbox.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
}

async fn api_calls(sandbox: &Sandbox) -> u64 {
    let log: Value = reqwest::get(format!("{}/__sandbox/requests", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    log["count"].as_u64().unwrap()
}

#[tokio::test]
async fn crud_query_paging_search_and_usage() {
    let (sandbox, client) = setup().await;
    let admin = sandbox.state().org.users()[0].clone();
    for i in 0..2100 {
        sandbox
            .state()
            .org
            .create(
                &admin,
                "Task",
                &json!({"Subject": format!("Bulk {i:04}")}),
                false,
            )
            .unwrap();
    }
    let rows = client
        .query_all("SELECT Id FROM Task WHERE Subject LIKE 'Bulk%'")
        .await
        .unwrap();
    assert_eq!(rows.len(), 2100, "two pages of 2000 and 100");
    let usage = client.usage().unwrap();
    assert_eq!(usage.max, 15_000);
    assert_eq!(usage.used, 2);

    let id = client
        .create("Lead", &json!({"LastName": "Client", "Company": "Rust"}))
        .await
        .unwrap();
    client
        .update("Lead", &id, &json!({"Title": "Crab"}), None)
        .await
        .unwrap();
    let lead = client
        .get(&format!("/sobjects/Lead/{id}?fields=Title"))
        .await
        .unwrap();
    assert_eq!(lead["Title"], "Crab");
    let err = client
        .update(
            "Lead",
            &id,
            &json!({"Title": "Old"}),
            Some("Mon, 30 Nov 2020 08:34:54 GMT"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    let err = client
        .create("Lead", &json!({"LastName": "No company"}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("REQUIRED_FIELD_MISSING"));
    let found = client
        .search(
            &Search::find("rose@edge.com", Scope::Email)
                .returning(Select::from("Contact").fields(["Name"])),
        )
        .await
        .unwrap();
    assert_eq!(found[0]["Name"], "Rose Gonzalez");
    client.delete("Lead", &id).await.unwrap();
    assert_eq!(
        client.delete("Lead", &id).await.unwrap_err().code(),
        Some("ENTITY_IS_DELETED")
    );
}

#[tokio::test]
async fn an_expired_session_refreshes_once_for_twenty_concurrent_calls() {
    let (sandbox, client) = setup().await;
    client.get("/limits").await.unwrap();
    assert_eq!(client.tokens().fetched(), 1);
    control(&sandbox, "/__sandbox/expire-tokens", json!({})).await;
    let calls = (0..20).map(|_| {
        let client = client.clone();
        async move { client.query("SELECT Id FROM Account LIMIT 1").await }
    });
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(client.tokens().fetched(), 2, "exactly one refresh");
}

#[tokio::test]
async fn transient_failures_are_retried_and_final_ones_are_not() {
    let (sandbox, client) = setup().await;
    client.get("/limits").await.unwrap();

    control(
        &sandbox,
        "/__sandbox/faults",
        json!({"fail_next": 2, "fail_status": 503}),
    )
    .await;
    assert!(
        client.get("/limits").await.is_ok(),
        "two 503s, then an answer"
    );
    control(&sandbox, "/__sandbox/faults", json!({"drop_next": 1})).await;
    assert!(
        client.get("/limits").await.is_ok(),
        "a dropped connection, then an answer"
    );

    control(
        &sandbox,
        "/__sandbox/faults",
        json!({"fail_next": 5, "fail_status": 503}),
    )
    .await;
    let err = client.get("/limits").await.unwrap_err();
    assert_eq!(err.status(), Some(503), "gives up after three attempts");
    control(&sandbox, "/__sandbox/faults", json!({})).await;

    control(&sandbox, "/__sandbox/faults", json!({"malformed_next": 1})).await;
    assert!(matches!(
        client.get("/limits").await.unwrap_err(),
        Error::Malformed { status: 200, .. }
    ));

    control(&sandbox, "/__sandbox/quota", json!({"max": 10, "used": 10})).await;
    reqwest::Client::new()
        .delete(format!("{}/__sandbox/requests", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    let err = client.get("/limits").await.unwrap_err();
    assert_eq!(err.code(), Some("REQUEST_LIMIT_EXCEEDED"));
    assert_eq!(
        api_calls(&sandbox).await,
        0,
        "a spent quota is not hammered (refused calls are not counted)"
    );
}

#[tokio::test]
async fn converts_a_lead_over_soap() {
    let (_sandbox, client) = setup().await;
    let lead = client
        .create(
            "Lead",
            &json!({"LastName": "Soap", "Company": "Suds Inc", "Email": "soap@suds.example"}),
        )
        .await
        .unwrap();
    let convert = LeadConvert {
        lead_id: lead.clone(),
        converted_status: "Closed - Converted".into(),
        opportunity_name: Some("Suds deal".into()),
        ..LeadConvert::default()
    };
    let done = client.convert_lead(&convert, "59.0").await.unwrap();
    assert!(done.success);
    assert!(done.contact_id.unwrap().starts_with("003"));
    assert!(done.opportunity_id.unwrap().starts_with("006"));
    let again = client.convert_lead(&convert, "59.0").await.unwrap();
    assert_eq!(again.errors[0].0, "CANNOT_UPDATE_CONVERTED_LEAD");
}

/// Hostile inputs, escaped, parse back to exactly themselves in the sandbox org's parsers:
/// they stay values and never become query syntax.
#[test]
fn escaped_hostile_inputs_stay_values() {
    use pane_salesforce::escape::{soql_string, sosl_term};
    use pane_sandbox::soql::{Expr, Value as Lit, parse, parse_search};
    let hostile = [
        "rose@edge.com",
        "' OR Name != '",
        "\\' OR Id != null OR Name = \\'",
        "x'); DELETE FROM Contact; --",
        "a\\",
        "\"quoted\"",
        "tab\tnew\nline",
        "%_wild",
        "} RETURNING User(Id, Username) FIND {x",
        "ünïcödé ✓",
    ];
    for text in hostile {
        let soql = format!("SELECT Id FROM Contact WHERE Email = {}", soql_string(text));
        let query = parse(&soql).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        match query.filter {
            Some(Expr::Cmp {
                value: Lit::String(v),
                ..
            }) => assert_eq!(v, text, "{soql}"),
            other => panic!("{text:?} widened the query: {other:?}"),
        }
        let sosl = format!(
            "FIND {{{}}} IN ALL FIELDS RETURNING Contact(Id)",
            sosl_term(text)
        );
        match parse_search(&sosl) {
            Ok(search) => {
                assert_eq!(search.returning.len(), 1, "{text:?}: {sosl}");
                assert_eq!(search.returning[0].object, "Contact");
                // The words stay words (SOSL's own AND/OR between them are its operators).
                let printable: String = text.chars().filter(|c| !c.is_control()).collect();
                let expected: Vec<&str> = printable
                    .split_whitespace()
                    .filter(|w| !matches!(w.to_ascii_uppercase().as_str(), "AND" | "OR"))
                    .collect();
                assert_eq!(search.words().join(" "), expected.join(" "), "{sosl}");
            }
            Err(e) => assert!(text.trim().chars().count() < 2, "{text:?}: {e}"),
        }
    }
}

#[tokio::test]
async fn a_typed_composite_is_what_the_strict_org_takes() {
    let (_sandbox, client) = setup().await;
    const ROSE: Ref = Ref::named("rose");
    const ACCOUNT: Ref = Ref::named("account");
    const DEALS: Ref = Ref::named("deals");
    let mut c = Composite::new("59.0");
    c.add(
        ROSE,
        Request::Query(
            Select::from("Contact")
                .fields(["Name", "AccountId"])
                .filter(Filter::eq("Email", "rose@edge.com")),
        ),
    )
    .unwrap();
    c.add(
        ACCOUNT,
        Request::Retrieve {
            object: "Account".into(),
            id: ROSE.first("AccountId").into(),
            fields: vec!["Id".into(), "Name".into()],
        },
    )
    .unwrap();
    c.add(
        DEALS,
        Request::Related {
            object: "Account".into(),
            id: ROSE.first("AccountId").into(),
            relationship: "Opportunities".into(),
            fields: vec!["Id".into(), "Name".into()],
        },
    )
    .unwrap();
    let answer = client.composite(&c).await.unwrap();
    assert_eq!(answer.records(ROSE)[0]["Name"], "Rose Gonzalez");
    assert_eq!(answer.ok(ACCOUNT).unwrap()["Name"], "Edge Communications");
    assert_eq!(answer.records(DEALS).len(), 2);
    assert!(answer.server_error().is_none());
}
