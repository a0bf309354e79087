//! The bodies of the server's small HTTP API (`docs/protocol.md`, "HTTP API"), shared by the
//! server that writes them and the browser that reads them, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use crate::ids::{IncidentId, LinkId, ParticipantId, Seq};
use crate::incident::{Incident, LinkKind, Severity, Status, Timestamp};
use crate::scenario::Scenario;
use crate::time::Precision;

pub mod alerts;
pub mod commands;
pub mod tokens;
pub mod webhooks;

pub use alerts::{
    AlertOutcome, AlertReceipt, LinkAlertGroupRequest, UnroutedAlertGroup, UnroutedAlerts,
};
pub use commands::{Applied, NoteRequest, StatusRequest};
pub use tokens::{TokenInfo, TokenMade, TokenRequest, TokenScope};

/// An incident as the lobby lists it (`GET /api/incidents`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub drill: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub declared_at: Timestamp,
    pub commander: String,
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub head: Seq,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// Only members see it (and whoever holds one of its observer links).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
    /// Recorded after the fact (declared `retrospective`): the lobby says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrospective: bool,
    /// Entered from a timeline file: the lobby says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// A restricted incident's members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<ParticipantId>,
    /// The observer links that have not been revoked, with when each expires: what the server
    /// checks an observer's session against on every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<serde_json::Value>>))]
    pub observer_links: Vec<(LinkId, Timestamp)>,
}

impl Summary {
    pub fn of(id: &IncidentId, incident: &Incident) -> Self {
        Self {
            id: id.clone(),
            title: incident.title.clone(),
            severity: incident.severity,
            status: incident.status,
            drill: incident.drill,
            declared_at: incident.declared_at,
            commander: incident.name_of(&incident.commander.holder).to_owned(),
            head: incident.seq,
            updated_at: incident.updated_at,
            restricted: incident.access.restricted,
            retrospective: incident.postmortem.retrospective,
            imported: incident.postmortem.imported,
            members: if incident.access.restricted {
                incident.access.members.iter().cloned().collect()
            } else {
                Vec::new()
            },
            observer_links: incident
                .access
                .links
                .iter()
                .filter(|(_, l)| l.kind == LinkKind::Observe && !l.revoked)
                .map(|(id, l)| (*id, l.expires_at))
                .collect(),
        }
    }

    /// Whether `who` may see and work the incident.
    pub fn admits(&self, who: &ParticipantId) -> bool {
        !self.restricted || self.members.contains(who)
    }

    /// Whether observer link `link` still opens the incident at `now`.
    pub fn observable(&self, link: LinkId, now: Timestamp) -> bool {
        self.observer_links
            .iter()
            .any(|(l, expires)| *l == link && now < *expires)
    }
}

/// The body of `POST /api/incidents`. The declarer is the signed-in person, never a field of
/// the body: an unknown field (such as a `participant`) is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclareRequest {
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub drill: bool,
    /// Only its members see it; the declarer is the first.
    #[serde(default)]
    pub restricted: bool,
    /// Recorded after the fact, from its real start (`occurred_at`, required then).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retrospective: bool,
    /// When it was (or should have been) declared, as the declarer says; the bounds are the
    /// `declare` command's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub occurred_at: Option<Timestamp>,
    /// How exact `occurred_at` is (`exact` when not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// When customers began to be affected, if known: set in the same write as the
    /// declaration, as the commander's `set_impact` (its bounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub impact_start: Option<Timestamp>,
    /// When the impact ended, if known; only with `impact_start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub impact_end: Option<Timestamp>,
}

/// The body of `POST /api/incidents/timeline`: a new incident recorded after the fact, entered
/// from a timeline file (see `import`) by the signed-in person, who declares and commands it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineUpload {
    pub title: String,
    pub severity: Severity,
    /// The file's text, CSV or JSON (at most `import::MAX_TIMELINE_BYTES` bytes).
    pub text: String,
}

/// The body of `POST /api/incidents/{id}/timeline`: a timeline file (see `import`) entered into
/// an incident that exists, open or closed, by its commander — every row or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineAppend {
    /// The file's text, CSV or JSON (at most `import::MAX_TIMELINE_BYTES` bytes).
    pub text: String,
}

/// The answer to `POST /api/incidents/{id}/timeline`: how many rows were entered, and the
/// sequences of the events written (`from` to `to`, the people's joins among them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineAppended {
    pub rows: usize,
    pub from: Seq,
    pub to: Seq,
}

/// The body of `POST /api/incidents/{id}/links`: the commander makes an invitation (restricted
/// incidents) or a read-only observer link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkRequest {
    pub kind: LinkKind,
    /// How long it lasts, 1 to 168.
    pub hours: u32,
}

/// The answer to `POST /api/incidents/{id}/links`: the only time the link's address, which
/// carries its secret token, is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkMade {
    pub link: LinkId,
    pub kind: LinkKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: Timestamp,
    /// `/incidents/{id}?invite=TOKEN` or `/incidents/{id}?observe=TOKEN`.
    pub url: String,
}

/// The body of `POST /api/links/accept`: the token from a link's address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptLink {
    pub token: String,
}

/// The answer to `POST /api/links/accept`: where the link leads, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkAccepted {
    pub incident: IncidentId,
    pub kind: LinkKind,
    /// The board's address.
    pub url: String,
}

/// The answer to `POST /api/incidents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declared {
    pub id: IncidentId,
    pub url: String,
}

/// A training scenario as the library lists it: never its injects, which players must not
/// read ahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioInfo {
    /// The built-in's id; `None` for a checked file.
    pub id: Option<String>,
    pub title: String,
    pub briefing: String,
    pub suggested_crew: Vec<String>,
    pub injects: usize,
    /// The expectations, in words.
    pub expectations: Vec<String>,
}

impl ScenarioInfo {
    pub fn of(id: Option<&str>, s: &Scenario) -> Self {
        Self {
            id: id.map(str::to_owned),
            title: s.title.clone(),
            briefing: s.briefing.clone(),
            suggested_crew: s.suggested_crew.clone(),
            injects: s.injects.len(),
            expectations: s.expectations.iter().map(|e| e.describe()).collect(),
        }
    }
}

/// A script inject as its facilitator sees it (`GET /api/incidents/{id}/script`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpcomingInject {
    pub index: u32,
    pub source: String,
    pub text: String,
    /// `T+04:00`, or the trigger in words.
    pub when: String,
    /// Seconds of scenario time until it fires (timed injects not yet fired).
    pub due_in: Option<i64>,
    pub fired: bool,
}

/// How people sign in to this server (`GET /api/auth`, answered without a session).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthInfo {
    pub mode: AuthMode,
    /// `open` mode only: whether signing in needs the team's join code.
    pub join_code: bool,
    /// `oidc` mode only: where the browser goes to sign in with the identity provider (the
    /// app adds `?return=<path>` to come back to the page it was on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// Asked with `?incident=<id>` (the sign-in page of a shared link): that incident's title,
    /// only when anybody who signs in here would see it anyway — `open` mode without a join
    /// code, and the incident not restricted. Absent otherwise, and for an unknown incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_title: Option<String>,
}

/// The server's `--auth` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuthMode {
    /// A person picks a display name and gets an identity issued by the server.
    Open,
    /// An authenticating reverse proxy says who the person is, in headers.
    Proxy,
    /// The server signs the person in with the organisation's OpenID Connect provider.
    Oidc,
}

/// The signed-in person (`GET /api/session`, and the answer to signing in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Issued by the server; opaque, and knowing it grants nothing.
    pub participant: ParticipantId,
    pub name: String,
    /// Whether this person is one of the server's `--admin`s.
    pub admin: bool,
    /// Set when this browser holds an observer link without being signed in: it may only
    /// watch this incident, read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observer_of: Option<IncidentId>,
}

/// The body of `POST /api/session` (`open` mode): sign in under a display name, or — with a
/// session already — change the name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub name: String,
    /// The team's join code, when the server requires one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_code: Option<String>,
}

/// The body of `POST /api/scenarios/check`: a scenario file's text (TOML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScenarioText {
    pub text: String,
}

/// Every API error: a sentence for a person, and what kind of failure it is for a program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
    pub code: ApiErrorCode,
}

/// The kinds of API failure, one for each status the API answers with (docs/protocol.md has
/// the table). A client may branch on the code; the sentence is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApiErrorCode {
    /// 400: a body, an id or an upgrade request of the wrong shape.
    BadRequest,
    /// 401: no session (or an observer link that has ended).
    Unauthorized,
    /// 403: signed in, but not allowed to do this.
    Forbidden,
    /// 404: no such incident, link or endpoint — or one the asker may not know of.
    NotFound,
    /// 409: the incident's state does not allow it (a real incident, no scenario running).
    Conflict,
    /// 410: an observer link that has expired or was revoked.
    Gone,
    /// 413: a body larger than the server reads.
    PayloadTooLarge,
    /// 415: a body that is not sent as JSON.
    UnsupportedMediaType,
    /// 421: a `Host` the server does not answer to.
    MisdirectedRequest,
    /// 422: well-formed, but the rules refuse it (the rejection's sentence says why).
    Rejected,
    /// 429: too many requests from this address.
    RateLimited,
    /// 500: the server failed; the details are in its log, never in the answer.
    Internal,
    /// 503: the server cannot do it right now (shutting down, busy); try again.
    Unavailable,
}

impl ApiErrorCode {
    pub const ALL: [ApiErrorCode; 13] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::Conflict,
        Self::Gone,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::MisdirectedRequest,
        Self::Rejected,
        Self::RateLimited,
        Self::Internal,
        Self::Unavailable,
    ];

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::Gone => 410,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::MisdirectedRequest => 421,
            Self::Rejected => 422,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Unavailable => 503,
        }
    }

    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::MisdirectedRequest => "misdirected_request",
            Self::Rejected => "rejected",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }
}
