//! Which browser requests may use an agent's session: the panel's own, never another site's.
//!
//! The session is a `SameSite=None` cookie (the panel is a cross-site frame in the inbox), so a
//! browser attaches it to requests any page sends to the proxy. A page elsewhere can send a
//! form post, an image or a `no-cors` fetch, but cannot make the browser mark the request as
//! same-origin, set a header outside the CORS safelist without a preflight the proxy never
//! answers, or claim the panel's `Origin`. So a request acting as an agent must carry
//! [`MARKER`], and whatever the browser says about where it came from must be the panel.

/// The header the panel sends with every API request. A cross-site page cannot send it
/// without a CORS preflight, and the proxy answers no preflight.
pub const MARKER: &str = "x-pane-request";

/// Why a request was refused as cross-site.
pub type Refusal = &'static str;

/// What a request says about where it came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Provenance<'a> {
    /// `Sec-Fetch-Site`, which every current browser sends and no page can set.
    pub fetch_site: Option<&'a str>,
    /// `Origin`, sent by browsers with every non-GET request and every CORS request.
    pub origin: Option<&'a str>,
    /// [`MARKER`]'s value.
    pub marker: Option<&'a str>,
}

/// Whether a request may act as an agent: from the panel's own origin (one of
/// `panel_origins`), or from no browser at all (scripts and tests send no `Sec-Fetch-Site` and
/// no `Origin`), and always with [`MARKER`] `1`.
pub fn check(request: Provenance<'_>, panel_origins: &[String]) -> Result<(), Refusal> {
    if let Some(site) = request.fetch_site
        && site != "same-origin"
    {
        return Err(
            "The panel's API answers the panel's own page only (a cross-site request was refused).",
        );
    }
    if let Some(origin) = request.origin
        && !panel_origins.iter().any(|o| o == origin)
    {
        return Err("The panel's API answers the panel's own origin only.");
    }
    if request.marker != Some("1") {
        return Err("The panel's API needs the panel's request header (x-pane-request: 1).");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_panels_own_requests_pass() {
        let origins = ["http://127.0.0.1:8080".to_owned()];
        let own = Some("http://127.0.0.1:8080");
        let other = Some("http://localhost:8080");
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            bool,
            &'a str,
        );
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            // fetch_site,          origin, marker, passes, what
            (Some("same-origin"),   own,    Some("1"), true,  "the panel's fetch"),
            (Some("same-origin"),   None,   Some("1"), true,  "the panel's GET (no Origin)"),
            (None,                  None,   Some("1"), true,  "a script, not a browser"),
            (Some("cross-site"),    other,  Some("1"), false, "another site, header and all"),
            (Some("same-site"),     other,  Some("1"), false, "the other loopback name"),
            (Some("none"),          None,   Some("1"), false, "typed in the address bar"),
            (Some("cross-site"),    other,  None,      false, "a form post or no-cors fetch"),
            (Some("same-origin"),   own,    None,      false, "same origin without the header"),
            (Some("same-origin"),   own,    Some("0"), false, "the header with another value"),
            (None,                  other,  Some("1"), false, "an old browser on another site"),
            (None,                  Some("null"), Some("1"), false, "an opaque origin"),
            (None,                  None,   None,      false, "a script without the header"),
        ];
        for &(fetch_site, origin, marker, passes, what) in cases {
            let verdict = check(
                Provenance {
                    fetch_site,
                    origin,
                    marker,
                },
                &origins,
            );
            assert_eq!(verdict.is_ok(), passes, "{what}: {verdict:?}");
        }
    }
}
