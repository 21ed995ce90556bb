//! A public URL (`--public-url`) and serving HTTPS (`--tls-cert`/`--tls-key`): the OAuth
//! callback, the panel's origin and every link the proxy makes come from the configured URL,
//! never from `Host` or `X-Forwarded-*`; the whole link flow behind a TLS-terminating reverse
//! proxy; the proxy's own HTTPS to a client that trusts its certificate.

use crate::login::AsAgent;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use pane_proxy::config::PublicUrl;
use pane_proxy::{Config, app};
use pane_wire::api::{Backend, RedeemRequest, StartRequest, Started};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::helpers::{body_text, header, test_config, write_sites};

const PUBLIC: &str = "https://pane.example.com";

/// What a client might send to steer the proxy elsewhere.
const SPOOFED: [(&str, &str); 4] = [
    ("host", "evil.example"),
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "http"),
    ("forwarded", "host=evil.example;proto=http"),
];

/// The proxy in-process, as if started with `--public-url <public>` (or none) on port 8080.
async fn in_process(public: Option<&str>) -> (axum::Router, tempfile::TempDir) {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let mut config = test_config(dirs.path());
    config.public_url = public.map(|p| PublicUrl::parse(p).unwrap());
    let state = crate::helpers::test_state(&config, 8080, Backend::Sandbox)
        .await
        .unwrap();
    (app(state), dirs)
}

/// Why the proxy stops before it listens with `config`.
async fn refusal_to_serve(config: Config) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = pane_proxy::serve(listener, config, async {}).await;
    err.unwrap_err().to_string()
}

async fn get(
    router: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> axum::http::Response<Body> {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

/// The query parameter `name` of `url`, decoded.
fn param(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {url}"));
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Starts a link as the panel at `origin` would (its JSON, its header, and `headers`), then
/// opens the popup's begin URL: the start's status, and where the popup was sent (the
/// authorize URL), when it started.
async fn start(
    router: &axum::Router,
    origin: &str,
    headers: &[(&str, &str)],
) -> (u16, Option<String>) {
    let mut request = Request::post("/api/oauth/start")
        .header("content-type", "application/json")
        .header("x-pane-request", "1");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = serde_json::json!({"purpose": "agent", "origin": origin}).to_string();
    let res = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status != 200 {
        return (status, None);
    }
    let started: Started = serde_json::from_str(&body_text(res).await).unwrap();
    let begin_url = started.begin_url.as_str();
    let path = &begin_url[begin_url.find("/oauth/begin?tx=").unwrap()..];
    let res = get(router, path, headers).await;
    assert_eq!(res.status(), 303);
    (status, Some(header(&res, "location").to_owned()))
}

#[tokio::test]
async fn a_public_url_is_the_callback_and_the_panels_only_origin() {
    let (router, _dirs) = in_process(Some(PUBLIC)).await;
    for headers in [&[][..], &SPOOFED[..]] {
        let (status, authorize) = start(&router, PUBLIC, headers).await;
        assert_eq!(status, 200, "{headers:?}");
        let authorize = authorize.unwrap();
        assert_eq!(
            param(&authorize, "redirect_uri"),
            "https://pane.example.com/oauth/callback",
            "{headers:?}"
        );
        assert!(!authorize.contains("evil"), "{authorize}");
    }
    // The loopback names and whatever a request claims are not the panel's origin.
    for origin in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://pane.example.com",
        "https://evil.example",
        "https://pane.example.com:8443",
    ] {
        let (status, _) = start(&router, origin, &SPOOFED).await;
        assert_eq!(status, 400, "{origin} was taken");
        let (status, _) = start(&router, origin, &[("host", "127.0.0.1:8080")]).await;
        assert_eq!(status, 400, "{origin} was taken");
    }
}

#[tokio::test]
async fn a_public_url_frames_the_panel_and_headers_change_nothing() {
    let (router, _dirs) = in_process(Some(PUBLIC)).await;
    for headers in [&[][..], &SPOOFED[..]] {
        let res = get(&router, "/plugin/", headers).await;
        assert_eq!(res.status(), 200);
        let csp = header(&res, "content-security-policy");
        assert!(
            csp.ends_with(
                "frame-ancestors https://*.frontapp.com https://*.frontapplication.com https://pane.example.com"
            ),
            "{csp}"
        );
        assert!(!csp.contains("127.0.0.1") && !csp.contains("evil"), "{csp}");
        // Browsers reach it over https only: they are told to keep to it.
        assert_eq!(
            header(&res, "strict-transport-security"),
            "max-age=31536000"
        );

        // The dev inbox frames its own origin's panel.
        let res = get(&router, "/", headers).await;
        let csp = header(&res, "content-security-policy");
        assert!(csp.contains("frame-src 'self';"), "{csp}");
        assert!(
            !csp.contains("127.0.0.1") && !csp.contains("localhost"),
            "{csp}"
        );

        // Redirects name a path: the browser stays on the origin it asked.
        let res = get(&router, "/plugin?auth_secret=x", headers).await;
        assert_eq!(res.status(), 308);
        assert_eq!(header(&res, "location"), "/plugin/?auth_secret=x");
    }
}

#[tokio::test]
async fn without_a_public_url_the_panel_stays_on_loopback() {
    let (router, _dirs) = in_process(None).await;
    for origin in ["http://127.0.0.1:8080", "http://localhost:8080"] {
        let (status, authorize) = start(&router, origin, &SPOOFED).await;
        assert_eq!(status, 200, "{origin}");
        let authorize = authorize.unwrap();
        assert_eq!(
            param(&authorize, "redirect_uri"),
            format!("{origin}/oauth/callback")
        );
    }
    let (status, _) = start(&router, PUBLIC, &[("host", "pane.example.com")]).await;
    assert_eq!(status, 400);
    let res = get(&router, "/plugin/", &[]).await;
    assert!(res.headers().get("strict-transport-security").is_none());
    let csp = header(&res, "content-security-policy");
    assert!(
        csp.ends_with("http://127.0.0.1:8080 http://localhost:8080"),
        "{csp}"
    );
}

/// A TLS-terminating reverse proxy in front of the proxy: browsers and Salesforce know only
/// `https://pane.example.com`; it forwards to the proxy's plain-HTTP loopback port with the
/// headers such proxies add. Each URL the proxy gives out must be a public one.
struct ReverseProxy {
    backend: String,
    http: reqwest::Client,
}

impl ReverseProxy {
    fn request(&self, method: reqwest::Method, public_url: &str) -> reqwest::RequestBuilder {
        let path = public_url
            .strip_prefix(PUBLIC)
            .unwrap_or_else(|| panic!("{public_url} is not under the public URL"));
        assert!(path.starts_with('/'), "{public_url}");
        self.http
            .request(method, format!("{}{path}", self.backend))
            .header("host", "pane.example.com")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", "pane.example.com")
            .header("x-forwarded-for", "203.0.113.7")
    }
}

#[tokio::test]
async fn an_agent_links_and_works_behind_a_reverse_proxy() {
    let (logs, _guard) = crate::helpers::capture_logs();
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let mut config = Config::for_dirs(dirs.path().join("dist"), dirs.path().join("www"));
    config.public_url = Some(PublicUrl::parse(PUBLIC).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(listener, config, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let edge = ReverseProxy {
        backend: backend.clone(),
        http: http.clone(),
    };

    let start = edge
        .request(reqwest::Method::POST, &format!("{PUBLIC}/api/oauth/start"))
        .panel()
        .json(&StartRequest {
            purpose: None,
            origin: Some(PUBLIC.to_owned()),
        });
    let started: Started = crate::login::json_from(start).await;
    let begin_url = started.begin_url.as_str();
    let res = edge
        .request(reqwest::Method::GET, begin_url)
        .send()
        .await
        .unwrap();
    let popup = crate::login::Popup::of(&res);
    let (binding, authorize) = (popup.binding, popup.authorize);
    let authorize = authorize.as_str();
    assert_eq!(
        param(authorize, "redirect_uri"),
        "https://pane.example.com/oauth/callback"
    );
    let strict = crate::helpers::StrictCheck::watch(authorize.split("/services/").next().unwrap());

    // The agent logs in on the org's page; the org sends the browser to the public callback.
    let res = crate::helpers::login_on_page(&http, authorize).await;
    assert_eq!(res.status(), 303);
    let callback = crate::login::header_of(&res, "location");
    assert!(
        callback.starts_with("https://pane.example.com/oauth/callback?code="),
        "{callback}"
    );
    let visit = edge
        .request(reqwest::Method::GET, &callback)
        .header("cookie", &binding);
    let res = crate::login::sent(visit).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("o = \"https://pane.example.com\";"),
        "posted to the public origin: {html}"
    );
    let code = crate::login::posted_code(&html).unwrap();
    let res = edge
        .request(reqwest::Method::POST, &format!("{PUBLIC}/api/oauth/redeem"))
        .panel()
        .json(&RedeemRequest {
            tx: started.tx.clone(),
            redeem: started.redeem.clone(),
            code,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let session = crate::login::session_cookie(&res).unwrap();

    let me = edge
        .request(reqwest::Method::GET, &format!("{PUBLIC}/api/me"))
        .agent(&session);
    let me: pane_wire::api::Me = crate::login::json_from(me).await;
    assert_eq!(me.username, "ana@pane-support.example");
    let res = edge
        .request(reqwest::Method::GET, &format!("{PUBLIC}/api/panel"))
        .query(&[("kind", "email"), ("handle", "rose@edge.example")])
        .agent(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The dev inbox's rules reach this proxy's intake whatever `Host` the browser sent.
    let event = crate::rules::event(
        "evt_public_1",
        "msg_public_1",
        true,
        None,
        ("nobody@nowhere.example", "Nobody"),
        "email",
    );
    for host in ["127.0.0.1:1", "evil.example"] {
        let res = http
            .post(format!("{backend}/__dev/rules/send-to-salesforce"))
            .header("host", host)
            .header("x-pane-dev-inbox", "1")
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "Host: {host}");
    }

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    drop(strict);
    let logs = logs.text();
    assert!(
        logs.contains("url=https://pane.example.com/"),
        "the startup line names the public URL: {logs}"
    );
}

/// A self-signed certificate for `localhost` and `127.0.0.1`, written as PEM files.
fn self_signed(
    dir: &std::path::Path,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().to_vec())
}

/// `GET path` over TLS to `addr`, trusting only `trusted` (DER); the raw answer.
async fn https_get(
    addr: std::net::SocketAddr,
    trusted: &[u8],
    path: &str,
) -> Result<String, std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(trusted.to_vec()))
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(
        format!(
            "GET {path} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
    .await?;
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn the_proxy_serves_https_with_its_certificate() {
    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let (cert, key, der) = self_signed(dirs.path(), "pane");
    let (_, _, other_der) = self_signed(dirs.path(), "other");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = Config::for_dirs(dirs.path().join("dist"), dirs.path().join("www"));
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    config.public_url =
        Some(PublicUrl::parse(&format!("https://localhost:{}", addr.port())).unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(listener, config, async {
        let _ = stopped.await;
    }));

    let answer = https_get(addr, &der, "/api/health").await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    let answer = https_get(addr, &der, "/plugin/").await.unwrap();
    assert!(
        answer.contains(&format!("frame-ancestors https://*.frontapp.com https://*.frontapplication.com https://localhost:{}", addr.port())),
        "{answer}"
    );

    // A client that does not trust the certificate refuses it.
    let err = https_get(addr, &other_der, "/api/health")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    // Plain HTTP on the TLS port gets no answer, and serving goes on.
    let plain = reqwest::get(format!("http://{addr}/api/health")).await;
    assert!(plain.is_err(), "{plain:?}");
    let answer = https_get(addr, &der, "/api/health").await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn bad_tls_files_are_refused_with_the_file_and_reason() {
    let dirs = tempfile::tempdir().unwrap();
    let dir = dirs.path();
    let (cert, key, _) = self_signed(dir, "pane");
    let (other_cert, _, _) = self_signed(dir, "other");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a PEM file").unwrap();
    let missing = dir.join("missing.pem");
    let cases = [
        (
            &missing,
            &key,
            "missing.pem: cannot read the TLS certificate",
        ),
        (
            &cert,
            &missing,
            "missing.pem: cannot read the TLS private key",
        ),
        (&garbage, &key, "garbage.pem: holds no certificate"),
        (
            &cert,
            &garbage,
            "garbage.pem: holds no usable PEM private key",
        ),
        (&key, &key, "pane.key: holds no certificate"),
        (&other_cert, &key, "do not make a certificate and its key"),
    ];
    for (cert, key, expected) in cases {
        let err = pane_proxy::tls::server_config(cert, key)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(expected),
            "{}, {}: {err}",
            cert.display(),
            key.display()
        );
    }
    assert!(pane_proxy::tls::server_config(&cert, &key).is_ok());

    // The proxy stops before listening, saying why.
    write_sites(dir);
    let mut config = Config::for_dirs(dir.join("dist"), dir.join("www"));
    config.tls_cert = Some(other_cert);
    config.tls_key = Some(key.clone());
    let err = refusal_to_serve(config).await;
    assert!(
        err.starts_with("TLS: ") && err.contains("other.crt"),
        "{err}"
    );

    // https is what the proxy serves: an http:// public URL contradicts it.
    let mut config = Config::for_dirs(dir.join("dist"), dir.join("www"));
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    config.public_url = Some(PublicUrl::parse("http://127.0.0.1:8080").unwrap());
    let err = refusal_to_serve(config).await;
    assert!(
        err.contains("--public-url http://127.0.0.1:8080 is http://"),
        "{err}"
    );
}
