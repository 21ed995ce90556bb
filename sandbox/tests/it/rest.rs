//! REST: versions, resources, describes, rows, query paging, search, errors.

use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{self, Org, answer, json, location, org, status};

#[tokio::test]
async fn the_versions_list_is_not_counted_and_has_v59() {
    let org = org().await;
    let res = org.get_anonymous("/services/data/").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("sforce-limit-info").is_none(),
        "the versions list is not counted"
    );
    let versions: Value = res.json().await.unwrap();
    assert!(
        versions
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["version"] == "59.0")
    );
}

#[tokio::test]
async fn the_resources_name_their_urls_and_only_known_versions_answer() {
    let org = org().await;
    let resources = json(org.get(&org.data("/"))).await;
    assert_eq!(resources["query"], "/services/data/v59.0/query");
    assert!(
        resources["identity"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/id/00D", org.sandbox.base_url()))
    );
    let latest = org.get("/services/data/latest").send().await.unwrap();
    assert_eq!(latest.status(), 200);
    assert_eq!(status(org.get("/services/data/v12.0")).await, 404);
}

#[tokio::test]
async fn the_global_describe_lists_objects_and_answers_304_when_not_modified() {
    let org = org().await;
    let global = org.get(&org.data("/sobjects")).send().await.unwrap();
    let last_modified = global.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let global: Value = global.json().await.unwrap();
    assert!(
        global["sobjects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Task")
    );
    let res = org
        .get(&org.data("/sobjects/"))
        .header("If-Modified-Since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert!(res.text().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_object_describe_answers_when_modified_since_and_404_when_unknown() {
    let org = org().await;
    let lead = json(org.get(&org.data("/sobjects/Lead/describe/"))).await;
    assert_eq!(lead["name"], "Lead");
    let res = org
        .get(&org.data("/sobjects/Lead/describe"))
        .header("If-Modified-Since", "Mon, 30 Nov 2020 08:34:54 MST")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "modified since 2020");
    assert_eq!(
        status(org.get(&org.data("/sobjects/Xyzzy/describe"))).await,
        404
    );
}

#[tokio::test]
async fn a_created_row_answers_its_id_and_location_and_reads_back() {
    let org = org().await;
    let res = org
        .authed(Method::POST, &org.data("/sobjects/Lead/"))
        .json(&json!({"LastName": "Kim", "Company": "Kites", "Email": "mia@kites.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let location = location(&res);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["success"], true);
    assert_eq!(created["errors"], json!([]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/services/data/v59.0/sobjects/Lead/{id}"));
    let lead = org.data(&format!("/sobjects/Lead/{id}"));

    let row = org.get_json(&format!("{lead}?fields=Name,Email")).await.1;
    assert_eq!(
        row,
        json!({"attributes": {"type": "Lead", "url": location}, "Name": "Kim", "Email": "mia@kites.example"})
    );
}

/// A Lead made for the test: its REST URL.
async fn new_lead(org: &Org) -> String {
    let id = org
        .create("Lead", json!({"LastName": "Kim", "Company": "Kites"}))
        .await;
    org.data(&format!("/sobjects/Lead/{id}"))
}

#[tokio::test]
async fn an_update_answers_204_and_one_unmodified_since_before_its_change_412() {
    let org = org().await;
    let lead = new_lead(&org).await;
    let (status, _) = org
        .send_json("PATCH", &lead, &json!({"FirstName": "Mia"}))
        .await;
    assert_eq!(status, 204);
    let stale = org
        .authed(Method::PATCH, &lead)
        .header("If-Unmodified-Since", "Mon, 30 Nov 2020 08:34:54 GMT")
        .json(&json!({"FirstName": "Old"}));
    assert_eq!(helpers::status(stale).await, 412);
}

#[tokio::test]
async fn a_malformed_or_incomplete_row_is_refused() {
    let org = org().await;
    let (code, body) = answer(
        org.authed(Method::POST, &org.data("/sobjects/Lead"))
            .body("{\"LastName\": ")
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(body[0]["errorCode"], "JSON_PARSER_ERROR");
    let (_, body) = org
        .post_data("/sobjects/Lead", &json!({"LastName": "X"}))
        .await;
    assert_eq!(
        body,
        json!([{"message": "Required fields are missing: [Company]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Company"]}])
    );
}

#[tokio::test]
async fn a_deleted_row_answers_204_then_404_entity_is_deleted() {
    let org = org().await;
    let lead = new_lead(&org).await;
    assert_eq!(
        helpers::status(org.authed(Method::DELETE, &lead)).await,
        204
    );
    let res = org.authed(Method::DELETE, &lead).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap()[0]["errorCode"],
        "ENTITY_IS_DELETED"
    );
}

#[tokio::test]
async fn query_pages_through_next_records_url() {
    let org = org().await;
    org.seed_tasks("Paging", 250);
    let soql = "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Paging%' ORDER BY Subject";
    // `+` for spaces, as form-encoding clients send it.
    let url = format!(
        "{}?q={}",
        org.data("/query/"),
        soql.replace(' ', "+").replace('%', "%25")
    );
    let first = json(
        org.get(&url)
            .header("Sforce-Query-Options", "batchSize=200"),
    )
    .await;
    assert_eq!(first["totalSize"], 250);
    assert_eq!(first["done"], false);
    assert_eq!(first["records"].as_array().unwrap().len(), 200);
    let next = first["nextRecordsUrl"].as_str().unwrap();
    assert!(next.starts_with("/services/data/v59.0/query/01g"), "{next}");
    let second = json(org.get(next)).await;
    assert_eq!(second["done"], true);
    assert!(
        second.get("nextRecordsUrl").is_none(),
        "absent, not null, on the last page"
    );
    assert_eq!(second["records"].as_array().unwrap().len(), 50);
    assert_eq!(second["records"][49]["Subject"], "Paging task 249");
    let again = json(org.get(next)).await;
    assert_eq!(again, second, "a page read again is the same page");

    let count = org.query("SELECT COUNT() FROM Contact").await;
    assert_eq!(count, json!({"totalSize": 5, "done": true, "records": []}));
    let (code, body) = org.query_answer("SELECT Id FRM Contact").await;
    assert_eq!(code, 400);
    assert_eq!(body[0]["errorCode"], "MALFORMED_QUERY");
}

#[tokio::test]
async fn search_and_parameterized_search() {
    let org = org().await;
    let found = json(org.get(&org.data("/search/")).query(&[(
        "q",
        "FIND {\\+1 \\(512\\) 757\\-9340} IN PHONE FIELDS RETURNING Contact(Id, Name)",
    )]))
    .await;
    assert_eq!(found["searchRecords"][0]["Name"], "Rose Gonzalez");
    let found = json(org.get(&org.data("/parameterizedSearch")).query(&[
        ("q", "rose@edge.com"),
        ("sobject", "Contact"),
        ("Contact.fields", "Id,Name,Account.Name"),
        ("in", "EMAIL"),
    ]))
    .await;
    assert_eq!(found["searchRecords"].as_array().unwrap().len(), 1);
    assert_eq!(found["searchRecords"][0]["Name"], "Rose Gonzalez");
    assert_eq!(
        found["searchRecords"][0]["Account"]["Name"],
        "Edge Communications"
    );
    let (code, body) = answer(org.get(&org.data("/search")).query(&[("q", "FIND rose")])).await;
    assert_eq!(code, 400);
    assert_eq!(
        body,
        json!([{"message": "No search term found. The search term must be enclosed in braces.", "errorCode": "MALFORMED_SEARCH"}])
    );
}

#[tokio::test]
async fn record_pages_open_in_a_browser() {
    let org = org().await;
    let id = org.id_by_email("Contact", "rose@edge.com").await;
    let page = org
        .get_anonymous(&format!("/lightning/r/Contact/{id}/view"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Rose Gonzalez</h1>"), "{html}");
    assert!(html.contains("rose@edge.com"));
    let missing = org.get_anonymous("/lightning/r/Contact/003Pa0000000999/view");
    assert_eq!(status(missing).await, 404);
}

#[tokio::test]
async fn chunked_bodies_and_trailing_slashes_are_accepted() {
    let org = org().await;
    let parts: Vec<Result<&'static str, std::io::Error>> = vec![
        Ok("{\"LastName\": \"Chunk\", "),
        Ok("\"Company\": \"Chunky\"}"),
    ];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(parts));
    let res = org.post_body(&org.data("/sobjects/Lead/"), body).await;
    assert_eq!(res.status(), 201);
    for path in [
        "/limits",
        "/limits/",
        "/sobjects/Lead/describe",
        "/sobjects/Lead/describe/",
    ] {
        assert_eq!(status(org.get(&org.data(path))).await, 200, "{path}");
    }
}

#[tokio::test]
async fn user_permission_access_answers_for_the_requesting_user() {
    let org = org().await;
    let ask = |token: String| {
        let http = org.http.clone();
        let url = org.url(&org.data("/query"));
        async move {
            let answer = json(http.get(url).bearer_auth(token).query(&[(
                "q",
                "SELECT PermissionsModifyAllData FROM UserPermissionAccess",
            )]))
            .await;
            answer["records"][0]["PermissionsModifyAllData"].clone()
        }
    };
    assert_eq!(ask(org.token.clone()).await, json!(true), "Ana is an admin");
    assert_eq!(ask(org.ben().await).await, json!(false), "Ben is not");
}
