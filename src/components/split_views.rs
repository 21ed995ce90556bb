//! The views that are not on the panel's first paint, each in a wasm module of its own in the
//! release build (`on_demand`), and the background fetch of every split module once the panel
//! has been seen.

use leptos::prelude::*;
use pane_wire::api::RecordView;

use super::admin::SettingsView;
use super::chooser::FieldChooser;
use super::convert::ConvertForm;
use super::form::CreateForm;
use super::notes::{prefetch_add_note, prefetch_note_edit};
use super::on_demand::{load, on_demand, shown};
use super::search::prefetch_search;
use super::view::Creating;

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

/// Fetches every split module in the background `after_ms` after the panel is first seen (its
/// records painted by then), so that opening a view later does not wait for the network. Once
/// per page; a module that fails here is fetched again when it is shown.
pub fn prefetch_when_seen(active: Signal<bool>, after_ms: u32) {
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if !active.get() || started.get_value() {
            return;
        }
        started.set_value(true);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(after_ms).await;
            // Each failure is the loader's to report (the console); a piece retries when shown.
            let _ = futures::join!(
                prefetch_fields(),
                prefetch_settings(),
                prefetch_create(),
                prefetch_convert(),
                prefetch_add_note(),
                prefetch_note_edit(),
                prefetch_search(),
            );
        });
    });
}
