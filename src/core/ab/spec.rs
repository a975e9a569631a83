//! The experiment spec: what a student runs, as JSON they can paste, keep and share (slide 20's
//! "experiment matrix template").
//!
//! Read by hand from a `serde_json::Value` rather than derived, so every problem names its field
//! (`arms[1].tokenizer`) and what to write instead — a derived reader would say "invalid type at line 4
//! column 12" — and so a misspelt field is refused instead of silently taking a default.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::core::tokenize::extend::Mode;

/// The name of the first rung; arms compare with it unless they name another.
pub const BASELINE: &str = "baseline";
/// Orders of the proxy model the lab offers (the issue's 3–5: bigrams are too weak a proxy, and above 5
/// a few thousand rows leave almost every context unseen).
pub const ORDERS: std::ops::RangeInclusive<usize> = 3..=5;
/// GPT-2's sizes, for the compute estimate: name and parameters with the 50,257-token vocabulary.
pub const MODEL_SIZES: &[(&str, u64)] = &[
    ("124M", 124_439_808),
    ("355M", 354_823_168),
    ("774M", 774_030_080),
    ("1558M", 1_557_611_200),
];

/// A tokenizer as a spec names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TokenizerRef {
    /// An encoding (`gpt2`, `cl100k_base`, `o200k_base`) or an extension version id from the extend lab.
    Named(String),
    /// An extension written into the spec.
    Inline(Inline),
}

/// An extension written into the spec: `{"base": "gpt2", "mode": "added" | "merges", "terms": […]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inline {
    pub base: String,
    pub mode: Mode,
    pub terms: Vec<String>,
}

impl TokenizerRef {
    /// How the spec writes it.
    pub fn to_value(&self) -> Value {
        match self {
            TokenizerRef::Named(n) => Value::String(n.clone()),
            TokenizerRef::Inline(i) => json!({
                "base": i.base,
                "mode": mode_word(i.mode),
                "terms": i.terms,
            }),
        }
    }

    /// A short name for tables: the encoding or version id, or "gpt2 + 3 added terms".
    pub fn label(&self) -> String {
        match self {
            TokenizerRef::Named(n) => n.clone(),
            TokenizerRef::Inline(i) => format!(
                "{} + {} {} term{}",
                i.base,
                i.terms.len(),
                if i.mode == Mode::AddedTokens {
                    "added"
                } else {
                    "merged"
                },
                if i.terms.len() == 1 { "" } else { "s" }
            ),
        }
    }
}

fn mode_word(m: Mode) -> &'static str {
    match m {
        Mode::AddedTokens => "added",
        Mode::ReachableMerges => "merges",
    }
}

/// The decision rule, fixed before the run (slide 10: "use final decision table for adoption").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The smallest improvement in bits per byte worth having: adopt only when the whole interval is
    /// better than this.
    pub min_gain: f64,
    /// The most the training tokens may grow, in percent, for an arm to be adopted.
    pub max_cost_growth: f64,
}

impl Default for Rule {
    fn default() -> Self {
        Rule {
            min_gain: 0.01,
            max_cost_growth: 10.0,
        }
    }
}

/// One rung after the baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmSpec {
    pub name: String,
    /// `None`: the baseline's.
    pub dataset: Option<String>,
    pub tokenizer: Option<TokenizerRef>,
    /// The rung it is compared with (`None`: the baseline).
    pub against: Option<String>,
}

/// A whole experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub seed: u64,
    pub order: usize,
    /// The evaluation set: a dataset version id.
    pub eval: String,
    pub baseline_dataset: String,
    pub baseline_tokenizer: TokenizerRef,
    pub arms: Vec<ArmSpec>,
    pub rule: Rule,
    /// Context length for "share of rows over the context" (GPT-2: 1024).
    pub context: usize,
    /// GPT-2 size for the compute estimate (a name of [`MODEL_SIZES`]).
    pub model: String,
    /// Bootstrap resamples (at least 1,000).
    pub resamples: usize,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            seed: 123,
            order: 3,
            eval: String::new(),
            baseline_dataset: String::new(),
            baseline_tokenizer: TokenizerRef::Named("gpt2".into()),
            arms: Vec::new(),
            rule: Rule::default(),
            context: 1024,
            model: "124M".into(),
            resamples: 1000,
        }
    }
}

/// Whether `name` can name an arm: it becomes part of element ids and file names.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

const TOP_FIELDS: &[&str] = &[
    "seed",
    "order",
    "eval",
    "baseline",
    "arms",
    "rule",
    "context",
    "model",
    "resamples",
];

fn unknown_fields(obj: &Map<String, Value>, known: &[&str], at: &str, out: &mut Vec<String>) {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            out.push(format!(
                "{at}{k}: not a field of the spec (fields here: {}).",
                known.join(", ")
            ));
        }
    }
}

fn text(v: &Value, at: &str, out: &mut Vec<String>) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::String(_) => {
            out.push(format!("{at}: is empty; write a version id."));
            None
        }
        _ => {
            out.push(format!(
                "{at}: should be a version id in quotes, found {}.",
                kind(v)
            ));
            None
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn tokenizer(v: &Value, at: &str, out: &mut Vec<String>) -> Option<TokenizerRef> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(TokenizerRef::Named(s.trim().into())),
        Value::Object(o) => {
            unknown_fields(o, &["base", "mode", "terms"], &format!("{at}."), out);
            let base = match o.get("base") {
                Some(Value::String(b)) if !b.is_empty() => b.clone(),
                _ => {
                    out.push(format!(
                        "{at}.base: name the encoding the extension starts from, e.g. \"gpt2\"."
                    ));
                    return None;
                }
            };
            let mode = match o.get("mode").and_then(Value::as_str) {
                Some("added") => Mode::AddedTokens,
                Some("merges") => Mode::ReachableMerges,
                _ => {
                    out.push(format!(
                        "{at}.mode: write \"added\" (the notebook's added tokens) or \"merges\" (reachable BPE merges)."
                    ));
                    return None;
                }
            };
            let terms: Option<Vec<String>> = o.get("terms").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .filter(|t| !t.is_empty())
                    .collect()
            });
            match terms {
                Some(t)
                    if !t.is_empty() && t.len() == o["terms"].as_array().map_or(0, Vec::len) =>
                {
                    Some(TokenizerRef::Inline(Inline {
                        base,
                        mode,
                        terms: t,
                    }))
                }
                _ => {
                    out.push(format!(
                        "{at}.terms: a list of the terms to add, each a non-empty text."
                    ));
                    None
                }
            }
        }
        _ => {
            out.push(format!(
                "{at}: an encoding name (\"gpt2\"), an extension version id (\"tok-…\") or {{\"base\", \"mode\", \"terms\"}}; found {}.",
                kind(v)
            ));
            None
        }
    }
}

fn number(v: Option<&Value>, at: &str, default: f64, out: &mut Vec<String>) -> f64 {
    match v {
        None => default,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
        Some(other) => {
            out.push(format!("{at}: should be a number, found {}.", kind(other)));
            default
        }
    }
}

fn whole(v: Option<&Value>, at: &str, default: u64, out: &mut Vec<String>) -> u64 {
    match v {
        None => default,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().unwrap_or(default),
        Some(other) => {
            out.push(format!(
                "{at}: should be a whole number ≥ 0, found {}.",
                if other.is_number() {
                    other.to_string()
                } else {
                    kind(other).to_string()
                }
            ));
            default
        }
    }
}

impl Spec {
    /// Reads a spec; every problem names its field. Omitted fields take their defaults, and an arm's
    /// omitted dataset or tokenizer is the baseline's.
    pub fn parse(text_in: &str) -> Result<Spec, Vec<String>> {
        let value: Value = serde_json::from_str(text_in).map_err(|e| {
            vec![format!(
                "The spec is not JSON (line {}, column {}): {}. Check quotes and commas there.",
                e.line(),
                e.column(),
                e.to_string().split(" at line").next().unwrap_or_default()
            )]
        })?;
        let Value::Object(top) = value else {
            return Err(vec![format!(
                "The spec should be one JSON object {{\"seed\", \"order\", \"eval\", \"baseline\", \"arms\"}}, found {}.",
                kind(&value)
            )]);
        };
        let mut out = Vec::new();
        unknown_fields(&top, TOP_FIELDS, "", &mut out);
        let d = Spec::default();
        let seed = whole(top.get("seed"), "seed", d.seed, &mut out);
        let order = whole(top.get("order"), "order", d.order as u64, &mut out) as usize;
        if !ORDERS.contains(&order) {
            out.push(format!(
                "order: {order} is not offered; choose 3, 4 or 5 (the n of the n-gram model)."
            ));
        }
        let eval = match top.get("eval") {
            Some(v) => text(v, "eval", &mut out).unwrap_or_default(),
            None => {
                out.push("eval: name the evaluation set (a dataset version id).".into());
                String::new()
            }
        };
        let (baseline_dataset, baseline_tokenizer) = match top.get("baseline") {
            Some(Value::Object(b)) => {
                unknown_fields(b, &["dataset", "tokenizer"], "baseline.", &mut out);
                let ds = match b.get("dataset") {
                    Some(v) => text(v, "baseline.dataset", &mut out).unwrap_or_default(),
                    None => {
                        out.push("baseline.dataset: name the baseline's dataset version.".into());
                        String::new()
                    }
                };
                let tok = match b.get("tokenizer") {
                    Some(v) => tokenizer(v, "baseline.tokenizer", &mut out)
                        .unwrap_or(d.baseline_tokenizer.clone()),
                    None => d.baseline_tokenizer.clone(),
                };
                (ds, tok)
            }
            Some(v) => {
                out.push(format!(
                    "baseline: should be {{\"dataset\": \"<version id>\", \"tokenizer\": \"gpt2\"}}, found {}.",
                    kind(v)
                ));
                (String::new(), d.baseline_tokenizer.clone())
            }
            None => {
                out.push("baseline: name the baseline's dataset version and tokenizer.".into());
                (String::new(), d.baseline_tokenizer.clone())
            }
        };
        let arms = match top.get("arms") {
            None => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .filter_map(|(i, v)| arm(v, i, &mut out))
                .collect(),
            Some(v) => {
                out.push(format!(
                    "arms: should be a list of arms, found {}.",
                    kind(v)
                ));
                Vec::new()
            }
        };
        let rule = match top.get("rule") {
            None => d.rule,
            Some(Value::Object(r)) => {
                unknown_fields(r, &["min_gain", "max_cost_growth"], "rule.", &mut out);
                Rule {
                    min_gain: number(
                        r.get("min_gain"),
                        "rule.min_gain",
                        d.rule.min_gain,
                        &mut out,
                    ),
                    max_cost_growth: number(
                        r.get("max_cost_growth"),
                        "rule.max_cost_growth",
                        d.rule.max_cost_growth,
                        &mut out,
                    ),
                }
            }
            Some(v) => {
                out.push(format!(
                    "rule: should be {{\"min_gain\": 0.01, \"max_cost_growth\": 10}}, found {}.",
                    kind(v)
                ));
                d.rule
            }
        };
        if !(rule.min_gain >= 0.0 && rule.min_gain.is_finite()) {
            out.push("rule.min_gain: a difference in bits per byte, 0 or more.".into());
        }
        if !rule.max_cost_growth.is_finite() {
            out.push("rule.max_cost_growth: a percentage, e.g. 10.".into());
        }
        let context = whole(top.get("context"), "context", d.context as u64, &mut out) as usize;
        if context == 0 {
            out.push("context: the context length in tokens, e.g. 1024.".into());
        }
        let model = match top.get("model") {
            None => d.model.clone(),
            Some(Value::String(m)) if MODEL_SIZES.iter().any(|(n, _)| n == m) => m.clone(),
            Some(v) => {
                out.push(format!(
                    "model: one of GPT-2's sizes {}, found {v}.",
                    MODEL_SIZES
                        .iter()
                        .map(|(n, _)| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                d.model.clone()
            }
        };
        let resamples = whole(top.get("resamples"), "resamples", 1000, &mut out) as usize;
        if !(1000..=100_000).contains(&resamples) {
            out.push(format!(
                "resamples: {resamples} bootstrap resamples; use 1,000 to 100,000."
            ));
        }
        if out.is_empty() {
            Ok(Spec {
                seed,
                order,
                eval,
                baseline_dataset,
                baseline_tokenizer,
                arms,
                rule,
                context,
                model,
                resamples,
            })
        } else {
            Err(out)
        }
    }

    /// The spec as JSON in the shape [`Spec::parse`] reads (omitting nothing, so it documents itself).
    pub fn to_json(&self) -> String {
        let arms: Vec<Value> = self
            .arms
            .iter()
            .map(|a| {
                let mut o = Map::new();
                o.insert("name".into(), a.name.clone().into());
                if let Some(d) = &a.dataset {
                    o.insert("dataset".into(), d.clone().into());
                }
                if let Some(t) = &a.tokenizer {
                    o.insert("tokenizer".into(), t.to_value());
                }
                o.insert(
                    "against".into(),
                    a.against.clone().unwrap_or_else(|| BASELINE.into()).into(),
                );
                Value::Object(o)
            })
            .collect();
        let v = json!({
            "seed": self.seed,
            "order": self.order,
            "eval": self.eval,
            "baseline": {"dataset": self.baseline_dataset, "tokenizer": self.baseline_tokenizer.to_value()},
            "arms": arms,
            "rule": {"min_gain": self.rule.min_gain, "max_cost_growth": self.rule.max_cost_growth},
            "context": self.context,
            "model": self.model,
            "resamples": self.resamples,
        });
        serde_json::to_string_pretty(&v).expect("a spec serialises")
    }

    /// The parameters of the GPT-2 size named by `model` (124M when unknown).
    pub fn model_params(&self) -> u64 {
        MODEL_SIZES
            .iter()
            .find(|(n, _)| *n == self.model)
            .map_or(MODEL_SIZES[0].1, |(_, p)| *p)
    }
}

fn arm(v: &Value, i: usize, out: &mut Vec<String>) -> Option<ArmSpec> {
    let at = format!("arms[{i}]");
    let Value::Object(o) = v else {
        out.push(format!(
            "{at}: should be {{\"name\", \"dataset\", \"tokenizer\", \"against\"}}, found {}.",
            kind(v)
        ));
        return None;
    };
    unknown_fields(
        o,
        &["name", "dataset", "tokenizer", "against"],
        &format!("{at}."),
        out,
    );
    let name = match o.get("name").and_then(Value::as_str) {
        Some(n) if valid_name(n) && n != BASELINE => n.to_string(),
        Some(n) => {
            out.push(format!(
                "{at}.name: {n:?} — use letters, digits, - and _ (at most 40), and not \"{BASELINE}\"."
            ));
            return None;
        }
        None => {
            out.push(format!("{at}.name: give the arm a name, e.g. \"refined\"."));
            return None;
        }
    };
    let at = format!("arms[{i}] ({name})");
    let dataset = o
        .get("dataset")
        .and_then(|v| text(v, &format!("{at}.dataset"), out));
    let tokenizer = o
        .get("tokenizer")
        .and_then(|v| tokenizer(v, &format!("{at}.tokenizer"), out));
    let against = match o.get("against") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == BASELINE => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            out.push(format!(
                "{at}.against: the name of an earlier rung (or \"{BASELINE}\"), found {}.",
                kind(v)
            ));
            None
        }
    };
    Some(ArmSpec {
        name,
        dataset,
        tokenizer,
        against,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"{"seed": 123, "order": 3, "eval": "v-eval",
      "baseline": {"dataset": "v-base", "tokenizer": "gpt2"},
      "arms": [{"name": "refined", "dataset": "v-ref", "tokenizer": "gpt2", "against": "baseline"},
               {"name": "ext", "dataset": "v-ref", "tokenizer": {"base": "gpt2", "mode": "added", "terms": ["Kubernetes"]}, "against": "refined"},
               {"name": "only-name"}]}"#;

    #[test]
    fn reads_the_contract_example() {
        let s = Spec::parse(SPEC).unwrap();
        assert_eq!((s.seed, s.order), (123, 3));
        assert_eq!(s.eval, "v-eval");
        assert_eq!(s.baseline_dataset, "v-base");
        assert_eq!(s.arms.len(), 3);
        assert_eq!(s.arms[0].against, None, "\"baseline\" is the default rung");
        assert_eq!(s.arms[1].against.as_deref(), Some("refined"));
        assert!(matches!(
            &s.arms[1].tokenizer,
            Some(TokenizerRef::Inline(Inline { mode: Mode::AddedTokens, terms, .. })) if terms == &["Kubernetes"]
        ));
        assert_eq!(s.arms[2].dataset, None);
        assert_eq!(s.rule, Rule::default());
        assert_eq!(s.resamples, 1000);
        // What it writes, it reads back.
        assert_eq!(Spec::parse(&s.to_json()).unwrap(), s);
    }

    #[test]
    fn every_problem_names_its_field() {
        let e = Spec::parse("{\"seed\": 1,, }").unwrap_err();
        assert!(
            e[0].starts_with("The spec is not JSON (line 1, column 12)"),
            "{e:?}"
        );
        let e = Spec::parse("[1]").unwrap_err();
        assert!(e[0].contains("one JSON object"), "{e:?}");
        let e = Spec::parse(
            r#"{"order": 7, "eval": 5, "baseline": {"dataset": "a", "tokenzier": "gpt2"},
                "arms": [{"name": "bad name"}, {"name": "x", "tokenizer": {"base": "gpt2", "mode": "both", "terms": []}},
                         {"name": "y", "against": 3}], "rule": {"min_gain": "big"}, "seedd": 1, "model": "7B", "resamples": 10}"#,
        )
        .unwrap_err();
        let all = e.join("\n");
        for needle in [
            "order: 7 is not offered",
            "eval: should be a version id",
            "baseline.tokenzier: not a field",
            "arms[0].name: \"bad name\"",
            "arms[1] (x).tokenizer.mode",
            "arms[2] (y).against",
            "rule.min_gain: should be a number",
            "seedd: not a field",
            "model: one of GPT-2's sizes",
            "resamples: 10 bootstrap resamples",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in\n{all}");
        }
        let e = Spec::parse("{}").unwrap_err().join("\n");
        assert!(e.contains("eval: name the evaluation set") && e.contains("baseline: name"));
    }

    #[test]
    fn names_are_safe_for_ids() {
        assert!(valid_name("refined-2_b"));
        assert!(!valid_name(""));
        assert!(!valid_name("a b"));
        assert!(!valid_name("<script>"));
        assert!(!valid_name(&"x".repeat(41)));
    }
}
