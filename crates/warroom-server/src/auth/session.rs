//! Session credentials: 256 random bits handed to the browser once, in an `HttpOnly` cookie,
//! and kept by the server only as their SHA-256. A stolen database therefore holds no usable
//! credential, and the credential never appears in a log.

use sha2::{Digest, Sha256};
use warroom_core::{ParticipantId, TextId};

/// The cookie that carries the session credential.
pub const COOKIE: &str = "warroom_session";

/// The cookie that carries an observer link's session, beside (never instead of) a sign-in.
pub const OBSERVER_COOKIE: &str = "warroom_observe";

/// `oidc` mode: the cookie that binds a sign-in under way with the provider to the browser
/// that started it (its value is random, and never the session's).
pub const SIGN_IN_COOKIE: &str = "warroom_sign_in";

/// A fresh credential: 32 bytes from the operating system, as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex(&bytes)
}

/// What the store keeps of a credential.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` looks like a credential this server issued (so a junk cookie costs no
/// database read).
pub fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A new participant id for a person signing in with a display name: 128 random bits.
pub fn new_participant() -> ParticipantId {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    ParticipantId::parse(&format!("p-{}", base32(&bytes))).expect("base32 is a valid id")
}

/// A participant id for an observer (`o-`, 128 random bits): it watches, never acts.
pub fn new_observer() -> ParticipantId {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    ParticipantId::parse(&format!("o-{}", base32(&bytes))).expect("base32 is a valid id")
}

/// The participant id of an identity a provider vouches for: the same subject gives the same
/// participant on every device and every replica, with nothing to store. It is a hash, so it
/// tells nothing about the subject, and like every participant id it grants nothing.
pub fn participant_of(method: &str, subject: &str) -> ParticipantId {
    let digest = Sha256::digest(format!("{method}\n{subject}").as_bytes());
    ParticipantId::parse(&format!("u-{}", base32(&digest[..16]))).expect("base32 is a valid id")
}

/// The value of the cookie `name` among a request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| cookie_value(v, name))
}

/// The value of the cookie named `name` in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name).then(|| value.trim())
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 128 bits as 26 characters of lowercase base32 (RFC 4648's alphabet, no padding).
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut value = u128::from_be_bytes(bytes[..16].try_into().expect("16 bytes"));
    let mut text = String::with_capacity(26);
    for _ in 0..26 {
        text.push(ALPHABET[(value & 31) as usize] as char);
        value >>= 5;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a, "the store never sees the credential");
        assert!(!well_formed("abc"));
    }

    #[test]
    fn provider_subjects_map_to_stable_participants() {
        assert_eq!(
            participant_of("oidc", "alice"),
            participant_of("oidc", "alice")
        );
        assert_ne!(
            participant_of("oidc", "alice"),
            participant_of("proxy", "alice")
        );
        assert_eq!(participant_of("oidc", "alice").as_str().len(), 28);
        assert_ne!(new_participant(), new_participant());
    }

    #[test]
    fn cookies_are_found_by_name() {
        let header = "theme=dark; warroom_session=abc ; other=1";
        assert_eq!(cookie_value(header, COOKIE), Some("abc"));
        assert_eq!(cookie_value(header, "missing"), None);
    }
}
