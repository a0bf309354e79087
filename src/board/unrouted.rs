//! The unrouted alert groups — those no routing rule sent anywhere and nobody linked yet —
//! for the commander, under the annunciator's list: each with its count and common labels
//! and a *Link to this incident* button; nothing at all while there are none. Read from
//! `GET /api/alerts/unrouted` when shown, every five seconds while it is, and on *Refresh*;
//! linking is `POST /api/incidents/{id}/alert-groups`, after which the group
//! arrives on the board like any other (through the room) and leaves this list.

use gloo_timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::sync::Session;

#[component]
pub fn UnroutedAlerts() -> impl IntoView {
    let session = expect_context::<Session>();
    let groups = RwSignal::new(Vec::<api::UnroutedAlertGroupView>::new());
    let error = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn_local(async move {
            match api::unrouted_alerts().await {
                Ok(list) => {
                    groups.set(list.groups.into_iter().map(Into::into).collect());
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    refresh();
    // Polled while shown (the list is in memory on the server, and small); the timer goes
    // with the component.
    let timer = StoredValue::new_local(Some(Interval::new(5_000, refresh)));
    on_cleanup(move || timer.set_value(None));
    let link = move |key: String| {
        let incident = session.incident.get_value();
        spawn_local(async move {
            match api::link_alert_group(&incident, key).await {
                Ok(_) => refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let shown = move || error.with(Option::is_some) || groups.with(|g| !g.is_empty());
    view! {
        <Show when=shown>
        <section class="unrouted" aria-label="Unrouted alerts">
            <div class="row">
                <h3>"Unrouted alerts"</h3>
                <button type="button" class="ghost small" on:click=move |_| refresh()>"Refresh"</button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <ul role="list">
                <For each=move || groups.get() key=|g| g.key.clone() children=move |g| {
                    let key = g.key.clone();
                    view! {
                        <li>
                            <span class="tier">{g.level}</span>
                            " " <strong>{g.title}</strong>
                            " " <button type="button" class="small" on:click=move |_| link(key.clone())>
                                "Link to this incident"
                            </button>
                        </li>
                    }
                } />
            </ul>
        </section>
        </Show>
    }
}
