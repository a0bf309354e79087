//! A certificate made for one test run (with `rcgen`, never committed) and the client side of
//! TLS that trusts it and nothing else; and [`Stream`], the connection every support client
//! speaks over, plain or TLS alike.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// A byte stream to the server: TCP, or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A connection to the server, whichever it speaks.
pub type Stream = Box<dyn Io>;

/// A self-signed certificate for `127.0.0.1` and `localhost`, its key (both as PEM files, for
/// `--tls-cert` / `--tls-key`), and a TLS client whose only root is that certificate.
pub struct TestTls {
    pub cert: PathBuf,
    pub key: PathBuf,
    connector: TlsConnector,
}

impl TestTls {
    /// Makes a fresh certificate and key and writes them into `dir`.
    pub fn generate(dir: &Path) -> Self {
        let made = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_owned(),
            "localhost".to_owned(),
        ])
        .expect("rcgen makes a certificate");
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, made.cert.pem()).expect("writing the certificate");
        std::fs::write(&key, made.signing_key.serialize_pem()).expect("writing the key");
        let mut roots = RootCertStore::empty();
        roots
            .add(made.cert.der().clone())
            .expect("the certificate is a usable root");
        let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self {
            cert,
            key,
            connector: TlsConnector::from(Arc::new(config)),
        }
    }

    /// The TLS handshake over `tcp`, checking the server's certificate for `127.0.0.1`.
    pub async fn connect(&self, tcp: TcpStream) -> std::io::Result<Stream> {
        let name = ServerName::from(std::net::IpAddr::from(Ipv4Addr::LOCALHOST));
        Ok(Box::new(self.connector.connect(name, tcp).await?))
    }
}

/// Connects to `127.0.0.1:port` (with this receive buffer, `SO_RCVBUF`, if given), then speaks
/// TLS over it if `tls` is given.
pub async fn open(
    port: u16,
    tls: Option<&TestTls>,
    recv_buffer: Option<u32>,
) -> std::io::Result<Stream> {
    let socket = TcpSocket::new_v4()?;
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size)?;
    }
    let tcp = socket
        .connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await?;
    tcp.set_nodelay(true)?;
    match tls {
        Some(tls) => tls.connect(tcp).await,
        None => Ok(Box::new(tcp)),
    }
}
