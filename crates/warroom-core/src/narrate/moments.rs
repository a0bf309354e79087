//! Which entries the story is told with: the shared timeline's order (with the notes a sterile
//! phase held back), and the review's key moments.

use crate::apply::apply;
use crate::event::{Event, Recorded};
use crate::ids::{ParticipantId, Seq};
use crate::incident::{ConcernLevel, Incident, Role, State};
use crate::narrate::describe_for;

/// The shared timeline of `log` (a stretch of the incident's log, oldest first) as `viewer`
/// sees it on `incident` (the board at the log's end), newest first.
///
/// Every event is an entry, in log order, except the notes a sterile phase held back: while
/// queued, a held note is shown only to its author and to the commander (at the place it was
/// written); once released, it is shown to everyone **where the phase ended** — just after the
/// `sterile_phase_ended` entry, in the order the notes were written — keeping the time it was
/// written. A released note whose posting is not in `log` (an older page) is left out.
pub fn timeline<'a>(
    incident: &'a Incident,
    log: &'a [Recorded],
    viewer: Option<&'a ParticipantId>,
) -> impl Iterator<Item = &'a Recorded> + 'a {
    let posted = move |seq: Seq| {
        log.binary_search_by_key(&seq, |r| r.seq)
            .ok()
            .map(|i| &log[i])
    };
    log.iter().rev().flat_map(move |r| -> Vec<&'a Recorded> {
        match &r.event {
            Event::NotePosted {
                note, held: true, ..
            } => match incident.notes.get(note) {
                Some(n) if n.held.as_ref().is_some_and(|h| h.released.is_some()) => Vec::new(),
                Some(n) if !incident.shows_note_to(n, viewer) => Vec::new(),
                _ => vec![r],
            },
            Event::SterilePhaseEnded { released } => released
                .iter()
                .rev()
                .filter_map(|id| incident.notes.get(id).and_then(|n| posted(n.seq)))
                .chain(std::iter::once(r))
                .collect(),
            _ => vec![r],
        }
    })
}

/// The review's key moments, in log order, told to `viewer`: pinned notes, changes of command
/// and of status, the safety issues (stop the line raised, raised again to that level, and
/// answered), and the sterile phases' starts and ends.
pub fn key_moments(log: &[Recorded], viewer: Option<&ParticipantId>) -> Vec<(Seq, String)> {
    let mut state: State = None;
    let mut moments = Vec::new();
    for r in log {
        // A concern's level as it was when it was answered.
        let safety_answered = matches!(&r.event, Event::ConcernAcknowledged { concern, .. }
            if state.as_ref().and_then(|i| i.concerns.get(concern))
                .is_some_and(|c| c.level == ConcernLevel::SafetyIssue));
        apply(&mut state, r);
        let key = safety_answered
            || match &r.event {
                Event::RoleHandedOver {
                    role: Role::Commander,
                    ..
                }
                | Event::RoleAssumed {
                    role: Role::Commander,
                    ..
                }
                | Event::StatusChanged { .. }
                | Event::SterilePhaseStarted { .. }
                | Event::SterilePhaseEnded { .. } => true,
                Event::ConcernRaised { level, .. } | Event::ConcernEscalated { level, .. } => {
                    *level == ConcernLevel::SafetyIssue
                }
                Event::NotePosted { .. } => true,
                // A warning-level alert group arriving, firing again or resolving.
                Event::AlertGroupUpdated { state, change, .. } => {
                    state.level == crate::incident::AlertLevel::Warning
                        && !matches!(change, crate::incident::AlertChange::Count { .. })
                        && change.is_transition()
                }
                _ => false,
            };
        if key {
            moments.push((r.seq, safety_answered));
        }
    }
    let Some(board) = state.as_ref() else {
        return Vec::new();
    };
    moments
        .into_iter()
        .filter_map(|(seq, safety_answered)| {
            let r = log
                .binary_search_by_key(&seq, |r| r.seq)
                .ok()
                .map(|i| &log[i])?;
            if let Event::NotePosted { note, .. } = &r.event
                && !board.notes.get(note).is_some_and(|n| n.pinned)
            {
                return None;
            }
            let text = describe_for(board, r, viewer);
            Some((
                seq,
                if safety_answered {
                    format!("Safety issue answered — {text}")
                } else {
                    text
                },
            ))
        })
        .collect()
}
