//! One arm's proxy training run: its rows in the book's prompt format, tokenized with its tokenizer, an
//! n-gram model trained on them (each row its own sequence, as in fine-tuning, so row order never
//! matters) at a few shares of the data, and the evaluation set scored in bits per byte.
//!
//! Bits per *byte*, not per token: a tokenizer with longer tokens spends more bits on each token and has
//! fewer of them, so loss per token rewards or punishes the vocabulary rather than the data. Per byte of
//! the same evaluation text, every arm is scored on the same thing.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::measure::{ArmResult, CurvePoint};
use super::ngram::NgramModel;
use super::plan::TokenizerPlan;
use crate::core::dataset::content::row_hash;
use crate::core::dataset::record::Record;
use crate::core::imdb::shuffle::permutation;
use crate::core::tokenize::extend::version::build;
use crate::core::tokenize::ranks::sha256_hex;
use crate::core::tokenize::Encoder;

/// The shares of the training rows the learning curve is measured at (the last is the arm's score).
pub const FRACTIONS: &[f64] = &[0.125, 0.25, 0.5, 1.0];

/// log2(10): from KenLM's log10 probabilities to bits.
const BITS_PER_LOG10: f64 = std::f64::consts::LOG2_10;

/// What the worker is asked to run for one arm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmJob {
    pub name: String,
    pub order: usize,
    /// Seeds the order in which rows join the learning curve.
    pub seed: u64,
    pub tokenizer: TokenizerPlan,
}

/// A row as the book's fine-tuning code formats it (ch07's `format_input` plus the response): the
/// Alpaca preamble, the instruction, the input when there is one, and the response.
pub fn prompt(r: &Record) -> String {
    let mut s = String::with_capacity(160 + r.instruction.len() + r.input.len() + r.output.len());
    s.push_str("Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n");
    s.push_str(&r.instruction);
    if !r.input.is_empty() {
        s.push_str("\n\n### Input:\n");
        s.push_str(&r.input);
    }
    s.push_str("\n\n### Response:\n");
    s.push_str(&r.output);
    s
}

/// The encoder a rung's tokenizer plan describes, built on `base` (whose rank file hashes to
/// `base_sha256`), and the id it is known by.
pub fn tokenizer_for(
    plan: &TokenizerPlan,
    base: &Encoder,
    base_sha256: &str,
) -> Result<(Encoder, String), String> {
    let copy = |e: &Encoder| e.extended(&[], &[]).map_err(|e| e.to_string());
    match plan {
        TokenizerPlan::Base { name } => Ok((copy(base)?, name.clone())),
        TokenizerPlan::Version { version } => {
            if version.base_ranks_sha256 != base_sha256 {
                return Err(format!(
                    "Tokenizer version {} was made from another {} rank file (SHA-256 {}…); this lab's is {}….",
                    version.id,
                    version.base,
                    crate::core::text::prefix(&version.base_ranks_sha256, 12),
                    crate::core::text::prefix(base_sha256, 12)
                ));
            }
            let enc = version.encoder(base).map_err(|e| e.to_string())?;
            Ok((enc, version.id.clone()))
        }
        TokenizerPlan::Inline { inline } => {
            let built = build(
                &inline.base,
                base_sha256,
                base,
                inline.mode,
                &inline.terms,
                None,
                "",
                "inline in an experiment spec",
            );
            let enc = built.version.encoder(base).map_err(|e| e.to_string())?;
            Ok((enc, built.version.id))
        }
    }
}

/// The hash of rows as a multiset: the sorted row hashes, hashed — equal for the same rows in any order.
pub fn fingerprint(rows: &[Record]) -> String {
    let mut hashes: Vec<String> = rows
        .iter()
        .map(|r| row_hash([&r.instruction, &r.input, &r.output]))
        .collect();
    hashes.sort_unstable();
    sha256_hex(hashes.join("\n").as_bytes())
}

/// Evaluation rows that also occur (exactly) among the training rows.
pub fn leaked(train: &[Record], eval: &[Record]) -> usize {
    let seen: HashSet<String> = train
        .iter()
        .map(|r| row_hash([&r.instruction, &r.input, &r.output]))
        .collect();
    eval.iter()
        .filter(|r| seen.contains(&row_hash([&r.instruction, &r.input, &r.output])))
        .count()
}

/// Runs one arm: `enc` is its tokenizer (from [`tokenizer_for`]), known as `tokenizer_id`. `progress`
/// hears 0..=1 and the stage.
pub fn run_arm(
    job: &ArmJob,
    train: &[Record],
    eval: &[Record],
    enc: &mut Encoder,
    tokenizer_id: &str,
    progress: &mut dyn FnMut(f64, &str),
) -> Result<ArmResult, String> {
    if train.is_empty() {
        return Err(format!("Arm {}: it has no training rows.", job.name));
    }
    if eval.is_empty() {
        return Err("The evaluation set has no rows.".into());
    }
    let (mut words, mut chars, mut bytes) = (0u64, 0u64, 0u64);
    let mut seqs: Vec<Vec<u32>> = Vec::with_capacity(train.len());
    let total_bytes: usize = train
        .iter()
        .map(|r| r.instruction.len() + r.output.len() + r.input.len() + 160)
        .sum();
    let mut done = 0usize;
    for (i, r) in train.iter().enumerate() {
        let text = prompt(r);
        words += text.split_whitespace().count() as u64;
        chars += text.chars().count() as u64;
        bytes += text.len() as u64;
        done += text.len();
        seqs.push(enc.encode(&text, false));
        if i % 64 == 0 {
            progress(
                0.4 * done as f64 / total_bytes.max(1) as f64,
                "Tokenizing the training rows",
            );
        }
    }
    let mut eval_seqs = Vec::with_capacity(eval.len());
    let mut eval_bytes = Vec::with_capacity(eval.len());
    for r in eval {
        let text = prompt(r);
        eval_bytes.push(text.len() as u32);
        eval_seqs.push(enc.encode(&text, false));
    }
    progress(0.45, "Tokenizing the evaluation set");
    let vocab: HashSet<u32> = seqs.iter().flatten().copied().collect();
    let eval_unknown = eval_seqs
        .iter()
        .flatten()
        .filter(|t| !vocab.contains(t))
        .count() as u64;
    let order = permutation(seqs.len(), job.seed as u32);
    let byte_total: f64 = eval_bytes.iter().map(|&b| f64::from(b)).sum();
    let mut curve = Vec::new();
    let mut last = None;
    for (k, &f) in FRACTIONS.iter().enumerate() {
        let n = ((seqs.len() as f64 * f).ceil() as usize).clamp(1, seqs.len());
        let stage = format!(
            "Training the {}-gram model on {} of {} rows",
            job.order,
            n,
            seqs.len()
        );
        progress(0.45 + 0.55 * k as f64 / FRACTIONS.len() as f64, &stage);
        let rows: Vec<&[u32]> = if n == seqs.len() {
            seqs.iter().map(Vec::as_slice).collect()
        } else {
            order[..n]
                .iter()
                .map(|&i| seqs[i as usize].as_slice())
                .collect()
        };
        let tokens: u64 = rows.iter().map(|r| r.len() as u64).sum();
        let model = NgramModel::train(&rows, job.order)?;
        let bits: Vec<f64> = eval_seqs
            .iter()
            .map(|s| -model.log10_prob(s) * BITS_PER_LOG10)
            .collect();
        let bpb = bits.iter().sum::<f64>() / byte_total;
        curve.push(CurvePoint {
            fraction: n as f64 / seqs.len() as f64,
            tokens,
            bits_per_byte: bpb,
        });
        last = Some((model, bits, bpb));
    }
    let (model, eval_bits, bits_per_byte) = last.expect("FRACTIONS is not empty");
    progress(1.0, "Scored");
    Ok(ArmResult {
        name: job.name.clone(),
        tokenizer_id: tokenizer_id.into(),
        n_vocab: enc.n_vocab(),
        train_rows: train.len(),
        row_tokens: seqs.iter().map(|s| s.len() as u32).collect(),
        train_words: words,
        train_chars: chars,
        train_bytes: bytes,
        eval_tokens: eval_seqs.iter().map(|s| s.len() as u64).sum(),
        eval_bits,
        eval_bytes,
        bits_per_byte,
        curve,
        ngrams: model.ngram_counts(),
        discount_fallback: model.discount_fallback().iter().any(|&b| b),
        eval_unknown,
        rows_fingerprint: fingerprint(train),
        leaked: leaked(train, eval),
        millis: 0.0,
    })
}
