//! Settings the panel reads from its own URL (the host loads `/plugin/?...`).

/// How often, in milliseconds, live data is refreshed while the panel is visible.
pub const DEFAULT_REFRESH_MS: u32 = 30_000;

/// The panel's URL settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Refresh period of live data, in ms (`refresh_ms`, at least 100).
    pub refresh_ms: u32,
}

impl Settings {
    /// Reads the settings from a query string such as `?auth_secret=..&refresh_ms=500`.
    pub fn from_query(query: &str) -> Settings {
        let refresh_ms = web_sys::UrlSearchParams::new_with_str(query)
            .ok()
            .and_then(|params| params.get("refresh_ms"))
            .and_then(|value| value.parse::<u32>().ok())
            .map_or(DEFAULT_REFRESH_MS, |ms| ms.max(100));
        Settings { refresh_ms }
    }

    /// The settings of the running page.
    pub fn from_location() -> Settings {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Settings::from_query(&query)
    }
}
