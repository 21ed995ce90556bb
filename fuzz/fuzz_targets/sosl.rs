//! Any text: the SOSL parser answers without panicking, and what it parses prints back to
//! text that parses to the same search.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pane_sandbox::soql::parse_search;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(search) = parse_search(text) {
        let printed = search.to_string();
        let again = parse_search(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
        assert_eq!(again, search, "round trip of {text:?} via {printed:?}");
    }
});
