//! User text made safe for SOQL string literals and SOSL search terms. Nothing a user typed
//! reaches a query any other way.

/// A SOQL string literal (quotes included) whose value is exactly `value`.
pub fn soql_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A SOQL LIKE pattern literal matching `value` literally, with `%` around it when
/// `contains`.
pub fn soql_like(value: &str, contains: bool) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = if contains {
        format!("%{escaped}%")
    } else {
        escaped
    };
    // The pattern's own backslashes are already doubled: quote the rest.
    let mut out = String::from("'");
    for c in pattern.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The characters SOSL reserves in a search term.
const SOSL_RESERVED: &str = "?&|!{}[]()^~*:\\\"'+-";

/// A SOSL term (without braces) that searches for `text` literally.
pub fn sosl_term(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars().filter(|c| !c.is_control()) {
        if SOSL_RESERVED.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        // (escaped, as it must read)
        let cases = [
            (soql_string("rose@edge.com"), "'rose@edge.com'"),
            (soql_string("O'Brien"), "'O\\'Brien'"),
            (
                soql_string("a\\' OR Name != '"),
                "'a\\\\\\' OR Name != \\''",
            ),
            (soql_like("50%_off", true), "'%50\\%\\_off%'"),
            (sosl_term("+1 (512) 757-9340"), "\\+1 \\(512\\) 757\\-9340"),
            (
                sosl_term("x} RETURNING User(Id) {"),
                "x\\} RETURNING User\\(Id\\) \\{",
            ),
            (sosl_term("a\nb"), "ab"),
        ];
        for (escaped, want) in cases {
            assert_eq!(escaped, want);
        }
    }
}
