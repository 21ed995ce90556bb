//! The panel's entry point: mount the app into the iframe's body.

fn main() {
    // A panic's message in the console, where the build keeps messages (tests, a plain `trunk
    // build`); scripts/build-panel's panics abort at once, without one (issue 18: the bundle).
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(salesforce_pane::App);
}
