//! The start of a connection: the hello (first, within the time limit, in the protocol this
//! server speaks), and every way a connection is refused before it joins a room — each with
//! the error message and the close code the protocol gives it. Also the refusal of a
//! connection the admission desk turned away (4029).
//!
//! Who the connection speaks for is settled before this (by the upgrade); what happens after
//! the hello is the receive half's and the room's.

use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use warroom_core::protocol::{
    ClientMessage, ErrorCode, PROTOCOL_VERSION, ServerMessage, close, decode_client,
};
use warroom_core::{IncidentId, Seq};

use super::Socket;
use super::send::close_message;
use crate::limits::Refusal;
use crate::room::frame;

/// How long a refusal (its error message and close frame) may take to go out.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(5);

/// What a client said hello with.
pub(super) struct Hello {
    pub(super) incident: IncidentId,
    pub(super) last_seq: Seq,
}

/// Why a connection ends before it joins a room, and so what the client is told.
#[derive(Debug)]
pub(super) enum Refused {
    /// An `error` message with this code, then a close: 4004 "refused" for an unknown
    /// incident or protocol, 1008 (policy) for anything else.
    Error(ErrorCode, String),
    /// Only a close frame (a message too big, text not UTF-8, a room that cannot open).
    Close(u16, &'static str),
    /// The client went away; there is nobody to tell.
    Gone,
}

impl Refused {
    /// The close code the client is sent.
    pub(super) fn close_code(&self) -> Option<u16> {
        match self {
            Self::Error(ErrorCode::UnknownIncident | ErrorCode::UnsupportedProtocol, _) => {
                Some(close::REFUSED)
            }
            Self::Error(..) => Some(close::POLICY),
            Self::Close(code, _) => Some(*code),
            Self::Gone => None,
        }
    }

    /// Tells the client, and closes.
    pub(super) async fn send<W>(self, sink: &mut W)
    where
        W: Sink<Message, Error = WsError> + Unpin,
    {
        let code = self.close_code();
        match (self, code) {
            (Self::Error(error, message), Some(code)) => {
                let refusal = async {
                    let message = ServerMessage::Error {
                        code: error,
                        message,
                        command: None,
                    };
                    sink.send(Message::Text(frame(&message))).await?;
                    sink.send(close_message(code, "refused")).await
                };
                let _ = tokio::time::timeout(REFUSAL_TIMEOUT, refusal).await;
            }
            (Self::Close(code, why), _) => {
                let _ = sink.send(close_message(code, why)).await;
            }
            _ => {}
        }
    }
}

/// Waits (up to `limit`) for the client's hello. Any stream of WebSocket messages will do,
/// so the refusals are tested without a socket.
pub(super) async fn handshake<R>(stream: &mut R, limit: Duration) -> Result<Hello, Refused>
where
    R: Stream<Item = Result<Message, WsError>> + Unpin,
{
    let text = match tokio::time::timeout(limit, next_text(stream)).await {
        Err(_) => {
            return Err(Refused::Error(
                ErrorCode::HelloFirst,
                "no hello in time".into(),
            ));
        }
        Ok(None) => return Err(Refused::Gone),
        Ok(Some(Err(unreadable))) => return Err(unreadable.refusal()),
        Ok(Some(Ok(text))) => text,
    };
    match decode_client(&text) {
        Ok(ClientMessage::Hello {
            protocol,
            incident,
            last_seq,
        }) => {
            if protocol != PROTOCOL_VERSION {
                let message = format!(
                    "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}; reload the page"
                );
                return Err(Refused::Error(ErrorCode::UnsupportedProtocol, message));
            }
            Ok(Hello { incident, last_seq })
        }
        Ok(_) => Err(Refused::Error(
            ErrorCode::HelloFirst,
            "say hello first".into(),
        )),
        Err(err) => Err(Refused::Error(err.code(), err.to_string())),
    }
}

/// Closes a connection that the admission desk refused, with a code that says so.
pub async fn refuse_admission(socket: Socket, refusal: Refusal) {
    let (mut sink, _stream) = socket.split();
    let reason = match refusal {
        Refusal::Total => "too many connections",
        Refusal::PerIp => "too many connections from your address",
        Refusal::BeforeHello => "too many connections waiting to say hello",
    };
    let _ = tokio::time::timeout(
        Duration::from_secs(2),
        sink.send(close_message(close::TOO_MANY_CONNECTIONS, reason)),
    )
    .await;
}

/// Why a frame could not be taken as a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unreadable {
    TooBig,
    NotUtf8,
    Binary,
}

impl Unreadable {
    /// Why a read failed, if the client is to be told: a message too big or not UTF-8;
    /// anything else is a vanished peer.
    pub(super) fn of(err: &WsError) -> Option<Self> {
        match err {
            WsError::Capacity(_) => Some(Self::TooBig),
            WsError::Utf8(_) => Some(Self::NotUtf8),
            _ => None,
        }
    }

    /// The refusal of a hello that could not be read.
    fn refusal(self) -> Refused {
        match self {
            Self::TooBig => Refused::Close(close::TOO_BIG, "message too large"),
            Self::NotUtf8 => Refused::Close(close::INVALID_DATA, "text must be UTF-8"),
            Self::Binary => Refused::Error(
                ErrorCode::Malformed,
                "binary frames are not part of the protocol; send JSON text".into(),
            ),
        }
    }
}

/// Reads the next text frame (pings and pongs are skipped).
async fn next_text<R>(stream: &mut R) -> Option<Result<String, Unreadable>>
where
    R: Stream<Item = Result<Message, WsError>> + Unpin,
{
    loop {
        match stream.next().await? {
            Ok(Message::Text(text)) => return Some(Ok(text.to_string())),
            Ok(Message::Binary(_)) => return Some(Err(Unreadable::Binary)),
            Ok(Message::Close(_)) => return None,
            Ok(_) => continue,
            Err(err) => return Unreadable::of(&err).map(Err),
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures_util::stream;
    use warroom_core::TextId;

    use super::*;

    const LIMIT: Duration = Duration::from_secs(5);

    fn hello(protocol: u32) -> Result<Message, WsError> {
        let hello = ClientMessage::Hello {
            protocol,
            incident: IncidentId::parse("payments-502").unwrap(),
            last_seq: 7,
        };
        Ok(Message::text(serde_json::to_string(&hello).unwrap()))
    }

    async fn shake(messages: Vec<Result<Message, WsError>>) -> Result<Hello, Refused> {
        handshake(&mut stream::iter(messages), LIMIT).await
    }

    fn refused_with(result: Result<Hello, Refused>) -> ErrorCode {
        match result {
            Err(Refused::Error(code, _)) => code,
            Err(other) => panic!("refused without an error message: {other:?}"),
            Ok(_) => panic!("not refused"),
        }
    }

    #[tokio::test]
    async fn a_hello_in_this_protocol_opens_the_connection() {
        let ping = Ok(Message::Ping(Bytes::new()));
        let hello = shake(vec![ping, hello(PROTOCOL_VERSION)]).await.unwrap();
        assert_eq!(hello.incident.as_str(), "payments-502");
        assert_eq!(hello.last_seq, 7);
    }

    #[tokio::test]
    async fn anything_but_a_hello_in_this_protocol_is_refused() {
        let other = refused_with(shake(vec![hello(PROTOCOL_VERSION + 1)]).await);
        assert_eq!(other, ErrorCode::UnsupportedProtocol);
        let ping = Ok(Message::text(r#"{"type":"ping","nonce":1}"#));
        assert_eq!(refused_with(shake(vec![ping]).await), ErrorCode::HelloFirst);
        let binary = Ok(Message::Binary(Bytes::from_static(b"{}")));
        assert_eq!(
            refused_with(shake(vec![binary]).await),
            ErrorCode::Malformed
        );
        let garbage = Ok(Message::text("{"));
        assert_eq!(
            refused_with(shake(vec![garbage]).await),
            ErrorCode::Malformed
        );
        assert!(matches!(shake(Vec::new()).await, Err(Refused::Gone)));
    }

    #[tokio::test]
    async fn no_hello_in_time_is_refused() {
        let silent = handshake(&mut stream::pending(), Duration::from_millis(10)).await;
        assert_eq!(refused_with(silent), ErrorCode::HelloFirst);
    }

    #[test]
    fn refusals_close_with_the_protocols_codes() {
        let error = |code| Refused::Error(code, String::new()).close_code();
        assert_eq!(error(ErrorCode::UnknownIncident), Some(close::REFUSED));
        assert_eq!(error(ErrorCode::UnsupportedProtocol), Some(close::REFUSED));
        assert_eq!(error(ErrorCode::HelloFirst), Some(close::POLICY));
        assert_eq!(error(ErrorCode::Malformed), Some(close::POLICY));
        assert_eq!(
            Unreadable::TooBig.refusal().close_code(),
            Some(close::TOO_BIG)
        );
        assert_eq!(
            Unreadable::NotUtf8.refusal().close_code(),
            Some(close::INVALID_DATA)
        );
        assert_eq!(Refused::Gone.close_code(), None);
    }
}
