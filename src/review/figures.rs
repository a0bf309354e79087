//! The review's figures: the metrics as they stood at the moment shown (`metrics_at`: nothing
//! after it is counted), and apart from them, labelled as such, the whole incident's — every
//! figure with its definition beside it, and each change of command with the brief given at it.

use leptos::prelude::*;
use warroom_core::export::handoff_briefs;
use warroom_core::metrics::{HandoffKind, Metrics, Row, hms, metrics_at, t_plus};
use warroom_core::replay::Replay;
use warroom_core::{Incident, Seq};

/// The metrics as they stood at the moment shown: nothing after it is counted.
#[component]
pub(super) fn MetricsAt(replay: StoredValue<Option<Replay>>, at: RwSignal<Seq>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        let seq = at.get();
        replay.with_value(|r| {
            r.as_ref()
                .and_then(|r| metrics_at(r.events(), seq))
                .map(|m| m.rows())
                .unwrap_or_default()
        })
    });
    view! {
        <section class="card metrics" aria-labelledby="metrics-at-h">
            <h2 id="metrics-at-h">"Metrics at this moment"</h2>
            <p class="hint">{move || format!("As they stood at event {}: nothing after it is counted.", at.get())}</p>
            {move || view! { <MetricRows rows=rows.get() /> }}
        </section>
    }
}

/// Headline figures, each with its definition beside it.
#[component]
fn MetricRows(rows: Vec<Row>) -> impl IntoView {
    view! {
        <table class="incidents">
            <thead><tr><th scope="col">"Metric"</th><th scope="col">"Value"</th><th scope="col">"Definition"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr><th scope="row">{r.metric}</th><td class="mono">{r.value}</td><td class="hint">{r.definition}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub(super) fn Totals(
    totals: StoredValue<Option<Metrics>>,
    final_board: Option<Incident>,
    replay: StoredValue<Option<Replay>>,
) -> impl IntoView {
    let (Some(m), Some(board)) = (totals.get_value(), final_board) else {
        return ().into_any();
    };
    let dur = |s: Option<i64>| s.map_or_else(|| "—".to_owned(), hms);
    let briefs = replay.with_value(|r| {
        r.as_ref()
            .map(|r| handoff_briefs(r.events()))
            .unwrap_or_default()
    });
    view! {
        <section class="card metrics" aria-labelledby="metrics-h">
            <h2 id="metrics-h">"Whole-incident metrics"</h2>
            <p class="hint">"Over the whole record, whatever moment is shown above."</p>
            <MetricRows rows=m.rows() />
            {(!m.actions.is_empty()).then(|| view! {
                <h3>"Actions"</h3>
                <table class="incidents">
                    <thead><tr><th scope="col">"Action"</th><th scope="col">"Read back after"</th><th scope="col">"Loop closed after"</th><th scope="col">"Closed after"</th><th scope="col">"Overdue"</th></tr></thead>
                    <tbody>
                        {m.actions.iter().map(|a| view! {
                            <tr><td>{format!("{} — {}", a.text, board.name_of(&a.assignee))}</td>
                                <td class="mono">{dur(a.read_back_after)}</td><td class="mono">{dur(a.confirmed_after)}</td>
                                <td class="mono">{dur(a.closed_after)}</td><td>{if a.overdue { "yes" } else { "no" }}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!m.concerns.is_empty()).then(|| view! {
                <h3>"Concerns"</h3>
                <table class="incidents">
                    <thead><tr><th scope="col">"Concern"</th><th scope="col">"Level"</th><th scope="col">"Raised again"</th><th scope="col">"Waited for acknowledgement"</th></tr></thead>
                    <tbody>
                        {m.concerns.iter().map(|c| view! {
                            <tr><td>{c.text.clone()}</td><td>{c.level.label()}</td><td>{c.escalations}</td>
                                <td class="mono">{c.waited.map_or_else(|| "never acknowledged".to_owned(), hms)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!m.checklists.is_empty()).then(|| view! {
                <h3>"Checklists"</h3>
                <table class="incidents">
                    <thead><tr><th scope="col">"Checklist"</th><th scope="col">"Completed after"</th></tr></thead>
                    <tbody>
                        {m.checklists.iter().map(|c| view! {
                            <tr><td>{c.title.clone()}</td><td class="mono">{c.completed_after.map_or_else(|| "not completed".to_owned(), hms)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            <h3>"Command"</h3>
            <table class="incidents">
                <thead><tr><th scope="col">"Commander"</th><th scope="col">"From"</th><th scope="col">"Held for"</th><th scope="col">"Came by"</th><th scope="col">"Brief at the handoff"</th></tr></thead>
                <tbody>
                    {m.tenures.iter().enumerate().map(|(i, t)| {
                        let how = if i == 0 { "declaration".to_owned() } else {
                            m.handoffs.get(i - 1).map_or(String::new(), |h| match h.kind {
                                HandoffKind::PositiveExchange => "positive exchange".to_owned(),
                                HandoffKind::Assumed => format!("assumed: {}", h.reason.clone().unwrap_or_default()),
                            })
                        };
                        let brief = i.checked_sub(1)
                            .and_then(|h| m.handoffs.get(h))
                            .and_then(|h| briefs.get(&h.seq).cloned().flatten())
                            .filter(|b| !b.is_blank());
                        let brief = match brief {
                            Some(b) => view! {
                                <dl class="brief">
                                    {b.parts().into_iter().map(|(part, text)| view! { <dt>{part}</dt><dd>{text.to_owned()}</dd> }).collect_view()}
                                </dl>
                            }.into_any(),
                            None if i == 0 => "—".into_any(),
                            None => "No brief".into_any(),
                        };
                        view! { <tr><td>{board.name_of(&t.commander).to_owned()}</td><td class="mono">{t_plus(m.declared_at, t.from)}</td><td class="mono">{hms(t.seconds)}</td><td>{how}</td><td>{brief}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
