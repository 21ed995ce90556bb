//! Two orgs behind one login host: each user logs in there and gets their own org's instance,
//! identity and records; one org's token opens nothing in the other.

use pane_sandbox::state::demo_app;
use pane_sandbox::{Orgs, SandboxConfig, spawn_orgs};
use serde_json::Value;

use crate::helpers::answer;

async fn two_orgs() -> Orgs {
    let configs = (0..2)
        .map(|n| SandboxConfig {
            org: pane_sandbox::demo::nth_settings(n),
            ..SandboxConfig::default()
        })
        .collect();
    spawn_orgs("127.0.0.1:0".parse().unwrap(), configs)
        .await
        .unwrap()
}

/// The password grant at `login` for `username`: the token answer.
async fn password_grant(login: &str, username: &str) -> Value {
    let app = demo_app();
    let res = reqwest::Client::new()
        .post(format!("{login}/services/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("username", username),
            ("password", "demo-ana-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{username}");
    res.json().await.unwrap()
}

/// Two orgs, and ana of each logged in at their login host: her token answers, org A's first.
async fn two_orgs_with_ana() -> (Orgs, Value, Value) {
    let orgs = two_orgs().await;
    let login = orgs.login_url();
    let a = password_grant(&login, "ana@pane-support.example").await;
    let b = password_grant(&login, "ana@org2.example").await;
    (orgs, a, b)
}

async fn get(url: &str, token: &str) -> (u16, Value) {
    answer(reqwest::Client::new().get(url).bearer_auth(token)).await
}

#[tokio::test]
async fn each_user_logs_in_at_the_one_login_host_and_gets_their_own_orgs_instance() {
    let (orgs, a, b) = two_orgs_with_ana().await;
    let login = orgs.login_url();
    let (org_a, org_b) = (&orgs.orgs()[0], &orgs.orgs()[1]);
    assert_ne!(org_a.state().org.org_id(), org_b.state().org.org_id());
    for (org, grant) in [(org_a, &a), (org_b, &b)] {
        assert_eq!(grant["instance_url"], org.instance_url().as_str());
        let id = grant["id"].as_str().unwrap();
        let org_id = org.state().org.org_id();
        assert!(id.starts_with(&format!("{login}/id/{org_id}/")), "{grant}");
        // The identity URL answers at the login host, for each org's own user.
        let (status, who) = get(id, grant["access_token"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{who}");
        assert_eq!(who["id"], grant["id"]);
    }
    orgs.shutdown();
}

#[tokio::test]
async fn one_orgs_token_opens_nothing_in_the_other_and_their_records_differ() {
    let (orgs, a, b) = two_orgs_with_ana().await;
    let login = orgs.login_url();
    let query = "/services/data/v59.0/query?q=SELECT+Id+FROM+Contact+WHERE+Email='rose@edge.com'";
    let (token_a, token_b) = (
        a["access_token"].as_str().unwrap(),
        b["access_token"].as_str().unwrap(),
    );
    let at = |grant: &Value| format!("{}{query}", grant["instance_url"].as_str().unwrap());
    let (status, rose_a) = get(&at(&a), token_a).await;
    assert_eq!(status, 200, "{rose_a}");
    let (status, rose_b) = get(&at(&b), token_b).await;
    assert_eq!(status, 200, "{rose_b}");
    assert_ne!(rose_a["records"][0]["Id"], rose_b["records"][0]["Id"]);
    assert!(rose_a["records"][0]["Id"].is_string());
    assert_eq!(
        get(&at(&b), token_a).await.0,
        401,
        "A's token at B's instance"
    );
    assert_eq!(
        get(&at(&a), token_b).await.0,
        401,
        "B's token at A's instance"
    );
    // The login host serves no API.
    assert_eq!(get(&format!("{login}{query}"), token_a).await.0, 401);
    orgs.shutdown();
}

#[tokio::test]
async fn a_refresh_token_and_a_revocation_reach_the_org_that_issued_them() {
    let orgs = two_orgs().await;
    let login = orgs.login_url();
    let http = reqwest::Client::new();
    let app = demo_app();
    // A refresh token comes from the code flow; issue one in org B directly.
    let org_b = &orgs.orgs()[1];
    let user = org_b
        .state()
        .org
        .user("ben@org2.example")
        .unwrap()
        .id
        .clone();
    let grant = org_b.state().auth.issue(
        pane_sandbox::auth::Session {
            user_id: user,
            client_id: app.client_id.clone(),
        },
        true,
    );
    let refresh = grant.refresh_token.unwrap();
    let res = http
        .post(format!("{login}/services/oauth2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
            ("refresh_token", refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let renewed: Value = res.json().await.unwrap();
    assert_eq!(renewed["instance_url"], org_b.instance_url().as_str());
    let revoke = |token: String| {
        let http = http.clone();
        let url = format!("{login}/services/oauth2/revoke");
        async move {
            http.post(url)
                .form(&[("token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(revoke(refresh.clone()).await, 200);
    assert_eq!(revoke(refresh).await, 400, "revoked once, in its own org");
    orgs.shutdown();
}
