//! What one arm's run measures, as plain data: the proxy model's score on the evaluation set (per row, for
//! pairing), its learning curve, and the token counts the cost metrics are computed from. The worker
//! fills it (`proxy::run_arm`); the page compares arms with it.

use serde::{Deserialize, Serialize};

/// Bits per byte after training on a share of the rows (the learning curve).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Share of the training rows (0..=1].
    pub fraction: f64,
    /// Training tokens seen at that share.
    pub tokens: u64,
    pub bits_per_byte: f64,
}

/// One arm's measurements.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ArmResult {
    pub name: String,
    /// The tokenizer's id (an encoding name or an extension version id, computed for inline ones).
    pub tokenizer_id: String,
    /// The tokenizer's id space (base vocabulary plus any new tokens): the model's embedding rows.
    pub n_vocab: usize,
    pub train_rows: usize,
    /// Tokens per training row (the prompt-formatted row), in row order.
    pub row_tokens: Vec<u32>,
    /// Whitespace-separated words and characters of the training text (fertility, chars per token).
    pub train_words: u64,
    pub train_chars: u64,
    pub train_bytes: u64,
    /// Bits the model spends on each evaluation row (its tokens and the end of the row).
    pub eval_bits: Vec<f64>,
    /// UTF-8 bytes of each evaluation row (the same for every arm: the same text).
    pub eval_bytes: Vec<u32>,
    pub eval_tokens: u64,
    /// Σ bits / Σ bytes over the evaluation set.
    pub bits_per_byte: f64,
    pub curve: Vec<CurvePoint>,
    /// N-grams the model holds, per order (as in its ARPA file's header).
    pub ngrams: Vec<usize>,
    /// Whether an order had too little data for its own discounts (`lmplz --discount_fallback`).
    pub discount_fallback: bool,
    /// Evaluation tokens never seen in training (scored as `<unk>`).
    pub eval_unknown: u64,
    /// A hash of the training rows as a multiset: equal for the same rows in any order.
    pub rows_fingerprint: String,
    /// Evaluation rows that are also training rows (leakage).
    pub leaked: usize,
    pub millis: f64,
}

impl ArmResult {
    /// Total training tokens.
    pub fn tokens(&self) -> u64 {
        self.row_tokens.iter().map(|&t| u64::from(t)).sum()
    }
}
