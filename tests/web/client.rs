//! The proxy client: what is in flight is aborted when the panel hides or its caller gives up.

use std::pin::Pin;

use leptos::prelude::*;
use salesforce_pane::PanelError;
use salesforce_pane::api::Api;
use serde_json::Value;
use wasm_bindgen_test::*;

/// The wasm executor and a current owner, which the test keeps until its end.
fn owner() -> Owner {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    owner
}

/// Starts a GET of `path`: one poll sends it (the answer needs a network round trip, a task
/// that cannot run before the caller's next step), and it is in flight.
async fn sent<'a>(
    api: &'a Api,
    path: &'a str,
) -> Pin<Box<impl Future<Output = Result<Value, PanelError>> + 'a>> {
    let mut request = Box::pin(api.get_json::<Value>(path));
    assert!(futures::poll!(&mut request).is_pending());
    assert_eq!(api.in_flight(), 1);
    request
}

#[wasm_bindgen_test]
async fn hiding_aborts_in_flight_requests_and_starts_none() {
    let _owner = owner();
    let active = RwSignal::new(true);
    let api = Api::new(active.into(), None);
    let request = sent(&api, "/__pane_test/in-flight").await;
    assert_eq!(api.requests().get_untracked(), 1);

    // The panel turns hidden: the hook's effect aborts what is in flight.
    active.set(false);
    assert_eq!(request.await, Err(PanelError::Aborted));
    assert_eq!(api.in_flight(), 0);

    // Hidden: nothing starts, nothing is counted.
    let err = api.get_json::<Value>("/__pane_test/x").await.unwrap_err();
    assert_eq!(err, PanelError::Suspended);
    assert_eq!(api.requests().get_untracked(), 1);

    // Shown again: requests go out (the test server answers 404, an error the panel shows).
    active.set(true);
    leptos::task::tick().await;
    let err = api.get_json::<Value>("/__pane_test/x").await.unwrap_err();
    assert!(
        matches!(err, PanelError::Http { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(api.requests().get_untracked(), 2);
}

#[wasm_bindgen_test]
async fn a_request_given_up_is_aborted_and_forgotten() {
    let _owner = owner();
    let api = Api::new(RwSignal::new(true).into(), None);
    // Sent, then its caller gives up, as a view does when its sender changes.
    let request = sent(&api, "/__pane_test/given-up").await;
    drop(request);
    assert_eq!(
        api.in_flight(),
        0,
        "a dropped request stays on the in-flight list"
    );
}
