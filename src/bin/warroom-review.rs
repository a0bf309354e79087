//! The review page's entry point (`review.html`), loaded by navigating to an incident's review.

use leptos::prelude::*;
use warroom_app::review;
use warroom_app::route::{Entry, Route};

fn main() {
    warroom_app::mount(Entry::Review, |route| match route {
        Route::Review(id) => view! { <review::ReviewPage incident=id /> }.into_any(),
        _ => ().into_any(),
    });
}
