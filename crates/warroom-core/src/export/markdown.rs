//! The postmortem draft in Markdown, in the shape of the well-known templates (the Google SRE
//! book's, PagerDuty's, Atlassian's), sections in this order:
//!
//! 1. **Summary** — severity, status, when and by whom declared, earlier titles, the summary.
//! 2. **Impact** — the window (start, end, duration) and who and what was affected.
//! 3. **Detection** — time to detect, with its definition.
//! 4. **Response** — the crew at the end, commanders with their tenures, and each handoff
//!    with its brief (or the reason command was assumed).
//! 5. **Recovery** — every status change, time to mitigated and to resolved.
//! 6. **Metrics** — every headline figure with its definition.
//! 7. **Timeline** — the key entries only ([`KEY_ENTRIES`]), in the order things happened,
//!    notes quoted rather than numbered, full dates when the incident spans days.
//! 8. **Root cause and contributing factors** — the confirmed hypotheses offered as a start:
//!    hypothesis notes (not retracted) that were pinned, or whose next note in the order
//!    things happened is a decision.
//! 9. **What went well**, **What went wrong**, **Where we got lucky** — prompts to write to.
//! 10. **Follow-ups** — a table (owner, due date, state, link), then the actions still open.
//! 11. **Checklists** — each with its answers; 12. **Concerns** — and how they were answered.
//! 13. **Appendix: complete log** — every event.
//!
//! Times are UTC. A time a person gave as approximate (or unknown) is marked `≈`; an entry
//! entered after the fact says "(entered later)"; the appendix also gives when it was recorded.
//! Everything people typed goes through [`md_escape`]: text, never markup.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{ExportError, check_log, md_escape};
use crate::event::{Event, Recorded, by_occurrence};
use crate::ids::{IncidentId, ParticipantId, Seq};
use crate::incident::{HandoffBrief, Incident, Role, Status};
use crate::metrics::{HandoffKind, Metrics, definition, metrics};
use crate::time::{Precision, Timestamp, hms, t_plus};

mod parts;

pub use parts::{KEY_ENTRIES, is_key_entry};

/// What every section is written from.
struct Draft<'a> {
    board: &'a Incident,
    m: &'a Metrics,
    events: &'a [Recorded],
    /// The incident spans more than one day (UTC): times carry their date.
    multi_day: bool,
    md: String,
}

impl Draft<'_> {
    fn name(&self, who: &ParticipantId) -> String {
        md_escape(self.board.name_of(who))
    }

    /// A time as the timeline shows it: with its date when the incident spans days.
    fn time(&self, at: Timestamp) -> String {
        if self.multi_day {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            at.format("%H:%M:%S").to_string()
        }
    }

    fn t_plus(&self, at: Timestamp) -> String {
        t_plus(self.m.declared_at, at)
    }

    fn heading(&mut self, title: &str) {
        let _ = write!(self.md, "\n## {title}\n\n");
    }

    fn line(&mut self, text: &str) {
        self.md.push_str(text);
        self.md.push('\n');
    }
}

/// `≈` for a time given as approximate or unknown, and what the entry's text adds: "(time
/// unknown)", "(entered later)", "(imported)".
fn marks(r: &Recorded) -> (&'static str, String) {
    let Some(o) = r.occurred() else {
        let imported = if r.imported { " (imported)" } else { "" };
        return ("", imported.to_owned());
    };
    let approx = if o.precision == Precision::Exact {
        ""
    } else {
        "≈"
    };
    let mut notes = String::new();
    if o.precision == Precision::Unknown {
        notes.push_str(" (time unknown)");
    }
    if r.backdated() {
        notes.push_str(" (entered later)");
    }
    if r.imported {
        notes.push_str(" (imported)");
    }
    (approx, notes)
}

fn full(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// The postmortem draft of a whole log (see the module's documentation for its sections).
pub fn markdown(id: &IncidentId, events: &[Recorded]) -> Result<String, ExportError> {
    let board = check_log(events)?;
    let m = metrics(events).ok_or(ExportError::Empty)?;
    let first = board.began_at().min(m.declared_at);
    let mut d = Draft {
        board: &board,
        m: &m,
        events,
        multi_day: first.date_naive() != m.ended_at.date_naive(),
        md: String::new(),
    };
    header(&mut d);
    summary(&mut d, id);
    impact(&mut d);
    detection(&mut d);
    response(&mut d);
    recovery(&mut d);
    metrics_table(&mut d);
    parts::timeline(&mut d);
    parts::root_cause(&mut d);
    parts::review_prompts(&mut d);
    parts::follow_ups(&mut d);
    parts::checklists(&mut d);
    parts::concerns(&mut d);
    parts::appendix(&mut d);
    Ok(d.md)
}

fn header(d: &mut Draft) {
    let exercise = if d.board.drill { "EXERCISE — " } else { "" };
    let title = md_escape(&d.board.title);
    let _ = writeln!(d.md, "# {exercise}Postmortem draft: {title}");
    if d.board.drill {
        d.md.push_str(
            "\n> **EXERCISE** — this record is of a training drill, not a real incident.\n",
        );
    }
    if d.board.postmortem.retrospective {
        d.md.push_str(
            "\n> **Recorded after the fact** — this incident was entered from what happened, \
             not as it happened; times are as the people who were there gave them.\n",
        );
    }
    if d.board.postmortem.imported {
        d.md.push_str(
            "\n> **Imported from a timeline file** — its entries were entered from a file, \
             each in the name of the person the file gives.\n",
        );
    }
    let imported = d.events.iter().filter(|r| r.imported).count();
    if imported > 0 && !d.board.postmortem.imported {
        let _ = writeln!(
            d.md,
            "\n> **{imported} of {} entries were imported from a timeline file** into this \
             incident, each in the name of the person the file gives: they are marked \
             \"(imported)\".",
            d.events.len()
        );
    }
    let backdated = d.events.iter().filter(|r| r.backdated()).count();
    if backdated > 0 {
        let _ = writeln!(
            d.md,
            "\n> **{backdated} of {} entries were entered later** than they happened: they are \
             placed at the time given and marked \"(entered later)\".",
            d.events.len()
        );
    }
}

fn summary(d: &mut Draft, id: &IncidentId) {
    d.heading("Summary");
    let b = d.board;
    let declared = match b.postmortem.declared {
        Some(o) if b.postmortem.retrospective || o.at != b.declared_at => format!(
            "{}{} by {} (recorded {})",
            if o.precision == Precision::Exact {
                ""
            } else {
                "≈"
            },
            full(o.at),
            d.name(&b.declared_by),
            full(b.declared_at)
        ),
        _ => format!("{} by {}", full(b.declared_at), d.name(&b.declared_by)),
    };
    let lines = [
        format!("- Incident: `{id}`"),
        format!(
            "- Severity: {} · Status: {}",
            b.severity.label(),
            b.status.label()
        ),
        format!("- Declared: {declared}"),
        format!(
            "- Duration of the record: {}",
            hms(crate::time::seconds(d.m.declared_at, d.m.ended_at))
        ),
        format!("- Commander at the end: {}", d.name(&b.commander.holder)),
    ];
    for line in lines {
        d.line(&line);
    }
    if !b.postmortem.titles.is_empty() {
        let earlier: Vec<String> = b
            .postmortem
            .titles
            .iter()
            .map(|t| format!("“{}”", md_escape(&t.title)))
            .collect();
        d.line(&format!("- Earlier titles: {}", earlier.join(", ")));
    }
    if !b.summary.trim().is_empty() {
        let _ = writeln!(d.md, "\n{}", md_escape(&b.summary));
    }
}

fn impact(d: &mut Draft) {
    d.heading("Impact");
    let Some(impact) = d.board.postmortem.impact.clone() else {
        d.line(
            "_The impact window is not set: when did customers start and stop being affected? \
             (The commander sets it.) Who and what was affected, and how badly?_",
        );
        return;
    };
    d.line(&format!("- Start: {}", full(impact.start)));
    match impact.end {
        Some(end) => {
            d.line(&format!("- End: {}", full(end)));
            d.line(&format!(
                "- Duration: {}",
                hms(crate::time::seconds(impact.start, end))
            ));
        }
        None => d.line("- End: not set (ongoing, or not known yet)"),
    }
    match impact.statement.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => {
            d.line(&format!("- Who and what was affected: {}", md_escape(s)));
        }
        _ => d.line("- Who and what was affected: _to be written_"),
    }
}

fn detection(d: &mut Draft) {
    d.heading("Detection");
    let began = d.board.postmortem.impact.as_ref().map(|i| i.start);
    d.line(&format!(
        "- Impact began: {}",
        began.map_or_else(|| "not set".to_owned(), full)
    ));
    d.line(&format!("- Declared: {}", full(d.m.declared_at)));
    d.line(&format!(
        "- Time to detect: {}",
        d.m.time_to_detect
            .map_or_else(|| "— (no impact start set)".to_owned(), hms)
    ));
    let _ = writeln!(
        d.md,
        "\n_Time to detect_: {}",
        definition("Time to detect").unwrap_or_default()
    );
    d.line("\n_How was it detected — an alert, a customer, a person? Could it have been sooner?_");
}

/// The brief of each change of command by positive exchange, by the sequence of its
/// `role_handed_over`: the brief of the offer that led to it (`None`: the offer had none).
pub fn handoff_briefs(events: &[Recorded]) -> BTreeMap<Seq, Option<HandoffBrief>> {
    let mut offered: Option<Option<HandoffBrief>> = None;
    let mut out = BTreeMap::new();
    for r in events {
        match &r.event {
            Event::RoleOffered {
                role: Role::Commander,
                brief,
                ..
            } => offered = Some(brief.clone()),
            Event::RoleOfferDeclined {
                role: Role::Commander,
                ..
            }
            | Event::RoleOfferCancelled {
                role: Role::Commander,
                ..
            } => offered = None,
            Event::RoleHandedOver {
                role: Role::Commander,
                ..
            } => {
                out.insert(r.seq, offered.take().flatten());
            }
            _ => {}
        }
    }
    out
}

fn response(d: &mut Draft) {
    d.heading("Response");
    d.md.push_str("### Crew at the end\n\n");
    for role in Role::ALL {
        let holder = d
            .board
            .holder(role)
            .map_or_else(|| "vacant".to_owned(), |p| d.name(p));
        d.line(&format!("- {}: {holder}", role.label()));
    }
    d.md.push_str(
        "\n### Commanders\n\n| Commander | From | To | Held for |\n| --- | --- | --- | --- |\n",
    );
    for t in &d.m.tenures {
        let row = format!(
            "| {} | {} | {} | {} |",
            d.name(&t.commander),
            d.t_plus(t.from),
            t.to.map_or_else(|| "end".to_owned(), |to| d.t_plus(to)),
            hms(t.seconds)
        );
        d.line(&row);
    }
    d.md.push_str("\n### Handoffs\n\n");
    if d.m.handoffs.is_empty() {
        d.line("No change of command.");
        return;
    }
    let briefs = handoff_briefs(d.events);
    for h in &d.m.handoffs {
        let how = match h.kind {
            HandoffKind::PositiveExchange => "by positive exchange",
            HandoffKind::Assumed => "assumed",
        };
        let _ = writeln!(
            d.md,
            "#### {} ({} UTC): {} to {}, {how}\n",
            d.t_plus(h.at),
            d.time(h.at),
            d.name(&h.from),
            d.name(&h.to)
        );
        match h.kind {
            HandoffKind::Assumed => {
                let reason = md_escape(h.reason.as_deref().unwrap_or_default());
                d.line(&format!("Why: {reason}"));
            }
            HandoffKind::PositiveExchange => {
                if let Some(secs) = h.offer_to_confirm {
                    d.line(&format!(
                        "From the offer to \"You have control\": {}\n",
                        hms(secs)
                    ));
                }
                match briefs.get(&h.seq).cloned().flatten() {
                    Some(brief) if !brief.is_blank() => {
                        for (part, text) in brief.parts() {
                            d.line(&format!("- {part}: {}", md_escape(text)));
                        }
                    }
                    _ => d.line("No brief was given."),
                }
            }
        }
        d.md.push('\n');
    }
}

fn recovery(d: &mut Draft) {
    d.heading("Recovery");
    let changes: Vec<&Recorded> = by_occurrence(d.events)
        .into_iter()
        .filter(|r| matches!(r.event, Event::StatusChanged { .. }))
        .collect();
    if changes.is_empty() {
        d.line("The status never changed from Investigating.");
    }
    for r in changes {
        let Event::StatusChanged { from, to } = &r.event else {
            continue;
        };
        let (approx, notes) = marks(r);
        let line = format!(
            "- {approx}{} UTC ({}): {} → {}, by {}{notes}",
            d.time(r.when()),
            d.t_plus(r.when()),
            from.label(),
            to.label(),
            d.name(&r.actor)
        );
        d.line(&line);
    }
    let reached = |secs: Option<i64>, status: Status| {
        format!(
            "\nTime to {}: {}",
            status.label().to_lowercase(),
            secs.map_or_else(|| "— (not reached)".to_owned(), hms)
        )
    };
    let mitigated = reached(d.m.time_to_mitigated, Status::Mitigated);
    let resolved = reached(d.m.time_to_resolved, Status::Resolved);
    d.line(&mitigated);
    d.line(&resolved);
    d.line("\n_How was service restored, and what confirmed it was restored?_");
}

fn metrics_table(d: &mut Draft) {
    d.heading("Metrics");
    d.md.push_str("| Metric | Value | Definition |\n| --- | --- | --- |\n");
    for row in d.m.rows() {
        let _ = writeln!(
            d.md,
            "| {} | {} | {} |",
            row.metric,
            md_escape(&row.value),
            row.definition
        );
    }
}
