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

/// The currency an amount is in when neither the record (`CurrencyIsoCode`, multi-currency
/// orgs) nor the org says otherwise.
pub const DEFAULT_CURRENCY: &str = "USD";

/// The currency a record's amounts are in: its `CurrencyIsoCode` when it has one, else the
/// org's (`org`). Anything that is not an ISO 4217 code (three capital letters) is ignored, so
/// the browser's `Intl.NumberFormat` is never handed a code it refuses.
pub fn currency_of<'a>(fields: &'a serde_json::Map<String, Value>, org: &'a str) -> &'a str {
    let iso = |c: &&str| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
    fields
        .get("CurrencyIsoCode")
        .and_then(Value::as_str)
        .filter(iso)
        .or(Some(org).filter(iso))
        .unwrap_or(DEFAULT_CURRENCY)
}

/// What a value is, to be written in the agent's locale: the decision the panel makes before
/// the browser's `Intl` writes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// Shown as it is (text, picklist values, phones as stored, URLs).
    Text(String),
    /// An amount of money in a currency (ISO 4217 code).
    Money {
        /// The amount.
        amount: f64,
        /// Its currency.
        currency: String,
    },
    /// A percentage as Salesforce stores it (`20` is 20 %).
    Percent(f64),
    /// A plain number.
    Number(f64),
    /// A calendar date (no time zone: the same day everywhere).
    Date {
        /// Year.
        year: i32,
        /// Month, 1 to 12.
        month: u32,
        /// Day of the month.
        day: u32,
    },
    /// An instant, in milliseconds since 1970 UTC, shown in the agent's time zone.
    DateTime(f64),
}

/// How the agent's browser writes numbers and dates: in its locale and time zone.
pub trait Formats {
    /// `amount` in `currency`.
    fn money(&self, amount: f64, currency: &str) -> String;
    /// A number.
    fn number(&self, n: f64) -> String;
    /// A percentage, `20.0` meaning 20 %.
    fn percent(&self, n: f64) -> String;
    /// A calendar date.
    fn date(&self, year: i32, month: u32, day: u32) -> String;
    /// An instant (ms since 1970 UTC) in the agent's time zone.
    fn datetime(&self, epoch_ms: f64) -> String;
}

/// The field type of a value whose field the panel has no describe for (a related list's
/// row): the well-known money and percent fields by name, dates and datetimes by their form.
pub fn guess_kind(field: &str, value: &Value) -> &'static str {
    match (field, value) {
        ("Amount" | "ExpectedRevenue" | "AnnualRevenue" | "UnitPrice" | "TotalPrice", _) => {
            "currency"
        }
        ("Probability", _) => "percent",
        (_, Value::String(s)) if date_parts(s).is_some() && s.len() == 10 => "date",
        (_, Value::String(s)) if epoch_ms(s).is_some() => "datetime",
        _ => "",
    }
}

/// What `value` of a field of type `kind` (the describe's `type`) is (`None`: nothing to show).
pub fn shown(kind: &str, value: &Value, currency: &str) -> Option<Shown> {
    match value {
        Value::Null | Value::Array(_) => None,
        Value::Bool(b) => Some(Shown::Text(if *b { "Yes" } else { "No" }.to_owned())),
        Value::Number(n) => {
            let x = n.as_f64()?;
            Some(match kind {
                "currency" => Shown::Money {
                    amount: x,
                    currency: currency.to_owned(),
                },
                "percent" => Shown::Percent(x),
                _ => Shown::Number(x),
            })
        }
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(match kind {
            "date" => date_parts(s).map_or_else(
                || Shown::Text(s.clone()),
                |(year, month, day)| Shown::Date { year, month, day },
            ),
            "datetime" => epoch_ms(s).map_or_else(|| Shown::Text(s.clone()), Shown::DateTime),
            "multipicklist" => Shown::Text(s.replace(';', ", ")),
            _ => Shown::Text(s.clone()),
        }),
        Value::Object(o) => o
            .get("Name")
            .and_then(Value::as_str)
            .map(|n| Shown::Text(n.to_owned())),
    }
}

/// A value as the panel shows it, written by `formats` (`None`: nothing to show).
pub fn value_text(
    kind: &str,
    value: &Value,
    currency: &str,
    formats: &dyn Formats,
) -> Option<String> {
    Some(match shown(kind, value, currency)? {
        Shown::Text(t) => t,
        Shown::Money { amount, currency } => formats.money(amount, &currency),
        Shown::Percent(p) => formats.percent(p),
        Shown::Number(n) => formats.number(n),
        Shown::Date { year, month, day } => formats.date(year, month, day),
        Shown::DateTime(ms) => formats.datetime(ms),
    })
}

/// A URL in pieces, each ending where a line may break (after `/`, `.`, `?`, `&`, `=`, `#`,
/// `-`): shown with a break opportunity between pieces, a long URL wraps at those points
/// rather than mid-word.
pub fn url_pieces(url: &str) -> Vec<&str> {
    url.split_inclusive(['/', '.', '?', '&', '=', '#', '-'])
        .collect()
}

/// `2026-11-24` (the start of a date or datetime) as year, month, day.
fn date_parts(s: &str) -> Option<(i32, u32, u32)> {
    let bytes = s.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (
        s.get(0..4)?.parse().ok()?,
        s.get(5..7)?.parse().ok()?,
        s.get(8..10)?.parse().ok()?,
    );
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A Salesforce datetime (`2026-11-24T10:30:00.000+0000`, `…Z`, `…+01:00`) as whole seconds
/// since 1970 UTC.
fn epoch_secs(s: &str) -> Option<i64> {
    let (year, month, day) = date_parts(s)?;
    if s.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> { s.get(range)?.parse().ok() };
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let rest = s.get(19..)?;
    let rest = rest
        .strip_prefix('.')
        .map_or(rest, |r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
    let offset = match rest {
        "Z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = rest.get(1..)?.replace(':', "");
            if hm.len() != 4 {
                return None;
            }
            let (h, m): (i64, i64) = (hm.get(0..2)?.parse().ok()?, hm.get(2..4)?.parse().ok()?);
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// A Salesforce datetime as milliseconds since 1970 UTC (what `Date` takes).
fn epoch_ms(s: &str) -> Option<f64> {
    #[allow(
        clippy::cast_precision_loss,
        reason = "seconds since 1970 fit a double exactly"
    )]
    epoch_secs(s).map(|secs| secs as f64 * 1000.0)
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
    let secs = u64::try_from(epoch_secs(last_modified)?).ok()?;
    let at = std::time::UNIX_EPOCH.checked_add(std::time::Duration::from_secs(secs))?;
    Some(httpdate::fmt_http_date(at))
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
            notes: None,
            notes_unavailable: false,
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
    fn what_values_are() {
        let money = |amount: f64, currency: &str| Shown::Money {
            amount,
            currency: currency.into(),
        };
        let text = |t: &str| Some(Shown::Text(t.into()));
        let cases = [
            (
                "currency",
                json!(50000.0),
                "USD",
                Some(money(50000.0, "USD")),
            ),
            ("currency", json!(-3), "EUR", Some(money(-3.0, "EUR"))),
            ("percent", json!(20), "USD", Some(Shown::Percent(20.0))),
            ("double", json!(2.5), "USD", Some(Shown::Number(2.5))),
            ("boolean", json!(true), "USD", text("Yes")),
            (
                "date",
                json!("2026-11-26"),
                "USD",
                Some(Shown::Date {
                    year: 2026,
                    month: 11,
                    day: 26,
                }),
            ),
            (
                "datetime",
                json!("2026-12-02T15:00:00.000+0000"),
                "USD",
                Some(Shown::DateTime(1_796_223_600_000.0)),
            ),
            (
                "datetime",
                json!("2026-12-02T16:00:00+01:00"),
                "USD",
                Some(Shown::DateTime(1_796_223_600_000.0)),
            ),
            ("datetime", json!("soon"), "USD", text("soon")),
            ("date", json!("2026-13-01"), "USD", text("2026-13-01")),
            ("multipicklist", json!("A;B"), "USD", text("A, B")),
            (
                "phone",
                json!("(415) 555-1212"),
                "USD",
                text("(415) 555-1212"),
            ),
            ("string", json!(""), "USD", None),
            ("reference", json!({"Name": "Edge"}), "USD", text("Edge")),
            ("string", Value::Null, "USD", None),
        ];
        for (kind, value, currency, want) in cases {
            assert_eq!(shown(kind, &value, currency), want, "{kind} {value}");
        }
    }

    #[test]
    fn kinds_of_related_values() {
        let cases = [
            ("Amount", json!(235000.0), "currency"),
            ("Probability", json!(10), "percent"),
            ("CloseDate", json!("2026-12-31"), "date"),
            ("ActivityDate", json!("2026-11-26"), "date"),
            (
                "StartDateTime",
                json!("2026-12-02T15:00:00.000+0000"),
                "datetime",
            ),
            ("StageName", json!("Negotiation/Review"), ""),
            ("Status", json!("2026"), ""),
            ("NumberOfEmployees", json!(12), ""),
        ];
        for (field, value, want) in cases {
            assert_eq!(guess_kind(field, &value), want, "{field}");
        }
    }

    #[test]
    fn currencies() {
        let fields = |v: Value| v.as_object().unwrap().clone();
        let cases = [
            (json!({"CurrencyIsoCode": "EUR"}), "GBP", "EUR"),
            (json!({}), "GBP", "GBP"),
            (json!({"CurrencyIsoCode": null}), "JPY", "JPY"),
            (json!({"CurrencyIsoCode": "euro"}), "GBP", "GBP"),
            (json!({}), "", "USD"),
        ];
        for (record, org, want) in cases {
            assert_eq!(
                currency_of(&fields(record.clone()), org),
                want,
                "{record} {org}"
            );
        }
    }

    /// Writes each kind recognisably, to check which `Formats` method a value goes to.
    struct Tagged;
    impl Formats for Tagged {
        fn money(&self, amount: f64, currency: &str) -> String {
            format!("money {amount} {currency}")
        }
        fn number(&self, n: f64) -> String {
            format!("number {n}")
        }
        fn percent(&self, n: f64) -> String {
            format!("percent {n}")
        }
        fn date(&self, year: i32, month: u32, day: u32) -> String {
            format!("date {year}/{month}/{day}")
        }
        fn datetime(&self, epoch_ms: f64) -> String {
            format!("datetime {epoch_ms}")
        }
    }

    #[test]
    fn values_go_to_the_agents_formats() {
        let cases = [
            ("currency", json!(50000.0), Some("money 50000 CAD")),
            ("percent", json!(20), Some("percent 20")),
            ("int", json!(7), Some("number 7")),
            ("date", json!("2026-11-26"), Some("date 2026/11/26")),
            (
                "datetime",
                json!("1970-01-01T00:00:01.000Z"),
                Some("datetime 1000"),
            ),
            (
                "url",
                json!("https://example.com/a"),
                Some("https://example.com/a"),
            ),
            ("string", Value::Null, None),
        ];
        for (kind, value, want) in cases {
            assert_eq!(
                value_text(kind, &value, "CAD", &Tagged).as_deref(),
                want,
                "{kind} {value}"
            );
        }
    }

    #[test]
    fn urls_break_after_their_separators() {
        let cases: [(&str, &[&str]); 3] = [
            (
                "https://www.edge-communications.com/about?x=1",
                &[
                    "https:/",
                    "/",
                    "www.",
                    "edge-",
                    "communications.",
                    "com/",
                    "about?",
                    "x=",
                    "1",
                ],
            ),
            ("edge.com", &["edge.", "com"]),
            ("", &[]),
        ];
        for (url, want) in cases {
            assert_eq!(url_pieces(url), want, "{url}");
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
