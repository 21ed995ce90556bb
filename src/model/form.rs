//! Forms generated from a describe: the input each field type gets, which fields a create form
//! shows, what is checked before saving, and the JSON each typed value becomes.

use pane_wire::api::{FieldSpec, ObjectSpec};
use serde_json::{Map, Value};

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
                if !text.is_empty() && text.replace(',', "").parse::<f64>().is_err() =>
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

/// The JSON Salesforce expects for what was typed into `field`'s input (`None` leaves the
/// field out: an empty optional field in a create).
pub fn to_json(field: &FieldSpec, typed: &str) -> Value {
    let text = typed.trim();
    match input_kind(field) {
        InputKind::Checkbox => Value::Bool(matches!(text, "true" | "on" | "1")),
        _ if text.is_empty() => Value::Null,
        InputKind::Number => {
            let clean = text.replace(',', "");
            if field.kind == "int" || field.scale == Some(0) {
                clean
                    .parse::<i64>()
                    .map(Value::from)
                    .or_else(|_| clean.parse::<f64>().map(Value::from))
                    .unwrap_or_else(|_| Value::from(text))
            } else {
                clean
                    .parse::<f64>()
                    .map_or_else(|_| Value::from(text), Value::from)
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
    }

    #[test]
    fn typed_values_become_salesforce_json() {
        let mut int = field("NumberOfEmployees", "int");
        int.scale = Some(0);
        let cases = [
            (field("Amount", "currency"), "1,200.50", json!(1200.5)),
            (int, "42", json!(42)),
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
