//! Names and ids the proxy puts into Salesforce requests: checked here, once, before any
//! handler builds a path or a query with them.

use pane_wire::objects::{SOBJECTS, sobject};

use crate::ProxyError;

/// An object's or field's API name: letters, digits and `_`, at most 80.
pub fn api_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 80
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Salesforce record id: 15 or 18 letters and digits.
pub fn record_id(id: &str) -> bool {
    (id.len() == 15 || id.len() == 18) && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Refuses an object the panel does not work with, saying which it does (`what`: "creates",
/// "describes").
pub fn panel_object(object: &str, what: &str) -> Result<(), ProxyError> {
    if sobject(object).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = SOBJECTS.iter().map(|o| o.name).collect();
    Err(ProxyError::BadRequest(format!(
        "the panel {what} {}",
        known.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert!(api_name("Tier__c"));
        for bad in ["", "Name FROM User --", "a.b", &"x".repeat(81)] {
            assert!(!api_name(bad), "{bad:?}");
        }
        assert!(record_id("003000000000001"));
        assert!(record_id("003000000000001AAA"));
        for bad in ["", "003", "003000000000001'", "003000000000001AA"] {
            assert!(!record_id(bad), "{bad:?}");
        }
    }
}
