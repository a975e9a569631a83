//! The tokenizer step: a version that records which tokenizer a dataset is used with (slide 23: "record the
//! tokenizer version with the dataset") and how many tokens its rows are under it. The count is what
//! `pipeline.py` checks with OpenAI's tiktoken: every field encoded as ordinary text (`encode_ordinary`),
//! summed over rows.

use serde_json::{json, Value};

use crate::core::dataset::record::Record;
use crate::core::tokenize::Encoder;

/// Tokens of one row — its three fields, special-token text taken as ordinary text — and the largest id.
pub fn row_tokens(enc: &mut Encoder, r: &Record) -> (usize, u32) {
    let mut n = 0;
    let mut max = 0;
    for f in [&r.instruction, &r.input, &r.output] {
        let ids = enc.encode(f, false);
        n += ids.len();
        max = ids.iter().copied().fold(max, u32::max);
    }
    (n, max)
}

/// The step's parameters.
pub fn params(tokenizer: &str, n_vocab: usize, tokens: u64, max_id: u32) -> Value {
    json!({"tokenizer": tokenizer, "n_vocab": n_vocab, "tokens": tokens, "max_id": max_id})
}
