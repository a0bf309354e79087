//! Accepted TCP connections, plain or about to be TLS: what every one of them gets
//! (TCP_NODELAY) and what a failed `accept` means. Shared by [`crate::listener`] and
//! [`crate::tls`], which otherwise know nothing of each other's sockets.

use std::io;
use std::time::Duration;

use tokio::net::TcpStream;

/// Without TCP_NODELAY, Nagle's algorithm holds a small frame (an ack) back while an earlier
/// one (the events it acknowledges) is unacknowledged by the client's delayed ACK:
/// milliseconds of latency on every command. Frames are whole messages; send them at once.
pub(crate) fn no_delay(tcp: &TcpStream) {
    if let Err(err) = tcp.set_nodelay(true) {
        tracing::debug!(%err, "cannot set TCP_NODELAY");
    }
}

/// What axum's own `TcpListener` does when `accept` fails: a connection that failed before it
/// was taken is nobody's concern; anything else (out of file descriptors) is logged, and
/// accepting pauses for a second rather than spinning.
pub(crate) async fn accept_failed(err: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%err, "cannot accept a connection");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
