//! What the panel's components share: who is signed in, the org's settings, describes (each
//! fetched once per object), a counter that reloads the records after a write, and a notice.

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{Me, ObjectSpec, RecordView, Settings};
use pane_wire::bridge::Handle;

use crate::api::{Api, endpoints};
use crate::model::recent::{RECENT_SENDERS, Recent};
use crate::session::Session;

/// The shared state, `Copy`, provided by [`provide_panel_state`].
#[derive(Debug, Clone, Copy)]
pub struct PanelState {
    /// The proxy client.
    pub api: Api,
    /// The agent's session.
    pub session: Session,
    /// Whether the panel can be seen.
    pub active: Signal<bool>,
    /// Who is signed in, once known.
    pub me: RwSignal<Option<Me>>,
    /// The org's settings and the agent's layout, once known.
    pub settings: RwSignal<Option<Settings>>,
    describes: RwSignal<HashMap<String, ObjectSpec>>,
    asked: StoredValue<HashSet<String>>,
    /// Bumped after every write: the records are read again.
    pub reload: RwSignal<u32>,
    /// A short message for the agent (saved, failed...).
    pub notice: RwSignal<Option<String>>,
    /// The sender shown (search results are pinned for it).
    pub current_handle: RwSignal<Option<pane_wire::bridge::Handle>>,
    /// What was read for the latest senders: a revisit renders at once.
    pub seen: StoredValue<Recent<pane_wire::api::PanelData>>,
}

impl PanelState {
    /// The describe of `object`: `None` until fetched (the fetch starts on the first ask, once).
    pub fn describe(&self, object: &str) -> Option<ObjectSpec> {
        let found = self.describes.with(|d| d.get(object).cloned());
        if found.is_none() && self.active.get_untracked() {
            let first = self
                .asked
                .try_update_value(|a| a.insert(object.to_owned()))
                .unwrap_or(false);
            if first {
                let me = *self;
                let object = object.to_owned();
                spawn_local(async move {
                    match endpoints::describe(me.api, &object).await {
                        Ok(spec) => me.describes.update(|d| {
                            d.insert(object, spec);
                        }),
                        Err(_) => {
                            // Asked again on the next look (hidden, or a failure).
                            me.asked.update_value(|a| {
                                a.remove(&object);
                            });
                        }
                    }
                });
            }
        }
        found
    }

    /// Forgets the describes (the admin's mandatory fields changed).
    pub fn forget_describes(&self) {
        self.asked.update_value(HashSet::clear);
        self.describes.update(HashMap::clear);
    }

    /// Reads the records again.
    pub fn changed(&self) {
        self.reload.update(|n| *n += 1);
    }

    /// Says something to the agent.
    pub fn say(&self, text: impl Into<String>) {
        self.notice.set(Some(text.into()));
    }

    /// Where the org's records open.
    pub fn org_url(&self) -> Option<String> {
        self.me.with(|m| m.as_ref().map(|m| m.instance_url.clone()))
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

    /// Pins `record` for `handle`, for the whole team, and reads the records again.
    pub fn pin(&self, handle: &Handle, record: &RecordView) {
        let me = *self;
        let (handle, object, id) = (handle.clone(), record.object.clone(), record.id.clone());
        spawn_local(async move {
            match endpoints::pin(me.api, &handle, &object, &id).await {
                Ok(()) => me.changed(),
                Err(err) => me.say(format!("The choice could not be saved: {err}")),
            }
        });
    }

    /// Reads who is signed in and the settings (two proxy calls, no Salesforce request).
    pub fn load_identity(&self) {
        let me = *self;
        spawn_local(async move {
            let Ok(who) = endpoints::me(me.api).await else {
                return;
            };
            me.session.confirm();
            me.me.set(Some(who));
            if let Ok(settings) = endpoints::settings(me.api).await {
                me.settings.set(Some(settings));
            }
        });
    }
}

/// Creates the shared state; reads the identity whenever a session arrives and the panel is
/// seen.
pub fn provide_panel_state(api: Api, session: Session, active: Signal<bool>) -> PanelState {
    let state = PanelState {
        api,
        session,
        active,
        me: RwSignal::new(None),
        settings: RwSignal::new(None),
        describes: RwSignal::new(HashMap::new()),
        asked: StoredValue::new(HashSet::new()),
        reload: RwSignal::new(0),
        notice: RwSignal::new(None),
        current_handle: RwSignal::new(None),
        seen: StoredValue::new(Recent::new(RECENT_SENDERS)),
    };
    Effect::new(move |_| {
        if session.linked().get() == Some(false) {
            state.me.set(None);
            state.settings.set(None);
            return;
        }
        if active.get() && state.me.get_untracked().is_none() {
            state.load_identity();
        }
    });
    provide_context(state);
    state
}

/// The state provided above.
pub fn use_panel_state() -> PanelState {
    expect_context::<PanelState>()
}
