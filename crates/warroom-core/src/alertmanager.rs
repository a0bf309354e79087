//! Prometheus Alertmanager's webhook notification (format version 4, as Alertmanager 0.25
//! sends it) and how one becomes an alert group's state: the label → level mapping, the
//! counts, the bounds.
//!
//! This is Alertmanager's format, not ours, so fields it may add are tolerated (unlike our own
//! request bodies); a wrong `version` is refused. Whatever a notification carries, the state
//! it gives is cut to the board's bounds ([`crate::incident::MAX_GROUP_LABELS`],
//! [`crate::incident::MAX_LABEL_CHARS`]): the receiver never refuses a notification for a
//! long label, since Alertmanager would only send it again.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::incident::{
    AlertGroupState, AlertLevel, AlertStatus, MAX_GROUP_KEY_CHARS, MAX_GROUP_LABELS,
    MAX_LABEL_CHARS,
};

/// The webhook format version this receiver reads.
pub const WEBHOOK_VERSION: &str = "4";
/// The most alerts one notification may list (Alertmanager's `max_alerts` truncates beyond
/// what a receiver sets; those it left out are counted by `truncatedAlerts`).
pub const MAX_ALERTS: usize = 1_000;

/// One webhook notification: one group of alerts.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub version: String,
    pub group_key: String,
    #[serde(default)]
    pub truncated_alerts: u32,
    pub status: AlertStatus,
    pub receiver: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default, rename = "externalURL")]
    pub external_url: String,
    pub alerts: Vec<Alert>,
}

/// One alert of a notification.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    pub status: AlertStatus,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    pub generator_url: Option<String>,
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error(
        "this receiver reads Alertmanager's webhook format version {WEBHOOK_VERSION}, not {0:?}"
    )]
    Version(String),
    #[error("a notification lists at most {MAX_ALERTS} alerts; this one lists {0}")]
    TooManyAlerts(usize),
    #[error("the groupKey must be 1 to {MAX_GROUP_KEY_CHARS} characters long")]
    GroupKey,
}

/// Which labels make which level: the first rule whose label has its value wins; an alert no
/// rule matches is an advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelMap {
    pub rules: Vec<LevelRule>,
}

/// `label=value:level`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelRule {
    pub label: String,
    pub value: String,
    pub level: AlertLevel,
}

impl Default for LevelMap {
    /// `severity=critical` → warning, `severity=warning` → caution, others advisory.
    fn default() -> Self {
        Self::parse("severity=critical:warning,severity=warning:caution")
            .expect("the default mapping parses")
    }
}

impl LevelMap {
    /// Reads `label=value:level` rules, separated by commas (`severity=critical:warning`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let rules = text
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|rule| {
                let bad =
                    || format!("{rule:?} is not label=value:level (warning, caution or advisory)");
                let (matcher, level) = rule.rsplit_once(':').ok_or_else(bad)?;
                let (label, value) = matcher.split_once('=').ok_or_else(bad)?;
                let level = match level.trim() {
                    "warning" => AlertLevel::Warning,
                    "caution" => AlertLevel::Caution,
                    "advisory" => AlertLevel::Advisory,
                    _ => return Err(bad()),
                };
                if label.trim().is_empty() {
                    return Err(bad());
                }
                Ok(LevelRule {
                    label: label.trim().to_owned(),
                    value: value.trim().to_owned(),
                    level,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { rules })
    }

    /// The level of one alert's labels.
    pub fn level_of(&self, labels: &BTreeMap<String, String>) -> AlertLevel {
        self.rules
            .iter()
            .find(|r| labels.get(&r.label) == Some(&r.value))
            .map_or(AlertLevel::Advisory, |r| r.level)
    }
}

impl Notification {
    /// Refuses what this receiver does not read: another version, too many alerts, a group
    /// key that is empty or too long.
    pub fn check(&self) -> Result<(), NotificationError> {
        if self.version != WEBHOOK_VERSION {
            return Err(NotificationError::Version(self.version.clone()));
        }
        if self.alerts.len() > MAX_ALERTS {
            return Err(NotificationError::TooManyAlerts(self.alerts.len()));
        }
        if self.group_key.is_empty() || self.group_key.chars().count() > MAX_GROUP_KEY_CHARS {
            return Err(NotificationError::GroupKey);
        }
        Ok(())
    }

    /// The group as this notification describes it. Its level is the most urgent of its
    /// firing alerts' levels (of all its alerts when none fires, of its common labels when it
    /// lists none); its firing count includes the alerts Alertmanager truncated.
    pub fn group_state(&self, levels: &LevelMap) -> AlertGroupState {
        let firing_alerts = self
            .alerts
            .iter()
            .filter(|a| a.status == AlertStatus::Firing);
        let firing = firing_alerts.clone().count() as u32;
        let resolved = self.alerts.len() as u32 - firing;
        let level = firing_alerts
            .map(|a| levels.level_of(&a.labels))
            .min()
            .or_else(|| self.alerts.iter().map(|a| levels.level_of(&a.labels)).min())
            .unwrap_or_else(|| levels.level_of(&self.common_labels));
        let truncated = if self.status == AlertStatus::Firing {
            self.truncated_alerts
        } else {
            0
        };
        let summary = self
            .common_annotations
            .get("summary")
            .or_else(|| self.common_annotations.get("description"))
            .map(|s| cut(s));
        AlertGroupState {
            key: self.group_key.clone(),
            receiver: cut(&self.receiver),
            status: self.status,
            level,
            labels: self
                .common_labels
                .iter()
                .take(MAX_GROUP_LABELS)
                .map(|(k, v)| (cut(k), cut(v)))
                .collect(),
            summary,
            firing: firing.saturating_add(truncated),
            resolved,
        }
    }
}

/// `text` cut to [`MAX_LABEL_CHARS`], ending in "…" when it was longer.
fn cut(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    short.push('…');
    short
}
