//! Values as the agent reads them: the panel's decisions (`model::display`) written by the
//! browser's `Intl` in a given locale and time zone (`intl::AgentFormats`).

use salesforce_pane::intl::AgentFormats;
use salesforce_pane::model::display::value_text;
use serde_json::json;
use wasm_bindgen_test::*;

/// `Intl` separates with no-break spaces (U+00A0, U+202F); compared as plain spaces.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

#[wasm_bindgen_test]
fn values_are_written_in_the_agents_locale_currency_and_time_zone() {
    let cases = [
        (
            "en-US",
            "America/New_York",
            "currency",
            json!(50000.0),
            "USD",
            "$50,000.00",
        ),
        (
            "en-US",
            "America/New_York",
            "currency",
            json!(235000),
            "EUR",
            "€235,000.00",
        ),
        (
            "de-DE",
            "Europe/Berlin",
            "currency",
            json!(1234.5),
            "EUR",
            "1.234,50 €",
        ),
        (
            "en-GB",
            "Europe/London",
            "currency",
            json!(-3),
            "GBP",
            "-£3.00",
        ),
        ("en-US", "UTC", "percent", json!(20), "USD", "20%"),
        ("en-US", "UTC", "percent", json!(12.5), "USD", "12.5%"),
        ("en-US", "UTC", "double", json!(1234.25), "USD", "1,234.25"),
        (
            "en-US",
            "Pacific/Auckland",
            "date",
            json!("2026-11-26"),
            "USD",
            "Nov 26, 2026",
        ),
        (
            "de-DE",
            "America/Los_Angeles",
            "date",
            json!("2026-11-26"),
            "USD",
            "26.11.2026",
        ),
        (
            "en-US",
            "America/New_York",
            "datetime",
            json!("2026-12-02T15:00:00.000+0000"),
            "USD",
            "Dec 2, 2026, 10:00 AM",
        ),
        (
            "en-GB",
            "Europe/London",
            "datetime",
            json!("2026-12-02T15:00:00.000+0000"),
            "USD",
            "2 Dec 2026, 15:00",
        ),
        (
            "en-US",
            "UTC",
            "phone",
            json!("(512) 757-6000"),
            "USD",
            "(512) 757-6000",
        ),
    ];
    // Twice: the second time from the formatters the first made and kept (one per kind,
    // currency, locale and zone: none may answer for another).
    for pass in 0..2 {
        for (locale, zone, kind, value, currency, want) in &cases {
            let formats = AgentFormats {
                locale: Some((*locale).to_owned()),
                time_zone: Some((*zone).to_owned()),
            };
            let got = value_text(kind, value, currency, &formats).unwrap_or_default();
            assert_eq!(
                plain(&got),
                *want,
                "pass {pass}: {locale} {zone} {kind} {value} {currency}"
            );
        }
    }
}
