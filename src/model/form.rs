//! Forms generated from a describe: the input each field type gets, which fields a create form
//! shows, what is checked before saving, and the JSON each typed value becomes.

use pane_wire::api::{FieldSpec, ObjectSpec};
use serde_json::{Map, Number, Value};

/// The input a field is edited with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// One line of text.
    Text,
    /// Several lines.
    TextArea,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A URL.
    Url,
    /// A whole or decimal number (number, currency, percent).
    Number,
    /// A date.
    Date,
    /// A date and time.
    DateTime,
    /// A checkbox.
    Checkbox,
    /// One value of a list.
    Picklist,
    /// Free text with suggested values (a Task's Subject).
    Combobox,
    /// Another record, found by search.
    Lookup,
    /// Not editable in the panel (ids, formulas, compound fields...).
    ReadOnly,
}

/// The input for a Salesforce field type.
pub fn input_kind(field: &FieldSpec) -> InputKind {
    match field.kind.as_str() {
        "string" | "encryptedstring" => InputKind::Text,
        "combobox" => InputKind::Combobox,
        "textarea" => InputKind::TextArea,
        "email" => InputKind::Email,
        "phone" => InputKind::Phone,
        "url" => InputKind::Url,
        "int" | "double" | "currency" | "percent" | "long" => InputKind::Number,
        "date" => InputKind::Date,
        "datetime" => InputKind::DateTime,
        "boolean" => InputKind::Checkbox,
        "picklist" | "multipicklist" => InputKind::Picklist,
        "reference" => InputKind::Lookup,
        _ => InputKind::ReadOnly,
    }
}

/// Fields that are never typed in a create form: set by Salesforce or by the panel.
const SKIPPED: &[&str] = &["OwnerId", "RecordTypeId", "MasterRecordId", "IsConverted"];

/// The fields a create form shows for `spec`: every required one, the admin's extra mandatory
/// ones, and the `wanted` ones the agent usually sees, each once, required first, in
/// describe order otherwise; never one that cannot be created or typed.
pub fn create_fields<'a>(
    spec: &'a ObjectSpec,
    extra_mandatory: &[String],
    wanted: &[&str],
) -> Vec<&'a FieldSpec> {
    let usable = |f: &&FieldSpec| {
        f.createable && !SKIPPED.contains(&f.name.as_str()) && input_kind(f) != InputKind::ReadOnly
    };
    let mandatory = |f: &FieldSpec| f.required || extra_mandatory.contains(&f.name);
    let mut out: Vec<&FieldSpec> = spec
        .fields
        .iter()
        .filter(usable)
        .filter(|f| mandatory(f))
        .collect();
    for name in wanted {
        if let Some(f) = spec.fields.iter().filter(usable).find(|f| f.name == *name)
            && !out.iter().any(|o| o.name == f.name)
        {
            out.push(f);
        }
    }
    out
}

/// Why a form cannot be saved yet: `(field, message)` for each problem, in form order.
pub fn validate(
    fields: &[&FieldSpec],
    extra_mandatory: &[String],
    values: &Map<String, Value>,
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for f in fields {
        let raw = values.get(&f.name);
        let blank = match raw {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(_) => false,
        };
        if blank {
            if (f.required || extra_mandatory.contains(&f.name))
                && input_kind(f) != InputKind::Checkbox
            {
                problems.push((f.name.clone(), format!("{} is required.", f.label)));
            }
            continue;
        }
        let text = raw.and_then(Value::as_str).unwrap_or_default().trim();
        let problem = match input_kind(f) {
            InputKind::Email if !looks_like_email(text) => {
                Some(format!("{} is not an email address.", f.label))
            }
            InputKind::Number
                if !text.is_empty() && typed_number(&text.replace(',', "")).is_none() =>
            {
                Some(format!("{} must be a number.", f.label))
            }
            InputKind::Date if !text.is_empty() && !looks_like_date(text) => {
                Some(format!("{} must be a date (YYYY-MM-DD).", f.label))
            }
            InputKind::Picklist
                if f.restricted
                    && !text.is_empty()
                    && !f.picklist.iter().any(|p| p.value == text) =>
            {
                Some(format!("{} must be one of the listed values.", f.label))
            }
            _ => None,
        };
        if let Some(p) = problem {
            problems.push((f.name.clone(), p));
        } else if let Some(max) = f.length
            && text.chars().count() > max as usize
        {
            problems.push((
                f.name.clone(),
                format!("{} is at most {max} characters.", f.label),
            ));
        }
    }
    problems
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn looks_like_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// A number as typed into a form, thousands separators already gone: `-1200.5`, `+3`, `.5`,
/// `5.`, `1e3`. Not a number (`None`): anything else, `inf` and `NaN` among it, and a number
/// too big for a double. Read by serde_json's number reader, which the panel has anyway: Rust's
/// own float parser would add its tables to the wasm (issue 18).
pub fn typed_number(text: &str) -> Option<Number> {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    // The same number in JSON's grammar: no `+`, no leading zeros, digits on both sides of a dot.
    let mut json = String::with_capacity(text.len() + 2);
    if negative {
        json.push('-');
    }
    let whole = whole.trim_start_matches('0');
    json.push_str(if whole.is_empty() { "0" } else { whole });
    if !fraction.is_empty() {
        json.push('.');
        json.push_str(fraction);
    }
    if let Some(exponent) = exponent {
        let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        if unsigned.is_empty() || !digits(unsigned) {
            return None;
        }
        json.push('e');
        json.push_str(exponent);
    }
    json.parse().ok()
}

/// The JSON Salesforce expects for what was typed into `field`'s input (`None` leaves the
/// field out: an empty optional field in a create).
pub fn to_json(field: &FieldSpec, typed: &str) -> Value {
    let text = typed.trim();
    match input_kind(field) {
        InputKind::Checkbox => Value::Bool(matches!(text, "true" | "on" | "1")),
        _ if text.is_empty() => Value::Null,
        InputKind::Number => {
            let clean = text.replace(',', "");
            let whole = field.kind == "int" || field.scale == Some(0);
            match clean.parse::<i64>() {
                Ok(n) if whole => Value::from(n),
                _ => typed_number(&clean)
                    .and_then(|n| n.as_f64())
                    .map_or_else(|| Value::from(text), Value::from),
            }
        }
        InputKind::DateTime => {
            // `<input type=datetime-local>` gives `2026-11-24T10:30`; Salesforce wants seconds.
            if text.len() == 16 {
                Value::from(format!("{text}:00Z"))
            } else {
                Value::from(text)
            }
        }
        _ => Value::from(text),
    }
}

/// What an input shows for a stored value.
pub fn to_input(field: &FieldSpec, value: &Value) -> String {
    match (input_kind(field), value) {
        (_, Value::Null) => String::new(),
        (InputKind::Checkbox, Value::Bool(b)) => b.to_string(),
        (InputKind::DateTime, Value::String(s)) => s.chars().take(16).collect(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The line above a refused form: the fields to fill in or fix, named by their labels as the
/// agent sees them beside the inputs (an API name only for a field the form does not know).
pub fn fix_summary(problems: &[(String, String)], fields: &[FieldSpec]) -> Option<String> {
    let named: Vec<&str> = problems
        .iter()
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, _)| {
            fields
                .iter()
                .find(|f| f.name == *name)
                .map_or(name.as_str(), |f| f.label.as_str())
        })
        .collect();
    (!named.is_empty()).then(|| format!("Fill in or fix: {}.", named.join(", ")))
}

/// Salesforce's own message with the fields it names by API name (`Required fields are
/// missing: [LastName]`, `Customer_Tier__c: bad value`) named by their labels instead, for
/// the fields the panel knows; a word that merely contains a field's name is left alone.
pub fn with_labels(message: &str, fields: &[FieldSpec]) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(word) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
        let token = &tail[..end];
        match fields
            .iter()
            .find(|f| f.name == token && !f.label.is_empty())
        {
            Some(f) => out.push_str(&f.label),
            None => out.push_str(token),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A new Lead's Company guessed from its email domain: `edge-comms.com` is `Edge comms`. The
/// first letter is upper-cased in ASCII only: Unicode's case table would add kilobytes to the
/// wasm (issue 18), and a domain that is not ASCII keeps its first letter as it is.
pub fn company_from_domain(domain: &str) -> String {
    let name = domain
        .split('.')
        .next()
        .unwrap_or_default()
        .replace('-', " ");
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect()
}

/// A sender's name split into first and last for a new Contact or Lead.
pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((first, last)) => (first.trim().to_owned(), last.trim().to_owned()),
        None => (String::new(), name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pane_wire::api::PicklistOption;
    use serde_json::json;

    fn field(name: &str, kind: &str) -> FieldSpec {
        FieldSpec::new(name, name, kind)
    }

    #[test]
    fn inputs_by_type() {
        let cases = [
            ("string", InputKind::Text),
            ("combobox", InputKind::Combobox),
            ("textarea", InputKind::TextArea),
            ("email", InputKind::Email),
            ("phone", InputKind::Phone),
            ("url", InputKind::Url),
            ("int", InputKind::Number),
            ("double", InputKind::Number),
            ("currency", InputKind::Number),
            ("percent", InputKind::Number),
            ("date", InputKind::Date),
            ("datetime", InputKind::DateTime),
            ("boolean", InputKind::Checkbox),
            ("picklist", InputKind::Picklist),
            ("multipicklist", InputKind::Picklist),
            ("reference", InputKind::Lookup),
            ("id", InputKind::ReadOnly),
            ("address", InputKind::ReadOnly),
        ];
        for (kind, want) in cases {
            assert_eq!(input_kind(&field("F", kind)), want, "{kind}");
        }
    }

    #[test]
    fn create_forms_show_required_then_wanted_fields() {
        let mut last = field("LastName", "string");
        last.required = true;
        let mut name = field("Name", "string");
        name.createable = false;
        let spec = ObjectSpec {
            name: "Contact".into(),
            label: "Contact".into(),
            label_plural: "Contacts".into(),
            createable: true,
            updateable: true,
            fields: vec![
                field("Id", "id"),
                field("FirstName", "string"),
                last,
                name,
                field("Email", "email"),
                field("Title", "string"),
                field("OwnerId", "reference"),
            ],
        };
        let names: Vec<&str> = create_fields(
            &spec,
            &["Title".into()],
            &["FirstName", "Email", "Name", "Id", "OwnerId"],
        )
        .iter()
        .map(|f| f.name.as_str())
        .collect();
        assert_eq!(names, ["LastName", "Title", "FirstName", "Email"]);
    }

    #[test]
    fn validation_names_each_field() {
        let mut last = field("LastName", "string");
        last.required = true;
        last.label = "Last Name".into();
        let mut title = field("Title", "string");
        title.length = Some(5);
        let email = field("Email", "email");
        let amount = field("Amount", "currency");
        let close = field("CloseDate", "date");
        let mut stage = field("StageName", "picklist");
        stage.restricted = true;
        stage.picklist = vec![PicklistOption {
            value: "Prospecting".into(),
            label: "Prospecting".into(),
            default: false,
        }];
        let done = field("Done", "boolean");
        let fields = [&last, &title, &email, &amount, &close, &stage, &done];
        let values = |v: Value| v.as_object().unwrap().clone();
        let problems = validate(
            &fields,
            &["Done".into()],
            &values(json!({
                "LastName": "  ", "Title": "Chief Buyer", "Email": "rose@", "Amount": "12k",
                "CloseDate": "24/11/2026", "StageName": "Won"
            })),
        );
        let named: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            named,
            [
                "LastName",
                "Title",
                "Email",
                "Amount",
                "CloseDate",
                "StageName"
            ]
        );
        assert_eq!(problems[0].1, "Last Name is required.");
        assert!(validate(&fields, &[], &values(json!({
            "LastName": "Gonzalez", "Title": "CFO", "Email": "rose@edge.com", "Amount": "1,200.50",
            "CloseDate": "2026-11-24", "StageName": "Prospecting"
        }))).is_empty());
        // Rust's float parser took these as numbers; Salesforce refuses them.
        for typed in ["inf", "NaN", "1e400"] {
            let found = validate(&[&amount], &[], &values(json!({ "Amount": typed })));
            assert_eq!(found.len(), 1, "{typed}");
        }
    }

    #[test]
    fn typed_values_become_salesforce_json() {
        let mut int = field("NumberOfEmployees", "int");
        int.scale = Some(0);
        let cases = [
            (field("Amount", "currency"), "1,200.50", json!(1200.5)),
            (int.clone(), "42", json!(42)),
            (int.clone(), "1e3", json!(1000.0)),
            (int, "many", json!("many")),
            (field("Amount", "currency"), "-.5", json!(-0.5)),
            (field("Amount", "currency"), "inf", json!("inf")),
            (field("Done", "boolean"), "true", json!(true)),
            (field("Done", "boolean"), "", json!(false)),
            (field("Title", "string"), "  CFO ", json!("CFO")),
            (field("Title", "string"), "  ", Value::Null),
            (
                field("At", "datetime"),
                "2026-11-24T10:30",
                json!("2026-11-24T10:30:00Z"),
            ),
            (field("On", "date"), "2026-11-24", json!("2026-11-24")),
        ];
        for (f, typed, want) in cases {
            assert_eq!(to_json(&f, typed), want, "{} {typed:?}", f.name);
        }
        assert_eq!(
            to_input(
                &field("At", "datetime"),
                &json!("2026-11-24T10:30:00.000+0000")
            ),
            "2026-11-24T10:30"
        );
        assert_eq!(to_input(&field("N", "double"), &json!(3.5)), "3.5");
    }

    #[test]
    fn typed_numbers_are_read_as_people_type_them() {
        let cases: [(&str, Option<f64>); 22] = [
            ("0", Some(0.0)),
            ("42", Some(42.0)),
            ("-42", Some(-42.0)),
            ("+3", Some(3.0)),
            ("1200.50", Some(1200.5)),
            (".5", Some(0.5)),
            ("-.5", Some(-0.5)),
            ("5.", Some(5.0)),
            ("007", Some(7.0)),
            ("1e3", Some(1000.0)),
            ("2.5E-2", Some(0.025)),
            ("1e+2", Some(100.0)),
            ("", None),
            (".", None),
            ("-", None),
            ("12k", None),
            ("1e", None),
            ("1.2.3", None),
            ("inf", None),
            ("NaN", None),
            ("0x10", None),
            ("1e400", None),
        ];
        for (typed, want) in cases {
            assert_eq!(
                typed_number(typed).and_then(|n| n.as_f64()),
                want,
                "{typed:?}"
            );
        }
    }

    #[test]
    fn companies_are_named_after_the_email_domain() {
        let cases = [
            ("edge-comms.com", "Edge comms"),
            ("acme.co.uk", "Acme"),
            ("9lives.io", "9lives"),
            ("épicerie.fr", "épicerie"),
            ("", ""),
        ];
        for (domain, want) in cases {
            assert_eq!(company_from_domain(domain), want, "{domain}");
        }
    }

    #[test]
    fn names_split_into_first_and_last() {
        assert_eq!(split_name("Zoe Quint"), ("Zoe".into(), "Quint".into()));
        assert_eq!(
            split_name("Mary Ann de Vries"),
            ("Mary Ann de".into(), "Vries".into())
        );
        assert_eq!(split_name("Cher"), (String::new(), "Cher".into()));
        assert_eq!(split_name("  "), (String::new(), String::new()));
    }

    #[test]
    fn salesforce_messages_name_fields_by_their_labels() {
        let mut last = field("LastName", "string");
        last.label = "Last Name".into();
        let mut tier = field("Customer_Tier__c", "picklist");
        tier.label = "Customer Tier".into();
        let mut name = field("Name", "string");
        name.label = "Full Name".into();
        let fields = [last, tier, name];
        let cases = [
            (
                "Required fields are missing: [LastName]",
                "Required fields are missing: [Last Name]",
            ),
            (
                "Customer_Tier__c: bad value for restricted picklist field: Gold",
                "Customer Tier: bad value for restricted picklist field: Gold",
            ),
            (
                "Required fields are missing: [LastName, Customer_Tier__c]",
                "Required fields are missing: [Last Name, Customer Tier]",
            ),
            // Only whole words: "Names" and "LastNameX" are not fields.
            (
                "Names must differ: LastNameX",
                "Names must differ: LastNameX",
            ),
            ("Unknown__c is missing", "Unknown__c is missing"),
            ("", ""),
        ];
        for (message, want) in cases {
            assert_eq!(with_labels(message, &fields), want, "{message}");
        }
    }

    #[test]
    fn the_summary_names_fields_by_their_labels() {
        let mut last = field("LastName", "string");
        last.label = "Last Name".into();
        let mut email = field("Email", "email");
        email.label = "Email".into();
        let fields = [last, email];
        let problem = |n: &str| (n.to_owned(), "wrong".to_owned());
        type Problems = Vec<(String, String)>;
        let cases: [(Problems, Option<&str>); 4] = [
            (
                vec![problem("LastName")],
                Some("Fill in or fix: Last Name."),
            ),
            (
                vec![problem("LastName"), problem("Email")],
                Some("Fill in or fix: Last Name, Email."),
            ),
            (
                vec![problem("Custom__c")],
                Some("Fill in or fix: Custom__c."),
            ),
            (vec![problem("")], None),
        ];
        for (problems, want) in cases {
            assert_eq!(
                fix_summary(&problems, &fields).as_deref(),
                want,
                "{problems:?}"
            );
        }
    }
}
