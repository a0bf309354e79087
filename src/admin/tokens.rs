//! The admin's page of integration tokens (`/admin/tokens`): the list (name, scopes, created,
//! last used, revoked — never a secret), making one (its secret shown once, with a copy
//! button) and revoking one after a confirmation. Only the server's admins get the list; for
//! anyone else the server answers 403 and the page says so.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::api::{TokenInfo, TokenMade, TokenScope};

use crate::api;
use crate::route::Route;
use crate::widgets::dialog::Dialog;
use crate::widgets::{AppLink, ThemeToggle};

/// What the page has of the list.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    Loading,
    Tokens(Vec<TokenInfo>),
    /// The server said no (403): not an admin.
    Forbidden(String),
    Failed(String),
}

/// The whole page.
#[component]
pub fn TokensPage() -> impl IntoView {
    let listing = RwSignal::new(Listing::Loading);
    let made = RwSignal::new(None::<TokenMade>);
    let reload = move || {
        spawn_local(async move {
            listing.set(match api::list_tokens().await {
                Ok(tokens) => Listing::Tokens(tokens),
                Err((403, message)) => Listing::Forbidden(message),
                Err((_, message)) => Listing::Failed(message),
            });
        });
    };
    reload();
    view! {
        <header class="topbar">
            <span class="brand">"Warroom"</span>
            <AppLink to=Route::Lobby>"Lobby"</AppLink>
            <ThemeToggle />
        </header>
        <main id="main" class="page narrow">
            <h1>"Integration tokens"</h1>
            <p>"Scripts, chat bots and monitoring act with a token: "
                <code>"Authorization: Bearer wrt_…"</code>
                ". The board shows what they do as “name (integration)”."</p>
            {move || match listing.get() {
                Listing::Loading => view! { <p role="status">"Loading…"</p> }.into_any(),
                Listing::Forbidden(message) => view! {
                    <p class="error" role="alert">{format!("Only an admin can manage integration tokens. ({message})")}</p>
                }
                .into_any(),
                Listing::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Listing::Tokens(tokens) => view! {
                    <CreateForm made=made on_made=Callback::new(move |()| reload()) />
                    <TokenTable tokens=tokens on_revoked=Callback::new(move |()| { made.set(None); reload(); }) />
                }
                .into_any(),
            }}
        </main>
    }
}

/// Making a token: a name and its scopes; then its secret, this once.
#[component]
fn CreateForm(made: RwSignal<Option<TokenMade>>, on_made: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<TokenScope>::new());
    let error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, s) = (name.get_untracked(), scopes.get_untracked());
        spawn_local(async move {
            match api::create_token(n, s).await {
                Ok(token) => {
                    error.set(None);
                    copied.set(false);
                    made.set(Some(token));
                    name.set(String::new());
                    scopes.set(Vec::new());
                    on_made.run(());
                }
                Err((_, message)) => error.set(Some(message)),
            }
        });
    };
    let copy = move |_| {
        if let Some(token) = made.get_untracked() {
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&token.token);
            spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                }
            });
        }
    };
    view! {
        <section aria-labelledby="new-token">
            <h2 id="new-token">"New token"</h2>
            <form on:submit=submit>
                <label>"Name"
                    <input type="text" required maxlength="64" prop:value=name
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {TokenScope::ALL.into_iter().map(|scope| view! {
                        <label>
                            <input type="checkbox"
                                prop:checked=move || scopes.with(|s| s.contains(&scope))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    scopes.update(|s| {
                                        s.retain(|x| *x != scope);
                                        if on { s.push(scope); }
                                    });
                                } />
                            {format!("{} — {}", scope.as_str(), scope.describe())}
                        </label>
                    }).collect_view()}
                </fieldset>
                <button type="submit">"Create token"</button>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
            {move || made.get().map(|token| view! {
                <div class="token-secret" role="region" aria-label="New token">
                    <p>{format!("Token {} made. Copy it now: it is not shown again.", token.info.name)}</p>
                    <code aria-label="Token secret">{token.token.clone()}</code>
                    <button type="button" on:click=copy>"Copy token"</button>
                    {move || copied.get().then(|| view! { <span role="status">"Copied."</span> })}
                </div>
            })}
        </section>
    }
}

/// The tokens, with a Revoke button (and its confirmation) for each one not revoked.
#[component]
fn TokenTable(tokens: Vec<TokenInfo>, on_revoked: Callback<()>) -> impl IntoView {
    let confirming = RwSignal::new(None::<TokenInfo>);
    let error = RwSignal::new(None::<String>);
    let when = |t: Option<warroom_core::Timestamp>| {
        t.map_or_else(|| "never".to_owned(), warroom_core::time::date_hh_mm)
    };
    let revoke = move |_| {
        if let Some(token) = confirming.get_untracked() {
            spawn_local(async move {
                match api::revoke_token(&token.id).await {
                    Ok(_) => {
                        confirming.set(None);
                        on_revoked.run(());
                    }
                    Err((_, message)) => error.set(Some(message)),
                }
            });
        }
    };
    let rows = tokens
        .into_iter()
        .map(|token| {
            let scopes = token
                .scopes
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let revoked = token.revoked_at;
            let label = format!("Revoke {}", token.name);
            let for_dialog = token.clone();
            view! {
                <tr>
                    <th scope="row">{token.name.clone()}</th>
                    <td>{scopes}</td>
                    <td>{warroom_core::time::date_hh_mm(token.created_at)}</td>
                    <td>{when(token.last_used_at)}</td>
                    <td>{revoked.map_or_else(
                        || view! {
                            <button type="button" aria-label=label
                                on:click=move |_| confirming.set(Some(for_dialog.clone()))>"Revoke"</button>
                        }.into_any(),
                        |t| format!("revoked {}", warroom_core::time::date_hh_mm(t)).into_any(),
                    )}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"Tokens"</h2>
            <table>
                <thead><tr><th>"Name"</th><th>"Scopes"</th><th>"Created"</th><th>"Last used"</th><th>"Revoked"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            {move || confirming.get().map(|token| view! {
                <Dialog labelled_by="revoke-heading" on_close=Callback::new(move |()| confirming.set(None))>
                    <h2 id="revoke-heading">{format!("Revoke {}?", token.name)}</h2>
                    <p>"Requests with this token are refused from now on. This cannot be undone."</p>
                    {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                    <button type="button" on:click=revoke>"Revoke token"</button>
                    <button type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                </Dialog>
            })}
        </section>
    }
}
