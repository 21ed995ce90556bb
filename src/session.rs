//! Whether the agent is linked, and linking them. The panel never holds the session: the
//! proxy keeps it in an `HttpOnly`, `Partitioned` cookie the browser sends with the panel's
//! own requests (see the proxy's `oauth` module for the whole flow). So the panel knows only
//! what the proxy says: linked (an answer), unlinked (a 401), or not known yet.
//!
//! [`Session::link`] starts a link at the proxy (keeping its redeem secret in memory), has the
//! host open the login popup, takes the one-time code the popup posts to this frame, and
//! redeems both for the session cookie. Where the browser refuses the cookie, the panel says so
//! and the next click asks for storage access (the Storage Access API) before linking again.

use leptos::prelude::*;
use serde::Deserialize;
use serde_json::json;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api::{Api, Method};

/// A link this panel started and has not finished.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    tx: String,
    redeem: String,
    purpose: &'static str,
}

/// What the proxy answers when a link starts.
#[derive(Debug, Deserialize)]
struct Started {
    tx: String,
    redeem: String,
    begin_url: String,
}

/// The agent's link, readable by every component.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    /// `Some(true)` linked, `Some(false)` not, `None` not known yet (no answer so far).
    linked: RwSignal<Option<bool>>,
    /// The login the last integration link produced (admins).
    integration: RwSignal<Option<String>>,
    /// Why the agent is not linked, when it is not simply "never linked" (Salesforce ended
    /// the link, the browser refused the cookie...): shown with *Link Salesforce*.
    ended: RwSignal<Option<String>>,
    /// The browser refused the session cookie: the next *Link Salesforce* asks for storage
    /// access first.
    wants_storage_access: RwSignal<bool>,
    /// The link in progress.
    pending: StoredValue<Option<Pending>>,
    /// The proxy client the link in progress redeems with.
    api: StoredValue<Option<Api>>,
}

/// This page's origin.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Calls `document.<name>()` where the browser has it, and awaits the promise it returns:
/// `Some(true)` resolved to `true` (or to nothing, as `requestStorageAccess` does), `Some(false)`
/// resolved to `false` or rejected, `None` the browser has no such function.
async fn document_promise(name: &str) -> Option<bool> {
    let document = web_sys::window()?.document()?;
    let function = js_sys::Reflect::get(&document, &name.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = function
        .call0(&document)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    Some(match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(value) => value.as_bool().unwrap_or(true),
        Err(_) => false,
    })
}

impl Session {
    /// A session not known yet, listening for the popup's messages.
    pub fn load() -> Session {
        let session = Session {
            linked: RwSignal::new(None),
            integration: RwSignal::new(None),
            ended: RwSignal::new(None),
            wants_storage_access: RwSignal::new(false),
            pending: StoredValue::new(None),
            api: StoredValue::new(None),
        };
        session.listen();
        session
    }

    /// Whether the proxy said the agent is linked: what lets the panel ask for records. Until
    /// it has said either way (one `GET /api/me` at start), the panel asks for nothing else.
    pub fn signed_in(&self) -> Signal<bool> {
        let linked = self.linked;
        Signal::derive(move || linked.get() == Some(true))
    }

    /// What the proxy last said: linked, not linked, or nothing yet.
    pub fn linked(&self) -> Signal<Option<bool>> {
        self.linked.into()
    }

    /// The proxy answered a request made with the session: the agent is linked.
    pub fn confirm(&self) {
        if self.linked.get_untracked() != Some(true) {
            self.ended.set(None);
            self.wants_storage_access.set(false);
            self.linked.set(Some(true));
        }
    }

    /// The login an admin just linked as the integration user.
    pub fn integration_linked(&self) -> Signal<Option<String>> {
        self.integration.into()
    }

    /// The agent is not linked (the proxy refused the session, or the agent unlinked).
    pub fn forget(&self) {
        self.linked.set(Some(false));
    }

    /// The agent is not linked, and `reason` says why (shown with *Link Salesforce*).
    pub fn forget_because(&self, reason: String) {
        self.ended.set(Some(reason));
        self.linked.set(Some(false));
    }

    /// Why the agent is not linked, when there is more to say than "not yet".
    pub fn ended(&self) -> Signal<Option<String>> {
        self.ended.into()
    }

    /// Takes the popup's `postMessage`: from this origin only, for the link in progress only.
    fn listen(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let me = *self;
        let own = origin();
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if event.origin() != own {
                    return;
                }
                let data = event.data();
                let field = |name: &str| {
                    js_sys::Reflect::get(&data, &name.into())
                        .ok()
                        .and_then(|v| v.as_string())
                };
                let Some(pending) = me.pending.get_value() else {
                    return;
                };
                if field("tx").as_deref() != Some(pending.tx.as_str()) {
                    return;
                }
                match field("type").as_deref() {
                    Some("salesforce-pane-linked") if pending.purpose == "agent" => {
                        if let Some(code) = field("code")
                            && let Some(api) = me.api.get_value()
                        {
                            leptos::task::spawn_local(me.redeem(api, pending, code));
                        }
                    }
                    Some("salesforce-pane-integration") if pending.purpose == "integration" => {
                        me.pending.set_value(None);
                        me.integration.set(field("username"));
                    }
                    _ => {}
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        handler.forget();
    }

    /// Redeems link `pending` with the popup's one-time `code`; the answer sets the session
    /// cookie. Then asks who the agent is: a 401 means the browser did not keep the cookie.
    async fn redeem(self, api: Api, pending: Pending, code: String) {
        if self.pending.get_value().as_ref() != Some(&pending) {
            return;
        }
        self.pending.set_value(None);
        let body = json!({"tx": pending.tx, "redeem": pending.redeem, "code": code});
        if let Err(err) = api
            .send::<_, serde_json::Value>(Method::Post, "/api/oauth/redeem", Some(&body))
            .await
        {
            self.forget_because(format!("Salesforce could not be linked: {err}"));
            return;
        }
        self.check(api, true).await;
    }

    /// Asks the proxy whether the session cookie is there (`GET /api/me`). `after_link`: a
    /// link just finished, so a refusal means the browser refused the cookie.
    async fn check(self, api: Api, after_link: bool) {
        match api.get_json::<serde_json::Value>("/api/me").await {
            Ok(_) => self.confirm(),
            Err(err) if err.is_pause() => {}
            Err(_) if after_link => {
                self.wants_storage_access.set(true);
                self.forget_because(
                    "Salesforce is linked, but this browser did not keep the panel's sign-in \
                     inside the inbox (its cookie settings block it). Link Salesforce again to \
                     allow it; or allow cookies for this panel's site."
                        .to_owned(),
                );
            }
            Err(_) => self.forget(),
        }
    }

    /// Links Salesforce: starts a link at the proxy, has the host open its login popup
    /// (Front's `openUrlInPopup`; the panel's own iframe may not open windows), and waits for
    /// the popup's code while the panel is seen, for up to ten minutes. `purpose` is `agent` or
    /// `integration` (admins; the popup reports the login it linked).
    ///
    /// After the browser refused the session cookie, it first asks for storage access (the
    /// click is the user gesture the Storage Access API needs): granted, the cookie the popup
    /// kept in this browser is the panel's too, and no new link is needed.
    pub fn link(&self, purpose: &'static str, api: Api, bridge: crate::bridge::Bridge) {
        let me = *self;
        me.api.set_value(Some(api));
        leptos::task::spawn_local(async move {
            if purpose == "agent"
                && me.wants_storage_access.get_untracked()
                && document_promise("requestStorageAccess").await == Some(true)
            {
                me.check(api, false).await;
                if me.linked.get_untracked() == Some(true) {
                    return;
                }
            }
            let started: Started = match api
                .send(
                    Method::Post,
                    "/api/oauth/start",
                    Some(&json!({"purpose": purpose})),
                )
                .await
            {
                Ok(s) => s,
                Err(err) => {
                    leptos::logging::warn!("linking Salesforce: {err}");
                    me.ended
                        .set(Some(format!("Salesforce could not be linked: {err}")));
                    return;
                }
            };
            let pending = Pending {
                tx: started.tx,
                redeem: started.redeem,
                purpose,
            };
            me.pending.set_value(Some(pending.clone()));
            if bridge
                .open_url_in_popup(&started.begin_url, 480, 680)
                .await
                .is_err()
                && let Some(window) = web_sys::window()
            {
                // No host popup: open it from here.
                let _ = window.open_with_url_and_target_and_features(
                    &started.begin_url,
                    "salesforce-pane-login",
                    "popup,width=480,height=680",
                );
            }
            me.watch(api, pending).await;
        });
    }

    /// Follows link `pending` at the proxy (its status, never its session) until it is
    /// redeemed, fails or expires, and says why when the popup finished but its code never
    /// reached the panel.
    async fn watch(self, api: Api, pending: Pending) {
        let body = json!({"tx": pending.tx, "redeem": pending.redeem});
        let mut done_for = 0;
        for _ in 0..600 {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            if self.pending.get_value().as_ref() != Some(&pending) {
                return;
            }
            let status = match api
                .send::<_, serde_json::Value>(Method::Post, "/api/oauth/status", Some(&body))
                .await
            {
                Ok(answer) => answer
                    .get("status")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                Err(err) if err.is_pause() => continue,
                Err(_) => return,
            };
            match status.as_str() {
                "done" if pending.purpose == "integration" => {
                    self.pending.set_value(None);
                    self.integration.set(Some(String::new()));
                    return;
                }
                "done" => {
                    done_for += 1;
                    // The popup posts its code as it loads; seconds later it is not coming.
                    if done_for >= 3 {
                        self.pending.set_value(None);
                        self.ended.set(Some(
                            "Salesforce is linked, but the login window could not reach the \
                             panel (the inbox opened it without a way back). Link Salesforce \
                             again from here."
                                .to_owned(),
                        ));
                        return;
                    }
                }
                "failed" => {
                    self.pending.set_value(None);
                    self.ended.set(Some(
                        "Salesforce could not be linked (the login window says why). Try again."
                            .to_owned(),
                    ));
                    return;
                }
                "gone" => {
                    self.pending.set_value(None);
                    return;
                }
                _ => {}
            }
        }
    }
}

/// Loads the session and provides it to the components below.
pub fn provide_session() -> Session {
    let session = Session::load();
    provide_context(session);
    session
}

/// The session provided above.
pub fn use_session() -> Session {
    expect_context::<Session>()
}
