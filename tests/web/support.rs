//! What the subjects share: the dev inbox's own host code and samples, a connected bridge,
//! waiting, and mounting into a fresh container.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect};
use leptos::prelude::*;
use salesforce_pane::bridge::Bridge;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, MessageChannel};

// ---- the dev inbox's own host code and samples -----------------------------------------

#[wasm_bindgen(module = "/www/js/host-bridge.js")]
extern "C" {
    pub type HostBridge;
    #[wasm_bindgen(constructor)]
    fn new(options: &JsValue) -> HostBridge;
    #[wasm_bindgen(method)]
    fn attach(this: &HostBridge, port: &web_sys::MessagePort);
    #[wasm_bindgen(method, js_name = setContext)]
    pub fn set_context(this: &HostBridge, context: &JsValue) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn cancelled(this: &HostBridge) -> js_sys::Set;
}

#[wasm_bindgen(module = "/www/js/samples.js")]
extern "C" {
    #[wasm_bindgen(js_name = sampleContexts)]
    pub fn sample_contexts() -> Array;
    #[wasm_bindgen(js_name = buildContext)]
    pub fn build_context(selected: Array) -> JsValue;
    #[wasm_bindgen(thread_local_v2, js_name = DATA_FUNCTIONS)]
    static DATA_FUNCTIONS: Object;
}

// ---- waiting ---------------------------------------------------------------------------

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Waits up to 3 s for `cond`.
pub async fn until(what: &str, cond: impl Fn() -> bool) {
    for _ in 0..150 {
        if cond() {
            return;
        }
        sleep(20).await;
    }
    panic!("timed out waiting for {what}");
}

// ---- a host and the panel's bridge -----------------------------------------------------

/// A host (the dev inbox's `HostBridge`) and the panel's bridge, over a real `MessageChannel`.
pub struct Connected {
    pub host: HostBridge,
    pub bridge: Bridge,
    pub opened: Rc<RefCell<Vec<String>>>,
}

/// Connects a host with the sample data functions, `openUrl` recorded, and `extra` functions.
pub fn connect(extra: &[(&str, JsValue)]) -> Connected {
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
    /// The host sets `context`; answers its id once the panel's bridge has it.
    pub async fn push(&self, context: &JsValue) -> String {
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

/// Conversation ids as the samples' `buildContext` takes them.
/// The wasm linear memory's size in bytes (it only grows: the allocator's high-water mark).
pub fn wasm_memory() -> u32 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

pub fn ids(list: &[&str]) -> Array {
    list.iter().map(|s| JsValue::from_str(s)).collect()
}

// ---- the DOM -----------------------------------------------------------------------------

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

pub fn query(selector: &str) -> Option<web_sys::Element> {
    document().query_selector(selector).unwrap()
}

pub fn text(selector: &str) -> String {
    query(selector)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// A fresh `div` with `style`, appended to the body.
pub fn container(style: &str) -> HtmlElement {
    let container: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    container.set_attribute("style", style).unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    container
}

/// Mounts `f` into a fresh unstyled container, which it answers.
pub fn mount_in_div(f: impl FnOnce() -> AnyView + 'static) -> HtmlElement {
    let container = container("");
    leptos::mount::mount_to(container.clone(), f).forget();
    container
}

/// Types `value` into `input` as a user does: the value, then an `input` event.
pub fn type_into(input: &web_sys::HtmlInputElement, value: &str) {
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}
