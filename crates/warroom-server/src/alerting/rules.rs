//! The alert routing rules file (`--alert-rules FILE`, TOML): which open incident a group
//! attaches to, or which groups declare an incident of their own. Read once at start-up; an
//! error names the file and the rule.
//!
//! ```toml
//! # The first rule whose every `match` label the group's common labels have, with exactly
//! # that value, decides. A group no rule matches is unrouted (a commander may link it).
//! [[rule]]
//! match = { service = "checkout" }
//! incident = "3mzqk5…"            # attach to this incident while it is open
//!
//! [[rule]]
//! match = { severity = "critical" }
//! declare = { title = "{alertname} on {service}", severity_label = "sev", severity = "SEV2" }
//! ```
//!
//! A declaring rule opens a new incident from a *firing* group, in the integration's name,
//! with no person in command. `title` fills `{label}` from the group's common labels and
//! `{summary}` from its summary annotation; `severity_label` names the label whose value
//! (`SEV1`…`SEV4`, or `1`…`4`) is the severity, `severity` the one used otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use warroom_core::IncidentId;
use warroom_core::incident::{AlertGroupState, MAX_TITLE_CHARS, Severity};

/// The most rules a file may hold.
pub const MAX_RULES: usize = 200;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Labels the group's common labels must have, with these values; empty matches all.
    #[serde(default, rename = "match")]
    pub matches: BTreeMap<String, String>,
    /// Attach the group to this incident.
    #[serde(default)]
    pub incident: Option<IncidentId>,
    /// Declare an incident from the group.
    #[serde(default)]
    pub declare: Option<Declare>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declare {
    #[serde(default = "default_title")]
    pub title: String,
    #[serde(default)]
    pub severity_label: Option<String>,
    #[serde(default = "default_severity")]
    pub severity: Severity,
}

fn default_title() -> String {
    "{alertname}".to_owned()
}

fn default_severity() -> Severity {
    Severity::Sev2
}

/// Where a rule sends a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    Incident(&'a IncidentId),
    Declare(&'a Declare),
}

impl Rules {
    /// Reads and checks the rules file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the alert rules {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| anyhow::anyhow!("the alert rules {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let rules: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        if rules.rules.len() > MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules"));
        }
        for (i, rule) in rules.rules.iter().enumerate() {
            if rule.incident.is_some() == rule.declare.is_some() {
                return Err(format!(
                    "rule {} must have exactly one of `incident` and `declare`",
                    i + 1
                ));
            }
        }
        Ok(rules)
    }

    /// The first matching rule's target for a group's common labels.
    pub fn target(&self, labels: &BTreeMap<String, String>) -> Option<Target<'_>> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.matches.iter().all(|(k, v)| labels.get(k) == Some(v)))?;
        match (&rule.incident, &rule.declare) {
            (Some(id), _) => Some(Target::Incident(id)),
            (None, Some(declare)) => Some(Target::Declare(declare)),
            (None, None) => None,
        }
    }
}

impl Declare {
    /// The new incident's title from the group: `{label}` and `{summary}` filled in, cut to
    /// a title's length.
    pub fn title_of(&self, group: &AlertGroupState) -> String {
        let mut title = self.title.clone();
        for (k, v) in &group.labels {
            title = title.replace(&format!("{{{k}}}"), v);
        }
        if let Some(summary) = &group.summary {
            title = title.replace("{summary}", summary);
        }
        let title = title.trim();
        let title = if title.is_empty() { "Alert" } else { title };
        title.chars().take(MAX_TITLE_CHARS).collect()
    }

    /// The new incident's severity: from `severity_label` where its value names one.
    pub fn severity_of(&self, group: &AlertGroupState) -> Severity {
        let value = self
            .severity_label
            .as_ref()
            .and_then(|l| group.labels.get(l))
            .map(|v| v.trim().to_ascii_uppercase());
        match value.as_deref() {
            Some("SEV1" | "1") => Severity::Sev1,
            Some("SEV2" | "2") => Severity::Sev2,
            Some("SEV3" | "3") => Severity::Sev3,
            Some("SEV4" | "4") => Severity::Sev4,
            _ => self.severity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_matching_rule_decides() {
        let rules = Rules::parse(
            r#"
            [[rule]]
            match = { service = "checkout", env = "prod" }
            incident = "abc"
            [[rule]]
            match = { severity = "critical" }
            declare = { title = "{alertname} on {service}", severity_label = "sev" }
            "#,
        )
        .unwrap();
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let l = labels(&[
            ("service", "checkout"),
            ("env", "prod"),
            ("severity", "critical"),
        ]);
        assert!(matches!(rules.target(&l), Some(Target::Incident(id)) if id.as_str() == "abc"));
        let l = labels(&[
            ("service", "search"),
            ("severity", "critical"),
            ("alertname", "Down"),
            ("sev", "1"),
        ]);
        let Some(Target::Declare(d)) = rules.target(&l) else {
            panic!("declares");
        };
        let group = AlertGroupState {
            key: "k".into(),
            receiver: "r".into(),
            status: Default::default(),
            level: Default::default(),
            labels: l,
            summary: None,
            firing: 1,
            resolved: 0,
        };
        assert_eq!(d.title_of(&group), "Down on search");
        assert_eq!(d.severity_of(&group), Severity::Sev1);
        assert_eq!(rules.target(&labels(&[("service", "search")])), None);
    }

    #[test]
    fn a_bad_rules_file_is_named() {
        let err = Rules::parse("[[rule]]\nmatch = {}\n").unwrap_err();
        assert!(err.contains("rule 1 must have exactly one"), "{err}");
        let err = Rules::parse("[[rule]]\nincident = \"a\"\ncolour = 1\n").unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }
}
