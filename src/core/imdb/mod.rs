//! The IMDb benchmark, prepared as the course's reference script does it — byte for byte — and the
//! classical baselines trained on it (LAB-05, LAB-06, LAB-08).
//!
//! - [`layout`]: which files of `aclImdb_v1.tar.gz` are reviews, in the script's order, decoded as Python
//!   reads them.
//! - [`shuffle`]: numpy's `RandomState` permutation, which pandas' `sample(frac=1)` uses.
//! - [`csv`]: the split files as pandas writes them.
//! - [`prepare`]: archive → three CSV files with their hashes and statistics.
//! - [`bow`] and [`logreg`]: scikit-learn's `CountVectorizer` and L2 logistic regression.
//! - [`record`]: what a run used and produced, and what changed since the last one.

pub mod baseline;
pub mod bow;
pub mod csv;
pub mod jobs;
pub mod layout;
pub mod logreg;
pub mod prepare;
pub mod progress;
pub mod record;
pub mod reported;
pub mod shuffle;
pub mod unpack;
