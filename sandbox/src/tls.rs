//! The sandbox org over HTTPS, the only way Salesforce is reached: its own certificate for the
//! loopback names it answers on (made by rcgen, written to a PEM file that clients trust
//! through `SSL_CERT_FILE`), or a certificate and key it is given; and a listener for
//! `axum::serve` that hands it connections once their TLS handshake is done.
//!
//! rustls runs on the ring provider: it builds with a C compiler alone (no cmake or nasm, which
//! aws-lc needs), as the proxy's rustls does.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::SandboxError;

/// The names a self-signed certificate is made for: both hosts of the My Domain split
/// (`127.0.0.1` logs in, `localhost` is the instance), and IPv6 loopback.
pub const SELF_SIGNED_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes finished and not yet taken by the server, at most.
const READY_QUEUE: usize = 64;

/// A certificate chain (PEM, leaf first) and its private key (PEM), checked to belong together.
#[derive(Clone)]
pub struct TlsIdentity {
    cert_pem: String,
    key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key never prints.
        f.debug_struct("TlsIdentity")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

fn tls_error(what: impl std::fmt::Display) -> SandboxError {
    SandboxError::Tls(what.to_string())
}

impl TlsIdentity {
    /// A new self-signed certificate (ECDSA P-256) for [`SELF_SIGNED_NAMES`]. A client trusts
    /// it by taking the certificate itself as a root (`SSL_CERT_FILE`, `--salesforce-ca-file`).
    pub fn self_signed() -> Result<TlsIdentity, SandboxError> {
        let names = SELF_SIGNED_NAMES.map(str::to_owned).to_vec();
        // rcgen makes an IP address SAN of a name that parses as one, a DNS name of the rest.
        let mut params = rcgen::CertificateParams::new(names).map_err(tls_error)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Salesforce Pane sandbox org");
        let key = rcgen::KeyPair::generate().map_err(tls_error)?;
        let cert = params.self_signed(&key).map_err(tls_error)?;
        TlsIdentity::from_pem(cert.pem(), key.serialize_pem())
    }

    /// A certificate chain and key given as PEM text; refused when they do not make a pair.
    pub fn from_pem(cert_pem: String, key_pem: String) -> Result<TlsIdentity, SandboxError> {
        let identity = TlsIdentity { cert_pem, key_pem };
        identity.server_config()?;
        Ok(identity)
    }

    /// Reads a certificate chain and its key from PEM files; each error names the file.
    pub fn from_files(cert: &Path, key: &Path) -> Result<TlsIdentity, SandboxError> {
        let read = |path: &Path, what: &str| {
            std::fs::read_to_string(path).map_err(|err| {
                tls_error(format!("cannot read the {what} {}: {err}", path.display()))
            })
        };
        let identity = TlsIdentity {
            cert_pem: read(cert, "certificate")?,
            key_pem: read(key, "private key")?,
        };
        identity
            .server_config()
            .map_err(|err| tls_error(format!("{} and {}: {err}", cert.display(), key.display())))?;
        Ok(identity)
    }

    /// The certificate chain, PEM: what a client is told to trust.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// Writes the certificate chain (never the key) to `path`.
    pub fn write_cert(&self, path: &Path) -> Result<(), SandboxError> {
        std::fs::write(path, &self.cert_pem).map_err(|err| {
            tls_error(format!(
                "cannot write the certificate to {}: {err}",
                path.display()
            ))
        })
    }

    /// The rustls server config: TLS 1.2 and 1.3, HTTP/1.1 (what `axum::serve` speaks here).
    pub(crate) fn server_config(&self) -> Result<Arc<ServerConfig>, SandboxError> {
        let chain = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| tls_error(format!("not a PEM certificate chain: {err}")))?;
        if chain.is_empty() {
            return Err(tls_error(
                "no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)",
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|err| {
            tls_error(format!(
                "no usable PEM private key (PKCS#8, PKCS#1 or SEC1): {err}"
            ))
        })?;
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(tls_error)?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .map_err(|err| tls_error(format!("the certificate and key do not match: {err}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// A listener whose connections are TLS streams. Handshakes run in their own tasks, each with
/// a time limit, so one slow client never holds up the others; a failed handshake (a client
/// that does not trust the certificate) is logged and dropped. The proxy serves its own HTTPS
/// (`--tls-cert`) with it too.
#[derive(Debug)]
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

/// Binds `addr` (port 0 picks a free one): the listener and the address it got.
pub(crate) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), SandboxError> {
    let bind_error = |source| SandboxError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local = listener.local_addr().map_err(bind_error)?;
    Ok((listener, local))
}

/// [`serve`] in a task of its own until the returned sender is dropped (or sent on): the
/// handle of a sandbox org or of the orgs' login host holds it, so dropping the handle stops
/// the server. `what` names the server in the log should it stop with an error.
pub(crate) fn serve_in_background(
    listener: TcpListener,
    local: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    router: axum::Router,
    what: &'static str,
) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        // Either an explicit shutdown or the handle was dropped: stop both ways.
        let stopped = async {
            let _ = rx.await;
        };
        if let Err(err) = serve(listener, local, tls, router, stopped).await {
            tracing::error!(%err, "{what} stopped with an error");
        }
    });
    tx
}

/// Serves `router` on `listener` (bound at `local`) until `shutdown` resolves: over TLS with
/// `tls`, plain HTTP without. The sandbox org and the proxy both serve so.
pub async fn serve(
    listener: TcpListener,
    local: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    match tls {
        Some(tls) => {
            axum::serve(TlsListener::new(listener, local, tls), router)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }
    }
}

impl TlsListener {
    /// Serves TLS with `config` on `listener`, bound at `local`.
    pub fn new(listener: TcpListener, local: SocketAddr, config: Arc<ServerConfig>) -> Self {
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
                        Ok(Err(err)) => tracing::info!(%peer, %err, "TLS handshake failed"),
                        Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        TlsListener {
            ready,
            local,
            acceptor,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // Closes the socket: the org stops answering once it is shut down.
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
