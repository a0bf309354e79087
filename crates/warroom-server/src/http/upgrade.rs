//! `GET /ws`: the WebSocket upgrade. It checks the origin and the session *before* upgrading
//! (no session, no socket: 401), takes a place at the admission desk, and hands the upgraded
//! stream to [`crate::connection::serve`] with the participant the session names.
//!
//! The upgrade is done here rather than with axum's `WebSocketUpgrade` because the connection
//! needs tungstenite's raw frames over a socket of its own: a large catch-up is written in
//! fragments, gathered with the rest of a batch into one write (`connection/gather.rs`), so
//! a client that stops reading pins at most a batch in its connection's buffers, not the
//! whole board.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use warroom_core::protocol::MAX_MESSAGE_BYTES;

use super::{ApiError, AppState, hardening};
use crate::connection;

/// The largest single frame read whole. Bigger than [`MAX_MESSAGE_BYTES`] on purpose: a frame
/// refused at its header leaves its payload unread, and closing a socket with unread data
/// sends a TCP reset that makes the client lose the 1009 close frame telling it why. A
/// too-big message up to this size is read, refused by the message limit, and closed cleanly.
const MAX_FRAME_READ: usize = 16 * MAX_MESSAGE_BYTES;

pub(super) async fn websocket(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers();
    if !hardening::origin_allowed(headers, &state.site) {
        return Err(ApiError::forbidden("cross-origin WebSocket refused"));
    }
    let ip = state.client_ip(peer, headers);
    let viewer = state.viewer(headers, peer).await?.ok_or_else(|| {
        ApiError::unauthorized("sign in first: the socket speaks for the signed-in person")
    })?;
    // Subscribed before anything else can happen, so that a sign-out from now on is seen.
    let ended = viewer
        .session
        .is_some()
        .then(|| state.auth.ended_sessions());
    let key = handshake_key(headers).ok_or_else(|| {
        ApiError::bad_request("this endpoint takes WebSocket upgrades (version 13) only")
    })?;
    let on_upgrade = request
        .extensions_mut()
        .remove::<OnUpgrade>()
        .ok_or_else(|| ApiError::bad_request("the connection cannot upgrade"))?;
    // Refusals by the limits still upgrade, so that the client gets a close code it can tell
    // apart (4029) instead of a failed handshake it cannot read.
    let admitted = state.admission.admit(ip);
    if let Err(refusal) = admitted {
        crate::telemetry::refused(refusal);
    }
    let accept = derive_accept_key(key.as_bytes());
    // A tracked task: at shutdown, `run` waits for the socket's close frame.
    let tasks = state.shutdown.clone();
    tasks.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::debug!(%err, "WebSocket upgrade failed");
                return;
            }
        };
        let config = WebSocketConfig::default()
            // Small buffers: an idle connection should cost a few KiB, not the default 128 KiB.
            // Client messages are commands of a few hundred bytes; a larger one makes the
            // buffer grow to hold it.
            .read_buffer_size(1024)
            // Each frame (each fragment of a large one) is written to the socket at once, so
            // tungstenite's write buffer holds about one fragment for the connection's life;
            // the socket itself gathers the send task's batches into one write, in a buffer it
            // frees (`connection/gather.rs`). No cap: a cap would only refuse frames bigger
            // than itself.
            .write_buffer_size(0)
            .max_write_buffer_size(usize::MAX)
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_FRAME_READ));
        let socket =
            WebSocketStream::from_raw_socket(
            connection::Gather::new(TokioIo::new(upgraded)),
            Role::Server,
            Some(config),
        )
        .await;
        match admitted {
            Ok(admitted) => {
                connection::serve(
                    socket,
                    connection::Peer {
                        viewer,
                        ip,
                        admitted,
                        ended,
                    },
                    state.rooms,
                    state.rates,
                    state.connection,
                    state.shutdown,
                )
                .await;
            }
            Err(refusal) => {
                tracing::warn!(%ip, participant = %viewer.participant, %refusal, "connection refused");
                Box::pin(connection::refuse_admission(socket, refusal)).await;
            }
        }
    });
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let h = response.headers_mut();
    h.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(
        header::SEC_WEBSOCKET_ACCEPT,
        HeaderValue::from_str(&accept).expect("base64 is a valid header"),
    );
    Ok(response)
}

/// The client's `Sec-WebSocket-Key`, if this is a well-formed version-13 upgrade request.
fn handshake_key(headers: &HeaderMap) -> Option<String> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if !has_token(header::CONNECTION, "upgrade") || !has_token(header::UPGRADE, "websocket") {
        return None;
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION)? != "13" {
        return None;
    }
    headers
        .get(header::SEC_WEBSOCKET_KEY)?
        .to_str()
        .ok()
        .map(str::to_owned)
}
