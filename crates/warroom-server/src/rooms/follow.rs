//! Routing the database's news to the live rooms: when another replica commits to an
//! incident this process has a room for, that room is told the new head and catches up
//! (`room/replica.rs`). News of an incident with no live room here is dropped — a room that
//! starts later loads the log as it is. When the news may have been missed (the listening
//! connection came back, or this router fell behind), every live room is told to catch up.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc::error::TrySendError;

use super::Rooms;
use crate::room::{RoomHandle, RoomMsg};
use crate::store::Heard;

impl Rooms {
    /// Follows the store's news of other processes' commits, until the server stops. Nothing
    /// to do with a store that has none (one process on SQLite).
    pub fn follow(self: &Arc<Self>) {
        let Some(mut news) = self.store.heads() else {
            return;
        };
        let rooms = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                let heard = tokio::select! {
                    heard = news.recv() => heard,
                    () = rooms.shutdown.signalled() => return,
                };
                match heard {
                    Ok(Heard::Head { incident, head }) => {
                        if let Some(room) = rooms.live_handle(&incident) {
                            tell(&room, Some(head));
                        }
                    }
                    Ok(Heard::Listening) | Err(RecvError::Lagged(_)) => {
                        let live: Vec<RoomHandle> = rooms
                            .live
                            .lock()
                            .expect("room registry poisoned")
                            .values()
                            .cloned()
                            .collect();
                        for room in &live {
                            tell(room, None);
                        }
                    }
                    Ok(Heard::Presence {
                        incident,
                        replica,
                        participants,
                        first,
                        ask,
                    }) => {
                        if let Some(room) = rooms.live_handle(&incident) {
                            let msg = RoomMsg::Presence {
                                replica,
                                participants,
                                first,
                                ask,
                            };
                            if let Err(TrySendError::Full(msg)) = room.tx.try_send(msg) {
                                tokio::spawn(async move {
                                    let _ = room.send(msg).await;
                                });
                            }
                        }
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }
}

/// Tells a room of a new head without holding up the news of other rooms: a room whose queue
/// is full is told by a task of its own.
fn tell(room: &RoomHandle, head: Option<warroom_core::Seq>) {
    match room.tx.try_send(RoomMsg::Heard { head }) {
        Ok(()) | Err(TrySendError::Closed(_)) => {}
        Err(TrySendError::Full(msg)) => {
            let room = room.clone();
            tokio::spawn(async move {
                let _ = room.send(msg).await;
            });
        }
    }
}
