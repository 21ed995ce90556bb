//! `use_async`: the answer of an asynchronous read that runs again whenever a signal it reads
//! changes: what the panel used `LocalResource` for. The records never suspend (only what is
//! loaded on demand does, through one `Suspense`: `components::on_demand`), and
//! `LocalResource`'s machinery (`AsyncDerived`) was 18.7 kB of the optimised wasm, 10 kB
//! gzipped, for three reads (issue 18: the bundle).
//!
//! As with `LocalResource`: `None` until the first read answers; a new read keeps the last
//! answer on show until its own; an answer older than the latest read's is dropped.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// See the module doc. `read` runs in an effect: the signals it reads before its future starts
/// decide when it runs again.
pub fn use_async<T, F, Fut>(read: F) -> Signal<Option<T>>
where
    T: Clone + Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = T> + 'static,
{
    let answer = RwSignal::new(None::<T>);
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        let reading = read();
        let run = latest.get_value().wrapping_add(1);
        latest.set_value(run);
        spawn_local(async move {
            let value = reading.await;
            // Gone with its owner, or overtaken by a newer read: nothing to show.
            if latest.try_get_value() == Some(run) {
                answer.try_set(Some(value));
            }
        });
    });
    answer.into()
}
