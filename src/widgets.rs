//! Small controls shared by the pages: the theme switch, the sign-in form, in-app links, and the
//! line that tells a person what became of the command they just sent; the modal [`dialog`].

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::{CommandId, IncidentId};

use crate::api::{self, AuthMode};
use crate::identity::Identity;
use crate::route::{Route, Router};
use crate::sync::{Outcome, Session};

pub mod dialog;

const THEME_KEY: &str = "warroom.theme";

/// The colour theme: the system's (`prefers-color-scheme`) until the person picks one, which
/// is then kept in local storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

impl Theme {
    /// The theme the person picked, if they ever did.
    fn chosen() -> Option<Self> {
        match LocalStorage::get::<String>(THEME_KEY).as_deref() {
            Ok("light") => Some(Self::Light),
            Ok("dark") => Some(Self::Dark),
            _ => None,
        }
    }

    /// The system's preference: light only when it asks for light.
    fn system() -> Self {
        let light = window()
            .match_media("(prefers-color-scheme: light)")
            .ok()
            .flatten()
            .is_some_and(|q| q.matches());
        if light { Self::Light } else { Self::Dark }
    }

    /// The picked theme, else the system's.
    pub fn load() -> Self {
        Self::chosen().unwrap_or_else(Self::system)
    }

    fn name(self) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Light => "light",
        }
    }

    /// Shows the page in this theme (remembers nothing).
    pub fn apply(self) {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", self.name());
        }
    }

    /// The person picked this theme: shown, and kept from now on.
    pub fn choose(self) {
        self.apply();
        let _ = LocalStorage::set(THEME_KEY, self.name());
    }
}

/// The theme shown, for every [`ThemeToggle`] of the page.
#[derive(Clone, Copy)]
struct ThemeShown(RwSignal<Theme>);

/// Shows the theme and provides it as context (call once, in the app's root): until the person
/// picks one, it follows the system's preference as it changes.
pub fn provide_theme() {
    let shown = RwSignal::new(Theme::load());
    shown.get_untracked().apply();
    provide_context(ThemeShown(shown));
    if let Ok(Some(query)) = window().match_media("(prefers-color-scheme: light)") {
        let on_change = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if Theme::chosen().is_none() {
                let theme = Theme::system();
                theme.apply();
                shown.set(theme);
            }
        });
        query.set_onchange(Some(wasm_bindgen::JsCast::unchecked_ref(
            on_change.as_ref(),
        )));
        // The listener lives as long as the page.
        on_change.forget();
    }
}

/// A button that switches between the dark and the light theme (and keeps the choice).
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme =
        use_context::<ThemeShown>().map_or_else(|| RwSignal::new(Theme::load()), |shown| shown.0);
    view! {
        <button
            type="button"
            class="ghost"
            aria-pressed=move || (theme.get() == Theme::Light).to_string()
            on:click=move |_| {
                let next = if theme.get_untracked() == Theme::Dark { Theme::Light } else { Theme::Dark };
                next.choose();
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

/// Signing in: the display name (and the team's join code when the server asks for one),
/// posted to `/api/session`. The server issues the identity; with an identity provider it is
/// a link to the provider's sign-in, and in proxy mode there is nothing to type, so the page
/// says what went wrong instead.
#[component]
pub fn SignInForm(
    /// The incident of the link that was opened, if any: said on the form.
    incident: Option<IncidentId>,
    /// The link was an invitation, accepted once the person is signed in.
    #[prop(optional)]
    invited: bool,
) -> impl IntoView {
    view! {
        <main id="main" class="page narrow">
            <h1>"Warroom"</h1>
            <SignInPanel incident=incident invited=invited />
        </main>
    }
}

/// The sign-in form without its page: also offered in the lobby of a browser that only
/// watches an incident through an observer link.
#[component]
pub fn SignInPanel(
    /// The incident of the link that was opened, if any: said on the form.
    incident: Option<IncidentId>,
    /// The link was an invitation, accepted once the person is signed in.
    #[prop(optional)]
    invited: bool,
) -> impl IntoView {
    let identity = expect_context::<Identity>();
    view! {
        {move || match identity.auth.get() {
            None => view! { <p class="hint" role="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <Unavailable message=e /> }.into_any(),
            Some(Ok(info)) if info.mode == AuthMode::Proxy => view! {
                <section class="card stack" aria-labelledby="proxy-h">
                    <h2 id="proxy-h">"You are not signed in"</h2>
                    <p>
                        "This Warroom signs people in through your organisation's sign-in proxy, "
                        "which should have signed you in before this page opened. Reload the page; "
                        "if that does not help, tell whoever runs Warroom."
                    </p>
                    <button type="button" class="primary" on:click=move |_| reload()>"Reload"</button>
                </section>
            }.into_any(),
            Some(Ok(info)) if info.mode == AuthMode::Oidc => view! {
                <ProviderSignIn
                    login_url=info.login_url.unwrap_or_else(|| "/auth/login".into())
                    incident=incident.clone()
                />
            }.into_any(),
            Some(Ok(info)) => view! {
                <NameForm join_code=info.join_code incident=incident.clone() invited=invited />
            }.into_any(),
        }}
    }
}

/// The identity-provider sign-in: one link, a navigation to the server's `/auth/login`, which
/// sends the browser to the provider and, once signed in, back to this very page.
#[component]
fn ProviderSignIn(login_url: String, incident: Option<IncidentId>) -> impl IntoView {
    let location = window().location();
    let here = format!(
        "{}{}",
        location.pathname().unwrap_or_else(|_| "/".into()),
        location.search().unwrap_or_default()
    );
    let href = format!(
        "{login_url}?return={}",
        String::from(js_sys::encode_uri_component(&here))
    );
    view! {
        <section class="card stack" aria-labelledby="provider-h">
            <h2 id="provider-h">
                {if incident.is_some() { "Sign in to join this incident" } else { "Sign in" }}
            </h2>
            {incident.is_some().then(|| view! {
                <p class="hint">"You opened the link to an incident; its board opens once you are signed in."</p>
            })}
            <p>"This Warroom signs people in with your organisation's account."</p>
            <a class="button primary" href=href>"Sign in with your organisation"</a>
            <p class="hint">"Your crew sees the name your organisation knows you by. This browser stays signed in until you sign out."</p>
        </section>
    }
}

/// The open-mode form: name, maybe the join code, Continue.
#[component]
fn NameForm(join_code: bool, incident: Option<IncidentId>, invited: bool) -> impl IntoView {
    let identity = expect_context::<Identity>();
    let draft = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Which incident the link is for, if the server may say so to somebody not signed in yet
    // (never for a restricted one: then it is "an incident").
    let title = RwSignal::new(None::<String>);
    if let Some(id) = incident.clone().filter(|_| !invited) {
        spawn_local(async move { title.set(api::incident_title(&id).await) });
    }
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = draft.get_untracked();
        if name.trim().is_empty() {
            error.set(Some("Enter the name your crew knows you by.".into()));
            return;
        }
        let code = join_code.then(|| code.get_untracked().trim().to_owned());
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_in(name.trim().to_owned(), code).await {
                Ok(me) => identity.signed_in(me),
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="card stack" on:submit=submit aria-labelledby="sign-in-h">
            <h2 id="sign-in-h">
                {if invited { "Sign in to accept the invitation" } else if incident.is_some() { "Sign in to join this incident" } else { "Sign in" }}
            </h2>
            {incident.is_some().then(|| if invited {
                view! {
                    <p class="hint">"You were invited to an incident that only its members see. Sign in and the invitation makes you one; then its board opens."</p>
                }.into_any()
            } else {
                view! {
                    <p class="hint">"You are joining "
                        {move || match title.get() {
                            Some(title) => view! { "the incident " <strong class="joining">{format!("“{title}”")}</strong> }.into_any(),
                            None => view! { "an incident" }.into_any(),
                        }}
                        "; its board opens once you are signed in."</p>
                }.into_any()
            })}
            <label for="display-name">"Your name"</label>
            <input
                id="display-name"
                autocomplete="name"
                autofocus
                maxlength="200"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            />
            <p class="hint">"Shown to your crew on every board. This browser stays signed in until you sign out."</p>
            {join_code.then(|| view! {
                <label for="join-code">"Team join code"</label>
                <input
                    id="join-code"
                    type="password"
                    autocomplete="off"
                    prop:value=move || code.get()
                    on:input=move |ev| code.set(event_target_value(&ev))
                />
                <p class="hint">"Ask your team for it: this Warroom only lets its team in."</p>
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Continue" }}
            </button>
        </form>
    }
}

/// The server could not be asked who this is: the reason, and a way to try again.
#[component]
pub fn Unavailable(
    /// What went wrong, in words.
    message: String,
) -> impl IntoView {
    let identity = expect_context::<Identity>();
    view! {
        <section class="card stack" aria-labelledby="unavailable-h">
            <h2 id="unavailable-h">"Warroom cannot say who you are yet"</h2>
            <p class="error" role="alert">{message}</p>
            <button type="button" class="primary" on:click=move |_| identity.check()>"Try again"</button>
        </section>
    }
}

/// Reloads the page (to get the current app, or a proxy's fresh sign-in).
pub fn reload() {
    let _ = window().location().reload();
}

/// What became of the command `id` (if any): "Sending…", nothing once done, or the server's
/// rejection in its own words, right where the person acted.
#[component]
pub fn CommandResult(
    /// The last command sent from this spot.
    id: RwSignal<Option<CommandId>>,
) -> impl IntoView {
    // A replayed board has no session, and sends nothing.
    let session = use_context::<Session>();
    let outcome = Memo::new(move |_| {
        let id = id.get()?;
        session?.outcomes.with(|o| o.get(&id).cloned())
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
