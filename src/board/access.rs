//! Who may see the incident, in the crew panel: open to everyone signed in, or restricted to
//! its members (listed). The commander restricts it, makes invitation links (restricted
//! incidents) and read-only observer links, sees the links still in force and revokes them,
//! and removes members who hold no role.
//!
//! A link's address carries its secret token and is shown once, right after it is made: the
//! board knows only the link's number, kind and expiry.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::{Command, CommandId, LinkId, LinkKind, ParticipantId, Role, Timestamp};
use wasm_bindgen::JsCast;

use crate::api::{self, LinkMade};
use crate::board::{Board, slice};
use crate::clock::Clock;
use crate::identity::Identity;
use crate::sync::Session;
use crate::widgets::CommandResult;

/// How long a new link lasts: the choices offered, in hours.
const DURATIONS: [(u32, &str); 4] = [(1, "1 h"), (8, "8 h"), (24, "24 h"), (168, "7 days")];

/// A link still in force, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LinkView {
    id: LinkId,
    kind: LinkKind,
    expires_at: Timestamp,
    created_by: String,
}

/// `Observer link 2`, `Invitation 1`.
fn link_title(kind: LinkKind, id: LinkId) -> String {
    match kind {
        LinkKind::Invite => format!("Invitation {id}"),
        LinkKind::Observe => format!("Observer link {id}"),
    }
}

/// `until 14:05Z on 2 Dec`.
fn until(at: Timestamp) -> String {
    format!(
        "until {}Z on {}",
        warroom_core::time::hh_mm(at),
        warroom_core::time::day_month(at)
    )
}

#[component]
pub fn AccessSection() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let me = identity.participant();
    let restricted = slice(board, |i| i.access.restricted);
    let members = slice(board, |i| {
        i.access.members.iter().cloned().collect::<Vec<_>>()
    });
    let commander = slice(board, move |i| i.holds(&me, Role::Commander));
    let manages = Memo::new(move |_| commander.get() == Some(true) && !session.read_only.get());
    let made = RwSignal::new(None::<LinkMade>);
    let state_line = move || match (restricted.get(), members.with(|m| m.as_ref().map(Vec::len))) {
        (Some(true), Some(n)) => {
            format!("Restricted to {n} member{}", if n == 1 { "" } else { "s" })
        }
        _ => "Open to everyone signed in".to_owned(),
    };
    view! {
        <section class="access" aria-labelledby="access-h">
            <h3 id="access-h">"Access"</h3>
            <p class="access-state" class:restricted=move || restricted.get() == Some(true)>{state_line}</p>
            <Show when=move || restricted.get() == Some(true)>
                <ul class="members" aria-label="Members">
                    <For
                        each=move || members.get().unwrap_or_default()
                        key=|p| p.clone()
                        children=move |p| view! { <MemberRow participant=p manages=manages /> }
                    />
                </ul>
            </Show>
            <Show when=move || manages.get()>
                <Show when=move || restricted.get() == Some(false)>
                    <Restrict />
                </Show>
                <div class="link-makers">
                    <Show when=move || restricted.get() == Some(true)>
                        <LinkMaker kind=LinkKind::Invite made=made />
                    </Show>
                    <LinkMaker kind=LinkKind::Observe made=made />
                </div>
                {move || made.get().map(|m| view! { <MadeLink made=m on_done=move || made.set(None) /> })}
                <ActiveLinks />
            </Show>
        </section>
    }
}

/// A member: their name, and for the commander "Remove" when they hold no role (a role is
/// handed over first).
#[component]
fn MemberRow(participant: ParticipantId, manages: Memo<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let you = participant == identity.participant();
    let who = participant.clone();
    let person = slice(board, move |i| {
        (i.name_of(&who).to_owned(), !i.roles_of(&who).is_empty())
    });
    let name = move || person.get().map(|p| p.0).unwrap_or_default();
    let holds_role = move || person.get().is_some_and(|p| p.1);
    let last = RwSignal::new(None::<CommandId>);
    let remove = move |_| {
        last.set(Some(session.submit(Command::RemoveMember {
            participant: participant.clone(),
        })));
    };
    view! {
        <li class="member">
            <span class="person-name">{name}</span>
            {you.then(|| view! { " " <span class="badge you">"you"</span> })}
            <Show when=move || manages.get() && !holds_role()>
                " "
                <button type="button" class="ghost small" aria-label=move || format!("Remove {}", name())
                    on:click=remove.clone()>
                    "Remove"
                </button>
            </Show>
            <CommandResult id=last />
        </li>
    }
}

/// "Restrict to members", confirmed first: everyone else loses sight of the incident.
#[component]
fn Restrict() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let joined = slice(board, |i| i.participants.len());
    let confirming = RwSignal::new(false);
    let last = RwSignal::new(None::<CommandId>);
    view! {
        <div class="restrict">
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" on:click=move |_| confirming.set(true)>"Restrict to members"</button>
                }
            >
                <p role="alert">
                    {move || {
                        let n = joined.get().unwrap_or_default();
                        format!(
                            "Only the {n} {} who joined will see this incident, its review and its exports; for everyone else it will not exist. Invite others with an invitation link.",
                            if n == 1 { "person" } else { "people" }
                        )
                    }}
                </p>
                <div class="row">
                    <button type="button" class="warn" on:click=move |_| {
                        last.set(Some(session.submit(Command::Restrict)));
                        confirming.set(false);
                    }>"Restrict now"</button>
                    <button type="button" class="ghost" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
            <CommandResult id=last />
        </div>
    }
}

/// How long the link lasts, and the button that makes it (over HTTP: the server makes the
/// token).
#[component]
fn LinkMaker(kind: LinkKind, made: RwSignal<Option<LinkMade>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let hours = RwSignal::new(24u32);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let (what, select_id) = match kind {
        LinkKind::Invite => ("invitation link", "invite-hours"),
        LinkKind::Observe => ("observer link", "observe-hours"),
    };
    let make = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let incident = session.incident.get_value();
        let hours = hours.get_untracked();
        spawn_local(async move {
            match api::create_link(&incident, kind, hours).await {
                Ok(link) => made.set(Some(link)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="link-maker row">
            <label for=select_id>{format!("{} valid for", capitalise(what))}</label>
            <select id=select_id on:change=move |ev| {
                if let Ok(h) = event_target_value(&ev).parse() { hours.set(h); }
            }>
                {DURATIONS.into_iter().map(|(h, label)| view! {
                    <option value=h.to_string() selected=move || hours.get() == h>{label}</option>
                }).collect_view()}
            </select>
            <button type="button" disabled=move || busy.get() on:click=make>
                {format!("Make {what}")}
            </button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The link just made: its whole address, once, ready to copy.
#[component]
fn MadeLink(made: LinkMade, on_done: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let address = format!("{origin}{}", made.url);
    let (label, grants) = match made.kind {
        LinkKind::Invite => (
            "Invitation link",
            "Whoever opens it while signed in becomes a member",
        ),
        LinkKind::Observe => (
            "Observer link",
            "Whoever opens it can watch this board and its review, read-only, without signing in",
        ),
    };
    let input_ref = NodeRef::<html::Input>::new();
    let copied = RwSignal::new(None::<bool>);
    let copy = {
        let address = address.clone();
        move |_| {
            let address = address.clone();
            spawn_local(async move {
                let ok = copy_text(&address).await || select_and_copy(input_ref);
                copied.set(Some(ok));
            });
        }
    };
    view! {
        <div class="made-link stack" role="region" aria-label=format!("New {}", label.to_lowercase())>
            <label for="made-link-address">{label}</label>
            <div class="row">
                <input id="made-link-address" class="mono" type="text" readonly node_ref=input_ref
                    prop:value=address.clone()
                    on:focus=move |_| { if let Some(el) = input_ref.get_untracked() { el.select(); } } />
                <button type="button" class="primary" on:click=copy>"Copy"</button>
                <button type="button" class="ghost" on:click=move |_| on_done()>"Done"</button>
            </div>
            <p class="hint">
                {format!("Shown once: copy it now; Warroom keeps only a fingerprint of it. {grants}, {}, unless you revoke it.", until(made.expires_at))}
            </p>
            {move || copied.get().map(|ok| if ok {
                view! { <p class="hint" role="status">"Copied."</p> }.into_any()
            } else {
                view! { <p class="hint" role="status">"The browser did not let the page copy it: it is selected, press Ctrl+C (⌘C)."</p> }.into_any()
            })}
        </div>
    }
}

/// Copies `text` with the asynchronous clipboard API, where the browser offers it.
async fn copy_text(text: &str) -> bool {
    let Some(clipboard) = js_sys::Reflect::get(&window(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"clipboard".into()))
        .ok()
        .filter(|c| c.is_object())
    else {
        return false;
    };
    let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return false;
    };
    let Ok(promise) = write
        .call1(&clipboard, &text.into())
        .and_then(|p| p.dyn_into::<js_sys::Promise>())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Selects the address (so the person can copy it) and tries the old copy command.
fn select_and_copy(input: NodeRef<html::Input>) -> bool {
    let Some(el) = input.get_untracked() else {
        return false;
    };
    el.select();
    let exec = js_sys::Reflect::get(&document(), &"execCommand".into())
        .and_then(|f| f.dyn_into::<js_sys::Function>());
    exec.and_then(|f| f.call1(&document(), &"copy".into()))
        .is_ok_and(|r| r.as_bool() == Some(true))
}

/// The links still in force, newest first, each with "Revoke".
#[component]
fn ActiveLinks() -> impl IntoView {
    let session = expect_context::<Session>();
    let clock = expect_context::<Clock>();
    let links = Memo::new(move |_| {
        let now = clock.now();
        session.state.with(|s| {
            s.as_ref().map_or_else(Vec::new, |i| {
                i.access
                    .links
                    .iter()
                    .rev()
                    .filter(|(_, l)| !l.revoked && l.expires_at > now)
                    .map(|(id, l)| LinkView {
                        id: *id,
                        kind: l.kind,
                        expires_at: l.expires_at,
                        created_by: i.name_of(&l.created_by).to_owned(),
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    view! {
        <h4>"Links in force"</h4>
        <Show when=move || !links.with(Vec::is_empty) fallback=|| view! { <p class="hint">"None."</p> }>
            <ul class="links" aria-label="Links in force">
                <For each=move || links.get() key=|l| l.id let:l>
                    <LinkRow link=l />
                </For>
            </ul>
        </Show>
    }
}

#[component]
fn LinkRow(link: LinkView) -> impl IntoView {
    let session = expect_context::<Session>();
    let last = RwSignal::new(None::<CommandId>);
    let title = link_title(link.kind, link.id);
    let id = link.id;
    view! {
        <li class="link-row">
            <span class="link-title">{title.clone()}</span>
            " "
            <span class="hint">{format!("{}, made by {}", until(link.expires_at), link.created_by)}</span>
            " "
            <button type="button" class="warn small" aria-label=format!("Revoke {}", title.to_lowercase())
                on:click=move |_| last.set(Some(session.submit(Command::RevokeLink { link: id })))>
                "Revoke"
            </button>
            <CommandResult id=last />
        </li>
    }
}
