//! The crash test: proxy processes are killed with SIGKILL at random moments while 500 rule
//! events are being processed, and started again; afterwards every event is done exactly once
//! in the sandbox org. On SQLite with one replica, and on Postgres with two replicas sharing
//! the database (when `PANE_TEST_POSTGRES_URL` names a server; `scripts/test` starts one).

#![allow(
    clippy::unwrap_used,
    reason = "a test: a failed unwrap is a failed test"
)]

#[path = "support/database.rs"]
mod database;
#[path = "support/login.rs"]
mod login;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pane_proxy::rules::signature::sign_rule;
use serde_json::{Value, json};

const EVENTS: usize = 500;
const PEOPLE: &[(&str, &str)] = &[
    ("rose@edge.com", "Rose Gonzalez"),
    ("sean@edge.com", "Sean Forbes"),
    ("jrogers@burlington.com", "Jack Rogers"),
    ("pat@pyramid.net", "Pat Stumuller"),
];

struct Replica {
    child: Child,
    origin: String,
}

fn start(db_url: &str, sandbox: &str, dirs: &std::path::Path) -> Replica {
    let app = pane_sandbox::state::demo_app();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pane-proxy"))
        .args([
            "--port",
            "0",
            "--log-format",
            "json",
            "--database-url",
            db_url,
        ])
        .args(["--salesforce-login-url", sandbox])
        .args(["--salesforce-client-id", &app.client_id])
        .args(["--salesforce-client-secret", &app.client_secret])
        .args(["--rule-workers", "4", "--rule-lease-secs", "2"])
        .args([
            "--encryption-key",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        ])
        .arg("--dist-dir")
        .arg(dirs)
        .arg("--www-dir")
        .arg(dirs)
        .env("RUST_LOG", "warn,pane_proxy=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let origin = loop {
        let line = lines.next().expect("the proxy exited").unwrap();
        if let Ok(entry) = serde_json::from_str::<Value>(&line)
            && let Some(url) = entry["fields"]["url"].as_str()
            && entry["fields"]["panel"].is_string()
        {
            break url.trim_end_matches('/').to_owned();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Replica { child, origin }
}

/// Links the org's integration user: the org's rule intake.
async fn link(http: &reqwest::Client, origin: &str) -> pane_wire::api::RuleIntake {
    let session = login::link_agent(http, origin).await;
    login::link_integration(http, origin, &session).await;
    login::rule_intake(http, origin, &session).await
}

fn event(i: usize) -> Vec<u8> {
    let (handle, name) = PEOPLE[i % PEOPLE.len()];
    serde_json::to_vec(&json!({
        "id": format!("evt_crash_{i}"), "type": "inbound",
        "target": {"data": {
            "id": format!("msg_crash_{i}"), "type": "email", "is_inbound": true, "created_at": 1_795_000_000.0,
            "subject": format!("Crash test {i}"), "text": "hello",
            "recipients": [{"handle": handle, "name": name, "role": "from"}, {"handle": "support@pane-support.example", "role": "to"}],
        }},
    }))
    .unwrap()
}

/// Delivers every event (again, while a replica is down), killing and restarting replicas at
/// random moments; then waits for every job to finish and checks the sandbox org.
async fn run(db_url: &str, replicas: usize) {
    let sandbox = pane_sandbox::spawn(
        "127.0.0.1:0".parse().unwrap(),
        pane_sandbox::SandboxConfig::default(),
    )
    .await
    .unwrap();
    let dirs = tempfile::tempdir().unwrap();
    std::fs::write(dirs.path().join("index.html"), "<!doctype html>").unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut running: Vec<Replica> = (0..replicas)
        .map(|_| start(db_url, &sandbox.base_url(), dirs.path()))
        .collect();
    let intake = link(&http, &running[0].origin).await;
    let path = login::rule_path(&intake, "send-to-salesforce");

    let mut next_kill = Instant::now() + Duration::from_millis(300);
    let mut kills = 0;
    let mut i = 0;
    while i < EVENTS {
        if kills < 6 && Instant::now() >= next_kill {
            let victim = kills % running.len();
            running[victim].child.kill().unwrap();
            running[victim].child.wait().unwrap();
            running[victim] = start(db_url, &sandbox.base_url(), dirs.path());
            kills += 1;
            next_kill = Instant::now()
                + Duration::from_millis(150 + u64::from(rand::random::<u16>() % 500));
        }
        let target = &running[i % running.len()].origin;
        let body = event(i);
        let res = http
            .post(format!("{target}{path}"))
            .header(
                "x-front-signature",
                sign_rule(intake.secret.as_bytes(), &body),
            )
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        if matches!(&res, Ok(r) if r.status() == 202) {
            i += 1;
        }
    }
    // A last kill while the queue drains.
    tokio::time::sleep(Duration::from_millis(200)).await;
    running[0].child.kill().unwrap();
    running[0].child.wait().unwrap();
    running[0] = start(db_url, &sandbox.base_url(), dirs.path());

    let db = pane_proxy::store::Db::connect(db_url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let jobs = loop {
        let jobs = db.all_jobs().await.unwrap();
        if jobs.len() == EVENTS && jobs.iter().all(|j| j.state == "done") {
            break jobs;
        }
        assert!(
            Instant::now() < deadline,
            "jobs did not finish: {:?}",
            jobs.iter()
                .filter(|j| j.state != "done")
                .take(5)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        jobs.iter().all(|j| j.outcome == "logged"),
        "{:?}",
        jobs.iter().find(|j| j.outcome != "logged")
    );

    // Exactly one Task per message in the sandbox org.
    let token = login::sandbox_token(&http, &sandbox.base_url()).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut url = format!(
        "{}/services/data/v59.0/query?q={}",
        sandbox.base_url(),
        "SELECT%20Pane_Message_Id__c%20FROM%20Task%20WHERE%20Pane_Message_Id__c%20!%3D%20null"
    );
    loop {
        let page: Value = login::json_from(http.get(&url).bearer_auth(&token)).await;
        for r in page["records"].as_array().unwrap() {
            *counts
                .entry(r["Pane_Message_Id__c"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        match page["nextRecordsUrl"].as_str() {
            Some(next) => url = format!("{}{next}", sandbox.base_url()),
            None => break,
        }
    }
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "logged more than once: {twice:?}");
    assert_eq!(counts.len(), EVENTS, "every message logged");
    eprintln!(
        "{EVENTS} events, {kills} kills + 1 while draining, {replicas} replica(s): each logged exactly once"
    );
    for mut r in running {
        let _ = r.child.kill();
        let _ = r.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_processing_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = database::sqlite_file(dir.path());
    run(&url, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_while_processing_postgres_two_replicas() {
    let Some(url) = database::postgres_database().await else {
        return;
    };
    run(&url, 2).await;
}
