//! The records' state the views share: the sender shown, what was read for the latest
//! senders, a counter that reloads the records after a write, and the inline edit open (a
//! reload draws the cards again: the edit opens again with what was typed).

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::task::spawn_local;
use pane_wire::api::{PanelData, RecordView};
use pane_wire::bridge::Handle;

use super::notices::Notices;
use crate::PanelError;
use crate::api::{Api, endpoints};
use crate::model::edit::OpenEdit;
use crate::model::read_plan::Remembered;
use crate::model::recent::{RECENT_SENDERS, Recent};
use crate::split::{answered, on_demand};

/// A sender's records as the panel read them, and when.
#[derive(Debug, Clone)]
pub struct SeenPanel {
    /// The records.
    pub panel: PanelData,
    /// When they were read.
    pub read: Remembered,
}

/// The records' state; `Copy`, provided by [`provide_records_state`].
#[derive(Debug, Clone, Copy)]
pub struct RecordsState {
    /// Bumped after every write: the records are read again.
    pub reload: RwSignal<u32>,
    /// The sender shown (notices belong to it), set by the records' read as the host's
    /// context arrives or a participant is chosen.
    pub current_handle: RwSignal<Option<Handle>>,
    /// What was read for the latest senders: a revisit renders at once.
    pub seen: StoredValue<Recent<SeenPanel>>,
    /// The inline edit open, kept by its row while it is (`model::edit`).
    pub open_edit: StoredValue<Option<OpenEdit>>,
}

impl RecordsState {
    /// Reads the records again.
    pub fn changed(&self) {
        self.reload.update(|n| *n += 1);
    }

    /// Pins `record` for `handle`, for the whole team, and reads the records again; a failure
    /// is said through `notices`.
    pub fn pin(&self, api: Api, notices: Notices, handle: &Handle, record: &RecordView) {
        let me = *self;
        let (handle, object, id) = (handle.clone(), record.object.clone(), record.id.clone());
        spawn_local(async move {
            match answered(pinned(api, handle, object, id)).await {
                Ok(()) => me.changed(),
                Err(err) => notices.say(format!("The choice could not be saved: {err}")),
            }
        });
    }
}

on_demand! {
    /// Pins record `id` of `object` for `handle` at the proxy (its own module: `crate::split`;
    /// only an agent's choice pins).
    pub(super) fn pinned(
        api: Api,
        handle: Handle,
        object: String,
        id: String
    ) -> LocalBoxFuture<'static, Result<(), PanelError>>, prefetch prefetch_pin, {
        async move { endpoints::pin(api, &handle, &object, &id).await }.boxed_local()
    }
}

/// Creates the records' state and provides it to the components below.
pub fn provide_records_state() -> RecordsState {
    let state = RecordsState {
        reload: RwSignal::new(0),
        current_handle: RwSignal::new(None),
        seen: StoredValue::new(Recent::new(RECENT_SENDERS)),
        open_edit: StoredValue::new(None),
    };
    provide_context(state);
    state
}

/// The records' state provided above.
pub fn use_records_state() -> RecordsState {
    expect_context::<RecordsState>()
}
