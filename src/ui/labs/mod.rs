//! One folder per lab page.

pub mod extend;
pub mod quality;
pub mod tokenizer;
pub mod workspace;
