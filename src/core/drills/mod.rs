//! The failure drills (slide 25, ADDON-B-LAB-07): each plants a fault in a dataset version with a seed,
//! shows what the fault does to a result, checks the student's diagnosis and records the recovery as a
//! new version — so the lineage tells the story.
//!
//! - [`schema`]: a drifted export, the schema contract pinned on a lineage, and the field mapping that
//!   brings a drifted file back under it.
//! - [`leak`]: evaluation rows copied (exactly and lightly edited) into training, and which of them a
//!   duplicate check finds.
//! - [`tokens`]: the general tokens check of a pre-tokenized JSONL file against a model's tokenizer, and the
//!   tokenizer-mismatch drill's files.
//! - [`board`]: the scoreboard and the instructor's drill pack.

pub mod board;
pub mod leak;
pub mod schema;
pub mod tokens;
