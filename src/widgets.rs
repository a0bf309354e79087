//! Small controls shared by the pages: the theme switch, the name form, in-app links, and the
//! line that tells a person what became of the command they just sent.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use warroom_core::CommandId;

use crate::identity::Identity;
use crate::route::{Route, Router};
use crate::sync::{Outcome, Session};

const THEME_KEY: &str = "warroom.theme";

/// Dark by default; light on request. Kept in local storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

impl Theme {
    pub fn load() -> Self {
        match LocalStorage::get::<String>(THEME_KEY).as_deref() {
            Ok("light") => Self::Light,
            _ => Self::Dark,
        }
    }

    pub fn apply(self) {
        let name = match self {
            Self::Dark => "dark",
            Self::Light => "light",
        };
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", name);
        }
        let _ = LocalStorage::set(THEME_KEY, name);
    }
}

/// A button that switches between the dark and the light theme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(Theme::load());
    view! {
        <button
            type="button"
            class="ghost"
            aria-pressed=move || (theme.get() == Theme::Light).to_string()
            on:click=move |_| {
                let next = if theme.get_untracked() == Theme::Dark { Theme::Light } else { Theme::Dark };
                next.apply();
                theme.set(next);
            }
        >
            {move || if theme.get() == Theme::Dark { "Light theme" } else { "Dark theme" }}
        </button>
    }
}

/// An in-app link: a real `<a href>` (so it can be opened in a new tab or copied) that
/// navigates without reloading.
#[component]
pub fn AppLink(
    /// Where it goes.
    to: Route,
    /// Extra CSS classes.
    #[prop(optional, into)]
    class: String,
    children: Children,
) -> impl IntoView {
    let router = expect_context::<Router>();
    let href = to.path();
    view! {
        <a
            href=href
            class=class
            on:click=move |ev: web_sys::MouseEvent| {
                if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                    return;
                }
                ev.prevent_default();
                router.go(to.clone());
            }
        >
            {children()}
        </a>
    }
}

/// Asks for the display name once; it is kept in local storage.
#[component]
pub fn NameForm() -> impl IntoView {
    let identity = expect_context::<Identity>();
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let name = draft.get_untracked();
        if name.trim().is_empty() {
            error.set(Some("Enter the name your crew knows you by."));
        } else if name.trim().chars().count() > warroom_core::MAX_TITLE_CHARS {
            error.set(Some("That name is too long."));
        } else {
            identity.set_name(&name);
        }
    };
    view! {
        <main id="main" class="page narrow">
            <h1>"Warroom"</h1>
            <form class="card stack" on:submit=submit>
                <label for="display-name">"Your name"</label>
                <input
                    id="display-name"
                    autocomplete="name"
                    autofocus
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <p class="hint">"Shown to your crew on every board. Kept in this browser only."</p>
                {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <button type="submit" class="primary">"Continue"</button>
            </form>
        </main>
    }
}

/// What became of the command `id` (if any): "Sending…", nothing once done, or the server's
/// rejection in its own words, right where the person acted.
#[component]
pub fn CommandResult(
    /// The last command sent from this spot.
    id: RwSignal<Option<CommandId>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let outcome = Memo::new(move |_| {
        let id = id.get()?;
        session.outcomes.with(|o| o.get(&id).cloned())
    });
    view! {
        {move || match outcome.get() {
            Some(Outcome::Pending) => {
                view! { <span class="pending" role="status">"Sending…"</span> }.into_any()
            }
            Some(Outcome::Rejected(message)) => {
                view! { <span class="error" role="alert">{message}</span> }.into_any()
            }
            _ => ().into_any(),
        }}
    }
}
