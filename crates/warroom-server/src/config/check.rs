//! Settings that cannot work together, refused before anything starts: an `open` server on
//! the network without a join code, a proxy mode without trusted proxies, half a TLS pair, an
//! OpenID Connect provider that is missing a piece or reached over plain http, a metrics token
//! short enough to guess.
//!
//! It only says no, with the flag to fix; turning settings into each part's configuration is
//! `config.rs`'s.

use std::net::SocketAddr;

use super::{Auth, ServeArgs};

/// The fewest characters a metrics token may have (`openssl rand -hex 32` gives 64).
pub const MIN_METRICS_TOKEN: usize = 16;

/// Settings that cannot work together, found before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "--auth open on {0} would let anyone who can reach it sign in: give a team code with \
         --join-code, or pass --public to do it knowingly"
    )]
    OpenToTheNetwork(SocketAddr),
    #[error("--auth proxy needs --trusted-proxy: the addresses whose identity headers count")]
    NoTrustedProxy,
    #[error("--public-url must be an http:// or https:// URL, not {0:?}")]
    PublicUrl(String),
    #[error("--auth oidc needs {0}")]
    OidcMissing(&'static str),
    #[error("--oidc-issuer {0:?} {1}")]
    OidcIssuer(String, &'static str),
    #[error(
        "--auth oidc on {0} needs --public-url: the provider sends people back to \
         {{public-url}}/auth/callback, which must be the address their browsers reach"
    )]
    OidcPublicUrl(SocketAddr),
    #[error("--oidc-allowed-domain {0:?} is not a domain name like example.com")]
    OidcDomain(String),
    #[error(
        "--metrics-token (WARROOM_METRICS_TOKEN) must be at least {MIN_METRICS_TOKEN} \
         characters: anyone who guesses it reads the server's figures"
    )]
    MetricsTokenShort,
    #[error("--tls-cert needs --tls-key (WARROOM_TLS_KEY): the certificate's private key")]
    TlsKeyMissing,
    #[error("--tls-key needs --tls-cert (WARROOM_TLS_CERT): the certificate it belongs to")]
    TlsCertMissing,
}

impl ServeArgs {
    /// Checks the settings that depend on each other; `addr` is the address actually bound.
    pub fn check(&self, addr: SocketAddr) -> Result<(), ConfigError> {
        let no_code = self.join_code.as_deref().is_none_or(str::is_empty);
        if self.auth == Auth::Open && !addr.ip().is_loopback() && no_code && !self.public {
            return Err(ConfigError::OpenToTheNetwork(addr));
        }
        if self.auth == Auth::Proxy && self.trusted_proxies.is_empty() {
            return Err(ConfigError::NoTrustedProxy);
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::PublicUrl(url.clone()));
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return Err(ConfigError::TlsKeyMissing),
            (None, Some(_)) => return Err(ConfigError::TlsCertMissing),
            _ => {}
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| !t.0.is_empty() && t.0.chars().count() < MIN_METRICS_TOKEN)
        {
            return Err(ConfigError::MetricsTokenShort);
        }
        if self.auth == Auth::Oidc {
            self.check_oidc(addr)?;
        }
        Ok(())
    }

    /// `--auth oidc`: a provider to ask, this client's credentials, and an address for the
    /// provider to send people back to.
    fn check_oidc(&self, addr: SocketAddr) -> Result<(), ConfigError> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        if !given(&self.oidc_issuer) {
            return Err(ConfigError::OidcMissing(
                "--oidc-issuer (WARROOM_OIDC_ISSUER): the provider's issuer URL",
            ));
        }
        if !given(&self.oidc_client_id) {
            return Err(ConfigError::OidcMissing(
                "--oidc-client-id (WARROOM_OIDC_CLIENT_ID): the client registered with the provider",
            ));
        }
        if self
            .oidc_client_secret
            .as_ref()
            .is_none_or(|s| s.0.is_empty())
        {
            return Err(ConfigError::OidcMissing(
                "--oidc-client-secret (WARROOM_OIDC_CLIENT_SECRET): the client's secret",
            ));
        }
        let issuer = self.oidc_issuer.clone().unwrap_or_default();
        check_issuer(&issuer).map_err(|why| ConfigError::OidcIssuer(issuer.clone(), why))?;
        if self.public_url.is_none() && !addr.ip().is_loopback() {
            return Err(ConfigError::OidcPublicUrl(addr));
        }
        if let Some(bad) = self.oidc_allowed_domains.iter().find(|d| !is_domain(d)) {
            return Err(ConfigError::OidcDomain(bad.clone()));
        }
        Ok(())
    }
}

/// Why an issuer URL cannot be used, if it cannot: it must be an absolute https URL, or http
/// for a provider on this very machine (where nobody can tamper with the keys in transit).
fn check_issuer(issuer: &str) -> Result<(), &'static str> {
    let url = openidconnect::url::Url::parse(issuer.trim())
        .map_err(|_| "is not a URL (https://login.example.com/realms/ops)")?;
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some(host)) if is_loopback(&host) => Ok(()),
        ("http", Some(_)) => Err(
            "must be https: the provider's keys would cross the network unprotected \
             (http is for a provider on a loopback address only)",
        ),
        _ => Err("must be an https:// URL"),
    }
}

fn is_loopback(host: &openidconnect::url::Host<&str>) -> bool {
    use openidconnect::url::Host;
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `Example.com` and `@example.com` both mean `example.com`.
pub(super) fn normal_domain(raw: &str) -> String {
    raw.trim().trim_start_matches('@').to_ascii_lowercase()
}

fn is_domain(raw: &str) -> bool {
    let domain = normal_domain(raw);
    !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn args(flags: &[&str]) -> ServeArgs {
        Cli::try_parse_from(std::iter::once("warroom").chain(flags.iter().copied()))
            .expect("flags parse")
            .serve
    }

    const LOOPBACK: &str = "127.0.0.1:8080";
    const OIDC: [&str; 8] = [
        "--auth",
        "oidc",
        "--oidc-issuer",
        "https://login.example.com/realms/ops",
        "--oidc-client-id",
        "warroom",
        "--oidc-client-secret",
        "s3cret",
    ];

    fn check(flags: &[&str], addr: &str) -> Result<(), String> {
        args(flags)
            .check(addr.parse().expect("an address"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn oidc_needs_a_provider_credentials_and_a_way_back() {
        assert_eq!(check(&OIDC, LOOPBACK), Ok(()));
        let without = |flag: &str| {
            let i = OIDC.iter().position(|f| *f == flag).expect("a flag");
            let mut flags = OIDC.to_vec();
            flags.drain(i..i + 2);
            check(&flags, LOOPBACK).expect_err("refused")
        };
        assert!(without("--oidc-issuer").contains("--oidc-issuer"));
        assert!(without("--oidc-client-id").contains("--oidc-client-id"));
        assert!(without("--oidc-client-secret").contains("--oidc-client-secret"));
        let public = check(&OIDC, "0.0.0.0:8080").expect_err("refused");
        assert!(public.contains("--public-url"), "{public}");
        let mut flags = OIDC.to_vec();
        flags.extend(["--public-url", "https://war.example.com"]);
        assert_eq!(check(&flags, "0.0.0.0:8080"), Ok(()));
    }

    #[test]
    fn oidc_issuers_are_https_unless_on_this_machine() {
        let with_issuer = |issuer: &str| {
            let mut flags = OIDC.to_vec();
            flags[3] = issuer;
            check(&flags, LOOPBACK)
        };
        assert_eq!(with_issuer("http://127.0.0.1:9000"), Ok(()));
        assert_eq!(with_issuer("http://localhost:9000/realm"), Ok(()));
        assert!(with_issuer("http://login.example.com").is_err());
        assert!(with_issuer("login.example.com").is_err());
        assert!(with_issuer("ftp://login.example.com").is_err());
    }

    #[test]
    fn oidc_domains_and_redirect_uri() {
        let mut flags = OIDC.to_vec();
        flags.extend(["--oidc-allowed-domain", "@Example.com"]);
        flags.extend(["--oidc-allowed-domain", "ops.example.org"]);
        let serve = args(&flags);
        assert_eq!(
            serve
                .check(LOOPBACK.parse().unwrap())
                .map_err(|e| e.to_string()),
            Ok(())
        );
        let config = serve.oidc("127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.allowed_domains, ["example.com", "ops.example.org"]);
        assert_eq!(config.redirect_url, "http://127.0.0.1:8080/auth/callback");
        flags.extend(["--public-url", "https://war.example.com/"]);
        let config = args(&flags).oidc("127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.redirect_url, "https://war.example.com/auth/callback");
        flags.extend(["--oidc-allowed-domain", "exa mple.com"]);
        assert!(check(&flags, LOOPBACK).is_err());
    }

    #[test]
    fn the_client_secret_is_never_shown() {
        let serve = args(&OIDC);
        assert!(!format!("{serve:?}").contains("s3cret"));
    }
}
