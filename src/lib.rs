//! Warroom's browser app: a Leptos single-page crew board.
//!
//! # Tour
//! - [`App`]: the shell — identity, clock, theme and routing, provided as context.
//! - [`route`]: the few routes, read from and written to the address bar.
//! - [`identity`]: this browser's participant id and display name (local storage).
//! - [`clock`]: the ticking server-corrected "now" and the `T+` / UTC formats.
//! - [`api`]: the JSON API over `fetch` (list, declare).
//! - [`sync`]: the WebSocket session — folds server events with warroom-core's `apply`,
//!   pending commands, reconnects, gap checks.
//! - [`lobby`]: name, incident list, declare.
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
use crate::identity::Identity;
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
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
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
