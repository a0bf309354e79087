//! A strict reader of Prometheus's text exposition format (version 0.0.4), for checking what
//! `/metrics` serves: it refuses what a scraper would refuse, and more — a sample before its
//! family's `# TYPE`, a family reopened after another began, a duplicate series, a bad name,
//! label or value, a histogram whose buckets are not cumulative or lack `+Inf`, a negative
//! counter.

use std::collections::{BTreeMap, HashSet};

/// A metric family: its type, its help text and its samples, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    pub kind: String,
    pub help: Option<String>,
    pub samples: Vec<Sample>,
}

/// One line of a family: the sample's name (`x_bucket` for a histogram's bucket), its labels
/// and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Family {
    /// The sum of the values of the samples named `name` whose labels include `labels`.
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }
}

/// Parses a whole exposition; every family by name, or what is wrong and on which line.
pub fn parse(text: &str) -> Result<BTreeMap<String, Family>, String> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut closed: HashSet<String> = HashSet::new();
    let mut series: HashSet<(String, Vec<(String, String)>)> = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let at = |why: String| format!("line {}: {why}: {line:?}", n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut words = rest.splitn(3, ' ');
            let (keyword, name) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            let tail = words.next().unwrap_or("").to_owned();
            if keyword != "HELP" && keyword != "TYPE" {
                continue; // A comment.
            }
            check_name(name).map_err(at)?;
            if current.as_deref() != Some(name) {
                if let Some(previous) = current.replace(name.to_owned()) {
                    closed.insert(previous);
                }
                if closed.contains(name) {
                    return Err(at(format!("family {name} reopened")));
                }
            }
            let family = families.entry(name.to_owned()).or_insert_with(|| Family {
                kind: "untyped".into(),
                help: None,
                samples: Vec::new(),
            });
            if keyword == "HELP" {
                if family.help.replace(tail).is_some() {
                    return Err(at(format!("a second HELP for {name}")));
                }
            } else {
                if !family.samples.is_empty() || family.kind != "untyped" {
                    return Err(at(format!("TYPE of {name} after its samples or twice")));
                }
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&tail.as_str())
                {
                    return Err(at(format!("unknown type {tail:?}")));
                }
                family.kind = tail;
            }
            continue;
        }
        let sample = parse_sample(line).map_err(at)?;
        let family_name = current
            .as_deref()
            .filter(|f| belongs(f, &families[*f].kind, &sample.name))
            .ok_or_else(|| at("a sample outside a declared family".into()))?
            .to_owned();
        let key: Vec<_> = sample.labels.clone().into_iter().collect();
        if !series.insert((sample.name.clone(), key)) {
            return Err(at("a duplicate series".into()));
        }
        let family = families.get_mut(&family_name).expect("the current family");
        if family.kind == "counter" && (sample.value < 0.0 || sample.value.is_nan()) {
            return Err(at("a counter below zero".into()));
        }
        family.samples.push(sample);
    }
    for (name, family) in &families {
        if family.kind == "histogram" {
            check_histogram(name, family)?;
        }
    }
    Ok(families)
}

/// Whether a sample named `sample` is one of family `family`'s, given its type.
fn belongs(family: &str, kind: &str, sample: &str) -> bool {
    match kind {
        "histogram" => ["_bucket", "_sum", "_count"]
            .iter()
            .any(|suffix| sample.strip_suffix(suffix) == Some(family)),
        "summary" => {
            sample == family
                || ["_sum", "_count"]
                    .iter()
                    .any(|suffix| sample.strip_suffix(suffix) == Some(family))
        }
        _ => sample == family,
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("bad metric name {name:?}"))
    }
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample without a value".to_owned())?;
    let name = &line[..name_end];
    check_name(name)?;
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find("=\"").ok_or("a label without =\"")?;
            let label = &rest[..eq];
            let ok = label
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return Err(format!("bad label name {label:?}"));
            }
            let (value, after) = label_value(&rest[eq + 2..])?;
            if labels.insert(label.to_owned(), value).is_some() {
                return Err(format!("label {label} twice"));
            }
            rest = after.strip_prefix(',').unwrap_or(after);
        }
    }
    let mut fields = rest
        .strip_prefix(' ')
        .ok_or("no space before the value")?
        .split(' ');
    let value = number(fields.next().unwrap_or(""))?;
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("bad timestamp {timestamp:?}"))?;
    }
    if fields.next().is_some() {
        return Err("more than a value and a timestamp".into());
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
    })
}

/// A quoted label value's text (after its opening quote) and what follows its closing quote.
fn label_value(raw: &str) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &raw[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '\\')) => value.push('\\'),
                Some((_, '"')) => value.push('"'),
                Some((_, 'n')) => value.push('\n'),
                other => return Err(format!("bad escape {other:?} in a label value")),
            },
            '\n' => return Err("a raw newline in a label value".into()),
            c => value.push(c),
        }
    }
    Err("an unterminated label value".into())
}

fn number(raw: &str) -> Result<f64, String> {
    match raw {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ if raw
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) =>
        {
            raw.parse().map_err(|_| format!("bad value {raw:?}"))
        }
        _ => Err(format!("bad value {raw:?}")),
    }
}

/// A series' labels but `le`, in order.
type LabelSet = Vec<(String, String)>;

/// Every label set's buckets are cumulative, end at `+Inf`, and `+Inf` equals `_count`.
fn check_histogram(name: &str, family: &Family) -> Result<(), String> {
    let mut by_labels: BTreeMap<LabelSet, Vec<(f64, f64)>> = BTreeMap::new();
    for sample in family
        .samples
        .iter()
        .filter(|s| s.name.ends_with("_bucket"))
    {
        let mut labels = sample.labels.clone();
        let le = labels
            .remove("le")
            .ok_or_else(|| format!("{name}: a bucket without le"))?;
        let le = number(&le)?;
        by_labels
            .entry(labels.into_iter().collect())
            .or_default()
            .push((le, sample.value));
    }
    for (labels, buckets) in &by_labels {
        let sorted = buckets
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
        if !sorted {
            return Err(format!(
                "{name}{labels:?}: buckets not cumulative in le order"
            ));
        }
        let (le, count) = *buckets.last().expect("at least one bucket");
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if le != f64::INFINITY || count != family.sum(&format!("{name}_count"), &pairs) {
            return Err(format!(
                "{name}{labels:?}: the +Inf bucket is missing or not _count"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_reader_refuses_what_it_should() {
    let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n\n\
                # TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n";
    let families = parse(good).expect("a good exposition");
    assert_eq!(families["a_total"].sum("a_total", &[("x", "1")]), 3.0);
    assert_eq!(families["h"].kind, "histogram");
    for bad in [
        "a 1\n",                                                      // no TYPE
        "# TYPE a counter\na -1\n",                                   // negative counter
        "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",               // duplicate
        "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n", // reopened
        "# TYPE a gauge\na{x=1} 1\n",                                 // unquoted
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n", // no +Inf
        "# TYPE a gauge\na one\n",
    ] {
        assert!(parse(bad).is_err(), "accepted {bad:?}");
    }
}
