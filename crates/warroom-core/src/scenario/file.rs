//! The scenario file format: TOML parsed and checked into a [`Scenario`], with errors that name
//! the line and the field, so a trainer can fix a file without reading this code.

use std::ops::Range;

use serde::Deserialize;
use strum::VariantNames as _;
use toml::Spanned;

use super::{Expectation, Inject, Scenario, Trigger, When};
use crate::incident::{MAX_TEXT_CHARS, MAX_TITLE_CHARS, Status};
use crate::templates;

/// Why a scenario file was refused: where, which field, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field `{field}`: {message}")]
pub struct ScenarioError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    title: Spanned<String>,
    briefing: Spanned<String>,
    #[serde(default)]
    suggested_crew: Vec<String>,
    #[serde(default, rename = "inject")]
    injects: Vec<Spanned<RawInject>>,
    #[serde(default, rename = "expect")]
    expectations: Vec<Spanned<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInject {
    at: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    text: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    kind: Spanned<String>,
    minutes: Option<Spanned<u32>>,
    template: Option<Spanned<String>>,
}

/// The largest scenario file accepted.
pub const MAX_SCENARIO_BYTES: usize = 48 * 1024;

/// Parses and checks a scenario file.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(ScenarioError {
            line: 1,
            field: "(file)".into(),
            message: format!("the file is larger than {MAX_SCENARIO_BYTES} bytes"),
        });
    }
    let raw: RawScenario = toml::from_str(text).map_err(|e| from_toml(text, &e))?;
    let err = |span: Range<usize>, field: &str, message: String| ScenarioError {
        line: line_of(text, span.start),
        field: field.to_owned(),
        message,
    };
    let title = non_empty(text, &raw.title, "title", MAX_TITLE_CHARS)?;
    let briefing = non_empty(text, &raw.briefing, "briefing", MAX_TEXT_CHARS)?;
    let mut injects = Vec::new();
    for inject in &raw.injects {
        let span = inject.span();
        let inject = inject.get_ref();
        let when = match (&inject.at, &inject.after) {
            (Some(at), None) => {
                When::At(scenario_time(at.get_ref()).map_err(|m| err(at.span(), "at", m))?)
            }
            (None, Some(after)) => {
                When::After(trigger(after.get_ref()).map_err(|m| err(after.span(), "after", m))?)
            }
            (Some(at), Some(_)) => {
                return Err(err(
                    at.span(),
                    "at",
                    "an inject has `at` or `after`, not both".into(),
                ));
            }
            (None, None) => {
                return Err(err(
                    span,
                    "at",
                    "an inject needs `at = \"T+mm:ss\"` or `after = \"<trigger>\"`".into(),
                ));
            }
        };
        let source = match &inject.source {
            Some(s) => non_empty(text, s, "source", MAX_TITLE_CHARS)?,
            None => "Facilitator".to_owned(),
        };
        injects.push(Inject {
            source,
            text: non_empty(text, &inject.text, "text", MAX_TEXT_CHARS)?,
            when,
        });
    }
    if injects.is_empty() {
        return Err(err(
            0..0,
            "inject",
            "a scenario needs at least one [[inject]]".into(),
        ));
    }
    let mut expectations = Vec::new();
    for expect in &raw.expectations {
        let e = expect.get_ref();
        let minutes = |field: &str| -> Result<u32, ScenarioError> {
            match &e.minutes {
                Some(m) if (1..=24 * 60).contains(m.get_ref()) => Ok(*m.get_ref()),
                Some(m) => Err(err(
                    m.span(),
                    "minutes",
                    "minutes are between 1 and 1440".into(),
                )),
                None => Err(err(
                    expect.span(),
                    "minutes",
                    format!("`{field}` needs `minutes`"),
                )),
            }
        };
        let kind = e.kind.get_ref().as_str();
        expectations.push(match kind {
            "commander_within" => Expectation::CommanderWithin {
                minutes: minutes(kind)?,
            },
            "positive_exchange" => Expectation::PositiveExchange,
            "status_update_every" => Expectation::StatusUpdateEvery {
                minutes: minutes(kind)?,
            },
            "checklist_completed" => {
                let Some(template) = &e.template else {
                    return Err(err(
                        expect.span(),
                        "template",
                        "`checklist_completed` needs `template`".into(),
                    ));
                };
                if templates::template(template.get_ref()).is_none() {
                    return Err(err(
                        template.span(),
                        "template",
                        format!("no checklist template \"{}\"", template.get_ref()),
                    ));
                }
                Expectation::ChecklistCompleted {
                    template: template.get_ref().clone(),
                }
            }
            "actions_read_back" => Expectation::ActionsReadBack,
            "concerns_acknowledged_within" => Expectation::ConcernsAcknowledgedWithin {
                minutes: minutes(kind)?,
            },
            other => {
                return Err(err(
                    e.kind.span(),
                    "kind",
                    format!(
                        "unknown expectation \"{other}\"; use {}",
                        one_of(Expectation::VARIANTS)
                    ),
                ));
            }
        });
    }
    Ok(Scenario {
        title,
        briefing,
        suggested_crew: raw.suggested_crew,
        injects,
        expectations,
    })
}

fn non_empty(
    text: &str,
    value: &Spanned<String>,
    field: &str,
    limit: usize,
) -> Result<String, ScenarioError> {
    let v = value.get_ref().trim();
    let problem = if v.is_empty() {
        Some("cannot be empty".to_owned())
    } else if v.chars().count() > limit {
        Some(format!("is longer than {limit} characters"))
    } else {
        None
    };
    match problem {
        Some(message) => Err(ScenarioError {
            line: line_of(text, value.span().start),
            field: field.to_owned(),
            message,
        }),
        None => Ok(v.to_owned()),
    }
}

/// `T+mm:ss` or `T+h:mm:ss` as seconds.
fn scenario_time(raw: &str) -> Result<u32, String> {
    let bad = || format!("\"{raw}\" is not a scenario time like \"T+04:00\" or \"T+1:05:00\"");
    let rest = raw.trim().strip_prefix("T+").ok_or_else(bad)?;
    let parts: Vec<u32> = rest
        .split(':')
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [m, s] if *s < 60 => Ok(m * 60 + s),
        [h, m, s] if *m < 60 && *s < 60 => Ok(h * 3600 + m * 60 + s),
        _ => Err(bad()),
    }
}

fn trigger(raw: &str) -> Result<Trigger, String> {
    let raw = raw.trim();
    match raw.split_once(':') {
        None if raw == "first_handoff" => Ok(Trigger::FirstHandoff),
        None if raw == "checklist_completed" => Ok(Trigger::ChecklistCompleted(None)),
        Some(("checklist_completed", template)) => {
            if templates::template(template).is_none() {
                return Err(format!("no checklist template \"{template}\""));
            }
            Ok(Trigger::ChecklistCompleted(Some(template.to_owned())))
        }
        Some(("status", status)) => Status::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(status))
            .map(Trigger::StatusReached)
            .ok_or_else(|| format!("no status \"{status}\"")),
        _ => Err(format!(
            "unknown trigger \"{raw}\"; use first_handoff, checklist_completed, \
             checklist_completed:<template> or status:<status>"
        )),
    }
}

/// `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Turns a TOML error into one that names the line and the field.
fn from_toml(text: &str, err: &toml::de::Error) -> ScenarioError {
    let message = err.message().trim().to_owned();
    let line = err.span().map_or(1, |s| line_of(text, s.start));
    // The field: named in the message (missing field `text`, unknown field `txt`), else the
    // key on that line.
    let named = message.starts_with("missing field") || message.starts_with("unknown field");
    let field = named
        .then(|| message.split('`').nth(1).map(str::to_owned))
        .flatten()
        .or_else(|| {
            text.lines()
                .nth(line - 1)
                .and_then(|l| l.split_once('='))
                .map(|(key, _)| key.trim().to_owned())
        })
        .unwrap_or_else(|| "(file)".to_owned());
    ScenarioError {
        line,
        field,
        message,
    }
}
