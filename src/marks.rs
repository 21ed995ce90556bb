//! Performance marks for the benchmarks (`scripts/bench`): when the host's context arrived and
//! when the sender's records were painted. A new context clears the previous marks, so the
//! timeline never grows however long the panel stays open.

use std::time::Duration;

use leptos::prelude::{request_animation_frame, set_timeout};

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

/// `pane:context {id}`, after clearing the marks of the context before.
pub fn context_arrived(id: &str) {
    if let Some(p) = performance() {
        p.clear_marks();
        // A mark that cannot be made only costs the benchmark a sample.
        let _ = p.mark(&format!("pane:context {id}"));
    }
}

/// `pane:records {handle}`, once the frame showing them has been painted: the next animation
/// frame, then a task (which runs after that frame's paint).
pub fn records_painted(handle: String) {
    request_animation_frame(move || {
        set_timeout(
            move || {
                if let Some(p) = performance() {
                    let _ = p.mark(&format!("pane:records {handle}"));
                }
            },
            Duration::ZERO,
        );
    });
}
