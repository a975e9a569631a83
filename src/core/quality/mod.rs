//! Quality control of a dataset version (slides 6, 14, 24): exact duplicates on normalised text and near
//! duplicates by MinHash with LSH banding. Pure Rust, no web types; the quality lab drives it in slices.

pub mod dedup;
pub mod exact;
pub mod gates;
pub mod jobs;
pub mod minhash;
pub mod scan;
pub mod scorecard;
pub mod shingle;
