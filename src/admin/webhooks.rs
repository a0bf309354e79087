//! The admin's webhook page, `/admin/webhooks`: the subscriptions (never their secrets), a
//! form to add one — URL, events, format, name — that shows the new secret once, a Remove
//! button on each, and the delivery log (status, attempts, last error, next attempt), all or
//! failed only. The server decides who is an admin; anyone else is told so.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::api::webhooks::{
    Delivery, Webhook, WebhookCreated, WebhookFormat, WebhookRequest, WebhookTopic,
};

use crate::api;
use crate::route::Route;
use crate::widgets::{AppLink, ThemeToggle};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let hooks = RwSignal::new(None::<Result<Vec<Webhook>, String>>);
    let log = RwSignal::new(None::<Result<Vec<Delivery>, String>>);
    let failed_only = RwSignal::new(false);
    let created = RwSignal::new(None::<WebhookCreated>);
    let refresh = move || {
        spawn_local(async move {
            hooks.set(Some(api::webhooks().await));
            log.set(Some(api::deliveries(failed_only.get_untracked()).await));
        });
    };
    refresh();
    let remove = move |id: String| {
        spawn_local(async move {
            if let Err(e) = api::remove_webhook(&id).await {
                hooks.set(Some(Err(e)));
            }
            created.set(None);
            refresh();
        });
    };
    view! {
        <header class="topbar">
            <AppLink to=Route::Lobby class="brand">"Warroom"</AppLink>
            <span>"Webhooks"</span>
            <ThemeToggle />
        </header>
        <main id="main" class="page">
            <section class="card" aria-labelledby="hooks-h">
                <h1 id="hooks-h">"Outbound webhooks"</h1>
                <p class="hint">
                    "Chosen events of every incident are posted to each URL, signed, at least once and in order per incident. "
                    "Exercises and restricted incidents send nothing."
                </p>
                {move || match hooks.get() {
                    None => view! { <p role="status">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p>"No webhooks yet."</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <table aria-label="Webhooks">
                            <thead><tr><th>"Name"</th><th>"URL"</th><th>"Format"</th><th>"Events"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|h| {
                                    let id = h.id.clone();
                                    let events = h.events.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ");
                                    let label = format!("Remove {}", h.name);
                                    view! {
                                        <tr>
                                            <td>{h.name.clone()}</td>
                                            <td><code>{h.url.clone()}</code></td>
                                            <td>{h.format.name()}</td>
                                            <td>{events}</td>
                                            <td><button type="button" aria-label=label on:click=move |_| remove(id.clone())>"Remove"</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }}
                {move || created.get().map(|made| view! {
                    <div class="card" role="status">
                        <p>{format!("Webhook “{}” created. Its signing secret, shown this once:", made.webhook.name)}</p>
                        <p><code aria-label="Signing secret">{made.secret}</code></p>
                    </div>
                })}
            </section>
            <AddWebhook created=created refresh=refresh />
            <section class="card" aria-labelledby="log-h">
                <h2 id="log-h">"Delivery log"</h2>
                <label>
                    <input type="checkbox" prop:checked=move || failed_only.get()
                        on:change=move |ev| { failed_only.set(event_target_checked(&ev)); refresh(); } />
                    " Failed only"
                </label>
                <button type="button" on:click=move |_| refresh()>"Refresh"</button>
                {move || match log.get() {
                    None => view! { <p role="status">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(rows)) if rows.is_empty() => view! { <p>"No deliveries."</p> }.into_any(),
                    Some(Ok(rows)) => view! {
                        <table aria-label="Deliveries">
                            <thead><tr><th>"Event"</th><th>"Incident"</th><th>"Status"</th><th>"Attempts"</th><th>"Last error"</th><th>"Next attempt"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|d| view! {
                                    <tr>
                                        <td>{d.event.label()}</td>
                                        <td><code>{format!("{} #{}", d.incident, d.seq)}</code></td>
                                        <td>{d.state.name()}</td>
                                        <td>{d.attempts}</td>
                                        <td>{d.last_error.unwrap_or_default()}</td>
                                        <td>{d.next_attempt_at.map(crate::clock::utc_time).unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }}
            </section>
        </main>
    }
}

/// The form that adds a subscription.
#[component]
fn AddWebhook(
    /// Set to the new subscription and its secret once made.
    created: RwSignal<Option<WebhookCreated>>,
    /// Reloads the list and the log.
    refresh: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let slack = RwSignal::new(false);
    let chosen = RwSignal::new(vec![WebhookTopic::Declared]);
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let request = WebhookRequest {
            name: Some(name.get_untracked()).filter(|n| !n.trim().is_empty()),
            url: url.get_untracked(),
            format: if slack.get_untracked() {
                WebhookFormat::Slack
            } else {
                WebhookFormat::Signed
            },
            events: chosen.get_untracked(),
        };
        spawn_local(async move {
            match api::create_webhook(&request).await {
                Ok(made) => {
                    error.set(None);
                    url.set(String::new());
                    name.set(String::new());
                    created.set(Some(made));
                    refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="add-hook-h">
            <h2 id="add-hook-h">"Add a webhook"</h2>
            <form on:submit=submit>
                <label>"URL " <input type="url" required prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev)) /></label>
                <label>"Name " <input type="text" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <fieldset>
                    <legend>"Events"</legend>
                    {WebhookTopic::ALL.into_iter().map(|topic| view! {
                        <label>
                            <input type="checkbox"
                                prop:checked=move || chosen.with(|c| c.contains(&topic))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|t| *t != topic);
                                        if on { c.push(topic); }
                                    });
                                } />
                            {format!(" {}", topic.label())}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label><input type="checkbox" prop:checked=move || slack.get()
                    on:change=move |ev| slack.set(event_target_checked(&ev)) />" Slack-compatible body"</label>
                <button type="submit">"Add webhook"</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
        </section>
    }
}
