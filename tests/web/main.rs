//! The panel's browser tests (wasm-bindgen-test in headless Chromium): the bridge against the
//! dev inbox's real host code and sample data, the visibility hook, the proxy client's
//! aborts, and the panel shell and its components mounted into a real DOM (the records' kept
//! views among them). One test crate (one wasm build, one browser page), a file a subject;
//! `support` mounts and waits.

#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod bridge;
mod client;
mod components;
mod kept;
mod reads;
mod shell;
mod support;
mod values;
mod visibility;
