//! The product's lookups, timed over HTTP against a running sandbox org seeded with
//! `--scale N` (`bash scripts/bench`, or by hand:
//! `pane-sandbox --port 4199 --database target/bench/sandbox-1000000.sqlite --scale 1000000`,
//! then `cargo run --release -p pane-proxy --example lookup_bench -- http://127.0.0.1:4199 1000000 out.json`).
//!
//! Each lookup sends exactly what the proxy sends for a new sender, built by the proxy's own
//! plan (`pane_proxy::lookup::plan`):
//! - a sender at a company domain who is a Contact: the email composite (1 request);
//! - a sender nobody has at a company domain whose Contacts exist: the same composite, whose
//!   company query (a semi-join on `Email LIKE '%@domain' OR Account.Website LIKE '%domain%'`) finds the
//!   company (1 request);
//! - a free-mail sender nobody has: the composite without the domain query (1 request);
//! - a phone sender who is a Contact or Lead: the SOSL search, then the by-id composite for the
//!   first match (2 requests).
//!
//! Two passes over the same keys (200, or `LOOKUP_BENCH_KEYS`): the first finds the org's
//! database file as the OS left it (after seeding or a reboot, on disk), the second in memory.
//! Prints the median and 90th percentile of each, in milliseconds, and writes them as JSON.
//! Every answer is checked (the records found, each subrequest's status), and at the end the
//! org must have refused nothing by its strictness rules (`GET /__sandbox/refusals`).

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a measuring tool: fail loudly, print results"
)]

mod support;
use support::{json_of, login, percentile};

use std::time::Instant;

use pane_proxy::lookup::plan::{Company, Layout, phone_search, plan, plan_pinned};
use pane_wire::bridge::{Handle, HandleKind};
use serde_json::{Value, json};

const VERSION: &str = "59.0";

/// The phone of seeded record `n` as a host gives it (`+1 AAA MMM LLLL`); the org stores it in
/// one of five formats (`pane_sandbox::demo::seed_scale`).
fn phone(n: u64) -> String {
    let area = 200 + n % 700;
    let mid = 200 + (n / 7) % 700;
    format!("+1 {area} {mid} {:04}", n % 10_000)
}

fn email(value: String) -> Handle {
    Handle {
        kind: HandleKind::Email,
        value,
        name: None,
    }
}

/// One lookup of the four.
struct Lookup {
    name: &'static str,
    sends: &'static str,
    requests: u32,
}

const LOOKUPS: [Lookup; 4] = [
    Lookup {
        name: "email, a Contact at a company domain",
        sends: "one composite of 11 subrequests: Contacts and Leads by email, the first Contact's activities and notes (the Lead's fail their reference: no Lead), its Account, notes and Opportunities by id, the company's Account (`Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@domain' OR Account.Website LIKE '%domain%')`) with its Contacts, Opportunities and Cases as subqueries of 11, and its notes",
        requests: 1,
    },
    Lookup {
        name: "email, nobody at a company domain (domain fallback)",
        sends: "the same composite: nobody by email (what depends on a Contact or Lead fails its reference, unrun), the company's query finds its Account with its lists",
        requests: 1,
    },
    Lookup {
        name: "email, free mail, nobody",
        sends: "the composite without the company query (9 subrequests): nobody by email, the other seven fail their references, unrun",
        requests: 1,
    },
    Lookup {
        name: "phone, a Contact or Lead",
        sends: "a SOSL search (`FIND {digits} IN PHONE FIELDS`), then the by-id composite for the first match",
        requests: 2,
    },
];

struct Org {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Org {
    async fn composite(&self, body: &Value) -> Value {
        let res = self
            .http
            .post(format!("{}/services/data/v{VERSION}/composite", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "composite: {}", res.status());
        res.json().await.unwrap()
    }

    /// [`Org::composite`], its time added to `times` (ms).
    async fn timed_composite(&self, body: &Value, times: &mut Vec<f64>) -> Value {
        let started = Instant::now();
        let answer = self.composite(body).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        answer
    }

    async fn search(&self, sosl: &str) -> Value {
        let res = self
            .http
            .get(format!("{}/services/data/v{VERSION}/search", self.base))
            .query(&[("q", sosl)])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{sosl}: {}", res.status());
        res.json().await.unwrap()
    }
}

/// A composite answer's part by reference: (status, body).
fn part<'a>(answer: &'a Value, reference: &str) -> (u64, &'a Value) {
    let part = answer["compositeResponse"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["referenceId"] == reference)
        .unwrap_or_else(|| panic!("no {reference} in {answer}"));
    (part["httpStatusCode"].as_u64().unwrap(), &part["body"])
}

fn records<'a>(answer: &'a Value, reference: &str) -> &'a [Value] {
    match part(answer, reference) {
        (200, body) => body["records"].as_array().map_or(&[], Vec::as_slice),
        _ => &[],
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:4199".into());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let out_path = args.next();
    let key_count: usize = std::env::var("LOOKUP_BENCH_KEYS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let http = reqwest::Client::new();
    let org = Org {
        http: http.clone(),
        base: base.clone(),
        token: login::sandbox_token(&http, &base).await,
    };
    let _ = http
        .delete(format!("{base}/__sandbox/refusals"))
        .send()
        .await
        .unwrap();
    let layout = Layout::default();
    // Seeded records: Accounts first (n / 10), then people, every third one a Lead; person i
    // works at company i % accounts (`pane_sandbox::demo::seed_scale`).
    let accounts = n / 10;
    let mut seed: u64 = 42;
    let mut next = |contact: bool| loop {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let i = accounts + (seed >> 33) % (n - accounts);
        if !contact || !i.is_multiple_of(3) {
            break i;
        }
    };
    let keys: Vec<(u64, u64)> = (0..key_count).map(|_| (next(true), next(false))).collect();
    // passes[pass][lookup]: milliseconds.
    let mut passes = [
        [vec![], vec![], vec![], vec![]],
        [vec![], vec![], vec![], vec![]],
    ];
    for times in &mut passes {
        for (k, &(contact, person)) in keys.iter().enumerate() {
            let company = contact % accounts;
            // (a) A Contact at a company domain.
            let address = format!("person{contact}@company{company}.example");
            let body = plan(&email(address.clone()), &layout, VERSION, Company::Ask)
                .unwrap()
                .body();
            let answer = org.timed_composite(&body, &mut times[0]).await;
            assert_eq!(
                records(&answer, "contacts")[0]["Email"],
                address.as_str(),
                "{answer}"
            );
            for reference in ["account", "domainAccount"] {
                assert_eq!(part(&answer, reference).0, 200, "{reference}: {answer}");
            }
            let company_row = &records(&answer, "domainAccount")[0];
            assert!(
                company_row["Contacts"]["records"].as_array().is_some(),
                "the company's Contacts come with it: {answer}"
            );

            // (b) Nobody with the address, at a company whose Contacts exist.
            let body = plan(
                &email(format!("nobody{k}@company{company}.example")),
                &layout,
                VERSION,
                Company::Ask,
            )
            .unwrap()
            .body();
            let answer = org.timed_composite(&body, &mut times[1]).await;
            assert!(records(&answer, "contacts").is_empty(), "{answer}");
            let company_rows = records(&answer, "domainAccount");
            assert_eq!(company_rows.len(), 1, "{answer}");
            assert_eq!(company_rows[0]["Name"], format!("Scale Company {company}"));

            // (c) Free mail, nobody.
            let body = plan(
                &email(format!("nobody{k}@gmail.com")),
                &layout,
                VERSION,
                Company::Ask,
            )
            .unwrap()
            .body();
            let answer = org.timed_composite(&body, &mut times[2]).await;
            assert!(records(&answer, "contacts").is_empty(), "{answer}");
            assert!(records(&answer, "leads").is_empty(), "{answer}");
            assert_eq!(part(&answer, "account").0, 400, "{answer}");

            // (d) A phone: the search, then the first match by id.
            let handle = Handle {
                kind: HandleKind::Phone,
                value: phone(person),
                name: None,
            };
            let sosl = phone_search(&handle).to_string();
            let started = Instant::now();
            let found = org.search(&sosl).await;
            let first = &found["searchRecords"][0];
            let (object, id) = (first["attributes"]["type"].as_str(), first["Id"].as_str());
            let (Some(object), Some(id)) = (object, id) else {
                panic!("{sosl} found nothing: {found}");
            };
            let body = plan_pinned(object, id, &layout, VERSION).unwrap().body();
            let answer = org.composite(&body).await;
            times[3].push(started.elapsed().as_secs_f64() * 1000.0);
            let reference = if object == "Lead" {
                "leads"
            } else {
                "contacts"
            };
            assert_eq!(records(&answer, reference).len(), 1, "{answer}");
        }
    }
    let refusals = json_of(http.get(format!("{base}/__sandbox/refusals"))).await;
    assert_eq!(refusals["count"], 0, "the org refused requests: {refusals}");
    let stats = |t: &mut Vec<f64>| {
        t.sort_by(f64::total_cmp);
        (percentile(t, 0.5), percentile(t, 0.9))
    };
    let mut out = serde_json::Map::new();
    println!(
        "| lookup at {n} records | Salesforce requests | median ms | p90 ms | first pass: median ms | p90 ms |"
    );
    println!("|---|---|---|---|---|---|");
    let [mut first, mut second] = passes;
    for (k, lookup) in LOOKUPS.iter().enumerate() {
        let (median, p90) = stats(&mut second[k]);
        let (first_median, first_p90) = stats(&mut first[k]);
        println!(
            "| {} | {} | {median:.2} | {p90:.2} | {first_median:.2} | {first_p90:.2} |",
            lookup.name, lookup.requests
        );
        out.insert(
            lookup.name.to_owned(),
            json!({
                "sends": lookup.sends,
                "salesforce_requests": lookup.requests,
                "n": second[k].len(),
                "median_ms": median,
                "p90_ms": p90,
                "first_pass": {"median_ms": first_median, "p90_ms": first_p90},
            }),
        );
    }
    if let Some(path) = out_path {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let cpus = std::thread::available_parallelism().map_or(0, usize::from);
        let body = json!({
            "records": n,
            "machine": {"cpus": cpus, "cpu": cpu},
            "lookups": out,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&body).unwrap() + "\n").unwrap();
    }
}
