//! The views that are not on the panel's first paint, each in a wasm module of its own in the
//! release build (`on_demand`), and the background fetch of every split module once the panel
//! has been seen.

use futures::future::{FutureExt, LocalBoxFuture};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use pane_wire::api::RecordView;

use super::admin::SettingsView;
use super::chooser::FieldChooser;
use super::conversation_bar::{prefetch_participants_list, prefetch_status};
use super::convert::ConvertForm;
use super::describes::prefetch_describe;
use super::field::{prefetch_conflict, prefetch_field_edit};
use super::field_save::prefetch_save_field;
use super::form::CreateForm;
use super::log_conversation::prefetch_log;
use super::lookup::{prefetch_messages, prefetch_participants};
use super::notes::{prefetch_add_note, prefetch_note_edit, prefetch_notes};
use super::on_demand::{load, shown};
use super::search::prefetch_search;
use super::state::prefetch_pin;
use super::view::Creating;
use crate::link::prefetch_link;
use crate::split::on_demand;

on_demand! {
    /// The field chooser (the cog).
    fn fields_view(), prefetch prefetch_fields, { view! { <FieldChooser /> }.into_any() }
}

on_demand! {
    /// Settings: the agent's link, the org's settings.
    fn settings_view(), prefetch prefetch_settings, { view! { <SettingsView /> }.into_any() }
}

on_demand! {
    /// A create form.
    fn create_view(creating: Creating), prefetch prefetch_create, {
        view! { <CreateForm creating=creating /> }.into_any()
    }
}

on_demand! {
    /// Converting a Lead.
    fn convert_view(lead: RecordView), prefetch prefetch_convert, {
        view! { <ConvertForm lead=lead /> }.into_any()
    }
}

/// The field chooser, once its module is in.
pub fn fields() -> AnyView {
    shown(load(fields_view))
}

/// Settings, once their module is in.
pub fn settings() -> AnyView {
    shown(load(settings_view))
}

/// A create form, once its module is in.
pub fn create(creating: Creating) -> AnyView {
    shown(load(move || create_view(creating.clone())))
}

/// The Lead's conversion form, once its module is in.
pub fn convert(lead: RecordView) -> AnyView {
    shown(load(move || convert_view(lead.clone())))
}

/// Every split module's fetch.
type Prefetch = fn() -> LocalBoxFuture<'static, Result<(), SplitLoaderError>>;

/// The fetch of each split module, for [`prefetch_when_seen`].
const PREFETCHES: [Prefetch; 19] = [
    || prefetch_fields().boxed_local(),
    || prefetch_settings().boxed_local(),
    || prefetch_create().boxed_local(),
    || prefetch_convert().boxed_local(),
    || prefetch_add_note().boxed_local(),
    || prefetch_note_edit().boxed_local(),
    || prefetch_search().boxed_local(),
    || prefetch_link().boxed_local(),
    || prefetch_field_edit().boxed_local(),
    || prefetch_save_field().boxed_local(),
    || prefetch_log().boxed_local(),
    || prefetch_describe().boxed_local(),
    || prefetch_messages().boxed_local(),
    || prefetch_participants().boxed_local(),
    || prefetch_participants_list().boxed_local(),
    || prefetch_status().boxed_local(),
    || prefetch_pin().boxed_local(),
    || prefetch_notes().boxed_local(),
    || prefetch_conflict().boxed_local(),
];

/// Fetches every split module in the background `after_ms` after the panel is first seen (its
/// records painted by then), so that opening a view later does not wait for the network. Once
/// per page; a module that fails here is fetched again when it is next needed.
pub fn prefetch_when_seen(active: Signal<bool>, after_ms: u32) {
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if !active.get() || started.get_value() {
            return;
        }
        started.set_value(true);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(after_ms).await;
            // Each module fetched side by side, one task each (a `join!` of them all would be
            // one future as big as all of theirs together).
            for prefetch in PREFETCHES {
                // A failure is the loader's to report (the console); a piece retries when shown.
                leptos::task::spawn_local(async move {
                    let _ = prefetch().await;
                });
            }
        });
    });
}
