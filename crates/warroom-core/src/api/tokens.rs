//! The bodies of the integration-token endpoints (`/api/tokens`, admins only) and the scopes a
//! token may carry. The token itself appears in exactly one body, [`TokenMade`], the answer to
//! making it; every other body names a token by its id and name, never its secret.

use serde::{Deserialize, Serialize};

use crate::incident::Timestamp;

/// What an integration token allows. A token carries one or more; an endpoint names the one
/// it needs, and a token without it is refused (403).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenScope {
    /// Push alerts (the Alertmanager receiver).
    #[serde(rename = "alerts:write")]
    AlertsWrite,
    /// List and read incidents.
    #[serde(rename = "incidents:read")]
    IncidentsRead,
    /// Declare incidents, post notes, change their status.
    #[serde(rename = "incidents:write")]
    IncidentsWrite,
}

impl TokenScope {
    pub const ALL: [TokenScope; 3] = [Self::AlertsWrite, Self::IncidentsRead, Self::IncidentsWrite];

    /// The scope as written in JSON, on the command line and in the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlertsWrite => "alerts:write",
            Self::IncidentsRead => "incidents:read",
            Self::IncidentsWrite => "incidents:write",
        }
    }

    /// The scope written `raw`, if it is one.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// What the scope allows, in words (the admin page's labels).
    pub fn describe(self) -> &'static str {
        match self {
            Self::AlertsWrite => "push alerts",
            Self::IncidentsRead => "list and read incidents",
            Self::IncidentsWrite => "declare incidents, post notes, change status",
        }
    }
}

impl std::fmt::Display for TokenScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An integration token as admins see it (`GET /api/tokens`): never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// Issued by the server (`tok-…`); `DELETE /api/tokens/{id}` revokes it.
    pub id: String,
    /// The admin's name for it, unique among tokens not revoked; the board shows its actions
    /// as "`name` (integration)".
    pub name: String,
    pub scopes: Vec<TokenScope>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was last used, to the minute (the server writes it at most once a minute).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked; a revoked token is refused (401) and cannot be restored.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<Timestamp>,
}

/// The body of `POST /api/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    /// 1 to 64 characters: letters, digits, `-`, `_` and `.`.
    pub name: String,
    /// At least one.
    pub scopes: Vec<TokenScope>,
}

/// The answer to `POST /api/tokens`: the only time the token is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenMade {
    /// `wrt_` and 52 characters; send it as `Authorization: Bearer wrt_…`.
    pub token: String,
    pub info: TokenInfo,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_written_as_in_the_docs() {
        for scope in TokenScope::ALL {
            let json = serde_json::to_value(scope).unwrap();
            assert_eq!(json, scope.as_str());
            assert_eq!(TokenScope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(TokenScope::parse("admin"), None);
    }
}
