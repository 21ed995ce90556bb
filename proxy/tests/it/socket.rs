//! The real server on a socket bound to port 0: serves, logs without secrets, shuts down.

use pane_wire::api::Health;
use tokio::net::TcpListener;

use crate::helpers::{test_config, write_sites};

#[tokio::test]
async fn serves_on_a_real_socket_logs_no_secret_and_shuts_down_gracefully() {
    let (logs, _guard) = crate::helpers::capture_logs();

    let dirs = tempfile::tempdir().unwrap();
    write_sites(dirs.path());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(pane_proxy::serve(
        listener,
        test_config(dirs.path()),
        async {
            let _ = stop_rx.await;
        },
    ));

    let base = format!("http://{addr}");
    let health: Health = reqwest::get(format!("{base}/api/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health.status, "ok");
    let res = reqwest::get(format!("{base}/plugin/?auth_secret=hunter2-secret"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = crate::login::header_of(&res, "content-security-policy");
    assert!(
        csp.contains(&format!("http://127.0.0.1:{}", addr.port())),
        "{csp}"
    );

    stop_tx.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{base}/api/health")).await.is_err(),
        "still serving after shutdown"
    );

    let logs = logs.text();
    // Request spans, and the embedded org's start.
    for wanted in ["path=/plugin/", "embedded sandbox org started"] {
        assert!(logs.contains(wanted), "{wanted} not logged:\n{logs}");
    }
    assert!(
        !logs.contains("hunter2-secret"),
        "a secret reached the logs:\n{logs}"
    );
}
