//! A placeholder while something is read: still at first, pulsing once the read has taken a
//! while.

use std::time::Duration;

use leptos::prelude::*;

/// How long a read runs before its skeleton pulses. Most answers come sooner, and an animation
/// running (or even waiting to start) when the answer replaces the skeleton costs that frame
/// about 4 ms (`bench/results.md`): the skeleton is still until then.
const PULSE_AFTER: Duration = Duration::from_millis(600);

/// One wide bone and `bones` more.
#[component]
pub fn Skeleton(
    /// The bones under the wide first one.
    bones: usize,
    /// What is being read, for assistive technology ("Loading records").
    label: &'static str,
    /// Its test id, where a test looks for it.
    #[prop(optional)]
    testid: Option<&'static str>,
) -> impl IntoView {
    let slow = RwSignal::new(false);
    // Gone before then (the answer came), the signal is disposed and the set does nothing.
    set_timeout(
        move || {
            slow.try_set(true);
        },
        PULSE_AFTER,
    );
    view! {
        <div class="skeleton" class:slow=slow data-testid=testid aria-busy="true" aria-label=label>
            <div class="bone wide"></div>
            {(0..bones).map(|_| view! { <div class="bone"></div> }).collect_view()}
        </div>
    }
}
