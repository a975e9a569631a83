//! What a run used and produced, kept so a rerun can say "identical" — or exactly what changed (LAB-08:
//! "benchmark pipelines should be scripted, reproducible, and auditable").
//!
//! A record holds the inputs (archive name, size and SHA-256; seed, sizes, shuffles), the outputs (rows,
//! class balance and SHA-256 per split) and, once trained, the evaluation settings and accuracies. Two
//! records are compared field by field; the lab shows the list.

use serde::{Deserialize, Serialize};

use super::logreg::Settings as LogRegSettings;
use super::prepare::SplitSettings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveInfo {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// One split's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitId {
    pub name: String,
    pub rows: usize,
    pub positive: usize,
    pub sha256: String,
}

/// Evaluation settings and results of the baselines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRun {
    pub vectorizer: String,
    pub settings: LogRegSettings,
    pub vocabulary: usize,
    /// Accuracy on train, validation, test (None for an empty split).
    pub majority: [Option<f64>; 3],
    pub logreg: [Option<f64>; 3],
    pub n_iter: usize,
    pub stop: String,
    /// Wall-clock seconds of vectorising and fitting (not compared: machines differ).
    pub seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// 1, 2, … in this browser.
    pub run: u32,
    /// When, as the browser tells it (ISO 8601).
    pub when: String,
    pub archive: ArchiveInfo,
    pub settings: SplitSettings,
    pub reviews: usize,
    pub splits: Vec<SplitId>,
    pub baselines: Option<BaselineRun>,
}

/// One difference between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: String,
    pub before: String,
    pub after: String,
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.2} %", v * 100.0))
}

/// What differs between `before` and `after`, inputs first, then outputs. Empty: the runs agree.
/// Baselines are compared only when both runs have them.
pub fn compare(before: &RunRecord, after: &RunRecord) -> Vec<Change> {
    let mut out = Vec::new();
    let mut diff = |what: &str, a: String, b: String| {
        if a != b {
            out.push(Change {
                what: what.to_string(),
                before: a,
                after: b,
            });
        }
    };
    diff(
        "archive SHA-256",
        before.archive.sha256.clone(),
        after.archive.sha256.clone(),
    );
    diff(
        "archive size (bytes)",
        before.archive.bytes.to_string(),
        after.archive.bytes.to_string(),
    );
    diff(
        "seed",
        before.settings.seed.to_string(),
        after.settings.seed.to_string(),
    );
    diff(
        "shuffles",
        before.settings.shuffles.to_string(),
        after.settings.shuffles.to_string(),
    );
    let sizes = |s: &SplitSettings| format!("{} / {} / {}", s.train, s.validation, s.test);
    diff("sizes", sizes(&before.settings), sizes(&after.settings));
    diff(
        "reviews read",
        before.reviews.to_string(),
        after.reviews.to_string(),
    );
    for (a, b) in before.splits.iter().zip(&after.splits) {
        diff(
            &format!("{} rows", a.name),
            a.rows.to_string(),
            b.rows.to_string(),
        );
        diff(
            &format!("{} positives", a.name),
            a.positive.to_string(),
            b.positive.to_string(),
        );
        diff(
            &format!("{}.csv SHA-256", a.name),
            a.sha256.clone(),
            b.sha256.clone(),
        );
    }
    if let (Some(a), Some(b)) = (&before.baselines, &after.baselines) {
        diff("vectorizer", a.vectorizer.clone(), b.vectorizer.clone());
        diff("C", a.settings.c.to_string(), b.settings.c.to_string());
        diff(
            "max_iter",
            a.settings.max_iter.to_string(),
            b.settings.max_iter.to_string(),
        );
        diff(
            "tol",
            a.settings.tol.to_string(),
            b.settings.tol.to_string(),
        );
        diff(
            "vocabulary",
            a.vocabulary.to_string(),
            b.vocabulary.to_string(),
        );
        for (k, name) in ["train", "validation", "test"].iter().enumerate() {
            diff(
                &format!("majority {name} accuracy"),
                pct(a.majority[k]),
                pct(b.majority[k]),
            );
            diff(
                &format!("logistic regression {name} accuracy"),
                pct(a.logreg[k]),
                pct(b.logreg[k]),
            );
        }
        diff("iterations", a.n_iter.to_string(), b.n_iter.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: u32, hash: &str) -> RunRecord {
        RunRecord {
            run: 1,
            when: "2026-11-25T10:00:00Z".into(),
            archive: ArchiveInfo {
                name: "a.tar.gz".into(),
                bytes: 10,
                sha256: "aa".into(),
            },
            settings: SplitSettings {
                seed,
                ..SplitSettings::default()
            },
            reviews: 50_000,
            splits: vec![SplitId {
                name: "train".into(),
                rows: 35_000,
                positive: 17_000,
                sha256: hash.into(),
            }],
            baselines: None,
        }
    }

    #[test]
    fn identical_runs_have_no_changes_and_others_list_them() {
        let a = record(123, "x");
        let mut b = record(123, "x");
        b.run = 2;
        b.when = "later".into();
        assert!(
            compare(&a, &b).is_empty(),
            "run number and time are not differences"
        );
        let c = record(124, "y");
        let changes = compare(&a, &c);
        let what: Vec<&str> = changes.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(what, ["seed", "train.csv SHA-256"]);
        assert_eq!(
            (changes[0].before.as_str(), changes[0].after.as_str()),
            ("123", "124")
        );
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<RunRecord>(&json).unwrap(), c);
    }
}
