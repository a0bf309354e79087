//! The app's few routes, read from and written to the address bar. Every incident has a
//! shareable URL that works on reload and when pasted: the server answers unknown paths with
//! the app.
//!
//! The app is three wasm modules, one per [`Entry`] (each its own HTML page, which the server
//! serves at the entry's routes), so that a board's first load carries neither the review page
//! nor the library and admin pages: a link to a route of another entry is an ordinary page
//! load, a link within the entry a history push.

use leptos::prelude::*;
use warroom_core::{IncidentId, TextId};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Lobby,
    Board(IncidentId),
    Review(IncidentId),
    Scenarios,
    /// The admin's integration tokens.
    AdminTokens,
    /// The admin's webhook page.
    Webhooks,
    NotFound,
}

/// One of the app's wasm modules, with the pages it holds: `index.html`, `review.html` and
/// `manage.html` in `dist/`. The server's `http::entries` serves each at these routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The lobby and the board: the first load.
    Board,
    /// The flight recorder.
    Review,
    /// The scenario library and the admin's pages.
    Manage,
}

impl Route {
    /// The wasm module that holds this route's page (every one shows "not found").
    pub fn entry(&self) -> Entry {
        match self {
            Self::Lobby | Self::Board(_) | Self::NotFound => Entry::Board,
            Self::Review(_) => Entry::Review,
            Self::Scenarios | Self::AdminTokens | Self::Webhooks => Entry::Manage,
        }
    }

    pub fn parse(path: &str) -> Self {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match parts.as_slice() {
            [""] => Self::Lobby,
            ["scenarios"] => Self::Scenarios,
            ["admin", "tokens"] => Self::AdminTokens,
            ["admin", "webhooks"] => Self::Webhooks,
            ["incidents", id] => IncidentId::parse(id).map_or(Self::NotFound, Self::Board),
            ["incidents", id, "review"] => {
                IncidentId::parse(id).map_or(Self::NotFound, Self::Review)
            }
            _ => Self::NotFound,
        }
    }

    pub fn path(&self) -> String {
        match self {
            Self::Lobby | Self::NotFound => "/".into(),
            Self::Board(id) => format!("/incidents/{id}"),
            Self::Review(id) => format!("/incidents/{id}/review"),
            Self::Scenarios => "/scenarios".into(),
            Self::AdminTokens => "/admin/tokens".into(),
            Self::Webhooks => "/admin/webhooks".into(),
        }
    }
}

/// The current route, provided as context.
#[derive(Clone, Copy)]
pub struct Router {
    pub route: RwSignal<Route>,
    /// The wasm module this page runs.
    pub entry: Entry,
}

impl Router {
    /// Reads the address bar and follows the browser's back and forward buttons.
    pub fn install(entry: Entry) -> Self {
        let route = RwSignal::new(Route::parse(&current_path()));
        let on_pop = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            route.set(Route::parse(&current_path()));
        });
        window()
            .add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref())
            .expect("popstate listener");
        // The listener lives as long as the page.
        on_pop.forget();
        Self { route, entry }
    }

    /// Goes to `route`: a history push within this page's entry, a page load into another.
    pub fn go(&self, route: Route) {
        let path = route.path();
        if !self.holds(&route) {
            let _ = window().location().assign(&path);
            return;
        }
        if current_path() != path {
            let _ = window()
                .history()
                .and_then(|h| h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path)));
        }
        self.route.set(route);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
}

impl Router {
    /// Shows `route` in place of the current one (the address bar already says it): in this
    /// page where its entry holds it, else by loading the other entry at the current address.
    pub fn show(&self, route: Route) {
        if self.holds(&route) {
            self.route.set(route);
        } else {
            let _ = window().location().reload();
        }
    }

    /// Whether this page's wasm module holds `route`'s page.
    pub fn holds(&self, route: &Route) -> bool {
        *route == Route::NotFound || route.entry() == self.entry
    }
}

fn current_path() -> String {
    window()
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".into())
}
