//! The stress run (`bash scripts/stress`): simulated agents open conversations, search and edit
//! through the proxy while rules fire, for a bounded time, all on loopback; then it checks
//! what must hold and prints a one-line verdict:
//! - no answer was a 5xx (nor a failed connection);
//! - every rule event fired (some delivered twice, as hosts do) is one job, done once: a
//!   message logged has exactly one Task in the org, one with no Contact/Lead has none;
//! - the proxy's resident memory is flat after warm-up;
//! - every agent's last edit reads back from the sandbox org.
//!
//! It starts the release sandbox org (`--sandbox-bin`) and the release proxy (`--proxy-bin`)
//! as two processes, the proxy linked to the sandbox org as to a real one, so the memory
//! measured is the proxy's alone (`/proc/<pid>/status`); the org's is reported beside it.
//!
//! `stress --agents 200 --secs 600 --out bench/results/stress.json`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a measuring tool: fail loudly, print results"
)]

mod support;
use support::login::{self, AsAgent};
use support::{DEMO_PEOPLE, json_of};

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use pane_proxy::rules::signature::sign_rule;
use serde_json::{Value, json};

/// The senders conversations come from: a bounded inbox, so the proxy's cache fills in warm-up.
const SENDERS: usize = 3_000;

#[derive(Debug, Parser)]
struct Args {
    /// Simulated agents (at most 500).
    #[arg(long, default_value_t = 200)]
    agents: usize,
    /// How long they work, in seconds (at most 3600).
    #[arg(long, default_value_t = 600)]
    secs: u64,
    /// The proxy binary.
    #[arg(long, default_value = "target/release/pane-proxy")]
    proxy_bin: PathBuf,
    /// The sandbox org's binary.
    #[arg(long, default_value = "target/release/pane-sandbox")]
    sandbox_bin: PathBuf,
    /// Only this kind of work (panel, search, edit, rule), to find what a finding comes from.
    #[arg(long)]
    only: Option<String>,
    /// Where the figures go (JSON).
    #[arg(long, default_value = "bench/results/stress.json")]
    out: PathBuf,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    server_errors: AtomicU64,
    transport_errors: AtomicU64,
    panels: AtomicU64,
    searches: AtomicU64,
    edits: AtomicU64,
    rule_events: AtomicU64,
    rule_redeliveries: AtomicU64,
    other_status: AtomicU64,
}

/// What one agent did that must be checked afterwards.
#[derive(Debug, Default)]
struct AgentLog {
    /// The last Title its Contact was given (acknowledged).
    last_title: Option<String>,
    /// Messages it fired, with whether their sender is a Contact (to be logged).
    fired: Vec<(String, bool)>,
    /// Problems seen (status, what).
    problems: Vec<String>,
}

/// A child process, killed when dropped.
struct Process {
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` and waits for the first stdout line `pick` finds something in; keeps
/// draining stdout after, so the child never blocks on a full pipe.
fn start(
    mut command: Command,
    what: &str,
    pick: impl Fn(&str) -> Option<String> + Send + 'static,
) -> (Process, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if !sent && let Some(found) = pick(&line) {
                let _ = tx.send(found);
                sent = true;
            }
        }
    });
    let found = rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} did not start"));
    (Process { child }, found)
}

/// A free loopback port (bound, read, released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The sandbox org on a file, with a large allowance (the run is about the proxy, not the
/// quota, which is tested elsewhere); its base URL.
fn start_sandbox(bin: &PathBuf, dir: &std::path::Path) -> (Process, String) {
    let port = free_port();
    let mut command = Command::new(bin);
    command
        .args(["--port", &port.to_string(), "--daily-requests", "100000000"])
        .arg("--database")
        .arg(dir.join("sandbox.sqlite"))
        .env("RUST_LOG", "warn");
    start(command, "the sandbox org", |line| {
        line.strip_prefix("Sandbox org listening at ")
            .map(|u| u.trim().trim_end_matches('/').to_owned())
    })
}

/// The proxy, linked to the sandbox org at `org` as to a real org; its origin.
fn start_proxy(bin: &PathBuf, dir: &std::path::Path, org: &str) -> (Process, String) {
    let app = pane_sandbox::state::demo_app();
    let mut command = Command::new(bin);
    command
        .args(["--port", "0", "--log-format", "json"])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.join("proxy.db").display()
        ))
        .env("PANE_SALESFORCE_LOGIN_URL", org)
        .env("PANE_SALESFORCE_CLIENT_ID", &app.client_id)
        .env("PANE_SALESFORCE_CLIENT_SECRET", &app.client_secret)
        .env("RUST_LOG", "warn,pane_proxy=info");
    start(command, "the proxy", |line| {
        let entry = serde_json::from_str::<Value>(line).ok()?;
        entry["fields"]["panel"].as_str()?;
        Some(
            entry["fields"]["url"]
                .as_str()?
                .trim_end_matches('/')
                .to_owned(),
        )
    })
}

/// Resident memory of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// A small deterministic generator per agent (no shared state, no dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn sender(i: u64, agents: usize) -> String {
    // A third are the agents' own Contacts, a few the demo org's people, the rest unknown
    // addresses at a handful of companies (domain lookups).
    match i % 3 {
        0 => format!("agent{}@stress.example", i % agents as u64),
        1 if i % 30 == 1 => DEMO_PEOPLE[(i as usize / 30) % DEMO_PEOPLE.len()].to_owned(),
        _ => format!("person{i}@company{}.example", i % 40),
    }
}

async fn sandbox_query(http: &reqwest::Client, base: &str, token: &str, soql: &str) -> Vec<Value> {
    let mut records = Vec::new();
    let mut request = http
        .get(format!("{base}/services/data/v59.0/query"))
        .query(&[("q", soql)]);
    loop {
        let page = json_of(request.bearer_auth(token)).await;
        records.extend(page["records"].as_array().cloned().unwrap_or_default());
        match page["nextRecordsUrl"].as_str() {
            Some(path) => request = http.get(format!("{base}{path}")),
            None => return records,
        }
    }
}

#[allow(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
#[tokio::main]
async fn main() {
    let args = Args::parse();
    assert!(
        (1..=500).contains(&args.agents),
        "--agents must be 1 to 500"
    );
    assert!((1..=3600).contains(&args.secs), "--secs must be 1 to 3600");
    let dir = tempfile::tempdir().unwrap();
    let (sandbox_process, sandbox) = start_sandbox(&args.sandbox_bin, dir.path());
    let (proxy, origin) = start_proxy(&args.proxy_bin, dir.path(), &sandbox);
    for url in [&origin, &sandbox] {
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"),
            "loopback only: {url}"
        );
    }
    let pid = proxy.child.id();
    let sandbox_pid = sandbox_process.child.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.agents)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    // Each agent's own Contact, which only it edits.
    let token = login::sandbox_token(&http, &sandbox).await;
    let mut contact_ids = Vec::with_capacity(args.agents);
    for chunk in (0..args.agents).collect::<Vec<_>>().chunks(200) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|i| json!({"attributes": {"type": "Contact"}, "FirstName": "Stress", "LastName": format!("Agent {i}"), "Email": format!("agent{i}@stress.example"), "Title": "start"}))
            .collect();
        let res = json_of(
            http.post(format!("{sandbox}/services/data/v59.0/composite/sobjects"))
                .bearer_auth(&token)
                .json(&json!({"allOrNone": true, "records": records})),
        )
        .await;
        for r in res.as_array().unwrap() {
            assert_eq!(r["success"], true, "{r}");
            contact_ids.push(r["id"].as_str().unwrap().to_owned());
        }
    }

    // Sessions: every agent links through the login page, as a person would.
    let mut sessions = Vec::with_capacity(args.agents);
    for _ in 0..args.agents {
        sessions.push(login::link_agent(&http, &origin).await);
    }
    login::link_integration(&http, &origin, &sessions[0]).await;
    let intake = login::rule_intake(&http, &origin, &sessions[0]).await;
    let rule_path = login::rule_path(&intake, "send-to-salesforce");
    println!(
        "stress: {} agents linked, working for {} s against {origin}",
        args.agents, args.secs
    );

    let counters = Arc::new(Counters::default());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.secs);

    // Memory, every 5 s.
    let samples = Arc::new(std::sync::Mutex::new(Vec::<(f64, u64, u64)>::new()));
    let sampler = {
        let samples = Arc::clone(&samples);
        tokio::spawn(async move {
            while Instant::now() < deadline {
                samples.lock().unwrap().push((
                    started.elapsed().as_secs_f64(),
                    rss(pid),
                    rss(sandbox_pid),
                ));
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        })
    };

    let mut agents = tokio::task::JoinSet::new();
    for (a, (session, contact)) in sessions.iter().zip(&contact_ids).enumerate() {
        let http = http.clone();
        let origin = origin.clone();
        let session = session.clone();
        let contact = contact.clone();
        let counters = Arc::clone(&counters);
        let n_agents = args.agents;
        let only = args.only.clone();
        let (rule_path, secret) = (rule_path.clone(), intake.secret.clone());
        agents.spawn(async move {
            let mut rng = Rng(a as u64 * 7919 + 17);
            let mut log = AgentLog::default();
            let mut n = 0u64;
            let mut last_event: Option<Vec<u8>> = None;
            // Agents start spread over the first two seconds.
            tokio::time::sleep(Duration::from_millis(rng.below(2_000))).await;
            while Instant::now() < deadline {
                n += 1;
                // The Title an edit sends, kept as the last one once acknowledged.
                let mut edited = None;
                let roll = match only.as_deref() {
                    Some("panel") => 0,
                    Some("search") => 60,
                    Some("edit") => 80,
                    Some("rule") => 90 + rng.below(10),
                    _ => rng.below(100),
                };
                let (what, request) = if roll < 55 {
                    counters.panels.fetch_add(1, Ordering::Relaxed);
                    let who = sender(rng.below(SENDERS as u64), n_agents);
                    (
                        "panel",
                        http.get(format!("{origin}/api/panel"))
                            .query(&[("kind", "email"), ("handle", who.as_str())])
                            .agent(&session),
                    )
                } else if roll < 75 {
                    counters.searches.fetch_add(1, Ordering::Relaxed);
                    let q = match rng.below(3) {
                        0 => format!("Agent {}", rng.below(n_agents as u64)),
                        1 => "Rose".to_owned(),
                        _ => format!("company{}", rng.below(40)),
                    };
                    (
                        "search",
                        http.get(format!("{origin}/api/search"))
                            .query(&[("q", q.as_str())])
                            .agent(&session),
                    )
                } else if roll < 90 {
                    counters.edits.fetch_add(1, Ordering::Relaxed);
                    let title = format!("t{a}-{n}");
                    let request = http
                        .patch(format!("{origin}/api/records/Contact/{contact}"))
                        .agent(&session)
                        .json(&json!({"fields": {"Title": title}}));
                    edited = Some(title);
                    ("edit", request)
                } else {
                    // A rule fires for a message; now and then the host delivers one twice.
                    let body = if roll >= 97 && last_event.is_some() {
                        counters.rule_redeliveries.fetch_add(1, Ordering::Relaxed);
                        last_event.clone().unwrap_or_default()
                    } else {
                        counters.rule_events.fetch_add(1, Ordering::Relaxed);
                        let known = rng.below(4) != 0;
                        let from = if known {
                            format!("agent{}@stress.example", rng.below(n_agents as u64))
                        } else {
                            format!("stranger{a}x{n}@nowhere.example")
                        };
                        let message = format!("msg_stress_{a}_{n}");
                        log.fired.push((message.clone(), known));
                        let body = serde_json::to_vec(&json!({
                            "id": format!("evt_stress_{a}_{n}"), "type": "inbound",
                            "target": {"data": {"id": message, "type": "email", "is_inbound": true,
                                "created_at": 1_795_000_000.0, "subject": "Stress", "text": "hello",
                                "recipients": [{"handle": from, "role": "from"}, {"handle": "support@pane-support.example", "role": "to"}]}},
                        }))
                        .unwrap_or_default();
                        last_event = Some(body.clone());
                        body
                    };
                    let signature = sign_rule(secret.as_bytes(), &body);
                    (
                        "rule",
                        http.post(format!("{origin}{rule_path}"))
                            .header("x-front-signature", signature)
                            .header("content-type", "application/json")
                            .body(body),
                    )
                };
                counters.requests.fetch_add(1, Ordering::Relaxed);
                match request.send().await {
                    Ok(r) if r.status().is_server_error() => {
                        counters.server_errors.fetch_add(1, Ordering::Relaxed);
                        log.problems.push(format!("{what}: {}", r.status()));
                    }
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        if edited.is_some() {
                            log.last_title = edited;
                        }
                    }
                    Ok(r) => {
                        counters.other_status.fetch_add(1, Ordering::Relaxed);
                        log.problems.push(format!("{what}: {}", r.status()));
                    }
                    Err(e) => {
                        counters.transport_errors.fetch_add(1, Ordering::Relaxed);
                        log.problems.push(format!("{what}: {e}"));
                    }
                }
                // An agent reads before the next click.
                tokio::time::sleep(Duration::from_millis(300 + rng.below(900))).await;
            }
            log
        });
    }
    let mut logs = Vec::with_capacity(args.agents);
    while let Some(log) = agents.join_next().await {
        logs.push(log.unwrap());
    }
    let worked = started.elapsed().as_secs_f64();
    sampler.abort();

    // Rule jobs: wait until the workers are done (bounded).
    let db = pane_proxy::store::Db::connect(&format!(
        "sqlite://{}?mode=rw",
        dir.path().join("proxy.db").display()
    ))
    .await
    .unwrap();
    let drain_until = Instant::now() + Duration::from_secs(300);
    let jobs = loop {
        let jobs = db.all_jobs().await.unwrap();
        if jobs.iter().all(|j| j.state == "done" || j.state == "dead")
            || Instant::now() > drain_until
        {
            break jobs;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let fired: HashMap<String, bool> = logs.iter().flat_map(|l| l.fired.clone()).collect();
    let mut jobs_per_message: HashMap<&str, usize> = HashMap::new();
    for j in &jobs {
        *jobs_per_message.entry(j.message_id.as_str()).or_default() += 1;
    }
    let not_done = jobs.iter().filter(|j| j.state != "done").count();
    let lost = fired
        .keys()
        .filter(|m| !jobs_per_message.contains_key(m.as_str()))
        .count()
        + not_done;
    let duplicate_jobs = jobs_per_message.values().filter(|&&n| n > 1).count();
    // Tasks in the org, by marker.
    let token = login::sandbox_token(&http, &sandbox).await;
    let tasks = sandbox_query(
        &http,
        &sandbox,
        &token,
        "SELECT Id, Pane_Message_Id__c FROM Task WHERE Pane_Message_Id__c != null",
    )
    .await;
    let mut tasks_per_message: HashMap<String, usize> = HashMap::new();
    for t in &tasks {
        if let Some(m) = t["Pane_Message_Id__c"].as_str()
            && m.starts_with("msg_stress_")
        {
            *tasks_per_message.entry(m.to_owned()).or_default() += 1;
        }
    }
    let should_log: HashSet<&String> = fired.iter().filter(|(_, k)| **k).map(|(m, _)| m).collect();
    let tasks_missing = should_log
        .iter()
        .filter(|m| !tasks_per_message.contains_key(m.as_str()))
        .count();
    let tasks_duplicated = tasks_per_message.values().filter(|&&n| n > 1).count();
    let tasks_unwanted = tasks_per_message
        .keys()
        .filter(|m| !should_log.contains(m))
        .count();

    // Edits: each agent's last acknowledged Title, read back from the org.
    let contacts = sandbox_query(
        &http,
        &sandbox,
        &token,
        "SELECT Id, Title FROM Contact WHERE Email LIKE '%@stress.example'",
    )
    .await;
    let titles: HashMap<&str, &str> = contacts
        .iter()
        .filter_map(|c| Some((c["Id"].as_str()?, c["Title"].as_str().unwrap_or(""))))
        .collect();
    // Logs come back in completion order: each title names its agent (`t{agent}-{n}`).
    let (edits_checked, edits_wrong) = {
        let want: HashMap<usize, &str> = logs
            .iter()
            .filter_map(|l| {
                let t = l.last_title.as_deref()?;
                let agent = t.strip_prefix('t')?.split('-').next()?.parse().ok()?;
                Some((agent, t))
            })
            .collect();
        let wrong = want
            .iter()
            .filter(|(agent, t)| titles.get(contact_ids[**agent].as_str()) != Some(*t))
            .count();
        (want.len(), wrong)
    };

    // Memory: after warm-up (the first fifth), the last quarter against the second quarter.
    let samples = samples.lock().unwrap().clone();
    let total = samples.len().max(1);
    let median = |xs: &[(f64, u64, u64)]| {
        let mut v: Vec<u64> = xs.iter().map(|s| s.1).collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let warm = &samples[total / 5..total.max(2) / 2];
    let late = &samples[total * 3 / 4..];
    let (warm_rss, late_rss) = (median(warm), median(late));
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let growth = late_rss as f64 / warm_rss.max(1) as f64 - 1.0;
    let mem_flat = growth < 0.10 || late_rss.saturating_sub(warm_rss) < 16 * 1024 * 1024;

    let c = &counters;
    let server_errors = c.server_errors.load(Ordering::Relaxed);
    let transport = c.transport_errors.load(Ordering::Relaxed);
    let clean = server_errors == 0
        && transport == 0
        && lost == 0
        && duplicate_jobs == 0
        && tasks_missing == 0
        && tasks_duplicated == 0
        && tasks_unwanted == 0
        && mem_flat
        && edits_wrong == 0;
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let verdict = format!(
        "{}: {} agents × {:.0} s, {} requests ({:.0}/s), {} 5xx, {} connection errors; {} rule events (+{} redelivered) → {} jobs, {} lost, {} duplicated, Tasks {} missing/{} doubled/{} unwanted; proxy RSS {:.1} → {:.1} MiB after warm-up ({:+.1} %, peak {:.1}); {} of {} last edits read back",
        if clean { "CLEAN" } else { "FAILED" },
        args.agents,
        worked,
        c.requests.load(Ordering::Relaxed),
        c.requests.load(Ordering::Relaxed) as f64 / worked,
        server_errors,
        transport,
        c.rule_events.load(Ordering::Relaxed),
        c.rule_redeliveries.load(Ordering::Relaxed),
        jobs.len(),
        lost,
        duplicate_jobs,
        tasks_missing,
        tasks_duplicated,
        tasks_unwanted,
        mb(warm_rss),
        mb(late_rss),
        growth * 100.0,
        mb(peak),
        edits_checked - edits_wrong,
        edits_checked,
    );
    let problems: Vec<&String> = logs.iter().flat_map(|l| &l.problems).take(20).collect();
    let results = json!({
        "agents": args.agents,
        "seconds": worked,
        "verdict": verdict,
        "clean": clean,
        "figures": {
            "requests": c.requests.load(Ordering::Relaxed),
            "requests per second": (c.requests.load(Ordering::Relaxed) as f64 / worked).round(),
            "panel opens": c.panels.load(Ordering::Relaxed),
            "searches": c.searches.load(Ordering::Relaxed),
            "edits": c.edits.load(Ordering::Relaxed),
            "rule events (distinct)": c.rule_events.load(Ordering::Relaxed),
            "rule events delivered twice": c.rule_redeliveries.load(Ordering::Relaxed),
            "5xx answers": server_errors,
            "connection errors": transport,
            "other 4xx answers": c.other_status.load(Ordering::Relaxed),
            "rule jobs": jobs.len(),
            "rule jobs lost or unfinished": lost,
            "messages with more than one job": duplicate_jobs,
            "logged messages without their Task": tasks_missing,
            "messages with more than one Task": tasks_duplicated,
            "Tasks for messages with no Contact": tasks_unwanted,
            "proxy RSS after warm-up (MiB)": format!("{:.1}", mb(warm_rss)),
            "proxy RSS at the end (MiB)": format!("{:.1}", mb(late_rss)),
            "proxy RSS peak (MiB)": format!("{:.1}", mb(peak)),
            "sandbox org RSS at the end (MiB, its own process)": format!("{:.1}", mb(samples.last().map_or(0, |s| s.2))),
            "agents' last edits read back": format!("{} of {}", edits_checked - edits_wrong, edits_checked),
        },
        "rss_samples": samples.iter().map(|(t, b, _)| json!([t.round(), b])).collect::<Vec<_>>(),
        "sandbox_rss_samples": samples.iter().map(|(t, _, b)| json!([t.round(), b])).collect::<Vec<_>>(),
        "first_problems": problems,
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(
        &args.out,
        serde_json::to_string_pretty(&results).unwrap() + "\n",
    )
    .unwrap();
    println!("{verdict}");
    if !clean {
        for p in problems {
            println!("  {p}");
        }
        std::process::exit(1);
    }
}
