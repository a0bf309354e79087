//! The crew panel: every role, who holds it, whether they are connected, offers in flight,
//! and the controls that apply to you — hand over, release, claim a vacant role, or assume one
//! whose holder is not connected. Below it, everyone who ever joined.

use leptos::prelude::*;
use warroom_core::{Command, CommandId, Incident, ParticipantId, Role};

use crate::board::access::AccessSection;
use crate::board::drafts::{DraftKey, InlineForm, drafts};
use crate::board::handoff::HandoffDialog;
use crate::board::{Board, slice};
use crate::clock::utc_time;
use crate::identity::Identity;
use crate::widgets::CommandResult;

/// One role as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RoleView {
    role: Role,
    holder: Option<(ParticipantId, String)>,
    since: Option<warroom_core::Timestamp>,
    /// (recipient name, accepted?)
    offer: Option<(String, bool)>,
}

fn role_of(incident: &Incident, role: Role) -> RoleView {
    let tenure = incident.tenure(role);
    RoleView {
        role,
        holder: tenure.map(|t| (t.holder.clone(), incident.name_of(&t.holder).to_owned())),
        since: tenure.map(|t| t.since),
        offer: incident
            .offers
            .get(&role)
            .map(|o| (incident.name_of(&o.to).to_owned(), o.accepted_at.is_some())),
    }
}

#[component]
pub fn CrewPanel() -> impl IntoView {
    let board = expect_context::<Board>();
    let people = slice(board, |i| {
        i.participants.keys().cloned().collect::<Vec<_>>()
    });
    // The role being handed over from this browser, if the dialog is open.
    let handing = RwSignal::new(None::<Role>);
    view! {
        <section class="panel crew" aria-labelledby="crew-h">
            <h2 id="crew-h">"Crew"</h2>
            <ul class="roles">
                <For each=move || Role::ALL key=|r| *r let:role>
                    <RoleSlot role=role handing=handing />
                </For>
            </ul>
            <h3 id="people-h">"People"</h3>
            <ul class="people" aria-labelledby="people-h">
                <For each=move || people.get().unwrap_or_default() key=|id| id.clone() let:id>
                    <PersonRow id=id />
                </For>
            </ul>
            {move || handing.get().map(|role| view! { <HandoffDialog role=role on_close=move || handing.set(None) /> })}
            {board.session.is_some().then(|| view! { <AccessSection /> })}
            {board.session.is_some().then(|| view! { <crate::board::sterile::DisciplineControls /> })}
        </section>
    }
}

/// Someone who joined: their name, their roles and, on the live board, whether they are
/// connected.
#[component]
fn PersonRow(id: ParticipantId) -> impl IntoView {
    let board = expect_context::<Board>();
    let mine = use_context::<Identity>().is_some_and(|me| me.participant() == id);
    let person = {
        let id = id.clone();
        slice(board, move |i| {
            let roles: Vec<&'static str> = i.roles_of(&id).iter().map(|r| r.label()).collect();
            (i.name_of(&id).to_owned(), roles.join(", "))
        })
    };
    let here = Memo::new(move |_| {
        board
            .session
            .is_some_and(|s| s.present.with(|p| p.contains(&id)))
    });
    let live = board.session.is_some();
    view! {
        <li class:present=move || here.get()>
            {live.then(|| view! {
                <span class="presence" aria-hidden="true">{move || if here.get() { "●" } else { "○" }}</span>
            })}
            <span class="person-name">{move || person.get().map(|p| p.0)}</span>
            {mine.then(|| view! { " " <span class="badge you">"you"</span> })}
            {live.then(|| view! {
                <span class="sr-only">{move || if here.get() { " (connected)" } else { " (not connected)" }}</span>
            })}
            {move || person.get().filter(|p| !p.1.is_empty()).map(|p| view! { <span class="person-roles">{p.1}</span> })}
        </li>
    }
}

/// One role, redrawn when its holder or its offer changes.
#[component]
fn RoleSlot(role: Role, handing: RwSignal<Option<Role>>) -> impl IntoView {
    let board = expect_context::<Board>();
    let view = slice(board, move |i| role_of(i, role));
    move || {
        view.get()
            .map(|v| view! { <RoleRow view=v handing=handing /> })
    }
}

#[component]
fn RoleRow(view: RoleView, handing: RwSignal<Option<Role>>) -> impl IntoView {
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let role = view.role;
    let mine = view.holder.as_ref().is_some_and(|(h, _)| *h == me);
    let holder_id = view.holder.as_ref().map(|(h, _)| h.clone());
    let holder_present = {
        let holder_id = holder_id.clone();
        // A replayed board knows nothing of who was connected.
        Memo::new(move |_| {
            holder_id
                .as_ref()
                .is_some_and(|h| board.session.is_none_or(|s| !s.is_absent(h)))
        })
    };
    let last = RwSignal::new(None::<CommandId>);
    let assuming = RwSignal::new(false);
    let reason = drafts().get(DraftKey::AssumeRole(role));
    let live = board.session.is_some();
    let vacant = view.holder.is_none();
    let offered = view.offer.is_some();
    let label = role.label();
    let row_id = format!("role-{}", label.to_lowercase());
    view! {
        <li class="role-row" class:role-command=role == Role::Commander aria-labelledby=row_id>
            <div class="role-head">
                <span class="role-name" id=row_id.clone()>{label}</span>
                {match view.holder.clone() {
                    Some((_, name)) => view! {
                        <span class="holder" class:absent=move || !holder_present.get()>
                            {live.then(|| view! {
                                <span aria-hidden="true">{move || if holder_present.get() { "● " } else { "○ " }}</span>
                            })}
                            {name}
                            {mine.then(|| view! { " " <span class="badge you">"you"</span> })}
                            {live.then(|| view! {
                                <span class="presence-text">{move || if holder_present.get() { " — connected" } else { " — not connected" }}</span>
                            })}
                        </span>
                    }.into_any(),
                    None => view! { <span class="holder vacant">"vacant"</span> }.into_any(),
                }}
                {view.since.map(|s| view! { <span class="since mono" title="Held since">{format!("since {}", utc_time(s))}</span> })}
            </div>
            {view.offer.clone().map(|(to, accepted)| view! {
                <div class="offer-line">
                    {if accepted { format!("{to} has said \"I have control\" — awaiting confirmation") } else { format!("Offered to {to} — waiting for an answer") }}
                </div>
            })}
            <Show when=move || !board.read_only.get()>
            <div class="role-actions">
                {(mine && !offered).then(|| view! {
                    <button type="button" on:click=move |_| handing.set(Some(role))>
                        {format!("Hand over {label}")}
                    </button>
                })}
                {(mine && role != Role::Commander).then(|| view! {
                    <button type="button" class="ghost" on:click=move |_| last.set(board.submit(Command::ReleaseRole { role }))>
                        {format!("Release {label}")}
                    </button>
                })}
                {(vacant && role != Role::Commander).then(|| view! {
                    <button type="button" on:click=move |_| last.set(board.submit(Command::ClaimRole { role }))>
                        {format!("Claim {label}")}
                    </button>
                })}
                {(!vacant && !mine).then(|| view! {
                    <Show when=move || !holder_present.get()>
                        <button type="button" class="warn" on:click=move |_| assuming.set(true)>
                            {format!("Assume {label}")}
                        </button>
                    </Show>
                })}
            </div>
            </Show>
            <Show when=move || assuming.get() && !board.read_only.get()>
                <InlineForm id=format!("assume-{}", label.to_lowercase()) label=format!("Why are you assuming {label}?")
                    draft=reason placeholder="Commander's laptop went dark; no answer on the phone"
                    submit=format!("Assume {label} now") submit_class="warn"
                    on_submit=Callback::new(move |reason| {
                        last.set(board.submit(Command::AssumeRole { role, reason }));
                        assuming.set(false);
                    })
                    on_cancel=Callback::new(move |()| assuming.set(false)) />
            </Show>
            <CommandResult id=last />
        </li>
    }
}
