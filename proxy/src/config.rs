//! The proxy's configuration: one typed struct, from flags and environment variables.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, ValueEnum};

/// Front's own origins, allowed to frame the panel by default.
pub const FRONT_ORIGINS: [&str; 2] = ["https://*.frontapp.com", "https://*.frontapplication.com"];

/// A secret from configuration: it never prints, not even in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Secret {
    /// A new random secret (32 bytes, base64).
    pub fn random() -> Secret {
        use base64::Engine;
        Secret(base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Everything the proxy is told at startup.
#[derive(Debug, Clone, Parser)]
#[command(name = "pane-proxy", version, about = "Salesforce Pane proxy")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "PANE_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PANE_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Origins of the host apps allowed to frame the panel (comma-separated). The dev inbox
    /// served by this proxy is always allowed.
    #[arg(long, env = "PANE_HOST_ORIGINS", value_delimiter = ',', default_values = FRONT_ORIGINS)]
    pub host_origins: Vec<String>,

    /// The built panel (Trunk's output), served at `/plugin/`.
    #[arg(long, env = "PANE_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// The dev inbox's static files, served at `/`.
    #[arg(long, env = "PANE_WWW_DIR", default_value = "www")]
    pub www_dir: PathBuf,

    /// The embedded sandbox org's SQLite file (its records survive restarts).
    #[arg(
        long,
        env = "PANE_SANDBOX_DATABASE",
        default_value = ".pane/sandbox.sqlite"
    )]
    pub sandbox_database: PathBuf,

    /// Keep the embedded sandbox org's records in memory.
    #[arg(long, env = "PANE_SANDBOX_MEMORY")]
    pub sandbox_memory: bool,

    /// Front's `auth_secret`: when set, the panel's page opens only with
    /// `?auth_secret=<this>` (Front appends it each time it renders the plugin).
    #[arg(long, env = "PANE_HOST_SECRET", hide_env_values = true)]
    pub host_secret: Option<Secret>,

    /// The proxy's database: `sqlite://path?mode=rwc`, `sqlite::memory:` or `postgres://...`.
    #[arg(
        long,
        env = "PANE_DATABASE_URL",
        default_value = "sqlite://.pane/proxy.db?mode=rwc"
    )]
    pub database_url: String,

    /// The key sealing tokens at rest (base64, 32 bytes). Without it, `--key-file` is used.
    #[arg(long, env = "PANE_ENCRYPTION_KEY", hide_env_values = true)]
    pub encryption_key: Option<Secret>,

    /// A file holding the key, generated (mode 0600) when missing.
    #[arg(long, env = "PANE_KEY_FILE", default_value = ".pane/proxy.key")]
    pub key_file: PathBuf,

    /// Log format.
    #[arg(long, env = "PANE_LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,

    /// Salesforce logins or emails that are admins of the panel's settings, besides everyone
    /// holding Salesforce's "Modify All Data" permission (comma-separated).
    #[arg(long, env = "PANE_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,

    /// A PEM file of CA certificates trusted for Salesforce on top of the system's store (a
    /// private CA, a TLS-inspecting proxy). `SSL_CERT_FILE` replaces the system's store instead.
    #[arg(long, env = "PANE_SALESFORCE_CA_FILE")]
    pub salesforce_ca_file: Option<PathBuf>,

    /// A real org: its login host (`https://login.salesforce.com`, `https://test.salesforce.com`
    /// or a My Domain URL). Without it the proxy starts and uses the embedded sandbox org.
    #[arg(
        long,
        env = "PANE_SALESFORCE_LOGIN_URL",
        requires_all = ["salesforce_client_id", "salesforce_client_secret"]
    )]
    pub salesforce_login_url: Option<String>,

    /// The connected app's consumer key (a real org).
    #[arg(long, env = "PANE_SALESFORCE_CLIENT_ID")]
    pub salesforce_client_id: Option<String>,

    /// The connected app's consumer secret (a real org).
    #[arg(long, env = "PANE_SALESFORCE_CLIENT_SECRET", hide_env_values = true)]
    pub salesforce_client_secret: Option<Secret>,

    /// How long one call to Salesforce may take before it is abandoned, in seconds. A create
    /// abandoned after it was sent is looked for, never sent again.
    #[arg(long, env = "PANE_SALESFORCE_TIMEOUT_SECS", default_value_t = 30)]
    pub salesforce_timeout_secs: u64,

    /// How long a sender's panel is served from the cache, in seconds (writes through the
    /// proxy forget it sooner).
    #[arg(long, env = "PANE_PANEL_CACHE_SECS", default_value_t = 300)]
    pub panel_cache_secs: u64,

    /// How long a describe is used before it is revalidated with `If-Modified-Since`, in seconds.
    #[arg(long, env = "PANE_DESCRIBE_FRESH_SECS", default_value_t = 900)]
    pub describe_fresh_secs: u64,

    /// The bearer token a scraper presents to read `/metrics` (Prometheus'
    /// `authorization: {credentials: ...}`); without it `/metrics` is not served.
    #[arg(long, env = "PANE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,

    /// Rule workers in this process (0 accepts rule webhooks but runs no job here).
    #[arg(long, env = "PANE_RULE_WORKERS", default_value_t = 4)]
    pub rule_workers: usize,

    /// How long a rule worker holds a job before another may take it, in seconds (a worker
    /// that died mid-job loses it after this).
    #[arg(long, env = "PANE_RULE_LEASE_SECS", default_value_t = 60)]
    pub rule_lease_secs: u64,

    /// How long a rule worker gathers an org's *Send to Salesforce* jobs that keep arriving
    /// before it takes them as one batch, in ms since the oldest was ready (0: it takes what is
    /// ready at once). A job alone waits only for a short quiet gap; a full batch goes at once.
    #[arg(long, env = "PANE_RULE_GATHER_MS", default_value_t = 100)]
    pub rule_gather_ms: u64,

    /// How long nothing must arrive before a gatherer takes its batch early, in ms. Hidden: the
    /// tests lengthen it, a debug build accepting webhooks far slower than a release one.
    #[arg(
        long,
        env = "PANE_RULE_GATHER_QUIET_MS",
        default_value_t = 25,
        hide = true
    )]
    pub rule_gather_quiet_ms: u64,

    /// At the quota's last reserve, how old Salesforce's usage figure may get before one
    /// request asks again, in seconds.
    #[arg(long, env = "PANE_QUOTA_PROBE_SECS", default_value_t = 60)]
    pub quota_probe_secs: u64,

    /// The Salesforce REST API version.
    #[arg(long, env = "PANE_SALESFORCE_API_VERSION", default_value = "59.0")]
    pub salesforce_api_version: String,

    /// Where browsers and Salesforce reach this proxy (`https://pane.example.com`), when that is
    /// not the loopback address it listens on: behind a TLS-terminating reverse proxy, or with
    /// `--tls-cert`. It is the panel's origin, the OAuth callback's base
    /// (`<url>/oauth/callback`) and the base of every link the proxy makes; request headers
    /// (`Host`, `X-Forwarded-*`) never change them. https unless the host is loopback.
    #[arg(long, env = "PANE_PUBLIC_URL", value_parser = PublicUrl::parse)]
    pub public_url: Option<PublicUrl>,

    /// Serve HTTPS with this certificate chain (PEM, the leaf first); needs `--tls-key`.
    #[arg(long, env = "PANE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1); needs `--tls-cert`.
    #[arg(long, env = "PANE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The proxy's public origin (`--public-url`): an absolute http(s) URL without path, query or
/// fragment, https unless the host is loopback. Kept as the browser's origin (`scheme://host`
/// with the port only when it is not the scheme's default), with no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    origin: String,
    https: bool,
}

impl PublicUrl {
    /// Checks and normalizes `--public-url`; the error says what is wrong and what is expected.
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        const EXPECTED: &str =
            "expected the proxy's public origin, such as https://pane.example.com";
        let url = url::Url::parse(text.trim())
            .map_err(|err| format!("{text:?} is not an absolute URL ({err}); {EXPECTED}"))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => return Err(format!("{text:?} is {other}://, not https://; {EXPECTED}")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{text:?} carries a user or password; {EXPECTED}"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "{text:?} has a path, query or fragment: the proxy is served at the root of its \
                 origin (/plugin/, /oauth/callback); {EXPECTED}"
            ));
        }
        let loopback = match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(format!("{text:?} has no host; {EXPECTED}")),
        };
        if !https && !loopback {
            return Err(format!(
                "{text:?} is http:// on a host that is not loopback: browsers and Salesforce \
                 reach the proxy there, so it must be https:// (terminate TLS in a reverse proxy \
                 or pass --tls-cert and --tls-key)"
            ));
        }
        let origin = url.origin().ascii_serialization();
        crate::security::validate_origin(&origin).map_err(|err| format!("{err}"))?;
        Ok(PublicUrl { origin, https })
    }

    /// The origin, `https://pane.example.com` (no trailing slash).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether browsers reach the proxy over https.
    pub fn is_https(&self) -> bool {
        self.https
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin)
    }
}

impl Config {
    /// A config for tests and tools: loopback, a free port, the given folders, everything in
    /// memory, fixed test secrets; every other setting is the flags' own default (the
    /// environment is not read).
    pub fn for_dirs(dist_dir: PathBuf, www_dir: PathBuf) -> Config {
        let args: [std::ffi::OsString; 13] = [
            "pane-proxy".into(),
            "--port".into(),
            "0".into(),
            "--dist-dir".into(),
            dist_dir.into(),
            "--www-dir".into(),
            www_dir.into(),
            "--sandbox-memory".into(),
            "--database-url".into(),
            "sqlite::memory:".into(),
            "--encryption-key".into(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
            "--rule-workers=2".into(),
        ];
        let matches = Config::command()
            .mut_args(|arg| arg.env(None))
            .try_get_matches_from(args)
            .and_then(|m| Config::from_arg_matches(&m));
        #[allow(
            clippy::expect_used,
            reason = "fixed, valid flags: the test below parses them"
        )]
        matches.expect("for_dirs' flags parse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config these flags (after the program's name) give.
    fn parsed(flags: &[&str]) -> Config {
        Config::try_parse_from(["pane-proxy"].iter().chain(flags)).unwrap()
    }

    /// Why these flags (after the program's name) are refused.
    fn refused(flags: &[&str]) -> String {
        let err = Config::try_parse_from(["pane-proxy"].iter().chain(flags)).unwrap_err();
        err.to_string()
    }

    #[test]
    fn for_dirs_is_the_defaults_in_memory() {
        let config = Config::for_dirs("d".into(), "w".into());
        assert_eq!((config.port, config.rule_workers), (0, 2));
        assert_eq!(config.dist_dir, PathBuf::from("d"));
        assert_eq!(config.www_dir, PathBuf::from("w"));
        assert!(config.sandbox_memory);
        assert_eq!(config.database_url, "sqlite::memory:");
        assert_eq!(config.host_origins, FRONT_ORIGINS);
        assert_eq!(config.salesforce_api_version, "59.0");
        assert_eq!(config.panel_cache_secs, 300);
        assert_eq!(config.describe_fresh_secs, 900);
        assert!(config.encryption_key.is_some());
    }

    #[test]
    fn defaults_are_loopback_8080_and_front() {
        let config = parsed(&[]);
        assert_eq!(config.bind.to_string(), "127.0.0.1");
        assert_eq!(config.port, 8080);
        assert_eq!(config.host_origins, FRONT_ORIGINS);
        assert_eq!(config.dist_dir, PathBuf::from("dist"));
    }

    #[test]
    fn flags_set_everything() {
        let config = parsed(&[
            "--port",
            "0",
            "--host-origins",
            "https://a.example,https://b.example:8443",
            "--log-format",
            "json",
            "--rule-gather-ms",
            "0",
        ]);
        assert_eq!(config.port, 0);
        assert_eq!(config.rule_gather_ms, 0);
        assert_eq!(parsed(&[]).rule_gather_ms, 100);
        assert_eq!(
            config.host_origins,
            ["https://a.example", "https://b.example:8443"]
        );
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn secrets_do_not_print() {
        let config = parsed(&["--encryption-key", "c2VjcmV0LWtleS1tYXRlcmlhbA=="]);
        let printed = format!("{config:?}");
        assert!(!printed.contains("c2VjcmV0"), "{printed}");
        assert!(printed.contains("Secret(***)"));
        assert_eq!(
            config.encryption_key.unwrap().expose(),
            "c2VjcmV0LWtleS1tYXRlcmlhbA=="
        );
    }

    #[test]
    fn a_real_org_needs_its_connected_app() {
        let err = refused(&["--salesforce-login-url", "https://login.salesforce.com"]);
        assert!(err.contains("--salesforce-client-id"), "{err}");
        let config = parsed(&[
            "--salesforce-login-url",
            "https://login.salesforce.com",
            "--salesforce-client-id",
            "3MVG9-key",
            "--salesforce-client-secret",
            "consumer-secret-value",
            "--admins",
            "ana@x.example,ben@x.example",
        ]);
        assert_eq!(config.admins, ["ana@x.example", "ben@x.example"]);
        assert!(!format!("{config:?}").contains("consumer-secret-value"));
    }

    #[test]
    fn a_public_url_is_kept_as_its_origin() {
        let config = parsed(&["--public-url", "https://pane.example.com"]);
        let public = config.public_url.unwrap();
        assert_eq!(public.origin(), "https://pane.example.com");
        assert!(public.is_https());
        let cases = [
            ("https://pane.example.com/", "https://pane.example.com"),
            ("https://Pane.Example.COM:443", "https://pane.example.com"),
            (
                "https://pane.example.com:8443/",
                "https://pane.example.com:8443",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://localhost:9000/", "http://localhost:9000"),
            ("https://localhost:9443", "https://localhost:9443"),
        ];
        for (given, origin) in cases {
            assert_eq!(PublicUrl::parse(given).unwrap().origin(), origin, "{given}");
        }
        assert!(!PublicUrl::parse("http://localhost:1").unwrap().is_https());
        assert!(parsed(&[]).public_url.is_none());
    }

    #[test]
    fn bad_public_urls_are_refused_with_the_reason() {
        let cases = [
            ("pane.example.com", "not an absolute URL"),
            ("/oauth", "not an absolute URL"),
            ("ftp://pane.example.com", "is ftp://, not https://"),
            ("http://pane.example.com", "must be https://"),
            ("http://10.0.0.5:8080", "must be https://"),
            (
                "https://pane.example.com/pane",
                "has a path, query or fragment",
            ),
            (
                "https://pane.example.com/?a=1",
                "has a path, query or fragment",
            ),
            (
                "https://pane.example.com/#top",
                "has a path, query or fragment",
            ),
            (
                "https://ops:pw@pane.example.com",
                "carries a user or password",
            ),
            ("https://", "not an absolute URL"),
        ];
        for (given, reason) in cases {
            let text = refused(&["--public-url", given]);
            assert!(text.contains("--public-url"), "{given}: {text}");
            assert!(text.contains(reason), "{given}: {text}");
        }
    }

    #[test]
    fn tls_needs_both_files() {
        let err = refused(&["--tls-cert", "cert.pem"]);
        assert!(err.contains("--tls-key"), "{err}");
        let err = refused(&["--tls-key", "key.pem"]);
        assert!(err.contains("--tls-cert"), "{err}");
        let config = parsed(&["--tls-cert", "cert.pem", "--tls-key", "key.pem"]);
        assert_eq!(config.tls_cert, Some(PathBuf::from("cert.pem")));
        assert_eq!(config.tls_key, Some(PathBuf::from("key.pem")));
    }

    #[test]
    fn a_bad_port_is_refused() {
        let err = refused(&["--port", "99999"]);
        assert!(err.contains("--port"), "{err}");
    }
}
