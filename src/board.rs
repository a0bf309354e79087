//! The war-room board for one incident: the command strip that says at a glance who is in
//! command and what is happening, the crew panel, the timeline, and the prompts of the
//! positive exchange. Each panel reads a narrow part of the [`store::Board`] context: its
//! rows watch their own entity, keyed by id; drafts live in [`drafts::Drafts`].

use leptos::prelude::*;
use warroom_core::{Command, CommandId, Incident, IncidentId, Role, Severity};

use crate::clock::{Clock, hms, t_plus, utc_time};
use crate::identity::Identity;
use crate::route::Route;
use crate::sync::{Link, Session};
use crate::widgets::{AppLink, ThemeToggle, reload};

use layout::{Pane, PaneBox, PaneChoice};

pub mod access;
pub mod actions;
pub mod annunciator;
pub mod checklists;
pub mod closing;
pub mod concerns;
pub mod crew;
pub mod drafts;
pub mod exercise;
pub mod for_you;
pub mod handoff;
pub mod layout;
pub mod notices;
pub mod postmortem;
pub mod sterile;
pub mod store;
pub mod timeline;
pub mod unrouted;

pub use store::Board;

/// "Now" as a row of `board` counts it: the wall clock on the live board, until it is closed
/// (then the closing: its countdowns stop); on the review page, the moment shown (the time of
/// its last event), so a countdown reads as it did then rather than against today.
pub fn now_on(board: Board, clock: Clock) -> warroom_core::Timestamp {
    if board.session.is_some() {
        // Untracked: the clock's tick re-reads it, and rows must not wake on every event.
        let closed_at = board
            .state
            .with_untracked(|s| s.as_ref().and_then(Incident::closed_at));
        return closed_at.unwrap_or_else(|| clock.now());
    }
    board
        .state
        .with(|s| s.as_ref().map(|i| i.updated_at))
        .unwrap_or_else(|| clock.now())
}

/// A memo over a few small fields of the board; `None` until the board has arrived. Lists
/// are not read this way: their rows watch their own entity in [`Board`].
pub fn slice<T>(board: Board, f: impl Fn(&Incident) -> T + Send + Sync + 'static) -> Memo<Option<T>>
where
    T: PartialEq + Clone + Send + Sync + 'static,
{
    Memo::new(move |_| board.state.with(|s| s.as_ref().map(&f)))
}

/// The page for `/incidents/<id>` (only shown signed in): opens the link to the incident.
#[component]
pub fn BoardPage(
    /// The incident to show.
    incident: IncidentId,
) -> impl IntoView {
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let session = Session::connect(incident, identity, clock);
    provide_context(session);
    let board = Board::live(session);
    provide_context(board);
    provide_context(drafts::Drafts::new());
    provide_context(notices::Notices::new());
    let panes = PaneChoice::new();
    provide_context(panes);
    let declared = Memo::new(move |_| session.state.with(Option::is_some));
    // A board whose link the server refused for good (access taken away) stops showing.
    let refused = Memo::new(move |_| matches!(session.link.get(), Link::Refused(_)));
    let drill = slice(board, |i| i.drill);
    let retrospective = slice(board, |i| i.postmortem.retrospective);
    let imported = slice(board, |i| i.postmortem.imported);
    // The browser tab says what this is, and an exercise says so there too.
    let tab_title = slice(board, |i| {
        format!(
            "{}{} — Warroom",
            if i.drill { "EXERCISE — " } else { "" },
            i.title
        )
    });
    Effect::new(move |_| {
        if let Some(title) = tab_title.get() {
            document().set_title(&title);
        }
    });
    on_cleanup(|| document().set_title("Warroom"));
    let open = move || declared.get() && !refused.get();
    // The cockpit: the strip and the alarm bar never leave the screen; the panes scroll on
    // their own (on a phone, one pane at a time, with the notices, "For you", the composer
    // and the tabs docked at the bottom).
    view! {
        <div class="board" class:drill=move || drill.get() == Some(true)>
            {move || (drill.get() == Some(true)).then(|| view! {
                <div class="exercise-banner" role="note">"EXERCISE — EXERCISE — EXERCISE: this is a training drill"</div>
            })}
            {move || (retrospective.get() == Some(true)).then(|| view! {
                <div class="retrospective-banner" role="note">
                    "Recorded after the fact: times are as the people who were there gave them."
                    {(imported.get() == Some(true)).then_some(" Imported from a timeline file.")}
                </div>
            })}
            <Show when=move || session.read_only.get() && !refused.get()>
                <ObserverBanner />
            </Show>
            <div class="cockpit-top">
                <CommandStrip />
                <Show when=open>
                    <annunciator::Annunciator />
                </Show>
            </div>
            <Show when=open fallback=move || view! { <BoardPlaceholder /> }>
                <main id="main" class="cockpit">
                    <PaneBox pane=Pane::Crew><crew::CrewPanel /></PaneBox>
                    <PaneBox pane=Pane::Timeline><timeline::TimelinePanel /></PaneBox>
                    <div class="instruments">
                        <Show when=move || drill.get() == Some(true)>
                            <div class="pane pane-exercise" class:chosen=move || panes.get() == Pane::Crew>
                                <exercise::ExercisePanel />
                            </div>
                        </Show>
                        <PaneBox pane=Pane::Actions><actions::ActionsPanel /></PaneBox>
                        <PaneBox pane=Pane::Concerns><concerns::ConcernsPanel /></PaneBox>
                        <PaneBox pane=Pane::Checklists><checklists::ChecklistsPanel /><postmortem::PostmortemPanel /></PaneBox>
                    </div>
                    <div class="dock">
                        <notices::NoticeArea />
                        <for_you::ForYou />
                        <Show when=move || !session.read_only.get()>
                            <div class="composer-dock"><timeline::composer::Composer /></div>
                        </Show>
                        <layout::PaneTabs />
                    </div>
                </main>
                <handoff::IncomingOffer />
                <handoff::OutgoingOffer />
            </Show>
        </div>
    }
}

/// Says at the top of the board and the review that this browser only watches.
#[component]
pub fn ObserverBanner() -> impl IntoView {
    view! {
        <div class="observer-banner" role="note">
            <strong>"Observer — read-only view"</strong>
            " "
            <span>"You can watch this incident as it happens; you cannot change it."</span>
        </div>
    }
}

#[component]
fn BoardPlaceholder() -> impl IntoView {
    let session = expect_context::<Session>();
    let was_open = Memo::new(move |_| session.state.with(Option::is_some));
    view! {
        <main id="main" class="page narrow">
            {move || match session.link.get() {
                Link::Refused(message) => view! {
                    <h1>{move || if was_open.get() { "This board is closed" } else { "This incident cannot be opened" }}</h1>
                    <p class="error" role="alert">{message}</p>
                    <p><AppLink to=Route::Lobby>"Back to the lobby"</AppLink></p>
                }.into_any(),
                Link::Outdated => view! { <OutdatedNotice /> }.into_any(),
                _ => view! { <p role="status">"Loading the board…"</p> }.into_any(),
            }}
        </main>
    }
}

/// Said where the board would be when the server speaks a newer protocol than this page.
#[component]
fn OutdatedNotice() -> impl IntoView {
    view! {
        <h1>"Warroom has been updated"</h1>
        <p class="error" role="alert">
            "This page is older than the server and cannot open the board. Reload the page to get the current version; notes you posted and that were not sent yet are kept."
        </p>
        <p><button type="button" class="primary" on:click=move |_| reload()>"Reload the page"</button></p>
    }
}

/// Always visible: title, severity, status, `T+` beside the UTC clock, who is in command and
/// for how long, and the connection.
#[component]
fn CommandStrip() -> impl IntoView {
    let session = expect_context::<Session>();
    let clock = expect_context::<Clock>();
    let identity = expect_context::<Identity>();
    let board = expect_context::<Board>();
    let title = slice(board, |i| i.title.clone());
    let severity = slice(board, |i| i.severity);
    // A closed board's clocks stand at the closing.
    let closed_at = slice(board, Incident::closed_at);
    let now = move || closed_at.get().flatten().unwrap_or_else(|| clock.now());
    let declared_at = slice(board, |i| i.declared_at);
    let commander = slice(board, |i| {
        (
            i.commander.holder.clone(),
            i.name_of(&i.commander.holder).to_owned(),
            i.commander.since,
        )
    });
    let me = identity.participant();
    let is_commander =
        Memo::new(move |_| commander.with(|c| c.as_ref().is_some_and(|c| c.0 == me)));
    let commander_present = Memo::new(move |_| {
        let holder = commander.with(|c| c.as_ref().map(|c| c.0.clone()));
        holder.is_none_or(|h| !session.is_absent(&h))
    });
    let awaiting = slice(board, Incident::awaiting_commander);
    let last_change = RwSignal::new(None::<CommandId>);
    let take_command = move |_| {
        last_change.set(Some(session.submit(Command::AssumeRole {
            role: warroom_core::Role::Commander,
            reason: "Taking command of an incident declared from an alert".to_owned(),
        })));
    };
    // The strip has no room for a result line: a refused change is said in the notice area.
    notices::report_outcome(last_change);
    // On a phone the strip shows the essentials; the rest waits behind "More".
    let more = RwSignal::new(false);

    let change_severity = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        if let Some(s) = Severity::ALL.into_iter().find(|s| s.label() == value)
            && Some(s) != severity.get_untracked()
        {
            last_change.set(Some(session.submit(Command::set_severity(s))));
        }
    };
    view! {
        <header class="command-strip" class:more=move || more.get() aria-label="Command strip">
            <div class="strip-title">
                <AppLink to=Route::Lobby class="brand">"Warroom"</AppLink>
                <h1 class="incident-title">{move || title.get().unwrap_or_default()}</h1>
                <closing::ClosedMark />
                <AppLink to=Route::Review(session.incident.get_value()) class="small-link strip-extra">"Review"</AppLink>
                <button type="button" class="ghost small strip-more" aria-expanded=move || more.get().to_string()
                    on:click=move |_| more.update(|m| *m = !*m)>
                    {move || if more.get() { "Less" } else { "More" }}
                </button>
            </div>
            <div class="strip-fields">
                <div class=move || format!("field sev sev-{}", severity.get().map_or("", |s| s.label()).to_lowercase())>
                    <label for="strip-severity">"Severity"</label>
                    <select id="strip-severity" disabled=move || !is_commander.get() on:change=change_severity
                        title=move || if is_commander.get() { "" } else { "Only the commander changes the severity" }>
                        {Severity::ALL.into_iter().map(|s| view! {
                            <option value=s.label() selected=move || severity.get() == Some(s)>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="strip-extra"><closing::StatusField is_commander=is_commander last_change=last_change /></div>
                <div class="clock" aria-label="Elapsed time and UTC clock">
                    <span class="mono t-plus" title="Time since the incident was declared">
                        {move || declared_at.get().map(|d| t_plus(d, now())).unwrap_or_default()}
                    </span>
                    <span class="mono utc strip-extra">{move || utc_time(clock.now())}</span>
                </div>
                {move || if awaiting.get() == Some(true) {
                    // An integration declared it from an alert and holds command only until a
                    // person takes it: say so plainly, and offer to take it.
                    view! {
                        <div class="commander absent nobody">
                            <span class="label">"In command"</span>
                            <strong class="commander-name">"Nobody"</strong>
                            <span class="badge warn">{move || format!("declared by {}", commander.get().map(|c| c.1).unwrap_or_default())}</span>
                            <button type="button" class="small primary" on:click=take_command>"Take command"</button>
                        </div>
                    }.into_any()
                } else {
                    view! {
                <div class="commander" class:absent=move || !commander_present.get()>
                    <span class="label">"In command"</span>
                    <strong class="commander-name">{move || commander.get().map(|c| c.1).unwrap_or_default()}</strong>
                    <span class="mono tenure" title="How long they have held command">
                        {move || commander.get().map(|c| format!("for {}", hms((now() - c.2).num_seconds()))).unwrap_or_default()}
                    </span>
                    {move || (!commander_present.get() && commander.get().is_some()).then(|| view! {
                        <span class="badge warn">"not connected"</span>
                    })}
                    {move || is_commander.get().then(|| view! { <span class="badge you">"you"</span> })}
                </div>
                    }.into_any()
                }}
                <sterile::SterileBadge />
                <div class="strip-extra"><annunciator::Cadence /></div>
                <LinkIndicator />
                <div class="strip-extra"><ThemeToggle /></div>
            </div>
        </header>
    }
}

/// Says plainly whether this board is live, and what happens to notes while it is not.
#[component]
fn LinkIndicator() -> impl IntoView {
    let session = expect_context::<Session>();
    let clock = expect_context::<Clock>();
    let waiting = Memo::new(move |_| session.pending.with(Vec::len));
    view! {
        <div class="link" role="status" aria-live="polite">
            {move || match session.link.get() {
                Link::Online => view! { <span class="link-state online">"● Live"</span> }.into_any(),
                Link::Connecting => view! { <span class="link-state connecting">"◌ Connecting…"</span> }.into_any(),
                // "Live" only while the link answers: `ClientSync` takes it for lost within 4 s
                // of a command going unanswered, and at once when the browser says offline.
                Link::Offline { .. } if session.no_network.get() => view! {
                    <span class="link-state offline">
                        "✕ OFFLINE — this device has no network. Notes you post are kept and sent when it returns."
                    </span>
                }.into_any(),
                Link::Offline { retry_at_ms } => {
                    let _tick = clock.now();
                    let secs = ((retry_at_ms - js_sys::Date::now()) / 1000.0).ceil().max(0.0);
                    let when = if secs > 0.0 { format!("reconnecting in {secs}s") } else { "reconnecting now".into() };
                    view! {
                        <span class="link-state offline">
                            "✕ OFFLINE — " {when} ". Notes you post are kept and sent when the link returns."
                        </span>
                    }.into_any()
                }
                Link::Refused(_) => view! { <span class="link-state offline">"✕ Refused"</span> }.into_any(),
                Link::Outdated => view! {
                    <span class="link-state offline">"✕ This page is out of date: reload it to carry on."</span>
                    " "
                    <button type="button" class="small" on:click=move |_| reload()>"Reload"</button>
                }.into_any(),
            }}
            {move || (waiting.get() > 0).then(|| view! {
                <span class="pending-count">{waiting.get()} " waiting to send"</span>
            })}
        </div>
    }
}

/// Whether `who` holds `role` on the board now.
pub fn holds(board: Board, who: &warroom_core::ParticipantId, role: Role) -> bool {
    board
        .state
        .with(|s| s.as_ref().is_some_and(|i| i.holds(who, role)))
}
