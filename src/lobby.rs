//! The lobby: who you are (change name, sign out), the incidents (active first, exercises
//! apart), and declaring a new one in at most three interactions (title, optionally severity
//! or exercise, Declare) — or recording one after the fact (`after_the_fact.rs`).

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::{IncidentId, Severity};

use crate::api::{self, DeclareRequest, Summary};
use crate::clock::{Clock, t_plus};
use crate::identity::Identity;
use crate::route::{Route, Router};
use crate::widgets::{AppLink, SignInPanel, ThemeToggle};

mod after_the_fact;

/// How often the lobby refreshes its list.
const REFRESH_MS: u32 = 5_000;

/// The lobby; a browser that only watches an incident through an observer link gets
/// [`ObserverLobby`] instead.
#[component]
pub fn Lobby() -> impl IntoView {
    let identity = expect_context::<Identity>();
    view! {
        {move || match identity.observer_of.get() {
            Some(incident) => view! { <ObserverLobby incident=incident /> }.into_any(),
            None => view! { <CrewLobby /> }.into_any(),
        }}
    }
}

/// For a browser that holds an observer link and nobody signed in: the way to the watched
/// incident, and signing in.
#[component]
fn ObserverLobby(incident: warroom_core::IncidentId) -> impl IntoView {
    let title = RwSignal::new(None::<String>);
    let id = incident.clone();
    spawn_local(async move {
        if let Ok(list) = api::list_incidents().await
            && let Some(s) = list.into_iter().find(|s| s.id == id)
        {
            title.set(Some(s.title));
        }
    });
    let signing_in = RwSignal::new(false);
    view! {
        <header class="topbar">
            <span class="brand">"Warroom"</span>
            <span class="who">"Observer (not signed in)"</span>
            <ThemeToggle />
        </header>
        <main id="main" class="page narrow">
            <section class="card stack" aria-labelledby="observing-h">
                <h2 id="observing-h">"You are watching an incident"</h2>
                <p>"This browser opened an observer link: it can watch one incident, read-only."</p>
                <p>
                    <AppLink to=Route::Board(incident.clone())>
                        {move || title.get().unwrap_or_else(|| format!("Incident {incident}"))}
                    </AppLink>
                </p>
            </section>
            <Show
                when=move || signing_in.get()
                fallback=move || view! {
                    <p>
                        <button type="button" class="primary" on:click=move |_| signing_in.set(true)>"Sign in"</button>
                        " "
                        <span class="hint">"to join incidents and declare them."</span>
                    </p>
                }
            >
                <SignInPanel incident=None />
            </Show>
        </main>
    }
}

#[component]
fn CrewLobby() -> impl IntoView {
    let incidents = RwSignal::new(None::<Result<Vec<Summary>, String>>);
    let refresh = move || {
        spawn_local(async move {
            incidents.set(Some(api::list_incidents().await));
        });
    };
    refresh();
    // Dropped with the page, which stops the polling.
    StoredValue::new_local(Interval::new(REFRESH_MS, refresh));

    let real = Memo::new(move |_| split(incidents, false));
    let drills = Memo::new(move |_| split(incidents, true));
    let admin = expect_context::<Identity>().admin;
    view! {
        <header class="topbar">
            <span class="brand">"Warroom"</span>
            <Who />
            <AppLink to=Route::Scenarios>"Scenario library"</AppLink>
            <Show when=move || admin.get()>
                <AppLink to=Route::AdminTokens>"Integration tokens"</AppLink>
                <AppLink to=Route::Webhooks>"Webhooks"</AppLink>
            </Show>
            <ThemeToggle />
        </header>
        <main id="main" class="page lobby">
            <DeclareForm />
            <section aria-labelledby="incidents-h" class="card">
                <h2 id="incidents-h">"Incidents"</h2>
                {move || match incidents.get() {
                    None => view! { <p role="status">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(_)) => view! { <IncidentTable rows=real empty="No incidents. Quiet night." /> }.into_any(),
                }}
            </section>
            <section aria-labelledby="drills-h" class="card exercise-list">
                <h2 id="drills-h">"Exercises"</h2>
                <p class="hint">"Training drills run on the same board. They are marked EXERCISE everywhere."</p>
                <IncidentTable rows=drills empty="No exercises." />
            </section>
        </main>
    }
}

/// "You are Alice", and — when people sign in here with a name — changing it (the same
/// person, renamed on every board); signing out, unless a proxy signed the person in.
#[component]
fn Who() -> impl IntoView {
    let identity = expect_context::<Identity>();
    let renaming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match identity.sign_out().await {
                // Commands this person left unsent go with them.
                Ok(me) => me.iter().for_each(crate::sync::forget_pending),
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <div class="who">
            <Show
                when=move || renaming.get()
                fallback=move || view! {
                    <span class="row">
                        <span>"You are " <strong class="my-name">{move || identity.name.get()}</strong></span>
                        <Show when=move || identity.open_mode()>
                            <button type="button" class="ghost" on:click=move |_| { error.set(None); renaming.set(true); }>"Change name"</button>
                        </Show>
                        <Show when=move || identity.can_sign_out()>
                            <button type="button" class="ghost" disabled=move || busy.get() on:click=sign_out>"Sign out"</button>
                        </Show>
                    </span>
                }
            >
                <RenameForm renaming=renaming />
            </Show>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}

/// The new name, saved on the server: the same participant, known by another name.
#[component]
fn RenameForm(renaming: RwSignal<bool>) -> impl IntoView {
    let identity = expect_context::<Identity>();
    let draft = RwSignal::new(identity.name.get_untracked());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = draft.get_untracked().trim().to_owned();
        if name.is_empty() {
            error.set(Some("Enter the name your crew knows you by.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_in(name, None).await {
                Ok(me) => {
                    identity.signed_in(me);
                    renaming.set(false);
                }
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=submit>
            <label for="new-name">"Your new name"</label>
            <input
                id="new-name"
                autocomplete="name"
                autofocus
                maxlength="200"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            />
            <button type="submit" class="primary" disabled=move || busy.get()>"Save name"</button>
            <button type="button" class="ghost" on:click=move |_| renaming.set(false)>"Cancel"</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}

fn split(incidents: RwSignal<Option<Result<Vec<Summary>, String>>>, drill: bool) -> Vec<Summary> {
    incidents.with(|i| match i {
        Some(Ok(list)) => list.iter().filter(|s| s.drill == drill).cloned().collect(),
        _ => Vec::new(),
    })
}

#[component]
fn IncidentTable(
    /// The incidents to list, already in order.
    rows: Memo<Vec<Summary>>,
    /// What to say when there are none.
    empty: &'static str,
) -> impl IntoView {
    // The rows, by incident id: each reads its own summary as it changes.
    let ids = Memo::new(move |_| rows.with(|r| r.iter().map(|s| s.id.clone()).collect::<Vec<_>>()));
    view! {
        <Show when=move || !rows.with(Vec::is_empty) fallback=move || view! { <p class="hint">{empty}</p> }>
            <table class="incidents">
                <thead>
                    <tr>
                        <th scope="col">"Severity"</th>
                        <th scope="col">"Incident"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Commander"</th>
                        <th scope="col">"Elapsed"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || ids.get() key=|id| id.clone() let:id>
                        <IncidentRow id=id rows=rows />
                    </For>
                </tbody>
            </table>
        </Show>
    }
}

/// One incident of the table, read by its id; nothing once it has left the list.
#[component]
fn IncidentRow(id: IncidentId, rows: Memo<Vec<Summary>>) -> impl IntoView {
    let clock = expect_context::<Clock>();
    let to = Route::Board(id.clone());
    let summary = Memo::new(move |_| rows.with(|r| r.iter().find(|s| s.id == id).cloned()));
    let present = Memo::new(move |_| summary.with(Option::is_some));
    let read = move |f: fn(&Summary) -> String| {
        move || summary.with(|s| s.as_ref().map(f)).unwrap_or_default()
    };
    let flag = move |f: fn(&Summary) -> bool| move || summary.with(|s| s.as_ref().is_some_and(f));
    let elapsed = Memo::new(move |_| {
        summary.with(|s| {
            s.as_ref()
                .map(|s| (s.declared_at, s.status.is_active(), s.updated_at))
        })
    });
    view! {
        <Show when=move || present.get()>
            <tr class:inactive=move || !flag(|s| s.status.is_active())()>
                <td><span class=move || format!("sev sev-{}", read(|s| s.severity.label().to_lowercase())())>{read(|s| s.severity.label().to_owned())}</span></td>
                <td>
                    {move || flag(|s| s.drill)().then(|| view! { <span class="exercise-badge">"EXERCISE"</span> " " })}
                    <AppLink to=to.clone()>{read(|s| s.title.clone())}</AppLink>
                    {move || flag(|s| s.retrospective)().then(|| view! {
                        " " <span class="badge" title="Entered from what happened, not as it happened">"Recorded after the fact"</span>
                    })}
                    {move || flag(|s| s.imported)().then(|| view! { " " <span class="badge">"Imported"</span> })}
                    {move || flag(|s| s.restricted)().then(|| view! {
                        " " <span class="badge restricted-badge" title="Only its members see it">"Restricted"</span>
                    })}
                </td>
                <td>{read(|s| s.status.label().to_owned())}</td>
                <td>{read(|s| s.commander.clone())}</td>
                <td class="mono">{move || {
                    elapsed.get().map(|(declared, active, updated)| t_plus(declared, if active { clock.now() } else { updated }))
                }}</td>
            </tr>
        </Show>
    }
}

#[component]
fn DeclareForm() -> impl IntoView {
    let router = expect_context::<Router>();
    let title = RwSignal::new(String::new());
    let severity = RwSignal::new(Severity::Sev2);
    let drill = RwSignal::new(false);
    let restricted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = title.get_untracked();
        if text.trim().is_empty() {
            error.set(Some(
                "Give the incident a title: what is broken, for whom.".into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let request = DeclareRequest {
                title: text,
                severity: severity.get_untracked(),
                drill: drill.get_untracked(),
                restricted: restricted.get_untracked(),
                retrospective: false,
                occurred_at: None,
                precision: None,
                impact_start: None,
                impact_end: None,
            };
            match api::declare(&request).await {
                Ok(declared) => router.go(Route::Board(declared.id)),
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <section aria-labelledby="declare-h" class="card declare">
            <h2 id="declare-h">"Declare an incident"</h2>
            <form class="declare-form" on:submit=submit>
                <div class="field grow">
                    <label for="declare-title">"Title"</label>
                    <input
                        id="declare-title"
                        placeholder="Checkout errors for EU customers"
                        maxlength="200"
                        prop:value=move || title.get()
                        on:input=move |ev| title.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="declare-severity">"Severity"</label>
                    <select
                        id="declare-severity"
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Some(s) = Severity::ALL.into_iter().find(|s| s.label() == v) {
                                severity.set(s);
                            }
                        }
                    >
                        {Severity::ALL
                            .into_iter()
                            .map(|s| view! { <option value=s.label() selected=move || severity.get() == s>{s.label()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field check">
                    <input
                        id="declare-drill"
                        type="checkbox"
                        prop:checked=move || drill.get()
                        on:change=move |ev| drill.set(event_target_checked(&ev))
                    />
                    <label for="declare-drill">"Exercise (drill)"</label>
                </div>
                <div class="field check">
                    <input
                        id="declare-restricted"
                        type="checkbox"
                        prop:checked=move || restricted.get()
                        on:change=move |ev| restricted.set(event_target_checked(&ev))
                    />
                    <label for="declare-restricted">"Restricted (members only)"</label>
                </div>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Declaring…" } else { "Declare" }}
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <after_the_fact::AfterTheFact />
        </section>
    }
}
