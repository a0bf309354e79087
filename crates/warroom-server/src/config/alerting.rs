//! The Alertmanager receiver's flags: the label → level mapping and the routing rules file
//! (its credential is an integration token with `alerts:write`). `alerting::AlertDesk::from_args` reads them.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct AlertArgs {
    /// How alert labels map to the annunciator's levels: `label=value:level` rules, the first
    /// match winning (levels: warning, caution, advisory; unmatched alerts are advisories).
    /// Repeat the flag or separate with commas.
    #[arg(
        long = "alert-level",
        env = "WARROOM_ALERT_LEVEL",
        value_delimiter = ',',
        default_value = "severity=critical:warning,severity=warning:caution"
    )]
    pub alert_levels: Vec<String>,

    /// A TOML file of alert routing rules (docs/protocol.md, "Alert routing rules"): which
    /// open incident a group attaches to, or which groups declare an incident.
    #[arg(long, env = "WARROOM_ALERT_RULES")]
    pub alert_rules: Option<PathBuf>,
}
