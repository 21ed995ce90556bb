//! The proxy's long-lived dependencies: its database, its sealer, the Salesforce connected app.

use std::sync::Arc;

use pane_salesforce::oauth::ConnectedApp;

use crate::StartupError;
use crate::config::Config;
use crate::secrets::Sealer;
use crate::store::Db;

/// What handlers reach besides configuration.
#[derive(Debug, Clone)]
pub struct Services {
    /// The database.
    pub db: Db,
    /// Seals tokens at rest.
    pub sealer: Arc<Sealer>,
    /// The connected app.
    pub salesforce: ConnectedApp,
    /// Outgoing HTTP.
    pub http: reqwest::Client,
}

impl Services {
    /// Opens the database and the key named by `config`, for `salesforce`.
    pub async fn new(config: &Config, salesforce: ConnectedApp) -> Result<Services, StartupError> {
        if let Some(path) = config
            .database_url
            .strip_prefix("sqlite://")
            .map(|p| p.split('?').next().unwrap_or(p))
            && let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(StartupError::Folder)?;
        }
        let sealer = match &config.encryption_key {
            Some(key) => Sealer::from_base64(key.expose())?,
            None => Sealer::from_key_file(&config.key_file)?,
        };
        let http = salesforce_http(
            std::time::Duration::from_secs(config.salesforce_timeout_secs),
            config.salesforce_ca_file.as_deref(),
        )?;
        Ok(Services {
            db: Db::connect(&config.database_url).await?,
            sealer: Arc::new(sealer),
            salesforce,
            http,
        })
    }
}

/// The one HTTP client every call to Salesforce goes through: the token exchange and refreshes,
/// the identity URL, REST, SOAP and revocation (handlers and the rules worker reach it through
/// [`Services::http`]). TLS is rustls on the ring provider, trusting:
///
/// - the system's certificate store, or the certificates `SSL_CERT_FILE` / `SSL_CERT_DIR`
///   name when set. This is `rustls_native_certs::load_native_certs`, whose documentation
///   says: "If either (or both) are set, certificates are only loaded from the locations
///   specified via environment variables and not the platform-native certificate store." So
///   `SSL_CERT_FILE` *replaces* the system's store, as it does for OpenSSL and curl (the
///   convention for private CAs and TLS-inspecting corporate proxies);
/// - and `ca_file` (`--salesforce-ca-file`) on top of them: a private CA added without giving
///   up the system's.
///
/// Plain `http://` (the embedded sandbox org) works as before. `SSL_CERT_FILE` or `ca_file`
/// that cannot be read or holds no certificate stops the proxy at startup, saying which.
pub fn salesforce_http(
    timeout: std::time::Duration,
    ca_file: Option<&std::path::Path>,
) -> Result<reqwest::Client, StartupError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let overrides: Vec<String> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .into_iter()
        .filter_map(|name| {
            std::env::var_os(name).map(|v| format!("{name}={}", v.to_string_lossy()))
        })
        .collect();
    let native = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    // Stores often hold an ancient or malformed certificate: it is skipped, as browsers do.
    let (from_store, skipped) = roots.add_parsable_certificates(native.certs);
    let errors: Vec<String> = native.errors.iter().map(ToString::to_string).collect();
    if overrides.is_empty() {
        if from_store == 0 {
            tracing::warn!(
                errors = %errors.join("; "),
                "no CA certificates in the system's store (is ca-certificates installed?): \
                 https:// Salesforce URLs are trusted only through SSL_CERT_FILE or --salesforce-ca-file"
            );
        }
    } else if from_store == 0 || !errors.is_empty() {
        let why = if errors.is_empty() {
            "holds no usable PEM certificate".to_owned()
        } else {
            errors.join("; ")
        };
        return Err(StartupError::Tls(format!(
            "{}: {why} (it replaces the system's CA store for calls to Salesforce)",
            overrides.join(", ")
        )));
    }
    let mut from_file = 0;
    if let Some(path) = ca_file {
        let bad = |why: String| {
            StartupError::Tls(format!("--salesforce-ca-file {}: {why}", path.display()))
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|err| bad(format!("cannot be read: {err}")))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| bad(format!("not PEM certificates: {err}")))?;
        for cert in certs {
            roots
                .add(cert)
                .map_err(|err| bad(format!("a certificate cannot be used as a CA: {err}")))?;
            from_file += 1;
        }
        if from_file == 0 {
            return Err(bad(
                "holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)".into(),
            ));
        }
    }
    tracing::info!(
        store = %if overrides.is_empty() { "system".to_owned() } else { overrides.join(", ") },
        from_store,
        skipped,
        from_file,
        "CA certificates trusted for Salesforce"
    );
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| StartupError::Tls(format!("TLS versions: {err}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    reqwest::Client::builder()
        .timeout(timeout)
        .use_preconfigured_tls(tls)
        .build()
        .map_err(|e| StartupError::Tls(format!("HTTP client: {e}")))
}
