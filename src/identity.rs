//! Who is signed in and the org's settings with the agent's layout, read once a session is
//! known and the panel is seen (two proxy calls, no Salesforce request).

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{Me, Settings, Whoami};

use crate::api::{Api, endpoints};
use crate::model::display::DEFAULT_CURRENCY;
use crate::session::Session;

/// The agent and their settings; `Copy`, provided by [`provide_identity`].
#[derive(Debug, Clone, Copy)]
pub struct Identity {
    /// Who is signed in, once known.
    pub me: RwSignal<Option<Me>>,
    /// The org's settings and the agent's layout, once known.
    pub settings: RwSignal<Option<Settings>>,
}

impl Identity {
    /// Changes the settings read, if they were (a save answered with its part of them).
    pub fn amend(&self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(|s| {
            if let Some(s) = s {
                change(s);
            }
        });
    }

    /// Keeps the proxy's answer to who is linked (`GET /api/me`): the health it carries, and
    /// who is linked, confirming the session. Whether it said the agent is linked.
    pub fn heard(&self, session: Session, who: Whoami) -> bool {
        session.set_health(Ok(who.health));
        match who.me.filter(|_| who.linked) {
            Some(me) => {
                self.me.set(Some(me));
                session.confirm();
                true
            }
            None => false,
        }
    }

    /// Where the org's records open.
    pub fn org_url(&self) -> Option<String> {
        self.me.with(|m| m.as_ref().map(|m| m.instance_url.clone()))
    }

    /// The org's currency (ISO 4217) for amounts of records without a `CurrencyIsoCode`: the
    /// one the proxy read when the agent linked, else [`DEFAULT_CURRENCY`]. Read untracked: a
    /// record is shown once who is signed in is known.
    pub fn currency(&self) -> String {
        self.me.with_untracked(|m| {
            m.as_ref()
                .and_then(|m| m.currency.clone())
                .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned())
        })
    }

    /// The org's extra mandatory fields of `object`.
    pub fn mandatory(&self, object: &str) -> Vec<String> {
        self.settings.with(|s| {
            s.as_ref()
                .and_then(|s| s.org.mandatory_fields.get(object).cloned())
                .unwrap_or_default()
        })
    }

    /// The fields shown for `object`: the agent's, else the org's defaults, else `fallback`
    /// (also before the settings are read); the precedence is wire's
    /// [`pane_wire::api::layout_fields`], the one the proxy reads by.
    pub fn shown_fields(&self, object: &str, fallback: &[&str]) -> Vec<String> {
        self.settings.with(|s| match s {
            Some(s) => s.shown_fields(object, fallback),
            None => fallback.iter().map(|f| (*f).to_owned()).collect(),
        })
    }
}

/// Reads what is missing: who is signed in (`GET /api/me`, which also says whether the agent
/// is linked), then the settings. Who is signed in may already be known (a link just asked).
async fn load(identity: Identity, api: Api, session: Session) {
    if identity.me.get_untracked().is_none() {
        let who = match endpoints::me(api).await {
            Ok(who) => who,
            // Said in the status bar (a hidden panel's cut-short ask says nothing).
            Err(err) => {
                if !err.is_pause() {
                    session.set_health(Err(err));
                }
                return;
            }
        };
        if !identity.heard(session, who) {
            session.forget();
            return;
        }
    }
    if let Ok(settings) = endpoints::settings(api).await {
        identity.settings.set(Some(settings));
    }
}

/// Creates the identity; reads it whenever a session may be there and the panel is seen, and
/// forgets it when the agent is not linked.
pub fn provide_identity(api: Api, session: Session) -> Identity {
    let identity = Identity {
        me: RwSignal::new(None),
        settings: RwSignal::new(None),
    };
    let active = api.active();
    // Each read asks for what is missing once: not again while it is under way.
    let loading = StoredValue::new(false);
    Effect::new(move |_| {
        if session.linked().get() == Some(false) {
            identity.me.set(None);
            identity.settings.set(None);
            return;
        }
        let missing = identity.me.with(Option::is_none) || identity.settings.with(Option::is_none);
        if active.get() && missing && !loading.get_value() {
            loading.set_value(true);
            spawn_local(async move {
                load(identity, api, session).await;
                loading.try_set_value(false);
            });
        }
    });
    provide_context(identity);
    identity
}

/// The identity provided above.
pub fn use_identity() -> Identity {
    expect_context::<Identity>()
}
