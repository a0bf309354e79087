//! Closed-loop actions: assign (commander, deputy, operations) with a lane and a time box; the
//! assignee reads it back in their own words; the assigner confirms or corrects; then done or
//! cancelled with an outcome. Countdowns tick; overdue actions stand out; the panel warns when
//! nobody is mitigating.

use leptos::prelude::*;
use warroom_core::{
    Action, ActionId, ActionState, Command, CommandId, Lane, ParticipantId, Role, Status,
};

use crate::board::slice;
use crate::clock::{Clock, countdown, utc_time};
use crate::identity::Identity;
use crate::sync::Session;
use crate::widgets::CommandResult;

/// An action as the panel shows it.
#[derive(Debug, Clone, PartialEq)]
struct ActionView {
    id: ActionId,
    action: Action,
    assignee: String,
    assigner: String,
}

#[component]
pub fn ActionsPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let actions = slice(session, |i| {
        let mut list: Vec<ActionView> = i
            .actions
            .iter()
            .map(|(id, a)| ActionView {
                id: *id,
                action: a.clone(),
                assignee: i.name_of(&a.assignee).to_owned(),
                assigner: i.name_of(&a.assigner).to_owned(),
            })
            .collect();
        // Open ones first, newest first within each group.
        list.sort_by_key(|a| (!a.action.state.is_open(), std::cmp::Reverse(a.id)));
        list
    });
    let can_assign = slice(session, move |i| {
        [Role::Commander, Role::Deputy, Role::Operations]
            .iter()
            .any(|r| i.holds(&me, *r))
    });
    let nobody_mitigating = slice(session, |i| {
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
            <Show when=move || can_assign.get() == Some(true) && !session.read_only.get()>
                <AssignForm />
            </Show>
            <ul class="action-list">
                <For
                    each=move || actions.get().unwrap_or_default()
                    key=|a| (a.id, a.action.state, a.action.corrections.len())
                    children=move |a| view! { <ActionRow view=a /> }
                />
            </ul>
        </section>
    }
}

#[component]
fn AssignForm() -> impl IntoView {
    let session = expect_context::<Session>();
    let people = slice(session, |i| {
        i.participants
            .iter()
            .map(|(id, p)| (id.clone(), p.name.clone()))
            .collect::<Vec<_>>()
    });
    let to = RwSignal::new(None::<ParticipantId>);
    let text = RwSignal::new(String::new());
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
        last.set(Some(session.submit(Command::AssignAction {
            to: assignee,
            text: text.get_untracked(),
            lane: lane.get_untracked(),
            minutes,
        })));
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
                <input id="assign-text" required placeholder="Roll back deploy 4711"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
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

#[component]
fn ActionRow(view: ActionView) -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let ActionView {
        id,
        action,
        assignee,
        assigner,
    } = view;
    let mine = action.assignee == me;
    let i_assigned = action.assigner == me;
    let commander = slice(session, {
        let me = me.clone();
        move |i| i.holds(&me, Role::Commander)
    });
    let can_close_loop = move || i_assigned || commander.get() == Some(true);
    let state = action.state;
    let due = action.due_at;
    let overdue = Memo::new(move |_| state.is_open() && due.is_some_and(|d| clock.now() > d));
    let last = RwSignal::new(None::<CommandId>);
    let draft = RwSignal::new(String::new());
    let closing = RwSignal::new(None::<bool>); // Some(true) = done, Some(false) = cancel
    let correcting = RwSignal::new(false);
    let lane_class = format!("lane lane-{}", action.lane.label().to_lowercase());
    view! {
        <li class="action" class:overdue=move || overdue.get() class:closed=!state.is_open()
            aria-label=format!("Action {id}: {}", action.text)>
            <div class="action-head">
                <span class=lane_class>{action.lane.label()}</span>
                <span class="action-text">{action.text.clone()}</span>
            </div>
            <div class="action-meta">
                <span>{format!("{assignee} ← {assigner}")}</span>
                <span class="badge">{state_words(state)}</span>
                {due.filter(|_| state.is_open()).map(|d| view! {
                    <span class="mono countdown" class:overdue=move || overdue.get()>
                        {move || {
                            let left = (d - clock.now()).num_seconds();
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
            <Show when=move || !session.read_only.get()>
            // The assignee reads it back in their own words.
            {(mine && state == ActionState::AwaitingReadback).then(|| view! {
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    last.set(Some(session.submit(Command::ReadBackAction { action: id, readback: draft.get_untracked() })));
                }>
                    <label for=format!("readback-{id}")>"Read it back in your own words"</label>
                    <input id=format!("readback-{id}") required prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev)) />
                    <button type="submit" class="primary">"Read back"</button>
                </form>
            })}
            // The assigner hears the readback.
            {(state == ActionState::ReadBack).then(|| view! {
                <Show when=can_close_loop>
                    <div class="row">
                        <button type="button" class="primary" on:click=move |_| last.set(Some(session.submit(Command::ConfirmReadback { action: id })))>
                            "Confirm readback"
                        </button>
                        <button type="button" class="ghost" on:click=move |_| correcting.set(true)>"Correct"</button>
                    </div>
                    <Show when=move || correcting.get()>
                        <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                            ev.prevent_default();
                            last.set(Some(session.submit(Command::CorrectReadback { action: id, correction: draft.get_untracked() })));
                            correcting.set(false);
                        }>
                            <label for=format!("correct-{id}")>"Correction"</label>
                            <input id=format!("correct-{id}") required prop:value=move || draft.get()
                                on:input=move |ev| draft.set(event_target_value(&ev)) />
                            <button type="submit">"Send correction"</button>
                        </form>
                    </Show>
                </Show>
            })}
            {(state == ActionState::InProgress).then(|| view! {
                <Show when=move || mine || can_close_loop()>
                    <button type="button" on:click=move |_| closing.set(Some(true))>"Done"</button>
                </Show>
            })}
            {state.is_open().then(|| view! {
                <Show when=can_close_loop>
                    <button type="button" class="ghost small" on:click=move |_| closing.set(Some(false))>"Cancel action"</button>
                </Show>
            })}
            <Show when=move || closing.get().is_some()>
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    let text = draft.get_untracked();
                    let command = if closing.get_untracked() == Some(true) {
                        Command::CompleteAction { action: id, outcome: text }
                    } else {
                        Command::CancelAction { action: id, reason: text }
                    };
                    last.set(Some(session.submit(command)));
                    closing.set(None);
                }>
                    <label for=format!("close-{id}")>{move || if closing.get() == Some(true) { "Outcome" } else { "Why cancel it?" }}</label>
                    <input id=format!("close-{id}") required prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev)) />
                    <button type="submit">{move || if closing.get() == Some(true) { "Mark done" } else { "Cancel it" }}</button>
                </form>
            </Show>
            </Show>
            <CommandResult id=last />
        </li>
    }
}
