//! Byte-pair-encoding tokenizers compatible with OpenAI's tiktoken, id for id.
//!
//! Why our own encoder rather than calling `tiktoken-rs` as it is: tiktoken splits text with a backtracking
//! regular expression (fancy-regex) before merging, and that split dominates the run time. Here each
//! encoding's split pattern is written out by hand as a small state machine ([`pretokenize`]), with an ASCII
//! fast path and Unicode classes taken from the same tables the regex engine uses ([`unicode_class`]).
//! Merging follows tiktoken's rank rule exactly ([`bpe`]), and a cache remembers how each distinct piece
//! encodes. Native tests compare every id against `tiktoken-rs` on a 10 MB corpus and on random text.
//!
//! Rank files are not compiled in: the page fetches them when an encoding is first needed ([`ranks`]).

pub mod bpe;
pub mod display;
pub mod encodings;
pub mod extend;
pub mod pretokenize;
pub mod ranks;
pub mod unicode_class;
mod unicode_tables;
pub mod workbench;

pub use bpe::{Encoder, Rank};
pub use encodings::{EncodingSpec, ENCODINGS};
pub use pretokenize::SplitPattern;
