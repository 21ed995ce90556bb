//! Linking Salesforce: a user action over the [`Session`] store and the proxy client.
//!
//! [`Linker::link`] starts a link at the proxy (keeping its redeem secret in memory), has the
//! host open the login popup, takes the one-time code the popup posts to this frame, and
//! redeems both for the session cookie. Where the browser refuses the cookie, the panel says so
//! and the next click asks for storage access (the Storage Access API) before linking again.

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::ev;
use leptos::prelude::*;
use pane_wire::api::LinkMessage;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::{Api, endpoints};
use crate::bridge::Bridge;
use crate::identity::Identity;
use crate::session::Session;
use crate::split::on_demand;

/// A link this panel started and has not finished.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pending {
    tx: String,
    redeem: String,
    purpose: &'static str,
}

/// The link flow; `Copy`, provided as a context by [`provide_linker`].
#[derive(Debug, Clone, Copy)]
pub struct Linker {
    session: Session,
    api: Api,
    /// Told who the agent is when a check finds them linked (so nothing asks twice).
    identity: Identity,
    /// The link in progress.
    pending: StoredValue<Option<Pending>>,
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

impl Linker {
    /// A link flow for `session` over `api`, telling `identity` who linked, listening for the
    /// popup's messages until the owner is cleaned up.
    pub fn new(session: Session, api: Api, identity: Identity) -> Linker {
        let linker = Linker {
            session,
            api,
            identity,
            pending: StoredValue::new(None),
        };
        let handle = window_event_listener(ev::message, move |event| linker.on_message(&event));
        on_cleanup(move || handle.remove());
        linker
    }

    /// Takes the popup's `postMessage`: from this origin only, while a link is in progress
    /// (whose start loaded the code that reads it).
    fn on_message(self, event: &web_sys::MessageEvent) {
        let pending = self.pending.try_with_value(Option::is_some) == Some(true);
        if event.origin() != origin() || !pending {
            return;
        }
        let data = event.data();
        leptos::task::spawn_local(async move {
            // Cannot fail: a link pending means its start loaded this module.
            if let Ok(taken) = link_flow(self, Step::Message(data)).await {
                taken.await;
            }
        });
    }

    /// [`Self::on_message`]'s message `data`, for the link in progress only.
    async fn take_message(self, data: JsValue) {
        // Anything else posted here (the host's own messages) is no link's.
        let Ok(message) = crate::bridge::decode::from_js::<LinkMessage>(&data) else {
            return;
        };
        // Gone if the panel was torn down.
        let Some(Some(pending)) = self.pending.try_get_value() else {
            return;
        };
        if message.tx() != pending.tx {
            return;
        }
        match message {
            LinkMessage::Linked { code, .. } if pending.purpose == "agent" => {
                self.redeem(pending, code).await;
            }
            LinkMessage::Integration { username, .. } if pending.purpose == "integration" => {
                self.pending.set_value(None);
                self.session.set_integration(Some(username));
            }
            _ => {}
        }
    }

    /// Redeems link `pending` with the popup's one-time `code`; the answer sets the session
    /// cookie. Then asks who the agent is: "not linked" means the browser did not keep the
    /// cookie.
    async fn redeem(self, pending: Pending, code: String) {
        if self.pending.get_value().as_ref() != Some(&pending) {
            return;
        }
        self.pending.set_value(None);
        if let Err(err) =
            endpoints::oauth_redeem(self.api, &pending.tx, &pending.redeem, &code).await
        {
            self.session
                .forget_because(format!("Salesforce could not be linked: {err}"));
            return;
        }
        self.check(true).await;
    }

    /// Asks the proxy whether the session cookie is there (`GET /api/me`), and keeps its
    /// answer: who is signed in. `after_link`: a link just finished, so "not linked" means the
    /// browser refused the cookie.
    async fn check(self, after_link: bool) {
        let linked = match endpoints::me(self.api).await {
            Ok(who) => self.identity.heard(self.session, who),
            Err(err) if err.is_pause() => return,
            Err(_) => false,
        };
        if linked {
            return;
        }
        if after_link {
            self.session.want_storage_access();
            self.session.forget_because(
                "Salesforce is linked, but this browser did not keep the panel's sign-in \
                 inside the inbox (its cookie settings block it). Link Salesforce again to \
                 allow it; or allow cookies for this panel's site."
                    .to_owned(),
            );
        } else {
            self.session.forget();
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
    pub fn link(&self, purpose: &'static str, bridge: Bridge) {
        let me = *self;
        leptos::task::spawn_local(async move {
            match link_flow(me, Step::Start(purpose, bridge)).await {
                Ok(flow) => flow.await,
                Err(_) => {
                    leptos::logging::warn!("linking Salesforce: its module could not be fetched");
                    me.session.set_ended(format!(
                        "Salesforce could not be linked: {}",
                        crate::PanelError::NotLoaded
                    ));
                }
            }
        });
    }

    /// [`Self::link`]'s flow.
    async fn run_link(self, purpose: &'static str, bridge: Bridge) {
        if purpose == "agent"
            && self.session.wants_storage_access()
            && document_promise("requestStorageAccess").await == Some(true)
        {
            self.check(false).await;
            if self.session.linked().get_untracked() == Some(true) {
                return;
            }
        }
        let started = match endpoints::oauth_start(self.api, purpose).await {
            Ok(s) => s,
            Err(err) => {
                leptos::logging::warn!("linking Salesforce: {err}");
                self.session
                    .set_ended(format!("Salesforce could not be linked: {err}"));
                return;
            }
        };
        let pending = Pending {
            tx: started.tx,
            redeem: started.redeem,
            purpose,
        };
        self.pending.set_value(Some(pending.clone()));
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
        self.watch(pending).await;
    }

    /// Follows link `pending` at the proxy (its status, never its session) until it is
    /// redeemed, fails or expires, and says why when the popup finished but its code never
    /// reached the panel.
    async fn watch(self, pending: Pending) {
        let mut done_for = 0;
        for _ in 0..600 {
            gloo_timers::future::TimeoutFuture::new(1_000).await;
            if self.pending.get_value().as_ref() != Some(&pending) {
                return;
            }
            let status = match endpoints::oauth_status(self.api, &pending.tx, &pending.redeem).await
            {
                Ok(status) => status,
                Err(err) if err.is_pause() => continue,
                Err(_) => return,
            };
            match status.as_str() {
                "done" if pending.purpose == "integration" => {
                    self.pending.set_value(None);
                    self.session.set_integration(Some(String::new()));
                    return;
                }
                "done" => {
                    done_for += 1;
                    // The popup posts its code as it loads; seconds later it is not coming.
                    if done_for >= 3 {
                        self.pending.set_value(None);
                        self.session.set_ended(
                            "Salesforce is linked, but the login window could not reach the \
                             panel (the inbox opened it without a way back). Link Salesforce \
                             again from here."
                                .to_owned(),
                        );
                        return;
                    }
                }
                "failed" => {
                    self.pending.set_value(None);
                    self.session.set_ended(
                        "Salesforce could not be linked (the login window says why). Try again."
                            .to_owned(),
                    );
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

/// What the link flow's module is asked to do.
pub(crate) enum Step {
    /// Start a link for `purpose` (`agent` or `integration`).
    Start(&'static str, Bridge),
    /// Read a message posted to this frame.
    Message(JsValue),
}

on_demand! {
    /// The link flow (its own module: `crate::split`): starting a link once one is asked for, and
    /// reading the popup's message.
    pub(crate) fn link_flow(linker: Linker, step: Step) -> LocalBoxFuture<'static, ()>, prefetch prefetch_link, {
        match step {
            Step::Start(purpose, bridge) => linker.run_link(purpose, bridge).boxed_local(),
            Step::Message(data) => linker.take_message(data).boxed_local(),
        }
    }
}

/// Creates the link flow for this panel and provides it to the components below.
pub fn provide_linker(session: Session, api: Api, identity: Identity) -> Linker {
    let linker = Linker::new(session, api, identity);
    provide_context(linker);
    linker
}

/// The link flow provided above.
pub fn use_linker() -> Linker {
    expect_context::<Linker>()
}
