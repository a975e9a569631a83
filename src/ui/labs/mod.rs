//! One folder per lab page.

pub mod tokenizer;
