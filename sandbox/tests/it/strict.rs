//! The org refuses what Salesforce refuses, with Salesforce's status, error code and message,
//! and remembers each refusal; each refused request sits beside an allowed one. The rules and
//! their documentation pages are listed in `sandbox/RULES.md`.

use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{self, Org, answer, org};

const COMPOSITE: &str = "/services/data/v59.0/composite";

impl Org {
    async fn post_json(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        answer(self.http.post(self.url(path)).bearer_auth(token).json(body)).await
    }

    async fn composite(&self, requests: Vec<Value>) -> (u16, Value) {
        self.post_json(
            COMPOSITE,
            &self.token,
            &json!({"allOrNone": false, "compositeRequest": requests}),
        )
        .await
    }

    /// A SOQL query as `token`'s user: status and body.
    async fn query_as(&self, token: &str, soql: &str) -> (u16, Value) {
        let query = self.http.get(self.url(&self.data("/query")));
        answer(query.bearer_auth(token).query(&[("q", soql)])).await
    }

    async fn refusals(&self) -> Vec<Value> {
        let log = self.inspect("refusals").await;
        log["refusals"].as_array().unwrap().clone()
    }

    async fn rules_refused(&self) -> Vec<String> {
        helpers::strings(&self.inspect("refusals").await["refusals"], "rule")
    }

    /// The id of Rose Gonzalez, a demo Contact.
    async fn rose(&self) -> String {
        let (_, body) = self
            .query_as(
                &self.token,
                "SELECT Id FROM Contact WHERE Email = 'rose@edge.com'",
            )
            .await;
        body["records"][0]["Id"].as_str().unwrap().to_owned()
    }
}

fn get(reference: &str, url: &str) -> Value {
    json!({"method": "GET", "url": url, "referenceId": reference})
}

/// Asserts a 400 refusal whose first error is `code` with `message`.
fn assert_refused(status: u16, body: &Value, code: &str, message: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(error(body), (code.to_owned(), message.to_owned()));
}

fn error(body: &Value) -> (String, String) {
    (
        body[0]["errorCode"].as_str().unwrap_or_default().to_owned(),
        body[0]["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn composite_takes_25_subrequests_and_refuses_26() {
    let org = org().await;
    let describe = |i: usize| get(&format!("r{i}"), "/services/data/v59.0/sobjects/Account");
    let (status, body) = org.composite((0..25).map(describe).collect()).await;
    assert_eq!(status, 200);
    assert_eq!(body["compositeResponse"].as_array().unwrap().len(), 25);
    assert!(org.refusals().await.is_empty());

    let (status, body) = org.composite((0..26).map(describe).collect()).await;
    assert_refused(
        status,
        &body,
        "LIMIT_EXCEEDED",
        "Exceeded max limit of subrequests allowed (25)",
    );
    let refusals = org.refusals().await;
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["rule"], "composite.max-subrequests");
    assert_eq!(refusals[0]["method"], "POST");
    assert_eq!(refusals[0]["url"], COMPOSITE);
    assert_eq!(refusals[0]["status"], 400);
}

#[tokio::test]
async fn composite_takes_5_queries_and_collections_and_refuses_a_sixth() {
    let org = org().await;
    let query = |i: usize| {
        get(
            &format!("q{i}"),
            "/services/data/v59.0/query?q=SELECT Id FROM Account LIMIT 1",
        )
    };
    let mut five: Vec<Value> = (0..4).map(query).collect();
    five.push(get(
        "c",
        "/services/data/v59.0/composite/sobjects/Account?ids=001000000000000AAA&fields=Name",
    ));
    // sObject resources do not count toward the five.
    five.extend((0..10).map(|i| get(&format!("d{i}"), "/services/data/v59.0/sobjects/Lead")));
    let (status, body) = org.composite(five.clone()).await;
    assert_eq!(status, 200);
    assert!(
        body["compositeResponse"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["httpStatusCode"] == 200),
        "{body}"
    );

    let mut six = five;
    six.push(get(
        "q9",
        "/services/data/v59.0/queryAll?q=SELECT Id FROM Lead LIMIT 1",
    ));
    let (status, body) = org.composite(six).await;
    assert_refused(
        status,
        &body,
        "LIMIT_EXCEEDED",
        "Exceeded max limit of query and sObject Collections subrequests allowed (5)",
    );
    assert_eq!(
        org.rules_refused().await,
        ["composite.max-query-subrequests"]
    );
}

#[tokio::test]
async fn composite_runs_no_search_limits_or_nested_composite_and_says_not_found() {
    let org = org().await;
    let (status, body) = org
        .composite(vec![
            get(
                "people",
                "/services/data/v59.0/query?q=SELECT Id FROM Contact WHERE Email = 'rose@edge.com'",
            ),
            get(
                "domain",
                "/services/data/v59.0/search?q=FIND {edge.com} RETURNING Account(Id)",
            ),
            get(
                "psearch",
                "/services/data/v59.0/parameterizedSearch?q=edge&sobject=Account",
            ),
            get("limits", "/services/data/v59.0/limits"),
            json!({"method": "POST", "url": COMPOSITE, "referenceId": "nested", "body": {"compositeRequest": []}}),
            get(
                "account",
                "/services/data/v59.0/query?q=SELECT Id FROM Account WHERE Id = '@{domain.searchRecords[0].Id}'",
            ),
        ])
        .await;
    assert_eq!(status, 200);
    let responses = body["compositeResponse"].as_array().unwrap();
    assert_eq!(responses[0]["httpStatusCode"], 200, "a query is supported");
    assert_eq!(responses[0]["body"]["totalSize"], 1);
    for r in &responses[1..5] {
        assert_eq!(r["httpStatusCode"], 404, "{r}");
        assert_eq!(
            r["body"],
            json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
        );
    }
    assert_eq!(
        responses[5]["httpStatusCode"], 400,
        "its reference has nothing"
    );
    assert_eq!(responses[5]["body"][0]["errorCode"], "PROCESSING_HALTED");
    let refusals = org.refusals().await;
    let urls: Vec<&str> = refusals
        .iter()
        .map(|r| {
            assert_eq!(r["rule"], "composite.supported-resources");
            r["url"].as_str().unwrap()
        })
        .collect();
    assert_eq!(urls.len(), 4);
    assert!(
        urls[0].starts_with("/services/data/v59.0/search?q="),
        "{urls:?}"
    );
    assert_eq!(urls[3], COMPOSITE);
}

#[tokio::test]
async fn composite_reference_ids_are_letters_digits_and_underscores_and_unique() {
    let org = org().await;
    let (status, body) = org
        .composite(vec![
            get("ref_Account1", "/services/data/v59.0/sobjects/Account"),
            get("2nd_ref", "/services/data/v59.0/sobjects/Lead"),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(org.refusals().await.is_empty());

    let (status, body) = org
        .composite(vec![get(
            "refNewAccount[1]",
            "/services/data/v59.0/sobjects/Account",
        )])
        .await;
    assert_refused(
        status,
        &body,
        "PROCESSING_HALTED",
        "Invalid reference specified. Provided referenceId ('refNewAccount[1]') must start with a letter or a number, and it can contain only letters, numbers and underscores ('_').",
    );
    let (status, _) = org
        .composite(vec![get("_ref", "/services/data/v59.0/sobjects/Account")])
        .await;
    assert_eq!(status, 400, "must start with a letter or a number");

    let (status, body) = org
        .composite(vec![
            get("same", "/services/data/v59.0/sobjects/Account"),
            get("same", "/services/data/v59.0/sobjects/Lead"),
        ])
        .await;
    assert_eq!(status, 400);
    assert_eq!(error(&body).0, "INVALID_INPUT");
    assert_eq!(
        org.rules_refused().await,
        [
            "composite.reference-id-characters",
            "composite.reference-id-characters",
            "composite.reference-id-unique"
        ]
    );
}

#[tokio::test]
async fn composite_subrequests_cannot_set_accept_authorization_or_content_type() {
    let org = org().await;
    let with = |name: &str| json!({"method": "GET", "url": "/services/data/v59.0/sobjects/Account/describe", "referenceId": "d", "httpHeaders": {name: "x"}});
    let (status, _) = org.composite(vec![with("If-Modified-Since")]).await;
    assert_eq!(status, 200);
    let (status, body) = org.composite(vec![with("Authorization")]).await;
    assert_eq!(status, 400);
    assert_eq!(error(&body).0, "INVALID_HEADER_TYPE");
    assert_eq!(org.rules_refused().await, ["composite.subrequest-headers"]);
}

#[tokio::test]
async fn composite_batch_runs_search_and_limits_each_one_call() {
    let org = org().await;
    org.clear_log().await;
    let (status, body) = org
        .post_json(
            "/services/data/v59.0/composite/batch",
            &org.token,
            &json!({"batchRequests": [
                {"method": "GET", "url": "v59.0/search?q=FIND {edge.com} RETURNING Account(Name)"},
                {"method": "GET", "url": "v59.0/limits"},
                {"method": "GET", "url": "v59.0/query?q=SELECT Id FROM Contact WHERE Email = 'rose@edge.com'"},
                {"method": "GET", "url": "v59.0/sobjects/Foo"},
                {"method": "POST", "url": "v59.0/sobjects/Account", "richInput": {"Name": "Batched Account"}}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hasErrors"], true);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results[0]["statusCode"], 200);
    assert_eq!(
        results[0]["result"]["searchRecords"][0]["Name"],
        "Edge Communications"
    );
    assert_eq!(results[1]["statusCode"], 200);
    assert!(results[1]["result"]["DailyApiRequests"].is_object());
    assert_eq!(results[2]["result"]["totalSize"], 1);
    assert_eq!(results[3]["statusCode"], 404);
    assert_eq!(results[4]["statusCode"], 201, "independent of the failure");
    let log = org.log().await;
    assert_eq!(log["count"], 5, "each subrequest is one API call: {log}");

    // haltOnError: 412 BATCH_PROCESSING_HALTED after the first failure.
    let (_, body) = org
        .post_json(
            "/services/data/v59.0/composite/batch",
            &org.token,
            &json!({"haltOnError": true, "batchRequests": [
                {"method": "GET", "url": "v59.0/sobjects/Foo"},
                {"method": "GET", "url": "v59.0/limits"}
            ]}),
        )
        .await;
    assert_eq!(body["results"][1]["statusCode"], 412);
    assert_eq!(
        body["results"][1]["result"][0]["errorCode"],
        "BATCH_PROCESSING_HALTED"
    );
    assert!(org.refusals().await.is_empty());

    // Refused before any runs: more than 25, a resource Batch does not take, a later version.
    let limits = json!({"method": "GET", "url": "v59.0/limits"});
    for (requests, rule) in [
        (vec![limits.clone(); 26], "batch.max-subrequests"),
        (
            vec![json!({"method": "POST", "url": "v59.0/composite", "richInput": {}})],
            "batch.supported-resources",
        ),
        (
            vec![json!({"method": "GET", "url": "v60.0/limits"})],
            "batch.supported-resources",
        ),
        (
            vec![json!({"method": "FETCH", "url": "v59.0/limits"})],
            "batch.subrequest-method",
        ),
    ] {
        let (status, body) = org
            .post_json(
                "/services/data/v59.0/composite/batch",
                &org.token,
                &json!({"batchRequests": requests}),
            )
            .await;
        assert_eq!(status, 400, "{rule}");
        assert_eq!(error(&body).0, "INVALID_BATCH_REQUEST");
        assert_eq!(org.refusals().await.last().unwrap()["rule"], rule);
    }
}

const SINGLE_PARENT: &str = "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when a single parent record is evaluated";

#[tokio::test]
async fn activity_relationships_without_view_all_data_need_one_parent_a_limit_and_the_sort() {
    let org = org().await;
    let ben = org.ben().await;
    let rose = org.rose().await;
    let open = "(SELECT Id, Subject FROM OpenActivities ORDER BY ActivityDate ASC NULLS LAST, LastModifiedDate DESC LIMIT 10)";
    let history = "(SELECT Id, Subject FROM ActivityHistories ORDER BY ActivityDate DESC NULLS LAST, LastModifiedDate DESC LIMIT 500)";

    // One record, LIMIT ≤ 500, the documented sort: allowed.
    let (status, body) = org
        .query_as(
            &ben,
            &format!("SELECT Id, {open}, {history} FROM Contact WHERE Id = '{rose}'"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["totalSize"], 1);

    let refused = [
        (
            format!("SELECT Id, {open} FROM Contact WHERE Email = 'rose@edge.com' LIMIT 5"),
            "soql.activity-single-parent",
            SINGLE_PARENT.to_owned(),
        ),
        (
            format!("SELECT Id, {history} FROM Contact"),
            "soql.activity-single-parent",
            SINGLE_PARENT.to_owned(),
        ),
        (
            format!("SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 501) FROM Contact WHERE Id = '{rose}'"),
            "soql.activity-limit",
            "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when LIMIT is specified and at most 500".to_owned(),
        ),
        (
            format!("SELECT Id, (SELECT Id FROM ActivityHistories ORDER BY ActivityDate DESC, LastModifiedDate DESC) FROM Contact WHERE Id = '{rose}'"),
            "soql.activity-limit",
            "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when LIMIT is specified and at most 500".to_owned(),
        ),
        (
            format!("SELECT Id, (SELECT Id FROM OpenActivities ORDER BY ActivityDate ASC NULLS LAST LIMIT 10) FROM Contact WHERE Id = '{rose}'"),
            "soql.activity-order-by",
            "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when ordered by ActivityDate ASC, LastModifiedDate DESC".to_owned(),
        ),
        (
            format!("SELECT Id, (SELECT Id FROM ActivityHistories ORDER BY ActivityDate ASC, LastModifiedDate DESC LIMIT 10) FROM Contact WHERE Id = '{rose}'"),
            "soql.activity-order-by",
            "Implementation restriction: activity aggregate relationships only allow security evaluation for non-admin users when ordered by ActivityDate DESC, LastModifiedDate DESC".to_owned(),
        ),
    ];
    for (soql, rule, message) in &refused {
        let (status, body) = org.query_as(&ben, soql).await;
        assert_eq!(status, 400, "{soql}");
        assert_eq!(
            error(&body),
            ("MALFORMED_QUERY".to_owned(), message.clone()),
            "{soql}"
        );
        assert_eq!(org.refusals().await.last().unwrap()["rule"], *rule);
        // Ana holds View All Data: the same query is hers to run.
        let (status, body) = org.query_as(&org.token, soql).await;
        assert_eq!(status, 200, "{soql}: {body}");
    }
    assert_eq!(org.refusals().await.len(), refused.len());

    // The same rule inside a composite: the subrequest is refused, under its own url.
    let (_, body) = org
        .post_json(
            COMPOSITE,
            &ben,
            &json!({"compositeRequest": [get("people", &format!("/services/data/v59.0/query?q=SELECT Id, {open} FROM Contact WHERE Email = 'rose@edge.com'"))]}),
        )
        .await;
    assert_eq!(body["compositeResponse"][0]["httpStatusCode"], 400);
    assert_eq!(
        error(&body["compositeResponse"][0]["body"]).1,
        SINGLE_PARENT
    );
    let last = org.refusals().await.last().unwrap().clone();
    assert_eq!(last["rule"], "soql.activity-single-parent");
    assert!(
        last["url"]
            .as_str()
            .unwrap()
            .starts_with("/services/data/v59.0/query?q="),
        "{last}"
    );
}

#[tokio::test]
async fn activity_objects_cannot_be_queried_directly() {
    let org = org().await;
    for object in ["OpenActivity", "ActivityHistory"] {
        let (status, body) = org
            .query_as(&org.token, &format!("SELECT Id FROM {object}"))
            .await;
        assert_eq!(status, 400, "{object}");
        assert_eq!(
            error(&body),
            (
                "INVALID_TYPE_FOR_OPERATION".to_owned(),
                format!("entity type {object} does not support query")
            )
        );
    }
    let (status, _) = org
        .query_as(&org.token, "SELECT Id, Subject FROM Task LIMIT 1")
        .await;
    assert_eq!(status, 200, "Tasks are queried directly");
}

#[tokio::test]
async fn soql_offset_subqueries_and_relationship_levels_are_bounded() {
    let org = org().await;
    let ok = [
        "SELECT Id FROM Contact ORDER BY Name LIMIT 10 OFFSET 2000",
        "SELECT Id, Account.Owner.Name FROM Contact LIMIT 1",
    ];
    for soql in ok {
        let (status, body) = org.query_as(&org.token, soql).await;
        assert_eq!(status, 200, "{soql}: {body}");
    }
    let (status, body) = org
        .query_as(&org.token, "SELECT Id FROM Contact LIMIT 10 OFFSET 2001")
        .await;
    assert_refused(
        status,
        &body,
        "NUMBER_OUTSIDE_VALID_RANGE",
        "Maximum SOQL offset allowed is 2000",
    );
    let subqueries = vec!["(SELECT Id FROM Contacts)"; 21].join(", ");
    let refused = [
        (
            format!("SELECT Id, {subqueries} FROM Account"),
            "soql.max-subqueries",
        ),
        (
            "SELECT Id, Account.Owner.Manager.Manager.Manager.Name FROM Contact".to_owned(),
            "soql.relationship-levels",
        ),
        (
            "SELECT Id, (SELECT Id FROM Contacts LIMIT 5 OFFSET 1) FROM Account".to_owned(),
            "soql.subquery-offset",
        ),
    ];
    for (soql, rule) in &refused {
        let (status, body) = org.query_as(&org.token, soql).await;
        assert_eq!(status, 400, "{soql}");
        assert_eq!(error(&body).0, "MALFORMED_QUERY", "{soql}");
        assert_eq!(org.refusals().await.last().unwrap()["rule"], *rule);
    }
    let twenty = vec!["(SELECT Id FROM Contacts)"; 20].join(", ");
    let (status, body) = org
        .query_as(
            &org.token,
            &format!("SELECT Id, {twenty} FROM Account LIMIT 1"),
        )
        .await;
    assert_eq!(status, 200, "twenty subqueries: {body}");
}

#[tokio::test]
async fn sosl_terms_need_two_characters_and_long_ones_find_nothing() {
    let org = org().await;
    let search = |q: String| helpers::answer(org.get(&org.data("/search")).query(&[("q", q)]));
    let (status, body) = search("FIND {ro*} IN NAME FIELDS RETURNING Contact(Name)".into()).await;
    assert_eq!(status, 200);
    assert!(!body["searchRecords"].as_array().unwrap().is_empty());
    let (status, body) = search("FIND {r*} IN NAME FIELDS RETURNING Contact(Name)".into()).await;
    assert_refused(
        status,
        &body,
        "MALFORMED_SEARCH",
        "search term must be longer than one character",
    );
    assert_eq!(org.rules_refused().await, ["sosl.term-too-short"]);
    // Longer than 10,000 characters: no rows (not an error).
    let long = format!("rose {}", "x".repeat(10_000));
    let (status, body) = search(format!("FIND {{{long}}} RETURNING Contact(Name)")).await;
    assert_eq!(status, 200);
    assert_eq!(body["searchRecords"], json!([]));
}

#[tokio::test]
async fn uris_over_16384_bytes_answer_414_and_with_headers_431() {
    let org = org().await;
    let soql = |n: usize| format!("SELECT Id FROM Contact WHERE Name = '{}'", "x".repeat(n));
    let (status, _) = org.query_as(&org.token, &soql(10_000)).await;
    assert_eq!(status, 200, "a long URI under the limit");
    let res = org
        .get(&org.data("/query"))
        .query(&[("q", soql(16_384))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 414);
    let res = org
        .get(&org.data("/query"))
        .query(&[("q", soql(10_000))])
        .header("X-Padding", "p".repeat(7_000))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(
        org.rules_refused().await,
        ["rest.uri-too-long", "rest.uri-and-headers-too-large"]
    );
}

#[tokio::test]
async fn refusals_are_kept_for_the_control_path_and_the_process() {
    let org = org().await;
    let (status, _) = org
        .query_as(&org.token, "SELECT Id FROM Contact LIMIT 1 OFFSET 5000")
        .await;
    assert_eq!(status, 400);
    let refusals = org.refusals().await;
    assert_eq!(
        refusals,
        [json!({
            "rule": "soql.max-offset",
            "method": "GET",
            "url": "/services/data/v59.0/query?q=SELECT+Id+FROM+Contact+LIMIT+1+OFFSET+5000",
            "status": 400,
            "error_code": "NUMBER_OUTSIDE_VALID_RANGE",
            "message": "Maximum SOQL offset allowed is 2000"
        })]
    );
    let held = pane_sandbox::strict::refusals_at(&org.sandbox.base_url()).unwrap();
    assert_eq!(held.list().len(), 1);
    assert!(pane_sandbox::strict::refusals_at("http://127.0.0.1:1").is_none());
    org.forget("refusals").await;
    assert!(org.refusals().await.is_empty());
    assert!(held.list().is_empty());
}

#[tokio::test]
async fn collections_take_200_records_and_refuse_201() {
    let org = org().await;
    let accounts = |n: usize| json!({"allOrNone": false, "records": (0..n).map(|i| json!({"attributes": {"type": "Account"}, "Name": format!("Bulk {i}")})).collect::<Vec<_>>()});
    let collection = org.data("/composite/sobjects");
    let (status, body) = org.send_json("POST", &collection, &accounts(200)).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 200);
    let (status, body) = org.send_json("POST", &collection, &accounts(201)).await;
    assert_eq!(status, 400);
    assert_eq!(error(&body).0, "EXCEEDED_ID_LIMIT");
    let ids = vec!["001000000000000AAA"; 201].join(",");
    let delete = org.authed(Method::DELETE, &format!("{collection}?ids={ids}"));
    assert_eq!(helpers::status(delete).await, 400);
    assert_eq!(
        org.rules_refused().await,
        ["collections.max-records", "collections.max-records"]
    );
}

/// Semi-joins over REST: one among the top-level ANDs runs (the proxy finds a company's
/// Account so); beside an `OR` or selecting a non-id field, Salesforce's refusal (RULES.md).
#[tokio::test]
async fn semi_joins_run_at_the_top_level_and_are_refused_elsewhere() {
    let org = org().await;
    let (status, body) = org
        .query_as(
            &org.token,
            "SELECT Name, (SELECT Name FROM Contacts ORDER BY Name LIMIT 1) FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@edge.com' OR Account.Website LIKE '%edge.com%') ORDER BY LastModifiedDate DESC LIMIT 1",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["records"][0]["Name"], "Edge Communications");
    assert_eq!(
        body["records"][0]["Contacts"]["records"][0]["Name"],
        "Rose Gonzalez"
    );
    for (soql, rule, message) in [
        (
            "SELECT Id FROM Account WHERE Name = 'x' OR Id IN (SELECT AccountId FROM Contact)",
            "soql.semi-join-or",
            "Semi join sub-selects are not allowed with the 'OR' operator",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT LastName FROM Contact)",
            "soql.semi-join-select",
            "semi join sub-selects can only query id fields, cannot use: 'LastName'",
        ),
    ] {
        let (status, body) = org.query_as(&org.token, soql).await;
        assert_refused(status, &body, "MALFORMED_QUERY", message);
        assert_eq!(org.refusals().await.last().unwrap()["rule"], rule, "{soql}");
    }
}
