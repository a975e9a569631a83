//! Comparing each arm with its rung: the paired bootstrap of bits per byte, what the change costs in
//! tokens and compute, the shift of the token-length distribution, and the verdict under the rule fixed
//! before the run (slide 10: "track quality and efficiency metrics jointly", "report confidence
//! intervals", "use final decision table for adoption").

use serde::{Deserialize, Serialize};

use super::measure::ArmResult;
use super::plan::{Change, Plan};
use super::spec::{Rule, Spec};
use crate::core::stats::{paired_ratio_bootstrap, summary, PairedDelta};

/// GPT-2's embedding width per size (the rows a new token adds to the model are this wide).
fn width(params: u64) -> u64 {
    match params {
        p if p < 200_000_000 => 768,
        p if p < 500_000_000 => 1024,
        p if p < 1_000_000_000 => 1280,
        _ => 1600,
    }
}

/// GPT-2's vocabulary, the one the sizes' parameter counts are for.
const GPT2_VOCAB: u64 = 50_257;

/// What an arm's training data costs under its tokenizer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub rows: usize,
    pub tokens: u64,
    /// Tokens per whitespace-separated word.
    pub fertility: f64,
    pub chars_per_token: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    /// Share of rows longer than the context (they would be cut or split).
    pub over_context: f64,
    /// The chosen GPT-2 size with this tokenizer's vocabulary (tied embeddings: one row per token).
    pub params: u64,
    /// Training compute, 6 × parameters × tokens (one epoch; Kaplan et al. 2020).
    pub flops: f64,
}

/// The cost of `r`'s data for a GPT-2 of `params` parameters and a context of `context` tokens.
pub fn cost(r: &ArmResult, params: u64, context: usize) -> Cost {
    let lengths: Vec<usize> = r.row_tokens.iter().map(|&t| t as usize).collect();
    let s = summary(&lengths);
    let tokens = r.tokens();
    let params = (params as i128 + (r.n_vocab as i128 - GPT2_VOCAB as i128) * width(params) as i128)
        .max(0) as u64;
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Cost {
        rows: r.train_rows,
        tokens,
        fertility: ratio(tokens, r.train_words),
        chars_per_token: ratio(r.train_chars, tokens),
        p50: s.p50,
        p90: s.p90,
        p99: s.p99,
        over_context: ratio(
            lengths.iter().filter(|&&l| l > context).count() as u64,
            lengths.len() as u64,
        ),
        params,
        flops: 6.0 * params as f64 * tokens as f64,
    }
}

/// How far apart two distributions of row lengths are.
#[derive(Clone, Copy, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Shift {
    /// Kolmogorov–Smirnov statistic: the largest gap between the two cumulative distributions (0..=1).
    pub ks: f64,
    /// Earth mover's (Wasserstein-1) distance in tokens: how far, on average, a row's length moved.
    pub emd: f64,
}

/// The shift from `a` to `b` (token counts per row).
pub fn shift(a: &[u32], b: &[u32]) -> Shift {
    if a.is_empty() || b.is_empty() {
        return Shift::default();
    }
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    // Walk both sorted lists over the union of values: the CDFs step at each value.
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let (mut ks, mut emd, mut last) = (0.0f64, 0.0, 0u32);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let gap = (i as f64 / na - j as f64 / nb).abs();
        emd += gap * f64::from(v - last);
        last = v;
        while a.get(i) == Some(&v) {
            i += 1;
        }
        while b.get(j) == Some(&v) {
            j += 1;
        }
        ks = ks.max((i as f64 / na - j as f64 / nb).abs());
    }
    Shift { ks, emd }
}

/// The verdict of a rung.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Adopt,
    Reject,
    Inconclusive,
    Refused,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Adopt => "adopt",
            Verdict::Reject => "reject",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Refused => "refused",
        }
    }
}

/// A difference in bits per byte as the lab writes it: four decimals, or two significant digits when it is
/// smaller than that shows (a tokenizer arm's Δ can be a few millionths), so a non-zero difference never
/// reads as "-0.0000". Parses back as a number.
pub fn bits_text(x: f64, signed: bool) -> String {
    match (x == 0.0 || x.abs() >= 0.0005, signed) {
        (true, true) => format!("{x:+.4}"),
        (true, false) => format!("{x:.4}"),
        (false, true) => format!("{x:+.1e}"),
        (false, false) => format!("{x:.1e}"),
    }
}

/// The rule applied to a difference (bits per byte, negative = better) and the growth of the training
/// tokens (percent): adopt when the whole interval is better by at least the smallest gain worth having
/// and the cost grows no more than allowed; reject when the whole interval is worse; otherwise
/// inconclusive. The reason says which.
pub fn decide(d: &PairedDelta, cost_growth: f64, rule: &Rule) -> (Verdict, String) {
    let ci = format!(
        "95% interval {} to {}",
        bits_text(d.low, true),
        bits_text(d.high, true)
    );
    if d.low > 0.0 {
        return (
            Verdict::Reject,
            format!(
                "worse: the whole {ci} bits/byte is above 0 (p = {:.3}).",
                d.p_value
            ),
        );
    }
    if d.high < -rule.min_gain {
        if cost_growth <= rule.max_cost_growth {
            return (
                Verdict::Adopt,
                format!(
                    "better by more than {} bits/byte across the whole {ci}, and the training tokens change by {cost_growth:+.1}% (allowed: up to {:+.1}%).",
                    rule.min_gain, rule.max_cost_growth
                ),
            );
        }
        return (
            Verdict::Inconclusive,
            format!(
                "better ({ci}), but the training tokens grow {cost_growth:+.1}%, more than the {:+.1}% the rule allows: decide whether the gain is worth it, then set the rule before the next run.",
                rule.max_cost_growth
            ),
        );
    }
    let why = if d.high < 0.0 {
        format!(
            "probably better ({ci}), but the gain may be smaller than the {} bits/byte worth having.",
            rule.min_gain
        )
    } else {
        format!(
            "the {ci} includes 0: no difference shown. This evaluation set detects differences of about {} bits/byte or more.",
            bits_text(d.detectable, false)
        )
    };
    (Verdict::Inconclusive, why)
}

/// One row of the decision table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    /// The rung it is compared with.
    pub against: String,
    pub change: Change,
    pub bits_per_byte: Option<f64>,
    pub delta: Option<Delta>,
    pub cost: Option<Cost>,
    /// Training tokens, percent change against the rung.
    pub cost_growth: Option<f64>,
    pub shift: Option<Shift>,
    pub verdict: Verdict,
    pub why: String,
    /// Warnings that do not change the verdict: same rows as the rung, leakage, fallback discounts.
    pub flags: Vec<String>,
}

/// [`PairedDelta`] as stored.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub delta: f64,
    pub low: f64,
    pub high: f64,
    pub p_value: f64,
    pub detectable: f64,
    pub resamples: usize,
}

impl From<PairedDelta> for Delta {
    fn from(d: PairedDelta) -> Self {
        Delta {
            delta: d.delta,
            low: d.low,
            high: d.high,
            p_value: d.p_value,
            detectable: d.detectable,
            resamples: d.resamples,
        }
    }
}

/// Warnings about one arm's own data.
fn own_flags(r: &ArmResult, eval_rows: usize) -> Vec<String> {
    let mut flags = Vec::new();
    if r.leaked > 0 {
        flags.push(format!(
            "leakage: {} of {eval_rows} evaluation rows are also in its training rows — its score is optimistic (memorised rows look like progress).",
            r.leaked
        ));
    }
    if r.discount_fallback {
        flags.push("too little data for modified Kneser–Ney's own discounts at some order: fallback discounts 0.5 / 1 / 1.5 were used (lmplz --discount_fallback).".into());
    }
    flags
}

/// The decision table: one row per rung (the baseline first), from the plan and each runnable rung's
/// result (`results[i]` for `plan.rungs[i]`; `None` for refused rungs).
pub fn compare(spec: &Spec, plan: &Plan, results: &[Option<ArmResult>]) -> Vec<Comparison> {
    let params = spec.model_params();
    plan.rungs
        .iter()
        .enumerate()
        .map(|(i, rung)| {
            let against = rung.against.map(|k| plan.rungs[k].name.clone());
            let mine = results.get(i).and_then(Option::as_ref);
            let Some(r) = mine else {
                return Comparison {
                    name: rung.name.clone(),
                    against: against.unwrap_or_default(),
                    change: rung.change.clone(),
                    bits_per_byte: None,
                    delta: None,
                    cost: None,
                    cost_growth: None,
                    shift: None,
                    verdict: Verdict::Refused,
                    why: rung
                        .refused
                        .clone()
                        .unwrap_or_else(|| "it did not run.".into()),
                    flags: Vec::new(),
                };
            };
            let my_cost = cost(r, params, spec.context);
            let mut flags = own_flags(r, r.eval_bits.len());
            let base = rung.against.and_then(|k| results.get(k).and_then(Option::as_ref));
            let (delta, growth, sh, verdict, why) = match base {
                None => (
                    None,
                    None,
                    None,
                    Verdict::Inconclusive,
                    "the rung the others are measured against.".to_string(),
                ),
                Some(b) => {
                    if b.rows_fingerprint == r.rows_fingerprint && b.tokenizer_id == r.tokenizer_id
                    {
                        flags.insert(
                            0,
                            "same rows and tokenizer as its rung (in any order): measured anyway, Δ is 0 by construction.".into(),
                        );
                    }
                    let diff: Vec<f64> =
                        r.eval_bits.iter().zip(&b.eval_bits).map(|(a, b)| a - b).collect();
                    let bytes: Vec<f64> = r.eval_bytes.iter().map(|&x| f64::from(x)).collect();
                    let growth = if b.tokens() == 0 {
                        0.0
                    } else {
                        (r.tokens() as f64 / b.tokens() as f64 - 1.0) * 100.0
                    };
                    match paired_ratio_bootstrap(&diff, &bytes, spec.resamples, spec.seed) {
                        Some(d) => {
                            let (v, why) = decide(&d, growth, &spec.rule);
                            (
                                Some(Delta::from(d)),
                                Some(growth),
                                Some(shift(&b.row_tokens, &r.row_tokens)),
                                v,
                                why,
                            )
                        }
                        None => (
                            None,
                            Some(growth),
                            None,
                            Verdict::Inconclusive,
                            "no evaluation rows to compare on.".into(),
                        ),
                    }
                }
            };
            Comparison {
                name: rung.name.clone(),
                against: against.unwrap_or_default(),
                change: rung.change.clone(),
                bits_per_byte: Some(r.bits_per_byte),
                delta,
                cost: Some(my_cost),
                cost_growth: growth,
                shift: sh,
                verdict,
                why,
                flags,
            }
        })
        .collect()
}

/// The decision table as Markdown (for a report or a pull request).
pub fn table_markdown(spec: &Spec, rows: &[Comparison]) -> String {
    let mut md = String::from(
        "| rung | against | what changed | bits/byte | Δ bits/byte (95% CI) | p | training tokens | Δ tokens | verdict | why |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for r in rows {
        let bpb = r.bits_per_byte.map_or("—".into(), |b| format!("{b:.4}"));
        let (d, p) = r.delta.map_or(("—".into(), "—".into()), |d| {
            (
                format!("{:+.4} ({:+.4} to {:+.4})", d.delta, d.low, d.high),
                format!("{:.3}", d.p_value),
            )
        });
        let tokens = r.cost.as_ref().map_or("—".into(), |c| c.tokens.to_string());
        let growth = r.cost_growth.map_or("—".into(), |g| format!("{g:+.1}%"));
        let mut why = r.why.clone();
        for f in &r.flags {
            why.push_str(" ⚠ ");
            why.push_str(f);
        }
        md.push_str(&format!(
            "| {} | {} | {} | {bpb} | {d} | {p} | {tokens} | {growth} | {} | {} |\n",
            cell(&r.name),
            cell(if r.against.is_empty() {
                "—"
            } else {
                &r.against
            }),
            cell(&r.change.describe()),
            if r.change == Change::Baseline {
                "—"
            } else {
                r.verdict.word()
            },
            cell(&why)
        ));
    }
    md.push_str(&format!(
        "\nProxy: interpolated modified Kneser–Ney {}-gram model per arm, scored in bits per byte on evaluation set {}; paired bootstrap, {} resamples, seed {}. Rule (set before the run): adopt when the whole interval is better than −{} bits/byte and training tokens grow ≤ {}%; reject when it is entirely worse.\n",
        spec.order, spec.eval, spec.resamples, spec.seed, spec.rule.min_gain, spec.rule.max_cost_growth
    ));
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ab::plan::{plan, VersionInfo};

    fn arm(name: &str, bits: &[f64], rows: &[u32], fp: &str) -> ArmResult {
        ArmResult {
            name: name.into(),
            tokenizer_id: "gpt2".into(),
            n_vocab: 50_257,
            train_rows: rows.len(),
            row_tokens: rows.to_vec(),
            train_words: rows.iter().map(|&r| u64::from(r)).sum::<u64>() * 3 / 4,
            train_chars: rows.iter().map(|&r| u64::from(r)).sum::<u64>() * 4,
            eval_bits: bits.to_vec(),
            eval_bytes: vec![100; bits.len()],
            bits_per_byte: bits.iter().sum::<f64>() / (100.0 * bits.len() as f64),
            rows_fingerprint: fp.into(),
            ..Default::default()
        }
    }

    #[test]
    fn shift_matches_scipy() {
        // scipy.stats.ks_2samp([1,2,3,4], [3,4,5,6]).statistic == 0.5;
        // scipy.stats.wasserstein_distance([1,2,3,4], [3,4,5,6]) == 2.0
        let s = shift(&[1, 2, 3, 4], &[3, 4, 5, 6]);
        assert_eq!((s.ks, s.emd), (0.5, 2.0));
        // ks_2samp([1,1,2], [1,3]).statistic == 0.5; wasserstein_distance([1,1,2], [1,3]) == 2/3
        let s = shift(&[1, 1, 2], &[1, 3]);
        assert!((s.ks - 0.5).abs() < 1e-12);
        assert!((s.emd - 2.0 / 3.0).abs() < 1e-12, "{s:?}");
        assert_eq!(shift(&[5, 5], &[5]), Shift::default());
    }

    #[test]
    fn small_differences_never_read_as_zero() {
        assert_eq!(bits_text(-0.0168, true), "-0.0168");
        assert_eq!(bits_text(0.0, true), "+0.0000");
        assert_eq!(bits_text(0.0, false), "0.0000");
        assert_eq!(bits_text(-0.000014, true), "-1.4e-5");
        assert_eq!(bits_text(0.000014, false), "1.4e-5");
        assert_eq!("-1.4e-5".parse::<f64>().unwrap(), -0.000014);
    }

    #[test]
    fn cost_of_an_arm() {
        let r = arm("a", &[1.0], &[10, 20, 30, 2000], "x");
        let c = cost(&r, 124_439_808, 1024);
        assert_eq!(c.tokens, 2060);
        assert_eq!(c.over_context, 0.25);
        assert_eq!(c.params, 124_439_808);
        assert_eq!(c.flops, 6.0 * 124_439_808.0 * 2060.0);
        assert!((c.chars_per_token - 4.0).abs() < 1e-12);
        // Two new tokens add two embedding rows of 768.
        let mut r2 = r.clone();
        r2.n_vocab = 50_259;
        assert_eq!(cost(&r2, 124_439_808, 1024).params, 124_439_808 + 2 * 768);
    }

    #[test]
    fn verdicts_follow_the_rule() {
        let rule = Rule::default();
        let d = |low: f64, high: f64| PairedDelta {
            delta: (low + high) / 2.0,
            low,
            high,
            p_value: 0.01,
            se: 0.001,
            detectable: 0.0028,
            resamples: 1000,
        };
        assert_eq!(decide(&d(-0.05, -0.02), 5.0, &rule).0, Verdict::Adopt);
        let (v, why) = decide(&d(-0.05, -0.02), 25.0, &rule);
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("grow +25.0%"), "{why}");
        assert_eq!(decide(&d(0.001, 0.02), 0.0, &rule).0, Verdict::Reject);
        let (v, why) = decide(&d(-0.02, 0.01), 0.0, &rule);
        assert_eq!(v, Verdict::Inconclusive);
        assert!(
            why.contains("includes 0") && why.contains("0.0028"),
            "{why}"
        );
        assert!(decide(&d(-0.02, -0.005), 0.0, &rule)
            .1
            .contains("smaller than"));
    }

    #[test]
    fn a_table_with_a_refused_and_an_identical_rung() {
        let s = Spec::parse(
            r#"{"eval": "e", "baseline": {"dataset": "a"}, "arms": [
                {"name": "same", "dataset": "a2"}, {"name": "both", "dataset": "b", "tokenizer": "cl100k_base"},
                {"name": "better", "dataset": "b"}]}"#,
        )
        .unwrap();
        let p = plan(&s, &|_| Some(VersionInfo { rows: 3 }), &|_| None).unwrap();
        let base_bits: Vec<f64> = (0..50).map(|i| 300.0 + (i % 9) as f64 * 20.0).collect();
        let better_bits: Vec<f64> = base_bits.iter().map(|b| b - 8.0).collect();
        let results = vec![
            Some(arm("baseline", &base_bits, &[100, 200, 300], "fp-a")),
            Some(arm("same", &base_bits, &[300, 100, 200], "fp-a")),
            None,
            Some(arm("better", &better_bits, &[100, 200, 310], "fp-b")),
        ];
        let table = compare(&s, &p, &results);
        let verdicts: Vec<_> = table.iter().map(|c| c.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Inconclusive,
                Verdict::Inconclusive,
                Verdict::Refused,
                Verdict::Adopt
            ]
        );
        let same = &table[1];
        assert_eq!(same.delta.unwrap().delta, 0.0);
        assert!(same.flags[0].starts_with("same rows"), "{:?}", same.flags);
        assert!((table[3].delta.unwrap().delta + 0.08).abs() < 1e-12);
        let md = table_markdown(&s, &table);
        assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), 5);
        assert!(
            md.contains("| both | baseline | dataset and tokenizer at once |"),
            "{md}"
        );
    }
}
