//! The panel's entry point: mount the app into the iframe's body.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(salesforce_pane::App);
}
