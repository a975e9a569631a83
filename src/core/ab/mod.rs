//! The A/B-experiment lab: what changes when a tokenizer changes, measured with a proxy language model.
pub mod ngram;
