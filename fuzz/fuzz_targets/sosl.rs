//! Any text: the SOSL parser answers without panicking, and what it parses prints back to
//! text that parses to the same search.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pane_fuzz::round_trip(data, pane_sandbox::soql::parse_search));
