//! Folding the postmortem's events: the title with its history, the impact, the follow-ups.

use crate::event::Event;
use crate::ids::ParticipantId;
use crate::incident::{EarlierTitle, FollowUp, FollowUpState, Impact, Incident};
use crate::time::Timestamp;

pub(super) fn apply(incident: &mut Incident, event: &Event, actor: &ParticipantId, at: Timestamp) {
    let pm = &mut incident.postmortem;
    match event {
        Event::TitleChanged { to, .. } => {
            let old = std::mem::replace(&mut incident.title, to.clone());
            pm.titles.push(EarlierTitle {
                title: old,
                replaced_at: at,
                replaced_by: actor.clone(),
            });
        }
        Event::ImpactSet {
            start,
            end,
            statement,
        } => {
            pm.impact = Some(Impact {
                start: *start,
                end: *end,
                statement: statement.clone(),
                set_by: actor.clone(),
                set_at: at,
            });
        }
        Event::FollowUpAdded {
            follow_up,
            text,
            owner,
            due,
            link,
        } => {
            pm.follow_ups.insert(
                *follow_up,
                FollowUp {
                    text: text.clone(),
                    owner: owner.clone(),
                    due: *due,
                    link: link.clone(),
                    state: FollowUpState::Open,
                    added_by: actor.clone(),
                    added_at: at,
                    updated_at: None,
                },
            );
        }
        Event::FollowUpUpdated {
            follow_up,
            text,
            owner,
            due,
            link,
            state,
        } => {
            if let Some(f) = pm.follow_ups.get_mut(follow_up) {
                if let Some(text) = text {
                    f.text.clone_from(text);
                }
                if let Some(owner) = owner {
                    f.owner = owner.clone();
                }
                if due.is_some() {
                    f.due = *due;
                }
                if link.is_some() {
                    f.link.clone_from(link);
                }
                if let Some(state) = state {
                    f.state = *state;
                }
                f.updated_at = Some(at);
            }
        }
        _ => {}
    }
}
