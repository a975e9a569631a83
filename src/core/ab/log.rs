//! The experiment log: every run, with a hash of everything that went in and everything that came out,
//! appended and never changed (slide 20's "logging rules"). A rerun is checked against the last entry of
//! the same spec — "reproduced entry #N", or exactly what changed — and the dataset versions an entry
//! names can no longer be deleted, so every entry can always be rerun.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compare::Comparison;
use super::plan::Plan;
use super::spec::{Rule, Spec};
use crate::core::tokenize::ranks::sha256_hex;

/// What an entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An experiment ran.
    Run,
    /// The decision rule was changed after a run (the verdicts of that run stay as they were).
    RuleChange,
}

/// Everything that decides a run's numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// Dataset version id → content hash (the rows themselves), for every version the run read.
    pub datasets: BTreeMap<String, String>,
    /// Tokenizer as the spec names it → the id of what was built (an encoding name, `tok-…`).
    pub tokenizers: BTreeMap<String, String>,
    pub eval: String,
    pub seed: u64,
    pub order: usize,
    pub resamples: usize,
    pub rule: Rule,
    /// The lab's version: the proxy model or the statistics may change between versions.
    pub lab_version: String,
}

/// One rung's numbers, as logged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub name: String,
    pub bits_per_byte: Option<f64>,
    pub delta: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub p_value: Option<f64>,
    pub tokens: Option<u64>,
    pub verdict: String,
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, … in the order entries were appended.
    pub n: u64,
    /// ISO 8601.
    pub at: String,
    pub kind: Kind,
    /// The spec, as JSON.
    pub spec: String,
    pub inputs: Inputs,
    /// SHA-256 of `spec` and `inputs`.
    pub input_hash: String,
    pub outputs: Vec<Output>,
    /// SHA-256 of `outputs`.
    pub output_hash: String,
    /// For a rule change: what changed, after which entry.
    pub note: String,
}

fn hash<T: Serialize>(v: &T) -> String {
    sha256_hex(
        serde_json::to_string(v)
            .expect("log values serialise")
            .as_bytes(),
    )
}

/// The outputs of a decision table.
pub fn outputs(table: &[Comparison]) -> Vec<Output> {
    table
        .iter()
        .map(|c| Output {
            name: c.name.clone(),
            bits_per_byte: c.bits_per_byte,
            delta: c.delta.map(|d| d.delta),
            low: c.delta.map(|d| d.low),
            high: c.delta.map(|d| d.high),
            p_value: c.delta.map(|d| d.p_value),
            tokens: c.cost.as_ref().map(|c| c.tokens),
            verdict: c.verdict.word().into(),
        })
        .collect()
}

/// The inputs of a run of `spec` as planned: `content(id)` gives a dataset version's content hash,
/// `built` the id each rung's tokenizer was built as (by rung index; encodings are their own id).
pub fn inputs(
    spec: &Spec,
    plan: &Plan,
    content: &dyn Fn(&str) -> String,
    built: &[Option<String>],
    lab_version: &str,
) -> Inputs {
    let mut datasets = BTreeMap::new();
    datasets.insert(spec.eval.clone(), content(&spec.eval));
    let mut tokenizers = BTreeMap::new();
    for (i, r) in plan.rungs.iter().enumerate() {
        datasets.insert(r.dataset.clone(), content(&r.dataset));
        let id = built
            .get(i)
            .cloned()
            .flatten()
            .unwrap_or_else(|| r.tokenizer.key());
        tokenizers.insert(r.tokenizer.key(), id);
    }
    Inputs {
        datasets,
        tokenizers,
        eval: spec.eval.clone(),
        seed: spec.seed,
        order: spec.order,
        resamples: spec.resamples,
        rule: spec.rule,
        lab_version: lab_version.into(),
    }
}

/// A run's entry (numbered `n`).
pub fn run_entry(n: u64, at: &str, spec: &Spec, inputs: Inputs, table: &[Comparison]) -> Entry {
    let spec = spec.to_json();
    let outputs = outputs(table);
    Entry {
        n,
        at: at.into(),
        kind: Kind::Run,
        input_hash: hash(&(&spec, &inputs)),
        output_hash: hash(&outputs),
        spec,
        inputs,
        outputs,
        note: String::new(),
    }
}

/// The entry recording that the rule changed after run `after` (its verdicts stand as they were).
pub fn rule_change_entry(n: u64, at: &str, after: &Entry, from: Rule, to: Rule) -> Entry {
    let mut inputs = after.inputs.clone();
    inputs.rule = to;
    Entry {
        n,
        at: at.into(),
        kind: Kind::RuleChange,
        spec: after.spec.clone(),
        input_hash: hash(&(&after.spec, &inputs)),
        inputs,
        outputs: Vec::new(),
        output_hash: String::new(),
        note: format!(
            "rule changed after entry #{}: smallest gain {} → {} bits/byte, cost growth {}% → {}%; the verdicts of #{} stand as decided.",
            after.n, from.min_gain, to.min_gain, from.max_cost_growth, to.max_cost_growth, after.n
        ),
    }
}

/// What a new run says about the log: `None` when no earlier run had the same spec; otherwise
/// "reproduced entry #N" or what changed since the last such run.
pub fn reproduction(log: &[Entry], new: &Entry) -> Option<String> {
    let prior = log
        .iter()
        .rev()
        .find(|e| e.kind == Kind::Run && e.spec == new.spec && e.n != new.n)?;
    if prior.input_hash == new.input_hash && prior.output_hash == new.output_hash {
        return Some(format!(
            "Reproduced entry #{}: the same inputs gave the same numbers.",
            prior.n
        ));
    }
    let mut changes = Vec::new();
    let (a, b) = (&prior.inputs, &new.inputs);
    for (id, hash) in &b.datasets {
        match a.datasets.get(id) {
            Some(h) if h != hash => changes.push(format!("dataset {id}'s rows changed")),
            None => changes.push(format!("dataset {id} is new")),
            _ => {}
        }
    }
    for (k, id) in &b.tokenizers {
        if a.tokenizers.get(k).is_some_and(|x| x != id) {
            changes.push(format!(
                "tokenizer {k} was built as {id}, not {}",
                a.tokenizers[k]
            ));
        }
    }
    if a.lab_version != b.lab_version {
        changes.push(format!(
            "the lab's version ({} → {})",
            a.lab_version, b.lab_version
        ));
    }
    if a.rule != b.rule {
        changes.push("the decision rule".into());
    }
    for o in &new.outputs {
        if let Some(p) = prior.outputs.iter().find(|p| p.name == o.name) {
            if p != o {
                changes.push(format!(
                    "{}: bits/byte {} → {}, verdict {} → {}",
                    o.name,
                    p.bits_per_byte.map_or("—".into(), |x| format!("{x:.6}")),
                    o.bits_per_byte.map_or("—".into(), |x| format!("{x:.6}")),
                    p.verdict,
                    o.verdict
                ));
            }
        }
    }
    Some(format!(
        "Not a reproduction of entry #{}: {}.",
        prior.n,
        if changes.is_empty() {
            "the numbers differ".into()
        } else {
            changes.join("; ")
        }
    ))
}

/// The entries that name dataset version `id` (such a version must not be deleted).
pub fn referencing(log: &[Entry], id: &str) -> Vec<u64> {
    log.iter()
        .filter(|e| e.inputs.datasets.contains_key(id))
        .map(|e| e.n)
        .collect()
}

/// The log as JSON Lines, one entry a line, oldest first.
pub fn to_jsonl(log: &[Entry]) -> String {
    log.iter()
        .map(|e| serde_json::to_string(e).expect("entries serialise") + "\n")
        .collect()
}

/// The key an entry is stored under: its number, zero-padded so keys sort in order.
pub fn key(n: u64) -> String {
    format!("{n:010}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ab::compare::{Comparison, Verdict};
    use crate::core::ab::plan::{plan, Change, VersionInfo};

    fn table(bpb: f64, verdict: Verdict) -> Vec<Comparison> {
        vec![Comparison {
            name: "baseline".into(),
            against: String::new(),
            change: Change::Baseline,
            bits_per_byte: Some(bpb),
            delta: None,
            cost: None,
            cost_growth: None,
            shift: None,
            verdict,
            why: String::new(),
            flags: vec![],
        }]
    }

    fn setup() -> (Spec, Plan) {
        let s = Spec::parse(r#"{"eval": "e", "baseline": {"dataset": "a"}, "arms": [{"name": "x", "dataset": "b"}]}"#)
            .unwrap();
        let p = plan(&s, &|_| Some(VersionInfo { rows: 1 }), &|_| None).unwrap();
        (s, p)
    }

    #[test]
    fn a_rerun_reproduces_or_says_what_changed() {
        let (s, p) = setup();
        let content = |id: &str| format!("hash-{id}");
        let i1 = inputs(&s, &p, &content, &[], "0.1.0");
        assert_eq!(i1.datasets.len(), 3);
        assert_eq!(i1.tokenizers["gpt2"], "gpt2");
        let e1 = run_entry(1, "t1", &s, i1.clone(), &table(2.5, Verdict::Inconclusive));
        assert_eq!(reproduction(&[], &e1), None);
        let e2 = run_entry(2, "t2", &s, i1.clone(), &table(2.5, Verdict::Inconclusive));
        assert_eq!(
            reproduction(std::slice::from_ref(&e1), &e2).unwrap(),
            "Reproduced entry #1: the same inputs gave the same numbers."
        );
        let mut i3 = i1.clone();
        i3.lab_version = "0.2.0".into();
        i3.datasets.insert("b".into(), "other".into());
        let e3 = run_entry(3, "t3", &s, i3, &table(2.4, Verdict::Inconclusive));
        let why = reproduction(&[e1.clone(), e2.clone()], &e3).unwrap();
        assert!(why.starts_with("Not a reproduction of entry #2"), "{why}");
        for needle in [
            "dataset b's rows changed",
            "0.1.0 → 0.2.0",
            "bits/byte 2.500000 → 2.400000",
        ] {
            assert!(why.contains(needle), "{needle:?} in {why}");
        }
        assert_eq!(referencing(&[e1.clone(), e2, e3], "b"), [1, 2, 3]);
        assert!(referencing(std::slice::from_ref(&e1), "zzz").is_empty());
        let jsonl = to_jsonl(std::slice::from_ref(&e1));
        let back: Entry = serde_json::from_str(jsonl.trim_end()).unwrap();
        assert_eq!(back, e1);
        let rc = rule_change_entry(
            4,
            "t4",
            &e1,
            Rule::default(),
            Rule {
                min_gain: 0.02,
                max_cost_growth: 5.0,
            },
        );
        assert_eq!(rc.kind, Kind::RuleChange);
        assert!(
            rc.note.contains("after entry #1") && rc.note.contains("0.01 → 0.02"),
            "{}",
            rc.note
        );
        assert_eq!(key(12), "0000000012");
    }
}
