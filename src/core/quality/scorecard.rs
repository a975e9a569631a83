//! A dataset version's scorecard (slides 6, 14): every gate over every row, the deck's quality dimensions as
//! scores, length distributions and task diversity — each number traceable to the rows behind it.

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use super::gates::{check_prepared, scan_row, Flag, Gate, GateConfig, GateReport};
use crate::core::dataset::record::Record;

/// The deck's quality dimensions, each a score in 0..1 made of the gates that stand in for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Correctness,
    Diversity,
    Clarity,
    Safety,
    Formatting,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Correctness,
        Dimension::Diversity,
        Dimension::Clarity,
        Dimension::Safety,
        Dimension::Formatting,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Correctness => "Correctness (proxies)",
            Dimension::Diversity => "Diversity",
            Dimension::Clarity => "Clarity",
            Dimension::Safety => "Safety",
            Dimension::Formatting => "Formatting consistency",
        }
    }

    /// The gates whose flags lower this dimension (Diversity is measured over the batch instead).
    pub fn gates(self) -> &'static [Gate] {
        match self {
            Dimension::Correctness => &[
                Gate::EmptyField,
                Gate::Refusal,
                Gate::RepeatsInstruction,
                Gate::Truncated,
                Gate::Repetition,
                Gate::Placeholder,
            ],
            Dimension::Diversity => &[],
            Dimension::Clarity => &[Gate::Length, Gate::TokenLength, Gate::ScriptMismatch],
            Dimension::Safety => &[Gate::Pii, Gate::SafetyWords],
            Dimension::Formatting => &[Gate::Formatting],
        }
    }

    /// How the score is made, for the scorecard's tooltip and the beginner.
    pub fn explain(self) -> &'static str {
        match self {
            Dimension::Correctness => "share of rows with no empty field, refusal, echo, truncation, degenerate repetition or placeholder",
            Dimension::Diversity => "mean of: spread of instructions' first words (normalised entropy) and share of rows that are not exact duplicates",
            Dimension::Clarity => "share of rows within the length bounds (characters and tokens) and in one script",
            Dimension::Safety => "share of rows with no PII, secret or safety word",
            Dimension::Formatting => "share of rows with clean whitespace, line endings, brackets and list markers",
        }
    }
}

/// Everything one gate run found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GateRun {
    pub config: GateConfig,
    /// The encoding token lengths were measured with (`None`: the token gate was skipped).
    pub encoding: Option<String>,
    pub report: GateReport,
    /// Each row's gate score: the lowest score of its flags, 1 when it passes.
    pub scores: Vec<f32>,
    /// Characters of each row's instruction and output.
    pub instruction_chars: Vec<u32>,
    pub output_chars: Vec<u32>,
    /// Instructions' first words and how many start with each, most frequent first.
    pub first_words: Vec<(String, usize)>,
    /// Rows that exactly duplicate an earlier row (normalised).
    pub exact_duplicates: usize,
    /// Fields that had to be tokenized (the others were decided by byte bounds alone).
    pub fields_tokenized: usize,
    /// (dimension, score) in [`Dimension::ALL`] order.
    pub dimensions: Vec<(Dimension, f64)>,
    /// Time the job took in the worker, in milliseconds, and of that the gates alone (without receiving
    /// the rows); filled in by whoever ran them.
    pub millis: f64,
    #[serde(default)]
    pub compute_millis: f64,
    /// Each row's exact-duplicate key (see `exact::words_key`), kept only while parts of one run are
    /// merged ([`merge_runs`]): duplicates across parts are found from them.
    #[serde(default)]
    pub keys: Vec<u64>,
}

/// One run from runs over consecutive parts of the rows (the parts ran in parallel workers): indices are
/// shifted, counts added, duplicates across parts found from the row keys, and the scores recomputed.
pub fn merge_runs(parts: Vec<GateRun>) -> GateRun {
    let mut out = GateRun::default();
    let mut words: rustc_hash::FxHashMap<String, usize> = Default::default();
    for (k, part) in parts.into_iter().enumerate() {
        if k == 0 {
            out.config = part.config.clone();
            out.encoding = part.encoding.clone();
        }
        let offset = out.report.rows;
        out.report.rows += part.report.rows;
        out.report.passed += part.report.passed;
        for (g, n) in part.report.per_gate {
            match out.report.per_gate.iter_mut().find(|(x, _)| *x == g) {
                Some((_, m)) => *m += n,
                None => out.report.per_gate.push((g, n)),
            }
        }
        out.report.flagged.extend(
            part.report
                .flagged
                .into_iter()
                .map(|(i, f)| (i + offset, f)),
        );
        out.scores.extend(part.scores);
        out.instruction_chars.extend(part.instruction_chars);
        out.output_chars.extend(part.output_chars);
        for (w, n) in part.first_words {
            *words.entry(w).or_default() += n;
        }
        out.fields_tokenized += part.fields_tokenized;
        out.millis = out.millis.max(part.millis);
        out.compute_millis = out.compute_millis.max(part.compute_millis);
        out.keys.extend(part.keys);
    }
    out.report.per_gate.sort_unstable_by_key(|(g, _)| *g);
    let mut seen: FxHashSet<u64> = Default::default();
    out.exact_duplicates = out.keys.iter().filter(|k| !seen.insert(**k)).count();
    out.keys = Vec::new();
    let mut first_words: Vec<(String, usize)> = words.into_iter().collect();
    first_words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.first_words = first_words;
    out.dimensions = dimensions(&out.report, &out.first_words, out.exact_duplicates);
    out
}

/// A token counter and what bounds its counts without counting.
pub struct TokenCounter<'a> {
    pub count: &'a mut dyn FnMut(&str) -> usize,
    /// The longest token of the vocabulary, in bytes.
    pub max_token_bytes: usize,
    /// The encoding's pre-tokenizer never joins text on both sides of whitespace into one piece, so a
    /// trimmed text has at least as many tokens as whitespace-separated pieces. True of GPT-2's and
    /// cl100k's split patterns; o200k's lets "!\n/" be one piece.
    pub splits_at_whitespace: bool,
}

/// [`TokenCounter::splits_at_whitespace`] for an encoding by name.
pub fn splits_at_whitespace(encoding: &str) -> bool {
    matches!(encoding, "gpt2" | "cl100k_base")
}

/// Runs every enabled gate over `rows`. Token lengths are counted only where they decide the gate: a token
/// is 1 to `max_token_bytes` bytes long (and, see [`TokenCounter::splits_at_whitespace`], no token spans
/// whitespace), so a field whose length puts every possible count inside the bounds passes without
/// tokenizing (exact, and what keeps 50k rows under a second).
pub fn run_gates(
    rows: &[Record],
    cfg: &GateConfig,
    mut tokens: Option<TokenCounter<'_>>,
    progress: &mut dyn FnMut(f64),
) -> GateRun {
    let mut report = GateReport::default();
    let mut scores = Vec::with_capacity(rows.len());
    let mut fields_tokenized = 0;
    let token_gate = cfg.enabled.contains(&Gate::TokenLength);
    let prep = cfg.prepare();
    let mut seen: FxHashSet<u64> = Default::default();
    seen.reserve(rows.len());
    let mut exact_duplicates = 0;
    let mut keys = Vec::with_capacity(rows.len());
    let mut words: [Vec<u64>; 3] = Default::default();
    let mut instruction_chars = Vec::with_capacity(rows.len());
    let mut output_chars = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        if i % 1024 == 0 {
            progress(0.9 * i as f64 / rows.len().max(1) as f64);
        }
        let scans = scan_row(r, &mut words);
        instruction_chars.push(scans[0].chars as u32);
        output_chars.push(scans[2].chars as u32);
        let counts = match (&mut tokens, token_gate) {
            (Some(t), true) => {
                let mut measure = |text: &str, pieces: usize, (lo, hi): (usize, usize)| {
                    let n = text.len();
                    let mut least = n.div_ceil(t.max_token_bytes.max(1));
                    if t.splits_at_whitespace {
                        least = least.max(pieces);
                    }
                    if least >= lo && n <= hi {
                        n // every possible count is in bounds: any of them decides the same
                    } else {
                        fields_tokenized += 1;
                        (t.count)(text)
                    }
                };
                let (ti, to) = (scans[0].trim, scans[2].trim);
                Some((
                    measure(
                        &r.instruction[ti.0..ti.1],
                        scans[0].pieces,
                        cfg.instruction_tokens,
                    ),
                    measure(&r.output[to.0..to.1], scans[2].pieces, cfg.output_tokens),
                ))
            }
            _ => None,
        };
        let flags = check_prepared(r, cfg, &prep, counts, &words, &scans);
        let key = super::exact::words_key(&words);
        keys.push(key);
        if !seen.insert(key) {
            exact_duplicates += 1;
        }
        scores.push(row_score(&flags));
        report.add(i, flags);
    }
    let first_words = first_words(rows.iter().map(|r| r.instruction.as_str()));
    progress(1.0);
    let dimensions = dimensions(&report, &first_words, exact_duplicates);
    GateRun {
        config: cfg.clone(),
        encoding: None,
        report,
        scores,
        instruction_chars,
        output_chars,
        first_words,
        exact_duplicates,
        fields_tokenized,
        dimensions,
        millis: 0.0,
        compute_millis: 0.0,
        keys,
    }
}

fn row_score(flags: &[Flag]) -> f32 {
    flags.iter().map(|f| f.score as f32).fold(1.0, f32::min)
}

/// Words that open a polite request rather than name the task ("Please write…", "Can you explain…").
const OPENERS: &[&str] = &[
    "please", "can", "could", "would", "will", "you", "kindly", "i", "we", "now", "so", "hey", "hi",
];

/// The task verb of an instruction, approximately: its first word after polite openers, lower-cased.
pub fn first_word(instruction: &str) -> Option<String> {
    instruction
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .find(|w| !OPENERS.contains(&w.as_str()))
}

/// How many instructions start with each first word, most frequent first (ties alphabetical).
pub fn first_words<'a>(instructions: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut counts: rustc_hash::FxHashMap<String, usize> = Default::default();
    for s in instructions {
        let w = first_word(s).unwrap_or_default();
        match counts.get_mut(&w) {
            Some(n) => *n += 1,
            None => {
                counts.insert(w, 1);
            }
        }
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Normalised Shannon entropy of a count distribution: 0 when everything is one kind, 1 when all kinds are
/// equally common and there are as many kinds as rows (capped at 100 kinds, so large datasets are not
/// punished for having "only" 100 task verbs).
pub fn spread(counts: &[usize]) -> f64 {
    let n: usize = counts.iter().sum();
    if n <= 1 {
        return 1.0;
    }
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.ln()
        })
        .sum();
    (h / (n.min(100) as f64).ln()).min(1.0)
}

/// The dimension scores of a gate report.
pub fn dimensions(
    report: &GateReport,
    first_words: &[(String, usize)],
    exact_duplicates: usize,
) -> Vec<(Dimension, f64)> {
    let rows = report.rows.max(1) as f64;
    Dimension::ALL
        .iter()
        .map(|&d| {
            let score = if d == Dimension::Diversity {
                let counts: Vec<usize> = first_words.iter().map(|w| w.1).collect();
                let unique = 1.0 - exact_duplicates as f64 / rows;
                if report.rows == 0 {
                    1.0
                } else {
                    (spread(&counts) + unique) / 2.0
                }
            } else {
                let hit = rows_flagged_by(report, d.gates()).len();
                1.0 - hit as f64 / rows
            };
            (d, score)
        })
        .collect()
}

/// Indices of rows flagged by any of `gates`.
pub fn rows_flagged_by(report: &GateReport, gates: &[Gate]) -> Vec<usize> {
    report
        .flagged
        .iter()
        .filter(|(_, flags)| flags.iter().any(|f| gates.contains(&f.gate)))
        .map(|(i, _)| *i)
        .collect()
}

/// Gate-by-gate comparison of two runs ("quality drift"): (gate, pass rate here, pass rate there).
pub fn drift(a: &GateRun, b: &GateRun) -> Vec<(Gate, f64, f64)> {
    let rate = |r: &GateRun, g: Gate| {
        let n = r.report.rows.max(1) as f64;
        let flagged = r
            .report
            .per_gate
            .iter()
            .find(|(x, _)| *x == g)
            .map_or(0, |x| x.1);
        1.0 - flagged as f64 / n
    };
    Gate::ALL
        .iter()
        .map(|&g| (g, rate(a, g), rate(b, g)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::dataset::record::Provenance;

    fn rec(i: &str, o: &str) -> Record {
        Record {
            instruction: i.into(),
            input: String::new(),
            output: o.into(),
            provenance: Provenance::file("t.json", 1),
        }
    }

    #[test]
    fn first_words_skip_polite_openers() {
        assert_eq!(
            first_word("Please write a haiku.").as_deref(),
            Some("write")
        );
        assert_eq!(
            first_word("Can you explain DNS?").as_deref(),
            Some("explain")
        );
        assert_eq!(first_word("  ").as_deref(), None);
        let w = first_words(["Write a", "write b", "Explain c"].into_iter());
        assert_eq!(w, [("write".to_string(), 2), ("explain".to_string(), 1)]);
    }

    #[test]
    fn spread_is_normalised_entropy() {
        assert_eq!(spread(&[10]), 0.0);
        assert!((spread(&[1, 1, 1, 1]) - 1.0).abs() < 1e-9);
        assert!(spread(&[3, 1]) > 0.0 && spread(&[3, 1]) < 1.0);
    }

    #[test]
    fn a_run_scores_rows_and_dimensions() {
        let rows = vec![
            rec(
                "Name the capital of France.",
                "Paris is the capital of France.",
            ),
            rec(
                "Name the capital of France.",
                "Paris is the capital of France.",
            ),
            rec(
                "Explain recursion briefly.",
                "As an AI language model, I cannot.",
            ),
            rec("Write to support.", "Mail jane@example.com today."),
        ];
        let run = run_gates(&rows, &GateConfig::default(), None, &mut |_| {});
        assert_eq!(run.report.rows, 4);
        assert_eq!(run.report.passed, 2);
        assert_eq!(run.scores, [1.0, 1.0, 0.0, 0.0]);
        assert_eq!(run.exact_duplicates, 1);
        let dim = |d: Dimension| run.dimensions.iter().find(|x| x.0 == d).unwrap().1;
        assert_eq!(dim(Dimension::Correctness), 0.75);
        assert_eq!(dim(Dimension::Safety), 0.75);
        assert_eq!(dim(Dimension::Formatting), 1.0);
        assert!(dim(Dimension::Diversity) < 1.0);
        assert_eq!(rows_flagged_by(&run.report, &[Gate::Pii]), [3]);
    }

    #[test]
    fn runs_over_parts_merge_into_the_run_over_all() {
        let rows = vec![
            rec(
                "Name the capital of France.",
                "Paris is the capital of France.",
            ),
            rec(
                "Explain recursion briefly.",
                "As an AI language model, I cannot.",
            ),
            rec(
                "Name the capital of France.",
                "Paris is the capital of France.",
            ),
            rec("Write to support.", "Mail jane@example.com today."),
            rec("Name the capital of Peru.", "Lima is the capital of Peru."),
        ];
        let cfg = GateConfig::default();
        let mut whole = run_gates(&rows, &cfg, None, &mut |_| {});
        let merged = merge_runs(vec![
            run_gates(&rows[..2], &cfg, None, &mut |_| {}),
            run_gates(&rows[2..], &cfg, None, &mut |_| {}),
        ]);
        whole.keys = Vec::new();
        assert_eq!(merged, whole);
        assert_eq!(
            merged.exact_duplicates, 1,
            "a duplicate across the two parts is found"
        );
    }

    #[test]
    fn tokens_are_counted_only_where_they_decide() {
        let rows = vec![
            rec("Name the capital of France.", "Paris."),
            rec("Hi", "Paris is the capital of France."),
        ];
        let mut calls = 0;
        let mut count = |s: &str| {
            calls += 1;
            s.split_whitespace().count()
        };
        let cfg = GateConfig {
            instruction_tokens: (2, 1024),
            output_tokens: (1, 2048),
            ..GateConfig::default()
        };
        let run = run_gates(
            &rows,
            &cfg,
            Some(TokenCounter {
                count: &mut count,
                max_token_bytes: 8,
                splits_at_whitespace: false,
            }),
            &mut |_| {},
        );
        // "Hi" (2 bytes) could be one token: counted, and it is one "token" here — flagged.
        assert_eq!(run.fields_tokenized, 1);
        assert!(run
            .report
            .flagged
            .iter()
            .any(|(i, f)| *i == 1 && f.iter().any(|f| f.gate == Gate::TokenLength)));
        assert_eq!(calls, 1);
        // "Name the" is at least two tokens when no token spans a space: decided without counting.
        let rows = vec![rec("Name the", "Paris."), rec("Name", "Paris.")];
        let run = run_gates(
            &rows,
            &cfg,
            Some(TokenCounter {
                count: &mut |s: &str| s.split_whitespace().count(),
                max_token_bytes: 8,
                splits_at_whitespace: true,
            }),
            &mut |_| {},
        );
        assert_eq!(run.fields_tokenized, 1);
        assert!(splits_at_whitespace("gpt2") && !splits_at_whitespace("o200k_base"));
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use crate::core::dataset::record::Provenance;

    /// `cargo test --release --lib gates_50k -- --ignored --nocapture`: native time of every gate over 50k
    /// rows of ~1.5 KB (the browser figure is in the README).
    #[test]
    #[ignore]
    fn gates_50k() {
        // Rows cut from the course corpus, as the browser benchmark does (made-up text if it is missing).
        let corpus = std::fs::read_to_string("../shared/corpus/prose-10mb.txt")
            .unwrap_or_else(|_| "The quick brown fox jumps over the lazy dog. ".repeat(250_000));
        let cut = |at: usize, len: usize| {
            let mut s = (at * 7919) % (corpus.len() - len - 8);
            while !corpus.is_char_boundary(s) {
                s += 1;
            }
            let mut e = s + len;
            while !corpus.is_char_boundary(e) {
                e += 1;
            }
            corpus[s..e].to_string()
        };
        let rows: Vec<Record> = (0..50_000)
            .map(|i| Record {
                instruction: format!("Summarise passage {i}: {}", cut(i * 3, 130)),
                input: cut(i * 3 + 1, 350),
                output: cut(i * 3 + 2, 1000),
                provenance: Provenance::file("b", i + 1),
            })
            .collect();
        // The best of three runs: the machine may be busy with other work.
        let best = |cfg: &GateConfig| {
            (0..3)
                .map(|_| {
                    let t = std::time::Instant::now();
                    run_gates(&rows, cfg, None, &mut |_| {});
                    t.elapsed()
                })
                .min()
                .unwrap_or_default()
        };
        let none = GateConfig {
            enabled: vec![],
            ..GateConfig::default()
        };
        eprintln!("no gate (the shared scan): {:?}", best(&none));
        for g in Gate::ALL {
            let cfg = GateConfig {
                enabled: vec![g],
                ..GateConfig::default()
            };
            eprintln!("{g:?}: {:?}", best(&cfg));
        }
        eprintln!("all: {:?}", best(&GateConfig::default()));
        let t = std::time::Instant::now();
        let run = run_gates(&rows, &GateConfig::default(), None, &mut |_| {});
        eprintln!(
            "{} rows in {:?}, pass rate {:.3}",
            rows.len(),
            t.elapsed(),
            run.report.pass_rate()
        );
    }
}
