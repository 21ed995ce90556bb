//! The agent's proxy session: an opaque bearer token the proxy's OAuth callback posts to this
//! window (never a Salesforce token), kept in this origin's `localStorage`. [`Session::link`]
//! opens the Salesforce login in a popup; the callback page posts the session back.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Where the session is kept.
const STORAGE_KEY: &str = "salesforce-pane-session";

/// The session, readable by every component.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    /// The login the last integration link produced (admins).
    integration: RwSignal<Option<String>>,
    /// Why the last session ended, when Salesforce ended the link (shown with *Link
    /// Salesforce*).
    ended: RwSignal<Option<String>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// This page's origin.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

impl Session {
    /// The session kept from an earlier link, and a listener for the next one.
    pub fn load() -> Session {
        let kept = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let session = Session {
            token: RwSignal::new(kept.filter(|t| !t.is_empty())),
            integration: RwSignal::new(None),
            ended: RwSignal::new(None),
        };
        session.listen();
        session
    }

    /// The token, `None` until the agent links Salesforce.
    pub fn token(&self) -> Signal<Option<String>> {
        self.token.into()
    }

    /// The login an admin just linked as the integration user.
    pub fn integration_linked(&self) -> Signal<Option<String>> {
        self.integration.into()
    }

    /// Sets the token (tests, and the callback's message).
    pub fn set(&self, token: Option<String>) {
        if let Some(s) = storage() {
            let _ = match &token {
                Some(t) => s.set_item(STORAGE_KEY, t),
                None => s.remove_item(STORAGE_KEY),
            };
        }
        // A new link: why the last one ended is old news.
        if token.is_some() {
            self.ended.set(None);
        }
        self.token.set(token);
    }

    /// Forgets the session (the proxy refused it, or the agent unlinked).
    pub fn forget(&self) {
        self.set(None);
    }

    /// Forgets the session because Salesforce ended the link (`reason` is shown with *Link
    /// Salesforce*).
    pub fn forget_because(&self, reason: String) {
        self.ended.set(Some(reason));
        self.set(None);
    }

    /// Why the last session ended, when Salesforce ended the link.
    pub fn ended(&self) -> Signal<Option<String>> {
        self.ended.into()
    }

    /// Takes the callback's `postMessage`, from this origin only.
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
                match field("type").as_deref() {
                    Some("salesforce-pane-session") => {
                        if let Some(token) = field("session") {
                            me.set(Some(token));
                        }
                    }
                    Some("salesforce-pane-integration") => me.integration.set(field("username")),
                    _ => {}
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        handler.forget();
    }

    /// Links Salesforce: asks the proxy for the authorize URL, has the host open it in a
    /// popup (Front's `openUrlInPopup`; the panel's own iframe may not open windows), then
    /// picks the session up with the poll token the proxy gave, while the panel is seen, for
    /// up to ten minutes. `purpose` is `agent` or `integration` (admins; no session comes back:
    /// `done` runs when the popup is likely closed).
    pub fn link(&self, purpose: &'static str, api: crate::api::Api, bridge: crate::bridge::Bridge) {
        let me = *self;
        leptos::task::spawn_local(async move {
            let path = format!(
                "/api/oauth/start?origin={}&purpose={purpose}",
                crate::api::encode(&origin())
            );
            let answer: serde_json::Value = match api.get_json(&path).await {
                Ok(a) => a,
                Err(err) => {
                    leptos::logging::warn!("linking Salesforce: {err}");
                    return;
                }
            };
            let text = |k: &str| {
                answer
                    .get(k)
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            let (Some(url), Some(poll)) = (text("authorize_url"), text("poll")) else {
                return;
            };
            if bridge.open_url_in_popup(&url, 480, 680).await.is_err()
                && let Some(window) = web_sys::window()
            {
                // No host popup: open it from here.
                let _ = window.open_with_url_and_target_and_features(
                    &url,
                    "salesforce-pane-login",
                    "popup,width=480,height=680",
                );
            }
            if purpose != "agent" {
                return;
            }
            let poll_path = format!("/api/oauth/poll?token={}", crate::api::encode(&poll));
            for _ in 0..600 {
                gloo_timers::future::TimeoutFuture::new(1_000).await;
                if me.token.get_untracked().is_some() {
                    return;
                }
                match api.get_json::<serde_json::Value>(&poll_path).await {
                    Ok(v) => {
                        if let Some(session) = v.get("session").and_then(serde_json::Value::as_str)
                        {
                            me.set(Some(session.to_owned()));
                            return;
                        }
                    }
                    Err(err) if err.is_pause() => {}
                    Err(_) => return,
                }
            }
        });
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
