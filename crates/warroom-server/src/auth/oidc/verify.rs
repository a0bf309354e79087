//! Verifying what the provider says once the browser is back: the code exchanged (with the
//! PKCE verifier), the ID token checked (signature — reading the key set again once if the
//! key is new — issuer, audience, nonce, the access token's hash), missing claims read from
//! the user-info endpoint, then the operator's rules (allowed domains, a required group).

use openidconnect::core::{CoreGenderClaim, CoreJsonWebKey};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, JsonWebKey, JwsSigningAlgorithm,
    OAuth2TokenResponse, RequestTokenError, SignatureVerificationError, TokenResponse,
    UserInfoClaims,
};

use super::provider::{ExtraClaims, OidcClient, error_chain};
use super::{Callback, Identity, Oidc, OidcError, Pending};

/// An identity the provider vouched for, before the operator's rules.
pub(super) struct Verified {
    pub(super) identity: Identity,
    groups: Option<serde_json::Value>,
}

impl Oidc {
    /// Exchanges the code and verifies what the provider says: who, and in which groups.
    pub(super) async fn complete(
        &self,
        answer: &Callback,
        pending: Pending,
    ) -> Result<Verified, OidcError> {
        if let Some(error) = &answer.error {
            // The provider's error code is one of a few words (access_denied…); its free-text
            // description, which anyone can put in a link, is neither shown nor logged.
            let code: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(OidcError::Denied(code));
        }
        let code = answer
            .code
            .clone()
            .ok_or(OidcError::Incomplete("authorization code"))?;
        let (mut client, _) = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(pending.verifier)
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::Request(e) => OidcError::Unavailable(error_chain(&e)),
                e => OidcError::Unverified(format!("the code exchange failed: {e}")),
            })?;
        let id_token = tokens.id_token().ok_or(OidcError::Incomplete("ID token"))?;
        let verify = |client: &OidcClient| {
            id_token
                .claims(&client.id_token_verifier(), &pending.nonce)
                .cloned()
        };
        let claims = match verify(&client) {
            // Keys rotate: read the provider's key set again once before refusing.
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                client = self.client(true).await?.0;
                verify(&client)
            }
            other => other,
        }
        .map_err(|e| OidcError::Unverified(e.to_string()))?;
        if let Some(expected) = claims.access_token_hash() {
            let unverified = |e: &dyn std::fmt::Display| OidcError::Unverified(e.to_string());
            let alg = id_token.signing_alg().map_err(|e| unverified(&e))?;
            let verifier = client.id_token_verifier();
            // An HMAC-signed token (HS256…) is keyed by the client secret, which no key set
            // lists.
            let shared;
            let key = if alg.uses_shared_secret() {
                shared =
                    CoreJsonWebKey::new_symmetric(self.config.client_secret.clone().into_bytes());
                &shared
            } else {
                id_token
                    .signing_key(&verifier)
                    .map_err(|e| unverified(&e))?
            };
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| unverified(&e))?;
            if actual != *expected {
                return Err(OidcError::Unverified(
                    "the access token is not the one the ID token names".into(),
                ));
            }
        }

        let mut email = verified_email(claims.email().map(|e| e.as_str()), claims.email_verified());
        let mut names: Vec<String> = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned())
            .into_iter()
            .chain(claims.preferred_username().map(|u| u.as_str().to_owned()))
            .collect();
        let mut groups = claims.additional_claims().groups.clone();
        // Many providers put only the subject in the ID token of the code flow; the rest is
        // at the user-info endpoint, for the access token just issued.
        let want_groups = self.config.required_group.is_some() && groups.is_none();
        if (email.is_none() || names.is_empty() || want_groups) && client.user_info_url().is_some()
        {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = client
                .user_info(
                    tokens.access_token().clone(),
                    Some(claims.subject().clone()),
                )
                .map_err(|e| OidcError::Unavailable(e.to_string()))?
                .request_async(&self.http)
                .await
                .map_err(|e| OidcError::Unverified(format!("user info: {e}")))?;
            if email.is_none() {
                email = verified_email(info.email().map(|e| e.as_str()), info.email_verified());
            }
            names.extend(
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            );
            names.extend(info.preferred_username().map(|u| u.as_str().to_owned()));
            if groups.is_none() {
                groups = info.additional_claims().groups.clone();
            }
        }
        names.extend(email.clone());
        Ok(Verified {
            identity: Identity {
                issuer: claims.issuer().as_str().to_owned(),
                subject: claims.subject().as_str().to_owned(),
                email,
                name: names
                    .iter()
                    .find_map(|n| warroom_core::display_name(n).ok())
                    .unwrap_or_else(|| "Responder".to_owned()),
            },
            groups,
        })
    }

    /// The operator's rules: an allowed e-mail domain, the required group.
    pub(super) fn admit(&self, verified: &Verified) -> Result<(), OidcError> {
        if !self.config.allowed_domains.is_empty() {
            let address = verified
                .identity
                .email
                .as_deref()
                .ok_or(OidcError::NoVerifiedEmail)?;
            let domain = address
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase());
            if !domain.is_some_and(|d| self.config.allowed_domains.contains(&d)) {
                return Err(OidcError::Domain(address.to_owned()));
            }
        }
        if let Some(group) = &self.config.required_group
            && !group_names(verified.groups.as_ref()).any(|g| g == group)
        {
            return Err(OidcError::Group(group.clone()));
        }
        Ok(())
    }
}

/// The address, unless the provider said it is not verified (an unverified address could be
/// anybody's, an admin's or one in an allowed domain included).
fn verified_email(email: Option<&str>, verified: Option<bool>) -> Option<String> {
    email
        .filter(|_| verified != Some(false))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
}

/// The names in a `groups` claim: a list of strings, or one string.
fn group_names(groups: Option<&serde_json::Value>) -> impl Iterator<Item = &str> {
    let list: Vec<&str> = match groups {
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(serde_json::Value::as_str).collect()
        }
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    list.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unverified_addresses_count_for_nothing() {
        assert_eq!(
            verified_email(Some("a@x.org"), None).as_deref(),
            Some("a@x.org")
        );
        assert_eq!(
            verified_email(Some("a@x.org"), Some(true)).as_deref(),
            Some("a@x.org")
        );
        assert_eq!(verified_email(Some("a@x.org"), Some(false)), None);
        assert_eq!(verified_email(Some(" "), None), None);
    }

    #[test]
    fn groups_are_a_list_or_one_name() {
        let list = serde_json::json!(["ops", 3, "sre"]);
        assert_eq!(group_names(Some(&list)).collect::<Vec<_>>(), ["ops", "sre"]);
        let one = serde_json::json!("ops");
        assert_eq!(group_names(Some(&one)).collect::<Vec<_>>(), ["ops"]);
        assert_eq!(group_names(Some(&serde_json::json!({"a": 1}))).count(), 0);
        assert_eq!(group_names(None).count(), 0);
    }
}
