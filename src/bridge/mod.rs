//! The plugin side of the host bridge (Front's plugin protocol), in Rust: no JS SDK shipped.
//!
//! [`Bridge::connect`] sends the handshake to the parent window with a `MessagePort`; from
//! then on the host pushes contexts (kept in [`Bridge::context`]) and answers the panel's
//! function calls ([`Bridge::call`], [`Bridge::list_messages`], [`Bridge::open_url`]). A call
//! whose future is dropped before the answer sends `function_cancel`.

pub mod decode;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use leptos::prelude::*;
use pane_wire::bridge::{
    Context, HANDSHAKE, MessageList, Page, PluginMessage, RecipientList, Teammate,
};
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{MessageChannel, MessageEvent, MessagePort};

use crate::PanelError;
use decode::HostMessage;

/// At most this many pages of a paginated answer are read.
pub const MAX_PAGES: usize = 10;

type Pending = RefCell<HashMap<String, oneshot::Sender<Result<JsValue, PanelError>>>>;

/// Who hears each new context as it arrives, before anything re-renders.
type Listeners = RefCell<Vec<Box<dyn Fn(&Context)>>>;

/// The panel's end of the bridge. Cheap to clone; provided as a context by [`provide_bridge`].
#[derive(Clone, Debug)]
pub struct Bridge {
    context: RwSignal<Option<Context>>,
    problem: RwSignal<Option<String>>,
    inner: SendWrapper<Rc<Inner>>,
}

struct Inner {
    port: MessagePort,
    pending: Rc<Pending>,
    next_id: Cell<u64>,
    id_prefix: String,
    teammates: RefCell<Option<Vec<Teammate>>>,
    listeners: Rc<Listeners>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("pending", &self.pending.borrow().len())
            .field("next_id", &self.next_id.get())
            .finish()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        self.port.close();
    }
}

impl Bridge {
    /// Opens the bridge to the parent window (the host): a new channel, the handshake with
    /// its second port, and this end listening.
    pub fn connect() -> Result<Bridge, PanelError> {
        let window = web_sys::window().ok_or(PanelError::NotConnected)?;
        let parent = window
            .parent()
            .ok()
            .flatten()
            .ok_or(PanelError::NotConnected)?;
        let channel = MessageChannel::new().map_err(|e| PanelError::Decode(format!("{e:?}")))?;
        let bridge = Bridge::over_port(channel.port1());
        parent
            .post_message_with_transfer(
                &JsValue::from_str(HANDSHAKE),
                "*",
                &js_sys::Array::of1(&channel.port2()),
            )
            .map_err(|e| PanelError::Decode(format!("{e:?}")))?;
        Ok(bridge)
    }

    /// A bridge over a port already connected to a host (tests play the host on the other end).
    pub fn over_port(port: MessagePort) -> Bridge {
        let context = RwSignal::new(None::<Context>);
        let problem = RwSignal::new(None::<String>);
        let pending: Rc<Pending> = Rc::default();
        let listeners: Rc<Listeners> = Rc::default();
        let on_message = {
            let pending = Rc::clone(&pending);
            let listeners = Rc::clone(&listeners);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                match decode::host_message(&event.data()) {
                    Ok(Some(HostMessage::ContextUpdate(ctx))) => {
                        crate::marks::context_arrived(&ctx.id);
                        // The listeners first (the records' read starts here), then the views.
                        for listener in listeners.borrow().iter() {
                            listener(&ctx);
                        }
                        problem.set(None);
                        context.set(Some(*ctx));
                    }
                    Ok(Some(HostMessage::FunctionResult { id, value })) => {
                        if let Some(tx) = pending.borrow_mut().remove(&id) {
                            // The caller may have gone; then nobody wants the value.
                            let _ = tx.send(Ok(value));
                        }
                    }
                    Ok(Some(HostMessage::FunctionError { id, error })) => {
                        if let Some(tx) = pending.borrow_mut().remove(&id) {
                            let _ = tx.send(Err(PanelError::HostRefused(error)));
                        }
                    }
                    Ok(None) => {}
                    Err(err) => problem.set(Some(err.to_string())),
                }
            })
        };
        port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let id_prefix = format!("pane-{:x}", (js_sys::Math::random() * 1e12) as u64);
        Bridge {
            context,
            problem,
            inner: SendWrapper::new(Rc::new(Inner {
                port,
                pending,
                next_id: Cell::new(0),
                id_prefix,
                teammates: RefCell::new(None),
                listeners,
                _on_message: on_message,
            })),
        }
    }

    /// The current context; `None` until the host pushes the first.
    pub fn context(&self) -> Signal<Option<Context>> {
        self.context.into()
    }

    /// Calls `listener` with each new context as it arrives, before the context signal changes
    /// (so before any view re-renders): what must start at once starts here.
    pub fn on_context(&self, listener: impl Fn(&Context) + 'static) {
        self.inner.listeners.borrow_mut().push(Box::new(listener));
    }

    /// The last message from the host that could not be read, until the next good context.
    pub fn problem(&self) -> Signal<Option<String>> {
        self.problem.into()
    }

    /// Calls `name` on the current context with `args` (without the cancel token).
    pub async fn call(
        &self,
        name: &str,
        args: Vec<serde_json::Value>,
    ) -> Result<JsValue, PanelError> {
        let (context_id, has_function, kind) = self
            .context
            .with_untracked(|ctx| {
                ctx.as_ref().map(|c| {
                    (
                        c.id.clone(),
                        c.has_function(name),
                        c.kind.wire_name().to_owned(),
                    )
                })
            })
            .ok_or(PanelError::NotConnected)?;
        if !has_function {
            return Err(PanelError::NotAFunction {
                name: name.to_owned(),
                context: kind,
            });
        }
        let inner = Rc::clone(&self.inner);
        let n = inner.next_id.get() + 1;
        inner.next_id.set(n);
        let id = format!("{}-{n}", inner.id_prefix);
        let message = decode::plugin_message(&PluginMessage::FunctionCall {
            id: id.clone(),
            context_id,
            name: name.to_owned(),
            args,
        })?;
        let (tx, rx) = oneshot::channel();
        inner.pending.borrow_mut().insert(id.clone(), tx);
        let mut guard = CancelOnDrop {
            inner: Rc::clone(&inner),
            id: Some(id),
        };
        inner
            .port
            .post_message(&message)
            .map_err(|e| PanelError::Decode(format!("{e:?}")))?;
        let answer = rx.await.map_err(|_| PanelError::Cancelled)?;
        guard.id = None;
        answer
    }

    /// Calls a paginated function, following `nextPageToken` for up to [`MAX_PAGES`] pages.
    /// The answer's `next_page_token` is set only when pages were left unread.
    async fn list_all<T>(
        &self,
        name: &str,
        decode: fn(&JsValue) -> Result<Page<T>, PanelError>,
    ) -> Result<Page<T>, PanelError> {
        let mut results = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let args = token
                .take()
                .map(|t| vec![serde_json::Value::from(t)])
                .unwrap_or_default();
            let page = decode(&self.call(name, args).await?)?;
            results.extend(page.results);
            match page.next_page_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => break,
            }
        }
        Ok(Page {
            results,
            next_page_token: token,
        })
    }

    /// `listMessages()`: the open conversation's messages, every page.
    pub async fn list_messages(&self) -> Result<MessageList, PanelError> {
        self.list_all("listMessages", decode::message_list).await
    }

    /// `listTeammates()`: every teammate, fetched once and kept; empty when the context
    /// does not offer it.
    pub async fn teammates(&self) -> Result<Vec<Teammate>, PanelError> {
        if let Some(known) = self.inner.teammates.borrow().clone() {
            return Ok(known);
        }
        let offered = self
            .context
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.has_function("listTeammates")));
        if !offered {
            return Ok(Vec::new());
        }
        let list = self
            .list_all("listTeammates", decode::teammate_list)
            .await?
            .results;
        *self.inner.teammates.borrow_mut() = Some(list.clone());
        Ok(list)
    }

    /// `listRecipients()`: the conversation's recipients, every page.
    pub async fn list_recipients(&self) -> Result<RecipientList, PanelError> {
        self.list_all("listRecipients", decode::recipient_list)
            .await
    }

    /// `openUrlInPopup(url, {width, height})`: a popup window (the Salesforce login).
    pub async fn open_url_in_popup(
        &self,
        url: &str,
        width: u32,
        height: u32,
    ) -> Result<(), PanelError> {
        let options = serde_json::json!({"width": width, "height": height});
        self.call(
            "openUrlInPopup",
            vec![serde_json::Value::from(url), options],
        )
        .await
        .map(drop)
    }

    /// `openUrl(url)`: the host opens `url` (a new tab in the dev inbox).
    pub async fn open_url(&self, url: &str) -> Result<(), PanelError> {
        self.call("openUrl", vec![serde_json::Value::from(url)])
            .await
            .map(drop)
    }

    /// How many calls await an answer.
    pub fn pending_calls(&self) -> usize {
        self.inner.pending.borrow().len()
    }
}

/// Sends `function_cancel` when a call's future is dropped before its answer.
struct CancelOnDrop {
    inner: Rc<Inner>,
    id: Option<String>,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.inner.pending.borrow_mut().remove(&id);
            if let Ok(message) = decode::plugin_message(&PluginMessage::FunctionCancel { id }) {
                // A closed port cannot be told; the host then has nobody to answer anyway.
                let _ = self.inner.port.post_message(&message);
            }
        }
    }
}

/// The bridge provided by the panel's root.
pub fn use_bridge() -> Bridge {
    expect_context::<Bridge>()
}
