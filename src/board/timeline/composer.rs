//! The timeline's own input: the composer that posts notes, and the notes sent from this
//! browser that the server has not acknowledged yet. The live board only: a replay has
//! neither.

use leptos::prelude::*;
use warroom_core::narrate::EntryKind;
use warroom_core::time::Precision;
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
    let when = drafts().get(DraftKey::ComposerWhen);
    let precision = drafts().get(DraftKey::ComposerPrecision);
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
        // "When did it happen?", if given: the browser's local time, sent in UTC.
        let (occurred_at, how) = match when_happened(&when.get_untracked()) {
            Ok(None) => (None, None),
            Ok(Some(at)) => (Some(at), Some(precision_of(&precision.get_untracked()))),
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        error.set(None);
        last.set(Some(session.submit(Command::PostNote {
            kind: kind.get_untracked(),
            text: body,
            essential: essential.get_untracked(),
            occurred_at,
            precision: how,
        })));
        text.set(String::new());
        when.set(String::new());
        precision.set(String::new());
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
            <details class="backdate" open=move || !when.get_untracked().is_empty()>
                <summary>"When did it happen?"</summary>
                <div class="row">
                    <label for="composer-when">"Happened at (your time)"</label>
                    <input id="composer-when" type="datetime-local" step="60"
                        prop:value=move || when.get()
                        on:input=move |ev| when.set(event_target_value(&ev)) />
                    <label for="composer-precision">"How exact"</label>
                    <select id="composer-precision"
                        prop:value=move || precision.get()
                        on:change=move |ev| precision.set(event_target_value(&ev))>
                        <option value="exact">"Exact"</option>
                        <option value="about">"About (≈)"</option>
                        <option value="unknown">"Time unknown"</option>
                    </select>
                </div>
                <p class="hint">"Leave empty for now. A note that happened earlier is marked “entered later”."</p>
            </details>
            <crate::board::sterile::EssentialToggle essential=essential />
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <CommandResult id=last />
        </form>
    }
}

/// A `datetime-local` value (the browser's time zone) as a moment; `None` when empty.
pub(crate) fn when_happened(value: &str) -> Result<Option<warroom_core::Timestamp>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    if ms.is_nan() {
        return Err(format!("“{value}” is not a time."));
    }
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(Some)
        .ok_or_else(|| format!("“{value}” is not a time."))
}

fn precision_of(value: &str) -> Precision {
    match value {
        "about" => Precision::About,
        "unknown" => Precision::Unknown,
        _ => Precision::Exact,
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
