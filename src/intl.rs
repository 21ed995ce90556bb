//! The browser's `Intl`: writes the panel's numbers and dates in the agent's locale and time
//! zone ([`crate::model::display::Formats`]). What is written is decided in
//! [`crate::model::display`]; this only asks the browser how the agent reads it.

use js_sys::{Array, Function, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::model::display::Formats;

thread_local! {
    /// The formatters made so far, by kind, locale and zone ([`AgentFormats::formatter`]).
    static FORMATTERS: std::cell::RefCell<std::collections::HashMap<String, Function>> =
        std::cell::RefCell::default();
}

/// The agent's locale and time zone (`None`: the browser's own, as the agent set them).
#[derive(Debug, Clone, Default)]
pub struct AgentFormats {
    /// A BCP 47 locale (`en-US`, `de-DE`).
    pub locale: Option<String>,
    /// An IANA time zone (`Europe/Paris`).
    pub time_zone: Option<String>,
}

impl AgentFormats {
    /// The browser's locale and time zone.
    pub fn browser() -> Self {
        Self::default()
    }

    fn locales(&self) -> Array {
        self.locale
            .iter()
            .map(|l| JsValue::from_str(l))
            .collect::<Array>()
    }

    fn options(pairs: &[(&str, JsValue)]) -> Object {
        let options = Object::new();
        for (key, value) in pairs {
            // Setting a property on a fresh plain object cannot fail.
            let _ = Reflect::set(&options, &JsValue::from_str(key), value);
        }
        options
    }

    /// Calls a formatter's bound `format` getter on `value`; the text, or `fallback` if the
    /// browser refuses (it does not for the options the panel gives).
    fn call(format: &Function, value: &JsValue, fallback: impl FnOnce() -> String) -> String {
        format
            .call1(&JsValue::UNDEFINED, value)
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(fallback)
    }

    /// The `format` function of the formatter `make` builds for `kind` (what its options say,
    /// e.g. `money EUR`) in this locale and zone: made once, then kept. A browser takes far
    /// longer to make an `Intl` formatter than to format with one, and a panel writes the same
    /// few kinds of value hundreds of times.
    fn formatter(&self, kind: &str, make: impl FnOnce(&Array) -> Function) -> Function {
        let key = format!(
            "{kind}\u{0}{}\u{0}{}",
            self.locale.as_deref().unwrap_or_default(),
            self.time_zone.as_deref().unwrap_or_default()
        );
        FORMATTERS.with_borrow_mut(|kept| {
            kept.entry(key)
                .or_insert_with(|| make(&self.locales()))
                .clone()
        })
    }

    fn number_with(&self, n: f64, kind: &str, pairs: &[(&str, JsValue)]) -> String {
        let format = self.formatter(kind, |locales| {
            Intl::NumberFormat::new(locales, &Self::options(pairs)).format()
        });
        Self::call(&format, &JsValue::from_f64(n), || number_text(n))
    }

    fn date_with(&self, epoch_ms: f64, kind: &str, pairs: &[(&str, JsValue)]) -> String {
        let format = self.formatter(kind, |locales| {
            Intl::DateTimeFormat::new(locales, &Self::options(pairs)).format()
        });
        let date = js_sys::Date::new(&JsValue::from_f64(epoch_ms));
        Self::call(&format, &date.into(), || number_text(epoch_ms))
    }

    fn zone(&self) -> JsValue {
        self.time_zone
            .as_deref()
            .map_or(JsValue::UNDEFINED, JsValue::from_str)
    }
}

impl Formats for AgentFormats {
    fn money(&self, amount: f64, currency: &str) -> String {
        self.number_with(
            amount,
            &format!("money {currency}"),
            &[("style", "currency".into()), ("currency", currency.into())],
        )
    }

    fn number(&self, n: f64) -> String {
        self.number_with(n, "number", &[("maximumFractionDigits", 10.into())])
    }

    fn percent(&self, n: f64) -> String {
        // Salesforce stores 20 for 20 %; Intl's percent style multiplies by 100.
        self.number_with(
            n / 100.0,
            "percent",
            &[
                ("style", "percent".into()),
                ("maximumFractionDigits", 4.into()),
            ],
        )
    }

    fn date(&self, year: i32, month: u32, day: u32) -> String {
        // A date is the same day everywhere: written at UTC midnight, in UTC.
        let ms = js_sys::Date::utc(f64::from(year), f64::from(month) - 1.0)
            + (f64::from(day) - 1.0) * 86_400_000.0;
        self.date_with(
            ms,
            "date",
            &[("dateStyle", "medium".into()), ("timeZone", "UTC".into())],
        )
    }

    fn datetime(&self, epoch_ms: f64) -> String {
        self.date_with(
            epoch_ms,
            "datetime",
            &[
                ("dateStyle", "medium".into()),
                ("timeStyle", "short".into()),
                ("timeZone", self.zone()),
            ],
        )
    }
}

/// `n` as JavaScript writes it: Rust's own float formatting would add its tables to the wasm
/// (issue 18). Radix 10 is always valid.
fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}
