//! The visibility hook: a panel is active only while it is displayed, sized, in view and in a
//! visible tab; one test a cause.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use leptos::prelude::*;
use salesforce_pane::hooks::{UsePanelActiveReturn, use_panel_active};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

use crate::support::{container, document, sleep, until};

/// A panel's size in the host's pane.
const SHOWN: &str = "width: 320px; height: 240px";

/// Mounts a panel-sized root into a fresh container styled `style`; the hook's signals.
fn mount_probe(style: &str) -> (HtmlElement, UsePanelActiveReturn) {
    let container = container(style);
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

/// A shown probe, once it is active.
async fn active_probe() -> (HtmlElement, UsePanelActiveReturn) {
    let (container, hook) = mount_probe(SHOWN);
    let active = hook.active;
    until("active at start", move || active.get_untracked()).await;
    (container, hook)
}

/// Restyles `container` and waits for the hook to say `active == want`.
async fn restyle(container: &HtmlElement, hook: &UsePanelActiveReturn, style: &str, want: bool) {
    container.set_attribute("style", style).unwrap();
    let active = hook.active;
    let what = format!("active == {want} with style {style:?}");
    until(&what, move || active.get_untracked() == want).await;
}

/// An active probe restyled `style` turns inactive, passes `check`, and is active again once
/// shown.
async fn inactive_until_shown(style: &str, check: impl FnOnce(&UsePanelActiveReturn)) {
    let (container, hook) = active_probe().await;
    restyle(&container, &hook, style, false).await;
    check(&hook);
    restyle(&container, &hook, SHOWN, true).await;
    container.remove();
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
    let (container, hook) = mount_probe(SHOWN);
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
}

#[wasm_bindgen_test]
async fn a_panel_loaded_hidden_is_not_active_until_shown() {
    let (container, hook) = mount_probe("display: none");
    sleep(300).await;
    assert!(!hook.active.get_untracked(), "active while never shown");
    restyle(&container, &hook, SHOWN, true).await;
    container.remove();
}

/// The host sets the iframe (here: the container) to display: none.
#[wasm_bindgen_test]
async fn a_panel_not_displayed_is_inactive_until_displayed_again() {
    inactive_until_shown("display: none", |hook| {
        assert!(!hook.has_size.get_untracked());
    })
    .await;
}

/// The host collapses the pane to zero width.
#[wasm_bindgen_test]
async fn a_panel_of_zero_width_is_inactive_until_widened() {
    inactive_until_shown("width: 0; height: 240px", |_| {}).await;
}

/// The host moves it off-screen: sized, but not in view.
#[wasm_bindgen_test]
async fn a_panel_off_screen_is_inactive_until_back_in_view() {
    let off_screen = "position: fixed; top: -5000px; width: 320px; height: 240px";
    inactive_until_shown(off_screen, |hook| {
        assert!(hook.has_size.get_untracked(), "off-screen is still sized");
        assert!(!hook.in_view.get_untracked());
    })
    .await;
}

/// The browser tab goes to the background.
#[wasm_bindgen_test]
async fn a_panel_in_a_background_tab_is_inactive_until_the_tab_is_shown() {
    let (container, hook) = active_probe().await;
    let active = hook.active;
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
