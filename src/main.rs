//! The first load's entry point (`index.html`): the lobby and the board. Every other page is
//! another wasm module (`src/bin/`), loaded by navigating to it.

use leptos::prelude::*;
use warroom_app::route::{Entry, Route};
use warroom_app::{board, lobby};

fn main() {
    warroom_app::mount(Entry::Board, |route| match route {
        Route::Board(id) => view! { <board::BoardPage incident=id /> }.into_any(),
        _ => view! { <lobby::Lobby /> }.into_any(),
    });
}
