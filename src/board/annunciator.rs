//! The annunciator: warnings, cautions and advisories ranked by warroom-core's `alerts`, shown
//! as the one-line alarm bar under the command strip — the master lamps with their counts,
//! STOP THE LINE with the commander's Acknowledge, the most pressing alert — and, expanded,
//! the whole list. Only warnings interrupt — a flashing MASTER WARNING lamp and a
//! tone the person can mute (never sound alone). Acknowledging silences the cue; the item stays
//! listed until its condition clears. When all is normal the panel is dark.
//!
//! Also here: the status-update cadence control and its countdown (gone once the incident is
//! closed).

use std::collections::BTreeSet;

use gloo_storage::{LocalStorage as WebStorage, Storage};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use warroom_core::alerts::{Alert, Tier, Viewer, evaluate};
use warroom_core::ids::AlertGroupId;
use warroom_core::{Command, CommandId, Role};

use crate::board::concerns::StopTheLine;
use crate::board::unrouted::UnroutedAlerts;
use crate::board::{Board, slice};
use crate::clock::{Clock, countdown};
use crate::identity::Identity;
use crate::sync::{Link, Session};
use crate::widgets::CommandResult;

const MUTE_KEY: &str = "warroom.mute";

#[component]
pub fn Annunciator() -> impl IntoView {
    let session = expect_context::<Session>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let alerts = Memo::new(move |_| {
        let now = clock.now();
        let online = session.link.get() == Link::Online;
        let presence_known = session.presence_known.get();
        session.present.with(|present| {
            session.state.with(|s| match s {
                Some(incident) => evaluate(
                    incident,
                    &Viewer {
                        me: &me,
                        present,
                        presence_known,
                        online,
                    },
                    now,
                ),
                None => Vec::new(),
            })
        })
    });
    // The rows, by the alerts' stable keys: a row stays while its condition holds.
    let keys =
        Memo::new(move |_| alerts.with(|a| a.iter().map(|a| a.key.clone()).collect::<Vec<_>>()));
    // Acknowledged alert keys; forgotten once their condition clears, so a recurrence sounds.
    let acked = RwSignal::new(BTreeSet::<String>::new());
    Effect::new(move |_| {
        let live: BTreeSet<String> = alerts.with(|a| a.iter().map(|a| a.key.clone()).collect());
        if acked.with_untracked(|k| k.iter().any(|k| !live.contains(k))) {
            acked.update(|k| k.retain(|key| live.contains(key)));
        }
    });
    let unacked = move |tier: Tier| {
        alerts.with(|a| acked.with(|k| a.iter().any(|a| a.tier == tier && !k.contains(&a.key))))
    };
    let master_warning = Memo::new(move |_| unacked(Tier::Warning));
    let master_caution = Memo::new(move |_| unacked(Tier::Caution));
    let acknowledge = move |tier: Tier| {
        let keys: Vec<String> = alerts.with_untracked(|a| {
            a.iter()
                .filter(|a| a.tier == tier)
                .map(|a| a.key.clone())
                .collect()
        });
        acked.update(|k| k.extend(keys));
    };
    let muted = RwSignal::new(WebStorage::get::<bool>(MUTE_KEY).unwrap_or(false));
    Effect::new(move |_| {
        let _ = WebStorage::set(MUTE_KEY, muted.get());
    });
    let tone = Tone::new();
    Effect::new(move |_| tone.sound(master_warning.get() && !muted.get()));

    let count = move |tier: Tier| alerts.with(|a| a.iter().filter(|a| a.tier == tier).count());
    // The one line's words: the most pressing alert not yet acknowledged, else the first.
    let headline = Memo::new(move |_| {
        alerts.with(|a| {
            acked.with(|k| {
                a.iter()
                    .find(|a| !k.contains(&a.key))
                    .or_else(|| a.first())
                    .map(|a| (a.tier, a.title.clone(), a.detail.clone()))
            })
        })
    });
    let expanded = RwSignal::new(false);
    let is_commander = Memo::new({
        let me = identity.participant();
        move |_| {
            session
                .state
                .with(|s| s.as_ref().is_some_and(|i| i.holds(&me, Role::Commander)))
        }
    });

    view! {
        <section class="alarm-bar" class:dark=move || alerts.with(Vec::is_empty)
            class:warning=move || master_warning.get() aria-label="Alarm bar"
            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" && expanded.get_untracked() { expanded.set(false) }>
            <div class="alarm-line">
                <button type="button" class="lamp master-warning" class:lit=move || master_warning.get()
                    title="Acknowledge warnings (silences the tone; items stay until they clear)"
                    on:click=move |_| acknowledge(Tier::Warning)>
                    <span class="lamp-master">"MASTER "</span>"WARNING"
                    <span class="lamp-count" aria-hidden="true">{move || count(Tier::Warning)}</span>
                    // A lamp, not a toggle: its name says whether it is lit, and pressing it
                    // acknowledges what lit it.
                    <span class="sr-only">{move || if master_warning.get() { " — lit: press to acknowledge" } else { " — dark" }}</span>
                </button>
                <button type="button" class="lamp master-caution" class:lit=move || master_caution.get()
                    title="Acknowledge cautions"
                    on:click=move |_| acknowledge(Tier::Caution)>
                    <span class="lamp-master">"MASTER "</span>"CAUTION"
                    <span class="lamp-count" aria-hidden="true">{move || count(Tier::Caution)}</span>
                    <span class="sr-only">{move || if master_caution.get() { " — lit: press to acknowledge" } else { " — dark" }}</span>
                </button>
                <StopTheLine />
                <p class="alarm-headline" aria-live=move || if headline.with(|h| h.as_ref().is_some_and(|h| h.0 == Tier::Warning)) { "assertive" } else { "polite" }>
                    {move || match headline.get() {
                        Some((tier, title, detail)) => view! {
                            <span class=format!("headline-tier {}", tier_class(tier))>{tier_word(tier)}</span>
                            " " <strong>{title}</strong> " " <span class="alarm-detail">{detail}</span>
                        }.into_any(),
                        None => view! { <span class="all-normal">"All normal"</span> }.into_any(),
                    }}
                </p>
                <button type="button" class="ghost small alarm-toggle" aria-expanded=move || expanded.get().to_string()
                    aria-controls="alarm-list" on:click=move |_| expanded.update(|e| *e = !*e)>
                    {move || format!("Alerts ({})", alerts.with(Vec::len))}
                </button>
                {move || if tone.blocked.get() && !muted.get() {
                    // The browser refused to start audio until the person interacts: say so,
                    // and let a click (which the browser counts) start it.
                    view! {
                        <button type="button" class="small warn" on:click=move |_| tone.enable()>
                            "Tone blocked by the browser — click to enable"
                        </button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" class="ghost small" aria-pressed=move || muted.get().to_string()
                            on:click=move |_| muted.update(|m| *m = !*m)>
                            {move || if muted.get() { "Tone muted" } else { "Tone on" }}
                        </button>
                    }.into_any()
                }}
            </div>
            <div id="alarm-list" class="alarm-list" role="region" aria-label="Annunciator" hidden=move || !expanded.get()>
                <Show when=move || alerts.with(Vec::is_empty)>
                    <p class="all-normal" role="status">"Annunciator dark: no alerts."</p>
                </Show>
                <ul class="alerts" role="list">
                    <For
                        each=move || keys.get()
                        key=|key| key.clone()
                        children=move |key| {
                            let alert = Memo::new({
                                let key = key.clone();
                                move |_| alerts.with(|a| a.iter().find(|a| a.key == key).cloned())
                            });
                            let is_acked = Memo::new({
                                let key = key.clone();
                                move |_| acked.with(|k| k.contains(&key))
                            });
                            let group = alert_group(&key);
                            view! { <AlertLine alert=alert acked=is_acked group=group /> }
                        }
                    />
                </ul>
                {move || (expanded.get() && is_commander.get()).then(|| view! { <UnroutedAlerts /> })}
            </div>
        </section>
    }
}

fn tier_word(tier: Tier) -> &'static str {
    match tier {
        Tier::Warning => "WARNING",
        Tier::Caution => "CAUTION",
        Tier::Advisory => "ADVISORY",
    }
}

fn tier_class(tier: Tier) -> &'static str {
    match tier {
        Tier::Warning => "warning",
        Tier::Caution => "caution",
        Tier::Advisory => "advisory",
    }
}

/// The board's alert group a line stands for (its key is `alert-group:<n>:…`), if any.
fn alert_group(key: &str) -> Option<AlertGroupId> {
    key.strip_prefix("alert-group:")?
        .split(':')
        .next()?
        .parse()
        .ok()
        .map(AlertGroupId)
}

/// One alert, read by its key; nothing once it has cleared (its row is going). A line of
/// monitoring's alert group has an Acknowledge for the whole board: the group goes dark for
/// everyone until it changes.
#[component]
fn AlertLine(
    alert: Memo<Option<Alert>>,
    acked: Memo<bool>,
    /// The alert group the line stands for, if it is one.
    group: Option<AlertGroupId>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let tier = Memo::new(move |_| alert.with(|a| a.as_ref().map(|a| a.tier)));
    move || {
        let tier = tier.get()?;
        let (class, word) = (format!("alert {}", tier_class(tier)), tier_word(tier));
        let live = if tier == Tier::Warning {
            "assertive"
        } else {
            "polite"
        };
        let title = move || alert.with(|a| a.as_ref().map(|a| a.title.clone()));
        let detail = move || alert.with(|a| a.as_ref().map(|a| a.detail.clone()));
        Some(view! {
            <li class=class class:acked=move || acked.get() aria-live=live>
                <span class="tier">{word}</span>
                <strong class="alert-title">{title}</strong>
                <span class="alert-detail">{detail}</span>
                {move || acked.get().then(|| view! { <span class="badge">"acknowledged"</span> })}
                {group.map(|group| view! {
                    <button type="button" class="small"
                        title="Acknowledge this alert group for the whole board: dark until it changes"
                        on:click=move |_| { session.submit(Command::AcknowledgeAlertGroup { group }); }>
                        "Acknowledge group"
                    </button>
                })}
            </li>
        })
    }
}

/// The warning tone: a short two-note chime every two seconds while warnings are unacknowledged.
#[derive(Clone, Copy)]
struct Tone {
    repeat: StoredValue<Option<Interval>, LocalStorage>,
    context: StoredValue<Option<web_sys::AudioContext>, LocalStorage>,
    /// The browser has not let audio start (no interaction with the page yet, or audio
    /// refused): the tone would be silent.
    blocked: RwSignal<bool>,
}

impl Tone {
    fn new() -> Self {
        Self {
            repeat: StoredValue::new_local(None),
            context: StoredValue::new_local(None),
            blocked: RwSignal::new(false),
        }
    }

    /// Asks the browser to start audio; called from a click, which it counts as permission.
    fn enable(self) {
        if self.context.with_value(Option::is_none) {
            self.context.set_value(web_sys::AudioContext::new().ok());
        }
        let resumed = self
            .context
            .with_value(|ctx| ctx.as_ref().and_then(|ctx| ctx.resume().ok()));
        let Some(resumed) = resumed else {
            return;
        };
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(resumed).await;
            self.check();
        });
    }

    /// Whether the browser lets the tone be heard now.
    fn check(self) {
        let running = self.context.with_value(|ctx| {
            ctx.as_ref()
                .is_some_and(|c| c.state() == web_sys::AudioContextState::Running)
        });
        if self.blocked.get_untracked() == running {
            self.blocked.set(!running);
        }
    }

    fn sound(self, on: bool) {
        if !on {
            self.repeat.set_value(None);
            if self.blocked.get_untracked() {
                self.blocked.set(false);
            }
            return;
        }
        if self.repeat.with_value(Option::is_some) {
            return;
        }
        self.chime();
        self.repeat
            .set_value(Some(Interval::new(2_000, move || self.chime())));
    }

    fn chime(self) {
        if self.context.with_value(Option::is_none) {
            self.context.set_value(web_sys::AudioContext::new().ok());
        }
        self.check();
        self.context.with_value(|ctx| {
            let Some(ctx) = ctx else { return };
            let start = ctx.current_time();
            for (i, freq) in [880.0_f32, 660.0].into_iter().enumerate() {
                let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
                    return;
                };
                osc.frequency().set_value(freq);
                gain.gain().set_value(0.15);
                let at = start + i as f64 * 0.18;
                let _ = osc.connect_with_audio_node(&gain);
                let _ = gain.connect_with_audio_node(&ctx.destination());
                let _ = osc.start_with_when(at);
                let _ = osc.stop_with_when(at + 0.15);
            }
        });
    }
}

/// The status-update cadence: the countdown for everyone, the setting for the commander and
/// communications.
#[component]
pub fn Cadence() -> impl IntoView {
    let session = expect_context::<Session>();
    let board = expect_context::<Board>();
    let identity = expect_context::<Identity>();
    let clock = expect_context::<Clock>();
    let me = identity.participant();
    let due = slice(board, |i| {
        i.next_update_due()
            .map(|d| (d, i.cadence.as_ref().map_or(0, |c| c.every_minutes)))
    });
    // A closed incident owes no more status updates: the countdown stops and goes.
    let closed = slice(board, warroom_core::Incident::is_closed);
    let can_set = slice(board, move |i| {
        i.holds(&me, Role::Commander) || i.holds(&me, Role::Communications)
    });
    let last = RwSignal::new(None::<CommandId>);
    let set = move |ev: web_sys::Event| {
        let value = event_target_value(&ev);
        let every = value.parse::<u32>().ok();
        last.set(Some(session.submit(Command::SetCadence {
            every_minutes: every,
        })));
    };
    view! {
        <Show when=move || closed.get() == Some(false)>
        <div class="cadence">
            <label for="cadence">"Status updates"</label>
            <select id="cadence" disabled=move || can_set.get() != Some(true) on:change=set
                title=move || if can_set.get() == Some(true) { "" } else { "Set by the commander or communications" }>
                <option value="" selected=move || due.get().flatten().is_none()>"No cadence"</option>
                {[5u32, 10, 15, 20, 30, 45, 60].into_iter().map(|m| view! {
                    <option value=m.to_string() selected=move || due.get().flatten().is_some_and(|d| d.1 == m)>
                        {format!("every {m} min")}
                    </option>
                }).collect_view()}
            </select>
            {move || due.get().flatten().map(|(at, _)| {
                let left = (at - clock.now()).num_seconds();
                if left < 0 {
                    view! { <span class="mono update-due overdue">{format!("UPDATE OVERDUE {}", countdown(-left))}</span> }.into_any()
                } else {
                    view! { <span class="mono update-due">{format!("next update in {}", countdown(left))}</span> }.into_any()
                }
            })}
            <CommandResult id=last />
        </div>
        </Show>
    }
}
