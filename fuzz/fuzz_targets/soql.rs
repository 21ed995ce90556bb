//! Any text: the SOQL parser answers without panicking, and what it parses prints back to
//! text that parses to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pane_sandbox::soql::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(query) = parse(text) {
        let printed = query.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
        assert_eq!(again, query, "round trip of {text:?} via {printed:?}");
    }
});
