//! What each user action costs in Salesforce requests, measured against the sandbox org's own
//! request log, and checked against the table in the README ("What each action costs"): the
//! README's numbers are these measurements.

use reqwest::Method;
use serde_json::{Value, json};

use crate::rules::event;
use crate::running::{BEN, Running, linked};

/// The README's cost table: `(action, requests)` for each row.
fn readme_costs() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let table = readme
        .split("## What each action costs")
        .nth(1)
        .expect("a \"What each action costs\" section in the README");
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some((cells.get(1)?.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

struct Costs<'a> {
    proxy: &'a Running,
    measured: Vec<(&'static str, u64)>,
}

impl Costs<'_> {
    async fn calls(&self) -> u64 {
        self.proxy.salesforce_calls().await
    }

    fn record(&mut self, action: &'static str, cost: u64) {
        self.measured.push((action, cost));
    }

    async fn api(
        &mut self,
        action: &'static str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let before = self.calls().await;
        let mut request = self.proxy.api(method, path, &self.proxy.session);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let res = request.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        let cost = self.calls().await - before;
        self.record(action, cost);
        (status, body)
    }

    async fn panel(&mut self, action: &'static str, kind: &str, handle: &str) -> Value {
        let (_, body, cost) = self.proxy.panel(kind, handle).await;
        self.record(action, cost);
        body
    }
}

#[tokio::test]
async fn each_action_costs_what_the_readme_says() {
    let mut proxy = linked().await;
    let before = proxy.salesforce_calls().await;
    proxy.link_as(BEN).await;
    let link = proxy.salesforce_calls().await - before;
    proxy.link_integration().await;
    let mut costs = Costs {
        proxy: &proxy,
        measured: vec![("Link Salesforce (an agent)", link)],
    };

    let rose = costs
        .panel("Panel, new email sender", "email", "rose@edge.com")
        .await;
    assert_eq!(rose["reason"], "email");
    for (row, kind, handle, reason) in [
        (
            "Panel, new email sender at a known company (domain match)",
            "email",
            "tim.barr@burlington.com",
            "domain",
        ),
        (
            "Panel, new phone sender who is in Salesforce",
            "phone",
            "+13362227000",
            "phone",
        ),
        (
            "Panel, new phone sender nobody has",
            "phone",
            "+19995550100",
            "none",
        ),
    ] {
        let answer = costs.panel(row, kind, handle).await;
        assert_eq!(answer["reason"], reason, "{row}: {answer}");
    }
    costs
        .panel("Panel, a sender seen recently", "email", "Rose@Edge.com")
        .await;

    let zoe = "/api/pins?kind=email&handle=zoe%40gmail.com";
    let edge = rose["account"]["id"].as_str().unwrap().to_owned();
    let (status, _) = costs
        .api(
            "Pin a record for a sender",
            Method::PUT,
            zoe,
            Some(json!({"object": "Account", "id": edge})),
        )
        .await;
    assert_eq!(status, 204);
    let pinned = costs
        .panel(
            "Panel, a sender with a pinned record",
            "email",
            "zoe@gmail.com",
        )
        .await;
    assert_eq!(pinned["reason"], "pinned");

    let (status, _) = costs
        .api(
            "Add a note",
            Method::POST,
            "/api/notes",
            Some(json!({"object": "Account", "record_id": edge, "title": "Renewal", "body": "Q3", "key": "costs-1"})),
        )
        .await;
    assert_eq!(status, 201);
    let sean = costs
        .panel(
            "Panel, new email sender whose records have notes",
            "email",
            "sean@edge.com",
        )
        .await;
    assert_eq!(
        sean["account"]["notes"][0]["title"], "Renewal",
        "the notes come in the panel's composite: {sean}"
    );
    assert_eq!(sean["person"]["notes"], json!([]), "read with the person");

    let rose_id = rose["person"]["id"].as_str().unwrap().to_owned();
    let record = format!("/api/records/Contact/{rose_id}");
    let later =
        httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(1));
    for (action, method, path, body, wanted) in [
        (
            "Search Salesforce",
            Method::GET,
            "/api/search?q=rogers",
            None,
            200,
        ),
        (
            "Describe an object (first time)",
            Method::GET,
            "/api/describe/Case",
            None,
            200,
        ),
        (
            "Describe an object (again)",
            Method::GET,
            "/api/describe/Case",
            None,
            200,
        ),
        (
            "Edit a field",
            Method::PATCH,
            record.as_str(),
            Some(json!({"fields": {"Title": "Chief Buyer"}, "loaded_at": later})),
            204,
        ),
        (
            "Edit a field changed in Salesforce meanwhile (conflict)",
            Method::PATCH,
            record.as_str(),
            Some(
                json!({"fields": {"Title": "Old view"}, "loaded_at": "Mon, 30 Nov 2020 08:34:54 GMT"}),
            ),
            409,
        ),
        (
            "Create a Contact (email and phone checked for duplicates first)",
            Method::POST,
            "/api/records/Contact",
            Some(
                json!({"fields": {"LastName": "Nia", "Email": "nia@newco.example", "Phone": "+1 555 0100 777"}}),
            ),
            201,
        ),
        (
            "Create a Task",
            Method::POST,
            "/api/records/Task",
            Some(json!({"fields": {"Subject": "Call back", "WhoId": rose_id}})),
            201,
        ),
    ] {
        let (status, answer) = costs.api(action, method, path, body).await;
        assert_eq!(status, wanted, "{action}: {answer}");
    }

    let phyllis = costs
        .panel(
            "Panel, new email sender (a Lead)",
            "email",
            "pcotton@abbottins.net",
        )
        .await;
    let convert = format!(
        "/api/leads/{}/convert",
        phyllis["person"]["id"].as_str().unwrap()
    );
    costs
        .api(
            "Convert a Lead: the form (statuses)",
            Method::GET,
            &convert,
            None,
        )
        .await;
    let (status, _) = costs
        .api("Convert a Lead", Method::POST, &convert, Some(json!({})))
        .await;
    assert_eq!(status, 200);

    // Rules: the requests each job made, as it recorded them.
    let fire = [
        (
            "Send to Salesforce: logged (email)",
            "send-to-salesforce",
            "m1",
            None,
            ("rose@edge.com", "Rose"),
            "email",
        ),
        (
            "Send to Salesforce: logged (call or SMS)",
            "send-to-salesforce",
            "m2",
            None,
            ("+1 (336) 222-7000", "Jack"),
            "phone-call",
        ),
        (
            "Send to Salesforce: nobody has the address",
            "send-to-salesforce",
            "m3",
            None,
            ("zoe@quintessential-kites.example", "Zoe"),
            "email",
        ),
        (
            "Send to Salesforce: a teammate's message (skipped)",
            "send-to-salesforce",
            "m4",
            Some("ana@pane-support.example"),
            ("ben@pane-support.example", "Ben"),
            "email",
        ),
        (
            "Create lead: made",
            "create-lead",
            "m5",
            None,
            ("new.person@kites.example", "New Person"),
            "email",
        ),
        (
            "Create lead: the person exists",
            "create-lead",
            "m6",
            None,
            ("rose@edge.com", "Rose"),
            "email",
        ),
    ];
    // One at a time: events arriving together are gathered into one batch, whose requests
    // are charged to its first job; each row is what a message costs alone.
    for (i, (_, action, message, author, other, kind)) in fire.iter().enumerate() {
        let inbound = author.is_none();
        let (status, _) = proxy
            .fire(
                action,
                &event(&format!("evt_{i}"), message, inbound, *author, *other, kind),
            )
            .await;
        assert_eq!(status, 202, "{action} {message}");
        proxy.settled().await;
    }
    let jobs = proxy.settled().await;
    let mut measured = costs.measured;
    for (name, _, message, ..) in fire {
        let job = jobs.iter().find(|j| j.message_id == message).unwrap();
        measured.push((name, job.requests.unsigned_abs()));
    }
    // The same message again, as a retry would: found logged, not logged twice.
    proxy
        .fire_inbound("evt_again", "m1", ("rose@edge.com", "Rose"))
        .await;
    let jobs = proxy.settled().await;
    let again = jobs
        .iter()
        .filter(|j| j.message_id == "m1")
        .find(|j| j.outcome != "logged" || j.detail.contains("already"))
        .unwrap_or_else(|| panic!("{jobs:?}"));
    measured.push((
        "Send to Salesforce: already logged",
        again.requests.unsigned_abs(),
    ));

    let table: Vec<String> = measured
        .iter()
        .map(|(a, c)| format!("| {a} | {c} |"))
        .collect();
    let readme = readme_costs();
    for (action, cost) in &measured {
        let row = readme.iter().find(|(a, _)| a == action);
        assert_eq!(
            row.map(|(_, c)| c.as_str()),
            Some(cost.to_string().as_str()),
            "README's cost for {action:?}; measured:\n{}",
            table.join("\n")
        );
    }
    assert_eq!(
        readme.len(),
        measured.len(),
        "a README row nothing measures:\n{}",
        table.join("\n")
    );
    proxy.stop().await;
}
