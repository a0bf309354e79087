//! Warroom's browser app: a Leptos single-page crew board.
//!
//! # Tour
//! - [`App`]: the shell — identity, clock, theme and routing, provided as context; nothing
//!   but the sign-in form until the server has said who this is. [`mount`] starts it as one
//!   of three wasm modules ([`route::Entry`]), each with its own pages: the lobby and board
//!   (`src/main.rs`, the first load), the review page (`src/bin/warroom-review.rs`), and the
//!   scenario library and admin pages (`src/bin/warroom-manage.rs`).
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
use crate::route::{Entry, Route, Router};

/// The whole app, as one entry with its pages.
#[component]
pub fn App(entry: Entry, pages: PageFn) -> impl IntoView {
    // A link's token is handed to the server before anyone asks who this is: accepting an
    // observer link changes the answer.
    let token = LinkToken::from_location();
    let identity = if token.is_some() {
        Identity::unchecked()
    } else {
        Identity::load()
    };
    let clock = Clock::start();
    let router = Router::install(entry);
    provide_context(pages);
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

/// The pages one wasm module holds, by route: each bin's own list (`src/main.rs`,
/// `src/bin/*.rs`), so that the pages of the other entries are not linked into it.
pub type PageFn = fn(Route) -> AnyView;

/// Starts the app of one entry, with its pages.
pub fn mount(entry: Entry, pages: PageFn) {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(move || view! { <App entry=entry pages=pages /> });
}

/// The page for the current route, once signed in: this entry's, or (for a route another
/// entry holds, which only a server serving the wrong page shows) a link that loads it.
#[component]
fn Pages() -> impl IntoView {
    let router = expect_context::<Router>();
    let pages = expect_context::<PageFn>();
    view! {
        {move || match router.route.get() {
            Route::NotFound => view! {
                <main id="main" class="page narrow">
                    <h1>"Page not found"</h1>
                    <p><a href="/" on:click=move |ev| { ev.prevent_default(); router.go(Route::Lobby); }>"Back to the lobby"</a></p>
                </main>
            }
            .into_any(),
            route if router.holds(&route) => pages(route),
            route => view! {
                <main id="main" class="page narrow">
                    <h1>"Warroom"</h1>
                    <p><a href=route.path()>"Open this page"</a></p>
                </main>
            }
            .into_any(),
        }}
    }
}
