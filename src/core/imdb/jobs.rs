//! What the page asks the worker for and what comes back, as plain serde types (the worker and the page
//! are the same wasm module, so they share these).

use serde::{Deserialize, Serialize};

use super::prepare::{SplitSettings, SplitStats};
use super::record::ArchiveInfo;

/// The answer to "prepare the splits from this archive" (the CSV bytes travel beside it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrepareSummary {
    pub archive: ArchiveInfo,
    pub settings: SplitSettings,
    /// Reviews read, and per folder (test/pos, test/neg, train/pos, train/neg).
    pub reviews: usize,
    pub counts: [usize; 4],
    /// Top folder of the reviews (`aclImdb`).
    pub root: String,
    pub entries: u64,
    pub tar_bytes: u64,
    pub stats: Vec<SplitStats>,
    pub left_out: usize,
    pub notes: Vec<String>,
    /// The worker still held this archive's reviews from an earlier run, so nothing was unpacked.
    pub cached: bool,
    pub millis_unpack: f64,
    pub millis_split: f64,
}
