//! The queue task: from the log to delivery rows. For each incident that was appended to (or,
//! at start-up and every [`super::SCAN_EVERY`], that has events past some cursor), it reads
//! the events past the subscriptions' cursors, folds them into its copy of the board (names,
//! title, released notes), renders each delivery once, and queues them with the cursors'
//! moves in one store write. It runs beside the rooms, never in their way: a room only marks
//! its incident dirty.

use std::collections::HashMap;
use std::sync::Arc;

use warroom_core::{Incident, IncidentId, Recorded, State};

use super::payload::Rendered;
use super::{MAX_PENDING, SCAN_EVERY, WebhookConfig, Webhooks, now_ms};
use crate::clock::Clock;
use crate::shutdown::Shutdown;
use crate::store::{Enqueue, NewDelivery, Store, StoreError};

/// Events read from the log per write of the queue.
const EVENTS_PER_WRITE: u32 = 500;
/// Boards kept between passes (one per recently active incident).
const BOARDS_KEPT: usize = 32;
/// How long the queue lets appends gather after a wake-up, so that a busy room costs the
/// store one queue write per pause rather than one per batch.
const GATHER: std::time::Duration = std::time::Duration::from_millis(25);

pub(super) async fn run(
    store: Arc<dyn Store>,
    hooks: Arc<Webhooks>,
    clock: Clock,
    config: Arc<WebhookConfig>,
    stop: Shutdown,
) {
    let mut boards: HashMap<IncidentId, State> = HashMap::new();
    let mut scan = true;
    loop {
        let incidents = if scan {
            match store.webhook_backlog().await {
                Ok(all) => all,
                Err(err) => {
                    tracing::warn!(%err, "webhooks: cannot read the backlog");
                    Vec::new()
                }
            }
        } else {
            hooks.take_dirty()
        };
        scan = false;
        for incident in incidents {
            if let Err(err) = queue_incident(&*store, &clock, &config, &mut boards, &incident).await
            {
                tracing::warn!(%incident, %err, "webhooks: cannot queue deliveries; retried later");
            }
            hooks.send_wake.notify_one();
        }
        tokio::select! {
            () = hooks.queue_wake.notified() => tokio::time::sleep(GATHER).await,
            () = tokio::time::sleep(SCAN_EVERY) => scan = true,
            () = stop.signalled() => return,
        }
    }
}

/// Queues what `incident`'s log has past the cursors, a write at a time, until every cursor
/// that may move has reached the head.
async fn queue_incident(
    store: &dyn Store,
    clock: &Clock,
    config: &WebhookConfig,
    boards: &mut HashMap<IncidentId, State>,
    incident: &IncidentId,
) -> Result<(), StoreError> {
    loop {
        let hooks = store.webhooks().await?;
        if hooks.is_empty() {
            return Ok(());
        }
        let Some(summary) = store.summary(incident).await? else {
            boards.remove(incident);
            return Ok(());
        };
        // A subscription with a full queue waits; its events stay in the log.
        let cursors: Vec<_> = store
            .webhook_cursors(incident)
            .await?
            .into_iter()
            .filter(|c| c.seq < summary.head && c.pending < MAX_PENDING)
            .collect();
        let Some(from) = cursors.iter().map(|c| c.seq).min() else {
            return Ok(());
        };
        let events = store.events_after(incident, from, EVENTS_PER_WRITE).await?;
        let Some(to) = events.last().map(|r| r.seq) else {
            return Ok(());
        };
        let silent = summary.drill || summary.restricted || summary.imported;
        let mut deliveries = Vec::new();
        if !silent {
            for recorded in &events {
                let board = board_for(store, boards, incident, recorded).await?;
                let topics = warroom_core::api::webhooks::topics_of(board, &recorded.event);
                if topics.is_empty() {
                    continue;
                }
                for cursor in cursors.iter().filter(|c| c.seq < recorded.seq) {
                    let Some(hook) = hooks.iter().find(|h| h.id == cursor.webhook) else {
                        continue;
                    };
                    // Never what was recorded before the subscription was made (an imported
                    // export keeps its recorded times).
                    if recorded.at.timestamp_millis() < hook.created_at {
                        continue;
                    }
                    let Some(topic) = topics.iter().find(|t| hook.topics.contains(t)) else {
                        continue;
                    };
                    let key = format!("{incident}:{}:{}", recorded.seq, hook.id);
                    let body = Rendered {
                        key: &key,
                        topic: *topic,
                        id: incident,
                        board,
                        recorded,
                        public_url: config.public_url.as_deref(),
                    }
                    .body(hook.format);
                    deliveries.push(NewDelivery {
                        key,
                        webhook: hook.id.clone(),
                        seq: recorded.seq,
                        topic: *topic,
                        body,
                    });
                }
            }
        }
        let queued = deliveries.len();
        store
            .enqueue_deliveries(Enqueue {
                incident: incident.clone(),
                cursors: cursors
                    .iter()
                    .map(|c| (c.webhook.clone(), c.seq, to))
                    .collect(),
                deliveries,
                now: now_ms(clock),
            })
            .await?;
        tracing::debug!(%incident, from, to, queued, "webhooks: queued");
        if to >= summary.head {
            return Ok(());
        }
    }
}

/// The board to render `recorded` with: the kept one, folded forward to it, or — when none is
/// kept or it is behind by more than this event — the whole board loaded from the store
/// (later than the event, which only matters for the title and status it shows: names only
/// grow).
async fn board_for<'b>(
    store: &dyn Store,
    boards: &'b mut HashMap<IncidentId, State>,
    incident: &IncidentId,
    recorded: &Recorded,
) -> Result<&'b Incident, StoreError> {
    let kept = boards.get(incident).and_then(|b| b.as_ref()).map(|b| b.seq);
    match kept {
        Some(seq) if seq + 1 == recorded.seq => {
            let state = boards.get_mut(incident).expect("kept");
            warroom_core::apply::apply(state, recorded);
        }
        Some(seq) if seq >= recorded.seq => {}
        _ => {
            let loaded = store.load(incident).await?;
            let board: State = warroom_core::replay::replay(loaded.snapshot, loaded.events.iter());
            if boards.len() >= BOARDS_KEPT {
                boards.clear();
            }
            boards.insert(incident.clone(), board);
        }
    }
    boards
        .get(incident)
        .and_then(|b| b.as_ref())
        .ok_or_else(|| StoreError::Corrupt(format!("incident {incident} has a log but no board")))
}
