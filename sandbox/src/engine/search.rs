//! SOSL searches over the org: words matched against the scope's fields (phones by digits,
//! whatever format they were stored in), then each RETURNING object's WHERE, ORDER BY and LIMIT.

use serde_json::{Map, Value, json};

use super::eval::{Reader, matches, resolve, resolve_filter};
use crate::error::ApiError;
use crate::error::storage;
use crate::keys::{domain_of, phone_key};
use crate::org::Org;
use crate::schema::{FieldDef, ObjectDef};
use crate::soql::{Query, Returning, Scope, Search, SelectItem, parse_search};
use crate::store::Record;

/// The objects searched when a search names none.
const DEFAULT_OBJECTS: &[&str] = &["Account", "Contact", "Lead", "Opportunity", "Case", "User"];

fn in_scope(field: &FieldDef, scope: Scope) -> bool {
    match scope {
        Scope::All => matches!(
            field.kind.as_str(),
            "string" | "email" | "phone" | "textarea" | "url" | "picklist" | "combobox"
        ),
        Scope::Name => {
            field.name_field
                || matches!(
                    field.name.as_str(),
                    "FirstName" | "LastName" | "Company" | "Subject"
                )
        }
        Scope::Email => field.kind == "email",
        Scope::Phone => field.kind == "phone",
    }
}

/// Whether `word` (wildcards `*` and `?`) matches `text`: a whole token of it, the whole
/// text, or for phones the same last digits.
fn word_matches(word: &str, field: &FieldDef, text: &str) -> bool {
    if field.kind == "phone" {
        let digits: String = word.chars().filter(char::is_ascii_digit).collect();
        return digits.len() >= 4
            && phone_key(text).is_some_and(|stored| {
                phone_key(&digits).is_some_and(|w| stored == w || stored.ends_with(&w))
            });
    }
    let word = word.to_lowercase();
    let text = text.to_lowercase();
    // A domain finds the websites and email addresses at it.
    if matches!(field.kind.as_str(), "email" | "url")
        && !word.contains(['@', '*', '?'])
        && word.contains('.')
        && domain_of(&text).as_deref() == Some(word.as_str())
    {
        return true;
    }
    // `*` and `?` are wildcards, `\*` and `\?` the characters themselves (see
    // `Search::words`).
    let mut pattern = String::with_capacity(word.len() + 4);
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                pattern.push('\\');
                pattern.push(chars.next().unwrap_or('\\'));
            }
            '*' => pattern.push('%'),
            '?' => pattern.push('_'),
            '%' | '_' => {
                pattern.push('\\');
                pattern.push(c);
            }
            c => pattern.push(c),
        }
    }
    let glob = |candidate: &str| -> bool { super::eval::like(&pattern, candidate) };
    // Tokens: the whole text, its parts between spaces and `@`, and its alphanumeric runs.
    glob(&text)
        || text
            .split(|c: char| c.is_whitespace() || matches!(c, '@' | ',' | ';' | '/'))
            .chain(text.split(|c: char| !c.is_alphanumeric()))
            .any(|token| !token.is_empty() && glob(token))
}

fn record_matches(object: &ObjectDef, record: &Record, words: &[String], scope: Scope) -> bool {
    words.iter().all(|word| {
        object
            .fields
            .iter()
            .filter(|f| in_scope(f, scope))
            .any(|f| {
                record
                    .fields
                    .get(&f.name)
                    .and_then(Value::as_str)
                    .is_some_and(|text| word_matches(word, f, text))
            })
    })
}

impl Org {
    fn search_candidates(
        &self,
        object: &ObjectDef,
        words: &[String],
        scope: Scope,
    ) -> Result<Vec<Record>, ApiError> {
        // One exact email or a full phone number: straight to the index.
        let key = match words {
            [word] if !word.contains(['*', '?']) => {
                if matches!(scope, Scope::Email | Scope::All) && word.contains('@') {
                    Some(format!("email:{}", word.to_lowercase()))
                } else if matches!(scope, Scope::Email | Scope::All)
                    && word.contains('.')
                    && !word.contains(char::is_whitespace)
                {
                    domain_of(word).map(|d| format!("domain:{d}"))
                } else if scope == Scope::Phone {
                    phone_key(word)
                        .filter(|k| k.len() == 10)
                        .map(|k| format!("phone:{k}"))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(key) = key {
            return self
                .store
                .by_key(&object.name, &key, false)
                .map_err(storage);
        }
        self.store.scan(&object.name, false).map_err(storage)
    }

    /// Runs a parsed search; answers the `searchRecords`.
    pub fn run_search(&self, search: &Search, version: &str) -> Result<Vec<Value>, ApiError> {
        if search.term.chars().count() > crate::strict::MAX_SEARCH_TERM {
            return Ok(Vec::new());
        }
        let mut words = search.words();
        // A phone number written with spaces is one number, not several words.
        let joined = words.join(" ");
        let digits = joined.chars().filter(char::is_ascii_digit).count();
        if words.len() > 1
            && digits >= 7
            && joined
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            words = vec![joined];
        }
        let returning: Vec<Returning> = if search.returning.is_empty() {
            DEFAULT_OBJECTS
                .iter()
                .map(|o| Returning {
                    object: (*o).to_owned(),
                    fields: vec![],
                    filter: None,
                    order_by: vec![],
                    limit: None,
                })
                .collect()
        } else {
            search.returning.clone()
        };
        let reader = Reader::new(self);
        let today = chrono::Utc::now().date_naive();
        let overall = search.limit.map_or(crate::strict::MAX_SEARCH_RESULTS, |l| {
            usize::try_from(l)
                .unwrap_or(usize::MAX)
                .min(crate::strict::MAX_SEARCH_RESULTS)
        });
        let mut out = Vec::new();
        for item in &returning {
            let object = self.schema.object(&item.object).ok_or_else(|| {
                ApiError::query(
                    "INVALID_TYPE",
                    format!("sObject type '{}' is not supported.", item.object),
                )
            })?;
            let fields = item
                .fields
                .iter()
                .map(|f| resolve(self, object, f))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ApiError::query("INVALID_FIELD", format!("{e:?}")))?;
            let filter = item
                .filter
                .as_ref()
                .map(|f| resolve_filter(self, object, f))
                .transpose()
                .map_err(|e| ApiError::query("INVALID_FIELD", format!("{e:?}")))?;
            let mut rows: Vec<Record> = self
                .search_candidates(object, &words, search.scope)?
                .into_iter()
                .filter(|r| record_matches(object, r, &words, search.scope))
                .filter(|r| {
                    filter
                        .as_ref()
                        .is_none_or(|f| matches(&reader, r, f, today))
                })
                .collect();
            if !item.order_by.is_empty() {
                // Reuse the query engine's sort through an equivalent query plan.
                let query = Query {
                    select: vec![SelectItem::Field(crate::soql::FieldPath::new(vec![
                        "Id".into(),
                    ]))],
                    from: object.name.clone(),
                    from_span: crate::soql::Span::default(),
                    filter: None,
                    group_by: vec![],
                    having: None,
                    order_by: item.order_by.clone(),
                    limit: None,
                    offset: None,
                };
                rows = self.sorted(&reader, &query, rows)?;
            }
            let limit = item
                .limit
                .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
            for r in rows.into_iter().take(limit) {
                if out.len() >= overall {
                    break;
                }
                let mut map = Map::new();
                map.insert("attributes".into(), json!({"type": object.name, "url": format!("/services/data/v{version}/sobjects/{}/{}", object.name, r.id)}));
                if fields.is_empty() {
                    map.insert("Id".into(), Value::String(r.id.to_string()));
                }
                for path in &fields {
                    super::query::insert_path(&reader, &mut map, &r, path, 0, version);
                }
                out.push(Value::Object(map));
            }
        }
        Ok(out)
    }

    /// Parses and runs SOSL text.
    pub fn search(&self, sosl: &str, version: &str) -> Result<Vec<Value>, ApiError> {
        let search =
            parse_search(sosl).map_err(|e| ApiError::query("MALFORMED_SEARCH", e.to_string()))?;
        self.run_search(&search, version)
    }
}

/// Runs a search from the REST endpoint's parts (used by `parameterizedSearch`).
pub fn search_records(org: &Org, search: &Search, version: &str) -> Result<Vec<Value>, ApiError> {
    org.run_search(search, version)
}

#[cfg(test)]
mod tests {
    use crate::demo;

    #[test]
    fn searches_by_name_email_and_phone_in_any_format() {
        let org = demo::open(demo::settings()).unwrap();
        let ids = |sosl: &str| -> Vec<String> {
            org.search(sosl, "59.0")
                .unwrap()
                .iter()
                .map(|r| {
                    format!(
                        "{}:{}",
                        r["attributes"]["type"].as_str().unwrap(),
                        r.get("Name").and_then(|n| n.as_str()).unwrap_or("-")
                    )
                })
                .collect()
        };
        assert_eq!(
            ids("FIND {rose@edge.com} IN EMAIL FIELDS RETURNING Contact(Name), Lead(Name)"),
            ["Contact:Rose Gonzalez"]
        );
        // Stored as "+1 512 757 9340"; searched as E.164, as formatted, as bare digits.
        for phone in ["\\+15127579340", "\\(512\\) 757\\-9340", "5127579340"] {
            assert_eq!(
                ids(&format!(
                    "FIND {{{phone}}} IN PHONE FIELDS RETURNING Contact(Name)"
                )),
                ["Contact:Rose Gonzalez"],
                "{phone}"
            );
        }
        assert_eq!(
            ids("FIND {3362227000} IN PHONE FIELDS RETURNING Contact(Name), Account(Name)"),
            [
                "Contact:Jack Rogers",
                "Account:Burlington Textiles Corp of America"
            ]
        );
        assert_eq!(
            ids("FIND {Rogers} IN NAME FIELDS RETURNING Contact(Name ORDER BY Name DESC)"),
            ["Contact:Tim Rogers", "Contact:Jack Rogers"]
        );
        assert_eq!(
            ids("FIND {Edge*} RETURNING Account(Name)"),
            ["Account:Edge Communications"]
        );
        assert_eq!(
            ids("FIND {edge.com} IN EMAIL FIELDS RETURNING Contact(Name WHERE FirstName = 'Sean')"),
            ["Contact:Sean Forbes"]
        );
        // A domain: the Account by its website, the Contacts by their emails.
        assert_eq!(
            ids("FIND {burlington.com} RETURNING Account(Name), Contact(Name)"),
            [
                "Account:Burlington Textiles Corp of America",
                "Contact:Jack Rogers"
            ]
        );
        assert_eq!(
            ids("FIND {nobody@nowhere.example} RETURNING Contact(Name)"),
            Vec::<String>::new()
        );
        let err = org.search("FIND rose", "59.0").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                "MALFORMED_SEARCH",
                "No search term found. The search term must be enclosed in braces."
            )
        );
    }
}
