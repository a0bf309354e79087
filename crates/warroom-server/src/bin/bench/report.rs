//! How the figures are recorded and printed: latency histograms in microseconds, and the
//! summary table of every figure beside its target.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

/// A histogram of microseconds, from 1 µs to 10 minutes at three significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// Microseconds as milliseconds with two decimals.
pub fn ms(micros: u64) -> String {
    format!("{:.2} ms", micros as f64 / 1_000.0)
}

pub fn duration_ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

/// p50 / p99 / max of a histogram of microseconds, for a detail line.
pub fn percentiles(h: &Histogram<u64>) -> String {
    format!(
        "p50 {}, p99 {}, p99.9 {}, max {} ({} samples)",
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        ms(h.value_at_quantile(0.999)),
        ms(h.max()),
        h.len()
    )
}

/// Thousands separated by commas.
pub fn count(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether a figure met its target.
pub enum Verdict {
    Met,
    Missed,
    /// The measurement did not run to the end; why.
    Failed(String),
}

struct Row {
    what: String,
    measured: String,
    target: String,
    verdict: Verdict,
}

/// Every figure of a run, for the summary table.
#[derive(Default)]
pub struct Summary {
    rows: Vec<Row>,
}

impl Summary {
    /// Records a figure; `met` says whether it is within `target`.
    pub fn figure(&mut self, what: &str, measured: String, target: &str, met: bool) {
        let verdict = if met { Verdict::Met } else { Verdict::Missed };
        println!(
            "      {what}: {measured}  (target {target})  {}",
            label(&verdict)
        );
        self.rows.push(Row {
            what: what.to_owned(),
            measured,
            target: target.to_owned(),
            verdict,
        });
    }

    /// Records a measurement that failed to run.
    pub fn failed(&mut self, what: &str, target: &str, why: String) {
        println!("      {what}: FAILED: {why}");
        self.rows.push(Row {
            what: what.to_owned(),
            measured: "—".into(),
            target: target.to_owned(),
            verdict: Verdict::Failed(why),
        });
    }

    pub fn any_failed(&self) -> bool {
        self.rows
            .iter()
            .any(|r| matches!(r.verdict, Verdict::Failed(_)))
    }

    /// The table, one figure a line, with a line of notes under it.
    pub fn table(&self) -> String {
        let headers = ["figure", "measured", "target", ""];
        let cells: Vec<[String; 4]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.what.clone(),
                    r.measured.clone(),
                    r.target.clone(),
                    label(&r.verdict).to_owned(),
                ]
            })
            .collect();
        let mut widths = headers.map(|h| h.chars().count());
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            let _ = writeln!(out, "| {} |", padded.join(" | "));
        };
        line(&mut out, &headers.map(str::to_owned));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let _ = writeln!(out, "|-{}-|", rule.join("-|-"));
        for row in &cells {
            line(&mut out, row);
        }
        for r in &self.rows {
            if let Verdict::Failed(why) = &r.verdict {
                let _ = writeln!(out, "{} failed: {why}", r.what);
            }
        }
        out
    }
}

fn label(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Met => "met",
        Verdict::Missed => "MISSED",
        Verdict::Failed(_) => "FAILED",
    }
}
