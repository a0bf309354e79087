//! The crew panel: every role, who holds it, whether they are connected, offers in flight,
//! and the controls that apply to you — hand over, release, claim a vacant role, or assume one
//! whose holder is not connected. Below it, everyone who ever joined.

use leptos::prelude::*;
use warroom_core::{Command, CommandId, Incident, ParticipantId, Role};

use crate::board::access::AccessSection;
use crate::board::handoff::HandoffDialog;
use crate::board::slice;
use crate::clock::utc_time;
use crate::identity::Identity;
use crate::sync::Session;
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

fn roles_of(incident: &Incident) -> Vec<RoleView> {
    Role::ALL
        .into_iter()
        .map(|role| {
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
        })
        .collect()
}

#[component]
pub fn CrewPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let roles = slice(session, roles_of);
    let people = slice(session, |i| {
        i.participants
            .iter()
            .map(|(id, p)| {
                let roles: Vec<&'static str> = i.roles_of(id).iter().map(|r| r.label()).collect();
                (id.clone(), p.name.clone(), roles.join(", "))
            })
            .collect::<Vec<_>>()
    });
    // The role being handed over from this browser, if the dialog is open.
    let handing = RwSignal::new(None::<Role>);
    view! {
        <section class="panel crew" aria-labelledby="crew-h">
            <h2 id="crew-h">"Crew"</h2>
            <ul class="roles">
                <For
                    each=move || roles.get().unwrap_or_default()
                    key=|r| r.clone()
                    children=move |r| view! { <RoleRow view=r handing=handing /> }
                />
            </ul>
            <h3>"People"</h3>
            <ul class="people">
                <For
                    each=move || people.get().unwrap_or_default()
                    key=|p| p.clone()
                    children=move |(id, name, roles)| {
                        let id2 = id.clone();
                        let here = Memo::new(move |_| session.present.with(|p| p.contains(&id2)));
                        view! {
                            <li class:present=move || here.get()>
                                <span class="presence" aria-hidden="true">{move || if here.get() { "●" } else { "○" }}</span>
                                <span class="person-name">{name}</span>
                                <span class="sr-only">{move || if here.get() { " (connected)" } else { " (not connected)" }}</span>
                                {(!roles.is_empty()).then(|| view! { <span class="person-roles">{roles}</span> })}
                            </li>
                        }
                    }
                />
            </ul>
            {move || handing.get().map(|role| view! { <HandoffDialog role=role on_close=move || handing.set(None) /> })}
            <AccessSection />
        </section>
    }
}

#[component]
fn RoleRow(view: RoleView, handing: RwSignal<Option<Role>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let role = view.role;
    let mine = view.holder.as_ref().is_some_and(|(h, _)| *h == me);
    let holder_id = view.holder.as_ref().map(|(h, _)| h.clone());
    let holder_present = {
        let holder_id = holder_id.clone();
        Memo::new(move |_| holder_id.as_ref().is_some_and(|h| !session.is_absent(h)))
    };
    let last = RwSignal::new(None::<CommandId>);
    let assuming = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
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
                            <span aria-hidden="true">{move || if holder_present.get() { "● " } else { "○ " }}</span>
                            {name}
                            <span class="presence-text">{move || if holder_present.get() { " — connected" } else { " — not connected" }}</span>
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
            <Show when=move || !session.read_only.get()>
            <div class="role-actions">
                {(mine && !offered).then(|| view! {
                    <button type="button" on:click=move |_| handing.set(Some(role))>
                        {format!("Hand over {label}")}
                    </button>
                })}
                {(mine && role != Role::Commander).then(|| view! {
                    <button type="button" class="ghost" on:click=move |_| last.set(Some(session.submit(Command::ReleaseRole { role })))>
                        {format!("Release {label}")}
                    </button>
                })}
                {(vacant && role != Role::Commander).then(|| view! {
                    <button type="button" on:click=move |_| last.set(Some(session.submit(Command::ClaimRole { role })))>
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
            <Show when=move || assuming.get() && !session.read_only.get()>
                <form class="inline-form" on:submit=move |ev: web_sys::SubmitEvent| {
                    ev.prevent_default();
                    last.set(Some(session.submit(Command::AssumeRole { role, reason: reason.get_untracked() })));
                    assuming.set(false);
                    reason.set(String::new());
                }>
                    <label for=format!("assume-{}", label.to_lowercase())>{format!("Why are you assuming {label}?")}</label>
                    <input id=format!("assume-{}", label.to_lowercase()) required
                        placeholder="Commander's laptop went dark; no answer on the phone"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <button type="submit" class="warn">{format!("Assume {label} now")}</button>
                    <button type="button" class="ghost" on:click=move |_| assuming.set(false)>"Cancel"</button>
                </form>
            </Show>
            <CommandResult id=last />
        </li>
    }
}
