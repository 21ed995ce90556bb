//! The proxy against an org served over HTTPS and answering as a My Domain org does: login and
//! the identity URL at `https://127.0.0.1:<port>`, `instance_url` (REST, SOAP) at
//! `https://localhost:<port>`, where the org refuses API calls on the login host. Its own
//! self-signed certificate is trusted through `--salesforce-ca-file` in process (environment
//! variables are process-wide), and through a real `SSL_CERT_FILE` by the `pane-proxy` binary
//! run as a child process. A certificate that is not trusted refuses the link, saying why.

use crate::helpers::json_of;
use crate::login::AsAgent;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::running::{Running, linked_with_client};
use pane_wire::api::{ConvertAnswer, CreateAnswer, Me, PanelData};

/// A sandbox org over HTTPS with the host split, and the file holding its certificate.
struct HttpsOrg {
    org: pane_sandbox::Sandbox,
    cert: std::path::PathBuf,
    cert_pem: String,
    _dir: tempfile::TempDir,
}

impl HttpsOrg {
    async fn start() -> HttpsOrg {
        let identity = pane_sandbox::tls::TlsIdentity::self_signed().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("sandbox-org.pem");
        identity.write_cert(&cert).unwrap();
        let config = pane_sandbox::SandboxConfig {
            tls: Some(identity.clone()),
            split_hosts: true,
            ..pane_sandbox::SandboxConfig::default()
        };
        let org = pane_sandbox::spawn("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let port = org.addr().port();
        assert_eq!(org.base_url(), format!("https://127.0.0.1:{port}"));
        assert_eq!(org.instance_url(), format!("https://localhost:{port}"));
        HttpsOrg {
            org,
            cert,
            cert_pem: identity.cert_pem().to_owned(),
            _dir: dir,
        }
    }

    /// The login URL the proxy is given.
    fn login_url(&self) -> String {
        self.org.base_url()
    }

    /// A client for the test itself, trusting the org and following no redirects.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(self.cert_pem.as_bytes()).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The proxy's configuration for this org (a real org's flags), its certificate trusted
    /// through `--salesforce-ca-file` when `trusted`.
    fn configure(&self, config: &mut pane_proxy::Config, trusted: bool) {
        let app = pane_sandbox::state::demo_app();
        config.salesforce_login_url = Some(self.login_url());
        config.salesforce_client_id = Some(app.client_id);
        config.salesforce_client_secret = Some(app.client_secret.parse().unwrap());
        config.salesforce_ca_file = trusted.then(|| self.cert.clone());
    }

    /// A SOQL query at the instance, as Ana.
    async fn soql(&self, http: &reqwest::Client, q: &str) -> Vec<Value> {
        crate::login::sandbox_soql(http, &self.login_url(), &self.org.instance_url(), q).await
    }
}

/// The proxy linked as Ana to an HTTPS org with the host split, its certificate trusted.
async fn linked_over_https() -> (HttpsOrg, Running) {
    let org = HttpsOrg::start().await;
    let proxy = linked_with_client(|c| org.configure(c, true), org.client()).await;
    (org, proxy)
}

impl Running {
    /// The id of the person on `handle`'s panel, which must be a record of `object`.
    async fn person_id(&self, handle: &str, object: &str) -> String {
        let (_, panel, _) = self.panel("email", handle).await;
        let panel: PanelData = serde_json::from_value(panel).unwrap();
        let person = panel.person.unwrap();
        assert_eq!(person.object, object, "{handle}");
        person.id
    }
}

#[tokio::test]
async fn linking_starts_at_the_login_host_and_reads_the_identity_there() {
    let (org, proxy) = linked_over_https().await;
    assert_eq!(
        proxy.sandbox,
        org.login_url(),
        "the link started at the login host"
    );
    let me: Me = proxy.read_as(Method::GET, "/api/me", &proxy.session).await;
    assert_eq!(me.instance_url, org.org.instance_url(), "the other name");
    assert_eq!(me.username, "ana@pane-support.example");
    // The org refused nothing (no API call reached the login host): `Running`'s strict check.
    proxy.stop().await;
}

#[tokio::test]
async fn the_panel_is_one_composite_at_the_instance() {
    let (_org, proxy) = linked_over_https().await;
    let (cache, rose, cost) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!((cache.as_str(), cost), ("miss", 1));
    assert_eq!(rose["person"]["object"], "Contact");
    proxy.stop().await;
}

#[tokio::test]
async fn an_inline_edit_saves_at_the_instance() {
    let (_org, proxy) = linked_over_https().await;
    let rose_id = proxy.person_id("rose@edge.com", "Contact").await;
    let loaded_at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(5));
    let res = proxy
        .api(
            Method::PATCH,
            &format!("/api/records/Contact/{rose_id}"),
            &proxy.session,
        )
        .json(&json!({"fields": {"Title": "Chief Buyer"}, "loaded_at": loaded_at}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, rose, _) = proxy.panel("email", "rose@edge.com").await;
    assert_eq!(rose["person"]["fields"]["Title"], "Chief Buyer");
    proxy.stop().await;
}

#[tokio::test]
async fn a_create_saves_at_the_instance() {
    let (org, proxy) = linked_over_https().await;
    let rose_id = proxy.person_id("rose@edge.com", "Contact").await;
    let task = json!({"fields": {"Subject": "Call back over TLS", "WhoId": rose_id,
                                 "Status": "Not Started", "Priority": "Normal"}});
    let (status, made) = proxy
        .send_as(&proxy.session, Method::POST, "/api/records/Task", task)
        .await;
    assert_eq!(status, 201, "{made}");
    let made: CreateAnswer = serde_json::from_value(made).unwrap();
    let task = made.id.unwrap();
    let found = org
        .soql(
            &org.client(),
            &format!("SELECT Subject FROM Task WHERE Id = '{task}'"),
        )
        .await;
    assert_eq!(found[0]["Subject"], "Call back over TLS");
    proxy.stop().await;
}

#[tokio::test]
async fn a_lead_converts_through_soap_at_the_instance() {
    let (_org, proxy) = linked_over_https().await;
    let lead = proxy.person_id("pcotton@abbottins.net", "Lead").await;
    let (status, converted) = proxy
        .send_as(
            &proxy.session,
            Method::POST,
            &format!("/api/leads/{lead}/convert"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{converted}");
    let converted: ConvertAnswer = serde_json::from_value(converted).unwrap();
    assert!(converted.contact_id.starts_with("003"), "{converted:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_at_the_login_host() {
    let (_org, proxy) = linked_over_https().await;
    proxy.control("expire-tokens", json!({})).await;
    let before = proxy.sandbox_count("refreshes").await;
    let (status, _) = proxy
        .call(Method::GET, "/api/search?q=Rose", &proxy.session)
        .await;
    assert_eq!(status, 200);
    assert_eq!(proxy.sandbox_count("refreshes").await, before + 1);
    proxy.stop().await;
}

#[tokio::test]
async fn a_rule_logs_the_message_as_the_integration_user_at_the_instance() {
    let (org, proxy) = linked_over_https().await;
    let rose_id = proxy.person_id("rose@edge.com", "Contact").await;
    proxy.link_integration().await;
    let (status, _) = proxy
        .fire_inbound("evt_tls_1", "msg_tls_1", ("rose@edge.com", "Rose Gonzalez"))
        .await;
    assert_eq!(status, 202);
    let jobs = proxy.settled().await;
    assert!(jobs.iter().all(|j| j.state == "done"), "{jobs:?}");
    let logged = org
        .soql(
            &org.client(),
            &format!(
                "SELECT Subject FROM Task WHERE WhoId = '{rose_id}' AND TaskSubtype = 'Email'"
            ),
        )
        .await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn unlinking_revokes_at_the_login_host() {
    let (_org, proxy) = linked_over_https().await;
    let before = proxy.sandbox_count("revocations").await;
    let res = proxy
        .api(Method::POST, "/api/oauth/unlink", &proxy.session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(proxy.sandbox_count("revocations").await, before + 1);
    proxy.stop().await;
}

/// Starts a link at the proxy at `origin`, logs Ana in on the org's page and follows the
/// callback: its status and page.
async fn link_page(http: &reqwest::Client, origin: &str) -> (u16, String) {
    let started = crate::login::start_link(http, origin, "agent", None).await;
    let popup = crate::login::begin(http, &started.begin_url).await;
    let res = crate::login::finish(
        http,
        &popup.authorize,
        ("ana@pane-support.example", "demo-ana-1"),
        Some(&popup.binding),
    )
    .await;
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn a_certificate_that_is_not_trusted_refuses_the_link_saying_why() {
    let org = HttpsOrg::start().await;
    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let mut config =
        pane_proxy::Config::for_dirs(dirs.path().join("dist"), dirs.path().join("www"));
    org.configure(&mut config, false);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(listener, config, async {
        let _ = stopped.await;
    }));

    let (status, page) = link_page(&org.client(), &origin).await;
    assert_eq!(status, 400);
    let login = org.login_url();
    assert!(
        page.contains(&format!("the certificate of {login} is not trusted"))
            && page.contains("SSL_CERT_FILE"),
        "{page}"
    );
    assert!(page.contains("UnknownIssuer"), "rustls's reason: {page}");
    assert!(!page.contains("\"session\""), "{page}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// The `pane-proxy` binary, its output kept.
struct Binary {
    child: Child,
    origin: Option<String>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Binary {
    /// Runs it against `org` with `env` set (and `SSL_CERT_FILE`, `SSL_CERT_DIR` removed
    /// first); waits until it listens or exits.
    fn start(org: &HttpsOrg, dirs: &std::path::Path, env: &[(&str, &str)]) -> Binary {
        let app = pane_sandbox::state::demo_app();
        let mut command = Command::new(env!("CARGO_BIN_EXE_pane-proxy"));
        command
            .args(["--port", "0", "--log-format", "json"])
            .args(["--database-url", "sqlite::memory:"])
            .args(["--salesforce-login-url", &org.login_url()])
            .args(["--salesforce-client-id", &app.client_id])
            .args(["--salesforce-client-secret", &app.client_secret])
            .args([
                "--encryption-key",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            ])
            .arg("--dist-dir")
            .arg(dirs.join("dist"))
            .arg("--www-dir")
            .arg(dirs.join("www"))
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR")
            .env_remove("PANE_SALESFORCE_CA_FILE")
            .env("RUST_LOG", "warn,pane_proxy=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let lines = lines.clone();
            let tx = tx.clone();
            // Keeps draining its output so it never blocks on a full pipe.
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(entry) = serde_json::from_str::<Value>(&line)
                        && let Some(url) = entry["fields"]["url"].as_str()
                        && entry["fields"]["panel"].is_string()
                    {
                        let _ = tx.send(Some(url.trim_end_matches('/').to_owned()));
                    }
                    lines.lock().unwrap().push(line);
                }
                let _ = tx.send(None);
            });
        }
        // Listening, or both streams closed (it exited).
        let origin = rx
            .recv_timeout(Duration::from_secs(30))
            .ok()
            .flatten()
            .or_else(|| rx.recv_timeout(Duration::from_secs(5)).ok().flatten());
        Binary {
            child,
            origin,
            lines,
        }
    }

    fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_binary_trusts_the_org_through_ssl_cert_file_and_says_when_it_does_not() {
    let org = HttpsOrg::start().await;
    let dirs = tempfile::tempdir().unwrap();
    crate::helpers::write_sites(dirs.path());
    let http = org.client();
    let cert = org.cert.to_str().unwrap().to_owned();

    // Trusted through SSL_CERT_FILE: linked, and the panel reads the instance.
    let trusted = Binary::start(&org, dirs.path(), &[("SSL_CERT_FILE", &cert)]);
    let origin = trusted
        .origin
        .clone()
        .unwrap_or_else(|| panic!("did not start:\n{}", trusted.output()));
    let session = crate::login::link_agent(&http, &origin).await;
    let (status, panel) = json_of(
        http.get(format!("{origin}/api/panel"))
            .query(&[("kind", "email"), ("handle", "rose@edge.com")])
            .agent(&session)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, panel["person"]["object"].as_str()),
        (200, Some("Contact")),
        "{panel}"
    );
    assert!(
        trusted.output().contains(&format!("SSL_CERT_FILE={cert}")),
        "the trust store is logged:\n{}",
        trusted.output()
    );
    trusted.stop();

    // Not trusted (the system's store alone): the link fails, logged plainly.
    let untrusted = Binary::start(&org, dirs.path(), &[]);
    let origin = untrusted
        .origin
        .clone()
        .unwrap_or_else(|| panic!("did not start:\n{}", untrusted.output()));
    let (status, page) = link_page(&http, &origin).await;
    assert_eq!(status, 400, "{page}");
    let why = format!("the certificate of {} is not trusted", org.login_url());
    assert!(page.contains(&why), "{page}");
    let mut logged = false;
    for _ in 0..100 {
        let out = untrusted.output();
        logged = out.lines().any(|l| {
            l.contains("linking Salesforce failed")
                && l.contains(&why)
                && l.contains("SSL_CERT_FILE")
        });
        if logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(logged, "{}", untrusted.output());
    untrusted.stop();

    // SSL_CERT_FILE that cannot be read stops it at startup, naming it.
    let missing = dirs.path().join("no-such-ca.pem");
    let missing = missing.to_str().unwrap();
    let mut broken = Binary::start(&org, dirs.path(), &[("SSL_CERT_FILE", missing)]);
    assert!(broken.origin.is_none(), "{}", broken.output());
    let status = broken.child.wait().unwrap();
    assert!(!status.success());
    assert!(
        broken
            .output()
            .contains(&format!("SSL_CERT_FILE={missing}")),
        "{}",
        broken.output()
    );
}
