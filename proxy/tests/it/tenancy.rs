//! Rules per org over real sockets: the intake URL and secret each org's admin sees, the
//! shared URL refused, a webhook signed for one org never queued for another, rotation with a
//! grace, and jobs held while their org has no integration user.

use pane_proxy::rules::signature::sign_rule;
use pane_proxy::secrets::Sealer;
use pane_proxy::store::Db;
use reqwest::Method;

use crate::rules::{ROSE, inbound_email};
use crate::running::{linked, linked_with};

/// The encryption key of `Config::for_dirs`.
const TEST_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

#[tokio::test]
async fn the_shared_rule_url_is_gone_and_names_the_orgs_own() {
    let proxy = linked().await;
    let body = serde_json::to_vec(&inbound_email("evt_old", "msg_old", ROSE)).unwrap();
    // Signed as before, with a deployment-wide secret.
    let res = proxy
        .http
        .post(format!("{}/api/rules/send-to-salesforce", proxy.origin))
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
    let proxy = linked().await;
    proxy.link_integration().await;
    let before = proxy.intake().await;
    assert!(
        before
            .url
            .starts_with(&format!("{}/api/rules/in_", proxy.origin))
    );
    assert_eq!(before.previous_valid_until, None);
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
    assert_eq!(proxy.settled().await.len(), 2);
    proxy.stop().await;
}

#[tokio::test]
async fn a_webhook_signed_for_one_org_cannot_queue_work_for_another() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("proxy.db").display()
    );
    let database = url.clone();
    let proxy = linked_with(move |c| c.database_url = database).await;
    proxy.link_integration().await;
    let a = proxy.intake().await;
    // Org B, which has linked no integration user (its intake as its first link makes it).
    let db = Db::connect(&url).await.unwrap();
    let sealer = Sealer::from_base64(TEST_KEY).unwrap();
    let b_secret = "org-b-secret";
    let b = db
        .ensure_intake(
            "00DBb0000000001AAA",
            "in_org_b",
            &sealer.seal(b_secret).unwrap(),
        )
        .await
        .unwrap();
    let b_url = a.url.replace(a.url.rsplit('/').next().unwrap(), &b.key);

    let fire = |url: &str, secret: &str, n: u32| {
        let e = inbound_email(&format!("evt_x_{n}"), &format!("msg_x_{n}"), ROSE);
        let (url, secret) = (url.to_owned(), secret.to_owned());
        let proxy = &proxy;
        async move {
            proxy
                .fire_at(&url, &secret, "send-to-salesforce", &e)
                .await
                .0
        }
    };
    assert_eq!(
        fire(&b_url, &a.secret, 1).await,
        401,
        "A's secret at B's URL"
    );
    assert_eq!(
        fire(&a.url, b_secret, 2).await,
        401,
        "B's secret at A's URL"
    );
    let nowhere = a
        .url
        .replace(a.url.rsplit('/').next().unwrap(), "in_nowhere");
    assert_eq!(fire(&nowhere, &a.secret, 3).await, 404, "no such intake");
    assert!(proxy.jobs().await.is_empty());

    assert_eq!(fire(&b_url, b_secret, 4).await, 202, "B's own");
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
        let jobs = db.all_jobs().await.unwrap();
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
}
