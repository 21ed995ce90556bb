//! Serving HTTPS itself (`--tls-cert`/`--tls-key`): the certificate and key read once at
//! startup into a rustls server config (the ring provider). The listener that hands
//! `axum::serve` connections once their handshake is done is the sandbox org's
//! (`pane_sandbox::tls::TlsListener`), the same one for both servers.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::StartupError;

/// A rustls server config from a PEM certificate chain (leaf first) and its private key. Each
/// error names the file and what is wrong with it: unreadable, holding no certificate or key,
/// or a key that is not the certificate's.
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, StartupError> {
    let bad = |path: &Path, what: String| StartupError::Tls(format!("{}: {what}", path.display()));
    let pem = std::fs::read(cert_path)
        .map_err(|err| bad(cert_path, format!("cannot read the TLS certificate: {err}")))?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| bad(cert_path, format!("not a PEM certificate chain: {err}")))?;
    if chain.is_empty() {
        return Err(bad(
            cert_path,
            "holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)".into(),
        ));
    }
    let pem = std::fs::read(key_path)
        .map_err(|err| bad(key_path, format!("cannot read the TLS private key: {err}")))?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|err| {
        bad(
            key_path,
            format!("holds no usable PEM private key (PKCS#8, PKCS#1 or SEC1): {err}"),
        )
    })?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|err| StartupError::Tls(format!("TLS versions: {err}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|err| {
                StartupError::Tls(format!(
                    "{} and {} do not make a certificate and its key: {err}",
                    cert_path.display(),
                    key_path.display()
                ))
            })?;
    // axum serves HTTP/1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
