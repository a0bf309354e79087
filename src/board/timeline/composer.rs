//! The timeline's own input: the composer that posts notes, and the notes sent from this
//! browser that the server has not acknowledged yet. The live board only: a replay has
//! neither.

use leptos::prelude::*;
use warroom_core::narrate::EntryKind;
use warroom_core::{Command, CommandId, NoteKind};

use crate::board::drafts::{DraftKey, drafts};
use crate::board::timeline::{kind_badge, kind_class};
use crate::sync::Session;
use crate::widgets::CommandResult;

/// Posts notes: Enter posts, Shift+Enter breaks the line, Alt+1…5 picks the kind.
#[component]
pub fn Composer() -> impl IntoView {
    let session = expect_context::<Session>();
    let kind = RwSignal::new(NoteKind::Observation);
    // During a sterile phase: post now rather than hold until the phase ends.
    let essential = RwSignal::new(false);
    // Kept in the board's drafts: a redraw of the panel does not lose it.
    let text = drafts().get(DraftKey::Composer);
    let error = RwSignal::new(None::<String>);
    let last = RwSignal::new(None::<CommandId>);
    let post = move || {
        let body = text.get_untracked();
        if body.trim().is_empty() {
            error.set(Some("Write something first.".into()));
            return;
        }
        let chars = body.trim().chars().count();
        if chars > warroom_core::MAX_TEXT_CHARS {
            error.set(Some(format!(
                "That is {chars} characters; a note holds at most {}.",
                warroom_core::MAX_TEXT_CHARS
            )));
            return;
        }
        error.set(None);
        last.set(Some(session.submit(Command::PostNote {
            kind: kind.get_untracked(),
            text: body,
            essential: essential.get_untracked(),
            occurred_at: None,
            precision: None,
        })));
        text.set(String::new());
        essential.set(false);
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            post();
        } else if ev.alt_key()
            && let Some(k) = ev
                .code()
                .strip_prefix("Digit")
                .and_then(|d| d.parse::<usize>().ok())
                .and_then(|d| d.checked_sub(1))
                .and_then(|i| NoteKind::ALL.get(i))
        {
            ev.prevent_default();
            kind.set(*k);
        }
    };
    view! {
        <form class="composer" on:submit=move |ev: web_sys::SubmitEvent| { ev.prevent_default(); post(); }>
            <fieldset class="kinds">
                <legend>"Kind of note"</legend>
                {NoteKind::ALL.into_iter().enumerate().map(|(i, k)| {
                    let id = format!("kind-{}", k.label().to_lowercase().replace(' ', "-"));
                    let (icon, _) = kind_badge(EntryKind::Note(k));
                    view! {
                        <input type="radio" name="note-kind" id=id.clone() prop:checked=move || kind.get() == k
                            on:change=move |_| kind.set(k) />
                        <label for=id class=format!("kind-choice {}", kind_class(EntryKind::Note(k)))
                            title=format!("Alt+{}", i + 1)>
                            <span aria-hidden="true">{icon}</span> " " <span>{k.label()}</span>
                            <kbd aria-hidden="true">{format!("Alt+{}", i + 1)}</kbd>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="compose-row">
                <label for="composer-text" class="sr-only">"Note"</label>
                <textarea id="composer-text" rows="2"
                    placeholder="What do you see? Enter posts · Shift+Enter new line · Alt+1–5 picks the kind"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=on_key
                ></textarea>
                <button type="submit" class="primary">{move || format!("Post {}", kind.get().label().to_lowercase())}</button>
            </div>
            <crate::board::sterile::EssentialToggle essential=essential />
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <CommandResult id=last />
        </form>
    }
}

/// Notes sent from this browser that the server has not acknowledged yet.
#[component]
pub fn PendingNotes() -> impl IntoView {
    let session = expect_context::<Session>();
    let notes = Memo::new(move |_| {
        session.pending.with(|p| {
            p.iter()
                .filter_map(|c| {
                    c.note
                        .clone()
                        .map(|(kind, text)| (c.id.clone(), kind, text))
                })
                .collect::<Vec<_>>()
        })
    });
    let online = Memo::new(move |_| session.link.get() == crate::sync::Link::Online);
    view! {
        <ol class="entries pending-entries" aria-label="Notes waiting to be sent">
            <For each=move || notes.get() key=|n| n.0.clone() let:n>
                <li class=format!("entry pending {}", kind_class(EntryKind::Note(n.1)))>
                    <div class="entry-meta">
                        <span class="icon" aria-hidden="true">{kind_badge(EntryKind::Note(n.1)).0}</span>
                        <span class="kind-label">{n.1.label()}</span>
                        <span class="badge">{move || if online.get() { "sending…" } else { "not sent yet — offline" }}</span>
                    </div>
                    <p class="text">{n.2}</p>
                </li>
            </For>
        </ol>
    }
}
