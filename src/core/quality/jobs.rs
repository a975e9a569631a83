//! The quality lab's long jobs as plain data: what the page asks the background worker to do, and what comes
//! back. Both sides share these types, so the message format has one definition; the work itself is here,
//! testable natively, and the worker only carries it out.

use serde::{Deserialize, Serialize};

use super::dedup::{leakage, near_duplicates, row_text, Leak, NearDupParams, NearDupReport};
use super::exact::row_key;
use super::gates::GateConfig;
use super::scorecard::{run_gates, GateRun, TokenCounter};
use crate::core::dataset::record::{Provenance, Record};

/// A job over some rows (sent with the rows' fields, three strings per row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Every enabled gate; token lengths with `encoding` (its rank file travels with the job).
    Gates {
        config: GateConfig,
        encoding: Option<String>,
    },
    /// Exact and near duplicates.
    Duplicates { params: NearDupParams },
    /// Train rows (the first `train`) that duplicate test rows (the rest).
    Leakage { params: NearDupParams, train: usize },
}

/// Exact and near duplicates of one version.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DuplicateReport {
    pub params: NearDupParams,
    /// Groups of rows equal after normalising (each in row order).
    pub exact: Vec<Vec<usize>>,
    pub near: NearDupReport,
    pub millis: f64,
}

/// Train rows found in the test split.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LeakageReport {
    pub params: NearDupParams,
    pub train_rows: usize,
    pub test_rows: usize,
    pub leaks: Vec<Leak>,
    pub millis: f64,
}

/// What a job gives back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Gates(Box<GateRun>),
    Duplicates(Box<DuplicateReport>),
    Leakage(Box<LeakageReport>),
}

impl Outcome {
    /// Records how long the job took.
    pub fn set_millis(&mut self, ms: f64) {
        match self {
            Outcome::Gates(r) => r.millis = ms,
            Outcome::Duplicates(r) => r.millis = ms,
            Outcome::Leakage(r) => r.millis = ms,
        }
    }
}

/// Rows from a flat list of fields, three per row (instruction, input, output) — the form rows travel in.
pub fn rows_from_fields(fields: Vec<String>) -> Result<Vec<Record>, String> {
    if fields.len() % 3 != 0 {
        return Err(format!(
            "{} fields is not a whole number of rows (3 fields each)",
            fields.len()
        ));
    }
    let mut it = fields.into_iter();
    let mut rows = Vec::with_capacity(it.len() / 3);
    while let (Some(instruction), Some(input), Some(output)) = (it.next(), it.next(), it.next()) {
        rows.push(Record {
            instruction,
            input,
            output,
            provenance: Provenance::generated("quality-worker", None),
        });
    }
    Ok(rows)
}

/// Groups of rows equal after normalising case, whitespace and punctuation (see [`row_key`]).
pub fn exact_duplicate_groups(rows: &[Record]) -> Vec<Vec<usize>> {
    let mut by_key: rustc_hash::FxHashMap<u64, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        by_key.entry(row_key(r)).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_key.into_values().filter(|g| g.len() > 1).collect();
    out.sort_unstable_by_key(|g| g[0]);
    out
}

/// Carries out `job` over `rows`.
pub fn run(
    job: &Job,
    rows: &[Record],
    tokens: Option<TokenCounter<'_>>,
    progress: &mut dyn FnMut(f64),
) -> Result<Outcome, String> {
    Ok(match job {
        Job::Gates { config, encoding } => {
            let mut run = run_gates(rows, config, tokens, progress);
            run.encoding = encoding.clone();
            Outcome::Gates(Box::new(run))
        }
        Job::Duplicates { params } => {
            params.check()?;
            let texts: Vec<String> = rows.iter().map(row_text).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let near = near_duplicates(&refs, params, progress);
            Outcome::Duplicates(Box::new(DuplicateReport {
                params: params.clone(),
                exact: exact_duplicate_groups(rows),
                near,
                millis: 0.0,
            }))
        }
        Job::Leakage { params, train } => {
            params.check()?;
            let train = (*train).min(rows.len());
            let texts: Vec<String> = rows.iter().map(row_text).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let leaks = leakage(&refs, train, params, progress);
            Outcome::Leakage(Box::new(LeakageReport {
                params: params.clone(),
                train_rows: train,
                test_rows: rows.len() - train,
                leaks,
                millis: 0.0,
            }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_as_json_and_run() {
        let job = Job::Duplicates {
            params: NearDupParams::default(),
        };
        let json = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<Job>(&json).unwrap(), job);
        let fields: Vec<String> = [
            "Say hi.",
            "",
            "Hello there, friend.",
            "say hi",
            "",
            "hello there friend",
            "Count.",
            "",
            "One two three.",
        ]
        .map(String::from)
        .to_vec();
        let rows = rows_from_fields(fields).unwrap();
        assert_eq!(rows.len(), 3);
        let Outcome::Duplicates(r) = run(&job, &rows, None, &mut |_| {}).unwrap() else {
            panic!("a duplicates job gives a duplicates report")
        };
        assert_eq!(r.exact, vec![vec![0, 1]]);
        assert_eq!(
            r.near.pairs.len(),
            1,
            "exact duplicates are near duplicates too"
        );
        let back: Outcome =
            serde_json::from_str(&serde_json::to_string(&Outcome::Duplicates(r)).unwrap()).unwrap();
        assert!(matches!(back, Outcome::Duplicates(_)));
        assert!(rows_from_fields(vec!["a".into()])
            .unwrap_err()
            .contains("3 fields"));
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let job = Job::Duplicates {
            params: NearDupParams {
                shingle: 0,
                ..Default::default()
            },
        };
        assert!(run(&job, &[], None, &mut |_| {})
            .unwrap_err()
            .contains("Shingle size"));
    }
}
