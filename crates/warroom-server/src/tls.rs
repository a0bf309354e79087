//! TLS in the binary (`--tls-cert` / `--tls-key`): the certificate files read into a rustls
//! configuration, and [`TlsListener`], which hands axum connections whose handshake is done.
//!
//! Why tokio-rustls under `axum::serve` rather than axum-server's `tls-rustls`: the plain and
//! the TLS server then share one serving loop — the same hyper connection builder (with
//! upgrades, which `http/upgrade.rs` takes over by hand), the same `ConnectInfo<SocketAddr>`,
//! the same graceful shutdown that `run` relies on. All TLS adds is a listener: axum-server
//! would bring a second server with its own shutdown handle and connection settings to keep in
//! step with the first.
//!
//! **Invariant:** a handshake never holds up the accept loop. Each runs in its own task with a
//! deadline ([`HANDSHAKE_TIMEOUT`]); a client that stalls, speaks plain http or hangs up costs
//! only its own task. Failed handshakes are everyday noise on an open port (scanners, an
//! `http://` typed by hand, a browser that distrusts the certificate), so they are logged at
//! debug, not as errors.
//!
//! Not here: renewing certificates. The files are read once, at start-up; restart the server
//! for a new certificate, or let a proxy or your certificate tooling terminate TLS.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::{self, PemObject as _};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;

/// How long a client may take to complete its handshake before it is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the certificate or key cannot be used. Every variant names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {}: {reason}", path.display())]
    Certificate { path: PathBuf, reason: String },
    #[error("the TLS certificate file {} holds no PEM certificate (`BEGIN CERTIFICATE`)", .0.display())]
    NoCertificate(PathBuf),
    #[error(
        "the TLS key file {} holds no PEM private key (`BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE \
         KEY` or `BEGIN EC PRIVATE KEY`)",
        .0.display()
    )]
    NoKey(PathBuf),
    #[error("cannot read the TLS private key {}: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error(
        "the TLS certificate {} cannot be used with the key {}: {reason}",
        cert.display(),
        key.display()
    )]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
}

/// Reads a PEM certificate chain (the server's certificate first) and its private key into a
/// server configuration: rustls's `ring` provider, TLS 1.2 and 1.3, HTTP/1.1 only.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| TlsError::Certificate {
            path: cert.to_owned(),
            reason: describe(&err),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(cert.to_owned()));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoKey(key.to_owned()),
        err => TlsError::Key {
            path: key.to_owned(),
            reason: describe(&err),
        },
    })?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring's provider supports the default protocol versions")
        .with_no_client_auth()
        // Also checks that the key is the certificate's.
        .with_single_cert(chain, private_key)
        .map_err(|err| TlsError::Unusable {
            cert: cert.to_owned(),
            key: key.to_owned(),
            reason: match err {
                rustls::Error::InconsistentKeys(_) => "it is not the certificate's key".into(),
                other => other.to_string(),
            },
        })?;
    // HTTP/1.1 only, as over plain TCP: a browser on HTTP/2 would open its WebSocket with an
    // extended CONNECT (RFC 8441), which the hand-made upgrade in `http/upgrade.rs` does not do.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What is wrong with a PEM file, in words (pki-types prints markers as lists of bytes).
fn describe(err: &pem::Error) -> String {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    match err {
        pem::Error::Io(err) => err.to_string(),
        pem::Error::MissingSectionEnd { end_marker } => {
            format!("a section has no `-----END {}-----` line", text(end_marker))
        }
        pem::Error::IllegalSectionStart { line } => {
            format!("a malformed section start `{}`", text(line))
        }
        pem::Error::Base64Decode(err) => format!("a section is not valid base64 ({err})"),
        other => other.to_string(),
    }
}

/// A TCP listener whose connections come out of a finished TLS handshake. Implements axum's
/// `Listener`, so `axum::serve` runs on it exactly as on a `TcpListener`.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    /// Handshakes under way, one task each; they end with a connection or `None` (logged).
    /// Owned here, so dropping the listener (axum does at shutdown) aborts the unfinished ones.
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> Self {
        Self {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
        }
    }

    fn start_handshake(&mut self, tcp: TcpStream, peer: SocketAddr) {
        // Before the handshake, so that its flights are not held back either.
        crate::tcp::no_delay(&tcp);
        let handshake = self.acceptor.accept(tcp);
        self.handshakes.spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                Ok(Ok(stream)) => Some((stream, peer)),
                Ok(Err(err)) => {
                    tracing::debug!(%peer, %err, "TLS handshake failed");
                    None
                }
                Err(_) => {
                    tracing::debug!(%peer, timeout = ?HANDSHAKE_TIMEOUT, "TLS handshake timed out");
                    None
                }
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    /// Cancel-safe, as axum needs (it drops this future when shutdown begins): both awaited
    /// futures are, and a finished handshake stays in the set until it is taken.
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((tcp, peer)) => self.start_handshake(tcp, peer),
                    Err(err) => crate::tcp::accept_failed(err).await,
                },
                // Disabled while no handshake is under way (`join_next` is then `None`).
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(connection)) = done {
                        return connection;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn files_that_do_not_parse_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = file(dir.path(), "junk.pem", "not a certificate\n");
        let missing = dir.path().join("missing.pem");
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = file(dir.path(), "cert.pem", &made.cert.pem());
        let key = file(dir.path(), "key.pem", &made.signing_key.serialize_pem());
        let other_key = file(dir.path(), "other.pem", &other.signing_key.serialize_pem());
        // (certificate, key, words in the error, the file it must name)
        let cases = [
            (&junk, &key, "holds no PEM certificate", &junk),
            (&missing, &key, "cannot read the TLS certificate", &missing),
            (&key, &key, "holds no PEM certificate", &key),
            (&cert, &junk, "holds no PEM private key", &junk),
            (&cert, &missing, "cannot read the TLS private key", &missing),
            (&cert, &cert, "holds no PEM private key", &cert),
            (&cert, &other_key, "cannot be used with the key", &other_key),
        ];
        for (cert, key, words, named) in cases {
            let err = server_config(cert, key).unwrap_err().to_string();
            assert!(err.contains(words), "{err}");
            assert!(err.contains(&named.display().to_string()), "{err}");
        }
        assert!(server_config(&cert, &key).is_ok());
    }
}
