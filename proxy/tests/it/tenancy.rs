//! Rules per org over real sockets: the intake URL and secret each org's admin sees, the
//! shared URL refused, a webhook signed for one org never queued for another, rotation with a
//! grace, and jobs held while their org has no integration user.

use pane_proxy::rules::signature::sign_rule;
use reqwest::Method;

use crate::rules::{ROSE, inbound_email, integrated};
use crate::running::{linked, linked_with};

#[tokio::test]
async fn the_shared_rule_url_is_gone_and_names_the_orgs_own() {
    let proxy = linked().await;
    let body = serde_json::to_vec(&inbound_email("evt_old", "msg_old", ROSE)).unwrap();
    // Signed as before, with a deployment-wide secret.
    let res = proxy
        .anonymous(Method::POST, "/api/rules/send-to-salesforce")
        .header(
            "x-front-signature",
            sign_rule(b"a-deployment-wide-secret", &body),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, answer) = crate::helpers::json_of(res).await;
    assert_eq!((status, answer["code"].as_str()), (410, Some("gone")));
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("/api/rules/<intake key>/<action>"),
        "{answer}"
    );
    assert!(proxy.jobs().await.is_empty());
    proxy.stop().await;
}

#[tokio::test]
async fn an_orgs_jobs_wait_with_the_reason_until_it_links_an_integration_user() {
    let proxy = linked().await;
    let (status, _) = proxy.fire_inbound("evt_held_1", "msg_held_1", ROSE).await;
    assert_eq!(status, 202);
    let held = proxy.waiting("msg_held_1").await;
    assert!(
        held.detail
            .starts_with("held: no integration user linked for this org"),
        "{held:?}"
    );
    assert_eq!(
        (held.requests, held.attempts, held.outcome.as_str()),
        (0, 0, "")
    );
    proxy.link_integration().await;
    let jobs = proxy.settled().await;
    assert_eq!(
        (jobs[0].state.as_str(), jobs[0].outcome.as_str()),
        ("done", "logged"),
        "{jobs:?}"
    );
    proxy.stop().await;
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let proxy = integrated().await;
    let before = proxy.intake().await;
    assert!(
        before
            .url
            .starts_with(&format!("{}/api/rules/in_", proxy.origin))
    );
    assert_eq!(before.previous_valid_until, None);
    // A webhook before the rotation: the proxy holds a copy of the intake from then.
    let e = inbound_email("evt_rot_0", "msg_rot_0", ROSE);
    let (status, _) = proxy
        .fire_at(&before.url, &before.secret, "send-to-salesforce", &e)
        .await;
    assert_eq!(status, 202);
    let (status, after) = proxy
        .call(
            Method::POST,
            "/api/admin/rules/intake/rotate",
            &proxy.session,
        )
        .await;
    assert_eq!(status, 200, "{after}");
    let after: pane_wire::api::RuleIntake = serde_json::from_value(after).unwrap();
    assert_eq!(after.url, before.url, "the URL stays");
    assert_ne!(after.secret, before.secret);
    let day = after.previous_valid_until.unwrap() - crate::rules::now_ms();
    assert!(day > 23 * 3_600_000 && day <= 24 * 3_600_000, "{day}");
    assert_eq!(proxy.intake().await, after, "Settings shows the new one");
    for (n, secret, want) in [
        (1, before.secret.as_str(), 202),
        (2, after.secret.as_str(), 202),
        (3, "another-secret", 401),
    ] {
        let e = inbound_email(&format!("evt_rot_{n}"), &format!("msg_rot_{n}"), ROSE);
        let (status, answer) = proxy
            .fire_at(&after.url, secret, "send-to-salesforce", &e)
            .await;
        assert_eq!(status, want, "secret {n}: {answer}");
    }
    assert_eq!(proxy.settled().await.len(), 3);
    proxy.stop().await;
}

#[tokio::test]
async fn a_webhook_signed_for_one_org_cannot_queue_work_for_another() {
    let (orgs, proxy, session_b) = two_orgs_one_proxy().await;
    proxy.link_integration().await;
    let a = proxy.intake().await;
    // Org B, whose admin linked but no integration user yet.
    let b = crate::login::rule_intake(&proxy.http, &proxy.origin, &session_b).await;

    let fire = |url: &str, secret: &str, n: u32| {
        let e = inbound_email(&format!("evt_x_{n}"), &format!("msg_x_{n}"), ROSE);
        proxy.fire_status(url.to_owned(), secret.to_owned(), e)
    };
    assert_eq!(
        fire(&b.url, &a.secret, 1).await,
        401,
        "A's secret at B's URL"
    );
    assert_eq!(
        fire(&a.url, &b.secret, 2).await,
        401,
        "B's secret at A's URL"
    );
    let nowhere = a
        .url
        .replace(a.url.rsplit('/').next().unwrap(), "in_nowhere");
    assert_eq!(fire(&nowhere, &a.secret, 3).await, 404, "no such intake");
    assert!(proxy.jobs().await.is_empty());
    assert!(jobs_of(&proxy, &session_b).await.is_empty());

    assert_eq!(fire(&b.url, &b.secret, 4).await, 202, "B's own");
    assert_eq!(fire(&a.url, &a.secret, 5).await, 202, "A's own");
    let a_jobs = proxy.settled().await;
    assert_eq!(
        a_jobs
            .iter()
            .map(|j| (j.message_id.as_str(), j.outcome.as_str()))
            .collect::<Vec<_>>(),
        [("msg_x_5", "logged")],
        "A's admin sees A's job alone"
    );
    // B's job is held for B's own integration user, never run as A's.
    let b_job = loop {
        let jobs = jobs_of(&proxy, &session_b).await;
        if let Some(job) = jobs
            .into_iter()
            .find(|j| j.message_id == "msg_x_4" && j.state == "retry")
        {
            break job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(
        b_job
            .detail
            .starts_with("held: no integration user linked for this org"),
        "{b_job:?}"
    );
    assert_eq!(b_job.requests, 0);
    let (_, logged, _) = proxy
        .get_counting("/api/rules/logged?ids=msg_x_4,msg_x_5")
        .await;
    assert_eq!(logged["logged"], serde_json::json!(["msg_x_5"]));
    proxy.stop().await;
    orgs.shutdown();
}

impl crate::running::Running {
    /// Posts `event` to the send-to-Salesforce rule at `intake`, signed with `secret`: the status.
    async fn fire_status(&self, intake: String, secret: String, event: serde_json::Value) -> u16 {
        self.fire_at(&intake, &secret, "send-to-salesforce", &event)
            .await
            .0
    }
}

/// Org B's admin: Ana of the second sandbox org.
const ANA_B: (&str, &str) = ("ana@org2.example", "demo-ana-1");

/// The records a SOQL query finds in `org` for `user` (a password grant at `login`).
async fn soql_in(
    http: &reqwest::Client,
    login: &str,
    org: &pane_sandbox::Sandbox,
    user: (&str, &str),
    q: &str,
) -> Vec<serde_json::Value> {
    let app = pane_sandbox::state::demo_app();
    let grant: serde_json::Value =
        crate::login::json_from(http.post(format!("{login}/services/oauth2/token")).form(&[
            ("grant_type", "password"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("username", user.0),
            ("password", user.1),
        ]))
        .await;
    let query = http
        .get(format!("{}/services/data/v59.0/query", org.instance_url()))
        .bearer_auth(grant["access_token"].as_str().unwrap())
        .query(&[("q", q)]);
    let answer: serde_json::Value = crate::login::json_from(query).await;
    answer["records"].as_array().cloned().unwrap()
}

/// Two sandbox orgs behind one login host, one proxy using them as its Salesforce, Ana of
/// org A linked (the proxy's session) and Ana of org B linked: her session.
async fn two_orgs_one_proxy() -> (pane_sandbox::Orgs, crate::running::Running, String) {
    let configs = (0..2)
        .map(|n| pane_sandbox::SandboxConfig {
            org: pane_sandbox::demo::nth_settings(n),
            ..pane_sandbox::SandboxConfig::default()
        })
        .collect();
    let orgs = pane_sandbox::spawn_orgs("127.0.0.1:0".parse().unwrap(), configs)
        .await
        .unwrap();
    let login = orgs.login_url();
    let mut proxy = linked_with(|config| {
        let app = pane_sandbox::state::demo_app();
        config.salesforce_login_url = Some(login);
        config.salesforce_client_id = Some(app.client_id);
        config.salesforce_client_secret = Some(app.client_secret.parse().unwrap());
    })
    .await;
    let session_b = proxy.link_as(ANA_B).await;
    (orgs, proxy, session_b)
}

/// The rule jobs of `session`'s org, as its admin sees them.
async fn jobs_of(proxy: &crate::running::Running, session: &str) -> Vec<pane_wire::api::RuleJob> {
    let list: pane_wire::api::RuleJobs = proxy
        .read_as(Method::GET, "/api/admin/rules", session)
        .await;
    list.jobs
}

/// `session`'s org's rule jobs once all are done.
async fn settled_as(
    proxy: &crate::running::Running,
    session: &str,
) -> Vec<pane_wire::api::RuleJob> {
    for _ in 0..400 {
        let list: pane_wire::api::RuleJobs = proxy
            .read_as(Method::GET, "/api/admin/rules", session)
            .await;
        if list
            .jobs
            .iter()
            .all(|j| j.state == "done" || j.state == "dead")
        {
            return list.jobs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("org B's jobs did not settle");
}

#[tokio::test]
async fn two_sandbox_orgs_behind_one_proxy_keep_rules_audit_settings_and_usage_apart() {
    let (orgs, proxy, session_b) = two_orgs_one_proxy().await;
    let login = orgs.login_url();
    let (org_a, org_b) = (&orgs.orgs()[0], &orgs.orgs()[1]);
    let session_a = proxy.session.clone();
    proxy.link_integration().await;
    let page =
        crate::login::link_integration_as(&proxy.http, &proxy.origin, &session_b, ANA_B).await;
    assert!(page.contains("salesforce-pane-integration"), "{page}");
    let a = proxy.intake().await;
    let b = crate::login::rule_intake(&proxy.http, &proxy.origin, &session_b).await;
    assert_ne!(a.url, b.url);
    assert_ne!(a.secret, b.secret);

    let fire = |url: &str, secret: &str, message: &str| {
        let e = inbound_email(&format!("evt_{message}"), message, ROSE);
        proxy.fire_status(url.to_owned(), secret.to_owned(), e)
    };
    assert_eq!(
        fire(&b.url, &a.secret, "msg_cross").await,
        401,
        "A's secret at B's URL"
    );
    assert_eq!(fire(&a.url, &a.secret, "msg_a").await, 202);
    assert_eq!(fire(&b.url, &b.secret, "msg_b").await, 202);

    // Audit: each admin sees their own org's job alone.
    let jobs_a = proxy.settled().await;
    let jobs_b = settled_as(&proxy, &session_b).await;
    let seen = |jobs: &[pane_wire::api::RuleJob]| {
        jobs.iter()
            .map(|j| (j.message_id.clone(), j.outcome.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(seen(&jobs_a), [("msg_a".to_owned(), "logged".to_owned())]);
    assert_eq!(seen(&jobs_b), [("msg_b".to_owned(), "logged".to_owned())]);

    // Each Task is in its own org only; the cross-signed webhook wrote nowhere.
    let tasks = |org, user| {
        let http = proxy.http.clone();
        let login = login.clone();
        async move {
            let rows = soql_in(
                &http,
                &login,
                org,
                user,
                "SELECT Pane_Message_Id__c FROM Task WHERE Pane_Message_Id__c != null",
            )
            .await;
            let mut ids: Vec<String> = rows
                .iter()
                .map(|r| r["Pane_Message_Id__c"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(tasks(org_a, crate::running::ANA).await, ["msg_a"]);
    assert_eq!(tasks(org_b, ANA_B).await, ["msg_b"]);

    // Settings saved by A's admin leave B's as they were.
    let before_b = proxy.call(Method::GET, "/api/settings", &session_b).await.1;
    let saved = proxy
        .send_as(
            &session_a,
            Method::PUT,
            "/api/settings/org",
            serde_json::json!({"enabled": true, "default_fields": {"Contact": ["Title", "Department"]},
                "mandatory_fields": {}, "api_share_percent": 40, "never_log": ["noreply.example"]}),
        )
        .await;
    assert_eq!(saved.0, 200, "{saved:?}");
    let after_a = proxy.call(Method::GET, "/api/settings", &session_a).await.1;
    let after_b = proxy.call(Method::GET, "/api/settings", &session_b).await.1;
    assert_ne!(after_a["org"], before_b["org"], "{after_a}");
    assert_eq!(after_b, before_b);

    // Usage: a panel read as A's agent costs A's org a request and B's none.
    let count = |org: &pane_sandbox::Sandbox| {
        let http = proxy.http.clone();
        let base = org.instance_url();
        async move { crate::login::sandbox_requests(&http, &base).await }
    };
    let (a0, b0) = (count(org_a).await, count(org_b).await);
    let res =
        crate::login::sent(proxy.panel_request(&session_a, "email", "nobody@unknown.example"))
            .await;
    assert_eq!(res.status(), 200);
    assert!(count(org_a).await > a0, "A's org counted the read");
    assert_eq!(count(org_b).await, b0, "B's org counted nothing");
    proxy.stop().await;
    orgs.shutdown();
}
