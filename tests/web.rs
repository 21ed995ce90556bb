//! The panel's browser tests (wasm-bindgen-test in headless Chromium): the bridge against the
//! dev inbox's real host code and sample data, the visibility hook, the proxy client's
//! aborts, and the panel shell mounted into a real DOM.

#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::cell::RefCell;
use std::rc::Rc;

use futures::future::{Either, select};
use js_sys::{Array, Function, Object, Reflect};
use leptos::prelude::*;
use pane_wire::bridge::{ContextKind, HandleKind, LookupTarget, lookup_target, participants};
use salesforce_pane::PanelError;
use salesforce_pane::api::Api;
use salesforce_pane::bridge::Bridge;
use salesforce_pane::components::app::Panel;
use salesforce_pane::hooks::{UsePanelActiveReturn, use_panel_active};
use salesforce_pane::settings::Settings;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, MessageChannel};

wasm_bindgen_test_configure!(run_in_browser);

// ---- the dev inbox's own host code and samples -----------------------------------------

#[wasm_bindgen(module = "/www/js/host-bridge.js")]
extern "C" {
    type HostBridge;
    #[wasm_bindgen(constructor)]
    fn new(options: &JsValue) -> HostBridge;
    #[wasm_bindgen(method)]
    fn attach(this: &HostBridge, port: &web_sys::MessagePort);
    #[wasm_bindgen(method, js_name = setContext)]
    fn set_context(this: &HostBridge, context: &JsValue) -> String;
    #[wasm_bindgen(method, getter)]
    fn cancelled(this: &HostBridge) -> js_sys::Set;
}

#[wasm_bindgen(module = "/www/js/samples.js")]
extern "C" {
    #[wasm_bindgen(js_name = sampleContexts)]
    fn sample_contexts() -> Array;
    #[wasm_bindgen(js_name = buildContext)]
    fn build_context(selected: Array) -> JsValue;
    #[wasm_bindgen(thread_local_v2, js_name = DATA_FUNCTIONS)]
    static DATA_FUNCTIONS: Object;
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits up to 3 s for `cond`.
async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..150 {
        if cond() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}

/// A host (the dev inbox's `HostBridge`) and the panel's bridge, over a real `MessageChannel`.
struct Connected {
    host: HostBridge,
    bridge: Bridge,
    opened: Rc<RefCell<Vec<String>>>,
}

fn connect(extra: &[(&str, JsValue)]) -> Connected {
    let functions = Object::assign(&Object::new(), &DATA_FUNCTIONS.with(Object::clone));
    let opened = Rc::new(RefCell::new(Vec::new()));
    let record = {
        let opened = Rc::clone(&opened);
        Closure::<dyn FnMut(Array)>::new(move |args: Array| {
            opened
                .borrow_mut()
                .push(args.get(0).as_string().unwrap_or_default());
        })
    };
    Reflect::set(&functions, &"openUrl".into(), record.as_ref()).unwrap();
    record.forget();
    for (name, f) in extra {
        Reflect::set(&functions, &(*name).into(), f).unwrap();
    }
    let options = Object::new();
    Reflect::set(&options, &"functions".into(), &functions).unwrap();
    let host = HostBridge::new(&options);
    let channel = MessageChannel::new().unwrap();
    let bridge = Bridge::over_port(channel.port1());
    host.attach(&channel.port2());
    Connected {
        host,
        bridge,
        opened,
    }
}

impl Connected {
    async fn push(&self, context: &JsValue) -> String {
        let id = self.host.set_context(context);
        let bridge = self.bridge.clone();
        let want = id.clone();
        until("the context to arrive", move || {
            bridge
                .context()
                .with_untracked(|c| c.as_ref().map(|c| c.id.clone()))
                == Some(want.clone())
        })
        .await;
        id
    }
}

fn ids(list: &[&str]) -> Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

// ---- bridge ------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bridge_decodes_every_sample_context() {
    let expected: &[(&str, ContextKind, &str)] = &[
        (
            "Email from a known address",
            ContextKind::SingleConversation,
            "email rose@edge.com",
        ),
        (
            "Email from an unknown address at a known company",
            ContextKind::SingleConversation,
            "email tim.barr@burlington.com",
        ),
        (
            "Email from a totally unknown address",
            ContextKind::SingleConversation,
            "email zoe@quintessential-kites.example",
        ),
        ("SMS", ContextKind::SingleConversation, "phone +15127579340"),
        (
            "Phone call",
            ContextKind::SingleConversation,
            "phone +13362227000",
        ),
        (
            "WhatsApp message (unsupported channel)",
            ContextKind::SingleConversation,
            "unsupported",
        ),
        (
            "Several senders and CCs",
            ContextKind::SingleConversation,
            "email sean@edge.com",
        ),
        (
            "Email from a Lead",
            ContextKind::SingleConversation,
            "email bertha@fcof.net",
        ),
        (
            "Several selected at once",
            ContextKind::MultiConversations,
            "several 3",
        ),
        ("None", ContextKind::NoConversation, "none"),
    ];
    let samples = sample_contexts();
    assert_eq!(
        samples.length() as usize,
        expected.len(),
        "a sample case has no expectation"
    );
    let connected = connect(&[]);
    for (sample, (name, kind, target)) in samples.iter().zip(expected) {
        let sample: Array = sample.unchecked_into();
        assert_eq!(sample.get(0).as_string().unwrap(), *name);
        let id = connected.push(&sample.get(1)).await;
        let ctx = connected.bridge.context().get_untracked().unwrap();
        assert_eq!(ctx.id, id);
        assert_eq!(&ctx.kind, kind, "{name}");
        assert_eq!(
            ctx.teammate.as_ref().unwrap().email,
            "ana@pane-support.example"
        );
        let got = match lookup_target(&ctx) {
            LookupTarget::Handle { handle, .. } => format!(
                "{} {}",
                if handle.kind == HandleKind::Email {
                    "email"
                } else {
                    "phone"
                },
                handle.value
            ),
            LookupTarget::Unsupported { .. } => "unsupported".into(),
            LookupTarget::Several { count } => format!("several {count}"),
            LookupTarget::NoConversation => "none".into(),
            other => format!("{other:?}"),
        };
        assert_eq!(got, *target, "{name}");
    }
    assert_eq!(connected.bridge.problem().get_untracked(), None);
}

#[wasm_bindgen_test]
async fn list_messages_reads_dates_and_every_page() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&["cnv_group"]))).await;
    let list = connected.bridge.list_messages().await.unwrap();
    // The host answers two messages a page: the third comes from the second page.
    assert_eq!(list.results.len(), 3);
    assert_eq!(list.next_page_token, None);
    assert_eq!(
        list.results[0].date,
        Some(js_sys::Date::parse("2026-11-18T09:00:00Z"))
    );
    let ctx = connected.bridge.context().get_untracked().unwrap();
    let teammates = connected.bridge.teammates().await.unwrap();
    assert_eq!(teammates.len(), 2);
    let people: Vec<String> = participants(&ctx, &list.results, &teammates)
        .into_iter()
        .map(|h| h.value)
        .collect();
    assert_eq!(
        people,
        [
            "sean@edge.com",
            "rose@edge.com",
            "lisa.lee@edge.com",
            "jrogers@burlington.com"
        ],
        "teammates and the support address are left out"
    );
}

#[wasm_bindgen_test]
async fn open_url_reaches_the_host() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&["cnv_known"]))).await;
    connected
        .bridge
        .open_url("https://org.example/001000000000001AAA")
        .await
        .unwrap();
    assert_eq!(
        *connected.opened.borrow(),
        ["https://org.example/001000000000001AAA"]
    );
}

#[wasm_bindgen_test]
async fn recipients_and_popups_reach_the_host() {
    let popup = Function::new_with_args("args", "globalThis.__panePopup = args; return undefined;");
    let connected = connect(&[("openUrlInPopup", popup.into())]);
    connected.push(&build_context(ids(&["cnv_group"]))).await;
    let recipients = connected.bridge.list_recipients().await.unwrap();
    let handles: Vec<&str> = recipients
        .results
        .iter()
        .map(|r| r.handle.as_str())
        .collect();
    assert!(
        handles.contains(&"jrogers@burlington.com"),
        "every page: {handles:?}"
    );
    assert_eq!(recipients.next_page_token, None);
    connected
        .bridge
        .open_url_in_popup("https://login.example/authorize", 480, 640)
        .await
        .unwrap();
    let args = Reflect::get(&js_sys::global(), &"__panePopup".into()).unwrap();
    let args: Array = args.unchecked_into();
    assert_eq!(
        args.get(0).as_string().as_deref(),
        Some("https://login.example/authorize")
    );
    assert_eq!(
        Reflect::get(&args.get(1), &"width".into())
            .unwrap()
            .as_f64(),
        Some(480.0)
    );
}

#[wasm_bindgen_test]
async fn calls_outside_the_context_are_refused() {
    let connected = connect(&[]);
    connected.push(&build_context(ids(&[]))).await;
    // Not in the context's functionArities: refused by the panel, as the SDK does.
    let err = connected.bridge.list_messages().await.unwrap_err();
    assert_eq!(
        err,
        PanelError::NotAFunction {
            name: "listMessages".into(),
            context: "noConversation".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "listMessages is not a valid function for context noConversation."
    );
    // Offered by the context but not answered by the host: the host's function_error.
    let ctx = build_context(ids(&["cnv_known"]));
    let arities = Reflect::get(&ctx, &"functionArities".into()).unwrap();
    Reflect::set(&arities, &"createDraft".into(), &2.into()).unwrap();
    connected.push(&ctx).await;
    let err = connected
        .bridge
        .call("createDraft", vec![])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PanelError::HostRefused(
            "createDraft is not a valid function for context singleConversation.".into()
        )
    );
}

#[wasm_bindgen_test]
async fn a_dropped_call_sends_function_cancel() {
    let never = Function::new_no_args("return new Promise(() => {})");
    let connected = connect(&[("listTeammates", never.into())]);
    connected.push(&build_context(ids(&["cnv_known"]))).await;
    let call = Box::pin(connected.bridge.call("listTeammates", vec![]));
    match select(call, Box::pin(sleep(100))).await {
        Either::Left(_) => panic!("the host answered a call it never answers"),
        Either::Right(((), call)) => drop(call),
    }
    assert_eq!(connected.bridge.pending_calls(), 0);
    let host = &connected.host;
    until("the host to see the cancel", || {
        host.cancelled().size() == 1
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_host_message_the_panel_cannot_read_is_reported_not_fatal() {
    let channel = MessageChannel::new().unwrap();
    let bridge = Bridge::over_port(channel.port1());
    let bad = Object::new();
    Reflect::set(&bad, &"type".into(), &"context_update".into()).unwrap();
    Reflect::set(&bad, &"context".into(), &"not a context".into()).unwrap();
    channel.port2().post_message(&bad).unwrap();
    let b = bridge.clone();
    until("the problem to be reported", move || {
        b.problem().get_untracked().is_some()
    })
    .await;
    assert!(
        bridge
            .problem()
            .get_untracked()
            .unwrap()
            .starts_with("The inbox sent a message the panel cannot read")
    );
    assert_eq!(bridge.context().get_untracked(), None);
}

// ---- visibility ----------------------------------------------------------------------------

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts a panel-sized root into a fresh container and returns the hook's signals.
fn mount_probe() -> (HtmlElement, UsePanelActiveReturn) {
    mount_probe_styled("width: 320px; height: 240px")
}

fn mount_probe_styled(style: &str) -> (HtmlElement, UsePanelActiveReturn) {
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    container.set_attribute("style", style).unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let out = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&out);
    let handle = leptos::mount::mount_to(container.clone(), move || {
        let root = NodeRef::<leptos::html::Div>::new();
        *slot.borrow_mut() = Some(use_panel_active(root));
        view! { <div node_ref=root class="probe-root" style="width: 100%; height: 100%"></div> }
    });
    handle.forget();
    let ret = out.borrow_mut().take().unwrap();
    (container, ret)
}

fn set_document_hidden(hidden: bool) {
    // Headless Chromium never hides a page; the property is what the hook reads on the event.
    let doc = document();
    if hidden {
        let descriptor = Object::new();
        Reflect::set(&descriptor, &"value".into(), &"hidden".into()).unwrap();
        Reflect::set(&descriptor, &"configurable".into(), &true.into()).unwrap();
        Object::define_property(&doc, &"visibilityState".into(), &descriptor);
    } else {
        Reflect::delete_property(&doc, &"visibilityState".into()).unwrap();
    }
    doc.dispatch_event(&web_sys::Event::new("visibilitychange").unwrap())
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_panel_is_not_active_before_it_is_known_to_be_seen() {
    // Regression: the hook assumed "in view" until the IntersectionObserver reported, so a
    // panel was active for its first frames even when Chrome then reported it unseen, and
    // sent a request it had to abort and send again.
    let (container, hook) = mount_probe();
    assert!(
        !hook.active.get_untracked(),
        "active before the observer reported"
    );
    let active = hook.active;
    until("active once the observer reports", move || {
        active.get_untracked()
    })
    .await;
    container.remove();

    // Loaded hidden: never active until shown.
    let (container, hook) = mount_probe_styled("display: none");
    let active = hook.active;
    sleep(300).await;
    assert!(!active.get_untracked(), "active while never shown");
    container
        .set_attribute("style", "width: 320px; height: 240px")
        .unwrap();
    until("active once shown", move || active.get_untracked()).await;
    container.remove();
}

#[wasm_bindgen_test]
async fn panel_active_flips_on_each_cause() {
    let (container, hook) = mount_probe();
    let active = hook.active;
    until("active at start", move || active.get_untracked()).await;

    // The host sets the iframe (here: the container) to display: none.
    container.set_attribute("style", "display: none").unwrap();
    until("inactive when not displayed", move || {
        !active.get_untracked()
    })
    .await;
    assert!(!hook.has_size.get_untracked());
    container
        .set_attribute("style", "width: 320px; height: 240px")
        .unwrap();
    until("active again after display: none", move || {
        active.get_untracked()
    })
    .await;

    // The host collapses the pane to zero width.
    container
        .set_attribute("style", "width: 0; height: 240px")
        .unwrap();
    until("inactive at zero width", move || !active.get_untracked()).await;
    container
        .set_attribute("style", "width: 320px; height: 240px")
        .unwrap();
    until("active again after zero width", move || {
        active.get_untracked()
    })
    .await;

    // The host moves it off-screen: sized, but not in view.
    container
        .set_attribute(
            "style",
            "position: fixed; top: -5000px; width: 320px; height: 240px",
        )
        .unwrap();
    until("inactive off-screen", move || !active.get_untracked()).await;
    assert!(hook.has_size.get_untracked(), "off-screen is still sized");
    assert!(!hook.in_view.get_untracked());
    container
        .set_attribute("style", "width: 320px; height: 240px")
        .unwrap();
    until("active again after off-screen", move || {
        active.get_untracked()
    })
    .await;

    // The browser tab goes to the background.
    set_document_hidden(true);
    until("inactive in a background tab", move || {
        !active.get_untracked()
    })
    .await;
    assert!(!hook.document_visible.get_untracked());
    set_document_hidden(false);
    until("active again after the background tab", move || {
        active.get_untracked()
    })
    .await;
    container.remove();
}

// ---- the proxy client ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn hiding_aborts_in_flight_requests_and_starts_none() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let active = RwSignal::new(true);
    let api = Api::new(active.into(), None);
    // Start a request: one poll sends it (the answer needs a network round trip, a task
    // that cannot run before the microtasks below).
    let mut request = Box::pin(api.get_json::<serde_json::Value>("/__pane_test/in-flight"));
    assert!(futures::poll!(&mut request).is_pending());
    assert_eq!(api.in_flight(), 1);
    assert_eq!(api.requests().get_untracked(), 1);

    // The panel turns hidden: the hook's effect aborts what is in flight.
    active.set(false);
    assert_eq!(request.await, Err(PanelError::Aborted));
    assert_eq!(api.in_flight(), 0);

    // Hidden: nothing starts, nothing is counted.
    let err = api
        .get_json::<serde_json::Value>("/__pane_test/x")
        .await
        .unwrap_err();
    assert_eq!(err, PanelError::Suspended);
    assert_eq!(api.requests().get_untracked(), 1);

    // Shown again: requests go out (the test server answers 404, an error the panel shows).
    active.set(true);
    leptos::task::tick().await;
    let err = api
        .get_json::<serde_json::Value>("/__pane_test/x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, PanelError::Http { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(api.requests().get_untracked(), 2);
}

#[wasm_bindgen_test]
async fn a_request_given_up_is_aborted_and_forgotten() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let owner = Owner::new();
    owner.set();
    let api = Api::new(RwSignal::new(true).into(), None);
    // Sent (one poll), then its caller gives up, as a view does when its sender changes.
    let mut request = Box::pin(api.get_json::<serde_json::Value>("/__pane_test/given-up"));
    assert!(futures::poll!(&mut request).is_pending());
    assert_eq!(api.in_flight(), 1);
    drop(request);
    assert_eq!(
        api.in_flight(),
        0,
        "a dropped request stays on the in-flight list"
    );
}

// ---- the panel shell -------------------------------------------------------------------------

fn query(selector: &str) -> Option<web_sys::Element> {
    document().query_selector(selector).unwrap()
}

fn text(selector: &str) -> String {
    query(selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// The whole panel over `connected`'s bridge, mounted in a panel-sized container.
fn mount_panel(connected: &Connected) -> HtmlElement {
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    container
        .set_attribute("style", "width: 340px; height: 600px")
        .unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    let bridge = connected.bridge.clone();
    leptos::mount::mount_to(container.clone(), move || {
        view! { <Panel bridge=bridge settings=Settings::from_query("") /> }
    })
    .forget();
    container
}

#[wasm_bindgen_test]
async fn panel_shell_shows_the_handle_or_why_not() {
    let connected = connect(&[]);
    let container = mount_panel(&connected);

    until("waiting message", || {
        text("[data-testid=lookup-message]").contains("Waiting for the inbox")
    })
    .await;

    connected.push(&build_context(ids(&["cnv_group"]))).await;
    until("the handle", || {
        text("[data-testid=lookup-handle]") == "sean@edge.com"
    })
    .await;
    assert_eq!(text("[data-testid=lookup-name]"), "Sean Forbes");
    assert_eq!(text("[data-testid=lookup-channel]"), "Email");
    until("the participants", || {
        document()
            .query_selector_all("[data-testid=participant]")
            .unwrap()
            .length()
            == 4
    })
    .await;
    let lisa: HtmlElement = query("[data-testid=participant][data-handle='lisa.lee@edge.com']")
        .unwrap()
        .unchecked_into();
    lisa.click();
    until("the chosen participant", || {
        text("[data-testid=lookup-handle]") == "lisa.lee@edge.com"
    })
    .await;

    connected.push(&build_context(ids(&["cnv_whatsapp"]))).await;
    until("unsupported", || {
        text("[data-testid=lookup-message]")
            == "WhatsApp conversations can't be matched with Salesforce records. \
                Salesforce Pane matches email, SMS and phone calls."
    })
    .await;

    connected
        .push(&build_context(ids(&["cnv_known", "cnv_sms"])))
        .await;
    until("several", || {
        text("[data-testid=lookup-message]").starts_with("2 conversations are selected")
    })
    .await;

    connected.push(&build_context(ids(&[]))).await;
    until("none", || {
        text("[data-testid=lookup-message]").starts_with("No conversation is open")
    })
    .await;

    // The cog and the search box lead to their views, and back.
    let cog: HtmlElement = query("[data-testid=cog]").unwrap().unchecked_into();
    cog.click();
    until("field chooser", || {
        query("[data-testid=field-chooser]").is_some()
    })
    .await;
    cog.click();
    until("back", || query("[data-testid=field-chooser]").is_none()).await;
    let search: web_sys::HtmlInputElement = query("[data-testid=search]").unwrap().unchecked_into();
    search.set_value("rose");
    search
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    // This test page has no proxy: the search says so, after its debounce.
    until("search view", || {
        text("[data-testid=search-error]").contains("404")
    })
    .await;

    // The status bar counted the health request; this test page has no proxy, so it says so.
    until("the status", || {
        text("[data-testid=backend]").contains("404")
    })
    .await;
    assert!(text("[data-testid=request-count]").parse::<u32>().unwrap() >= 1);
    container.remove();
}

/// Switching conversations does not grow the panel's memory: the handle view used to be
/// rebuilt for each conversation, and what it built was never freed (wasm memory grew about
/// 1 KiB a switch: 589,824 B over these 500 switches; now within a few 64 KiB pages).
#[wasm_bindgen_test]
async fn conversation_switches_do_not_grow_memory() {
    let connected = connect(&[]);
    let container = mount_panel(&connected);
    let memory = || {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };
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
            after_warm_up = memory();
        }
    }
    let grown = memory() - after_warm_up;
    container.remove();
    assert!(
        grown <= 256 * 1024,
        "wasm memory grew {grown} bytes over 500 switches"
    );
}

// ---- components with logic: inputs from the describe, inline edit ----------------------

fn spec_field(name: &str, kind: &str) -> pane_wire::api::FieldSpec {
    pane_wire::api::FieldSpec {
        name: name.into(),
        label: format!("{name} label"),
        kind: kind.into(),
        required: false,
        createable: true,
        updateable: true,
        length: None,
        scale: None,
        picklist: vec![],
        restricted: false,
        reference_to: vec![],
        custom: false,
        name_field: false,
    }
}

fn mount_in_div(f: impl FnOnce() -> AnyView + 'static) -> HtmlElement {
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), f).forget();
    container
}

#[wasm_bindgen_test]
async fn inputs_follow_the_field_type() {
    use salesforce_pane::components::field::FieldInput;
    let mut stage = spec_field("StageName", "picklist");
    stage.picklist = vec![
        pane_wire::api::PicklistOption {
            value: "Prospecting".into(),
            label: "Prospecting".into(),
            default: true,
        },
        pane_wire::api::PicklistOption {
            value: "Closed Won".into(),
            label: "Won".into(),
            default: false,
        },
    ];
    let mut subject = spec_field("Subject", "combobox");
    subject.picklist = vec![pane_wire::api::PicklistOption {
        value: "Call".into(),
        label: "Call".into(),
        default: false,
    }];
    let fields = vec![
        stage,
        subject,
        spec_field("CloseDate", "date"),
        spec_field("At", "datetime"),
        spec_field("Done", "boolean"),
        spec_field("Description", "textarea"),
        spec_field("Amount", "currency"),
        spec_field("Email", "email"),
        spec_field("Phone", "phone"),
    ];
    let values: Vec<RwSignal<String>> = fields
        .iter()
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let mounted = fields.clone();
    let signals = values.clone();
    let container = mount_in_div(move || {
        mounted
            .into_iter()
            .zip(signals)
            .map(|(f, v)| {
                let id = format!("t-{}", f.name);
                view! { <FieldInput field=f value=v id=id /> }
            })
            .collect_view()
            .into_any()
    });
    let el = |name: &str| -> web_sys::Element {
        container
            .query_selector(&format!("[data-testid=input-{name}]"))
            .unwrap()
            .unwrap()
    };
    let attr = |name: &str, a: &str| el(name).get_attribute(a).unwrap_or_default();
    assert_eq!(el("StageName").tag_name(), "SELECT");
    assert_eq!(
        el("StageName")
            .query_selector_all("option")
            .unwrap()
            .length(),
        3,
        "a blank and two values"
    );
    assert_eq!(
        (el("Subject").tag_name(), attr("Subject", "list")),
        ("INPUT".into(), "t-Subject-values".into())
    );
    assert!(
        container
            .query_selector("datalist#t-Subject-values option[value=Call]")
            .unwrap()
            .is_some()
    );
    assert_eq!(attr("CloseDate", "type"), "date");
    assert_eq!(attr("At", "type"), "datetime-local");
    assert_eq!(attr("Done", "type"), "checkbox");
    assert_eq!(el("Description").tag_name(), "TEXTAREA");
    assert_eq!(attr("Amount", "inputmode"), "decimal");
    assert_eq!(attr("Email", "type"), "email");
    assert_eq!(attr("Phone", "type"), "tel");

    // Typing reaches the signal; the signal reaches the input.
    let amount: web_sys::HtmlInputElement = el("Amount").unchecked_into();
    amount.set_value("1,200.50");
    amount
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    assert_eq!(values[6].get_untracked(), "1,200.50");
    values[2].set("2026-11-24".into());
    sleep(20).await;
    let date: web_sys::HtmlInputElement = el("CloseDate").unchecked_into();
    assert_eq!(date.value(), "2026-11-24");
    container.remove();
}

fn key_down(key: &str) -> web_sys::KeyboardEvent {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
}

#[wasm_bindgen_test]
async fn inline_edit_shows_the_value_at_once_and_rolls_back_when_the_save_fails() {
    use salesforce_pane::components::field::FieldRow;
    use salesforce_pane::components::state::provide_panel_state;
    use salesforce_pane::session::provide_session;
    let container = mount_in_div(move || {
        let session = provide_session();
        let active = Signal::derive(|| true);
        let api = Api::new(active, Some(session.auth()));
        provide_panel_state(api, session, active);
        let mut locked = spec_field("LeadSource", "string");
        locked.updateable = false;
        view! {
            // No proxy here: the test server answers the save with an error.
            <FieldRow object="Contact".to_owned() id="003000000000001AAA".to_owned()
                field=spec_field("Title", "string") value=serde_json::json!("Buyer")
                loaded_at=Some("Tue, 24 Nov 2026 10:30:00 GMT".to_owned()) />
            <FieldRow object="Contact".to_owned() id="003000000000001AAA".to_owned()
                field=locked value=serde_json::json!("Web") loaded_at=None />
        }
        .into_any()
    });
    let q = |sel: &str| container.query_selector(sel).unwrap();
    let row_text = || {
        q("[data-testid=field-Title] .value-text")
            .unwrap()
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(row_text(), "Buyer");
    assert!(
        q("[data-testid=field-LeadSource] [data-testid=pencil]").is_none(),
        "read-only: no pencil"
    );

    // Escape cancels.
    q("[data-testid=field-Title] [data-testid=pencil]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(20).await;
    let input: web_sys::HtmlInputElement = q("[data-testid=input-Title]").unwrap().unchecked_into();
    assert_eq!(input.value(), "Buyer");
    input.set_value("Nope");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    input.dispatch_event(&key_down("Escape")).unwrap();
    sleep(20).await;
    assert_eq!(row_text(), "Buyer");

    // Enter saves: the new value shows at once, then rolls back with the reason.
    let field_value: HtmlElement = q("[data-testid=field-Title] [data-testid=field-value]")
        .unwrap()
        .unchecked_into();
    let enter = || key_down("Enter");
    field_value.dispatch_event(&enter()).unwrap();
    sleep(20).await;
    let input: web_sys::HtmlInputElement = q("[data-testid=input-Title]").unwrap().unchecked_into();
    input.set_value("Chief Buyer");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    input.dispatch_event(&enter()).unwrap();
    sleep(0).await;
    let state = || {
        q("[data-testid=field-Title]")
            .unwrap()
            .get_attribute("data-state")
            .unwrap_or_default()
    };
    assert!(
        matches!(state().as_str(), "saving" | "viewing"),
        "{}",
        state()
    );
    until("the rollback", || {
        state() == "viewing" && q("[data-testid=field-Title] [data-testid=field-error]").is_some()
    })
    .await;
    assert_eq!(row_text(), "Buyer", "rolled back");
    container.remove();
}

#[wasm_bindgen_test]
fn validation_and_the_edit_machine_hold_in_the_browser() {
    use salesforce_pane::model::edit::{EditCommand, EditEvent, EditState};
    use salesforce_pane::model::form::validate;
    let mut last = spec_field("LastName", "string");
    last.required = true;
    let email = spec_field("Email", "email");
    let values = serde_json::json!({"LastName": "", "Email": "not-an-email"});
    let problems = validate(&[&last, &email], &[], values.as_object().unwrap());
    let named: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(named, ["LastName", "Email"]);

    let (state, _) = EditState::viewing().next(EditEvent::Start {
        current: "a".into(),
    });
    let (state, _) = state.next(EditEvent::Type("b".into()));
    let (state, effect) = state.next(EditEvent::Commit {
        previous: serde_json::json!("a"),
        previous_text: "a".into(),
    });
    assert_eq!(
        effect,
        EditCommand::Save {
            draft: "b".into(),
            force: false
        }
    );
    assert_eq!(state.optimistic(), Some("b"));
}

#[wasm_bindgen_test]
async fn the_conversion_form_waits_for_the_org_statuses() {
    use salesforce_pane::components::convert::ConvertForm;
    use salesforce_pane::components::state::provide_panel_state;
    use salesforce_pane::components::view::provide_view_context;
    use salesforce_pane::session::provide_session;
    let lead = pane_wire::api::RecordView {
        object: "Lead".into(),
        id: "00Q000000000001AAA".into(),
        fields: serde_json::json!({"Name": "Bertha Boxer", "Company": "Farmers Coop. of Florida", "Email": "bertha@fcof.net"})
            .as_object()
            .unwrap()
            .clone(),
    };
    let container = mount_in_div(move || {
        let session = provide_session();
        let active = Signal::derive(|| true);
        let api = Api::new(active, Some(session.auth()));
        provide_panel_state(api, session, active);
        provide_view_context();
        view! { <ConvertForm lead=lead /> }.into_any()
    });
    let q = |sel: &str| container.query_selector(sel).unwrap();
    assert!(
        q("[data-testid=convert-form] h2")
            .unwrap()
            .text_content()
            .unwrap()
            .contains("Bertha Boxer")
    );
    assert!(q("[data-testid=convert-new-account]").is_some());
    // No proxy on this page: no statuses, so nothing can be converted, and the panel says why.
    until("the error", || q("[data-testid=form-error]").is_some()).await;
    let convert: web_sys::HtmlButtonElement = q("[data-testid=convert]").unwrap().unchecked_into();
    assert!(convert.disabled());
    // The Opportunity name shows only when asked for.
    assert!(q("[data-testid=convert-opportunity-name]").is_none());
    q("[data-testid=convert-with-opportunity]")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    sleep(20).await;
    assert!(q("[data-testid=convert-opportunity-name]").is_some());
    container.remove();
}
