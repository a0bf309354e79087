//! The positive exchange, as people see it.
//!
//! 1. The holder picks a present participant and, for command, reviews the brief drafted from
//!    the board ([`HandoffDialog`]).
//! 2. The recipient gets an unmissable prompt — "<name> is handing you COMMAND" — with the
//!    brief and two buttons, *I have control* and *Decline* ([`IncomingOffer`]).
//! 3. The offerer sees "<name> says: I have control" and the button *You have control*
//!    ([`OutgoingOffer`]); only then does the role move, and every screen announces it (in
//!    the board's notice area, `notices`).
//!
//! The prompts of steps 2 and 3 arrive unasked, so they are not modal and never move focus:
//! answering is a deliberate click (or Tab to the button and a press), never the Enter of
//! whatever the person was typing. The dialog of step 1, which the person opened, is a
//! [`Dialog`].

use leptos::prelude::*;
use warroom_core::templates::TRANSFER_OF_COMMAND;
use warroom_core::{Command, CommandId, HandoffBrief, ParticipantId, Role, draft_brief};

use crate::board::drafts::DraftInput;
use crate::board::{Board, slice};
use crate::clock::Clock;
use crate::identity::Identity;
use crate::sync::Session;
use crate::widgets::CommandResult;
use crate::widgets::dialog::Dialog;

fn role_words(role: Role) -> &'static str {
    match role {
        Role::Commander => "COMMAND",
        Role::Deputy => "DEPUTY",
        Role::Operations => "OPERATIONS",
        Role::Communications => "COMMUNICATIONS",
        Role::Scribe => "SCRIBE",
    }
}

/// Step 1: choose who takes `role` and, for command, review the brief.
#[component]
pub fn HandoffDialog(
    /// The role being handed over.
    role: Role,
    /// Called when the dialog should close.
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let candidates = Memo::new(move |_| {
        let present = session.present.get();
        session.state.with(|s| {
            s.as_ref().map_or_else(Vec::new, |i| {
                present
                    .iter()
                    .filter(|p| **p != me)
                    .filter(|p| !(role == Role::Deputy && i.holds(p, Role::Commander)))
                    .map(|p| (p.clone(), i.name_of(p).to_owned()))
                    .collect::<Vec<_>>()
            })
        })
    });
    let to = RwSignal::new(None::<ParticipantId>);
    let brief = RwSignal::new(
        session
            .state
            .with_untracked(|s| s.as_ref().map(|i| draft_brief(i, clock.now())))
            .unwrap_or_default(),
    );
    let last = RwSignal::new(None::<CommandId>);
    // Close as soon as the offer is on the board.
    let offered = slice(board, move |i| i.offers.get(&role).map(|o| o.from.clone()));
    let close_when_offered = on_close.clone();
    Effect::new(move |_| {
        if offered
            .get()
            .flatten()
            .is_some_and(|from| from == identity.participant())
        {
            close_when_offered();
        }
    });
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(recipient) = to.get_untracked() else {
            return;
        };
        let brief = (role == Role::Commander).then(|| brief.get_untracked());
        last.set(Some(session.submit(Command::OfferRole {
            role,
            to: recipient,
            brief,
        })));
    };
    let cancel = on_close.clone();
    let title_id = "handoff-title";
    // Once offered, the "Hand over" button that opened the dialog is gone: focus goes to the
    // role's row, which now says the offer is out.
    let return_to = format!("role-{}", role.label().to_lowercase());
    view! {
        <Dialog labelled_by=title_id on_close=Callback::new(move |()| on_close()) return_to=return_to>
                <h2 id=title_id>{format!("Hand over {}", role_words(role))}</h2>
                <form class="stack" on:submit=submit>
                    <label for="handoff-to">"To (connected people only)"</label>
                    <select id="handoff-to" required on:change=move |ev| {
                        let v = event_target_value(&ev);
                        to.set(candidates.get_untracked().into_iter().find(|(id, _)| id.as_str() == v).map(|(id, _)| id));
                    }>
                        <option value="" selected=move || to.get().is_none()>"Choose…"</option>
                        {move || candidates.get().into_iter().map(|(id, name)| {
                            let value = id.to_string();
                            view! { <option value=value>{name}</option> }
                        }).collect_view()}
                    </select>
                    {move || candidates.with(Vec::is_empty).then(|| view! {
                        <p class="hint">"Nobody else is connected. A role can only be handed to someone who is present."</p>
                    })}
                    {(role == Role::Commander).then(|| view! { <BriefEditor brief=brief /> })}
                    <div class="row">
                        <button type="submit" class="primary" disabled=move || to.get().is_none()>
                            {format!("Offer {}", role_words(role))}
                        </button>
                        <button type="button" class="ghost" on:click=move |_| cancel()>"Cancel"</button>
                    </div>
                    <CommandResult id=last />
                </form>
        </Dialog>
    }
}

/// The five parts of the handoff brief, drafted from the board and editable.
#[component]
fn BriefEditor(brief: RwSignal<HandoffBrief>) -> impl IntoView {
    let field = move |key: &'static str,
                      label: &'static str,
                      get: fn(&HandoffBrief) -> &String,
                      set: fn(&mut HandoffBrief, String)| {
        let id = format!("brief-{key}");
        view! {
            <label for=id.clone()>{label}</label>
            <textarea id=id rows="3"
                prop:value=move || brief.with(|b| get(b).clone())
                on:input=move |ev| { let v = event_target_value(&ev); brief.update(|b| set(b, v)); }
            ></textarea>
        }
    };
    view! {
        <fieldset class="brief">
            <legend>"Handoff brief (drafted from the board — review and correct)"</legend>
            {field("situation", "Situation", |b| &b.situation, |b, v| b.situation = v)}
            {field("objectives", "Objectives and priorities", |b| &b.objectives, |b, v| b.objectives = v)}
            {field("actions", "Actions in progress", |b| &b.actions, |b, v| b.actions = v)}
            {field("hazards", "Hazards and constraints", |b| &b.hazards, |b, v| b.hazards = v)}
            {field("communications", "Communications", |b| &b.communications, |b, v| b.communications = v)}
        </fieldset>
    }
}

/// A brief, read-only.
#[component]
fn BriefView(brief: HandoffBrief) -> impl IntoView {
    view! {
        <dl class="brief-view">
            {brief.parts().into_iter().map(|(heading, text)| view! {
                <dt>{heading}</dt>
                <dd>{text.to_owned()}</dd>
            }).collect_view()}
        </dl>
    }
}

/// Step 2, for the recipient: the unmissable prompt.
#[component]
pub fn IncomingOffer() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let offer = slice(board, move |i| {
        i.offers.iter().find(|(_, o)| o.to == me).map(|(role, o)| {
            (
                *role,
                i.name_of(&o.from).to_owned(),
                o.brief.clone(),
                o.accepted_at.is_some(),
            )
        })
    });
    let last = RwSignal::new(None::<CommandId>);
    let declining = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    view! {
        {move || offer.get().flatten().map(|(role, from, brief, accepted)| {
            if accepted {
                view! {
                    <div class="handoff-banner" role="status">
                        {format!("You said \"I have control\". Waiting for {from} to confirm \"You have control\" — until then {from} still holds {}.", role.label())}
                    </div>
                }.into_any()
            } else {
                let title = format!("{from} is handing you {}", role_words(role));
                view! {
                    // Not modal, and it takes no focus: whatever the person was typing stays
                    // theirs (an Enter meant for a note must never answer the offer). Only a
                    // click — or Tab to the button and a deliberate press — answers it.
                    <section id="offer-prompt" class="handoff-banner incoming offer-prompt" role="region" aria-labelledby="offer-title" aria-describedby="offer-brief">
                        <p class="sr-only" role="alert">{format!("{title}. Answer with I have control or Decline.")}</p>
                            <h2 id="offer-title">{title}</h2>
                            <div id="offer-brief" class="offer-brief">
                                {brief.map(|b| view! { <BriefView brief=b /> })}
                            </div>
                            <Show when=move || !declining.get()>
                                <p class="hint">"Answer with a click: the keyboard stays where you were typing."</p>
                                <div class="row">
                                    <button type="button" class="primary big"
                                        on:click=move |_| last.set(Some(session.submit(Command::AcceptRole { role })))>
                                        "I have control"
                                    </button>
                                    <button type="button" class="ghost big" on:click=move |_| declining.set(true)>"Decline"</button>
                                </div>
                            </Show>
                            <Show when=move || declining.get()>
                                <form class="stack" on:submit=move |ev: web_sys::SubmitEvent| {
                                    ev.prevent_default();
                                    last.set(Some(session.submit(Command::DeclineRole { role, reason: reason.get_untracked() })));
                                    declining.set(false);
                                    reason.set(String::new());
                                }>
                                    <label for="decline-reason">"Why are you declining?"</label>
                                    <DraftInput draft=reason id="decline-reason" required=true />
                                    <div class="row">
                                        <button type="submit" class="warn">"Decline"</button>
                                        <button type="button" class="ghost" on:click=move |_| declining.set(false)>"Back"</button>
                                    </div>
                                </form>
                            </Show>
                            <CommandResult id=last />
                    </section>
                }.into_any()
            }
        })}
    }
}

/// Step 3, for the offerer: waiting, then "<name> says: I have control" and *You have control*.
#[component]
pub fn OutgoingOffer() -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let offers = slice(board, move |i| {
        i.offers
            .iter()
            .filter(|(_, o)| o.from == me)
            .map(|(role, o)| (*role, i.name_of(&o.to).to_owned(), o.accepted_at.is_some()))
            .collect::<Vec<_>>()
    });
    // One open offer per role: the rows are keyed by it and each reads its own offer.
    let roles =
        Memo::new(move |_| offers.with(|o| o.iter().flatten().map(|o| o.0).collect::<Vec<_>>()));
    view! {
        <For each=move || roles.get() key=|role| *role let:role>
            <OutgoingRow role=role offers=offers />
        </For>
    }
}

/// The offer of `role`, read from the offerer's open offers; nothing once it has gone.
#[component]
fn OutgoingRow(role: Role, offers: Memo<Option<Vec<(Role, String, bool)>>>) -> impl IntoView {
    let offer = Memo::new(move |_| {
        offers.with(|o| {
            o.iter()
                .flatten()
                .find(|o| o.0 == role)
                .map(|o| (o.1.clone(), o.2))
        })
    });
    // The banner is drawn again only when an offer comes or goes, not when it changes.
    let present = Memo::new(move |_| offer.with(Option::is_some));
    move || {
        present.get().then(|| {
            let to = Memo::new(move |_| {
                offer
                    .with(|o| o.as_ref().map(|o| o.0.clone()))
                    .unwrap_or_default()
            });
            let accepted = Memo::new(move |_| offer.with(|o| o.as_ref().is_some_and(|o| o.1)));
            view! { <OutgoingBanner role=role to=to accepted=accepted /> }
        })
    }
}

#[component]
fn OutgoingBanner(role: Role, to: Memo<String>, accepted: Memo<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let last = RwSignal::new(None::<CommandId>);
    let cancel = move |_| last.set(Some(session.submit(Command::CancelOffer { role })));
    view! {
        <div id=format!("handover-{}", role.label().to_lowercase()) class="handoff-banner outgoing" class:accepted=move || accepted.get() role="region" aria-label=format!("Handover of {}", role.label())>
            {move || if accepted.get() {
                view! {
                    <p class="handoff-says" role="alert">{move || format!("{} says: I have control", to.get())}</p>
                    <p class="hint">"Confirm with a click: the keyboard stays where you were typing."</p>
                    <div class="row">
                        <button type="button" class="primary big"
                            on:click=move |_| last.set(Some(session.submit(Command::ConfirmHandover { role })))>
                            "You have control"
                        </button>
                        <button type="button" class="ghost" on:click=cancel>"Cancel handover"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p>{move || format!("Waiting for {} to accept {}…", to.get(), role_words(role))}</p>
                    <button type="button" class="ghost" on:click=cancel>"Cancel offer"</button>
                }.into_any()
            }}
            {(role == Role::Commander).then(|| view! { <TransferChecklistOffer /> })}
            <CommandResult id=last />
        </div>
    }
}

/// Offers the transfer-of-command checklist while a command handoff is under way, unless one
/// is already open.
#[component]
fn TransferChecklistOffer() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let open = slice(board, |i| {
        i.checklists
            .values()
            .any(|c| c.template.as_deref() == Some(TRANSFER_OF_COMMAND) && !c.is_complete())
    });
    let last = RwSignal::new(None::<CommandId>);
    view! {
        <Show when=move || open.get() == Some(false)>
            <button type="button" class="small" on:click=move |_| last.set(Some(session.submit(
                Command::StartChecklist { template: TRANSFER_OF_COMMAND.to_owned() },
            )))>
                "Run the transfer-of-command checklist"
            </button>
        </Show>
        <CommandResult id=last />
    }
}
