//! Joining the room a hello names: the room is found (or started), handed the joiner and a
//! fresh bounded queue for what it sends this client; a refusal says why in the protocol's
//! terms.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use warroom_core::protocol::{ErrorCode, close};

use super::Peer;
use super::hello::{Hello, Refused};
use super::send::FromRoom;
use crate::room::{ConnId, Frame, Joiner, Outbox, RoomHandle, RoomMsg};
use crate::rooms::{RoomError, Rooms};

/// Joins the incident's room (starting it if need be), with a fresh bounded queue for what
/// the room sends this client.
pub(super) async fn join(
    rooms: &Arc<Rooms>,
    conn: ConnId,
    peer: &Peer,
    hello: &Hello,
    queue: usize,
) -> Result<(RoomHandle, FromRoom), Refused> {
    let incident = &hello.incident;
    let room = match rooms.get(incident).await {
        Ok(room) => room,
        Err(RoomError::UnknownIncident(id)) => {
            let message = format!("there is no incident {id}");
            return Err(Refused::Error(ErrorCode::UnknownIncident, message));
        }
        Err(err) => {
            tracing::warn!(%incident, %err, "cannot open room");
            return Err(Refused::Close(close::GOING_AWAY, "try again"));
        }
    };
    let (frames_tx, frames) = mpsc::channel::<Frame>(queue);
    let (kick_tx, kicked) = oneshot::channel();
    let joiner = Joiner {
        conn,
        participant: peer.viewer.participant.clone(),
        name: peer.viewer.name.clone(),
        last_seq: hello.last_seq,
        observing: peer
            .viewer
            .observing
            .as_ref()
            .filter(|(watched, _)| watched == incident)
            .map(|(_, link)| *link),
        observer_only: peer.viewer.observer_only,
    };
    let outbox = Outbox {
        frames: frames_tx,
        kick: kick_tx,
    };
    if room.send(RoomMsg::Join { joiner, outbox }).await.is_err() {
        return Err(Refused::Close(close::GOING_AWAY, "try again"));
    }
    Ok((room, FromRoom { frames, kicked }))
}
