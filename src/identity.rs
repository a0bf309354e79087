//! Who this browser is signed in as. Identities are issued by the server: the app asks
//! `GET /api/session` at start-up and shows the sign-in form when there is no session. The
//! session itself is an `HttpOnly` cookie the app never sees; it only keeps the answer.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::{IncidentId, ParticipantId, TextId};

use crate::api::{self, AuthInfo, Me};

/// Local-storage keys of the version-1 identity (a participant id the browser made up). They
/// mean nothing to the server now and are removed on load.
const LEGACY_KEYS: [&str; 2] = ["warroom.participant", "warroom.name"];

/// Where signing in stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Asking the server who this is.
    Checking,
    /// No session: the sign-in form.
    SignedOut,
    SignedIn,
    /// The server could not say (unreachable, or an unexpected answer).
    Failed(String),
}

/// The signed-in person, provided as context by the app. The board's panels are only
/// rendered while signed in, so [`Identity::participant`] is the issued id there.
#[derive(Clone, Copy)]
pub struct Identity {
    pub access: RwSignal<Access>,
    /// How this server signs people in; `None` until the server has answered.
    pub auth: RwSignal<Option<Result<AuthInfo, String>>>,
    id: RwSignal<Option<ParticipantId>>,
    /// The display name; empty while signed out.
    pub name: RwSignal<String>,
    /// Whether the person is one of the server's admins.
    pub admin: RwSignal<bool>,
    /// Set when nobody is signed in here and the browser holds an observer link: it may only
    /// watch this incident, read-only.
    pub observer_of: RwSignal<Option<IncidentId>>,
}

impl Identity {
    /// Starts asking the server who this browser is signed in as.
    pub fn load() -> Self {
        let identity = Self::unchecked();
        identity.check();
        identity
    }

    /// The identity before the server has been asked (which [`Identity::check`] does): for a
    /// page that must open a link first, since that can change the answer.
    pub fn unchecked() -> Self {
        for key in LEGACY_KEYS {
            LocalStorage::delete(key);
        }
        let identity = Self {
            access: RwSignal::new(Access::Checking),
            auth: RwSignal::new(None),
            id: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            admin: RwSignal::new(false),
            observer_of: RwSignal::new(None),
        };
        // Any 401 from the API means the session is gone.
        api::on_unauthorized(move || identity.signed_out());
        identity
    }

    /// Asks the server again how to sign in and who is signed in.
    pub fn check(&self) {
        let identity = *self;
        identity.access.set(Access::Checking);
        if !identity.auth.with_untracked(|a| matches!(a, Some(Ok(_)))) {
            identity.auth.set(None);
            spawn_local(async move { identity.auth.set(Some(api::auth_info().await)) });
        }
        spawn_local(async move {
            match api::session().await {
                Ok(Some(me)) => identity.signed_in(me),
                Ok(None) => identity.signed_out(),
                Err(e) => identity.access.set(Access::Failed(e)),
            }
        });
    }

    /// The server issued (or confirmed) this identity.
    pub fn signed_in(&self, me: Me) {
        self.id.set(Some(me.participant));
        self.name.set(me.name);
        self.admin.set(me.admin);
        self.observer_of.set(me.observer_of);
        self.access.set(Access::SignedIn);
    }

    /// The session is gone (signed out, expired, or never there).
    pub fn signed_out(&self) {
        if self.access.get_untracked() != Access::SignedOut {
            self.access.set(Access::SignedOut);
            self.id.set(None);
            self.name.set(String::new());
            self.admin.set(false);
            self.observer_of.set(None);
        }
    }

    /// Ends the session; who it was, if anyone. The caller forgets the commands they left
    /// unsent (`sync::forget_pending`): whoever signs in next is someone else to the server.
    pub async fn sign_out(self) -> Result<Option<ParticipantId>, String> {
        api::sign_out().await?;
        let me = self.id.get_untracked();
        self.signed_out();
        Ok(me)
    }

    /// Whether this browser only watches an incident through an observer link, with nobody
    /// signed in.
    pub fn is_observer(&self) -> bool {
        self.observer_of.with(Option::is_some)
    }

    /// Whether the person signs in here with a display name (not through a proxy or an
    /// identity provider), so can change it. `false` until the server has said.
    pub fn open_mode(&self) -> bool {
        self.mode() == Some(api::AuthMode::Open)
    }

    /// Whether the session is this server's to end (open and identity-provider modes; behind
    /// a proxy, signing out is the proxy's business). `false` until the server has said.
    pub fn can_sign_out(&self) -> bool {
        matches!(self.mode(), Some(api::AuthMode::Open | api::AuthMode::Oidc))
    }

    fn mode(&self) -> Option<api::AuthMode> {
        self.auth.with(|a| {
            a.as_ref()
                .and_then(|a| a.as_ref().ok())
                .map(|info| info.mode)
        })
    }

    /// The participant the server issued. Only meaningful while signed in, which is the only
    /// time the board's panels exist.
    pub fn participant(&self) -> ParticipantId {
        self.id.get_untracked().unwrap_or_else(|| {
            ParticipantId::parse("p-signed-out").expect("a valid participant id")
        })
    }
}

/// 128 random bits from the browser's CSPRNG as 32 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
