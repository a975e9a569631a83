//! Instruction datasets: records and their provenance, parsing (JSON, JSONL, CSV), schema validation with
//! quarantine, canonical content ids, and diffs between versions.

pub mod content;
pub mod contract;
pub mod diff;
pub mod importer;
pub mod ledger;
pub mod parse;
pub mod record;
pub mod search;
pub mod transform;
pub mod validate;
pub mod workspace;
