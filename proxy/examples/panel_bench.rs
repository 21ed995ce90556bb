//! The proxy's panel call, measured in one run (`bash scripts/bench`):
//! 1. latency of `GET /api/panel` on a cache hit, against the direct call to the sandbox org
//!    that a miss costs (the one composite request), sequentially: medians, p95 and the ratio;
//! 2. latency of `GET /api/panel` for a new sender (a miss) at a company the proxy knows,
//!    against the same composite sent straight to the sandbox org: what the proxy adds to
//!    Salesforce's answer;
//! 3. throughput of `GET /api/panel` (cache hits over 200 senders) with the proxy's runtime
//!    on 2 worker threads and 50 concurrent clients;
//! 4. the composite for a new sender at a big company (2,400 Contacts at one Account, as the
//!    browser bench seeds "Bench Co"), sent straight to the sandbox org with the company's
//!    query (what the first sender there costs) and without it (once the proxy knows the
//!    company), turn about with `GET /api/panel` for another such sender (a miss): the
//!    Salesforce part of the browser's cold paint, and what the proxy adds to it.
//!
//! The proxy and its embedded sandbox org run in this process on their own runtime; the load
//! comes from a second runtime on the same machine (it shares the cores; the figures are a
//! floor). Writes the results as JSON to the path given (default `bench/results/panel.json`).

#![allow(clippy::unwrap_used, reason = "a measuring tool: fail loudly")]

mod support;
use support::login::{self, AsAgent};
use support::summary;

use std::time::{Duration, Instant};

use pane_proxy::lookup::plan::Company;

use serde_json::json;

const LATENCY_ROUNDS: usize = 2_000;
const DIRECT_ROUNDS: usize = 500;
const MISS_ROUNDS: usize = 200;
const SENDERS: usize = 200;
const CLIENTS: usize = 50;
const LOAD_FOR: Duration = Duration::from_secs(5);

/// Starts the proxy on a 2-thread runtime of its own; answers its origin.
fn start_proxy(dirs: &std::path::Path) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    let dist = dirs.join("dist");
    let www = dirs.join("www");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(www.join("index.html"), "<!doctype html>").unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
            tx.send(origin).unwrap();
            let config = pane_proxy::Config::for_dirs(dist, www);
            pane_proxy::serve(listener, config, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

/// As the proxy's binary (`proxy/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let out = support::out_path("bench/results/panel.json");
    let dirs = tempfile::tempdir().unwrap();
    let origin = start_proxy(dirs.path());
    let http = support::http(64);

    // Link Ana as a person would, and keep her panel session.
    let session = login::link_agent(&http, &origin).await;
    // Where the login page is: the sandbox org.
    let started = login::start_link(&http, &origin, "agent", None).await;
    let popup = login::begin(&http, &started.begin_url).await;
    let sandbox = popup
        .authorize
        .split("/services/")
        .next()
        .unwrap()
        .to_owned();

    // The same work straight to the sandbox org: the composite a miss sends.
    let access = login::sandbox_token(&http, &sandbox).await;
    let handle = pane_wire::bridge::Handle {
        kind: pane_wire::bridge::HandleKind::Email,
        value: "rose@edge.com".into(),
        name: None,
    };
    let composite = pane_proxy::lookup::plan::plan(
        &handle,
        &pane_proxy::lookup::plan::Layout::default(),
        "59.0",
        Company::Ask,
    )
    .expect("the default layout plans")
    .body();

    let panel = |who: String| {
        http.get(format!("{origin}/api/panel"))
            .query(&[("kind", "email"), ("handle", who.as_str())])
            .agent(&session)
    };
    let warm = panel("rose@edge.com".into()).send().await.unwrap();
    assert_eq!(warm.status(), 200);

    let mut hit = Vec::with_capacity(LATENCY_ROUNDS);
    for _ in 0..LATENCY_ROUNDS {
        let t = Instant::now();
        let res = panel("rose@edge.com".into()).send().await.unwrap();
        assert_eq!(res.headers()["x-pane-cache"], "hit");
        res.bytes().await.unwrap();
        hit.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut direct = Vec::with_capacity(DIRECT_ROUNDS);
    for _ in 0..DIRECT_ROUNDS {
        direct.push(send_composite(&http, &sandbox, &access, &composite).await);
    }
    // A miss: a new sender each time (at Rose's company, known to the proxy since Rose's
    // answer, so its query is not sent again), the proxy's whole path against the same
    // composite sent straight; the difference is the proxy's own work (session, cache, usage,
    // parsing and answering).
    let mut miss = Vec::with_capacity(MISS_ROUNDS);
    let mut miss_direct = Vec::with_capacity(MISS_ROUNDS);
    for i in 0..MISS_ROUNDS {
        let who = format!("new{i}@edge.com");
        let t = Instant::now();
        let res = panel(who.clone()).send().await.unwrap();
        assert_eq!(res.headers()["x-pane-cache"], "miss");
        res.bytes().await.unwrap();
        miss.push(t.elapsed().as_secs_f64() * 1e6);
        miss_direct.push(
            direct_composite(
                &http,
                &sandbox,
                &access,
                &format!("new{i}.direct@edge.com"),
                Company::Known,
            )
            .await,
        );
    }
    // A sender at the big company: the composite a first sender there costs (with the
    // company's query) straight; and in turn, a new sender once the proxy knows the company,
    // through the proxy (a miss) and straight.
    seed_company(&http, &sandbox, &access).await;
    let mut company_miss = Vec::with_capacity(SENDERS / 2);
    let mut company = Vec::with_capacity(SENDERS / 2);
    let mut company_known = Vec::with_capacity(SENDERS / 2);
    for i in (0..SENDERS).step_by(2) {
        let t = Instant::now();
        let res = panel(format!("bench{i}@bench-co.example"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["x-pane-cache"], "miss");
        res.bytes().await.unwrap();
        company_miss.push(t.elapsed().as_secs_f64() * 1e6);
        let who = format!("bench{}@bench-co.example", i + 1);
        company.push(direct_composite(&http, &sandbox, &access, &who, Company::Ask).await);
        company_known.push(direct_composite(&http, &sandbox, &access, &who, Company::Known).await);
    }
    // The first through the proxy read the company (with its query): one sample in 100.
    let (company, company_miss) = (summary(company), summary(company_miss));
    let company_known = summary(company_known);
    let hit = summary(hit);
    let direct = summary(direct);
    let miss = summary(miss);
    let miss_direct = summary(miss_direct);
    let ratio = direct["median_us"].as_f64().unwrap() / hit["median_us"].as_f64().unwrap();

    // Throughput: 200 senders warmed, then 50 clients asking for them in turn.
    let senders: Vec<String> = (0..SENDERS)
        .map(|i| format!("sender{i}@company{i}.example"))
        .collect();
    for s in &senders {
        assert_eq!(panel(s.clone()).send().await.unwrap().status(), 200);
    }
    let before = login::sandbox_requests(&http, &sandbox).await;
    let deadline = Instant::now() + LOAD_FOR;
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let panel_req = {
            let http = http.clone();
            let origin = origin.clone();
            let session = session.clone();
            move |who: &str| {
                http.get(format!("{origin}/api/panel"))
                    .query(&[("kind", "email"), ("handle", who)])
                    .agent(&session)
            }
        };
        let senders = senders.clone();
        tasks.spawn(async move {
            let mut done = 0u64;
            let mut i = c;
            while Instant::now() < deadline {
                let res = panel_req(&senders[i % SENDERS]).send().await.unwrap();
                assert_eq!(res.status(), 200);
                res.bytes().await.unwrap();
                done += 1;
                i += CLIENTS;
            }
            done
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = login::sandbox_requests(&http, &sandbox).await;

    let results = json!({
        "what": "GET /api/panel on a cache hit vs the direct composite call to the sandbox org; throughput of cache hits",
        "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "proxy_worker_threads": 2},
        "panel_cache_hit": hit,
        "sandbox_direct_composite": direct,
        "panel_cache_miss_new_sender": miss,
        "sandbox_direct_composite_new_sender": miss_direct,
        "sandbox_direct_composite_company_of_2400": company,
        "panel_cache_miss_company_of_2400": company_miss,
        "sandbox_direct_composite_company_of_2400_known": company_known,
        "ratio_direct_over_hit_median": (ratio * 10.0).round() / 10.0,
        "throughput": {
            "clients": CLIENTS, "senders": SENDERS, "seconds": (elapsed * 100.0).round() / 100.0,
            "requests": total, "per_second": (total as f64 / elapsed).round(),
            "salesforce_requests_during_load": after - before,
        },
    });
    support::write_results(&out, &results);
}

/// Seeds "Bench Co" with 2,400 Contacts, as `seedGenerated` in tests/e2e/support.mjs does for
/// the browser bench.
async fn seed_company(http: &reqwest::Client, sandbox: &str, access: &str) {
    let api = format!("{sandbox}/services/data/v59.0");
    let account: serde_json::Value = http
        .post(format!("{api}/sobjects/Account"))
        .bearer_auth(access)
        .json(&json!({"Name": "Bench Co", "Website": "www.bench-co.example"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let account = account["id"].as_str().unwrap().to_owned();
    let people: Vec<serde_json::Value> = (0..1_200)
        .flat_map(|i| {
            [
                json!({"attributes": {"type": "Contact"}, "AccountId": account, "FirstName": "Bench", "LastName": format!("Person {i}"), "Email": format!("bench{i}@bench-co.example"), "Title": "Buyer"}),
                json!({"attributes": {"type": "Contact"}, "AccountId": account, "FirstName": "Bench", "LastName": format!("Copied {i}"), "Email": format!("bench{i}.cc@bench-co.example")}),
            ]
        })
        .collect();
    for chunk in people.chunks(200) {
        let res = http
            .post(format!("{api}/composite/sobjects"))
            .bearer_auth(access)
            .json(&json!({"allOrNone": true, "records": chunk}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

/// The composite the proxy sends for a new sender `email`, sent straight to the sandbox org:
/// its time in µs.
async fn direct_composite(
    http: &reqwest::Client,
    sandbox: &str,
    access: &str,
    email: &str,
    company: Company,
) -> f64 {
    let body = pane_proxy::lookup::plan::plan(
        &pane_wire::bridge::Handle {
            kind: pane_wire::bridge::HandleKind::Email,
            value: email.into(),
            name: None,
        },
        &pane_proxy::lookup::plan::Layout::default(),
        "59.0",
        company,
    )
    .expect("the default layout plans")
    .body();
    send_composite(http, sandbox, access, &body).await
}

/// Sends the composite `body` straight to the sandbox org: its time in µs, to the last byte.
async fn send_composite(
    http: &reqwest::Client,
    sandbox: &str,
    access: &str,
    body: &serde_json::Value,
) -> f64 {
    let t = Instant::now();
    let res = http
        .post(format!("{sandbox}/services/data/v59.0/composite"))
        .bearer_auth(access)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap();
    t.elapsed().as_secs_f64() * 1e6
}
