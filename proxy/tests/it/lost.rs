//! Lost answers and lost grants. The sandbox org carries a write out and then drops the
//! connection before its answer (or holds the answer past the proxy's timeout): a rule's Task,
//! a rule's Lead, a panel create and a conversion each end with exactly one record, every job
//! done, and the panel told the truth. A refused refresh token asks the agent to link again; a
//! refused integration link pauses rule work until an admin links it again.

use pane_wire::api::{IntegrationUser, RuleJob};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::json_of;
use crate::rules::inbound_email;
use crate::running::{Running, linked, linked_with};

impl Running {
    /// The next write whose path holds `path` is carried out, then its answer is lost: the
    /// connection drops (`hang_ms: None`) or the answer waits `hang_ms`.
    async fn lose_next_answer(&self, path: &str, hang_ms: Option<u64>) {
        let faults = match hang_ms {
            None => json!({"drop_after_next": 1, "after_path": path}),
            Some(ms) => json!({"hang_after_next": 1, "hang_ms": ms, "after_path": path}),
        };
        self.control("faults", faults).await;
    }

    /// Salesforce revokes Ana's grant and her access token lapses: the next refresh is refused.
    async fn revoke_ana(&self) {
        let ana = json!({"username": "ana@pane-support.example"});
        self.control("revoke-user", ana).await;
        self.control("expire-tokens", json!({})).await;
    }

    async fn count(&self, soql: &str) -> usize {
        self.soql(soql).await.len()
    }
}

/// Both ways an answer is lost: dropped after the commit, or later than the proxy waits.
const LOSSES: [Option<u64>; 2] = [None, Some(2_500)];

async fn proxy() -> Running {
    linked_with(|c| c.salesforce_timeout_secs = 1).await
}

/// A proxy with a linked integration user whose next Salesforce answer at `path` is lost
/// (see [`Running::lose_next_answer`]), after the rule `action` accepted `event`: the proxy and
/// its settled jobs.
async fn rule_losing(
    action: &str,
    event: &Value,
    path: &str,
    loss: Option<u64>,
) -> (Running, Vec<RuleJob>) {
    let proxy = proxy().await;
    proxy.link_integration().await;
    proxy.lose_next_answer(path, loss).await;
    let (status, answer) = proxy.fire(action, event).await;
    assert_eq!(status, 202, "{action} accepted: {answer}");
    let jobs = proxy.settled().await;
    (proxy, jobs)
}

#[tokio::test]
async fn a_rule_task_whose_answer_is_lost_is_logged_once() {
    for (i, loss) in LOSSES.into_iter().enumerate() {
        let message = format!("msg_lost_task_{i}");
        let from = ("rose@edge.com", "Rose");
        let event = inbound_email(&format!("evt_lost_{i}"), &message, from);
        // The composite that finds Rose and upserts the Task.
        let (proxy, jobs) = rule_losing("send-to-salesforce", &event, "/composite", loss).await;
        let job = jobs.iter().find(|j| j.message_id == message).unwrap();
        assert_eq!(
            (job.state.as_str(), job.outcome.as_str()),
            ("done", "logged"),
            "{loss:?}: {job:?}"
        );
        assert_eq!(
            job.attempts, 2,
            "{loss:?}: the lost answer, then the retry: {job:?}"
        );
        let q = format!("SELECT Id FROM Task WHERE Pane_Message_Id__c = '{message}'");
        assert_eq!(proxy.count(&q).await, 1, "{loss:?}: one Task");
        assert_eq!(
            Some(job.record_id.as_str()),
            proxy.soql(&q).await[0]["Id"].as_str(),
            "{loss:?}: the job names the Task"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_rule_lead_whose_answer_is_lost_is_made_once() {
    for (i, loss) in LOSSES.into_iter().enumerate() {
        let email = format!("lost.lead.{i}@kites.example");
        let (id, message) = (format!("evt_lead_{i}"), format!("msg_lead_{i}"));
        let event = inbound_email(&id, &message, (&email, "Lost Lead"));
        let (proxy, jobs) = rule_losing("create-lead", &event, "/sobjects/Lead", loss).await;
        let job = &jobs[0];
        assert_eq!(
            (job.state.as_str(), job.outcome.as_str()),
            ("done", "created"),
            "{loss:?}: not dead, not 'existed': {job:?}"
        );
        let q = format!("SELECT Id FROM Lead WHERE Email = '{email}'");
        assert_eq!(proxy.count(&q).await, 1, "{loss:?}: one Lead");
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_panel_create_whose_answer_is_lost_answers_the_record_it_made() {
    for (i, loss) in LOSSES.into_iter().enumerate() {
        let proxy = proxy().await;
        let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
        let who = rose["person"]["id"].as_str().unwrap().to_owned();
        proxy.lose_next_answer("/sobjects/Task", loss).await;
        let subject = format!("Call back about the lost answer {i}");
        let res = proxy
            .api(Method::POST, "/api/records/Task", &proxy.session)
            .json(&json!({"fields": {"Subject": subject, "WhoId": who}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{loss:?}: the panel is told it was made");
        let body: Value = res.json().await.unwrap();
        let made = proxy
            .soql(&format!("SELECT Id FROM Task WHERE Subject = '{subject}'"))
            .await;
        assert_eq!(made.len(), 1, "{loss:?}: one Task");
        assert_eq!(body["id"], made[0]["Id"], "{loss:?}: the one it made");
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_conversion_whose_answer_is_lost_answers_what_it_made() {
    for loss in LOSSES {
        let proxy = proxy().await;
        let (_, phyllis, _) = proxy.panel("email", "pcotton@abbottins.net").await;
        let lead = phyllis["person"]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/leads/{lead}/convert");
        // The form first (its statuses are read once), then the lost conversion.
        let res = proxy
            .api(Method::GET, &path, &proxy.session)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        proxy.lose_next_answer("/services/Soap", loss).await;
        let res = proxy
            .api(Method::POST, &path, &proxy.session)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "{loss:?}: the panel is told it converted"
        );
        let made: Value = res.json().await.unwrap();
        let converted = proxy
            .soql(&format!(
                "SELECT ConvertedContactId, ConvertedAccountId FROM Lead WHERE Id = '{lead}'"
            ))
            .await;
        assert_eq!(
            made["contact_id"], converted[0]["ConvertedContactId"],
            "{loss:?}"
        );
        assert_eq!(
            made["account_id"], converted[0]["ConvertedAccountId"],
            "{loss:?}"
        );
        assert_eq!(
            proxy
                .count("SELECT Id FROM Contact WHERE Email = 'pcotton@abbottins.net'")
                .await,
            1,
            "{loss:?}: one Contact"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_the_agent_to_link_again() {
    let proxy = linked().await;
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(rose["reason"], "email");
    // Salesforce revokes Ana's grant; her access token lapses.
    proxy.revoke_ana().await;
    for _ in 0..2 {
        let res = proxy.panel_request(&proxy.session, "email", "bertha@fcof.net");
        let (status, body) = json_of(res.send().await.unwrap()).await;
        assert_eq!(status, 401, "not a 502 'try again'");
        assert_eq!(body["code"], "relink", "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("Link Salesforce again"),
            "{body}"
        );
    }
    proxy.stop().await;
}

#[tokio::test]
async fn a_refused_integration_link_pauses_rule_work_until_an_admin_links_again() {
    let mut proxy = crate::rules::integrated().await;
    proxy.revoke_ana().await;
    let (status, _) = proxy
        .fire_inbound("evt_grant", "msg_grant", ("rose@edge.com", "Rose"))
        .await;
    assert_eq!(status, 202);
    // The job waits, paused, with the reason; nothing is dead-lettered.
    let mut paused = None;
    for _ in 0..100 {
        let jobs = proxy.jobs().await;
        if jobs[0].state == "retry" {
            paused = Some(jobs[0].clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        paused
            .as_ref()
            .is_some_and(|j| j.detail.contains("refused the integration user's link")),
        "{paused:?}"
    );
    // Ana's panel session is gone with her grant: she links again, then the integration.
    proxy.session = proxy.link_as(crate::running::ANA).await;
    let integration: IntegrationUser = proxy
        .read_as(Method::GET, "/api/admin/integration", &proxy.session)
        .await;
    assert!(
        integration
            .problem
            .as_deref()
            .is_some_and(|p| p.contains("links it again")),
        "the admin's settings say why: {integration:?}"
    );
    proxy.link_integration().await;
    let jobs = proxy.settled().await;
    assert_eq!(
        (jobs[0].state.as_str(), jobs[0].outcome.as_str()),
        ("done", "logged"),
        "resumed at once after relinking: {:?}",
        jobs[0]
    );
    assert_eq!(
        proxy
            .count("SELECT Id FROM Task WHERE Pane_Message_Id__c = 'msg_grant'")
            .await,
        1
    );
    proxy.stop().await;
}
