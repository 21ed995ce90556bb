//! Times lookups by email, phone and domain over HTTP against a running sandbox org seeded
//! with `--scale N`: `cargo run --release -p pane-sandbox --example lookup_bench -- http://127.0.0.1:4100 1000000 out.json`.
//! Two passes over the same 200 keys: the first finds the org's database file as the OS left it
//! (after seeding or a reboot, on disk), the second in memory. Prints the median and 90th
//! percentile of each, in milliseconds, and writes them as JSON.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a measuring tool: fail loudly, print results"
)]

use std::time::Instant;

use pane_sandbox::state::demo_app;
use serde_json::Value;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    // The index is within bounds: p is in [0, 1].
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "small positive index"
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn phone(n: u64) -> String {
    // Mirrors demo::mixed_phone's digits (area, exchange, line).
    let area = 200 + n % 700;
    let mid = 200 + (n / 7) % 700;
    format!("{area}{mid}{:04}", n % 10_000)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:4100".into());
    let n: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let app = demo_app();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/services/oauth2/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &app.client_id),
            ("client_secret", &app.client_secret),
            ("username", "ana@pane-support.example"),
            ("password", "demo-ana-1"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let accounts = n / 10;
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        accounts + (seed >> 33) % (n - accounts)
    };
    let names = [
        "email (SOQL, Contact and Lead)",
        "phone (SOSL, any format)",
        "domain (SOSL, Account)",
    ];
    let keys: Vec<u64> = (0..200).map(|_| next()).collect();
    // passes[pass][lookup]: milliseconds.
    let mut passes = [[vec![], vec![], vec![]], [vec![], vec![], vec![]]];
    for times in &mut passes {
        for &i in &keys {
            let company = i % accounts;
            let email = format!("person{i}@company{company}.example");
            let soql = format!("SELECT Id, Name FROM Contact WHERE Email = '{email}'");
            let queries = [
                ("query", soql),
                (
                    "search",
                    format!(
                        "FIND {{{}}} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name)",
                        phone(i)
                    ),
                ),
                (
                    "search",
                    format!(
                        "FIND {{company{company}.example}} IN ALL FIELDS RETURNING Account(Id, Name) LIMIT 5"
                    ),
                ),
            ];
            for (k, (endpoint, q)) in queries.iter().enumerate() {
                let started = Instant::now();
                let res = http
                    .get(format!("{base}/services/data/v59.0/{endpoint}"))
                    .query(&[("q", q)])
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{q}: {}", res.status());
                let body: Value = res.json().await.unwrap();
                times[k].push(started.elapsed().as_secs_f64() * 1000.0);
                let found = body
                    .get("totalSize")
                    .and_then(Value::as_u64)
                    .or_else(|| body["searchRecords"].as_array().map(|a| a.len() as u64))
                    .unwrap_or(0);
                assert!(found >= 1 || endpoint == &"query", "{q} found nothing");
            }
        }
    }
    let stats = |t: &mut Vec<f64>| {
        t.sort_by(f64::total_cmp);
        (percentile(t, 0.5), percentile(t, 0.9))
    };
    let mut out = serde_json::Map::new();
    println!("| lookup at {n} records | median ms | p90 ms | first pass: median ms | p90 ms |");
    println!("|---|---|---|---|---|");
    let [mut first, mut second] = passes;
    for (k, name) in names.iter().enumerate() {
        let (median, p90) = stats(&mut second[k]);
        let (first_median, first_p90) = stats(&mut first[k]);
        println!("| {name} | {median:.2} | {p90:.2} | {first_median:.2} | {first_p90:.2} |");
        out.insert(
            (*name).to_owned(),
            serde_json::json!({
                "n": second[k].len(),
                "median_ms": median,
                "p90_ms": p90,
                "first_pass": {"median_ms": first_median, "p90_ms": first_p90},
            }),
        );
    }
    if let Some(path) = args.next() {
        let body = serde_json::json!({"records": n, "lookups": out});
        std::fs::write(&path, serde_json::to_string_pretty(&body).unwrap() + "\n").unwrap();
    }
}
