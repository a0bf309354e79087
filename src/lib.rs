//! Warroom's browser app: a Leptos single-page crew board.
//!
//! # Tour
//! - [`App`]: the shell — identity, clock, theme and routing, provided as context; nothing
//!   but the sign-in form until the server has said who this is.
//! - [`route`]: the few routes, read from and written to the address bar.
//! - [`identity`]: who this browser is signed in as (the server's session), or that it only
//!   watches one incident through an observer link.
//! - [`links`]: opening an invitation or observer link before anything else.
//! - [`clock`]: the ticking server-corrected "now" and the `T+` / UTC formats.
//! - [`api`]: the JSON API over `fetch` (session, list, declare, scenarios).
//! - [`sync`]: the WebSocket session — folds server events with warroom-core's `apply`,
//!   pending commands, reconnects, gap checks.
//! - [`lobby`]: who you are (rename, sign out), incident list, declare.
//! - [`board`]: the war-room board and its panels, which read the id-keyed [`board::Board`]
//!   store (live, or a replayed moment) and keep what is typed in [`board::drafts`].
//! - [`review`]: the flight recorder — the board's own panels, read-only, at any moment;
//!   metrics, exports, and the scorecard of an exercise.
//! - [`admin`]: the admin's integration tokens (`/admin/tokens`): list, make, revoke.
//! - [`scenarios`]: the training scenario library and the scenario-file checker.
//! - [`admin`]: the admin's webhook page — subscriptions and the delivery log.
//! - [`widgets`]: small shared controls.
//!
//! The app never changes the board itself: it sends commands and folds the events the server
//! broadcasts, exactly like every other browser on the incident.

use leptos::prelude::*;

pub mod admin;
pub mod api;
pub mod board;
pub mod clock;
pub mod identity;
pub mod links;
pub mod lobby;
pub mod review;
pub mod route;
pub mod scenarios;
pub mod sync;
pub mod widgets;

use crate::clock::Clock;
use crate::identity::{Access, Identity};
use crate::links::{LinkToken, Opener, Opening};
use crate::route::{Route, Router};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // A link's token is handed to the server before anyone asks who this is: accepting an
    // observer link changes the answer.
    let token = LinkToken::from_location();
    let identity = if token.is_some() {
        Identity::unchecked()
    } else {
        Identity::load()
    };
    let clock = Clock::start();
    let router = Router::install();
    widgets::provide_theme();
    provide_context(identity);
    provide_context(clock);
    provide_context(router);
    let opener = Opener::start(token, identity, router);
    provide_context(opener);
    // Deduplicated, so that a repeated "signed out" does not rebuild the page.
    let access = Memo::new(move |_| identity.access.get());
    let opening = Memo::new(move |_| match opener.state.get() {
        Opening::NeedsSignIn if opener.needs_sign_in(identity) => Some(Opening::NeedsSignIn),
        Opening::NeedsSignIn | Opening::Done => None,
        other => Some(other),
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        {move || match opening.get() {
            Some(Opening::Accepting) => view! {
                <main id="main" class="page narrow" aria-busy="true">
                    <h1>"Warroom"</h1>
                    <p role="status">"Opening the link…"</p>
                </main>
            }
            .into_any(),
            Some(Opening::Failed(message)) => view! {
                <main id="main" class="page narrow">
                    <h1>"This link cannot be opened"</h1>
                    <p class="error" role="alert">{message}</p>
                    <p><a href="/" on:click=move |ev| { ev.prevent_default(); opener.dismiss(router); }>"Go to the lobby"</a></p>
                </main>
            }
            .into_any(),
            Some(Opening::NeedsSignIn) => {
                let incident = match router.route.get_untracked() {
                    Route::Board(id) | Route::Review(id) => Some(id),
                    _ => None,
                };
                view! { <widgets::SignInForm incident=incident invited=true /> }.into_any()
            }
            Some(Opening::Done) | None => view! { <Shell access=access /> }.into_any(),
        }}
    }
}

/// The pages once any link is open: nothing but the sign-in form until the server has said
/// who this is.
#[component]
fn Shell(access: Memo<Access>) -> impl IntoView {
    let router = expect_context::<Router>();
    view! {
        {move || match access.get() {
            Access::Checking => view! { <main id="main" class="page narrow" aria-busy="true"></main> }.into_any(),
            Access::Failed(message) => view! {
                <main id="main" class="page narrow">
                    <h1>"Warroom"</h1>
                    <widgets::Unavailable message=message />
                </main>
            }
            .into_any(),
            Access::SignedOut => {
                let incident = match router.route.get_untracked() {
                    Route::Board(id) | Route::Review(id) => Some(id),
                    _ => None,
                };
                view! { <widgets::SignInForm incident=incident /> }.into_any()
            }
            Access::SignedIn => view! { <Pages /> }.into_any(),
        }}
    }
}

/// The page for the current route, once signed in.
#[component]
fn Pages() -> impl IntoView {
    let router = expect_context::<Router>();
    view! {
        {move || match router.route.get() {
            Route::Lobby => view! { <lobby::Lobby /> }.into_any(),
            Route::Board(id) => view! { <board::BoardPage incident=id /> }.into_any(),
            Route::Review(id) => view! { <review::ReviewPage incident=id /> }.into_any(),
            Route::Scenarios => view! { <scenarios::ScenarioLibrary /> }.into_any(),
            Route::AdminTokens => view! { <admin::TokensPage /> }.into_any(),
            Route::Webhooks => view! { <admin::WebhooksPage /> }.into_any(),
            Route::NotFound => view! {
                <main id="main" class="page narrow">
                    <h1>"Page not found"</h1>
                    <p><a href="/" on:click=move |ev| { ev.prevent_default(); router.go(Route::Lobby); }>"Back to the lobby"</a></p>
                </main>
            }
            .into_any(),
        }}
    }
}
