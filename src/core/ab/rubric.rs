//! The rubric column (optional, with a model connected): the refine lab's LLM judge on a fixed-seed
//! sample of each arm's rows — same rubric, same prompts, same sample size for every arm — with the mean
//! score's interval and the difference to the rung's (slide 10: "use same evaluation prompts and rubric").
//!
//! A rubric judges text, not tokens, so arms with the same dataset share one judging: a tokenizer arm has
//! its rung's rubric score, and its difference is 0 by construction.

use serde::{Deserialize, Serialize};

use crate::core::dataset::workspace::sample_indices;
use crate::core::stats::{bootstrap_diff_ci, bootstrap_mean_ci, Interval};

/// Rows judged per arm unless the student chooses another size.
pub const DEFAULT_SAMPLE: usize = 20;

/// The rows of a dataset of `n` rows the judge scores: the same `size` (or all, if fewer) for a given
/// seed, ascending — so two runs, and two arms with the same rows, judge the same examples.
pub fn sample(n: usize, size: usize, seed: u64) -> Vec<usize> {
    sample_indices(n, size.min(n), seed)
}

/// One dataset's judged sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    pub dataset: String,
    /// Row indices judged, and each row's mean score over the criteria (rows whose reply could not be
    /// read are left out and listed in `failures`).
    pub rows: Vec<usize>,
    pub scores: Vec<f64>,
    pub failures: Vec<String>,
}

impl Judged {
    /// The mean score with its bootstrap interval.
    pub fn mean(&self, seed: u64) -> Option<Interval> {
        bootstrap_mean_ci(&self.scores, 2000, seed)
    }
}

/// An arm's rubric score against its rung's: mean(arm) − mean(rung) with an unpaired bootstrap interval
/// (the two arms' samples are different rows).
pub fn difference(arm: &Judged, rung: &Judged, seed: u64) -> Option<Interval> {
    if arm.dataset == rung.dataset {
        return Some(Interval {
            mean: 0.0,
            low: 0.0,
            high: 0.0,
            resamples: 0,
        });
    }
    bootstrap_diff_ci(&arm.scores, &rung.scores, 2000, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_fixed_and_bounded() {
        let a = sample(100, 20, 7);
        assert_eq!(a.len(), 20);
        assert_eq!(a, sample(100, 20, 7));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(5, 20, 7), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn same_rows_differ_by_nothing() {
        let j = |d: &str, s: &[f64]| Judged {
            dataset: d.into(),
            rows: (0..s.len()).collect(),
            scores: s.to_vec(),
            failures: vec![],
        };
        let a = j("v1", &[3.0, 4.0, 5.0]);
        let d = difference(&a, &j("v1", &[3.0, 4.0, 5.0]), 1).unwrap();
        assert_eq!((d.mean, d.low, d.high), (0.0, 0.0, 0.0));
        let d = difference(&j("v2", &[5.0, 5.0, 4.0, 5.0]), &a, 1).unwrap();
        assert!((d.mean - 0.75).abs() < 1e-12);
        assert!(a.mean(1).unwrap().mean == 4.0);
    }
}
