//! The provider's settings: read by discovery on first use, kept for `METADATA_LIFETIME`, read
//! again when a token names a key the cached set lacks, and — if reading them fails — the
//! earlier ones used while they last. The client type they make, with the claims this server
//! reads besides the standard ones.

use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, Client, ClientId, ClientSecret, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, RedirectUrl, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::{METADATA_LIFETIME, Oidc, OidcError};

pub(super) struct Provider {
    client: Arc<OidcClient>,
    /// Whether the provider lists a `groups` scope (asked for when a group is required).
    groups_scope: bool,
    read_at: Instant,
}

/// The claims this server reads besides the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// A list of group names (or one name); anything else counts as no groups. Kept as JSON so
    /// that an unusual shape makes the check fail rather than the whole token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) groups: Option<serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
/// `CoreClient` with [`ExtraClaims`], as discovery makes it: authorization endpoint set, token
/// and user-info endpoints as the provider's settings say.
pub(super) type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl Oidc {
    /// The client made from the provider's settings, read again when `fresh` is asked for or
    /// they are older than `METADATA_LIFETIME`. If reading them fails, settings read before
    /// are used while they last.
    pub(super) async fn client(&self, fresh: bool) -> Result<(Arc<OidcClient>, bool), OidcError> {
        let mut provider = self.provider.lock().await;
        if let Some(p) = provider.as_ref()
            && !fresh
            && self.clock.since(p.read_at) < METADATA_LIFETIME
        {
            return Ok((Arc::clone(&p.client), p.groups_scope));
        }
        match self.read_provider().await {
            Ok(p) => {
                let answer = (Arc::clone(&p.client), p.groups_scope);
                *provider = Some(p);
                Ok(answer)
            }
            Err(err) => match provider.as_ref() {
                Some(p) if self.clock.since(p.read_at) < METADATA_LIFETIME * 4 => {
                    tracing::warn!(%err, "using the identity provider's earlier settings");
                    Ok((Arc::clone(&p.client), p.groups_scope))
                }
                _ => Err(err),
            },
        }
    }

    async fn read_provider(&self) -> Result<Provider, OidcError> {
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OidcError::Unavailable(format!("bad issuer URL: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(error_chain(&e)))?;
        let groups_scope = metadata
            .scopes_supported()
            .is_some_and(|s| s.iter().any(|s| s.as_str() == "groups"));
        let redirect = RedirectUrl::new(self.config.redirect_url.clone())
            .map_err(|e| OidcError::Unavailable(format!("bad redirect URL: {e}")))?;
        let client = OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(redirect);
        Ok(Provider {
            client: Arc::new(client),
            groups_scope,
            read_at: self.clock.instant(),
        })
    }
}

/// An error with its causes, for the log (discovery errors say little at the top).
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
