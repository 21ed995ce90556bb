//! Security headers: the CSPs of the panel, the dev inbox and the API, as pure functions.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::StartupError;

/// Checks that `origin` is `scheme://host[:port]`, with `*.` allowed at the start of the host,
/// so it can go into a CSP source list as it is.
pub fn validate_origin(origin: &str) -> Result<String, StartupError> {
    let bad = || StartupError::BadOrigin(origin.to_owned());
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https") {
        return Err(bad());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if let Some(port) = port
        && port != "*"
        && port.parse::<u16>().is_err()
    {
        return Err(bad());
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return Err(bad());
    }
    Ok(origin.to_owned())
}

/// The CSP `'sha256-...'` sources of every inline `<script>` in an HTML page (Trunk writes
/// one to start the wasm module).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start + "<script".len()..];
        let Some(tag_end) = rest.find('>') else { break };
        let attributes = &rest[..tag_end];
        rest = &rest[tag_end + 1..];
        let Some(close) = rest.find("</script>") else {
            break;
        };
        let body = &rest[..close];
        rest = &rest[close + "</script>".len()..];
        if attributes.contains("src=") || body.is_empty() {
            continue;
        }
        let digest = Sha256::digest(body.as_bytes());
        let encoded = base64::engine::general_purpose::STANDARD.encode(digest);
        hashes.push(format!("'sha256-{encoded}'"));
    }
    hashes
}

/// The panel's CSP: only its own files and API, framed only by `frame_ancestors`.
pub fn panel_csp(script_hashes: &[String], frame_ancestors: &[String]) -> String {
    let scripts = std::iter::once("'self' 'wasm-unsafe-eval'".to_owned())
        .chain(script_hashes.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_owned()
    } else {
        frame_ancestors.join(" ")
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {ancestors}"
    )
}

/// The dev inbox's CSP: its own files, plugin iframes from loopback; framed only by itself
/// (its second plugin, `plugins/notes.html`, is one of its own pages).
pub const DEV_INBOX_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self' http://localhost:* \
     http://127.0.0.1:*; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'self'";

/// The dev inbox's CSP behind `--public-url`: the panel is its own origin's `/plugin/`, so
/// plugin iframes come from itself alone.
pub const DEV_INBOX_CSP_PUBLIC: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The API's CSP: JSON only, nothing to run or frame.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_good_and_bad() {
        let good = [
            "https://app.frontapp.com",
            "https://*.frontapp.com",
            "http://127.0.0.1:8080",
            "http://localhost:*",
            "https://a-b.example.co.uk:443",
        ];
        for origin in good {
            assert_eq!(validate_origin(origin).unwrap(), origin);
        }
        let bad = [
            "",
            "frontapp.com",
            "ftp://x.example",
            "https://",
            "https://x.example/path",
            "https://x.example; script-src *",
            "https://x.example 'unsafe-inline'",
            "https://x.example:http",
            "https://*",
            "https://a.*.example",
            "https://x..example",
            "javascript://x",
        ];
        for origin in bad {
            assert!(validate_origin(origin).is_err(), "{origin:?} was accepted");
        }
    }

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<html><head>
<script src="/a.js"></script>
<script type="module">import init from '/p.js';await init();</script>
<script></script>
</head></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"import init from '/p.js';await init();"));
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn unterminated_script_is_not_hashed() {
        assert!(inline_script_hashes("<script>alert(1)").is_empty());
        assert!(inline_script_hashes("<script").is_empty());
    }

    #[test]
    fn panel_csp_lists_hashes_and_ancestors() {
        let csp = panel_csp(
            &["'sha256-abc'".into()],
            &[
                "https://*.frontapp.com".into(),
                "http://127.0.0.1:8080".into(),
            ],
        );
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc';"),
            "{csp}"
        );
        assert!(
            csp.ends_with("frame-ancestors https://*.frontapp.com http://127.0.0.1:8080"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(panel_csp(&[], &[]).ends_with("frame-ancestors 'none'"));
    }
}
