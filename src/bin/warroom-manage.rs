//! The entry point of the scenario library and the admin's pages (`manage.html`).

use leptos::prelude::*;
use warroom_app::route::{Entry, Route};
use warroom_app::{admin, scenarios};

fn main() {
    warroom_app::mount(Entry::Manage, |route| match route {
        Route::AdminTokens => view! { <admin::TokensPage /> }.into_any(),
        Route::Webhooks => view! { <admin::WebhooksPage /> }.into_any(),
        _ => view! { <scenarios::ScenarioLibrary /> }.into_any(),
    });
}
