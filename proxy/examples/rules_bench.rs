//! Rule intake and work, measured in one run (`bash scripts/bench`): events per second
//! accepted durably (signed webhooks from 32 clients into the queue), then the Salesforce
//! requests each job cost once the workers are done: one message alone first (the queue idle),
//! then per message over the whole flood, where workers gather the org's arriving jobs and take
//! them together (one lookup composite and one sObject Collections upsert per batch; the gather
//! window is `--rule-gather-ms`'s default, or `PANE_RULE_GATHER_MS`). Writes JSON to
//! the path given (default `bench/results/rules.json`). The queue is a fresh SQLite file, or a
//! fresh database on the Postgres server a second argument names
//! (`postgres://user@host:port/db`).

#![allow(clippy::unwrap_used, reason = "a measuring tool: fail loudly")]

mod support;
use support::{DEMO_PEOPLE, login};

use std::time::{Duration, Instant};

use pane_proxy::rules::signature::sign_rule;
use serde_json::json;

const EVENTS: usize = 2_000;
const CLIENTS: usize = 32;
/// Two Contacts, nobody, a Lead.
const PEOPLE: [&str; 4] = [
    DEMO_PEOPLE[0],
    DEMO_PEOPLE[1],
    "nobody@nowhere.example",
    DEMO_PEOPLE[2],
];

/// As the proxy's binary (`proxy/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let out = support::out_path("bench/results/rules.json");
    let dirs = tempfile::tempdir().unwrap();
    std::fs::write(dirs.path().join("index.html"), "<!doctype html>").unwrap();
    let mut config = pane_proxy::Config::for_dirs(dirs.path().into(), dirs.path().into());
    let server = std::env::args().nth(2);
    config.database_url = match &server {
        Some(server) => fresh_postgres(server).await,
        None => format!(
            "sqlite://{}?mode=rwc",
            dirs.path().join("proxy.db").display()
        ),
    };
    config.rule_workers = 4;
    // The gather window: the default, or `PANE_RULE_GATHER_MS` to compare another.
    if let Some(ms) = std::env::var("PANE_RULE_GATHER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.rule_gather_ms = ms;
    }
    let gather_ms = config.rule_gather_ms;
    let db_url = config.database_url.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(pane_proxy::serve(listener, config, std::future::pending()));
    let http = support::http(usize::MAX);
    for _ in 0..100 {
        if http
            .get(format!("{origin}/api/health"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Ana as agent, then as the integration user.
    let session = login::link_agent(&http, &origin).await;
    login::link_integration(&http, &origin, &session).await;
    let intake = login::rule_intake(&http, &origin, &session).await;
    let path = login::rule_path(&intake, "send-to-salesforce");

    let db = pane_proxy::store::Db::connect(&db_url).await.unwrap();
    let settled = || async {
        loop {
            let jobs = db.all_jobs().await.unwrap();
            if jobs.iter().all(|j| j.state == "done" || j.state == "dead") {
                break jobs;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // One message alone, the queue idle: what a single message costs.
    let url = format!("{origin}{path}");
    fire(&http, &url, &intake.secret, "single", PEOPLE[0]).await;
    let single = settled().await;
    let single = json!({"outcome": single[0].outcome, "requests": single[0].requests});

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let http = http.clone();
        let (url, secret) = (url.clone(), intake.secret.clone());
        tasks.spawn(async move {
            let mut i = c;
            while i < EVENTS {
                fire(
                    &http,
                    &url,
                    &secret,
                    &i.to_string(),
                    PEOPLE[i % PEOPLE.len()],
                )
                .await;
                i += CLIENTS;
            }
        });
    }
    // A client whose webhook was refused panics: the run fails, it does not count fewer jobs.
    while let Some(client) = tasks.join_next().await {
        client.unwrap();
    }
    let intake_secs = started.elapsed().as_secs_f64();

    let mut jobs = settled().await;
    jobs.retain(|j| j.message_id != "msg_bench_single");
    assert_eq!(jobs.len(), EVENTS, "every webhook answered 202 is a job");
    let work_secs = started.elapsed().as_secs_f64();
    let per = |outcome: &str| {
        let of: Vec<_> = jobs.iter().filter(|j| j.outcome == outcome).collect();
        json!({"jobs": of.len(), "requests_per_job": if of.is_empty() { 0.0 } else { of.iter().map(|j| j.requests).sum::<i64>() as f64 / of.len() as f64 }})
    };
    let results = json!({
        "what": "rule webhooks accepted durably and the Salesforce requests per job",
        "database": if server.is_some() { "postgres" } else { "sqlite" },
        "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)},
        "intake": {"events": EVENTS, "clients": CLIENTS, "seconds": (intake_secs * 100.0).round() / 100.0,
                   "events_per_second": (EVENTS as f64 / intake_secs).round()},
        "work": {"seconds_until_all_done": (work_secs * 100.0).round() / 100.0, "logged": per("logged"), "no_match": per("no_match"),
                 "jobs": jobs.len(),
                 "dead": jobs.iter().filter(|j| j.state == "dead").count(),
                 // A batch's requests are charged to its first job: the sum is what Salesforce saw.
                 "requests_per_message": (jobs.iter().map(|j| j.requests).sum::<i64>() as f64 / jobs.len() as f64 * 1000.0).round() / 1000.0},
        "single_message": single,
        "gather_ms": gather_ms,
    });
    support::write_results(&out, &results);
}

/// Sends message `n` (event `evt_bench_{n}`) from `from` to the org's send-to-Salesforce
/// intake `url`, signed with its `secret`; it must be accepted.
async fn fire(http: &reqwest::Client, url: &str, secret: &str, n: &str, from: &str) {
    let body = serde_json::to_vec(&json!({
        "id": format!("evt_bench_{n}"), "type": "inbound",
        "target": {"data": {"id": format!("msg_bench_{n}"), "type": "email", "is_inbound": true, "created_at": 1_795_000_000.0,
            "subject": "Bench", "text": "hello",
            "recipients": [{"handle": from, "role": "from"}, {"handle": "support@pane-support.example", "role": "to"}]}},
    }))
    .unwrap();
    let res = http
        .post(url)
        .header("x-front-signature", sign_rule(secret.as_bytes(), &body))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{url}");
}

/// A new, empty database on the Postgres server `server` names: its URL.
async fn fresh_postgres(server: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("pane_bench_{}", rand::random::<u64>());
    let admin = sqlx::AnyPool::connect(server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    let base = server.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}
