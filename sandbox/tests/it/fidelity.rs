//! Behaviours found wrong by driving the org with simple-salesforce, each beside the normal
//! case: derived and defaulted fields, key prefixes and versioned URLs, unknown resources,
//! stable query locators, search shapes by version, SOSL escapes, polymorphic types, revoke,
//! External ID rows and relationships, aggregates.

use pane_sandbox::SandboxConfig;
use serde_json::{Value, json};

use crate::helpers::{answer, json, org, strings};

/// Finding: CaseNumber, Case.IsClosed, Opportunity.Probability/ForecastCategory and
/// non-createable booleans came back null.
#[tokio::test]
async fn defaulted_and_derived_fields_are_filled() {
    let org = org().await;
    let case = org
        .create("Case", json!({"Subject": "Fan is loud", "Status": "New"}))
        .await;
    let (_, read) = org
        .get_json(&org.data(&format!("/sobjects/Case/{case}")))
        .await;
    assert!(
        read["CaseNumber"].as_str().is_some_and(|n| n.len() == 8),
        "{read}"
    );
    assert_eq!(read["IsClosed"], false);
    assert_eq!(read["IsEscalated"], false);
    assert_eq!(read["IsDeleted"], false);
    let other = org.create("Case", json!({"Subject": "Second"})).await;
    let (_, second) = org
        .get_json(&org.data(&format!("/sobjects/Case/{other}")))
        .await;
    let number = |v: &Value| v["CaseNumber"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(number(&second), number(&read) + 1, "auto-numbered in order");
    let (status, _) = org
        .send_json(
            "PATCH",
            &org.data(&format!("/sobjects/Case/{case}")),
            &json!({"Status": "Closed"}),
        )
        .await;
    assert_eq!(status, 204);
    let (_, closed) = org
        .get_json(&org.data(&format!("/sobjects/Case/{case}")))
        .await;
    assert_eq!(closed["IsClosed"], true);
    assert_eq!(closed["CaseNumber"], read["CaseNumber"], "kept on update");

    let opp = org
        .create(
            "Opportunity",
            json!({"Name": "Fans", "StageName": "Prospecting", "CloseDate": "2027-01-01"}),
        )
        .await;
    let path = org.data(&format!("/sobjects/Opportunity/{opp}"));
    let (_, read) = org.get_json(&path).await;
    assert_eq!(read["Probability"], 10.0);
    assert_eq!(read["ForecastCategory"], "Pipeline");
    assert_eq!(read["ForecastCategoryName"], "Pipeline");
    assert_eq!(read["IsPrivate"], false);
    assert_eq!(read["HasOpenActivity"], false);
    // A new stage brings its own; a probability the write gives is kept.
    org.send_json("PATCH", &path, &json!({"StageName": "Closed Won"}))
        .await;
    let (_, won) = org.get_json(&path).await;
    assert_eq!(
        (&won["Probability"], &won["ForecastCategory"], &won["IsWon"]),
        (&json!(100.0), &json!("Closed"), &json!(true))
    );
    org.send_json(
        "PATCH",
        &path,
        &json!({"StageName": "Negotiation/Review", "Probability": 35}),
    )
    .await;
    let (_, mine) = org.get_json(&path).await;
    assert_eq!(mine["Probability"], 35.0);
    assert_eq!(mine["ForecastCategoryName"], "Pipeline");
    let given = org
        .create(
            "Opportunity",
            json!({"Name": "Given", "StageName": "Prospecting", "CloseDate": "2027-01-01", "Probability": 42, "ForecastCategoryName": "Best Case"}),
        )
        .await;
    let (_, given) = org
        .get_json(&org.data(&format!("/sobjects/Opportunity/{given}")))
        .await;
    assert_eq!(given["Probability"], 42.0);
    assert_eq!(given["ForecastCategory"], "BestCase");
}

/// Records stored by an earlier sandbox, without those fields, are completed once at open.
#[tokio::test]
async fn records_stored_before_are_completed() {
    let path = std::env::temp_dir().join(format!(
        "pane-sandbox-complete-{}-{}.sqlite",
        std::process::id(),
        rand_suffix()
    ));
    let config = || {
        let mut config = SandboxConfig::default();
        config.org.database = Some(path.clone());
        config
    };
    let case_id;
    {
        let sandbox = pane_sandbox::spawn("127.0.0.1:0".parse().unwrap(), config())
            .await
            .unwrap();
        let store = &sandbox.state().org.store;
        let mut case = store.scan("Case", false).unwrap().remove(0);
        case_id = case.id.clone();
        for k in ["CaseNumber", "IsClosed", "IsEscalated"] {
            case.fields_mut().remove(k);
        }
        store.put(&case, vec![]).unwrap();
        let mut opp = store.scan("Opportunity", false).unwrap().remove(0);
        for k in ["Probability", "ForecastCategory", "ForecastCategoryName"] {
            opp.fields_mut().remove(k);
        }
        store.put(&opp, vec![]).unwrap();
        store.set_meta("completed_version", "0").unwrap();
        sandbox.shutdown();
    }
    let sandbox = pane_sandbox::spawn("127.0.0.1:0".parse().unwrap(), config())
        .await
        .unwrap();
    let store = &sandbox.state().org.store;
    let case = store.get(&case_id).unwrap().unwrap();
    assert!(case.fields["CaseNumber"].is_string(), "{:?}", case.fields);
    assert_eq!(case.fields["IsEscalated"], false);
    let opp = store.scan("Opportunity", false).unwrap().remove(0);
    assert!(opp.fields["Probability"].is_number());
    assert!(opp.fields["ForecastCategory"].is_string());
    drop(sandbox);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Finding: `GET /sobjects/{Type}` answered `keyPrefix: null` and v52.0 URLs.
#[tokio::test]
async fn basic_information_has_the_key_prefix_and_the_version_asked() {
    let org = org().await;
    for (object, prefix) in [
        ("Account", "001"),
        ("Contact", "003"),
        ("Lead", "00Q"),
        ("Opportunity", "006"),
        ("Case", "500"),
        ("Task", "00T"),
        ("Event", "00U"),
        ("User", "005"),
        ("Organization", "00D"),
    ] {
        let (status, info) = org
            .get_json(&format!("/services/data/v61.0/sobjects/{object}/"))
            .await;
        assert_eq!(status, 200, "{object}");
        let described = &info["objectDescribe"];
        assert_eq!(described["keyPrefix"], prefix, "{object}");
        assert_eq!(described["name"], object);
        assert_eq!(
            described["urls"]["describe"],
            format!("/services/data/v61.0/sobjects/{object}/describe")
        );
        assert!(!info.to_string().contains("v52.0"), "{info}");
    }
    let (_, global) = org.get_json("/services/data/v45.0/sobjects/").await;
    assert!(!global.to_string().contains("v52.0"));
    let (_, rows) = org
        .get_json("/services/data/v45.0/query/?q=SELECT+Id+FROM+Lead+LIMIT+1")
        .await;
    assert!(
        rows["records"][0]["attributes"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v45.0/sobjects/Lead/")
    );
}

/// Finding: an unknown resource answered an empty 404.
#[tokio::test]
async fn unknown_resources_answer_not_found_in_salesforce_words() {
    let org = org().await;
    for path in [
        "/services/data/v59.0/nothing",
        "/services/data/v59.0/sobjects/Account/describe/nothing/here",
        "/services/apexrest/whatever",
    ] {
        let res = org.get(path).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body,
            json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]),
            "{path}"
        );
    }
    // A known resource still answers, and a known one asked with the wrong method says so.
    assert_eq!(org.get_json(&org.data("/limits")).await.0, 200);
    let (code, body) = answer(
        org.http
            .delete(org.url(&org.data("/limits")))
            .bearer_auth(&org.token),
    )
    .await;
    assert_eq!(code, 405);
    assert_eq!(body[0]["errorCode"], "METHOD_NOT_ALLOWED");
}

/// Finding: search answered `{"searchRecords"}` on every version; before v37.0 it is the
/// bare array.
#[tokio::test]
async fn search_shape_follows_the_api_version() {
    let org = org().await;
    let q = "?q=FIND+%7Brose%40edge.com%7D+IN+EMAIL+FIELDS+RETURNING+Contact(Name)";
    let (_, new) = org
        .get_json(&format!("/services/data/v59.0/search/{q}"))
        .await;
    assert_eq!(new["searchRecords"][0]["Name"], "Rose Gonzalez");
    let (_, v37) = org
        .get_json(&format!("/services/data/v37.0/search/{q}"))
        .await;
    assert!(v37["searchRecords"].is_array());
    let (_, old) = org
        .get_json(&format!("/services/data/v35.0/search/{q}"))
        .await;
    assert_eq!(old[0]["Name"], "Rose Gonzalez", "{old}");
    assert_eq!(
        old[0]["attributes"]["url"].as_str().unwrap()[..20],
        *"/services/data/v35.0"
    );
    let (_, v36) = org
        .get_json(&format!("/services/data/v36.0/search/{q}"))
        .await;
    assert!(v36.is_array(), "{v36}");
}

/// Finding: `\*` and `\?` in a search term still acted as wildcards.
#[tokio::test]
async fn escaped_wildcards_are_literal_characters() {
    let org = org().await;
    org.create("Account", json!({"Name": "Star*Power"})).await;
    org.create("Account", json!({"Name": "StarXPower"})).await;
    org.create("Account", json!({"Name": "Why? Corp"})).await;
    org.create("Account", json!({"Name": "Whyz Corp"})).await;
    let names = |v: &Value| -> Vec<String> {
        let mut n = strings(&v["searchRecords"], "Name");
        n.sort();
        n
    };
    let search = |term: &str| {
        let sosl = format!("FIND {{{term}}} RETURNING Account(Name)");
        org.http
            .get(org.url(&org.data("/search")))
            .query(&[("q", sosl)])
            .bearer_auth(&org.token)
            .send()
    };
    let wild: Value = search("Star*Power").await.unwrap().json().await.unwrap();
    assert_eq!(names(&wild), ["Star*Power", "StarXPower"]);
    let literal: Value = search("Star\\*Power").await.unwrap().json().await.unwrap();
    assert_eq!(names(&literal), ["Star*Power"]);
    let wild: Value = search("Why?").await.unwrap().json().await.unwrap();
    assert_eq!(names(&wild), ["Why? Corp", "Whyz Corp"]);
    let literal: Value = search("Why\\?").await.unwrap().json().await.unwrap();
    assert_eq!(names(&literal), ["Why? Corp"]);
}

/// Finding: revoking one refresh token ended the user's other sessions too.
#[tokio::test]
async fn revoking_a_token_ends_only_what_it_issued() {
    let org = org().await;
    let auth = &org.sandbox.state().auth;
    let session = auth.session(&org.token).unwrap();
    let first = auth.issue(session.clone(), true);
    let second = auth.issue(session, true);
    assert_eq!(
        org.revoke(first.refresh_token.as_deref().unwrap()).await,
        200
    );
    assert_eq!(
        org.alive(&first.access_token).await,
        401,
        "its own access token"
    );
    assert_eq!(
        org.alive(&second.access_token).await,
        200,
        "another session"
    );
    assert_eq!(org.alive(&org.token).await, 200, "the password login");
    // An access token alone: its refresh token still gets new ones.
    assert_eq!(org.revoke(&second.access_token).await, 200);
    assert_eq!(org.alive(&second.access_token).await, 401);
    let refreshed = org.refresh(second.refresh_token.as_deref().unwrap()).await;
    let token = refreshed["access_token"].as_str().unwrap().to_owned();
    assert_eq!(org.alive(&token).await, 200);
    assert_eq!(org.revoke("not-a-token").await, 400);
}

/// Finding: reading a `nextRecordsUrl` twice answered other rows and another `totalSize`
/// (the `-N` offset was ignored and each read consumed the cursor).
#[tokio::test]
async fn next_records_urls_are_stable_and_honour_their_offset() {
    let org = org().await;
    org.seed_tasks("Locator", 450);
    let soql = "SELECT Subject FROM Task WHERE Subject LIKE 'Locator%' ORDER BY Subject";
    let first = json(
        org.get(&org.data("/query"))
            .query(&[("q", soql)])
            .header("Sforce-Query-Options", "batchSize=200"),
    )
    .await;
    let subjects = |page: &Value| strings(&page["records"], "Subject");
    assert_eq!(first["totalSize"], 450);
    let next = first["nextRecordsUrl"].as_str().unwrap().to_owned();
    assert!(next.ends_with("-200"), "{next}");
    let (_, second) = org.get_json(&next).await;
    let (_, retried) = org.get_json(&next).await;
    assert_eq!(second, retried, "the same page, read twice");
    assert_eq!(second["totalSize"], 450, "totalSize is the whole result's");
    assert_eq!(subjects(&second)[0], "Locator task 200");
    assert_eq!(second["records"].as_array().unwrap().len(), 200);
    let last_url = second["nextRecordsUrl"].as_str().unwrap().to_owned();
    assert!(last_url.ends_with("-400"));
    let (_, last) = org.get_json(&last_url).await;
    assert_eq!(last["done"], true);
    assert_eq!(last["totalSize"], 450);
    assert_eq!(
        subjects(&last),
        (400..450)
            .map(|i| format!("Locator task {i:03}"))
            .collect::<Vec<_>>()
    );
    // Any offset of the locator: its rows from there.
    let locator = next.trim_end_matches("-200");
    let (_, from_7) = org.get_json(&format!("{locator}-7")).await;
    assert_eq!(subjects(&from_7)[0], "Locator task 007");
    let (status, bad) = org.get_json(&format!("{locator}-9999")).await;
    assert_eq!(status, 400);
    assert_eq!(bad[0]["errorCode"], "INVALID_QUERY_LOCATOR");
    let (status, _) = org.get_json(&org.data("/query/01gAAAAAAAAAAAA-200")).await;
    assert_eq!(status, 400);
}

/// Finding: a polymorphic relationship's record was typed with its own object; Salesforce
/// types it `Name` (a plain lookup keeps its object's type).
#[tokio::test]
async fn polymorphic_relationships_are_typed_name() {
    let org = org().await;
    let relationships = "Who.Name, What.Name, Owner.Name, Account.Name";
    let soql =
        format!("SELECT Subject, {relationships} FROM Task WHERE Who.Name = 'Rose Gonzalez'");
    let (status, tasks) = org.query_answer(&soql).await;
    assert_eq!(status, 200, "{tasks}");
    let task = &tasks["records"][0];
    for relationship in ["Who", "What", "Owner"] {
        assert_eq!(task[relationship]["attributes"]["type"], "Name", "{task}");
    }
    assert!(
        task["Who"]["attributes"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v59.0/sobjects/Contact/003")
    );
    assert_eq!(task["Who"]["Name"], "Rose Gonzalez");
    // Task.AccountId refers to Account alone: typed Account.
    assert_eq!(task["Account"]["attributes"]["type"], "Account");
    let (_, contacts) = org
        .query_answer("SELECT Account.Name, Owner.Name FROM Contact LIMIT 1")
        .await;
    assert_eq!(
        contacts["records"][0]["Owner"]["attributes"]["type"],
        "User"
    );
}

/// Finding: `GET`/`PATCH /sobjects/{Type}/{ExtIdField}/{value}` answered an empty 404.
#[tokio::test]
async fn rows_by_external_id_get_upsert_and_delete() {
    let org = org().await;
    let path = |value: &str| org.data(&format!("/sobjects/Task/Pane_Message_Id__c/{value}"));
    // No such marker yet: GET is 404, PATCH creates (201, created: true).
    let (status, missing) = org.get_json(&path("msg-1")).await;
    assert_eq!(status, 404);
    assert_eq!(missing[0]["errorCode"], "NOT_FOUND");
    let (status, created) = org
        .send_json("PATCH", &path("msg-1"), &json!({"Subject": "Logged email"}))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["success"], true);
    assert_eq!(created["created"], true);
    assert_eq!(created["errors"], json!([]));
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, task) = org.get_json(&path("msg-1")).await;
    assert_eq!(status, 200);
    assert_eq!(task["Id"], id);
    assert_eq!(task["Pane_Message_Id__c"], "msg-1");
    assert_eq!(task["Subject"], "Logged email");
    let (_, some) = org
        .get_json(&format!("{}?fields=Subject", path("msg-1")))
        .await;
    assert_eq!(some.as_object().unwrap().len(), 2, "{some}");
    // Again: an update, 200 with created false (API 46.0+), 204 before.
    let (status, updated) = org
        .send_json(
            "PATCH",
            &path("msg-1"),
            &json!({"Subject": "Logged email (2)"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        updated,
        json!({"id": id, "success": true, "errors": [], "created": false})
    );
    let old = "/services/data/v45.0/sobjects/Task/Pane_Message_Id__c/msg-1";
    let res = org
        .http
        .patch(org.url(old))
        .bearer_auth(&org.token)
        .json(&json!({"Priority": "High"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (status, old_create) = org
        .send_json(
            "PATCH",
            "/services/data/v45.0/sobjects/Task/Pane_Message_Id__c/msg-old",
            &json!({"Subject": "Old API"}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(old_create.get("created").is_none(), "{old_create}");
    // updateOnly: no create.
    let (status, _) = org
        .send_json(
            "PATCH",
            &format!("{}?updateOnly=true", path("msg-none")),
            &json!({"Subject": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    // Two with the same marker: 300 with their URLs, for GET, PATCH and DELETE.
    org.create("Task", json!({"Subject": "a", "Pane_Message_Id__c": "dup"}))
        .await;
    org.create("Task", json!({"Subject": "b", "Pane_Message_Id__c": "dup"}))
        .await;
    let (status, choices) = org.get_json(&path("dup")).await;
    assert_eq!(status, 300);
    let urls = choices.as_array().unwrap();
    assert_eq!(urls.len(), 2);
    assert!(
        urls[0]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v59.0/sobjects/Task/00T")
    );
    assert_eq!(
        org.send_json("PATCH", &path("dup"), &json!({"Subject": "c"}))
            .await
            .0,
        300
    );
    // A field that is not an External ID, and one that does not exist: 404 NOT_FOUND.
    for bad in ["Subject/x", "Nope__c/x"] {
        let (status, body) = org
            .get_json(&org.data(&format!("/sobjects/Task/{bad}")))
            .await;
        assert_eq!(status, 404, "{bad}");
        assert_eq!(body[0]["errorCode"], "NOT_FOUND", "{bad}");
    }
    // idLookup fields name records too (Contact.Email), and Id does.
    let (status, rose) = org
        .get_json(&org.data("/sobjects/Contact/Email/rose@edge.com"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rose["Name"], "Rose Gonzalez");
    let rose_id = rose["Id"].as_str().unwrap();
    let (status, by_id) = org
        .get_json(&org.data(&format!("/sobjects/Contact/Id/{rose_id}")))
        .await;
    assert_eq!((status, &by_id["Id"]), (200, &rose["Id"]));
    // POST /sobjects/{Type}/Id creates (API 37.0+).
    let (status, made) = org
        .post_data("/sobjects/Account/Id", &json!({"Name": "By Id"}))
        .await;
    assert_eq!(status, 201, "{made}");
    // DELETE by External ID.
    let res = org
        .http
        .delete(org.url(&path("msg-1")))
        .bearer_auth(&org.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(org.get_json(&path("msg-1")).await.0, 404);
    // The plain row still answers by id.
    assert_eq!(
        org.get_json(&org.data(&format!("/sobjects/Contact/{rose_id}")))
            .await
            .0,
        200
    );
}

/// sObject Relationships: a child relationship is a query result, a parent lookup the
/// record (404 without one), unknown `fields` a 400; and all of it inside a composite.
#[tokio::test]
async fn relationships_of_a_record() {
    let org = org().await;
    let rows = org
        .query("SELECT Id, AccountId FROM Contact WHERE Email = 'rose@edge.com'")
        .await;
    let rose = rows["records"][0]["Id"].as_str().unwrap().to_owned();
    let edge = rows["records"][0]["AccountId"].as_str().unwrap().to_owned();
    let (status, opps) = org
        .get_json(&org.data(&format!(
            "/sobjects/Account/{edge}/Opportunities?fields=Name,StageName,Amount"
        )))
        .await;
    assert_eq!(status, 200, "{opps}");
    assert_eq!(opps["totalSize"], 2);
    assert_eq!(opps["done"], true);
    assert_eq!(opps["records"][0]["attributes"]["type"], "Opportunity");
    assert!(opps["records"][0]["StageName"].is_string());
    assert!(opps["records"][0].get("CloseDate").is_none());
    let (_, contacts) = org
        .get_json(&org.data(&format!("/sobjects/Account/{edge}/Contacts")))
        .await;
    assert_eq!(contacts["totalSize"], 2);
    assert!(
        contacts["records"][0]["Email"].is_string(),
        "every field without fields="
    );
    // A child relationship with nothing in it: 200 and an empty result.
    let lonely = org.create("Account", json!({"Name": "Lonely"})).await;
    let (status, none) = org
        .get_json(&org.data(&format!("/sobjects/Account/{lonely}/Opportunities")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(none, json!({"totalSize": 0, "done": true, "records": []}));
    // A parent lookup: the record; none: 404.
    let (status, account) = org
        .get_json(&org.data(&format!("/sobjects/Contact/{rose}/Account?fields=Name")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(account["Name"], "Edge Communications");
    assert_eq!(account["attributes"]["type"], "Account");
    let orphan = org.create("Contact", json!({"LastName": "Orphan"})).await;
    let (status, body) = org
        .get_json(&org.data(&format!("/sobjects/Contact/{orphan}/Account")))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body[0]["errorCode"], "NOT_FOUND");
    // Unknown fields: 400; unknown relationship: 404.
    let (status, body) = org
        .get_json(&org.data(&format!("/sobjects/Account/{edge}/Contacts?fields=Nope")))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body[0]["errorCode"], "INVALID_FIELD");
    let (status, _) = org
        .get_json(&org.data(&format!("/sobjects/Contact/{rose}/Account?fields=Nope")))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        org.get_json(&org.data(&format!("/sobjects/Account/{edge}/Nothings")))
            .await
            .0,
        404
    );

    // Inside a composite, with a reference in the URL, as the proxy asks it.
    let body = json!({"allOrNone": false, "compositeRequest": [
        {"method": "GET", "referenceId": "person", "url": "/services/data/v59.0/query?q=SELECT Id, AccountId FROM Contact WHERE Email = 'rose@edge.com'"},
        {"method": "GET", "referenceId": "account", "url": "/services/data/v59.0/sobjects/Account/@{person.records[0].AccountId}?fields=Name,Website"},
        {"method": "GET", "referenceId": "opps", "url": "/services/data/v59.0/sobjects/Account/@{person.records[0].AccountId}/Opportunities?fields=Name,StageName,Probability"},
        {"method": "GET", "referenceId": "contacts", "url": "/services/data/v59.0/sobjects/Account/@{person.records[0].AccountId}/Contacts?fields=Name,Email"}
    ]});
    let (status, out) = org.post_data("/composite", &body).await;
    assert_eq!(status, 200);
    let responses = out["compositeResponse"].as_array().unwrap();
    for r in responses {
        assert_eq!(r["httpStatusCode"], 200, "{r}");
    }
    assert_eq!(responses[1]["body"]["Name"], "Edge Communications");
    assert_eq!(responses[2]["body"]["totalSize"], 2);
    assert_eq!(
        responses[3]["body"]["records"][0]["attributes"]["type"],
        "Contact"
    );
}

/// Finding: GROUP BY and every aggregate function but `COUNT()` were refused.
#[tokio::test]
async fn group_by_and_aggregate_functions() {
    let org = org().await;
    let query = |soql: &str| answer(org.get(&org.data("/query")).query(&[("q", soql)]));
    let (status, by_stage) = query(
        "SELECT StageName, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName ORDER BY StageName",
    )
    .await;
    assert_eq!(status, 200, "{by_stage}");
    assert_eq!(by_stage["totalSize"], 3);
    assert_eq!(by_stage["done"], true);
    assert_eq!(
        by_stage["records"][0],
        json!({"attributes": {"type": "AggregateResult"}, "StageName": "Closed Won", "expr0": 1, "total": 75000.0})
    );
    let (_, per_account) = query(
        "SELECT AccountId, COUNT(Id) n, MAX(Amount), MIN(CloseDate), AVG(Amount) FROM Opportunity GROUP BY AccountId HAVING COUNT(Id) > 1",
    )
    .await;
    assert_eq!(per_account["totalSize"], 1, "{per_account}");
    let edge = &per_account["records"][0];
    assert_eq!(edge["n"], 2);
    assert_eq!(edge["expr0"], 75000.0);
    assert_eq!(edge["expr1"], "2026-06-30");
    assert_eq!(edge["expr2"], 62500.0);
    let (_, whole) =
        query("SELECT COUNT(Id), COUNT_DISTINCT(AccountId), SUM(Amount) FROM Opportunity").await;
    assert_eq!(
        whole["records"][0],
        json!({"attributes": {"type": "AggregateResult"}, "expr0": 3, "expr1": 2, "expr2": 360000.0})
    );
    let (_, none) =
        query("SELECT COUNT(Id), SUM(Amount) FROM Opportunity WHERE Name = 'nothing'").await;
    assert_eq!(none["records"][0]["expr0"], 0);
    assert_eq!(none["records"][0]["expr1"], Value::Null);
    // One relationship level: the grouped field is named by its own name.
    let (_, by_account) = query(
        "SELECT Account.Name, COUNT(Id) FROM Contact WHERE AccountId != null GROUP BY Account.Name ORDER BY COUNT(Id) DESC, Account.Name LIMIT 1",
    )
    .await;
    assert_eq!(
        by_account["records"][0]["Name"], "Edge Communications",
        "{by_account}"
    );
    assert_eq!(by_account["records"][0]["expr0"], 2);
    let (_, having_field) = query(
        "SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName HAVING StageName LIKE 'Closed%'",
    )
    .await;
    assert_eq!(having_field["totalSize"], 1, "{having_field}");

    // Salesforce's refusals.
    for (soql, message) in [
        (
            "SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName",
            "Field must be grouped or aggregated: Name",
        ),
        (
            "SELECT Amount FROM Opportunity GROUP BY Amount",
            "field 'Amount' can not be grouped in a query call",
        ),
        (
            "SELECT SUM(Name) FROM Opportunity",
            "field Name does not support aggregate operator SUM",
        ),
    ] {
        let (status, err) = query(soql).await;
        assert_eq!(status, 400, "{soql}");
        assert_eq!(err[0]["errorCode"], "MALFORMED_QUERY", "{soql}");
        assert_eq!(err[0]["message"], message, "{soql}");
    }
    let (status, _) = query("SELECT MAX(CreatedDate) FROM Account LIMIT 1").await;
    assert_eq!(status, 400, "an aggregate with LIMIT needs GROUP BY");
    // Plain queries and COUNT() are as before.
    let (_, count) = query("SELECT COUNT() FROM Opportunity").await;
    assert_eq!(count, json!({"totalSize": 3, "done": true, "records": []}));
    let (_, plain) = query("SELECT Name FROM Opportunity ORDER BY Name LIMIT 1").await;
    assert_eq!(plain["records"][0]["attributes"]["type"], "Opportunity");
}
