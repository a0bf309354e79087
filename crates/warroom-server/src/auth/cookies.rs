//! The server's cookies, written in one place: `HttpOnly`, `SameSite=Lax`, and `Secure` when
//! the server is reached over https. (Reading them is `session.rs`'s.)

use axum::http::HeaderValue;

use super::{Auth, oidc, session};

impl Auth {
    /// The `Set-Cookie` value that hands `token` to the browser.
    pub fn cookie(&self, token: &str) -> HeaderValue {
        let lifetime = self.config.session_lifetime.as_secs();
        self.set_cookie(session::COOKIE, token, "/", lifetime)
    }

    /// The `Set-Cookie` value that hands an observer session's `token` to the browser.
    pub fn observer_cookie(&self, token: &str, max_age: u64) -> HeaderValue {
        self.set_cookie(session::OBSERVER_COOKIE, token, "/", max_age)
    }

    /// The `Set-Cookie` value of the cookie that binds a sign-in with the provider to this
    /// browser: for the `/auth` paths only, for as long as the sign-in may take.
    pub fn sign_in_cookie(&self, value: &str) -> HeaderValue {
        let lifetime = oidc::PENDING_LIFETIME.as_secs();
        self.set_cookie(session::SIGN_IN_COOKIE, value, "/auth", lifetime)
    }

    /// The `Set-Cookie` value that makes the browser forget its sign-in with the provider.
    pub fn clear_sign_in_cookie(&self) -> HeaderValue {
        self.set_cookie(session::SIGN_IN_COOKIE, "", "/auth", 0)
    }

    /// The `Set-Cookie` value that makes the browser forget its session.
    pub fn clear_cookie(&self) -> HeaderValue {
        self.set_cookie(session::COOKIE, "", "/", 0)
    }

    /// Every cookie of the server: `HttpOnly`, `SameSite=Lax`, and `Secure` under https.
    fn set_cookie(&self, name: &str, value: &str, path: &str, max_age: u64) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let header = format!(
            "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        );
        HeaderValue::from_str(&header).expect("a cookie of hex digits is a valid header")
    }
}
