//! Field paths resolved against the schema, values read through parents, and comparisons
//! with Salesforce's semantics (text without case, dates and literals as ranges).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::NaiveDate;
use serde_json::Value;

use super::dates::literal_range;
use crate::id::SfId;
use crate::org::Org;
use crate::schema::ObjectDef;
use crate::soql::{CmpOp, Expr, FieldPath, Span, Value as Lit};
use crate::store::{Fields, Record};
use crate::time::parse_datetime;

/// One step through a parent relationship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentStep {
    /// The reference field (`AccountId`).
    pub field: String,
    /// The relationship's name as described (`Account`).
    pub relationship: String,
    /// A polymorphic relationship (`Who`, `What`, `Owner` of several types).
    pub polymorphic: bool,
}

/// A field path checked against the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Parents walked through.
    pub steps: Vec<ParentStep>,
    /// The field's name as described.
    pub field: String,
    /// Its type.
    pub kind: String,
}

impl Resolved {
    /// The field of the record itself that the path reads: the field, or the reference to
    /// the first parent it walks through.
    pub fn own_field(&self) -> &str {
        self.steps.first().map_or(&self.field, |step| &step.field)
    }
}

/// Why a path does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// No such field on the object.
    NoField {
        /// The name written.
        name: String,
        /// Where it was written.
        span: Span,
        /// The object it was looked for on.
        object: String,
    },
    /// No such parent relationship.
    NoRelationship {
        /// The name written.
        name: String,
        /// Where it was written.
        span: Span,
    },
}

/// Resolves `path` from `object`.
pub fn resolve(org: &Org, object: &ObjectDef, path: &FieldPath) -> Result<Resolved, PathError> {
    let (last, parents) = path.parts.split_last().ok_or(PathError::NoRelationship {
        name: String::new(),
        span: path.span(0),
    })?;
    let mut current: Vec<&ObjectDef> = vec![object];
    let mut steps = Vec::new();
    for (index, name) in parents.iter().enumerate() {
        let no_relationship = || PathError::NoRelationship {
            name: name.clone(),
            span: path.span(index),
        };
        let Some(reference) = current.iter().find_map(|o| o.parent(name)) else {
            return Err(no_relationship());
        };
        steps.push(ParentStep {
            field: reference.name.clone(),
            relationship: reference.relationship_name.clone().unwrap_or_default(),
            polymorphic: reference.reference_to.len() > 1,
        });
        current = reference
            .reference_to
            .iter()
            .filter_map(|t| org.schema.object(t))
            .collect();
        if current.is_empty() {
            return Err(no_relationship());
        }
    }
    let Some(field) = current.iter().find_map(|o| o.field(last)) else {
        return Err(PathError::NoField {
            name: last.clone(),
            span: path.span(parents.len()),
            object: current.first().map(|o| o.name.clone()).unwrap_or_default(),
        });
    };
    Ok(Resolved {
        steps,
        field: field.name.clone(),
        kind: field.kind.clone(),
    })
}

/// Reads records by id once per query, each parent kept once and shared (a filter on
/// `Account.Website` over 1,200 Contacts of one Account reads and holds that Account once).
pub struct Reader<'o> {
    org: &'o Org,
    cache: RefCell<HashMap<SfId, Option<Rc<Record>>>>,
}

impl<'o> Reader<'o> {
    /// A reader over the org's store.
    pub fn new(org: &'o Org) -> Self {
        Reader {
            org,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The live record a reference field points at.
    pub fn parent(&self, record: &Record, field: &str) -> Option<Rc<Record>> {
        let id = SfId::parse(record.fields.get(field)?.as_str()?).ok()?;
        if let Some(hit) = self.cache.borrow().get(&id) {
            return hit.clone();
        }
        let found = self
            .org
            .store
            .get(&id)
            .ok()
            .flatten()
            .filter(|r| !r.deleted)
            .map(Rc::new);
        self.cache.borrow_mut().insert(id, found.clone());
        found
    }

    /// The value of a resolved path on `record` (null when a parent is missing). The record
    /// itself is read in place: a value costs a copy of the value, not of its record.
    pub fn value(&self, record: &Record, path: &Resolved) -> Value {
        self.with_value(record, path, Value::clone)
    }

    /// `f` of the value of a resolved path on `record`, read in place (null when a parent is
    /// missing): a filter looks at a value without copying it.
    pub fn with_value<R>(
        &self,
        record: &Record,
        path: &Resolved,
        f: impl FnOnce(&Value) -> R,
    ) -> R {
        let Some((first, rest)) = path.steps.split_first() else {
            return f(record.fields.get(&path.field).unwrap_or(&Value::Null));
        };
        let Some(mut current) = self.parent(record, &first.field) else {
            return f(&Value::Null);
        };
        for step in rest {
            match self.parent(&current, &step.field) {
                Some(next) => current = next,
                None => return f(&Value::Null),
            }
        }
        f(current.fields.get(&path.field).unwrap_or(&Value::Null))
    }
}

/// A comparable form of a stored value or literal.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Scalar {
    Text(String),
    Number(f64),
    Bool(bool),
    /// Days since the epoch (dates) or milliseconds (datetimes) in `Instant`.
    Day(i64),
    Instant(i64),
}

fn day_number(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

use chrono::Datelike;

fn stored(kind: &str, value: &Value) -> Option<Scalar> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Number(n) => n.as_f64().map(Scalar::Number),
        Value::String(s) => Some(match kind {
            "date" => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| Scalar::Day(day_number(d)))
                .unwrap_or_else(|_| Scalar::Text(s.to_lowercase())),
            "datetime" => {
                parse_datetime(s).map_or_else(|| Scalar::Text(s.to_lowercase()), Scalar::Instant)
            }
            _ => Scalar::Text(s.to_lowercase()),
        }),
        other => Some(Scalar::Text(other.to_string().to_lowercase())),
    }
}

fn literal(kind: &str, lit: &Lit) -> Option<Scalar> {
    match lit {
        Lit::Null | Lit::DateLiteral { .. } => None,
        Lit::Bool(b) => Some(Scalar::Bool(*b)),
        Lit::Number(n) => n.parse().ok().map(Scalar::Number),
        Lit::String(s) => Some(Scalar::Text(s.to_lowercase())),
        Lit::Date(d) => {
            let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
            Some(if kind == "datetime" {
                Scalar::Instant(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
            } else {
                Scalar::Day(day_number(day))
            })
        }
        Lit::DateTime(t) => parse_datetime(t).map(Scalar::Instant),
    }
}

/// Orders two stored values of a field; nulls are `None` and handled by the caller.
pub fn compare_values(kind: &str, a: &Value, b: &Value) -> Ordering {
    SortKey::of(kind, a).compare(&SortKey::of(kind, b))
}

/// A value made comparable once, for a sort that compares each row many times (text is
/// lower-cased and dates parsed once per row, not once per comparison).
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey(Option<Scalar>);

impl SortKey {
    /// The key of a stored value of a field of type `kind`.
    pub fn of(kind: &str, value: &Value) -> Self {
        SortKey(stored(kind, value))
    }

    /// Whether the value was null.
    pub fn is_null(&self) -> bool {
        self.0.is_none()
    }

    /// As [`compare_values`] orders the values: null first.
    pub fn compare(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        }
    }
}

/// SQL LIKE without case: `%` any run, `_` one character, `\%` and `\_` literal.
pub fn like(pattern: &str, text: &str) -> bool {
    if let Some(found) = like_ascii(pattern, text) {
        return found;
    }
    like_general(pattern, text)
}

/// LIKE for the patterns the panel sends (`%@edge.com`, `%edge.com%`: `%` only, ASCII) over
/// ASCII text, without allocating: the part before the first `%` is a prefix, the part after
/// the last a suffix of what is left, and the parts between are found leftmost in turn (which
/// leaves the suffix the most room). `None` for what needs [`like_general`].
fn like_ascii(pattern: &str, text: &str) -> Option<bool> {
    if !pattern.is_ascii() || !text.is_ascii() || pattern.contains(['_', '\\']) {
        return None;
    }
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let Some(last) = p.iter().rposition(|&b| b == b'%') else {
        return Some(p.eq_ignore_ascii_case(t));
    };
    let first = p.iter().position(|&b| b == b'%').unwrap_or(last);
    let (prefix, suffix) = (&p[..first], &p[last + 1..]);
    if t.len() < prefix.len() || !t[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return Some(false);
    }
    let mut rest = &t[prefix.len()..];
    let middle = if last > first {
        &p[first + 1..last]
    } else {
        &[][..]
    };
    for part in middle.split(|&b| b == b'%').filter(|part| !part.is_empty()) {
        let Some(at) = rest
            .windows(part.len())
            .position(|w| w.eq_ignore_ascii_case(part))
        else {
            return Some(false);
        };
        rest = &rest[at + part.len()..];
    }
    Some(
        rest.len() >= suffix.len()
            && rest[rest.len() - suffix.len()..].eq_ignore_ascii_case(suffix),
    )
}

/// LIKE for any pattern and text, a character at a time.
fn like_general(pattern: &str, text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum P {
        Any,
        One,
        Char(char),
    }
    let mut parts = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        parts.push(match c {
            '%' => P::Any,
            '_' => P::One,
            '\\' => match chars.next() {
                Some(n) => P::Char(n),
                None => P::Char('\\'),
            },
            c => P::Char(c),
        });
    }
    let text: Vec<char> = text.chars().collect();
    // One character of the pattern against one of the text, without case.
    let same = |p: char, t: char| {
        p == t
            || if p.is_ascii() && t.is_ascii() {
                p.eq_ignore_ascii_case(&t)
            } else {
                p.to_lowercase().eq(t.to_lowercase())
            }
    };
    // Left to right; on a mismatch, back to the last `%`, which takes one character more. Linear
    // for the patterns queries use (`%@edge.com`, `%edge.com%`), at worst pattern × text.
    let (mut p, mut t) = (0, 0);
    let mut last_any: Option<(usize, usize)> = None;
    while t < text.len() {
        match parts.get(p) {
            Some(P::One) => {
                p += 1;
                t += 1;
            }
            Some(P::Char(c)) if same(*c, text[t]) => {
                p += 1;
                t += 1;
            }
            Some(P::Any) => {
                last_any = Some((p, t));
                p += 1;
            }
            _ => match last_any {
                Some((any, from)) => {
                    last_any = Some((any, from + 1));
                    p = any + 1;
                    t = from + 1;
                }
                None => return false,
            },
        }
    }
    parts[p.min(parts.len())..]
        .iter()
        .all(|part| *part == P::Any)
}

/// Evaluates `op` between a stored value and a literal, with `today` for date literals.
pub(super) fn compare(kind: &str, value: &Value, op: CmpOp, lit: &Lit, today: NaiveDate) -> bool {
    if let Lit::DateLiteral { name, n } = lit {
        let Some((start, end)) = literal_range(name, *n, today) else {
            return false;
        };
        let (start, end, v) = match stored(kind, value) {
            Some(Scalar::Day(d)) => (day_number(start), day_number(end), d),
            Some(Scalar::Instant(ms)) => (
                start
                    .and_hms_opt(0, 0, 0)
                    .map_or(0, |t| t.and_utc().timestamp_millis()),
                end.and_hms_opt(0, 0, 0)
                    .map_or(0, |t| t.and_utc().timestamp_millis()),
                ms,
            ),
            _ => return op == CmpOp::Ne,
        };
        return match op {
            CmpOp::Eq => start <= v && v < end,
            CmpOp::Ne => !(start <= v && v < end),
            CmpOp::Lt => v < start,
            CmpOp::Le => v < end,
            CmpOp::Gt => v >= end,
            CmpOp::Ge => v >= start,
            CmpOp::Like => false,
        };
    }
    if op == CmpOp::Like {
        return match (value, lit) {
            (Value::String(s), Lit::String(p)) => like(p, s),
            _ => false,
        };
    }
    let (a, b) = (stored(kind, value), literal(kind, lit));
    match (a, b) {
        (None, None) => matches!(op, CmpOp::Eq | CmpOp::Le | CmpOp::Ge),
        (None, Some(_)) | (Some(_), None) => op == CmpOp::Ne,
        (Some(a), Some(b)) => {
            // A boolean stored as text (or the reverse) compares by its text.
            let (a, b) = match (&a, &b) {
                (Scalar::Bool(x), Scalar::Text(t)) => {
                    (Scalar::Text(x.to_string()), Scalar::Text(t.clone()))
                }
                _ => (a, b),
            };
            match a.partial_cmp(&b) {
                None => op == CmpOp::Ne,
                Some(ord) => match op {
                    CmpOp::Eq => ord == Ordering::Equal,
                    CmpOp::Ne => ord != Ordering::Equal,
                    CmpOp::Lt => ord == Ordering::Less,
                    CmpOp::Le => ord != Ordering::Greater,
                    CmpOp::Gt => ord == Ordering::Greater,
                    CmpOp::Ge => ord != Ordering::Less,
                    CmpOp::Like => false,
                },
            }
        }
    }
}

/// A WHERE clause whose paths are resolved.
#[derive(Debug, Clone)]
pub enum Filter {
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
    /// Not.
    Not(Box<Filter>),
    /// A comparison.
    Cmp(Resolved, CmpOp, Lit),
    /// IN / NOT IN.
    In(Resolved, bool, Vec<Lit>),
}

impl Filter {
    /// Adds the record's own fields the filter reads to `out`.
    pub fn read_fields(&self, out: &mut Fields) {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.read_fields(out);
                b.read_fields(out);
            }
            Filter::Not(a) => a.read_fields(out),
            Filter::Cmp(path, ..) | Filter::In(path, ..) => {
                out.insert(path.own_field().to_owned());
            }
        }
    }
}

/// Resolves every path of a WHERE clause.
pub fn resolve_filter(org: &Org, object: &ObjectDef, expr: &Expr) -> Result<Filter, PathError> {
    Ok(match expr {
        Expr::And(a, b) => Filter::And(
            Box::new(resolve_filter(org, object, a)?),
            Box::new(resolve_filter(org, object, b)?),
        ),
        Expr::Or(a, b) => Filter::Or(
            Box::new(resolve_filter(org, object, a)?),
            Box::new(resolve_filter(org, object, b)?),
        ),
        Expr::Not(a) => Filter::Not(Box::new(resolve_filter(org, object, a)?)),
        Expr::Cmp { field, op, value } => {
            Filter::Cmp(resolve(org, object, field)?, *op, value.clone())
        }
        Expr::In {
            field,
            negated,
            values,
        } => Filter::In(resolve(org, object, field)?, *negated, values.clone()),
        // `Org::plan` runs each semi-join into the list of its ids before resolving
        // (`engine::semijoin`), so none reaches here; one that did would match no id.
        Expr::SemiJoin { field, negated, .. } => {
            Filter::In(resolve(org, object, field)?, *negated, Vec::new())
        }
    })
}

/// Whether `record` passes `filter`.
pub fn matches(reader: &Reader<'_>, record: &Record, filter: &Filter, today: NaiveDate) -> bool {
    match filter {
        Filter::And(a, b) => matches(reader, record, a, today) && matches(reader, record, b, today),
        Filter::Or(a, b) => matches(reader, record, a, today) || matches(reader, record, b, today),
        Filter::Not(a) => !matches(reader, record, a, today),
        Filter::Cmp(path, op, lit) => reader.with_value(record, path, |value| {
            compare(&path.kind, value, *op, lit, today)
        }),
        Filter::In(path, negated, values) => reader.with_value(record, path, |value| {
            let found = values
                .iter()
                .any(|lit| compare(&path.kind, value, CmpOp::Eq, lit, today));
            found != *negated
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn like_patterns() {
        for (pattern, text, expected) in [
            ("%@gmail.com", "Zoe@GMAIL.com", true),
            ("Ro%", "rose", true),
            ("R_se", "Rose", true),
            ("R_se", "Roose", false),
            ("%edge%", "rose@edge.com", true),
            ("50\\%", "50%", true),
            ("50\\%", "500", false),
            ("", "", true),
            ("%", "", true),
            ("", "x", false),
            ("_", "", false),
            ("a%b", "aXbXb", true),
            ("a%b", "aXbXc", false),
            ("%a%b%c", "xxaxxbxxbc", true),
            ("%a%b%c", "xxaxxbxxb", false),
            ("%%", "anything", true),
            ("a_%_", "ab", false),
            ("a_%_", "abc", true),
            ("%@edge.com", "rose@edge.com.evil", false),
            ("%İ%", "xi\u{307}x", false),
            ("%\u{130}stanbul%", "http://\u{130}STANBUL.example", true),
            ("%K%", "\u{212A}", true),
        ] {
            assert_eq!(like(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn the_ascii_path_agrees_with_the_general_matcher() {
        let patterns = [
            "",
            "%",
            "%%",
            "%@edge.com",
            "%edge.com%",
            "Ro%",
            "rose",
            "a%b",
            "%a%b%c",
            "a%%b",
            "%a%a%",
            "ab%ba",
            "%ROSE@%",
            "x%",
        ];
        let texts = [
            "",
            "a",
            "ab",
            "aba",
            "abba",
            "rose@edge.com",
            "ROSE@EDGE.COM",
            "rose@edge.com.evil",
            "xxaxxbxxbc",
            "xxaxxbxxb",
            "aXbXb",
            "aaa",
            "Rose",
            "x",
        ];
        for pattern in patterns {
            for text in texts {
                assert_eq!(
                    like_ascii(pattern, text),
                    Some(like_general(pattern, text)),
                    "{pattern} ~ {text}"
                );
            }
        }
        // Left to the general matcher: `_`, escapes, and text beyond ASCII.
        assert_eq!(like_ascii("R_se", "Rose"), None);
        assert_eq!(like_ascii("50\\%", "50%"), None);
        assert_eq!(like_ascii("%k%", "\u{212A}"), None);
    }

    #[test]
    fn comparisons() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let s = |v: &str| Lit::String(v.into());
        let day = |name: &str, n: Option<u32>| Lit::DateLiteral {
            name: name.into(),
            n,
        };
        let now = "2026-11-25T10:00:00.000+0000";
        // (field type, stored value, operator, literal, whether it matches)
        let cases = [
            ("string", json!("Rose"), CmpOp::Eq, s("ROSE"), true),
            ("string", json!(null), CmpOp::Eq, Lit::Null, true),
            ("string", json!("x"), CmpOp::Ne, Lit::Null, true),
            ("string", json!(null), CmpOp::Eq, s("x"), false),
            (
                "currency",
                json!(75000),
                CmpOp::Gt,
                Lit::Number("1000.5".into()),
                true,
            ),
            ("boolean", json!(true), CmpOp::Eq, Lit::Bool(true), true),
            (
                "date",
                json!("2026-11-25"),
                CmpOp::Eq,
                day("TODAY", None),
                true,
            ),
            (
                "date",
                json!("2026-11-01"),
                CmpOp::Eq,
                day("LAST_N_DAYS", Some(30)),
                true,
            ),
            (
                "date",
                json!("2026-10-01"),
                CmpOp::Eq,
                day("LAST_N_DAYS", Some(30)),
                false,
            ),
            ("datetime", json!(now), CmpOp::Eq, day("TODAY", None), true),
            (
                "datetime",
                json!(now),
                CmpOp::Gt,
                Lit::DateTime("2026-11-25T09:00:00Z".into()),
                true,
            ),
            (
                "date",
                json!("2026-11-25"),
                CmpOp::Ge,
                Lit::Date("2026-11-25".into()),
                true,
            ),
        ];
        for (kind, value, op, lit, expected) in cases {
            assert_eq!(
                compare(kind, &value, op, &lit, today),
                expected,
                "{kind} {value} {op:?} {lit:?}"
            );
        }
    }
}
