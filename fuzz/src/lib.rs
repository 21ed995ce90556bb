//! What the parser fuzz targets share.

use std::fmt::{Debug, Display};

/// Any text: `parse` answers without panicking, and what it parses prints back to text that
/// parses to the same tree.
pub fn round_trip<T, E>(data: &[u8], parse: fn(&str) -> Result<T, E>)
where
    T: Display + PartialEq + Debug,
    E: Display,
{
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tree) = parse(text) {
        let printed = tree.to_string();
        let again =
            parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
        assert_eq!(again, tree, "round trip of {text:?} via {printed:?}");
    }
}
