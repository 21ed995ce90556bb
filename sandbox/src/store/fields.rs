//! A stored record's data read whole, or only some of its fields: the others are skipped as
//! text, never built. A scan that filters or counts a large object reads only the fields that
//! choose its rows (`crate::engine::query`); reads by id or key take whole records, kept.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The fields to read of a record (its `Id` is always read).
pub type Fields = BTreeSet<String>;

/// A record's stored JSON object: every field, or only `only`'s and `Id`. `None` when the data
/// is not a JSON object.
pub(super) fn parse(data: &str, only: Option<&Fields>) -> Option<Map<String, Value>> {
    match only {
        None => match serde_json::from_str(data) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        },
        Some(only) => {
            let mut de = serde_json::Deserializer::from_str(data);
            let map = Only(only).deserialize(&mut de).ok()?;
            de.end().ok()?;
            Some(map)
        }
    }
}

/// Reads a JSON object keeping the fields it names.
struct Only<'f>(&'f Fields);

impl<'de> DeserializeSeed<'de> for Only<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Only<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record's fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut fields: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(Key(name)) = fields.next_key()? {
            if name == "Id" || self.0.contains(name.as_ref()) {
                out.insert(name.into_owned(), fields.next_value()?);
            } else {
                fields.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A field's name, borrowed from the data when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl<'de> Visitor<'de> for Name {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(v.to_owned().into()))
            }
        }
        d.deserialize_str(Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_named_fields_and_the_id_are_read() {
        let data = json!({"Id": "003", "Name": "Rose", "Email": "r@e.com", "Nested": {"a": [1, {"b": null}]}, "Esc\u{e9}ped": "x\"y", "AccountId": null}).to_string();
        let whole = parse(&data, None).unwrap();
        assert_eq!(whole.len(), 6);
        let only: Fields = ["Name", "AccountId", "Missing", "Esc\u{e9}ped"]
            .into_iter()
            .map(String::from)
            .collect();
        let some = parse(&data, Some(&only)).unwrap();
        assert_eq!(
            Value::Object(some),
            json!({"Id": "003", "Name": "Rose", "Esc\u{e9}ped": "x\"y", "AccountId": null})
        );
        // An escaped name is read as the name it spells.
        let escaped = r#"{"Id":"003","N\u0061me":"Rose","Title":"x"}"#;
        assert_eq!(
            Value::Object(parse(escaped, Some(&only)).unwrap()),
            json!({"Id": "003", "Name": "Rose"})
        );
        for bad in ["[1]", "{\"Id\": ", "{} x", "null"] {
            assert_eq!(parse(bad, Some(&only)), None, "{bad}");
            assert_eq!(parse(bad, None), None, "{bad}");
        }
    }
}
