//! The socket the server accepts on: plain TCP, or TLS when `--tls-cert` and `--tls-key` are
//! given (the handshakes are in [`crate::tls`]). Both are served by the same `axum::serve`
//! loop, so upgrades, peer addresses and graceful shutdown work alike on either.
//!
//! Only HTTP connections are its to wait for at shutdown; upgraded WebSockets are detached
//! from them and tracked by [`crate::shutdown`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;

use crate::config::ServeArgs;
use crate::tcp::no_delay;
use crate::tls::{self, TlsError, TlsListener};

/// A bound socket, ready for [`crate::run`].
pub enum Listener {
    Plain(TcpListener),
    Tls(TlsListener),
}

impl Listener {
    /// Serves on `tcp` with TLS if `args` name a certificate and key, whose files are read
    /// (and checked) here, once: a file that cannot be used is an error before anything is
    /// served.
    pub fn new(tcp: TcpListener, args: &ServeArgs) -> Result<Self, TlsError> {
        Ok(match args.tls_files() {
            Some((cert, key)) => Self::Tls(TlsListener::new(tcp, tls::server_config(cert, key)?)),
            None => Self::Plain(tcp),
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Self::Plain(tcp) => tcp.local_addr(),
            Self::Tls(tls) => axum::serve::Listener::local_addr(tls),
        }
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Plain(_) => "http",
            Self::Tls(_) => "https",
        }
    }

    /// Serves `app` until `shutdown` completes and every HTTP connection has ended (upgraded
    /// WebSockets are detached from them, and are `run`'s to wait for).
    pub(crate) async fn serve(
        self,
        app: Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        // `tap_io` does double duty: it sets TCP_NODELAY, and a `TapIo` is what axum gives
        // `ConnectInfo<SocketAddr>` for when the listener is not a bare `TcpListener` (the
        // orphan rule keeps this crate from implementing that for `TlsListener` itself).
        match self {
            Self::Plain(tcp) => {
                axum::serve(tcp.tap_io(|tcp| no_delay(tcp)), service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            // TCP_NODELAY is already set, before the handshake.
            Self::Tls(tls) => {
                axum::serve(tls.tap_io(|_| {}), service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        }
    }
}
