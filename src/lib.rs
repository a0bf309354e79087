//! Warroom's browser app: a Leptos single-page crew board.
//!
//! # Tour
//! - [`App`]: the shell — identity, clock, theme and routing, provided as context; nothing
//!   but the sign-in form until the server has said who this is.
//! - [`route`]: the few routes, read from and written to the address bar.
//! - [`identity`]: who this browser is signed in as (the server's session).
//! - [`clock`]: the ticking server-corrected "now" and the `T+` / UTC formats.
//! - [`api`]: the JSON API over `fetch` (session, list, declare, scenarios).
//! - [`sync`]: the WebSocket session — folds server events with warroom-core's `apply`,
//!   pending commands, reconnects, gap checks.
//! - [`lobby`]: who you are (rename, sign out), incident list, declare.
//! - [`board`]: the war-room board and its panels.
//! - [`review`]: the flight recorder — the board at any moment, metrics, exports, and the
//!   scorecard of an exercise.
//! - [`scenarios`]: the training scenario library and the scenario-file checker.
//! - [`widgets`]: small shared controls.
//!
//! The app never changes the board itself: it sends commands and folds the events the server
//! broadcasts, exactly like every other browser on the incident.

use leptos::prelude::*;

pub mod api;
pub mod board;
pub mod clock;
pub mod identity;
pub mod lobby;
pub mod review;
pub mod route;
pub mod scenarios;
pub mod sync;
pub mod widgets;

use crate::clock::Clock;
use crate::identity::{Access, Identity};
use crate::route::{Route, Router};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let identity = Identity::load();
    let clock = Clock::start();
    let router = Router::install();
    widgets::Theme::load().apply();
    provide_context(identity);
    provide_context(clock);
    provide_context(router);
    // Deduplicated, so that a repeated "signed out" does not rebuild the page.
    let access = Memo::new(move |_| identity.access.get());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
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
