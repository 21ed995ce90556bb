//! The lookup keys the store indexes records by (emails, domains, phone digits, URLs, External
//! IDs, parents' ids): pure functions of a record's values.

use serde_json::{Map, Value};

use crate::schema::{FieldType, ObjectDef};

/// The digits a phone number is matched on: the last ten, whatever the stored format.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    Some(digits[digits.len().saturating_sub(10)..].to_owned())
}

/// The host of a website or the domain of an email, lower-cased, without `www.`.
pub fn domain_of(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    let host = match text.rsplit_once('@') {
        Some((_, domain)) => domain.to_owned(),
        None => {
            let rest = text.split("://").last().unwrap_or_default();
            rest.split(['/', '?', '#', ':'])
                .next()
                .unwrap_or_default()
                .to_owned()
        }
    };
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    host.contains('.').then_some(host)
}

/// The lookup keys of a record: its emails, their domains, its phones' digits, its website.
pub fn lookup_keys(object: &ObjectDef, fields: &Map<String, Value>) -> Vec<String> {
    let mut keys = Vec::new();
    for field in &object.fields {
        let Some(value) = fields.get(&field.name).and_then(Value::as_str) else {
            continue;
        };
        if field.external_id {
            keys.push(external_key(&field.name, value));
        }
        match field.field_type() {
            FieldType::Email => {
                keys.push(format!("email:{}", value.trim().to_ascii_lowercase()));
                keys.extend(domain_of(value).map(|d| format!("domain:{d}")));
                keys.extend(email_domain_key(&field.name, value));
            }
            FieldType::Phone => keys.extend(phone_key(value).map(|p| format!("phone:{p}"))),
            FieldType::Url => {
                if field.name == "Website" {
                    keys.extend(domain_of(value).map(|d| format!("domain:{d}")));
                }
                keys.push(url_key(&field.name, value));
            }
            // Children are found through their parents' ids.
            FieldType::Reference => keys.push(format!("ref:{value}")),
            _ => {}
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Text lower-cased a character at a time, as SOQL's `LIKE` compares it.
pub fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The lookup key of an email's domain, for `field LIKE '%@domain'`: what follows its last `@`,
/// lower-cased as `LIKE` compares (`None` without an `@`).
pub fn email_domain_key(field: &str, value: &str) -> Option<String> {
    let (_, domain) = value.rsplit_once('@')?;
    Some(format!("at:{field}:{}", lower(domain)))
}

/// The lookup key of a URL field's whole text, lower-cased as `LIKE` compares, for
/// `field LIKE '%text%'` (matched with GLOB over a range of keys).
pub fn url_key(field: &str, value: &str) -> String {
    format!("url:{field}:{}", lower(value))
}

/// The lookup key of an External ID's value.
pub fn external_key(field: &str, value: &str) -> String {
    format!("ext:{field}:{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_match_on_digits_and_domains_on_hosts() {
        assert_eq!(
            phone_key("+1 (512) 757-9340").as_deref(),
            Some("5127579340")
        );
        assert_eq!(phone_key("512.757.9340").as_deref(), Some("5127579340"));
        assert_eq!(phone_key("12"), None);
        assert_eq!(
            domain_of("https://www.Burlington.com/about").as_deref(),
            Some("burlington.com")
        );
        assert_eq!(domain_of("Rose@Edge.com").as_deref(), Some("edge.com"));
        assert_eq!(domain_of("localhost"), None);
    }
}
