//! How records and values show: a record's title, a value as text, a record's Salesforce URL.

use pane_wire::api::RecordView;
use serde_json::Value;

/// A record's title: its name, or what stands for one (a Case's number and subject, a Task's
/// subject).
pub fn title(record: &RecordView) -> String {
    let text = |k: &str| {
        record
            .fields
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    match record.object.as_str() {
        "Case" => match (text("CaseNumber"), text("Subject")) {
            (Some(n), Some(s)) => format!("{n} · {s}"),
            (Some(n), None) => n.to_owned(),
            (None, Some(s)) => s.to_owned(),
            (None, None) => record.id.clone(),
        },
        "Task" | "Event" | "ActivityHistory" | "OpenActivity" => {
            text("Subject").unwrap_or("(no subject)").to_owned()
        }
        _ => text("Name").map_or_else(|| record.id.clone(), str::to_owned),
    }
}

/// A value as the panel shows it (`None`: nothing to show).
pub fn value_text(kind: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_owned()),
        Value::Number(n) => Some(match kind {
            "currency" => n.as_f64().map_or_else(|| n.to_string(), money),
            "percent" => format!("{n} %"),
            _ => n.to_string(),
        }),
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(match kind {
            "datetime" => s.chars().take(16).collect::<String>().replace('T', " "),
            "multipicklist" => s.replace(';', ", "),
            _ => s.clone(),
        }),
        Value::Object(o) => o.get("Name").and_then(Value::as_str).map(str::to_owned),
        Value::Array(_) => None,
    }
}

fn money(amount: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "cents of a displayed amount"
    )]
    let cents = (amount * 100.0).round() as i64;
    let whole = (cents / 100).abs();
    let mut digits = whole.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}${digits}{grouped}.{:02}", (cents % 100).abs())
}

/// Where a record opens in Salesforce (Lightning), under the org's URL.
pub fn record_url(org_url: &str, object: &str, id: &str) -> String {
    let object = match object {
        "ActivityHistory" | "OpenActivity" => {
            if id.starts_with("00U") {
                "Event"
            } else {
                "Task"
            }
        }
        other => other,
    };
    format!(
        "{}/lightning/r/{object}/{id}/view",
        org_url.trim_end_matches('/')
    )
}

/// The HTTP date a record was loaded at, from its `LastModifiedDate`
/// (`2026-11-24T10:30:00.250+0000`), to the second: Salesforce compares `If-Unmodified-Since`
/// in whole seconds, so a later change in another second is refused and the record's own
/// version is not.
pub fn loaded_at(last_modified: &str) -> Option<String> {
    let digits =
        |range: std::ops::Range<usize>| -> Option<i64> { last_modified.get(range)?.parse().ok() };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let mut secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    if secs < 0 {
        return None;
    }
    let day_secs = secs % 86_400;
    secs -= day_secs;
    let days = secs / 86_400;
    // Back to a civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).ok()?];
    let month_name = MONTHS[usize::try_from(m - 1).ok()?];
    Some(format!(
        "{weekday}, {d:02} {month_name} {y:04} {:02}:{:02}:{:02} GMT",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(object: &str, fields: Value) -> RecordView {
        RecordView {
            object: object.into(),
            id: "001A".into(),
            fields: fields.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn titles() {
        assert_eq!(
            title(&record("Contact", json!({"Name": "Rose Gonzalez"}))),
            "Rose Gonzalez"
        );
        assert_eq!(
            title(&record(
                "Case",
                json!({"CaseNumber": "00001001", "Subject": "Login"})
            )),
            "00001001 · Login"
        );
        assert_eq!(
            title(&record("OpenActivity", json!({"Subject": null}))),
            "(no subject)"
        );
        assert_eq!(title(&record("Account", json!({}))), "001A");
    }

    #[test]
    fn values() {
        let cases = [
            ("currency", json!(1234567.5), Some("$1,234,567.50")),
            ("currency", json!(-3), Some("-$3.00")),
            ("percent", json!(20), Some("20 %")),
            ("boolean", json!(true), Some("Yes")),
            (
                "datetime",
                json!("2026-11-24T10:30:00.000+0000"),
                Some("2026-11-24 10:30"),
            ),
            ("multipicklist", json!("A;B"), Some("A, B")),
            ("string", json!(""), None),
            ("reference", json!({"Name": "Edge"}), Some("Edge")),
            ("string", Value::Null, None),
        ];
        for (kind, value, want) in cases {
            assert_eq!(value_text(kind, &value).as_deref(), want, "{kind} {value}");
        }
    }

    #[test]
    fn loaded_dates() {
        let cases = [
            (
                "2026-11-24T10:30:00.000+0000",
                Some("Tue, 24 Nov 2026 10:30:00 GMT"),
            ),
            (
                "2026-11-24T10:30:00.950+0000",
                Some("Tue, 24 Nov 2026 10:30:00 GMT"),
            ),
            (
                "2026-12-31T23:59:59.900Z",
                Some("Thu, 31 Dec 2026 23:59:59 GMT"),
            ),
            (
                "2000-02-29T00:00:00Z",
                Some("Tue, 29 Feb 2000 00:00:00 GMT"),
            ),
            ("not a date", None),
        ];
        for (sf, want) in cases {
            assert_eq!(loaded_at(sf).as_deref(), want, "{sf}");
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            record_url("https://x.my.salesforce.com/", "Contact", "003A"),
            "https://x.my.salesforce.com/lightning/r/Contact/003A/view"
        );
        assert_eq!(
            record_url("http://127.0.0.1:1", "ActivityHistory", "00TA"),
            "http://127.0.0.1:1/lightning/r/Task/00TA/view"
        );
    }
}
