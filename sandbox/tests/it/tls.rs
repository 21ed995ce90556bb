//! The sandbox org served like Salesforce: over HTTPS with its own certificate (or one it is
//! given), and as a My Domain org: login and the identity URL on `127.0.0.1`, `instance_url`
//! on `localhost`, the APIs refusing the login host; over plain HTTP without a certificate.

use pane_sandbox::tls::TlsIdentity;
use pane_sandbox::{SandboxConfig, spawn};
use reqwest::Client;
use serde_json::json;

use crate::helpers::{V, answer, json, password_login, stops_answering, strings};

fn trusting(identity: &TlsIdentity) -> Client {
    Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(identity.cert_pem().as_bytes()).unwrap(),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn it_serves_https_with_its_own_certificate_and_stops() {
    let identity = TlsIdentity::self_signed().unwrap();
    let config = SandboxConfig {
        tls: Some(identity.clone()),
        ..SandboxConfig::default()
    };
    let org = spawn("127.0.0.1:0".parse().unwrap(), config).await.unwrap();
    let base = org.base_url();
    assert_eq!(base, format!("https://{}", org.addr()));
    assert_eq!(org.instance_url(), base, "one host without the split");
    let http = trusting(&identity);
    let health = json(http.get(format!("{base}/health"))).await;
    assert_eq!(health["kind"], "sandbox-org");
    // Made for both loopback names.
    let other = format!("https://localhost:{}/health", org.addr().port());
    assert_eq!(http.get(&other).send().await.unwrap().status(), 200);
    let token = password_login(&http, &base, "ana@pane-support.example", "demo-ana-1").await;
    assert_eq!(token["instance_url"], base);

    // A client that does not trust it cannot connect; plain HTTP is not served.
    let stranger = Client::new();
    let err = stranger
        .get(format!("{base}/health"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let plain = format!("http://{}/health", org.addr());
    assert!(stranger.get(&plain).send().await.is_err());

    org.shutdown();
    assert!(
        stops_answering(&http, &format!("{base}/health")).await,
        "the sandbox org still answers after shutdown"
    );
}

#[tokio::test]
async fn it_serves_plain_http_without_a_certificate_and_stops() {
    let org = spawn("127.0.0.1:0".parse().unwrap(), SandboxConfig::default())
        .await
        .unwrap();
    let url = format!("{}/health", org.base_url());
    assert!(url.starts_with("http://"), "{url}");
    let http = Client::new();
    let health = json(http.get(&url)).await;
    assert_eq!(health["kind"], "sandbox-org");
    org.shutdown();
    assert!(
        stops_answering(&http, &url).await,
        "the sandbox org still answers after shutdown"
    );
}

#[tokio::test]
async fn a_given_certificate_and_key_are_served_and_a_mismatch_is_refused() {
    let made = TlsIdentity::self_signed().unwrap();
    let dir = tempfile_dir();
    let cert = dir.join("cert.pem");
    made.write_cert(&cert).unwrap();
    assert!(
        !std::fs::read_to_string(&cert)
            .unwrap()
            .contains("PRIVATE KEY"),
        "only the certificate is written"
    );
    let key = dir.join("key.pem");
    // A pair made elsewhere (here by rcgen), served as given.
    let given = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (given_cert, given_key) = (dir.join("given.pem"), dir.join("given-key.pem"));
    std::fs::write(&given_cert, given.cert.pem()).unwrap();
    std::fs::write(&given_key, given.signing_key.serialize_pem()).unwrap();
    let identity = TlsIdentity::from_files(&given_cert, &given_key).unwrap();
    let config = SandboxConfig {
        tls: Some(identity.clone()),
        ..SandboxConfig::default()
    };
    let org = spawn("127.0.0.1:0".parse().unwrap(), config).await.unwrap();
    let res = trusting(&identity)
        .get(format!("{}/health", org.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    org.shutdown();

    // A key that is not the certificate's.
    let err = TlsIdentity::from_files(&cert, &another_key(&dir))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("do not match") && err.contains("cert.pem"),
        "{err}"
    );
    assert!(
        !format!("{made:?}").contains("PRIVATE KEY"),
        "Debug never prints the key"
    );
    let err = TlsIdentity::from_files(&cert, &key)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot read the private key") && err.contains("key.pem"),
        "{err}"
    );
    let err = TlsIdentity::from_pem("not a certificate".into(), String::new())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("TLS: "), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pane-sandbox-tls-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A PEM private key that is no certificate's.
fn another_key(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("other-key.pem");
    std::fs::write(&path, rcgen::KeyPair::generate().unwrap().serialize_pem()).unwrap();
    path
}

#[tokio::test]
async fn the_host_split_answers_as_a_my_domain_org() {
    let identity = TlsIdentity::self_signed().unwrap();
    let config = SandboxConfig {
        tls: Some(identity.clone()),
        split_hosts: true,
        ..SandboxConfig::default()
    };
    let org = spawn("127.0.0.1:0".parse().unwrap(), config).await.unwrap();
    let port = org.addr().port();
    let login = format!("https://127.0.0.1:{port}");
    let instance = format!("https://localhost:{port}");
    assert_eq!(
        (org.base_url(), org.instance_url()),
        (login.clone(), instance.clone())
    );
    let http = trusting(&identity);

    // The token answer: instance_url on the instance host, the identity URL on the login host.
    let token = password_login(&http, &login, "ana@pane-support.example", "demo-ana-1").await;
    assert_eq!(token["instance_url"], instance);
    let id = token["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{login}/id/")), "{id}");
    let access = token["access_token"].as_str().unwrap();
    let who = json(http.get(id).bearer_auth(access)).await;
    assert_eq!(who["username"], "ana@pane-support.example");
    assert_eq!(
        who["urls"]["rest"],
        format!("{instance}/services/data/v{{version}}/")
    );
    assert_eq!(who["id"], id);

    // The APIs answer at the instance, composite subrequests included.
    let composite = json!({"compositeRequest": [
        {"method": "GET", "url": format!("/services/data/{V}/query?q=SELECT+Id+FROM+Account+LIMIT+1"), "referenceId": "a"},
    ]});
    let (code, body) = answer(
        http.post(format!("{instance}/services/data/{V}/composite"))
            .bearer_auth(access)
            .json(&composite),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        body["compositeResponse"][0]["httpStatusCode"], 200,
        "{body}"
    );
    // The refresh token works at the login host's token endpoint.
    let token_again = json(http.post(format!("{login}/services/oauth2/token")).form(&[
        ("grant_type", "password"),
        ("client_id", "pane-sandbox-demo-client"),
        ("client_secret", "pane-sandbox-demo-secret"),
        ("username", "ben@pane-support.example"),
        ("password", "demo-ben-1"),
    ]))
    .await;
    assert_eq!(token_again["instance_url"], instance);

    // Not at the login host: refused as a session the login server does not hold, and logged.
    let (code, body) = answer(
        http.get(format!("{login}/services/data/{V}/query"))
            .query(&[("q", "SELECT Id FROM Account LIMIT 1")])
            .bearer_auth(access),
    )
    .await;
    assert_eq!(code, 401);
    assert_eq!(body[0]["errorCode"], "INVALID_SESSION_ID");
    let soap = http
        .post(format!("{login}/services/Soap/u/59.0"))
        .header("content-type", "text/xml")
        .header("SOAPAction", "convertLead")
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(soap.status(), 401);
    let refusals = json(http.get(format!("{instance}/__sandbox/refusals"))).await;
    assert_eq!(
        strings(&refusals["refusals"], "rule"),
        ["host.api-on-instance", "host.api-on-instance"]
    );
    // Both URLs find the org's refusal log.
    assert!(pane_sandbox::strict::refusals_at(&login).is_some());
    assert!(pane_sandbox::strict::refusals_at(&instance).is_some());
    // The versions list is not an API call: it answers on both.
    let versions = http
        .get(format!("{login}/services/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(versions.status(), 200);
}

#[tokio::test]
async fn the_split_needs_a_loopback_address() {
    let config = SandboxConfig {
        split_hosts: true,
        ..SandboxConfig::default()
    };
    let err = spawn("192.0.2.1:0".parse().unwrap(), config)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("loopback"), "{err}");
}
