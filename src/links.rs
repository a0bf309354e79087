//! Opening an invitation or observer link: `/incidents/<id>?invite=TOKEN` or `?observe=TOKEN`.
//!
//! Before anything else the app hands the token to the server (`POST /api/links/accept`): an
//! invitation makes the signed-in person a member (someone not signed in is asked to sign in,
//! and the invitation is accepted again right after); an observer link gives this browser a
//! read-only view of the incident. Then the token leaves the address bar, so it is neither
//! bookmarked nor left in the history, and the board opens. A link that does not work says why,
//! with the way back to the lobby.

use leptos::prelude::*;
use leptos::task::spawn_local;
use warroom_core::LinkKind;

use crate::api;
use crate::identity::{Access, Identity};
use crate::route::{Route, Router};

/// A link's token, read from the address bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    pub kind: LinkKind,
    pub token: String,
}

impl LinkToken {
    /// The token in a query string such as `?invite=…` or `?observe=…`, if any.
    pub fn parse(search: &str) -> Option<Self> {
        search.trim_start_matches('?').split('&').find_map(|kv| {
            let (key, value) = kv.split_once('=')?;
            let kind = match key {
                "invite" => LinkKind::Invite,
                "observe" => LinkKind::Observe,
                _ => return None,
            };
            (!value.is_empty()).then(|| Self {
                kind,
                token: value.to_owned(),
            })
        })
    }

    /// The token of the address this page was opened with.
    pub fn from_location() -> Option<Self> {
        Self::parse(&window().location().search().unwrap_or_default())
    }
}

/// Where opening the link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// No link, or it has done its work.
    Done,
    /// The server is checking the token.
    Accepting,
    /// An invitation needs someone signed in: the sign-in form, then the invitation again.
    NeedsSignIn,
    /// The link does not work: why, in words.
    Failed(String),
}

/// The link this page was opened with, provided as context.
#[derive(Clone, Copy)]
pub struct Opener {
    pub state: RwSignal<Opening>,
    token: StoredValue<Option<LinkToken>>,
    /// Whether the server has been asked who this is since the page loaded.
    checked: StoredValue<bool>,
}

impl Opener {
    /// Accepts `token` (if any) now; `identity` has not asked the server yet when there is a
    /// token, since accepting an observer link changes its answer.
    pub fn start(token: Option<LinkToken>, identity: Identity, router: Router) -> Self {
        let opener = Self {
            state: RwSignal::new(if token.is_some() {
                Opening::Accepting
            } else {
                Opening::Done
            }),
            token: StoredValue::new(token),
            checked: StoredValue::new(false),
        };
        if opener.token.with_value(Option::is_some) {
            opener.accept(identity, router);
        }
        // Someone who signed in because an invitation asked them to: accept it again.
        Effect::new(move |_| {
            if opener.state.get() == Opening::NeedsSignIn
                && identity.access.get() == Access::SignedIn
                && !identity.is_observer()
            {
                opener.accept(identity, router);
            }
        });
        opener
    }

    /// Whether the sign-in form should show because an invitation asks for it.
    pub fn needs_sign_in(&self, identity: Identity) -> bool {
        self.state.get() == Opening::NeedsSignIn
            && (identity.access.get() != Access::SignedIn || identity.is_observer())
    }

    /// Leaves a failed link for the lobby.
    pub fn dismiss(&self, router: Router) {
        self.state.set(Opening::Done);
        router.go(Route::Lobby);
    }

    fn accept(self, identity: Identity, router: Router) {
        let Some(LinkToken { kind, token }) = self.token.get_value() else {
            return;
        };
        self.state.set(Opening::Accepting);
        spawn_local(async move {
            let answer = api::accept_link(token).await;
            match answer {
                Ok(accepted) => {
                    self.token.set_value(None);
                    replace_address(&accepted.url);
                    router.show(Route::Board(accepted.incident));
                    self.state.set(Opening::Done);
                }
                Err((401, _)) if kind == LinkKind::Invite => {
                    // The token stays in the address bar: a reload still opens the invitation.
                    self.state.set(Opening::NeedsSignIn);
                }
                Err((status, message)) => {
                    self.token.set_value(None);
                    replace_address(&router.route.get_untracked().path());
                    self.state
                        .set(Opening::Failed(explain(kind, status, &message)));
                }
            }
            if !self.checked.get_value() {
                self.checked.set_value(true);
                identity.check();
            }
        });
    }
}

/// What a person reads when the link does not work: for an expired or unknown link, what to
/// do about it; otherwise the server's own words.
fn explain(kind: LinkKind, status: u16, message: &str) -> String {
    let what = match kind {
        LinkKind::Invite => "This invitation",
        LinkKind::Observe => "This observer link",
    };
    match status {
        410 => format!(
            "{what} has expired or was revoked. Ask the incident's commander for a new one."
        ),
        404 => format!(
            "{what} is not valid: check that it was copied whole, or ask the incident's \
             commander for a new one."
        ),
        _ if !message.is_empty() => message.to_owned(),
        _ => format!("{what} could not be opened (the server answered {status})."),
    }
}

/// Puts `url` in the address bar without a new history entry.
fn replace_address(url: &str) {
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_token_of_either_kind_and_nothing_else() {
        assert_eq!(
            LinkToken::parse("?invite=abc123"),
            Some(LinkToken {
                kind: LinkKind::Invite,
                token: "abc123".into()
            })
        );
        assert_eq!(
            LinkToken::parse("?x=1&observe=f00d"),
            Some(LinkToken {
                kind: LinkKind::Observe,
                token: "f00d".into()
            })
        );
        assert_eq!(LinkToken::parse(""), None);
        assert_eq!(LinkToken::parse("?invite="), None);
        assert_eq!(LinkToken::parse("?at=4"), None);
    }

    #[test]
    fn a_refusal_says_what_happened_and_what_to_do() {
        let text = explain(LinkKind::Observe, 410, "gone");
        assert!(text.starts_with("This observer link has expired or was revoked."));
        assert!(text.ends_with("Ask the incident's commander for a new one."));
        assert!(explain(LinkKind::Invite, 404, "").starts_with("This invitation is not valid"));
        assert_eq!(
            explain(LinkKind::Invite, 403, "This invitation has expired."),
            "This invitation has expired."
        );
    }
}
