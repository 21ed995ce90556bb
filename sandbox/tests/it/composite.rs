//! Composite and sObject collections: references, allOrNone with rollback, one call each.

use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{Org, json, org};

impl Org {
    /// How many Accounts are named `name` (one `SELECT COUNT()` query).
    async fn accounts_named(&self, name: &str) -> Value {
        let soql = format!("SELECT COUNT() FROM Account WHERE Name = '{name}'");
        self.count(&soql).await
    }
}

fn recorded(name: &str) -> Value {
    let text =
        std::fs::read_to_string(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// An allOrNone composite that creates an Account, a Contact referring to it and queries the Contact
/// through both references; with `failing`, a last subrequest that fails (404).
fn chained(failing: bool) -> Value {
    let mut requests = vec![
        json!({"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "refAccount", "body": {"Name": "Sample Account"}}),
        json!({"method": "POST", "url": "/services/data/v59.0/sobjects/Contact", "referenceId": "refContact", "body": {"LastName": "Sample Contact", "AccountId": "@{refAccount.id}"}}),
        json!({"method": "GET", "url": "/services/data/v59.0/query?q=SELECT Id, Account.Name FROM Contact WHERE Id = '@{refContact.id}'", "referenceId": "refQuery"}),
    ];
    if failing {
        requests.push(json!({"method": "GET", "url": "/services/data/v59.0/sobjects/Foo", "referenceId": "refMissing"}));
    }
    json!({"allOrNone": true, "compositeRequest": requests})
}

/// POSTs a composite to `path` (`/composite` or `/composite/`): its subresponses.
async fn composite(org: &Org, path: &str, body: &Value) -> Vec<Value> {
    let (status, res) = org.post_data(path, body).await;
    assert_eq!(status, 200, "{res}");
    res["compositeResponse"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_all_or_none_composite_with_a_failing_subrequest_rolls_back_everything() {
    let org = org().await;
    let responses = composite(&org, "/composite", &chained(true)).await;
    assert_eq!(responses.len(), 4);
    assert_eq!(responses[3]["httpStatusCode"], 404);
    for r in &responses[..3] {
        assert_eq!(r["httpStatusCode"], 400);
        assert_eq!(r["body"][0]["errorCode"], "PROCESSING_HALTED");
    }
    assert_eq!(org.accounts_named("Sample Account").await, 0, "rolled back");
}

/// Finding: an allOrNone composite rolled back records it created by `POST` and changed by id,
/// but not an upsert by External ID (`PATCH /sobjects/{Type}/{Field}/{value}`), created or
/// updated, before a later subrequest failed.
#[tokio::test]
async fn an_all_or_none_composite_rolls_back_upserts_by_external_id_too() {
    let org = org().await;
    let kept = org
        .create(
            "Task",
            json!({"Subject": "Before", "Pane_Message_Id__c": "kept-marker"}),
        )
        .await;
    let upsert = |marker: &str, subject: &str, reference: &str| json!({"method": "PATCH", "url": format!("/services/data/v59.0/sobjects/Task/Pane_Message_Id__c/{marker}"), "referenceId": reference, "body": {"Subject": subject}});
    let body = json!({"allOrNone": true, "compositeRequest": [
        upsert("new-marker", "Created", "refCreated"),
        upsert("kept-marker", "After", "refUpdated"),
        {"method": "GET", "url": "/services/data/v59.0/sobjects/Foo", "referenceId": "refMissing"},
    ]});
    let responses = composite(&org, "/composite", &body).await;
    assert_eq!(responses[2]["httpStatusCode"], 404);
    for r in &responses[..2] {
        assert_eq!(r["body"][0]["errorCode"], "PROCESSING_HALTED", "{r}");
    }
    let created = org
        .count("SELECT COUNT() FROM Task WHERE Pane_Message_Id__c = 'new-marker'")
        .await;
    assert_eq!(created, 0, "the upsert's create is rolled back");
    let (_, task) = org
        .get_json(&org.data(&format!("/sobjects/Task/{kept}")))
        .await;
    assert_eq!(
        task["Subject"], "Before",
        "the upsert's update is rolled back"
    );
}

#[tokio::test]
async fn references_chain_writes_in_the_recorded_shape() {
    let org = org().await;
    let responses = composite(&org, "/composite/", &chained(false)).await;
    assert_eq!(responses[0]["httpStatusCode"], 201);
    assert!(
        responses[0]["httpHeaders"]["Location"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v59.0/sobjects/Account/001")
    );
    assert_eq!(
        responses[2]["body"]["records"][0]["Account"]["Name"],
        "Sample Account"
    );
    // Same shapes as the recorded composite answers.
    let recorded = recorded("composite-errors.json");
    let recorded_sub = &recorded[0]["response"]["body"]["compositeResponse"][0];
    assert_eq!(keys(&responses[0]), keys(recorded_sub));
}

#[tokio::test]
async fn a_composite_is_one_api_call_however_many_subrequests_it_has() {
    let org = org().await;
    org.clear_log().await;
    composite(&org, "/composite", &chained(true)).await;
    composite(&org, "/composite", &chained(false)).await;
    org.accounts_named("Sample Account").await;
    assert_eq!(
        org.log().await["count"],
        3,
        "two composites and one query: each composite is one call"
    );
}

#[tokio::test]
async fn recorded_composites_get_the_recorded_shapes() {
    let org = org().await;
    for name in [
        "composite-errors.json",
        "composite-reference-ids.json",
        "composite-conditional-304.json",
    ] {
        for exchange in recorded(name).as_array().unwrap() {
            // The recorded org had not changed since 2020; this one changed at start, so the
            // conditional request asks about a later date to get the recorded 304.
            let body = exchange["request"]["body"]
                .to_string()
                .replace("vxx.0", "v59.0")
                .replace("v49.0", "v59.0")
                .replace(
                    "Thu, 03 Sep 2020 21:35:07 GMT",
                    "Fri, 01 Jan 2100 00:00:00 GMT",
                );
            let res = org.post_body(&org.data("/composite"), body).await;
            assert_eq!(res.status(), 200, "{name}");
            let got: Value = res.json().await.unwrap();
            let want = &exchange["response"]["body"]["compositeResponse"];
            for (g, w) in got["compositeResponse"]
                .as_array()
                .unwrap()
                .iter()
                .zip(want.as_array().unwrap())
            {
                assert_eq!(g["httpStatusCode"], w["httpStatusCode"], "{name}: {g}");
                assert_eq!(g["referenceId"], w["referenceId"]);
                match w["httpStatusCode"].as_u64() {
                    Some(304) => {
                        assert_eq!(g["body"], Value::Null);
                        assert!(g["httpHeaders"]["Last-Modified"].is_string());
                    }
                    Some(404) => assert_eq!(g["body"], w["body"]),
                    _ => assert_eq!(keys(&g["body"]), keys(&w["body"])),
                }
            }
        }
    }
}

#[tokio::test]
async fn collections_save_what_they_can_unless_all_or_none() {
    let org = org().await;
    let create = json!({"allOrNone": false, "records": [
        {"attributes": {"type": "Lead"}, "LastName": "One", "Company": "C1"},
        {"attributes": {"type": "Lead"}, "LastName": "Two"},
        {"attributes": {"type": "Account"}, "Name": "Collection Co"}
    ]});
    let (_, res) = org.post_data("/composite/sobjects", &create).await;
    assert_eq!(res[0]["success"], true);
    assert_eq!(
        res[1],
        json!({"success": false, "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [Company]", "fields": ["Company"]}]})
    );
    assert_eq!(res[2]["success"], true);

    let mut all = create.clone();
    all["allOrNone"] = json!(true);
    let (_, res) = org.post_data("/composite/sobjects", &all).await;
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    let count = org.accounts_named("Collection Co").await;
    assert_eq!(count, 1, "the rolled-back one is gone, the first stays");
}

#[tokio::test]
async fn collections_update_retrieve_and_delete_records() {
    let org = org().await;
    let lead = org
        .create("Lead", json!({"LastName": "One", "Company": "C1"}))
        .await;
    let update =
        json!({"records": [{"attributes": {"type": "Lead"}, "id": lead, "Title": "Boss"}]});
    let (_, res) = org
        .send_json("PATCH", &org.data("/composite/sobjects"), &update)
        .await;
    assert_eq!(res[0]["success"], true);
    let got = json(
        org.get(&org.data("/composite/sobjects/Lead"))
            .query(&[("ids", lead.as_str()), ("fields", "Id,Title")]),
    )
    .await;
    assert_eq!(got[0]["Title"], "Boss");
    let (_, got) = org
        .post_data(
            "/composite/sobjects/Lead",
            &json!({"ids": [lead], "fields": ["LastName"]}),
        )
        .await;
    assert_eq!(got[0]["LastName"], "One");
    let res = json(
        org.authed(Method::DELETE, &org.data("/composite/sobjects"))
            .query(&[("ids", lead.as_str())]),
    )
    .await;
    assert_eq!(res[0]["success"], true);
}

#[tokio::test]
async fn collections_upsert_creates_then_updates_on_the_external_id_in_order() {
    let org = org().await;
    let path = org.data("/composite/sobjects/Task/Pane_Message_Id__c");
    let task = |marker: &str, subject: &str| json!({"attributes": {"type": "Task"}, "Pane_Message_Id__c": marker, "Subject": subject, "Status": "Completed"});
    let body = json!({"allOrNone": false, "records": [
        task("msg_up_1", "One"),
        {"attributes": {"type": "Task"}, "Subject": "No marker"},
        task("msg_up_2", "Two")
    ]});
    let (status, first) = org.send_json("PATCH", &path, &body).await;
    assert_eq!(status, 200);
    assert_eq!(
        (&first[0]["success"], &first[0]["created"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(
        first[1]["errors"][0]["statusCode"],
        "REQUIRED_FIELD_MISSING"
    );
    assert_eq!(first[2]["created"], true);
    let again = json!({"records": [task("msg_up_2", "Two again"), task("msg_up_1", "One again")]});
    let (_, second) = org.send_json("PATCH", &path, &again).await;
    assert_eq!(
        (
            &second[0]["id"],
            &second[0]["created"],
            &second[1]["id"],
            &second[1]["created"]
        ),
        (
            &first[2]["id"],
            &json!(false),
            &first[0]["id"],
            &json!(false)
        ),
        "the same Tasks, updated, answered in the request's order"
    );
}

#[tokio::test]
async fn collections_upsert_all_or_none_undoes_its_creates_and_updates() {
    let org = org().await;
    let path = org.data("/composite/sobjects/Task/Pane_Message_Id__c");
    let one = json!({"attributes": {"type": "Task"}, "Pane_Message_Id__c": "msg_aon_1", "Subject": "Before"});
    let (_, made) = org
        .send_json("PATCH", &path, &json!({"records": [one]}))
        .await;
    let body = json!({"allOrNone": true, "records": [
        {"attributes": {"type": "Task"}, "Pane_Message_Id__c": "msg_aon_1", "Subject": "After"},
        {"attributes": {"type": "Task"}, "Pane_Message_Id__c": "msg_aon_2", "Subject": "New"},
        {"attributes": {"type": "Task"}, "Subject": "No marker"}
    ]});
    let (_, res) = org.send_json("PATCH", &path, &body).await;
    assert_eq!(
        res[0]["errors"][0]["statusCode"],
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    );
    let rows = json(org.get(&org.data("/query")).query(&[(
        "q",
        "SELECT Id, Subject FROM Task WHERE Pane_Message_Id__c IN ('msg_aon_1', 'msg_aon_2')",
    )]))
    .await;
    assert_eq!(
        rows["records"].as_array().map(|r| r
            .iter()
            .map(|t| (t["Id"].clone(), t["Subject"].clone()))
            .collect::<Vec<_>>()),
        Some(vec![(made[0]["id"].clone(), json!("Before"))])
    );
}

#[tokio::test]
async fn collections_upsert_takes_only_the_type_in_its_url() {
    let org = org().await;
    let body = json!({"records": [{"attributes": {"type": "Lead"}, "Pane_Message_Id__c": "msg_x", "LastName": "L", "Company": "C"}]});
    let (status, res) = org
        .send_json(
            "PATCH",
            &org.data("/composite/sobjects/Task/Pane_Message_Id__c"),
            &body,
        )
        .await;
    assert_eq!(
        (status, &res[0]["errorCode"]),
        (400, &json!("INVALID_TYPE"))
    );
}

#[tokio::test]
async fn collections_upsert_refuses_the_record_id_as_its_key() {
    let org = org().await;
    let body = json!({"records": [{"attributes": {"type": "Task"}, "Id": "00T000000000001AAA", "Subject": "S"}]});
    let (status, res) = org
        .send_json("PATCH", &org.data("/composite/sobjects/Task/Id"), &body)
        .await;
    assert_eq!(
        (status, &res[0]["errorCode"]),
        (400, &json!("INVALID_FIELD"))
    );
}
