//! Closed-loop actions: assign (commander, deputy, operations) with a lane and a time box; the
//! assignee reads it back in their own words; the assigner confirms or corrects; then done or
//! cancelled with an outcome. Countdowns tick; overdue actions stand out; the panel warns when
//! nobody is mitigating.
//!
//! Each row watches its own action, keyed by id; readbacks, corrections and outcomes being
//! typed are drafts of the board, so they survive whatever else happens meanwhile.

use leptos::prelude::*;
use warroom_core::{
    Action, ActionId, ActionState, Command, CommandId, Lane, ParticipantId, Role, Status,
};

use crate::board::drafts::{DraftInput, DraftKey, InlineForm, drafts};
use crate::board::{Board, slice};
use crate::clock::{Clock, countdown, utc_time};
use crate::identity::Identity;
use crate::widgets::CommandResult;

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let can_assign = slice(board, move |i| {
        [Role::Commander, Role::Deputy, Role::Operations]
            .iter()
            .any(|r| i.holds(&me, *r))
    });
    let nobody_mitigating = slice(board, |i| {
        i.status < Status::Mitigated && i.mitigating_actions().next().is_none()
    });
    view! {
        <section class="panel actions" aria-labelledby="actions-h">
            <h2 id="actions-h">"Actions"</h2>
            <Show when=move || nobody_mitigating.get() == Some(true)>
                <p class="caution-line" role="status">
                    "⚠ Nobody is mitigating: no open action in the mitigate lane."
                </p>
            </Show>
            <Show when=move || can_assign.get() == Some(true) && !board.read_only.get()>
                <AssignForm />
            </Show>
            <ul class="action-list">
                <For each=move || board.actions.ids() key=|id| *id let:id>
                    <ActionRow id=id />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn AssignForm() -> impl IntoView {
    let board = expect_context::<Board>();
    let people = slice(board, |i| {
        i.participants
            .iter()
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect::<Vec<_>>()
    });
    let to = RwSignal::new(None::<ParticipantId>);
    let text = drafts().get(DraftKey::AssignAction);
    let lane = RwSignal::new(Lane::Mitigate);
    let minutes = RwSignal::new(String::from("15"));
    let error = RwSignal::new(None::<&'static str>);
    let last = RwSignal::new(None::<CommandId>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(assignee) = to.get_untracked() else {
            error.set(Some("Choose who does it."));
            return;
        };
        let minutes = minutes.get_untracked();
        let minutes = if minutes.trim().is_empty() {
            None
        } else {
            match minutes.trim().parse::<u32>() {
                Ok(m) => Some(m),
                Err(_) => {
                    error.set(Some("The time box is a whole number of minutes."));
                    return;
                }
            }
        };
        error.set(None);
        last.set(board.submit(Command::AssignAction {
            to: assignee,
            text: text.get_untracked(),
            lane: lane.get_untracked(),
            minutes,
        }));
        text.set(String::new());
    };
    view! {
        <form class="assign-form" on:submit=submit aria-label="Assign an action">
            <div class="field">
                <label for="assign-to">"Assign to"</label>
                <select id="assign-to" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    to.set(people.get_untracked().unwrap_or_default().into_iter().find(|(id, _)| id.as_str() == v).map(|(id, _)| id));
                }>
                    <option value="" selected=move || to.get().is_none()>"Choose…"</option>
                    {move || people.get().unwrap_or_default().into_iter().map(|(id, name)| {
                        view! { <option value=id.to_string()>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field grow">
                <label for="assign-text">"Action"</label>
                <DraftInput draft=text id="assign-text" required=true placeholder="Roll back deploy 4711" />
            </div>
            <div class="field">
                <label for="assign-lane">"Lane"</label>
                <select id="assign-lane" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if let Some(l) = Lane::ALL.into_iter().find(|l| l.label() == v) { lane.set(l); }
                }>
                    {Lane::ALL.into_iter().map(|l| view! {
                        <option value=l.label() selected=move || lane.get() == l>{l.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field narrow-field">
                <label for="assign-minutes">"Time box (min)"</label>
                <input id="assign-minutes" inputmode="numeric" prop:value=move || minutes.get()
                    on:input=move |ev| minutes.set(event_target_value(&ev)) />
            </div>
            <button type="submit" class="primary">"Assign"</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <CommandResult id=last />
        </form>
    }
}

pub(crate) fn state_words(state: ActionState) -> &'static str {
    match state {
        ActionState::AwaitingReadback => "awaiting readback",
        ActionState::ReadBack => "readback to confirm",
        ActionState::InProgress => "in progress",
        ActionState::Done => "done",
        ActionState::Cancelled => "cancelled",
    }
}

/// One action, redrawn when it changes; what is typed into it is kept in the board's drafts.
#[component]
fn ActionRow(id: ActionId) -> impl IntoView {
    let board = expect_context::<Board>();
    let action = board.actions.watch(&board, id);
    let last = RwSignal::new(None::<CommandId>);
    // Which form is open belongs to the row, not to the body that a remote change redraws.
    let open = OpenForm {
        closing: RwSignal::new(None),
        correcting: RwSignal::new(false),
    };
    view! {
        {move || action.get().map(|a| view! { <ActionBody id=id action=a last=last open=open /> })}
    }
}

/// The forms an action row may have open.
#[derive(Clone, Copy)]
struct OpenForm {
    closing: RwSignal<Option<Closing>>,
    correcting: RwSignal<bool>,
}

#[component]
fn ActionBody(
    id: ActionId,
    action: Action,
    last: RwSignal<Option<CommandId>>,
    open: OpenForm,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let drafts = drafts();
    let me = identity.participant();
    let mine = action.assignee == me;
    let i_assigned = action.assigner == me;
    let commander = slice(board, {
        let me = me.clone();
        move |i| i.holds(&me, Role::Commander)
    });
    let can_close_loop = move || i_assigned || commander.get() == Some(true);
    let state = action.state;
    let due = action.due_at;
    let overdue =
        Memo::new(move |_| state.is_open() && due.is_some_and(|d| super::now_on(board, clock) > d));
    let OpenForm {
        closing,
        correcting,
    } = open;
    let readback = drafts.get(DraftKey::Readback(id));
    let correction = drafts.get(DraftKey::Correction(id));
    let outcome = drafts.get(DraftKey::CloseAction(id));
    let lane_class = format!("lane lane-{}", action.lane.label().to_lowercase());
    let (assignee, assigner) = (action.assignee.clone(), action.assigner.clone());
    view! {
        <li id=format!("action-{id}") class="action" class:overdue=move || overdue.get() class:closed=!state.is_open()
            aria-label=format!("Action {id}: {}", action.text)>
            <div class="action-head">
                <span class=lane_class>{action.lane.label()}</span>
                <span class="action-text">{action.text.clone()}</span>
            </div>
            <div class="action-meta">
                <span>{move || format!("{} ← {}", board.name_of(&assignee), board.name_of(&assigner))}</span>
                <span class="badge">{state_words(state)}</span>
                {due.filter(|_| state.is_open()).map(|d| view! {
                    <span class="mono countdown" class:overdue=move || overdue.get()>
                        {move || {
                            let left = (d - super::now_on(board, clock)).num_seconds();
                            if left < 0 { format!("OVERDUE {}", countdown(-left)) } else { format!("due in {}", countdown(left)) }
                        }}
                    </span>
                })}
            </div>
            {action.readback.clone().map(|r| view! { <p class="readback">"Read back: “" {r} "”"</p> })}
            {(!action.corrections.is_empty()).then(|| view! {
                <p class="correction">{format!("Corrected: {}", action.corrections.join(" · "))}</p>
            })}
            {action.outcome.clone().map(|o| view! {
                <p class="outcome">{format!("{}: {o}", if state == ActionState::Done { "Outcome" } else { "Cancelled" })}
                {action.closed_at.map(|t| format!(" ({})", utc_time(t)))}</p>
            })}
            <Show when=move || !board.read_only.get()>
            // The assignee reads it back in their own words.
            {(mine && state == ActionState::AwaitingReadback).then(|| view! {
                <InlineForm id=format!("readback-{id}") label="Read it back in your own words" draft=readback
                    submit="Read back" submit_class="primary"
                    on_submit=Callback::new(move |readback| last.set(board.submit(Command::ReadBackAction { action: id, readback }))) />
            })}
            // The assigner hears the readback.
            {(state == ActionState::ReadBack).then(|| view! {
                <Show when=can_close_loop>
                    <div class="row">
                        <button type="button" class="primary" on:click=move |_| last.set(board.submit(Command::ConfirmReadback { action: id }))>
                            "Confirm readback"
                        </button>
                        <button type="button" class="ghost" on:click=move |_| correcting.set(true)>"Correct"</button>
                    </div>
                    <Show when=move || correcting.get()>
                        <InlineForm id=format!("correct-{id}") label="Correction" draft=correction submit="Send correction"
                            on_submit=Callback::new(move |correction| {
                                last.set(board.submit(Command::CorrectReadback { action: id, correction }));
                                correcting.set(false);
                            }) />
                    </Show>
                </Show>
            })}
            {(state == ActionState::InProgress).then(|| view! {
                <Show when=move || mine || can_close_loop()>
                    <button type="button" on:click=move |_| closing.set(Some(Closing::Done))>"Done"</button>
                </Show>
            })}
            {state.is_open().then(|| view! {
                <Show when=can_close_loop>
                    <button type="button" class="ghost small" on:click=move |_| closing.set(Some(Closing::Cancel))>"Cancel action"</button>
                </Show>
            })}
            {move || closing.get().map(|how| view! {
                <InlineForm id=format!("close-{id}") draft=outcome
                    label=if how == Closing::Done { "Outcome" } else { "Why cancel it?" }
                    submit=if how == Closing::Done { "Mark done" } else { "Cancel it" }
                    on_submit=Callback::new(move |text| {
                        let command = match how {
                            Closing::Done => Command::CompleteAction { action: id, outcome: text },
                            Closing::Cancel => Command::CancelAction { action: id, reason: text },
                        };
                        last.set(board.submit(command));
                        closing.set(None);
                    }) />
            })}
            </Show>
            <CommandResult id=last />
        </li>
    }
}

/// How an open action is being closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    Done,
    Cancel,
}
