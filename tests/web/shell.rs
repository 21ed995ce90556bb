//! The whole panel over a connected bridge, mounted into a real DOM (this page has no proxy).

use leptos::prelude::*;
use salesforce_pane::components::app::Panel;
use salesforce_pane::settings::Settings;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use crate::support::{
    Connected, build_context, connect, container, document, ids, query, sleep, text, type_into,
    until, wasm_memory,
};

/// The whole panel over `connected`'s bridge, mounted in a panel-sized container.
fn mount_panel(connected: &Connected) -> HtmlElement {
    let container = container("width: 340px; height: 600px");
    let bridge = connected.bridge.clone();
    leptos::mount::mount_to(container.clone(), move || {
        view! { <Panel bridge=bridge settings=Settings::from_query("") /> }
    })
    .forget();
    container
}

/// A connected host and the whole panel over it.
fn mounted() -> (Connected, HtmlElement) {
    let connected = connect(&[]);
    let container = mount_panel(&connected);
    (connected, container)
}

/// Waits until the text of `selector` holds `part`.
async fn until_text_holds(selector: &str, part: &str) {
    let what = format!("{selector} to hold {part:?}");
    until(&what, || text(selector).contains(part)).await;
}

fn click(selector: &str) {
    query(selector)
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
}

#[wasm_bindgen_test]
async fn the_panel_waits_for_the_inbox_then_shows_the_handle_and_its_participants() {
    let (connected, container) = mounted();
    until_text_holds("[data-testid=lookup-message]", "Waiting for the inbox").await;

    connected.push(&build_context(ids(&["cnv_group"]))).await;
    until("the handle", || {
        text("[data-testid=lookup-handle]") == "sean@edge.com"
    })
    .await;
    assert_eq!(text("[data-testid=lookup-name]"), "Sean Forbes");
    assert_eq!(text("[data-testid=lookup-channel]"), "Email");
    until("the participants' chooser", || {
        text("[data-testid=participants-toggle]") == "4 people"
    })
    .await;
    assert_eq!(
        document()
            .query_selector_all("[data-testid=participant]")
            .unwrap()
            .length(),
        0,
        "the list is closed until the agent opens it"
    );
    click("[data-testid=participants-toggle]");
    until("the participants", || {
        document()
            .query_selector_all("[data-testid=participant]")
            .unwrap()
            .length()
            == 4
    })
    .await;
    click("[data-testid=participant][data-handle='lisa.lee@edge.com']");
    until("the chosen participant", || {
        text("[data-testid=lookup-handle]") == "lisa.lee@edge.com"
    })
    .await;
    until("the list closed", || {
        document()
            .query_selector("[data-testid=participants]")
            .unwrap()
            .is_none()
    })
    .await;
    container.remove();
}

/// How a message is compared with what a case expects.
type Matches = fn(&str, &str) -> bool;

#[wasm_bindgen_test]
async fn the_panel_says_why_a_context_has_no_handle() {
    let exactly = |got: &str, want: &str| got == want;
    let starts = |got: &str, want: &str| got.starts_with(want);
    let cases: [(&[&str], &str, Matches); 3] = [
        (
            &["cnv_whatsapp"],
            "WhatsApp conversations can't be matched with Salesforce records. \
             Salesforce Pane matches email, SMS and phone calls.",
            exactly,
        ),
        (
            &["cnv_known", "cnv_sms"],
            "2 conversations are selected",
            starts,
        ),
        (&[], "No conversation is open", starts),
    ];
    let (connected, container) = mounted();
    for (selected, want, matches) in cases {
        connected.push(&build_context(ids(selected))).await;
        until(want, || {
            matches(&text("[data-testid=lookup-message]"), want)
        })
        .await;
    }
    container.remove();
}

#[wasm_bindgen_test]
async fn the_cog_and_the_search_box_lead_to_their_views_and_back() {
    let (connected, container) = mounted();
    connected.push(&build_context(ids(&[]))).await;
    click("[data-testid=cog]");
    until("field chooser", || {
        query("[data-testid=field-chooser]").is_some()
    })
    .await;
    click("[data-testid=cog]");
    until("back", || query("[data-testid=field-chooser]").is_none()).await;
    let search: web_sys::HtmlInputElement = query("[data-testid=search]").unwrap().unchecked_into();
    type_into(&search, "rose");
    // This test page has no proxy: the search says so, after its debounce.
    until_text_holds("[data-testid=search-error]", "404").await;
    container.remove();
}

#[wasm_bindgen_test]
async fn the_status_bar_counts_the_request_at_load_and_says_the_proxy_is_missing() {
    let (_connected, container) = mounted();
    until_text_holds("[data-testid=backend]", "404").await;
    assert!(text("[data-testid=request-count]").parse::<u32>().unwrap() >= 1);
    container.remove();
}

/// Switching conversations does not grow the panel's memory: the handle view used to be
/// rebuilt for each conversation, and what it built was never freed (wasm memory grew about
/// 1 KiB a switch: 589,824 B over these 500 switches; now within a few 64 KiB pages).
#[wasm_bindgen_test]
async fn conversation_switches_do_not_grow_memory() {
    let (connected, container) = mounted();
    let contexts = [
        build_context(ids(&["cnv_known"])),
        build_context(ids(&["cnv_group"])),
    ];
    let mut after_warm_up = 0;
    for i in 0..600 {
        let id = connected.host.set_context(&contexts[i % 2]);
        // As `push`, polling every millisecond: the views follow within a task or two.
        while connected
            .bridge
            .context()
            .with_untracked(|c| c.as_ref().map(|c| c.id != id))
            .unwrap_or(true)
        {
            sleep(1).await;
        }
        sleep(1).await;
        if i == 100 {
            after_warm_up = wasm_memory();
        }
    }
    let grown = wasm_memory() - after_warm_up;
    container.remove();
    assert!(
        grown <= 256 * 1024,
        "wasm memory grew {grown} bytes over 500 switches"
    );
}

#[wasm_bindgen_test]
fn the_url_settings_are_read_with_their_defaults_and_floor() {
    let plain = Settings::from_query("?auth_secret=s");
    assert_eq!(
        (plain.refresh_ms, plain.prefetch_ms),
        (
            salesforce_pane::settings::DEFAULT_REFRESH_MS,
            salesforce_pane::settings::DEFAULT_PREFETCH_MS
        )
    );
    let set = Settings::from_query("?refresh_ms=5&prefetch_ms=0");
    assert_eq!(
        (set.refresh_ms, set.prefetch_ms),
        (100, 0),
        "refresh_ms has a floor; prefetch_ms none"
    );
    let bad = Settings::from_query("?refresh_ms=soon&prefetch_ms=-1");
    assert_eq!(
        (bad.refresh_ms, bad.prefetch_ms),
        (
            salesforce_pane::settings::DEFAULT_REFRESH_MS,
            salesforce_pane::settings::DEFAULT_PREFETCH_MS
        )
    );
}
