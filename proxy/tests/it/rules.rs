//! Rules over real sockets against the sandbox org: the webhook intake (signatures, replays,
//! malformed bodies, redeliveries, the validation challenge), both actions with their fields
//! and owner, the no-match / already-exists / teammate cases, and faults that clear.

use std::time::Duration;

use pane_proxy::rules::signature::{sign_application, sign_rule};
use pane_wire::api::{ConversationLogged, Logged, RuleIntake, RuleJob, RuleJobs};
use reqwest::Method;
use serde_json::{Value, json};

use crate::running::{BEN, Running, linked, linked_with};

/// Rose Gonzalez, a Contact of the sandbox org: her handle and name.
pub const ROSE: (&str, &str) = ("rose@edge.com", "Rose");

pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// An inbound email from `from` (handle, name) to the support inbox.
pub fn inbound_email(id: &str, message: &str, from: (&str, &str)) -> Value {
    event(id, message, true, None, from, "email")
}

/// A Front event for a message.
pub fn event(
    id: &str,
    message: &str,
    inbound: bool,
    author: Option<&str>,
    other: (&str, &str),
    kind: &str,
) -> Value {
    let inbox = json!({"handle": "support@pane-support.example", "name": "Support", "role": if inbound { "to" } else { "from" }});
    let person =
        json!({"handle": other.0, "name": other.1, "role": if inbound { "from" } else { "to" }});
    json!({
        "id": id, "type": if inbound { "inbound" } else { "outbound" }, "emitted_at": 1_795_000_000.0,
        "target": {"_meta": {"type": "message"}, "data": {
            "id": message, "type": kind, "is_inbound": inbound, "created_at": 1_795_000_000.0,
            "subject": "Invoice 4471 is wrong", "blurb": "Hello",
            "author": author.map(|a| json!({"email": a})),
            "recipients": [person, inbox],
            "body": "<p>Hello, our last invoice charges us twice.</p>", "text": "Hello, our last invoice charges us twice.",
        }},
    })
}

/// Ana linked as an agent and as her org's integration user.
pub async fn integrated() -> Running {
    let proxy = linked().await;
    proxy.link_integration().await;
    proxy
}

impl Running {
    /// The org's rule intake (its URL and secret), as its admin sees it in Settings.
    pub async fn intake(&self) -> RuleIntake {
        self.read_as(Method::GET, "/api/admin/rules/intake", &self.session)
            .await
    }

    /// Posts a rule webhook to `intake`, signed with `secret` in the rule scheme.
    pub async fn fire_at(
        &self,
        intake: &str,
        secret: &str,
        action: &str,
        event: &Value,
    ) -> (u16, Value) {
        let body = serde_json::to_vec(event).unwrap();
        let req = self
            .http
            .post(format!("{intake}/{action}"))
            .header("x-front-signature", sign_rule(secret.as_bytes(), &body))
            .header("content-type", "application/json")
            .body(body);
        crate::helpers::json_of(crate::login::sent(req).await).await
    }

    /// Posts a rule webhook to the org's intake, signed with its secret in the rule scheme.
    pub async fn fire(&self, action: &str, event: &Value) -> (u16, Value) {
        let intake = self.intake().await;
        self.fire_at(&intake.url, &intake.secret, action, event)
            .await
    }

    /// Sends an inbound email (event `id`, message `message`) from `from` to the
    /// send-to-Salesforce rule.
    pub async fn fire_inbound(&self, id: &str, message: &str, from: (&str, &str)) -> (u16, Value) {
        self.fire("send-to-salesforce", &inbound_email(id, message, from))
            .await
    }

    /// Links Ana as the org's integration user.
    pub async fn link_integration(&self) {
        crate::login::link_integration(&self.http, &self.origin, &self.session).await;
    }

    /// The rule jobs, as the admin sees them.
    pub async fn jobs(&self) -> Vec<RuleJob> {
        let list: RuleJobs = self
            .read_as(Method::GET, "/api/admin/rules", &self.session)
            .await;
        list.jobs
    }

    /// Waits until every job is done or dead.
    pub async fn settled(&self) -> Vec<RuleJob> {
        for _ in 0..400 {
            let jobs = self.jobs().await;
            if jobs.iter().all(|j| j.state == "done" || j.state == "dead") {
                return jobs;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("rule jobs did not settle: {:?}", self.jobs().await);
    }

    /// The job for `message` once it waits to be tried again.
    pub async fn waiting(&self, message: &str) -> RuleJob {
        for _ in 0..100 {
            let jobs = self.jobs().await;
            if let Some(job) = jobs
                .into_iter()
                .find(|j| j.message_id == message && j.state == "retry")
            {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the job for {message} does not wait: {:?}",
            self.jobs().await
        );
    }

    /// A SOQL query on the sandbox org, as the integration user sees it.
    pub async fn soql(&self, q: &str) -> Vec<Value> {
        crate::login::sandbox_soql(&self.http, &self.sandbox, &self.sandbox, q).await
    }
}

#[tokio::test]
async fn the_intake_checks_signatures_and_queues_each_event_once() {
    let proxy = linked().await;
    let e = inbound_email(
        "evt_intake_1",
        "msg_intake_1",
        ("rose@edge.com", "Rose Gonzalez"),
    );
    let body = serde_json::to_vec(&e).unwrap();
    let intake = proxy.intake().await;
    let secret = intake.secret.as_bytes();
    let url = format!("{}/send-to-salesforce", intake.url);
    let post = |headers: Vec<(&'static str, String)>, body: Vec<u8>| {
        let mut req = proxy
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let stamp = now_ms();
    type Case<'a> = (&'a str, Vec<(&'static str, String)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        ("no signature", vec![], body.clone(), 401, "bad_signature"),
        (
            "wrong rule signature",
            vec![("x-front-signature", sign_rule(b"nope", &body))],
            body.clone(),
            401,
            "bad_signature",
        ),
        (
            "signature of another body",
            vec![("x-front-signature", sign_rule(secret, b"{}"))],
            body.clone(),
            401,
            "bad_signature",
        ),
        (
            "stale application webhook",
            vec![
                (
                    "x-front-request-timestamp",
                    (stamp - 6 * 60 * 1000).to_string(),
                ),
                (
                    "x-front-signature",
                    sign_application(secret, stamp - 6 * 60 * 1000, &body),
                ),
            ],
            body.clone(),
            401,
            "bad_signature",
        ),
        (
            "application webhook, wrong secret",
            vec![
                ("x-front-request-timestamp", stamp.to_string()),
                ("x-front-signature", sign_application(b"nope", stamp, &body)),
            ],
            body.clone(),
            401,
            "bad_signature",
        ),
        (
            "malformed JSON, signed",
            vec![("x-front-signature", sign_rule(secret, b"{\"id\": "))],
            b"{\"id\": ".to_vec(),
            400,
            "bad_request",
        ),
        (
            "not an event, signed",
            vec![(
                "x-front-signature",
                sign_rule(secret, b"{\"id\": \"evt_x\"}"),
            )],
            b"{\"id\": \"evt_x\"}".to_vec(),
            400,
            "bad_request",
        ),
    ];
    for (name, headers, body, status, code) in cases {
        let (got, answer) = post(headers, body).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{name}: {answer}"
        );
    }
    assert!(
        proxy.jobs().await.is_empty(),
        "nothing queued by refused webhooks"
    );

    // Good: each scheme; a redelivery is accepted and not queued again.
    let (status, answer) = post(
        vec![
            ("x-front-request-timestamp", stamp.to_string()),
            ("x-front-signature", sign_application(secret, stamp, &body)),
        ],
        body.clone(),
    )
    .await;
    assert_eq!((status, answer["queued"].as_bool()), (202, Some(true)));
    let (status, answer) = proxy.fire("send-to-salesforce", &e).await;
    assert_eq!(
        (status, answer["duplicate"].as_bool()),
        (202, Some(true)),
        "redelivered"
    );
    let (status, answer) = proxy.fire("create-lead", &e).await;
    assert_eq!(
        (status, answer["queued"].as_bool()),
        (202, Some(true)),
        "another action on the same event"
    );
    assert_eq!(proxy.jobs().await.len(), 2);
    let (status, _) = proxy.fire("delete-everything", &e).await;
    assert_eq!(status, 404);

    // Front's validation of an application webhook: the challenge is echoed.
    let challenge_body = br#"{"type":"sync","authorization":{"id":"cmp_1"}}"#.to_vec();
    let res = proxy
        .http
        .post(&url)
        .header("x-front-challenge", "chal-123")
        .header("x-front-request-timestamp", stamp.to_string())
        .header(
            "x-front-signature",
            sign_application(secret, stamp, &challenge_body),
        )
        .body(challenge_body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-front-challenge"], "chal-123");
    assert_eq!(res.text().await.unwrap(), "chal-123");
    proxy.stop().await;
}

/// Ana linked as the integration user and Ben as an agent, `events` sent to Salesforce and
/// settled: the proxy, the jobs, and the Salesforce requests they took.
async fn sent_to_salesforce(events: &[Value]) -> (Running, Vec<RuleJob>, u64) {
    let mut proxy = linked().await;
    proxy.link_as(BEN).await;
    proxy.link_integration().await;
    let before = proxy.salesforce_calls().await;
    for e in events {
        proxy.fire("send-to-salesforce", e).await;
    }
    let jobs = proxy.settled().await;
    let calls = proxy.salesforce_calls().await - before;
    (proxy, jobs, calls)
}

/// The job of message `id`.
fn job_of(jobs: &[RuleJob], id: &str) -> RuleJob {
    jobs.iter().find(|j| j.message_id == id).unwrap().clone()
}

impl Running {
    /// The id of the user whose login is `username`.
    async fn user_id(&self, username: &str) -> Value {
        self.soql(&format!(
            "SELECT Id FROM User WHERE Username = '{username}'"
        ))
        .await[0]["Id"]
            .clone()
    }

    /// The Tasks rules logged for message `id`.
    async fn tasks_of(&self, id: &str) -> Vec<Value> {
        self.soql(&format!("SELECT Subject, Status, TaskSubtype, WhoId, AccountId, OwnerId, Description FROM Task WHERE Pane_Message_Id__c = '{id}'")).await
    }
}

/// Email `n` (`evt_n`, `msg_n`) sent by the teammate `author` to `to` (handle, name).
fn sent_by_teammate(n: &str, author: &str, to: (&str, &str)) -> Value {
    let (id, message) = (format!("evt_{n}"), format!("msg_{n}"));
    event(&id, &message, false, Some(author), to, "email")
}

/// Ben writes to Rose, her address in another case.
fn ben_writes() -> Value {
    sent_by_teammate("s2", "ben@pane-support.example", ("Rose@Edge.com", "Rose"))
}

/// Someone Salesforce does not know writes to the support inbox.
fn nobody_writes() -> Value {
    inbound_email("evt_s3", "msg_s3", ("nobody@nowhere.example", "Nobody"))
}

/// Rose writes to the support inbox.
fn rose_writes() -> Value {
    inbound_email("evt_s1", "msg_s1", ("rose@edge.com", "Rose Gonzalez"))
}

#[tokio::test]
async fn an_inbound_email_is_logged_on_the_sender_in_one_request() {
    let (proxy, jobs, calls) = sent_to_salesforce(&[rose_writes()]).await;
    let job = job_of(&jobs, "msg_s1");
    assert_eq!(
        (job.outcome.as_str(), job.requests, calls),
        ("logged", 1, 1),
        "one composite: the person found and the Task upserted through references"
    );
    let rose = proxy
        .soql("SELECT Id, AccountId FROM Contact WHERE Email = 'rose@edge.com'")
        .await[0]
        .clone();
    let tasks = proxy.tasks_of("msg_s1").await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["Subject"], "Email: Invoice 4471 is wrong");
    assert_eq!(task["Status"], "Completed");
    assert_eq!(task["TaskSubtype"], "Email");
    assert_eq!(task["WhoId"], rose["Id"]);
    assert_eq!(
        task["AccountId"], rose["AccountId"],
        "related to the Contact's Account (Salesforce derives it from the Contact)"
    );
    assert_eq!(
        task["OwnerId"],
        proxy.user_id("ana@pane-support.example").await,
        "no teammate: the integration user"
    );
    assert_eq!(
        task["Description"],
        "Hello, our last invoice charges us twice."
    );
    proxy.stop().await;
}

#[tokio::test]
async fn an_email_a_teammate_sent_is_owned_by_them_and_its_handle_matches_in_any_case() {
    let (proxy, jobs, _) = sent_to_salesforce(&[ben_writes()]).await;
    assert_eq!(job_of(&jobs, "msg_s2").outcome, "logged");
    let tasks = proxy.tasks_of("msg_s2").await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(
        tasks[0]["OwnerId"],
        proxy.user_id("ben@pane-support.example").await,
        "the teammate who sent it"
    );
    proxy.stop().await;
}

/// Sends `e` (message `id`) and checks the rule logged nothing, its job ending with `outcome`
/// after `requests` Salesforce requests.
async fn logs_nothing(e: Value, id: &str, outcome: &str, requests: i64) {
    let (proxy, jobs, calls) = sent_to_salesforce(&[e]).await;
    let job = job_of(&jobs, id);
    assert_eq!(
        (job.outcome.as_str(), job.requests, calls),
        (outcome, requests, u64::try_from(requests).unwrap())
    );
    assert_eq!(proxy.tasks_of(id).await, Vec::<Value>::new());
    proxy.stop().await;
}

#[tokio::test]
async fn an_email_from_no_one_in_salesforce_is_no_match_after_one_request() {
    logs_nothing(nobody_writes(), "msg_s3", "no_match", 1).await;
}

#[tokio::test]
async fn mail_between_teammates_is_skipped_without_a_request() {
    let ben = ("ben@pane-support.example", "Ben");
    let ana_writes_ben = sent_by_teammate("s4", "ana@pane-support.example", ben);
    logs_nothing(ana_writes_ben, "msg_s4", "skipped", 0).await;
}

#[tokio::test]
async fn a_call_is_logged_after_a_search_for_the_phone_in_two_requests() {
    let jack_calls = event(
        "evt_s5",
        "msg_s5",
        true,
        None,
        ("+1 (336) 222-7000", "Jack"),
        "phone-call",
    );
    let (proxy, jobs, calls) = sent_to_salesforce(&[jack_calls]).await;
    let job = job_of(&jobs, "msg_s5");
    assert_eq!(
        (job.outcome.as_str(), job.requests, calls),
        ("logged", 2, 2),
        "a call: a search for the phone (a composite cannot hold one), then the upsert"
    );
    let tasks = proxy.tasks_of("msg_s5").await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(
        (
            tasks[0]["Subject"].as_str(),
            tasks[0]["TaskSubtype"].as_str()
        ),
        (Some("Call"), Some("Call"))
    );
    proxy.stop().await;
}

#[tokio::test]
async fn the_panel_hears_which_messages_are_logged() {
    let (proxy, _, _) = sent_to_salesforce(&[rose_writes(), nobody_writes(), ben_writes()]).await;
    let ids = [("ids", "msg_s1,msg_s3,msg_s2")];
    let asked = proxy.api(Method::GET, "/api/rules/logged", &proxy.session);
    let logged: Logged = crate::login::json_from(asked.query(&ids)).await;
    assert_eq!(logged.logged, ["msg_s1", "msg_s2"]);
    proxy.stop().await;
}

#[tokio::test]
async fn the_panel_hears_a_conversations_log_and_its_logged_messages_in_one_request() {
    let (proxy, _, _) = sent_to_salesforce(&[rose_writes(), nobody_writes(), ben_writes()]).await;
    let query = [("conversation", "cnv_s"), ("ids", "msg_s1,msg_s3,msg_s2")];
    let asked = proxy.api(Method::GET, "/api/conversations/log", &proxy.session);
    let answer: ConversationLogged = crate::login::json_from(asked.query(&query)).await;
    assert_eq!(answer.log, None, "never logged as a whole");
    assert_eq!(
        answer.logged.as_deref(),
        Some(&["msg_s1", "msg_s2"].map(String::from)[..])
    );
    // Without ids (the host could not list the messages), the log alone; with none, none.
    let asked = proxy.api(Method::GET, "/api/conversations/log", &proxy.session);
    let answer: ConversationLogged =
        crate::login::json_from(asked.query(&[("conversation", "cnv_s")])).await;
    assert_eq!(answer.logged, None);
    let asked = proxy.api(Method::GET, "/api/conversations/log", &proxy.session);
    let answer: ConversationLogged =
        crate::login::json_from(asked.query(&[("conversation", "cnv_s"), ("ids", "")])).await;
    assert_eq!(answer.logged, Some(vec![]));
    proxy.stop().await;
}

#[tokio::test]
async fn an_admin_retrying_a_finished_job_updates_the_task_it_made() {
    let (proxy, jobs, _) = sent_to_salesforce(&[rose_writes()]).await;
    let id = job_of(&jobs, "msg_s1").id;
    let res = proxy
        .api(
            Method::POST,
            &format!("/api/admin/rules/{id}/retry"),
            &proxy.session,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    proxy.settled().await;
    assert_eq!(
        proxy.tasks_of("msg_s1").await.len(),
        1,
        "the upsert on the marker"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn create_lead_makes_one_unless_the_person_exists() {
    let proxy = integrated().await;
    for e in [
        inbound_email(
            "evt_l1",
            "msg_l1",
            ("zoe@quintessential-kites.example", "Zoe Quint"),
        ),
        inbound_email("evt_l2", "msg_l2", ("rose@edge.com", "Rose Gonzalez")),
        inbound_email("evt_l3", "msg_l3", ("jo@gmail.com", "Jo Free")),
    ] {
        proxy.fire("create-lead", &e).await;
    }
    let jobs = proxy.settled().await;
    let outcome = |m: &str| {
        jobs.iter()
            .find(|j| j.message_id == m)
            .unwrap()
            .outcome
            .clone()
    };
    assert_eq!(
        (
            outcome("msg_l1").as_str(),
            outcome("msg_l2").as_str(),
            outcome("msg_l3").as_str()
        ),
        ("created", "existed", "created")
    );
    let zoe = proxy.soql("SELECT FirstName, LastName, Company, Email FROM Lead WHERE Email = 'zoe@quintessential-kites.example'").await;
    assert_eq!(zoe.len(), 1);
    assert_eq!(
        (
            zoe[0]["FirstName"].as_str(),
            zoe[0]["LastName"].as_str(),
            zoe[0]["Company"].as_str()
        ),
        (Some("Zoe"), Some("Quint"), Some("Quintessential kites"))
    );
    let jo = proxy
        .soql("SELECT Company FROM Lead WHERE Email = 'jo@gmail.com'")
        .await;
    assert_eq!(
        jo[0]["Company"], "[not provided]",
        "no company from a free-mail domain"
    );
    assert!(
        proxy
            .soql("SELECT Id FROM Lead WHERE Email = 'rose@edge.com'")
            .await
            .is_empty()
    );
    // The same event again: accepted, not queued, nothing made.
    let (_, answer) = proxy
        .fire(
            "create-lead",
            &inbound_email(
                "evt_l1",
                "msg_l1",
                ("zoe@quintessential-kites.example", "Zoe Quint"),
            ),
        )
        .await;
    assert_eq!(answer["duplicate"], true);
    proxy.stop().await;
}

/// Ana linked as the integration user, then the sandbox org told `control` (a fault).
async fn integration_linked_under(control: &str, body: Value) -> Running {
    let proxy = integrated().await;
    proxy.control(control, body).await;
    proxy
}

#[tokio::test]
async fn a_job_failing_with_more_503s_than_the_client_retries_is_retried_and_logs_once() {
    let fault = json!({"fail_next": 4, "fail_status": 503});
    let proxy = integration_linked_under("faults", fault).await;
    proxy.fire_inbound("evt_f1", "msg_f1", ROSE).await;
    let jobs = proxy.settled().await;
    assert_eq!(jobs[0].outcome, "logged", "{jobs:?}");
    assert!(jobs[0].attempts >= 2, "the worker retried it: {jobs:?}");
    assert_eq!(proxy.tasks_of("msg_f1").await.len(), 1);
    proxy.stop().await;
}

#[tokio::test]
async fn a_create_lead_job_through_a_dropped_connection_creates_one_lead() {
    let proxy = integration_linked_under("faults", json!({"drop_next": 1})).await;
    let newcomer = ("new.person@newco.example", "New Person");
    let e = inbound_email("evt_f2", "msg_f2", newcomer);
    proxy.fire("create-lead", &e).await;
    let jobs = proxy.settled().await;
    assert_eq!(job_of(&jobs, "msg_f2").outcome, "created", "{jobs:?}");
    let leads = proxy
        .soql("SELECT Id FROM Lead WHERE Email = 'new.person@newco.example'")
        .await;
    assert_eq!(leads.len(), 1);
    proxy.stop().await;
}

#[tokio::test]
async fn a_job_after_the_tokens_expired_refreshes_and_logs_once() {
    let proxy = integration_linked_under("expire-tokens", json!({})).await;
    proxy
        .fire_inbound("evt_f3", "msg_f3", ("sean@edge.com", "Sean"))
        .await;
    proxy.settled().await;
    assert_eq!(proxy.tasks_of("msg_f3").await.len(), 1);
    proxy.stop().await;
}

#[tokio::test]
async fn a_job_under_a_spent_quota_waits_to_retry_not_dead() {
    let fault = json!({"max": 100, "used": 100});
    let proxy = integration_linked_under("quota", fault).await;
    proxy.fire_inbound("evt_f4", "msg_f4", ROSE).await;
    proxy.waiting("msg_f4").await;
    proxy.stop().await;
}

#[tokio::test]
async fn a_quota_reserve_reached_mid_job_pauses_it_not_retried_as_a_network_failure() {
    // One request left before the last reserve: the job's lookup reports the org's usage at
    // its end, so the gateway refuses the create that would follow.
    let fault = json!({"max": 100, "used": 98});
    let proxy = integration_linked_under("quota", fault).await;
    let nia = ("nia@reserve.example", "Nia Reserve");
    proxy
        .fire("create-lead", &inbound_email("evt_r1", "msg_r1", nia))
        .await;
    let job = proxy.waiting("msg_r1").await;
    assert_eq!(
        (job.detail.as_str(), job.attempts, job.requests),
        (
            "paused: the API quota budget is low; resumes when it resets",
            0,
            1
        ),
        "{job:?}"
    );
    assert!(
        proxy
            .soql("SELECT Id FROM Lead WHERE Email = 'nia@reserve.example'")
            .await
            .is_empty()
    );
    proxy.stop().await;
}

/// Message `n` of a burst comes from Rose when `n` is even, else from nobody Salesforce knows.
fn burst_sender(n: usize) -> (&'static str, &'static str) {
    if n.is_multiple_of(2) {
        ROSE
    } else {
        ("nobody@nowhere.example", "Nobody")
    }
}

/// Checks a settled burst of 100 messages (`prefix`0 to 99, from [`burst_sender`]) for which
/// Salesforce saw `calls` requests: each job ended on its own, at most 5 requests (a lookup
/// composite and an sObject Collections upsert per batch) all charged to its jobs, one Task per
/// logged message.
async fn burst_logged_in_a_few_requests(
    proxy: &Running,
    jobs: &[RuleJob],
    calls: u64,
    prefix: &str,
) {
    let outcomes = |o: &str| jobs.iter().filter(|j| j.outcome == o).count();
    assert_eq!(
        (outcomes("logged"), outcomes("no_match")),
        (50, 50),
        "each job its own outcome: {jobs:?}"
    );
    let requests: i64 = jobs.iter().map(|j| j.requests).sum();
    assert!(
        calls <= 5 && u64::try_from(requests).unwrap() == calls,
        "one lookup composite and one sObject Collections upsert per batch: {calls} Salesforce requests, {requests} charged to the jobs"
    );
    let tasks = proxy
        .soql(&format!(
            "SELECT Id FROM Task WHERE Pane_Message_Id__c LIKE '{prefix}%'"
        ))
        .await;
    assert_eq!(tasks.len(), 50, "one Task per logged message");
}

#[tokio::test]
async fn a_burst_of_100_messages_of_one_org_is_logged_in_two_requests_each_job_its_own_outcome() {
    let mut proxy = linked().await;
    let before_link = proxy.salesforce_calls().await;
    proxy.link_integration().await;
    let link_cost = proxy.salesforce_calls().await - before_link;
    // Salesforce refuses the integration link: the burst queues and waits, paused.
    let ana = json!({"username": "ana@pane-support.example"});
    proxy.control("revoke-user", ana).await;
    proxy.control("expire-tokens", json!({})).await;
    for n in 0..100 {
        let (status, _) = proxy
            .fire_inbound(
                &format!("evt_burst_{n}"),
                &format!("msg_burst_{n}"),
                burst_sender(n),
            )
            .await;
        assert_eq!(status, 202);
    }
    for _ in 0..400 {
        let jobs = proxy.jobs().await;
        if jobs.len() == 100 && jobs.iter().all(|j| j.state == "retry") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The admin links again: the 100 resume at once, together.
    proxy.session = proxy.link_as(crate::running::ANA).await;
    let before = proxy.salesforce_calls().await;
    proxy.link_integration().await;
    let jobs = proxy.settled().await;
    let calls = proxy.salesforce_calls().await - before - link_cost;
    burst_logged_in_a_few_requests(&proxy, &jobs, calls, "msg_burst_").await;
    proxy.stop().await;
}

#[tokio::test]
async fn a_burst_of_100_messages_trickling_in_within_the_gather_window_costs_at_most_5_requests() {
    // A debug build on a shared machine accepts these 100 webhooks in a few hundred ms, in
    // waves ~30 ms apart (a release build well inside the default 100 ms window and 25 ms gap:
    // `scripts/bench` measures it), so the window here is a second and the gap 200 ms. Without
    // gathering the burst costs 25 requests.
    let proxy = linked_with(|c| {
        c.rule_gather_ms = 1_000;
        c.rule_gather_quiet_ms = 200;
    })
    .await;
    proxy.link_integration().await;
    let intake = proxy.intake().await;
    let before = proxy.salesforce_calls().await;
    // Front delivers a burst's webhooks over ten connections, each one after the other: they
    // trickle in while the workers run.
    let burst = (0..25).map(|client| {
        let (url, secret) = (intake.url.clone(), intake.secret.clone());
        let proxy = &proxy;
        async move {
            let mut statuses = Vec::new();
            for n in (client..100).step_by(25) {
                let e = inbound_email(
                    &format!("evt_live_{n}"),
                    &format!("msg_live_{n}"),
                    burst_sender(n),
                );
                statuses.push(
                    proxy
                        .fire_at(&url, &secret, "send-to-salesforce", &e)
                        .await
                        .0,
                );
            }
            statuses
        }
    });
    let statuses: Vec<u16> = futures::future::join_all(burst)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert!(
        statuses.len() == 100 && statuses.iter().all(|s| *s == 202),
        "{statuses:?}"
    );
    let jobs = proxy.settled().await;
    let calls = proxy.salesforce_calls().await - before;
    burst_logged_in_a_few_requests(&proxy, &jobs, calls, "msg_live_").await;
    proxy.stop().await;
}

#[tokio::test]
async fn a_task_a_rule_logs_makes_the_senders_cached_panel_stale() {
    let proxy = crate::running::linked().await;
    proxy.link_integration().await;
    let (cache, _, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(cache, "miss");
    let (cache, before, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(cache, "hit");
    let (status, _) = proxy
        .fire_inbound("evt_c1", "msg_c1", ("rose@edge.com", "Rose Gonzalez"))
        .await;
    assert_eq!(status, 202);
    assert_eq!(proxy.settled().await[0].outcome, "logged");
    let task = proxy
        .soql("SELECT Id FROM Task WHERE Pane_Message_Id__c = 'msg_c1'")
        .await[0]["Id"]
        .clone();
    let task = task.as_str().unwrap();
    assert!(!before.to_string().contains(task));
    let (cache, after, calls) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(
        (cache.as_str(), calls),
        ("miss", 1),
        "the Task the rule wrote made the cached panel stale"
    );
    assert!(
        after.to_string().contains(task),
        "the new Task shows: {after}"
    );
    proxy.stop().await;
}
