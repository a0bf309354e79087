//! The app's few routes, read from and written to the address bar. Every incident has a
//! shareable URL that works on reload and when pasted: the server answers unknown paths with
//! the app.

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

impl Route {
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
}

impl Router {
    /// Reads the address bar and follows the browser's back and forward buttons.
    pub fn install() -> Self {
        let route = RwSignal::new(Route::parse(&current_path()));
        let on_pop = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            route.set(Route::parse(&current_path()));
        });
        window()
            .add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref())
            .expect("popstate listener");
        // The listener lives as long as the page.
        on_pop.forget();
        Self { route }
    }

    pub fn go(&self, route: Route) {
        let path = route.path();
        if current_path() != path {
            let _ = window()
                .history()
                .and_then(|h| h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path)));
        }
        self.route.set(route);
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
}

fn current_path() -> String {
    window()
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".into())
}
