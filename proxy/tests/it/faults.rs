//! The fault matrix: each fault the sandbox org can inject (latency, 503s, dropped
//! connections, expired tokens, a spent quota, a body that is not JSON) against each panel
//! call that reaches Salesforce, asserting the defined answer; then, with the fault cleared,
//! the same call works (nothing stuck, nothing crashed).

use reqwest::Method;
use serde_json::{Value, json};

use crate::running::{Running, linked_with};

/// A fault, how to cause it, and the answer every call must give under it.
struct Fault {
    name: &'static str,
    control: &'static str,
    body: Value,
    /// `(status, code)`; a 2xx status means the call works through the fault.
    expect: Expect,
}

/// What every call answers under a fault: `(status, code)`.
type Expect = (u16, Option<&'static str>);

const WORKS: Expect = (200, None);
const UNAVAILABLE: Expect = (502, Some("salesforce_unavailable"));

fn faults() -> Vec<Fault> {
    [
        ("latency", "faults", json!({"latency_ms": 150}), WORKS),
        (
            "503s",
            "faults",
            json!({"fail_next": 20, "fail_status": 503}),
            UNAVAILABLE,
        ),
        (
            "dropped connections",
            "faults",
            json!({"drop_next": 20}),
            UNAVAILABLE,
        ),
        ("expired tokens", "expire-tokens", json!({}), WORKS),
        (
            "quota spent",
            "quota",
            json!({"max": 10, "used": 10}),
            (429, Some("quota_spent")),
        ),
        (
            "malformed JSON",
            "faults",
            json!({"malformed_next": 20}),
            UNAVAILABLE,
        ),
    ]
    .into_iter()
    .map(|(name, control, body, expect)| Fault {
        name,
        control,
        body,
        expect,
    })
    .collect()
}

/// The calls, each made fresh for round `n` (no cache can answer it).
async fn call(proxy: &Running, what: &str, n: usize, contact: &str) -> (u16, Value) {
    let session = proxy.session.clone();
    let describable = [
        "Contact",
        "Lead",
        "Account",
        "Opportunity",
        "Case",
        "Task",
        "Event",
    ];
    let request = match what {
        "panel" => proxy.panel_request(&session, "email", &format!("p{n}@fault{n}.example")),
        "describe" => proxy.api(
            Method::GET,
            &format!("/api/describe/{}", describable[n % describable.len()]),
            &session,
        ),
        "search" => proxy
            .api(Method::GET, "/api/search", &session)
            .query(&[("q", format!("Nobody{n}").as_str())]),
        "create" => proxy
            .api(Method::POST, "/api/records/Account", &session)
            .json(&json!({"fields": {"Name": format!("Fault {n}")}})),
        "update" => proxy
            .api(
                Method::PATCH,
                &format!("/api/records/Contact/{contact}"),
                &session,
            )
            .json(&json!({"fields": {"Title": format!("Title {n}")}})),
        other => panic!("no call {other}"),
    };
    let res = request.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn clear(proxy: &Running) {
    proxy.control("faults", json!({})).await;
    proxy
        .control("quota", json!({"max": 15_000, "used": 0}))
        .await;
}

#[tokio::test]
async fn each_fault_against_each_panel_call() {
    // Probing at once: after the quota comes back, the next call learns it (in production a
    // stale reserve is probed after a minute).
    let proxy = linked_with(|c| c.quota_probe_secs = 0).await;
    let (_, rose) = (0, proxy.panel("email", "rose@edge.com").await.1);
    let contact = rose["person"]["id"].as_str().unwrap().to_owned();
    let calls = ["panel", "describe", "search", "create", "update"];
    let mut n = 0;
    for (f, fault) in faults().into_iter().enumerate() {
        for what in calls {
            n += 1;
            clear(&proxy).await;
            proxy.control(fault.control, fault.body.clone()).await;
            // Describes are cached per object: each fault gets its own object.
            let round = if what == "describe" { f } else { n };
            let (status, body) = call(&proxy, what, round, &contact).await;
            let ok = (200..300).contains(&status);
            match fault.expect {
                (200, None) => assert!(ok, "{what} under {}: {status} {body}", fault.name),
                (want, code) => {
                    assert_eq!(status, want, "{what} under {}: {body}", fault.name);
                    assert_eq!(body["code"].as_str(), code, "{what} under {}", fault.name);
                    assert!(
                        body["message"]
                            .as_str()
                            .is_some_and(|m| m.contains("Salesforce")),
                        "a message to show, saying it is Salesforce's doing: {body}"
                    );
                    // Cleared, the same call works.
                    clear(&proxy).await;
                    let (status, body) = call(&proxy, what, round, &contact).await;
                    assert!(
                        (200..300).contains(&status),
                        "{what} after {} cleared: {status} {body}",
                        fault.name
                    );
                }
            }
        }
    }
    clear(&proxy).await;
    proxy.stop().await;
}
