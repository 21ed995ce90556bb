//! Text as both sides compare it.

/// `text` in lower case, as Unicode has it. ASCII (nearly every address) is lowered here;
/// other text by the browser's `toLowerCase` in the panel (wasm32), so the panel's wasm
/// carries no Unicode case table (issue 18: the bundle), and by Rust's `to_lowercase` natively.
pub fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        unicode_lowercase(text)
    }
}

#[cfg(target_arch = "wasm32")]
fn unicode_lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

#[cfg(not(target_arch = "wasm32"))]
fn unicode_lowercase(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_lowered_as_unicode_has_it() {
        assert_eq!(lowercase("Rose@Edge.COM"), "rose@edge.com");
        assert_eq!(lowercase("JOSÉ@ÉCOLE.FR"), "josé@école.fr");
        // A final sigma is a final sigma.
        assert_eq!(lowercase("ΟΔΟΣ"), "\u{3bf}\u{3b4}\u{3bf}\u{3c2}");
        assert_eq!(lowercase(""), "");
    }
}
