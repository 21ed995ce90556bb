//! Performance marks for the benchmarks (`scripts/bench`): when the host's context arrived, each
//! hop on the way to the sender's records (`pane:handle`, `pane:request`, `pane:answer`,
//! `pane:parsed`, `pane:rendered`, `pane:frame`) and when the records were painted. A new
//! context clears the previous marks, so the timeline never grows however long the panel stays
//! open. [`after_paint`] runs work once a frame has been painted, [`after_settle`] once the agent
//! has stayed a moment after it.

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

/// `pane:{hop} {key}`, now (one of the hops between the context and the paint).
pub fn hop(hop: &str, key: &str) {
    if let Some(p) = performance() {
        let _ = p.mark(&format!("pane:{hop} {key}"));
    }
}

/// `pane:rendered {handle}`, now: the records' view is in the document.
pub fn records_rendered(handle: &str) {
    hop("rendered", handle);
}

/// `pane:frame {handle}` as the frame showing the records starts (its animation frame), and
/// `pane:records {handle}` once that frame has been painted ([`after_paint`]).
pub fn records_painted(handle: String) {
    request_animation_frame(move || {
        hop("frame", &handle);
        set_timeout(move || hop("records", &handle), Duration::ZERO);
    });
}

/// Runs `f` once the next frame has been painted: the next animation frame, then a task (which
/// runs after that frame's paint). Work the agent does not see (a view's teardown) waits for
/// it, so it stays out of the frame that paints what the agent looks at.
pub fn after_paint(f: impl FnOnce() + 'static) {
    after_paint_then(Box::new(f), Duration::ZERO);
}

/// How long the agent stays on a conversation, once its records are painted, before the panel
/// asks for what it says about it besides them (how many of its messages rules logged, whether
/// it is logged as a Task). A conversation passed through on the way to another (a key held
/// down in the inbox's list) costs no request and no frame; one stayed on shows its status this
/// much later (a conversation seen before shows what it said last time until then).
pub const SETTLE: Duration = Duration::from_millis(150);

/// Runs `f` [`SETTLE`] after the next frame has been painted; the caller checks then that the
/// agent is still where it was.
pub fn after_settle(f: impl FnOnce() + 'static) {
    after_paint_then(Box::new(f), SETTLE);
}

/// Asks the browser for its next frame now, for an answer that is about to change the view. A
/// view built out of the document (`records_kept`) dirties the document only when it is put in,
/// at the end of its build; asked for then, the frame waits a whole vsync after the build,
/// longer after an idle wait (the frame clock stops when nothing changes). Asked for first, the
/// wait runs during the build, and the frame paints the view as soon as it is in.
pub fn frame_ahead() {
    request_animation_frame(|| {});
}

// One copy of the scheduling in the wasm, whatever the callers' closures: the next animation
// frame, then a task `delay` later (after that frame's paint).
fn after_paint_then(f: Box<dyn FnOnce()>, delay: Duration) {
    request_animation_frame(move || set_timeout(f, delay));
}
