//! Serving HTTPS itself (`--tls-cert`/`--tls-key`): the certificate and key read once at
//! startup into a rustls server config (the ring provider), and a listener for `axum::serve`
//! that hands it connections once their TLS handshake is done.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::ProxyError;

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes finished and not yet taken by the server, at most.
const READY_QUEUE: usize = 64;

/// A rustls server config from a PEM certificate chain (leaf first) and its private key. Each
/// error names the file and what is wrong with it: unreadable, holding no certificate or key,
/// or a key that is not the certificate's.
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, ProxyError> {
    let bad = |path: &Path, what: String| ProxyError::Tls(format!("{}: {what}", path.display()));
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
            .map_err(|err| ProxyError::Tls(format!("TLS versions: {err}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|err| {
                ProxyError::Tls(format!(
                    "{} and {} do not make a certificate and its key: {err}",
                    cert_path.display(),
                    key_path.display()
                ))
            })?;
    // axum serves HTTP/1.1.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A listener whose connections are TLS streams. Handshakes run in their own tasks, each with
/// a time limit, so one slow client never holds up the others; a failed handshake is logged
/// and dropped.
#[derive(Debug)]
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on `listener`.
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let tls = TlsAcceptor::from(config);
        let acceptor = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: wait, as axum does.
                        tracing::warn!(%err, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let tls = tls.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(err)) => tracing::debug!(%peer, %err, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accepting task holds a sender for as long as the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
