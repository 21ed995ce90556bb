//! The read of the sender's records, one at a time. It starts in the bridge's context listener,
//! as the host's context arrives and the handle is decided, before any view re-renders; a newer
//! read (another sender, a reload) aborts the one in flight; nothing is read while the panel is
//! hidden (the client aborts what is in flight, and the read starts again once seen); a sender
//! read in the last few seconds is shown from the panel's memory without a request
//! ([`crate::model::read_plan`]). The records' view only renders what the read gives.

use futures::future::{AbortHandle, abortable};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::PanelData;
use pane_wire::bridge::{Handle, HandleKind, LookupTarget, lookup_target};

use super::state::{RecordsState, SeenPanel};
use crate::PanelError;
use crate::api::{Api, endpoints};
use crate::bridge::Bridge;
use crate::model::read_plan::{ReadPlan, Remembered, fresh, plan};
use crate::session::Session;

/// What a read is for: the sender (kind and address) and the reload count.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    kind: HandleKind,
    value: String,
    reload: u32,
}

/// The read started last.
#[derive(Debug, Default)]
struct Flight {
    /// What it is for; `None` while waiting to be seen or linked.
    started: Option<Key>,
    /// Cut short by the panel's hiding: read again once seen.
    paused: bool,
    /// Aborts it while in flight (the fetch with it, through the client).
    abort: Option<AbortHandle>,
}

/// The records' read; `Copy`, provided by [`provide_records_read`].
#[derive(Debug, Clone, Copy)]
pub struct RecordsRead {
    state: RecordsState,
    api: Api,
    signed_in: Signal<bool>,
    /// The context the sender shown belongs to.
    context_id: RwSignal<Option<String>>,
    /// The latest answer, with what it was read for.
    answer: RwSignal<Option<(Key, Result<PanelData, PanelError>)>>,
    flight: StoredValue<Flight, LocalStorage>,
}

impl RecordsRead {
    /// The id of the context whose sender is shown.
    pub fn context_id(&self) -> Signal<Option<String>> {
        self.context_id.into()
    }

    /// Shows `handle` (another participant of the conversation) and reads its records.
    pub fn choose(&self, handle: Handle) {
        self.show(Some(handle));
    }

    /// What the records' view shows for `value` (tracked): the answer read for it (a refusal
    /// only while it is the latest read: a retry shows the memory or the skeleton meanwhile),
    /// else what the panel remembers of it, else nothing yet.
    pub fn shown(&self, value: &str) -> Option<Result<PanelData, PanelError>> {
        let answered = self.answer.with(|a| match a {
            Some((key, answer)) if key.value == value => Some(answer.clone()),
            _ => None,
        });
        answered.or_else(|| {
            self.state
                .seen
                .with_value(|s| s.get(value).map(|seen| Ok(seen.panel.clone())))
        })
    }

    /// Whether the records' view has something for `value` (tracked): records or a refusal, not
    /// the skeleton. Nothing is cloned.
    pub fn has_shown(&self, value: &str) -> bool {
        self.answer
            .with(|a| matches!(a, Some((key, _)) if key.value == value))
            || self.state.seen.with_value(|s| s.get(value).is_some())
    }

    /// The context `ctx` arrived: its sender, decided by wire's pure rule, is shown and read.
    fn context_arrived(&self, ctx: &pane_wire::bridge::Context) {
        // The panel's views may be gone (a test's panel unmounted): nobody reads for them.
        if self.flight.try_with_value(|_| ()).is_none() {
            return;
        }
        let handle = match lookup_target(ctx) {
            LookupTarget::Handle { handle, .. } => Some(handle),
            _ => None,
        };
        if let Some(handle) = &handle {
            crate::marks::hop("handle", &handle.value);
        }
        self.show(handle);
        self.context_id.set(Some(ctx.id.clone()));
    }

    /// Reads `handle`'s records, then shows it: the read's task is queued before the views
    /// the change wakes, so the request goes out before they re-render.
    fn show(&self, handle: Option<Handle>) {
        self.ensure_for(handle.clone());
        self.state.current_handle.set(handle);
    }

    /// Starts, keeps, waits for or serves from memory the read of the sender shown now.
    fn ensure(&self) {
        self.ensure_for(self.state.current_handle.get_untracked());
    }

    fn ensure_for(&self, handle: Option<Handle>) {
        // Not linked (or not known yet): nothing is read, and a new link reads afresh.
        let handle = handle.filter(|_| self.signed_in.get_untracked());
        let Some(handle) = handle else {
            self.stop();
            return;
        };
        let key = Key {
            kind: handle.kind,
            value: handle.value.clone(),
            reload: self.state.reload.get_untracked(),
        };
        let now = js_sys::Date::now();
        let memory_fresh = self.state.seen.with_value(|s| {
            s.get(&key.value)
                .is_some_and(|seen| fresh(seen.read, now, key.reload))
        });
        let (started, paused) = self
            .flight
            .with_value(|f| (f.started.as_ref() == Some(&key), f.paused));
        match plan(
            started,
            paused,
            memory_fresh,
            self.api.active().get_untracked(),
        ) {
            ReadPlan::Keep => {}
            ReadPlan::FromMemory => {
                self.stop();
                self.flight.update_value(|f| f.started = Some(key));
            }
            ReadPlan::Wait => self.stop(),
            ReadPlan::Read => self.start(key, handle),
        }
    }

    /// Aborts the read in flight, if any; the next [`Self::ensure`] plans afresh.
    fn stop(&self) {
        self.flight.update_value(|f| {
            if let Some(abort) = f.abort.take() {
                abort.abort();
            }
            *f = Flight::default();
        });
    }

    fn start(&self, key: Key, handle: Handle) {
        self.stop();
        let sender = Handle {
            kind: handle.kind,
            value: handle.value,
            name: None,
        };
        let api = self.api;
        let (read, abort) = abortable(async move {
            crate::marks::hop("request", &sender.value);
            endpoints::panel(api, &sender).await
        });
        self.flight.update_value(|f| {
            *f = Flight {
                started: Some(key.clone()),
                paused: false,
                abort: Some(abort),
            };
        });
        let me = *self;
        spawn_local(async move {
            // Aborted: a newer read took its place.
            let Ok(answer) = read.await else {
                return;
            };
            crate::marks::frame_ahead();
            // The panel may be gone by now: then nothing is kept.
            if me.flight.try_update_value(|f| f.abort = None).is_none() {
                return;
            }
            match &answer {
                Ok(panel) => {
                    let read = Remembered {
                        at_ms: js_sys::Date::now(),
                        reload: key.reload,
                    };
                    me.state.seen.update_value(|s| {
                        s.insert(
                            key.value.clone(),
                            SeenPanel {
                                panel: panel.clone(),
                                read,
                            },
                        );
                    });
                }
                // Cut short by hiding: read again once seen. Planned again now, as the panel
                // may already be seen again (a hiding shorter than the abort's way back).
                Err(err) if err.is_pause() => {
                    me.flight.update_value(|f| f.paused = true);
                    me.ensure();
                    return;
                }
                Err(_) => {}
            }
            me.answer.try_set(Some((key, answer)));
        });
        // A refusal shows only while it is the latest read (reset once the read is queued:
        // the views this wakes run after it).
        if self
            .answer
            .with_untracked(|a| matches!(a, Some((_, Err(_)))))
        {
            self.answer.set(None);
        }
    }
}

/// Creates the records' read, listening to `bridge`'s contexts, and provides it to the
/// components below.
pub fn provide_records_read(
    bridge: &Bridge,
    api: Api,
    session: Session,
    state: RecordsState,
) -> RecordsRead {
    let read = RecordsRead {
        state,
        api,
        signed_in: session.signed_in(),
        context_id: RwSignal::new(None),
        answer: RwSignal::new(None),
        flight: StoredValue::new_local(Flight::default()),
    };
    bridge.on_context(move |ctx| read.context_arrived(ctx));
    // A context that came before the panel listened (none does in the product: the host
    // answers the handshake later).
    bridge.context().with_untracked(|ctx| {
        if let Some(ctx) = ctx {
            read.context_arrived(ctx);
        }
    });
    // A write (the reload count), the panel seen again or hidden, linked or unlinked.
    Effect::new(move |_| {
        state.reload.track();
        read.api.active().track();
        read.signed_in.track();
        read.ensure();
    });
    provide_context(read);
    read
}

/// The records' read provided above.
pub fn use_records_read() -> RecordsRead {
    expect_context::<RecordsRead>()
}
