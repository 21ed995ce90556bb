//! Whether the agent is linked. The panel never holds the session: the proxy keeps it in an
//! `HttpOnly`, `Partitioned` cookie the browser sends with the panel's own requests (see the
//! proxy's `oauth` module for the whole flow). So the panel knows only what the proxy says:
//! linked, unlinked (`GET /api/me` says so, or another call is refused with a 401), or not
//! known yet. The same answer carries the proxy's health, kept here for the status bar (which
//! asks for it again only on its later refreshes).
//!
//! This module is the store only; linking (a user action) is [`crate::link`].

use leptos::prelude::*;
use pane_wire::api::Health;

use crate::PanelError;

use crate::api::Auth;

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
    /// The proxy's health, as its last answer to who is linked carried it (or why there was
    /// no answer).
    health: RwSignal<Option<Result<Health, PanelError>>>,
}

impl Session {
    /// A session not known yet.
    pub fn load() -> Session {
        Session {
            linked: RwSignal::new(None),
            integration: RwSignal::new(None),
            ended: RwSignal::new(None),
            wants_storage_access: RwSignal::new(false),
            health: RwSignal::new(None),
        }
    }

    /// The proxy's health as `GET /api/me` last carried it, or why that failed; `None`
    /// before it answered.
    pub fn health(&self) -> Signal<Option<Result<Health, PanelError>>> {
        self.health.into()
    }

    /// Keeps the proxy's health that came with its answer to who is linked, or why there was
    /// no answer.
    pub fn set_health(&self, health: Result<Health, PanelError>) {
        self.health.set(Some(health));
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

    /// What the proxy client needs of the session: whether the agent may be linked (linked,
    /// or not known yet: a 401 then says something new), and to be forgotten on a 401, with
    /// the proxy's reason when it asks for a new link.
    pub fn auth(&self) -> Auth {
        let (me, linked) = (*self, self.linked);
        Auth {
            maybe_linked: Signal::derive(move || linked.get() != Some(false)),
            on_unauthorized: Callback::new(move |reason: Option<String>| match reason {
                Some(reason) => me.forget_because(reason),
                None => me.forget(),
            }),
        }
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

    /// An integration link finished as `login` (empty when the popup did not say).
    pub fn set_integration(&self, login: Option<String>) {
        self.integration.set(login);
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

    /// Says why a link did not finish, without changing whether the agent is linked.
    pub fn set_ended(&self, reason: String) {
        self.ended.set(Some(reason));
    }

    /// Whether the next agent link asks for storage access first.
    pub fn wants_storage_access(&self) -> bool {
        self.wants_storage_access.get_untracked()
    }

    /// The browser refused the session cookie: the next agent link asks for storage access.
    pub fn want_storage_access(&self) {
        self.wants_storage_access.set(true);
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
