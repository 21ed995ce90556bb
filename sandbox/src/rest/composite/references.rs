//! `@{ref.path[0].x}` references to earlier subrequests' results, resolved through JSON
//! Pointers.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Resolves `@{ref.path[0].x}` against earlier results; `Err` names the missing reference.
pub(super) fn substitute(text: &str, results: &HashMap<String, Value>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("@{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| after.to_owned())?;
        let reference = &after[..end];
        out.push_str(&lookup(reference, results).ok_or_else(|| reference.to_owned())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value `reference` (`ref.records[0].Id`) names in the earlier results, as text: the
/// referenceId's result, then the path translated into a JSON Pointer (`/records/0/Id`).
fn lookup(reference: &str, results: &HashMap<String, Value>) -> Option<String> {
    let (id, path) = reference.split_once('.').unwrap_or((reference, ""));
    let value = results.get(id)?.pointer(&pointer(path)?)?;
    Some(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// A reference's path (`records[0].Id`, after the referenceId) as a JSON Pointer
/// (`/records/0/Id`); `None` when an index is not a number.
fn pointer(path: &str) -> Option<String> {
    let mut out = String::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push('/');
            out.push_str(&name.replace('~', "~0").replace('/', "~1"));
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let index: usize = index.trim_end_matches(']').parse().ok()?;
            out.push('/');
            out.push_str(&index.to_string());
        }
    }
    Some(out)
}

pub(super) fn substitute_json(
    value: &Value,
    results: &HashMap<String, Value>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(substitute(s, results)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute_json(v, results))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute_json(v, results)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_json_pointers_into_earlier_results() {
        for (path, want) in [
            ("records[0].Id", Some("/records/0/Id")),
            ("a[1][2].b/c~", Some("/a/1/2/b~1c~0")),
            ("", Some("")),
            ("records[x].Id", None),
        ] {
            assert_eq!(pointer(path).as_deref(), want, "{path}");
        }
        let results = HashMap::from([
            (
                "contacts".to_owned(),
                json!({"totalSize": 1, "records": [{"Id": "003A", "Account": {"Name": "Edge"}}]}),
            ),
            ("new".to_owned(), json!({"id": "001B", "success": true})),
        ]);
        for (reference, want) in [
            ("contacts.records[0].Id", Some("003A")),
            ("contacts.records[0].Account.Name", Some("Edge")),
            ("contacts.totalSize", Some("1")),
            ("new.id", Some("001B")),
            ("contacts.records[1].Id", None),
            ("nobody.id", None),
        ] {
            assert_eq!(lookup(reference, &results).as_deref(), want, "{reference}");
        }
    }

    #[test]
    fn references_walk_fields_and_indexes() {
        let results = HashMap::from([
            ("refAccount".to_owned(), json!({"id": "001Pa0000000001IAA"})),
            (
                "refQuery".to_owned(),
                json!({"records": [{"Id": "003Pa0000000001IAA", "n": 3}]}),
            ),
        ]);
        assert_eq!(
            substitute("/sobjects/Account/@{refAccount.id}", &results).unwrap(),
            "/sobjects/Account/001Pa0000000001IAA"
        );
        assert_eq!(
            substitute(
                "@{refQuery.records[0].Id}-@{refQuery.records[0].n}",
                &results
            )
            .unwrap(),
            "003Pa0000000001IAA-3"
        );
        assert_eq!(substitute("@{nope.id}", &results).unwrap_err(), "nope.id");
        assert_eq!(
            substitute("@{refAccount.missing}", &results).unwrap_err(),
            "refAccount.missing"
        );
        assert_eq!(substitute("no refs", &results).unwrap(), "no refs");
    }
}
