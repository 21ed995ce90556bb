//! Settings the panel reads from its own URL (the host loads `/plugin/?...`).

/// How often, in milliseconds, live data is refreshed while the panel is visible.
pub const DEFAULT_REFRESH_MS: u32 = 30_000;

/// How long, in milliseconds, after the panel is first seen it fetches every module of what is
/// not on its first paint (`crate::split`): its records are painted by then.
pub const DEFAULT_PREFETCH_MS: u32 = 2_000;

/// The panel's URL settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Refresh period of live data, in ms (`refresh_ms`, at least 100).
    pub refresh_ms: u32,
    /// When the views' modules are fetched, in ms after the panel is first seen
    /// (`prefetch_ms`; the tests set it to see a view fetch its own).
    pub prefetch_ms: u32,
}

impl Settings {
    /// Reads the settings from a query string such as `?auth_secret=..&refresh_ms=500`.
    pub fn from_query(query: &str) -> Settings {
        let params = web_sys::UrlSearchParams::new_with_str(query).ok();
        let number = |name: &str| {
            params
                .as_ref()
                .and_then(|p| p.get(name))
                .and_then(|value| value.parse::<u32>().ok())
        };
        Settings {
            refresh_ms: number("refresh_ms").map_or(DEFAULT_REFRESH_MS, |ms| ms.max(100)),
            prefetch_ms: number("prefetch_ms").unwrap_or(DEFAULT_PREFETCH_MS),
        }
    }

    /// The settings of the running page.
    pub fn from_location() -> Settings {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Settings::from_query(&query)
    }
}
