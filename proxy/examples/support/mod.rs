//! What the benchmarks and the stress run share: the login helpers of the proxy's tests, the
//! demo org's people, an HTTP client that does not follow redirects, and percentiles.

#![allow(dead_code, reason = "shared by the benchmarks; each uses a part")]

#[path = "../../tests/support/login.rs"]
pub mod login;

use serde_json::{Value, json};

/// Contacts and Leads of the demo org, by email.
pub const DEMO_PEOPLE: &[&str] = &[
    "rose@edge.com",
    "sean@edge.com",
    "jrogers@burlington.com",
    "bertha@fcof.net",
    "tim.barr@burlington.com",
];

/// An HTTP client as a browser's link flow needs it: redirects are read, not followed.
pub fn http(idle_per_host: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(idle_per_host)
        .build()
        .unwrap()
}

/// Sends `request` and reads its answer as JSON (panics on either failing: a benchmark stops).
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// The `p`-th quantile (`p` in [0, 1]) of `sorted`, which is not empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a small positive index"
    )]
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// How many, the median and the 95th percentile of `micros`, as JSON.
pub fn summary(mut micros: Vec<f64>) -> Value {
    micros.sort_by(f64::total_cmp);
    json!({"n": micros.len(), "median_us": percentile(&micros, 0.5).round(), "p95_us": percentile(&micros, 0.95).round()})
}

/// Where the results go: the first argument, else `default`.
pub fn out_path(default: &str) -> String {
    std::env::args().nth(1).unwrap_or_else(|| default.into())
}

/// Prints `results` and writes them as JSON to `out` (its folder made if need be).
#[allow(clippy::print_stdout, reason = "a measuring tool prints its results")]
pub fn write_results(out: &str, results: &Value) {
    let text = serde_json::to_string_pretty(results).unwrap();
    println!("{text}");
    if let Some(dir) = std::path::Path::new(out).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(out, text + "\n").unwrap();
    println!("written to {out}");
}
