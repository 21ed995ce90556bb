//! `use_refresh`: keeps live data fresh while the panel is active, and only then.
//!
//! While `active`, `fetch` runs every `period_ms`; when the panel turns active again after
//! being hidden, data older than `period_ms` (or never fetched, or whose last fetch failed
//! or was aborted) is refreshed once, at once. While hidden, no timer runs and nothing is
//! fetched (leptos-use's pausable pattern).

use std::future::Future;

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What `use_refresh` reports.
#[derive(Debug, Clone, Copy)]
pub struct UseRefreshReturn {
    /// When the data was last fetched successfully (ms since the epoch), if ever.
    pub fresh_at: Signal<Option<f64>>,
    /// Says the data is fresh now, got some other way (not refreshed until it is stale).
    pub got_fresh: Callback<()>,
}

/// See the module doc. `fetch` resolves to `true` when it got fresh data.
pub fn use_refresh<F, Fut>(active: Signal<bool>, period_ms: u32, fetch: F) -> UseRefreshReturn
where
    F: Fn() -> Fut + Clone + 'static,
    Fut: Future<Output = bool> + 'static,
{
    let fresh_at = RwSignal::new(None::<f64>);
    let run = move || {
        let fetch = fetch.clone();
        spawn_local(async move {
            if fetch().await {
                fresh_at.set(Some(js_sys::Date::now()));
            }
        });
    };
    let timer = StoredValue::new_local(None::<Interval>);
    Effect::new(move |_| {
        if active.get() {
            let stale = fresh_at
                .get_untracked()
                .is_none_or(|at| js_sys::Date::now() - at >= f64::from(period_ms));
            if stale {
                run();
            }
            let run = run.clone();
            timer.set_value(Some(Interval::new(period_ms, run)));
        } else {
            timer.set_value(None);
        }
    });
    on_cleanup(move || {
        timer.try_set_value(None);
    });
    UseRefreshReturn {
        fresh_at: fresh_at.into(),
        got_fresh: Callback::new(move |()| fresh_at.set(Some(js_sys::Date::now()))),
    }
}
