//! Who this browser is: a stable participant id generated once, and the display name the
//! person typed, both kept in local storage. There are no accounts.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use warroom_core::{ParticipantId, TextId};

const ID_KEY: &str = "warroom.participant";
const NAME_KEY: &str = "warroom.name";

/// This browser's participant, provided as context by the app.
#[derive(Clone, Copy)]
pub struct Identity {
    pub id: StoredValue<ParticipantId>,
    /// Empty until the person has given a name.
    pub name: RwSignal<String>,
}

impl Identity {
    /// Loads the identity from local storage, making up a participant id on first use.
    pub fn load() -> Self {
        let id = LocalStorage::get::<String>(ID_KEY)
            .ok()
            .and_then(|raw| ParticipantId::parse(&raw).ok())
            .unwrap_or_else(|| {
                let fresh = ParticipantId::parse(&format!("p-{}", random_token()))
                    .expect("random tokens are valid ids");
                let _ = LocalStorage::set(ID_KEY, fresh.as_str());
                fresh
            });
        let name = LocalStorage::get::<String>(NAME_KEY).unwrap_or_default();
        Self {
            id: StoredValue::new(id),
            name: RwSignal::new(name),
        }
    }

    pub fn set_name(&self, name: &str) {
        let name = name.trim().to_owned();
        let _ = LocalStorage::set(NAME_KEY, &name);
        self.name.set(name);
    }

    pub fn participant(&self) -> ParticipantId {
        self.id.get_value()
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
