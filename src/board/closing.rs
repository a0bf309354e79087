//! Closing deliberately: the strip's status select, and the confirmation that resolving or
//! closing the incident asks for — with what is still open on the board (warroom-core's
//! `closing::still_open`) — before the command is sent. Cancel leaves the status as it was.
//! Also here: the CLOSED mark of a closed board.

use leptos::html;
use leptos::prelude::*;
use warroom_core::closing::{StillOpen, still_open};
use warroom_core::{Command, CommandId, Status};

use crate::board::{Board, slice};
use crate::sync::Session;
use crate::widgets::dialog::Dialog;

/// Whether moving to `status` asks for confirmation first: resolving and closing do.
fn asks_first(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Closed)
}

/// The status select of the command strip (the commander's alone). Resolved and Closed are
/// confirmed in a dialog first.
#[component]
pub fn StatusField(
    /// Whether this person holds command (the server decides; this only greys the select).
    is_commander: Memo<bool>,
    /// Where the outcome of the change is shown.
    last_change: RwSignal<Option<CommandId>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let status = slice(board, |i| i.status);
    let select_ref = NodeRef::<html::Select>::new();
    // The status waiting for the commander's confirmation, if the dialog is open.
    let confirming = RwSignal::new(None::<Status>);
    // The select always shows the board's status: after a cancelled choice, and after a
    // remote change (an option's `selected` attribute does not move a select once used).
    let show_board_status = move || {
        if let (Some(el), Some(s)) = (select_ref.get_untracked(), status.get_untracked()) {
            el.set_value(s.label());
        }
    };
    Effect::new(move |_| {
        status.track();
        select_ref.track();
        show_board_status();
    });
    let send = move |s: Status| {
        last_change.set(Some(session.submit(Command::set_status(s))));
    };
    let change = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        let Some(s) = Status::ALL.into_iter().find(|s| s.label() == value) else {
            return;
        };
        if Some(s) == status.get_untracked() {
            return;
        }
        if asks_first(s) {
            // Until confirmed, the status is what it was, and the select says so.
            show_board_status();
            confirming.set(Some(s));
        } else {
            send(s);
        }
    };
    view! {
        <div class="field">
            <label for="strip-status">"Status"</label>
            <select id="strip-status" node_ref=select_ref disabled=move || !is_commander.get() on:change=change
                title=move || if is_commander.get() { "" } else { "Only the commander changes the status" }>
                {Status::ALL.into_iter().map(|s| view! {
                    <option value=s.label() selected=move || status.get() == Some(s)>{s.label()}</option>
                }).collect_view()}
            </select>
        </div>
        {move || confirming.get().map(|to| view! {
            <ConfirmStatus to=to
                on_confirm=Callback::new(move |()| { confirming.set(None); send(to); })
                on_cancel=Callback::new(move |()| confirming.set(None)) />
        })}
    }
}

/// "Mark the incident Resolved?" with what is still open, Confirm and Cancel.
#[component]
fn ConfirmStatus(to: Status, on_confirm: Callback<()>, on_cancel: Callback<()>) -> impl IntoView {
    let board = expect_context::<Board>();
    let open = Memo::new(move |_| {
        board
            .state
            .with(|s| s.as_ref().map(still_open).unwrap_or_default())
    });
    let title = format!("Mark the incident {}?", to.label());
    let consequence = match to {
        Status::Closed => {
            "A closed incident is read-only: nobody can change its board afterwards, and its clocks stop."
        }
        _ => "Resolved means the impact is over; the board stays open for the close-out.",
    };
    view! {
        <Dialog labelled_by="confirm-status-title" described_by="confirm-status-open" class="confirm"
            on_close=on_cancel return_to="strip-status">
            <h2 id="confirm-status-title">{title}</h2>
            <p>{consequence}</p>
            <div id="confirm-status-open">
                {move || open.with(|o| if o.is_empty() {
                    view! { <p class="hint">"Nothing is left open on the board."</p> }.into_any()
                } else {
                    view! { <OpenItems open=o.clone() /> }.into_any()
                })}
            </div>
            <div class="row">
                <button type="button" class="primary" on:click=move |_| on_confirm.run(())>"Confirm"</button>
                <button type="button" class="ghost" data-autofocus on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </Dialog>
    }
}

/// What is still open, by kind.
#[component]
fn OpenItems(open: StillOpen) -> impl IntoView {
    let group = |heading: &'static str, lines: Vec<String>| {
        (!lines.is_empty()).then(|| {
            let label = format!("{heading} ({})", lines.len());
            view! {
                <h3>{label.clone()}</h3>
                <ul aria-label=label>
                    {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                </ul>
            }
        })
    };
    let count = open.count();
    view! {
        <p class="caution-line">{format!("Still open on the board: {count} item{}.", if count == 1 { "" } else { "s" })}</p>
        {group("Open actions", open.actions)}
        {group("Unticked checklist items", open.checklist_items)}
        {group("Unanswered concerns", open.concerns)}
    }
}

/// A closed board says so, in the strip, in words nobody can miss.
#[component]
pub fn ClosedMark() -> impl IntoView {
    let board = expect_context::<Board>();
    let closed = slice(board, warroom_core::Incident::is_closed);
    view! {
        <Show when=move || closed.get() == Some(true)>
            <strong class="closed-mark" role="status">"CLOSED"</strong>
        </Show>
    }
}
