//! The board's one notice area: every transient notice — a role changing hands, an offer
//! declined, an exercise inject, the link's own notices, the result of a change made from the
//! command strip — is said here, once, and nowhere else.
//!
//! It sits inside the content (never over the command strip, the alarm bar or a dialog: below
//! them in stacking order), shows the same text only once at a time, and speaks politely to
//! screen readers; only warnings are assertive (`role="alert"`).

use std::time::Duration;

use leptos::prelude::*;
use warroom_core::narrate::describe_for;
use warroom_core::{CommandId, Event, ParticipantId, Role};

use crate::identity::Identity;
use crate::sync::{Outcome, Session};

/// How long a transient notice stays.
const SHOWN_FOR: Duration = Duration::from_secs(10);

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// News: said politely.
    Info,
    /// Something went wrong or needs attention now: said assertively.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    id: u64,
    text: String,
    level: Level,
}

/// The notices of the board page, provided as context: anything that has news says it here.
#[derive(Clone, Copy)]
pub struct Notices {
    shown: RwSignal<Vec<Notice>>,
    next: StoredValue<u64>,
}

impl Notices {
    pub fn new() -> Self {
        Self {
            shown: RwSignal::new(Vec::new()),
            next: StoredValue::new(1),
        }
    }

    /// Says `text` for a while. The same text already showing is not said twice: it stays
    /// for another while instead.
    pub fn say(self, text: String, level: Level) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.shown.update(|s| {
            s.retain(|n| n.text != text);
            s.push(Notice { id, text, level });
        });
        set_timeout(
            move || {
                // The page (and its signal) may be gone by then.
                let _ = self.shown.try_update(|s| s.retain(|n| n.id != id));
            },
            SHOWN_FOR,
        );
    }

    /// The notices provided for this page.
    pub fn get() -> Self {
        expect_context::<Self>()
    }
}

impl Default for Notices {
    fn default() -> Self {
        Self::new()
    }
}

/// The area itself: the link's standing notice (while it stands), then the transient ones,
/// oldest first.
#[component]
pub fn NoticeArea() -> impl IntoView {
    let session = expect_context::<Session>();
    let notices = Notices::get();
    let me = expect_context::<Identity>().participant();
    announce_news(session, notices, me);
    // The link's notice stands until the link clears it; a transient notice of the same words
    // is not shown beside it.
    let standing = Memo::new(move |_| session.notice.get());
    let transient = Memo::new(move |_| {
        let standing = standing.get();
        notices.shown.with(|s| {
            s.iter()
                .filter(|n| Some(&n.text) != standing.as_ref())
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let polite = Memo::new(move |_| {
        transient.with(|t| {
            t.iter()
                .filter(|n| n.level == Level::Info)
                .map(|n| (n.id, n.text.clone()))
                .collect::<Vec<_>>()
        })
    });
    let urgent = Memo::new(move |_| {
        transient.with(|t| {
            t.iter()
                .filter(|n| n.level == Level::Warning)
                .map(|n| (n.id, n.text.clone()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <div class="notice-area" aria-label="Notices">
            <div class="notices-polite" role="status" aria-live="polite">
                {move || standing.get().map(|n| view! { <p class="announcement notice link-notice">{n}</p> })}
                <For each=move || polite.get() key=|n| n.0 let:n>
                    <p class="announcement notice">{n.1}</p>
                </For>
            </div>
            <div class="notices-urgent" role="alert">
                <For each=move || urgent.get() key=|n| n.0 let:n>
                    <p class="announcement notice warning">{n.1}</p>
                </For>
            </div>
        </div>
    }
}

/// Says in the notice area what became of a command sent from a spot that has no room for
/// its own result line (the command strip): a rejection, as a warning.
pub fn report_outcome(id: RwSignal<Option<CommandId>>) {
    let session = expect_context::<Session>();
    let notices = Notices::get();
    let reported = StoredValue::new(None::<CommandId>);
    Effect::new(move |_| {
        let Some(id) = id.get() else { return };
        let outcome = session.outcomes.with(|o| o.get(&id).cloned());
        if let Some(Outcome::Rejected(message)) = outcome
            && reported.get_value().as_ref() != Some(&id)
        {
            reported.set_value(Some(id));
            notices.say(message, Level::Warning);
        }
    });
}

/// Role changes, declines, cancellations and exercise injects, as they happen on the open
/// board (not what happened before it was opened).
/// Told to `me` as they are on the timeline: what they did as "You …".
fn announce_news(session: Session, notices: Notices, me: ParticipantId) {
    let start = StoredValue::new(None::<u64>);
    Effect::new(move |_| {
        let (head, news): (Option<u64>, Vec<(u64, String)>) = session.log.with(|log| {
            let head = log.last().map(|r| r.seq);
            let news = session.state.with_untracked(|s| {
                let Some(incident) = s else { return Vec::new() };
                let Some(from) = start.get_value() else {
                    start.set_value(Some(incident.seq));
                    return Vec::new();
                };
                log.iter()
                    .rev()
                    .take_while(|r| r.seq > from)
                    .filter_map(|r| {
                        // Narrated only for the events that are news, not for every event.
                        let said = || describe_for(incident, r, Some(&me));
                        // Who is in command now, first: "You are" to the new commander.
                        let in_command = |who: &ParticipantId| {
                            let said = said();
                            if *who == me {
                                format!("You are now in COMMAND. {said}")
                            } else {
                                format!("{} is now in COMMAND. {said}", incident.name_of(who))
                            }
                        };
                        let text = match &r.event {
                            Event::RoleHandedOver {
                                role: Role::Commander,
                                to,
                                ..
                            } => in_command(to),
                            Event::RoleAssumed {
                                role: Role::Commander,
                                ..
                            } => in_command(&r.actor),
                            Event::InjectFired { source, text, .. } => {
                                format!("EXERCISE INJECT — {source}: {text}")
                            }
                            Event::RoleHandedOver { .. }
                            | Event::RoleAssumed { .. }
                            | Event::RoleOfferDeclined { .. }
                            | Event::RoleOfferCancelled { .. } => said(),
                            _ => return None,
                        };
                        Some((r.seq, text))
                    })
                    .collect()
            });
            (head, news)
        });
        // What has been looked at is not looked at again.
        if let (Some(head), Some(from)) = (head, start.get_value())
            && head > from
        {
            start.set_value(Some(head));
        }
        for (_, text) in news.into_iter().rev() {
            notices.say(text, Level::Info);
        }
    });
}
