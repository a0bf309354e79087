//! The draft's sections from the key timeline on: the key entries, root cause, the review's
//! prompts, follow-ups, checklists, concerns and the complete log.

use std::fmt::Write as _;

use super::{Draft, marks};
use crate::event::{Event, Recorded, by_occurrence};
use crate::export::md_escape;
use crate::incident::{ActionState, Hold, Incident, ItemState, Note, NoteKind};
use crate::narrate::{describe, kind_of, owner_name};

/// What the draft's key timeline keeps, in words (the rule is [`is_key_entry`]).
pub const KEY_ENTRIES: &str = "the declaration; pinned notes, decisions and status updates \
     (not retracted); severity, status and title changes; role changes (handovers, claims, \
     assumptions, releases); concerns raised, escalated and answered; sterile phases; alert \
     groups arriving, firing again, resolving or changing level";

/// Whether the draft's key timeline shows this entry (see [`KEY_ENTRIES`]).
pub fn is_key_entry(board: &Incident, event: &Event) -> bool {
    match event {
        Event::NotePosted { note, .. } => board.notes.get(note).is_some_and(|n| {
            n.retracted.is_none()
                && (n.pinned || matches!(n.kind, NoteKind::Decision | NoteKind::StatusUpdate))
        }),
        Event::IncidentDeclared { .. }
        | Event::SeverityChanged { .. }
        | Event::StatusChanged { .. }
        | Event::TitleChanged { .. }
        | Event::RoleHandedOver { .. }
        | Event::RoleClaimed { .. }
        | Event::RoleAssumed { .. }
        | Event::RoleReleased { .. }
        | Event::ConcernRaised { .. }
        | Event::ConcernEscalated { .. }
        | Event::ConcernAcknowledged { .. }
        | Event::SterilePhaseStarted { .. }
        | Event::SterilePhaseEnded { .. } => true,
        Event::AlertGroupUpdated { change, .. } => change.is_transition(),
        _ => false,
    }
}

/// A note as the draft quotes it.
fn quote(note: &Note) -> String {
    format!("“{}”", md_escape(&note.text))
}

pub(super) fn timeline(d: &mut Draft) {
    d.heading("Timeline");
    let _ = writeln!(
        d.md,
        "The key entries, in the order things happened (UTC): {KEY_ENTRIES}. Every entry is \
         in the appendix.\n"
    );
    d.md.push_str("| When | T+ | Who | Kind | Entry |\n| --- | --- | --- | --- | --- |\n");
    for r in by_occurrence(d.events) {
        if !is_key_entry(d.board, &r.event) {
            continue;
        }
        let text = match &r.event {
            Event::NotePosted { note, .. } => {
                let n = &d.board.notes[note];
                let pinned = if n.pinned { " (pinned)" } else { "" };
                format!("{}{pinned}", quote(n))
            }
            _ => md_escape(&describe(d.board, r)),
        };
        let (approx, notes) = marks(r);
        let row = format!(
            "| {approx}{} | {approx}{} | {} | {} | {text}{notes} |",
            d.time(r.when()),
            d.t_plus(r.when()),
            d.name(&r.actor),
            kind_of(d.board, &r.event).label()
        );
        d.line(&row);
    }
}

/// The hypotheses the record confirms: not retracted, and pinned or followed (as the next note
/// in the order things happened) by a decision.
fn confirmed(board: &Incident) -> Vec<(&Note, Option<&Note>)> {
    let mut notes: Vec<&Note> = board
        .notes
        .values()
        .map(AsRef::as_ref)
        .filter(|n| n.retracted.is_none())
        .collect();
    notes.sort_by_key(|n| (n.when(), n.seq));
    notes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NoteKind::Hypothesis)
        .filter_map(|(i, n)| {
            let decision = notes
                .get(i + 1)
                .copied()
                .filter(|next| next.kind == NoteKind::Decision);
            (n.pinned || decision.is_some()).then_some((*n, decision))
        })
        .collect()
}

pub(super) fn root_cause(d: &mut Draft) {
    d.heading("Root cause and contributing factors");
    d.line(
        "_What made this possible, without blame: the root cause, and the conditions that \
         contributed to it or made it worse._\n",
    );
    d.md.push_str("### Confirmed hypotheses\n\n");
    d.line(
        "Offered as a start: hypothesis notes (not retracted) that were pinned, or whose next \
         note, in the order things happened, is a decision.\n",
    );
    let confirmed = confirmed(d.board);
    if confirmed.is_empty() {
        d.line("No hypothesis was confirmed in the record.");
    }
    for (n, decision) in confirmed {
        let mut line = format!(
            "- {} — {}, {} UTC",
            quote(n),
            d.name(&n.author),
            d.time(n.when())
        );
        if n.pinned {
            line.push_str(" (pinned)");
        }
        if let Some(decision) = decision {
            let _ = write!(line, "; then decided: {}", quote(decision));
        }
        d.line(&line);
    }
}

pub(super) fn review_prompts(d: &mut Draft) {
    for (title, prompt) in [
        (
            "What went well",
            "What helped: tools, people, practices, decisions that worked.",
        ),
        (
            "What went wrong",
            "What hindered the response or made the impact worse — conditions, not culprits.",
        ),
        (
            "Where we got lucky",
            "What went right by chance, and would not next time.",
        ),
    ] {
        d.heading(title);
        d.line(&format!("_{prompt}_"));
    }
}

pub(super) fn follow_ups(d: &mut Draft) {
    d.heading("Follow-ups");
    let items = &d.board.postmortem.follow_ups;
    if items.is_empty() {
        d.line("No follow-ups yet.");
    } else {
        d.md.push_str(
            "| # | Follow-up | Owner | Due | State | Link |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for (id, f) in items {
            let row = format!(
                "| {} | {} | {} | {} | {} | {} |",
                id.0,
                md_escape(&f.text),
                md_escape(owner_name(d.board, &f.owner)),
                f.due.map_or_else(|| "—".to_owned(), |due| due.to_string()),
                f.state.label(),
                f.link.as_deref().map_or_else(|| "—".to_owned(), md_escape)
            );
            d.line(&row);
        }
    }
    d.md.push_str("\n### Actions still open at the end of the record\n\n");
    let open: Vec<_> = d
        .board
        .actions
        .values()
        .filter(|a| a.state.is_open())
        .collect();
    if open.is_empty() {
        d.line("None.");
    }
    for a in open {
        let state = match a.state {
            ActionState::AwaitingReadback => "not yet read back",
            ActionState::ReadBack => "readback not confirmed",
            _ => "in progress",
        };
        let line = format!(
            "- [ ] {} — {} ({}, {state})",
            md_escape(&a.text),
            d.name(&a.assignee),
            a.lane.label()
        );
        d.line(&line);
    }
}

pub(super) fn checklists(d: &mut Draft) {
    d.heading("Checklists");
    if d.board.checklists.is_empty() {
        d.line("No checklists were run.");
        return;
    }
    for c in d.board.checklists.values() {
        let (done, total) = c.progress();
        let _ = writeln!(
            d.md,
            "### {}\n\n{} at {}, started {} UTC by {}: {done} of {total} done.\n",
            md_escape(&c.title),
            c.kind.label(),
            c.pause_point.label(),
            d.time(c.started_at),
            d.name(&c.started_by)
        );
        for item in &c.items {
            let text = md_escape(&item.text);
            let line = match &item.state {
                ItemState::Open => format!("- [ ] {text}"),
                ItemState::Checked { by, at, value } => format!(
                    "- [x] {text}{} — {}, {} UTC",
                    value
                        .as_deref()
                        .map(|v| format!(": {}", md_escape(v)))
                        .unwrap_or_default(),
                    d.name(by),
                    d.time(*at)
                ),
                ItemState::NotApplicable { by, reason, .. } => format!(
                    "- [x] {text} — not applicable: {} ({})",
                    md_escape(reason),
                    d.name(by)
                ),
            };
            d.line(&line);
        }
        d.md.push('\n');
    }
}

pub(super) fn concerns(d: &mut Draft) {
    d.heading("Concerns");
    if d.board.concerns.is_empty() {
        d.line("No concerns were raised.");
        return;
    }
    d.md.push_str(
        "| Raised | By | Level | Concern | Answer | Waited |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (id, c) in &d.board.concerns {
        let waited =
            d.m.concerns
                .iter()
                .find(|t| t.id == *id)
                .and_then(|t| t.waited)
                .map_or_else(|| "—".to_owned(), crate::time::hms);
        let answer = c.acknowledgement.as_ref().map_or_else(
            || "Not answered".to_owned(),
            |a| format!("{}: {}", d.name(&a.by), md_escape(&a.response)),
        );
        let row = format!(
            "| {} UTC | {} | {} | {} | {answer} | {waited} |",
            d.time(c.raised_at),
            d.name(&c.raised_by),
            c.level.label(),
            md_escape(&c.text)
        );
        d.line(&row);
    }
}

/// A note's row text in the complete log: struck through if retracted, and what a sterile
/// phase did to it.
fn note_text(d: &Draft, note: &crate::ids::NoteId, text: &str) -> String {
    let note = d.board.notes.get(note);
    let mut text = match note {
        Some(n) if n.retracted.is_some() => format!("~~{}~~ (retracted)", md_escape(text)),
        _ => md_escape(text),
    };
    match note.and_then(|n| n.held.as_ref()) {
        Some(Hold { released: Some(r) }) => {
            let _ = write!(
                text,
                " (held by the sterile phase; released at {})",
                d.t_plus(r.at)
            );
        }
        Some(Hold { released: None }) => text.push_str(" (held by the sterile phase, still on)"),
        None => {}
    }
    text
}

pub(super) fn appendix(d: &mut Draft) {
    d.heading("Appendix: complete log");
    d.line("Every entry, in the order things happened (UTC).\n");
    d.md.push_str("| T+ | UTC | Who | Kind | Entry |\n| --- | --- | --- | --- | --- |\n");
    for r in by_occurrence(d.events) {
        let text = match &r.event {
            Event::NotePosted { note, text, .. } => note_text(d, note, text),
            _ => md_escape(&describe(d.board, r)),
        };
        let (approx, notes) = marks(r);
        let recorded = recorded(r);
        let row = format!(
            "| {approx}{} | {approx}{} | {} | {} | {text}{notes}{recorded} |",
            d.t_plus(r.when()),
            d.time(r.when()),
            d.name(&r.actor),
            kind_of(d.board, &r.event).label()
        );
        d.line(&row);
    }
}

/// When an entry with a time of its own was recorded, in the complete log.
fn recorded(r: &Recorded) -> String {
    match r.occurred() {
        Some(o) if o.at != r.at => format!(" _(recorded {})_", super::full(r.at)),
        _ => String::new(),
    }
}
