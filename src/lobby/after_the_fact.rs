//! Recording an incident after the fact, from the lobby: its title and severity, when it
//! started (a date and a time in the browser's time zone, exact or about) and, if known, when
//! its impact began and ended. It is declared retrospectively (`POST /api/incidents` with
//! `retrospective`, `occurred_at`, `precision` and the impact window, one write) and its
//! board opens, saying it was recorded after the fact.
//!
//! Each field's mistake is said at the field (`aria-invalid`, the message tied to it by
//! `aria-describedby`, focus moved to the first): the checks are the server's bounds
//! (`decide::occurred`), run here first so a person sees them before sending; what the server
//! still refuses is said below the form.

use chrono::Duration;
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::decide::occurred::{
    MAX_BACKDATE_DAYS, MAX_CLOCK_SKEW_SECONDS, earliest_occurred,
};
use warroom_core::time::Precision;
use warroom_core::{Severity, Timestamp};

use crate::api::{self, DeclareRequest};
use crate::board::timeline::composer::when_happened;
use crate::clock::Clock;
use crate::route::{Route, Router};

/// The fields a mistake can be at, in the order they are checked and focused.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Date,
    Time,
    ImpactStart,
    ImpactEnd,
}

impl Field {
    fn id(self) -> &'static str {
        match self {
            Self::Title => "retro-title",
            Self::Date => "retro-date",
            Self::Time => "retro-time",
            Self::ImpactStart => "retro-impact-start",
            Self::ImpactEnd => "retro-impact-end",
        }
    }
}

/// "Record an incident after the fact": a button beside Declare, and the form it opens.
#[component]
pub fn AfterTheFact() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="after-the-fact">
            <button type="button" class="ghost" aria-expanded=move || open.get().to_string()
                aria-controls="after-the-fact-form"
                on:click=move |_| open.update(|o| *o = !*o)>
                "Record an incident after the fact"
            </button>
            <Show when=move || open.get()>
                <AfterTheFactForm open=open />
            </Show>
        </div>
    }
}

#[component]
fn AfterTheFactForm(
    /// Whether the form is shown; Cancel closes it.
    open: RwSignal<bool>,
) -> impl IntoView {
    let router = expect_context::<Router>();
    let clock = expect_context::<Clock>();
    let title = RwSignal::new(String::new());
    let severity = RwSignal::new(Severity::Sev2);
    let date = RwSignal::new(String::new());
    let time = RwSignal::new(String::new());
    let about = RwSignal::new(false);
    let impact_start = RwSignal::new(String::new());
    let impact_end = RwSignal::new(String::new());
    let mistake = RwSignal::new(None::<(Field, String)>);
    let refused = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // The person opened the form: focus goes to its first field.
    let first = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            let _ = input.focus();
        }
    });

    let check = move || -> Result<DeclareRequest, (Field, String)> {
        let text = title.get_untracked();
        if text.trim().is_empty() {
            return Err((
                Field::Title,
                "Give the incident a title: what broke, for whom.".into(),
            ));
        }
        let (d, t) = (date.get_untracked(), time.get_untracked());
        if d.trim().is_empty() {
            return Err((Field::Date, "Give the day it started.".into()));
        }
        if t.trim().is_empty() {
            return Err((
                Field::Time,
                "Give the time it started — roughly will do: choose “About”.".into(),
            ));
        }
        let now = clock.now();
        let start = moment(
            &format!("{d}T{t}"),
            Field::Date,
            now,
            earliest_occurred(),
            "Nothing before 2000 is recorded here.",
        )?
        .expect("a date and a time were given");
        // The server's bound of the impact window: 30 days before the start at most.
        let floor = (start - Duration::days(MAX_BACKDATE_DAYS)).max(earliest_occurred());
        let too_early = format!(
            "The impact can begin at most {MAX_BACKDATE_DAYS} days before the incident started."
        );
        let begun = moment(
            &impact_start.get_untracked(),
            Field::ImpactStart,
            now,
            floor,
            &too_early,
        )?;
        let ended = moment(
            &impact_end.get_untracked(),
            Field::ImpactEnd,
            now,
            floor,
            &too_early,
        )?;
        match (begun, ended) {
            (None, Some(_)) => {
                return Err((Field::ImpactStart, "Give when the impact began too.".into()));
            }
            (Some(b), Some(e)) if e < b => {
                return Err((
                    Field::ImpactEnd,
                    "The impact cannot end before it began.".into(),
                ));
            }
            _ => {}
        }
        Ok(DeclareRequest {
            title: text,
            severity: severity.get_untracked(),
            drill: false,
            restricted: false,
            retrospective: true,
            occurred_at: Some(start),
            precision: Some(if about.get_untracked() {
                Precision::About
            } else {
                Precision::Exact
            }),
            impact_start: begun,
            impact_end: ended,
        })
    };

    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        refused.set(None);
        let request = match check() {
            Ok(request) => request,
            Err((field, message)) => {
                mistake.set(Some((field, message)));
                if let Some(el) = document().get_element_by_id(field.id())
                    && let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
                {
                    let _ = el.focus();
                }
                return;
            }
        };
        mistake.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::declare(&request).await {
                Ok(declared) => router.go(Route::Board(declared.id)),
                Err(e) => {
                    refused.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };

    // A field's mistake: the message below it, and the field marked and pointing at it.
    let wrong = move |f: Field| move || mistake.with(|m| m.as_ref().is_some_and(|(g, _)| *g == f));
    let said = move |f: Field| {
        move || {
            mistake.with(|m| {
                m.as_ref().filter(|(g, _)| *g == f).map(|(_, text)| {
                    view! { <p class="field-error" id=format!("{}-error", f.id())>{text.clone()}</p> }
                })
            })
        }
    };
    let described = move |f: Field| move || wrong(f)().then(|| format!("{}-error", f.id()));
    let input = move |f: Field, kind: &'static str, value: RwSignal<String>| {
        view! {
            <input id=f.id() type=kind
                aria-invalid=move || wrong(f)().to_string()
                aria-describedby=described(f)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    view! {
        <form id="after-the-fact-form" class="after-the-fact-form" on:submit=submit novalidate
            aria-labelledby="after-the-fact-h">
            <h3 id="after-the-fact-h">"Record an incident after the fact"</h3>
            <p class="hint">"For an incident that was not logged as it happened: its board opens marked “recorded after the fact”, ready for its timeline (typed, or imported from a file in its Postmortem panel)."</p>
            <div class="field grow">
                <label for="retro-title">"Title of the incident"</label>
                <input id="retro-title" node_ref=first maxlength="200"
                    aria-invalid=move || wrong(Field::Title)().to_string()
                    aria-describedby=described(Field::Title)
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev)) />
                {said(Field::Title)}
            </div>
            <div class="field">
                <label for="retro-severity">"Severity of the incident"</label>
                <select id="retro-severity"
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some(s) = Severity::ALL.into_iter().find(|s| s.label() == v) {
                            severity.set(s);
                        }
                    }>
                    {Severity::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.label() selected=move || severity.get() == s>{s.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <fieldset class="when">
                <legend>"When it started (your time)"</legend>
                <div class="field">
                    <label for="retro-date">"Date it started"</label>
                    {input(Field::Date, "date", date)}
                    {said(Field::Date)}
                </div>
                <div class="field">
                    <label for="retro-time">"Time it started"</label>
                    {input(Field::Time, "time", time)}
                    {said(Field::Time)}
                </div>
                <div class="field">
                    <label for="retro-precision">"How exact"</label>
                    <select id="retro-precision" on:change=move |ev| about.set(event_target_value(&ev) == "about")>
                        <option value="exact" selected=move || !about.get()>"Exact"</option>
                        <option value="about" selected=move || about.get()>"About (≈)"</option>
                    </select>
                </div>
            </fieldset>
            <fieldset class="when">
                <legend>"Customer impact, if known (your time)"</legend>
                <div class="field">
                    <label for="retro-impact-start">"Impact began"</label>
                    {input(Field::ImpactStart, "datetime-local", impact_start)}
                    {said(Field::ImpactStart)}
                </div>
                <div class="field">
                    <label for="retro-impact-end">"Impact ended"</label>
                    {input(Field::ImpactEnd, "datetime-local", impact_end)}
                    {said(Field::ImpactEnd)}
                </div>
            </fieldset>
            <div class="row">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Recording…" } else { "Record after the fact" }}
                </button>
                <button type="button" class="ghost" on:click=move |_| open.set(false)>"Cancel"</button>
            </div>
            {move || refused.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}

/// A local date and time the person gave, checked: not in the future (beyond the clock
/// skew the server allows), not before `floor` (`too_early` says so); `None` when left empty.
fn moment(
    value: &str,
    field: Field,
    now: Timestamp,
    floor: Timestamp,
    too_early: &str,
) -> Result<Option<Timestamp>, (Field, String)> {
    let Some(at) = when_happened(value).map_err(|e| (field, e))? else {
        return Ok(None);
    };
    if at > now + Duration::seconds(MAX_CLOCK_SKEW_SECONDS) {
        return Err((
            field,
            "That is in the future: give when it happened.".into(),
        ));
    }
    if at < floor {
        return Err((field, too_early.to_owned()));
    }
    Ok(Some(at))
}
